//! A simulated LED wall and camera, for the tests, the benchmark and dry runs of the
//! workflow: what a real stage does to colour, with every part known.
//!
//! Drive signal → the processor's EOTF (a power per channel, 2.6 by default: not the sRGB
//! the content is encoded with) → each LED primary's light → the camera's raw RGB through a
//! non-diagonal matrix (wide-gamut LEDs seen through the sensor's spectral response) → white
//! balance gains that are off by a known amount → the camera's raw-to-Rec.709 matrix →
//! exposure, a black level (flare), seeded Gaussian noise per pixel, the sensor's clip →
//! a 64×48 capture file (EXR linear, PNG/TIFF 8- or 16-bit, linear or sRGB-encoded).

use std::path::{Path, PathBuf};

use image::{ImageBuffer, Rgb};

use crate::error::CalibrateError;
use crate::lut::Lut3d;
use crate::matrix::{self, Mat3};
use crate::patches::Patch;
use crate::transfer::Transfer;

/// Capture file formats the simulation writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureFormat {
    /// 32-bit float linear OpenEXR.
    Exr,
    /// 8-bit PNG.
    Png8,
    /// 16-bit PNG.
    Png16,
    /// 16-bit TIFF.
    Tiff16,
}

impl CaptureFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            CaptureFormat::Exr => "exr",
            CaptureFormat::Png8 | CaptureFormat::Png16 => "png",
            CaptureFormat::Tiff16 => "tiff",
        }
    }
}

/// A simulated wall and camera (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct SimWall {
    /// Column `j`: the camera's raw RGB of LED primary `j` at full drive.
    pub led_to_raw: Mat3,
    /// White balance gains on raw RGB.
    pub white_balance: [f64; 3],
    /// The camera's raw → Rec.709 matrix.
    pub camera_matrix: Mat3,
    /// The processor's EOTF: light = drive^γ, per channel.
    pub eotf_gamma: [f64; 3],
    /// Scale such that white records about this much (linear, 1 = full scale).
    pub exposure: f64,
    /// Black level added to every record (flare, ambient light).
    pub black: [f64; 3],
    /// Noise per pixel, standard deviation (linear).
    pub noise: f64,
    /// The sensor clips here (linear); integer files also clip at full scale.
    pub clip: f64,
    /// Capture size, pixels.
    pub size: (u32, u32),
    /// Noise seed.
    pub seed: u64,
}

impl Default for SimWall {
    /// A wide-gamut wall (the LEDs reach beyond Rec.709 as the camera sees them), gamma 2.6,
    /// the camera's white balance 12 % warm in red and 14 % short in blue.
    fn default() -> Self {
        Self {
            led_to_raw: [[1.01, 0.02, -0.02], [0.03, 0.91, 0.04], [0.0, 0.01, 1.0]],
            white_balance: [1.12, 1.0, 0.86],
            camera_matrix: [[1.25, -0.2, -0.05], [-0.1, 1.2, -0.1], [0.0, -0.15, 1.15]],
            eotf_gamma: [2.6; 3],
            // Low enough that the brightest primary stays clear of an integer file's clip.
            exposure: 0.6,
            black: [0.002, 0.002, 0.0025],
            noise: 0.002,
            clip: 1.0,
            size: (64, 48),
            seed: 17,
        }
    }
}

impl SimWall {
    /// A wall whose LEDs bleed into each other's channels as the camera sees them: Rec.709's
    /// primaries are beyond it.
    pub fn narrow_gamut() -> Self {
        Self {
            led_to_raw: [[0.8, 0.15, 0.05], [0.1, 0.8, 0.1], [0.05, 0.15, 0.8]],
            camera_matrix: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            ..Self::default()
        }
    }

    /// Channel light → camera record, scaled so white records `exposure` on average.
    pub fn response(&self) -> Mat3 {
        let wb = [
            [self.white_balance[0], 0.0, 0.0],
            [0.0, self.white_balance[1], 0.0],
            [0.0, 0.0, self.white_balance[2]],
        ];
        let m = matrix::mul(&self.camera_matrix, &matrix::mul(&wb, &self.led_to_raw));
        let white = matrix::mul_vec(&m, [1.0; 3]);
        let scale = self.exposure / ((white[0] + white[1] + white[2]) / 3.0);
        m.map(|row| row.map(|v| v * scale))
    }

    /// The camera's noise-free, unclipped record of drive signal `drive` (linear).
    pub fn record(&self, drive: [f64; 3]) -> [f64; 3] {
        let light = [0, 1, 2].map(|c| drive[c].clamp(0.0, 1.0).powf(self.eotf_gamma[c]));
        let rec = matrix::mul_vec(&self.response(), light);
        [0, 1, 2].map(|c| rec[c] + self.black[c])
    }

    /// Writes `dir/capture-<id>.<ext>` of the wall driven with `drive`; integer formats are
    /// encoded with `transfer`. Its path.
    pub fn write_capture(
        &self,
        dir: &Path,
        id: &str,
        drive: [f64; 3],
        format: CaptureFormat,
        transfer: Transfer,
    ) -> Result<PathBuf, CalibrateError> {
        let path = dir.join(format!("capture-{id}.{}", format.extension()));
        let mean = self.record(drive);
        let mut rng = SplitMix64::new(self.seed ^ fnv1a(id.as_bytes()));
        let (w, h) = self.size;
        let mut pixels = Vec::with_capacity(w as usize * h as usize);
        for _ in 0..w * h {
            pixels.push(mean.map(|m| (m + self.noise * rng.gaussian()).min(self.clip)));
        }
        let fail = |e: image::ImageError| CalibrateError::file(&path, format!("cannot write: {e}"));
        match format {
            CaptureFormat::Exr => {
                let raw: Vec<f32> = pixels.iter().flatten().map(|&v| v as f32).collect();
                let img = ImageBuffer::<Rgb<f32>, Vec<f32>>::from_raw(w, h, raw)
                    .ok_or_else(|| CalibrateError::file(&path, "buffer size"))?;
                img.save(&path).map_err(fail)?;
            }
            CaptureFormat::Png8 => {
                let raw: Vec<u8> = pixels
                    .iter()
                    .flatten()
                    .map(|&v| (transfer.encode(v).clamp(0.0, 1.0) * 255.0).round() as u8)
                    .collect();
                let img = ImageBuffer::<Rgb<u8>, Vec<u8>>::from_raw(w, h, raw)
                    .ok_or_else(|| CalibrateError::file(&path, "buffer size"))?;
                img.save(&path).map_err(fail)?;
            }
            CaptureFormat::Png16 | CaptureFormat::Tiff16 => {
                let raw: Vec<u16> = pixels
                    .iter()
                    .flatten()
                    .map(|&v| (transfer.encode(v).clamp(0.0, 1.0) * 65535.0).round() as u16)
                    .collect();
                let img = ImageBuffer::<Rgb<u16>, Vec<u16>>::from_raw(w, h, raw)
                    .ok_or_else(|| CalibrateError::file(&path, "buffer size"))?;
                img.save(&path).map_err(fail)?;
            }
        }
        Ok(path)
    }

    /// Captures every patch into `dir` (created): the patch's signal through `lut` when one
    /// is given (the output's LUT, as the stage applies it), then the wall and camera.
    pub fn write_captures(
        &self,
        dir: &Path,
        patches: &[Patch],
        lut: Option<&Lut3d>,
        format: CaptureFormat,
        transfer: Transfer,
    ) -> Result<(), CalibrateError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| CalibrateError::file(dir, format!("cannot create the folder: {e}")))?;
        for p in patches {
            let drive = lut.map_or(p.signal, |l| l.apply(p.signal));
            self.write_capture(dir, &p.id, drive, format, transfer)?;
        }
        Ok(())
    }
}

/// FNV-1a, to give each capture its own noise from one seed.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// SplitMix64: small, seedable, and good enough for sensor noise.
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn gaussian(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_wall_bends_colour_and_keeps_white_below_clip() {
        let wall = SimWall::default();
        let white = wall.record([1.0; 3]);
        assert!(white.iter().all(|&v| v > 0.5 && v < 0.9), "{white:?}");
        // Not diagonal: a red drive shows up in the other channels.
        let red = wall.record([1.0, 0.0, 0.0]);
        assert!((red[1] - wall.black[1]).abs() > 0.01, "{red:?}");
        // Mid-grey signal comes out darker than sRGB says (gamma 2.6).
        let grey = wall.record([0.5; 3]);
        let want = Transfer::Srgb.decode(0.5) * white[1];
        assert!(grey[1] < 0.8 * want, "{grey:?} vs {want}");
    }

    #[test]
    fn noise_is_seeded_and_roughly_normal() {
        let mut a = SplitMix64::new(3);
        let mut b = SplitMix64::new(3);
        let xs: Vec<f64> = (0..20_000).map(|_| a.gaussian()).collect();
        assert!(
            xs.iter()
                .zip((0..20_000).map(|_| b.gaussian()))
                .all(|(x, y)| *x == y)
        );
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }
}
