//! `backlot calibrate`: the command-line face of `backlot_calibrate` (docs/calibration.md).

use backlot_calibrate::plot::write_plot;
use backlot_calibrate::{SolveOptions, generate_patches, solve, write_patches};

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
