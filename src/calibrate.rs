//! `backlot calibrate`: the command-line face of `backlot_calibrate` (docs/calibration.md).

use backlot_calibrate::plot::write_plot;
use backlot_calibrate::{SolveOptions, generate_patches, solve, write_patches};

use std::path::Path;

use backlot_calibrate::patches::DEFAULT_COUNT;
use backlot_calibrate::{Transfer, read_patches};
use backlot_stage::{CalibrationPatches, MAX_CALIBRATION_PATCHES};

use crate::cli::{CalibrateCommand, PatchesArgs, SolveArgs};

/// Runs a calibration step; what to print on success, or the error to print.
pub fn run(command: &CalibrateCommand) -> Result<String, String> {
    match command {
        CalibrateCommand::Patches(args) => patches(args),
        CalibrateCommand::Solve(args) => solve_captures(args),
    }
}

/// `calibrate patches`: writes the patch set.
fn patches(args: &PatchesArgs) -> Result<String, String> {
    let set = generate_patches(args.count, args.transfer).map_err(|e| e.to_string())?;
    let path = write_patches(&args.out, &set).map_err(|e| e.to_string())?;
    Ok(format!(
        "wrote {} patches to {}; show each full-field and capture it as capture-<id>.exr \
         (or .png/.tiff) in one folder",
        set.len(),
        path.display()
    ))
}

/// `calibrate solve`: fits, then writes the LUT, the report and the plot.
fn solve_captures(args: &SolveArgs) -> Result<String, String> {
    let options = SolveOptions {
        transfer: args.transfer,
        capture_transfer: args.capture_transfer,
        lut_size: args.lut_size,
    };
    if !backlot_calibrate::lut::SIZES.contains(&args.lut_size) {
        return Err(format!("--lut-size {} is outside 2..129", args.lut_size));
    }
    let solution = solve(&args.patches, &args.captures, &options).map_err(|e| e.to_string())?;
    let title = format!(
        "backlot calibrate: {} patches, {} output",
        solution.report.patches,
        args.transfer.name()
    );
    solution
        .lut
        .write_cube(&args.out, &title)
        .map_err(|e| e.to_string())?;
    let mut text = solution.report.summary();
    text.push_str(&format!("\nwrote the LUT to {}", args.out.display()));
    if let Some(path) = &args.report {
        solution
            .report
            .write_json(path)
            .map_err(|e| e.to_string())?;
        text.push_str(&format!("\nwrote the report to {}", path.display()));
    }
    if let Some(path) = &args.plot {
        write_plot(&solution.report, path).map_err(|e| e.to_string())?;
        text.push_str(&format!("\nwrote the plot to {}", path.display()));
    }
    Ok(text)
}

/// The patches the outputs' `calibration` pattern shows, by id (`/stage/outputs/<name>/patch`
/// picks one): a `patches.csv` given with `--patches`, else the default set that
/// `calibrate patches` writes, so the live wall shows what the solve expects. Ids must be
/// the numbers `calibrate patches` gives (0, 1, 2…); ids not in the file show black.
pub fn stage_patches(csv: Option<&Path>) -> Result<CalibrationPatches, String> {
    let set = match csv {
        Some(path) => read_patches(path).map_err(|e| e.to_string())?,
        None => generate_patches(DEFAULT_COUNT, Transfer::Srgb).map_err(|e| e.to_string())?,
    };
    let mut signals = Vec::with_capacity(set.len());
    for patch in &set {
        let id = patch
            .id
            .parse::<usize>()
            .ok()
            .filter(|id| *id < MAX_CALIBRATION_PATCHES as usize)
            .ok_or_else(|| {
                format!(
                    "{}: patch id `{}`: the live calibration pattern needs ids 0..{}",
                    csv.map_or_else(|| "patches".into(), |p| p.display().to_string()),
                    patch.id,
                    MAX_CALIBRATION_PATCHES
                )
            })?;
        if signals.len() <= id {
            // Bounded by the id check above.
            signals.resize(id + 1, [0.0; 3]);
        }
        signals[id] = patch.signal.map(|v| v as f32);
    }
    Ok(CalibrationPatches(signals))
}

#[cfg(test)]
mod stage_patch_tests {
    use super::*;

    #[test]
    fn the_live_pattern_shows_the_default_set_by_id() {
        let patches = stage_patches(None).expect("the default set");
        let set = generate_patches(DEFAULT_COUNT, Transfer::Srgb).expect("default count");
        assert_eq!(patches.0.len(), set.len());
        for patch in &set {
            let id: usize = patch.id.parse().expect("numbered");
            assert_eq!(
                patches.0[id],
                patch.signal.map(|v| v as f32),
                "{}",
                patch.id
            );
        }
    }

    #[test]
    fn a_patch_file_with_names_for_ids_is_refused_naming_the_file() {
        let dir = std::env::temp_dir().join(format!("backlot-patches-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let csv = dir.join("patches.csv");
        std::fs::write(&csv, "id,r,g,b\nwhite,1,1,1\n").expect("write");
        let e = stage_patches(Some(&csv)).expect_err("names are not ids");
        assert!(e.contains("patches.csv") && e.contains("white"), "{e}");
        std::fs::write(&csv, "id,r,g,b\n0,0,0,0\n3,1,0.5,0\n").expect("write");
        let patches = stage_patches(Some(&csv)).expect("numbered ids");
        assert_eq!(
            patches.0,
            vec![[0.0; 3], [0.0; 3], [0.0; 3], [1.0, 0.5, 0.0]]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
