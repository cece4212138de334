//! A grade's look LUT on the CPU: the sRGB encoding it is applied in, trilinear lookup as
//! the GPU samples it, and resampling to the size every grade LUT shares on the GPU.

use crate::format::CubeLut;

/// IEC 61966-2-1 encoding of a linear value, negatives as black (`encode(x, 0u)`).
pub fn srgb_encode(x: f32) -> f32 {
    let v = x.max(0.0);
    if v <= 0.003_130_8 {
        12.92 * v
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    }
}

/// IEC 61966-2-1 decoding (`srgb_decode`).
pub fn srgb_decode(v: f32) -> f32 {
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// The LUT at `rgb` (clamped to 0..1), trilinear between its entries like the GPU's filter.
pub fn sample_lut(lut: &CubeLut, rgb: [f32; 3]) -> [f32; 3] {
    let n = lut.size.max(1);
    if lut.data.len() < n * n * n {
        return rgb;
    }
    let top = (n - 1) as f32;
    let mut base = [0usize; 3];
    let mut frac = [0f32; 3];
    for (i, c) in rgb.iter().enumerate() {
        let t = c.clamp(0.0, 1.0) * top;
        let b = (t.floor() as usize).min(n.saturating_sub(2));
        base[i] = b;
        frac[i] = t - b as f32;
    }
    let at = |dr: usize, dg: usize, db: usize| {
        let (r, g, b) = (
            (base[0] + dr).min(n - 1),
            (base[1] + dg).min(n - 1),
            (base[2] + db).min(n - 1),
        );
        lut.data[r + n * (g + n * b)]
    };
    let lerp = |a: [f32; 3], b: [f32; 3], t: f32| -> [f32; 3] {
        std::array::from_fn(|i| a[i] + (b[i] - a[i]) * t)
    };
    let [fr, fg, fb] = frac;
    let c00 = lerp(at(0, 0, 0), at(1, 0, 0), fr);
    let c10 = lerp(at(0, 1, 0), at(1, 1, 0), fr);
    let c01 = lerp(at(0, 0, 1), at(1, 0, 1), fr);
    let c11 = lerp(at(0, 1, 1), at(1, 1, 1), fr);
    lerp(lerp(c00, c10, fg), lerp(c01, c11, fg), fb)
}

/// `lut` at `size` entries per axis, by trilinear lookup. Exact for the identity and for
/// any size whose steps divide the original's (33 → 65); otherwise a close approximation.
pub fn resample_lut(lut: &CubeLut, size: usize) -> CubeLut {
    let n = size.max(2);
    if n == lut.size {
        return lut.clone();
    }
    let s = (n - 1) as f32;
    let mut data = Vec::with_capacity(n * n * n);
    for b in 0..n {
        for g in 0..n {
            for r in 0..n {
                data.push(sample_lut(lut, [r as f32 / s, g as f32 / s, b as f32 / s]));
            }
        }
    }
    // Cloned rather than built, so whatever else the LUT carries comes along.
    let mut out = lut.clone();
    out.size = n;
    out.data = data;
    out
}
