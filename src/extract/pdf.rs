//! PDF text extraction with lopdf.
//!
//! Owns: loading (including PDFs that open with the empty user password), the page limit,
//! per-page text extraction, deciding which pages carry no usable text (those go to OCR),
//! and tidying lopdf's line-per-text-object output into readable paragraphs.
//! Takes: the PDF bytes and [`Limits`].
//! Gives: an [`Extraction`] with one text segment per page (joined with "\n\f\n"), the page
//! count and the pages needing OCR, and the e-invoice embedded in a ZUGFeRD / Factur-X PDF
//! ([`super::einvoice`]; unusable XML is a warning, the page text is read as always); or `MalformedPdf` / `EncryptedPdf` / `TooManyPages`.
//! lopdf may panic on hostile input, so every call into it runs under `catch_unwind`.

use super::einvoice::embedded::{self, Found};
use super::{ExtractError, Extraction, Limits, MediaType};
use lopdf::Document;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Page separator in [`Extraction::text`].
pub const PAGE_BREAK: &str = "\n\x0c\n";

/// Loads a PDF for reading, with every page-tree node's `/Count` held to what the file can
/// hold: lopdf sizes its page list by `/Count`, and a lying `/Count` (2^50 pages in a 2 KB file)
/// would make it allocate terabytes and abort the process. The page walk itself is bounded by
/// the number of objects, so no more pages than objects can come out of it.
pub fn load_pdf(bytes: &[u8]) -> Result<Document, lopdf::Error> {
    let mut document = Document::load_mem(bytes)?;
    let most = document.objects.len() as i64;
    for object in document.objects.values_mut() {
        if let lopdf::Object::Dictionary(dict) = object {
            if dict.get_type().is_ok_and(|t| t == b"Pages") {
                let count = dict.get(b"Count").and_then(lopdf::Object::as_i64);
                if !count.is_ok_and(|c| (0..=most).contains(&c)) {
                    dict.set("Count", most);
                }
            }
        }
    }
    Ok(document)
}

pub(super) fn extract_pdf(bytes: &[u8], limits: &Limits) -> Result<Extraction, ExtractError> {
    let document = guarded("the file", || load_pdf(bytes))?.map_err(|error| match error {
        lopdf::Error::InvalidPassword | lopdf::Error::Decryption(_) => ExtractError::EncryptedPdf,
        other => ExtractError::MalformedPdf(other.to_string()),
    })?;
    // lopdf decrypts with the empty user password itself; still encrypted means a real
    // password is needed.
    if document.is_encrypted() {
        return Err(ExtractError::EncryptedPdf);
    }
    let pages = guarded("the page tree", || document.get_pages())?;
    let count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
    if count > limits.max_pages {
        return Err(ExtractError::TooManyPages {
            pages: count,
            limit: limits.max_pages,
        });
    }
    if count == 0 {
        return Err(ExtractError::MalformedPdf(
            "the document has no pages".into(),
        ));
    }

    let mut extraction = Extraction::new(MediaType::Pdf, String::new());
    extraction.pages = Some(count);
    match guarded("the embedded files", || embedded::find(&document)) {
        Ok(Found::Invoice(invoice)) => extraction.invoice = Some(*invoice),
        Ok(Found::Unusable(problem)) => extraction.warnings.push(format!(
            "e-invoice XML could not be read ({problem}); the PDF text is used"
        )),
        Ok(Found::None) => {}
        Err(e) => extraction.warnings.push(format!(
            "e-invoice XML could not be read ({e}); the PDF text is used"
        )),
    }
    let mut segments = Vec::with_capacity(pages.len());
    for (&number, &page_id) in &pages {
        let mut raw = String::new();
        if let Some(size) = content_too_large(&document, page_id) {
            // lopdf holds every operator of a page in memory (~50 bytes each): a 100 MB content
            // stream would take gigabytes. Such a page is left to OCR, which renders it apart.
            extraction.warnings.push(format!(
                "page {number}: content stream larger than {} MB ({size} bytes or more); text not extracted",
                MAX_PAGE_CONTENT >> 20
            ));
            extraction.pages_needing_ocr.push(number);
            segments.push(String::new());
            continue;
        }
        match guarded("a page", || document.extract_text_chunks(&[number])) {
            Ok(chunks) => {
                let mut errors = Vec::new();
                for chunk in chunks {
                    match chunk {
                        Ok(text) => raw.push_str(&text),
                        Err(error) => errors.push(error.to_string()),
                    }
                }
                errors.dedup();
                if !errors.is_empty() {
                    extraction.warnings.push(format!(
                        "page {number}: could not extract text: {}",
                        errors.join("; ")
                    ));
                }
            }
            Err(error) => extraction
                .warnings
                .push(format!("page {number}: could not extract text: {error}")),
        }
        let text = tidy(&raw);
        if is_language(&text) {
            segments.push(text);
        } else {
            extraction.pages_needing_ocr.push(number);
            segments.push(String::new());
        }
    }
    extraction.text = segments.join(PAGE_BREAK);
    Ok(extraction)
}

/// The most content (after decompression) one page may have for its text to be extracted.
const MAX_PAGE_CONTENT: u64 = 16 << 20;

/// The page's content size if it passes [`MAX_PAGE_CONTENT`], counted without holding it:
/// deflated streams are inflated through a counting sink that stops at the limit.
fn content_too_large(document: &Document, page_id: lopdf::ObjectId) -> Option<u64> {
    use std::io::Read;
    let mut total = 0u64;
    for id in document.get_page_contents(page_id) {
        let Ok(lopdf::Object::Stream(stream)) = document.get_object(id) else {
            continue;
        };
        let deflated = stream.dict.get(b"Filter").is_ok_and(|f| match f {
            lopdf::Object::Name(n) => n == b"FlateDecode",
            lopdf::Object::Array(a) => a
                .iter()
                .any(|n| n.as_name().is_ok_and(|n| n == b"FlateDecode")),
            _ => false,
        });
        let left = MAX_PAGE_CONTENT + 1 - total;
        total += if deflated {
            let decoder = flate2::read::ZlibDecoder::new(stream.content.as_slice());
            std::io::copy(&mut decoder.take(left), &mut std::io::sink()).unwrap_or(0)
        } else {
            stream.content.len() as u64
        };
        if total > MAX_PAGE_CONTENT {
            return Some(total);
        }
    }
    None
}

/// Runs a lopdf call, turning a panic into `MalformedPdf`.
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, ExtractError> {
    catch_unwind(AssertUnwindSafe(f))
        .map_err(|_| ExtractError::MalformedPdf(format!("{what} is damaged (reader crashed)")))
}

/// True if the text reads like language: at least 20 letters, letters at least half of the
/// non-space characters, and vowels among the letters (junk from fonts without a Unicode
/// mapping fails one of these).
fn is_language(text: &str) -> bool {
    let mut visible = 0usize;
    let mut letters = 0usize;
    let mut vowels = 0usize;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        visible += 1;
        if c.is_alphabetic() {
            letters += 1;
            if "aeiouyäöüéèêáàâíìîóòôúùûAEIOUYÄÖÜÉÈÊÁÀÂÍÌÎÓÒÔÚÙÛ".contains(c)
            {
                vowels += 1;
            }
        }
    }
    letters >= 20 && letters * 2 >= visible && vowels * 10 >= letters
}

/// Joins lopdf's text lines into readable text: whitespace collapsed, a line that does not end
/// a sentence is continued with a space (words split across lines with a hyphen are
/// re-joined), sentence ends keep their line break, blank lines stay paragraph breaks.
fn tidy(raw: &str) -> String {
    let mut out = String::new();
    let mut paragraph = false;
    for line in raw.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            paragraph = !out.is_empty();
            continue;
        }
        if paragraph {
            out.push_str("\n\n");
        } else if out.ends_with(['.', '!', '?', ':', ';']) {
            out.push('\n');
        } else if is_split_word(&out, &line) {
            out.pop();
        } else if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&line);
        paragraph = false;
    }
    out
}

/// "Versiche-" + "rung …" is one word; "Haft-" + "und …" is not.
fn is_split_word(before: &str, next: &str) -> bool {
    let mut tail = before.chars().rev();
    let hyphen_after_letter =
        tail.next() == Some('-') && tail.next().is_some_and(char::is_alphabetic);
    let first_word = next.split(' ').next().unwrap_or_default();
    hyphen_after_letter
        && first_word.starts_with(char::is_lowercase)
        && !matches!(first_word, "und" | "oder" | "bzw." | "sowie" | "bis")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::extract;
    use super::*;
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Object, Stream};

    /// A PDF with one page per entry; each line of an entry is its own text object, written
    /// in WinAnsiEncoding with Type1 Helvetica. An empty entry gives a page without text.
    pub(crate) fn test_pdf(pages: &[&str]) -> Vec<u8> {
        let mut doc = pdf_document(pages);
        let mut out = Vec::new();
        doc.save_to(&mut out).expect("save");
        out
    }

    fn pdf_document(pages: &[&str]) -> Document {
        let mut doc = Document::with_version("1.5");
        doc.trailer.set(
            "ID",
            Object::Array(vec![
                Object::string_literal(b"0123456789abcdef".to_vec()),
                Object::string_literal(b"fedcba9876543210".to_vec()),
            ]),
        );
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        });
        let mut kids = Vec::new();
        for text in pages {
            let mut operations = Vec::new();
            for (i, line) in text.lines().enumerate() {
                let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(line);
                operations.extend([
                    Operation::new("BT", vec![]),
                    Operation::new("Tf", vec!["F1".into(), 12.into()]),
                    Operation::new("Td", vec![72.into(), (720 - 14 * i as i64).into()]),
                    Operation::new("Tj", vec![Object::string_literal(bytes.into_owned())]),
                    Operation::new("ET", vec![]),
                ]);
            }
            if operations.is_empty() {
                operations.push(Operation::new(
                    "re",
                    vec![10.into(), 10.into(), 50.into(), 50.into()],
                ));
                operations.push(Operation::new("f", vec![]));
            }
            let content = Content { operations }.encode().expect("encode content");
            let content_id = doc.add_object(Stream::new(dictionary! {}, content));
            kids.push(Object::Reference(doc.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
                "Contents" => content_id,
            })));
        }
        let count = kids.len() as i64;
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
        );
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        doc
    }

    fn encrypted_pdf(user_password: &str) -> Vec<u8> {
        let mut doc = pdf_document(&["Sehr geehrte Damen und Herren, Kündigung Straße"]);
        let state = lopdf::EncryptionState::try_from(lopdf::EncryptionVersion::V2 {
            document: &doc,
            owner_password: "owner-secret",
            user_password,
            key_length: 128,
            permissions: lopdf::Permissions::all(),
        })
        .expect("encryption state");
        doc.encrypt(&state).expect("encrypt");
        let mut out = Vec::new();
        doc.save_to(&mut out).expect("save");
        out
    }

    const LETTER: &str = "Sehr geehrte Damen und Herren, Kündigung Straße";

    #[test]
    fn winansi_umlauts_come_back() {
        let ex = extract(&test_pdf(&[LETTER]), Some("brief.pdf"), &Limits::default()).unwrap();
        assert_eq!(ex.media_type, MediaType::Pdf);
        assert_eq!(ex.pages, Some(1));
        assert_eq!(ex.text, LETTER);
        assert!(ex.pages_needing_ocr.is_empty());
        assert!(ex.warnings.is_empty(), "{:?}", ex.warnings);
    }

    #[test]
    fn empty_page_needs_ocr() {
        let pdf = test_pdf(&[
            LETTER,
            "",
            "Ihre Versicherungsnummer lautet 4711-0815, bitte angeben.",
        ]);
        let ex = extract(&pdf, None, &Limits::default()).unwrap();
        assert_eq!(ex.pages, Some(3));
        assert_eq!(ex.pages_needing_ocr, vec![2]);
        let segments: Vec<&str> = ex.text.split(PAGE_BREAK).collect();
        assert_eq!(
            segments,
            [
                LETTER,
                "",
                "Ihre Versicherungsnummer lautet 4711-0815, bitte angeben."
            ]
        );
    }

    #[test]
    fn junk_page_needs_ocr() {
        let pdf = test_pdf(&["1234 5678 9012 3456 7890 ##### ----- 42", "xqzt wrbk mnpl"]);
        let ex = extract(&pdf, None, &Limits::default()).unwrap();
        assert_eq!(ex.pages_needing_ocr, vec![1, 2]);
        assert_eq!(ex.text, PAGE_BREAK);
    }

    #[test]
    fn word_per_line_is_joined_into_sentences() {
        let pdf = test_pdf(&["Sehr\ngeehrte\nDamen\nund\nHerren,\nich\nkündige\nden\nVertrag.\nDie\nVersiche-\nrung\nendet."]);
        let ex = extract(&pdf, None, &Limits::default()).unwrap();
        assert_eq!(
            ex.text,
            "Sehr geehrte Damen und Herren, ich kündige den Vertrag.\nDie Versicherung endet."
        );
    }

    #[test]
    fn tidy_keeps_paragraphs() {
        assert_eq!(
            tidy("Betreff\n\n  Sehr   geehrte\nDamen,\n\n\nHaft-\nund Kasko\n"),
            "Betreff\n\nSehr geehrte Damen,\n\nHaft- und Kasko"
        );
    }

    #[test]
    fn too_many_pages() {
        let pdf = test_pdf(&[LETTER, LETTER, LETTER]);
        let limits = Limits {
            max_pages: 2,
            ..Limits::default()
        };
        assert_eq!(
            extract(&pdf, None, &limits).unwrap_err(),
            ExtractError::TooManyPages { pages: 3, limit: 2 }
        );
    }

    #[test]
    fn truncated_pdf_is_malformed() {
        let pdf = test_pdf(&[LETTER]);
        for cut in [20, pdf.len() / 3, pdf.len() / 2] {
            let err = extract(&pdf[..cut], None, &Limits::default()).unwrap_err();
            assert!(
                matches!(err, ExtractError::MalformedPdf(_)),
                "cut {cut}: {err:?}"
            );
        }
        let err = extract(b"%PDF-1.7\ngarbage garbage", None, &Limits::default()).unwrap_err();
        assert!(matches!(err, ExtractError::MalformedPdf(_)), "{err:?}");
        assert!(err.to_string().starts_with("PDF could not be read: "));
    }

    #[test]
    fn empty_user_password_is_decrypted() {
        let ex = extract(&encrypted_pdf(""), None, &Limits::default()).unwrap();
        assert_eq!(ex.text, LETTER);
    }

    #[test]
    fn real_password_is_encrypted_error() {
        let err = extract(&encrypted_pdf("geheim"), None, &Limits::default()).unwrap_err();
        assert_eq!(err, ExtractError::EncryptedPdf);
        assert_eq!(err.to_string(), "PDF is encrypted with a password");
    }

    #[test]
    fn a_page_tree_claiming_two_to_the_fiftieth_pages_is_read_without_aborting() {
        // lopdf sizes its page list by /Count: unclamped, this aborts the whole process.
        let pdf = crate::samples::hostile::pdf_shared_pages(50);
        match extract(&pdf, None, &Limits::default()) {
            Ok(e) => assert!(e.pages.unwrap() <= 100, "{:?}", e.pages),
            Err(e) => assert!(e.to_string().contains("PDF"), "{e}"),
        }
    }

    #[test]
    fn a_page_whose_content_inflates_past_the_limit_is_left_to_ocr() {
        let pdf = crate::samples::hostile::pdf_content_bomb(64 << 20);
        assert!(pdf.len() < 1 << 20);
        let e = extract(&pdf, None, &Limits::default()).unwrap();
        assert_eq!(e.pages_needing_ocr, vec![1]);
        assert!(
            e.warnings[0].contains("content stream larger than 16 MB"),
            "{:?}",
            e.warnings
        );
    }

    #[test]
    fn hostile_bytes_do_not_panic() {
        let pdf = test_pdf(&[LETTER, "", LETTER]);
        let mut seed = 0x2545_F491_u32;
        for round in 0..200 {
            let mut bytes = pdf.clone();
            for _ in 0..1 + round % 8 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let at = seed as usize % bytes.len();
                bytes[at] = (seed >> 24) as u8;
            }
            let _ = extract(&bytes, None, &Limits::default());
        }
    }
}
