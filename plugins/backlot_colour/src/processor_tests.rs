//! The processor's tests: chains built from small configs, and what they refuse by name.

use super::*;
use crate::config::tests::SMALL;
use crate::ops::Negative;

fn srgb(v: f64) -> f64 {
    if v <= 0.0031308 {
        12.92 * v
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    }
}

#[test]
fn display_views_chain_reference_view_transform_and_display() {
    let config = Config::parse(SMALL).expect("config");
    let p = config
        .display_view("scene_linear", "sRGB - Display", "Plain")
        .expect("processor");
    let out = p.apply([0.18, 0.5, 1.0]);
    for (o, x) in out.iter().zip([0.18, 0.5, 1.0]) {
        assert!((o - srgb(x)).abs() < 1e-6, "{out:?}");
    }
    // Raw is data: nothing happens.
    let raw = config
        .display_view("Doubled", "sRGB - Display", "Raw")
        .expect("raw");
    assert!(raw.is_identity());
    // Doubled's reference is 2× its values; back to Linear Rec.709 doubles.
    let p = config
        .colour_space_conversion("Doubled", "lin_rec709")
        .expect("conversion");
    assert_eq!(p.apply([0.25, 0.5, 1.0]), [0.5, 1.0, 2.0]);
    // To the display-referred space crosses references through Un-tone-mapped.
    let p = config
        .colour_space_conversion("Linear Rec.709", "sRGB - Display")
        .expect("cross reference");
    assert!((p.apply([0.18; 3])[0] - srgb(0.18)).abs() < 1e-6);
}

#[test]
fn names_what_it_cannot_find_or_do() {
    let config = Config::parse(SMALL).expect("config");
    let e = config
        .display_view("ACEScg", "sRGB - Display", "Plain")
        .expect_err("no such space");
    assert!(e.to_string().contains("`ACEScg`"), "{e}");
    let e = config
        .display_view("lin_rec709", "sRGB - Display", "ACES 2.0 - SDR")
        .expect_err("no such view");
    assert!(e.to_string().contains("Raw, Plain"), "{e}");
    let e = config
        .display_view("lin_rec709", "P3 - Display", "Plain")
        .expect_err("no such display");
    assert!(e.to_string().contains("sRGB - Display"), "{e}");
    let e = config
        .colour_space_conversion("From a LUT", "lin_rec709")
        .expect_err("file transform");
    assert!(
        matches!(&e, ColourError::Unsupported { what, .. } if what == "FileTransform"),
        "{e}"
    );
}

#[test]
fn builtins_and_loops_are_checked_when_used() {
    let text = r#"ocio_profile_version: 2
colorspaces:
  - !<ColorSpace>
    name: ACES2065-1
  - !<ColorSpace>
    name: ACEScg
    to_scene_reference: !<BuiltinTransform> {style: ACEScg_to_ACES2065-1}
  - !<ColorSpace>
    name: Tone mapped
    from_scene_reference: !<BuiltinTransform> {style: ACES-OUTPUT - ACES2065-1_to_CIE-XYZ-D65 - SDR-100nit-REC709_2.0}
  - !<ColorSpace>
    name: Loop A
    to_scene_reference: !<ColorSpaceTransform> {src: Loop B, dst: ACES2065-1}
  - !<ColorSpace>
    name: Loop B
    to_scene_reference: !<ColorSpaceTransform> {src: Loop A, dst: ACES2065-1}
"#;
    let config = Config::parse(text).expect("config");
    let p = config
        .colour_space_conversion("ACEScg", "ACES2065-1")
        .expect("matrix");
    // AP1 → AP0 keeps white.
    let white = p.apply([1.0; 3]);
    assert!(white.iter().all(|v| (v - 1.0).abs() < 1e-9), "{white:?}");
    let back = config
        .colour_space_conversion("ACES2065-1", "ACEScg")
        .expect("inverse");
    let rgb = back.apply(p.apply([0.1, 0.4, 0.8]));
    assert!((rgb[2] - 0.8).abs() < 1e-9, "{rgb:?}");
    let e = config
        .colour_space_conversion("ACEScg", "Tone mapped")
        .expect_err("ACES 2 output transform");
    let ColourError::Unsupported { what, line, .. } = &e else {
        panic!("unsupported expected, got {e}");
    };
    assert!(what.starts_with("BuiltinTransform `ACES-OUTPUT"), "{what}");
    assert_eq!(*line, 10);
    let e = config
        .colour_space_conversion("Loop A", "ACEScg")
        .expect_err("loop");
    assert!(e.to_string().contains("nest deeper"), "{e}");
}

#[test]
fn exponent_inverse_clamps_like_ocio() {
    let t = Transform::Exponent {
        value: [2.0; 3],
        negative: Negative::Clamp,
        inverse: true,
    };
    let config = Config::parse("ocio_profile_version: 2\n").expect("empty config");
    let mut b = Builder {
        config: &config,
        ops: Vec::new(),
    };
    b.transform(&t, false, 0).expect("builds");
    let p = b.finish();
    let out = p.apply([4.0, -1.0, 0.25]);
    assert!(
        out.iter()
            .zip([2.0, 0.0, 0.5])
            .all(|(o, w)| (o - w).abs() < 1e-12),
        "{out:?}"
    );
}
