//! The data of a stage file. Units: metres and degrees for geometry, millimetres for
//! cabinets, pixels for resolutions; axes are Bevy's (Y up, −Z forward).

use backlot_scene::format::{AssetRef, EntityName, NonNegative, Positive, UnitInterval};
use serde::{Deserialize, Serialize};

/// A whole LED volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageFile {
    /// Shown in the UI.
    #[serde(default)]
    pub title: String,
    /// The LED surfaces.
    pub sections: Vec<SectionDef>,
    /// What each processor input receives.
    pub outputs: Vec<OutputDef>,
    /// Where the environment (outer frustum) is rendered from.
    #[serde(default)]
    pub outer_eye: OuterEyeDef,
    /// Tracked (or static) cameras whose inner frustum goes on the wall.
    #[serde(default)]
    pub cameras: Vec<CameraDef>,
}

/// One LED surface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionDef {
    /// Unique name, referenced by output regions.
    pub name: EntityName,
    /// Where and what shape.
    pub shape: SectionShape,
    /// The cabinet grid that gives the section its pixels.
    pub cabinet: CabinetDef,
}

/// The shape of a section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SectionShape {
    /// A flat rectangle (walls, ceilings, floors) given by three corners, metres.
    Flat {
        /// Lower-left corner as seen from the front (the lit side).
        lower_left: [f32; 3],
        /// Lower-right corner.
        lower_right: [f32; 3],
        /// Upper-left corner.
        upper_left: [f32; 3],
    },
    /// A vertical arc, lit side facing its centre.
    Curved {
        /// Centre of the arc on the floor plane (x, z), metres.
        center: [f32; 2],
        /// Radius, metres.
        radius: Positive,
        /// Where the arc starts (its left edge seen from the centre), degrees: 0 is −Z,
        /// positive turns right seen from above.
        start_angle: f32,
        /// Where it ends (right edge), degrees; greater than `start_angle`.
        end_angle: f32,
        /// Height of the bottom edge, metres.
        bottom: f32,
        /// Height of the LED surface, metres.
        height: Positive,
    },
}

/// A cabinet (tile) of the grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CabinetDef {
    /// Physical width and height, millimetres.
    pub size_mm: [Positive; 2],
    /// Pixels across and down one cabinet.
    pub pixels: [u32; 2],
}

/// A processor input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputDef {
    /// Unique name; parameters live under `/stage/outputs/<name>/`.
    pub name: EntityName,
    /// Canvas size in pixels (the signal the processor receives).
    pub canvas: [u32; 2],
    /// Rectangles of section pixels placed on the canvas.
    pub regions: Vec<RegionDef>,
    /// Colour pipeline, applied last.
    #[serde(default)]
    pub color: OutputColorDef,
    /// Window placement for `backlot run`.
    #[serde(default)]
    pub window: Option<WindowDef>,
}

/// A rectangle of a section's pixels placed on an output canvas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionDef {
    /// Section name.
    pub section: String,
    /// Source rectangle in section pixels (x, y, width, height); default the whole section.
    #[serde(default)]
    pub source: Option<[u32; 4]>,
    /// Where its top-left lands on the canvas, pixels.
    #[serde(default)]
    pub offset: [u32; 2],
    /// Clockwise quarter turns (0, 90, 180, 270 degrees).
    #[serde(default)]
    pub rotation: u32,
}

/// The per-output colour pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputColorDef {
    /// Exposure offset, stops.
    pub exposure: f32,
    /// Linear gain.
    pub gain: NonNegative,
    /// White balance gains (r, g, b).
    pub white_balance: [NonNegative; 3],
    /// Signal transfer function.
    pub transfer: Transfer,
    /// Optional 3D LUT (`.cube`) under `assets/`.
    pub lut: Option<AssetRef>,
}

impl Default for OutputColorDef {
    fn default() -> Self {
        Self {
            exposure: 0.0,
            gain: NonNegative(1.0),
            white_balance: [NonNegative(1.0); 3],
            transfer: Transfer::Srgb,
            lut: None,
        }
    }
}

/// Output transfer functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Transfer {
    /// IEC 61966-2-1.
    Srgb,
    /// Pure power 2.2.
    Gamma22,
    /// Pure power 2.4 (BT.1886).
    Gamma24,
    /// No encoding.
    Linear,
}

/// Where an output's window goes in `backlot run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowDef {
    /// Monitor index (0 = primary).
    #[serde(default)]
    pub monitor: u32,
    /// Top-left position on that monitor, pixels.
    #[serde(default)]
    pub position: [i32; 2],
    /// Borderless window or exclusive fullscreen.
    #[serde(default)]
    pub fullscreen: bool,
}

/// The point the environment is rendered from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OuterEyeDef {
    /// Metres; default the volume's centre at 1.7 m.
    pub position: Option<[f32; 3]>,
    /// Cube face size, pixels.
    pub resolution: u32,
}

impl Default for OuterEyeDef {
    fn default() -> Self {
        Self {
            position: None,
            resolution: 512,
        }
    }
}

/// A camera whose view becomes the inner frustum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraDef {
    /// The tracker's id for this camera (FreeD camera id).
    pub id: u32,
    /// Metres, stage space.
    #[serde(default = "default_camera_position")]
    pub position: [f32; 3],
    /// Degrees; positive turns right seen from above.
    #[serde(default)]
    pub pan: f32,
    /// Degrees; positive looks up.
    #[serde(default)]
    pub tilt: f32,
    /// Degrees; positive turns the image clockwise seen from behind the camera.
    #[serde(default)]
    pub roll: f32,
    /// The lens.
    pub lens: LensDef,
    /// Extra field around the lens's view, percent.
    #[serde(default = "default_overscan")]
    pub overscan: NonNegative,
    /// Width of the blend between inner and outer at the frustum border, fraction of the
    /// frustum (0 = hard edge).
    #[serde(default = "default_soft_edge")]
    pub soft_edge: UnitInterval,
    /// Higher wins where inner frustums overlap.
    #[serde(default)]
    pub priority: i32,
    /// What the wall shows inside this camera's frustum.
    #[serde(default)]
    pub mode: CameraMode,
    /// Resolution of the inner render.
    #[serde(default)]
    pub inner_resolution: InnerResolution,
}

fn default_camera_position() -> [f32; 3] {
    [0.0, 1.7, 4.0]
}

fn default_overscan() -> NonNegative {
    NonNegative(10.0)
}

fn default_soft_edge() -> UnitInterval {
    UnitInterval(0.05)
}

/// A lens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LensDef {
    /// Focal length and sensor width, millimetres.
    Focal {
        /// mm.
        focal_mm: Positive,
        /// mm (36 full frame, 24.89 Super 35).
        sensor_width_mm: Positive,
    },
    /// Horizontal field of view, degrees.
    Fov(Positive),
}

impl LensDef {
    /// Horizontal field of view in degrees: 2 atan(sensor / 2f).
    pub fn horizontal_fov_deg(&self) -> f32 {
        match self {
            LensDef::Focal {
                focal_mm,
                sensor_width_mm,
            } => (2.0 * (sensor_width_mm.0 / (2.0 * focal_mm.0)).atan()).to_degrees(),
            LensDef::Fov(f) => f.0,
        }
    }
}

/// What the wall shows inside a camera's frustum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub enum CameraMode {
    /// The virtual scene in parallax.
    #[default]
    Normal,
    /// A flat key colour, optionally with a tracking-marker grid.
    ChromaKey {
        /// Key colour (sRGB).
        color: [f32; 3],
        /// Marker spacing in metres on the wall, if markers are wanted.
        #[serde(default)]
        markers: Option<Positive>,
    },
    /// No inner frustum: the outer render everywhere.
    Off,
}

/// Inner render resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InnerResolution {
    /// Fixed size, pixels.
    Fixed(u32, u32),
    /// Follows the number of wall pixels the frustum covers, up to this width.
    Adaptive(u32),
}

impl Default for InnerResolution {
    fn default() -> Self {
        InnerResolution::Adaptive(2048)
    }
}
