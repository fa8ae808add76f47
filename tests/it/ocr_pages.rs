//! OCR of single pages through the library (`intake::ocr::ocr_part`, the per-page procedure
//! the OCR stage runs) with the real tesseract: pages the cheap steps used to get wrong. The
//! pages are drawn here with Debian's DejaVu fonts; assertions are on the turn made and on
//! words found, never on exact text.

use ab_glyph::PxScale;
use image::{GrayImage, Luma, Rgba, RgbaImage};
use intake::ocr::{ocr_part, OcrSettings, PageReport};
use intake::samples::scan::{
    encode_png, font_file, render_page, ruled_table_page, QuarterTurn, ScanStyle,
};

use crate::ocr::require_tesseract;

/// Reads one page (PNG bytes) with the default settings; returns its text and report.
fn read(png: &[u8]) -> (String, PageReport) {
    let settings = OcrSettings {
        searchable_pdf: false,
        ..OcrSettings::default()
    };
    let mut engine = settings.engine().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let part = ocr_part(
        &mut engine,
        png,
        "image/png",
        &[1],
        &settings,
        scratch.path(),
    );
    let report = part.report.pages[0].clone();
    assert!(report.error.is_none(), "{report:?}");
    (part.texts[0].1.clone(), report)
}

/// Share of `words` found in `text` (as words: surrounded by non-alphanumerics).
fn found(text: &str, words: &[&str]) -> f64 {
    let got: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .collect();
    words.iter().filter(|w| got.contains(w)).count() as f64 / words.len() as f64
}

#[test]
fn an_upright_ruled_table_page_stays_upright() {
    require_tesseract();
    let (page, words) = ruled_table_page().unwrap();
    let (text, report) = read(&encode_png(&page).unwrap());
    assert_eq!(report.rotated, 0, "{report:?}\n{text}");
    // Its ink looks sideways (rules and columns); the check refused the turn.
    let check = report.orientation.as_ref().expect("a turn was proposed");
    assert!(!check.verdict.turned(), "{check:?}");
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let share = found(&text, &words);
    assert!(share >= 0.8, "{share:.2} of the words in:\n{text}");
}

fn letter_lines() -> Vec<String> {
    [
        "Gerda Hoffmann · Lindenallee 12 · 30159 Hannover",
        "",
        "Nordstern Versicherung AG",
        "Schadenabteilung",
        "Postfach 44 01 20",
        "20095 Hamburg",
        "",
        "Hannover, 14. Februar 2026",
        "",
        "Schadenmeldung zum Wasserschaden in meiner Wohnung",
        "",
        "Sehr geehrte Damen und Herren,",
        "",
        "am Sonntagabend ist in der Wohnung über mir eine Leitung geplatzt. Das Wasser",
        "ist durch die Decke in mein Schlafzimmer gelaufen und hat den Teppichboden,",
        "die Tapete und einen Kleiderschrank beschädigt. Ein Handwerker hat die Stelle",
        "am Montag begutachtet und die Leitung abgedichtet; seine Rechnung lege ich bei.",
        "",
        "Bitte teilen Sie mir mit, welche Unterlagen Sie außerdem benötigen und ob ein",
        "Gutachter die Wohnung besichtigen möchte. Ich bin vormittags gut erreichbar.",
        "",
        "Mit freundlichen Grüßen",
        "Gerda Hoffmann",
    ]
    .map(String::from)
    .to_vec()
}

/// Longer words of the letter, to look for in the reading.
fn letter_words() -> Vec<&'static str> {
    vec![
        "Versicherung",
        "Schadenabteilung",
        "Hamburg",
        "Wasserschaden",
        "Wohnung",
        "Leitung",
        "Schlafzimmer",
        "Teppichboden",
        "Kleiderschrank",
        "Handwerker",
        "Rechnung",
        "Unterlagen",
        "Gutachter",
        "freundlichen",
        "Hoffmann",
    ]
}

#[test]
fn pages_turned_by_90_180_270_degrees_are_turned_back() {
    require_tesseract();
    for (turn, back) in [
        (QuarterTurn::Cw90, 270),
        (QuarterTurn::Cw180, 180),
        (QuarterTurn::Cw270, 90),
    ] {
        let style = ScanStyle {
            dpi: 200,
            turn,
            noise: 3.0,
            jpeg_quality: None,
            seed: 11,
            ..ScanStyle::default()
        };
        let page = render_page(&letter_lines(), &style).unwrap();
        let (text, report) = read(&encode_png(&page).unwrap());
        assert_eq!(report.rotated, back, "{turn:?}: {report:?}");
        let share = found(&text, &letter_words());
        assert!(
            share >= 0.9,
            "{turn:?}: {share:.2} of the words in:\n{text}"
        );
    }
}

/// A bank-statement snippet, as a screenshot tool saves it: 957×307 pixels, small print (12 px
/// type), no resolution of its own.
fn statement_snippet(
    width: u32,
    height: u32,
    mut put: impl FnMut(u32, u32, f32),
) -> Vec<&'static str> {
    let sans = font_file("DejaVuSans.ttf").unwrap();
    let lines = [
        "Datum        Buchungstext                     Betrag      Saldo",
        "01.08.2026   Lastschrift Nordstern Versicherung   -36,07   9.914,15",
        "01.08.2026   Gutschrift Gehalt August           2.800,04  12.714,19",
        "02.08.2026   Kartenzahlung Baumarkt Hoffmann       -823,34  11.890,85",
        "03.08.2026   Dauerauftrag Miete Lindenallee     -1.500,00  10.390,85",
        "04.08.2026   Überweisung Handwerker Rechnung       -400,00   9.990,85",
        "05.08.2026   Lastschrift Stadtwerke Hannover        -48,08   9.942,77",
    ];
    let scale = PxScale::from(15.0);
    let mut canvas = GrayImage::from_pixel(width, height, Luma([0]));
    for (i, line) in lines.iter().enumerate() {
        imageproc::drawing::draw_text_mut(
            &mut canvas,
            Luma([255]),
            12,
            20 + i as i32 * 38,
            scale,
            &sans,
            line,
        );
    }
    // `canvas` holds the ink's coverage (255 = full ink).
    for (x, y, p) in canvas.enumerate_pixels() {
        put(x, y, f32::from(p.0[0]) / 255.0);
    }
    vec![
        "Buchungstext",
        "Lastschrift",
        "Nordstern",
        "Versicherung",
        "Gutschrift",
        "Gehalt",
        "Kartenzahlung",
        "Baumarkt",
        "Dauerauftrag",
        "Miete",
        "Handwerker",
        "Rechnung",
        "Stadtwerke",
        "Hannover",
    ]
}

#[test]
fn an_rgba_snippet_is_read_as_shown_on_white() {
    require_tesseract();
    // Ink drawn only in the alpha channel over fully transparent black, as many screenshot
    // and PDF tools write it: a viewer shows dark text on white (read as black on black
    // before: no word).
    let mut rgba = RgbaImage::from_pixel(957, 307, Rgba([0, 0, 0, 0]));
    let words = statement_snippet(957, 307, |x, y, ink| {
        rgba.put_pixel(x, y, Rgba([20, 20, 30, (ink * 255.0).round() as u8]));
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(rgba)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let (text, report) = read(&png);
    let share = found(&text, &words);
    assert!(
        share >= 0.8,
        "{share:.2} of the words in:\n{text}\n{report:?}"
    );
}

#[test]
fn a_low_resolution_snippet_is_read() {
    require_tesseract();
    // Grey, small print, no resolution in the file: taken for a 300 dpi page, it used to be
    // reduced to the 200 dpi working resolution and its glyphs to 7 px (0.71 of the words).
    let mut grey = GrayImage::from_pixel(957, 307, Luma([255]));
    let words = statement_snippet(957, 307, |x, y, ink| {
        grey.put_pixel(x, y, Luma([(255.0 - ink * 235.0).round() as u8]));
    });
    let (text, report) = read(&encode_png(&grey).unwrap());
    let share = found(&text, &words);
    assert!(
        share >= 0.8,
        "{share:.2} of the words in:\n{text}\n{report:?}"
    );
}
