//! Born-digital letter PDFs: A4 pages, Helvetica / Helvetica-Bold with
//! `/WinAnsiEncoding`, one text line per input line, written with lopdf. Owns the
//! Unicode -> Windows-1252 mapping so umlauts, ß and € survive text extraction.

use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream, StringFormat};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const LEFT: f32 = 70.0;
const TOP: f32 = 780.0;
const BOTTOM: f32 = 60.0;
const FONT_SIZE: f32 = 10.0;
const LEADING: f32 = 13.5;
/// Tab stops (relative to the left margin) for lines with '\t'-separated cells,
/// chosen by the number of cells (2 to 6): a narrow first column (position numbers),
/// a wide second one (descriptions), then amounts.
fn tab_stops(cells: usize) -> &'static [f32] {
    match cells {
        2 => &[0.0, 150.0],
        3 => &[0.0, 30.0, 330.0],
        4 => &[0.0, 30.0, 290.0, 370.0],
        5 => &[0.0, 30.0, 270.0, 310.0, 385.0],
        _ => &[0.0, 30.0, 230.0, 270.0, 330.0, 395.0],
    }
}

/// Encodes text as Windows-1252 (what `/WinAnsiEncoding` means); unmappable characters become `?`.
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => c as u8,
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8a,
            '‹' => 0x8b,
            'Œ' => 0x8c,
            'Ž' => 0x8e,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9a,
            '›' => 0x9b,
            'œ' => 0x9c,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            '\t' => b' ',
            _ => b'?',
        })
        .collect()
}

fn text_op(line: &str) -> Operation {
    Operation::new(
        "Tj",
        vec![Object::String(win_ansi(line), StringFormat::Literal)],
    )
}

fn page_content(lines: &[String], page: usize, pages: usize) -> Vec<u8> {
    let usable = TOP - BOTTOM;
    let needed = lines.len() as f32 * LEADING;
    // Squeeze overlong pages instead of running off the sheet.
    let scale = if needed > usable {
        usable / needed
    } else {
        1.0
    };
    let leading = LEADING * scale;
    let size = (FONT_SIZE * scale).max(6.0);
    let mut ops = vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec!["F1".into(), size.into()]),
        Operation::new("TL", vec![leading.into()]),
        Operation::new("Td", vec![LEFT.into(), TOP.into()]),
    ];
    let mut bold = false;
    for line in lines {
        let want_bold = line.starts_with("Betreff") || line.starts_with("RECHNUNG");
        if want_bold != bold {
            let font = if want_bold { "F2" } else { "F1" };
            ops.push(Operation::new("Tf", vec![font.into(), size.into()]));
            bold = want_bold;
        }
        let cells: Vec<&str> = line.trim_end().split('\t').collect();
        if (2..=6).contains(&cells.len()) {
            let tabs = tab_stops(cells.len());
            // Tab-separated cells start at fixed tab stops; a trailing space keeps
            // the cells apart in text extraction.
            let mut x = 0.0;
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    ops.push(Operation::new("Td", vec![(tabs[i] - x).into(), 0.into()]));
                    x = tabs[i];
                }
                let last = i + 1 == cells.len();
                ops.push(text_op(&if last {
                    cell.to_string()
                } else {
                    format!("{cell} ")
                }));
            }
            ops.push(Operation::new("Td", vec![(-x).into(), 0.into()]));
        } else if !line.trim().is_empty() {
            ops.push(text_op(&line.trim_end().replace('\t', "  ")));
        }
        ops.push(Operation::new("T*", vec![]));
    }
    ops.push(Operation::new("ET", vec![]));
    if pages > 1 {
        let footer = format!("Seite {} von {}", page + 1, pages);
        ops.extend([
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 8.into()]),
            Operation::new("Td", vec![(PAGE_W - LEFT - 60.0).into(), 35.into()]),
            text_op(&footer),
            Operation::new("ET", vec![]),
        ]);
    }
    Content { operations: ops }
        .encode()
        .expect("content encodes")
}

/// A born-digital A4 letter: each inner `Vec` is one page's lines (top to bottom,
/// left-aligned; lines starting with "Betreff" or "RECHNUNG" are set in bold; a line
/// with '\t'-separated cells is set in columns at fixed tab stops). An empty slice gives
/// one blank page. Multi-page letters get a "Seite i von n" footer.
pub fn letter_pdf(pages: &[Vec<String>]) -> Vec<u8> {
    let blank = [Vec::new()];
    let pages: &[Vec<String>] = if pages.is_empty() { &blank } else { pages };
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let f1 = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1",
        "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let f2 = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1",
        "BaseFont" => "Helvetica-Bold", "Encoding" => "WinAnsiEncoding",
    });
    let resources = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => f1, "F2" => f2 },
    });
    let mut kids: Vec<Object> = Vec::with_capacity(pages.len());
    for (i, lines) in pages.iter().enumerate() {
        let mut stream = Stream::new(dictionary! {}, page_content(lines, i, pages.len()));
        // Compression only fails on I/O errors of an in-memory buffer; uncompressed is fine too.
        let _ = stream.compress();
        let content_id = doc.add_object(stream);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), PAGE_W.into(), PAGE_H.into()],
            "Contents" => content_id,
            "Resources" => resources,
        });
        kids.push(page_id.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info = doc.add_object(dictionary! {
        "Producer" => Object::string_literal("intake samples (lopdf)"),
        "Creator" => Object::string_literal("intake::samples::letter_pdf"),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    let mut out = Vec::with_capacity(4096);
    doc.save_to(&mut out).expect("writing to a Vec cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_extraction_keeps_umlauts_and_numbers() {
        let pages = vec![
            vec![
                "Jürgen Weiß".to_string(),
                "Königsallee 12".to_string(),
                "40212 Düsseldorf".to_string(),
                String::new(),
                "Betreff: Kündigung meiner Kfz-Versicherung".to_string(),
                "Versicherungsnummer: KF-123 456 789".to_string(),
                "Beitrag: 1.234,56 € – ÄÖÜ äöü ß „zitiert“".to_string(),
            ],
            vec!["Mit freundlichen Grüßen".to_string()],
        ];
        let bytes = letter_pdf(&pages);
        let doc = Document::load_mem(&bytes).expect("loads");
        assert_eq!(doc.get_pages().len(), 2);
        let text = doc.extract_text(&[1]).expect("text");
        for needle in [
            "Jürgen Weiß",
            "Düsseldorf",
            "Kündigung",
            "KF-123 456 789",
            "1.234,56 €",
            "ÄÖÜ äöü ß",
            "„zitiert“",
        ] {
            assert!(text.contains(needle), "{needle:?} missing in {text:?}");
        }
        let text2 = doc.extract_text(&[2]).expect("text");
        assert!(text2.contains("Grüßen"), "{text2:?}");
        assert!(text2.contains("Seite 2 von 2"), "{text2:?}");
    }

    #[test]
    fn tabbed_lines_keep_cells_apart() {
        let bytes = letter_pdf(&[vec![
            "1\tAnfahrtspauschale\t1\t54,00 €\t54,00 €".into(),
            "Ende".into(),
        ]]);
        let doc = Document::load_mem(&bytes).unwrap();
        let text = doc.extract_text(&[1]).unwrap();
        assert!(
            text.contains("1 Anfahrtspauschale 1 54,00 € 54,00 €\nEnde"),
            "{text:?}"
        );
    }

    #[test]
    fn empty_input_gives_one_page_and_is_deterministic() {
        let a = letter_pdf(&[]);
        assert_eq!(Document::load_mem(&a).unwrap().get_pages().len(), 1);
        let p = vec![vec!["a".to_string()]];
        assert_eq!(letter_pdf(&p), letter_pdf(&p));
    }
}
