//! The cameras: the outer eye the environment is rendered from, and the cameras whose inner
//! frustums go on the wall, with their lenses.

use backlot_scene::format::{NonNegative, Positive, UnitInterval};
use serde::{Deserialize, Serialize};

use super::lens::{
    Distortion, FocusPoint, LensState, ZoomPoint, evaluate_table, focal_from_hfov, hfov_from_focal,
};
use super::{CameraTrackingDef, GradeDef};

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
    /// The inner frustum's grade: what this camera sees of the wall (the key colour of a
    /// chroma-key frustum included).
    #[serde(default)]
    pub grade: GradeDef,
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
