//! Letter and e-mail texts per document type: what a customer (or a workshop, a
//! relative, a prospect) writes to the insurer, with German dates, references in
//! varying notation (contract, customer and claim numbers, IBANs), salutations and
//! greetings; rendering of a composed document as letter lines (for the PDF) or as
//! an e-mail body.

use super::people::{
    self, digits, iban_grouped, pick, product_name, random_address, random_iban, random_name,
    Address, Contract, Customer, MasterData,
};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::rngs::SmallRng;
use rand::Rng;

/// The fictional insurer that receives all mail.
pub const INSURER: &str = "Hanse-Rhein Versicherung AG";
pub const INSURER_LINES: [&str; 3] = [
    "Kundenservice / Posteingang",
    "Postfach 10 12 34",
    "20095 Hamburg",
];
pub const INSURER_MAIL: &str = "posteingang@hanse-rhein-versicherung.de";
pub const INSURER_CLAIMS_MAIL: &str = "schaden@hanse-rhein-versicherung.de";
pub const INSURER_DOMAIN: &str = "hanse-rhein-versicherung.de";

/// The document types of `truth.jsonl` are intake's own.
pub use crate::classify::DocType;

/// Who writes: name, address lines below the name, place for the date line, e-mail.
#[derive(Clone, Debug)]
pub struct Party {
    pub name: String,
    pub lines: Vec<String>,
    pub city: String,
    pub email: String,
}

/// One composed document, independent of whether it becomes a letter or an e-mail.
#[derive(Clone, Debug)]
pub struct Doc {
    pub doc_type: DocType,
    /// Ground truth (canonical notation), not necessarily all printed in the text.
    pub customer_id: Option<String>,
    pub contract_id: Option<String>,
    pub claim_number: Option<String>,
    pub iban: Option<String>,
    pub date: NaiveDate,
    pub sender: Party,
    pub subject: String,
    /// Reference lines printed above the subject ("Versicherungsnummer: …").
    pub refs: Vec<String>,
    pub salutation: Option<String>,
    /// Paragraphs; one containing '\n' is preformatted and not re-wrapped.
    pub body: Vec<String>,
    pub closing: Option<String>,
    pub signature: Vec<String>,
    /// "Anlagen" listed at the end of a letter.
    pub enclosures: Vec<String>,
    /// Short text for an e-mail that carries this document as a PDF attachment.
    pub cover: Vec<String>,
    /// Suggested attachment file name when sent as PDF.
    pub pdf_name: String,
}

const MONTHS: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

/// `14.03.2026`
pub fn de_date(d: NaiveDate) -> String {
    format!("{:02}.{:02}.{}", d.day(), d.month(), d.year())
}

/// `14. März 2026`
pub fn de_date_long(d: NaiveDate) -> String {
    format!("{}. {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

fn de_date_any(rng: &mut SmallRng, d: NaiveDate) -> String {
    match rng.gen_range(0..10) {
        0 => de_date_long(d),
        1 => format!("{}.{}.{}", d.day(), d.month(), d.year()),
        2 => format!("{:02}.{:02}.{:02}", d.day(), d.month(), d.year() % 100),
        _ => de_date(d),
    }
}

/// `1.234,56 €`
pub fn euro(cents: i64) -> String {
    let neg = cents < 0;
    let c = cents.unsigned_abs();
    let whole = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("{}{},{:02} €", if neg { "-" } else { "" }, grouped, c % 100)
}

/// Greedy word wrap.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0;
    for word in text.split_whitespace() {
        let wl = word.chars().count();
        if cur_len > 0 && cur_len + 1 + wl > width {
            lines.push(std::mem::take(&mut cur));
            cur_len = 0;
        }
        if cur_len > 0 {
            cur.push(' ');
            cur_len += 1;
        }
        cur.push_str(word);
        cur_len += wl;
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Prints an identifier like `KF-123 456 789` in one of several notations:
/// canonical, compact (`KF123456789`), dash only (`KF-123456789`), spaces (`KF 123 456 789`).
pub fn id_variant(rng: &mut SmallRng, id: &str) -> String {
    let (prefix, rest) = id.split_once('-').unwrap_or(("", id));
    let digits: String = rest.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    match rng.gen_range(0..20) {
        0..=11 => id.to_string(),
        12..=14 => format!("{prefix}{digits}"),
        15..=17 => format!("{prefix}-{digits}"),
        _ => format!("{prefix} {}", rest.replace('-', " ")),
    }
}

fn contract_ref(rng: &mut SmallRng, id: &str) -> String {
    let label = pick(
        rng,
        &[
            "Versicherungsnummer: ",
            "Versicherungsnummer: ",
            "Vertragsnummer: ",
            "Vers.-Nr. ",
            "Vertrags-Nr.: ",
            "Versicherungsschein-Nr.: ",
            "Police Nr. ",
            "VSNR ",
        ],
    );
    format!("{label}{}", id_variant(rng, id))
}

fn customer_ref(rng: &mut SmallRng, id: &str) -> String {
    let label = pick(
        rng,
        &[
            "Kundennummer: ",
            "Kundennummer: ",
            "Kd.-Nr. ",
            "Kunden-Nr.: ",
            "Ihre Kundennummer ",
        ],
    );
    let digits = &id[2..];
    let shown = match rng.gen_range(0..6) {
        0 => format!("K{digits}"),
        1 => format!("K {digits}"),
        _ => id.to_string(),
    };
    format!("{label}{shown}")
}

fn claim_ref(rng: &mut SmallRng, id: &str) -> String {
    let label = pick(
        rng,
        &[
            "Schadennummer: ",
            "Schadennummer: ",
            "Schaden-Nr. ",
            "Schadennr.: ",
            "Ihr Zeichen: ",
        ],
    );
    let shown = match rng.gen_range(0..8) {
        0 => id.replace('-', ""),
        1 => format!("{}/{}", &id[..6], &id[7..]),
        _ => id.to_string(),
    };
    format!("{label}{shown}")
}

fn iban_shown(rng: &mut SmallRng, iban: &str) -> String {
    if rng.gen_bool(0.7) {
        iban_grouped(iban)
    } else {
        iban.to_string()
    }
}

/// A claim number `S-YYYY-NNNNNN` for a claim reported around `date`.
pub fn claim_number(rng: &mut SmallRng, date: NaiveDate) -> String {
    let year = if rng.gen_bool(0.8) {
        date.year()
    } else {
        date.year() - 1
    };
    format!("S-{year}-{:06}", rng.gen_range(1..60_000))
}

fn party_of(c: &Customer) -> Party {
    Party {
        name: c.full_name(),
        lines: vec![c.address.street_line(), c.address.city_line()],
        city: c.address.city.clone(),
        email: c.email.clone(),
    }
}

fn pick_contract<'a>(
    rng: &mut SmallRng,
    md: &'a MasterData,
    cust: usize,
    products: &[&str],
) -> Option<&'a Contract> {
    let all = md.contracts_of(cust);
    let fitting: Vec<&Contract> = all
        .iter()
        .filter(|c| products.is_empty() || products.contains(&c.product))
        .collect();
    let active: Vec<&Contract> = fitting
        .iter()
        .copied()
        .filter(|c| c.status == "active")
        .collect();
    if !active.is_empty() && rng.gen_bool(0.9) {
        Some(*pick(rng, &active))
    } else if !fitting.is_empty() {
        Some(*pick(rng, &fitting))
    } else {
        None
    }
}

fn salutation(rng: &mut SmallRng) -> String {
    pick(
        rng,
        &[
            "Sehr geehrte Damen und Herren,",
            "Sehr geehrte Damen und Herren,",
            "Sehr geehrte Damen und Herren,",
            "Guten Tag,",
            "Hallo,",
            "Sehr geehrtes Service-Team,",
        ],
    )
    .to_string()
}

fn closing(rng: &mut SmallRng) -> String {
    pick(
        rng,
        &[
            "Mit freundlichen Grüßen",
            "Mit freundlichen Grüßen",
            "Mit freundlichen Grüßen",
            "Freundliche Grüße",
            "Viele Grüße",
            "Beste Grüße",
            "MfG",
        ],
    )
    .to_string()
}

fn time_of_day(rng: &mut SmallRng) -> String {
    format!(
        "{:02}:{:02}",
        rng.gen_range(6..23),
        rng.gen_range(0..12) * 5
    )
}

fn any_name(rng: &mut SmallRng) -> (String, String) {
    let male = rng.gen_bool(0.5);
    random_name(rng, male)
}

fn car(rng: &mut SmallRng) -> &'static str {
    let items: &[&'static str] = &[
        "VW Golf",
        "VW Passat Variant",
        "Opel Astra",
        "BMW 320d",
        "Mercedes-Benz C 200",
        "Audi A4 Avant",
        "Skoda Octavia",
        "Ford Focus",
        "Seat Leon",
        "Toyota Yaris",
        "Renault Clio",
        "Hyundai i30",
        "Fiat 500",
        "Tesla Model 3",
        "VW ID.3",
    ];
    items[rng.gen_range(0..items.len())]
}

fn plate(rng: &mut SmallRng, prefix: &str) -> String {
    let letters = b"ABCDEFGHJKLMNPRSTUVWXYZ";
    let n = rng.gen_range(1..=2);
    let l: String = (0..n)
        .map(|_| char::from(letters[rng.gen_range(0..letters.len())]))
        .collect();
    let e = if rng.gen_bool(0.05) { "E" } else { "" };
    format!("{prefix}-{l} {}{e}", rng.gen_range(1..10_000))
}

fn other_insurer(rng: &mut SmallRng) -> &'static str {
    let items: &[&'static str] = &[
        "Nordstern Allgemeine",
        "Süddeutsche Kraftfahrt-Versicherung",
        "Westfälische Provinzial",
        "Alpenland Versicherung",
        "Elbe-Weser Assekuranz",
    ];
    items[rng.gen_range(0..items.len())]
}

/// What the writer of a document wants to achieve; filled in per type.
struct Draft {
    subject: String,
    body: Vec<String>,
    contract: Option<String>,
    claim: Option<String>,
    iban: Option<String>,
    enclosures: Vec<String>,
    cover: Vec<String>,
    pdf_name: String,
}

impl Draft {
    fn new(subject: String) -> Draft {
        Draft {
            subject,
            body: Vec::new(),
            contract: None,
            claim: None,
            iban: None,
            enclosures: Vec::new(),
            cover: Vec::new(),
            pdf_name: String::new(),
        }
    }
}

fn claim_draft(rng: &mut SmallRng, md: &MasterData, cust: usize, date: NaiveDate) -> Draft {
    let c = &md.customers[cust];
    let contract = pick_contract(
        rng,
        md,
        cust,
        &[
            "kfz",
            "hausrat",
            "wohngebaeude",
            "haftpflicht",
            "rechtsschutz",
            "unfall",
            "kranken",
            "berufsunfaehigkeit",
        ],
    );
    let product = contract.map_or("haftpflicht", |k| k.product);
    let when = date - Duration::days(rng.gen_range(1..12));
    let when_s = de_date_any(rng, when);
    let follow_up = rng.gen_bool(0.3);
    let claim = follow_up.then(|| claim_number(rng, date));
    let mut body = Vec::new();
    let (subject, kind);
    match product {
        "kfz" => {
            let my_car = car(rng);
            let my_plate = plate(rng, c.plate);
            match rng.gen_range(0..4) {
                0 => {
                    kind = "Kfz-Unfall";
                    subject = pick(
                        rng,
                        &[
                            "Schadenmeldung Verkehrsunfall",
                            "Unfallmeldung",
                            "Kfz-Schaden – Unfall vom",
                        ],
                    )
                    .to_string();
                    let (gf, gl) = any_name(rng);
                    body.push(format!(
                        "am {when_s} gegen {} Uhr hatte ich einen Verkehrsunfall auf der {} in {}. {}",
                        time_of_day(rng),
                        pick(rng, people::STREETS),
                        c.address.city,
                        pick(rng, &[
                            "Ich stand an der roten Ampel, als mir ein anderes Fahrzeug von hinten aufgefahren ist.",
                            "Beim Abbiegen hat mir ein entgegenkommendes Fahrzeug die Vorfahrt genommen.",
                            "Beim Ausparken bin ich leider gegen ein geparktes Fahrzeug gestoßen.",
                            "Ein Fahrzeug hat beim Spurwechsel meinen linken Kotflügel gestreift.",
                        ])
                    ));
                    body.push(format!(
                        "Mein Fahrzeug: {my_car}, amtliches Kennzeichen {my_plate}. Beschädigt sind {}. Unfallgegner ist {gf} {gl}, Kennzeichen {}, versichert bei der {}.",
                        pick(rng, &["Stoßfänger und Heckklappe", "der linke Kotflügel und die Fahrertür", "Scheinwerfer und Motorhaube", "die hintere Stoßstange"]),
                        { let p = pick(rng, people::CITIES).plate; plate(rng, p) },
                        other_insurer(rng)
                    ));
                    if rng.gen_bool(0.5) {
                        body.push(format!(
                            "Die Polizei hat den Unfall aufgenommen (Vorgangsnummer {}/{}).",
                            digits(rng, 6),
                            date.year() % 100
                        ));
                    }
                    body.push("Bitte teilen Sie mir mit, ob ich das Fahrzeug in meiner Vertragswerkstatt reparieren lassen kann oder ob ein Gutachter kommt.".into());
                }
                1 => {
                    kind = "Wildunfall";
                    subject = "Wildunfall – Schadenmeldung".into();
                    body.push(format!(
                        "am {when_s} ist mir gegen {} Uhr auf der Landstraße zwischen {} und {} ein Reh vor das Auto gelaufen. Der Zusammenstoß ließ sich nicht vermeiden.",
                        time_of_day(rng),
                        pick(rng, people::CITIES).name,
                        pick(rng, people::CITIES).name
                    ));
                    body.push(format!(
                        "Am Fahrzeug ({my_car}, {my_plate}) sind Frontschürze, Kühlergrill und ein Scheinwerfer beschädigt. Eine Wildunfallbescheinigung des Jagdpächters liegt vor."
                    ));
                }
                2 => {
                    kind = "Glasschaden";
                    subject = pick(
                        rng,
                        &[
                            "Steinschlag Windschutzscheibe",
                            "Glasschaden melden",
                            "Glasbruch an meinem Pkw",
                        ],
                    )
                    .to_string();
                    body.push(format!(
                        "auf der Autobahn hat am {when_s} ein Steinschlag meine Windschutzscheibe beschädigt. Inzwischen ist ein etwa 20 cm langer Riss entstanden. Fahrzeug: {my_car}, Kennzeichen {my_plate}."
                    ));
                    body.push("Die Scheibe soll ausgetauscht werden. Kann ich direkt einen Termin bei einem Glasfachbetrieb vereinbaren?".into());
                }
                _ => {
                    kind = "Parkschaden";
                    subject = "Parkschaden – Verursacher unbekannt".into();
                    body.push(format!(
                        "mein Fahrzeug ({my_car}, {my_plate}) stand am {when_s} auf dem Parkplatz eines Supermarkts. Als ich zurückkam, war die Beifahrertür eingedrückt und zerkratzt. Der Verursacher ist unbekannt, ich habe Anzeige erstattet."
                    ));
                }
            }
        }
        "hausrat" => match rng.gen_range(0..3) {
            0 => {
                kind = "Einbruch";
                subject = pick(
                    rng,
                    &[
                        "Einbruch in unsere Wohnung",
                        "Schadenmeldung Einbruchdiebstahl",
                        "Meldung Einbruch",
                    ],
                )
                .to_string();
                body.push(format!(
                    "in der Nacht zum {when_s} wurde in unsere Wohnung in der {} eingebrochen. Die Täter haben die Wohnungstür aufgehebelt und mehrere Gegenstände gestohlen.",
                    c.address.street_line()
                ));
                body.push(format!(
                    "Gestohlen wurden unter anderem:\n- Laptop (Kaufpreis ca. {})\n- Schmuck meiner Frau / Uhr (ca. {})\n- Bargeld ({})\n- Spielkonsole mit Zubehör",
                    euro(rng.gen_range(600..2_000) * 100),
                    euro(rng.gen_range(300..5_000) * 100),
                    euro(rng.gen_range(50..800) * 100)
                ));
                body.push(format!(
                    "Die Polizei war vor Ort; die Anzeige läuft unter der Tagebuchnummer {}/{}/{}. Eine vollständige Stehlgutliste reiche ich nach.",
                    rng.gen_range(100..999),
                    digits(rng, 5),
                    date.year()
                ));
            }
            1 => {
                kind = "Wasserschaden";
                subject = pick(
                    rng,
                    &[
                        "Wasserschaden in meiner Wohnung",
                        "Leitungswasserschaden",
                        "Schadenmeldung Wasserschaden Küche",
                    ],
                )
                .to_string();
                body.push(format!(
                    "am {when_s} ist in unserer Küche der Zulaufschlauch der Spülmaschine geplatzt. Das Wasser hat sich über den Boden verteilt, das Parkett im Wohnzimmer ist aufgequollen und ein Teppich ist nicht mehr zu retten."
                ));
                body.push("Ein Trocknungsunternehmen wurde bereits beauftragt. Bitte teilen Sie mir mit, ob Sie den Schaden besichtigen möchten, bevor die Reparatur beginnt.".into());
            }
            _ => {
                kind = "Fahrraddiebstahl";
                subject = "Fahrrad gestohlen".into();
                body.push(format!(
                    "mein Fahrrad ({}, Rahmennummer {}) wurde am {when_s} aus dem verschlossenen Fahrradkeller gestohlen. Die Anzeige bei der Polizei habe ich erstattet.",
                    pick(rng, &["Cube Kathmandu", "Gazelle Orange C8", "Kalkhoff Endeavour E-Bike", "Riese & Müller Charger"]),
                    digits(rng, 8)
                ));
            }
        },
        "wohngebaeude" => {
            if rng.gen_bool(0.5) {
                kind = "Sturmschaden";
                subject = "Sturmschaden am Dach".into();
                body.push(format!(
                    "durch das Sturmtief am {when_s} wurden an unserem Haus mehrere Dachziegel abgedeckt, außerdem ist die Regenrinne abgerissen. Durch das offene Dach ist Regenwasser in das Dachgeschoss eingedrungen."
                ));
                body.push("Ein Dachdecker hat das Dach provisorisch gesichert. Fotos und den Kostenvoranschlag sende ich Ihnen gern zu.".into());
            } else {
                kind = "Rohrbruch";
                subject = "Rohrbruch im Keller".into();
                body.push(format!(
                    "am {when_s} haben wir einen Rohrbruch in der Kellerwand festgestellt. Die Wand ist durchfeuchtet, der Estrich im Hauswirtschaftsraum steht unter Wasser."
                ));
            }
        }
        "haftpflicht" => {
            kind = "Haftpflichtschaden";
            subject = pick(
                rng,
                &[
                    "Haftpflichtschaden",
                    "Schadenmeldung Privathaftpflicht",
                    "Ich habe etwas beschädigt",
                ],
            )
            .to_string();
            body.push(format!(
                "{} Der Geschädigte ist {} {}, wohnhaft in {}.",
                pick(rng, &[
                    "beim Besuch bei Freunden ist mir versehentlich deren Laptop vom Tisch gefallen; das Display ist gebrochen.",
                    "mein Sohn hat beim Fußballspielen die Fensterscheibe unseres Nachbarn beschädigt.",
                    "beim Umzug eines Bekannten habe ich eine Glasvitrine fallen lassen.",
                    "ich habe beim Aussteigen mit der Autotür ein daneben stehendes E-Bike umgestoßen.",
                ]),
                if rng.gen_bool(0.5) { "Herr" } else { "Frau" },
                any_name(rng).1,
                pick(rng, people::CITIES).name
            ));
            body.push(format!(
                "Das Ereignis war am {when_s}. Der Schaden wird auf etwa {} geschätzt.",
                euro(rng.gen_range(150..3_000) * 100)
            ));
        }
        "rechtsschutz" => {
            kind = "Rechtsschutzfall";
            subject = "Deckungsanfrage Rechtsschutz".into();
            body.push(pick(rng, &[
                "ich bitte um Deckungszusage für eine Auseinandersetzung mit meinem Vermieter. Er verlangt eine Nachzahlung aus der Nebenkostenabrechnung, die ich für falsch halte.",
                "mein Arbeitgeber hat mir zum Monatsende gekündigt. Ich möchte eine Kündigungsschutzklage erheben und bitte um Deckungszusage.",
                "ich streite mich mit einem Online-Händler über die Rückzahlung für einen mangelhaften Fernseher.",
            ]).to_string());
            body.push(format!(
                "Mein Anwalt, Rechtsanwalt {} aus {}, wird sich ebenfalls bei Ihnen melden.",
                random_name(rng, true).1,
                c.address.city
            ));
        }
        "unfall" => {
            kind = "Unfall";
            subject = "Unfallmeldung – Sturz".into();
            body.push(format!(
                "am {when_s} bin ich {} gestürzt und habe mir {} gebrochen. Ich war im Krankenhaus und bin bis auf Weiteres krankgeschrieben.",
                pick(rng, &["beim Joggen", "auf der vereisten Treppe", "beim Fahrradfahren", "im Urlaub beim Wandern"]),
                pick(rng, &["das Handgelenk", "den Knöchel", "das Schlüsselbein"])
            ));
            body.push("Bitte senden Sie mir die Unterlagen für die Unfallmeldung zu.".into());
        }
        "kranken" => {
            kind = "Leistungsantrag";
            subject = "Einreichung Rechnung Zahnersatz".into();
            body.push(format!(
                "anbei reiche ich die Rechnung meines Zahnarztes vom {when_s} über {} zur Erstattung ein.",
                euro(rng.gen_range(200..4_000) * 100)
            ));
        }
        _ => {
            kind = "Leistungsantrag";
            subject = "Antrag auf Leistungen wegen Berufsunfähigkeit".into();
            body.push("ich bin seit mehreren Monaten wegen eines Bandscheibenvorfalls arbeitsunfähig. Meine Ärzte gehen davon aus, dass ich meinen Beruf nicht mehr ausüben kann. Ich beantrage daher Leistungen aus meiner Berufsunfähigkeitsversicherung.".into());
        }
    }
    let mut d = Draft::new(subject);
    if let Some(cl) = &claim {
        d.subject = pick(
            rng,
            &[
                "Nachreichung Unterlagen",
                "Ergänzung zu meinem Schaden",
                "Unterlagen zum Schaden",
            ],
        )
        .to_string();
        if rng.gen_bool(0.5) {
            d.subject = format!("{} {}", d.subject, id_variant(rng, cl));
        }
        body.insert(
            0,
            format!(
                "zu meinem bereits gemeldeten Schaden ({kind}, Schadennummer {}) sende ich Ihnen weitere Informationen.",
                id_variant(rng, cl)
            ),
        );
        body[1] = capitalize(&body[1]);
    } else if rng.gen_bool(0.3) {
        d.subject = format!("{} {}", d.subject, de_date(when));
    }
    let mut d_iban = None;
    if rng.gen_bool(0.4) {
        d_iban = Some(c.iban.clone());
        body.push(format!(
            "Die Entschädigung überweisen Sie bitte auf mein Konto: IBAN {}.",
            iban_shown(rng, &c.iban)
        ));
    }
    if rng.gen_bool(0.5) {
        d.enclosures.push("Fotos".into());
    }
    d.body = body;
    d.contract = contract.map(|k| k.contract_id.clone());
    d.claim = claim;
    d.iban = d_iban;
    d.cover = vec![
        "anbei sende ich Ihnen meine Schadenmeldung als PDF.".into(),
        "Über eine kurze Eingangsbestätigung würde ich mich freuen.".into(),
    ];
    d.pdf_name = pick(
        rng,
        &["Schadenmeldung.pdf", "Schadenanzeige.pdf", "scan_0001.pdf"],
    )
    .to_string();
    d
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The business that issues an invoice.
fn invoice_draft(
    rng: &mut SmallRng,
    md: &MasterData,
    cust: usize,
    date: NaiveDate,
) -> (Draft, Party) {
    let c = &md.customers[cust];
    let contract = pick_contract(
        rng,
        md,
        cust,
        &["kfz", "hausrat", "wohngebaeude", "kranken"],
    );
    let product = contract.map_or("hausrat", |k| k.product);
    let (_, owner) = any_name(rng);
    // A business near the customer.
    let (mut addr, _) = random_address(rng);
    addr.postcode = c.address.postcode.clone();
    addr.city = c.address.city.clone();
    let (name, positions, vat): (String, &[(&str, i64, i64)], bool) = match product {
        "kfz" => (
            pick(
                rng,
                &[
                    "Autohaus {} GmbH",
                    "Kfz-Meisterbetrieb {}",
                    "Karosserie & Lack {} GmbH",
                    "{} Automobile GmbH & Co. KG",
                ],
            )
            .replace("{}", &owner),
            &[
                ("Stoßfänger vorne erneuert und lackiert", 38_000, 1),
                ("Scheinwerfer links (Ersatzteil)", 41_250, 1),
                ("Arbeitslohn Karosserie (AW)", 1_450, 24),
                ("Lackierarbeiten inkl. Material", 52_900, 1),
                ("Windschutzscheibe inkl. Einbau", 89_000, 1),
                ("Achsvermessung", 9_900, 1),
                ("Kleinmaterial / Entsorgung", 2_480, 1),
            ],
            true,
        ),
        "kranken" => (
            pick(
                rng,
                &[
                    "Zahnarztpraxis Dr. {}",
                    "Gemeinschaftspraxis Dr. {} und Kollegen",
                    "Praxis für Physiotherapie {}",
                ],
            )
            .replace("{}", &owner),
            &[
                ("GOZ 2200 Vollkrone", 28_430, 1),
                ("GOZ 0090 Infiltrationsanästhesie", 868, 2),
                ("GOÄ 5 Symptombezogene Untersuchung", 1_072, 1),
                ("Material- und Laborkosten", 31_570, 1),
                ("GOZ 4050 Entfernung harter Beläge", 1_130, 1),
            ],
            false,
        ),
        _ => (
            pick(
                rng,
                &[
                    "Sanitär {} GmbH",
                    "Malerbetrieb {}",
                    "Glaserei {}",
                    "Dachdeckerei {} & Söhne",
                    "Elektro {} e.K.",
                    "Trocknungstechnik {} GmbH",
                ],
            )
            .replace("{}", &owner),
            &[
                ("Anfahrtspauschale", 4_500, 1),
                ("Leckageortung mit Thermografie", 29_000, 1),
                ("Bautrocknung, Gerätemiete pro Tag", 1_850, 14),
                ("Arbeitszeit Geselle (Std.)", 6_200, 6),
                ("Parkett schleifen und versiegeln (m²)", 3_400, 22),
                ("Türschloss erneuert inkl. Zylinder", 18_900, 1),
                ("Fensterscheibe Isolierglas ersetzt", 42_000, 1),
            ],
            true,
        ),
    };
    let domain = format!(
        "{}.de",
        people::ascii_fold(&name)
            .replace(['.', '&'], "-")
            .replace("--", "-")
            .trim_matches('-')
    );
    let business = Party {
        name: name.clone(),
        lines: vec![addr.street_line(), addr.city_line()],
        city: c.address.city.clone(),
        email: format!(
            "{}@{domain}",
            pick(rng, &["rechnung", "info", "buchhaltung", "service"])
        ),
    };
    let number = format!("R-{}-{:05}", date.year(), rng.gen_range(100..99_999));
    let claim = rng.gen_bool(0.75).then(|| claim_number(rng, date));
    let mut chosen: Vec<(&str, i64, i64)> = Vec::new();
    for p in positions.iter() {
        if chosen.len() < 2 || rng.gen_bool(0.35) {
            chosen.push(*p);
        }
    }
    let mut table = vec!["Pos.\tBezeichnung\tMenge\tEinzelpreis\tGesamt".to_string()];
    let mut net = 0;
    for (i, (desc, price, qty)) in chosen.iter().enumerate() {
        let price = price * rng.gen_range(85..125) / 100;
        let total = price * qty;
        net += total;
        table.push(format!(
            "{}\t{}\t{}\t{}\t{}",
            i + 1,
            desc,
            qty,
            euro(price),
            euro(total)
        ));
    }
    let mut sums = Vec::new();
    if vat {
        let tax = (net * 19 + 50) / 100;
        sums.push(format!("Summe netto: {}", euro(net)));
        sums.push(format!("zzgl. 19 % MwSt.: {}", euro(tax)));
        sums.push(format!("Rechnungsbetrag: {}", euro(net + tax)));
    } else {
        sums.push(format!("Rechnungsbetrag: {}", euro(net)));
        sums.push("Umsatzsteuerfrei nach § 4 Nr. 14 UStG.".into());
    }
    let (iban, bic) = random_iban(rng);
    let mut head = vec![
        format!("Rechnungsnummer: {number}"),
        format!("Rechnungsdatum: {}", de_date(date)),
        format!(
            "Kunde: {} {}, {}, {}",
            c.salutation,
            c.full_name(),
            c.address.street_line(),
            c.address.city_line()
        ),
    ];
    if let Some(cl) = &claim {
        head.push(format!(
            "{}{}",
            pick(
                rng,
                &["Ihre Schadennummer: ", "Schaden-Nr.: ", "Ihr Zeichen: "]
            ),
            id_variant(rng, cl)
        ));
    }
    let shown_contract = contract.filter(|_| rng.gen_bool(0.6));
    if let Some(k) = shown_contract {
        head.push(contract_ref(rng, &k.contract_id));
    }
    if product == "kfz" {
        head.push(format!(
            "Fahrzeug: {}, Kennzeichen {}",
            car(rng),
            plate(rng, c.plate)
        ));
    }
    let mut d = Draft::new(format!("RECHNUNG Nr. {number}"));
    d.body = vec![
        head.join("\n"),
        format!(
            "{} für die am {} durchgeführten Arbeiten:",
            pick(
                rng,
                &[
                    "Wir berechnen Ihnen",
                    "Wir erlauben uns, Ihnen in Rechnung zu stellen",
                    "Unsere Leistungen"
                ]
            ),
            de_date(date - Duration::days(rng.gen_range(2..20)))
        ),
        table.join("\n"),
        sums.join("\n"),
        format!(
            "Zahlbar innerhalb von 14 Tagen ohne Abzug auf folgendes Konto:\nIBAN: {}\nBIC: {bic}",
            iban_shown(rng, &iban)
        ),
        format!(
            "{} · Inhaber/Geschäftsführer: {} · USt-IdNr.: DE{} · Amtsgericht {} HRB {}",
            name,
            any_name(rng).0 + " " + &owner,
            digits(rng, 9),
            c.address.city,
            digits(rng, 5)
        ),
    ];
    d.contract = contract.map(|k| k.contract_id.clone());
    d.claim = claim.clone();
    d.iban = Some(iban);
    d.cover = vec![
        format!(
            "anbei erhalten Sie unsere Rechnung {number}{} für {} {}.",
            claim
                .as_ref()
                .map(|cl| format!(" zum Schaden {cl}"))
                .unwrap_or_default(),
            if c.is_male() { "Herrn" } else { "Frau" },
            c.full_name()
        ),
        "Wir bitten um Ausgleich innerhalb der genannten Frist.".into(),
    ];
    d.pdf_name = format!("Rechnung_{number}.pdf");
    (d, business)
}

fn address_change_draft(
    rng: &mut SmallRng,
    md: &MasterData,
    cust: usize,
    date: NaiveDate,
) -> (Draft, Address) {
    let c = &md.customers[cust];
    let (mut new, _) = random_address(rng);
    if rng.gen_bool(0.35) {
        new.postcode = c.address.postcode.clone();
        new.city = c.address.city.clone();
    }
    let moved = date + Duration::days(rng.gen_range(-20..30));
    let contract = pick_contract(rng, md, cust, &[]);
    let mut d = Draft::new(
        pick(
            rng,
            &[
                "Adressänderung",
                "Umzug – neue Anschrift",
                "Neue Adresse",
                "Änderung meiner Anschrift",
                "Mitteilung Wohnsitzwechsel",
            ],
        )
        .to_string(),
    );
    let we = rng.gen_bool(0.3);
    let verb = match (moved > date, we) {
        (true, false) => "umziehen werde.",
        (true, true) => "umziehen werden.",
        (false, false) => *pick(rng, &["umgezogen bin.", "eine neue Wohnung bezogen habe."]),
        (false, true) => *pick(
            rng,
            &["umgezogen sind.", "eine neue Wohnung bezogen haben."],
        ),
    };
    d.body.push(format!(
        "{} zum {} {verb} Meine neue Anschrift lautet:",
        if we {
            "hiermit möchte ich Ihnen mitteilen, dass wir"
        } else {
            *pick(
                rng,
                &[
                    "ich teile Ihnen mit, dass ich",
                    "bitte beachten Sie, dass ich",
                ],
            )
        },
        de_date_any(rng, moved),
    ));
    d.body
        .push(format!("{}\n{}", new.street_line(), new.city_line()));
    d.body.push(format!(
        "Meine bisherige Anschrift war: {}, {}.",
        c.address.street_line(),
        c.address.city_line()
    ));
    let extra = match contract.map(|k| k.product) {
        Some("kfz") => "Das Fahrzeug wird in den nächsten Tagen umgemeldet; das neue Kennzeichen teile ich Ihnen mit.",
        Some("hausrat") => "Die neue Wohnung hat eine Wohnfläche von ca. 85 m². Bitte passen Sie die Hausratversicherung entsprechend an.",
        _ => "Bitte ändern Sie die Anschrift für alle meine Verträge.",
    };
    d.body.push(extra.into());
    if rng.gen_bool(0.3) {
        d.body.push(format!(
            "Meine Telefonnummer bleibt unverändert: {}.",
            c.phone
        ));
    }
    d.contract = contract.map(|k| k.contract_id.clone());
    d.cover = vec!["anbei meine Adressänderung.".into()];
    d.pdf_name = "Adressaenderung.pdf".into();
    (d, new)
}

fn bank_change_draft(rng: &mut SmallRng, md: &MasterData, cust: usize) -> Draft {
    let c = &md.customers[cust];
    let (iban, bic) = random_iban(rng);
    let contract = pick_contract(rng, md, cust, &[]);
    let mut d = Draft::new(
        pick(
            rng,
            &[
                "Neue Bankverbindung",
                "Änderung der Bankverbindung",
                "Kontoänderung",
                "Neues Konto für Lastschrift",
                "SEPA-Mandat neue IBAN",
            ],
        )
        .to_string(),
    );
    d.body.push(pick(rng, &[
        "ich habe mein Girokonto gewechselt. Bitte buchen Sie die Beiträge ab sofort von meinem neuen Konto ab:",
        "bitte ändern Sie meine Bankverbindung. Die Beiträge sollen künftig von folgendem Konto eingezogen werden:",
        "meine Bank hat gewechselt, daher teile ich Ihnen meine neue Bankverbindung mit:",
    ]).to_string());
    let holder = if rng.gen_bool(0.85) {
        c.full_name()
    } else {
        format!("{} {}", random_name(rng, !c.is_male()).0, c.last_name)
    };
    let mut block = vec![
        format!("Kontoinhaber: {holder}"),
        format!("IBAN: {}", iban_shown(rng, &iban)),
    ];
    if rng.gen_bool(0.6) {
        block.push(format!("BIC: {bic}"));
    }
    d.body.push(block.join("\n"));
    if rng.gen_bool(0.5) {
        d.body.push(format!(
            "Mein altes Konto (IBAN {}) wird zum Monatsende aufgelöst.",
            iban_shown(rng, &c.iban)
        ));
    }
    d.body.push(
        "Hiermit erteile ich Ihnen ein SEPA-Lastschriftmandat für das oben genannte Konto.".into(),
    );
    d.contract = contract.map(|k| k.contract_id.clone());
    d.iban = Some(iban);
    d.cover = vec!["anbei das ausgefüllte SEPA-Lastschriftmandat.".into()];
    d.pdf_name = "SEPA-Lastschriftmandat.pdf".into();
    d
}

fn contract_change_draft(
    rng: &mut SmallRng,
    md: &MasterData,
    cust: usize,
    date: NaiveDate,
) -> Draft {
    let c = &md.customers[cust];
    let contract = pick_contract(rng, md, cust, &[]);
    let product = contract.map_or("haftpflicht", |k| k.product);
    let from = NaiveDate::from_ymd_opt(date.year(), date.month(), 1).unwrap_or(date)
        + Duration::days(rng.gen_range(31..70));
    let from = NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap_or(from);
    let mut d = Draft::new(String::new());
    match product {
        "kfz" if rng.gen_bool(0.5) => {
            d.subject = "Fahrzeugwechsel".into();
            d.body.push(format!(
                "ich habe ein neues Fahrzeug gekauft und möchte es ab dem {} bei Ihnen versichern. Das alte Fahrzeug wurde verkauft.",
                de_date(from)
            ));
            d.body.push(format!(
                "Neues Fahrzeug: {}\nHSN/TSN: {}/{}\nErstzulassung: {}\nKennzeichen: {}",
                car(rng),
                digits(rng, 4),
                pick(rng, &["ABC", "BFR", "CDA", "AZK", "BMX"]),
                de_date(
                    NaiveDate::from_ymd_opt(
                        rng.gen_range(2012..2026),
                        rng.gen_range(1..13),
                        rng.gen_range(1..29)
                    )
                    .unwrap_or(date)
                ),
                plate(rng, c.plate)
            ));
        }
        "kfz" => {
            d.subject = "Änderung Kilometerleistung / weiterer Fahrer".into();
            d.body.push(format!(
                "ab dem {} wird meine {} das Fahrzeug regelmäßig mitbenutzen ({}, geb. {}). Außerdem erhöht sich die jährliche Fahrleistung von 12.000 km auf 20.000 km.",
                de_date(from),
                if rng.gen_bool(0.5) { "Tochter" } else { "Partnerin" },
                random_name(rng, false).0,
                de_date(NaiveDate::from_ymd_opt(rng.gen_range(1970..2007), rng.gen_range(1..13), rng.gen_range(1..29)).unwrap_or(date))
            ));
        }
        "hausrat" => {
            d.subject = "Erhöhung der Versicherungssumme".into();
            d.body.push(format!(
                "bitte erhöhen Sie die Versicherungssumme meiner Hausratversicherung ab dem {} auf {}. Außerdem möchte ich den Baustein Fahrraddiebstahl einschließen.",
                de_date(from),
                euro(rng.gen_range(50..120) * 1_000 * 100)
            ));
        }
        "haftpflicht" => {
            let (pf, _) = random_name(rng, !c.is_male());
            d.subject = "Umstellung auf Familientarif".into();
            d.body.push(format!(
                "ich habe am {} geheiratet. Bitte stellen Sie meine Privathaftpflichtversicherung auf den Familientarif um und schließen Sie meine Ehepartnerin bzw. meinen Ehepartner {pf} {} mit ein.",
                de_date(date - Duration::days(rng.gen_range(10..90))),
                c.last_name
            ));
        }
        "leben" | "berufsunfaehigkeit" => {
            d.subject = "Änderung Bezugsrecht / Dynamik".into();
            d.body.push(format!(
                "ich möchte das Bezugsrecht für den Todesfall ändern. Bezugsberechtigt soll künftig {} {} sein. Die dynamische Erhöhung zum {} lehne ich ab.",
                any_name(rng).0,
                c.last_name,
                de_date(from)
            ));
        }
        _ => {
            d.subject = "Änderung der Zahlweise".into();
            d.body.push(format!(
                "bitte stellen Sie die Zahlweise meiner {} ab dem {} von monatlich auf jährlich um.",
                product_name(product),
                de_date(from)
            ));
        }
    }
    d.body
        .push("Bitte senden Sie mir einen aktualisierten Versicherungsschein.".into());
    d.contract = contract.map(|k| k.contract_id.clone());
    d.cover = vec!["anbei mein Änderungswunsch zu meinem Vertrag.".into()];
    d.pdf_name = "Vertragsaenderung.pdf".into();
    d
}

fn cancellation_draft(rng: &mut SmallRng, md: &MasterData, cust: usize, date: NaiveDate) -> Draft {
    let contract = pick_contract(rng, md, cust, &[]);
    let product = contract.map_or("haftpflicht", |k| k.product);
    let pname = product_name(product);
    let mut d = Draft::new(String::new());
    let year_end = NaiveDate::from_ymd_opt(date.year(), 12, 31).unwrap_or(date);
    let three_months = {
        let m = date.month0() + 4;
        let (y, m) = (date.year() + (m / 12) as i32, m % 12 + 1);
        NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(date) - Duration::days(1)
    };
    match rng.gen_range(0..5) {
        0 => {
            d.subject = format!("Kündigung {pname}");
            d.body.push(format!(
                "hiermit kündige ich meine {pname} fristgerecht zum {}, hilfsweise zum nächstmöglichen Zeitpunkt.",
                de_date(year_end)
            ));
        }
        1 => {
            d.subject = "Sonderkündigung wegen Beitragserhöhung".into();
            d.body.push(format!(
                "mit Ihrem Schreiben vom {} haben Sie mir eine Beitragserhöhung mitgeteilt. Von meinem Sonderkündigungsrecht mache ich hiermit Gebrauch und kündige den Vertrag zum {}.",
                de_date(date - Duration::days(rng.gen_range(5..25))),
                de_date(three_months)
            ));
        }
        2 if product == "kfz" => {
            d.subject = "Kündigung wegen Fahrzeugverkauf".into();
            d.body.push(format!(
                "ich habe mein Fahrzeug am {} verkauft. Bitte beenden Sie die Kfz-Versicherung zum Verkaufstag. Eine Kopie des Kaufvertrags liegt bei.",
                de_date(date - Duration::days(rng.gen_range(1..14)))
            ));
            d.enclosures.push("Kopie Kaufvertrag".into());
        }
        3 => {
            let cl = claim_number(rng, date);
            d.subject = "Kündigung nach Schadenfall".into();
            d.body.push(format!(
                "nach der Regulierung des Schadens {} kündige ich den Vertrag gemäß den Versicherungsbedingungen mit sofortiger Wirkung.",
                id_variant(rng, &cl)
            ));
            d.claim = Some(cl);
        }
        _ => {
            d.subject = pick(
                rng,
                &["Kündigung", "Kündigung meines Vertrags", "Vertrag kündigen"],
            )
            .to_string();
            d.body.push(format!(
                "hiermit kündige ich den oben genannten Vertrag zum {}.",
                pick(
                    rng,
                    &[
                        "nächstmöglichen Termin",
                        "Ablauf des Versicherungsjahres",
                        "31.12. dieses Jahres"
                    ]
                )
            ));
        }
    }
    d.body.push(pick(rng, &[
        "Bitte bestätigen Sie mir die Kündigung schriftlich unter Angabe des Beendigungszeitpunkts.",
        "Ich bitte um eine kurze Bestätigung des Vertragsendes.",
        "Die Einzugsermächtigung widerrufe ich zum gleichen Zeitpunkt.",
    ]).to_string());
    if rng.gen_bool(0.25) {
        d.body
            .push("Bitte unterlassen Sie Rückgewinnungsanrufe.".into());
    }
    d.contract = contract.map(|k| k.contract_id.clone());
    d.cover = vec!["anbei meine Kündigung, unterschrieben als PDF.".into()];
    d.pdf_name = pick(
        rng,
        &["Kündigung.pdf", "Kuendigung.pdf", "Kündigung_Vertrag.pdf"],
    )
    .to_string();
    d
}

fn complaint_draft(rng: &mut SmallRng, md: &MasterData, cust: usize, date: NaiveDate) -> Draft {
    let contract = pick_contract(rng, md, cust, &[]);
    let with_claim = rng.gen_bool(0.5);
    let claim = with_claim.then(|| claim_number(rng, date));
    let mut d = Draft::new(String::new());
    let earlier = de_date(date - Duration::days(rng.gen_range(20..60)));
    let about = claim
        .as_ref()
        .map(|cl| format!("meines Schadens {}", id_variant(rng, cl)))
        .unwrap_or_else(|| "meines Anliegens".into());
    if rng.gen_bool(0.4) {
        d.subject = pick(
            rng,
            &[
                "Beschwerde",
                "Beschwerde über die Bearbeitung",
                "Offizielle Beschwerde",
            ],
        )
        .to_string();
        d.body.push(format!(
            "hiermit lege ich Beschwerde ein über die Bearbeitung {about}. Ich habe Ihnen am {earlier} alle Unterlagen geschickt und bis heute keine Entscheidung erhalten."
        ));
    } else {
        d.subject = pick(
            rng,
            &[
                "Immer noch keine Antwort",
                "Bearbeitung dauert viel zu lange",
                "Erneute Nachfrage – dringend",
                "Unzumutbar",
                "Warum reagiert niemand?",
            ],
        )
        .to_string();
        let variants = [
            format!("ich bin sehr unzufrieden mit der Bearbeitung {about}. Seit Wochen keine Antwort, obwohl ich am {earlier} alles eingereicht habe."),
            format!("seit dem {earlier} warte ich auf eine Rückmeldung zu {about}. Ich habe bereits dreimal angerufen und wurde jedes Mal vertröstet."),
            format!("es ist jetzt das dritte Mal, dass ich wegen {about} schreibe. Ihre Hotline ist nie erreichbar, ich hänge jedes Mal 40 Minuten in der Warteschleife."),
            "die Beitragserhöhung ist für mich in keiner Weise nachvollziehbar. So geht man nicht mit langjährigen Kunden um.".to_string(),
        ];
        let k = rng.gen_range(0..variants.len());
        if k == 3 {
            d.subject = "Beitragserhöhung nicht nachvollziehbar".into();
        }
        d.body.push(variants[k].clone());
    }
    d.body.push(pick(rng, &[
        "Ich erwarte eine Stellungnahme innerhalb von 14 Tagen. Andernfalls wende ich mich an den Versicherungsombudsmann und an die BaFin.",
        "Wenn sich nichts ändert, werde ich alle meine Verträge bei Ihnen kündigen.",
        "Das ist für mich nicht akzeptabel. Ich bitte um umgehende Bearbeitung.",
        "Ich bin seit über zwanzig Jahren Kunde bei Ihnen und so etwas habe ich noch nicht erlebt.",
    ]).to_string());
    d.contract = contract.map(|k| k.contract_id.clone());
    d.claim = claim;
    d.cover = vec!["anbei mein Schreiben.".into()];
    d.pdf_name = "Schreiben.pdf".into();
    d
}

fn application_draft(rng: &mut SmallRng, md: &MasterData, cust: usize) -> Draft {
    let owned: Vec<&str> = md.contracts_of(cust).iter().map(|k| k.product).collect();
    let missing: Vec<&str> = people::PRODUCTS
        .iter()
        .copied()
        .filter(|p| !owned.contains(p))
        .collect();
    let product = if missing.is_empty() {
        "unfall"
    } else {
        *pick(rng, &missing)
    };
    let pname = product_name(product);
    let mut d = Draft::new(
        pick(
            rng,
            &[
                "Anfrage {}",
                "Antrag {}",
                "Angebot für eine {}",
                "Interesse an {}",
            ],
        )
        .replace("{}", pname),
    );
    d.body.push(format!(
        "{} {pname}.",
        pick(
            rng,
            &[
                "ich interessiere mich für den Abschluss einer",
                "bitte senden Sie mir ein Angebot für eine",
                "anbei übersende ich Ihnen den unterschriebenen Antrag für eine",
            ]
        )
    ));
    let detail = match product {
        "kfz" => format!(
            "Fahrzeug: {}, Schadenfreiheitsklasse SF {}, jährliche Fahrleistung ca. {}.000 km.",
            car(rng),
            rng.gen_range(1..25),
            rng.gen_range(5..30)
        ),
        "hausrat" => format!(
            "Wohnfläche: {} m², gewünschte Versicherungssumme: {}.",
            rng.gen_range(35..160),
            euro(rng.gen_range(40..120) * 100_000)
        ),
        "wohngebaeude" => format!(
            "Einfamilienhaus, Baujahr {}, Wohnfläche {} m².",
            rng.gen_range(1950..2024),
            rng.gen_range(90..240)
        ),
        "berufsunfaehigkeit" => format!(
            "Ich bin {} und möchte eine monatliche Rente von {} absichern.",
            pick(
                rng,
                &[
                    "Krankenpfleger",
                    "Softwareentwicklerin",
                    "Elektriker",
                    "Lehrerin",
                    "Bürokaufmann"
                ]
            ),
            euro(rng.gen_range(10..30) * 10_000)
        ),
        _ => "Bitte berücksichtigen Sie auch meine Familie (Ehepartner und zwei Kinder).".into(),
    };
    d.body.push(detail);
    d.body
        .push("Über einen Rückruf zur Beratung würde ich mich freuen.".into());
    d.cover = vec!["anbei der unterschriebene Antrag.".into()];
    d.pdf_name = "Antrag_unterschrieben.pdf".into();
    d
}

fn death_notice_draft(
    rng: &mut SmallRng,
    md: &MasterData,
    cust: usize,
    date: NaiveDate,
) -> (Draft, Party) {
    let c = &md.customers[cust];
    let contract = pick_contract(rng, md, cust, &["leben", "unfall", "berufsunfaehigkeit"])
        .or_else(|| pick_contract(rng, md, cust, &[]));
    let writer_male = rng.gen_bool(0.5);
    let (wf, wl) = random_name(rng, writer_male);
    let last = if rng.gen_bool(0.7) {
        c.last_name.clone()
    } else {
        wl
    };
    let relation = if writer_male { "Sohn" } else { "Tochter" };
    let rel_of = match (c.is_male(), rng.gen_bool(0.8)) {
        (true, true) => "mein Vater",
        (false, true) => "meine Mutter",
        (true, false) => "mein Onkel",
        (false, false) => "meine Tante",
    };
    let (addr, ci) = random_address(rng);
    let writer = Party {
        name: format!("{wf} {last}"),
        lines: vec![addr.street_line(), addr.city_line()],
        city: people::CITIES[ci].name.to_string(),
        email: format!(
            "{}.{}@{}",
            people::ascii_fold(&wf),
            people::ascii_fold(&last).replace('.', ""),
            pick(rng, &["web.de", "gmx.de", "t-online.de", "gmail.com"])
        ),
    };
    let died = date - Duration::days(rng.gen_range(3..40));
    let mut d = Draft::new(
        pick(
            rng,
            &[
                "Sterbefall {}",
                "Mitteilung über den Tod von {}",
                "Todesfall – Versicherungsnehmer {}",
                "Tod meines Angehörigen",
            ],
        )
        .replace("{}", &c.full_name()),
    );
    d.body.push(format!(
        "leider muss ich Ihnen mitteilen, dass {rel_of}, {} {}, geboren am {}, am {} verstorben ist.",
        if c.is_male() { "Herr" } else { "Frau" },
        c.full_name(),
        de_date(c.birth_date),
        de_date_any(rng, died)
    ));
    d.body.push(pick(rng, &[
        "Eine Kopie der Sterbeurkunde füge ich bei. Bitte teilen Sie mir mit, welche Unterlagen Sie noch benötigen.",
        "Die Sterbeurkunde reiche ich nach, sobald sie mir vorliegt.",
        "Bitte lösen Sie alle Verträge zum Todestag auf und erstatten Sie zu viel gezahlte Beiträge.",
    ]).to_string());
    if rng.gen_bool(0.4) {
        let (iban, _) = random_iban(rng);
        d.body.push(format!(
            "Auszahlungen überweisen Sie bitte auf das Konto der Erbengemeinschaft, IBAN {}.",
            iban_shown(rng, &iban)
        ));
        d.iban = Some(iban);
    }
    d.body.push(format!(
        "Ich bin als {relation} bzw. Erbe Ihr Ansprechpartner."
    ));
    d.enclosures.push("Kopie Sterbeurkunde".into());
    d.contract = contract.map(|k| k.contract_id.clone());
    d.cover = vec!["anbei die Sterbeurkunde als PDF.".into()];
    d.pdf_name = "Sterbeurkunde.pdf".into();
    (d, writer)
}

fn other_draft(rng: &mut SmallRng, md: &MasterData, cust: usize, date: NaiveDate) -> Draft {
    let contract = pick_contract(rng, md, cust, &[]);
    let product = contract.map_or("haftpflicht", |k| k.product);
    let mut d = Draft::new(String::new());
    match rng.gen_range(0..5) {
        0 => {
            d.subject = format!("Beitragsbescheinigung {}", date.year() - 1);
            d.body.push(format!("für meine Steuererklärung benötige ich eine Beitragsbescheinigung für das Jahr {}. Bitte senden Sie mir diese per E-Mail zu.", date.year() - 1));
        }
        1 => {
            d.subject = "Kopie Versicherungsschein".into();
            d.body.push(format!("ich finde meinen Versicherungsschein für die {} nicht mehr. Könnten Sie mir bitte eine Kopie zusenden?", product_name(product)));
        }
        2 => {
            d.subject = "Frage zum Versicherungsschutz im Ausland".into();
            d.body.push(format!("ich bin ab dem {} für drei Monate beruflich in {}. Besteht mein Versicherungsschutz dort weiter?", de_date(date + Duration::days(rng.gen_range(10..60))), pick(rng, &["Spanien", "Kanada", "Thailand", "Norwegen"])));
        }
        3 => {
            d.subject = "Vielen Dank".into();
            d.body.push("ich möchte mich für die schnelle und unkomplizierte Regulierung meines Schadens bedanken. Ihr Mitarbeiter war sehr freundlich.".into());
        }
        _ => {
            d.subject = "Terminwunsch Beratungsgespräch".into();
            d.body.push(format!("ich würde gern einen Termin für ein Beratungsgespräch vereinbaren, am liebsten an einem {}nachmittag.", pick(rng, &["Montag", "Dienstag", "Donnerstag"])));
        }
    }
    d.contract = contract.map(|k| k.contract_id.clone());
    d.cover = vec!["anbei mein Schreiben.".into()];
    d.pdf_name = "Schreiben.pdf".into();
    d
}

/// Composes a document of `doc_type` written about customer `cust` on `date`.
pub fn compose(
    rng: &mut SmallRng,
    md: &MasterData,
    cust: usize,
    doc_type: DocType,
    date: NaiveDate,
) -> Doc {
    let c = &md.customers[cust];
    let mut sender = party_of(c);
    let mut customer_id = Some(c.customer_id.clone());
    let mut signature = vec![c.full_name()];
    let mut salutation_s = Some(salutation(rng));
    let mut closing_s = Some(closing(rng));
    let draft = match doc_type {
        DocType::Claim => claim_draft(rng, md, cust, date),
        DocType::Invoice => {
            let (d, business) = invoice_draft(rng, md, cust, date);
            signature = vec![business.name.clone()];
            sender = business;
            salutation_s = None;
            closing_s = None;
            d
        }
        DocType::AddressChange => {
            let (d, new) = address_change_draft(rng, md, cust, date);
            if rng.gen_bool(0.7) {
                sender.lines = vec![new.street_line(), new.city_line()];
                sender.city = new.city.clone();
            }
            d
        }
        DocType::BankDetailsChange => bank_change_draft(rng, md, cust),
        DocType::ContractChange => contract_change_draft(rng, md, cust, date),
        DocType::Cancellation => cancellation_draft(rng, md, cust, date),
        DocType::Complaint => complaint_draft(rng, md, cust, date),
        DocType::Application => {
            let d = application_draft(rng, md, cust);
            if rng.gen_bool(0.3) {
                // A prospect who is not a customer yet.
                let male = rng.gen_bool(0.5);
                let (f, l) = random_name(rng, male);
                let (addr, ci) = random_address(rng);
                sender = Party {
                    name: format!("{f} {l}"),
                    lines: vec![addr.street_line(), addr.city_line()],
                    city: people::CITIES[ci].name.to_string(),
                    email: format!(
                        "{}.{}@{}",
                        people::ascii_fold(&f),
                        people::ascii_fold(&l).replace('.', ""),
                        pick(rng, &["web.de", "gmx.de", "posteo.de"])
                    ),
                };
                signature = vec![sender.name.clone()];
                customer_id = None;
            }
            d
        }
        DocType::DeathNotice => {
            let (d, writer) = death_notice_draft(rng, md, cust, date);
            signature = vec![writer.name.clone()];
            sender = writer;
            d
        }
        DocType::Other => other_draft(rng, md, cust, date),
    };
    // Reference lines (the invoice prints its own).
    let mut refs = Vec::new();
    if doc_type != DocType::Invoice && customer_id.is_some() {
        if let Some(k) = &draft.contract {
            if rng.gen_bool(0.8) {
                refs.push(contract_ref(rng, k));
            }
        }
        if rng.gen_bool(0.45) {
            refs.push(customer_ref(rng, &c.customer_id));
        }
        if let Some(cl) = &draft.claim {
            if rng.gen_bool(0.6) {
                refs.push(claim_ref(rng, cl));
            }
        }
        if doc_type == DocType::DeathNotice {
            refs.push(format!("Versicherungsnehmer: {}", c.full_name()));
        }
    }
    let mut body = draft.body;
    if salutation_s.is_none() {
        if let Some(first) = body.first_mut() {
            *first = capitalize(first);
        }
    }
    Doc {
        doc_type,
        customer_id,
        contract_id: draft.contract,
        claim_number: draft.claim,
        iban: draft.iban,
        date,
        sender,
        subject: draft.subject,
        refs,
        salutation: salutation_s,
        body,
        closing: closing_s,
        signature,
        enclosures: draft.enclosures,
        cover: draft.cover,
        pdf_name: draft.pdf_name,
    }
}

const LETTER_WIDTH: usize = 92;
const LINES_PER_PAGE: usize = 50;

/// The document as letter lines, split into pages (DIN-5008-like layout).
pub fn render_letter(doc: &Doc, rng: &mut SmallRng) -> Vec<Vec<String>> {
    let mut l: Vec<String> = Vec::with_capacity(60);
    let s = &doc.sender;
    if rng.gen_bool(0.5) {
        l.push(format!("{} · {}", s.name, s.lines.join(" · ")));
        l.push(String::new());
    } else {
        l.push(s.name.clone());
        l.extend(s.lines.iter().cloned());
        if rng.gen_bool(0.4) {
            l.push(format!("E-Mail: {}", s.email));
        }
        l.push(String::new());
    }
    l.push(INSURER.to_string());
    l.extend(INSURER_LINES.iter().map(|x| x.to_string()));
    l.push(String::new());
    l.push(format!("{}, {}", s.city, de_date_any(rng, doc.date)));
    l.push(String::new());
    if !doc.refs.is_empty() {
        l.extend(doc.refs.iter().cloned());
        l.push(String::new());
    }
    if doc.doc_type == DocType::Invoice || rng.gen_bool(0.25) {
        l.push(doc.subject.clone());
    } else {
        l.push(format!("Betreff: {}", doc.subject));
    }
    l.push(String::new());
    if let Some(sal) = &doc.salutation {
        l.push(sal.clone());
        l.push(String::new());
    }
    for p in &doc.body {
        if p.contains('\n') {
            l.extend(p.lines().map(str::to_string));
        } else {
            l.extend(wrap(p, LETTER_WIDTH));
        }
        l.push(String::new());
    }
    if let Some(cl) = &doc.closing {
        l.push(cl.clone());
        l.push(String::new());
        l.push(String::new());
    }
    l.extend(doc.signature.iter().cloned());
    if !doc.enclosures.is_empty() {
        l.push(String::new());
        l.push(format!("Anlagen: {}", doc.enclosures.join(", ")));
    }
    l.chunks(LINES_PER_PAGE).map(<[String]>::to_vec).collect()
}

/// How an e-mail body is dressed.
#[derive(Clone, Copy, Debug, Default)]
pub struct MailStyle {
    /// Use the short cover text (the document itself travels as PDF).
    pub cover: bool,
    /// Print the reference lines at the top of the body.
    pub refs: bool,
    /// Add a signature block with address.
    pub signature_block: bool,
    /// "Von meinem iPhone gesendet"
    pub mobile: bool,
}

/// The document as a plain-text e-mail body ('\n' line ends).
pub fn render_mail(doc: &Doc, style: MailStyle) -> String {
    let mut out = String::with_capacity(1024);
    if style.refs && !doc.refs.is_empty() {
        for r in &doc.refs {
            out.push_str(r);
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(
        doc.salutation
            .as_deref()
            .unwrap_or("Sehr geehrte Damen und Herren,"),
    );
    out.push_str("\n\n");
    let paras = if style.cover { &doc.cover } else { &doc.body };
    for p in paras {
        if p.contains('\t') {
            out.push_str(&columns(p));
        } else {
            out.push_str(p);
        }
        out.push_str("\n\n");
    }
    out.push_str(doc.closing.as_deref().unwrap_or("Mit freundlichen Grüßen"));
    out.push('\n');
    for s in &doc.signature {
        out.push_str(s);
        out.push('\n');
    }
    if style.signature_block {
        out.push_str("\n-- \n");
        out.push_str(&doc.sender.name);
        out.push('\n');
        for line in &doc.sender.lines {
            out.push_str(line);
            out.push('\n');
        }
    }
    if style.mobile {
        out.push_str("\nVon meinem iPhone gesendet\n");
    }
    out
}

/// A second page ("Anlage"): an itemised list for claims, otherwise a copy of the
/// policy data, so that corpus letters also come with more than one page.
pub fn appendix_page(doc: &Doc, rng: &mut SmallRng) -> Vec<String> {
    let mut l = vec![
        format!("Anlage zu meinem Schreiben vom {}", de_date(doc.date)),
        String::new(),
    ];
    if let Some(k) = &doc.contract_id {
        l.push(contract_ref(rng, k));
    }
    l.push(String::new());
    if doc.doc_type == DocType::Claim {
        l.push("Aufstellung der beschädigten bzw. abhanden gekommenen Gegenstände:".into());
        l.push(String::new());
        l.push("Nr.\tGegenstand\tKaufdatum\tNeuwert".into());
        let items = [
            "Notebook Lenovo ThinkPad",
            "Smartphone Samsung Galaxy",
            "Wohnzimmerteppich 2 x 3 m",
            "Fernseher 55 Zoll",
            "Damenfahrrad 28 Zoll",
            "Eichenkommode",
            "Kaffeevollautomat",
            "Winterjacke",
        ];
        let mut total = 0;
        for (i, item) in items
            .iter()
            .enumerate()
            .take(rng.gen_range(3..=items.len()))
        {
            let value = rng.gen_range(40..1_800) * 100;
            total += value;
            l.push(format!(
                "{}\t{item}\t{:02}/{}\t{}",
                i + 1,
                rng.gen_range(1..13),
                rng.gen_range(2016..2026),
                euro(value)
            ));
        }
        l.push(String::new());
        l.push(format!("Summe Neuwert: {}", euro(total)));
    } else {
        l.push("Kopie Versicherungsschein (Auszug)".into());
        l.push(String::new());
        l.push(format!("Versicherungsnehmer: {}", doc.signature.join(", ")));
        l.push(format!(
            "Zahlweise: {}",
            pick(rng, &["monatlich", "vierteljährlich", "jährlich"])
        ));
        l.push(format!(
            "Jahresbeitrag: {}",
            euro(rng.gen_range(60..2_400) * 100 + 99)
        ));
    }
    l
}

/// Tab-separated lines as space-padded columns (for plain-text mail).
fn columns(block: &str) -> String {
    let rows: Vec<Vec<&str>> = block.lines().map(|l| l.split('\t').collect()).collect();
    let mut widths: Vec<usize> = Vec::new();
    for r in &rows {
        for (i, cell) in r.iter().enumerate() {
            let w = cell.chars().count();
            if i >= widths.len() {
                widths.push(w);
            } else {
                widths[i] = widths[i].max(w);
            }
        }
    }
    rows.iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, cell)| {
                    let pad = widths[i] - cell.chars().count();
                    if i == 0 || i == 1 {
                        format!("{cell}{}", " ".repeat(pad))
                    } else {
                        format!("{}{cell}", " ".repeat(pad))
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lines of a (born-digital stand-in for a) death certificate.
pub fn death_certificate(c: &Customer, died: NaiveDate, rng: &mut SmallRng) -> Vec<String> {
    vec![
        format!("Standesamt {}", c.address.city),
        String::new(),
        "Sterbeurkunde".into(),
        format!(
            "(Sterberegister Nr. S {}/{})",
            rng.gen_range(100..3000),
            died.year()
        ),
        String::new(),
        format!("{} {}", c.first_name, c.last_name),
        format!("geboren am {} ", de_date(c.birth_date)),
        format!("ist am {} in {} verstorben.", de_date(died), c.address.city),
        String::new(),
        format!("{}, {}", c.address.city, de_date(died + Duration::days(3))),
        "Der Standesbeamte".into(),
    ]
}

/// A working day on or before `d`.
pub fn working_day(mut d: NaiveDate) -> NaiveDate {
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d -= Duration::days(1);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn formats() {
        assert_eq!(euro(123_456), "1.234,56 €");
        assert_eq!(euro(5), "0,05 €");
        assert_eq!(euro(100_000_000), "1.000.000,00 €");
        let d = NaiveDate::from_ymd_opt(2026, 3, 14).unwrap();
        assert_eq!(de_date(d), "14.03.2026");
        assert_eq!(de_date_long(d), "14. März 2026");
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
    }

    #[test]
    fn every_type_composes_with_references() {
        let md = people::master_data(3, 30);
        let mut rng = SmallRng::seed_from_u64(9);
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        for round in 0..20 {
            for t in DocType::ALL {
                let doc = compose(&mut rng, &md, round % 30, t, d);
                assert!(!doc.subject.is_empty(), "{t:?}");
                assert!(!doc.body.is_empty(), "{t:?}");
                let pages = render_letter(&doc, &mut rng);
                assert!(!pages.is_empty());
                if let Some(iban) = &doc.iban {
                    assert!(people::iban_is_valid(iban));
                }
                let text = render_mail(&doc, MailStyle::default());
                assert!(text.contains("Gr") || text.contains("MfG"), "{text}");
            }
        }
    }
}
