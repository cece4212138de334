//! Inner and outer grading, Bevy-free: a grade's settings, the coefficients the warp shader
//! reads, and the same maths on the CPU ([`GradeCoefficients::apply`]), step for step as
//! `warp.wgsl` does it, so tests can predict the wall's pixels. Keep the two in step.
//!
//! Order, in linear Rec.709 light: exposure and white balance (one 3x3 matrix), saturation
//! around Rec.709 luma, contrast around mid grey (a power in linear light, i.e. a slope in
//! log2 around 0.18), then lift/gamma/gain as ASC CDL offset, power and slope, then the
//! grade's look LUT on sRGB-encoded values. The output's own colour, transfer function and
//! calibration LUT come after the soft-edge blend, in the shader.

mod lut;
#[cfg(test)]
mod tests;
mod white_balance;

use crate::format::CubeLut;

pub use lut::{resample_lut, sample_lut, srgb_decode, srgb_encode};
pub use white_balance::{TINT_DUV, white_balance_matrix, white_point};

/// The grey contrast pivots on (linear).
pub const MID_GREY: f32 = 0.18;
/// Rec.709 luma weights (linear): saturation 0 turns a colour into this grey.
pub const LUMA: [f32; 3] = [0.2126, 0.7152, 0.0722];
/// The colour temperature that leaves white alone.
pub const NEUTRAL_KELVIN: f32 = 6500.0;

/// Exposure, stops.
pub const EXPOSURE_RANGE: (f32, f32) = (-6.0, 6.0);
/// White balance colour temperature, kelvin.
pub const KELVIN_RANGE: (f32, f32) = (2000.0, 15000.0);
/// Tint: −1 green … +1 magenta ([`TINT_DUV`] off the Planckian locus at the ends).
pub const TINT_RANGE: (f32, f32) = (-1.0, 1.0);
/// Saturation and contrast factors.
pub const FACTOR_RANGE: (f32, f32) = (0.0, 2.0);
/// Lift (an offset in linear light), per channel.
pub const LIFT_RANGE: (f32, f32) = (-0.5, 0.5);
/// Gamma, per channel (the power applied is its reciprocal).
pub const GAMMA_RANGE: (f32, f32) = (0.2, 5.0);
/// Gain (a slope), per channel.
pub const GAIN_RANGE: (f32, f32) = (0.0, 4.0);

/// One grade: a camera's (the inner frustum) or an output's (the outer frustum).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grade {
    /// Stops: ×2^exposure.
    pub exposure: f32,
    /// The colour temperature white takes on, kelvin: below 6500 warms, above cools.
    pub kelvin: f32,
    /// Off the Planckian locus: positive magenta, negative green.
    pub tint: f32,
    /// 0 grey, 1 unchanged, 2 doubled distance from luma.
    pub saturation: f32,
    /// Power around mid grey: 1 unchanged, above 1 more contrast.
    pub contrast: f32,
    /// Offset added after the gain, per channel.
    pub lift: [f32; 3],
    /// Per channel; above 1 brightens the mid-tones (the power is 1 / gamma).
    pub gamma: [f32; 3],
    /// Slope, per channel.
    pub gain: [f32; 3],
}

impl Grade {
    /// The grade that changes nothing.
    pub const NEUTRAL: Grade = Grade {
        exposure: 0.0,
        kelvin: NEUTRAL_KELVIN,
        tint: 0.0,
        saturation: 1.0,
        contrast: 1.0,
        lift: [0.0; 3],
        gamma: [1.0; 3],
        gain: [1.0; 3],
    };

    /// Whether it changes nothing (the shader then skips the maths: neutral is exact).
    pub fn is_neutral(&self) -> bool {
        *self == Self::NEUTRAL
    }

    /// What the shader reads for this grade.
    pub fn coefficients(&self) -> GradeCoefficients {
        let k = 2f64.powf(f64::from(self.exposure));
        let wb = white_balance_matrix(self.kelvin, self.tint);
        GradeCoefficients {
            active: !self.is_neutral(),
            rows: wb.map(|row| row.map(|v| (v * k) as f32)),
            saturation: self.saturation,
            contrast: self.contrast,
            lift: self.lift,
            power: self.gamma.map(|g| 1.0 / g.max(GAMMA_RANGE.0)),
            gain: self.gain,
        }
    }
}

impl Default for Grade {
    fn default() -> Self {
        Self::NEUTRAL
    }
}

/// A grade as the warp shader reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradeCoefficients {
    /// False for a neutral grade: the maths is skipped, so neutral is bit-exact.
    pub active: bool,
    /// Exposure × white balance, rows of a linear Rec.709 matrix.
    pub rows: [[f32; 3]; 3],
    /// Saturation factor.
    pub saturation: f32,
    /// Contrast power around [`MID_GREY`].
    pub contrast: f32,
    /// Offset (lift).
    pub lift: [f32; 3],
    /// Power (1 / gamma).
    pub power: [f32; 3],
    /// Slope (gain).
    pub gain: [f32; 3],
}

impl GradeCoefficients {
    /// The grade of one linear colour, without the look LUT: `apply_grade` in `warp.wgsl`.
    pub fn apply(&self, rgb: [f32; 3]) -> [f32; 3] {
        if !self.active {
            return rgb;
        }
        let c = self.rows.map(|row| dot(row, rgb));
        let luma = dot(LUMA, c);
        let c = c.map(|v| luma + self.saturation * (v - luma));
        let c = c.map(|v| contrast_channel(v, self.contrast));
        std::array::from_fn(|i| power_channel(c[i] * self.gain[i] + self.lift[i], self.power[i]))
    }

    /// The grade of one linear colour, then the look LUT when there is one (on sRGB-encoded
    /// values, clipped to 0..1 by the encoding).
    pub fn apply_with_lut(&self, lut: Option<&CubeLut>, rgb: [f32; 3]) -> [f32; 3] {
        let c = self.apply(rgb);
        match lut {
            Some(lut) => sample_lut(lut, c.map(srgb_encode)).map(srgb_decode),
            None => c,
        }
    }
}

/// The soft edge: `outer` where `w` is 0, `inner` where it is 1 (WGSL `mix`).
pub fn blend(outer: [f32; 3], inner: [f32; 3], w: f32) -> [f32; 3] {
    std::array::from_fn(|i| outer[i] * (1.0 - w) + inner[i] * w)
}

/// WGSL `smoothstep(0, width, edge)`: the inner frustum's weight at `edge` (1 − the larger
/// of |x| and |y| in the inner render's NDC) for a soft edge of `width`.
pub fn soft_edge_weight(edge: f32, width: f32) -> f32 {
    if edge <= 0.0 {
        return 0.0;
    }
    if width <= 0.0 {
        return 1.0;
    }
    let t = (edge / width).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Contrast as a power around mid grey; black and below stay black (`contrast_channel`).
fn contrast_channel(v: f32, k: f32) -> f32 {
    if k == 1.0 {
        return v;
    }
    if v <= 0.0 {
        return 0.0;
    }
    MID_GREY * (v / MID_GREY).powf(k)
}

/// CDL power; nothing below black to raise (`power_channel`).
fn power_channel(v: f32, p: f32) -> f32 {
    if p == 1.0 {
        return v;
    }
    if v <= 0.0 {
        return 0.0;
    }
    v.powf(p)
}
