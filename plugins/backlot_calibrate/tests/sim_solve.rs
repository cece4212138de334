//! Calibration end to end against the simulated wall and camera: patches → captures →
//! solve → LUT, then the held-out colours re-measured through the wall with the LUT applied.

use std::path::{Path, PathBuf};

use backlot_calibrate::delta_e::delta_e_linear;
use backlot_calibrate::patches::DEFAULT_COUNT;
use backlot_calibrate::sim::{CaptureFormat, SimWall};
use backlot_calibrate::{
    Lut3d, Patch, Solution, SolveOptions, Transfer, generate_patches, held_out, read_captures,
    solve, write_patches,
};

/// A fresh folder for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("backlot-calibrate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Patches written to `dir`, captured by `wall` without a LUT into `dir/captures`.
fn shoot(
    dir: &Path,
    wall: &SimWall,
    count: usize,
    format: CaptureFormat,
    capture_transfer: Transfer,
) -> (Vec<Patch>, PathBuf, PathBuf) {
    let patches = generate_patches(count, Transfer::Srgb).expect("patch set");
    let csv = write_patches(dir, &patches).expect("patches.csv");
    let captures = dir.join("captures");
    wall.write_captures(&captures, &patches, None, format, capture_transfer)
        .expect("captures");
    (patches, csv, captures)
}

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
    let patches = generate_patches(64, Transfer::Srgb).expect("set");
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

/// Solves `csv` against `captures` and returns the error's text.
fn solve_error(csv: &Path, captures: &Path, transfer: Transfer) -> String {
    let options = SolveOptions {
        capture_transfer: transfer,
        ..SolveOptions::default()
    };
    match solve(csv, captures, &options) {
        Ok(_) => panic!("solved, but should have refused"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_captures_are_named() {
    let dir = temp_dir("bad-captures");
    let wall = SimWall::default();
    let linear = Transfer::Linear;
    let (patches, csv, captures) = shoot(&dir, &wall, 64, CaptureFormat::Exr, linear);

    // Missing.
    let seven = captures.join("capture-7.exr");
    std::fs::remove_file(&seven).expect("remove");
    let err = solve_error(&csv, &captures, linear);
    assert!(
        err.starts_with(&format!(
            "{}: missing",
            captures.join("capture-7.*").display()
        )),
        "{err}"
    );

    // Unreadable.
    std::fs::write(captures.join("capture-7.png"), b"not a picture").expect("write");
    let err = solve_error(&csv, &captures, linear);
    let png = captures.join("capture-7.png");
    assert!(
        err.starts_with(&format!("{}: unreadable", png.display())),
        "{err}"
    );

    // Two captures for one patch.
    wall.write_capture(
        &captures,
        "7",
        patches[7].signal,
        CaptureFormat::Exr,
        linear,
    )
    .expect("back");
    let err = solve_error(&csv, &captures, linear);
    assert!(err.contains("ambiguous: patch 7 has 2 captures"), "{err}");
    std::fs::remove_file(&png).expect("remove");

    // Not finite.
    let nan = image::ImageBuffer::<image::Rgb<f32>, Vec<f32>>::from_pixel(
        64,
        48,
        image::Rgb([f32::NAN, 0.1, 0.1]),
    );
    nan.save(&seven).expect("save");
    let err = solve_error(&csv, &captures, linear);
    assert!(
        err.starts_with(&format!("{}: out of range", seven.display())),
        "{err}"
    );

    // Far brighter than white: the exposure changed for this one.
    let bright = SimWall {
        exposure: 2.0,
        clip: 10.0,
        ..wall.clone()
    };
    bright
        .write_capture(
            &captures,
            "7",
            patches[7].signal,
            CaptureFormat::Exr,
            linear,
        )
        .expect("write");
    let err = solve_error(&csv, &captures, linear);
    assert!(
        err.starts_with(&format!("{}: out of range", seven.display())),
        "{err}"
    );

    // Greyscale.
    image::ImageBuffer::<image::Luma<u16>, Vec<u16>>::from_pixel(64, 48, image::Luma([9000]))
        .save(&png)
        .expect("save");
    std::fs::remove_file(&seven).expect("remove");
    let err = solve_error(&csv, &captures, linear);
    assert!(err.contains("greyscale"), "{err}");
    std::fs::remove_file(&png).expect("remove");

    // Folder missing altogether.
    let err = solve_error(&csv, &dir.join("nowhere"), linear);
    assert!(err.ends_with("not a folder of captures"), "{err}");
}

#[test]
fn a_clipped_white_is_refused() {
    // 16-bit PNG: white above full scale.
    let dir = temp_dir("clipped-png");
    let over = SimWall {
        exposure: 1.3,
        ..SimWall::default()
    };
    let (_, csv, captures) = shoot(&dir, &over, 64, CaptureFormat::Png16, Transfer::Srgb);
    let err = solve_error(&csv, &captures, Transfer::Srgb);
    let white = captures.join("capture-1.png");
    assert!(
        err.starts_with(&format!("{}: clipped", white.display())),
        "{err}"
    );
    assert!(err.contains("lower the camera's exposure"), "{err}");

    // EXR: the sensor's ceiling below white's red leaves that channel flat-topped.
    let dir = temp_dir("clipped-exr");
    let ceiling = SimWall {
        clip: 0.65,
        ..SimWall::default()
    };
    let white = ceiling.record([1.0; 3]);
    assert!(
        white[0] > 0.66 && white[1] < 0.63,
        "only white's red passes the ceiling"
    );
    let (_, csv, captures) = shoot(&dir, &ceiling, 64, CaptureFormat::Exr, Transfer::Linear);
    let err = solve_error(&csv, &captures, Transfer::Linear);
    let white = captures.join("capture-1.exr");
    assert!(
        err.starts_with(&format!("{}: clipped", white.display())) && err.contains("in red"),
        "{err}"
    );
}

#[test]
fn patch_sets_that_cannot_calibrate_are_refused() {
    let dir = temp_dir("few");
    let wall = SimWall::default();
    let linear = Transfer::Linear;
    let (patches, csv, captures) = shoot(&dir, &wall, 64, CaptureFormat::Exr, linear);

    // Anchors only: nothing held out to judge the fit by.
    write_patches(&dir, &patches[..40]).expect("write");
    let err = solve_error(&csv, &captures, linear);
    assert!(
        err.starts_with(&format!("{}: too few usable patches", csv.display())),
        "{err}"
    );
    let held = held_out(&patches[..40]).iter().filter(|&&h| h).count();
    assert_eq!(held, 0);

    // No white.
    write_patches(&dir, &[patches[0].clone(), patches[2].clone()]).expect("write");
    let err = solve_error(&csv, &captures, linear);
    assert_eq!(err, format!("{}: no white patch (1, 1, 1)", csv.display()));

    // A value out of range, a wrong header.
    std::fs::write(&csv, "id,r,g,b\n0,0,0,0\n1,1,1,1.5\n").expect("write");
    let err = solve_error(&csv, &captures, linear);
    assert_eq!(
        err,
        format!(
            "{}:3: `1.5` in column b is out of range 0..1 (signal values)",
            csv.display()
        )
    );
    std::fs::write(&csv, "name,red,green,blue\n0,0,0,0\n").expect("write");
    let err = solve_error(&csv, &captures, linear);
    assert!(
        err.starts_with(&format!("{}:1: the header must be", csv.display())),
        "{err}"
    );
}
