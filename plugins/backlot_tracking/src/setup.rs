//! What the stage file asks of tracking, resolved for the runtime.

use backlot_stage::format::{LensDef, StageFile, TrackerProtocol, TrackingDelay};
use bevy::math::Vec3;
use bevy::prelude::Resource;

use crate::pose::Calibration;
use crate::receiver::Wire;

/// One tracker.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackerSetup {
    /// Its name in the stage file.
    pub name: String,
    /// Protocol.
    pub wire: Wire,
    /// UDP port (0: any free one).
    pub port: u16,
    /// Raw zoom range mapped to 0..1.
    pub zoom_range: (u32, u32),
    /// Raw focus range mapped to 0..1.
    pub focus_range: (u32, u32),
    /// Tracker → stage.
    pub calibration: Calibration,
}

/// One stage camera.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraSetup {
    /// Tracker camera id, also the stage camera id.
    pub id: u32,
    /// Its lens.
    pub lens: LensDef,
    /// Indices into [`TrackingSetup::trackers`]; empty for a static camera.
    pub sources: Vec<usize>,
    /// Tracked point → entrance pupil (right, up, forward metres).
    pub nodal: Vec3,
    /// Delay in milliseconds from the file.
    pub delay_ms: f32,
    /// Delay in frames from the file.
    pub delay_frames: f32,
    /// Video rate for frame delays.
    pub video_fps: f32,
    /// One Euro settings: (enabled, min cutoff, beta, d cutoff).
    pub smoothing: (bool, f32, f32, f32),
    /// Dropout time, ms.
    pub dropout_ms: f32,
}

/// Trackers and cameras, rebuilt whenever the stage (re)loads.
#[derive(Resource, Debug, Clone, Default)]
pub struct TrackingSetup {
    /// Trackers.
    pub trackers: Vec<TrackerSetup>,
    /// Cameras.
    pub cameras: Vec<CameraSetup>,
    /// Bumped on every change.
    pub generation: u64,
}

impl TrackingSetup {
    /// From a validated stage file.
    pub fn from_stage(stage: &StageFile) -> Self {
        let trackers: Vec<TrackerSetup> = stage
            .trackers
            .iter()
            .map(|t| {
                let (wire, port, zoom_range, focus_range) = match &t.protocol {
                    TrackerProtocol::FreeD {
                        vendor,
                        port,
                        zoom_range,
                        focus_range,
                    } => (
                        Wire::Freed,
                        port.unwrap_or(vendor.port()),
                        zoom_range.unwrap_or(vendor.zoom_range()),
                        focus_range.unwrap_or(vendor.focus_range()),
                    ),
                    TrackerProtocol::Osc { port } => (Wire::Osc, *port, (0, 1), (0, 1)),
                };
                TrackerSetup {
                    name: t.name.0.clone(),
                    wire,
                    port,
                    zoom_range,
                    focus_range,
                    calibration: Calibration::new(&t.calibration),
                }
            })
            .collect();
        let cameras = stage
            .cameras
            .iter()
            .map(|c| {
                let tracking = c.tracking.as_ref();
                let sources = tracking
                    .map(|t| {
                        t.sources
                            .iter()
                            .filter_map(|s| trackers.iter().position(|k| k.name == *s))
                            .collect()
                    })
                    .unwrap_or_default();
                let (delay_ms, delay_frames) = match tracking.map(|t| t.delay) {
                    Some(TrackingDelay::Ms(ms)) => (ms.0, 0.0),
                    Some(TrackingDelay::Frames(f)) => (0.0, f.0),
                    None => (0.0, 0.0),
                };
                let smoothing = tracking.and_then(|t| t.smoothing);
                let s = smoothing.unwrap_or_default();
                CameraSetup {
                    id: c.id,
                    lens: c.lens.clone(),
                    sources,
                    nodal: Vec3::from(tracking.map_or([0.0; 3], |t| t.nodal_offset)),
                    delay_ms,
                    delay_frames,
                    video_fps: tracking.map_or(25.0, |t| t.video_fps.0),
                    smoothing: (smoothing.is_some(), s.min_cutoff.0, s.beta.0, s.d_cutoff.0),
                    dropout_ms: tracking.map_or(500.0, |t| t.dropout_ms.0),
                }
            })
            .collect();
        Self {
            trackers,
            cameras,
            generation: 0,
        }
    }
}

/// Raw encoder → 0..1 over a range.
pub fn normalise(raw: u32, (lo, hi): (u32, u32)) -> f32 {
    if hi <= lo {
        return 0.0;
    }
    ((f64::from(raw) - f64::from(lo)) / (f64::from(hi) - f64::from(lo))).clamp(0.0, 1.0) as f32
}
