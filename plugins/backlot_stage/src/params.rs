//! The stage's parameters: what a stage file declares, and reading them back.

use backlot_params::{ParamAddress, ParamKind, ParamRegistry, ParamSpec, ParamValue};

use crate::format::{CameraMode, StageFile};
use crate::grade::{self, Grade};

/// Test patterns, in parameter order (the index is the shader's pattern code).
pub const PATTERNS: [&str; 10] = [
    "live",
    "cabinet_grid",
    "color_bars",
    "red",
    "green",
    "blue",
    "white",
    "black",
    "checkerboard",
    "calibration",
];

/// Highest patch id `/stage/outputs/<name>/patch` takes, plus one.
pub const MAX_CALIBRATION_PATCHES: i32 = 4096;

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
        out.extend(grade_specs(&["stage", "cameras", id], &c.grade.grade()));
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
        out.push(
            ParamSpec::new(
                addr(&["stage", "outputs", n, "patch"]),
                ParamKind::Int,
                ParamValue::Int(0),
            )
            .with_range(0.0, (MAX_CALIBRATION_PATCHES - 1) as f32)
            .with_description("Calibration patch shown by the `calibration` pattern"),
        );
        out.extend(grade_specs(&["stage", "outputs", n], &o.grade.grade()));
    }
    out
}

/// The grade parameters under `base` (`.../grade/exposure`, …), starting at `start`.
fn grade_specs(base: &[&str], start: &Grade) -> Vec<ParamSpec> {
    let at = |leaf: &str| {
        let mut segments = base.to_vec();
        segments.extend(["grade", leaf]);
        addr(&segments)
    };
    let float = |leaf: &str, v: f32, (lo, hi): (f32, f32), unit: &str| {
        ParamSpec::float(at(leaf), v, lo, hi, unit)
    };
    let vec3 =
        |leaf: &str, v: [f32; 3], (lo, hi): (f32, f32)| ParamSpec::vec3(at(leaf), v, lo, hi, "");
    vec![
        float("exposure", start.exposure, grade::EXPOSURE_RANGE, "stops"),
        float("kelvin", start.kelvin, grade::KELVIN_RANGE, "K")
            .with_description("White balance: below 6500 K warms, above cools"),
        float("tint", start.tint, grade::TINT_RANGE, "")
            .with_description("Positive magenta, negative green"),
        float("saturation", start.saturation, grade::FACTOR_RANGE, ""),
        float("contrast", start.contrast, grade::FACTOR_RANGE, "")
            .with_description("Around mid grey (0.18)"),
        vec3("lift", start.lift, grade::LIFT_RANGE).with_description("Offset, linear light"),
        vec3("gamma", start.gamma, grade::GAMMA_RANGE)
            .with_description("Above 1 brightens the mid-tones"),
        vec3("gain", start.gain, grade::GAIN_RANGE),
    ]
}

/// The grade the parameters under `base` (`/stage/cameras/<id>` or `/stage/outputs/<name>`)
/// hold now; neutral where one is missing.
pub(crate) fn grade_from_params(registry: &ParamRegistry, base: &str) -> Grade {
    let n = Grade::NEUTRAL;
    let f = |leaf: &str, d: f32| registry.f32_or(&format!("{base}/grade/{leaf}"), d);
    let v = |leaf: &str, d: [f32; 3]| registry.vec3_or(&format!("{base}/grade/{leaf}"), d);
    Grade {
        exposure: f("exposure", n.exposure),
        kelvin: f("kelvin", n.kelvin),
        tint: f("tint", n.tint),
        saturation: f("saturation", n.saturation),
        contrast: f("contrast", n.contrast),
        lift: v("lift", n.lift),
        gamma: v("gamma", n.gamma),
        gain: v("gain", n.gain),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::parse_stage;

    const STAGE: &str = "(sections: [(name: \"wall\", shape: Flat(lower_left: (-1.0, 0.0, -3.0), lower_right: (1.0, 0.0, -3.0), upper_left: (-1.0, 1.0, -3.0)), cabinet: (size_mm: (500.0, 500.0), pixels: (10, 10)))],
        outputs: [(name: \"o\", canvas: (40, 20), regions: [(section: \"wall\")], grade: (kelvin: 5600.0))],
        cameras: [(id: 1, lens: Fov(40.0), grade: (exposure: 0.5, gain: (1.0, 1.0, 0.9)))])";

    fn registry() -> ParamRegistry {
        let file = parse_stage(STAGE, "t.stage.ron", None).unwrap_or_else(|e| panic!("{e}"));
        let mut registry = ParamRegistry::default();
        registry.replace_under("/stage", stage_param_specs(&file));
        registry
    }

    #[test]
    fn the_shader_knows_calibration_as_pattern_nine() {
        // warp.wgsl's CALIBRATION_PATTERN.
        assert_eq!(PATTERNS.iter().position(|p| *p == "calibration"), Some(9));
    }

    #[test]
    fn grades_are_parameters_starting_at_the_file_values() {
        let mut registry = registry();
        let entry = registry
            .entry("/stage/cameras/1/grade/kelvin")
            .expect("camera grade");
        assert_eq!(entry.spec.default, ParamValue::Float(6500.0));
        assert_eq!(entry.spec.range, Some(grade::KELVIN_RANGE));
        for leaf in [
            "exposure",
            "kelvin",
            "tint",
            "saturation",
            "contrast",
            "lift",
            "gamma",
            "gain",
        ] {
            for base in ["/stage/cameras/1", "/stage/outputs/o"] {
                let address = format!("{base}/grade/{leaf}");
                assert!(registry.entry(&address).is_some(), "{address}");
            }
        }
        assert_eq!(
            grade_from_params(&registry, "/stage/cameras/1"),
            Grade {
                exposure: 0.5,
                gain: [1.0, 1.0, 0.9],
                ..Grade::NEUTRAL
            }
        );
        assert_eq!(
            grade_from_params(&registry, "/stage/outputs/o"),
            Grade {
                kelvin: 5600.0,
                ..Grade::NEUTRAL
            }
        );
        registry
            .set("/stage/outputs/o/grade/saturation", ParamValue::Float(5.0))
            .expect("set");
        assert_eq!(
            grade_from_params(&registry, "/stage/outputs/o").saturation,
            2.0,
            "clamped to its range"
        );
        // No such parameters: neutral.
        assert!(grade_from_params(&registry, "/stage/outputs/nope").is_neutral());
    }

    #[test]
    fn the_patch_is_an_int_parameter_per_output() {
        let mut registry = registry();
        let spec = registry
            .entry("/stage/outputs/o/patch")
            .expect("patch")
            .spec
            .clone();
        assert_eq!(spec.kind, ParamKind::Int);
        // As `render --set /stage/outputs/o/patch=12` parses it.
        let value = spec.parse_value("12").expect("parses");
        assert_eq!(value, ParamValue::Int(12));
        registry.set("/stage/outputs/o/patch", value).expect("set");
        assert_eq!(registry.f32_or("/stage/outputs/o/patch", 0.0), 12.0);
        assert_eq!(
            spec.parse_value("99999"),
            Ok(ParamValue::Int(MAX_CALIBRATION_PATCHES - 1))
        );
    }
}
