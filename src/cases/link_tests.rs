//! Tests of the linking decision ([`super`]).

use super::*;

fn t(h: i64) -> DateTime<Utc> {
    "2026-03-02T08:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::hours(h)
}

fn doc(customer: &str, doc_type: &str, at: i64) -> CaseDoc {
    CaseDoc {
        received_at: t(at),
        customer_id: Some(customer.into()),
        doc_type: doc_type.into(),
        ..CaseDoc::default()
    }
}

fn cand(id: i64, customer: &str, doc_type: &str, at: i64, found_by: FoundBy) -> Candidate {
    Candidate {
        case_id: CaseId(id),
        customer_id: Some(customer.into()),
        doc_type: doc_type.into(),
        last_document_at: t(at),
        claims: Vec::new(),
        contracts: Vec::new(),
        found_by,
        words: BTreeSet::new(),
    }
}

/// The window of `hours`, without the longer look-back of follow-ups.
fn rules(hours: u32) -> LinkRules {
    LinkRules {
        enabled: true,
        window_hours: hours,
        follow_up_days: 0,
        concern_overlap: 0.2,
    }
}

#[test]
fn thread_beats_window_and_joins_across_types() {
    let d = doc("K-1", "complaint", 10);
    let c = [
        cand(1, "K-1", "complaint", 9, FoundBy::Window),
        cand(2, "K-1", "claim", 0, FoundBy::Thread("a@b".into())),
    ];
    assert_eq!(
        rules(72).decide(&d, &c),
        Decision::Join {
            case_id: CaseId(2),
            reason: LinkReason::Thread {
                message_id: "a@b".into()
            }
        }
    );
}

#[test]
fn window_needs_same_customer_type_and_time() {
    let d = doc("K-1", "claim", 50);
    let inside = cand(1, "K-1", "claim", 0, FoundBy::Window);
    assert!(matches!(
        rules(72).decide(&d, std::slice::from_ref(&inside)),
        Decision::Join { .. }
    ));
    // Outside the window, another type, another customer, window off.
    assert_eq!(
        rules(24).decide(&d, std::slice::from_ref(&inside)),
        Decision::NewCase
    );
    assert_eq!(
        rules(72).decide(&d, &[cand(1, "K-1", "invoice", 0, FoundBy::Window)]),
        Decision::NewCase
    );
    assert_eq!(
        rules(72).decide(&d, &[cand(1, "K-2", "claim", 0, FoundBy::Window)]),
        Decision::NewCase
    );
    assert_eq!(rules(0).decide(&d, &[inside]), Decision::NewCase);
    let unknown = doc("K-1", UNKNOWN, 1);
    assert_eq!(
        rules(72).decide(&unknown, &[cand(1, "K-1", UNKNOWN, 0, FoundBy::Window)]),
        Decision::NewCase
    );
}

#[test]
fn two_claim_numbers_stay_two_cases() {
    let mut d = doc("K-1", "claim", 2);
    d.claims = vec!["S0000000002".into()];
    let mut c = cand(1, "K-1", "claim", 0, FoundBy::Window);
    c.claims = vec!["S0000000001".into()];
    assert_eq!(
        rules(72).decide(&d, std::slice::from_ref(&c)),
        Decision::NewCase
    );
    // Same contract, different claims: still two.
    c.found_by = FoundBy::Contract("KF002405896".into());
    assert_eq!(
        rules(72).decide(&d, std::slice::from_ref(&c)),
        Decision::NewCase
    );
    // The same claim number joins, whatever the type.
    c.claims.push("S0000000002".into());
    c.doc_type = "invoice".into();
    c.found_by = FoundBy::Claim("S0000000002".into());
    assert_eq!(
        rules(72).decide(&d, &[c]),
        Decision::Join {
            case_id: CaseId(1),
            reason: LinkReason::ClaimNumber {
                number: "S0000000002".into()
            }
        }
    );
}

#[test]
fn contract_number_needs_a_related_type_a_reminder_or_a_reference() {
    // A claim on a contract with an open cancellation: another concern.
    let mut d = doc("K-1", "claim", 200);
    let c = cand(1, "K-1", "cancellation", 0, FoundBy::Contract("KF1".into()));
    assert_eq!(
        rules(72).decide(&d, std::slice::from_ref(&c)),
        Decision::NewCase
    );
    let joins = |d: &CaseDoc| {
        matches!(
            rules(72).decide(d, std::slice::from_ref(&c)),
            Decision::Join {
                reason: LinkReason::ContractNumber { .. },
                ..
            }
        )
    };
    d.reminder = true;
    assert!(joins(&d), "a reminder");
    d.reminder = false;
    d.follow_up = Some("ihr schreiben vom".into());
    assert!(joins(&d), "a reference to earlier correspondence");
    // "Please confirm my cancellation", read as other: the same contract, a related type.
    let confirm = doc("K-1", "other", 200);
    assert!(joins(&confirm));
}

#[test]
fn never_across_customers_and_off_when_disabled() {
    let d = doc("K-1", "claim", 1);
    let c = cand(1, "K-2", "claim", 0, FoundBy::Claim("S1".into()));
    assert_eq!(rules(72).decide(&d, &[c]), Decision::NewCase);
    let off = LinkRules {
        enabled: false,
        window_hours: 72,
        follow_up_days: 42,
        concern_overlap: 0.2,
    };
    let c = cand(1, "K-1", "claim", 0, FoundBy::Thread("x".into()));
    assert_eq!(off.decide(&d, &[c]), Decision::NewCase);
}

/// Content words of a text (no customer words to leave out).
fn w(text: &str) -> BTreeSet<String> {
    crate::cases::concern::content_words(text, &BTreeSet::new())
}

const CRASH: &str = "Ein Lieferwagen ist mir an der Ampel hinten aufgefahren. Heckklappe eingedrückt, Rückleuchte kaputt, Polizei war vor Ort, Fahrer gibt den Unfall zu.";
const THEFT: &str = "Aus dem abgeschlossenen Kellerabteil wurde mein Trekkingrad gestohlen, das Schloss aufgebrochen, Anzeige bei der Polizeidienststelle erstattet.";

fn with_words(mut c: Candidate, text: &str) -> Candidate {
    c.words = w(text);
    c
}

fn joined(d: Decision) -> Option<(i64, LinkReason)> {
    match d {
        Decision::Join { case_id, reason } => Some((case_id.0, reason)),
        Decision::NewCase => None,
    }
}

#[test]
fn a_reply_to_the_customers_subject_joins_whatever_its_type() {
    let mut d = doc("K-1", "other", 30);
    d.subject = Some("schadenmeldung auffahrunfall".into());
    d.reply_subject = true;
    let found = FoundBy::Subject("schadenmeldung auffahrunfall".into());
    let c = cand(1, "K-1", "claim", 0, found.clone());
    assert_eq!(
        joined(rules(0).decide(&d, std::slice::from_ref(&c))),
        Some((
            1,
            LinkReason::ReplySubject {
                subject: "schadenmeldung auffahrunfall".into()
            }
        )),
        "also with the window off"
    );
    // Not a reply (the same subject again is a new message), or another customer's.
    d.reply_subject = false;
    assert_eq!(
        rules(0).decide(&d, std::slice::from_ref(&c)),
        Decision::NewCase
    );
    d.reply_subject = true;
    assert_eq!(
        rules(0).decide(&d, &[cand(1, "K-2", "claim", 0, found)]),
        Decision::NewCase
    );
}

#[test]
fn a_reference_joins_the_related_case_of_the_customer() {
    let mut d = doc("K-1", "complaint", 100);
    d.follow_up = Some("ihr schreiben vom".into());
    d.words = w("Zu meinem Auffahrunfall an der Ampel habe ich nichts gehört.");
    let claim = with_words(cand(1, "K-1", "claim", 0, FoundBy::Window), CRASH);
    let (case, reason) = joined(rules(168).decide(&d, std::slice::from_ref(&claim))).unwrap();
    assert_eq!(case, 1);
    let LinkReason::Reference {
        reference, shared, ..
    } = &reason
    else {
        panic!("{reason:?}")
    };
    assert_eq!(reference, "ihr schreiben vom");
    assert_eq!(shared, &["ampel"]);
    assert!(reason
        .to_string()
        .starts_with("refers to earlier correspondence"));
    // Outside the window, or without the reference and without shared words: a new case.
    assert_eq!(
        rules(24).decide(&d, std::slice::from_ref(&claim)),
        Decision::NewCase
    );
    let mut plain = d.clone();
    plain.follow_up = None;
    plain.words = w("Ihre Hotline ist nie erreichbar.");
    assert_eq!(
        rules(168).decide(&plain, std::slice::from_ref(&claim)),
        Decision::NewCase
    );
    // A short reference without shared words joins the customer's only related case …
    let mut confirm = doc("K-1", "other", 100);
    confirm.follow_up = Some("eingang meiner".into());
    confirm.words = w("Bitte bestätigen Sie den Eingang.");
    let cancel = with_words(
        cand(2, "K-1", "cancellation", 0, FoundBy::Window),
        "Hiermit kündige ich fristgerecht zum Jahresende.",
    );
    assert_eq!(
        joined(rules(168).decide(&confirm, std::slice::from_ref(&cancel))).map(|j| j.0),
        Some(2)
    );
    // … but not when two cases could take it.
    let other = with_words(
        cand(3, "K-1", "address_change", 0, FoundBy::Window),
        "Umzug",
    );
    let claim2 = with_words(cand(4, "K-1", "claim", 0, FoundBy::Window), THEFT);
    assert_eq!(
        rules(168).decide(&confirm, &[cancel.clone(), claim2]),
        Decision::NewCase
    );
    // A case of an unrelated type needs two shared words even with a reference.
    let mut moved = doc("K-1", "bank_details_change", 100);
    moved.follow_up = Some("wie besprochen".into());
    moved.words = w("Neue IBAN für die Abbuchung.");
    assert_eq!(
        rules(168).decide(&moved, std::slice::from_ref(&other)),
        Decision::NewCase
    );
    moved.words = w("Umzug: die Abbuchung bitte vom neuen Konto.");
    assert_eq!(
        rules(168).decide(&moved, std::slice::from_ref(&other)),
        Decision::NewCase
    );
    let umzug = with_words(other, "Umzug nach Köln, Abbuchung ab Mai");
    assert_eq!(
        joined(rules(168).decide(&moved, &[umzug])).map(|j| j.0),
        Some(3)
    );
}

#[test]
fn the_same_concern_read_as_another_type_joins() {
    // A status question about the claim, read as a complaint, without any reference phrase.
    let mut d = doc("K-1", "complaint", 100);
    d.words = w("Seit dem Auffahrunfall an der Ampel warte ich, die Heckklappe ist immer noch kaputt. Unzufrieden!");
    let claim = with_words(cand(1, "K-1", "claim", 0, FoundBy::Window), CRASH);
    let theft = with_words(cand(2, "K-1", "claim", 50, FoundBy::Window), THEFT);
    let (case, reason) = joined(rules(168).decide(&d, &[theft.clone(), claim.clone()])).unwrap();
    assert_eq!(case, 1, "the claim it is about, not the more recent one");
    assert!(
        reason
            .to_string()
            .starts_with("same customer and concern within 168 h (shared words"),
        "{reason}"
    );
    // The same text from another customer never joins.
    let mut stranger = d.clone();
    stranger.customer_id = Some("K-2".into());
    assert_eq!(rules(168).decide(&stranger, &[claim]), Decision::NewCase);
}

#[test]
fn an_invoice_joins_the_only_open_claim() {
    let mut d = doc("K-1", "invoice", 100);
    d.words = w("Rechnung Reparatur Fahrzeug, Arbeitslohn, Lackierung, Summe netto, Mehrwertsteuer, zahlbar sofort.");
    let crash = with_words(
        cand(1, "K-1", "claim", 0, FoundBy::Window),
        "Wildunfall, ein Reh, das Fahrzeug ist vorne eingedrückt",
    );
    assert_eq!(
        joined(rules(168).decide(&d, std::slice::from_ref(&crash))).map(|j| j.0),
        Some(1)
    );
    // The only open claim, but about something else entirely (nothing shared): apart.
    let bicycle = with_words(cand(4, "K-1", "claim", 0, FoundBy::Window), THEFT);
    assert_eq!(rules(168).decide(&d, &[bicycle]), Decision::NewCase);
    // With two open claims and nothing shared it stays apart (a clerk assigns it) …
    let theft = with_words(
        cand(2, "K-1", "claim", 10, FoundBy::Window),
        "Fahrrad gestohlen",
    );
    let other_crash = with_words(cand(1, "K-1", "claim", 0, FoundBy::Window), CRASH);
    assert_eq!(
        rules(168).decide(&d, &[other_crash, theft.clone()]),
        Decision::NewCase
    );
    // … and joins the one it shares at least two words with.
    let repair = with_words(
        cand(3, "K-1", "claim", 5, FoundBy::Window),
        "Auffahrunfall: die Lackierung der Heckklappe ist zerkratzt, Reparatur nötig.",
    );
    assert_eq!(
        joined(rules(168).decide(&d, &[crash, theft, repair])).map(|j| j.0),
        Some(3)
    );
    // Not to an open case of another concern.
    let cancel = with_words(
        cand(3, "K-1", "cancellation", 0, FoundBy::Window),
        "kündige",
    );
    assert_eq!(rules(168).decide(&d, &[cancel]), Decision::NewCase);
}

#[test]
fn two_incidents_of_one_customer_stay_two_cases() {
    // Two claims in the window, on the same contract, no claim numbers: different incidents.
    let mut d = doc("K-1", "claim", 20);
    d.words = w(THEFT);
    let crash = with_words(cand(1, "K-1", "claim", 0, FoundBy::Window), CRASH);
    assert_eq!(
        rules(72).decide(&d, std::slice::from_ref(&crash)),
        Decision::NewCase
    );
    let mut by_contract = crash.clone();
    by_contract.found_by = FoundBy::Contract("KF1".into());
    assert_eq!(rules(72).decide(&d, &[by_contract]), Decision::NewCase);
    // Two shared words of a longer letter are evidence enough (an addition to the list).
    let mut addition = doc("K-1", "claim", 20);
    addition.words = w("Zur Liste kommt noch hinzu: aus dem Kellerabteil fehlt außerdem ein Kindersitz, den ich erst jetzt vermisse; der Kaufbeleg des Trekkingrads folgt.");
    let theft = with_words(cand(2, "K-1", "claim", 0, FoundBy::Window), THEFT);
    assert!(
        joined(rules(72).decide(&addition, std::slice::from_ref(&theft))).is_some(),
        "{:?}",
        crate::cases::concern::overlap(&addition.words, &theft.words)
    );
    // The same incident reported again (letter, then e-mail) is one case.
    d.words = w(CRASH);
    assert_eq!(
        joined(rules(72).decide(&d, std::slice::from_ref(&crash))),
        Some((1, LinkReason::TimeWindow { hours: 72 }))
    );
    // A follow-up adding new facts joins when it shares anything.
    let mut more = doc("K-1", "claim", 20);
    more.follow_up = Some("nachtrag zum".into());
    more.words = w("Nachtrag: Fotos der Heckklappe, Kennzeichen des Lieferwagens, Zeugen, Kostenvoranschlag der Werkstatt folgen.");
    assert!(joined(rules(72).decide(&more, &[crash])).is_some());
}

#[test]
fn no_rule_joins_another_customers_case() {
    let mut d = doc("K-1", "claim", 1);
    d.follow_up = Some("ihr zeichen".into());
    d.reply_subject = true;
    d.subject = Some("schaden".into());
    d.words = w(CRASH);
    for found_by in [
        FoundBy::Thread("m@x".into()),
        FoundBy::Claim("S1".into()),
        FoundBy::Contract("KF1".into()),
        FoundBy::Subject("schaden".into()),
        FoundBy::Window,
    ] {
        let c = with_words(cand(1, "K-2", "claim", 0, found_by.clone()), CRASH);
        assert_eq!(
            rules(72).decide(&d, &[c]),
            Decision::NewCase,
            "{found_by:?}"
        );
    }
}

fn claim(number: &str, contract: Option<&str>) -> NamedClaim {
    NamedClaim {
        number: number.into(),
        contract: contract.map(Into::into),
    }
}

#[test]
fn a_claim_brings_its_contract_and_a_claim_of_another_contract_is_only_mentioned() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // The claim's contract (master data) is a contract of the document.
    assert_eq!(
        concern_numbers(&[claim("S1", Some("HR1"))], &[]),
        (s(&["S1"]), s(&["HR1"]))
    );
    assert_eq!(
        concern_numbers(&[claim("S1", Some("HR1"))], &s(&["HR1"])),
        (s(&["S1"]), s(&["HR1"]))
    );
    // A letter about the house (WG1) that names the car's claim (on KF1) "separately".
    assert_eq!(
        concern_numbers(&[claim("S1", Some("KF1"))], &s(&["WG1"])),
        (s(&[]), s(&["WG1"]))
    );
    // A claim without a known contract stays.
    assert_eq!(
        concern_numbers(&[claim("S2", None)], &s(&["WG1"])),
        (s(&["S2"]), s(&["WG1"]))
    );
}

#[test]
fn the_window_does_not_join_a_case_about_other_contracts() {
    // The car's accident is open; a water-damage claim on the house arrives (same type,
    // shared words from a mention of the accident).
    let mut house = doc("K-1", "claim", 10);
    house.contracts = vec!["WG1".into()];
    house.words =
        w("Wasserschaden im Keller, Rohr geplatzt; der Unfall mit dem Skoda läuft separat.");
    let mut car = with_words(
        cand(1, "K-1", "claim", 0, FoundBy::Window),
        "Unfall mit dem Skoda an der Leitplanke, Tür eingedrückt.",
    );
    car.contracts = vec!["KF1".into()];
    assert_eq!(
        rules(72).decide(&house, std::slice::from_ref(&car)),
        Decision::NewCase
    );
    // Without contract numbers on either side the words decide, as before.
    let mut unnamed = house.clone();
    unnamed.contracts.clear();
    assert!(joined(rules(72).decide(&unnamed, std::slice::from_ref(&car))).is_some());
    // A contract in common: the same concern may continue.
    house.contracts.push("KF1".into());
    assert!(joined(rules(72).decide(&house, &[car])).is_some());
}

#[test]
fn the_contract_alone_joins_a_claims_case_only_to_documents_about_a_claim() {
    // The car's hail damage has a claim number; a green-card request for the same car (read as
    // other) names the contract and thanks for the repaired hail damage.
    let mut hail = with_words(
        cand(1, "K-1", "invoice", 0, FoundBy::Contract("KF1".into())),
        "Kostenvoranschlag Hagel: Dach ausbeulen, Motorhaube ausbeulen, Fahrzeug Seat",
    );
    hail.claims = vec!["S1".into()];
    let mut card = doc("K-1", "other", 10);
    card.contracts = vec!["KF1".into()];
    card.words = w("Grüne Versicherungskarte für das Fahrzeug, Urlaub; der Hagel ist repariert, Dach und Motorhaube.");
    assert_eq!(
        rules(72).decide(&card, std::slice::from_ref(&hail)),
        Decision::NewCase
    );
    // Nor the other way round: the estimate with its claim number and a case of type other.
    let mut estimate = doc("K-1", "invoice", 10);
    estimate.claims = vec!["S1".into()];
    estimate.contracts = vec!["KF1".into()];
    estimate.words = hail.words.clone();
    let mut card_case = with_words(
        cand(2, "K-1", "other", 0, FoundBy::Contract("KF1".into())),
        "Grüne Versicherungskarte für das Fahrzeug, der Hagel ist repariert, Dach und Motorhaube.",
    );
    assert_eq!(
        rules(72).decide(&estimate, std::slice::from_ref(&card_case)),
        Decision::NewCase
    );
    // A complaint about the claim, or a claim letter, joins by the contract.
    let mut complaint = card.clone();
    complaint.doc_type = "complaint".into();
    assert!(joined(rules(72).decide(&complaint, std::slice::from_ref(&hail))).is_some());
    card_case.doc_type = "claim".into();
    assert!(joined(rules(72).decide(&estimate, std::slice::from_ref(&card_case))).is_some());
    // A case opened by a thank-you note that an invoice with the claim number joined is about
    // that claim: the claim letter naming the contract joins it.
    card_case.doc_type = "other".into();
    card_case.claims = vec!["S1".into()];
    let mut report = doc("K-1", "claim", 10);
    report.contracts = vec!["KF1".into()];
    report.words = hail.words.clone();
    assert!(joined(rules(72).decide(&report, &[card_case])).is_some());
    // A reference to earlier correspondence still joins whatever the type.
    card.follow_up = Some("wie besprochen".into());
    assert!(joined(rules(72).decide(&card, &[hail])).is_some());
}

#[test]
fn a_claim_joins_the_invoice_that_came_first() {
    // The repairer's invoice arrived before the customer's own report of the accident.
    let bill = with_words(
        cand(1, "K-1", "invoice", 0, FoundBy::Window),
        "Rechnung Reparatur iPad Display, Touchscreen getauscht, Arbeitslohn, Summe, zahlbar",
    );
    let mut report = doc("K-1", "claim", 10);
    report.words = w("Mir ist das iPad einer Freundin heruntergefallen, auf die Fliesen; die Freundin lässt es reparieren, was braucht ihr von mir, kostet etwa 400 Euro.");
    assert_eq!(
        joined(rules(72).decide(&report, std::slice::from_ref(&bill))).map(|j| j.0),
        Some(1),
        "{:?}",
        crate::cases::concern::overlap(&report.words, &bill.words)
    );
    // An invoice about something else entirely (nothing shared) is no evidence.
    let other_bill = with_words(
        cand(2, "K-1", "invoice", 0, FoundBy::Window),
        "Rechnung Abschleppdienst Fahrzeug Autobahn",
    );
    assert_eq!(rules(72).decide(&report, &[other_bill]), Decision::NewCase);
}

#[test]
fn a_follow_up_finds_its_case_weeks_later() {
    let weeks = LinkRules {
        follow_up_days: 42,
        ..rules(72)
    };
    let day = 24;
    let crash = with_words(cand(1, "K-1", "claim", 0, FoundBy::Window), CRASH);
    // Three weeks later: photos "zu meinem Schaden vom 2.3." (read as other).
    let mut photos = doc("K-1", "other", 21 * day);
    photos.follow_up = Some("nachreichung".into());
    photos.words = w("Nachreichung: die Fotos der Heckklappe");
    let (case, reason) = joined(weeks.decide(&photos, std::slice::from_ref(&crash))).unwrap();
    assert_eq!(case, 1);
    assert_eq!(
        reason,
        LinkReason::Reference {
            reference: "nachreichung".into(),
            hours: 42 * 24,
            shared: vec!["heckkl".into()],
        }
    );
    // The customer's only open case takes a short reference that shares nothing …
    let mut note = photos.clone();
    note.words = w("anbei die Fotos");
    assert!(joined(weeks.decide(&note, std::slice::from_ref(&crash))).is_some());
    // … but not among two, and nothing without a reference, after the look-back, or with the
    // follow-up window off.
    let theft = with_words(cand(2, "K-1", "claim", 5 * day, FoundBy::Window), THEFT);
    assert_eq!(
        weeks.decide(&note, &[crash.clone(), theft.clone()]),
        Decision::NewCase
    );
    let mut plain = photos.clone();
    plain.follow_up = None;
    assert_eq!(
        weeks.decide(&plain, std::slice::from_ref(&crash)),
        Decision::NewCase
    );
    let mut late = photos.clone();
    late.received_at = t(43 * day);
    assert_eq!(
        weeks.decide(&late, std::slice::from_ref(&crash)),
        Decision::NewCase
    );
    assert_eq!(
        rules(72).decide(&photos, std::slice::from_ref(&crash)),
        Decision::NewCase
    );
    // The shared words pick the right one of two; a case within the short window outranks it.
    assert_eq!(
        joined(weeks.decide(&photos, &[theft.clone(), crash.clone()])).map(|j| j.0),
        Some(1)
    );
    let mut recent = with_words(cand(3, "K-1", "claim", 20 * day, FoundBy::Window), CRASH);
    recent.words.insert("heckkl".into());
    assert_eq!(
        joined(weeks.decide(&photos, &[crash, recent])).map(|j| j.0),
        Some(3)
    );
    // The look-up reaches back as far.
    assert_eq!(
        weeks.window_start(&photos),
        Some(t(21 * day) - Duration::days(42))
    );
    assert_eq!(
        weeks.window_start(&plain),
        Some(t(21 * day) - Duration::hours(72))
    );
}

#[test]
fn the_same_vehicle_joins_like_its_contract_number() {
    // Weeks later (no window), the garage's bill names the car the customer's report named.
    let report = with_words(
        cand(1, "K-1", "claim", 0, FoundBy::Object("MSBJ85".into())),
        "Wildunfall mit einem Reh, Stoßstange und Scheinwerfer beschädigt, Abschleppdienst",
    );
    let mut bill = doc("K-1", "invoice", 24 * 30);
    bill.objects = vec!["MSBJ85".into()];
    bill.words = w("Rechnung Abschleppdienst Wildunfall Bergung Fahrzeug");
    assert_eq!(
        joined(rules(72).decide(&bill, std::slice::from_ref(&report))),
        Some((
            1,
            LinkReason::SameVehicle {
                plate: "MSBJ85".into()
            }
        ))
    );
    assert_eq!(
        LinkReason::SameVehicle {
            plate: "MSBJ85".into()
        }
        .to_string(),
        "same vehicle MSBJ85"
    );
    // Not for another concern about the same car (a cancellation when it is sold), nor across
    // two claim numbers, nor for another customer.
    let mut sold = doc("K-1", "cancellation", 24 * 30);
    sold.objects = bill.objects.clone();
    assert_eq!(
        rules(72).decide(&sold, std::slice::from_ref(&report)),
        Decision::NewCase
    );
    let mut numbered = report.clone();
    numbered.claims = vec!["S1".into()];
    let mut other_claim = bill.clone();
    other_claim.claims = vec!["S2".into()];
    assert_eq!(
        rules(72).decide(&other_claim, &[numbered]),
        Decision::NewCase
    );
    let mut stranger = report.clone();
    stranger.customer_id = Some("K-2".into());
    assert_eq!(rules(72).decide(&bill, &[stranger]), Decision::NewCase);
    // One word in common besides the car is enough for a bill; nothing in common is another
    // matter on the same car.
    let mut repair = bill.clone();
    repair.words = w("Rechnung Werkstatt: Stoßstange ersetzt, lackiert, Arbeitslohn, Summe netto");
    let crash = with_words(
        report.clone(),
        "Wildunfall mit einem Reh auf der Landstraße, Stoßstange, Motorhaube, Kotflügel und Scheinwerfer beschädigt, Kühlergrill gebrochen",
    );
    assert!(joined(rules(72).decide(&repair, std::slice::from_ref(&crash))).is_some());
    repair.words = w(
        "Rechnung Werkstatt: Winterreifen gewechselt, Ölwechsel, Inspektion, Bremsflüssigkeit, Zündkerzen, Luftfilter, Arbeitslohn",
    );
    assert_eq!(rules(72).decide(&repair, &[crash]), Decision::NewCase);
}

#[test]
fn machine_mail_joins_no_case() {
    // An out-of-office answering the insurer's mail about a claim quotes its number.
    let mut reply = doc("K-1", "other", 5);
    reply.claims = vec!["S1".into()];
    let mut claim = cand(1, "K-1", "claim", 0, FoundBy::Claim("S1".into()));
    claim.claims = vec!["S1".into()];
    assert!(joined(rules(72).decide(&reply, std::slice::from_ref(&claim))).is_some());
    reply.automated = true;
    assert_eq!(rules(72).decide(&reply, &[claim]), Decision::NewCase);
}

#[test]
fn what_the_heirs_send_after_a_death_joins_it() {
    let death = cand(1, "K-1", "death_notice", 0, FoundBy::Window);
    for later in ["cancellation", "invoice", "bank_details_change", "claim"] {
        let d = doc("K-1", later, 24);
        assert_eq!(
            joined(rules(72).decide(&d, std::slice::from_ref(&death))),
            Some((1, LinkReason::AfterDeath { hours: 72 })),
            "{later}"
        );
    }
    assert_eq!(
        LinkReason::AfterDeath { hours: 72 }.to_string(),
        "after the customer's death, within 72 h"
    );
    // Another open case the document relates to: the words decide, as ever.
    let claim = cand(2, "K-1", "claim", 0, FoundBy::Window);
    assert_eq!(
        rules(72).decide(&doc("K-1", "invoice", 24), &[death.clone(), claim]),
        Decision::NewCase
    );
    // Not another customer's, nor after the window.
    assert_eq!(
        rules(72).decide(
            &doc("K-2", "cancellation", 24),
            std::slice::from_ref(&death)
        ),
        Decision::NewCase
    );
    assert_eq!(
        rules(72).decide(&doc("K-1", "cancellation", 24 * 10), &[death]),
        Decision::NewCase
    );
}
