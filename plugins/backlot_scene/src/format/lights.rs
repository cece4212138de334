//! Lamps and the sun.

use serde::{Deserialize, Serialize};

use super::{AnimationDef, ColorDef, EntityName, NonNegative, Positive};

/// A light.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LightDef {
    /// Unique name; its parameters live under `/scene/lights/<name>/`.
    pub name: EntityName,
    /// Directional, point or spot.
    pub kind: LightKind,
    /// Colour (RGB, hex or kelvin).
    #[serde(default)]
    pub color: ColorDef,
    /// Lux for directional lights, lumens for point and spot lights.
    pub intensity: NonNegative,
    /// Where it is, metres.
    #[serde(default)]
    pub position: [f32; 3],
    /// What it points at (directional and spot); default straight down.
    #[serde(default)]
    pub look_at: Option<[f32; 3]>,
    /// Name of an entity it keeps pointing at, overriding `look_at`.
    #[serde(default)]
    pub target: Option<String>,
    /// Reach in metres (point and spot).
    #[serde(default)]
    pub range: Option<Positive>,
    /// Whether it casts shadows.
    #[serde(default)]
    pub shadows: bool,
    /// Optional movement.
    #[serde(default)]
    pub animation: Option<AnimationDef>,
}

/// The kind of light.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LightKind {
    /// The sun: parallel rays, intensity in lux.
    Directional,
    /// A bulb: intensity in lumens.
    Point {
        /// Radius of the emitter, metres (softens highlights).
        #[serde(default)]
        radius: NonNegative,
    },
    /// A spot: intensity in lumens, cone in degrees (full angles).
    Spot {
        /// Full-brightness cone, degrees.
        inner_angle: NonNegative,
        /// Edge of the cone, degrees (< 180).
        outer_angle: Positive,
    },
}
