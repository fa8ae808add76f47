//! Page images out of scanned files: the pixels OCR reads.
//!
//! Owns: decoding PNG and JPEG (`image`; any colour type: transparency composited on white,
//! 16-bit, palette, grey+alpha, CMYK JPEG; the EXIF "shown turned" tag applied), multi-page
//! TIFF including CCITT G4, LZW and deflate (`tiff`; grey, RGB, RGBA, CMYK, 8 and 16 bit), and the page images of image-only PDFs (`lopdf`: DCT/JPEG, Flate and
//! CCITT G3/G4 via `fax`), with poppler's `pdftoppm -r 300 -gray` as the fallback for page
//! images intake cannot decode itself (JBIG2, JPEG 2000, images inside forms); the pixel limit
//! that stops decompression bombs before any pixel buffer is allocated; the resolution of
//! each page.
//! Takes: the part's bytes, its media type and the 1-based pages wanted. Gives: per page an
//! 8-bit grey [`PageImage`] or the reason it cannot be read ([`OcrError`]). Blocking, CPU;
//! the fallback runs a subprocess.

use std::io::Cursor;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use image::{GrayImage, ImageDecoder, ImageReader, Luma};
use lopdf::{Document, Object, ObjectId};

use super::subprocess::{run_with_deadline, ProgramError};
use super::OcrError;

/// One page ready for OCR.
#[derive(Debug, Clone)]
pub struct PageImage {
    pub image: GrayImage,
    /// Scan resolution, from the file or estimated from an A4 page.
    pub dpi: u32,
}

/// A page number and its image (or why it has none).
pub type DecodedPage = (u32, Result<PageImage, OcrError>);

/// How long a helper program (`pdftoppm`) may take for one page unless told otherwise.
pub const PROGRAM_TIMEOUT: Duration = Duration::from_secs(60);

/// Decodes the wanted pages of one part. The outer error means nothing could be read at all
/// (the file itself is unreadable); per-page errors leave the other pages readable.
pub fn decode_pages(
    bytes: &[u8],
    media_type: &str,
    pages: &[u32],
    max_pixels: u64,
    scratch: &Path,
) -> Result<Vec<DecodedPage>, OcrError> {
    decode_pages_within(
        bytes,
        media_type,
        pages,
        max_pixels,
        scratch,
        PROGRAM_TIMEOUT,
    )
}

/// [`decode_pages`], stopping a helper program that rasterises a page after `program_timeout`.
pub fn decode_pages_within(
    bytes: &[u8],
    media_type: &str,
    pages: &[u32],
    max_pixels: u64,
    scratch: &Path,
    program_timeout: Duration,
) -> Result<Vec<DecodedPage>, OcrError> {
    match media_type {
        "image/png" | "image/jpeg" => {
            let page = decode_single(bytes, max_pixels);
            Ok(pages.iter().map(|&p| (p, page.clone())).take(1).collect())
        }
        "image/tiff" => decode_tiff(bytes, pages, max_pixels),
        "application/pdf" => decode_pdf(bytes, pages, max_pixels, scratch, program_timeout),
        other => Err(OcrError::Image(format!("{other} is not an image type"))),
    }
}

fn check_pixels(width: u64, height: u64, max_pixels: u64) -> Result<(), OcrError> {
    let pixels = width.saturating_mul(height);
    if width == 0 || height == 0 {
        return Err(OcrError::Image(format!(
            "empty page image ({width}×{height})"
        )));
    }
    if pixels > max_pixels {
        return Err(OcrError::TooManyPixels {
            width,
            height,
            limit: max_pixels,
        });
    }
    Ok(())
}

/// A4 is 8.27 in wide; a page image of unknown resolution is assumed to be a full page.
fn estimate_dpi(width: u32, height: u32) -> u32 {
    let short = width.min(height) as f32;
    let dpi = (short / 8.27).round() as u32;
    if (100..=1200).contains(&dpi) {
        dpi
    } else {
        300
    }
}

fn decode_single(bytes: &[u8], max_pixels: u64) -> Result<PageImage, OcrError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| OcrError::Image(e.to_string()))?;
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| OcrError::Image(e.to_string()))?;
    check_pixels(u64::from(w), u64::from(h), max_pixels)?;
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| OcrError::Image(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(max_pixels.saturating_mul(8));
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| OcrError::Image(e.to_string()))?;
    // A camera's or phone's "shown turned" tag: every viewer applies it, so the sender saw the
    // page that way.
    let shown = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image =
        image::DynamicImage::from_decoder(decoder).map_err(|e| OcrError::Image(e.to_string()))?;
    image.apply_orientation(shown);
    let dpi = estimate_dpi(w, h);
    Ok(PageImage {
        image: to_grey(image),
        dpi,
    })
}

/// Any colour type as 8-bit grey, the way a person sees it: transparent and translucent
/// pixels composited on white (a viewer shows a transparent PNG on a light page, and the
/// colour hidden under full transparency is often black — `into_luma8` would show that),
/// 16-bit samples scaled, palettes and grey+alpha expanded by the decoder, CMYK JPEGs
/// converted to RGB by it.
pub fn to_grey(image: image::DynamicImage) -> GrayImage {
    if !image.color().has_alpha() {
        return image.into_luma8();
    }
    let rgba = image.into_rgba8();
    GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        // Rec. 709 luma, as `image` uses, in fixed point; then over white.
        let luma = (2126 * u32::from(r) + 7152 * u32::from(g) + 722 * u32::from(b) + 5000) / 10000;
        let a = u32::from(a);
        Luma([((luma * a + 255 * (255 - a) + 127) / 255) as u8])
    })
}

fn decode_tiff(bytes: &[u8], pages: &[u32], max_pixels: u64) -> Result<Vec<DecodedPage>, OcrError> {
    use tiff::decoder::{Decoder, DecodingResult, Limits};
    use tiff::tags::Tag;
    use tiff::ColorType;
    let tiff_err = |e: tiff::TiffError| OcrError::Image(format!("TIFF: {e}"));
    let mut limits = Limits::default();
    limits.decoding_buffer_size =
        usize::try_from(max_pixels.saturating_mul(4)).unwrap_or(usize::MAX);
    let mut decoder = Decoder::new(Cursor::new(bytes))
        .map_err(tiff_err)?
        .with_limits(limits);
    let mut out = Vec::new();
    for &page in pages {
        let mut one = || -> Result<PageImage, OcrError> {
            decoder
                .seek_to_image(page.saturating_sub(1) as usize)
                .map_err(tiff_err)?;
            let (w, h) = decoder.dimensions().map_err(tiff_err)?;
            check_pixels(u64::from(w), u64::from(h), max_pixels)?;
            let color = decoder.colortype().map_err(tiff_err)?;
            let dpi = decoder
                .get_tag(Tag::XResolution)
                .ok()
                .and_then(|v| v.into_f64().ok())
                .map(|d| d.round() as u32)
                .filter(|d| (70..=1200).contains(d))
                .unwrap_or_else(|| estimate_dpi(w, h));
            let short = || OcrError::Image("TIFF: short image data".into());
            let image = match (color, decoder.read_image().map_err(tiff_err)?) {
                // The tiff crate turns WhiteIsZero into BlackIsZero itself: 0 is black.
                (ColorType::Gray(1), DecodingResult::U8(data)) => unpack_bits(&data, w, h, false),
                (ColorType::Gray(8), DecodingResult::U8(data)) => {
                    GrayImage::from_raw(w, h, data).ok_or_else(short)?
                }
                (ColorType::Gray(16), DecodingResult::U16(data)) => to_grey(
                    image::ImageBuffer::<Luma<u16>, _>::from_raw(w, h, data)
                        .ok_or_else(short)?
                        .into(),
                ),
                (ColorType::GrayA(8), DecodingResult::U8(data)) => to_grey(
                    image::GrayAlphaImage::from_raw(w, h, data)
                        .ok_or_else(short)?
                        .into(),
                ),
                (ColorType::RGB(8), DecodingResult::U8(data)) => to_grey(
                    image::RgbImage::from_raw(w, h, data)
                        .ok_or_else(short)?
                        .into(),
                ),
                (ColorType::RGB(16), DecodingResult::U16(data)) => to_grey(
                    image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(w, h, data)
                        .ok_or_else(short)?
                        .into(),
                ),
                (ColorType::RGBA(8), DecodingResult::U8(data)) => to_grey(
                    image::RgbaImage::from_raw(w, h, data)
                        .ok_or_else(short)?
                        .into(),
                ),
                (ColorType::RGBA(16), DecodingResult::U16(data)) => to_grey(
                    image::ImageBuffer::<image::Rgba<u16>, _>::from_raw(w, h, data)
                        .ok_or_else(short)?
                        .into(),
                ),
                (ColorType::CMYK(8), DecodingResult::U8(data)) => cmyk_to_grey(&data, w, h)?,
                (other, _) => {
                    return Err(OcrError::Image(format!(
                        "TIFF colour type {other:?} is not supported"
                    )))
                }
            };
            Ok(PageImage { image, dpi })
        };
        out.push((page, one()));
    }
    Ok(out)
}

/// 1-bit rows (each padded to a byte) to grey. `zero_is_white`: a 0 bit is a white pixel
/// (TIFF WhiteIsZero); otherwise 0 is black (TIFF BlackIsZero, PDF DeviceGray).
fn unpack_bits(data: &[u8], w: u32, h: u32, zero_is_white: bool) -> GrayImage {
    let stride = w.div_ceil(8) as usize;
    GrayImage::from_fn(w, h, |x, y| {
        let byte = data
            .get(y as usize * stride + x as usize / 8)
            .copied()
            .unwrap_or(0);
        let bit = (byte >> (7 - (x % 8))) & 1;
        let white = (bit == 0) == zero_is_white;
        Luma([if white { 255 } else { 0 }])
    })
}

fn decode_pdf(
    bytes: &[u8],
    pages: &[u32],
    max_pixels: u64,
    scratch: &Path,
    program_timeout: Duration,
) -> Result<Vec<DecodedPage>, OcrError> {
    let doc = std::panic::catch_unwind(|| crate::extract::pdf::load_pdf(bytes))
        .map_err(|_| OcrError::Image("PDF reader crashed".into()))?
        .map_err(|e| OcrError::Image(format!("PDF: {e}")))?;
    let ids = doc.get_pages();
    let mut out = Vec::new();
    for &page in pages {
        let result = match ids.get(&page) {
            None => Err(OcrError::Image(format!("the PDF has no page {page}"))),
            Some(&id) => {
                let own = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    pdf_page_image(&doc, id, max_pixels)
                }))
                .unwrap_or_else(|_| Err(OcrError::Image("PDF reader crashed".into())));
                match own {
                    Err(OcrError::TooManyPixels { .. }) => own,
                    Ok(img) => Ok(img),
                    Err(reason) => {
                        // Rasterise at 300 dpi, or less if that would pass the pixel limit.
                        let (w_in, h_in) = page_size_in(&doc, id);
                        let fit = (max_pixels as f32 / (w_in * h_in)).sqrt() as u32;
                        rasterize(
                            bytes,
                            page,
                            fit.clamp(50, 300),
                            max_pixels,
                            scratch,
                            program_timeout,
                            &reason,
                        )
                    }
                }
            }
        };
        out.push((page, result));
    }
    Ok(out)
}

/// The page's largest image, decoded by intake itself.
fn pdf_page_image(doc: &Document, page: ObjectId, max_pixels: u64) -> Result<PageImage, OcrError> {
    let images = doc
        .get_page_images(page)
        .map_err(|e| OcrError::Image(format!("PDF page images: {e}")))?;
    let Some(img) = images
        .iter()
        .max_by_key(|i| i.width.saturating_mul(i.height))
    else {
        return Err(OcrError::Image("the page has no image of its own".into()));
    };
    let (w, h) = (img.width.max(0) as u64, img.height.max(0) as u64);
    check_pixels(w, h, max_pixels)?;
    let (w, h) = (w as u32, h as u32);
    let filters: Vec<&str> = img
        .filters
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .collect();
    let media_w = page_width_pt(doc, page);
    let dpi = ((w as f32) / (media_w / 72.0)).round() as u32;
    let dpi = if (70..=1200).contains(&dpi) {
        dpi
    } else {
        estimate_dpi(w, h)
    };
    let image = match filters.as_slice() {
        ["DCTDecode"] => {
            let mut reader =
                ImageReader::with_format(Cursor::new(img.content), image::ImageFormat::Jpeg);
            let mut limits = image::Limits::default();
            limits.max_alloc = Some(max_pixels.saturating_mul(8));
            reader.limits(limits);
            to_grey(
                reader
                    .decode()
                    .map_err(|e| OcrError::Image(format!("page JPEG: {e}")))?,
            )
        }
        ["CCITTFaxDecode"] => decode_ccitt(img.content, img.origin_dict, w, h)?,
        [] | ["FlateDecode"] => {
            let raw = match doc.get_object(img.id).and_then(Object::as_stream) {
                Ok(s) if !filters.is_empty() => s
                    .decompressed_content_with_limit(
                        usize::try_from(max_pixels.saturating_mul(4)).unwrap_or(usize::MAX),
                    )
                    .map_err(|e| OcrError::Image(format!("page image: {e}")))?,
                _ => img.content.to_vec(),
            };
            raw_pixels(
                &raw,
                w,
                h,
                img.color_space.as_deref(),
                img.bits_per_component,
            )?
        }
        other => {
            return Err(OcrError::Image(format!(
                "page image filter {} is not decoded by intake",
                other.join("+")
            )))
        }
    };
    Ok(PageImage { image, dpi })
}

fn page_width_pt(doc: &Document, page: ObjectId) -> f32 {
    page_size_in(doc, page).0 * 72.0
}

/// The page's MediaBox in inches (A4 when missing or odd).
fn page_size_in(doc: &Document, page: ObjectId) -> (f32, f32) {
    doc.get_dictionary(page)
        .ok()
        .and_then(|d| d.get(b"MediaBox").ok())
        .and_then(|o| o.as_array().ok())
        .and_then(|a| {
            let n = |i: usize| a.get(i).and_then(|o| o.as_float().ok());
            Some(((n(2)? - n(0)?).abs(), (n(3)? - n(1)?).abs()))
        })
        .filter(|(w, h)| *w > 10.0 && *h > 10.0 && *w < 20_000.0 && *h < 20_000.0)
        .map_or((8.27, 11.69), |(w, h)| (w / 72.0, h / 72.0))
}

fn raw_pixels(
    raw: &[u8],
    w: u32,
    h: u32,
    color_space: Option<&str>,
    bpc: Option<i64>,
) -> Result<GrayImage, OcrError> {
    let n = (w as usize) * (h as usize);
    match (color_space.unwrap_or("DeviceGray"), bpc.unwrap_or(8)) {
        ("DeviceGray", 8) if raw.len() >= n => {
            Ok(GrayImage::from_raw(w, h, raw[..n].to_vec()).expect("length checked"))
        }
        ("DeviceRGB", 8) if raw.len() >= 3 * n => Ok(image::DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(w, h, raw[..3 * n].to_vec()).expect("length checked"),
        )
        .to_luma8()),
        ("DeviceGray", 1) => Ok(unpack_bits(raw, w, h, false)),
        ("DeviceGray", 16) if raw.len() >= 2 * n => Ok(GrayImage::from_fn(w, h, |x, y| {
            // Big-endian samples: the high byte is the grey level.
            Luma([raw[2 * (y as usize * w as usize + x as usize)]])
        })),
        ("DeviceRGB", 16) if raw.len() >= 6 * n => {
            let high: Vec<u8> = raw[..6 * n].iter().step_by(2).copied().collect();
            Ok(to_grey(
                image::RgbImage::from_raw(w, h, high)
                    .expect("length checked")
                    .into(),
            ))
        }
        ("DeviceCMYK", 8) if raw.len() >= 4 * n => cmyk_to_grey(&raw[..4 * n], w, h),
        (cs, bpc) => Err(OcrError::Image(format!(
            "page image in {cs} with {bpc} bits per component is not decoded by intake"
        ))),
    }
}

/// CMYK samples (0 = no ink) as grey: each channel's ink darkens, black fully.
fn cmyk_to_grey(data: &[u8], w: u32, h: u32) -> Result<GrayImage, OcrError> {
    let n = w as usize * h as usize;
    if data.len() < 4 * n {
        return Err(OcrError::Image("CMYK image: short image data".into()));
    }
    let grey = data[..4 * n]
        .chunks_exact(4)
        .map(|p| {
            let [c, m, y, k] = [p[0], p[1], p[2], p[3]].map(|v| 255 - u32::from(v));
            // RGB = (1 − C)(1 − K) …, then Rec. 709 luma.
            let (r, g, b) = (c * k / 255, m * k / 255, y * k / 255);
            ((2126 * r + 7152 * g + 722 * b + 5000) / 10000) as u8
        })
        .collect();
    Ok(GrayImage::from_raw(w, h, grey).expect("w×h pixels"))
}

fn decode_ccitt(
    data: &[u8],
    dict: &lopdf::Dictionary,
    w: u32,
    h: u32,
) -> Result<GrayImage, OcrError> {
    let params = dict.get(b"DecodeParms").ok().and_then(|o| match o {
        Object::Array(a) => a.first().and_then(|o| o.as_dict().ok()),
        o => o.as_dict().ok(),
    });
    let int = |key: &[u8], default: i64| {
        params
            .and_then(|p| p.get(key).ok())
            .and_then(|o| o.as_i64().ok())
            .unwrap_or(default)
    };
    let k = int(b"K", 0);
    let black_is_1 = params
        .and_then(|p| p.get(b"BlackIs1").ok())
        .and_then(|o| o.as_bool().ok())
        .unwrap_or(false);
    let columns = int(b"Columns", 1728).clamp(1, i64::from(u16::MAX)) as u16;
    if u32::from(columns) != w {
        return Err(OcrError::Image(
            "CCITT Columns differ from the image width".into(),
        ));
    }
    let mut img = GrayImage::from_pixel(w, h, Luma([255]));
    let mut y = 0u32;
    let mut line = |transitions: &[u16]| {
        if y < h {
            for (x, color) in fax::decoder::pels(transitions, columns).enumerate() {
                if color == fax::Color::Black {
                    img.put_pixel(x as u32, y, Luma([0]));
                }
            }
        }
        y += 1;
    };
    let done = if k < 0 {
        fax::decoder::decode_g4(
            data.iter().copied(),
            columns,
            Some(h.min(65535) as u16),
            &mut line,
        )
    } else {
        fax::decoder::decode_g3(data.iter().copied(), &mut line)
    };
    if done.is_none() && y == 0 {
        return Err(OcrError::Image("CCITT page image is damaged".into()));
    }
    if black_is_1 {
        // fax's colours assume 0 = white on the wire; BlackIs1 swaps them.
        image::imageops::invert(&mut img);
    }
    Ok(img)
}

/// Rasterises one page with poppler's `pdftoppm` (grey PGM at 300 dpi), when installed.
fn rasterize(
    bytes: &[u8],
    page: u32,
    dpi: u32,
    max_pixels: u64,
    scratch: &Path,
    deadline: Duration,
    why: &OcrError,
) -> Result<PageImage, OcrError> {
    // `why` is usually "page image cannot be read: …"; said once.
    let why = match why {
        OcrError::Image(detail) => detail.clone(),
        other => other.to_string(),
    };
    let dir = tempfile::tempdir_in(scratch).map_err(|e| OcrError::Io(e.to_string()))?;
    let input = dir.path().join("in.pdf");
    std::fs::write(&input, bytes).map_err(|e| OcrError::Io(e.to_string()))?;
    let mut cmd = Command::new("pdftoppm");
    cmd.args([
        "-r",
        &dpi.to_string(),
        "-gray",
        "-f",
        &page.to_string(),
        "-l",
        &page.to_string(),
    ])
    .arg(&input)
    .arg(dir.path().join("page"))
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    match run_with_deadline(&mut cmd, deadline) {
        Err(ProgramError::NotFound) => {
            return Err(OcrError::Image(format!(
                "{why}; and pdftoppm (poppler-utils) is not installed to rasterise the page"
            )))
        }
        Err(e @ ProgramError::Overran(_)) => {
            return Err(OcrError::Image(format!(
                "{why}; pdftoppm {e} (ocr.page_timeout_secs)"
            )))
        }
        Err(e) => return Err(OcrError::Io(format!("pdftoppm: {e}"))),
        Ok(s) if !s.success() => {
            return Err(OcrError::Image(format!("{why}; pdftoppm failed ({s})")))
        }
        Ok(_) => {}
    }
    let pgm = std::fs::read_dir(dir.path())
        .map_err(|e| OcrError::Io(e.to_string()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "pgm"))
        .ok_or_else(|| OcrError::Image(format!("{why}; pdftoppm wrote no page")))?;
    let data = std::fs::read(&pgm).map_err(|e| OcrError::Io(e.to_string()))?;
    let page = decode_single(&data, max_pixels)?;
    Ok(PageImage { dpi, ..page })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_limit_stops_a_bomb_before_decoding() {
        // 6000×6000 white compresses to a few kilobytes: a small file, 36 megapixels.
        let img = GrayImage::from_pixel(6000, 6000, Luma([255]));
        let png = crate::samples::scan::encode_png(&img).unwrap();
        assert!(png.len() < 200_000);
        let pages = decode_pages(&png, "image/png", &[1], 1_000_000, Path::new("/tmp")).unwrap();
        assert!(
            matches!(
                pages[0].1,
                Err(OcrError::TooManyPixels {
                    width: 6000,
                    height: 6000,
                    ..
                })
            ),
            "{:?}",
            pages[0].1.as_ref().err()
        );
        let tiff = crate::samples::scan::encode_tiff_g4(&[img], 300).unwrap();
        let pages = decode_pages(&tiff, "image/tiff", &[1], 1_000_000, Path::new("/tmp")).unwrap();
        assert!(matches!(pages[0].1, Err(OcrError::TooManyPixels { .. })));
    }

    #[test]
    fn every_colour_type_becomes_grey_as_a_person_sees_it() {
        use image::{DynamicImage, ImageFormat};
        let decode = |img: DynamicImage, format: ImageFormat| {
            let mut bytes = Vec::new();
            img.write_to(&mut Cursor::new(&mut bytes), format).unwrap();
            decode_single(&bytes, 1_000_000).unwrap().image
        };
        // Black text drawn only by alpha over fully transparent *black*: white page, dark ink.
        let rgba = image::RgbaImage::from_fn(40, 20, |x, _| {
            image::Rgba([0, 0, 0, if (10..20).contains(&x) { 255 } else { 0 }])
        });
        let grey = decode(DynamicImage::ImageRgba8(rgba), ImageFormat::Png);
        assert_eq!(grey.get_pixel(2, 5).0[0], 255);
        assert_eq!(grey.get_pixel(15, 5).0[0], 0);
        // Half-transparent black over white is mid grey.
        let half = image::RgbaImage::from_pixel(8, 8, image::Rgba([0, 0, 0, 128]));
        let grey = decode(DynamicImage::ImageRgba8(half), ImageFormat::Png);
        assert!((126..=129).contains(&grey.get_pixel(3, 3).0[0]));
        // Grey + alpha, 16-bit grey and 16-bit RGBA.
        let la = image::GrayAlphaImage::from_pixel(8, 8, image::LumaA([0, 0]));
        assert_eq!(
            decode(DynamicImage::ImageLumaA8(la), ImageFormat::Png)
                .get_pixel(1, 1)
                .0[0],
            255
        );
        let l16 = image::ImageBuffer::<Luma<u16>, _>::from_pixel(8, 8, Luma([32768u16]));
        let v = decode(DynamicImage::ImageLuma16(l16), ImageFormat::Png)
            .get_pixel(1, 1)
            .0[0];
        assert!((127..=129).contains(&v), "{v}");
        let rgba16 =
            image::ImageBuffer::<image::Rgba<u16>, _>::from_pixel(8, 8, image::Rgba([0, 0, 0, 0]));
        let v = decode(DynamicImage::ImageRgba16(rgba16), ImageFormat::Png)
            .get_pixel(1, 1)
            .0[0];
        assert_eq!(v, 255);
        // CMYK samples (PDF DeviceCMYK, TIFF): no ink is white, full black is black.
        let cmyk = [0u8, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0];
        let grey = cmyk_to_grey(&cmyk, 3, 1).unwrap();
        assert_eq!(grey.as_raw()[..2], [255, 0]);
        // Full cyan is RGB (0, 255, 255): light, but not white.
        assert!(
            (200..=202).contains(&grey.as_raw()[2]),
            "{}",
            grey.as_raw()[2]
        );
    }

    #[test]
    fn damaged_images_are_page_errors() {
        let pages = decode_pages(
            b"\x89PNG\r\n\x1a\nbroken",
            "image/png",
            &[1],
            1_000_000,
            Path::new("/tmp"),
        )
        .unwrap();
        assert!(matches!(pages[0].1, Err(OcrError::Image(_))));
        assert!(decode_pages(
            b"II*\0garbage",
            "image/tiff",
            &[1],
            1_000_000,
            Path::new("/tmp")
        )
        .is_err());
    }
}
