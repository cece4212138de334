//! The wall + camera response and its inverse.
//!
//! Model: the camera's record of drive signal `s`, black subtracted and divided by the white
//! patch's record per channel, is `N · f(s)`, where `f` applies one monotone response curve
//! per channel (the processor's EOTF and the LEDs' light output; `f(0) = 0`, `f(1) = 1`) and
//! `N` is a 3×3 matrix (how the LED primaries mix into the camera's RGB through its spectral
//! response, white balance and colour matrix) whose rows sum to 1, so white records as white.
//!
//! Each curve is a power law times a monotone piecewise-linear correction:
//! `f(s) = h(s)^γ`, `h` through 17 evenly spaced knots with `h(0) = 0`, `h(1) = 1`. The power
//! carries the steep dark end that knots alone would miss; `h` takes up whatever a power law
//! does not (a toe, a knee), and is the identity when the EOTF is a pure power.
//!
//! Fit: curves from the grey ramp first (equal drive, so each channel's record is its own
//! curve when the channels share one), then alternating least squares: `N` with the curves
//! held, then the curves from `N⁻¹ · record` with `N` held, fifteen rounds.

use serde::Serialize;

use crate::error::CalibrateError;
use crate::matrix::{self, Mat3};

/// Knots of each curve's piecewise-linear part.
pub const KNOTS: usize = 17;
/// How far outside 0..1 of a channel's light an intended colour may need before it counts as
/// outside the wall's gamut (noise in the fit, not a colour the wall cannot show).
pub const GAMUT_TOLERANCE: f64 = 0.005;
/// Alternating least-squares rounds (converged well before on walls and in the tests).
const ROUNDS: usize = 15;
/// The power law's range; a fit outside it is clamped.
const GAMMA_RANGE: (f64, f64) = (0.5, 4.0);
/// Power assumed where the data says nothing (the grey ramp decides, normally).
const FALLBACK_GAMMA: f64 = 2.2;

/// One channel's response: drive signal 0..1 → light 0..1 of that channel's full output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseCurve {
    /// The power law.
    pub gamma: f64,
    /// `h` at drive `k / (KNOTS - 1)`: strictly increasing from 0 to 1.
    pub knots: Vec<f64>,
}

impl ResponseCurve {
    /// A pure power law.
    pub fn power(gamma: f64) -> Self {
        Self {
            gamma,
            knots: (0..KNOTS).map(|k| k as f64 / (KNOTS - 1) as f64).collect(),
        }
    }

    /// Light for drive `s` (clamped to 0..1).
    pub fn eval(&self, s: f64) -> f64 {
        let last = (self.knots.len() - 1) as f64;
        let pos = s.clamp(0.0, 1.0) * last;
        let i = (pos.floor() as usize).min(self.knots.len() - 2);
        let t = pos - i as f64;
        let h = self.knots[i] + (self.knots[i + 1] - self.knots[i]) * t;
        h.max(0.0).powf(self.gamma)
    }

    /// The drive that gives light `z` (clamped to 0..1).
    pub fn inverse(&self, z: f64) -> f64 {
        if z.is_nan() || z <= 0.0 {
            return 0.0;
        }
        if z >= 1.0 {
            return 1.0;
        }
        let u = z.powf(1.0 / self.gamma);
        // First knot at or above u; knots are strictly increasing from 0 to 1.
        let above = self
            .knots
            .partition_point(|&h| h < u)
            .clamp(1, self.knots.len() - 1);
        let (h0, h1) = (self.knots[above - 1], self.knots[above]);
        let t = if h1 > h0 { (u - h0) / (h1 - h0) } else { 0.0 };
        ((above - 1) as f64 + t.clamp(0.0, 1.0)) / (self.knots.len() - 1) as f64
    }

    /// Fits a curve to samples (drive, light): the power by least squares in log-log over
    /// mid-tones, then `h` by weighted least squares on the knots' hat functions in the
    /// power's domain (weights turn errors there back into errors in light, so the noisy dark
    /// end does not dominate), a small pull toward the identity for knots without data, and
    /// monotonicity by pooling adjacent violators.
    fn fit(drive: &[f64], light: &[f64], previous_gamma: f64) -> Self {
        let gamma = power_fit(drive, light).unwrap_or(previous_gamma);
        let k = KNOTS;
        let last = (k - 1) as f64;
        let mut ata = vec![vec![0.0; k]; k];
        let mut atb = vec![0.0; k];
        for (&s, &z) in drive.iter().zip(light) {
            let u = z.max(1e-9).powf(1.0 / gamma);
            let w = (gamma * u.max(1e-3).powf(gamma - 1.0)).powi(2);
            let pos = s.clamp(0.0, 1.0) * last;
            let i = (pos.floor() as usize).min(k - 2);
            let t = pos - i as f64;
            let (wa, wb) = (1.0 - t, t);
            ata[i][i] += w * wa * wa;
            ata[i + 1][i + 1] += w * wb * wb;
            ata[i][i + 1] += w * wa * wb;
            ata[i + 1][i] += w * wa * wb;
            atb[i] += w * wa * u;
            atb[i + 1] += w * wb * u;
        }
        let trace: f64 = (0..k).map(|i| ata[i][i]).sum();
        let ridge = (1e-3 * trace / k as f64).max(1e-9);
        let mut weights = vec![0.0; k];
        for (i, row) in ata.iter_mut().enumerate() {
            row[i] += ridge;
            atb[i] += ridge * i as f64 / last;
            weights[i] = row[i];
        }
        let Some(h) = matrix::solve(ata, atb) else {
            return Self::power(gamma);
        };
        let mut h = pool_adjacent_violators(&h, &weights);
        h[0] = 0.0;
        let top = h[k - 1];
        if !top.is_finite() || top <= 0.0 {
            return Self::power(gamma);
        }
        for i in 1..k {
            h[i] = (h[i] / top).max(h[i - 1] + 1e-6);
        }
        let top = h[k - 1];
        for v in &mut h {
            *v /= top;
        }
        h[k - 1] = 1.0;
        Self { gamma, knots: h }
    }
}

/// The power law through the origin in log-log, over samples with drive 0.1..1 and light
/// above 0.5 % (where noise and any toe weigh little); `None` with too few.
fn power_fit(drive: &[f64], light: &[f64]) -> Option<f64> {
    let (mut num, mut den, mut count) = (0.0, 0.0, 0);
    for (&s, &z) in drive.iter().zip(light) {
        if (0.1..0.999).contains(&s) && z > 0.005 && z.is_finite() {
            let ls = s.ln();
            num += z.ln() * ls;
            den += ls * ls;
            count += 1;
        }
    }
    let gamma = num / den;
    if count < 3 || !gamma.is_finite() {
        return None;
    }
    Some(gamma.clamp(GAMMA_RANGE.0, GAMMA_RANGE.1))
}

/// Weighted isotonic (non-decreasing) regression.
fn pool_adjacent_violators(values: &[f64], weights: &[f64]) -> Vec<f64> {
    // (mean, weight, count) blocks.
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(values.len());
    for (&v, &w) in values.iter().zip(weights) {
        blocks.push((v, w.max(1e-12), 1));
        while blocks.len() > 1 && blocks[blocks.len() - 2].0 > blocks[blocks.len() - 1].0 {
            let (v2, w2, n2) = blocks.pop().unwrap_or((0.0, 0.0, 0));
            let (v1, w1, n1) = blocks.pop().unwrap_or((0.0, 0.0, 0));
            blocks.push(((v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, n1 + n2));
        }
    }
    blocks
        .into_iter()
        .flat_map(|(v, _, n)| std::iter::repeat_n(v, n))
        .collect()
}

/// What the wall must be driven with to make the camera record an intended colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drive {
    /// Drive signal per channel, 0..1 (clipped when out of gamut).
    pub signal: [f64; 3],
    /// Each channel's light the colour needs, 0..1 of full output when the wall can show it.
    pub light: [f64; 3],
    /// Whether every channel's light is within 0..1 (within [`GAMUT_TOLERANCE`]).
    pub in_gamut: bool,
}

/// The fitted response of wall and camera (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseModel {
    /// One curve per drive channel.
    pub curves: [ResponseCurve; 3],
    /// Channel light → normalised camera record; rows sum to 1.
    pub matrix: Mat3,
    /// `matrix`'s inverse.
    pub inverse: Mat3,
    /// Root-mean-square residual of the fitted patches, in units of white.
    pub rms_residual: f64,
}

impl ResponseModel {
    /// Fits the model to (drive signal, normalised record) pairs: black's record is 0, white's
    /// 1 in every channel. Needs at least three grey levels strictly between black and white.
    pub fn fit(samples: &[([f64; 3], [f64; 3])]) -> Result<Self, CalibrateError> {
        let greys: Vec<&([f64; 3], [f64; 3])> = samples
            .iter()
            .filter(|(s, _)| s[0] == s[1] && s[1] == s[2] && s[0] > 0.0 && s[0] < 1.0)
            .collect();
        if greys.len() < 3 {
            return Err(CalibrateError::other(format!(
                "too few usable patches: {} grey levels between black and white are fitted, \
                 at least 3 are needed",
                greys.len()
            )));
        }
        let mut curves: [ResponseCurve; 3] = std::array::from_fn(|c| {
            let drive: Vec<f64> = greys.iter().map(|(s, _)| s[c]).collect();
            let light: Vec<f64> = greys.iter().map(|(_, y)| y[c]).collect();
            ResponseCurve::power(power_fit(&drive, &light).unwrap_or(FALLBACK_GAMMA))
        });
        let drives: [Vec<f64>; 3] =
            std::array::from_fn(|c| samples.iter().map(|(s, _)| s[c]).collect());
        for _ in 0..ROUNDS {
            let (_, inverse) = fit_matrix(&curves, samples)?;
            let lights: Vec<[f64; 3]> = samples
                .iter()
                .map(|(_, y)| matrix::mul_vec(&inverse, *y))
                .collect();
            curves = std::array::from_fn(|c| {
                let light: Vec<f64> = lights.iter().map(|l| l[c]).collect();
                ResponseCurve::fit(&drives[c], &light, curves[c].gamma)
            });
        }
        let (matrix, inverse) = fit_matrix(&curves, samples)?;
        let mut model = Self {
            curves,
            matrix,
            inverse,
            rms_residual: 0.0,
        };
        let sum: f64 = samples
            .iter()
            .map(|(s, y)| {
                let p = model.predict(*s);
                (0..3).map(|c| (p[c] - y[c]).powi(2)).sum::<f64>()
            })
            .sum();
        model.rms_residual = (sum / (3 * samples.len()).max(1) as f64).sqrt();
        Ok(model)
    }

    /// The normalised camera record the model predicts for drive signal `drive`.
    pub fn predict(&self, drive: [f64; 3]) -> [f64; 3] {
        let light = [0, 1, 2].map(|c| self.curves[c].eval(drive[c]));
        matrix::mul_vec(&self.matrix, light)
    }

    /// The drive that makes the camera record `intended` (linear, normalised like records).
    pub fn drive_for(&self, intended: [f64; 3]) -> Drive {
        let light = matrix::mul_vec(&self.inverse, intended);
        let in_gamut = light
            .iter()
            .all(|&l| (-GAMUT_TOLERANCE..=1.0 + GAMUT_TOLERANCE).contains(&l));
        let signal = [0, 1, 2].map(|c| self.curves[c].inverse(light[c]));
        Drive {
            signal,
            light,
            in_gamut,
        }
    }

    /// Each curve's power law.
    pub fn gammas(&self) -> [f64; 3] {
        [0, 1, 2].map(|c| self.curves[c].gamma)
    }
}

/// `N` by least squares with the curves held, each row constrained to sum to 1 (white stays
/// white): row `c` solves `y_c − F₂ = n₀ (F₀ − F₂) + n₁ (F₁ − F₂)`, `n₂ = 1 − n₀ − n₁`.
fn fit_matrix(
    curves: &[ResponseCurve; 3],
    samples: &[([f64; 3], [f64; 3])],
) -> Result<(Mat3, Mat3), CalibrateError> {
    let lights: Vec<[f64; 3]> = samples
        .iter()
        .map(|(s, _)| [0, 1, 2].map(|c| curves[c].eval(s[c])))
        .collect();
    let mut n = [[0.0; 3]; 3];
    for (c, row) in n.iter_mut().enumerate() {
        let (mut a00, mut a01, mut a11, mut b0, mut b1) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (f, (_, y)) in lights.iter().zip(samples) {
            let (x0, x1, t) = (f[0] - f[2], f[1] - f[2], y[c] - f[2]);
            a00 += x0 * x0;
            a01 += x0 * x1;
            a11 += x1 * x1;
            b0 += x0 * t;
            b1 += x1 * t;
        }
        let solved = matrix::solve(vec![vec![a00, a01], vec![a01, a11]], vec![b0, b1]);
        let Some([n0, n1]) = solved.and_then(|v| <[f64; 2]>::try_from(v).ok()) else {
            return Err(separation_error());
        };
        *row = [n0, n1, 1.0 - n0 - n1];
    }
    let inverse = matrix::inverse(&n).ok_or_else(separation_error)?;
    Ok((n, inverse))
}

fn separation_error() -> CalibrateError {
    CalibrateError::other(
        "too few usable patches: the fitted patches do not tell the channels apart \
         (the set needs the primaries, their ramps and mixed colours)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples of a known model over a grid of drives.
    fn samples(matrix: Mat3, gammas: [f64; 3]) -> Vec<([f64; 3], [f64; 3])> {
        let mut out = Vec::new();
        let levels: [f64; 7] = [0.0, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0];
        for &r in &levels {
            for &g in &levels {
                for &b in &levels {
                    let s = [r, g, b];
                    let light = [0, 1, 2].map(|c| s[c].powf(gammas[c]));
                    out.push((s, matrix::mul_vec(&matrix, light)));
                }
            }
        }
        out
    }

    #[test]
    fn curves_invert() {
        let curve = ResponseCurve {
            gamma: 2.4,
            knots: (0..KNOTS)
                .map(|k| (k as f64 / (KNOTS - 1) as f64).powf(0.9))
                .collect(),
        };
        for i in 0..=200 {
            let s = f64::from(i) / 200.0;
            let back = curve.inverse(curve.eval(s));
            assert!((back - s).abs() < 1e-9, "{s} → {back}");
        }
        assert_eq!(curve.inverse(-0.2), 0.0);
        assert_eq!(curve.inverse(1.3), 1.0);
        assert_eq!(curve.inverse(f64::NAN), 0.0);
    }

    #[test]
    fn recovers_a_known_model_exactly() {
        let n = [
            [1.16, -0.1, -0.06],
            [-0.07, 1.1, -0.03],
            [-0.01, -0.13, 1.14],
        ];
        let model = ResponseModel::fit(&samples(n, [2.6, 2.5, 2.7])).expect("fits");
        for (got, want) in model.matrix.iter().flatten().zip(n.iter().flatten()) {
            assert!((got - want).abs() < 2e-3, "{:?}", model.matrix);
        }
        for (g, want) in model.gammas().iter().zip([2.6, 2.5, 2.7]) {
            assert!((g - want).abs() < 0.02, "{:?}", model.gammas());
        }
        assert!(model.rms_residual < 1e-3, "{}", model.rms_residual);
        // The drive for a colour reproduces it.
        let intended = [0.4, 0.2, 0.1];
        let drive = model.drive_for(intended);
        assert!(drive.in_gamut);
        let back = model.predict(drive.signal);
        for c in 0..3 {
            assert!((back[c] - intended[c]).abs() < 1e-3, "{back:?}");
        }
    }

    #[test]
    fn colours_the_wall_cannot_show_are_flagged() {
        // Crosstalk-heavy LEDs: pure primaries are beyond them.
        let n = [[0.8, 0.15, 0.05], [0.1, 0.8, 0.1], [0.05, 0.15, 0.8]];
        let model = ResponseModel::fit(&samples(n, [2.2; 3])).expect("fits");
        let red = model.drive_for([1.0, 0.0, 0.0]);
        assert!(!red.in_gamut, "{red:?}");
        assert!(red.signal.iter().all(|v| (0.0..=1.0).contains(v)));
        assert!(model.drive_for([0.5, 0.5, 0.5]).in_gamut);
    }

    #[test]
    fn too_few_greys_or_no_separation_is_an_error() {
        let few = vec![
            ([0.0; 3], [0.0; 3]),
            ([1.0; 3], [1.0; 3]),
            ([0.5; 3], [0.2; 3]),
        ];
        let err = ResponseModel::fit(&few).expect_err("refused");
        assert!(err.message.contains("grey levels"), "{err}");
        let greys_only: Vec<_> = (0..8)
            .map(|i| {
                let v = f64::from(i) / 7.0;
                ([v; 3], [v.powf(2.2); 3])
            })
            .collect();
        let err = ResponseModel::fit(&greys_only).expect_err("refused");
        assert!(err.message.contains("tell the channels apart"), "{err}");
    }

    #[test]
    fn pooling_makes_values_monotone() {
        let out = pool_adjacent_violators(&[0.0, 0.3, 0.2, 0.5, 0.4, 0.4], &[1.0; 6]);
        assert!(out.windows(2).all(|w| w[0] <= w[1]), "{out:?}");
        assert!((out[1] - 0.25).abs() < 1e-12);
    }
}
