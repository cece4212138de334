//! Shared by the calibration tests: temporary folders and the simulated wall's captures.

use std::path::{Path, PathBuf};

use backlot_calibrate::sim::{CaptureFormat, SimWall};
use backlot_calibrate::{Patch, Transfer, generate_patches, write_patches};

/// A fresh folder for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("backlot-calibrate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Patches written to `dir`, captured by `wall` without a LUT into `dir/captures`.
pub fn shoot(
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
