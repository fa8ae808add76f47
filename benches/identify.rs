//! `make bench`: identification and customer matching with 1,000,000 contracts in master data,
//! and the import of master data at two sizes (is it linear?). Master data with layouts unlike
//! the samples: customers `K` + 7 digits, contracts `WG-99999999` and `9999.9999.99`, claims
//! `SN 9999/9999`; letters in many written forms (separators, missing prefix, OCR confusions,
//! one digit off with and without the name, the sender's own numbers, names with addresses,
//! third parties writing). Prints the time per document (identifiers + known numbers + match),
//! the precision and recall on these letters, the index build time and the import times.
//! Sizes: `BENCH_ID_CONTRACTS` (1,000,000), `BENCH_ID_DOCS` (5,000), `BENCH_ID_IMPORT`
//! (`100000,1000000` contracts; empty = skip). Figures go to BENCHMARKS.md.

mod support;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use intake::config::IdentifyConfig;
use intake::identify::matching::{MasterIndex, MatchInput};
use intake::identify::Identifiers;
use intake::samples::people::{CITIES, FEMALE, LAST, MALE, STREETS};
use intake::store::sqlite::SqliteStore;
use intake::store::{Claim, Contract, Customer};
use support::{env_usize, percentile};

struct Master {
    customers: Vec<Customer>,
    contracts: Vec<Contract>,
    claims: Vec<Claim>,
}

fn contract_id(i: usize) -> String {
    if i % 4 == 3 {
        let n = 1_000_000_000 + i * 7;
        format!(
            "{:04}.{:04}.{:02}",
            n / 1_000_000,
            (n / 100) % 10_000,
            n % 100
        )
    } else {
        format!("WG-{}", 10_000_000 + i * 37 % 89_000_000)
    }
}

fn master(contracts: usize, rng: &mut SmallRng) -> Master {
    let n_customers = contracts * 2 / 5;
    let customers: Vec<Customer> = (0..n_customers)
        .map(|i| {
            let female = rng.gen_bool(0.5);
            let city = &CITIES[rng.gen_range(0..CITIES.len())];
            Customer {
                customer_id: format!("K{}", 4_000_000 + i),
                salutation: if female { "Frau" } else { "Herr" }.into(),
                first_name: if female {
                    FEMALE[rng.gen_range(0..FEMALE.len())]
                } else {
                    MALE[rng.gen_range(0..MALE.len())]
                }
                .into(),
                last_name: LAST[rng.gen_range(0..LAST.len())].into(),
                birth_date: NaiveDate::from_ymd_opt(
                    rng.gen_range(1940..2004),
                    rng.gen_range(1..13),
                    rng.gen_range(1..29),
                ),
                street: STREETS[rng.gen_range(0..STREETS.len())].into(),
                house_number: rng.gen_range(1..120).to_string(),
                postcode: city.postcodes[rng.gen_range(0..city.postcodes.len())].into(),
                city: city.name.into(),
                email: format!("kunde{i}@example.org"),
                phone: String::new(),
                iban: String::new(),
                advertising_objection: false,
            }
        })
        .collect();
    let contracts: Vec<Contract> = (0..contracts)
        .map(|i| Contract {
            contract_id: contract_id(i),
            customer_id: customers[i % n_customers].customer_id.clone(),
            product: "wohngebaeude".into(),
            status: if i % 10 == 0 { "cancelled" } else { "active" }.into(),
            start_date: None,
        })
        .collect();
    let claims: Vec<Claim> = (0..contracts.len() / 5)
        .map(|i| Claim {
            claim_id: format!("SN {}/{:06}", 2020 + i % 7, i),
            contract_id: Some(contracts[i * 5].contract_id.clone()),
            customer_id: Some(contracts[i * 5].customer_id.clone()),
            loss_date: None,
        })
        .collect();
    Master {
        customers,
        contracts,
        claims,
    }
}

/// Writes a number the way people and scanners do.
fn written(id: &str, rng: &mut SmallRng) -> String {
    let digits: String = id.chars().filter(char::is_ascii_digit).collect();
    let prefix: String = id.chars().take_while(char::is_ascii_alphabetic).collect();
    match rng.gen_range(0..7) {
        0 => id.to_string(),
        1 => format!("{prefix} {} {}", &digits[..3], &digits[3..]),
        2 => digits.clone(),
        3 => format!(
            "{prefix}{}",
            digits.replacen('0', "O", 1).replacen('1', "I", 1)
        ),
        4 => format!("{prefix}-{}\n{}", &digits[..4], &digits[4..]),
        5 => format!("{prefix}.{}", digits.replacen('5', "S", 1)),
        _ => format!("{prefix} / {digits}"),
    }
}

fn one_digit_off(id: &str) -> String {
    let mut b = id.as_bytes().to_vec();
    let i = b.len() - 2;
    b[i] = if b[i] == b'9' { b'0' } else { b[i] + 1 };
    String::from_utf8(b).expect("ascii")
}

const KINDS: [&str; 10] = [
    "number + name + address",
    "number + name + address",
    "customer number, phone number",
    "claim number, amount, date",
    "one digit off + name + address",
    "one digit off, no name",
    "lawyer: own reference, client + birth date, our reference",
    "garage: own numbers only",
    "name + OCR street + postcode",
    "nobody: date, time, phone",
];

/// A letter, its kind and the customer it names (None: names nobody in master data).
fn letter(m: &Master, rng: &mut SmallRng) -> (String, usize, Option<String>) {
    let k = &m.contracts[rng.gen_range(0..m.contracts.len())];
    let c = m
        .customers
        .iter()
        .find(|c| c.customer_id == k.customer_id)
        .expect("owner");
    let name = format!("{} {}", c.first_name, c.last_name);
    let addr = format!("{} {}\n{} {}", c.street, c.house_number, c.postcode, c.city);
    let other = &m.contracts[rng.gen_range(0..m.contracts.len())];
    let mut t = String::new();
    let who = Some(c.customer_id.clone());
    let kind = rng.gen_range(0..10);
    let expect = match kind {
        0 | 1 => {
            let _ = write!(t, "{name}\n{addr}\n\nBetreff: Vertrag {}\n\nSehr geehrte Damen und Herren,\nbitte ändern Sie meine Bankverbindung.\nMit freundlichen Grüßen\n{name}", written(&k.contract_id, rng));
            who
        }
        2 => {
            let _ = write!(
                t,
                "Kd.-Nr.: {}\nIch ziehe um. Tel. 0421 {}\n{name}",
                c.customer_id.replace('K', "K "),
                rng.gen_range(100_000..9_999_999)
            );
            who
        }
        3 => {
            let cl = &m.claims[rng.gen_range(0..m.claims.len())];
            let _ = write!(
                t,
                "Schadennummer {}\nAnbei die Rechnung über 1.234,50 EUR vom 12.03.2026.",
                cl.claim_id.replace('/', "-")
            );
            cl.customer_id.clone()
        }
        4 => {
            let _ = write!(
                t,
                "{name}\n{addr}\nVertrag {} – Rückfrage",
                one_digit_off(&k.contract_id)
            );
            who
        }
        5 => {
            let _ = write!(
                t,
                "Guten Tag,\nzu Vertrag {} habe ich eine Frage.",
                one_digit_off(&k.contract_id)
            );
            None
        }
        6 => {
            let _ = write!(t, "Rechtsanwälte Berg & Partner, Unser Zeichen: {}\nIn Sachen unseres Mandanten {name}, geb. {}, Ihr Zeichen {}", other.contract_id, c.birth_date.map(|d| d.format("%d.%m.%Y").to_string()).unwrap_or_default(), written(&k.contract_id, rng));
            who
        }
        7 => {
            let _ = write!(t, "Autohaus Sonne, Rechnungsnummer {}\nIhre Kundennummer bei uns: {}\nBetrag 12.345,00 €, IBAN DE89 3704 0044 0532 0130 00", other.contract_id.replace("WG-", ""), m.customers[rng.gen_range(0..m.customers.len())].customer_id);
            None
        }
        8 => {
            let _ = write!(
                t,
                "{name}\n{}\n{} {}\nIch melde einen Wasserschaden.",
                c.street
                    .replace("straße", "straBe")
                    .replace("Straße", "Str."),
                c.postcode,
                c.city
            );
            who
        }
        _ => {
            let _ = write!(t, "Sehr geehrte Damen und Herren,\nam 03.04.2026 um 14:30 rief ich unter 0171 {} an. Bitte rufen Sie zurück.", rng.gen_range(1_000_000..9_999_999));
            None
        }
    };
    (t, kind, expect)
}

fn import_run(contracts: usize) -> (Duration, Duration) {
    let mut rng = SmallRng::seed_from_u64(7);
    let m = master(contracts, &mut rng);
    let dir = tempfile::tempdir().expect("tempdir");
    let cust = dir.path().join("customers.csv");
    let con = dir.path().join("contracts.csv");
    let mut w = csv::Writer::from_path(&cust).expect("csv");
    w.write_record(intake::customers::CUSTOMER_COLUMNS)
        .expect("csv");
    for c in &m.customers {
        let bd = c.birth_date.map(|d| d.to_string()).unwrap_or_default();
        w.write_record([
            &c.customer_id,
            &c.salutation,
            &c.first_name,
            &c.last_name,
            &bd,
            &c.street,
            &c.house_number,
            &c.postcode,
            &c.city,
            &c.email,
            &c.phone,
            &c.iban,
        ])
        .expect("csv");
    }
    w.flush().expect("csv");
    let mut w = csv::Writer::from_path(&con).expect("csv");
    w.write_record(intake::customers::CONTRACT_COLUMNS)
        .expect("csv");
    for k in &m.contracts {
        w.write_record([&k.contract_id, &k.customer_id, &k.product, &k.status, ""])
            .expect("csv");
    }
    w.flush().expect("csv");
    let store = SqliteStore::open(&dir.path().join("db.sqlite")).expect("store");
    let t = Instant::now();
    let report = intake::customers::import(&store, &cust, Some(&con), None).expect("import");
    let import = t.elapsed();
    assert_eq!(report.contracts, contracts);
    let t = Instant::now();
    let idx = MasterIndex::new(
        intake::store::Store::all_customers(&store).expect("load"),
        &intake::store::Store::all_contracts(&store).expect("load"),
        &[],
    );
    let load = t.elapsed();
    assert!(idx.numbers() >= contracts);
    (import, load)
}

fn main() {
    let n_contracts = env_usize("BENCH_ID_CONTRACTS", 1_000_000);
    let n_docs = env_usize("BENCH_ID_DOCS", 5_000);
    let mut rng = SmallRng::seed_from_u64(42);
    let t = Instant::now();
    let m = master(n_contracts, &mut rng);
    eprintln!(
        "generated {} customers, {} contracts, {} claims in {:.1?}",
        m.customers.len(),
        m.contracts.len(),
        m.claims.len(),
        t.elapsed()
    );
    let t = Instant::now();
    let idx = MasterIndex::new(m.customers.clone(), &m.contracts, &m.claims);
    let build = t.elapsed();
    println!("index: {} numbers built in {:.2?}", idx.numbers(), build);
    print!("{}", idx.layouts());
    let ids = Identifiers::new(&IdentifyConfig::default());
    let letters: Vec<(String, usize, Option<String>)> =
        (0..n_docs).map(|_| letter(&m, &mut rng)).collect();
    let mut per_kind = [(0usize, 0usize, 0usize, Duration::ZERO); 10];
    let mut times = Vec::with_capacity(n_docs);
    let (mut tp, mut fp, mut named, mut ambiguous) = (0, 0, 0, 0);
    let total = Instant::now();
    for (text, kind, expect) in &letters {
        let t = Instant::now();
        let found = ids.extract(text);
        let r = idx.identify(&MatchInput {
            identifiers: &found,
            sender_emails: &[],
            text,
        });
        times.push(t.elapsed());
        named += usize::from(expect.is_some());
        let k = &mut per_kind[*kind];
        k.0 += 1;
        k.3 += t.elapsed();
        match (r.customer.customer_id(), expect.as_deref()) {
            (Some(got), Some(want)) if got == want => k.1 += 1,
            (None, None) => k.1 += 1,
            (Some(_), _) => k.2 += 1,
            _ => {}
        }
        match r.customer.customer_id() {
            Some(got) if expect.as_deref() == Some(got) => tp += 1,
            Some(got) => {
                fp += 1;
                if fp <= 5 {
                    eprintln!(
                        "WRONG {got} for {expect:?}:\n{text}\n{}\n",
                        r.customer.reason()
                    );
                }
            }
            None => {
                ambiguous += usize::from(matches!(
                    r.customer,
                    intake::identify::matching::CustomerMatch::Ambiguous { .. }
                ))
            }
        }
    }
    let wall = total.elapsed();
    times.sort();
    println!(
        "identify + match: {n_docs} letters, mean {:.1} µs, p50 {:.1?}, p99 {:.1?}, max {:.1?}",
        wall.as_secs_f64() * 1e6 / n_docs as f64,
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1]
    );
    println!(
        "customer precision {:.4} ({tp} right, {fp} wrong), recall {:.4} of {named} letters naming one; {ambiguous} ambiguous",
        tp as f64 / (tp + fp).max(1) as f64,
        tp as f64 / named.max(1) as f64
    );
    for (i, (n, right, wrong, time)) in per_kind.iter().enumerate() {
        if i == 1 {
            continue;
        }
        let n = if i == 0 { n + per_kind[1].0 } else { *n };
        let (right, wrong, time) = if i == 0 {
            (
                right + per_kind[1].1,
                wrong + per_kind[1].2,
                *time + per_kind[1].3,
            )
        } else {
            (*right, *wrong, *time)
        };
        println!(
            "  {:<58} {n:>5} letters: {right:>5} right, {wrong:>3} wrong customer, mean {:.0} µs",
            KINDS[i],
            time.as_secs_f64() * 1e6 / n.max(1) as f64
        );
    }
    let sizes = std::env::var("BENCH_ID_IMPORT").unwrap_or_else(|_| "100000,1000000".into());
    for n in sizes
        .split(',')
        .filter_map(|s| s.trim().parse::<usize>().ok())
    {
        let (import, load) = import_run(n);
        println!(
            "import of {n} contracts ({} customers): {:.2?} ({:.2} µs/contract); loading + index build at start {:.2?}",
            n * 2 / 5,
            import,
            import.as_secs_f64() * 1e6 / n as f64,
            load
        );
    }
}
