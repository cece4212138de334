//! Simple procedural motion of entities and lights.

use serde::{Deserialize, Serialize};

/// Simple procedural motion; `speed` is a live parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AnimationDef {
    /// Turn about an axis; speed in degrees per second.
    Spin {
        /// Axis (normalised on load).
        #[serde(default = "up")]
        axis: [f32; 3],
        /// Degrees per second.
        speed: f32,
    },
    /// Move up and down; speed in cycles per second.
    Bob {
        /// Metres.
        amplitude: f32,
        /// Cycles per second.
        speed: f32,
    },
    /// Circle a vertical axis through `center`; speed in degrees per second.
    Orbit {
        /// Metres.
        center: [f32; 3],
        /// Degrees per second.
        speed: f32,
    },
}

fn up() -> [f32; 3] {
    [0.0, 1.0, 0.0]
}

impl AnimationDef {
    /// The speed value (its unit depends on the kind).
    pub fn speed(&self) -> f32 {
        match self {
            AnimationDef::Spin { speed, .. }
            | AnimationDef::Bob { speed, .. }
            | AnimationDef::Orbit { speed, .. } => *speed,
        }
    }

    /// Unit of the speed value.
    pub fn speed_unit(&self) -> &'static str {
        match self {
            AnimationDef::Spin { .. } | AnimationDef::Orbit { .. } => "deg/s",
            AnimationDef::Bob { .. } => "Hz",
        }
    }
}
