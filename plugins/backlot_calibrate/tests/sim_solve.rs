//! Calibration end to end against the simulated wall and camera: patches → captures →
//! solve → LUT, then the held-out colours re-measured through the wall with the LUT applied.

mod common;

use std::path::Path;

use backlot_calibrate::delta_e::delta_e_linear;
use backlot_calibrate::patches::DEFAULT_COUNT;
use backlot_calibrate::sim::{CaptureFormat, SimWall};
use backlot_calibrate::{Lut3d, Patch, Solution, SolveOptions, Transfer, read_captures, solve};

use common::{shoot, temp_dir};

/// ΔE2000 of each usable held-out patch, re-measured: the wall shows every patch through
/// the LUT (read back from its `.cube` file), a second camera pass captures it, and the
/// records are normalised by that pass's own black and white.
fn remeasure(
    dir: &Path,
    wall: &SimWall,
    patches: &[Patch],
    solution: &Solution,
    format: CaptureFormat,
    capture_transfer: Transfer,
) -> Vec<(String, f64)> {
    let cube = dir.join("calibrated.cube");
    solution.lut.write_cube(&cube, "test").expect("write LUT");
    let lut = Lut3d::read_cube(&cube).expect("read LUT");
    let again = dir.join("through-lut");
    let second_pass = SimWall {
        seed: wall.seed + 1,
        ..wall.clone()
    };
    second_pass
        .write_captures(&again, patches, Some(&lut), format, capture_transfer)
        .expect("captures through the LUT");
    let frames = read_captures(&again, patches, capture_transfer).expect("read them");
    let black = frames[0].mean;
    let white = frames[1].mean;
    assert!(patches[0].is_black() && patches[1].is_white());
    let usable: Vec<&str> = solution
        .report
        .held_out_patches
        .iter()
        .filter(|r| r.in_gamut && !r.floored)
        .map(|r| r.id.as_str())
        .collect();
    patches
        .iter()
        .zip(&frames)
        .filter(|(p, _)| usable.contains(&p.id.as_str()))
        .map(|(p, f)| {
            let record = [0, 1, 2].map(|c| (f.mean[c] - black[c]) / (white[c] - black[c]));
            let intended = Transfer::Srgb.decode_rgb(p.signal);
            (p.id.clone(), delta_e_linear(intended, record))
        })
        .collect()
}

fn mean_and_worst(values: &[(String, f64)]) -> (f64, f64) {
    let mean = values.iter().map(|(_, v)| v).sum::<f64>() / values.len() as f64;
    let worst = values.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    (mean, worst)
}

#[test]
fn held_out_colours_come_back_through_the_lut_exr() {
    let dir = temp_dir("exr");
    let wall = SimWall::default();
    let linear = Transfer::Linear;
    let (patches, csv, captures) = shoot(&dir, &wall, DEFAULT_COUNT, CaptureFormat::Exr, linear);
    let options = SolveOptions {
        capture_transfer: linear,
        ..SolveOptions::default()
    };
    let solution = solve(&csv, &captures, &options).expect("solves");
    let report = &solution.report;
    assert!(report.before.mean > 5.0, "before: {:?}", report.before);
    assert!(
        report.after.mean < 1.0,
        "after (predicted): {:?}",
        report.after
    );
    assert_eq!(report.held_out, (DEFAULT_COUNT - 44) / 5);
    assert!(report.out_of_gamut.is_empty(), "{:?}", report.out_of_gamut);
    assert!(report.floored.is_empty(), "EXR keeps negative records");
    let gammas = report.model.gamma;
    assert!(gammas.iter().all(|g| (g - 2.6).abs() < 0.05), "{gammas:?}");

    let measured = remeasure(&dir, &wall, &patches, &solution, CaptureFormat::Exr, linear);
    assert_eq!(measured.len(), report.before.count);
    let (mean, worst) = mean_and_worst(&measured);
    assert!(
        mean < 1.0 && worst < 3.0,
        "re-measured ΔE2000 mean {mean}, worst {worst}"
    );

    // The JSON report and the plot are written and say the same.
    let json_path = dir.join("report.json");
    report.write_json(&json_path).expect("report");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("read")).expect("JSON");
    assert_eq!(
        json["held_out_patches"].as_array().map(Vec::len),
        Some(report.held_out)
    );
    assert!(json["after"]["mean"].as_f64().is_some_and(|m| m < 1.0));
    let plot = backlot_calibrate::plot::plot(report);
    assert_eq!(plot.dimensions(), (8 + 16 * 40, 8 + 2 * (3 * 32 + 4 + 8)));
}

#[test]
fn sixteen_bit_srgb_pngs_work_and_floored_patches_are_left_out() {
    let dir = temp_dir("png16");
    let wall = SimWall::default();
    let srgb = Transfer::Srgb;
    let (patches, csv, captures) = shoot(&dir, &wall, DEFAULT_COUNT, CaptureFormat::Png16, srgb);
    let solution = solve(&csv, &captures, &SolveOptions::default()).expect("solves");
    let report = &solution.report;
    // This wall's saturated primaries record below 0 in the camera's Rec.709: a PNG floors
    // them, and the solve says so rather than fitting to them.
    assert!(!report.floored.is_empty());
    assert!(report.fitted + report.held_out + report.floored.len() >= DEFAULT_COUNT);
    assert!(report.before.mean > 5.0, "before: {:?}", report.before);
    let measured = remeasure(&dir, &wall, &patches, &solution, CaptureFormat::Png16, srgb);
    let (mean, worst) = mean_and_worst(&measured);
    assert!(
        mean < 1.0 && worst < 3.0,
        "re-measured ΔE2000 mean {mean}, worst {worst}"
    );
}

#[cfg(feature = "tiff")]
#[test]
fn sixteen_bit_linear_tiffs_read_like_exr() {
    let dir = temp_dir("tiff");
    let wall = SimWall::default();
    let patches = backlot_calibrate::generate_patches(64, Transfer::Srgb).expect("set");
    let (exr, tiff) = (dir.join("exr"), dir.join("tiff"));
    let linear = Transfer::Linear;
    wall.write_captures(&exr, &patches, None, CaptureFormat::Exr, linear)
        .expect("exr");
    wall.write_captures(&tiff, &patches, None, CaptureFormat::Tiff16, linear)
        .expect("tiff");
    let a = read_captures(&exr, &patches, linear).expect("read exr");
    let b = read_captures(&tiff, &patches, linear).expect("read tiff");
    // The white patch: same noise, 16-bit quantisation apart.
    for c in 0..3 {
        assert!(
            (a[1].mean[c] - b[1].mean[c]).abs() < 1e-4,
            "{:?} {:?}",
            a[1],
            b[1]
        );
    }
    assert!(b[1].integer && !a[1].integer);
}

#[test]
fn colours_beyond_the_wall_are_reported_not_folded() {
    let dir = temp_dir("narrow");
    let wall = SimWall::narrow_gamut();
    let linear = Transfer::Linear;
    let (_, csv, captures) = shoot(&dir, &wall, DEFAULT_COUNT, CaptureFormat::Exr, linear);
    let options = SolveOptions {
        capture_transfer: linear,
        ..SolveOptions::default()
    };
    let solution = solve(&csv, &captures, &options).expect("solves");
    let report = &solution.report;
    // Pure red (patch 2) needs negative green and blue light from this wall.
    let red = report
        .out_of_gamut
        .iter()
        .find(|o| o.id == "2")
        .expect("pure red is out of gamut");
    assert!(
        red.needs[0] > 1.0 || red.needs[1] < 0.0 || red.needs[2] < 0.0,
        "{red:?}"
    );
    assert!(report.lut.nodes_out_of_gamut > 0);
    let held_oog = report
        .held_out_patches
        .iter()
        .filter(|r| !r.in_gamut)
        .count();
    assert!(held_oog > 0);
    // Left out of the statistics, listed in the report.
    assert_eq!(report.before.count, report.held_out - held_oog);
    assert!(
        solution
            .report
            .summary()
            .contains("outside the wall's gamut")
    );
    // The LUT clips: every drive is a signal the processor takes.
    assert!(
        solution
            .lut
            .data
            .iter()
            .flatten()
            .all(|v| (0.0..=1.0).contains(v))
    );
}
