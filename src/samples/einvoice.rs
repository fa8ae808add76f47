//! ZUGFeRD / Factur-X style PDFs for tests and benchmarks: a letter PDF ([`super::letter_pdf`])
//! with invoice XML embedded the way PDF/A-3 does it — a file specification with
//! `/AFRelationship /Alternative` in the catalog's `/Names /EmbeddedFiles` name tree and in
//! its `/AF` array, the stream Flate-compressed.

use lopdf::{dictionary, Document, Object, Stream, StringFormat};

/// Where the XML goes in the PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Embedding {
    /// In the `EmbeddedFiles` name tree and in `/AF` (what ZUGFeRD 2 / Factur-X writers do).
    NamesAndAf,
    /// Only in the catalog's `/AF` array.
    AfOnly,
}

/// `pdf` (a complete PDF) with `xml` embedded as `name`.
pub fn embed_xml(pdf: &[u8], name: &str, xml: &[u8], how: Embedding) -> Vec<u8> {
    let mut doc = Document::load_mem(pdf).expect("a PDF this crate wrote");
    let mut stream = Stream::new(
        dictionary! { "Type" => "EmbeddedFile", "Subtype" => "text/xml" },
        xml.to_vec(),
    );
    // Compression only fails on I/O errors of an in-memory buffer; uncompressed is fine too.
    let _ = stream.compress();
    let stream_id = doc.add_object(stream);
    let file_name = Object::String(name.as_bytes().to_vec(), StringFormat::Literal);
    let spec = doc.add_object(dictionary! {
        "Type" => "Filespec",
        "F" => file_name.clone(),
        "UF" => file_name.clone(),
        "AFRelationship" => "Alternative",
        "Desc" => Object::string_literal("Factur-X/ZUGFeRD invoice"),
        "EF" => dictionary! { "F" => stream_id, "UF" => stream_id },
    });
    let root = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .expect("catalog reference");
    let catalog = doc
        .get_object_mut(root)
        .and_then(Object::as_dict_mut)
        .expect("catalog");
    catalog.set("AF", vec![Object::Reference(spec)]);
    if how == Embedding::NamesAndAf {
        catalog.set(
            "Names",
            dictionary! {
                "EmbeddedFiles" => dictionary! {
                    "Names" => vec![file_name, Object::Reference(spec)],
                },
            },
        );
    }
    let mut out = Vec::with_capacity(pdf.len() + xml.len());
    doc.save_to(&mut out).expect("writing to a Vec cannot fail");
    out
}

/// A one-page invoice letter with `xml` embedded as `name` (e.g. `factur-x.xml`).
pub fn zugferd_pdf(lines: &[&str], name: &str, xml: &[u8]) -> Vec<u8> {
    let page: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    embed_xml(
        &super::letter_pdf(&[page]),
        name,
        xml,
        Embedding::NamesAndAf,
    )
}
