//! Inner and outer grading through the real renderer, judged through the lens on the
//! chroma-key frustum (its key is a known colour, so every graded pixel can be predicted
//! with `backlot_stage::grade`): each grade reaches only its own pixels, the soft edge
//! blends the two gradings, and the calibration pattern shows the patch's signal exactly.

use std::path::{Path, PathBuf};

use backlot::app::AppOptions;
use backlot::render::FrameDriver;
use backlot_params::{ParamRegistry, ParamValue};
use backlot_stage::CalibrationPatches;
use backlot_stage::grade::{Grade, blend, soft_edge_weight, srgb_decode, srgb_encode};
use bevy::math::Vec3;
use bevy::prelude::{Time, Virtual};

use crate::support::{flat_wall_variant, repo, temp_dir};
use crate::tracking::frustum_edge;

/// The default key colour of a chroma-key frustum, linear.
const KEY: [f32; 3] = [0.0, 1.0, 0.0];

/// flat_wall with a small canvas (fast renders), plus `changes`.
fn test_stage(dir: &Path, changes: &[(&str, &str)]) -> PathBuf {
    let mut all = vec![
        ("pixels: (160, 180)", "pixels: (40, 45)"),
        ("canvas: (1920, 1080)", "canvas: (480, 270)"),
    ];
    all.extend_from_slice(changes);
    flat_wall_variant(dir, "graded.stage.ron", &all)
}

/// A render app on `stage` with `sets` applied like `render --set`, `patches` in place
/// before it loads, and scene time stopped so every capture sees the same scene.
fn driver(stage: &Path, sets: &[(&str, &str)], patches: Vec<[f32; 3]>) -> FrameDriver {
    let mut options = AppOptions::render(
        repo().join("scenes/desert_road.scene.ron"),
        repo().join("assets"),
        (320, 180),
    );
    options.stage = Some(stage.to_path_buf());
    options.param_sets = sets
        .iter()
        .map(|(a, v)| (a.to_string(), v.to_string()))
        .collect();
    let mut driver = FrameDriver::new(&options);
    driver
        .world_mut()
        .insert_resource(CalibrationPatches(patches));
    driver.load().expect("loads");
    driver.world_mut().resource_mut::<Time<Virtual>>().pause();
    driver
}

fn set(driver: &mut FrameDriver, address: &str, value: ParamValue) {
    driver
        .world_mut()
        .resource_mut::<ParamRegistry>()
        .set(address, value)
        .unwrap_or_else(|e| panic!("{address}: {e}"));
}

fn reset_grade(driver: &mut FrameDriver, base: &str) {
    let mut registry = driver.world_mut().resource_mut::<ParamRegistry>();
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
        registry
            .reset(&format!("{base}/grade/{leaf}"))
            .unwrap_or_else(|e| panic!("{base}/grade/{leaf}: {e}"));
    }
}

/// The `main` output after the parameters just set have reached the GPU.
fn capture(driver: &mut FrameDriver) -> image::RgbImage {
    for _ in 0..2 {
        driver.step().expect("step");
    }
    driver
        .capture()
        .expect("capture")
        .into_iter()
        .find(|(name, _)| name == "main")
        .expect("main output")
        .1
}

/// Where camera 1, as its parameters have it now, sees each canvas pixel (see
/// `frustum_edge`: below 1 inside).
fn edges(driver: &mut FrameDriver, stage: &Path) -> Vec<Option<f32>> {
    let registry = driver.world_mut().resource::<ParamRegistry>();
    let position = registry.vec3_or("/stage/cameras/1/position", [0.0; 3]);
    let rotation = registry.vec3_or("/stage/cameras/1/rotation", [0.0; 3]);
    let fov = registry.f32_or("/stage/cameras/1/fov", 0.0);
    frustum_edge(stage, Vec3::from(position), rotation, fov)
}

/// The 8-bit sRGB signal of a linear colour (the outputs' default pipeline, gain 1).
fn signal(rgb: [f32; 3]) -> [f32; 3] {
    rgb.map(|c| srgb_encode(c).clamp(0.0, 1.0) * 255.0)
}

fn linear(p: [u8; 3]) -> [f32; 3] {
    p.map(|c| srgb_decode(f32::from(c) / 255.0))
}

/// Largest channel difference.
fn off(p: [u8; 3], want: [f32; 3]) -> f32 {
    p.iter()
        .zip(want)
        .map(|(a, b)| (f32::from(*a) - b).abs())
        .fold(0.0, f32::max)
}

fn px(image: &image::RgbImage, i: usize) -> [u8; 3] {
    image
        .get_pixel(i as u32 % image.width(), i as u32 / image.width())
        .0
}

fn inner_grade() -> Grade {
    Grade {
        exposure: -1.0,
        kelvin: 4000.0,
        saturation: 0.6,
        ..Grade::NEUTRAL
    }
}

fn outer_grade() -> Grade {
    Grade {
        exposure: -1.0,
        kelvin: 8000.0,
        contrast: 1.2,
        ..Grade::NEUTRAL
    }
}

fn set_grade(driver: &mut FrameDriver, base: &str, g: &Grade) {
    for (leaf, v) in [
        ("exposure", g.exposure),
        ("kelvin", g.kelvin),
        ("saturation", g.saturation),
        ("contrast", g.contrast),
    ] {
        set(
            driver,
            &format!("{base}/grade/{leaf}"),
            ParamValue::Float(v),
        );
    }
}

#[test]
fn inner_and_outer_grades_reach_only_their_own_pixels() {
    let dir = temp_dir("grading");
    let stage = test_stage(&dir, &[]);
    let mut driver = driver(
        &stage,
        &[
            ("/stage/cameras/1/mode", "chroma_key"),
            ("/stage/cameras/1/soft_edge", "0"),
        ],
        Vec::new(),
    );
    let edge = edges(&mut driver, &stage);
    let inside = |i: usize| matches!(edge[i], Some(e) if e < 0.97);
    let outside = |i: usize| edge[i].is_none_or(|e| e > 1.03);
    let base = capture(&mut driver);
    assert!(base == capture(&mut driver), "the scene stands still");
    let count = |f: &dyn Fn(usize) -> bool| (0..edge.len()).filter(|i| f(*i)).count();
    assert!(count(&inside) > 2000, "frustum too small to judge");
    assert!(count(&outside) > 2000, "too little outer frustum to judge");

    // The camera's grade: the key inside changes as predicted; outside stays as it was.
    let cam = "/stage/cameras/1";
    set_grade(&mut driver, cam, &inner_grade());
    let graded = capture(&mut driver);
    let key = signal(inner_grade().coefficients().apply(KEY));
    assert!(off([0, 255, 0], key) > 30.0, "the grade must show: {key:?}");
    for i in (0..edge.len()).filter(|i| inside(*i)) {
        let got = px(&graded, i);
        assert!(off(got, key) <= 2.0, "inner pixel {i}: {got:?} vs {key:?}");
    }
    for i in (0..edge.len()).filter(|i| outside(*i)) {
        let want = px(&base, i).map(f32::from);
        assert!(
            off(px(&graded, i), want) <= 1.0,
            "outer pixel {i} moved with the camera's grade"
        );
    }
    graded.save(dir.join("inner-graded.png")).expect("save");

    // The output's grade: the outer frustum changes as predicted; the key stays.
    reset_grade(&mut driver, cam);
    let out = "/stage/outputs/main";
    set_grade(&mut driver, out, &outer_grade());
    let graded = capture(&mut driver);
    let g = outer_grade().coefficients();
    let (mut moved, mut total) = (0.0f64, 0usize);
    for i in (0..edge.len()).filter(|i| outside(*i)) {
        let want = signal(g.apply(linear(px(&base, i))));
        let got = px(&graded, i);
        assert!(
            off(got, want) <= 4.0,
            "outer pixel {i}: {got:?} vs {want:?}"
        );
        moved += f64::from(off(px(&base, i), got.map(f32::from)));
        total += 1;
    }
    assert!(moved / total as f64 > 10.0, "the outer grade must show");
    for i in (0..edge.len()).filter(|i| inside(*i)) {
        assert!(
            off(px(&graded, i), [0.0, 255.0, 0.0]) <= 1.0,
            "inner pixel {i} took the output's grade"
        );
    }
    graded.save(dir.join("outer-graded.png")).expect("save");

    // Both, with a wide soft edge: there each pixel is the blend of the two graded values.
    set_grade(&mut driver, cam, &inner_grade());
    set(
        &mut driver,
        &format!("{cam}/soft_edge"),
        ParamValue::Float(0.3),
    );
    let soft = capture(&mut driver);
    let off_mode = ParamValue::Enum("off".into());
    set(&mut driver, &format!("{cam}/mode"), off_mode);
    let outer_only = capture(&mut driver);
    let inner_key = inner_grade().coefficients().apply(KEY);
    let (mut checked, mut ungraded_would_differ) = (0usize, 0usize);
    for (i, e) in edge.iter().enumerate() {
        let Some(e) = *e else { continue };
        if !(0.72..0.98).contains(&e) {
            continue;
        }
        let w = soft_edge_weight(1.0 - e, 0.3);
        let outer = linear(px(&outer_only, i));
        let want = signal(blend(outer, inner_key, w));
        let got = px(&soft, i);
        assert!(
            off(got, want) <= 3.0,
            "soft edge pixel {i} (w {w:.3}): {got:?} vs {want:?}"
        );
        checked += 1;
        // Blending the ungraded key instead would be visibly different here.
        ungraded_would_differ += usize::from(off(got, signal(blend(outer, KEY, w))) > 6.0);
    }
    assert!(checked > 1000, "too few soft-edge pixels: {checked}");
    assert!(
        ungraded_would_differ * 2 > checked,
        "the soft edge must show the inner grade: {ungraded_would_differ}/{checked}"
    );
    soft.save(dir.join("soft-edge.png")).expect("save");
}

#[test]
fn calibration_pattern_shows_the_patch_signal_past_grades_gain_and_lut() {
    let dir = temp_dir("calibration-pattern");
    // The swap LUT, grades and exposure would all show if the patch went through them.
    let stage = test_stage(
        &dir,
        &[(
            "regions: [(section: \"wall\")]",
            "regions: [(section: \"wall\")], color: (lut: \"luts/swap_red_blue.cube\")",
        )],
    );
    let patches = vec![
        [0.0, 0.0, 0.0],
        [1.0, 1.0, 1.0],
        [0.9, 0.5, 0.05],
        [0.2, 0.4, 0.6],
    ];
    let mut driver = driver(
        &stage,
        &[
            ("/stage/outputs/main/pattern", "calibration"),
            ("/stage/outputs/main/patch", "2"),
            ("/stage/outputs/main/exposure", "1"),
            ("/stage/outputs/main/grade/exposure", "2"),
            ("/stage/outputs/main/grade/kelvin", "3200"),
            ("/stage/cameras/1/grade/saturation", "0"),
        ],
        patches.clone(),
    );
    for patch in [2usize, 3, 0] {
        if patch != 2 {
            let id = ParamValue::Int(patch as i32);
            set(&mut driver, "/stage/outputs/main/patch", id);
        }
        let image = capture(&mut driver);
        let want = patches[patch].map(|c| c * 255.0);
        let wrong = image.pixels().filter(|p| off(p.0, want) > 1.0).count();
        let centre = image.get_pixel(240, 135).0;
        assert_eq!(
            wrong, 0,
            "patch {patch}: {wrong} pixels differ from {want:?} (centre {centre:?})"
        );
    }
    // The LUT is live for everything else: a red test pattern arrives blue.
    let red = ParamValue::Enum("red".into());
    set(&mut driver, "/stage/outputs/main/pattern", red);
    let [r, g, b] = capture(&mut driver).get_pixel(240, 135).0;
    assert!(
        b > 245 && r < 10 && g < 10,
        "red through the swap LUT: {:?}",
        [r, g, b]
    );
}
