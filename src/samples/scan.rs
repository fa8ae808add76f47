//! Letters as realistic scans, for OCR tests and the OCR benchmark.
//!
//! Owns: rendering a letter page (the same lines [`super::letter_pdf`] sets) into a grey A4
//! bitmap with a Debian font (DejaVu, package `fonts-dejavu-core`) at 200–300 dpi, and the
//! degradations of an office scanner: paper tone, blur, noise and specks, a slight skew, a
//! quarter turn (a page fed sideways or upside down), JPEG artefacts. Also the containers a
//! scanner writes: PNG, JPEG, multi-page CCITT G4 TIFF, image-only PDF and a mixed PDF.
//! Takes: page lines and a [`ScanStyle`]. Gives: encoded bytes; the truth text is the lines
//! themselves ([`truth_text`]). Deterministic: the same style (with its seed) gives the same bytes.

use std::io::{self, Cursor};
use std::path::Path;

use ab_glyph::{FontVec, PxScale};
use image::{GrayImage, ImageEncoder, Luma};
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Where Debian's `fonts-dejavu-core` puts its fonts.
pub const FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";

/// A4 in inches.
const PAGE_W_IN: f32 = 8.27;
const PAGE_H_IN: f32 = 11.69;
/// The same geometry as the born-digital letters (points).
const LEFT_PT: f32 = 70.0;
const TOP_PT: f32 = 62.0;
const FONT_PT: f32 = 10.5;
const LEADING_PT: f32 = 14.5;

/// A page turned by a multiple of 90° (clockwise), as a sheet fed the wrong way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuarterTurn {
    #[default]
    None,
    Cw90,
    Cw180,
    Cw270,
}

/// How a page is scanned.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanStyle {
    pub dpi: u32,
    /// "sans" (DejaVuSans) or "serif" (DejaVuSerif).
    pub serif: bool,
    /// Slight rotation in degrees (positive = counter-clockwise).
    pub skew_degrees: f32,
    pub turn: QuarterTurn,
    /// Gaussian blur sigma in pixels (0 = sharp).
    pub blur: f32,
    /// Gaussian noise standard deviation (grey levels).
    pub noise: f32,
    /// Dark specks per million pixels.
    pub specks_per_mpx: u32,
    /// Round-trip through JPEG at this quality (artefacts), if set.
    pub jpeg_quality: Option<u8>,
    pub seed: u64,
}

impl Default for ScanStyle {
    fn default() -> Self {
        ScanStyle {
            dpi: 300,
            serif: false,
            skew_degrees: 0.0,
            turn: QuarterTurn::None,
            blur: 0.7,
            noise: 6.0,
            specks_per_mpx: 20,
            jpeg_quality: Some(75),
            seed: 1,
        }
    }
}

impl ScanStyle {
    /// A randomly degraded office scan: 200–300 dpi, blur, noise, specks, skew up to ±1.5°,
    /// JPEG artefacts; upright.
    pub fn random(rng: &mut SmallRng) -> ScanStyle {
        ScanStyle {
            dpi: [200, 240, 300, 300][rng.gen_range(0..4)],
            serif: rng.gen_bool(0.4),
            skew_degrees: rng.gen_range(-1.5f32..1.5),
            turn: QuarterTurn::None,
            blur: rng.gen_range(0.3f32..1.0),
            noise: rng.gen_range(2.0f32..10.0),
            specks_per_mpx: rng.gen_range(0..60),
            jpeg_quality: Some(rng.gen_range(55..85)),
            seed: rng.gen(),
        }
    }
}

/// The text a perfect OCR would give for these lines: tabs as spaces, blank lines dropped,
/// whitespace collapsed.
pub fn truth_text(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn font(serif: bool) -> io::Result<FontVec> {
    font_file(if serif {
        "DejaVuSerif.ttf"
    } else {
        "DejaVuSans.ttf"
    })
}

/// A DejaVu font by file name (e.g. `DejaVuSerif-Bold.ttf`), with the install command when missing.
pub fn font_file(name: &str) -> io::Result<FontVec> {
    let path = Path::new(FONT_DIR).join(name);
    let bytes = std::fs::read(&path).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "font {} is missing ({e}); install it with `apt-get install fonts-dejavu-core` (or `make deps`)",
                path.display()
            ),
        )
    })?;
    FontVec::try_from_vec(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Renders one page as a grey scan. An empty `lines` gives a blank (but noisy) sheet.
pub fn render_page(lines: &[String], style: &ScanStyle) -> io::Result<GrayImage> {
    let font = font(style.serif)?;
    let px = |pt: f32| pt / 72.0 * style.dpi as f32;
    let (w, h) = (
        (PAGE_W_IN * style.dpi as f32) as u32,
        (PAGE_H_IN * style.dpi as f32) as u32,
    );
    let mut rng = SmallRng::seed_from_u64(style.seed);
    let paper = rng.gen_range(236u8..250);
    let ink = Luma([rng.gen_range(15u8..55)]);
    let mut img = GrayImage::from_pixel(w, h, Luma([paper]));
    let scale = PxScale::from(px(FONT_PT) * 1.08);
    let leading = px(LEADING_PT);
    let mut y = px(TOP_PT);
    for line in lines {
        let cells: Vec<&str> = line.trim_end().split('\t').collect();
        if cells.len() > 1 {
            let stops = [0.0, 30.0, 230.0, 290.0, 350.0, 410.0];
            for (i, cell) in cells.iter().enumerate().take(stops.len()) {
                let x = px(LEFT_PT + stops[i]);
                imageproc::drawing::draw_text_mut(
                    &mut img, ink, x as i32, y as i32, scale, &font, cell,
                );
            }
        } else if !line.trim().is_empty() {
            imageproc::drawing::draw_text_mut(
                &mut img,
                ink,
                px(LEFT_PT) as i32,
                y as i32,
                scale,
                &font,
                line.trim_end(),
            );
        }
        y += leading;
        if y > h as f32 - px(50.0) {
            break;
        }
    }
    degrade(img, style, &mut rng, paper)
}

/// An upright ruled parts table as old printed catalogues have it, A4 at 200 dpi (the kind of
/// page whose ink profile proposes a turn): the edge of the sheet dark on the scanner's lid,
/// page number, double rule, four columns with vertical rules, part numbers and table
/// references of digits and capitals only, short entries that line up in columns. Gives the
/// page and words on it (headings and part numbers) for tests to look for.
pub fn ruled_table_page() -> io::Result<(GrayImage, Vec<String>)> {
    let (w, h) = (1654u32, 2339u32);
    let mut img = GrayImage::from_pixel(w, h, Luma([246]));
    let bold = font_file("DejaVuSerif-Bold.ttf")?;
    let sans = font_file("DejaVuSans-Bold.ttf")?;
    let ink = Luma([25]);
    let text = |img: &mut GrayImage, f: &FontVec, px: f32, x: u32, y: u32, s: &str| {
        imageproc::drawing::draw_text_mut(img, ink, x as i32, y as i32, PxScale::from(px), f, s);
    };
    let rule = |img: &mut GrayImage, x0: u32, x1: u32, y0: u32, y1: u32| {
        for y in y0..=y1 {
            for x in x0..=x1 {
                img.put_pixel(x, y, ink);
            }
        }
    };
    let (left, right, top) = (220u32, 1440u32, 300u32);
    let cols = [left, 520, 820, 1130, right];
    text(&mut img, &bold, 40.0, 800, 150, "15");
    // The edge of the sheet, dark on the scanner's lid.
    rule(&mut img, 60, 63, 0, h - 1);
    rule(&mut img, left, right, top, top + 3);
    rule(&mut img, left, right, top + 10, top + 11);
    let mut words = Vec::new();
    for (i, head) in ["Part No.", "Table No.", "Part No.", "Table No."]
        .iter()
        .enumerate()
    {
        text(&mut img, &sans, 24.0, cols[i] + 80, top + 30, head);
    }
    words.extend(["Part", "Table"].map(String::from));
    rule(&mut img, left, right, top + 75, top + 77);
    let refs = ["13 A", "14 B", "13 A-14 B", "14 A"];
    let mut y = top + 95;
    let mut n = 1u32;
    for row in 0..44u32 {
        let (a, b) = (n, n + 87);
        n += 1 + row % 3 / 2;
        for (i, s) in [
            a.to_string(),
            refs[(row as usize * 7) % refs.len()].to_string(),
            b.to_string(),
            refs[(row as usize * 5 + 1) % refs.len()].to_string(),
        ]
        .iter()
        .enumerate()
        {
            text(&mut img, &bold, 34.0, cols[i] + 100, y, s);
        }
        words.push(b.to_string());
        y += 40;
    }
    rule(&mut img, left, right, y + 10, y + 12);
    for &x in &cols[1..4] {
        rule(&mut img, x, x + 2, top + 12, y + 10);
    }
    Ok((img, words))
}

fn degrade(
    mut img: GrayImage,
    style: &ScanStyle,
    rng: &mut SmallRng,
    paper: u8,
) -> io::Result<GrayImage> {
    if style.skew_degrees != 0.0 {
        img = imageproc::geometric_transformations::rotate_about_center(
            &img,
            -style.skew_degrees.to_radians(),
            imageproc::geometric_transformations::Interpolation::Bilinear,
            imageproc::geometric_transformations::Border::Constant(Luma([paper])),
        );
    }
    if style.blur > 0.0 {
        img = imageproc::filter::gaussian_blur_f32(&img, style.blur);
    }
    if style.noise > 0.0 {
        imageproc::noise::gaussian_noise_mut(&mut img, 0.0, style.noise as f64, rng.gen());
    }
    let specks = (u64::from(img.width()) * u64::from(img.height()) / 1_000_000)
        * u64::from(style.specks_per_mpx);
    for _ in 0..specks {
        let (x, y) = (
            rng.gen_range(1..img.width() - 2),
            rng.gen_range(1..img.height() - 2),
        );
        let dark = Luma([rng.gen_range(20u8..120)]);
        img.put_pixel(x, y, dark);
        if rng.gen_bool(0.5) {
            img.put_pixel(x + 1, y, dark);
            img.put_pixel(x, y + 1, dark);
        }
    }
    img = match style.turn {
        QuarterTurn::None => img,
        QuarterTurn::Cw90 => image::imageops::rotate90(&img),
        QuarterTurn::Cw180 => image::imageops::rotate180(&img),
        QuarterTurn::Cw270 => image::imageops::rotate270(&img),
    };
    if let Some(q) = style.jpeg_quality {
        let jpeg = encode_jpeg(&img, q)?;
        img = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg)
            .map_err(io::Error::other)?
            .to_luma8();
    }
    Ok(img)
}

pub fn encode_png(img: &GrayImage) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Best,
        image::codecs::png::FilterType::Adaptive,
    )
    .write_image(
        img.as_raw(),
        img.width(),
        img.height(),
        image::ExtendedColorType::L8,
    )
    .map_err(io::Error::other)?;
    Ok(out)
}

pub fn encode_jpeg(img: &GrayImage, quality: u8) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .map_err(io::Error::other)?;
    Ok(out)
}

/// Thresholds a grey page to black and white (what office scanners store as G4).
fn bilevel_rows(img: &GrayImage) -> impl Iterator<Item = Vec<fax::Color>> + '_ {
    img.rows().map(|row| {
        row.map(|p| {
            if p.0[0] < 150 {
                fax::Color::Black
            } else {
                fax::Color::White
            }
        })
        .collect()
    })
}

/// CCITT Group 4 data of a page (thresholded), as TIFF and PDF store it.
pub fn encode_g4(img: &GrayImage) -> Vec<u8> {
    let width = img.width().min(u32::from(u16::MAX)) as u16;
    let mut encoder = fax::encoder::Encoder::new(fax::VecWriter::new());
    for row in bilevel_rows(img) {
        // Writing into a Vec cannot fail.
        let _ = encoder.encode_line(row.into_iter(), width);
    }
    match encoder.finish() {
        Ok(w) => w.finish(),
        Err(_) => Vec::new(),
    }
}

/// A multi-page TIFF, one CCITT G4 (bilevel) image per page, as office scanners write it.
pub fn encode_tiff_g4(pages: &[GrayImage], dpi: u32) -> io::Result<Vec<u8>> {
    use tiff::encoder::{Rational, TiffEncoder};
    use tiff::tags::Tag;
    let mut out = Cursor::new(Vec::new());
    let mut tiff = TiffEncoder::new(&mut out).map_err(io::Error::other)?;
    for page in pages {
        let data = encode_g4(page);
        let mut dir = tiff.image_directory().map_err(io::Error::other)?;
        let offset = dir.write_data(&data[..]).map_err(io::Error::other)?;
        let res = Rational { n: dpi, d: 1 };
        let tags: Vec<(Tag, u32)> = vec![
            (Tag::NewSubfileType, 2),
            (Tag::ImageWidth, page.width()),
            (Tag::ImageLength, page.height()),
            (Tag::BitsPerSample, 1),
            (Tag::Compression, 4),
            (Tag::PhotometricInterpretation, 0),
            (Tag::SamplesPerPixel, 1),
            (Tag::RowsPerStrip, page.height()),
            (Tag::StripByteCounts, data.len() as u32),
            (Tag::ResolutionUnit, 2),
        ];
        for (tag, value) in tags {
            dir.write_tag(tag, value).map_err(io::Error::other)?;
        }
        dir.write_tag(Tag::StripOffsets, offset as u32)
            .map_err(io::Error::other)?;
        dir.write_tag(Tag::XResolution, res.clone())
            .map_err(io::Error::other)?;
        dir.write_tag(Tag::YResolution, res)
            .map_err(io::Error::other)?;
        dir.finish().map_err(io::Error::other)?;
    }
    Ok(out.into_inner())
}

/// One page of a scanned PDF.
pub enum PdfPage<'a> {
    /// A page image stored as JPEG (DCTDecode), what most scanners write.
    Jpeg(&'a GrayImage, u8),
    /// A page image stored as CCITT G4 (CCITTFaxDecode), bilevel.
    G4(&'a GrayImage),
    /// A born-digital page with real text (Helvetica), for mixed documents.
    Text(&'a [String]),
}

/// A PDF whose pages are images (and, for mixed documents, some text pages), A4.
pub fn image_pdf(pages: &[PdfPage<'_>]) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1",
        "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let mut kids = Vec::new();
    for page in pages {
        let (content, resources) = match page {
            PdfPage::Text(lines) => {
                let mut ops = vec![
                    Operation::new("BT", vec![]),
                    Operation::new("Tf", vec!["F1".into(), 10.into()]),
                    Operation::new("TL", vec![13.5.into()]),
                    Operation::new("Td", vec![70.into(), 780.into()]),
                ];
                for line in lines.iter() {
                    ops.push(Operation::new(
                        "Tj",
                        vec![Object::string_literal(super::pdf::win_ansi(line))],
                    ));
                    ops.push(Operation::new("T*", vec![]));
                }
                ops.push(Operation::new("ET", vec![]));
                (
                    Content { operations: ops }.encode().unwrap_or_default(),
                    dictionary! { "Font" => dictionary! { "F1" => font } },
                )
            }
            PdfPage::Jpeg(img, _) | PdfPage::G4(img) => {
                let stream = match page {
                    PdfPage::Jpeg(img, q) => Stream::new(
                        dictionary! {
                            "Type" => "XObject", "Subtype" => "Image",
                            "Width" => img.width() as i64, "Height" => img.height() as i64,
                            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
                            "Filter" => "DCTDecode",
                        },
                        encode_jpeg(img, *q).unwrap_or_default(),
                    ),
                    _ => Stream::new(
                        dictionary! {
                            "Type" => "XObject", "Subtype" => "Image",
                            "Width" => img.width() as i64, "Height" => img.height() as i64,
                            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 1,
                            "Filter" => "CCITTFaxDecode",
                            "DecodeParms" => dictionary! {
                                "K" => -1, "Columns" => img.width() as i64,
                                "Rows" => img.height() as i64, "BlackIs1" => false,
                            },
                        },
                        encode_g4(img),
                    ),
                };
                let image_id = doc.add_object(stream);
                let ops = vec![
                    Operation::new("q", vec![]),
                    Operation::new(
                        "cm",
                        vec![
                            595.into(),
                            0.into(),
                            0.into(),
                            842.into(),
                            0.into(),
                            0.into(),
                        ],
                    ),
                    Operation::new("Do", vec!["Im0".into()]),
                    Operation::new("Q", vec![]),
                ];
                (
                    Content { operations: ops }.encode().unwrap_or_default(),
                    dictionary! { "XObject" => dictionary! { "Im0" => image_id } },
                )
            }
        };
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        kids.push(Object::Reference(doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Resources" => resources,
            "Contents" => content_id,
        })));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("writing to a Vec cannot fail");
    out
}

/// One line of `samples/scans/truth.jsonl` (and of a scan corpus's `truth.jsonl`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct ScanTruth {
    pub file: String,
    /// The customer number printed (canonically) on the letter, when there is one.
    pub customer_id: Option<String>,
    /// Page turn applied (clockwise degrees) and skew, for the tests' expectations.
    pub turned: u16,
    pub skew_degrees: f32,
    /// 1-based pages that are born-digital text (mixed PDFs); they need no OCR.
    pub text_pages: Vec<u32>,
    /// The truth text of each page, in order (blank pages: empty).
    pub pages: Vec<String>,
}

/// A one-page letter about customer `cust` that prints its customer number canonically
/// (so a test can search for it), as page lines.
fn letter_with_customer_number(
    rng: &mut SmallRng,
    md: &super::people::MasterData,
    cust: usize,
    doc_type: super::letters::DocType,
) -> (Vec<String>, String) {
    let date = chrono::NaiveDate::from_ymd_opt(2026, 3, 10).expect("date");
    loop {
        let doc = super::letters::compose(rng, md, cust, doc_type, date);
        let pages = super::letters::render_letter(&doc, rng);
        let id = md.customers[cust].customer_id.clone();
        if pages.len() == 1 && pages[0].iter().any(|l| l.contains(&id)) {
            return (pages[0].clone(), id);
        }
    }
}

/// Writes the committed sample scans (see `samples/README.md`) into `dir`, with
/// `truth.jsonl`. Kept small: PNGs without grain, 200 dpi, G4 for bilevel pages.
pub fn write_scan_set(dir: &Path) -> io::Result<()> {
    use super::letters::DocType;
    std::fs::create_dir_all(dir)?;
    let md = super::people::master_data(1, 50);
    let mut rng = SmallRng::seed_from_u64(0x5343_414e_0001);
    let rng = &mut rng;
    let clean = ScanStyle {
        dpi: 200,
        blur: 0.6,
        noise: 0.0,
        specks_per_mpx: 15,
        jpeg_quality: None,
        ..ScanStyle::default()
    };
    let mut truth = Vec::new();
    let mut put = |file: &str,
                   bytes: Vec<u8>,
                   customer_id: Option<String>,
                   style: &ScanStyle,
                   text_pages: Vec<u32>,
                   pages: Vec<String>|
     -> io::Result<()> {
        std::fs::write(dir.join(file), bytes)?;
        truth.push(ScanTruth {
            file: file.into(),
            customer_id,
            turned: match style.turn {
                QuarterTurn::None => 0,
                QuarterTurn::Cw90 => 90,
                QuarterTurn::Cw180 => 180,
                QuarterTurn::Cw270 => 270,
            },
            skew_degrees: style.skew_degrees,
            text_pages,
            pages,
        });
        Ok(())
    };

    // A German letter as PNG.
    let (lines, id) = letter_with_customer_number(rng, &md, 3, DocType::Cancellation);
    let img = render_page(&lines, &clean)?;
    put(
        "letter.png",
        encode_png(&img)?,
        Some(id),
        &clean,
        vec![],
        vec![truth_text(&lines)],
    )?;

    // Two pages as a G4 TIFF (office scanner, bilevel, 300 dpi).
    let (l1, id) = letter_with_customer_number(rng, &md, 7, DocType::Complaint);
    let (l2, _) = letter_with_customer_number(rng, &md, 7, DocType::AddressChange);
    let g4 = ScanStyle {
        dpi: 300,
        blur: 0.0,
        specks_per_mpx: 5,
        seed: 2,
        ..clean.clone()
    };
    let pages = [render_page(&l1, &g4)?, render_page(&l2, &g4)?];
    put(
        "letter-2p-g4.tif",
        encode_tiff_g4(&pages, 300)?,
        Some(id),
        &g4,
        vec![],
        vec![truth_text(&l1), truth_text(&l2)],
    )?;

    // An image-only PDF (JPEG page, grain and JPEG artefacts).
    let (lines, id) = letter_with_customer_number(rng, &md, 11, DocType::Claim);
    let grainy = ScanStyle {
        noise: 4.0,
        jpeg_quality: None,
        seed: 3,
        ..clean.clone()
    };
    let img = render_page(&lines, &grainy)?;
    put(
        "letter-image-only.pdf",
        image_pdf(&[PdfPage::Jpeg(&img, 45)]),
        Some(id),
        &grainy,
        vec![],
        vec![truth_text(&lines)],
    )?;

    // Turned by 90° and by 180°.
    for (file, turn, cust, seed) in [
        ("rotated-90.png", QuarterTurn::Cw90, 15, 4),
        ("rotated-180.png", QuarterTurn::Cw180, 19, 5),
    ] {
        let (lines, id) = letter_with_customer_number(rng, &md, cust, DocType::BankDetailsChange);
        let style = ScanStyle {
            turn,
            seed,
            ..clean.clone()
        };
        let img = render_page(&lines, &style)?;
        put(
            file,
            encode_png(&img)?,
            Some(id),
            &style,
            vec![],
            vec![truth_text(&lines)],
        )?;
    }

    // A skewed scan, as a JPEG.
    let (lines, id) = letter_with_customer_number(rng, &md, 23, DocType::AddressChange);
    let skewed = ScanStyle {
        skew_degrees: 2.5,
        noise: 3.0,
        jpeg_quality: None,
        seed: 6,
        ..clean.clone()
    };
    let img = render_page(&lines, &skewed)?;
    put(
        "skewed.jpg",
        encode_jpeg(&img, 60)?,
        Some(id),
        &skewed,
        vec![],
        vec![truth_text(&lines)],
    )?;

    // A blank page (specks only).
    let blank = ScanStyle {
        specks_per_mpx: 30,
        seed: 7,
        ..clean.clone()
    };
    let img = render_page(&[], &blank)?;
    put(
        "blank.png",
        encode_png(&img)?,
        None,
        &blank,
        vec![],
        vec![String::new()],
    )?;

    // A mixed PDF: page 1 born-digital text, page 2 a scanned (G4) page.
    let (l1, _) = letter_with_customer_number(rng, &md, 29, DocType::Claim);
    let (l2, id2) = letter_with_customer_number(rng, &md, 31, DocType::Cancellation);
    let g4 = ScanStyle {
        dpi: 300,
        blur: 0.0,
        specks_per_mpx: 5,
        seed: 8,
        ..clean.clone()
    };
    let img = render_page(&l2, &g4)?;
    put(
        "mixed.pdf",
        image_pdf(&[PdfPage::Text(&l1), PdfPage::G4(&img)]),
        Some(id2),
        &g4,
        vec![1],
        vec![truth_text(&l1), truth_text(&l2)],
    )?;

    let mut out = String::new();
    for t in &truth {
        out.push_str(&serde_json::to_string(t).map_err(io::Error::other)?);
        out.push('\n');
    }
    std::fs::write(dir.join("truth.jsonl"), out)
}

/// Writes `count` single-page scans (`scan-NNNNNN.jpg`, randomly degraded office scans, one in
/// ten turned: 90° or 180°) and `truth.jsonl`, for the OCR benchmark.
pub fn write_scan_corpus(dir: &Path, count: usize, seed: u64) -> io::Result<Vec<ScanTruth>> {
    use super::letters::DocType;
    std::fs::create_dir_all(dir)?;
    let md = super::people::master_data(seed, 200);
    let mut rng = SmallRng::seed_from_u64(seed ^ 0x5343_414e_0002);
    let mut truth = Vec::with_capacity(count);
    for i in 1..=count {
        let cust = rng.gen_range(0..md.customers.len());
        let t = DocType::ALL[rng.gen_range(0..DocType::ALL.len())];
        let date = chrono::NaiveDate::from_ymd_opt(2026, 1 + (i % 12) as u32, 5).expect("date");
        let doc = super::letters::compose(&mut rng, &md, cust, t, date);
        let lines = super::letters::render_letter(&doc, &mut rng)
            .into_iter()
            .next()
            .unwrap_or_default();
        let mut style = ScanStyle::random(&mut rng);
        style.turn = match i % 20 {
            3 => QuarterTurn::Cw90,
            13 => QuarterTurn::Cw180,
            _ => QuarterTurn::None,
        };
        let q = style.jpeg_quality.take().unwrap_or(70);
        let img = render_page(&lines, &style)?;
        let file = format!("scan-{i:06}.jpg");
        std::fs::write(dir.join(&file), encode_jpeg(&img, q)?)?;
        truth.push(ScanTruth {
            file,
            customer_id: doc.customer_id.clone(),
            turned: match style.turn {
                QuarterTurn::Cw90 => 90,
                QuarterTurn::Cw180 => 180,
                _ => 0,
            },
            skew_degrees: style.skew_degrees,
            text_pages: vec![],
            pages: vec![truth_text(&lines)],
        });
    }
    let mut out = String::new();
    for t in &truth {
        out.push_str(&serde_json::to_string(t).map_err(io::Error::other)?);
        out.push('\n');
    }
    std::fs::write(dir.join("truth.jsonl"), out)?;
    Ok(truth)
}

/// Character error rate: edit distance between `got` and `want` (whitespace runs folded to one
/// space on both sides) divided by the length of `want`.
pub fn cer(got: &str, want: &str) -> f64 {
    let norm = |s: &str| -> Vec<char> {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .collect()
    };
    let (a, b) = (norm(got), norm(want));
    if b.is_empty() {
        return if a.is_empty() { 0.0 } else { 1.0 };
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()] as f64 / b.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cer_counts_edits() {
        assert_eq!(cer("Hallo  Welt", "Hallo Welt"), 0.0);
        assert!((cer("Hallo Wclt", "Hallo Welt") - 0.1).abs() < 1e-9);
        assert_eq!(cer("", ""), 0.0);
    }

    #[test]
    fn g4_tiff_round_trips_through_the_decoder() {
        let style = ScanStyle {
            dpi: 100,
            jpeg_quality: None,
            noise: 0.0,
            ..ScanStyle::default()
        };
        let page = render_page(&["Sehr geehrte Damen und Herren".to_string()], &style).unwrap();
        let tiff = encode_tiff_g4(&[page.clone(), page], 100).unwrap();
        let pages = crate::ocr::decode::decode_pages(
            &tiff,
            "image/tiff",
            &[1, 2],
            10_000_000,
            Path::new("/tmp"),
        )
        .unwrap();
        assert_eq!(pages.len(), 2);
        let img = &pages[1].1.as_ref().unwrap().image;
        let dark = img.pixels().filter(|p| p.0[0] < 128).count();
        assert!(dark > 100 && dark < img.len() / 10, "dark pixels: {dark}");
    }

    #[test]
    fn image_pdf_pages_decode_upright_and_dark_on_light() {
        let style = ScanStyle {
            dpi: 100,
            jpeg_quality: None,
            noise: 0.0,
            ..ScanStyle::default()
        };
        let page = render_page(&["Sehr geehrte Damen und Herren".to_string()], &style).unwrap();
        let lines = vec!["Seite eins mit Text".to_string()];
        let pdf = image_pdf(&[
            PdfPage::Jpeg(&page, 60),
            PdfPage::G4(&page),
            PdfPage::Text(&lines),
        ]);
        let pages = crate::ocr::decode::decode_pages(
            &pdf,
            "application/pdf",
            &[1, 2],
            10_000_000,
            Path::new("/tmp"),
        )
        .unwrap();
        for (n, page) in pages {
            let page = page.unwrap();
            assert_eq!(page.dpi, 100, "page {n}");
            let dark = page.image.pixels().filter(|p| p.0[0] < 128).count();
            assert!(
                dark > 100 && dark < page.image.len() / 10,
                "page {n}: {dark}"
            );
        }
    }
}
