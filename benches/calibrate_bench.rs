//! Calibration benchmark (`cargo bench --bench calibrate_bench [-- --quick]`, release mode).
//!
//! `calibrate solve` on 200 patches captured by the simulated wall (64×48 EXR files), in one
//! run, interleaved repetition by repetition so machine drift falls on every phase alike:
//!
//! - (a) baseline: reading and averaging the 200 captures alone;
//! - (b) the whole solve: captures read, model fitted, 33³ LUT built, report made;
//! - (c) the solve without reading (fit + LUT + report from captures already read).
//!
//! Each as median and minimum, (b) also as the ratio to (a). Then the colour figures
//! for the same wall: ΔE2000 of the held-out patches before calibration (as recorded), after
//! (as the model predicts) and after re-measured through the wall with the LUT applied.
//! `--quick`: fewer repetitions.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use backlot_calibrate::delta_e::delta_e_linear;
use backlot_calibrate::sim::{CaptureFormat, SimWall};
use backlot_calibrate::solve::solve_records;
use backlot_calibrate::{
    SolveOptions, Transfer, generate_patches, read_captures, solve, write_patches,
};

const PATCHES: usize = 200;

/// Median and minimum, milliseconds.
fn summary(samples: &mut [f64]) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    (samples[samples.len() / 2], samples[0])
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let reps = if quick { 5 } else { 30 };
    let dir = std::env::temp_dir().join(format!("backlot-calibrate-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let wall = SimWall::default();
    let linear = Transfer::Linear;
    let patches = generate_patches(PATCHES, Transfer::Srgb).expect("patch set");
    let csv = write_patches(&dir, &patches).expect("patches.csv");
    let captures = dir.join("captures");
    wall.write_captures(&captures, &patches, None, CaptureFormat::Exr, linear)
        .expect("captures");
    let options = SolveOptions {
        capture_transfer: linear,
        ..SolveOptions::default()
    };

    // Warm-up, untimed: the page cache holds the files from here on, for every phase alike.
    let frames = read_captures(&captures, &patches, linear).expect("captures read");
    let (mut read, mut whole, mut fit) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps {
        let t = Instant::now();
        black_box(read_captures(&captures, &patches, linear).expect("read"));
        read.push(ms(t));
        let t = Instant::now();
        black_box(solve(&csv, &captures, &options).expect("solve"));
        whole.push(ms(t));
        let t = Instant::now();
        black_box(solve_records(&patches, &frames, &csv, &options).expect("fit"));
        fit.push(ms(t));
    }
    let (read_med, read_min) = summary(&mut read);
    let (whole_med, whole_min) = summary(&mut whole);
    let (fit_med, fit_min) = summary(&mut fit);
    println!(
        "calibrate benchmark{}: {PATCHES} patches, 64x48 EXR captures, 33^3 LUT, {reps} \
         repetitions",
        if quick { " (quick)" } else { "" }
    );
    println!("  (a) read captures (baseline): median {read_med:8.2} ms, min {read_min:8.2} ms");
    println!(
        "  (b) whole solve:              median {whole_med:8.2} ms, min {whole_min:8.2} ms, \
         {:.2}x (a)",
        whole_med / read_med
    );
    println!("  (c) fit + LUT + report:       median {fit_med:8.2} ms, min {fit_min:8.2} ms");

    let solution = solve(&csv, &captures, &options).expect("solve");
    let report = &solution.report;
    let remeasured = remeasure(&dir, &wall, &solution);
    println!(
        "  ΔE2000 on {} held-out patches: before mean {:.2} worst {:.2}; after (model) mean \
         {:.3} worst {:.3}; after (re-measured through the LUT) mean {:.3} worst {:.3}",
        report.before.count,
        report.before.mean,
        report.before.worst,
        report.after.mean,
        report.after.worst,
        remeasured.0,
        remeasured.1
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Mean and worst ΔE2000 of the usable held-out patches shown through the LUT and captured
/// again (another noise seed).
fn remeasure(dir: &Path, wall: &SimWall, solution: &backlot_calibrate::Solution) -> (f64, f64) {
    let patches = generate_patches(PATCHES, Transfer::Srgb).expect("patch set");
    let again = dir.join("through-lut");
    let second = SimWall {
        seed: wall.seed + 1,
        ..wall.clone()
    };
    second
        .write_captures(
            &again,
            &patches,
            Some(&solution.lut),
            CaptureFormat::Exr,
            Transfer::Linear,
        )
        .expect("captures through the LUT");
    let frames = read_captures(&again, &patches, Transfer::Linear).expect("read");
    let (black, white) = (frames[0].mean, frames[1].mean);
    let mut values = Vec::new();
    for r in &solution.report.held_out_patches {
        if !r.in_gamut || r.floored {
            continue;
        }
        let Some(i) = patches.iter().position(|p| p.id == r.id) else {
            continue;
        };
        let m = frames[i].mean;
        let record = [0, 1, 2].map(|c| (m[c] - black[c]) / (white[c] - black[c]));
        values.push(delta_e_linear(r.intended, record));
    }
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    (mean, values.iter().copied().fold(0.0, f64::max))
}
