//! Customer master data: reads `customers.csv`, `contracts.csv` and the optional `claims.csv`
//! (fixed formats, see README),
//! validates every row and upserts the good ones. Bad rows are reported with their line number
//! and do not stop the import. Re-importing the same files changes nothing (idempotent).

use std::collections::HashSet;
use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::store::{Claim, Contract, Customer, Store, StoreError};

pub const PRODUCTS: [&str; 9] = [
    "kfz",
    "hausrat",
    "haftpflicht",
    "wohngebaeude",
    "rechtsschutz",
    "unfall",
    "leben",
    "kranken",
    "berufsunfaehigkeit",
];

/// The header of `customers.csv` (a public interface).
pub const CUSTOMER_COLUMNS: [&str; 12] = [
    "customer_id",
    "salutation",
    "first_name",
    "last_name",
    "birth_date",
    "street",
    "house_number",
    "postcode",
    "city",
    "email",
    "phone",
    "iban",
];

/// The header of `contracts.csv` (a public interface).
pub const CONTRACT_COLUMNS: [&str; 5] = [
    "contract_id",
    "customer_id",
    "product",
    "status",
    "start_date",
];

/// The header of `claims.csv` (a public interface).
pub const CLAIM_COLUMNS: [&str; 4] = ["claim_id", "contract_id", "customer_id", "loss_date"];

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {source}")]
    Csv { path: String, source: csv::Error },
    #[error("{path}: missing column(s): {missing}")]
    Header { path: String, missing: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct ImportReport {
    pub customers: usize,
    pub contracts: usize,
    pub claims: usize,
    pub bad_rows: Vec<BadRow>,
}

#[derive(Deserialize)]
struct CustomerCsv {
    customer_id: String,
    salutation: String,
    first_name: String,
    last_name: String,
    birth_date: String,
    street: String,
    house_number: String,
    postcode: String,
    city: String,
    email: String,
    phone: String,
    iban: String,
    /// Optional column: `1`/`true`/`ja`/`yes`/`x` = objected; empty or absent = not.
    #[serde(default)]
    advertising_objection: String,
}

#[derive(Deserialize)]
struct ContractCsv {
    contract_id: String,
    customer_id: String,
    product: String,
    status: String,
    start_date: String,
}

#[derive(Deserialize)]
struct ClaimCsv {
    claim_id: String,
    contract_id: String,
    customer_id: String,
    loss_date: String,
}

/// ISO (`2026-03-14`) or German (`14.03.2026`) date; empty is `None`.
fn parse_date(field: &str, value: &str) -> Result<Option<NaiveDate>, String> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%d.%m.%Y"))
        .map(Some)
        .map_err(|_| format!("{field}: {v:?} is not a date (YYYY-MM-DD or DD.MM.YYYY)"))
}

fn customer_row(r: CustomerCsv) -> Result<Customer, String> {
    let mut problems = Vec::new();
    if r.customer_id.trim().is_empty() {
        problems.push("customer_id: empty".to_string());
    }
    if r.last_name.trim().is_empty() {
        problems.push("last_name: empty".to_string());
    }
    let birth_date = parse_date("birth_date", &r.birth_date).unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    let objection = match r.advertising_objection.trim().to_lowercase().as_str() {
        "" | "0" | "false" | "nein" | "no" | "n" => false,
        "1" | "true" | "ja" | "yes" | "j" | "y" | "x" => true,
        other => {
            problems.push(format!(
                "advertising_objection: {other:?} is not yes/no (1, true, ja / 0, false, nein, empty)"
            ));
            false
        }
    };
    let iban = r.iban.split_whitespace().collect::<String>().to_uppercase();
    if !iban.is_empty() && iban.parse::<iban::Iban>().is_err() {
        problems.push(format!("iban: {:?} is not a valid IBAN", r.iban));
    }
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    Ok(Customer {
        customer_id: r.customer_id.trim().to_string(),
        salutation: r.salutation.trim().to_string(),
        first_name: r.first_name.trim().to_string(),
        last_name: r.last_name.trim().to_string(),
        birth_date,
        street: r.street.trim().to_string(),
        house_number: r.house_number.trim().to_string(),
        postcode: r.postcode.trim().to_string(),
        city: r.city.trim().to_string(),
        email: r.email.trim().to_lowercase(),
        phone: r.phone.trim().to_string(),
        iban,
        advertising_objection: objection,
    })
}

fn contract_row(r: ContractCsv, known: &HashSet<String>) -> Result<Contract, String> {
    let mut problems = Vec::new();
    if r.contract_id.trim().is_empty() {
        problems.push("contract_id: empty".to_string());
    }
    let customer_id = r.customer_id.trim().to_string();
    if !known.contains(&customer_id) {
        problems.push(format!(
            "customer_id: {customer_id:?} is not a known customer"
        ));
    }
    let product = r.product.trim().to_lowercase();
    if !PRODUCTS.contains(&product.as_str()) {
        problems.push(format!(
            "product: {:?} is not one of {}",
            r.product,
            PRODUCTS.join(", ")
        ));
    }
    let status = r.status.trim().to_lowercase();
    if status != "active" && status != "cancelled" {
        problems.push(format!("status: {:?} is not active or cancelled", r.status));
    }
    let start_date = parse_date("start_date", &r.start_date).unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    Ok(Contract {
        contract_id: r.contract_id.trim().to_string(),
        customer_id,
        product,
        status,
        start_date,
    })
}

/// A claim needs its contract or its customer (known, from this import or an earlier one); when
/// both are given they must belong together. A claim naming only its contract gets the
/// contract's customer.
fn claim_row(
    r: ClaimCsv,
    customers: &HashSet<String>,
    contracts: &std::collections::HashMap<String, String>,
) -> Result<Claim, String> {
    let mut problems = Vec::new();
    let claim_id = r.claim_id.trim().to_string();
    if claim_id.is_empty() {
        problems.push("claim_id: empty".to_string());
    }
    let contract_id = Some(r.contract_id.trim().to_string()).filter(|s| !s.is_empty());
    let given = Some(r.customer_id.trim().to_string()).filter(|s| !s.is_empty());
    let customer_id = match (&contract_id, given) {
        (None, None) => {
            problems.push("contract_id and customer_id: both empty (one is needed)".to_string());
            None
        }
        (Some(k), given) => match contracts.get(k) {
            None => {
                problems.push(format!("contract_id: {k:?} is not a known contract"));
                given
            }
            Some(owner) if given.as_ref().is_some_and(|c| c != owner) => {
                problems.push(format!(
                    "customer_id: {:?} does not hold contract {k:?} (its customer is {owner:?})",
                    given.as_deref().unwrap_or("")
                ));
                given
            }
            Some(owner) => Some(owner.clone()),
        },
        (None, Some(c)) => {
            if !customers.contains(&c) {
                problems.push(format!("customer_id: {c:?} is not a known customer"));
            }
            Some(c)
        }
    };
    let loss_date = parse_date("loss_date", &r.loss_date).unwrap_or_else(|e| {
        problems.push(e);
        None
    });
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    Ok(Claim {
        claim_id,
        contract_id,
        customer_id,
        loss_date,
    })
}

fn read_rows<T: for<'de> Deserialize<'de>, U>(
    path: &Path,
    required: &[&str],
    mut convert: impl FnMut(T) -> Result<U, String>,
    bad: &mut Vec<BadRow>,
) -> Result<Vec<U>, ImportError> {
    let name = path.display().to_string();
    let csv_err = |source| ImportError::Csv {
        path: name.clone(),
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::Headers)
        .from_path(path)
        .map_err(csv_err)?;
    let headers = reader.headers().map_err(csv_err)?.clone();
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|h| !headers.iter().any(|x| x == *h))
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::Header {
            path: name,
            missing: missing.join(", "),
        });
    }
    let mut good = Vec::new();
    for record in reader.records() {
        let (line, parsed) = match record {
            Ok(rec) => {
                let line = rec.position().map(|p| p.line()).unwrap_or(0);
                (
                    line,
                    rec.deserialize::<T>(Some(&headers))
                        .map_err(|e| e.to_string()),
                )
            }
            Err(e) => (
                e.position().map(|p| p.line()).unwrap_or(0),
                Err(e.to_string()),
            ),
        };
        match parsed.and_then(&mut convert) {
            Ok(row) => good.push(row),
            Err(reason) => bad.push(BadRow {
                file: name.clone(),
                line,
                reason,
            }),
        }
    }
    Ok(good)
}

/// Imports the files; contracts may reference customers, claims contracts and customers from
/// this import or an earlier one.
pub fn import(
    store: &dyn Store,
    customers: &Path,
    contracts: Option<&Path>,
    claims: Option<&Path>,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    let rows = read_rows(
        customers,
        &CUSTOMER_COLUMNS,
        customer_row,
        &mut report.bad_rows,
    )?;
    // Inserting in key order keeps the database's B-tree appends sequential (linear import);
    // a stable sort keeps the last of duplicate rows last, so it still wins.
    let mut rows = rows;
    rows.sort_by(|a, b| a.customer_id.cmp(&b.customer_id));
    report.customers = store.upsert_customers(&rows)?;
    if let Some(contracts) = contracts {
        let known = store.customer_ids()?;
        let rows = read_rows(
            contracts,
            &CONTRACT_COLUMNS,
            |r| contract_row(r, &known),
            &mut report.bad_rows,
        )?;
        let mut rows = rows;
        rows.sort_by(|a, b| a.contract_id.cmp(&b.contract_id));
        report.contracts = store.upsert_contracts(&rows)?;
    }
    if let Some(claims) = claims {
        let known = store.customer_ids()?;
        let owners = store.contract_owners()?;
        let rows = read_rows(
            claims,
            &CLAIM_COLUMNS,
            |r| claim_row(r, &known, &owners),
            &mut report.bad_rows,
        )?;
        report.claims = store.upsert_claims(&rows)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;

    #[test]
    fn good_rows_are_kept_bad_rows_reported_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
        let cust = dir.path().join("customers.csv");
        std::fs::write(
            &cust,
            "customer_id,salutation,first_name,last_name,birth_date,street,house_number,postcode,city,email,phone,iban\n\
             K-1,Frau,Jürgen,Müller,1970-02-01,Hauptstraße,1,10115,Berlin,J@X.DE,030 1,DE89 3704 0044 0532 0130 00\n\
             K-2,Herr,Max,Maier,31.02.1980,Weg,2,80331,München,m@x.de,,\n\
             K-3,Herr,Hans,Schulz,1965-05-05,Weg,3,20095,Hamburg,h@x.de,,DE00123\n",
        )
        .unwrap();
        let con = dir.path().join("contracts.csv");
        std::fs::write(
            &con,
            "contract_id,customer_id,product,status,start_date\n\
             KF-1,K-1,kfz,active,2020-01-01\n\
             HR-1,K-9,hausrat,active,2020-01-01\n\
             XX-1,K-1,boot,active,2020-01-01\n",
        )
        .unwrap();
        let report = import(&store, &cust, Some(&con), None).unwrap();
        assert_eq!((report.customers, report.contracts), (1, 1));
        let lines: Vec<(String, u64)> = report
            .bad_rows
            .iter()
            .map(|b| {
                (
                    Path::new(&b.file)
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                    b.line,
                )
            })
            .collect();
        assert_eq!(
            lines,
            vec![
                ("customers.csv".into(), 3),
                ("customers.csv".into(), 4),
                ("contracts.csv".into(), 3),
                ("contracts.csv".into(), 4)
            ]
        );
        assert!(report.bad_rows[0].reason.contains("birth_date"));
        assert!(report.bad_rows[1].reason.contains("iban"));
        assert!(report.bad_rows[2].reason.contains("K-9"));
        // Idempotent.
        let again = import(&store, &cust, Some(&con), None).unwrap();
        assert_eq!((again.customers, again.contracts), (1, 1));
        assert_eq!(store.customer_ids().unwrap().len(), 1);
    }

    #[test]
    fn claims_need_a_known_contract_or_customer_and_take_the_contracts_customer() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("db.sqlite")).unwrap();
        let cust = dir.path().join("customers.csv");
        std::fs::write(
            &cust,
            "customer_id,salutation,first_name,last_name,birth_date,street,house_number,postcode,city,email,phone,iban\n\
             4419027,Frau,Anna,Roth,1970-02-01,Ringweg,1,10115,Berlin,,,\n\
             4419028,Herr,Max,Maier,1980-02-01,Weg,2,80331,München,,,\n",
        )
        .unwrap();
        let con = dir.path().join("contracts.csv");
        std::fs::write(
            &con,
            "contract_id,customer_id,product,status,start_date\nWG-17450311,4419027,wohngebaeude,cancelled,2020-01-01\n",
        )
        .unwrap();
        let cl = dir.path().join("claims.csv");
        std::fs::write(
            &cl,
            "claim_id,contract_id,customer_id,loss_date\n\
             SN 2026/0042,WG-17450311,,2026-03-01\n\
             SN 2026/0043,,4419028,02.03.2026\n\
             SN 2026/0044,,,2026-03-01\n\
             SN 2026/0045,WG-17450311,4419028,2026-03-01\n\
             SN 2026/0046,XX-1,,2026-03-01\n\
             SN 2026/0047,,4419027,yesterday\n",
        )
        .unwrap();
        let report = import(&store, &cust, Some(&con), Some(&cl)).unwrap();
        assert_eq!(report.claims, 2, "{:?}", report.bad_rows);
        let lines: Vec<u64> = report.bad_rows.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![4, 5, 6, 7]);
        assert!(report.bad_rows[0].reason.contains("both empty"));
        assert!(report.bad_rows[1].reason.contains("does not hold"));
        assert!(report.bad_rows[2].reason.contains("not a known contract"));
        assert!(report.bad_rows[3].reason.contains("loss_date"));
        let claims = store.all_claims().unwrap();
        assert_eq!(claims[0].customer_id.as_deref(), Some("4419027"));
        assert_eq!(claims[0].contract_id.as_deref(), Some("WG-17450311"));
        assert_eq!(claims[1].loss_date, NaiveDate::from_ymd_opt(2026, 3, 2));
        // Idempotent.
        import(&store, &cust, Some(&con), Some(&cl)).unwrap();
        assert_eq!(store.all_claims().unwrap().len(), 2);
    }
}
