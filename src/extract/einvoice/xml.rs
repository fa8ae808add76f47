//! Safe XML reading for e-invoices: size, node and depth limits, no DTD (so no entity
//! expansion: a billion-laughs or external-entity document is refused before anything is
//! expanded), and namespace-aware lookups by (namespace URI, local name), never by prefix.
//! Uses roxmltree, whose tokenizer does not recurse and whose tree is a flat arena (dropping a
//! deep tree does not recurse either); the depth limit is checked iteratively after parsing.

use roxmltree::{Document, Node, ParsingOptions};

use super::EInvoiceError;

/// Largest XML accepted, in bytes (real e-invoices are a few KiB to a few MiB).
pub const MAX_XML_BYTES: usize = 16 * 1024 * 1024;
/// Most nodes (elements, text, comments) in one document.
pub const MAX_NODES: u32 = 1_000_000;
/// Deepest element nesting accepted (EN 16931 invoices nest about 8 levels).
pub const MAX_DEPTH: usize = 64;

/// Decodes the bytes (UTF-8, optional BOM; UTF-16 with BOM) and parses them within the limits.
pub fn decode(bytes: &[u8]) -> Result<String, EInvoiceError> {
    if bytes.len() > MAX_XML_BYTES {
        return Err(EInvoiceError::TooLarge {
            bytes: bytes.len(),
            limit: MAX_XML_BYTES,
        });
    }
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if errors {
            return Err(EInvoiceError::Encoding);
        }
        return Ok(text.into_owned());
    }
    std::str::from_utf8(bytes)
        .map(str::to_string)
        .map_err(|_| EInvoiceError::Encoding)
}

/// Parses `text` as XML within the node and depth limits, refusing any DTD.
pub fn parse(text: &str) -> Result<Document<'_>, EInvoiceError> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => EInvoiceError::Dtd,
        roxmltree::Error::NodesLimitReached => EInvoiceError::TooManyNodes { limit: MAX_NODES },
        other => EInvoiceError::Malformed(other.to_string()),
    })?;
    check_depth(&doc)?;
    Ok(doc)
}

/// Element depth, computed in one pass over the arena (parents come before children).
fn check_depth(doc: &Document) -> Result<(), EInvoiceError> {
    let mut depth: Vec<u16> = vec![0; doc.descendants().count() + 1];
    for node in doc.descendants() {
        let d = node
            .parent()
            .and_then(|p| depth.get(p.id().get() as usize).copied())
            .unwrap_or(0)
            .saturating_add(1);
        if usize::from(d) > MAX_DEPTH {
            return Err(EInvoiceError::TooDeep { limit: MAX_DEPTH });
        }
        if let Some(slot) = depth.get_mut(node.id().get() as usize) {
            *slot = d;
        }
    }
    Ok(())
}

/// A vocabulary: the namespace URIs whose elements a lookup accepts (e.g. CII's `ram` and
/// `udt`, or UBL's `cac` and `cbc`), so prefixes never matter. `""` accepts elements in no
/// namespace (ZUGFeRD 1.0's release candidate writes its children unqualified).
#[derive(Clone, Copy)]
pub struct Vocab<'a> {
    pub namespaces: &'a [&'a str],
}

impl Vocab<'_> {
    fn is(&self, node: &Node, local: &str) -> bool {
        node.is_element()
            && node.tag_name().name() == local
            && self
                .namespaces
                .contains(&node.tag_name().namespace().unwrap_or(""))
    }

    /// The first child element with one of the local names (`"A|B"` accepts either).
    pub fn child<'a, 'input>(
        &self,
        node: Node<'a, 'input>,
        names: &str,
    ) -> Option<Node<'a, 'input>> {
        node.children()
            .find(|c| names.split('|').any(|n| self.is(c, n)))
    }

    /// All child elements with one of the local names.
    pub fn children<'a, 'input>(
        &self,
        node: Node<'a, 'input>,
        names: &str,
    ) -> Vec<Node<'a, 'input>> {
        node.children()
            .filter(|c| names.split('|').any(|n| self.is(c, n)))
            .collect()
    }

    /// The element at a path of local names (`/`-separated; each step may be `A|B`).
    pub fn at<'a, 'input>(&self, node: Node<'a, 'input>, path: &str) -> Option<Node<'a, 'input>> {
        path.split('/')
            .try_fold(node, |n, step| self.child(n, step))
    }

    /// The trimmed text at a path; `None` when missing or empty.
    pub fn text(&self, node: Node, path: &str) -> Option<String> {
        self.at(node, path).and_then(text_of)
    }
}

/// An element's own text, whitespace collapsed; `None` when empty.
pub fn text_of(node: Node) -> Option<String> {
    let raw: String = node
        .children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect();
    let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}
