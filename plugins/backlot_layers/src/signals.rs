//! Signal generators and shapers, Bevy-free: LFOs (free or tempo-synced), smooth noise, the
//! tempo clock (tap, MIDI, audio or internal), envelope followers, curves, one-shot
//! triggers and palettes.

use serde::{Deserialize, Serialize};

/// LFO wave shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Shape {
    /// 0.5 + 0.5 sin.
    Sine,
    /// Up and down.
    Triangle,
    /// Ramp up.
    Saw,
    /// On for the first half.
    Square,
    /// A new random value each cycle.
    SampleHold,
}

/// Deterministic hash noise in 0..1 for an integer.
pub fn hash01(n: u64) -> f32 {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    (x >> 40) as f32 / (1u64 << 24) as f32
}

/// The shape's value at phase (cycles; any real number), 0..1.
pub fn wave(shape: Shape, phase: f64, seed: u64) -> f32 {
    let p = phase.rem_euclid(1.0) as f32;
    match shape {
        Shape::Sine => 0.5 - 0.5 * (std::f32::consts::TAU * p).cos(),
        Shape::Triangle => 1.0 - (2.0 * p - 1.0).abs(),
        Shape::Saw => p,
        Shape::Square => f32::from(u8::from(p < 0.5)),
        Shape::SampleHold => hash01(seed ^ phase.floor() as i64 as u64),
    }
}

/// Smooth value noise in 0..1 (cosine-interpolated hash lattice).
pub fn smooth_noise(t: f64, seed: u64) -> f32 {
    let i = t.floor();
    let f = (t - i) as f32;
    let (a, b) = (
        hash01(seed ^ i as i64 as u64),
        hash01(seed ^ (i as i64 + 1) as u64),
    );
    let k = 0.5 - 0.5 * (std::f32::consts::PI * f).cos();
    a + (b - a) * k
}

/// The tempo clock: beat and bar phase from a BPM that can come from anywhere.
#[derive(Debug, Clone)]
pub struct TempoClock {
    /// Beats per minute.
    pub bpm: f64,
    /// Beats per bar.
    pub beats_per_bar: u32,
    beats: f64,
    last_t: Option<f64>,
    taps: Vec<f64>,
}

impl TempoClock {
    /// At `bpm`.
    pub fn new(bpm: f64) -> Self {
        Self {
            bpm,
            beats_per_bar: 4,
            beats: 0.0,
            last_t: None,
            taps: Vec::new(),
        }
    }

    /// Advances to time `t` (seconds).
    pub fn advance(&mut self, t: f64) {
        if let Some(last) = self.last_t {
            self.beats += (t - last).max(0.0) * self.bpm / 60.0;
        }
        self.last_t = Some(t);
    }

    /// Beats since start (fractional).
    pub fn beats(&self) -> f64 {
        self.beats
    }

    /// 0..1 within the beat.
    pub fn beat_phase(&self) -> f32 {
        self.beats.rem_euclid(1.0) as f32
    }

    /// 0..1 within the bar.
    pub fn bar_phase(&self) -> f32 {
        (self.beats / f64::from(self.beats_per_bar.max(1))).rem_euclid(1.0) as f32
    }

    /// Locks the phase to an external beat phase (audio or MIDI), keeping the beat count.
    pub fn lock_phase(&mut self, phase: f32) {
        let whole = self.beats.floor();
        let mut b = whole + f64::from(phase);
        // Take the nearest beat boundary.
        if b - self.beats > 0.5 {
            b -= 1.0;
        } else if self.beats - b > 0.5 {
            b += 1.0;
        }
        self.beats = b;
    }

    /// A tap at time `t`: after two taps within 2 s of each other, the tempo follows the
    /// taps (the mean of the last four intervals) and the beat lands on the tap.
    pub fn tap(&mut self, t: f64) {
        if self.taps.last().is_some_and(|l| t - l > 2.0) {
            self.taps.clear();
        }
        self.taps.push(t);
        if self.taps.len() > 5 {
            self.taps.remove(0);
        }
        if self.taps.len() >= 2 {
            let n = self.taps.len() - 1;
            let mean = (self.taps[n] - self.taps[0]) / n as f64;
            if mean > 0.0 {
                self.bpm = (60.0 / mean).clamp(20.0, 300.0);
            }
            self.beats = self.beats.round();
        }
    }
}

/// Attack/release envelope follower.
#[derive(Debug, Clone, Copy, Default)]
pub struct Envelope {
    value: f32,
}

impl Envelope {
    /// Follows `x` over `dt` seconds with the given times (ms).
    pub fn follow(&mut self, x: f32, dt: f32, attack_ms: f32, release_ms: f32) -> f32 {
        let ms = if x > self.value {
            attack_ms
        } else {
            release_ms
        };
        let k = if ms <= 0.0 {
            1.0
        } else {
            1.0 - (-dt * 1000.0 / ms).exp()
        };
        self.value += (x - self.value) * k;
        self.value
    }
}

/// A mapping curve on 0..1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub enum Curve {
    /// y = x.
    #[default]
    Linear,
    /// y = x^k (k > 1 favours peaks).
    Exponential(f32),
    /// Piecewise-linear through (x, y) points sorted by x.
    Points(Vec<(f32, f32)>),
}

impl Curve {
    /// Applies the curve (input clamped to 0..1).
    pub fn apply(&self, x: f32) -> f32 {
        let x = if x.is_finite() {
            x.clamp(0.0, 1.0)
        } else {
            0.0
        };
        match self {
            Curve::Linear => x,
            Curve::Exponential(k) => x.powf(k.max(0.01)),
            Curve::Points(p) => match p.iter().position(|(px, _)| *px >= x) {
                None => p.last().map_or(x, |q| q.1),
                Some(0) => p[0].1,
                Some(i) => {
                    let (a, b) = (p[i - 1], p[i]);
                    let t = if b.0 > a.0 {
                        (x - a.0) / (b.0 - a.0)
                    } else {
                        1.0
                    };
                    a.1 + (b.1 - a.1) * t
                }
            },
        }
    }
}

/// One-shot shapes fired by a threshold crossing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OneShot {
    /// Rises and falls (half sine) over the duration.
    Pulse,
    /// Full at once, decaying over the duration.
    Flash,
    /// Steps to the next palette colour (and holds).
    ColorStep,
}

/// Threshold → one-shot.
#[derive(Debug, Clone, Copy, Default)]
pub struct Trigger {
    armed: bool,
    fired_at: Option<f64>,
    /// Times fired.
    pub count: u64,
}

impl Trigger {
    /// Feeds `x` at time `t`; fires on rising through `threshold` (re-arms below 0.8 × it).
    pub fn feed(&mut self, x: f32, t: f64, threshold: f32) -> bool {
        if x >= threshold && self.armed {
            self.armed = false;
            self.fired_at = Some(t);
            self.count += 1;
            return true;
        }
        if x < threshold * 0.8 {
            self.armed = true;
        }
        false
    }

    /// The one-shot's value at `t`.
    pub fn value(&self, shape: OneShot, t: f64, duration_s: f64) -> f32 {
        let Some(f) = self.fired_at else { return 0.0 };
        let u = ((t - f) / duration_s.max(1e-3)) as f32;
        if !(0.0..1.0).contains(&u) {
            return 0.0;
        }
        match shape {
            OneShot::Pulse => (std::f32::consts::PI * u).sin(),
            OneShot::Flash => 1.0 - u,
            OneShot::ColorStep => 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waves() {
        assert_eq!(wave(Shape::Sine, 0.0, 0), 0.0);
        assert!((wave(Shape::Sine, 0.5, 0) - 1.0).abs() < 1e-6);
        assert_eq!(wave(Shape::Triangle, 0.5, 0), 1.0);
        assert_eq!(wave(Shape::Saw, 1.25, 0), 0.25);
        assert_eq!(
            (wave(Shape::Square, 0.2, 0), wave(Shape::Square, 0.7, 0)),
            (1.0, 0.0)
        );
        assert_eq!(
            wave(Shape::SampleHold, 3.1, 9),
            wave(Shape::SampleHold, 3.9, 9)
        );
        assert_ne!(
            wave(Shape::SampleHold, 3.1, 9),
            wave(Shape::SampleHold, 4.1, 9)
        );
        let (a, b) = (smooth_noise(2.0, 1), smooth_noise(2.001, 1));
        assert!((a - b).abs() < 0.01, "smooth");
    }

    #[test]
    fn tempo_clock_and_taps() {
        let mut c = TempoClock::new(120.0);
        c.advance(0.0);
        c.advance(0.25);
        assert!((c.beat_phase() - 0.5).abs() < 1e-6);
        c.advance(2.0);
        assert!((c.beats() - 4.0).abs() < 1e-9 && c.bar_phase() < 1e-6);
        for i in 0..4 {
            c.tap(10.0 + f64::from(i) * 0.6);
        }
        assert!((c.bpm - 100.0).abs() < 1e-6);
        c.lock_phase(0.1);
        assert!((c.beat_phase() - 0.1).abs() < 1e-6);
    }

    #[test]
    fn envelopes_curves_triggers() {
        let mut e = Envelope::default();
        let up = e.follow(1.0, 0.01, 10.0, 500.0);
        assert!((up - (1.0 - (-1.0f32).exp())).abs() < 1e-5);
        let down = e.follow(0.0, 0.01, 10.0, 500.0);
        assert!(down > up * 0.97, "slow release");
        assert_eq!(Curve::Exponential(2.0).apply(0.5), 0.25);
        let pts = Curve::Points(vec![(0.0, 0.0), (0.5, 1.0), (1.0, 0.0)]);
        assert_eq!(
            (pts.apply(0.25), pts.apply(0.5), pts.apply(0.75)),
            (0.5, 1.0, 0.5)
        );
        let mut t = Trigger::default();
        assert!(!t.feed(0.9, 0.0, 0.5), "not armed until seen below");
        assert!(!t.feed(0.1, 0.1, 0.5));
        assert!(t.feed(0.9, 0.2, 0.5));
        assert!(!t.feed(0.95, 0.3, 0.5), "once per crossing");
        assert!((t.value(OneShot::Flash, 0.25, 0.1) - 0.5).abs() < 1e-5);
        assert_eq!(t.value(OneShot::Flash, 0.35, 0.1), 0.0);
    }
}
