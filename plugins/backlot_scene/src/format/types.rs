//! The data of a scene file. Units: metres, degrees, lux (sun), lumens (lamps), kelvin,
//! cd/m² (sky, ambient, emissive). Axes are Bevy's: Y up, −Z forward.

use serde::{Deserialize, Serialize};

use super::{AssetRef, ColorDef, EntityName, NonNegative, Positive, UnitInterval};

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
