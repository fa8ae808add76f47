//! Deterministic generator of realistic German inbound mail for tests and
//! benchmarks: the public API (`generate_corpus`, `write_master_data`,
//! `letter_pdf`, `email`), the corpus writer with its `truth.jsonl`, and the
//! writer of the committed sample set under `samples/`.
//!
//! Everything derives from a seed through `SmallRng::seed_from_u64`, so the same
//! spec always gives byte-identical files. Formats are described in
//! `samples/README.md`.

pub mod einvoice;
pub mod eml;
pub mod hostile;
pub mod letters;
pub mod pdf;
pub mod people;
pub mod scan;

use chrono::{Datelike, Duration, FixedOffset, NaiveDate, TimeZone};
use eml::{Attachment, BodyEnc, Charset, HeaderEnc, MailSpec};
use letters::{compose, render_letter, render_mail, Doc, DocType, MailStyle};
use people::{pick, weighted, MasterData};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

pub use pdf::letter_pdf;
pub use people::iban_is_valid;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorpusSpec {
    pub emails: usize,
    pub pdfs: usize,
    pub seed: u64,
    /// Number of customers in the master data (0 is treated as the default 200).
    pub customers: usize,
}

impl Default for CorpusSpec {
    fn default() -> Self {
        CorpusSpec {
            emails: 100,
            pdfs: 20,
            seed: 1,
            customers: 200,
        }
    }
}

/// What was written. `bytes` counts the .eml and .pdf files (not truth.jsonl).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorpusSummary {
    pub emails: usize,
    pub pdfs: usize,
    pub bytes: u64,
}

/// One line of `truth.jsonl`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Truth {
    pub file: String,
    pub doc_type: &'static str,
    pub customer_id: Option<String>,
    pub contract_id: Option<String>,
    pub claim_number: Option<String>,
    pub iban: Option<String>,
    pub attachments: Vec<String>,
}

impl Truth {
    fn of(file: String, doc: &Doc, attachments: Vec<String>) -> Truth {
        Truth {
            file,
            doc_type: doc.doc_type.as_str(),
            customer_id: doc.customer_id.clone(),
            contract_id: doc.contract_id.clone(),
            claim_number: doc.claim_number.clone(),
            iban: doc.iban.clone(),
            attachments,
        }
    }
}

fn effective_customers(n: usize) -> usize {
    if n == 0 {
        200
    } else {
        n
    }
}

/// The master data behind a corpus (same as `write_master_data` writes).
pub fn master_data(seed: u64, customers: usize) -> MasterData {
    people::master_data(seed, customers)
}

/// Writes emails as `mail-000001.eml`, letters as `letter-000001.pdf` into out_dir, plus `truth.jsonl`
/// (one line per file: {"file","doc_type","customer_id","contract_id","claim_number","iban","attachments":[..]}).
pub fn generate_corpus(out_dir: &Path, spec: &CorpusSpec) -> io::Result<CorpusSummary> {
    fs::create_dir_all(out_dir)?;
    let md = people::master_data(spec.seed, effective_customers(spec.customers));
    let mut rng = SmallRng::seed_from_u64(spec.seed ^ 0x636f_7270_7573_0001);
    let mut truth = BufWriter::new(File::create(out_dir.join("truth.jsonl"))?);
    let mut summary = CorpusSummary::default();
    for i in 1..=spec.emails {
        let file = format!("mail-{i:06}.eml");
        let (bytes, doc, attachments, _) = corpus_mail(&mut rng, &md);
        fs::write(out_dir.join(&file), &bytes)?;
        summary.emails += 1;
        summary.bytes += bytes.len() as u64;
        write_truth(&mut truth, &Truth::of(file, &doc, attachments))?;
    }
    for i in 1..=spec.pdfs {
        let file = format!("letter-{i:06}.pdf");
        let (bytes, doc) = corpus_letter(&mut rng, &md);
        fs::write(out_dir.join(&file), &bytes)?;
        summary.pdfs += 1;
        summary.bytes += bytes.len() as u64;
        write_truth(&mut truth, &Truth::of(file, &doc, Vec::new()))?;
    }
    truth.flush()?;
    Ok(summary)
}

fn write_truth(w: &mut impl Write, t: &Truth) -> io::Result<()> {
    serde_json::to_writer(&mut *w, t).map_err(io::Error::other)?;
    w.write_all(b"\n")
}

/// Master data in the project's fixed CSV formats, consistent with the corpus for the same seed.
pub fn write_master_data(
    customers_csv: &Path,
    contracts_csv: &Path,
    seed: u64,
    customers: usize,
) -> io::Result<()> {
    let md = people::master_data(seed, customers);
    let mut w = csv::Writer::from_path(customers_csv)?;
    w.write_record(crate::customers::CUSTOMER_COLUMNS)?;
    for c in &md.customers {
        w.write_record([
            c.customer_id.as_str(),
            c.salutation,
            &c.first_name,
            &c.last_name,
            &c.birth_date.format("%Y-%m-%d").to_string(),
            &c.address.street,
            &c.address.house_number,
            &c.address.postcode,
            &c.address.city,
            &c.email,
            &c.phone,
            &c.iban,
        ])?;
    }
    w.flush()?;
    let mut w = csv::Writer::from_path(contracts_csv)?;
    w.write_record(crate::customers::CONTRACT_COLUMNS)?;
    for k in &md.contracts {
        w.write_record([
            k.contract_id.as_str(),
            &k.customer_id,
            k.product,
            k.status,
            &k.start_date.format("%Y-%m-%d").to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// A simple e-mail; attachments are (filename, content_type, bytes), base64-encoded
/// (a `message/rfc822` attachment is embedded as a nested message instead); filenames
/// with non-ASCII use RFC 2231. The subject and display names are RFC 2047 Q-encoded
/// when not ASCII, the body is UTF-8 quoted-printable. `from`/`to` may be
/// `Name <addr>` or a bare address. Date is fixed (Mon, 16 Mar 2026 09:30 +0100) and
/// the Message-ID is derived from the content, so output is deterministic.
pub fn email(
    from: &str,
    to: &str,
    subject: &str,
    body: &str,
    attachments: &[(String, String, Vec<u8>)],
) -> Vec<u8> {
    let mut h = Sha256::new();
    for part in [from, to, subject, body] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    for (n, t, d) in attachments {
        h.update(n.as_bytes());
        h.update(t.as_bytes());
        h.update(d);
    }
    let digest = h.finalize();
    let domain = split_mailbox(from).1;
    let domain = domain
        .split_once('@')
        .map_or("localhost", |x| x.1)
        .to_string();
    let spec = MailSpec {
        from: split_mailbox(from),
        to: split_mailbox(to),
        cc: None,
        subject: subject.to_string(),
        date: "Mon, 16 Mar 2026 09:30:00 +0100".into(),
        message_id: format!("{}@{domain}", hex::encode(&digest[..12])),
        in_reply_to: None,
        references: Vec::new(),
        text: Some(body.to_string()),
        html: None,
        charset: Charset::Utf8,
        body_enc: BodyEnc::QuotedPrintable,
        header_enc: HeaderEnc::Q,
        user_agent: None,
        attachments: attachments
            .iter()
            .map(|(n, t, d)| Attachment {
                filename: n.clone(),
                content_type: t.clone(),
                data: d.clone(),
            })
            .collect(),
        boundary_seed: u64::from_be_bytes(digest[12..20].try_into().expect("8 bytes")),
    };
    eml::build(&spec)
}

/// "Name <addr>" -> (Name, addr); a bare address gives an empty name.
fn split_mailbox(s: &str) -> (String, String) {
    match (s.rfind('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => (
            s[..a].trim().trim_matches('"').to_string(),
            s[a + 1..b].trim().to_string(),
        ),
        _ => (String::new(), s.trim().to_string()),
    }
}

const MAIL_WEIGHTS: [u32; 10] = [20, 8, 10, 8, 10, 12, 9, 6, 3, 14];
const LETTER_WEIGHTS: [u32; 10] = [20, 15, 10, 8, 9, 14, 8, 5, 4, 7];

fn corpus_date(rng: &mut SmallRng) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 5).expect("date") + Duration::days(rng.gen_range(0..86))
}

/// RFC 5322 date for `date` at a random time of day, CET/CEST.
fn rfc5322(rng: &mut SmallRng, date: NaiveDate) -> String {
    let dst_start = NaiveDate::from_ymd_opt(date.year(), 3, 29).expect("date");
    let offset = if date >= dst_start { 7200 } else { 3600 };
    let tz = FixedOffset::east_opt(offset).expect("offset");
    let t = date
        .and_hms_opt(
            rng.gen_range(6..23),
            rng.gen_range(0..60),
            rng.gen_range(0..60),
        )
        .expect("time");
    tz.from_local_datetime(&t)
        .single()
        .expect("fixed offset")
        .format("%a, %d %b %Y %H:%M:%S %z")
        .to_string()
}

fn message_id(rng: &mut SmallRng, from_addr: &str) -> String {
    let domain = from_addr.split_once('@').map_or("localhost", |x| x.1);
    let hex = |rng: &mut SmallRng, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)]))
            .collect()
    };
    match rng.gen_range(0..4) {
        0 => format!(
            "CA+{}{}@mail.gmail.com",
            hex(rng, 20).to_uppercase(),
            hex(rng, 16)
        ),
        1 => format!(
            "{}.{}@{}",
            hex(rng, 16),
            hex(rng, 8),
            if domain.contains("gmx") || domain.contains("web.de") {
                "mail.gmx.net"
            } else {
                domain
            }
        ),
        2 => format!(
            "{}-{}-{}-{}-{}@{domain}",
            hex(rng, 8),
            hex(rng, 4),
            hex(rng, 4),
            hex(rng, 4),
            hex(rng, 12)
        ),
        _ => format!(
            "{}@{}.eurprd0{}.prod.outlook.com",
            hex(rng, 24).to_uppercase(),
            hex(rng, 10).to_uppercase(),
            rng.gen_range(1..9)
        ),
    }
}

fn user_agent(rng: &mut SmallRng) -> Option<String> {
    let ua = *pick(
        rng,
        &[
            "",
            "",
            "Mozilla Thunderbird",
            "Microsoft Outlook 16.0",
            "Apple Mail (2.3774.300.61)",
            "Roundcube Webmail/1.6.9",
            "K-9 Mail for Android",
        ],
    );
    (!ua.is_empty()).then(|| ua.to_string())
}

/// Plain text -> simple HTML as mail clients produce it.
pub fn text_to_html(text: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut html = String::from(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head>\n<body><div style=\"font-family: Calibri, Arial, sans-serif; font-size: 11pt\">\n",
    );
    for para in text.split("\n\n") {
        if para.trim().is_empty() {
            continue;
        }
        html.push_str("<p>");
        html.push_str(&esc(para.trim_end()).replace('\n', "<br>\n"));
        html.push_str("</p>\n");
    }
    html.push_str("</div></body></html>\n");
    html
}

fn photo(rng: &mut SmallRng) -> Vec<u8> {
    let (w, h) = (rng.gen_range(16..40), rng.gen_range(12..30));
    let base: [u8; 3] = [rng.gen(), rng.gen(), rng.gen()];
    let noise: u64 = rng.gen();
    eml::tiny_png(w, h, move |x, y| {
        let n = ((u64::from(x) * 31 + u64::from(y) * 17) ^ noise) as u8 & 0x3f;
        [
            base[0].wrapping_add(n),
            base[1].wrapping_add((x * 3) as u8),
            base[2].wrapping_add((y * 5) as u8),
        ]
    })
}

/// Generates one corpus e-mail; returns (bytes, document, attachment names, subject).
fn corpus_mail(rng: &mut SmallRng, md: &MasterData) -> (Vec<u8>, Doc, Vec<String>, String) {
    let t = DocType::ALL[weighted(rng, &MAIL_WEIGHTS)];
    let cust = rng.gen_range(0..md.customers.len());
    let date = corpus_date(rng);
    let doc = compose(rng, md, cust, t, date);
    let c = &md.customers[cust];
    let p_letter = match t {
        DocType::Invoice => 0.8,
        DocType::Claim => 0.25,
        DocType::Cancellation => 0.15,
        DocType::BankDetailsChange => 0.1,
        DocType::Application => 0.3,
        DocType::DeathNotice => 0.0,
        _ => 0.03,
    };
    let mut attachments = Vec::new();
    let as_letter = rng.gen_bool(p_letter);
    if as_letter {
        let pages = render_letter(&doc, rng);
        attachments.push(Attachment {
            filename: doc.pdf_name.clone(),
            content_type: "application/pdf".into(),
            data: letter_pdf(&pages),
        });
    }
    if t == DocType::DeathNotice && rng.gen_bool(0.6) {
        let died = date - Duration::days(rng.gen_range(3..30));
        attachments.push(Attachment {
            filename: "Sterbeurkunde.pdf".into(),
            content_type: "application/pdf".into(),
            data: letter_pdf(&[letters::death_certificate(c, died, rng)]),
        });
    }
    if t == DocType::Claim && rng.gen_bool(0.3) {
        for k in 0..rng.gen_range(1..=3) {
            let name = if rng.gen_bool(0.2) {
                format!("Schadenfoto_{}.png", k + 1)
            } else {
                format!(
                    "IMG_{}_{:02}{:02}{:02}.png",
                    date.format("%Y%m%d"),
                    rng.gen_range(6..22),
                    rng.gen_range(0..60),
                    rng.gen_range(0..60)
                )
            };
            attachments.push(Attachment {
                filename: name,
                content_type: "image/png".into(),
                data: photo(rng),
            });
        }
    }
    if t == DocType::Complaint && rng.gen_bool(0.1) {
        attachments.push(Attachment {
            filename: format!(
                "Bildschirmfoto {} um {:02}.{:02}.{:02}.png",
                date.format("%Y-%m-%d"),
                rng.gen_range(8..20),
                rng.gen_range(0..60),
                rng.gen_range(0..60)
            ),
            content_type: "image/png".into(),
            data: photo(rng),
        });
    }
    let style = MailStyle {
        cover: as_letter,
        refs: rng.gen_bool(0.5),
        signature_block: rng.gen_bool(0.3),
        mobile: rng.gen_bool(0.08),
    };
    let mut text = render_mail(&doc, style);
    let mut from = (doc.sender.name.clone(), doc.sender.email.clone());
    let customer_writes =
        doc.customer_id.is_some() && !matches!(t, DocType::Invoice | DocType::DeathNotice);
    if customer_writes && rng.gen_bool(0.15) {
        // Writes from another address than the one on file.
        from.1 = format!(
            "{}{}@{}",
            people::ascii_fold(&c.first_name),
            rng.gen_range(1..999),
            pick(rng, &["gmx.de", "web.de", "mailbox.org", "t-online.de"])
        );
    }
    let to = if matches!(t, DocType::Claim | DocType::Invoice) && rng.gen_bool(0.6) {
        (
            "Schadenabteilung".to_string(),
            letters::INSURER_CLAIMS_MAIL.to_string(),
        )
    } else {
        (
            letters::INSURER.to_string(),
            letters::INSURER_MAIL.to_string(),
        )
    };
    let mut subject = doc.subject.clone();
    if t == DocType::Invoice {
        let number = subject.rsplit(' ').next().unwrap_or_default().to_string();
        subject = match &doc.claim_number {
            Some(cl) => format!("Rechnung {number} zum Schaden {cl}"),
            None => format!("Rechnung {number} – {}", c.full_name()),
        };
    } else if let (Some(k), true) = (&doc.contract_id, rng.gen_bool(0.25)) {
        subject = format!("{subject} – Vers.-Nr. {}", letters::id_variant(rng, k));
    }
    let mut in_reply_to = None;
    let mut references = Vec::new();
    if t == DocType::Invoice && rng.gen_bool(0.3) {
        // The customer forwards the workshop's mail.
        let fwd_date = rfc5322(rng, date);
        text = format!(
            "Hallo,\n\nanbei die Rechnung der Werkstatt, bitte direkt an diese überweisen.\n\nGruß\n{}\n\n---------- Weitergeleitete Nachricht ----------\nVon: {} <{}>\nDatum: {fwd_date}\nBetreff: {subject}\nAn: {}\n\n{text}",
            c.first_name,
            doc.sender.name,
            doc.sender.email,
            c.email
        );
        subject = format!("WG: {subject}");
        from = (c.full_name(), c.email.clone());
    } else if customer_writes && rng.gen_bool(0.1) {
        let earlier = date - Duration::days(rng.gen_range(2..15));
        let id = format!(
            "{}.{}@{}",
            people::digits(rng, 12),
            people::digits(rng, 6),
            letters::INSURER_DOMAIN
        );
        text = format!(
            "{text}\nAm {} um {:02}:{:02} schrieb {} <service@{}>:\n> {} {},\n>\n> vielen Dank für Ihre Nachricht. Damit wir Ihr Anliegen bearbeiten\n> können, benötigen wir noch weitere Angaben.\n>\n> Mit freundlichen Grüßen\n> Ihr Kundenservice\n",
            letters::de_date(earlier),
            rng.gen_range(8..18),
            rng.gen_range(0..60),
            letters::INSURER,
            letters::INSURER_DOMAIN,
            if c.is_male() { "Sehr geehrter Herr" } else { "Sehr geehrte Frau" },
            c.last_name
        );
        subject = format!("{} {subject}", pick(rng, &["AW:", "Re:", "AW:"]));
        in_reply_to = Some(id.clone());
        references.push(id);
    }
    let html = rng.gen_bool(0.08).then(|| text_to_html(&text));
    let spec = MailSpec {
        from: from.clone(),
        to,
        cc: None,
        subject: subject.clone(),
        date: rfc5322(rng, date),
        message_id: message_id(rng, &from.1),
        in_reply_to,
        references,
        text: Some(text),
        html,
        charset: if rng.gen_bool(0.12) {
            Charset::Latin1
        } else {
            Charset::Utf8
        },
        body_enc: match rng.gen_range(0..20) {
            0..=11 => BodyEnc::QuotedPrintable,
            12..=14 => BodyEnc::Base64,
            _ => BodyEnc::EightBit,
        },
        header_enc: match rng.gen_range(0..20) {
            0..=8 => HeaderEnc::Q,
            9..=17 => HeaderEnc::B,
            _ => HeaderEnc::Raw,
        },
        user_agent: user_agent(rng),
        attachments,
        boundary_seed: rng.gen(),
    };
    let names = spec
        .attachments
        .iter()
        .map(|a| a.filename.clone())
        .collect();
    (eml::build(&spec), doc, names, subject)
}

fn corpus_letter(rng: &mut SmallRng, md: &MasterData) -> (Vec<u8>, Doc) {
    let t = DocType::ALL[weighted(rng, &LETTER_WEIGHTS)];
    let cust = rng.gen_range(0..md.customers.len());
    let date = letters::working_day(corpus_date(rng));
    let doc = compose(rng, md, cust, t, date);
    let mut pages = render_letter(&doc, rng);
    if rng.gen_bool(0.12) {
        pages.push(letters::appendix_page(&doc, rng));
    }
    (letter_pdf(&pages), doc)
}

/// Writes the committed sample set (see `samples/README.md`) into `dir`:
/// master data for 50 customers (seed 1), `mail/*.eml`, `letters/*.pdf`, `truth.jsonl`.
pub fn write_sample_set(dir: &Path) -> io::Result<()> {
    let mail_dir = dir.join("mail");
    let letter_dir = dir.join("letters");
    fs::create_dir_all(&mail_dir)?;
    fs::create_dir_all(&letter_dir)?;
    write_master_data(
        &dir.join("customers.csv"),
        &dir.join("contracts.csv"),
        1,
        50,
    )?;
    let md = people::master_data(1, 50);
    let mut truth = Vec::new();
    for (name, bytes, t) in sample_mails(&md) {
        fs::write(mail_dir.join(&name), bytes)?;
        truth.push(Truth {
            file: format!("mail/{name}"),
            ..t
        });
    }
    for (name, bytes, t) in sample_letters(&md) {
        fs::write(letter_dir.join(&name), bytes)?;
        truth.push(Truth {
            file: format!("letters/{name}"),
            ..t
        });
    }
    let mut w = BufWriter::new(File::create(dir.join("truth.jsonl"))?);
    for t in &truth {
        write_truth(&mut w, t)?;
    }
    w.flush()
}

/// Composes documents of `t` until `accept` holds (deterministic per seed).
fn compose_where(
    rng: &mut SmallRng,
    md: &MasterData,
    cust: usize,
    t: DocType,
    date: NaiveDate,
    accept: impl Fn(&Doc) -> bool,
) -> Doc {
    loop {
        let d = compose(rng, md, cust, t, date);
        if accept(&d) {
            return d;
        }
    }
}

fn base_spec(doc: &Doc, rng: &mut SmallRng, date: NaiveDate) -> MailSpec {
    MailSpec {
        from: (doc.sender.name.clone(), doc.sender.email.clone()),
        to: (letters::INSURER.into(), letters::INSURER_MAIL.into()),
        cc: None,
        subject: doc.subject.clone(),
        date: rfc5322(rng, date),
        message_id: message_id(rng, &doc.sender.email),
        in_reply_to: None,
        references: Vec::new(),
        text: None,
        html: None,
        charset: Charset::Utf8,
        body_enc: BodyEnc::QuotedPrintable,
        header_enc: HeaderEnc::Q,
        user_agent: user_agent(rng),
        attachments: Vec::new(),
        boundary_seed: rng.gen(),
    }
}

fn cust_with(md: &MasterData, product: &str, skip: usize) -> usize {
    (0..md.customers.len())
        .filter(|&i| {
            md.contracts_of(i)
                .iter()
                .any(|k| k.product == product && k.status == "active")
        })
        .nth(skip)
        .unwrap_or(0)
}

fn sample_mails(md: &MasterData) -> Vec<(String, Vec<u8>, Truth)> {
    let mut rng = SmallRng::seed_from_u64(0x5a4d_504c_4531);
    let rng = &mut rng;
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).expect("date");
    let mut out = Vec::new();
    let plain = MailStyle::default();

    // 1. Plain German mail, UTF-8 quoted-printable.
    let doc = compose(rng, md, 4, DocType::AddressChange, d(3, 2));
    let mut s = base_spec(&doc, rng, doc.date);
    s.text = Some(render_mail(
        &doc,
        MailStyle {
            refs: true,
            ..plain
        },
    ));
    out.push(("01-address-change-plain-utf8.eml", s, doc, vec![]));

    // 2. ISO-8859-1 quoted-printable complaint without the word "Beschwerde".
    let doc = compose_where(rng, md, 7, DocType::Complaint, d(3, 4), |x| {
        !x.subject.contains("Beschwerde")
            && !x.body.iter().any(|p| p.contains("Beschwerde"))
            && x.claim_number.is_some()
    });
    let mut s = base_spec(&doc, rng, doc.date);
    s.text = Some(render_mail(
        &doc,
        MailStyle {
            refs: true,
            ..plain
        },
    ));
    s.charset = Charset::Latin1;
    out.push(("02-complaint-latin1-qp.eml", s, doc, vec![]));

    // 3. HTML-only newsletter.
    let doc = newsletter_doc(d(3, 5));
    let mut s = base_spec(&doc, rng, doc.date);
    s.from = (
        "Maklerverbund Nord eG".into(),
        "newsletter@maklerverbund-nord.de".into(),
    );
    s.html = Some(newsletter_html());
    s.header_enc = HeaderEnc::B;
    out.push(("03-newsletter-html-only.eml", s, doc, vec![]));

    // 4. Claim with the claim report as PDF attachment.
    let kfz = cust_with(md, "kfz", 0);
    let doc = compose_where(rng, md, kfz, DocType::Claim, d(3, 9), |x| {
        x.claim_number.is_none()
            && x.contract_id
                .as_deref()
                .is_some_and(|k| k.starts_with("KF"))
    });
    let mut s = base_spec(&doc, rng, doc.date);
    s.to = (
        "Schadenabteilung".into(),
        letters::INSURER_CLAIMS_MAIL.into(),
    );
    s.text = Some(render_mail(
        &doc,
        MailStyle {
            cover: true,
            ..plain
        },
    ));
    s.attachments.push(Attachment {
        filename: "Schadenanzeige.pdf".into(),
        content_type: "application/pdf".into(),
        data: letter_pdf(&render_letter(&doc, rng)),
    });
    out.push(("04-claim-with-pdf.eml", s, doc, vec![]));

    // 5. Invoice with PDF plus a photo (non-ASCII file name, RFC 2231).
    let hr = cust_with(md, "hausrat", 0);
    let doc = compose_where(rng, md, hr, DocType::Invoice, d(3, 10), |x| {
        x.claim_number.is_some()
    });
    let mut s = base_spec(&doc, rng, doc.date);
    s.to = (
        "Schadenabteilung".into(),
        letters::INSURER_CLAIMS_MAIL.into(),
    );
    let number = doc
        .subject
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_string();
    s.subject = format!(
        "Rechnung {number} zum Schaden {}",
        doc.claim_number.clone().unwrap_or_default()
    );
    s.text = Some(render_mail(
        &doc,
        MailStyle {
            cover: true,
            ..plain
        },
    ));
    s.attachments.push(Attachment {
        filename: doc.pdf_name.clone(),
        content_type: "application/pdf".into(),
        data: letter_pdf(&render_letter(&doc, rng)),
    });
    s.attachments.push(Attachment {
        filename: "Schadenfoto_Küche.png".into(),
        content_type: "image/png".into(),
        data: photo(rng),
    });
    out.push(("05-invoice-pdf-and-photo.eml", s, doc, vec![]));

    // 6. Reply with In-Reply-To / References.
    let doc = compose_where(rng, md, kfz, DocType::Claim, d(3, 12), |x| {
        x.claim_number.is_some()
    });
    let cl = doc.claim_number.clone().unwrap_or_default();
    let c = &md.customers[kfz];
    let orig = format!(
        "20260311101432.{}@{}",
        cl.replace('-', ""),
        letters::INSURER_DOMAIN
    );
    let first = format!("20260309081502.7{}@{}", &cl[7..], letters::INSURER_DOMAIN);
    let mut s = base_spec(&doc, rng, doc.date);
    s.subject = format!("AW: Ihre Schadenmeldung {cl}");
    s.in_reply_to = Some(orig.clone());
    s.references = vec![first, orig];
    s.text = Some(format!(
        "{}\nAm 11.03.2026 um 10:14 schrieb {} <schaden@{}>:\n> {} {},\n>\n> vielen Dank für Ihre Schadenmeldung. Ihr Schaden wird unter der\n> Schadennummer {cl} bearbeitet. Bitte senden Sie uns noch Fotos\n> und, falls vorhanden, das Aktenzeichen der Polizei.\n>\n> Mit freundlichen Grüßen\n> Ihre Schadenabteilung\n",
        render_mail(&doc, plain),
        letters::INSURER,
        letters::INSURER_DOMAIN,
        if c.is_male() { "Sehr geehrter Herr" } else { "Sehr geehrte Frau" },
        c.last_name
    ));
    out.push(("06-reply-in-reply-to.eml", s, doc, vec![]));

    // 7. Forward with the original as nested message/rfc822.
    let doc = compose_where(rng, md, 9, DocType::Cancellation, d(2, 2), |x| {
        x.contract_id.is_some()
    });
    let mut inner = base_spec(&doc, rng, doc.date);
    inner.text = Some(render_mail(
        &doc,
        MailStyle {
            refs: true,
            ..plain
        },
    ));
    let inner_bytes = eml::build(&inner);
    let mut s = base_spec(&doc, rng, d(3, 16));
    s.subject = format!("WG: {}", doc.subject);
    s.text = Some(
        "Sehr geehrte Damen und Herren,\n\nich habe meinen Vertrag bereits am 02.02.2026 gekündigt (siehe weitergeleitete Nachricht), aber bis heute keine Bestätigung erhalten. Bitte bestätigen Sie mir die Kündigung.\n\nMit freundlichen Grüßen\n"
            .to_string()
            + &doc.signature.join("\n"),
    );
    s.attachments.push(Attachment {
        filename: "Kündigung.eml".into(),
        content_type: "message/rfc822".into(),
        data: inner_bytes,
    });
    out.push((
        "07-forwarded-rfc822.eml",
        s,
        doc,
        vec!["Kündigung.eml".to_string()],
    ));

    // 8. Bank details change, multipart/alternative, B-encoded subject, base64 body.
    let doc = compose(rng, md, 12, DocType::BankDetailsChange, d(3, 18));
    let mut s = base_spec(&doc, rng, doc.date);
    let text = render_mail(
        &doc,
        MailStyle {
            refs: true,
            signature_block: true,
            ..plain
        },
    );
    s.html = Some(text_to_html(&text));
    s.text = Some(text);
    s.header_enc = HeaderEnc::B;
    s.body_enc = BodyEnc::Base64;
    out.push(("08-bank-details-html-alternative.eml", s, doc, vec![]));

    // 9. Cancellation as PDF with non-ASCII file name, raw UTF-8 subject, 8bit body.
    let doc = compose_where(rng, md, 15, DocType::Cancellation, d(3, 20), |x| {
        x.contract_id.is_some()
    });
    let mut s = base_spec(&doc, rng, doc.date);
    s.text = Some(render_mail(
        &doc,
        MailStyle {
            cover: true,
            mobile: true,
            ..plain
        },
    ));
    s.header_enc = HeaderEnc::Raw;
    s.body_enc = BodyEnc::EightBit;
    s.attachments.push(Attachment {
        filename: "Kündigung.pdf".into(),
        content_type: "application/pdf".into(),
        data: letter_pdf(&render_letter(&doc, rng)),
    });
    out.push(("09-cancellation-pdf-raw-utf8.eml", s, doc, vec![]));

    out.into_iter()
        .map(|(name, spec, doc, extra)| {
            let mut names: Vec<String> = spec
                .attachments
                .iter()
                .map(|a| a.filename.clone())
                .filter(|n| !extra.contains(n))
                .collect();
            names.extend(extra);
            let t = Truth::of(name.to_string(), &doc, names);
            (name.to_string(), eml::build(&spec), t)
        })
        .collect()
}

fn newsletter_doc(date: NaiveDate) -> Doc {
    Doc {
        doc_type: DocType::Other,
        customer_id: None,
        contract_id: None,
        claim_number: None,
        iban: None,
        date,
        sender: letters::Party {
            name: "Maklerverbund Nord eG".into(),
            lines: vec![],
            city: "Hamburg".into(),
            email: "newsletter@maklerverbund-nord.de".into(),
        },
        subject: "Newsletter März 2026: Neues zur Elementarschadenversicherung".into(),
        refs: vec![],
        salutation: None,
        body: vec![],
        closing: None,
        signature: vec![],
        enclosures: vec![],
        cover: vec![],
        pdf_name: String::new(),
    }
}

fn newsletter_html() -> String {
    "<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\"><title>Newsletter März 2026</title>\n<style>body{font-family:Arial,sans-serif;color:#222} .box{border:1px solid #ccc;padding:8px}</style></head>\n<body>\n<table width=\"600\" align=\"center\"><tr><td>\n<h1>Maklerverbund Nord &ndash; Newsletter M&auml;rz 2026</h1>\n<p>Sehr geehrte Damen und Herren,</p>\n<p>die Pflichtversicherung gegen Elementarschäden ist wieder im Gespräch. Wir fassen für Sie zusammen, was Versicherer und Vermittler jetzt wissen müssen.</p>\n<div class=\"box\"><h2>Themen dieser Ausgabe</h2><ul>\n<li>Starkregen und Überschwemmung: Was die Wohngebäudeversicherung leistet</li>\n<li>Neue Musterbedingungen für die Hausratversicherung</li>\n<li>Termine: Fachtagung am 23.04.2026 in Lübeck</li></ul></div>\n<p><a href=\"https://maklerverbund-nord.example/newsletter/2026-03\">Im Browser ansehen</a> &middot; <a href=\"https://maklerverbund-nord.example/abmelden\">Newsletter abbestellen</a></p>\n<p style=\"font-size:9pt;color:#777\">Maklerverbund Nord eG &middot; Große Elbstraße 12 &middot; 22767 Hamburg &middot; Registergericht Hamburg GnR 1234</p>\n</td></tr></table>\n</body></html>\n".to_string()
}

fn sample_letters(md: &MasterData) -> Vec<(String, Vec<u8>, Truth)> {
    let mut rng = SmallRng::seed_from_u64(0x4c45_5454_4552);
    let rng = &mut rng;
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).expect("date");
    let docs = [
        (
            "cancellation.pdf",
            compose_where(rng, md, 20, DocType::Cancellation, d(3, 2), |x| {
                x.contract_id.is_some() && !x.refs.is_empty()
            }),
        ),
        (
            "address_change.pdf",
            compose(rng, md, 21, DocType::AddressChange, d(3, 3)),
        ),
        (
            "claim.pdf",
            compose_where(
                rng,
                md,
                cust_with(md, "hausrat", 1),
                DocType::Claim,
                d(3, 5),
                |x| {
                    x.contract_id
                        .as_deref()
                        .is_some_and(|k| k.starts_with("HR"))
                },
            ),
        ),
        (
            "complaint.pdf",
            compose_where(rng, md, 23, DocType::Complaint, d(3, 6), |x| {
                !x.body.iter().any(|p| p.contains("Beschwerde"))
            }),
        ),
        (
            "bank_details_change.pdf",
            compose(rng, md, 24, DocType::BankDetailsChange, d(3, 9)),
        ),
    ];
    docs.into_iter()
        .map(|(name, doc)| {
            let mut pages = render_letter(&doc, rng);
            if doc.doc_type == DocType::Claim {
                pages.push(letters::appendix_page(&doc, rng));
            }
            let bytes = letter_pdf(&pages);
            (
                name.to_string(),
                bytes,
                Truth::of(name.to_string(), &doc, vec![]),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::Document;
    use mail_parser::{MessageParser, MimeHeaders};
    use std::collections::{HashMap, HashSet};

    fn read_truth(dir: &Path) -> Vec<serde_json::Value> {
        fs::read_to_string(dir.join("truth.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn iban_candidates(text: &str) -> Vec<String> {
        let re = regex::Regex::new(r"\bDE\d{2}(?: ?\d{4}){4} ?\d{2}\b").unwrap();
        re.find_iter(text)
            .map(|m| m.as_str().replace(' ', ""))
            .collect()
    }

    #[test]
    fn corpus_is_deterministic_and_truth_matches_files() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let spec = CorpusSpec {
            emails: 150,
            pdfs: 30,
            seed: 42,
            customers: 80,
        };
        let sa = generate_corpus(a.path(), &spec).unwrap();
        let sb = generate_corpus(b.path(), &spec).unwrap();
        assert_eq!(sa, sb);
        assert_eq!((sa.emails, sa.pdfs), (150, 30));
        let mut names: Vec<String> = fs::read_dir(a.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names.len(), 181);
        let mut total = 0;
        for n in &names {
            let x = fs::read(a.path().join(n)).unwrap();
            assert_eq!(x, fs::read(b.path().join(n)).unwrap(), "{n} differs");
            if n != "truth.jsonl" {
                total += x.len() as u64;
            }
        }
        assert_eq!(total, sa.bytes);
        let truth = read_truth(a.path());
        assert_eq!(truth.len(), 180);
        for (i, t) in truth.iter().enumerate() {
            let file = t["file"].as_str().unwrap();
            let want = if i < 150 {
                format!("mail-{:06}.eml", i + 1)
            } else {
                format!("letter-{:06}.pdf", i - 149)
            };
            assert_eq!(file, want);
            assert!(a.path().join(file).is_file());
            let dt = t["doc_type"].as_str().unwrap();
            assert!(DocType::ALL.iter().any(|d| d.as_str() == dt), "{dt}");
            assert!(t["attachments"].is_array());
        }
        // another seed gives another corpus
        let c = tempfile::tempdir().unwrap();
        generate_corpus(c.path(), &CorpusSpec { seed: 43, ..spec }).unwrap();
        assert_ne!(
            fs::read(a.path().join("mail-000001.eml")).unwrap(),
            fs::read(c.path().join("mail-000001.eml")).unwrap()
        );
    }

    #[test]
    fn truth_is_consistent_with_master_data() {
        let dir = tempfile::tempdir().unwrap();
        let spec = CorpusSpec {
            emails: 400,
            pdfs: 100,
            seed: 5,
            customers: 60,
        };
        generate_corpus(dir.path(), &spec).unwrap();
        let md = master_data(5, 60);
        let owner: HashMap<&str, &str> = md
            .contracts
            .iter()
            .map(|k| (k.contract_id.as_str(), k.customer_id.as_str()))
            .collect();
        let customers: HashSet<&str> = md
            .customers
            .iter()
            .map(|c| c.customer_id.as_str())
            .collect();
        let mut seen_types = HashSet::new();
        let claim_re = regex::Regex::new(r"^S-\d{4}-\d{6}$").unwrap();
        for t in read_truth(dir.path()) {
            seen_types.insert(t["doc_type"].as_str().unwrap().to_string());
            match t["customer_id"].as_str() {
                Some(c) => assert!(customers.contains(c), "{c}"),
                None => assert_eq!(t["doc_type"], "application"),
            }
            if let Some(k) = t["contract_id"].as_str() {
                assert_eq!(Some(&owner[k]), t["customer_id"].as_str().as_ref(), "{t}");
            }
            if let Some(iban) = t["iban"].as_str() {
                assert!(iban_is_valid(iban), "{iban}");
            }
            if let Some(cl) = t["claim_number"].as_str() {
                assert!(claim_re.is_match(cl), "{cl}");
            }
        }
        assert_eq!(seen_types.len(), 10, "{seen_types:?}");
    }

    #[test]
    fn corpus_mails_parse_with_subject_attachments_and_valid_ibans() {
        let md = master_data(11, 50);
        let mut rng = SmallRng::seed_from_u64(11 ^ 0x636f_7270_7573_0001);
        let parser = MessageParser::default();
        let mut umlaut_subjects = 0;
        let mut encoded = 0;
        let mut with_attachments = 0;
        let mut ibans = 0;
        for _ in 0..600 {
            let (bytes, doc, names, subject) = corpus_mail(&mut rng, &md);
            let msg = parser.parse(&bytes).expect("parses");
            assert_eq!(msg.subject(), Some(subject.as_str()));
            if subject.chars().any(|c| "äöüÄÖÜß".contains(c)) {
                umlaut_subjects += 1;
            }
            if bytes.windows(9).any(|w| {
                w.eq_ignore_ascii_case(b"=?UTF-8?Q") || w.eq_ignore_ascii_case(b"=?UTF-8?B")
            }) {
                encoded += 1;
            }
            assert!(msg.message_id().is_some());
            assert!(msg.date().is_some());
            let from = msg.from().and_then(|f| f.first()).expect("from");
            assert!(from.address().is_some_and(|a| a.contains('@')));
            if !subject.starts_with("WG:") {
                assert_eq!(from.name(), Some(doc.sender.name.as_str()));
            }
            let to = msg.to().and_then(|f| f.first()).and_then(|a| a.address());
            assert!(to.is_some_and(|a| a.ends_with(letters::INSURER_DOMAIN)));
            let got: Vec<String> = msg
                .attachments()
                .map(|p| p.attachment_name().unwrap_or_default().to_string())
                .collect();
            assert_eq!(got, names);
            if !names.is_empty() {
                with_attachments += 1;
            }
            for a in msg.attachments() {
                if a.is_content_type("application", "pdf") {
                    let pdf = Document::load_mem(a.contents()).expect("attached pdf loads");
                    assert!(!pdf.get_pages().is_empty());
                }
            }
            let text = msg.body_text(0).expect("text body");
            assert!(
                text.contains("Grüße") || text.contains("MfG") || text.contains("Gruß"),
                "{text}"
            );
            for iban in iban_candidates(&text) {
                assert!(iban_is_valid(&iban), "{iban} in {text}");
                ibans += 1;
            }
        }
        assert!(umlaut_subjects > 50, "{umlaut_subjects}");
        assert!(encoded > 50, "{encoded}");
        assert!(with_attachments > 50, "{with_attachments}");
        assert!(ibans > 20, "{ibans}");
    }

    #[test]
    fn corpus_letters_extract_with_umlauts_and_valid_ibans() {
        let dir = tempfile::tempdir().unwrap();
        generate_corpus(
            dir.path(),
            &CorpusSpec {
                emails: 0,
                pdfs: 100,
                seed: 3,
                customers: 40,
            },
        )
        .unwrap();
        let mut found_contract = 0;
        let mut multi_page = 0;
        let date_re = regex::Regex::new(r"\d{1,2}\.(\d{1,2}\.|\s\w+ )\d{2,4}").unwrap();
        for t in read_truth(dir.path()) {
            let doc = Document::load_mem(
                &fs::read(dir.path().join(t["file"].as_str().unwrap())).unwrap(),
            )
            .unwrap();
            let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
            if pages.len() > 1 {
                multi_page += 1;
            }
            let text = doc.extract_text(&pages).unwrap();
            assert!(text.contains(letters::INSURER), "{text}");
            assert!(date_re.is_match(&text), "{text}");
            for iban in iban_candidates(&text) {
                assert!(iban_is_valid(&iban), "{iban}");
            }
            if let Some(k) = t["contract_id"].as_str() {
                if text.contains(k) {
                    found_contract += 1;
                }
            }
            assert!(
                !text.contains('?'.to_string().repeat(2).as_str()),
                "unmapped characters: {text}"
            );
        }
        assert!(found_contract > 10, "{found_contract}");
        assert!(multi_page > 0);
    }

    #[test]
    fn email_function_roundtrips() {
        let pdf = letter_pdf(&[vec!["Kündigung zum 31.12.2026".into()]]);
        let png = eml::tiny_png(4, 4, |_, _| [1, 2, 3]);
        let subject = "Kündigung meiner Hausratversicherung – Schadenübersicht und Rückfragen zur Erstattung Ihrer Beiträge";
        let bytes = email(
            "Jürgen Weiß <juergen.weiss@web.de>",
            "posteingang@hanse-rhein-versicherung.de",
            subject,
            "Sehr geehrte Damen und Herren,\n\nhiermit kündige ich zum 31.12.2026. Beitrag: 123,45 €\n\nMit freundlichen Grüßen\nJürgen Weiß\n",
            &[
                ("Kündigung.pdf".into(), "application/pdf".into(), pdf.clone()),
                ("foto.png".into(), "image/png".into(), png.clone()),
            ],
        );
        assert!(bytes.is_ascii(), "all encoded");
        let raw = String::from_utf8_lossy(&bytes);
        assert!(raw.contains("filename*=UTF-8''K%C3%BCndigung.pdf"));
        assert!(raw.contains("MIME-Version: 1.0"));
        assert!(raw.lines().all(|l| l.len() <= 998));
        let msg = MessageParser::default().parse(&bytes).unwrap();
        assert_eq!(msg.subject(), Some(subject));
        let from = msg.from().unwrap().first().unwrap();
        assert_eq!(from.name(), Some("Jürgen Weiß"));
        assert_eq!(from.address(), Some("juergen.weiss@web.de"));
        assert!(msg.body_text(0).unwrap().contains("Beitrag: 123,45 €"));
        let atts: Vec<_> = msg.attachments().collect();
        assert_eq!(atts.len(), 2);
        assert_eq!(atts[0].attachment_name(), Some("Kündigung.pdf"));
        assert_eq!(atts[0].contents(), &pdf[..]);
        assert_eq!(atts[1].contents(), &png[..]);
        assert_eq!(bytes, email("Jürgen Weiß <juergen.weiss@web.de>", "posteingang@hanse-rhein-versicherung.de", subject, "Sehr geehrte Damen und Herren,\n\nhiermit kündige ich zum 31.12.2026. Beitrag: 123,45 €\n\nMit freundlichen Grüßen\nJürgen Weiß\n", &[("Kündigung.pdf".into(), "application/pdf".into(), pdf), ("foto.png".into(), "image/png".into(), png)]));
    }

    #[test]
    fn master_data_csv_has_fixed_format() {
        let dir = tempfile::tempdir().unwrap();
        let (cu, co) = (
            dir.path().join("customers.csv"),
            dir.path().join("contracts.csv"),
        );
        write_master_data(&cu, &co, 1, 50).unwrap();
        let mut r = csv::Reader::from_path(&cu).unwrap();
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>().join(","),
            "customer_id,salutation,first_name,last_name,birth_date,street,house_number,postcode,city,email,phone,iban"
        );
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 50);
        let date = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}$").unwrap();
        let mut names: HashMap<(String, String), Vec<String>> = HashMap::new();
        for row in &rows {
            assert!(date.is_match(&row[4]));
            assert!(row[1] == *"Herr" || row[1] == *"Frau");
            assert!(iban_is_valid(&row[11]));
            names
                .entry((row[2].to_string(), row[3].to_string()))
                .or_default()
                .push(row[7].to_string());
        }
        assert!(rows.iter().any(|r| r[3].starts_with("von ")));
        assert!(rows.iter().any(|r| r[3].contains('-')));
        assert!(rows
            .iter()
            .any(|r| r[3].chars().any(|c| "äöüß".contains(c))));
        assert!(names.values().any(|pcs| pcs.len() == 2 && pcs[0] != pcs[1]));
        let mut r = csv::Reader::from_path(&co).unwrap();
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>().join(","),
            "contract_id,customer_id,product,status,start_date"
        );
        let mut per: HashMap<String, usize> = HashMap::new();
        for row in r.records().map(Result::unwrap) {
            assert!(people::PRODUCTS.contains(&&row[2]));
            assert!(row[3] == *"active" || row[3] == *"cancelled");
            assert!(date.is_match(&row[4]));
            *per.entry(row[1].to_string()).or_default() += 1;
        }
        assert_eq!(per.len(), 50);
        assert!(per.values().all(|n| (1..=4).contains(n)));
    }

    #[test]
    fn sample_set_is_small_and_parses() {
        let dir = tempfile::tempdir().unwrap();
        write_sample_set(dir.path()).unwrap();
        let truth = read_truth(dir.path());
        assert_eq!(truth.len(), 14);
        let parser = MessageParser::default();
        for t in &truth {
            let file = t["file"].as_str().unwrap();
            let bytes = fs::read(dir.path().join(file)).unwrap();
            assert!(bytes.len() < 50_000, "{file} is {} bytes", bytes.len());
            if file.ends_with(".eml") {
                let msg = parser.parse(&bytes).unwrap();
                assert!(msg.subject().is_some_and(|s| !s.is_empty()));
                let names: Vec<&str> = msg
                    .attachments()
                    .map(|p| p.attachment_name().unwrap_or(""))
                    .collect();
                let want: Vec<&str> = t["attachments"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                assert_eq!(names, want, "{file}");
            } else {
                let doc = Document::load_mem(&bytes).unwrap();
                let text = doc.extract_text(&[1]).unwrap();
                assert!(
                    text.contains("Grüße") || text.contains("MfG"),
                    "{file}: {text}"
                );
            }
        }
        let raw = |f: &str| fs::read(dir.path().join("mail").join(f)).unwrap();
        let latin = raw("02-complaint-latin1-qp.eml");
        assert!(String::from_utf8_lossy(&latin).contains("charset=\"iso-8859-1\""));
        let msg = parser.parse(&latin).unwrap();
        let body = msg.body_text(0).unwrap();
        assert!(!body.contains("Beschwerde"));
        assert!(body.contains("Grüße") || body.contains("MfG"), "{body}");
        let news = raw("03-newsletter-html-only.eml");
        let msg = parser.parse(&news).unwrap();
        assert!(msg.body_html(0).unwrap().contains("Elementarsch"));
        assert_eq!(msg.text_body_count(), 1); // mail-parser derives text from html
        let reply = raw("06-reply-in-reply-to.eml");
        let msg = parser.parse(&reply).unwrap();
        assert!(msg.in_reply_to().as_text().is_some());
        assert!(msg
            .subject()
            .unwrap()
            .starts_with("AW: Ihre Schadenmeldung S-"));
        let fwd = raw("07-forwarded-rfc822.eml");
        let msg = parser.parse(&fwd).unwrap();
        let nested = msg
            .attachments()
            .find_map(|p| p.message())
            .expect("nested message");
        assert!(nested.subject().unwrap().contains("ndigung"));
        let png = raw("05-invoice-pdf-and-photo.eml");
        let msg = parser.parse(&png).unwrap();
        let photo = msg
            .attachments()
            .find(|p| p.is_content_type("image", "png"))
            .unwrap();
        assert_eq!(photo.attachment_name(), Some("Schadenfoto_Küche.png"));
        assert!(photo.contents().starts_with(b"\x89PNG"));
    }

    /// Regenerates the committed sample set: `cargo test --lib -- --ignored write_committed_samples`.
    #[test]
    #[ignore]
    fn write_committed_samples() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        write_sample_set(&dir).unwrap();
    }

    /// Writes a corpus plus master data to `$INTAKE_CORPUS_DIR` (emails/pdfs/seed/customers
    /// from `$INTAKE_CORPUS_EMAILS`, `_PDFS`, `_SEED`, `_CUSTOMERS`):
    /// `INTAKE_CORPUS_DIR=/tmp/corpus cargo test --lib -- --ignored write_corpus_from_env`.
    #[test]
    #[ignore]
    fn write_corpus_from_env() {
        let var = |k: &str, d: u64| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        let dir = std::path::PathBuf::from(
            std::env::var("INTAKE_CORPUS_DIR").expect("set INTAKE_CORPUS_DIR"),
        );
        let spec = CorpusSpec {
            emails: var("INTAKE_CORPUS_EMAILS", 1000) as usize,
            pdfs: var("INTAKE_CORPUS_PDFS", 100) as usize,
            seed: var("INTAKE_CORPUS_SEED", 1),
            customers: var("INTAKE_CORPUS_CUSTOMERS", 200) as usize,
        };
        let s = generate_corpus(&dir, &spec).unwrap();
        write_master_data(
            &dir.join("customers.csv"),
            &dir.join("contracts.csv"),
            spec.seed,
            effective_customers(spec.customers),
        )
        .unwrap();
        eprintln!("{s:?}");
    }

    /// Benchmark input size: `cargo test --release --lib -- --ignored --nocapture bench_corpus`.
    #[test]
    #[ignore]
    fn bench_corpus() {
        let dir = tempfile::tempdir().unwrap();
        let t = std::time::Instant::now();
        let s = generate_corpus(
            dir.path(),
            &CorpusSpec {
                emails: 10_000,
                pdfs: 1_000,
                seed: 1,
                customers: 200,
            },
        )
        .unwrap();
        eprintln!("{s:?} in {:?}", t.elapsed());
    }
}
