//! LED stage benchmark (`cargo bench --bench stage_bench`, release mode).
//!
//! Frame time of the full stage pipeline for `curved_volume` (outer cube, inner frustum,
//! four 1920x1080 output warps) against a single plain camera render of the same total
//! pixel count (3840x2160 = 4 x 1920x1080), same scene, same device, same run; printed with
//! their ratio. Both use `desert_road`.
//!
//! Then the cost of inner and outer grading in the warp (`stage/grading.rs`): the same
//! `curved_volume` app with every grade neutral (the shader skips the maths) and with every
//! camera and output graded (all controls away from neutral), in alternating blocks of a few
//! frames, so that the machine's drift over minutes falls on both alike; then the same in a
//! copy of the stage whose grades also carry a look LUT. Only the grades change, so the
//! difference is the warp's grading cost per frame, given with two standard errors. The
//! scene is bare (a background, no geometry): with desert_road the frusta's rendering is
//! most of a frame. Besides wall time, each frame's GPU time is summed over the renderer's
//! timestamp queries (Bevy's `RenderDiagnosticsPlugin`), which leaves out the CPU's share.
//!
//! `-- --grading`: the grading rows only (on lavapipe the whole run takes over ten minutes).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use backlot::app::AppOptions;
use backlot::paths;
use backlot::render::FrameDriver;

const FRAMES: u32 = 60;
const BUDGET: Duration = Duration::from_secs(60);

#[path = "stage/gpu_time.rs"]
mod gpu_time;
#[path = "stage/grading.rs"]
mod grading;

fn frame_time(options: &AppOptions) -> Result<(Duration, u32), String> {
    let mut driver = FrameDriver::new(options);
    driver.load()?;
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
    grading::grading_rows(&stage, &root);
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
