//! The stage's parameters: what a stage file declares, and reading them back.

use backlot_params::{ParamAddress, ParamKind, ParamSpec, ParamValue};

use crate::format::{CameraMode, StageFile};

/// Test patterns, in parameter order.
pub const PATTERNS: [&str; 9] = [
    "live",
    "cabinet_grid",
    "color_bars",
    "red",
    "green",
    "blue",
    "white",
    "black",
    "checkerboard",
];

/// Camera modes as parameter options.
const MODES: [&str; 3] = ["off", "normal", "chroma_key"];

fn addr(segments: &[&str]) -> ParamAddress {
    ParamAddress::from_segments_lossy(segments.iter().copied())
}

/// Every parameter a stage declares.
pub fn stage_param_specs(stage: &StageFile) -> Vec<ParamSpec> {
    let mut out = Vec::new();
    for c in &stage.cameras {
        let id = c.id.to_string();
        let id = id.as_str();
        out.push(ParamSpec::float(
            addr(&["stage", "cameras", id, "overscan"]),
            c.overscan.0,
            0.0,
            100.0,
            "%",
        ));
        out.push(ParamSpec::float(
            addr(&["stage", "cameras", id, "soft_edge"]),
            c.soft_edge.0,
            0.0,
            0.5,
            "",
        ));
        let mode = match c.mode {
            CameraMode::Off => "off",
            CameraMode::Normal => "normal",
            CameraMode::ChromaKey { .. } => "chroma_key",
        };
        out.push(ParamSpec::new(
            addr(&["stage", "cameras", id, "mode"]),
            ParamKind::Enum(MODES.iter().map(|s| s.to_string()).collect()),
            ParamValue::Enum(mode.into()),
        ));
        out.push(ParamSpec::vec3(
            addr(&["stage", "cameras", id, "position"]),
            c.position,
            -100.0,
            100.0,
            "m",
        ));
        out.push(ParamSpec::vec3(
            addr(&["stage", "cameras", id, "rotation"]),
            [c.pan, c.tilt, c.roll],
            -360.0,
            360.0,
            "deg",
        ));
        out.push(ParamSpec::float(
            addr(&["stage", "cameras", id, "fov"]),
            c.lens.horizontal_fov_deg(),
            1.0,
            170.0,
            "deg",
        ));
        // Lens distortion shows the camera more than its pinhole view; tracking updates
        // this as the zoom moves.
        let lens = c.lens.evaluate(0.0, 0.0);
        let half_w = (lens.hfov_deg.to_radians() * 0.5).tan();
        out.push(
            ParamSpec::float(
                addr(&["stage", "cameras", id, "distortion_overscan"]),
                lens.distortion.covering_overscan_pct(half_w, 16.0 / 9.0),
                0.0,
                100.0,
                "%",
            )
            .with_description("Extra overscan covering the lens's distortion"),
        );
    }
    for o in &stage.outputs {
        let n = o.name.0.as_str();
        out.push(ParamSpec::float(
            addr(&["stage", "outputs", n, "gain"]),
            o.color.gain.0,
            0.0,
            4.0,
            "",
        ));
        out.push(ParamSpec::float(
            addr(&["stage", "outputs", n, "exposure"]),
            o.color.exposure,
            -6.0,
            6.0,
            "stops",
        ));
        let wb = o.color.white_balance.map(|g| g.0);
        out.push(
            ParamSpec::new(
                addr(&["stage", "outputs", n, "white_balance"]),
                ParamKind::Vec3,
                ParamValue::Vec3(wb),
            )
            .with_range(0.0, 2.0),
        );
        out.push(ParamSpec::new(
            addr(&["stage", "outputs", n, "pattern"]),
            ParamKind::Enum(PATTERNS.iter().map(|s| s.to_string()).collect()),
            ParamValue::Enum("live".into()),
        ));
        out.push(ParamSpec::bool(
            addr(&["stage", "outputs", n, "outline"]),
            false,
        ));
    }
    out
}
