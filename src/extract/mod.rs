//! Extraction: turns the bytes of one inbound item into readable parts.
//!
//! Owns the public types ([`Extraction`], [`EmailMeta`], [`Attachment`], [`ExtractError`],
//! [`Limits`]), content sniffing (by content, never by file name), dispatch to the e-mail and
//! PDF readers, and plain text / image handling.
//! Takes: raw bytes, an optional file name (used only for a warning when name and content
//! disagree) and [`Limits`].
//! Gives: an [`Extraction`] (text, page facts, pages needing OCR, e-mail metadata, recursively
//! extracted attachments, warnings) or an [`ExtractError`] worded for a mailroom clerk.
//! Pure functions: no I/O, no async.

pub mod einvoice;
mod email;
pub mod pdf;

pub use einvoice::EInvoice;

pub use pdf::PAGE_BREAK;

use std::borrow::Cow;
use std::collections::HashSet;

/// Bounds that keep hostile input from using unbounded time or memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Deepest allowed nesting of attachments (the top-level item is depth 0).
    pub max_mime_depth: u32,
    /// Most attachments one e-mail may carry (direct attachments, per message).
    pub max_attachments: u32,
    /// Most pages a PDF (or multi-page TIFF) may have.
    pub max_pages: u32,
    /// Longest text kept per part, in characters; longer text is cut and a warning added.
    pub max_text_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_mime_depth: 8,
            max_attachments: 100,
            max_pages: 2000,
            max_text_chars: 2_000_000,
        }
    }
}

/// The kind of content, detected from the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    Email,
    Pdf,
    PlainText,
    /// E-invoice XML (XRechnung, CII or UBL); other XML is plain text.
    Xml,
    Png,
    Jpeg,
    Tiff,
}

impl MediaType {
    /// The MIME type string for this media type.
    pub fn mime(&self) -> &'static str {
        match self {
            MediaType::Email => "message/rfc822",
            MediaType::Pdf => "application/pdf",
            MediaType::PlainText => "text/plain",
            MediaType::Xml => "application/xml",
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Tiff => "image/tiff",
        }
    }
}

/// What could be read from one part.
#[derive(Debug, Clone)]
pub struct Extraction {
    pub media_type: MediaType,
    /// Readable text. E-mail: the body text; PDF: one segment per page joined with "\n\f\n"
    /// (pages needing OCR give an empty segment); images: empty.
    pub text: String,
    /// PDF pages; images `Some(1)` (TIFF: number of images in the file); otherwise `None`.
    pub pages: Option<u32>,
    /// 1-based numbers of pages without usable text (images: all pages).
    pub pages_needing_ocr: Vec<u32>,
    pub email: Option<EmailMeta>,
    /// Only for e-mails.
    pub attachments: Vec<Attachment>,
    /// Partial problems, in plain words.
    pub warnings: Vec<String>,
    /// The e-invoice read from XML: the file itself, or the XML embedded in a PDF.
    pub invoice: Option<EInvoice>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct EmailMeta {
    pub from: Vec<Address>,
    /// Where answers go: on a portal's or contact form's mail (From: the portal) the writer's
    /// own address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reply_to: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub subject: Option<String>,
    pub date: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// Sent by a machine (auto-reply, mailing list, flagged spam), as its headers say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated: Option<crate::model::AutomatedMail>,
}

impl EmailMeta {
    /// The writer's addresses, lower case: From, then Reply-To (a contact form's mail comes
    /// from the portal and carries the writer in Reply-To), without repeats.
    pub fn sender_emails(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for a in self.from.iter().chain(&self.reply_to) {
            if let Some(e) = &a.email {
                let e = e.trim().to_lowercase();
                if !e.is_empty() && !out.contains(&e) {
                    out.push(e);
                }
            }
        }
        out
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Address {
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Attachment {
    /// Display name only: decoded, last path component, no control chars, never empty,
    /// at most 255 bytes.
    pub filename: Option<String>,
    /// MIME type as declared in the header, lower-case, e.g. "application/pdf".
    pub declared_type: Option<String>,
    /// Decoded attachment bytes (nested message/rfc822: the raw message).
    pub bytes: Vec<u8>,
    /// Recursive extraction; a bad attachment is data here, not a failure of the e-mail.
    pub content: Result<Extraction, ExtractError>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("empty file (0 bytes)")]
    Empty,
    #[error("unsupported type: {detected}")]
    Unsupported { detected: String },
    #[error("e-mail could not be read: {0}")]
    MalformedEmail(String),
    #[error("PDF could not be read: {0}")]
    MalformedPdf(String),
    #[error("PDF is encrypted with a password")]
    EncryptedPdf,
    #[error("attachments are nested too deeply (level {depth}, limit {limit})")]
    TooDeep { depth: u32, limit: u32 },
    #[error("too many attachments ({count}, limit {limit})")]
    TooManyAttachments { count: usize, limit: u32 },
    #[error("too many pages ({pages}, limit {limit})")]
    TooManyPages { pages: u32, limit: u32 },
}

/// Detects what `bytes` are (by content) and extracts their readable parts.
pub fn extract(
    bytes: &[u8],
    name_hint: Option<&str>,
    limits: &Limits,
) -> Result<Extraction, ExtractError> {
    extract_at(bytes, name_hint, limits, 0)
}

/// [`extract`] for a part nested `depth` levels deep.
fn extract_at(
    bytes: &[u8],
    name_hint: Option<&str>,
    limits: &Limits,
    depth: u32,
) -> Result<Extraction, ExtractError> {
    if depth > limits.max_mime_depth {
        return Err(ExtractError::TooDeep {
            depth,
            limit: limits.max_mime_depth,
        });
    }
    let mut extraction = match sniff(bytes) {
        Sniffed::Empty => return Err(ExtractError::Empty),
        Sniffed::Unsupported(detected) => return Err(ExtractError::Unsupported { detected }),
        Sniffed::Email => email::extract_email(bytes, limits, depth)?,
        Sniffed::Pdf => pdf::extract_pdf(bytes, limits)?,
        Sniffed::Text(text) => text_or_invoice(bytes, text),
        Sniffed::Image(media_type) => image(media_type, bytes, limits)?,
    };
    truncate_text(&mut extraction, limits.max_text_chars);
    if let Some(warning) = name_mismatch(name_hint, extraction.media_type) {
        extraction.warnings.push(warning);
    }
    Ok(extraction)
}

impl Extraction {
    fn new(media_type: MediaType, text: String) -> Self {
        Extraction {
            media_type,
            text,
            pages: None,
            pages_needing_ocr: Vec::new(),
            email: None,
            attachments: Vec::new(),
            warnings: Vec::new(),
            invoice: None,
        }
    }
}

/// Text, unless it is e-invoice XML: then the invoice's fields, as readable text too. XML that
/// looks like an invoice but cannot be used stays text, with the reason as a warning.
fn text_or_invoice(bytes: &[u8], text: String) -> Extraction {
    if !einvoice::candidate(bytes) {
        return Extraction::new(MediaType::PlainText, text);
    }
    match einvoice::parse(bytes, "xml") {
        Ok(invoice) => {
            let mut extraction = Extraction::new(MediaType::Xml, invoice.readable_text());
            extraction.invoice = Some(invoice);
            extraction
        }
        Err(e) => {
            let mut extraction = Extraction::new(MediaType::PlainText, text);
            extraction
                .warnings
                .push(format!("e-invoice XML could not be read: {e}"));
            extraction
        }
    }
}

#[derive(Debug, PartialEq)]
enum Sniffed {
    Empty,
    Email,
    Pdf,
    Image(MediaType),
    Text(String),
    Unsupported(String),
}

/// Content sniffing; the order matters: e-mail headers are checked before the PDF marker
/// (a mail may quote "%PDF-" early), magic numbers before text.
fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.is_empty() {
        return Sniffed::Empty;
    }
    if looks_like_email(bytes) {
        return Sniffed::Email;
    }
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Sniffed::Pdf;
    }
    let inferred = infer::get(bytes);
    match inferred.map(|t| t.mime_type()) {
        Some("image/png") => return Sniffed::Image(MediaType::Png),
        Some("image/jpeg") => return Sniffed::Image(MediaType::Jpeg),
        Some("image/tiff") => return Sniffed::Image(MediaType::Tiff),
        _ => {}
    }
    // infer's text matchers (html, xml, shell script) are still text for us.
    let is_binary_type = inferred.is_some_and(|t| t.matcher_type() != infer::MatcherType::Text);
    if !is_binary_type {
        if let Some(text) = decode_text(bytes) {
            return Sniffed::Text(text);
        }
    }
    Sniffed::Unsupported(
        inferred
            .map_or("application/octet-stream", |t| t.mime_type())
            .to_string(),
    )
}

const KNOWN_HEADERS: &[&str] = &[
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "mime-version",
    "delivered-to",
    "reply-to",
    "sender",
    "content-type",
    "content-transfer-encoding",
    "in-reply-to",
    "references",
    "user-agent",
];

/// True if the bytes start with RFC 5322 header lines: the first non-empty line (after an
/// optional mbox "From " line) is `Name: value` and at least two known header names appear
/// before the first blank line.
fn looks_like_email(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    let mut lines = head
        .lines()
        .skip_while(|line| line.trim().is_empty())
        .peekable();
    if lines.peek().is_some_and(|line| line.starts_with("From ")) {
        lines.next();
    }
    let mut known = 0;
    for (index, line) in lines.enumerate() {
        if line.trim().is_empty() {
            break;
        }
        let name = line.split_once(':').map(|(name, _)| name);
        let is_token =
            name.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic()));
        if index == 0 && !is_token {
            return false;
        }
        if let Some(name) = name.filter(|_| is_token) {
            let name = name.to_ascii_lowercase();
            if KNOWN_HEADERS.contains(&name.as_str()) || name.starts_with("x-") {
                known += 1;
            }
        }
    }
    known >= 2
}

/// Decodes text: a Unicode BOM wins; else UTF-8; else Windows-1252. Rejects NUL bytes and
/// text with more than 2% control characters.
fn decode_text(bytes: &[u8]) -> Option<String> {
    let text: Cow<'_, str> =
        if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
            let (text, had_errors) = encoding.decode_without_bom_handling(bytes.get(bom_len..)?);
            if had_errors {
                return None;
            }
            text
        } else if bytes.contains(&0) {
            return None;
        } else {
            match std::str::from_utf8(bytes) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) => {
                    encoding_rs::WINDOWS_1252
                        .decode_without_bom_handling(bytes)
                        .0
                }
            }
        };
    let total = text.chars().count();
    let bad = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c'))
        .count();
    (bad * 50 <= total).then(|| text.into_owned())
}

fn image(media_type: MediaType, bytes: &[u8], limits: &Limits) -> Result<Extraction, ExtractError> {
    let pages = if media_type == MediaType::Tiff {
        tiff_pages(bytes, limits.max_pages)
    } else {
        1
    };
    if pages > limits.max_pages {
        return Err(ExtractError::TooManyPages {
            pages,
            limit: limits.max_pages,
        });
    }
    let mut extraction = Extraction::new(media_type, String::new());
    extraction.pages = Some(pages);
    extraction.pages_needing_ocr = (1..=pages).collect();
    Ok(extraction)
}

/// Counts the image file directories of a (classic) TIFF, stopping after `max + 1`;
/// anything unreadable counts as one page.
fn tiff_pages(bytes: &[u8], max: u32) -> u32 {
    let little_endian = match bytes.get(..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        _ => return 1,
    };
    let read = |offset: usize, len: usize| -> Option<u32> {
        let field = bytes.get(offset..offset.checked_add(len)?)?;
        let mut value = 0u32;
        for i in 0..len {
            let byte = if little_endian {
                field.get(len - 1 - i)?
            } else {
                field.get(i)?
            };
            value = (value << 8) | u32::from(*byte);
        }
        Some(value)
    };
    let mut seen = HashSet::new();
    let mut offset = read(4, 4);
    let mut pages = 0u32;
    while let Some(ifd) = offset.filter(|&o| o != 0).map(|o| o as usize) {
        if pages > max || !seen.insert(ifd) {
            break;
        }
        let Some(entries) = read(ifd, 2) else { break };
        pages += 1;
        offset = read(ifd + 2 + entries as usize * 12, 4);
    }
    pages.max(1)
}

fn truncate_text(extraction: &mut Extraction, max_chars: usize) {
    if let Some((cut, _)) = extraction.text.char_indices().nth(max_chars) {
        extraction.text.truncate(cut);
        extraction
            .warnings
            .push(format!("text truncated at {max_chars} characters"));
    }
}

/// A warning when the file name's extension promises a different type than the content.
fn name_mismatch(name_hint: Option<&str>, detected: MediaType) -> Option<String> {
    let name = name_hint?;
    let (_, ext) = name.rsplit_once('.')?;
    let expected = match ext.to_ascii_lowercase().as_str() {
        "pdf" => MediaType::Pdf,
        "eml" => MediaType::Email,
        "txt" => MediaType::PlainText,
        "png" => MediaType::Png,
        "jpg" | "jpeg" => MediaType::Jpeg,
        "tif" | "tiff" => MediaType::Tiff,
        _ => return None,
    };
    (expected != detected).then(|| {
        format!(
            "file name \"{name}\" suggests {}, but the content is {}",
            expected.mime(),
            detected.mime()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn empty_input_is_empty_error() {
        let err = extract(b"", None, &limits()).unwrap_err();
        assert_eq!(err, ExtractError::Empty);
        assert_eq!(err.to_string(), "empty file (0 bytes)");
    }

    #[test]
    fn zip_is_unsupported_by_content() {
        let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00!\x00rest of a zip file";
        let err = extract(zip, Some("brief.txt"), &limits()).unwrap_err();
        assert_eq!(
            err,
            ExtractError::Unsupported {
                detected: "application/zip".into()
            }
        );
        assert_eq!(err.to_string(), "unsupported type: application/zip");
    }

    #[test]
    fn random_binary_is_octet_stream() {
        let bytes: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 251) as u8 + 1).collect();
        let err = extract(&bytes, None, &limits()).unwrap_err();
        assert_eq!(
            err,
            ExtractError::Unsupported {
                detected: "application/octet-stream".into()
            }
        );
    }

    #[test]
    fn png_needs_ocr_on_its_single_page() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&[0; 32]);
        let ex = extract(&png, Some("scan.png"), &limits()).unwrap();
        assert_eq!(ex.media_type, MediaType::Png);
        assert_eq!(ex.media_type.mime(), "image/png");
        assert_eq!(ex.pages, Some(1));
        assert_eq!(ex.pages_needing_ocr, vec![1]);
        assert!(ex.text.is_empty());
        assert!(ex.warnings.is_empty());
    }

    #[test]
    fn jpeg_is_detected() {
        let jpeg = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0";
        let ex = extract(jpeg, None, &limits()).unwrap();
        assert_eq!(ex.media_type, MediaType::Jpeg);
        assert_eq!(ex.pages_needing_ocr, vec![1]);
    }

    /// Little-endian TIFF with `n` empty IFDs chained together.
    fn tiff(n: u32) -> Vec<u8> {
        let mut t = b"II*\0".to_vec();
        t.extend_from_slice(&8u32.to_le_bytes());
        for i in 0..n {
            t.extend_from_slice(&0u16.to_le_bytes());
            let next = if i + 1 < n { 8 + (i + 1) * 6 } else { 0 };
            t.extend_from_slice(&next.to_le_bytes());
        }
        t
    }

    #[test]
    fn tiff_pages_are_counted() {
        let ex = extract(&tiff(3), None, &limits()).unwrap();
        assert_eq!(ex.media_type, MediaType::Tiff);
        assert_eq!(ex.pages, Some(3));
        assert_eq!(ex.pages_needing_ocr, vec![1, 2, 3]);

        let small = Limits {
            max_pages: 2,
            ..limits()
        };
        assert_eq!(
            extract(&tiff(3), None, &small).unwrap_err(),
            ExtractError::TooManyPages { pages: 3, limit: 2 }
        );
    }

    #[test]
    fn tiff_with_ifd_loop_terminates() {
        let mut t = b"MM\0*".to_vec();
        t.extend_from_slice(&8u32.to_be_bytes());
        t.extend_from_slice(&0u16.to_be_bytes());
        t.extend_from_slice(&8u32.to_be_bytes()); // points back to itself
        let ex = extract(&t, None, &limits()).unwrap();
        assert_eq!(ex.pages, Some(1));
    }

    #[test]
    fn pdf_named_text_is_text_with_warning() {
        let ex = extract(
            "Sehr geehrte Damen und Herren,\nich kündige.".as_bytes(),
            Some("vertrag.pdf"),
            &limits(),
        )
        .unwrap();
        assert_eq!(ex.media_type, MediaType::PlainText);
        assert_eq!(ex.text, "Sehr geehrte Damen und Herren,\nich kündige.");
        assert_eq!(ex.pages, None);
        assert!(ex.pages_needing_ocr.is_empty());
        assert_eq!(
            ex.warnings,
            vec![
                "file name \"vertrag.pdf\" suggests application/pdf, but the content is text/plain"
            ]
        );
    }

    #[test]
    fn windows_1252_text_is_decoded() {
        let bytes = b"Gr\xFC\xDFe aus K\xF6ln \x80 100";
        let ex = extract(bytes, None, &limits()).unwrap();
        assert_eq!(ex.media_type, MediaType::PlainText);
        assert_eq!(ex.text, "Grüße aus Köln € 100");
    }

    #[test]
    fn utf16_with_bom_is_text() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "Schaden ä".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let ex = extract(&bytes, None, &limits()).unwrap();
        assert_eq!(ex.text, "Schaden ä");
    }

    #[test]
    fn text_with_nul_is_unsupported() {
        let err = extract(b"abc\0def", None, &limits()).unwrap_err();
        assert!(matches!(err, ExtractError::Unsupported { .. }));
    }

    #[test]
    fn long_text_is_truncated_with_warning() {
        let small = Limits {
            max_text_chars: 5,
            ..limits()
        };
        let ex = extract("äöüßabcdef".as_bytes(), None, &small).unwrap();
        assert_eq!(ex.text, "äöüßa");
        assert_eq!(ex.warnings, vec!["text truncated at 5 characters"]);
    }

    #[test]
    fn email_sniffing_needs_two_known_headers() {
        assert!(looks_like_email(
            b"\r\nReceived: from x\r\n\tby y\r\nFrom: a@b.de\r\n\r\nbody"
        ));
        assert!(looks_like_email(
            b"From MAILER-DAEMON Mon Jan  1 00:00:00 2024\nSubject: x\nX-Foo: y\n\nbody"
        ));
        assert!(!looks_like_email(b"Subject: only one header\n\nbody"));
        assert!(!looks_like_email(b"Hallo,\nFrom: a@b.de\nTo: c@d.de\n"));
        assert!(!looks_like_email(b"Betreff Wichtig: x\nFrom: a\nTo: b\n"));
        assert_eq!(
            sniff(b"Subject: x\nDate: y\n\n%PDF-1.4"),
            Sniffed::Email,
            "headers win over a PDF marker"
        );
    }

    #[test]
    fn too_deep_is_reported() {
        let shallow = Limits {
            max_mime_depth: 0,
            ..limits()
        };
        assert_eq!(
            extract_at(b"text", None, &shallow, 1).unwrap_err(),
            ExtractError::TooDeep { depth: 1, limit: 0 }
        );
    }
}
