//! Baking a transform into a 3D LUT over a shaped 0..1 input, and sampling one.
//!
//! The warp hands its LUT the output's encoded signal (linear content × gains, through the
//! output's transfer function, clamped to 0..1), so the transfer is the LUT's shaper: a node
//! at signal `s` holds `transform(decode(s))`. Between nodes the GPU interpolates
//! trilinearly; where the transform bends hard relative to the grid (a display curve's toe
//! under a matrix that mixes channels) that interpolation, not the evaluation, sets the error.
//! `docs/colour.md` gives the numbers against OCIO per grid size.

use crate::processor::Processor;

/// Largest LUT edge baked (129³ RGBA16F is 17 MiB of texture).
pub const MAX_LUT_SIZE: usize = 129;

/// How the LUT's 0..1 input maps back to working-space linear.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shaper {
    /// IEC 61966-2-1 (sRGB) piecewise curve.
    Srgb,
    /// A pure power: signal = linear^(1/gamma).
    Power(f64),
    /// The signal is linear.
    Linear,
}

impl Shaper {
    /// Signal → linear.
    pub fn decode(self, s: f64) -> f64 {
        match self {
            Shaper::Srgb if s <= 0.04045 => s / 12.92,
            Shaper::Srgb => ((s + 0.055) / 1.055).powf(2.4),
            Shaper::Power(gamma) => s.max(0.0).powf(gamma),
            Shaper::Linear => s,
        }
    }

    /// Linear → signal (what the warp's `encode` does, before its clamp).
    pub fn encode(self, x: f64) -> f64 {
        let x = x.max(0.0);
        match self {
            Shaper::Srgb if x <= 0.0031308 => x * 12.92,
            Shaper::Srgb => 1.055 * x.powf(1.0 / 2.4) - 0.055,
            Shaper::Power(gamma) => x.powf(1.0 / gamma),
            Shaper::Linear => x,
        }
    }
}

/// A 3D LUT over [0, 1]³: `size`³ RGB entries, red varying fastest (the `.cube` order).
#[derive(Debug, Clone, PartialEq)]
pub struct Lut3d {
    /// Entries per axis.
    pub size: usize,
    /// `size`³ RGB triples.
    pub data: Vec<[f32; 3]>,
}

impl Lut3d {
    /// Samples `f` at every node (inputs in [0, 1]³); non-finite results become 0 so that no
    /// NaN reaches a texture. `size` is clamped to 2..=[`MAX_LUT_SIZE`].
    pub fn from_fn(size: usize, f: impl Fn([f64; 3]) -> [f64; 3]) -> Lut3d {
        let n = size.clamp(2, MAX_LUT_SIZE);
        let step = 1.0 / (n - 1) as f64;
        let mut data = Vec::with_capacity(n * n * n);
        for b in 0..n {
            for g in 0..n {
                for r in 0..n {
                    let out = f([r as f64 * step, g as f64 * step, b as f64 * step]);
                    data.push(out.map(|v| if v.is_finite() { v as f32 } else { 0.0 }));
                }
            }
        }
        Lut3d { size: n, data }
    }

    /// Bakes `processor` for a warp whose signal is shaped by `shaper`.
    pub fn bake(processor: &Processor, shaper: Shaper, size: usize) -> Lut3d {
        Lut3d::from_fn(size, |s| processor.apply(s.map(|v| shaper.decode(v))))
    }

    /// Trilinear lookup, inputs clamped to [0, 1].
    pub fn sample(&self, rgb: [f64; 3]) -> [f64; 3] {
        trilinear(self.size, &self.data, rgb)
    }
}

/// Trilinear lookup in a red-fastest `size`³ table over [0, 1]³, inputs clamped to it (the
/// GPU's filtering of a 3D texture sampled at texel centres). A table of the wrong length
/// reads as black.
pub fn trilinear(size: usize, data: &[[f32; 3]], rgb: [f64; 3]) -> [f64; 3] {
    if size < 2 || data.len() != size * size * size {
        return [0.0; 3];
    }
    let last = (size - 1) as f64;
    let mut base = [0usize; 3];
    let mut frac = [0f64; 3];
    for (c, &v) in rgb.iter().enumerate() {
        let x = if v.is_nan() {
            0.0
        } else {
            v.clamp(0.0, 1.0) * last
        };
        let i = (x.floor() as usize).min(size - 2);
        base[c] = i;
        frac[c] = x - i as f64;
    }
    let at = |r: usize, g: usize, b: usize| data[(b * size + g) * size + r];
    let mut out = [0.0; 3];
    for corner in 0..8 {
        let (dr, dg, db) = (corner & 1, (corner >> 1) & 1, (corner >> 2) & 1);
        let weight = [dr, dg, db]
            .iter()
            .zip(frac)
            .map(|(&d, f)| if d == 1 { f } else { 1.0 - f })
            .product::<f64>();
        if weight == 0.0 {
            continue;
        }
        let v = at(base[0] + dr, base[1] + dg, base[2] + db);
        for (o, x) in out.iter_mut().zip(v) {
            *o += weight * f64::from(x);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shapers_invert() {
        for shaper in [Shaper::Srgb, Shaper::Power(2.4), Shaper::Linear] {
            for i in 0..=50 {
                let s = f64::from(i) / 50.0;
                let back = shaper.encode(shaper.decode(s));
                assert!((back - s).abs() < 1e-12, "{shaper:?} {s} → {back}");
            }
        }
    }

    #[test]
    fn a_linear_function_bakes_exactly() {
        // Trilinear interpolation reproduces affine maps at any size.
        let f = |v: [f64; 3]| {
            [
                0.5 * v[0] + 0.25 * v[2],
                v[1] - 0.1,
                0.3 * v[0] + 0.7 * v[1],
            ]
        };
        let lut = Lut3d::from_fn(5, f);
        assert_eq!(lut.data.len(), 125);
        for rgb in [[0.1, 0.2, 0.3], [0.9, 0.05, 0.77], [1.0, 1.0, 0.0]] {
            let (got, want) = (lut.sample(rgb), f(rgb));
            let close = got.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-6);
            assert!(close, "{rgb:?}: {got:?} vs {want:?}");
        }
        // Outside [0, 1] clamps to the edge; NaN reads as 0.
        assert_eq!(lut.sample([2.0, 0.2, 0.3]), lut.sample([1.0, 0.2, 0.3]));
        assert_eq!(lut.sample([f64::NAN, 0.0, 0.0]), lut.sample([0.0; 3]));
        assert_eq!(
            trilinear(3, &lut.data, [0.5; 3]),
            [0.0; 3],
            "wrong length reads black"
        );
    }

    #[test]
    fn non_finite_results_bake_as_zero_and_sizes_are_bounded() {
        let lut = Lut3d::from_fn(1000, |_| [f64::NAN, f64::INFINITY, 1.0]);
        assert_eq!(lut.size, MAX_LUT_SIZE);
        assert_eq!(lut.data[0], [0.0, 0.0, 1.0]);
        assert_eq!(Lut3d::from_fn(0, |v| v).size, 2);
    }

    proptest! {
        #[test]
        fn sampling_stays_within_the_table(rgb in prop::array::uniform3(-1.0f64..2.0)) {
            let lut = Lut3d::from_fn(4, |v| [v[0] * v[1], v[2], 1.0 - v[0]]);
            let out = lut.sample(rgb);
            for v in out {
                prop_assert!((-1e-6..=1.0 + 1e-6).contains(&v));
            }
        }
    }
}
