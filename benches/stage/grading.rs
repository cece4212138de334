//! The warp's grading cost: the same `curved_volume` app with every grade neutral (the
//! shader skips the maths) and with every camera and output graded, in alternating blocks
//! of frames, then the same with a look LUT on every grade. Wall time per frame, and GPU
//! time per frame from the renderer's timestamp queries; each as the mean graded-minus-
//! neutral difference of the block pairs with two standard errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use backlot::app::AppOptions;
use backlot::render::FrameDriver;
use backlot_params::{ParamRegistry, ParamValue};
use bevy::prelude::App;
use bevy::render::diagnostic::RenderDiagnosticsPlugin;

use super::gpu_time::GpuTimes;

/// GPU time per pass, through timestamp queries where the adapter has them.
fn with_pass_times(app: &mut App) {
    app.add_plugins(RenderDiagnosticsPlugin);
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

/// Frames of one state in a block; the first [`SETTLE`] are not counted (a grade reaches
/// the shader in the next frame, and pass times come back a frame or two late).
const BLOCK: usize = 6;
const SETTLE: usize = 3;
/// Neutral and graded blocks, side by side: the first app, and the one with look LUTs.
const PAIRS: usize = 16;
const LUT_PAIRS: usize = 6;

/// One block's counted frames: mean wall time and mean GPU time (every pass), ms.
#[derive(Clone, Copy)]
struct Block {
    wall: f64,
    gpu: f64,
}

fn block(driver: &mut FrameDriver, gpu: &mut GpuTimes, graded: bool) -> Result<Block, String> {
    set_grades(driver, graded)?;
    let (mut wall, mut total, mut counted) = (0.0, 0.0, 0.0);
    for i in 0..BLOCK {
        let started = Instant::now();
        driver.step()?;
        let took = started.elapsed().as_secs_f64() * 1e3;
        let mut passes = BTreeMap::new();
        gpu.take(driver.world_mut(), &mut passes);
        if i >= SETTLE {
            wall += took;
            total += passes.values().sum::<f64>();
            counted += 1.0;
        }
    }
    Ok(Block {
        wall: wall / counted,
        gpu: total / counted,
    })
}

/// `pairs` (neutral, graded) block pairs in one app, the order turning each pair
/// (neutral-graded, graded-neutral…) so that a machine speeding up or slowing down over
/// the run falls on both sides alike.
fn alternate(options: &AppOptions, pairs: usize) -> Result<Vec<(Block, Block)>, String> {
    let mut driver = FrameDriver::new_with(options, with_pass_times);
    driver.load()?;
    let mut gpu = GpuTimes::default();
    gpu.start(driver.world_mut());
    // One block of each first, uncounted: shaders and pipelines of both states are built.
    block(&mut driver, &mut gpu, true)?;
    block(&mut driver, &mut gpu, false)?;
    let mut out = Vec::with_capacity(pairs);
    for i in 0..pairs {
        let pair = if i % 2 == 0 {
            let off = block(&mut driver, &mut gpu, false)?;
            (off, block(&mut driver, &mut gpu, true)?)
        } else {
            let on = block(&mut driver, &mut gpu, true)?;
            (block(&mut driver, &mut gpu, false)?, on)
        };
        out.push(pair);
    }
    Ok(out)
}

/// Mean graded-minus-neutral difference of `f` over the pairs, with two standard errors,
/// and the mean neutral value.
fn difference(pairs: &[(Block, Block)], f: impl Fn(&Block) -> f64) -> (f64, f64, f64) {
    let n = pairs.len() as f64;
    let d: Vec<f64> = pairs.iter().map(|(off, on)| f(on) - f(off)).collect();
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    let neutral = pairs.iter().map(|(off, _)| f(off)).sum::<f64>() / n;
    (mean, 2.0 * (var / n).sqrt(), neutral)
}

/// Frame time and GPU time with the warp's grading off and on, in alternating blocks.
pub fn grading_rows(stage: &AppOptions, root: &Path) {
    let run = || -> Result<_, String> {
        let bare = AppOptions {
            scene: bare_scene()?,
            ..stage.clone()
        };
        let plain = alternate(&bare, PAIRS)?;
        let with_luts = AppOptions {
            stage: Some(stage_with_grade_luts(root)?),
            ..bare.clone()
        };
        Ok((plain, alternate(&with_luts, LUT_PAIRS)?))
    };
    let (plain, luts) = match run() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("grading: {e}");
            std::process::exit(1);
        }
    };
    println!();
    println!(
        "curved_volume warp grading, bare scene: blocks of {BLOCK} frames, the last {} counted",
        BLOCK - SETTLE
    );
    println!("pair   neutral wall / GPU ms     graded wall / GPU ms");
    for (i, (off, on)) in plain.iter().enumerate() {
        println!(
            "{:>4}   {:>8.1} / {:>8.1}       {:>8.1} / {:>8.1}",
            i + 1,
            off.wall,
            off.gpu,
            on.wall,
            on.gpu
        );
    }
    for (what, pairs) in [
        ("every camera and output graded", &plain),
        ("graded with a look LUT each, against its neutral", &luts),
    ] {
        for (kind, f) in [
            ("frame time", (|b: &Block| b.wall) as fn(&Block) -> f64),
            ("GPU time, all passes", |b: &Block| b.gpu),
        ] {
            let (d, err, neutral) = difference(pairs, f);
            println!(
                "{what}: {kind} {d:+.2} ± {err:.2} ms per frame against {neutral:.1} ms \
                 neutral ({:+.2} ± {:.2}%, {} pairs)",
                d / neutral * 100.0,
                err / neutral * 100.0,
                pairs.len()
            );
        }
    }
}
