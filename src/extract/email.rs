//! E-mail reading (RFC 5322 / MIME) with mail-parser.
//!
//! Owns: header metadata ([`EmailMeta`]), body text (plain parts, or HTML turned into text with
//! html2text), attachment listing with safe display names, and recursion into attachments.
//! Takes: the raw message bytes, [`Limits`] and the current nesting depth.
//! Gives: an [`Extraction`] of media type e-mail whose attachments carry their own
//! extraction results (depth + 1), or `MalformedEmail` / `TooManyAttachments`.

use super::{
    extract_at, Address, Attachment, EmailMeta, ExtractError, Extraction, Limits, MediaType,
};
use mail_parser::decoders::{base64::base64_decode, quoted_printable::quoted_printable_decode};
use mail_parser::{
    Encoding, HeaderName, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType,
};

mod automated;
use automated::automated;

pub(super) fn extract_email(
    bytes: &[u8],
    limits: &Limits,
    depth: u32,
) -> Result<Extraction, ExtractError> {
    let message = MessageParser::default()
        .parse(bytes)
        .ok_or_else(|| ExtractError::MalformedEmail("not a parsable e-mail message".into()))?;

    // A body that mail-parser could not place (e.g. "multipart" without its boundary) is the
    // root part itself: read it as the body rather than as an attachment.
    let root = message.parts.first();
    let root_is_body = message.text_body_count() == 0
        && message.html_body_count() == 0
        && root.is_some_and(|part| matches!(part.body, PartType::Text(_) | PartType::Html(_)));
    let attachment_ids: Vec<u32> = message
        .attachments
        .iter()
        .copied()
        .filter(|&id| !(root_is_body && id == 0))
        .collect();
    let count = attachment_ids.len();
    if count > limits.max_attachments as usize {
        return Err(ExtractError::TooManyAttachments {
            count,
            limit: limits.max_attachments,
        });
    }

    let mut extraction = Extraction::new(MediaType::Email, String::new());
    let bodies: Vec<&MessagePart<'_>> = if root_is_body {
        root.into_iter().collect()
    } else if message.text_body_count() > 0 {
        message.text_bodies().collect()
    } else {
        message.html_bodies().collect()
    };
    extraction.text = body_text(&bodies, &mut extraction.warnings);
    extraction.email = Some(meta(&message));
    let declared_multipart = root
        .and_then(|part| part.content_type())
        .is_some_and(|ct| ct.c_type.eq_ignore_ascii_case("multipart"));
    // (mail-parser also flags a mail without any body; that is not damage.)
    let damaged = message.parts.iter().any(|part| {
        part.is_encoding_problem && !matches!(&part.body, PartType::Text(text) if text.is_empty())
    }) || declared_multipart
        && !root.is_some_and(|part| matches!(part.body, PartType::Multipart(_)));
    if damaged {
        extraction.warnings.push(
            "the e-mail's MIME structure is damaged; some parts were read as raw text".into(),
        );
    }
    extraction.attachments = attachment_ids
        .iter()
        .filter_map(|&id| message.part(id))
        .map(|part| attachment(&message, part, limits, depth))
        .collect();
    Ok(extraction)
}

fn meta(message: &Message<'_>) -> EmailMeta {
    let addresses = |name: HeaderName<'static>| -> Vec<Address> {
        message
            .header_values(name)
            .filter_map(HeaderValue::as_address)
            .flat_map(|address| address.iter())
            .map(|addr| Address {
                name: addr.name().map(str::to_string),
                email: addr.address().map(str::to_string),
            })
            .collect()
    };
    let ids = |value: &HeaderValue<'_>| -> Vec<String> {
        value
            .as_text_list()
            .unwrap_or_default()
            .iter()
            .map(|id| strip_angles(id))
            .filter(|id| !id.is_empty())
            .collect()
    };
    EmailMeta {
        from: addresses(HeaderName::From),
        reply_to: addresses(HeaderName::ReplyTo),
        to: addresses(HeaderName::To),
        cc: addresses(HeaderName::Cc),
        subject: message.subject().map(str::to_string),
        date: message.date().and_then(to_chrono),
        message_id: message
            .message_id()
            .map(strip_angles)
            .filter(|id| !id.is_empty()),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
        automated: automated(message),
    }
}

fn strip_angles(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string()
}

fn to_chrono(date: &mail_parser::DateTime) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let sign = if date.tz_before_gmt { -1 } else { 1 };
    let offset = chrono::FixedOffset::east_opt(
        sign * (i32::from(date.tz_hour) * 3600 + i32::from(date.tz_minute) * 60),
    )?;
    let naive = chrono::NaiveDate::from_ymd_opt(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    )?
    .and_hms_opt(
        u32::from(date.hour),
        u32::from(date.minute),
        u32::from(date.second),
    )?;
    naive.and_local_timezone(offset).single()
}

/// The body parts' text joined; HTML made readable.
fn body_text(bodies: &[&MessagePart<'_>], warnings: &mut Vec<String>) -> String {
    let texts: Vec<String> = bodies
        .iter()
        .filter_map(|part| match &part.body {
            PartType::Text(text) => Some(text.trim_end().to_string()),
            PartType::Html(html) => Some(html_to_text(html, warnings)),
            _ => None,
        })
        .filter(|text| !text.trim().is_empty())
        .collect();
    texts.join("\n\n")
}

fn html_to_text(html: &str, warnings: &mut Vec<String>) -> String {
    match html2text::config::plain().string_from_read(html.as_bytes(), 100) {
        Ok(text) => text.trim_end().to_string(),
        Err(error) => {
            warnings.push(format!(
                "HTML body could not be converted cleanly ({error}); tags were stripped"
            ));
            mail_parser::decoders::html::html_to_text(html)
        }
    }
}

fn attachment(
    message: &Message<'_>,
    part: &MessagePart<'_>,
    limits: &Limits,
    depth: u32,
) -> Attachment {
    let filename = part
        .attachment_name()
        .and_then(crate::model::display_file_name);
    let declared_type = part.content_type().map(|ct| {
        match &ct.c_subtype {
            Some(sub) => format!("{}/{}", ct.c_type, sub),
            None => ct.c_type.to_string(),
        }
        .to_ascii_lowercase()
    });
    let bytes = match &part.body {
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => bytes.to_vec(),
        // Prefer the original bytes (original charset, raw nested message); fall back to
        // what mail-parser decoded.
        PartType::Text(text) | PartType::Html(text) => {
            raw_part(message, part).unwrap_or_else(|| text.as_bytes().to_vec())
        }
        PartType::Message(nested) => {
            raw_part(message, part).unwrap_or_else(|| nested.raw_message.to_vec())
        }
        PartType::Multipart(_) => Vec::new(),
    };
    let content = extract_at(&bytes, filename.as_deref(), limits, depth.saturating_add(1));
    Attachment {
        filename,
        declared_type,
        bytes,
        content,
    }
}

/// The part's body from the raw message, with the transfer encoding undone.
fn raw_part(message: &Message<'_>, part: &MessagePart<'_>) -> Option<Vec<u8>> {
    let raw = message
        .raw_message
        .get(part.offset_body as usize..part.offset_end as usize)?;
    match part.encoding {
        Encoding::Base64 => base64_decode(raw),
        Encoding::QuotedPrintable => quoted_printable_decode(raw),
        Encoding::None => Some(raw.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{extract, pdf::tests::test_pdf};
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    fn parse(mail: &[u8]) -> Extraction {
        let ex = extract(mail, Some("mail.eml"), &limits()).expect("mail extracts");
        assert_eq!(ex.media_type, MediaType::Email);
        ex
    }

    fn b64(data: &[u8]) -> String {
        const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
            if out.len() % 77 == 76 {
                out.push('\n');
            }
        }
        out
    }

    #[test]
    fn latin1_quoted_printable_and_encoded_subject() {
        let mail = b"Return-Path: <kunde@example.de>\r\n\
From: =?iso-8859-1?Q?J=FCrgen_M=FCller?= <juergen@example.de>\r\n\
To: Schaden <schaden@versicherung.de>, info@versicherung.de\r\n\
Cc: Team: a@example.de, b@example.de;\r\n\
Subject: =?iso-8859-1?Q?K=FCndigung?=\r\n\
Date: Tue, 5 Mar 2024 14:30:00 +0100\r\n\
Message-ID: <abc123@example.de>\r\n\
In-Reply-To: <prev@versicherung.de>\r\n\
References: <first@versicherung.de> <prev@versicherung.de>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Sehr geehrte Damen und Herren,\r\n\
hiermit k=FCndige ich meinen Vertrag zum n=E4chstm=F6glichen Termin. Gr=FC=DFe\r\n";
        let ex = parse(mail);
        assert_eq!(
            ex.text,
            "Sehr geehrte Damen und Herren,\r\nhiermit kündige ich meinen Vertrag zum nächstmöglichen Termin. Grüße"
        );
        let meta = ex.email.expect("meta");
        assert_eq!(meta.subject.as_deref(), Some("Kündigung"));
        assert_eq!(meta.from.len(), 1);
        assert_eq!(meta.from[0].name.as_deref(), Some("Jürgen Müller"));
        assert_eq!(meta.from[0].email.as_deref(), Some("juergen@example.de"));
        let to: Vec<_> = meta
            .to
            .iter()
            .map(|a| a.email.clone().unwrap_or_default())
            .collect();
        assert_eq!(to, ["schaden@versicherung.de", "info@versicherung.de"]);
        let cc: Vec<_> = meta
            .cc
            .iter()
            .map(|a| a.email.clone().unwrap_or_default())
            .collect();
        assert_eq!(cc, ["a@example.de", "b@example.de"], "groups are flattened");
        assert_eq!(
            meta.date.map(|d| d.to_rfc3339()).as_deref(),
            Some("2024-03-05T14:30:00+01:00")
        );
        assert_eq!(meta.message_id.as_deref(), Some("abc123@example.de"));
        assert_eq!(meta.in_reply_to, ["prev@versicherung.de"]);
        assert_eq!(
            meta.references,
            ["first@versicherung.de", "prev@versicherung.de"]
        );
        assert!(ex.attachments.is_empty());
        assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    }

    #[test]
    fn a_contact_forms_mail_names_the_writer_in_reply_to() {
        let mail = b"From: \"Kontaktformular\" <noreply@portal.example>\r\n\
Reply-To: Carola.Beispiel@Example.de\r\nTo: service@versicherung.de\r\nSubject: Anfrage\r\n\r\n\
Neue Nachricht ueber das Kontaktformular\r\n";
        let meta = parse(mail).email.expect("meta");
        assert_eq!(
            meta.reply_to[0].email.as_deref(),
            Some("Carola.Beispiel@Example.de")
        );
        assert_eq!(
            meta.sender_emails(),
            ["noreply@portal.example", "carola.beispiel@example.de"]
        );
        // Without Reply-To only From; the same address twice counts once.
        let mail = b"From: a@example.de\r\nReply-To: A@example.de\r\nTo: b@example.de\r\n\r\nx\r\n";
        assert_eq!(parse(mail).email.unwrap().sender_emails(), ["a@example.de"]);
    }

    #[test]
    fn windows_1252_and_iso_8859_15_bodies() {
        let mail = b"From: a@example.de\r\nTo: b@example.de\r\nSubject: Rechnung\r\n\
Content-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
Betrag: 100 \x80 f\xFCr \x84Kasko\x93\r\n";
        assert_eq!(parse(mail).text, "Betrag: 100 € für „Kasko“");

        let mail = b"From: a@example.de\r\nTo: b@example.de\r\nSubject: Rechnung\r\n\
Content-Type: text/plain; charset=ISO-8859-15\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
100 \xA4 Gr\xFC\xDFe\r\n";
        assert_eq!(parse(mail).text, "100 € Grüße");
    }

    #[test]
    fn html_only_mail_becomes_text() {
        let mail = b"From: a@example.de\r\nTo: b@example.de\r\nSubject: HTML\r\n\
MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
<html><head><style>p {color: red}</style></head><body><p>Sehr geehrte Damen und Herren,</p>\
<p>anbei die <b>Schadenmeldung</b> &amp; Fotos.</p></body></html>\r\n";
        let ex = parse(mail);
        assert!(
            ex.text.contains("Sehr geehrte Damen und Herren,"),
            "{}",
            ex.text
        );
        assert!(
            ex.text.contains("anbei die Schadenmeldung & Fotos."),
            "{}",
            ex.text
        );
        assert!(!ex.text.contains('<'), "{}", ex.text);
        assert!(ex.attachments.is_empty());
    }

    #[test]
    fn alternative_bodies_are_not_attachments() {
        let mail = b"From: a@example.de\r\nTo: b@example.de\r\nSubject: Alt\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n\
--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNur Text\r\n\
--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Nur HTML</p>\r\n--alt--\r\n";
        let ex = parse(mail);
        assert_eq!(ex.text, "Nur Text");
        assert!(ex.attachments.is_empty());
    }

    fn mail_with_attachments() -> Vec<u8> {
        let pdf = test_pdf(&["Sehr geehrte Damen und Herren, Kündigung Straße"]);
        format!(
            "From: kunde@example.de\r\nTo: schaden@versicherung.de\r\nSubject: Unterlagen\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n\
--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAnbei die Unterlagen.\r\n\
--XYZ\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\
Content-Disposition: attachment; filename*=UTF-8''Schadenmeldung%20M%C3%BCller.pdf\r\n\r\n{}\r\n\
--XYZ\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\
Content-Disposition: attachment; filename=\"/etc/passwd\"\r\n\r\nroot:x:0:0:K=F6nig:/root\r\n\
--XYZ\r\nContent-Type: application/octet-stream; name=\"../../boot.ini\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n\
--XYZ\r\nContent-Type: image/png\r\nContent-Disposition: inline; filename=\"..\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--XYZ--\r\n",
            b64(&pdf),
            b64(b"[boot loader]\r\ntimeout=30\r\n"),
            b64(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0"),
        )
        .into_bytes()
    }

    #[test]
    fn attachments_are_listed_named_safely_and_extracted() {
        let ex = parse(&mail_with_attachments());
        assert_eq!(ex.text, "Anbei die Unterlagen.");
        assert_eq!(ex.attachments.len(), 4);

        let pdf = &ex.attachments[0];
        assert_eq!(pdf.filename.as_deref(), Some("Schadenmeldung Müller.pdf"));
        assert_eq!(pdf.declared_type.as_deref(), Some("application/pdf"));
        assert!(pdf.bytes.starts_with(b"%PDF-"));
        let content = pdf.content.as_ref().expect("pdf extracts");
        assert_eq!(content.media_type, MediaType::Pdf);
        assert!(
            content.text.contains("Kündigung Straße"),
            "{}",
            content.text
        );

        let passwd = &ex.attachments[1];
        assert_eq!(passwd.filename.as_deref(), Some("passwd"));
        assert_eq!(passwd.declared_type.as_deref(), Some("text/plain"));
        assert_eq!(
            passwd.bytes, b"root:x:0:0:K\xF6nig:/root",
            "original charset bytes"
        );
        let content = passwd.content.as_ref().expect("text extracts");
        assert_eq!(content.media_type, MediaType::PlainText);
        assert_eq!(content.text, "root:x:0:0:König:/root");

        let boot = &ex.attachments[2];
        assert_eq!(boot.filename.as_deref(), Some("boot.ini"));
        assert_eq!(boot.bytes, b"[boot loader]\r\ntimeout=30\r\n");

        let image = &ex.attachments[3];
        assert_eq!(image.filename, None);
        let content = image.content.as_ref().expect("png extracts");
        assert_eq!(content.media_type, MediaType::Png);
        assert_eq!(content.pages_needing_ocr, vec![1]);
    }

    #[test]
    fn too_many_attachments_fails_the_mail() {
        let few = Limits {
            max_attachments: 3,
            ..limits()
        };
        let err = extract(&mail_with_attachments(), None, &few).unwrap_err();
        assert_eq!(err, ExtractError::TooManyAttachments { count: 4, limit: 3 });
    }

    fn nested_mail() -> Vec<u8> {
        b"From: makler@example.de\r\nTo: schaden@versicherung.de\r\nSubject: Fwd: Schaden\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
--outer\r\nContent-Type: text/plain\r\n\r\nWeitergeleitet.\r\n\
--outer\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"original.eml\"\r\n\r\n\
From: kunde@example.de\r\nTo: makler@example.de\r\nSubject: Schaden\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n\
--inner\r\nContent-Type: text/plain\r\n\r\nMein Auto ist kaputt.\r\n\
--inner\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"foto.txt\"\r\n\r\n\
Beschreibung des Fotos\r\n--inner--\r\n\
\r\n--outer--\r\n"
            .to_vec()
    }

    #[test]
    fn nested_message_is_extracted_recursively() {
        let ex = parse(&nested_mail());
        assert_eq!(ex.text, "Weitergeleitet.");
        assert_eq!(ex.attachments.len(), 1);
        let nested = &ex.attachments[0];
        assert_eq!(nested.filename.as_deref(), Some("original.eml"));
        assert_eq!(nested.declared_type.as_deref(), Some("message/rfc822"));
        assert!(nested.bytes.starts_with(b"From: kunde@example.de"));
        let inner = nested.content.as_ref().expect("nested mail extracts");
        assert_eq!(inner.media_type, MediaType::Email);
        assert_eq!(inner.text, "Mein Auto ist kaputt.");
        assert_eq!(
            inner.email.as_ref().and_then(|m| m.subject.as_deref()),
            Some("Schaden")
        );
        assert_eq!(inner.attachments.len(), 1);
        let foto = &inner.attachments[0];
        assert_eq!(foto.filename.as_deref(), Some("foto.txt"));
        let foto = foto.content.as_ref().expect("text extracts");
        assert_eq!(foto.text.trim_end(), "Beschreibung des Fotos");
    }

    #[test]
    fn nesting_beyond_the_limit_is_too_deep() {
        let shallow = Limits {
            max_mime_depth: 1,
            ..limits()
        };
        let ex = extract(&nested_mail(), None, &shallow).expect("outer mail still extracts");
        let inner = ex.attachments[0]
            .content
            .as_ref()
            .expect("depth 1 is allowed");
        assert_eq!(
            inner.attachments[0].content.as_ref().unwrap_err(),
            &ExtractError::TooDeep { depth: 2, limit: 1 }
        );
    }

    #[test]
    fn broken_mime_still_gives_headers_and_text() {
        let mail = b"From: kunde@example.de\r\nTo: schaden@versicherung.de\r\nSubject: Kaputt\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"never-used\"\r\n\r\n\
Hier ist der Text ohne jede Grenze.\r\n";
        let ex = parse(mail);
        assert_eq!(
            ex.email.as_ref().and_then(|m| m.subject.as_deref()),
            Some("Kaputt")
        );
        assert_eq!(ex.text, "Hier ist der Text ohne jede Grenze.");
        assert!(ex.attachments.is_empty(), "the body is not an attachment");
        assert_eq!(
            ex.warnings,
            ["the e-mail's MIME structure is damaged; some parts were read as raw text"]
        );

        let mail = b"From: kunde@example.de\r\nTo: schaden@versicherung.de\r\nSubject: Halb\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nAnfang\r\n\
--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLj";
        let ex = parse(mail);
        assert_eq!(ex.text, "Anfang");
        assert_eq!(ex.attachments.len(), 1);
        // The cut-off base64 cannot be decoded; mail-parser keeps the raw text.
        assert_eq!(
            ex.attachments[0].declared_type.as_deref(),
            Some("application/pdf")
        );
        assert_eq!(ex.attachments[0].bytes, b"JVBERi0xLj");
        assert_eq!(
            ex.warnings,
            ["the e-mail's MIME structure is damaged; some parts were read as raw text"]
        );
    }

    #[test]
    fn headers_only_mail_has_empty_text() {
        let ex = parse(b"From: a@example.de\r\nSubject: leer\r\n");
        assert_eq!(ex.text, "");
        assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
        assert_eq!(ex.email.and_then(|m| m.subject), Some("leer".into()));
    }

    #[test]
    fn hostile_mails_do_not_panic() {
        let mut seed = 0x9E37_79B9_u32;
        for original in [mail_with_attachments(), nested_mail()] {
            for round in 0..300 {
                let mut bytes = original.clone();
                for _ in 0..1 + round % 6 {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    let at = seed as usize % bytes.len();
                    let pool = b"\r\n-:;=\"<>/ ab\xFF";
                    bytes[at] = pool[(seed >> 24) as usize % pool.len()];
                }
                let cut = seed as usize % bytes.len();
                let _ = extract(&bytes, None, &limits());
                let _ = extract(&bytes[..cut], None, &limits());
            }
        }
    }

    #[test]
    fn filenames_are_sanitized() {
        assert_eq!(
            crate::model::display_file_name("/etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            crate::model::display_file_name("..\\..\\x.pdf").as_deref(),
            Some("x.pdf")
        );
        assert_eq!(
            crate::model::display_file_name("../../boot.ini").as_deref(),
            Some("boot.ini")
        );
        assert_eq!(crate::model::display_file_name(".."), None);
        assert_eq!(crate::model::display_file_name("dir/"), None);
        assert_eq!(crate::model::display_file_name(" \u{7}\r\n "), None);
        assert_eq!(
            crate::model::display_file_name("a\u{0}b\tc.pdf").as_deref(),
            Some("abc.pdf")
        );
        let long = format!("{}.pdf", "ü".repeat(200));
        let cut = crate::model::display_file_name(&long).expect("kept");
        assert!(cut.len() <= 255 && cut.ends_with("ü.pdf"), "{cut}");
    }
}
