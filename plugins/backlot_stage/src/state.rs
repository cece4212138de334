//! The stage's resources: load status, run settings (camera override, reference views,
//! asset root, output windows), and what the current stage spawned.

use bevy::prelude::*;
use bevy::render::storage::ShaderBuffer;

use crate::StageAsset;
use crate::format::{SectionGeometry, Transfer};
use crate::warp::{MAX_SECTIONS, WarpMaterial};

/// Load state of the stage file.
#[derive(Resource, Debug, Default)]
pub struct StageStatus {
    /// The stage file's handle.
    pub handle: Option<Handle<StageAsset>>,
    /// How many times it has been (re)built.
    pub loads: u32,
    /// Last load error, cleared by the next good load.
    pub error: Option<String>,
    /// True when a load failed before any good stage was up.
    pub failed_without_stage: bool,
    pub(crate) dirty: bool,
}

/// Overrides for the first camera (CLI `--camera-pose`, `--fov`).
#[derive(Resource, Debug, Clone, Default)]
pub struct StageCameraOverride {
    /// x, y, z (m), pan, tilt, roll (degrees).
    pub pose: Option<[f32; 6]>,
    /// Horizontal field of view, degrees.
    pub fov: Option<f32>,
}

/// Render a reference view per camera (its lens, no overscan) at this size.
#[derive(Resource, Debug, Clone, Copy)]
pub struct ReferenceViews(pub UVec2);

/// Where `assets/` is (LUT files are read from there).
#[derive(Resource, Debug, Clone, Default)]
pub struct StageAssetRoot(pub Option<std::path::PathBuf>);

/// Open one window per output (live runs with a display), placed as the stage file says.
#[derive(Resource, Debug, Clone, Copy)]
pub struct OutputWindows;

/// A built output.
#[derive(Debug, Clone)]
pub struct OutputRuntime {
    /// Its name.
    pub name: String,
    /// The canvas image (what the processor receives).
    pub image: Handle<Image>,
    /// Kept so the material lives as long as the output.
    pub(crate) _material: Handle<WarpMaterial>,
    /// Its warp values, written in place every frame (the material never changes).
    pub(crate) params: Handle<ShaderBuffer>,
    /// The material drawing this output into its window, and its values, if it has one.
    pub(crate) window: Option<(Handle<WarpMaterial>, Handle<ShaderBuffer>)>,
    pub(crate) transfer: Transfer,
    /// Its grade's look LUT: the layer of the grade LUT texture, if it has one.
    pub(crate) grade_lut: Option<u32>,
}

/// A built tracked camera.
#[derive(Debug, Clone)]
pub struct CameraRuntime {
    /// Tracker id.
    pub id: u32,
    /// Its inner-frustum render camera.
    pub entity: Entity,
    /// The inner render.
    pub image: Handle<Image>,
    /// Reference view (lens only) when requested.
    pub reference: Option<(Entity, Handle<Image>)>,
    pub(crate) aspect: f32,
    pub(crate) chroma: [f32; 3],
    pub(crate) markers: f32,
    /// Largest inner width when the resolution adapts to the wall pixels covered.
    pub(crate) adaptive_max: Option<u32>,
    /// Current inner render size.
    pub(crate) size: UVec2,
    /// Its grade's look LUT: the layer of the grade LUT texture, if it has one.
    pub(crate) grade_lut: Option<u32>,
}

/// Everything the current stage spawned.
#[derive(Resource, Debug, Default)]
pub struct StageRuntime {
    pub(crate) root: Option<Entity>,
    /// Outputs in file order.
    pub outputs: Vec<OutputRuntime>,
    /// Cameras in ascending priority.
    pub cameras: Vec<CameraRuntime>,
    pub(crate) outer: Vec<Entity>,
    pub(crate) sections: Vec<SectionGeometry>,
    pub(crate) eye: Vec3,
    pub(crate) cabinets: [Vec4; MAX_SECTIONS],
    /// Every grade's look LUT in one texture, and which layer each output's is.
    pub(crate) grade_luts: GradeLutLayers,
}

/// Where the grades' look LUTs went: the texture every output binds, and each output's
/// layer (each camera keeps its own in [`CameraRuntime`]).
#[derive(Debug, Default)]
pub(crate) struct GradeLutLayers {
    pub(crate) image: Handle<Image>,
    /// Output name → layer.
    pub(crate) outputs: std::collections::HashMap<String, u32>,
}

/// The calibration patches, as signal values (0..1 in each output's signal encoding: after
/// its transfer function, before its LUT), indexed by patch id — the set
/// `backlot calibrate patches` writes. The app fills it; the `calibration` pattern shows
/// `/stage/outputs/<name>/patch` of it full-field (black for an id past the end).
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct CalibrationPatches(pub Vec<[f32; 3]>);

/// Which of the stage's outputs this process draws: all of them, or, on a render node of a
/// cluster, the ones it owns. Changing it rebuilds the stage.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub enum StageOutputs {
    /// Every output (a single machine, a cluster's primary without render nodes).
    #[default]
    All,
    /// Only these, by name.
    Only(std::collections::BTreeSet<String>),
}

impl StageOutputs {
    /// Whether the output called `name` is drawn here.
    pub fn draws(&self, name: &str) -> bool {
        match self {
            StageOutputs::All => true,
            StageOutputs::Only(names) => names.contains(name),
        }
    }
}

/// Marks an inner-frustum camera.
#[derive(Component, Debug)]
pub struct InnerCamera {
    /// Tracker id.
    pub id: u32,
}

/// The LED surfaces of the loaded stage, for whoever measures against the wall (performer
/// distance in the reactive layers). Empty until a stage loads.
#[derive(Resource, Debug, Clone, Default)]
pub struct StageWall {
    /// The stage file's sections.
    pub sections: Vec<crate::format::SectionDef>,
}

impl StageWall {
    /// Distance from `p` to the nearest LED surface; without a stage, to the plane z = −4 m
    /// where the shipped stages put their wall.
    pub fn distance(&self, p: Vec3) -> f32 {
        crate::format::nearest_led_distance(p, &self.sections)
    }
}
