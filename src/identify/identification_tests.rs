//! Identification against master data whose layouts are nothing like this repository's
//! samples: three invented insurers' number layouts, every written form and OCR confusion,
//! near misses with and without corroboration, the sender's own numbers, digits that are
//! something else, and each customer-matching path.

use chrono::NaiveDate;

use super::matching::{CustomerMatch, Identification, MasterIndex, MatchInput};
use super::{IdKind, Identifiers};
use crate::config::IdentifyConfig;
use crate::store::{Claim, Contract, Customer};

#[allow(clippy::too_many_arguments)]
fn customer(
    id: &str,
    first: &str,
    last: &str,
    born: &str,
    street: &str,
    house: &str,
    pc: &str,
    email: &str,
) -> Customer {
    Customer {
        customer_id: id.into(),
        salutation: String::new(),
        first_name: first.into(),
        last_name: last.into(),
        birth_date: NaiveDate::parse_from_str(born, "%Y-%m-%d").ok(),
        street: street.into(),
        house_number: house.into(),
        postcode: pc.into(),
        city: "Stadt".into(),
        email: email.into(),
        phone: String::new(),
        iban: String::new(),
        advertising_objection: false,
    }
}

fn contract(id: &str, customer: &str, status: &str) -> Contract {
    Contract {
        contract_id: id.into(),
        customer_id: customer.into(),
        product: "wohngebaeude".into(),
        status: status.into(),
        start_date: None,
    }
}

/// Insurer A: `K` + 7 digits, contracts `WG-99999999`, claims `SN 9999/9999`.
/// Insurer B: customers `999-999-99`, contracts `9999.9999.99` (no letters at all).
/// Insurer C: customers `KD` + 7 digits with leading zeros, contracts with letters inside.
fn master() -> MasterIndex {
    MasterIndex::new(
        vec![
            customer(
                "K4419027",
                "Dieter",
                "Neumann",
                "1970-02-01",
                "Goethestraße",
                "12a",
                "45127",
                "d.neumann@example.org",
            ),
            customer(
                "K4419028",
                "Doris",
                "Neumann",
                "1972-05-09",
                "Goethestraße",
                "12a",
                "45127",
                "",
            ),
            customer(
                "K4419029",
                "Anna",
                "Meier",
                "1988-07-14",
                "Weihelnstraße",
                "7",
                "80331",
                "anna.meier@example.net",
            ),
            customer(
                "K4419030",
                "Jörg",
                "Müller-Lüdenscheidt",
                "1960-03-03",
                "Am Markt",
                "1",
                "50667",
                "",
            ),
            customer(
                "K4419031",
                "Niklas",
                "Werner",
                "1979-06-04",
                "Dorfstraße",
                "40",
                "09112",
                "",
            ),
            customer(
                "K4419032",
                "Niklas",
                "Werner",
                "1984-11-24",
                "Königsberger Straße",
                "3",
                "68159",
                "",
            ),
            customer(
                "100-223-45",
                "Clara",
                "Bülow",
                "1990-01-02",
                "Lindenweg",
                "3",
                "20095",
                "",
            ),
            customer(
                "KD0004711",
                "Hans",
                "Schulz",
                "1965-05-05",
                "Ringweg",
                "9",
                "10115",
                "",
            ),
            customer(
                "12032026",
                "Eva",
                "Roth",
                "1975-04-04",
                "Hafenstraße",
                "2",
                "28195",
                "",
            ),
        ],
        &[
            contract("WG-17450311", "K4419027", "active"),
            contract("WG-26851203", "K4419029", "active"),
            contract("WG-33334444", "K4419030", "cancelled"),
            contract("4711.2026.33", "100-223-45", "active"),
            contract("37040044", "KD0004711", "active"),
            contract("AB12CD34", "KD0004711", "active"),
        ],
        &[Claim {
            claim_id: "SN 2026/0042".into(),
            contract_id: Some("WG-26851203".into()),
            customer_id: None,
            loss_date: None,
        }],
    )
}

fn run_from(text: &str, senders: &[&str]) -> Identification {
    let ids = Identifiers::new(&IdentifyConfig::default()).extract(text);
    let senders: Vec<String> = senders.iter().map(|s| s.to_string()).collect();
    master().identify(&MatchInput {
        identifiers: &ids,
        sender_emails: &senders,
        text,
    })
}

fn run(text: &str) -> Identification {
    run_from(text, &[])
}

fn who(text: &str) -> Option<String> {
    run(text).customer.customer_id().map(str::to_string)
}

/// The master record a text's known number hit, with how it was written.
fn hit(text: &str) -> Option<(String, String)> {
    run(text)
        .identifiers
        .into_iter()
        .find(|i| i.master_id.is_some())
        .map(|i| (i.master_id.unwrap(), i.found_as.unwrap()))
}

#[test]
fn a_contract_number_in_every_written_form() {
    for text in [
        "Vertrag WG-17450311",
        "Vertrag WG 17 450 311",
        "Vertrag WG17450311",
        "Vertrag wg-17450311",
        "Vertrag WG.174.503.11",
        "Vertrag WG 17450\n311",
        "Vertrag WG-174 503 11 bitte",
        "Vertrag WG / 17450311",
        "Vertragsnummer 17450311",
        "Betreff: 17450311 Kündigung",
    ] {
        let (id, how) = hit(text).unwrap_or_else(|| panic!("{text:?}: nothing found"));
        assert_eq!(id, "WG-17450311", "{text:?}");
        assert_eq!(who(text).as_deref(), Some("K4419027"), "{text:?}");
        if !text.to_uppercase().contains("WG") {
            assert!(how.contains("without its prefix WG"), "{text:?}: {how}");
        }
    }
    // The identifier's value is the master record's key: case linking sees one number.
    let ids = run("Vertrag WG 17 450 311").identifiers;
    assert_eq!(ids[0].value, "WG17450311");
    assert_eq!(ids[0].customer_id.as_deref(), Some("K4419027"));
}

#[test]
fn layouts_without_letters_and_with_extra_letters() {
    for text in [
        "Vertrag 4711.2026.33",
        "Vertrag 4711 2026 33",
        "Versicherungsschein-Nr. 4711-2026-33",
        "Vertrag VN 4711202633",
    ] {
        assert_eq!(who(text).as_deref(), Some("100-223-45"), "{text:?}");
    }
    let (_, how) = hit("Vertrag VN 4711202633").unwrap();
    assert!(how.contains("with VN written before it"), "{how}");
    assert_eq!(
        who("Kundennummer 100 223 45").as_deref(),
        Some("100-223-45")
    );
    // Letters inside the number: found as a whole, in any notation.
    assert_eq!(hit("Police AB 12 CD 34").unwrap().0, "AB12CD34");
}

#[test]
fn leading_zeros_dropped_and_the_prefix_missing_or_different() {
    let (id, how) = hit("Kd.-Nr.: KD 4711").unwrap();
    assert_eq!(id, "KD0004711");
    assert!(how.contains("leading zeros"), "{how}");
    assert_eq!(
        who("meine Kundennummer K 4419029").as_deref(),
        Some("K4419029")
    );
    assert_eq!(who("Kd.-Nr.: 4419029").as_deref(), Some("K4419029"));
    // Another layout's prefix makes it another number: WG is a contract prefix, and there is
    // no contract WG-4419029.
    assert_eq!(who("Vertrag WG-4419029"), None);
    // Bare short digits are not enough.
    assert_eq!(who("Wir kommen um 4711 Uhr"), None);
}

#[test]
fn zeros_left_out_inside_a_number() {
    // `SN 2026/0042` written without the zeros in front of its second group.
    for text in [
        "Schaden SN 2026/42",
        "Ihr Schaden SN 2026 42",
        "Schadennummer: SN-2026-42",
    ] {
        let (id, how) = hit(text).unwrap_or_else(|| panic!("{text}"));
        assert_eq!(id, "SN 2026/0042", "{text}");
        assert!(how.contains("zeros left out"), "{text}: {how}");
        assert_eq!(who(text).as_deref(), Some("K4419029"), "{text}");
    }
    // Labelled, without the prefix: ours; bare: only a candidate (needs her data).
    assert_eq!(who("Schadennummer 2026/42").as_deref(), Some("K4419029"));
    assert_eq!(who("am 2026/42 war"), None);
    // The groups must be the same: other groupings or other digits are other numbers.
    for other in [
        "Schaden SN 202/642",
        "Schaden SN 2026/420",
        "Schaden SN 2026/43",
    ] {
        assert_eq!(hit(other), None, "{other}");
    }
}

#[test]
fn every_ocr_confusion_is_a_variant_tried_against_master_data() {
    for (text, confusion) in [
        ("Vertrag WG-Z6851203", "Z→2"),
        ("Vertrag WG-2G851203", "G→6"),
        ("Vertrag WG-26B51203", "B→8"),
        ("Vertrag WG-268S1203", "S→5"),
        ("Vertrag WG-2685I203", "I→1"),
        ("Vertrag WG-2685l203", "l→1"),
        ("Vertrag WG-268512O3", "O→0"),
        ("Vertrag WG-26851ZO3", "Z→2, O→0"),
    ] {
        let found = run(text);
        assert_eq!(found.customer.customer_id(), Some("K4419029"), "{text}");
        let id = &found.identifiers[0];
        assert_eq!(id.master_id.as_deref(), Some("WG-26851203"));
        assert!(id.ocr_variant, "{text}");
        assert!(
            id.found_as.as_ref().unwrap().contains(confusion),
            "{text}: {id:?}"
        );
        // The raw text is kept as written.
        assert!(text.ends_with(&id.raw), "{text}: {}", id.raw);
    }
    // Mostly letters, or letters OCR does not confuse with digits: no number.
    assert_eq!(who("Vertrag WG-ZGBSIlO3"), None);
    assert_eq!(who("Vertrag WG-268X1203"), None);
}

#[test]
fn a_near_miss_needs_the_customers_data() {
    // One digit wrong.
    assert_eq!(who("Vertrag WG-26851204"), None);
    let r = run("Vertrag WG-26851204");
    assert!(
        r.unused.iter().any(|u| u.master_id == "WG-26851203"),
        "{r:?}"
    );
    for corroborated in [
        "Vertrag WG-26851204\nAnna Meier",
        "Vertrag WG-26851204, geboren am 14.07.1988",
        "Vertrag WG-26851204, erreichbar unter anna.meier@example.net",
        "Vertrag WG-26851204, Weihelnstraße 7, 80331 München",
    ] {
        let m = run(corroborated).customer;
        assert_eq!(m.customer_id(), Some("K4419029"), "{corroborated}: {m:?}");
        assert!(m.reason().contains("digit 8 differs"), "{m:?}");
        assert!(m.reason().contains("corroborated by"), "{m:?}");
    }
    // The postcode alone is too weak.
    assert_eq!(who("Vertrag WG-26851204, 80331 München"), None);
    // Two neighbouring digits swapped.
    let m = run("Vertrag WG-26815203\nAnna Meier").customer;
    assert_eq!(m.customer_id(), Some("K4419029"), "{m:?}");
    assert!(m.reason().contains("swapped"), "{m:?}");
    // Another customer's name does not corroborate.
    assert_eq!(who("Vertrag WG-26851204\nClara Bülow"), None);
}

#[test]
fn a_cancelled_contract_still_identifies_its_customer() {
    let r = run("Kündigung Vertrag WG-33334444");
    assert_eq!(r.customer.customer_id(), Some("K4419030"));
    assert!(r.identifiers[0]
        .found_as
        .as_ref()
        .unwrap()
        .contains("cancelled"));
    assert!(r.customer.reason().contains("cancelled"));
}

#[test]
fn claim_numbers_identify_the_customer_of_their_contract() {
    for text in [
        "Schadennummer SN 2026/0042",
        "Schaden SN-2026-0042",
        "Ihr Zeichen: SN20260042",
    ] {
        let r = run(text);
        assert_eq!(r.customer.customer_id(), Some("K4419029"), "{text}");
        assert_eq!(r.identifiers[0].kind, IdKind::ClaimNumber);
        assert_eq!(r.identifiers[0].value, "SN20260042");
    }
}

#[test]
fn the_senders_own_numbers_never_match() {
    for text in [
        "Ihre Kundennummer bei uns: 4419027",
        "Unser Zeichen: WG-17450311",
        "Rechnungsnummer 17450311",
        "Rechnungs-Nr. WG 17450311",
        "Aktenzeichen: 17450311",
        "Az.: 17450311",
        "Mandatsreferenz: K4419027",
        "Auftragsnummer 17450311",
        "Unsere Kundennummer K4419027",
        "Tel.: 17450311",
        "Ihr Zeichen: 12/26, Unser Zeichen: K4419027",
    ] {
        let r = run(text);
        assert_eq!(r.customer, CustomerMatch::None, "{text}");
        assert!(
            r.identifiers.iter().all(|i| i.master_id.is_none()),
            "{text}: {:?}",
            r.identifiers
        );
        assert!(
            r.unused.iter().any(|u| u.reason.contains("sender's own")),
            "{text}: {:?}",
            r.unused
        );
    }
    // "Ihr Zeichen" / "Ihr Aktenzeichen" is the insurer's: it matches.
    assert_eq!(
        who("Ihr Aktenzeichen: WG-17450311").as_deref(),
        Some("K4419027")
    );
}

#[test]
fn digits_that_are_dates_amounts_postcodes_phone_numbers_or_iban_pieces_do_not_match() {
    // Customer 12032026 of insurer A... no: of the invented master data, and 37040044 a contract.
    for text in [
        "Schreiben vom 12.03.2026",
        "Betrag: 12032026,00 €",
        "Summe 12032026 EUR",
        "IBAN DE89 3704 0044 0532 0130 00",
        "Rückruf unter 0421 17450311",
        "Tel. (0421) 17450311",
    ] {
        let r = run(text);
        assert_eq!(r.customer, CustomerMatch::None, "{text}: {r:?}");
    }
    assert_eq!(who("Kundennummer 12032026").as_deref(), Some("12032026"));
}

#[test]
fn two_customers_numbers_stay_ambiguous_unless_a_name_decides() {
    let r = run("Verträge WG-17450311 und WG-26851203");
    assert!(
        matches!(r.customer, CustomerMatch::Ambiguous { ref candidates, .. } if candidates.len() == 2),
        "{r:?}"
    );
    let r = run("Verträge WG-17450311 und WG-26851203\nAnna Meier");
    assert_eq!(r.customer.customer_id(), Some("K4419029"));
}

#[test]
fn initials_ocr_streets_and_house_number_suffixes() {
    // "D. Neumann" at the shared address: Dieter and Doris both fit, so it stays ambiguous…
    let both = run("D. Neumann\nGoethestraBe 12 a\n45127 Essen").customer;
    assert!(matches!(both, CustomerMatch::Ambiguous { .. }), "{both:?}");
    // …and the full first name decides.
    let m = run("Dieter Neumann\nGoethestraBe 12 a\n45127 Essen").customer;
    assert_eq!(m.customer_id(), Some("K4419027"), "{m:?}");
    assert!(m.reason().contains("street Goethestraße 12a"), "{m:?}");
    // The initial with the birth date.
    let m = run("D. Neumann, geb. 01.02.1970").customer;
    assert_eq!(m.customer_id(), Some("K4419027"), "{m:?}");
    // OCR noise in the street and abbreviations.
    let m = run("Anna Meier\nVäihelnstr. 7\nMünchen").customer;
    assert_eq!(m.customer_id(), Some("K4419029"), "{m:?}");
    assert!(m.reason().contains("OCR-tolerant"), "{m:?}");
    let m = run("Niklas Werner, Königsberger Str. 3").customer;
    assert_eq!(m.customer_id(), Some("K4419032"), "{m:?}");
}

#[test]
fn transliteration_double_names_and_particles() {
    let m = run("Joerg Mueller-Luedenscheidt\nAm Markt 1\n50667 Köln").customer;
    assert_eq!(m.customer_id(), Some("K4419030"), "{m:?}");
    let m = run("Jörg Müller\nAm Markt 1\n50667 Köln").customer;
    assert_eq!(m.customer_id(), Some("K4419030"), "{m:?}");
    assert!(m.reason().contains("double name"), "{m:?}");
    let m = run("Clara Bulow, Lindenweg 3, 20095 Hamburg").customer;
    assert_eq!(m.customer_id(), Some("100-223-45"), "{m:?}");
}

#[test]
fn a_name_changed_by_marriage() {
    // The old name with the number.
    let m = run("Anna Schmidt (früher Meier)\nVertrag WG-26851203").customer;
    assert_eq!(m.customer_id(), Some("K4419029"));
    // The new name with the old address and the birth date.
    let m = run("Anna Schmidt, geb. 14.07.1988\nWeihelnstraße 7, 80331 München").customer;
    assert_eq!(m.customer_id(), Some("K4419029"), "{m:?}");
    assert!(m.reason().contains("last name differs"), "{m:?}");
    // The new name and the address alone, with the marriage mentioned.
    let m =
        run("Nach meiner Heirat heiße ich Anna Schmidt.\nWeihelnstraße 7, 80331 München").customer;
    assert_eq!(m.customer_id(), Some("K4419029"), "{m:?}");
    // Without any sign of a name change, a first name at an address is not enough.
    assert_eq!(
        run("Anna Schmidt\nWeihelnstraße 7, 80331 München")
            .customer
            .customer_id(),
        None
    );
}

#[test]
fn a_third_party_writes_about_the_customer() {
    let lawyer =
        "Rechtsanwälte Berg & Partner\nKanzleiweg 1, 10115 Berlin\nUnser Zeichen: 4711/26\n\n\
        In Sachen unseres Mandanten Herrn Dieter Neumann, geb. 01.02.1970, zeigen wir an …";
    let m = run(lawyer).customer;
    assert_eq!(m.customer_id(), Some("K4419027"), "{m:?}");
    let garage =
        "Autohaus Sonne GmbH, Rechnungsnummer 4419028\nIhre Kundennummer bei uns: 17450311\n\
        Reparatur für Ihre Versicherungsnehmerin Anna Meier, Vertrag WG-26851203";
    let r = run(garage);
    assert_eq!(r.customer.customer_id(), Some("K4419029"), "{r:?}");
}

#[test]
fn the_old_identity_in_an_address_change() {
    let text = "Anna Meier\nNeue Straße 5\n10115 Berlin\n\nMeine bisherige Anschrift: Weihelnstraße 7, 80331 München";
    assert_eq!(who(text).as_deref(), Some("K4419029"));
}

#[test]
fn e_mail_from_an_unknown_address_whose_body_names_the_customer() {
    let r = run_from(
        "Hallo, hier schreibt Anna Meier aus der Weihelnstraße 7 wegen meiner Versicherung.",
        &["a.m.1988@webmail.example"],
    );
    assert_eq!(r.customer.customer_id(), Some("K4419029"), "{r:?}");
    // The registered address alone decides.
    let r = run_from("Hallo", &["anna.meier@example.net"]);
    assert_eq!(r.customer.customer_id(), Some("K4419029"));
}

#[test]
fn name_only_stays_ambiguous() {
    let m = run("Mit freundlichen Grüßen\nNiklas Werner").customer;
    assert!(
        matches!(m, CustomerMatch::Ambiguous { ref candidates, .. } if candidates.len() == 2),
        "{m:?}"
    );
    assert_eq!(
        who("Sehr geehrte Damen und Herren, bitte senden Sie Unterlagen."),
        None
    );
}
