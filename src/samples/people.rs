//! People and master data: German first/last names (umlauts, "von"-names, double
//! names), streets, cities with real postcodes, phone numbers, valid German IBANs,
//! contract numbers per product, and the customer/contract master data that the
//! generated corpus refers to. Everything is derived from a seed, so the master
//! data written by `write_master_data` matches `generate_corpus` for the same seed.

use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::ops::Range;

/// The products of `contracts.csv`, in the order used everywhere.
pub use crate::customers::PRODUCTS;

/// Relative frequency of each product in `PRODUCTS` order.
const PRODUCT_WEIGHTS: [u32; 9] = [60, 50, 55, 20, 25, 20, 15, 10, 12];

/// A German city: name, some of its real postcodes, telephone area code, licence plate code.
pub struct City {
    pub name: &'static str,
    pub postcodes: &'static [&'static str],
    pub area_code: &'static str,
    pub plate: &'static str,
}

macro_rules! city {
    ($n:expr, [$($p:expr),*], $a:expr, $k:expr) => {
        City { name: $n, postcodes: &[$($p),*], area_code: $a, plate: $k }
    };
}

pub static CITIES: &[City] = &[
    city!(
        "Berlin",
        ["10115", "10245", "10437", "10969", "12043", "12159", "13347", "14057"],
        "030",
        "B"
    ),
    city!(
        "Hamburg",
        ["20095", "20259", "22041", "22303", "22767"],
        "040",
        "HH"
    ),
    city!(
        "München",
        ["80331", "80469", "80797", "81369", "81675"],
        "089",
        "M"
    ),
    city!("Köln", ["50667", "50733", "50935", "51063"], "0221", "K"),
    city!(
        "Frankfurt am Main",
        ["60311", "60316", "60486", "65929"],
        "069",
        "F"
    ),
    city!(
        "Stuttgart",
        ["70173", "70176", "70469", "70597"],
        "0711",
        "S"
    ),
    city!("Düsseldorf", ["40210", "40477", "40545"], "0211", "D"),
    city!("Leipzig", ["04103", "04109", "04177", "04277"], "0341", "L"),
    city!("Dortmund", ["44135", "44137", "44339"], "0231", "DO"),
    city!("Essen", ["45127", "45138", "45239"], "0201", "E"),
    city!("Bremen", ["28195", "28203", "28215"], "0421", "HB"),
    city!("Dresden", ["01067", "01097", "01309"], "0351", "DD"),
    city!("Hannover", ["30159", "30161", "30173"], "0511", "H"),
    city!("Nürnberg", ["90402", "90419", "90461"], "0911", "N"),
    city!("Duisburg", ["47051", "47057"], "0203", "DU"),
    city!("Bochum", ["44787", "44801"], "0234", "BO"),
    city!("Wuppertal", ["42103", "42275"], "0202", "W"),
    city!("Bielefeld", ["33602", "33615"], "0521", "BI"),
    city!("Bonn", ["53111", "53113", "53175"], "0228", "BN"),
    city!("Münster", ["48143", "48151"], "0251", "MS"),
    city!("Mannheim", ["68159", "68161"], "0621", "MA"),
    city!("Karlsruhe", ["76131", "76133"], "0721", "KA"),
    city!("Augsburg", ["86150", "86152"], "0821", "A"),
    city!("Wiesbaden", ["65183", "65185"], "0611", "WI"),
    city!("Mönchengladbach", ["41061", "41063"], "02161", "MG"),
    city!("Braunschweig", ["38100", "38102"], "0531", "BS"),
    city!("Kiel", ["24103", "24105"], "0431", "KI"),
    city!("Chemnitz", ["09111", "09112"], "0371", "C"),
    city!("Aachen", ["52062", "52064"], "0241", "AC"),
    city!("Halle (Saale)", ["06108", "06110"], "0345", "HAL"),
    city!("Magdeburg", ["39104", "39108"], "0391", "MD"),
    city!("Freiburg im Breisgau", ["79098", "79102"], "0761", "FR"),
    city!("Lübeck", ["23552", "23554"], "0451", "HL"),
    city!("Erfurt", ["99084", "99089"], "0361", "EF"),
    city!("Mainz", ["55116", "55118"], "06131", "MZ"),
    city!("Rostock", ["18055", "18057"], "0381", "HRO"),
    city!("Kassel", ["34117", "34119"], "0561", "KS"),
    city!("Saarbrücken", ["66111", "66113"], "0681", "SB"),
    city!("Potsdam", ["14467", "14469"], "0331", "P"),
    city!("Göttingen", ["37073", "37075"], "0551", "GÖ"),
    city!("Würzburg", ["97070", "97072"], "0931", "WÜ"),
    city!("Regensburg", ["93047", "93049"], "0941", "R"),
    city!("Osnabrück", ["49074", "49076"], "0541", "OS"),
    city!("Lüneburg", ["21335", "21337"], "04131", "LG"),
    city!("Tübingen", ["72070", "72072"], "07071", "TÜ"),
    city!(
        "Bad Homburg vor der Höhe",
        ["61348", "61350"],
        "06172",
        "HG"
    ),
    city!("Garmisch-Partenkirchen", ["82467"], "08821", "GAP"),
    city!("Oldenburg", ["26121", "26122"], "0441", "OL"),
];

pub static STREETS: &[&str] = &[
    "Hauptstraße",
    "Bahnhofstraße",
    "Goethestraße",
    "Schillerstraße",
    "Gartenstraße",
    "Lindenstraße",
    "Am Mühlbach",
    "Kirchweg",
    "Dorfstraße",
    "Friedrich-Ebert-Straße",
    "Weißdornweg",
    "Rosenstraße",
    "Birkenweg",
    "An der Schäferei",
    "Mozartstraße",
    "Ringstraße",
    "Grüner Weg",
    "Industriestraße",
    "Mühlenstraße",
    "Wilhelmstraße",
    "Kastanienallee",
    "Schloßstraße",
    "Bürgermeister-Müller-Straße",
    "Rathausplatz",
    "Große Straße",
    "Am Südpark",
    "Jahnstraße",
    "Heinrich-Heine-Allee",
    "Käthe-Kollwitz-Straße",
    "Lessingstraße",
    "Tulpenweg",
    "Zur Alten Mühle",
    "Ölmühlenweg",
    "Fürstenwall",
    "Uferstraße",
    "Auf dem Kamp",
    "Im Winkel",
    "Sonnenhang",
    "Königsberger Straße",
    "Bergstraße",
    "Waldstraße",
    "Breslauer Straße",
    "Blumenweg",
];

pub static MALE: &[&str] = &[
    "Thomas",
    "Michael",
    "Andreas",
    "Stefan",
    "Peter",
    "Klaus",
    "Jürgen",
    "Uwe",
    "Frank",
    "Jörg",
    "Matthias",
    "Sebastian",
    "Jan",
    "Lukas",
    "Jonas",
    "Leon",
    "Finn",
    "Tobias",
    "Dieter",
    "Hans-Peter",
    "Karl-Heinz",
    "Günter",
    "Björn",
    "Sören",
    "Mehmet",
    "Ali",
    "Piotr",
    "Luca",
    "Maximilian",
    "Felix",
    "Paul",
    "Ömer",
    "Rüdiger",
    "Horst",
    "Wolfgang",
    "Bernd",
    "Niklas",
    "Dennis",
    "Marco",
    "Jens",
];

pub static FEMALE: &[&str] = &[
    "Sabine",
    "Susanne",
    "Petra",
    "Claudia",
    "Andrea",
    "Monika",
    "Ursula",
    "Jutta",
    "Julia",
    "Anna",
    "Laura",
    "Lea",
    "Sophie",
    "Marie",
    "Katharina",
    "Christina",
    "Jana",
    "Anja",
    "Birgit",
    "Gisela",
    "Renate",
    "Hannelore",
    "Käthe",
    "Bärbel",
    "Anne-Kathrin",
    "Elif",
    "Zoë",
    "Malgorzata",
    "Maria",
    "Lena",
    "Emma",
    "Mia",
    "Hanna",
    "Charlotte",
    "Doris",
    "Heike",
    "Silke",
    "Özlem",
    "Jessica",
    "Nicole",
];

pub static LAST: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Schmitz",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
    "Peters",
    "Lang",
    "Scholz",
    "Möller",
    "Weiß",
    "Jung",
    "Hahn",
    "Schubert",
    "Vogel",
    "Friedrich",
    "Keller",
    "Günther",
    "Berger",
    "Winkler",
    "Roth",
    "Beck",
    "Lorenz",
    "Baumann",
    "Franke",
    "Albrecht",
    "Schuster",
    "Simon",
    "Ludwig",
    "Böhm",
    "Winter",
    "Kraus",
    "Martin",
    "Schumacher",
    "Krämer",
    "Vogt",
    "Stein",
    "Jäger",
    "Otto",
    "Sommer",
    "Groß",
    "Seidel",
    "Heinrich",
    "Brandt",
    "Haas",
    "Schreiber",
    "Graf",
    "Schulte",
    "Dietrich",
    "Ziegler",
    "Kuhn",
    "Kühn",
    "Pohl",
    "Engel",
    "Horn",
    "Busch",
    "Bergmann",
    "Voigt",
    "Sauer",
    "Arnold",
    "Wolff",
    "Pfeiffer",
    "Yilmaz",
    "Kaya",
    "Demir",
    "Öztürk",
    "Nowak",
    "Kowalski",
    "Nguyen",
];

pub static NOBLE: &[&str] = &[
    "von Bülow",
    "von der Heide",
    "von Arnim",
    "van der Meer",
    "von Stetten",
    "von Müller",
];

/// (bank code, BIC) of some German banks; account numbers are random.
pub static BANKS: &[(&str, &str)] = &[
    ("10010010", "PBNKDEFFXXX"),
    ("12030000", "BYLADEM1001"),
    ("20050550", "HASPDEHHXXX"),
    ("37040044", "COBADEFFXXX"),
    ("50010517", "INGDDEFFXXX"),
    ("70150000", "SSKMDEMMXXX"),
    ("43060967", "GENODEM1GLS"),
    ("10070000", "DEUTDEBBXXX"),
    ("76050101", "SSKNDE77XXX"),
    ("60050101", "SOLADEST600"),
    ("30050110", "DUSSDEDDXXX"),
    ("86055592", "WELADE8LXXX"),
    ("36050105", "SPESDE3EXXX"),
    ("44050199", "DORTDE33XXX"),
];

const MAIL_DOMAINS: &[&str] = &[
    "web.de",
    "gmx.de",
    "gmx.net",
    "t-online.de",
    "gmail.com",
    "posteo.de",
    "outlook.de",
    "icloud.com",
    "freenet.de",
    "yahoo.de",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub street: String,
    pub house_number: String,
    pub postcode: String,
    pub city: String,
}

impl Address {
    pub fn street_line(&self) -> String {
        format!("{} {}", self.street, self.house_number)
    }
    pub fn city_line(&self) -> String {
        format!("{} {}", self.postcode, self.city)
    }
}

#[derive(Clone, Debug)]
pub struct Customer {
    pub customer_id: String,
    /// "Herr" or "Frau".
    pub salutation: &'static str,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub address: Address,
    pub email: String,
    pub phone: String,
    pub iban: String,
    /// Licence plate prefix of the home city (for Kfz texts).
    pub plate: &'static str,
}

impl Customer {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
    pub fn is_male(&self) -> bool {
        self.salutation == "Herr"
    }
}

#[derive(Clone, Debug)]
pub struct Contract {
    pub contract_id: String,
    pub customer_id: String,
    pub product: &'static str,
    /// "active" or "cancelled".
    pub status: &'static str,
    pub start_date: NaiveDate,
}

/// Customers and their contracts; `by_customer[i]` is the range of `contracts` owned by `customers[i]`.
pub struct MasterData {
    pub customers: Vec<Customer>,
    pub contracts: Vec<Contract>,
    pub by_customer: Vec<Range<usize>>,
}

impl MasterData {
    pub fn contracts_of(&self, customer: usize) -> &[Contract] {
        &self.contracts[self.by_customer[customer].clone()]
    }
}

pub fn pick<'a, T>(rng: &mut SmallRng, items: &'a [T]) -> &'a T {
    items.choose(rng).expect("non-empty list")
}

/// Index into `weights` chosen proportionally to the weights.
pub fn weighted(rng: &mut SmallRng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.gen_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

pub fn digits(rng: &mut SmallRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

/// Computes the two check digits of a German IBAN for bank code + account number.
pub fn german_iban(blz: &str, account: &str) -> String {
    let bban = format!("{blz}{account:0>10}");
    let rem = mod97(&format!("{bban}131400"));
    format!("DE{:02}{bban}", 98 - rem)
}

fn mod97(digits: &str) -> u32 {
    digits
        .bytes()
        .fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97)
}

/// ISO 13616 check: spaces ignored, letters expanded (A=10 …), remainder mod 97 must be 1.
pub fn iban_is_valid(iban: &str) -> bool {
    let s: String = iban.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() < 15 || s.len() > 34 || !s.is_ascii() {
        return false;
    }
    let (head, tail) = s.split_at(4);
    let mut rem = 0u32;
    for c in tail.chars().chain(head.chars()) {
        match c.to_ascii_uppercase() {
            d @ '0'..='9' => rem = (rem * 10 + (d as u32 - '0' as u32)) % 97,
            l @ 'A'..='Z' => rem = (rem * 100 + (l as u32 - 'A' as u32 + 10)) % 97,
            _ => return false,
        }
    }
    rem == 1
}

/// A random valid German IBAN and the BIC of its bank.
pub fn random_iban(rng: &mut SmallRng) -> (String, &'static str) {
    let (blz, bic) = *pick(rng, BANKS);
    let mut account = digits(rng, 10);
    if rng.gen_bool(0.4) {
        // Many real account numbers are shorter and zero-padded.
        account.replace_range(0..3, "000");
    }
    (german_iban(blz, &account), bic)
}

/// IBAN in the printed four-character groups: `DE89 3704 0044 0532 0130 00`.
pub fn iban_grouped(iban: &str) -> String {
    let chars: Vec<char> = iban.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A new contract number in the canonical format of `product` (see samples/README.md).
pub fn contract_number(rng: &mut SmallRng, product: &str) -> String {
    let d = |rng: &mut SmallRng, n| digits(rng, n);
    match product {
        "kfz" => format!("KF-{} {} {}", d(rng, 3), d(rng, 3), d(rng, 3)),
        "hausrat" => format!("HR-{}", d(rng, 8)),
        "haftpflicht" => format!("PH-{}-{}", d(rng, 7), d(rng, 1)),
        "wohngebaeude" => format!("WG-{} {} {}", d(rng, 3), d(rng, 3), d(rng, 3)),
        "rechtsschutz" => format!("RS-{}-{}", rng.gen_range(2005..=2025), d(rng, 6)),
        "unfall" => format!("UV-{}", d(rng, 8)),
        "leben" => format!("LV-{}", d(rng, 10)),
        "kranken" => format!("KV-{}", d(rng, 9)),
        _ => format!("BU-{}-{}", d(rng, 6), d(rng, 2)),
    }
}

/// German display name of a product ("Kfz-Versicherung" …).
pub fn product_name(product: &str) -> &'static str {
    match product {
        "kfz" => "Kfz-Versicherung",
        "hausrat" => "Hausratversicherung",
        "haftpflicht" => "Privathaftpflichtversicherung",
        "wohngebaeude" => "Wohngebäudeversicherung",
        "rechtsschutz" => "Rechtsschutzversicherung",
        "unfall" => "Unfallversicherung",
        "leben" => "Lebensversicherung",
        "kranken" => "Krankenzusatzversicherung",
        _ => "Berufsunfähigkeitsversicherung",
    }
}

/// ASCII transliteration for e-mail local parts: "Jürgen Weiß" -> "juergen", "weiss".
pub fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'ä' | 'Ä' => out.push_str("ae"),
            'ö' | 'Ö' => out.push_str("oe"),
            'ü' | 'Ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'ë' | 'é' | 'è' => out.push('e'),
            'ł' | 'Ł' => out.push('l'),
            ' ' => out.push('.'),
            c if c.is_ascii_alphanumeric() || c == '-' => out.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    out
}

pub fn random_name(rng: &mut SmallRng, male: bool) -> (String, String) {
    let first = if male {
        pick(rng, MALE)
    } else {
        pick(rng, FEMALE)
    }
    .to_string();
    let last = match rng.gen_range(0..100) {
        0..=7 => pick(rng, NOBLE).to_string(),
        8..=17 => {
            let a = pick(rng, LAST);
            let mut b = pick(rng, LAST);
            while b == a {
                b = pick(rng, LAST);
            }
            format!("{a}-{b}")
        }
        _ => pick(rng, LAST).to_string(),
    };
    (first, last)
}

pub fn house_number(rng: &mut SmallRng) -> String {
    let n = if rng.gen_bool(0.7) {
        rng.gen_range(1..60)
    } else {
        rng.gen_range(1..220)
    };
    match rng.gen_range(0..10) {
        0 => format!("{n}a"),
        1 => format!("{n}b"),
        _ => n.to_string(),
    }
}

/// A random address, returning also the index into `CITIES`.
pub fn random_address(rng: &mut SmallRng) -> (Address, usize) {
    let ci = rng.gen_range(0..CITIES.len());
    let city = &CITIES[ci];
    let addr = Address {
        street: pick(rng, STREETS).to_string(),
        house_number: house_number(rng),
        postcode: pick(rng, city.postcodes).to_string(),
        city: city.name.to_string(),
    };
    (addr, ci)
}

pub fn random_phone(rng: &mut SmallRng, area_code: &str) -> String {
    if rng.gen_bool(0.45) {
        let pre = pick(
            rng,
            &[
                "151", "152", "157", "160", "162", "170", "171", "172", "176", "178",
            ],
        );
        let len = if rng.gen_bool(0.5) { 7 } else { 8 };
        let n = digits(rng, len);
        if rng.gen_bool(0.3) {
            format!("+49 {pre} {n}")
        } else {
            format!("0{pre} {n}")
        }
    } else {
        let len = rng.gen_range(6..=8);
        let n = digits(rng, len);
        match rng.gen_range(0..3) {
            0 => format!("+49 {} {n}", &area_code[1..]),
            1 => format!("{area_code}/{n}"),
            _ => format!("{area_code} {n}"),
        }
    }
}

fn random_date(rng: &mut SmallRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let days = (to - from).num_days().max(0);
    from + Duration::days(rng.gen_range(0..=days))
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Builds the master data for `seed`: `n` customers `K-100001…`, 1–4 contracts each.
/// Customer 2 has the same name as customer 1 but lives elsewhere; customers 3, 4 and 5
/// get a "von"-name, a double name and an umlaut name respectively.
pub fn master_data(seed: u64, n: usize) -> MasterData {
    let mut rng = SmallRng::seed_from_u64(seed ^ 0x6d61_7374_6572_2121);
    let mut customers = Vec::with_capacity(n);
    let mut contracts = Vec::new();
    let mut by_customer = Vec::with_capacity(n);
    let mut used_ids: HashSet<String> = HashSet::new();
    let mut used_mails: HashSet<String> = HashSet::new();
    for i in 0..n {
        let male = rng.gen_bool(0.5);
        let (mut first, mut last) = random_name(&mut rng, male);
        let mut male = male;
        match i {
            1 => {
                let prev: &Customer = &customers[0];
                first = prev.first_name.clone();
                last = prev.last_name.clone();
                male = prev.is_male();
            }
            2 => last = "von Bülow".into(),
            3 => last = "Schulze-Wöhrmann".into(),
            4 => last = "Müller".into(),
            _ => {}
        }
        let (mut address, mut ci) = random_address(&mut rng);
        if i == 1 {
            while address.postcode == customers[0].address.postcode {
                (address, ci) = random_address(&mut rng);
            }
        }
        let city = &CITIES[ci];
        let birth_date = random_date(&mut rng, ymd(1938, 1, 1), ymd(2006, 12, 31));
        let f = ascii_fold(&first);
        let l = ascii_fold(&last).replace('.', "");
        let domain = pick(&mut rng, MAIL_DOMAINS);
        let mut local = match rng.gen_range(0..5) {
            0 => format!("{f}.{l}"),
            1 => format!("{}.{l}", &f[..1]),
            2 => format!("{f}{l}{}", birth_date.year() % 100),
            3 => format!("{l}.{f}"),
            _ => format!("{f}_{l}{}", rng.gen_range(1..99)),
        };
        while !used_mails.insert(format!("{local}@{domain}")) {
            local.push_str(&rng.gen_range(0..10).to_string());
        }
        let customer_id = format!("K-{}", 100_001 + i);
        let (iban, _) = random_iban(&mut rng);
        let phone = random_phone(&mut rng, city.area_code);
        let adult = birth_date
            .with_year(birth_date.year() + 18)
            .unwrap_or(birth_date + Duration::days(18 * 365));
        let earliest = adult.max(ymd(2000, 1, 1)).min(ymd(2025, 6, 30));
        let k = weighted(&mut rng, &[35, 35, 20, 10]) + 1;
        let start = contracts.len();
        let mut products: Vec<usize> = Vec::new();
        while products.len() < k {
            let p = weighted(&mut rng, &PRODUCT_WEIGHTS);
            if !products.contains(&p) {
                products.push(p);
            }
        }
        for p in products {
            let product = PRODUCTS[p];
            let mut id = contract_number(&mut rng, product);
            while !used_ids.insert(id.clone()) {
                id = contract_number(&mut rng, product);
            }
            let status = if rng.gen_bool(0.15) {
                "cancelled"
            } else {
                "active"
            };
            contracts.push(Contract {
                contract_id: id,
                customer_id: customer_id.clone(),
                product,
                status,
                start_date: random_date(&mut rng, earliest, ymd(2025, 12, 31)),
            });
        }
        by_customer.push(start..contracts.len());
        customers.push(Customer {
            customer_id,
            salutation: if male { "Herr" } else { "Frau" },
            first_name: first,
            last_name: last,
            birth_date,
            address,
            email: format!("{local}@{domain}"),
            phone,
            iban,
            plate: city.plate,
        });
    }
    MasterData {
        customers,
        contracts,
        by_customer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_iban_is_valid() {
        assert!(iban_is_valid("DE89 3704 0044 0532 0130 00"));
        assert!(!iban_is_valid("DE88 3704 0044 0532 0130 00"));
        assert_eq!(
            german_iban("37040044", "532013000"),
            "DE89370400440532013000"
        );
    }

    #[test]
    fn master_data_is_consistent() {
        let md = master_data(7, 60);
        assert_eq!(md.customers.len(), 60);
        let a = &md.customers[0];
        let b = &md.customers[1];
        assert_eq!((&a.first_name, &a.last_name), (&b.first_name, &b.last_name));
        assert_ne!(a.address.postcode, b.address.postcode);
        for (i, c) in md.customers.iter().enumerate() {
            assert!(iban_is_valid(&c.iban), "{}", c.iban);
            let n = md.contracts_of(i).len();
            assert!((1..=4).contains(&n));
            assert!(md
                .contracts_of(i)
                .iter()
                .all(|k| k.customer_id == c.customer_id));
        }
        let ids: HashSet<_> = md.contracts.iter().map(|c| &c.contract_id).collect();
        assert_eq!(ids.len(), md.contracts.len());
    }
}
