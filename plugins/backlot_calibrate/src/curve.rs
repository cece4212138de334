//! One channel's response curve: drive signal 0..1 → light 0..1 of that channel's full output.
//!
//! A power law times a monotone piecewise-linear correction: `f(s) = h(s)^γ`, `h` through 17
//! evenly spaced knots with `h(0) = 0`, `h(1) = 1`. The power carries the steep dark end that
//! knots alone would miss; `h` takes up whatever a power law does not (a toe, a knee), and is
//! the identity when the EOTF is a pure power.

use serde::Serialize;

use crate::matrix;

/// Knots of each curve's piecewise-linear part.
pub const KNOTS: usize = 17;
/// The power law's range; a fit outside it is clamped.
const GAMMA_RANGE: (f64, f64) = (0.5, 4.0);

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
    pub(crate) fn fit(drive: &[f64], light: &[f64], previous_gamma: f64) -> Self {
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
pub(crate) fn power_fit(drive: &[f64], light: &[f64]) -> Option<f64> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn pooling_makes_values_monotone() {
        let out = pool_adjacent_violators(&[0.0, 0.3, 0.2, 0.5, 0.4, 0.4], &[1.0; 6]);
        assert!(out.windows(2).all(|w| w[0] <= w[1]), "{out:?}");
        assert!((out[1] - 0.25).abs() < 1e-12);
    }
}
