//! What an e-mail's headers already say about its type: an automatic reply, mailing-list mail
//! or mail flagged as spam is almost never insurance business. Applied to a classification as
//! a likelihood ratio for `other` (Bayes: the odds of `other` multiplied, then renormalised),
//! so strong content evidence can still win over a list header (an invoice sent by a billing
//! system with `List-Unsubscribe`), while an auto-reply practically always ends as `other`.

use crate::model::AutomatedMail;

use super::{Classification, DocType, Evidence};

/// The least probability `other` is given before the ratio applies.
const MIN_PRIOR: f32 = 0.01;

/// How much more likely `other` is, given the header.
fn likelihood_ratio(automated: &AutomatedMail) -> f32 {
    match automated {
        AutomatedMail::AutoReply { .. } => 1000.0,
        AutomatedMail::Spam { .. } => 200.0,
        AutomatedMail::List { .. } => 20.0,
    }
}

/// The classification updated with what the headers say; `threshold` decides the type again.
pub fn apply(mut c: Classification, automated: &AutomatedMail, threshold: f32) -> Classification {
    let ratio = likelihood_ratio(automated);
    // Rules alone give types without evidence nothing; the header is evidence of its own.
    let other = c.probabilities.entry(DocType::Other).or_insert(0.0);
    *other = other.max(MIN_PRIOR) * ratio;
    let total: f32 = c.probabilities.values().sum();
    if total > 0.0 {
        for p in c.probabilities.values_mut() {
            *p /= total;
        }
    }
    let (best, confidence) = c
        .probabilities
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(t, p)| (*t, *p))
        .unwrap_or((DocType::Other, 0.0));
    if best != c.best {
        c.evidence.clear();
        c.model_probability = None;
    }
    if best == DocType::Other {
        c.evidence.insert(
            0,
            Evidence {
                doc_type: DocType::Other,
                rule: format!("header {}", automated.header()),
                weight: ratio.ln(),
                in_subject: false,
            },
        );
    }
    c.best = best;
    c.confidence = confidence;
    c.doc_type = (confidence >= threshold).then_some(best);
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Classifier;
    use crate::config::ClassifyConfig;

    fn shipped() -> Classifier {
        Classifier::from_config(&ClassifyConfig::default()).unwrap()
    }

    #[test]
    fn an_auto_reply_quoting_a_claim_is_other() {
        let c = shipped();
        let subject = "Abwesenheitsnotiz: Wasserschaden in der Küche";
        let text = "Ich bin bis 14.08. nicht im Büro. Ihre Nachricht zum Wasserschaden \
                    (Schadennummer 4711) wird nicht weitergeleitet.";
        let header = AutomatedMail::AutoReply {
            header: "Auto-Submitted: auto-replied".into(),
        };
        let with = c.classify_mail(subject, text, Some(&header));
        assert_eq!(with.doc_type, Some(DocType::Other), "{with:?}");
        assert!(
            with.explanation().contains("header Auto-Submitted"),
            "{}",
            with.explanation()
        );
    }

    #[test]
    fn a_list_header_does_not_outvote_a_clear_invoice() {
        let c = shipped();
        let subject = "Rechnung Nr. 2026-1187 zu Ihrem Schaden";
        let text = "Sehr geehrte Damen und Herren, anbei unsere Rechnung für die Reparatur \
                    der Heizungsanlage: Rechnungsbetrag 1.845,20 EUR inkl. 19 % MwSt., \
                    zahlbar bis 30.09.2026 auf IBAN DE89 3704 0044 0532 0130 00. \
                    Rechnungsnummer 2026-1187, Leistungsdatum 02.09.2026.";
        let plain = c.classify_mail(subject, text, None);
        assert_eq!(plain.best, DocType::Invoice, "{plain:?}");
        let header = AutomatedMail::List {
            header: "List-Unsubscribe".into(),
        };
        let listed = c.classify_mail(subject, text, Some(&header));
        assert_eq!(listed.best, DocType::Invoice, "{listed:?}");
        assert!(listed.confidence < plain.confidence);
        // A newsletter-ish text with the header ends as other.
        let news = c.classify_mail(
            "Unsere Herbstaktion",
            "Jetzt 20 % sparen auf alle Produkte. Hier klicken.",
            Some(&header),
        );
        assert_eq!(news.best, DocType::Other, "{news:?}");
    }
}
