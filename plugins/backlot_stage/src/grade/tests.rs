//! The grade maths: neutral is identity, and each control does what its name says.

use proptest::prelude::*;

use super::*;
use crate::format::CubeLut;

fn graded(grade: Grade, rgb: [f32; 3]) -> [f32; 3] {
    grade.coefficients().apply(rgb)
}

fn close(a: [f32; 3], b: [f32; 3], tolerance: f32) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (x - y).abs() <= tolerance * y.abs().max(1.0))
}

proptest! {
    /// Neutral changes nothing, bit for bit, and so does its maths run without the skip.
    #[test]
    fn neutral_is_identity(r in -0.5f32..4.0, g in -0.5f32..4.0, b in -0.5f32..4.0) {
        let c = Grade::NEUTRAL.coefficients();
        prop_assert!(!c.active);
        prop_assert_eq!(c.apply([r, g, b]), [r, g, b]);
        let forced = GradeCoefficients { active: true, ..c };
        let out = forced.apply([r, g, b]);
        prop_assert!(close(out, [r, g, b], 1e-6), "{:?}", out);
    }

    /// Exposure is a factor of two per stop on every colour.
    #[test]
    fn exposure_plus_one_doubles(r in 0.0f32..4.0, g in 0.0f32..4.0, b in 0.0f32..4.0) {
        let grade = Grade { exposure: 1.0, ..Grade::NEUTRAL };
        let out = graded(grade, [r, g, b]);
        prop_assert!(close(out, [2.0 * r, 2.0 * g, 2.0 * b], 1e-5), "{:?}", out);
    }

    /// Saturation 0 leaves only the colour's Rec.709 luma, as grey.
    #[test]
    fn saturation_zero_gives_luma_grey(r in 0.0f32..2.0, g in 0.0f32..2.0, b in 0.0f32..2.0) {
        let out = graded(Grade { saturation: 0.0, ..Grade::NEUTRAL }, [r, g, b]);
        let luma = LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;
        prop_assert!(close(out, [luma; 3], 1e-6), "{:?} vs {}", out, luma);
    }
}

#[test]
fn kelvin_below_6500_warms_and_above_cools() {
    let grey = [0.18; 3];
    let warm = graded(
        Grade {
            kelvin: 3200.0,
            ..Grade::NEUTRAL
        },
        grey,
    );
    assert!(warm[0] > grey[0] && warm[2] < grey[2], "{warm:?}");
    let cool = graded(
        Grade {
            kelvin: 10000.0,
            ..Grade::NEUTRAL
        },
        grey,
    );
    assert!(cool[0] < grey[0] && cool[2] > grey[2], "{cool:?}");
    // Continuous through neutral: a hair off 6500 K is a hair off identity.
    let near = graded(
        Grade {
            kelvin: 6500.5,
            ..Grade::NEUTRAL
        },
        grey,
    );
    assert!(close(near, grey, 1e-3), "{near:?}");
}

#[test]
fn tint_goes_magenta_up_and_green_down() {
    let grey = [0.18; 3];
    let magenta = graded(
        Grade {
            tint: 1.0,
            ..Grade::NEUTRAL
        },
        grey,
    );
    assert!(magenta[1] < grey[1] && magenta[0] > grey[0] && magenta[2] > grey[2]);
    let green = graded(
        Grade {
            tint: -1.0,
            ..Grade::NEUTRAL
        },
        grey,
    );
    assert!(green[1] > grey[1] && green[0] < grey[0] && green[2] < grey[2]);
}

#[test]
fn contrast_pivots_on_mid_grey() {
    let grade = Grade {
        contrast: 1.5,
        ..Grade::NEUTRAL
    };
    let mid = graded(grade, [MID_GREY; 3]);
    assert!(close(mid, [MID_GREY; 3], 1e-6), "{mid:?}");
    // One stop above grey goes 1.5 stops above; one below, 1.5 below; black stays black.
    let up = graded(grade, [2.0 * MID_GREY; 3])[0];
    assert!((up / MID_GREY - 2f32.powf(1.5)).abs() < 1e-4, "{up}");
    let down = graded(grade, [0.5 * MID_GREY; 3])[0];
    assert!((down / MID_GREY - 2f32.powf(-1.5)).abs() < 1e-4, "{down}");
    assert_eq!(graded(grade, [0.0; 3]), [0.0; 3]);
}

#[test]
fn lift_gamma_gain_are_offset_power_and_slope() {
    let grade = Grade {
        lift: [0.1, 0.0, 0.0],
        gamma: [1.0, 2.0, 1.0],
        gain: [1.0, 1.0, 0.5],
        ..Grade::NEUTRAL
    };
    let out = graded(grade, [0.25; 3]);
    assert!(close(out, [0.35, 0.5, 0.125], 1e-5), "{out:?}");
    // Gamma keeps 0 and 1 where they are.
    let ends = graded(grade, [1.0; 3]);
    assert!((ends[1] - 1.0).abs() < 1e-6);
}

#[test]
fn look_lut_runs_on_srgb_encoded_values() {
    // A LUT that halves the encoded signal.
    let mut lut = CubeLut::identity(2);
    for rgb in &mut lut.data {
        *rgb = rgb.map(|v| v * 0.5);
    }
    let c = Grade::NEUTRAL.coefficients();
    let out = c.apply_with_lut(Some(&lut), [0.18; 3]);
    let want = srgb_decode(srgb_encode(0.18) * 0.5);
    assert!(close(out, [want; 3], 1e-5), "{out:?} vs {want}");
    assert_eq!(c.apply_with_lut(None, [0.18; 3]), [0.18; 3]);
}

#[test]
fn resampling_keeps_identity_and_divisible_sizes_exact() {
    let id = resample_lut(&CubeLut::identity(2), 17);
    assert_eq!(id.size, 17);
    for (a, b) in id.data.iter().zip(&CubeLut::identity(17).data) {
        assert!(close(*a, *b, 1e-6), "{a:?} vs {b:?}");
    }
    // A bent 3-point LUT resampled to 5 points (steps halve): the old entries are kept.
    let mut bent = CubeLut::identity(3);
    for rgb in &mut bent.data {
        *rgb = [rgb[0] * rgb[0], rgb[1], 1.0 - rgb[2]];
    }
    let fine = resample_lut(&bent, 5);
    for b in 0..3 {
        for g in 0..3 {
            for r in 0..3 {
                let old = bent.data[r + 3 * (g + 3 * b)];
                let new = fine.data[2 * r + 5 * (2 * g + 5 * 2 * b)];
                assert!(close(old, new, 1e-6), "{old:?} vs {new:?}");
            }
        }
    }
    // And the points between sample the old LUT the way the GPU would.
    let between = sample_lut(&bent, [0.25, 0.5, 0.75]);
    assert!(close(fine.data[1 + 5 * (2 + 5 * 3)], between, 1e-6));
}

#[test]
fn soft_edge_weight_is_wgsl_smoothstep() {
    assert_eq!(soft_edge_weight(-0.1, 0.2), 0.0);
    assert_eq!(soft_edge_weight(0.3, 0.2), 1.0);
    assert_eq!(soft_edge_weight(0.1, 0.2), 0.5);
    assert_eq!(soft_edge_weight(0.01, 0.0), 1.0);
    assert_eq!(blend([0.0; 3], [1.0, 2.0, 4.0], 0.25), [0.25, 0.5, 1.0]);
}
