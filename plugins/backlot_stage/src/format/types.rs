//! The data of a stage file. Units: metres and degrees for geometry, millimetres for
//! cabinets, pixels for resolutions; axes are Bevy's (Y up, −Z forward).

use backlot_scene::format::{AssetRef, EntityName, NonNegative, Positive, UnitInterval};
use serde::{Deserialize, Serialize};

use super::lens::{
    Distortion, FocusPoint, LensState, ZoomPoint, evaluate_table, focal_from_hfov, hfov_from_focal,
};

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
    /// Camera tracking systems and their calibration to stage space.
    #[serde(default)]
    pub trackers: Vec<TrackerDef>,
}

/// A tracking system feeding camera poses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackerDef {
    /// Unique name; cameras list the trackers they follow by name.
    pub name: EntityName,
    /// Wire protocol and where it arrives.
    pub protocol: TrackerProtocol,
    /// Tracker space → stage space.
    #[serde(default)]
    pub calibration: CalibrationDef,
}

/// How tracking data arrives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TrackerProtocol {
    /// FreeD D1 over UDP; packets are routed to cameras by the FreeD camera id.
    FreeD {
        /// Vendor preset: default port and raw zoom/focus encoder ranges.
        #[serde(default)]
        vendor: FreedVendor,
        /// UDP port; default the vendor's (0 asks the system for a free one).
        #[serde(default)]
        port: Option<u16>,
        /// Raw zoom encoder range (min, max) mapped to 0..1; default the vendor's.
        #[serde(default)]
        zoom_range: Option<(u32, u32)>,
        /// Raw focus encoder range (min, max) mapped to 0..1; default the vendor's.
        #[serde(default)]
        focus_range: Option<(u32, u32)>,
    },
    /// OSC over UDP: `/backlot/camera/<id>/pose fff fff` (stage metres, degrees),
    /// `/backlot/camera/<id>/fov f` (degrees), `/backlot/camera/<id>/focal f` (mm).
    Osc {
        /// UDP port (0 asks the system for a free one).
        port: u16,
    },
}

/// FreeD vendor presets (ports and encoder ranges are conventions, not a standard).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FreedVendor {
    /// Port 40000, zoom and focus 0..0x10000.
    #[default]
    Generic,
    /// Panasonic PTZ: port 1111, zoom and focus 0x555..0xFFF.
    Panasonic,
    /// Sony PTZ: port 52380, zoom 0..0x4000, focus 0x1000..0xF000.
    Sony,
    /// Mo-Sys StarTracker: port 8001, zoom and focus 0..0xFFFF.
    MoSys,
    /// stYpe RedSpy and Ncam: port 6301, zoom and focus 0..0xFFFFFF.
    Stype,
}

impl FreedVendor {
    /// The preset's UDP port.
    pub fn port(self) -> u16 {
        match self {
            FreedVendor::Generic => 40000,
            FreedVendor::Panasonic => 1111,
            FreedVendor::Sony => 52380,
            FreedVendor::MoSys => 8001,
            FreedVendor::Stype => 6301,
        }
    }

    /// Raw zoom encoder range.
    pub fn zoom_range(self) -> (u32, u32) {
        match self {
            FreedVendor::Generic => (0, 0x10000),
            FreedVendor::Panasonic => (0x555, 0xFFF),
            FreedVendor::Sony => (0, 0x4000),
            FreedVendor::MoSys => (0, 0xFFFF),
            FreedVendor::Stype => (0, 0xFF_FFFF),
        }
    }

    /// Raw focus encoder range.
    pub fn focus_range(self) -> (u32, u32) {
        match self {
            FreedVendor::Sony => (0x1000, 0xF000),
            other => other.zoom_range(),
        }
    }
}

/// Tracker space → stage space: stage = offset + rotation · (scale · tracker).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CalibrationDef {
    /// Where the tracker's origin is in stage space, metres.
    pub offset: [f32; 3],
    /// How the tracker's axes are turned in stage space: pan, tilt, roll, degrees.
    pub rotation: [f32; 3],
    /// Tracker units → metres (after the protocol's own conversion).
    pub scale: Positive,
}

impl Default for CalibrationDef {
    fn default() -> Self {
        Self {
            offset: [0.0; 3],
            rotation: [0.0; 3],
            scale: Positive(1.0),
        }
    }
}

/// How a camera follows its trackers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraTrackingDef {
    /// Tracker names; the newest sample from any of them drives the camera.
    pub sources: Vec<String>,
    /// From the tracked point to the lens's entrance pupil, in the camera's axes:
    /// right, up, forward, metres.
    #[serde(default)]
    pub nodal_offset: [f32; 3],
    /// Tracking is delayed by this much so the wall matches the camera's video latency.
    #[serde(default)]
    pub delay: TrackingDelay,
    /// Video frame rate, for delays given in frames.
    #[serde(default = "default_video_fps")]
    pub video_fps: Positive,
    /// One Euro jitter filter; off when absent.
    #[serde(default)]
    pub smoothing: Option<SmoothingDef>,
    /// No valid sample for this long → status `lost`, last pose held, milliseconds.
    #[serde(default = "default_dropout_ms")]
    pub dropout_ms: Positive,
}

fn default_video_fps() -> Positive {
    Positive(25.0)
}

fn default_dropout_ms() -> Positive {
    Positive(500.0)
}

/// A tracking delay.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum TrackingDelay {
    /// Milliseconds.
    Ms(NonNegative),
    /// Video frames at the camera's `video_fps`.
    Frames(NonNegative),
}

impl Default for TrackingDelay {
    fn default() -> Self {
        TrackingDelay::Ms(NonNegative(0.0))
    }
}

/// One Euro filter settings (Casiez et al. 2012).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmoothingDef {
    /// Cutoff at rest, Hz: lower smooths more when still.
    pub min_cutoff: Positive,
    /// Speed coefficient: higher follows fast moves with less lag.
    pub beta: NonNegative,
    /// Cutoff for the speed estimate, Hz.
    pub d_cutoff: Positive,
}

impl Default for SmoothingDef {
    fn default() -> Self {
        Self {
            min_cutoff: Positive(1.0),
            beta: NonNegative(0.05),
            d_cutoff: Positive(1.0),
        }
    }
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
    /// Live tracking; without it the camera stays where the file puts it.
    #[serde(default)]
    pub tracking: Option<CameraTrackingDef>,
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
    /// A calibrated zoom lens: the tracker's zoom (and focus) encoders, normalised by the
    /// tracker's raw ranges, looked up in tables and interpolated.
    Table {
        /// mm.
        sensor_width_mm: Positive,
        /// Zoom points sorted by `zoom`.
        zoom: Vec<ZoomPoint>,
        /// Focus points sorted by `focus` (optional).
        #[serde(default)]
        focus: Vec<FocusPoint>,
    },
}

impl LensDef {
    /// Horizontal field of view in degrees: 2 atan(sensor / 2f); a table lens at its
    /// widest calibrated zoom point (zoom 0).
    pub fn horizontal_fov_deg(&self) -> f32 {
        self.evaluate(0.0, 0.0).hfov_deg
    }

    /// Sensor width in mm (36 when the lens is given only as a field of view).
    pub fn sensor_width_mm(&self) -> f32 {
        match self {
            LensDef::Focal {
                sensor_width_mm, ..
            }
            | LensDef::Table {
                sensor_width_mm, ..
            } => sensor_width_mm.0,
            LensDef::Fov(_) => 36.0,
        }
    }

    /// The lens at normalised zoom and focus encoder values (fixed lenses ignore them).
    pub fn evaluate(&self, zoom: f32, focus: f32) -> LensState {
        let fixed = |focal_mm: f32, sensor: f32| LensState {
            focal_mm,
            hfov_deg: hfov_from_focal(focal_mm, sensor),
            distortion: Distortion::default(),
            focus_distance_m: None,
        };
        match self {
            LensDef::Focal {
                focal_mm,
                sensor_width_mm,
            } => fixed(focal_mm.0, sensor_width_mm.0),
            LensDef::Fov(f) => fixed(focal_from_hfov(f.0, 36.0), 36.0),
            LensDef::Table {
                sensor_width_mm,
                zoom: points,
                focus: focus_points,
            } => evaluate_table(sensor_width_mm.0, points, focus_points, zoom, focus)
                .unwrap_or_else(|| fixed(focal_from_hfov(40.0, 36.0), 36.0)),
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
