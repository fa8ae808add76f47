//! The e-invoice box on the document page (`/dokumente/ID`): the fields read from the
//! document's ZUGFeRD / Factur-X / XRechnung XML, with German labels. Pure rendering.

use maud::{html, Markup};

use crate::extract::EInvoice;

/// `1190.00` + `EUR` → `1.190,00 EUR` (German grouping; the decimals as written).
fn money(amount: &str, currency: Option<&str>) -> String {
    let (sign, digits) = match amount.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", amount),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let mut out = format!("{sign}{grouped}");
    if !fraction.is_empty() {
        out.push(',');
        out.push_str(fraction);
    }
    if let Some(c) = currency {
        out.push(' ');
        out.push_str(c);
    }
    out
}

fn date(d: Option<chrono::NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%d.%m.%Y").to_string())
}

/// The fields as a definition list; absent fields are left out.
pub(super) fn invoice_box(inv: &EInvoice) -> Markup {
    let currency = inv.currency.as_deref();
    let amount = |a: &Option<String>| a.as_deref().map(|a| money(a, currency));
    let r = &inv.references;
    let rows: Vec<(&str, Option<String>)> = vec![
        ("Art", Some(inv.kind().to_string())),
        (
            "Quelle",
            Some(if inv.source == "xml" {
                "XML-Datei".to_string()
            } else {
                inv.source.clone()
            }),
        ),
        (
            if inv.credit_note {
                "Gutschriftsnummer"
            } else {
                "Rechnungsnummer"
            },
            Some(inv.number.clone()),
        ),
        ("Rechnungsdatum", date(inv.issue_date)),
        ("Rechnungsart (Code)", inv.type_code.clone()),
        ("Verkäufer", inv.seller.name.clone()),
        ("USt-IdNr. Verkäufer", inv.seller.vat_id.clone()),
        ("Käufer", inv.buyer.name.clone()),
        ("Käuferreferenz", r.buyer_reference.clone()),
        ("Nettobetrag", amount(&inv.totals.net)),
        ("Umsatzsteuer", amount(&inv.totals.tax)),
        ("Bruttobetrag", amount(&inv.totals.gross)),
        ("Zahlbetrag", amount(&inv.totals.due)),
        ("Fällig am", date(inv.due_date)),
        (
            "IBAN Verkäufer",
            (!inv.seller_iban.is_empty()).then(|| inv.seller_iban.join(", ")),
        ),
        ("Verwendungszweck", r.payment_reference.clone()),
        ("Bestellnummer", r.order.clone()),
        ("Vertragsnummer", r.contract.clone()),
        ("Projektnummer", r.project.clone()),
        (
            "Objektkennung",
            (!r.objects.is_empty()).then(|| r.objects.join(", ")),
        ),
        ("Vorherige Rechnung", r.preceding_invoice.clone()),
        ("Positionen", Some(inv.lines.to_string())),
    ];
    html! {
        h2 { (if inv.credit_note { "E-Gutschrift" } else { "E-Rechnung" }) }
        dl.invoice {
            @for (label, value) in rows {
                @if let Some(v) = value { dt { (label) } dd { (v) } }
            }
            @if !inv.notes.is_empty() {
                dt { "Bemerkungen" } dd { ul { @for n in &inv.notes { li { (n) } } } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_german() {
        assert_eq!(money("1190.00", Some("EUR")), "1.190,00 EUR");
        assert_eq!(money("-1234567.5", None), "-1.234.567,5");
        assert_eq!(money("12", Some("CHF")), "12 CHF");
    }

    #[test]
    fn the_box_has_german_labels_and_the_values() {
        let xml = include_str!("../../tests/fixtures/einvoice/cii-werkstatt.xml");
        let inv = crate::extract::einvoice::parse(xml.as_bytes(), "factur-x.xml").unwrap();
        let html = invoice_box(&inv).into_string();
        for needle in [
            "<h2>E-Rechnung</h2>",
            "<dt>Rechnungsnummer</dt><dd>RE-2026-0815</dd>",
            "<dt>Rechnungsdatum</dt><dd>03.11.2026</dd>",
            "<dt>Bruttobetrag</dt><dd>1.190,00 EUR</dd>",
            "<dt>Fällig am</dt><dd>17.11.2026</dd>",
            "<dt>IBAN Verkäufer</dt><dd>DE02120300000000202051</dd>",
            "<dt>Vertragsnummer</dt><dd>KF-002 405 896</dd>",
            "<dt>Quelle</dt><dd>factur-x.xml</dd>",
        ] {
            assert!(html.contains(needle), "{needle} missing in {html}");
        }
    }
}
