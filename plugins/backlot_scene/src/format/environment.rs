//! Everything around the set: background colour or gradient sky, sky image, ambient light
//! and fog.

use serde::{Deserialize, Serialize};

use super::{AssetRef, ColorDef, NonNegative};

/// Everything around the set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct EnvironmentDef {
    /// What the camera sees where nothing is.
    pub background: BackgroundDef,
    /// Light that reaches everything, cd/m².
    pub ambient: AmbientDef,
    /// Distance fog / haze.
    pub fog: Option<FogDef>,
    /// Equirectangular HDR/EXR sky: drawn as the background and used for image-based light.
    pub sky_image: Option<SkyImageDef>,
}

/// An equirectangular (2:1) HDR or EXR environment image under `assets/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkyImageDef {
    /// Path under `assets/`, e.g. `sky/desert_afternoon.hdr`.
    pub path: AssetRef,
    /// Turn about the vertical axis, degrees.
    #[serde(default)]
    pub rotation: f32,
    /// Luminance of an image value of 1.0, cd/m²; scales both the background and its light.
    #[serde(default = "default_sky_exposure")]
    pub exposure: NonNegative,
}

/// A plain colour or a procedural gradient sky.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BackgroundDef {
    /// A flat colour.
    Color(ColorDef),
    /// A sky dome blending zenith → horizon → ground.
    Gradient {
        /// Straight up.
        zenith: ColorDef,
        /// At the horizon.
        horizon: ColorDef,
        /// Below the horizon.
        ground: ColorDef,
        /// Brightness of the dome, cd/m² (sky luminance).
        #[serde(default = "default_sky_exposure")]
        exposure: NonNegative,
    },
}

fn default_sky_exposure() -> NonNegative {
    NonNegative(1000.0)
}

impl Default for BackgroundDef {
    fn default() -> Self {
        BackgroundDef::Color(ColorDef::BLACK)
    }
}

/// Ambient light.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AmbientDef {
    /// Its colour.
    pub color: ColorDef,
    /// cd/m².
    pub brightness: NonNegative,
}

impl Default for AmbientDef {
    fn default() -> Self {
        Self {
            color: ColorDef::WHITE,
            brightness: NonNegative(80.0),
        }
    }
}

/// Exponential distance fog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FogDef {
    /// The haze colour.
    #[serde(default)]
    pub color: ColorDef,
    /// Extinction per metre (0.02 light haze, 0.2 thick smoke).
    pub density: NonNegative,
    /// Colour of the glow around directional lights seen through the haze.
    #[serde(default)]
    pub sun_glow: Option<ColorDef>,
}
