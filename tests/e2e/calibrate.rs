//! `backlot calibrate` through the real binary: patches → captures of the simulated wall →
//! solve → a LUT the stage's own `.cube` reader takes and `backlot check` accepts.

use std::path::Path;

use backlot_calibrate::sim::{CaptureFormat, SimWall};
use backlot_calibrate::{Lut3d, Transfer, read_patches};
use backlot_stage::format::CubeLut;

use crate::support::{backlot, repo, run, temp_dir, text};

/// The shipped flat wall with output `main` through `lut`.
fn stage_with_lut(lut: &str) -> String {
    let flat =
        std::fs::read_to_string(repo().join("scenes/stages/flat_wall.stage.ron")).expect("stage");
    let with_lut = flat.replace(
        "regions: [(section: \"wall\")]",
        &format!("regions: [(section: \"wall\")], color: (lut: \"{lut}\")"),
    );
    assert_ne!(
        flat, with_lut,
        "stage file layout changed; update this test"
    );
    with_lut
}

/// Writes the simulated wall's captures of `csv`'s patches into `dir`.
fn capture(csv: &Path, dir: &Path) {
    let patches = read_patches(csv).expect("patches.csv the binary wrote");
    SimWall::default()
        .write_captures(dir, &patches, None, CaptureFormat::Exr, Transfer::Linear)
        .expect("captures");
}

#[test]
fn calibrate_patches_solve_and_check_the_lut() {
    let dir = temp_dir("calibrate");
    let out = run(backlot()
        .args(["calibrate", "patches", "--out"])
        .arg(dir.join("patches")));
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("wrote 200 patches"), "{}", text(&out));
    let csv = dir.join("patches/patches.csv");
    let captures = dir.join("captures");
    capture(&csv, &captures);

    let assets = dir.join("assets");
    std::fs::create_dir_all(assets.join("luts")).expect("mkdir");
    let cube = assets.join("luts/wall.cube");
    let (report, plot) = (dir.join("report.json"), dir.join("plot.png"));
    let out = run(backlot()
        .args(["calibrate", "solve", "--patches"])
        .arg(&csv)
        .arg("--captures")
        .arg(&captures)
        .arg("--out")
        .arg(&cube)
        .arg("--report")
        .arg(&report)
        .arg("--plot")
        .arg(&plot)
        .args(["--capture-transfer", "linear"]));
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("ΔE2000 after:") && said.contains("wall.cube"),
        "{said}"
    );

    // The stage's reader takes the LUT, and reads what the calibration wrote.
    let stage_lut = CubeLut::parse(&std::fs::read_to_string(&cube).expect("read LUT"))
        .expect("the stage's .cube reader takes it");
    let ours = Lut3d::read_cube(&cube).expect("read back");
    assert_eq!((stage_lut.size, ours.size), (33, 33));
    for (a, b) in stage_lut.data.iter().zip(&ours.data) {
        for c in 0..3 {
            assert!((f64::from(a[c]) - b[c]).abs() < 1e-6);
        }
    }
    assert_ne!(
        stage_lut,
        CubeLut::identity(33),
        "the wall needs correcting"
    );

    // The report says the calibration helps; the plot is a picture.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("JSON");
    let mean = |which: &str| json[which]["mean"].as_f64().expect("a mean");
    assert!(mean("before") > 5.0 && mean("after") < 1.0, "{json}");
    assert!(json["out_of_gamut"].as_array().is_some_and(Vec::is_empty));
    let picture = image::open(&plot).expect("plot PNG");
    assert!(picture.width() > 100 && picture.height() > 100);

    // A stage using it checks clean.
    let stage = dir.join("calibrated.stage.ron");
    std::fs::write(&stage, stage_with_lut("luts/wall.cube")).expect("write stage");
    let out = run(backlot()
        .arg("--assets")
        .arg(&assets)
        .arg("check")
        .arg(&stage));
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn calibrate_refuses_bad_input_with_the_file_named() {
    let dir = temp_dir("calibrate-bad");
    let out = run(backlot()
        .args(["calibrate", "patches", "--count", "10", "--out"])
        .arg(&dir));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("--count 10 is outside 64..4096"),
        "{}",
        text(&out)
    );

    let out = run(backlot()
        .args(["calibrate", "patches", "--count", "64", "--out"])
        .arg(&dir));
    assert!(out.status.success(), "{}", text(&out));
    let csv = dir.join("patches.csv");
    let captures = dir.join("captures");
    capture(&csv, &captures);
    let solve = |csv: &Path| {
        run(backlot()
            .args(["calibrate", "solve", "--patches"])
            .arg(csv)
            .arg("--captures")
            .arg(&captures)
            .arg("--out")
            .arg(dir.join("never.cube"))
            .args(["--capture-transfer", "linear"]))
    };

    // A missing capture.
    std::fs::remove_file(captures.join("capture-5.exr")).expect("remove");
    let out = solve(&csv);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let missing = captures.join("capture-5.*");
    assert!(
        stderr.contains(&format!("calibrate failed: {}: missing", missing.display())),
        "{stderr}"
    );

    // A CSV with the wrong header.
    let wrong = dir.join("wrong.csv");
    std::fs::write(&wrong, "id;r;g;b\n0;0;0;0\n").expect("write");
    let out = solve(&wrong);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:1: the header must be `id,r,g,b`",
            wrong.display()
        )),
        "{stderr}"
    );
    assert!(!dir.join("never.cube").exists(), "no LUT after a refusal");

    // An unknown transfer is refused by the command line itself.
    let out = run(backlot()
        .args(["calibrate", "solve", "--transfer", "pq", "--patches"])
        .arg(&csv)
        .arg("--captures")
        .arg(&captures)
        .arg("--out")
        .arg(dir.join("never.cube")));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("is not a transfer"), "{}", text(&out));
}
