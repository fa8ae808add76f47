//! Hostile inputs for robustness tests and the soak (`make soak`): files built to make parsers
//! loop, recurse, allocate or wait — shared and cyclic PDF object graphs, deep nesting, huge page
//! and image dimensions, decompression bombs, endless content streams, lying lengths, TIFF IFD
//! loops, MIME bombs. Each is small on disk. Deterministic: the same seed gives the same files.
//!
//! None of these may stall intake: every one must reach a final state (archived, possibly with
//! failed pages, or quarantined with a reason) within its stage deadlines.

use std::io::Write;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// One hostile file: a name that says what it does, and its bytes.
#[derive(Debug, Clone)]
pub struct Hostile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The kinds of hostile input, each built with a size parameter drawn from the seed.
pub const FAMILIES: &[&str] = &[
    "pdf-shared-fields",
    "pdf-shared-pages",
    "pdf-cyclic-pages",
    "pdf-self-drawing-form",
    "pdf-deep-arrays",
    "pdf-huge-page",
    "pdf-image-bomb",
    "pdf-content-bomb",
    "pdf-endless-content",
    "pdf-lying-length",
    "pdf-xref-loop",
    "png-huge-dimensions",
    "png-zlib-bomb",
    "jpeg-huge-dimensions",
    "tiff-ifd-loop",
    "mime-nested-messages",
    "mime-nested-multipart",
    "mime-many-parts",
    "mime-header-flood",
    "mime-unterminated",
    "mime-carrying-pdf",
];

/// `count` hostile files cycling through [`FAMILIES`], sizes drawn from `seed`. With
/// `count == FAMILIES.len()` and `mild` every family appears once at a size a test can afford.
pub fn hostile_inputs(seed: u64, count: usize, mild: bool) -> Vec<Hostile> {
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..count)
        .map(|i| {
            let family = FAMILIES[i % FAMILIES.len()];
            let (mut bytes, ext) = build(family, &mut rng, mild);
            make_unique(&mut bytes, ext, i);
            Hostile {
                name: format!("{i:05}-{family}.{ext}"),
                bytes,
            }
        })
        .collect()
}

/// Marks file `i` so no two files are byte-identical (a duplicate is answered without being
/// read, so it would test nothing): a header for e-mails, trailing bytes elsewhere (after a
/// PDF's `%%EOF`, a PNG's `IEND` or a JPEG's end marker readers stop).
fn make_unique(bytes: &mut Vec<u8>, ext: &str, i: usize) {
    if ext == "eml" {
        let mut marked = format!("X-Hostile-Input: {i}\r\n").into_bytes();
        marked.append(bytes);
        *bytes = marked;
    } else {
        bytes.extend_from_slice(format!("\n%hostile input {i}\n").as_bytes());
    }
}

fn build(family: &str, rng: &mut SmallRng, mild: bool) -> (Vec<u8>, &'static str) {
    let big = |lo: usize, hi: usize, rng: &mut SmallRng| {
        if mild {
            lo
        } else {
            rng.gen_range(lo..=hi)
        }
    };
    match family {
        "pdf-shared-fields" => (pdf_shared_fields(big(28, 60, rng)), "pdf"),
        "pdf-shared-pages" => (pdf_shared_pages(big(24, 60, rng)), "pdf"),
        "pdf-cyclic-pages" => (pdf_cyclic_pages(rng.gen_range(0..3)), "pdf"),
        "pdf-self-drawing-form" => (pdf_self_drawing_form(), "pdf"),
        "pdf-deep-arrays" => (pdf_deep_arrays(big(5_000, 500_000, rng)), "pdf"),
        "pdf-huge-page" => (pdf_huge_page(), "pdf"),
        "pdf-image-bomb" => (pdf_image_bomb(big(8_000, 60_000, rng) as u32), "pdf"),
        "pdf-content-bomb" => (pdf_content_bomb(big(16, 512, rng) << 20), "pdf"),
        "pdf-endless-content" => (pdf_endless_content(big(20_000, 2_000_000, rng)), "pdf"),
        "pdf-lying-length" => (pdf_lying_length(), "pdf"),
        "pdf-xref-loop" => (pdf_xref_loop(), "pdf"),
        "png-huge-dimensions" => (
            png(rng.gen_range(60_000..=0x7fff_ffff), 70_000, &[0; 64]),
            "png",
        ),
        "png-zlib-bomb" => (png_zlib_bomb(big(12_000, 40_000, rng) as u32), "png"),
        "jpeg-huge-dimensions" => (jpeg_huge_dimensions(), "jpg"),
        "tiff-ifd-loop" => (tiff_ifd_loop(), "tif"),
        "mime-nested-messages" => (mime_nested_messages(big(200, 5_000, rng)), "eml"),
        "mime-nested-multipart" => (mime_nested_multipart(big(200, 20_000, rng)), "eml"),
        "mime-many-parts" => (mime_many_parts(big(2_000, 100_000, rng)), "eml"),
        "mime-header-flood" => (mime_header_flood(big(20_000, 400_000, rng)), "eml"),
        "mime-unterminated" => (mime_unterminated(), "eml"),
        "mime-carrying-pdf" => (mime_carrying(&pdf_shared_fields(big(28, 60, rng))), "eml"),
        other => unreachable!("unknown family {other}"),
    }
}

// ---- PDF ----------------------------------------------------------------------------------

/// A PDF from numbered object bodies (object 1 is the catalog), with a correct xref table.
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        writeln!(out, "{} 0 obj", i + 1).unwrap();
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).unwrap();
    for o in offsets {
        writeln!(out, "{o:010} 00000 n ").unwrap();
    }
    write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    )
    .unwrap();
    out
}

fn obj(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut v = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    v.extend_from_slice(data);
    v.extend_from_slice(b"\nendstream");
    v
}

fn deflate(data: impl Fn(&mut dyn Write)) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    data(&mut z);
    z.finish().expect("deflate into memory")
}

/// Catalog, one-page tree, a page without text (so it goes to OCR) and `extra` objects from 4.
fn one_page(page_extra: &str, extra: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objects = vec![
        obj("<< /Type /Catalog /Pages 2 0 R >>"),
        obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        obj(&format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] {page_extra} >>"
        )),
    ];
    objects.extend(extra);
    pdf(&objects)
}

/// An AcroForm whose field tree lists the same kid twice at every level: 2^depth visits for a
/// reader that walks it naively (poppler's `pdftoppm` never returns at depth 25).
pub fn pdf_shared_fields(depth: usize) -> Vec<u8> {
    let mut objects = vec![
        obj("<< /Type /Catalog /Pages 2 0 R /AcroForm 4 0 R >>"),
        obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"),
        obj("<< /Fields [5 0 R] /NeedAppearances true >>"),
    ];
    for level in 0..depth {
        let me = 5 + level;
        let parent = if level == 0 {
            String::new()
        } else {
            format!("/Parent {} 0 R", me - 1)
        };
        objects.push(obj(&format!(
            "<< /Kids [{k} 0 R {k} 0 R] {parent} >>",
            k = me + 1
        )));
    }
    objects.push(obj(&format!(
        "<< /Type /Annot /Subtype /Widget /FT /Tx /T (leaf) /Rect [0 0 1 1] /Parent {} 0 R >>",
        4 + depth
    )));
    pdf(&objects)
}

/// A page tree whose every node lists the same child twice: 2^depth pages from a few objects.
pub fn pdf_shared_pages(depth: usize) -> Vec<u8> {
    let mut objects = vec![obj("<< /Type /Catalog /Pages 2 0 R >>")];
    for level in 0..depth {
        let me = 2 + level;
        objects.push(obj(&format!(
            "<< /Type /Pages /Kids [{k} 0 R {k} 0 R] /Count {} >>",
            1u64 << (depth - level).min(62),
            k = me + 1
        )));
    }
    objects.push(obj(&format!(
        "<< /Type /Page /Parent {} 0 R /MediaBox [0 0 595 842] >>",
        1 + depth
    )));
    pdf(&objects)
}

/// A page tree that contains itself (variant 0), a page whose parent chain loops (1), or two
/// page-tree nodes that are each other's kid (2).
fn pdf_cyclic_pages(variant: u32) -> Vec<u8> {
    let objects = match variant {
        0 => vec![
            obj("<< /Type /Catalog /Pages 2 0 R >>"),
            obj("<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>"),
            obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"),
        ],
        1 => vec![
            obj("<< /Type /Catalog /Pages 2 0 R >>"),
            obj("<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 4 0 R >>"),
            obj("<< /Type /Page /Parent 2 0 R /Resources 4 0 R >>"),
            obj("<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R /MediaBox 4 0 R >>"),
        ],
        _ => vec![
            obj("<< /Type /Catalog /Pages 2 0 R >>"),
            obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
            obj("<< /Type /Pages /Kids [2 0 R 4 0 R] /Count 1 /Parent 2 0 R >>"),
            obj("<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] >>"),
        ],
    };
    pdf(&objects)
}

/// A form XObject that draws itself: endless recursion for a renderer without a depth limit.
fn pdf_self_drawing_form() -> Vec<u8> {
    one_page(
        "/Contents 4 0 R /Resources << /XObject << /F 5 0 R >> >>",
        vec![
            stream("", b"/F Do"),
            stream(
                "/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /F 5 0 R >> >>",
                b"0.5 0 0 0.5 10 10 cm /F Do /F Do",
            ),
        ],
    )
}

/// Arrays nested `depth` deep inside the page dictionary.
fn pdf_deep_arrays(depth: usize) -> Vec<u8> {
    let mut nest = "[".repeat(depth);
    nest.push_str(&"]".repeat(depth));
    one_page(&format!("/Deep {nest}"), Vec::new())
}

/// A page of 14400 × 14400 units at a user unit of 75 000: light-years of paper.
fn pdf_huge_page() -> Vec<u8> {
    one_page(
        "/MediaBox [0 0 14400 14400] /UserUnit 75000 /Contents 4 0 R",
        vec![stream("", b"0 0 m 14400 14400 l S")],
    )
}

/// A full-page grey image of `side` × `side` pixels whose deflated zeros are small on disk.
fn pdf_image_bomb(side: u32) -> Vec<u8> {
    let total = u64::from(side) * u64::from(side);
    let data = deflate(|w| {
        let chunk = vec![0u8; 1 << 20];
        let mut left = total.min(1 << 30);
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            w.write_all(&chunk[..n]).unwrap();
            left -= n as u64;
        }
    });
    one_page(
        "/Contents 4 0 R /Resources << /XObject << /I 5 0 R >> >>",
        vec![
            stream("", b"q 595 0 0 842 0 0 cm /I Do Q"),
            stream(
                &format!("/Type /XObject /Subtype /Image /Width {side} /Height {side} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode"),
                &data,
            ),
        ],
    )
}

/// A content stream that inflates to `bytes` of path operators.
pub fn pdf_content_bomb(bytes: usize) -> Vec<u8> {
    let unit = b"1 1 m 2 2 l S\n";
    let data = deflate(|w| {
        let chunk = unit.repeat((1 << 20) / unit.len());
        let mut left = bytes;
        while left > 0 {
            let n = left.min(chunk.len());
            w.write_all(&chunk[..n]).unwrap();
            left -= n;
        }
    });
    one_page(
        "/Contents 4 0 R",
        vec![stream("/Filter /FlateDecode", &data)],
    )
}

/// `ops` nested save/transform operators and curves, uncompressed.
pub fn pdf_endless_content(ops: usize) -> Vec<u8> {
    let mut data = Vec::with_capacity(ops * 40);
    for i in 0..ops {
        write!(data, "q 1 0 0 1 {} 0 cm 0 0 m 5 5 10 0 15 5 c S ", i % 7).unwrap();
    }
    one_page("/Contents 4 0 R", vec![stream("", &data)])
}

/// A stream whose /Length claims almost 4 GiB.
fn pdf_lying_length() -> Vec<u8> {
    let body = b"<< /Length 4294967000 >>\nstream\nBT ET\nendstream".to_vec();
    one_page("/Contents 4 0 R", vec![body])
}

/// A cross-reference section whose /Prev points back at itself.
fn pdf_xref_loop() -> Vec<u8> {
    let mut v = one_page("", Vec::new());
    let start = v
        .windows(9)
        .rposition(|w| w == b"startxref")
        .expect("startxref");
    let xref_at: usize = String::from_utf8_lossy(&v[start + 10..])
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("xref offset");
    let trailer = v
        .windows(7)
        .rposition(|w| w == b"trailer")
        .expect("trailer");
    let tail = format!(
        "trailer\n<< /Size 4 /Root 1 0 R /Prev {xref_at} >>\nstartxref\n{xref_at}\n%%EOF\n"
    );
    v.truncate(trailer);
    v.extend_from_slice(tail.as_bytes());
    v
}

// ---- images -------------------------------------------------------------------------------

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// A grey PNG claiming `width` × `height` whose image data is `idat` (deflated).
fn png(width: u32, height: u32, idat: &[u8]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", idat);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A valid all-white PNG of `side` × `side` pixels, a few hundred KB on disk.
fn png_zlib_bomb(side: u32) -> Vec<u8> {
    let idat = deflate(|w| {
        let row = {
            let mut r = vec![255u8; side as usize + 1];
            r[0] = 0; // filter: none
            r
        };
        for _ in 0..side {
            w.write_all(&row).unwrap();
        }
    });
    png(side, side, &idat)
}

/// A baseline JPEG header declaring 65 500 × 65 500 pixels, then nothing useful.
fn jpeg_huge_dimensions() -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8];
    // SOF0: length 11, precision 8, height, width, 1 component.
    v.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0xFF, 0xDC, 0xFF, 0xDC, 0x01, 0x01, 0x11, 0x00,
    ]);
    v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    v.extend(std::iter::repeat_n(0u8, 4096));
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

/// A little-endian TIFF whose first IFD names itself as the next one.
fn tiff_ifd_loop() -> Vec<u8> {
    let mut v = b"II*\x00\x08\x00\x00\x00".to_vec();
    let entries: [(u16, u16, u32, u32); 6] = [
        (256, 3, 1, 64),   // width
        (257, 3, 1, 64),   // height
        (258, 3, 1, 8),    // bits per sample
        (262, 3, 1, 1),    // black is zero
        (273, 4, 1, 200),  // strip offset
        (279, 4, 1, 4096), // strip byte count
    ];
    v.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, kind, count, value) in entries {
        v.extend_from_slice(&tag.to_le_bytes());
        v.extend_from_slice(&kind.to_le_bytes());
        v.extend_from_slice(&count.to_le_bytes());
        v.extend_from_slice(&value.to_le_bytes());
    }
    v.extend_from_slice(&8u32.to_le_bytes()); // next IFD: this one again
    v.resize(200 + 4096, 0x80);
    v
}

// ---- MIME ---------------------------------------------------------------------------------

const HEAD: &str = "From: a@example.org\r\nTo: posteingang@example.org\r\nDate: Mon, 7 Dec 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n";

/// `depth` e-mails each attached to the next (message/rfc822).
fn mime_nested_messages(depth: usize) -> Vec<u8> {
    let mut inner = format!("{HEAD}Subject: innen\r\nContent-Type: text/plain\r\n\r\nSchaden.\r\n");
    for level in 0..depth {
        inner = format!(
            "{HEAD}Subject: Ebene {level}\r\nContent-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--b{level}--\r\n"
        );
    }
    inner.into_bytes()
}

/// Multipart bodies nested `depth` deep.
fn mime_nested_multipart(depth: usize) -> Vec<u8> {
    let mut v =
        format!("{HEAD}Subject: tief\r\nContent-Type: multipart/mixed; boundary=\"m0\"\r\n\r\n");
    for level in 1..depth {
        v.push_str(&format!(
            "--m{}\r\nContent-Type: multipart/mixed; boundary=\"m{level}\"\r\n\r\n",
            level - 1
        ));
    }
    v.push_str(&format!(
        "--m{}\r\nContent-Type: text/plain\r\n\r\nSchaden.\r\n",
        depth - 1
    ));
    for level in (0..depth).rev() {
        v.push_str(&format!("--m{level}--\r\n"));
    }
    v.into_bytes()
}

/// `parts` tiny attachments in one e-mail.
fn mime_many_parts(parts: usize) -> Vec<u8> {
    let mut v =
        format!("{HEAD}Subject: viele\r\nContent-Type: multipart/mixed; boundary=\"p\"\r\n\r\n");
    for i in 0..parts {
        v.push_str(&format!(
            "--p\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"a{i}.bin\"\r\n\r\nx\r\n"
        ));
    }
    v.push_str("--p--\r\n");
    v.into_bytes()
}

/// A subject of `words` encoded words and a header with as many folded continuation lines.
fn mime_header_flood(words: usize) -> Vec<u8> {
    let mut v = format!("{HEAD}Subject:");
    for _ in 0..words {
        v.push_str(" =?utf-8?B?w6TDtsO8?=");
    }
    v.push_str("\r\nX-Flood: a");
    for _ in 0..words {
        v.push_str("\r\n a");
    }
    v.push_str("\r\nContent-Type: text/plain\r\n\r\nText.\r\n");
    v.into_bytes()
}

/// A multipart whose boundary is empty and whose parts are never closed.
fn mime_unterminated() -> Vec<u8> {
    let mut v =
        format!("{HEAD}Subject: offen\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n\r\n");
    for _ in 0..1000 {
        v.push_str("--\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n\r\n");
    }
    v.into_bytes()
}

/// An ordinary claim e-mail carrying a hostile PDF.
fn mime_carrying(pdf: &[u8]) -> Vec<u8> {
    let b64 = super::eml::base64(pdf);
    let mut v = format!(
        "{HEAD}Subject: Schadenmeldung mit Formular\r\nContent-Type: multipart/mixed; boundary=\"s\"\r\n\r\n--s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAnbei das Formular zu meinem Wasserschaden.\r\n--s\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"formular.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    );
    for line in b64.as_bytes().chunks(76) {
        v.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        v.push_str("\r\n");
    }
    v.push_str("--s--\r\n");
    v.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_is_built_and_the_same_seed_gives_the_same_files() {
        let a = hostile_inputs(7, FAMILIES.len(), true);
        let b = hostile_inputs(7, FAMILIES.len(), true);
        assert_eq!(a.len(), FAMILIES.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.name, y.name);
            assert_eq!(x.bytes, y.bytes);
            assert!(!x.bytes.is_empty(), "{}", x.name);
        }
        assert!(
            a.iter().all(|h| h.bytes.len() < 8 << 20),
            "mild inputs stay small"
        );
    }
}
