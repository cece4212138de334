//! Every input calibration must refuse, refused with the file named and the reason given:
//! missing, unreadable, non-finite, out-of-range or clipped captures, and patch sets that
//! cannot calibrate anything.

mod common;

use std::path::Path;

use backlot_calibrate::sim::{CaptureFormat, SimWall};
use backlot_calibrate::{SolveOptions, Transfer, held_out, solve, write_patches};

use common::{shoot, temp_dir};

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
