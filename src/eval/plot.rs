//! `intake eval --plot FILE.png`: two charts side by side — the reliability diagram (mean
//! confidence against accuracy per tenth of confidence, with the diagonal a calibrated model
//! would follow) and the dark share against routing precision when one global threshold is
//! swept from 0.50 to 1.00. Drawn with `imageproc` (already used for OCR preprocessing) and the
//! DejaVu font from Debian's fonts-dejavu-core; no plotting stack is pulled in for two charts.

use std::path::{Path, PathBuf};

use ab_glyph::{FontVec, PxScale};
use image::{Rgb, RgbImage};
use imageproc::drawing::{
    draw_filled_circle_mut, draw_hollow_rect_mut, draw_line_segment_mut, draw_text_mut,
};
use imageproc::rect::Rect;

use super::Report;

#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("no font for the plot: {0} (install Debian's fonts-dejavu-core)")]
    Font(String),
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        source: image::ImageError,
    },
}

const FONT_PATHS: [&str; 2] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
];

const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
const BLACK: Rgb<u8> = Rgb([0, 0, 0]);
const GREY: Rgb<u8> = Rgb([170, 170, 170]);
const BLUE: Rgb<u8> = Rgb([31, 100, 180]);
const RED: Rgb<u8> = Rgb([200, 40, 40]);

/// A chart area: pixel box and the data ranges it shows.
struct Frame {
    left: f32,
    top: f32,
    width: f32,
    height: f32,
    x: (f64, f64),
    y: (f64, f64),
}

impl Frame {
    fn at(&self, x: f64, y: f64) -> (f32, f32) {
        let fx = ((x - self.x.0) / (self.x.1 - self.x.0)).clamp(0.0, 1.0) as f32;
        let fy = ((y - self.y.0) / (self.y.1 - self.y.0)).clamp(0.0, 1.0) as f32;
        (
            self.left + fx * self.width,
            self.top + (1.0 - fy) * self.height,
        )
    }

    fn axes(&self, img: &mut RgbImage, font: &FontVec, title: &str, xl: &str, yl: &str) {
        draw_hollow_rect_mut(
            img,
            Rect::at(self.left as i32, self.top as i32)
                .of_size(self.width as u32 + 1, self.height as u32 + 1),
            BLACK,
        );
        let small = PxScale::from(15.0);
        for i in 0..=5 {
            let f = f64::from(i) / 5.0;
            let xv = self.x.0 + f * (self.x.1 - self.x.0);
            let yv = self.y.0 + f * (self.y.1 - self.y.0);
            let (px, _) = self.at(xv, self.y.0);
            let (_, py) = self.at(self.x.0, yv);
            let bottom = self.top + self.height;
            draw_line_segment_mut(img, (px, bottom), (px, bottom + 5.0), BLACK);
            draw_line_segment_mut(img, (self.left - 5.0, py), (self.left, py), BLACK);
            draw_text_mut(
                img,
                BLACK,
                px as i32 - 14,
                bottom as i32 + 8,
                small,
                font,
                &format!("{xv:.2}"),
            );
            draw_text_mut(
                img,
                BLACK,
                self.left as i32 - 48,
                py as i32 - 8,
                small,
                font,
                &format!("{yv:.2}"),
            );
        }
        let label = PxScale::from(17.0);
        draw_text_mut(
            img,
            BLACK,
            self.left as i32,
            self.top as i32 - 30,
            PxScale::from(20.0),
            font,
            title,
        );
        draw_text_mut(
            img,
            BLACK,
            (self.left + self.width / 2.0) as i32 - 60,
            (self.top + self.height) as i32 + 30,
            label,
            font,
            xl,
        );
        draw_text_mut(
            img,
            BLACK,
            self.left as i32 + 6,
            self.top as i32 + 6,
            label,
            font,
            yl,
        );
    }

    fn polyline(&self, img: &mut RgbImage, points: &[(f64, f64)], color: Rgb<u8>) {
        for pair in points.windows(2) {
            draw_line_segment_mut(
                img,
                self.at(pair[0].0, pair[0].1),
                self.at(pair[1].0, pair[1].1),
                color,
            );
        }
        for (x, y) in points {
            let (px, py) = self.at(*x, *y);
            draw_filled_circle_mut(img, (px as i32, py as i32), 3, color);
        }
    }
}

fn font() -> Result<FontVec, PlotError> {
    for p in FONT_PATHS {
        if let Ok(bytes) = std::fs::read(p) {
            return FontVec::try_from_vec(bytes).map_err(|e| PlotError::Font(e.to_string()));
        }
    }
    Err(PlotError::Font(format!(
        "none of {}",
        FONT_PATHS.join(", ")
    )))
}

/// Draws the report's reliability diagram and dark-share/precision curve into a PNG.
pub fn write(report: &Report, path: &Path) -> Result<(), PlotError> {
    let font = font()?;
    let mut img = RgbImage::from_pixel(1200, 560, WHITE);
    let reliability = Frame {
        left: 80.0,
        top: 60.0,
        width: 420.0,
        height: 420.0,
        x: (0.0, 1.0),
        y: (0.0, 1.0),
    };
    reliability.axes(
        &mut img,
        &font,
        "Reliability (best type)",
        "confidence",
        "accuracy",
    );
    draw_line_segment_mut(
        &mut img,
        reliability.at(0.0, 0.0),
        reliability.at(1.0, 1.0),
        GREY,
    );
    let bins: Vec<(f64, f64)> = report
        .calibration
        .iter()
        .map(|b| (b.mean_confidence, b.accuracy))
        .collect();
    reliability.polyline(&mut img, &bins, BLUE);
    for b in &report.calibration {
        let (px, py) = reliability.at(b.mean_confidence, b.accuracy);
        draw_text_mut(
            &mut img,
            GREY,
            px as i32 + 5,
            py as i32 + 4,
            PxScale::from(13.0),
            &font,
            &format!("n={}", b.count),
        );
    }
    let curve = &report.dark_by_precision.curve;
    let low = curve
        .iter()
        .map(|p| p.precision)
        .fold(1.0f64, f64::min)
        .min(0.95);
    let dark = Frame {
        left: 680.0,
        top: 60.0,
        width: 460.0,
        height: 420.0,
        x: (0.0, 1.0),
        y: ((low * 20.0).floor() / 20.0, 1.0),
    };
    dark.axes(
        &mut img,
        &font,
        "Dark share vs. routing precision (one threshold)",
        "dark share",
        "precision",
    );
    for target in super::thresholds::TARGETS {
        if target >= dark.y.0 {
            draw_line_segment_mut(&mut img, dark.at(0.0, target), dark.at(1.0, target), GREY);
        }
    }
    let points: Vec<(f64, f64)> = curve.iter().map(|p| (p.dark_share, p.precision)).collect();
    dark.polyline(&mut img, &points, RED);
    for p in curve
        .iter()
        .filter(|p| (p.threshold * 100.0).round() as i64 % 10 == 0)
    {
        let (px, py) = dark.at(p.dark_share, p.precision);
        draw_text_mut(
            &mut img,
            BLACK,
            px as i32 + 5,
            py as i32 - 18,
            PxScale::from(13.0),
            &font,
            &format!("t={:.1}", p.threshold),
        );
    }
    img.save(path).map_err(|source| PlotError::Write {
        path: path.to_path_buf(),
        source,
    })
}
