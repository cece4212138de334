//! The output LUT: a `.cube` 3D LUT as the stage reads it (`LUT_3D_SIZE`, 0..1 domain, red
//! fastest), written, read back, and applied trilinearly between its nodes, as the stage's
//! GPU samples it (texel centres span 0..1 exactly).

use std::path::Path;

use crate::error::CalibrateError;

/// Smallest and largest LUT size written (the stage reads 2..=256).
pub const SIZES: std::ops::RangeInclusive<usize> = 2..=129;
/// The default LUT size.
pub const DEFAULT_SIZE: usize = 33;

/// A 3D LUT: `size`³ RGB entries, red varying fastest.
#[derive(Debug, Clone, PartialEq)]
pub struct Lut3d {
    /// Entries per axis.
    pub size: usize,
    /// `size`³ RGB triples, index `(b · size + g) · size + r`.
    pub data: Vec<[f64; 3]>,
}

impl Lut3d {
    /// A LUT whose node at input `rgb` holds `f(rgb)`; `size` is clamped to [`SIZES`].
    pub fn from_fn(size: usize, mut f: impl FnMut([f64; 3]) -> [f64; 3]) -> Self {
        let n = size.clamp(*SIZES.start(), *SIZES.end());
        let step = 1.0 / (n - 1) as f64;
        let mut data = Vec::with_capacity(n * n * n);
        for b in 0..n {
            for g in 0..n {
                for r in 0..n {
                    data.push(f([r as f64 * step, g as f64 * step, b as f64 * step]));
                }
            }
        }
        Self { size: n, data }
    }

    /// The identity LUT.
    pub fn identity(size: usize) -> Self {
        Self::from_fn(size, |rgb| rgb)
    }

    /// The LUT at `rgb` (clamped to 0..1), interpolated trilinearly between nodes.
    pub fn apply(&self, rgb: [f64; 3]) -> [f64; 3] {
        let n = self.size;
        let last = (n - 1) as f64;
        let mut base = [0usize; 3];
        let mut frac = [0.0; 3];
        for c in 0..3 {
            let pos = rgb[c].clamp(0.0, 1.0) * last;
            // NaN clamps to NaN; `as usize` turns it into 0, a node like any other.
            let i = (pos.floor() as usize).min(n - 2);
            base[c] = i;
            frac[c] = if pos.is_nan() { 0.0 } else { pos - i as f64 };
        }
        let mut out = [0.0; 3];
        for corner in 0..8usize {
            let step = [corner & 1, (corner >> 1) & 1, (corner >> 2) & 1];
            let mut w = 1.0;
            for c in 0..3 {
                w *= if step[c] == 1 { frac[c] } else { 1.0 - frac[c] };
            }
            if w == 0.0 {
                continue;
            }
            let [r, g, b] = [0, 1, 2].map(|c| base[c] + step[c]);
            let node = self.data[(b * n + g) * n + r];
            for c in 0..3 {
                out[c] += w * node[c];
            }
        }
        out
    }

    /// `.cube` text: a title, the size, the 0..1 domain, then the table.
    pub fn to_cube(&self, title: &str) -> String {
        let mut text = String::with_capacity(self.data.len() * 28 + 128);
        let title: String = title
            .chars()
            .filter(|c| *c != '"' && !c.is_control())
            .collect();
        text.push_str(&format!("TITLE \"{title}\"\n"));
        text.push_str("# Written by backlot calibrate: intended signal -> drive signal.\n");
        text.push_str(&format!("LUT_3D_SIZE {}\n", self.size));
        text.push_str("DOMAIN_MIN 0.0 0.0 0.0\nDOMAIN_MAX 1.0 1.0 1.0\n");
        for [r, g, b] in &self.data {
            text.push_str(&format!("{r:.6} {g:.6} {b:.6}\n"));
        }
        text
    }

    /// Writes the `.cube` file.
    pub fn write_cube(&self, path: &Path, title: &str) -> Result<(), CalibrateError> {
        std::fs::write(path, self.to_cube(title))
            .map_err(|e| CalibrateError::file(path, format!("cannot write the LUT: {e}")))
    }

    /// Reads a `.cube` 3D LUT of the kind [`Lut3d::to_cube`] writes (0..1 domain).
    pub fn read_cube(path: &Path) -> Result<Self, CalibrateError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CalibrateError::file(path, format!("cannot read: {e}")))?;
        Self::parse_cube(&text, path)
    }

    /// Parses `.cube` text; `path` only names the file in errors.
    pub fn parse_cube(text: &str, path: &Path) -> Result<Self, CalibrateError> {
        let mut size = None;
        let mut data = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim().trim_start_matches('\u{feff}');
            let at = |message: &str| CalibrateError::at_line(path, i + 1, message);
            if line.is_empty()
                || line.starts_with('#')
                || line.starts_with("TITLE")
                || line.starts_with("DOMAIN_")
            {
                continue;
            }
            if let Some(n) = line.strip_prefix("LUT_3D_SIZE") {
                let n: usize = n
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n| (2..=256).contains(n))
                    .ok_or_else(|| at("LUT_3D_SIZE must be 2..256"))?;
                size = Some(n);
                data.reserve(n * n * n);
                continue;
            }
            let Some(n) = size else {
                return Err(at("table before LUT_3D_SIZE"));
            };
            if data.len() == n * n * n {
                return Err(at("more entries than LUT_3D_SIZE says"));
            }
            let values: Vec<f64> = line
                .split_whitespace()
                .map(|w| w.parse::<f64>().ok().filter(|v| v.is_finite()))
                .collect::<Option<_>>()
                .ok_or_else(|| at("not three numbers"))?;
            let rgb: [f64; 3] = values.try_into().map_err(|_| at("not three numbers"))?;
            data.push(rgb);
        }
        let size = size.ok_or_else(|| CalibrateError::file(path, "no LUT_3D_SIZE"))?;
        if data.len() != size * size * size {
            return Err(CalibrateError::file(
                path,
                format!("{} entries for size {size}", data.len()),
            ));
        }
        Ok(Self { size, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_and_nodes_are_exact() {
        let id = Lut3d::identity(5);
        for rgb in [
            [0.0, 0.0, 0.0],
            [0.3, 0.71, 0.05],
            [1.0, 1.0, 1.0],
            [0.25, 0.5, 0.75],
        ] {
            let out = id.apply(rgb);
            for c in 0..3 {
                assert!((out[c] - rgb[c]).abs() < 1e-12, "{rgb:?} → {out:?}");
            }
        }
        // Out of the domain clamps.
        assert_eq!(id.apply([-1.0, 2.0, 0.5]), [0.0, 1.0, 0.5]);
        let swap = Lut3d::from_fn(3, |[r, g, b]| [b, g, r]);
        assert_eq!(swap.apply([1.0, 0.0, 0.0]), [0.0, 0.0, 1.0]);
        // Red varies fastest.
        assert_eq!(swap.data[1], [0.0, 0.0, 0.5]);
    }

    #[test]
    fn trilinear_between_nodes() {
        // A LUT of a function linear in each axis is reproduced exactly in between.
        let f = |[r, g, b]: [f64; 3]| [r * g, g + 0.5 * b, r * g * b];
        let lut = Lut3d::from_fn(2, f);
        let rgb = [0.3, 0.6, 0.9];
        let (got, want) = (lut.apply(rgb), f(rgb));
        for c in 0..3 {
            assert!((got[c] - want[c]).abs() < 1e-12);
        }
    }

    #[test]
    fn cube_text_round_trips() {
        let lut = Lut3d::from_fn(4, |[r, g, b]| [r * r, g.sqrt(), 1.0 - b]);
        let text = lut.to_cube("a \"test\"");
        assert!(text.starts_with("TITLE \"a test\"\n"));
        let back = Lut3d::parse_cube(&text, Path::new("t.cube")).expect("parses");
        assert_eq!(back.size, 4);
        for (a, b) in back.data.iter().zip(&lut.data) {
            for c in 0..3 {
                assert!((a[c] - b[c]).abs() <= 0.5e-6);
            }
        }
        let err = Lut3d::parse_cube("LUT_3D_SIZE 2\n0 0 0\n1 1\n", Path::new("t.cube"));
        assert_eq!(
            err.expect_err("short row").to_string(),
            "t.cube:3: not three numbers"
        );
    }
}
