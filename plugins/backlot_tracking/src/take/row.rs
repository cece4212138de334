//! One take row: every tracking sample of every camera as a CSV line.

use crate::pose::Pose;

/// The CSV header, the contract with post-production tools.
pub const HEADER: &str = "time_s,camera,source,raw_x,raw_y,raw_z,raw_pan,raw_tilt,raw_roll,raw_zoom,raw_focus,x,y,z,pan,tilt,roll,zoom,focus,focal_mm,fov_deg,timecode";

/// One row.
#[derive(Debug, Clone, PartialEq)]
pub struct TakeRow {
    /// Seconds since the take started (receive time).
    pub time_s: f64,
    /// Camera id.
    pub camera: u32,
    /// Tracker name (`replay` when re-recorded from a replay).
    pub source: String,
    /// Pose as the tracker sent it: FreeD millimetres and degrees, OSC metres and degrees.
    pub raw_position: [f64; 3],
    /// Raw pan, tilt, roll.
    pub raw_rotation: [f64; 3],
    /// Raw zoom and focus encoder values, when the protocol carries them.
    pub raw_lens: Option<(u32, u32)>,
    /// Calibrated lens position and orientation in stage space.
    pub pose: Pose,
    /// Normalised zoom and focus.
    pub zoom: f32,
    /// Normalised focus.
    pub focus: f32,
    /// Focal length, mm.
    pub focal_mm: f32,
    /// Horizontal field of view, degrees.
    pub fov_deg: f32,
    /// SMPTE label when a timecode source is known.
    pub timecode: Option<String>,
}

impl TakeRow {
    /// The CSV line (no newline).
    pub fn to_csv(&self) -> String {
        let [rx, ry, rz] = self.raw_position;
        let [rp, rt, rr] = self.raw_rotation;
        let (zoom, focus) = self
            .raw_lens
            .map_or((String::new(), String::new()), |(z, f)| {
                (z.to_string(), f.to_string())
            });
        let p = self.pose.position;
        let [pan, tilt, roll] = self.pose.rotation;
        let source = self.source.replace([',', '\n', '\r', '"'], "_");
        format!(
            "{:.6},{},{source},{rx:.4},{ry:.4},{rz:.4},{rp:.6},{rt:.6},{rr:.6},{zoom},{focus},{:.6},{:.6},{:.6},{pan:.6},{tilt:.6},{roll:.6},{:.6},{:.6},{:.4},{:.6},{}",
            self.time_s,
            self.camera,
            p.x,
            p.y,
            p.z,
            self.zoom,
            self.focus,
            self.focal_mm,
            self.fov_deg,
            self.timecode.as_deref().unwrap_or(""),
        )
    }
}
