//! Reading captures: `capture-<id>.exr` (linear float), `.png`, `.tiff` or `.tif` (8- or
//! 16-bit, linear or sRGB-encoded as the caller says), averaged over the central quarter of
//! the frame (the middle half in each direction, clear of vignetting and the wall's edges).
//!
//! Clipping, decided per file before anything is averaged:
//! - integer files: more than 1 % of the central pixels have a channel at or above 98 % of
//!   full scale;
//! - float files (no full scale): a channel is flat-topped, i.e. at least 10 % of the central
//!   pixels share that channel's exact maximum while the frame is not perfectly uniform (a
//!   clipped channel is stuck at the sensor's ceiling while noise still moves the others; a
//!   perfectly uniform frame is synthetic and cannot tell).
//!
//! Floored channels: integer files cannot hold the negative values a camera's Rec.709 record
//! of a saturated LED primary has (a wide-gamut wall); a channel with half or more of the
//! central pixels at code 0 is floored, and the patch tells the fit nothing reliable.

use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageBuffer, Pixel};

use crate::error::CalibrateError;
use crate::patches::Patch;
use crate::transfer::Transfer;

/// Integer code values at or above this share of full scale count as clipped.
pub const CLIP_LEVEL: f64 = 0.98;
/// Share of the central pixels at the clip that makes an integer capture clipped.
pub const CLIP_SHARE: f64 = 0.01;
/// Share of the central pixels at a channel's exact maximum that makes a float capture
/// flat-topped.
pub const FLAT_TOP_SHARE: f64 = 0.10;
/// Share of the central pixels at code 0 that makes an integer capture's channel floored.
pub const FLOOR_SHARE: f64 = 0.5;
/// Extensions tried for `capture-<id>`, in order.
pub const EXTENSIONS: [&str; 4] = ["exr", "png", "tiff", "tif"];
const CHANNELS: [&str; 3] = ["red", "green", "blue"];

/// One capture, read and reduced.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureFrame {
    /// The file.
    pub path: PathBuf,
    /// Mean linear value of the central quarter per channel (integer files: 1 = full scale,
    /// decoded per pixel before averaging).
    pub mean: [f64; 3],
    /// 8- or 16-bit file (full scale known); `false` for float.
    pub integer: bool,
    /// The clipped channel and the share of central pixels at the clip, when clipped.
    pub clipped: Option<(usize, f64)>,
    /// A channel at code 0 in half the central pixels or more (integer files only): the
    /// record is below what the file can hold.
    pub floored: Option<usize>,
    /// Pixels averaged.
    pub pixels: usize,
}

impl CaptureFrame {
    /// Why this frame is clipped, for an error message; `None` when it is not.
    pub fn clip_message(&self) -> Option<String> {
        let (channel, share) = self.clipped?;
        let what = if self.integer {
            format!("at or above {:.0} % of full scale", CLIP_LEVEL * 100.0)
        } else {
            "flat at one maximum".to_string()
        };
        Some(format!(
            "clipped: {:.0} % of the central pixels {what} in {}; lower the camera's exposure \
             (or the wall's brightness) and capture every patch again",
            share * 100.0,
            CHANNELS[channel]
        ))
    }
}

/// Reads captures with one transfer for integer files (decode tables built once).
pub struct CaptureReader {
    transfer: Transfer,
    table8: Vec<f64>,
    table16: Vec<f64>,
}

impl CaptureReader {
    /// A reader decoding 8- and 16-bit files with `transfer`.
    pub fn new(transfer: Transfer) -> Self {
        let table = |levels: u32| -> Vec<f64> {
            let full = f64::from(levels - 1);
            (0..levels)
                .map(|v| transfer.decode(f64::from(v) / full))
                .collect()
        };
        Self {
            transfer,
            table8: table(256),
            table16: table(65536),
        }
    }

    /// The transfer integer files are decoded with.
    pub fn transfer(&self) -> Transfer {
        self.transfer
    }

    /// Reads one capture file.
    pub fn read(&self, path: &Path) -> Result<CaptureFrame, CalibrateError> {
        let unreadable = |e: String| CalibrateError::file(path, format!("unreadable: {e}"));
        let image = image::ImageReader::open(path)
            .map_err(|e| unreadable(e.to_string()))?
            .with_guessed_format()
            .map_err(|e| unreadable(e.to_string()))?
            .decode()
            .map_err(|e| unreadable(e.to_string()))?;
        let (w, h) = (image.width(), image.height());
        if w < 4 || h < 4 {
            return Err(CalibrateError::file(
                path,
                format!("{w}×{h} pixels: too small to have a central quarter"),
            ));
        }
        let frame = match &image {
            DynamicImage::ImageRgb8(img) => self.integer(path, &central(img), 255, &self.table8),
            DynamicImage::ImageRgba8(img) => self.integer(path, &central(img), 255, &self.table8),
            DynamicImage::ImageRgb16(img) => {
                self.integer(path, &central(img), 65535, &self.table16)
            }
            DynamicImage::ImageRgba16(img) => {
                self.integer(path, &central(img), 65535, &self.table16)
            }
            DynamicImage::ImageRgb32F(img) => float(path, &central(img))?,
            DynamicImage::ImageRgba32F(img) => float(path, &central(img))?,
            DynamicImage::ImageLuma8(_)
            | DynamicImage::ImageLumaA8(_)
            | DynamicImage::ImageLuma16(_)
            | DynamicImage::ImageLumaA16(_) => {
                return Err(CalibrateError::file(
                    path,
                    "greyscale: calibration needs a colour (RGB) capture",
                ));
            }
            other => {
                return Err(CalibrateError::file(
                    path,
                    format!("unsupported pixel format {:?}", other.color()),
                ));
            }
        };
        Ok(frame)
    }

    fn integer<T: Copy + Into<u32>>(
        &self,
        path: &Path,
        pixels: &[[T; 3]],
        full: u32,
        table: &[f64],
    ) -> CaptureFrame {
        let clip_code = (CLIP_LEVEL * f64::from(full)).ceil() as u32;
        let mut sum = [0.0; 3];
        let mut at_clip = [0usize; 3];
        let mut at_zero = [0usize; 3];
        for px in pixels {
            for c in 0..3 {
                let code: u32 = px[c].into();
                sum[c] += table.get(code as usize).copied().unwrap_or(1.0);
                if code >= clip_code {
                    at_clip[c] += 1;
                }
                if code == 0 {
                    at_zero[c] += 1;
                }
            }
        }
        let n = pixels.len().max(1);
        let clipped = worst_share(at_clip, n).filter(|&(_, share)| share > CLIP_SHARE);
        let floored = worst_share(at_zero, n)
            .filter(|&(_, share)| share >= FLOOR_SHARE)
            .map(|(channel, _)| channel);
        CaptureFrame {
            path: path.to_path_buf(),
            mean: sum.map(|s| s / n as f64),
            integer: true,
            clipped,
            floored,
            pixels: pixels.len(),
        }
    }
}

/// The channel with the most pixels in `counts` (the first on a tie), and their share of `n`.
fn worst_share(counts: [usize; 3], n: usize) -> Option<(usize, f64)> {
    let channel = (0..3).fold(0, |best, c| if counts[c] > counts[best] { c } else { best });
    Some((channel, counts[channel] as f64 / n.max(1) as f64))
}

/// The RGB of the central quarter's pixels (the middle half in each direction).
fn central<P: Pixel>(img: &ImageBuffer<P, Vec<P::Subpixel>>) -> Vec<[P::Subpixel; 3]> {
    let (w, h) = img.dimensions();
    let (x0, x1, y0, y1) = (w / 4, w - w / 4, h / 4, h - h / 4);
    let mut out = Vec::with_capacity(((x1 - x0) * (y1 - y0)) as usize);
    for y in y0..y1 {
        for x in x0..x1 {
            let c = img.get_pixel(x, y).channels();
            out.push([c[0], c[1], c[2]]);
        }
    }
    out
}

/// A float (linear) capture: refused when any value is not finite; flat tops are clipping.
fn float(path: &Path, pixels: &[[f32; 3]]) -> Result<CaptureFrame, CalibrateError> {
    let bad = pixels.iter().flatten().filter(|v| !v.is_finite()).count();
    if bad > 0 {
        return Err(CalibrateError::file(
            path,
            format!("out of range: {bad} values in the central quarter are NaN or infinite"),
        ));
    }
    let mut sum = [0.0; 3];
    let mut max = [f32::MIN; 3];
    let mut min = [f32::MAX; 3];
    for px in pixels {
        for c in 0..3 {
            sum[c] += f64::from(px[c]);
            max[c] = max[c].max(px[c]);
            min[c] = min[c].min(px[c]);
        }
    }
    let varies = (0..3).any(|c| max[c] > min[c]);
    let mut at_max = [0usize; 3];
    for px in pixels {
        for c in 0..3 {
            if px[c] == max[c] {
                at_max[c] += 1;
            }
        }
    }
    let n = pixels.len().max(1);
    let clipped = worst_share(at_max, n).filter(|&(_, share)| varies && share >= FLAT_TOP_SHARE);
    Ok(CaptureFrame {
        path: path.to_path_buf(),
        mean: sum.map(|s| s / n as f64),
        integer: false,
        clipped,
        floored: None,
        pixels: pixels.len(),
    })
}

/// Reads one capture file, integer files decoded with `transfer`.
pub fn read_capture(path: &Path, transfer: Transfer) -> Result<CaptureFrame, CalibrateError> {
    CaptureReader::new(transfer).read(path)
}

/// The capture file of patch `id` in `dir`: exactly one of `capture-<id>.exr`, `.png`,
/// `.tiff`, `.tif` must exist.
pub fn find_capture(dir: &Path, id: &str) -> Result<PathBuf, CalibrateError> {
    let found: Vec<PathBuf> = EXTENSIONS
        .iter()
        .map(|ext| dir.join(format!("capture-{id}.{ext}")))
        .filter(|p| p.exists())
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(CalibrateError::file(
            &dir.join(format!("capture-{id}.*")),
            format!(
                "missing: no capture of patch {id} (looked for .{})",
                EXTENSIONS.join(", .")
            ),
        )),
        [first, ..] => Err(CalibrateError::file(
            first,
            format!(
                "ambiguous: patch {id} has {} captures ({}); keep one",
                found.len(),
                found
                    .iter()
                    .filter_map(|p| p.file_name())
                    .map(|n| n.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// Reads the capture of every patch from `dir`, in patch order; the first problem stops it.
pub fn read_captures(
    dir: &Path,
    patches: &[Patch],
    transfer: Transfer,
) -> Result<Vec<CaptureFrame>, CalibrateError> {
    if !dir.is_dir() {
        return Err(CalibrateError::file(dir, "not a folder of captures"));
    }
    let reader = CaptureReader::new(transfer);
    patches
        .iter()
        .map(|p| reader.read(&find_capture(dir, &p.id)?))
        .collect()
}
