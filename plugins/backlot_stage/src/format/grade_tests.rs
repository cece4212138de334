//! Grades in stage files: values and look LUTs on cameras and outputs, and every bad one
//! refused at its position.

use std::path::{Path, PathBuf};

use backlot_files::{FileError, FileErrors, line_col};

use super::*;
use crate::grade::Grade;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const OUTPUT: &str = "regions: [(section: \"wall\")]";
const CAMERA: &str = "soft_edge: 0.05,";

/// The shipped flat wall with `output` after the main output's regions and `camera` after
/// camera 1's soft edge.
fn stage_with(output: &str, camera: &str) -> String {
    let src = std::fs::read_to_string(repo().join("scenes/stages/flat_wall.stage.ron"))
        .expect("shipped stage");
    assert!(
        src.contains(OUTPUT) && src.contains(CAMERA),
        "flat_wall changed"
    );
    src.replacen(OUTPUT, &format!("{OUTPUT}{output}"), 1)
        .replacen(CAMERA, &format!("{CAMERA}{camera}"), 1)
}

/// The one error `src` gives with assets from `root`.
fn error_of(src: &str, root: &Path) -> FileError {
    match parse_stage(src, "bad.stage.ron", Some(root)) {
        Ok(_) => panic!("accepted:\n{src}"),
        Err(FileErrors(mut e)) => {
            assert_eq!(e.len(), 1, "{e:?}");
            e.remove(0)
        }
    }
}

/// Where `needle` starts in `src` (its first occurrence at or after `after`).
fn position(src: &str, after: &str, needle: &str) -> (usize, usize) {
    let a = src.find(after).expect("anchor");
    line_col(src, a + src[a..].find(needle).expect("needle"))
}

#[test]
fn grades_and_their_luts_parse_on_cameras_and_outputs() {
    let src = stage_with(
        ", grade: (exposure: -1.0, saturation: 0.5, gain: (1.0, 0.9, 0.8), lut: \"luts/warm_wall.cube\")",
        " grade: (kelvin: 3200.0, tint: 0.25, lift: (0.01, 0.0, -0.01), gamma: (1.1, 1.0, 0.9), contrast: 1.2, lut: \"luts/swap_red_blue.cube\"),",
    );
    let stage = parse_stage(&src, "good.stage.ron", Some(&repo().join("assets")))
        .unwrap_or_else(|e| panic!("{e}"));
    let outer = &stage.outputs[0].grade;
    assert_eq!(
        outer.grade(),
        Grade {
            exposure: -1.0,
            saturation: 0.5,
            gain: [1.0, 0.9, 0.8],
            ..Grade::NEUTRAL
        }
    );
    assert_eq!(
        outer.lut.as_ref().map(|l| l.0.as_str()),
        Some("luts/warm_wall.cube")
    );
    let inner = &stage.cameras[0].grade;
    assert_eq!(
        inner.grade(),
        Grade {
            kelvin: 3200.0,
            tint: 0.25,
            contrast: 1.2,
            lift: [0.01, 0.0, -0.01],
            gamma: [1.1, 1.0, 0.9],
            ..Grade::NEUTRAL
        }
    );
    assert_eq!(
        inner.lut.as_ref().map(|l| l.0.as_str()),
        Some("luts/swap_red_blue.cube")
    );
}

#[test]
fn no_grade_is_the_neutral_grade() {
    let stage =
        parse_stage(&stage_with("", ""), "good.stage.ron", None).unwrap_or_else(|e| panic!("{e}"));
    assert!(stage.outputs[0].grade.grade().is_neutral());
    assert!(stage.outputs[0].grade.lut.is_none());
    assert!(stage.cameras[0].grade.grade().is_neutral());
}

#[test]
fn grade_values_out_of_range_are_refused_at_their_position() {
    let root = repo().join("assets");
    for (output, camera, after, needle, message) in [
        (
            ", grade: (kelvin: 1000.0)",
            "",
            "kelvin",
            "1000.0",
            "value must be in 2000..15000 K, got 1000",
        ),
        (
            "",
            " grade: (exposure: 9.0),",
            "exposure",
            "9.0",
            "value must be in -6..6 stops, got 9",
        ),
        (
            "",
            " grade: (lift: (0.0, 0.7, 0.0)),",
            "lift",
            "0.7",
            "value must be in -0.5..0.5, got 0.7",
        ),
        (
            ", grade: (gamma: (1.0, 1.0, 0.0))",
            "",
            "gamma",
            "0.0)",
            "value must be in 0.2..5, got 0",
        ),
        (
            ", grade: (saturation: -0.5)",
            "",
            "saturation",
            "-0.5",
            "value must be in 0..2, got -0.5",
        ),
    ] {
        let src = stage_with(output, camera);
        let e = error_of(&src, &root);
        assert_eq!((e.line, e.col), position(&src, after, needle), "{e}");
        assert!(e.message.contains(message), "{e}");
    }
}

#[test]
fn unknown_grade_fields_are_refused_on_their_line() {
    let src = stage_with(", grade: (temperature: 3200.0)", "");
    let e = error_of(&src, &repo().join("assets"));
    // ron places an unknown field's error itself: on the field's line, named.
    assert_eq!(e.line, position(&src, "grade", "temperature").0, "{e}");
    assert!(e.message.contains("temperature"), "{e}");
}

#[test]
fn missing_and_broken_grade_luts_name_the_file_where_it_is_given() {
    let dir = std::env::temp_dir().join(format!("backlot-stage-grade-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("luts")).expect("mkdir");
    std::fs::write(dir.join("luts/bad.cube"), "LUT_3D_SIZE 2\n0 0 0\n1 1\n").expect("write");

    let src = stage_with(", grade: (lut: \"luts/none.cube\")", "");
    let e = error_of(&src, &dir);
    assert_eq!(
        (e.line, e.col),
        // The files crate's missing-asset check points inside the quotes, at the path.
        position(&src, "grade", "luts/none.cube"),
        "{e}"
    );
    assert!(
        e.message.contains("missing asset file `luts/none.cube`"),
        "{e}"
    );

    // The same broken LUT on an output and on a camera: each error points at its own.
    let src = stage_with("", " grade: (lut: \"luts/bad.cube\"),");
    let e = error_of(&src, &dir);
    assert_eq!(
        (e.line, e.col),
        position(&src, "grade", "\"luts/bad.cube\""),
        "{e}"
    );
    assert!(
        e.message
            .starts_with("camera 1: grade LUT `luts/bad.cube` line 3"),
        "{e}"
    );
    let src = stage_with(", grade: (lut: \"luts/bad.cube\")", "");
    let e = error_of(&src, &dir);
    assert_eq!(
        (e.line, e.col),
        position(&src, "grade", "\"luts/bad.cube\""),
        "{e}"
    );
    assert!(
        e.message
            .starts_with("output `main`: grade LUT `luts/bad.cube` line 3"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
