//! Beat tracking on the onset-strength envelope.

use std::collections::VecDeque;

/// Tempo range searched.
const MIN_BPM: f64 = 60.0;
const MAX_BPM: f64 = 190.0;
/// Seconds of envelope used.
const WINDOW_S: f64 = 8.0;

/// Tempo by autocorrelation of the onset envelope (sub-hop by parabolic interpolation,
/// reinforced by the second and third multiples), beat phase by comb alignment.
#[derive(Debug, Clone)]
pub struct BeatTracker {
    hops_per_s: f64,
    env: VecDeque<f32>,
    times: VecDeque<f64>,
    since_update: usize,
    bpm: Option<f64>,
    /// Time of a beat, for the phase.
    anchor: Option<f64>,
}

impl BeatTracker {
    /// For an envelope sampled `hops_per_s` times a second.
    pub fn new(hops_per_s: f64) -> Self {
        Self {
            hops_per_s,
            env: VecDeque::new(),
            times: VecDeque::new(),
            since_update: 0,
            bpm: None,
            anchor: None,
        }
    }

    /// Adds one envelope value at stream time `t`.
    pub fn push(&mut self, value: f32, t: f64) {
        self.env.push_back(value);
        self.times.push_back(t);
        let keep = (WINDOW_S * self.hops_per_s) as usize;
        while self.env.len() > keep {
            self.env.pop_front();
            self.times.pop_front();
        }
        self.since_update += 1;
        // Re-estimate four times a second: cheap enough, responsive enough.
        if self.since_update as f64 >= self.hops_per_s / 4.0
            && self.env.len() as f64 > 2.5 * self.hops_per_s
        {
            self.since_update = 0;
            self.estimate();
        }
    }

    fn estimate(&mut self) {
        let env: Vec<f64> = {
            let mean = self.env.iter().map(|v| f64::from(*v)).sum::<f64>() / self.env.len() as f64;
            self.env.iter().map(|v| f64::from(*v) - mean).collect()
        };
        let n = env.len();
        let lag_min = (60.0 / MAX_BPM * self.hops_per_s).floor() as usize;
        let lag_max = ((60.0 / MIN_BPM * self.hops_per_s).ceil() as usize).min(n / 3);
        if lag_max <= lag_min + 2 {
            return;
        }
        let ac = |lag: usize| -> f64 {
            if lag >= n {
                return 0.0;
            }
            env[lag..].iter().zip(&env).map(|(a, b)| a * b).sum::<f64>() / (n - lag) as f64
        };
        let score = |lag: usize| ac(lag) + 0.5 * ac(2 * lag) + 0.25 * ac(3 * lag);
        let scores: Vec<f64> = (lag_min..=lag_max).map(score).collect();
        let Some((best, _)) = scores
            .iter()
            .enumerate()
            .skip(1)
            .take(scores.len().saturating_sub(2))
            .max_by(|a, b| a.1.total_cmp(b.1))
        else {
            return;
        };
        if scores[best] <= 0.0 {
            return;
        }
        // Parabolic interpolation around the peak.
        let (a, b, c) = (scores[best - 1], scores[best], scores[best + 1]);
        let denom = a - 2.0 * b + c;
        let offset = if denom.abs() > 1e-12 {
            0.5 * (a - c) / denom
        } else {
            0.0
        };
        let lag = (lag_min + best) as f64 + offset.clamp(-0.5, 0.5);
        let bpm = 60.0 * self.hops_per_s / lag;
        self.bpm = Some(bpm);
        // Phase: the offset whose comb over the window collects the most onset strength.
        let period = lag;
        let steps = period.ceil() as usize;
        let last = n - 1;
        let mut best_phase = (0usize, f64::MIN);
        for phase in 0..steps {
            let mut sum = 0.0;
            let mut k = 0.0;
            while let Some(i) = last.checked_sub(phase + (k * period).round() as usize) {
                sum += env[i];
                k += 1.0;
            }
            if sum > best_phase.1 {
                best_phase = (phase, sum);
            }
        }
        self.anchor = self.times.get(last - best_phase.0).copied();
    }

    /// Tempo, when known.
    pub fn bpm(&self) -> Option<f32> {
        self.bpm.map(|b| b as f32)
    }

    /// Beat phase at `t`: 0 on a beat, rising to 1.
    pub fn phase(&self, t: f64) -> f32 {
        match (self.bpm, self.anchor) {
            (Some(bpm), Some(anchor)) => (((t - anchor) * bpm / 60.0).rem_euclid(1.0)) as f32,
            _ => 0.0,
        }
    }
}
