//! The One Euro filter (Casiez, Roussel, Vogel, CHI 2012): a low-pass whose cutoff rises
//! with speed, so a still camera is steady and a moving one does not lag.

use std::f64::consts::TAU;

use crate::pose::Pose;

/// One Euro settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OneEuroParams {
    /// Cutoff at rest, Hz.
    pub min_cutoff: f64,
    /// How fast the cutoff rises with speed.
    pub beta: f64,
    /// Cutoff of the speed estimate, Hz.
    pub d_cutoff: f64,
}

fn alpha(cutoff: f64, dt: f64) -> f64 {
    let tau = 1.0 / (TAU * cutoff.max(1e-6));
    1.0 / (1.0 + tau / dt)
}

/// One channel.
#[derive(Debug, Clone, Copy, Default)]
pub struct OneEuro {
    last: Option<(f64, f64, f64)>, // (time, value, derivative)
}

impl OneEuro {
    /// Filters `x` sampled at time `t` (seconds). The state never holds NaN or infinity:
    /// one would hold every later output (the camera frozen while still "tracking"), so a
    /// non-finite sample is ignored and a step that overflows starts again from its sample.
    pub fn filter(&mut self, t: f64, x: f64, p: &OneEuroParams) -> f64 {
        if !(x.is_finite() && t.is_finite()) {
            return self.last.map_or(x, |(_, y, _)| y);
        }
        let Some((t0, x0, dx0)) = self.last else {
            self.last = Some((t, x, 0.0));
            return x;
        };
        let dt = t - t0;
        if dt <= 0.0 {
            // Same instant (two packets read together): keep the newest raw value's effect small.
            return x0;
        }
        let dx = (x - x0) / dt;
        let dx = dx0 + alpha(p.d_cutoff, dt) * (dx - dx0);
        let cutoff = p.min_cutoff + p.beta * dx.abs();
        let y = x0 + alpha(cutoff, dt) * (x - x0);
        if !(y.is_finite() && dx.is_finite()) {
            self.last = Some((t, x, 0.0));
            return x;
        }
        self.last = Some((t, y, dx));
        y
    }
}

/// A One Euro filter on every pose channel; angles are unwrapped so ±180° is not a jump.
#[derive(Debug, Clone, Default)]
pub struct PoseFilter {
    channels: [OneEuro; 6],
    unwrapped: Option<[f32; 3]>,
}

impl PoseFilter {
    /// Filters a pose sampled at `t` seconds. A non-finite pose passes through without
    /// touching the state (ingest drops those before they get here); should the output ever
    /// be non-finite, the filter starts again from this pose.
    pub fn filter(&mut self, t: f64, pose: &Pose, p: &OneEuroParams) -> Pose {
        if !pose.is_finite() {
            return *pose;
        }
        let out = self.step(t, pose, p);
        if out.is_finite() {
            out
        } else {
            self.reset();
            self.step(t, pose, p)
        }
    }

    fn step(&mut self, t: f64, pose: &Pose, p: &OneEuroParams) -> Pose {
        let mut angles = pose.rotation;
        if let Some(prev) = self.unwrapped {
            for (a, p) in angles.iter_mut().zip(prev) {
                *a = p + ((*a - p + 540.0).rem_euclid(360.0) - 180.0);
            }
        }
        self.unwrapped = Some(angles);
        let v = [
            pose.position.x,
            pose.position.y,
            pose.position.z,
            angles[0],
            angles[1],
            angles[2],
        ];
        let mut out = [0.0f32; 6];
        for i in 0..6 {
            out[i] = self.channels[i].filter(t, f64::from(v[i]), p) as f32;
        }
        let wrap = |a: f32| (a + 180.0).rem_euclid(360.0) - 180.0;
        Pose {
            position: bevy::math::Vec3::new(out[0], out[1], out[2]),
            rotation: [wrap(out[3]), wrap(out[4]), wrap(out[5])],
        }
    }

    /// Forgets the past (after a dropout, so a jump is not smeared).
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: OneEuroParams = OneEuroParams {
        min_cutoff: 1.0,
        beta: 0.0,
        d_cutoff: 1.0,
    };

    fn noise(i: u32) -> f64 {
        // Deterministic ±1 pseudo-noise.
        let h = i.wrapping_mul(2_654_435_761) >> 16;
        f64::from(h % 2001) / 1000.0 - 1.0
    }

    #[test]
    fn still_jitter_shrinks() {
        let mut f = OneEuro::default();
        let (mut raw, mut out) = (0.0, 0.0);
        for i in 0..600 {
            let x = 0.01 * noise(i);
            let y = f.filter(f64::from(i) / 120.0, x, &P);
            if i > 100 {
                raw += x * x;
                out += y * y;
            }
        }
        assert!(out < raw * 0.2, "jitter {out} vs raw {raw}");
    }

    #[test]
    fn speed_term_cuts_lag_on_a_ramp() {
        let ramp = |beta: f64| {
            let mut f = OneEuro::default();
            let p = OneEuroParams { beta, ..P };
            let mut y = 0.0;
            for i in 0..240 {
                y = f.filter(f64::from(i) / 120.0, f64::from(i) / 120.0, &p);
            }
            2.0 - 1.0 / 120.0 - y
        };
        let (slow, fast) = (ramp(0.0), ramp(5.0));
        assert!(fast < slow * 0.3, "lag with beta {fast} vs without {slow}");
    }

    #[test]
    fn angles_do_not_jump_at_the_half_turn() {
        let mut f = PoseFilter::default();
        let mut last = 0.0;
        for i in 0..100 {
            let pan = 175.0 + i as f32 * 0.1;
            let wrapped = (pan + 180.0).rem_euclid(360.0) - 180.0;
            let pose = Pose {
                rotation: [wrapped, 0.0, 0.0],
                ..Pose::default()
            };
            let out = f.filter(f64::from(i) / 100.0, &pose, &P);
            let unwrapped = if out.rotation[0] < 0.0 {
                out.rotation[0] + 360.0
            } else {
                out.rotation[0]
            };
            assert!(unwrapped >= last - 1e-3 && unwrapped < 190.0, "{out:?}");
            last = unwrapped;
        }
    }

    // Non-finite input and overflow: the state never holds NaN.

    #[test]
    fn a_nan_sample_is_ignored_and_the_filter_goes_on() {
        let mut f = OneEuro::default();
        let p = OneEuroParams { beta: 1.0, ..P };
        assert_eq!(f.filter(0.0, 1.0, &p), 1.0);
        assert_eq!(f.filter(0.01, f64::NAN, &p), 1.0, "the last output stands");
        assert_eq!(f.filter(0.02, f64::INFINITY, &p), 1.0);
        let y = f.filter(0.03, 2.0, &p);
        assert!(y > 1.0 && y < 2.0, "{y}");
    }

    #[test]
    fn an_overflowing_step_restarts_from_its_sample() {
        let mut f = OneEuro::default();
        let p = OneEuroParams { beta: 1.0, ..P };
        f.filter(0.0, -1e308, &p);
        // The difference overflows to infinity: start again from this sample.
        assert_eq!(f.filter(0.01, 1e308, &p), 1e308);
        let mut y = f.filter(0.02, 1.0, &p);
        for i in 3..200 {
            assert!(y.is_finite(), "{y}");
            y = f.filter(f64::from(i) / 100.0, 1.0, &p);
        }
        assert!((y - 1.0).abs() < 1e-3, "{y}");
    }

    #[test]
    fn a_pose_filter_never_outputs_nan() {
        let mut f = PoseFilter::default();
        let good = |x: f32| Pose {
            position: bevy::math::Vec3::new(x, 1.0, 0.0),
            rotation: [10.0, 0.0, 0.0],
        };
        f.filter(0.0, &good(0.0), &P);
        let bad = Pose {
            position: bevy::math::Vec3::new(f32::NAN, 1.0, 0.0),
            rotation: [f32::INFINITY, 0.0, 0.0],
        };
        // Passed through untouched (ingest drops these), the state is not.
        assert!(!f.filter(0.01, &bad, &P).is_finite());
        let mut out = f.filter(0.02, &good(1.0), &P);
        for i in 3..300 {
            assert!(out.is_finite(), "{out:?}");
            out = f.filter(f64::from(i) / 100.0, &good(1.0), &P);
        }
        assert!((out.position.x - 1.0).abs() < 1e-3, "{out:?}");
        assert!((out.rotation[0] - 10.0).abs() < 1e-3, "{out:?}");
    }
}
