//! Health data: whether a case holds special-category personal data (GDPR art. 9) that only
//! users with the `health` permission may read. A case is health data when it names a contract
//! of a health product (e.g. `kranken`) or uses a medical term (Arztbericht, Diagnose, …) as a
//! word of its own. Pure; built once from [`PrivacyConfig`].

use aho_corasick::{AhoCorasick, MatchKind};

use crate::config::PrivacyConfig;
use crate::identify::{IdKind, Identifier};

pub struct HealthDetector {
    terms: AhoCorasick,
    term_list: Vec<String>,
    products: Vec<String>,
}

impl HealthDetector {
    pub fn new(config: &PrivacyConfig) -> HealthDetector {
        let term_list: Vec<String> = config
            .health_terms
            .iter()
            .map(|t| t.trim().to_lowercase())
            .collect();
        let terms = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&term_list)
            .expect("plain literal patterns always build");
        HealthDetector {
            terms,
            term_list,
            products: config.health_products.clone(),
        }
    }

    /// Why the case is health data, or `None` when it is not.
    pub fn detect(&self, text: &str, identifiers: &[Identifier]) -> Option<String> {
        if let Some(id) = identifiers.iter().find(|i| {
            i.kind == IdKind::ContractNumber
                && i.product
                    .as_deref()
                    .is_some_and(|p| self.products.iter().any(|h| h == p))
        }) {
            return Some(format!("names contract {} of a health product", id.value));
        }
        let lower = text.to_lowercase();
        for m in self.terms.find_iter(&lower) {
            let starts_word = lower[..m.start()]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            if starts_word {
                return Some(format!(
                    "mentions \"{}\"",
                    self.term_list[m.pattern().as_usize()]
                ));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medical_terms_and_health_contracts_are_health_data() {
        let d = HealthDetector::new(&PrivacyConfig::default());
        assert!(d
            .detect("anbei der Arztbericht vom 3. März", &[])
            .unwrap()
            .contains("arztbericht"));
        assert!(d.detect("Die ÄRZTLICHE Bescheinigung", &[]).is_some());
        // Inside another word it does not count ("Testattest" is not a word start of "attest").
        assert!(d
            .detect("Bitte Kontoauszug und Testattestat", &[])
            .is_none());
        assert!(d
            .detect("Ich kündige meine Hausratversicherung.", &[])
            .is_none());
        let kv = Identifier {
            kind: IdKind::ContractNumber,
            label: None,
            raw: "KV-123456789".into(),
            value: "KV123456789".into(),
            product: Some("kranken".into()),
            valid: true,
            ocr_variant: false,
            document_date: false,
            master_id: None,
            found_as: None,
            customer_id: None,
        };
        assert!(d.detect("Rechnung", &[kv]).is_some());
    }
}
