//! The CII syntax: UN/CEFACT Cross Industry Invoice D16B (ZUGFeRD 2.x, Factur-X, XRechnung
//! CII) and ZUGFeRD 1.0's `CrossIndustryDocument`, which names some containers differently.
//! Field paths follow EN 16931-3-3 (business terms in the comments).

use roxmltree::Node;

use super::xml::{text_of, Vocab};
use super::{amount, compact_iban, date, EInvoice, Syntax, MAX_ITEM_NAMES, MAX_NOTES};

/// The names one CII version gives the containers and its namespaces.
pub struct Version {
    namespaces: &'static [&'static str],
    context: &'static str,
    document: &'static str,
    transaction: &'static str,
    agreement: &'static str,
    settlement: &'static str,
    summation: &'static str,
}

pub const D16B: Version = Version {
    namespaces: &[
        "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
        "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
        "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
        "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    ],
    context: "ExchangedDocumentContext",
    document: "ExchangedDocument",
    transaction: "SupplyChainTradeTransaction",
    agreement: "ApplicableHeaderTradeAgreement",
    settlement: "ApplicableHeaderTradeSettlement",
    summation: "SpecifiedTradeSettlementHeaderMonetarySummation",
};

pub const ZUGFERD1: Version = Version {
    namespaces: &[
        "urn:ferd:CrossIndustryDocument:invoice:1p0",
        "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12",
        "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15",
        "urn:un:unece:uncefact:data:standard:QualifiedDataType:12",
    ],
    context: "SpecifiedExchangedDocumentContext",
    document: "HeaderExchangedDocument",
    transaction: "SpecifiedSupplyChainTradeTransaction",
    agreement: "ApplicableSupplyChainTradeAgreement",
    settlement: "ApplicableSupplyChainTradeSettlement",
    summation: "SpecifiedTradeSettlementMonetarySummation",
};

/// ZUGFeRD 1.0's release candidate (2014): ZUGFeRD 1.0's names, children unqualified, dates
/// directly in the date elements.
pub const ZUGFERD1_RC: Version = Version {
    namespaces: &["urn:un:unece:uncefact:data:standard:CBFBUY:5", ""],
    ..ZUGFERD1
};

pub fn read(root: Node, version: &Version) -> EInvoice {
    let v = Vocab {
        namespaces: version.namespaces,
    };
    let mut inv = EInvoice::empty(Syntax::Cii);
    inv.profile = v.text(
        root,
        &format!(
            "{}/GuidelineSpecifiedDocumentContextParameter/ID",
            version.context
        ),
    );
    if let Some(doc) = v.child(root, version.document) {
        inv.number = v.text(doc, "ID").unwrap_or_default();
        inv.type_code = v.text(doc, "TypeCode");
        inv.issue_date = date(
            v.text(doc, "IssueDateTime/DateTimeString")
                .or_else(|| v.text(doc, "IssueDateTime")),
        );
        inv.notes = v
            .children(doc, "IncludedNote")
            .into_iter()
            .filter_map(|n| v.text(n, "Content"))
            .take(MAX_NOTES)
            .collect();
    }
    inv.credit_note = inv.type_code.as_deref() == Some("381");
    let Some(tx) = v.child(root, version.transaction) else {
        return inv;
    };
    let lines = v.children(tx, "IncludedSupplyChainTradeLineItem");
    inv.lines = u32::try_from(lines.len()).unwrap_or(u32::MAX);
    inv.items = lines
        .iter()
        .filter_map(|l| v.text(*l, "SpecifiedTradeProduct/Name"))
        .take(MAX_ITEM_NAMES)
        .collect();
    if let Some(agreement) = v.child(tx, version.agreement) {
        read_agreement(&v, agreement, &mut inv);
    }
    if let Some(settlement) = v.child(tx, version.settlement) {
        read_settlement(&v, settlement, version, &mut inv);
    }
    inv
}

fn read_agreement(v: &Vocab, agreement: Node, inv: &mut EInvoice) {
    let r = &mut inv.references;
    r.buyer_reference = v.text(agreement, "BuyerReference");
    if let Some(seller) = v.child(agreement, "SellerTradeParty") {
        inv.seller.name = v.text(seller, "Name");
        inv.seller.vat_id = vat_id(v, seller);
    }
    if let Some(buyer) = v.child(agreement, "BuyerTradeParty") {
        inv.buyer.name = v.text(buyer, "Name");
        inv.buyer.vat_id = vat_id(v, buyer);
    }
    // D16B: IssuerAssignedID; ZUGFeRD 1.0: ID.
    r.order = v.text(
        agreement,
        "BuyerOrderReferencedDocument/IssuerAssignedID|ID",
    );
    r.contract = v.text(agreement, "ContractReferencedDocument/IssuerAssignedID|ID");
    r.project = v.text(agreement, "SpecifiedProcuringProject/ID");
    for doc in v.children(agreement, "AdditionalReferencedDocument") {
        // BT-18 is the additional document with type code 130 (invoiced object).
        if v.text(doc, "TypeCode").as_deref() != Some("130") {
            continue;
        }
        if let Some(id) = v.text(doc, "IssuerAssignedID") {
            r.objects.push(match v.text(doc, "ReferenceTypeCode") {
                Some(scheme) => format!("{id} ({scheme})"),
                None => id,
            });
        }
    }
}

fn read_settlement(v: &Vocab, settlement: Node, version: &Version, inv: &mut EInvoice) {
    inv.currency = v.text(settlement, "InvoiceCurrencyCode");
    inv.references.payment_reference = v.text(settlement, "PaymentReference");
    inv.references.preceding_invoice =
        v.text(settlement, "InvoiceReferencedDocument/IssuerAssignedID|ID");
    for means in v.children(settlement, "SpecifiedTradeSettlementPaymentMeans") {
        if let Some(iban) = v.text(means, "PayeePartyCreditorFinancialAccount/IBANID") {
            let iban = compact_iban(iban);
            if !inv.seller_iban.contains(&iban) {
                inv.seller_iban.push(iban);
            }
        }
    }
    inv.due_date = v
        .children(settlement, "SpecifiedTradePaymentTerms")
        .into_iter()
        .find_map(|t| {
            date(
                v.text(t, "DueDateDateTime/DateTimeString")
                    .or_else(|| v.text(t, "DueDateDateTime")),
            )
        });
    if let Some(sum) = v.child(settlement, version.summation) {
        inv.totals.net = amount(v.text(sum, "TaxBasisTotalAmount"));
        inv.totals.gross = amount(v.text(sum, "GrandTotalAmount"));
        inv.totals.due = amount(v.text(sum, "DuePayableAmount"));
        // BT-110 is the tax total in the invoice currency (BT-111 may follow in another).
        let taxes = v.children(sum, "TaxTotalAmount");
        let in_currency = taxes.iter().find(|t| {
            t.attribute("currencyID").is_none()
                || t.attribute("currencyID") == inv.currency.as_deref()
        });
        inv.totals.tax = amount(in_currency.or(taxes.first()).and_then(|t| text_of(*t)));
    }
}

/// BT-31 / BT-48: the tax registration with scheme `VA`.
fn vat_id(v: &Vocab, party: Node) -> Option<String> {
    v.children(party, "SpecifiedTaxRegistration")
        .into_iter()
        .filter_map(|r| v.child(r, "ID"))
        .find(|id| id.attribute("schemeID") == Some("VA"))
        .and_then(text_of)
}
