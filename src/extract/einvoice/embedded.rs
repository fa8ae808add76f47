//! Finding the invoice XML inside a PDF (ZUGFeRD / Factur-X, PDF/A-3): the files in the
//! catalog's `/Names /EmbeddedFiles` name tree and its associated files (`/AF`). The walk is
//! iterative, visits each object once and stops after [`MAX_FILES`] files; streams are
//! decoded with lopdf's bounded decoder (at most [`super::xml::MAX_XML_BYTES`]).

use std::collections::HashSet;

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::xml::MAX_XML_BYTES;
use super::{candidate, parse, EInvoice};

/// File names (compared in lower case) the ZUGFeRD / Factur-X / XRechnung specifications give
/// the embedded XML (`ZUGFeRD-invoice.xml` in ZUGFeRD 1.0 and 2.0).
const KNOWN_NAMES: [&str; 3] = ["factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml"];

/// Embedded files looked at per PDF.
const MAX_FILES: usize = 64;
/// Name-tree nodes visited per PDF.
const MAX_TREE_NODES: usize = 4096;

/// What the PDF's embedded XML said.
#[derive(Debug)]
pub enum Found {
    /// No embedded invoice XML.
    None,
    Invoice(Box<EInvoice>),
    /// Invoice XML is there but unusable: the reason, for a warning.
    Unusable(String),
}

struct EmbeddedFile<'a> {
    name: String,
    spec: &'a Dictionary,
}

impl EmbeddedFile<'_> {
    fn known(&self) -> bool {
        let lower = self.name.to_ascii_lowercase();
        KNOWN_NAMES.contains(&lower.as_str())
    }

    fn bytes(&self, doc: &Document) -> Result<Vec<u8>, String> {
        let ef = self
            .spec
            .get(b"EF")
            .ok()
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok())
            .ok_or("the file specification has no embedded stream")?;
        let stream = ef
            .get(b"UF")
            .or_else(|_| ef.get(b"F"))
            .ok()
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_stream().ok())
            .ok_or("the embedded stream is missing")?;
        stream
            .get_plain_content_with_limit(MAX_XML_BYTES)
            .map_err(|e| format!("the embedded stream cannot be decoded: {e}"))
    }
}

/// Looks for invoice XML among the PDF's embedded files: the names the specifications use
/// first, then any other `.xml` whose content looks like an invoice.
pub fn find(doc: &Document) -> Found {
    let mut files = files(doc);
    files.sort_by_key(|f| !f.known());
    let mut first_problem = None;
    for file in &files {
        let is_xml = file.name.to_ascii_lowercase().ends_with(".xml");
        if !file.known() && !is_xml {
            continue;
        }
        let bytes = match file.bytes(doc) {
            Ok(b) => b,
            Err(e) => {
                if file.known() {
                    first_problem.get_or_insert(format!("{}: {e}", file.name));
                }
                continue;
            }
        };
        if !file.known() && !candidate(&bytes) {
            continue;
        }
        match parse(&bytes, &file.name) {
            Ok(invoice) => return Found::Invoice(Box::new(invoice)),
            Err(e) => {
                first_problem.get_or_insert(format!("{}: {e}", file.name));
            }
        }
    }
    match first_problem {
        Some(problem) => Found::Unusable(problem),
        None => Found::None,
    }
}

fn deref<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Object> {
    doc.dereference(object).ok().map(|(_, o)| o)
}

/// The embedded files named in the `EmbeddedFiles` name tree and the catalog's `/AF`.
fn files(doc: &Document) -> Vec<EmbeddedFile<'_>> {
    let Ok(catalog) = doc.catalog() else {
        return Vec::new();
    };
    let mut out: Vec<EmbeddedFile> = Vec::new();
    let mut seen: HashSet<*const Dictionary> = HashSet::new();
    // The name tree: /Names [key spec key spec …] in leaves, /Kids in inner nodes.
    let tree = catalog
        .get(b"Names")
        .ok()
        .and_then(|n| deref(doc, n))
        .and_then(|n| n.as_dict().ok())
        .and_then(|n| n.get(b"EmbeddedFiles").ok());
    let mut stack: Vec<&Object> = tree.into_iter().collect();
    let mut visited: HashSet<ObjectId> = HashSet::new();
    let mut nodes = 0;
    while let Some(node) = stack.pop() {
        nodes += 1;
        if nodes > MAX_TREE_NODES {
            break;
        }
        if let Ok(id) = node.as_reference() {
            if !visited.insert(id) {
                continue;
            }
        }
        let Some(dict) = deref(doc, node).and_then(|n| n.as_dict().ok()) else {
            continue;
        };
        if let Some(names) = dict
            .get(b"Names")
            .ok()
            .and_then(|n| deref(doc, n))
            .and_then(|n| n.as_array().ok())
        {
            for pair in names.chunks(2) {
                if let [key, spec] = pair {
                    let key = deref(doc, key).and_then(|k| lopdf::decode_text_string(k).ok());
                    push(doc, key, spec, &mut seen, &mut out);
                }
            }
        }
        if let Some(kids) = dict
            .get(b"Kids")
            .ok()
            .and_then(|k| deref(doc, k))
            .and_then(|k| k.as_array().ok())
        {
            stack.extend(kids.iter());
        }
    }
    // PDF/A-3 associated files.
    if let Some(af) = catalog
        .get(b"AF")
        .ok()
        .and_then(|a| deref(doc, a))
        .and_then(|a| a.as_array().ok())
    {
        for spec in af {
            push(doc, None, spec, &mut seen, &mut out);
        }
    }
    out
}

/// Adds the file specification `spec` (once, however often the PDF names it).
fn push<'a>(
    doc: &'a Document,
    key: Option<String>,
    spec: &'a Object,
    seen: &mut HashSet<*const Dictionary>,
    out: &mut Vec<EmbeddedFile<'a>>,
) {
    if out.len() >= MAX_FILES {
        return;
    }
    let Some(spec) = deref(doc, spec).and_then(|o| o.as_dict().ok()) else {
        return;
    };
    if !seen.insert(spec as *const Dictionary) {
        return;
    }
    let own = [b"UF".as_slice(), b"F".as_slice()].iter().find_map(|k| {
        spec.get(k)
            .ok()
            .and_then(|o| deref(doc, o))
            .and_then(|o| lopdf::decode_text_string(o).ok())
    });
    if let Some(name) = own.or(key).map(|n| display_name(&n)) {
        out.push(EmbeddedFile { name, spec });
    }
}

/// The last path component, without control characters (names are data, never paths).
fn display_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    last.chars().filter(|c| !c.is_control()).take(255).collect()
}
