//! Tracking's parameters: per-camera health (read-only) and settings, and take control.

use backlot_params::{ParamAddress, ParamKind, ParamRegistry, ParamSpec, ParamValue};

use crate::setup::CameraSetup;

/// Status names, in the order the enum lists them.
pub const STATUSES: [&str; 5] = ["static", "waiting", "tracking", "lost", "replay"];

/// `/tracking/<id>/<leaf>`.
pub fn camera_address(id: u32, leaf: &str) -> String {
    backlot_params::addresses::tracking_camera(id, leaf)
}

/// A camera's parameter as a float, or `default` when it is missing or not a number.
pub(crate) fn param(registry: &ParamRegistry, id: u32, leaf: &str, default: f32) -> f32 {
    registry.f32_or(&camera_address(id, leaf), default)
}

fn addr(id: u32, leaf: &str) -> ParamAddress {
    let id = id.to_string();
    ParamAddress::from_segments_lossy(["tracking", id.as_str()].into_iter().chain(leaf.split('/')))
}

fn int(address: ParamAddress, max: f32) -> ParamSpec {
    ParamSpec::new(address, ParamKind::Int, ParamValue::Int(0)).with_range(0.0, max)
}

/// Every parameter of one camera.
pub fn camera_specs(c: &CameraSetup, fov: f32) -> Vec<ParamSpec> {
    let id = c.id;
    let ro = |s: ParamSpec, d: &str| s.read_only().with_description(d);
    vec![
        ro(
            ParamSpec::vec3(addr(id, "position"), [0.0; 3], -1000.0, 1000.0, "m"),
            "Tracked lens position, stage space",
        ),
        ro(
            ParamSpec::vec3(addr(id, "rotation"), [0.0; 3], -360.0, 360.0, "deg"),
            "Tracked pan, tilt, roll",
        ),
        ro(
            ParamSpec::float(addr(id, "fov"), fov, 1.0, 170.0, "deg"),
            "Horizontal field of view from the lens",
        ),
        ro(
            ParamSpec::float(addr(id, "focal"), 0.0, 0.0, 2000.0, "mm"),
            "Focal length from the lens",
        ),
        ro(
            ParamSpec::float(addr(id, "zoom"), 0.0, 0.0, 1.0, ""),
            "Zoom encoder, normalised",
        ),
        ro(
            ParamSpec::float(addr(id, "focus"), 0.0, 0.0, 1.0, ""),
            "Focus encoder, normalised",
        ),
        ro(
            ParamSpec::float(addr(id, "focus_distance"), 0.0, 0.0, 100_000.0, "m"),
            "Focus distance from the lens table (0: unknown)",
        ),
        ro(
            ParamSpec::float(addr(id, "rate_hz"), 0.0, 0.0, 10_000.0, "Hz"),
            "Samples per second over the last second",
        ),
        ro(
            ParamSpec::float(addr(id, "jitter_ms"), 0.0, 0.0, 10_000.0, "ms"),
            "Standard deviation of sample intervals",
        ),
        ro(
            ParamSpec::float(addr(id, "age_ms"), 0.0, 0.0, 1.0e9, "ms"),
            "Time since the last valid sample",
        ),
        ro(
            int(addr(id, "errors"), i32::MAX as f32),
            "Rejected packets and messages",
        ),
        ro(
            int(addr(id, "packets"), i32::MAX as f32),
            "Valid samples received",
        ),
        ro(
            ParamSpec::new(
                addr(id, "status"),
                ParamKind::Enum(STATUSES.iter().map(|s| s.to_string()).collect()),
                ParamValue::Enum(
                    if c.sources.is_empty() {
                        "static"
                    } else {
                        "waiting"
                    }
                    .into(),
                ),
            ),
            "static, waiting, tracking, lost or replay",
        ),
        ParamSpec::float(addr(id, "delay_ms"), c.delay_ms, 0.0, 1000.0, "ms")
            .with_description("Tracking delay so the wall matches the camera's video"),
        ParamSpec::float(
            addr(id, "delay_frames"),
            c.delay_frames,
            0.0,
            60.0,
            "frames",
        )
        .with_description("Tracking delay in video frames (adds to delay_ms)"),
        ParamSpec::float(addr(id, "video_fps"), c.video_fps, 1.0, 240.0, "Hz")
            .with_description("Video rate for delay_frames"),
        ParamSpec::float(addr(id, "dropout_ms"), c.dropout_ms, 10.0, 10_000.0, "ms")
            .with_description("No sample for this long: hold the pose, status lost"),
        ParamSpec::bool(addr(id, "smoothing/enabled"), c.smoothing.0)
            .with_description("One Euro jitter filter"),
        ParamSpec::float(
            addr(id, "smoothing/min_cutoff"),
            c.smoothing.1,
            0.01,
            30.0,
            "Hz",
        )
        .with_description("Cutoff at rest: lower is steadier"),
        ParamSpec::float(addr(id, "smoothing/beta"), c.smoothing.2, 0.0, 10.0, "")
            .with_description("Speed coefficient: higher lags less on fast moves"),
        ParamSpec::float(
            addr(id, "smoothing/d_cutoff"),
            c.smoothing.3,
            0.01,
            30.0,
            "Hz",
        )
        .with_description("Cutoff of the speed estimate"),
    ]
}

/// Per-tracker counters.
pub fn tracker_specs(name: &str) -> Vec<ParamSpec> {
    let a = |leaf: &str| ParamAddress::from_segments_lossy(["tracking", "trackers", name, leaf]);
    vec![
        int(a("packets"), i32::MAX as f32)
            .read_only()
            .with_description("Datagrams received"),
        int(a("errors"), i32::MAX as f32)
            .read_only()
            .with_description("Datagrams rejected, including those whose camera is unreadable"),
    ]
}

/// `/takes/...`.
pub fn take_specs() -> Vec<ParamSpec> {
    let a = |leaf: &str| ParamAddress::from_segments_lossy(["takes", leaf]);
    vec![
        ParamSpec::trigger(a("record")).with_description("Start or stop recording a take"),
        ParamSpec::bool(a("recording"), false)
            .read_only()
            .with_description("Whether a take is being recorded"),
        int(a("samples"), i32::MAX as f32)
            .read_only()
            .with_description("Samples in the current (or last) take"),
    ]
}
