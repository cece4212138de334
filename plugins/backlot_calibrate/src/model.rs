//! The wall + camera response and its inverse.
//!
//! Model: the camera's record of drive signal `s`, black subtracted and divided by the white
//! patch's record per channel, is `N · f(s)`, where `f` applies one monotone response curve
//! per channel (the processor's EOTF and the LEDs' light output; `f(0) = 0`, `f(1) = 1`) and
//! `N` is a 3×3 matrix (how the LED primaries mix into the camera's RGB through its spectral
//! response, white balance and colour matrix) whose rows sum to 1, so white records as white.
//!
//! Each curve is a [`ResponseCurve`]: a power law times a monotone piecewise-linear
//! correction.
//!
//! Fit: curves from the grey ramp first (equal drive, so each channel's record is its own
//! curve when the channels share one), then alternating least squares: `N` with the curves
//! held, then the curves from `N⁻¹ · record` with `N` held, fifteen rounds.

use crate::curve::{ResponseCurve, power_fit};
use crate::error::CalibrateError;
use crate::matrix::{self, Mat3};

/// How far outside 0..1 of a channel's light an intended colour may need before it counts as
/// outside the wall's gamut (noise in the fit, not a colour the wall cannot show).
pub const GAMUT_TOLERANCE: f64 = 0.005;
/// Alternating least-squares rounds (converged well before on walls and in the tests).
const ROUNDS: usize = 15;
/// Power assumed where the data says nothing (the grey ramp decides, normally).
const FALLBACK_GAMMA: f64 = 2.2;

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
}
