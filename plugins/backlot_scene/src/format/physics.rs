//! Rigid-body simulation: the world's settings and how an entity takes part.

use serde::{Deserialize, Serialize};

use super::{NonNegative, Positive, UnitInterval};

/// Rigid-body simulation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PhysicsDef {
    /// m/s².
    pub gravity: [f32; 3],
    /// Whether bodies move at all.
    pub enabled: bool,
}

impl Default for PhysicsDef {
    fn default() -> Self {
        Self {
            gravity: [0.0, -9.81, 0.0],
            enabled: true,
        }
    }
}

/// How an entity takes part in physics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyDef {
    /// Static, dynamic or kinematic.
    pub kind: BodyKind,
    /// Collision shape; default follows the primitive shape (required for glTF).
    #[serde(default)]
    pub collider: Option<ColliderDef>,
    /// Kilograms (dynamic bodies).
    #[serde(default)]
    pub mass: Option<Positive>,
    /// Bounciness 0..1.
    #[serde(default = "default_restitution")]
    pub restitution: UnitInterval,
    /// Friction coefficient.
    #[serde(default = "default_friction")]
    pub friction: NonNegative,
    /// Initial velocity, m/s.
    #[serde(default)]
    pub velocity: [f32; 3],
    /// Hang the body from this world point (metres) on a ball joint: swinging props.
    #[serde(default)]
    pub anchor: Option<[f32; 3]>,
    /// Impulse (N·s) applied by the `/scene/entities/<name>/push` trigger.
    #[serde(default)]
    pub push: Option<[f32; 3]>,
}

fn default_restitution() -> UnitInterval {
    UnitInterval(0.2)
}

fn default_friction() -> NonNegative {
    NonNegative(0.6)
}

/// Rigid-body kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BodyKind {
    /// Never moves (floors, walls).
    Static,
    /// Falls, rolls and swings.
    Dynamic,
    /// Moved by animation, pushes dynamic bodies.
    Kinematic,
}

/// Collision shapes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ColliderDef {
    /// Full extents, metres.
    Box {
        /// Width, height, depth.
        size: [Positive; 3],
    },
    /// Metres.
    Ball {
        /// Radius.
        radius: Positive,
    },
    /// Upright.
    Cylinder {
        /// Metres.
        radius: Positive,
        /// Metres.
        height: Positive,
    },
    /// Upright.
    Capsule {
        /// Metres.
        radius: Positive,
        /// Straight part, metres.
        length: Positive,
    },
}
