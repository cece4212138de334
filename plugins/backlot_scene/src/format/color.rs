//! Colours as users write them: `Rgb(1.0, 0.4, 0.1)`, `Hex("#ff6a1a")` or `Kelvin(5600)`.

use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer};

use super::NonNegative;

/// A colour in a scene file. RGB is sRGB-encoded in 0..1 (values above 1 are allowed for
/// emissive colours).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub enum ColorDef {
    /// sRGB components.
    Rgb(NonNegative, NonNegative, NonNegative),
    /// `#rrggbb` or `rrggbb`.
    Hex(HexColor),
    /// Black-body colour temperature in kelvin (1000..40000), as on a lighting desk.
    Kelvin(Kelvin),
}

impl ColorDef {
    /// White.
    pub const WHITE: ColorDef = ColorDef::Rgb(NonNegative(1.0), NonNegative(1.0), NonNegative(1.0));
    /// Black.
    pub const BLACK: ColorDef = ColorDef::Rgb(NonNegative(0.0), NonNegative(0.0), NonNegative(0.0));

    /// The colour as sRGB components.
    pub fn to_srgb(&self) -> [f32; 3] {
        match self {
            ColorDef::Rgb(r, g, b) => [r.0, g.0, b.0],
            ColorDef::Hex(h) => h.0,
            ColorDef::Kelvin(k) => kelvin_to_srgb(k.0),
        }
    }
}

impl Default for ColorDef {
    fn default() -> Self {
        ColorDef::WHITE
    }
}

/// A parsed `#rrggbb` colour.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HexColor(pub [f32; 3]);

impl<'de> Deserialize<'de> for HexColor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let hex = text.trim_start_matches('#');
        let bad = || de::Error::custom(format!("`{text}` is not a #rrggbb colour"));
        if hex.len() != 6 || !hex.is_ascii() {
            return Err(bad());
        }
        let c = bevy::color::Srgba::hex(hex).map_err(|_| bad())?;
        Ok(Self([c.red, c.green, c.blue]))
    }
}

/// A colour temperature in kelvin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Kelvin(pub f32);

impl<'de> Deserialize<'de> for Kelvin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let k = f32::deserialize(d)?;
        if (1000.0..=40000.0).contains(&k) {
            Ok(Self(k))
        } else {
            Err(de::Error::custom(format!(
                "colour temperature must be 1000..40000 K, got {k}"
            )))
        }
    }
}

/// Black-body colour (Tanner Helland's fit of the CIE data), normalised so the brightest
/// channel is 1: intensity stays the light's job, not the colour's.
pub fn kelvin_to_srgb(kelvin: f32) -> [f32; 3] {
    let t = kelvin.clamp(1000.0, 40000.0) / 100.0;
    let r = if t <= 66.0 {
        255.0
    } else {
        329.698_73 * (t - 60.0).powf(-0.133_204_76)
    };
    let g = if t <= 66.0 {
        99.470_8 * t.ln() - 161.119_57
    } else {
        288.122_16 * (t - 60.0).powf(-0.075_514_85)
    };
    let b = if t >= 66.0 {
        255.0
    } else if t <= 19.0 {
        0.0
    } else {
        138.517_73 * (t - 10.0).ln() - 305.044_8
    };
    let rgb = [r, g, b].map(|c: f32| c.clamp(0.0, 255.0) / 255.0);
    let max = rgb.iter().cloned().fold(f32::EPSILON, f32::max);
    rgb.map(|c| c / max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kelvin_is_warm_to_cool() {
        let warm = kelvin_to_srgb(2700.0);
        let day = kelvin_to_srgb(6600.0);
        let cool = kelvin_to_srgb(10000.0);
        assert!(warm[0] > warm[2] + 0.3, "{warm:?}");
        assert!((day[0] - day[2]).abs() < 0.05, "{day:?}");
        assert!(cool[2] > cool[0], "{cool:?}");
    }
}
