//! The before/after picture: one column per held-out patch, three swatches stacked: the
//! intended colour (top), what the camera recorded without the LUT (middle), what it records
//! through the LUT (bottom). A white bar under a column marks a colour outside the wall's
//! gamut, a black one a capture floored at 0 (its middle swatch is not what the camera saw).
//! Swatches are sRGB-encoded for viewing; no text, so no font.

use std::path::Path;

use image::{Rgb, RgbImage};

use crate::error::CalibrateError;
use crate::report::Report;
use crate::transfer::Transfer;

/// Swatch side, pixels.
const SWATCH: u32 = 32;
/// Gap between columns and between rows of columns, pixels.
const GAP: u32 = 8;
/// Columns per row.
const COLUMNS: u32 = 16;
/// Height of the out-of-gamut and floored bars.
const BAR: u32 = 4;
/// Background: a mid grey, so neither dark nor light swatches vanish.
const BACKGROUND: Rgb<u8> = Rgb([90, 90, 90]);

/// The picture of a report's held-out patches.
pub fn plot(report: &Report) -> RgbImage {
    let n = report.held_out_patches.len().max(1) as u32;
    let cols = n.min(COLUMNS);
    let rows = n.div_ceil(COLUMNS);
    let cell_h = 3 * SWATCH + BAR + GAP;
    let width = GAP + cols * (SWATCH + GAP);
    let height = GAP + rows * cell_h;
    let mut img = RgbImage::from_pixel(width, height, BACKGROUND);
    for (i, patch) in report.held_out_patches.iter().enumerate() {
        let i = i as u32;
        let x = GAP + (i % COLUMNS) * (SWATCH + GAP);
        let y = GAP + (i / COLUMNS) * cell_h;
        for (k, colour) in [patch.intended, patch.before, patch.after]
            .iter()
            .enumerate()
        {
            fill(
                &mut img,
                x,
                y + k as u32 * SWATCH,
                SWATCH,
                SWATCH,
                display(*colour),
            );
        }
        let bar = if !patch.in_gamut {
            Some(Rgb([255, 255, 255]))
        } else if patch.floored {
            Some(Rgb([0, 0, 0]))
        } else {
            None
        };
        if let Some(colour) = bar {
            fill(&mut img, x, y + 3 * SWATCH, SWATCH, BAR, colour);
        }
    }
    img
}

/// Writes the picture as PNG.
pub fn write_plot(report: &Report, path: &Path) -> Result<(), CalibrateError> {
    plot(report)
        .save(path)
        .map_err(|e| CalibrateError::file(path, format!("cannot write the plot: {e}")))
}

/// Linear Rec.709 → 8-bit sRGB, clamped.
fn display(linear: [f64; 3]) -> Rgb<u8> {
    Rgb(linear.map(|v| (Transfer::Srgb.encode(v).clamp(0.0, 1.0) * 255.0).round() as u8))
}

fn fill(img: &mut RgbImage, x: u32, y: u32, w: u32, h: u32, colour: Rgb<u8>) {
    for yy in y..(y + h).min(img.height()) {
        for xx in x..(x + w).min(img.width()) {
            img.put_pixel(xx, yy, colour);
        }
    }
}
