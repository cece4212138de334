//! Visible things: their placement, geometry (primitives and glTF) and surfaces.

use serde::{Deserialize, Serialize};

use super::{
    AnimationDef, AssetRef, BodyDef, ColorDef, EntityName, NonNegative, Positive, UnitInterval,
};

/// Something visible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityDef {
    /// Unique name; its parameters live under `/scene/entities/<name>/`.
    pub name: EntityName,
    /// Primitive or glTF.
    pub shape: ShapeDef,
    /// Metres.
    #[serde(default)]
    pub position: [f32; 3],
    /// Euler angles in degrees, applied Y (yaw) then X (pitch) then Z (roll).
    #[serde(default)]
    pub rotation: [f32; 3],
    /// Per-axis scale.
    #[serde(default = "one3")]
    pub scale: [f32; 3],
    /// Surface (ignored for glTF, which brings its own).
    #[serde(default)]
    pub material: MaterialDef,
    /// Whether it is shown.
    #[serde(default = "yes")]
    pub visible: bool,
    /// Whether it casts shadows.
    #[serde(default = "yes")]
    pub cast_shadows: bool,
    /// Rigid body, if it takes part in physics.
    #[serde(default)]
    pub body: Option<BodyDef>,
    /// Optional movement.
    #[serde(default)]
    pub animation: Option<AnimationDef>,
}

fn one3() -> [f32; 3] {
    [1.0; 3]
}

fn yes() -> bool {
    true
}

/// The geometry of an entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ShapeDef {
    /// A flat rectangle facing +Y; size is (x, z).
    Plane {
        /// Width and depth, metres.
        size: [Positive; 2],
    },
    /// A box; size is full extents.
    Box {
        /// Width, height, depth, metres.
        size: [Positive; 3],
    },
    /// A sphere.
    Sphere {
        /// Metres.
        radius: Positive,
    },
    /// An upright cylinder.
    Cylinder {
        /// Metres.
        radius: Positive,
        /// Metres.
        height: Positive,
    },
    /// An upright capsule.
    Capsule {
        /// Metres.
        radius: Positive,
        /// Length of the straight part, metres.
        length: Positive,
    },
    /// A ring lying in the XZ plane.
    Torus {
        /// Tube radius, metres.
        minor_radius: Positive,
        /// Ring radius, metres.
        major_radius: Positive,
    },
    /// A glTF file from `assets/`.
    Gltf {
        /// Path under `assets/`, e.g. `models/mesa.gltf`.
        path: AssetRef,
        /// Which scene of the file.
        #[serde(default)]
        scene: u32,
    },
}

/// A physically based surface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MaterialDef {
    /// Albedo.
    pub base_color: ColorDef,
    /// Albedo texture under `assets/`, multiplied with `base_color`.
    pub base_color_texture: Option<AssetRef>,
    /// Emitted colour.
    pub emissive: ColorDef,
    /// Emitted luminance in cd/m² (neon tubes: 200-2000).
    pub emissive_strength: NonNegative,
    /// Emissive texture under `assets/`.
    pub emissive_texture: Option<AssetRef>,
    /// Normal map under `assets/`.
    pub normal_map: Option<AssetRef>,
    /// 0 dielectric .. 1 metal.
    pub metallic: UnitInterval,
    /// 0 mirror .. 1 matte.
    pub roughness: UnitInterval,
    /// Ignore lights (screens, signs, the sky).
    pub unlit: bool,
    /// Render both faces.
    pub double_sided: bool,
    /// How many times textures repeat across the surface (u, v): tiles a road or floor.
    pub uv_scale: [Positive; 2],
}

impl Default for MaterialDef {
    fn default() -> Self {
        Self {
            base_color: ColorDef::WHITE,
            base_color_texture: None,
            emissive: ColorDef::BLACK,
            emissive_strength: NonNegative(0.0),
            emissive_texture: None,
            normal_map: None,
            metallic: UnitInterval(0.0),
            roughness: UnitInterval(0.5),
            unlit: false,
            double_sided: false,
            uv_scale: [Positive(1.0); 2],
        }
    }
}
