//! Tests of the shipped rules and model on mail written for these tests only (never in a
//! training or tuning set): non-insurance mail is `other`, claim follow-ups stay claims, and a
//! complaint needs dissatisfaction, not urgency.

use super::{Classifier, DocType};
use crate::config::ClassifyConfig;

fn shipped() -> Classifier {
    Classifier::from_config(&ClassifyConfig::default()).unwrap()
}

fn typed(subject: &str, text: &str) -> DocType {
    shipped().classify(subject, text).best
}

#[test]
fn non_insurance_mail_is_other() {
    let cases = [
        (
            "Bewerbung als Sachbearbeiterin Leistungsabteilung (Ref. 2026-114)",
            "Sehr geehrte Frau Hollmann,\nmit großem Interesse habe ich Ihre Stellenanzeige gelesen. \
             Als Kauffrau für Versicherungen und Finanzanlagen bringe ich fünf Jahre Erfahrung in der \
             Schadenbearbeitung mit. Meinen Lebenslauf und meine Zeugnisse finden Sie im Anhang. \
             Über eine Einladung zu einem Vorstellungsgespräch freue ich mich.\nMit freundlichen Grüßen\nJana Petersen",
        ),
        (
            "Ihr Paket konnte nicht zugestellt werden",
            "Sehr geehrter Kunde, Ihre Sendung 00340434161094015 wartet auf die Zollgebühr von 1,99 EUR. \
             Bitte bestätigen Sie Ihre Zahlungsdaten innerhalb von 24 Stunden über den folgenden Link, \
             sonst wird das Paket an den Absender zurückgeschickt.",
        ),
        (
            "Einladung: Fachtagung Digitalisierung im Versicherungsvertrieb",
            "Liebe Branchenkolleginnen und -kollegen, am 12. März laden wir Sie herzlich zu unserer \
             Fachtagung in Köln ein. Programm, Referenten und Anmeldung finden Sie auf unserer Website. \
             Frühbucherrabatt bis 31.01. Zum Abbestellen dieses Newsletters klicken Sie hier.",
        ),
        (
            "Angebot: Aktenvernichtung und Dokumentenlogistik für Ihre Verwaltung",
            "Sehr geehrte Damen und Herren, als zertifizierter Entsorgungsfachbetrieb bieten wir Ihnen \
             die datenschutzkonforme Vernichtung Ihrer Akten nach DIN 66399 an. Gern erstellen wir Ihnen \
             ein individuelles Angebot für Ihre Standorte. Rufen Sie uns an.",
        ),
    ];
    for (subject, text) in cases {
        assert_eq!(typed(subject, text), DocType::Other, "{subject}");
    }
}

#[test]
fn claim_follow_ups_stay_claims() {
    let cases = [
        (
            "Stand meiner Schadenmeldung vom 3.11.",
            "Guten Tag, ich wollte kurz nachfragen, wie der Stand bei meinem Wasserschaden ist. \
             Der Gutachter war letzte Woche da. Brauchen Sie noch etwas von mir? Viele Grüße, T. Ahrens",
        ),
        (
            "Nachreichung Fotos Sturmschaden Dach",
            "Hallo, anbei wie besprochen die Fotos vom abgedeckten Dach und die Liste der beschädigten \
             Ziegel. Die Rechnung des Dachdeckers schicke ich nach, sobald sie da ist. Gruß M. Brandl",
        ),
    ];
    for (subject, text) in cases {
        assert_eq!(typed(subject, text), DocType::Claim, "{subject}");
    }
}

#[test]
fn a_complaint_needs_dissatisfaction() {
    let angry = typed(
        "Ihre Bearbeitung meines Schadens",
        "Sehr geehrte Damen und Herren, seit acht Wochen warte ich auf eine Entscheidung, niemand \
         ruft zurück und jede Nachfrage wird ignoriert. Ich bin mit Ihrem Service äußerst unzufrieden \
         und erwarte eine Stellungnahme Ihrer Geschäftsleitung.",
    );
    assert_eq!(angry, DocType::Complaint);
}
