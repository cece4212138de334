//! Patches + captures → the wall's response → the output LUT and the report.
//!
//! Records are normalised per channel: black's record subtracted, then divided by white's
//! (so white records as 1, 1, 1: the camera is taken as white-balanced on the wall's white,
//! and exposure drops out). A patch's intended colour is its signal decoded with the output's
//! transfer, as linear Rec.709. The LUT maps each intended signal to the drive signal whose
//! record equals that colour; colours the wall cannot show are clipped per channel and
//! reported, never folded into the gamut quietly.

use std::path::Path;

use crate::captures::{CaptureFrame, read_captures};
use crate::delta_e::delta_e_linear;
use crate::error::CalibrateError;
use crate::lut::{DEFAULT_SIZE, Lut3d};
use crate::model::ResponseModel;
use crate::patches::{Patch, held_out, read_patches};
use crate::report::{LutSummary, ModelSummary, OutOfGamut, PatchResult, Report, Stats};
use crate::transfer::Transfer;

/// Fewest patches the model is fitted to.
pub const MIN_FITTED: usize = 24;
/// Fewest held-out patches inside the wall's gamut: the report's figures rest on them.
pub const MIN_HELD_OUT: usize = 3;
/// A normalised record outside this range is not a capture of this wall at this exposure.
const RECORD_RANGE: (f64, f64) = (-0.5, 1.5);
/// An integer capture of white below this share of full scale is too dark to measure.
const MIN_WHITE_LEVEL: f64 = 0.02;

/// How to solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolveOptions {
    /// The output's transfer (the stage file's `transfer`): how patch signals are decoded.
    pub transfer: Transfer,
    /// How 8- and 16-bit captures are encoded (EXR is always linear).
    pub capture_transfer: Transfer,
    /// LUT entries per axis.
    pub lut_size: usize,
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self {
            transfer: Transfer::Srgb,
            capture_transfer: Transfer::Srgb,
            lut_size: DEFAULT_SIZE,
        }
    }
}

/// What a solve produced.
#[derive(Debug, Clone)]
pub struct Solution {
    /// The fitted response.
    pub model: ResponseModel,
    /// The output LUT.
    pub lut: Lut3d,
    /// The report.
    pub report: Report,
}

/// Reads `patches_csv` and the captures in `captures`, and solves.
pub fn solve(
    patches_csv: &Path,
    captures: &Path,
    options: &SolveOptions,
) -> Result<Solution, CalibrateError> {
    let patches = read_patches(patches_csv)?;
    check_patch_set(&patches, patches_csv)?;
    let frames = read_captures(captures, &patches, options.capture_transfer)?;
    solve_records(&patches, &frames, patches_csv, options)
}

/// Refuses a patch set that cannot calibrate anything, before any capture is read.
pub fn check_patch_set(patches: &[Patch], csv: &Path) -> Result<(), CalibrateError> {
    if !patches.iter().any(Patch::is_black) {
        return Err(CalibrateError::file(csv, "no black patch (0, 0, 0)"));
    }
    if !patches.iter().any(Patch::is_white) {
        return Err(CalibrateError::file(csv, "no white patch (1, 1, 1)"));
    }
    let held = held_out(patches);
    let held_count = held.iter().filter(|&&h| h).count();
    let fitted = patches.len() - held_count;
    if fitted < MIN_FITTED || held_count < MIN_HELD_OUT {
        return Err(CalibrateError::file(
            csv,
            format!(
                "too few usable patches: {fitted} to fit (at least {MIN_FITTED}) and \
                 {held_count} held out (at least {MIN_HELD_OUT}); `backlot calibrate patches` \
                 writes a set that has enough"
            ),
        ));
    }
    Ok(())
}

/// Solves from captures already read (`frames[i]` is `patches[i]`'s); `csv` names the patch
/// file in errors.
pub fn solve_records(
    patches: &[Patch],
    frames: &[CaptureFrame],
    csv: &Path,
    options: &SolveOptions,
) -> Result<Solution, CalibrateError> {
    check_patch_set(patches, csv)?;
    if frames.len() != patches.len() {
        return Err(CalibrateError::other(format!(
            "{} captures for {} patches",
            frames.len(),
            patches.len()
        )));
    }
    let find = |want: fn(&Patch) -> bool| patches.iter().position(want).unwrap_or(0);
    let (black_at, white_at) = (find(Patch::is_black), find(Patch::is_white));
    let (black, white) = (&frames[black_at], &frames[white_at]);
    // White first: its clipping is the likely one, and the one to name.
    for frame in std::iter::once(white).chain(frames) {
        if let Some(message) = frame.clip_message() {
            return Err(CalibrateError::file(&frame.path, message));
        }
    }
    if white.integer && white.mean.iter().all(|&v| v < MIN_WHITE_LEVEL) {
        return Err(CalibrateError::file(
            &white.path,
            format!(
                "the white patch is under {:.0} % of full scale: too dark to measure; raise \
                 the exposure",
                MIN_WHITE_LEVEL * 100.0
            ),
        ));
    }
    let span = [0, 1, 2].map(|c| white.mean[c] - black.mean[c]);
    let peak = span.iter().copied().fold(0.0, f64::max);
    let dim = |v: f64| v.is_nan() || v <= 0.01 * peak || v <= 1e-6;
    if let Some(c) = (0..3).find(|&c| dim(span[c])) {
        return Err(CalibrateError::file(
            &white.path,
            format!(
                "the white patch is no brighter than the black one in {} ({:.5} against \
                 {:.5}): wrong file, or the wall was off?",
                ["red", "green", "blue"][c],
                white.mean[c],
                black.mean[c]
            ),
        ));
    }
    let records: Vec<[f64; 3]> = frames
        .iter()
        .map(|f| [0, 1, 2].map(|c| (f.mean[c] - black.mean[c]) / span[c]))
        .collect();
    for (frame, record) in frames.iter().zip(&records) {
        let (lo, hi) = RECORD_RANGE;
        if record.iter().any(|v| !(lo..=hi).contains(v)) {
            return Err(CalibrateError::file(
                &frame.path,
                format!(
                    "out of range: records {:.3}, {:.3}, {:.3} of white (black subtracted); \
                     far brighter than white or darker than black: was the exposure or the \
                     wall changed between captures?",
                    record[0], record[1], record[2]
                ),
            ));
        }
    }

    let held = held_out(patches);
    // Black and white are the reference: kept even when floored (a camera with no pedestal).
    let floored: Vec<bool> = patches
        .iter()
        .zip(frames)
        .map(|(p, f)| f.floored.is_some() && !p.is_black() && !p.is_white())
        .collect();
    let samples: Vec<([f64; 3], [f64; 3])> = patches
        .iter()
        .zip(&records)
        .zip(held.iter().zip(&floored))
        .filter(|(_, (h, f))| !**h && !**f)
        .map(|((p, r), _)| (p.signal, *r))
        .collect();
    if samples.len() < MIN_FITTED {
        let count = floored.iter().filter(|&&f| f).count();
        return Err(CalibrateError::file(
            csv,
            format!(
                "too few usable patches: {} to fit (at least {MIN_FITTED}); {count} captures \
                 have a channel floored at 0, which 8/16-bit files cannot hold below: capture \
                 EXR (linear) instead",
                samples.len()
            ),
        ));
    }
    let model = ResponseModel::fit(&samples).map_err(|e| CalibrateError::file(csv, e.message))?;

    let transfer = options.transfer;
    let mut nodes_out = 0usize;
    let lut = Lut3d::from_fn(options.lut_size, |signal| {
        let drive = model.drive_for(transfer.decode_rgb(signal));
        nodes_out += usize::from(!drive.in_gamut);
        drive.signal
    });

    let mut out_of_gamut = Vec::new();
    let mut results = Vec::new();
    let rows = patches.iter().zip(&records).zip(held.iter().zip(&floored));
    for ((patch, record), (&is_held, &is_floored)) in rows {
        let intended = transfer.decode_rgb(patch.signal);
        let drive = model.drive_for(intended);
        if !drive.in_gamut {
            out_of_gamut.push(OutOfGamut {
                id: patch.id.clone(),
                signal: patch.signal,
                needs: drive.light,
                held_out: is_held,
            });
        }
        if is_held {
            let after = model.predict(lut.apply(patch.signal));
            results.push(PatchResult {
                id: patch.id.clone(),
                signal: patch.signal,
                intended,
                before: *record,
                after,
                delta_e_before: delta_e_linear(intended, *record),
                delta_e_after: delta_e_linear(intended, after),
                in_gamut: drive.in_gamut,
                floored: is_floored,
            });
        }
    }
    let usable = || results.iter().filter(|r| r.in_gamut && !r.floored);
    let stats =
        |pick: fn(&PatchResult) -> f64| Stats::of(usable().map(|r| (r.id.as_str(), pick(r))));
    let (Some(before), Some(after)) = (stats(|r| r.delta_e_before), stats(|r| r.delta_e_after))
    else {
        return Err(CalibrateError::file(
            csv,
            "too few usable patches: no held-out patch is inside the wall's gamut and \
             recorded whole",
        ));
    };
    if before.count < MIN_HELD_OUT {
        return Err(CalibrateError::file(
            csv,
            format!(
                "too few usable patches: {} held-out patches inside the wall's gamut and \
                 recorded whole, at least {MIN_HELD_OUT} are needed",
                before.count
            ),
        ));
    }
    // Never a LUT that quietly makes things worse.
    if after.mean > before.mean {
        return Err(CalibrateError::other(format!(
            "the fit does not improve the held-out patches (ΔE2000 mean {:.2} through the LUT \
             against {:.2} without): the captures disagree with each other (exposure, white \
             balance or the wall changed?), so no LUT is written",
            after.mean, before.mean
        )));
    }

    let report = Report {
        transfer: transfer.name().to_string(),
        capture_transfer: options.capture_transfer.name().to_string(),
        patches: patches.len(),
        fitted: samples.len(),
        held_out: results.len(),
        before,
        after,
        held_out_patches: results,
        out_of_gamut,
        floored: patches
            .iter()
            .zip(&floored)
            .filter(|(_, f)| **f)
            .map(|(p, _)| p.id.clone())
            .collect(),
        lut: LutSummary {
            size: lut.size,
            nodes: lut.data.len(),
            nodes_out_of_gamut: nodes_out,
        },
        model: ModelSummary {
            gamma: model.gammas(),
            curve_knots: [0, 1, 2].map(|c| model.curves[c].knots.clone()),
            matrix: model.matrix,
            rms_residual: model.rms_residual,
            black: black.mean,
            white: white.mean,
        },
    };
    Ok(Solution { model, lut, report })
}
