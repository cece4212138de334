//! Recent samples of one camera, for delay compensation, and its arrival statistics.

use std::collections::VecDeque;

use crate::pose::Pose;

/// One calibrated (and, when enabled, smoothed) tracking sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Receive time, seconds on the tracking clock.
    pub t: f64,
    /// Arrival order across the camera's sources.
    pub seq: u64,
    /// Stage-space pose of the lens.
    pub pose: Pose,
    /// Normalised zoom encoder.
    pub zoom: f32,
    /// Normalised focus encoder.
    pub focus: f32,
}

/// A time-ordered window of samples.
#[derive(Debug, Clone, Default)]
pub struct History {
    samples: VecDeque<Sample>,
}

/// How long samples are kept: more than the largest delay a camera can ask for.
pub const HISTORY_SECONDS: f64 = 2.5;

impl History {
    /// Adds a sample, keeping time order even if sources interleave.
    pub fn push(&mut self, sample: Sample) {
        let at = self
            .samples
            .iter()
            .rposition(|s| s.t <= sample.t)
            .map_or(0, |i| i + 1);
        self.samples.insert(at, sample);
        while self
            .samples
            .front()
            .is_some_and(|s| s.t < sample.t - HISTORY_SECONDS)
        {
            self.samples.pop_front();
        }
    }

    /// The newest sample.
    pub fn newest(&self) -> Option<&Sample> {
        self.samples.back()
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.samples.clear();
    }

    /// The sample in force at time `t`: the newest that arrived at or before `t` (the
    /// oldest kept when `t` is before all of them). Holding rather than interpolating
    /// makes a delay an exact shift: the wall shows at `t + delay` what arrived by `t`.
    pub fn at(&self, t: f64) -> Option<Sample> {
        let newest = *self.samples.back()?;
        if t >= newest.t {
            return Some(newest);
        }
        match self.samples.iter().rposition(|s| s.t <= t) {
            Some(i) => Some(self.samples[i]),
            None => self.samples.front().copied(),
        }
    }
}

/// Arrival rate and jitter over the last second.
#[derive(Debug, Clone, Default)]
pub struct RateMeter {
    arrivals: VecDeque<f64>,
}

impl RateMeter {
    /// Notes an arrival at `t` seconds.
    pub fn arrive(&mut self, t: f64) {
        self.arrivals.push_back(t);
        while self.arrivals.front().is_some_and(|a| *a < t - 1.0) {
            self.arrivals.pop_front();
        }
    }

    /// Samples per second over the window ending at `now` (0 when nothing arrived lately).
    pub fn rate_hz(&self, now: f64) -> f32 {
        let recent = self.arrivals.iter().filter(|a| **a >= now - 1.0).count();
        if recent < 2 {
            return recent as f32;
        }
        let first = self
            .arrivals
            .iter()
            .find(|a| **a >= now - 1.0)
            .copied()
            .unwrap_or(now);
        let last = self.arrivals.back().copied().unwrap_or(now);
        if last > first {
            ((recent - 1) as f64 / (last - first)) as f32
        } else {
            recent as f32
        }
    }

    /// Standard deviation of the intervals between arrivals, milliseconds.
    pub fn jitter_ms(&self) -> f32 {
        let n = self.arrivals.len();
        if n < 3 {
            return 0.0;
        }
        let gaps: Vec<f64> = self
            .arrivals
            .iter()
            .zip(self.arrivals.iter().skip(1))
            .map(|(a, b)| b - a)
            .collect();
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
        (var.sqrt() * 1000.0) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::math::Vec3;

    fn sample(t: f64, x: f32) -> Sample {
        Sample {
            t,
            seq: (t * 1000.0) as u64,
            pose: Pose {
                position: Vec3::new(x, 0.0, 0.0),
                rotation: [0.0; 3],
            },
            zoom: x,
            focus: 0.0,
        }
    }

    #[test]
    fn lookups_hold_and_clamp() {
        let mut h = History::default();
        for i in 0..10 {
            h.push(sample(f64::from(i) * 0.1, i as f32));
        }
        let mid = h.at(0.45).expect("sample");
        assert_eq!(mid.pose.position.x, 4.0);
        assert_eq!(h.at(0.5).expect("sample").pose.position.x, 5.0);
        assert_eq!(h.at(5.0).expect("newest").pose.position.x, 9.0);
        assert_eq!(h.at(-1.0).expect("oldest").pose.position.x, 0.0);
        // Out-of-order arrival is put in its place.
        h.push(sample(0.85, 100.0));
        assert_eq!(h.at(0.85).expect("s").pose.position.x, 100.0);
        assert_eq!(h.newest().expect("n").pose.position.x, 9.0);
    }

    #[test]
    fn old_samples_are_dropped() {
        let mut h = History::default();
        h.push(sample(0.0, 0.0));
        h.push(sample(HISTORY_SECONDS + 1.0, 1.0));
        assert_eq!(h.at(0.0).expect("s").pose.position.x, 1.0);
    }

    #[test]
    fn rate_and_jitter() {
        let mut m = RateMeter::default();
        for i in 0..200 {
            m.arrive(f64::from(i) / 100.0);
        }
        assert!((m.rate_hz(1.99) - 100.0).abs() < 1.0, "{}", m.rate_hz(1.99));
        assert!(m.jitter_ms() < 0.01);
        assert_eq!(m.rate_hz(10.0), 0.0);
        let mut j = RateMeter::default();
        for i in 0..100 {
            j.arrive(f64::from(i) / 100.0 + if i % 2 == 0 { 0.002 } else { 0.0 });
        }
        assert!((j.jitter_ms() - 2.0).abs() < 0.1, "{}", j.jitter_ms());
    }
}
