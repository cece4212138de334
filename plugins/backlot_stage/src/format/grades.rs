//! Grades in the stage file: a camera's (`cameras: [(id: 1, grade: (...))]`, the inner
//! frustum) and an output's (`outputs: [(name: "main", grade: (...))]`, the outer frustum).
//! Every field is optional and starts its parameter; `lut` is a look LUT (`.cube` under
//! `assets/`). Values out of range are refused at their position.

use std::fmt;

use backlot_scene::format::AssetRef;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::grade::{self, Grade};

/// A number that must lie in an inclusive range, refused at its position otherwise.
macro_rules! ranged {
    ($name:ident, $doc:literal, $range:expr, $unit:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub f32);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = f32::deserialize(d)?;
                let (lo, hi) = $range;
                if (lo..=hi).contains(&v) {
                    Ok(Self(v))
                } else {
                    Err(de::Error::custom(OutOfRange {
                        value: v,
                        lo,
                        hi,
                        unit: $unit,
                    }))
                }
            }
        }
    };
}

struct OutOfRange {
    value: f32,
    lo: f32,
    hi: f32,
    unit: &'static str,
}

impl fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "value must be in {}..{}{}, got {}",
            self.lo, self.hi, self.unit, self.value
        )
    }
}

ranged!(Stops, "Exposure, stops.", grade::EXPOSURE_RANGE, " stops");
ranged!(
    Kelvin,
    "Colour temperature, kelvin.",
    grade::KELVIN_RANGE,
    " K"
);
ranged!(Tint, "Tint, −1 green … +1 magenta.", grade::TINT_RANGE, "");
ranged!(Factor, "Saturation or contrast.", grade::FACTOR_RANGE, "");
ranged!(Lift, "Lift (offset), one channel.", grade::LIFT_RANGE, "");
ranged!(Gamma, "Gamma, one channel.", grade::GAMMA_RANGE, "");
ranged!(Gain, "Gain (slope), one channel.", grade::GAIN_RANGE, "");

/// A grade's starting values and its optional look LUT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GradeDef {
    /// Stops.
    pub exposure: Stops,
    /// White balance: the colour temperature white takes on (below 6500 warms).
    pub kelvin: Kelvin,
    /// Positive magenta, negative green.
    pub tint: Tint,
    /// 0 grey … 2.
    pub saturation: Factor,
    /// Around mid grey, 0 … 2.
    pub contrast: Factor,
    /// Offset per channel (r, g, b).
    pub lift: [Lift; 3],
    /// Per channel; the power is 1 / gamma.
    pub gamma: [Gamma; 3],
    /// Slope per channel.
    pub gain: [Gain; 3],
    /// Look LUT (`.cube`) under `assets/`, applied last in the grade, on sRGB-encoded values.
    pub lut: Option<AssetRef>,
}

impl Default for GradeDef {
    fn default() -> Self {
        let n = Grade::NEUTRAL;
        Self {
            exposure: Stops(n.exposure),
            kelvin: Kelvin(n.kelvin),
            tint: Tint(n.tint),
            saturation: Factor(n.saturation),
            contrast: Factor(n.contrast),
            lift: n.lift.map(Lift),
            gamma: n.gamma.map(Gamma),
            gain: n.gain.map(Gain),
            lut: None,
        }
    }
}

impl GradeDef {
    /// The grade these values give.
    pub fn grade(&self) -> Grade {
        Grade {
            exposure: self.exposure.0,
            kelvin: self.kelvin.0,
            tint: self.tint.0,
            saturation: self.saturation.0,
            contrast: self.contrast.0,
            lift: self.lift.map(|v| v.0),
            gamma: self.gamma.map(|v| v.0),
            gain: self.gain.map(|v| v.0),
        }
    }
}
