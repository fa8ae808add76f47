//! The UBL 2.1 syntax: `Invoice` and `CreditNote` (XRechnung UBL, Peppol BIS). Field paths
//! follow EN 16931-3-2 (business terms in the comments).

use roxmltree::Node;

use super::xml::{text_of, Vocab};
use super::{amount, compact_iban, date, EInvoice, Syntax, MAX_ITEM_NAMES, MAX_NOTES};

const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

pub fn read(root: Node, credit_note: bool) -> EInvoice {
    let v = Vocab {
        namespaces: &[CAC, CBC],
    };
    let mut inv = EInvoice::empty(Syntax::Ubl);
    inv.credit_note = credit_note;
    inv.profile = v.text(root, "CustomizationID");
    inv.number = v.text(root, "ID").unwrap_or_default();
    inv.issue_date = date(v.text(root, "IssueDate"));
    inv.type_code = v.text(root, "InvoiceTypeCode|CreditNoteTypeCode");
    inv.credit_note |= inv.type_code.as_deref() == Some("381");
    inv.notes = v
        .children(root, "Note")
        .into_iter()
        .filter_map(text_of)
        .take(MAX_NOTES)
        .collect();
    inv.currency = v.text(root, "DocumentCurrencyCode");

    let r = &mut inv.references;
    r.buyer_reference = v.text(root, "BuyerReference");
    r.order = v.text(root, "OrderReference/ID");
    r.contract = v.text(root, "ContractDocumentReference/ID");
    r.project = v.text(root, "ProjectReference/ID");
    r.preceding_invoice = v.text(root, "BillingReference/InvoiceDocumentReference/ID");
    for doc in v.children(root, "AdditionalDocumentReference") {
        // BT-18 is the additional document with type code 130 (invoiced object).
        if v.text(doc, "DocumentTypeCode").as_deref() != Some("130") {
            continue;
        }
        if let Some(id_node) = v.child(doc, "ID") {
            if let Some(id) = text_of(id_node) {
                r.objects.push(match id_node.attribute("schemeID") {
                    Some(scheme) => format!("{id} ({scheme})"),
                    None => id,
                });
            }
        }
    }

    if let Some(seller) = v.at(root, "AccountingSupplierParty/Party") {
        read_party(&v, seller, &mut inv.seller);
    }
    if let Some(buyer) = v.at(root, "AccountingCustomerParty/Party") {
        read_party(&v, buyer, &mut inv.buyer);
    }

    // BT-9: an Invoice has it at the top; a CreditNote in its payment means.
    inv.due_date = date(v.text(root, "DueDate"));
    for means in v.children(root, "PaymentMeans") {
        if inv.due_date.is_none() {
            inv.due_date = date(v.text(means, "PaymentDueDate"));
        }
        if inv.references.payment_reference.is_none() {
            inv.references.payment_reference = v.text(means, "PaymentID");
        }
        if let Some(iban) = v.text(means, "PayeeFinancialAccount/ID") {
            let iban = compact_iban(iban);
            if !inv.seller_iban.contains(&iban) {
                inv.seller_iban.push(iban);
            }
        }
    }

    if let Some(total) = v.child(root, "LegalMonetaryTotal") {
        inv.totals.net = amount(v.text(total, "TaxExclusiveAmount"));
        inv.totals.gross = amount(v.text(total, "TaxInclusiveAmount"));
        inv.totals.due = amount(v.text(total, "PayableAmount"));
    }
    // BT-110 is the tax total in the document currency (BT-111 may follow in another).
    let taxes: Vec<Node> = v
        .children(root, "TaxTotal")
        .into_iter()
        .filter_map(|t| v.child(t, "TaxAmount"))
        .collect();
    let in_currency = taxes.iter().find(|t| {
        t.attribute("currencyID").is_none() || t.attribute("currencyID") == inv.currency.as_deref()
    });
    inv.totals.tax = amount(in_currency.or(taxes.first()).and_then(|t| text_of(*t)));

    let lines = v.children(root, "InvoiceLine|CreditNoteLine");
    inv.lines = u32::try_from(lines.len()).unwrap_or(u32::MAX);
    inv.items = lines
        .iter()
        .filter_map(|l| v.text(*l, "Item/Name"))
        .take(MAX_ITEM_NAMES)
        .collect();
    inv
}

/// BT-27/BT-44 (legal name, else the trading name) and BT-31/BT-48 (VAT scheme).
fn read_party(v: &Vocab, party: Node, out: &mut super::Party) {
    out.name = v
        .text(party, "PartyLegalEntity/RegistrationName")
        .or_else(|| v.text(party, "PartyName/Name"));
    out.vat_id = v
        .children(party, "PartyTaxScheme")
        .into_iter()
        .find(|s| v.text(*s, "TaxScheme/ID").as_deref() == Some("VAT"))
        .and_then(|s| v.text(s, "CompanyID"));
}
