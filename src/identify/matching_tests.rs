//! Customer matching against master data in this repository's layouts (`K-100001`,
//! `KF-002 405 896`): numbers, e-mail, IBAN, names, and the uploader's hint.
use super::*;
use crate::config::IdentifyConfig;
use crate::identify::Identifiers;
use crate::store::{Contract, Customer};

#[allow(clippy::too_many_arguments)]
fn customer(
    id: &str,
    first: &str,
    last: &str,
    born: &str,
    street: &str,
    pc: &str,
    email: &str,
    iban: &str,
) -> Customer {
    Customer {
        customer_id: id.into(),
        salutation: "Herr".into(),
        first_name: first.into(),
        last_name: last.into(),
        birth_date: NaiveDate::parse_from_str(born, "%Y-%m-%d").ok(),
        street: street.into(),
        house_number: "1".into(),
        postcode: pc.into(),
        city: "Stadt".into(),
        email: email.into(),
        phone: String::new(),
        iban: iban.into(),
        advertising_objection: false,
    }
}

fn index() -> MasterIndex {
    MasterIndex::new(
        vec![
            customer(
                "K-100001",
                "Niklas",
                "Werner",
                "1979-06-04",
                "Dorfstraße",
                "09112",
                "werner.niklas@web.de",
                "DE57860555920004912815",
            ),
            customer(
                "K-100002",
                "Niklas",
                "Werner",
                "1984-11-24",
                "Königsberger Straße",
                "68159",
                "familie@web.de",
                "",
            ),
            customer(
                "K-100003",
                "Clara",
                "von Bülow",
                "1990-01-02",
                "Lindenweg",
                "20095",
                "familie@web.de",
                "",
            ),
            customer(
                "K-100004",
                "Jörg",
                "Müller-Lüdenscheidt",
                "1960-03-03",
                "Am Markt",
                "50667",
                "",
                "DE89370400440532013000",
            ),
        ],
        &[Contract {
            contract_id: "KF-002 405 896".into(),
            customer_id: "K-100001".into(),
            product: "kfz".into(),
            status: "active".into(),
            start_date: None,
        }],
        &[],
    )
}

fn run(text: &str, sender: &[&str]) -> CustomerMatch {
    let ids = Identifiers::new(&IdentifyConfig::default()).extract(text);
    let senders: Vec<String> = sender.iter().map(|s| s.to_string()).collect();
    index().match_document(&MatchInput {
        identifiers: &ids,
        sender_emails: &senders,
        text,
    })
}

#[test]
fn contract_number_in_another_notation() {
    let m = run("Versicherungsnummer KF 002405896", &[]);
    assert_eq!(m.customer_id(), Some("K-100001"), "{m:?}");
    assert!(m.confidence().unwrap() >= 0.98);
    // With OCR confusions.
    assert_eq!(
        run("Vertrag KF-OO2 4O5 896", &[]).customer_id(),
        Some("K-100001")
    );
}

#[test]
fn sender_email_and_shared_email() {
    assert_eq!(
        run("Hallo", &["werner.niklas@web.de"]).customer_id(),
        Some("K-100001")
    );
    // A family address: two customers, narrowed by the name in the text.
    assert!(matches!(
        run("Hallo", &["familie@web.de"]),
        CustomerMatch::Ambiguous { .. }
    ));
    assert_eq!(
        run("Viele Grüße, Clara von Bülow", &["familie@web.de"]).customer_id(),
        Some("K-100003")
    );
}

#[test]
fn iban_of_a_customer() {
    let m = run("Bitte überweisen Sie auf DE89 3704 0044 0532 0130 00.", &[]);
    assert_eq!(m.customer_id(), Some("K-100004"), "{m:?}");
}

#[test]
fn same_name_told_apart_by_postcode_or_birth_date_never_guessed() {
    let a = run("Niklas Werner\nDorfstraße 40a\n09112 Chemnitz", &[]);
    assert_eq!(a.customer_id(), Some("K-100001"), "{a:?}");
    let b = run("Niklas Werner, geboren am 24.11.1984", &[]);
    assert_eq!(b.customer_id(), Some("K-100002"), "{b:?}");
    let neither = run("Mit freundlichen Grüßen\nNiklas Werner", &[]);
    match neither {
        CustomerMatch::Ambiguous { candidates, .. } => {
            assert_eq!(candidates, vec!["K-100001", "K-100002"])
        }
        other => panic!("expected ambiguous, got {other:?}"),
    }
}

#[test]
fn tolerant_names_and_old_address_of_a_move() {
    // ue/oe spelling, hyphenated double name, old address next to the new one.
    let m = run(
        "Adressänderung\nJoerg Mueller-Luedenscheidt\nBisherige Anschrift: Am Markt 1, 50667 Köln\nNeue Anschrift: Ringstraße 9, 80331 München",
        &[],
    );
    assert_eq!(m.customer_id(), Some("K-100004"), "{m:?}");
    let v = run("Clara Bülow, Lindenweg 3, 20095 Hamburg", &[]);
    assert_eq!(v.customer_id(), Some("K-100003"), "{v:?}");
}

#[test]
fn one_letter_of_ocr_noise_in_the_name_still_matches_with_the_address() {
    let m = run("Jörg Mül1er-Lüdenscheidt\nAm Markt 1\n50667 Köln", &[]);
    assert_eq!(m.customer_id(), Some("K-100004"), "{m:?}");
    assert!(m.reason().contains("spelt slightly differently"), "{m:?}");
    assert!(m.confidence().unwrap() < 0.9);
    // Two letters off is another person.
    assert_eq!(
        run("Jörg Mü11er-Lüdenscheidt-Xy\n50667 Köln", &[]).customer_id(),
        None
    );
}

#[test]
fn nobody() {
    assert_eq!(
        run(
            "Sehr geehrte Damen und Herren, bitte senden Sie Unterlagen.",
            &[]
        ),
        CustomerMatch::None
    );
}

#[test]
fn a_customer_named_by_the_uploader_decides_only_where_the_document_does_not() {
    let m = index();
    let unique = |id: &str| CustomerMatch::Unique {
        customer_id: id.into(),
        confidence: 0.8,
        reason: "customer number".into(),
    };
    // Nothing in the document: the hint (as typed) decides.
    let r = CustomerMatch::None.with_source_hint(Some("K 100002"), &m);
    assert_eq!(r.customer_id(), Some("K-100002"));
    assert_eq!(r.confidence(), Some(0.9));
    // The same customer: more sure.
    let r = unique("K-100001").with_source_hint(Some("K-100001"), &m);
    assert_eq!(
        (r.customer_id(), r.confidence()),
        (Some("K-100001"), Some(0.95))
    );
    // Another customer: neither is guessed.
    let r = unique("K-100001").with_source_hint(Some("K-100002"), &m);
    assert!(
        matches!(&r, CustomerMatch::Ambiguous { candidates, .. } if candidates.len() == 2),
        "{r:?}"
    );
    // Two namesakes, the hint is one of them: it decides.
    let both = CustomerMatch::Ambiguous {
        candidates: vec!["K-100001".into(), "K-100002".into()],
        reason: "same name".into(),
    };
    assert_eq!(
        both.clone()
            .with_source_hint(Some("K-100002"), &m)
            .customer_id(),
        Some("K-100002")
    );
    // A hint that is not in the master data changes nothing.
    assert_eq!(both.clone().with_source_hint(Some("K-999999"), &m), both);
    assert_eq!(
        CustomerMatch::None.with_source_hint(None, &m),
        CustomerMatch::None
    );
}

/// Matches `text` against customers given as (id, first, last, born, street, postcode).
fn match_among(people: &[(&str, &str, &str, &str, &str, &str)], text: &str) -> CustomerMatch {
    let customers = people
        .iter()
        .map(|(id, first, last, born, street, pc)| {
            customer(id, first, last, born, street, pc, "", "")
        })
        .collect();
    let ids = Identifiers::new(&IdentifyConfig::default()).extract(text);
    MasterIndex::new(customers, &[], &[]).match_document(&MatchInput {
        identifiers: &ids,
        sender_emails: &[],
        text,
    })
}

#[test]
fn a_customer_writing_about_a_relative_who_is_a_customer_too() {
    let son = (
        "K-1",
        "Rainer",
        "Mahler",
        "1960-01-01",
        "Hauptstraße",
        "36137",
    );
    let mother = (
        "K-2",
        "Irmgard",
        "Mahler",
        "1932-01-01",
        "Am Kreuz",
        "36154",
    );
    // The son's full address is in the letterhead; his mother's postcode was lost to OCR.
    let letter = "Rainer Mahler\nHauptstraße 1\n36137 Großenlüder\n\nTod meiner Mutter\n\n\
                  Sehr geehrte Damen und Herren,\nmeine Mutter, Irmgard Mahler, Am Kreuz 1, == \
                  Hosenfeld, ist am 21.11.2026 gestorben.\nMit freundlichen Grüßen\nRainer Mahler";
    let m = match_among(&[son, mother], letter);
    assert_eq!(m.customer_id(), Some("K-2"), "{m:?}");
    assert!(m.reason().contains("relative or client"), "{m:?}");
    // Without the relation the signer with his whole address stays the one.
    let own = "Rainer Mahler\nHauptstraße 1\n36137 Großenlüder\n\nSehr geehrte Damen und \
               Herren,\nich bin umgezogen; Frau Irmgard Mahler, Am Kreuz 1, weiß Bescheid.\n\
               Rainer Mahler";
    assert_eq!(match_among(&[son, mother], own).customer_id(), Some("K-1"));
    // A lawyer's client, by title and last name only.
    let lawyer = "Kanzlei Rainer Mahler\nHauptstraße 1\n36137 Großenlüder\n\nSehr geehrte \
                  Damen und Herren,\nwir vertreten unseren Mandanten Herrn Jahn, Lindenweg 4, \
                  36154 Hosenfeld.\nRainer Mahler, Rechtsanwalt";
    let client = ("K-3", "Ole", "Jahn", "1970-01-01", "Lindenweg", "36154");
    let m = match_among(&[son, client], lawyer);
    assert_eq!(m.customer_id(), Some("K-3"), "{m:?}");
    // A funeral home names the widow as the deceased's wife: the letter is about him.
    let notice = "Bestattungshaus Kreuzer\n\nSehr geehrte Damen und Herren,\nHerr Georg Vogt, \
                  geb. 08.01.1939, wohnhaft Lindenplatz 1, 36160 Dipperz, ist verstorben. Nach \
                  Angaben der Ehefrau, Frau Ursula Vogt (gleiche Anschrift), bestanden Verträge.";
    let husband = ("K-4", "Georg", "Vogt", "1939-01-08", "Lindenplatz", "36160");
    let widow = (
        "K-5",
        "Ursula",
        "Vogt",
        "1942-05-19",
        "Lindenplatz",
        "36160",
    );
    let m = match_among(&[husband, widow], notice);
    assert_eq!(m.customer_id(), Some("K-4"), "{m:?}");
}

#[test]
fn the_writers_own_email_gives_way_to_the_relative_or_flatmate_the_mail_is_about() {
    let daughter = customer(
        "K-1",
        "Elif",
        "Sahin",
        "1986-08-13",
        "Lange Rötterstraße",
        "68167",
        "elif.sahin86@example.org",
        "",
    );
    let mother = customer(
        "K-2",
        "Fatma",
        "Sahin",
        "1950-04-04",
        "Neckarauer Straße",
        "68199",
        "",
        "",
    );
    let flatmate = customer(
        "K-3",
        "Agnieszka",
        "Nowak",
        "1993-02-20",
        "Warschauer Straße",
        "10243",
        "",
        "",
    );
    let index = MasterIndex::new(vec![daughter, mother, flatmate], &[], &[]);
    let by_mail = |text: &str| {
        let ids = Identifiers::new(&IdentifyConfig::default()).extract(text);
        index.match_document(&MatchInput {
            identifiers: &ids,
            sender_emails: &["elif.sahin86@example.org".to_string()],
            text,
        })
    };
    let death = "Sehr geehrte Damen und Herren,\nleider muss ich Ihnen mitteilen, dass meine \
                 Mutter Fatma Sahin (geb. 04.04.1950, Neckarauer Str. 1, Mannheim) verstorben \
                 ist.\nIch bin selbst auch Kundin bei Ihnen.\nElif Sahin";
    let m = by_mail(death);
    assert_eq!(m.customer_id(), Some("K-2"), "{m:?}");
    assert!(m.reason().contains("sender e-mail"), "{m:?}");
    let photos = "hi, hier die fotos vom wasserschaden für die meldung von meiner \
                  mitbewohnerin agnieszka nowak, warschauer str 1 (hausrat läuft auf sie).";
    assert_eq!(by_mail(photos).customer_id(), Some("K-3"));
    // Named without a relation, or a relation without enough of the address: the writer.
    let mention = "Sehr geehrte Damen und Herren, bitte ändern Sie meine Adresse. Frau Fatma \
                   Sahin, Neckarauer Str. 1, weiß Bescheid.\nElif Sahin";
    assert_eq!(by_mail(mention).customer_id(), Some("K-1"));
    let bare = "Meine Mutter Fatma hat auch einen Vertrag bei Ihnen. Bitte schicken Sie mir \
                ein Angebot.\nElif Sahin";
    assert_eq!(by_mail(bare).customer_id(), Some("K-1"));
}
