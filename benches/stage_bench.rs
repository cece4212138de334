//! LED stage benchmark (`cargo bench --bench stage_bench`, release mode).
//!
//! Frame time of the full stage pipeline for `curved_volume` (outer cube, inner frustum,
//! four 1920x1080 output warps) against a single plain camera render of the same total
//! pixel count (3840x2160 = 4 x 1920x1080), same scene, same device, same run; printed with
//! their ratio. Both use `desert_road`.
//!
//! Then the cost of inner and outer grading in the warp: the same `curved_volume` app with
//! every grade neutral (the shader skips the maths) and with every camera and output graded
//! (all controls away from neutral), alternated three times in one app so drift shows as
//! spread, not as cost; then a copy of the stage whose grades also carry a look LUT (a
//! second app). Only the grades change between these, so the differences are the warp's
//! grading cost per frame. The scene is bare (a background, no geometry): with desert_road
//! the frusta's rendering is most of a frame and the warp's grading vanished in its noise on
//! a software rasteriser.
//!
//! `-- --grading`: the grading rows only (on lavapipe the whole run takes over ten minutes).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use backlot::app::AppOptions;
use backlot::paths;
use backlot::render::FrameDriver;
use backlot_params::{ParamRegistry, ParamValue};

const FRAMES: u32 = 60;
const BUDGET: Duration = Duration::from_secs(60);

fn frame_time(options: &AppOptions) -> Result<(Duration, u32), String> {
    let mut driver = FrameDriver::new(options);
    driver.load()?;
    measure(&mut driver)
}

/// Mean frame time over up to [`FRAMES`] frames after three to settle.
fn measure(driver: &mut FrameDriver) -> Result<(Duration, u32), String> {
    for _ in 0..3 {
        driver.step()?;
    }
    let started = Instant::now();
    let mut frames = 0;
    while frames < FRAMES && (frames < 5 || started.elapsed() < BUDGET) {
        driver.step()?;
        frames += 1;
    }
    Ok((started.elapsed() / frames, frames))
}

/// Every grade of the stage (cameras and outputs) away from neutral in every control, or
/// back to its default.
fn set_grades(driver: &mut FrameDriver, on: bool) -> Result<(), String> {
    let mut registry = driver.world_mut().resource_mut::<ParamRegistry>();
    let bases: Vec<String> = registry
        .iter()
        .filter_map(|e| e.spec.address.as_str().strip_suffix("/grade/exposure"))
        .map(str::to_string)
        .collect();
    if bases.is_empty() {
        return Err("the stage has no grade parameters".into());
    }
    for base in bases {
        for (leaf, value) in [
            ("exposure", ParamValue::Float(0.5)),
            ("kelvin", ParamValue::Float(5600.0)),
            ("tint", ParamValue::Float(0.1)),
            ("saturation", ParamValue::Float(1.2)),
            ("contrast", ParamValue::Float(1.1)),
            ("lift", ParamValue::Vec3([0.01; 3])),
            ("gamma", ParamValue::Vec3([1.1; 3])),
            ("gain", ParamValue::Vec3([0.95; 3])),
        ] {
            let address = format!("{base}/grade/{leaf}");
            let done = if on {
                registry.set(&address, value)
            } else {
                registry.reset(&address)
            };
            done.map_err(|e| format!("{address}: {e}"))?;
        }
    }
    Ok(())
}

/// `curved_volume` with a look LUT on every output's and camera's grade, written to a
/// temporary folder.
fn stage_with_grade_luts(root: &Path) -> Result<PathBuf, String> {
    let src = std::fs::read_to_string(root.join("scenes/stages/curved_volume.stage.ron"))
        .map_err(|e| format!("curved_volume: {e}"))?;
    let lut = "grade: (lut: \"luts/warm_wall.cube\")";
    let text = src
        .replace(
            "canvas: (1920, 1080),",
            &format!("canvas: (1920, 1080), {lut},"),
        )
        .replace("soft_edge: 0.05,", &format!("soft_edge: 0.05, {lut},"));
    if text.matches(lut).count() < 2 {
        return Err("curved_volume changed; update the grade LUT variant".into());
    }
    let dir = std::env::temp_dir().join(format!("backlot-stage-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("graded.stage.ron");
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// How many times the grading rows alternate neutral and graded.
const PAIRS: usize = 3;

/// A scene with nothing to render but its background, written beside the graded stage.
fn bare_scene() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("backlot-stage-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("bare.scene.ron");
    let text = "(\n    title: \"bare\",\n    camera: (position: (0.0, 1.5, 5.0), look_at: (0.0, 1.5, \
                0.0), fov: 40.0),\n    environment: (background: Color(Rgb(0.2, 0.3, 0.4))),\n)\n";
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// Frame times: (neutral, graded) [`PAIRS`] times in one app, then graded with look LUTs.
type GradingTimes = (Vec<((Duration, u32), (Duration, u32))>, (Duration, u32));

fn grading_times(stage: &AppOptions, root: &Path) -> Result<GradingTimes, String> {
    let stage = AppOptions {
        scene: bare_scene()?,
        ..stage.clone()
    };
    let mut driver = FrameDriver::new(&stage);
    driver.load()?;
    let mut pairs = Vec::with_capacity(PAIRS);
    for _ in 0..PAIRS {
        set_grades(&mut driver, false)?;
        let off = measure(&mut driver)?;
        set_grades(&mut driver, true)?;
        let on = measure(&mut driver)?;
        pairs.push((off, on));
    }
    drop(driver);
    let with_luts = AppOptions {
        stage: Some(stage_with_grade_luts(root)?),
        ..stage.clone()
    };
    let mut driver = FrameDriver::new(&with_luts);
    driver.load()?;
    set_grades(&mut driver, true)?;
    let luts = measure(&mut driver)?;
    Ok((pairs, luts))
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let base = AppOptions::render(
        root.join("scenes/desert_road.scene.ron"),
        paths::asset_root(None),
        (3840, 2160),
    );
    let stage = AppOptions {
        // The scene's own view is not part of the stage pipeline: keep it tiny.
        view_size: (16, 16),
        stage: Some(root.join("scenes/stages/curved_volume.stage.ron")),
        ..base.clone()
    };
    if !std::env::args().any(|a| a == "--grading") {
        pipeline_rows(&base, &stage);
    }
    grading_rows(&stage, &root);
}

/// The stage pipeline against a plain render of the same pixel count.
fn pipeline_rows(base: &AppOptions, stage: &AppOptions) {
    let plain = match frame_time(base) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("plain render: {e}");
            std::process::exit(1);
        }
    };
    let staged = match frame_time(stage) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("stage render: {e}");
            std::process::exit(1);
        }
    };
    println!("pipeline                                   frame time   frames");
    println!(
        "plain camera 3840x2160 (8.3 MP)            {:>8.1} ms   {}",
        plain.0.as_secs_f64() * 1e3,
        plain.1
    );
    println!(
        "curved_volume stage, 4 x 1920x1080 outputs {:>8.1} ms   {}",
        staged.0.as_secs_f64() * 1e3,
        staged.1
    );
    println!(
        "ratio stage / plain: {:.2}",
        staged.0.as_secs_f64() / plain.0.as_secs_f64()
    );
}

/// Frame times with the warp's grading off and on.
fn grading_rows(stage: &AppOptions, root: &Path) {
    let (pairs, luts) = match grading_times(stage, root) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("grading: {e}");
            std::process::exit(1);
        }
    };
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!();
    println!("curved_volume warp grading, bare scene     frame time   frames");
    let mut costs = Vec::with_capacity(pairs.len());
    for (i, (off, on)) in pairs.iter().enumerate() {
        println!(
            "grades neutral (maths skipped), run {}      {:>8.2} ms   {}",
            i + 1,
            ms(off.0),
            off.1
        );
        println!(
            "every camera and output graded, run {}      {:>8.2} ms   {}",
            i + 1,
            ms(on.0),
            on.1
        );
        costs.push(ms(on.0) / ms(off.0) - 1.0);
    }
    println!(
        "graded, with a look LUT each (second app)  {:>8.2} ms   {}",
        ms(luts.0),
        luts.1
    );
    let neutral = pairs.iter().map(|(off, _)| ms(off.0)).sum::<f64>() / pairs.len() as f64;
    let graded = pairs.iter().map(|(_, on)| ms(on.0)).sum::<f64>() / pairs.len() as f64;
    let (low, high) = costs
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), c| (l.min(*c), h.max(*c)));
    println!(
        "grading costs {:+.2} ms per frame ({:+.1}%; each pair {:+.1}% to {:+.1}%), with look \
         LUTs {:+.2} ms ({:+.1}%)",
        graded - neutral,
        (graded / neutral - 1.0) * 100.0,
        low * 100.0,
        high * 100.0,
        ms(luts.0) - neutral,
        (ms(luts.0) / neutral - 1.0) * 100.0
    );
}
