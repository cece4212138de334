//! Camera tracking: the tracking systems, their calibration to stage space, and how a
//! camera follows them (delay, smoothing, dropout).

use backlot_scene::format::{EntityName, NonNegative, Positive};
use serde::{Deserialize, Serialize};

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
