//! The solve's report: ΔE2000 before and after on the held-out patches, the colours the
//! wall cannot show, and the fitted model, as JSON and as a few lines for people.

use std::path::Path;

use serde::Serialize;

use crate::error::CalibrateError;

/// Mean and worst ΔE2000 over a set of patches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Patches counted.
    pub count: usize,
    /// Mean ΔE2000.
    pub mean: f64,
    /// Worst ΔE2000.
    pub worst: f64,
    /// The worst patch's id.
    pub worst_id: String,
}

impl Stats {
    /// Stats over `(id, ΔE)` pairs; `None` when there are none.
    pub fn of<'a>(values: impl IntoIterator<Item = (&'a str, f64)>) -> Option<Self> {
        let mut count = 0;
        let mut sum = 0.0;
        let mut worst: Option<(&str, f64)> = None;
        for (id, de) in values {
            count += 1;
            sum += de;
            if worst.is_none_or(|(_, w)| de > w) {
                worst = Some((id, de));
            }
        }
        let (worst_id, worst) = worst?;
        Some(Self {
            count,
            mean: sum / count as f64,
            worst,
            worst_id: worst_id.to_string(),
        })
    }
}

/// One held-out patch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchResult {
    /// Patch id.
    pub id: String,
    /// The signal shown (output encoding).
    pub signal: [f64; 3],
    /// The colour the signal means: linear Rec.709, 1 = white.
    pub intended: [f64; 3],
    /// What the camera recorded without the LUT (black subtracted, divided by white).
    pub before: [f64; 3],
    /// What the camera records through the LUT, as the fitted model predicts it.
    pub after: [f64; 3],
    /// ΔE2000 of `before` against `intended`.
    pub delta_e_before: f64,
    /// ΔE2000 of `after` against `intended`.
    pub delta_e_after: f64,
    /// Whether the wall can show the intended colour (if not, it is in `out_of_gamut` too
    /// and left out of the statistics).
    pub in_gamut: bool,
    /// Whether its capture had a channel floored at code 0 (then `before` is not what the
    /// camera saw, and the patch is left out of the statistics).
    pub floored: bool,
}

/// A patch whose intended colour the wall cannot show: the LUT clips it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutOfGamut {
    /// Patch id.
    pub id: String,
    /// The signal.
    pub signal: [f64; 3],
    /// Each channel's light the colour would need, 0..1 of its full output; outside 0..1 is
    /// what the wall cannot do.
    pub needs: [f64; 3],
    /// Whether the patch is held out.
    pub held_out: bool,
}

/// The LUT written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LutSummary {
    /// Entries per axis.
    pub size: usize,
    /// Nodes in all.
    pub nodes: usize,
    /// Nodes whose intended colour is outside the wall's gamut (clipped in the LUT).
    pub nodes_out_of_gamut: usize,
}

/// The fitted model, for the curious and for comparing calibrations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSummary {
    /// Each drive channel's power law.
    pub gamma: [f64; 3],
    /// Each curve's piecewise-linear part at 17 evenly spaced drives.
    pub curve_knots: [Vec<f64>; 3],
    /// Channel light → normalised record.
    pub matrix: [[f64; 3]; 3],
    /// RMS residual over the fitted patches, units of white.
    pub rms_residual: f64,
    /// The black patch's record (linear, capture units), subtracted from every record.
    pub black: [f64; 3],
    /// The white patch's record (linear, capture units), what records are divided by.
    pub white: [f64; 3],
}

/// What `calibrate solve` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The output's transfer the patch signals were decoded with.
    pub transfer: String,
    /// The transfer 8- and 16-bit captures were decoded with.
    pub capture_transfer: String,
    /// Patches in the set.
    pub patches: usize,
    /// Patches the model was fitted to.
    pub fitted: usize,
    /// Patches held out to judge it.
    pub held_out: usize,
    /// Held-out patches inside the gamut and not floored, without the LUT (as recorded).
    pub before: Stats,
    /// The same patches through the LUT (as the model predicts; the tests re-measure).
    pub after: Stats,
    /// Every held-out patch.
    pub held_out_patches: Vec<PatchResult>,
    /// Every patch (fitted or held out) whose colour the wall cannot show.
    pub out_of_gamut: Vec<OutOfGamut>,
    /// Patches whose integer capture had a channel floored at code 0 (a record below what
    /// the file holds): left out of the fit and of the statistics.
    pub floored: Vec<String>,
    /// The LUT.
    pub lut: LutSummary,
    /// The model.
    pub model: ModelSummary,
}

impl Report {
    /// Pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain structs of numbers and strings cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Writes the JSON report.
    pub fn write_json(&self, path: &Path) -> Result<(), CalibrateError> {
        std::fs::write(path, self.to_json() + "\n")
            .map_err(|e| CalibrateError::file(path, format!("cannot write the report: {e}")))
    }

    /// A few lines for the terminal.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "fitted {} patches, judged on {} held out ({} in gamut and recorded whole)\n\
             ΔE2000 before: mean {:.2}, worst {:.2} (patch {})\n\
             ΔE2000 after:  mean {:.2}, worst {:.2} (patch {})\n",
            self.fitted,
            self.held_out,
            self.before.count,
            self.before.mean,
            self.before.worst,
            self.before.worst_id,
            self.after.mean,
            self.after.worst,
            self.after.worst_id,
        );
        if self.out_of_gamut.is_empty() {
            text.push_str("every patch is inside the wall's gamut\n");
        } else {
            let ids: Vec<&str> = self.out_of_gamut.iter().map(|o| o.id.as_str()).collect();
            text.push_str(&format!(
                "outside the wall's gamut (clipped in the LUT): {} patch(es): {}\n",
                ids.len(),
                ids.join(", ")
            ));
        }
        if !self.floored.is_empty() {
            text.push_str(&format!(
                "left out, a channel floored at 0 in an 8/16-bit capture (EXR keeps those): \
                 {} patch(es)\n",
                self.floored.len()
            ));
        }
        text.push_str(&format!(
            "LUT {}³: {} of {} nodes outside the gamut",
            self.lut.size, self.lut.nodes_out_of_gamut, self.lut.nodes
        ));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_find_the_mean_and_the_worst() {
        let s = Stats::of([("a", 1.0), ("b", 3.0), ("c", 2.0)]).expect("three");
        assert_eq!(
            (s.count, s.mean, s.worst, s.worst_id.as_str()),
            (3, 2.0, 3.0, "b")
        );
        assert!(Stats::of(std::iter::empty()).is_none());
    }
}
