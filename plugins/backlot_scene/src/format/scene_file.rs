//! The data of a scene file. Units: metres, degrees, lux (sun), lumens (lamps), kelvin,
//! cd/m² (sky, ambient, emissive). Axes are Bevy's: Y up, −Z forward.

use serde::{Deserialize, Serialize};

use super::{EntityDef, EnvironmentDef, LightDef, NonNegative, PhysicsDef, Positive};

/// A whole environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneFile {
    /// Shown in the UI.
    #[serde(default)]
    pub title: String,
    /// The default view (before a stage or tracked camera exists).
    #[serde(default)]
    pub camera: CameraDef,
    /// Background, sky, ambient light and fog.
    #[serde(default)]
    pub environment: EnvironmentDef,
    /// Gravity and whether bodies simulate.
    #[serde(default)]
    pub physics: PhysicsDef,
    /// Lamps and the sun.
    #[serde(default)]
    pub lights: Vec<LightDef>,
    /// Everything visible.
    #[serde(default)]
    pub entities: Vec<EntityDef>,
}

/// The scene's own camera.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CameraDef {
    /// Where it stands, metres.
    pub position: [f32; 3],
    /// What it looks at, metres.
    pub look_at: [f32; 3],
    /// Vertical field of view, degrees.
    pub fov: Positive,
    /// Exposure as EV100: ~9.7 for interiors, ~15 for sunlight.
    pub exposure_ev100: f32,
    /// Bloom strength (0 = off); makes emissive neon glow.
    pub bloom: NonNegative,
}

impl Default for CameraDef {
    fn default() -> Self {
        Self {
            position: [0.0, 1.7, 6.0],
            look_at: [0.0, 1.2, 0.0],
            fov: Positive(45.0),
            exposure_ev100: 9.7,
            bloom: NonNegative(0.0),
        }
    }
}
