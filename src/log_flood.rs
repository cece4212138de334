//! Flood control for the log file: the same warning over and over is written a few times,
//! then counted and summarised once its window closes, so a flood cannot push the one error
//! that mattered out of the rotated files. Errors are always written. No clock and no I/O:
//! the caller says what time it is.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tracing::Level;

/// Identical warnings written per window; the rest are counted.
pub const PER_WINDOW: u32 = 20;
/// The window.
pub const WINDOW: Duration = Duration::from_secs(10);
/// Distinct warnings tracked at once; the oldest is summarised and forgotten past this.
pub const MAX_TRACKED: usize = 256;

/// Warnings not written because they repeated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeated {
    /// The module that logged them.
    pub target: String,
    /// Their text.
    pub message: String,
    /// How many were not written.
    pub times: u64,
}

impl Repeated {
    /// The line that stands for them in the file.
    pub fn line(&self) -> String {
        format!(
            "… repeated {} more times within {} s, not written: {}",
            self.times,
            WINDOW.as_secs(),
            self.message
        )
    }
}

/// What to do with one event.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Admit {
    /// Write it.
    pub write: bool,
    /// Summaries of floods whose window closed: write them first.
    pub summaries: Vec<Repeated>,
}

#[derive(Debug)]
struct Count {
    since: Instant,
    seen: u32,
    suppressed: u64,
}

/// Counts identical warnings (same target and text) per window.
#[derive(Debug)]
pub struct FloodGate {
    per_window: u32,
    window: Duration,
    max_tracked: usize,
    counts: HashMap<(String, String), Count>,
}

impl Default for FloodGate {
    fn default() -> Self {
        Self::new(PER_WINDOW, WINDOW, MAX_TRACKED)
    }
}

impl FloodGate {
    /// `per_window` identical warnings written per `window`, `max_tracked` distinct ones
    /// tracked at once.
    pub fn new(per_window: u32, window: Duration, max_tracked: usize) -> Self {
        Self {
            per_window,
            window,
            max_tracked: max_tracked.max(1),
            counts: HashMap::new(),
        }
    }

    /// Distinct warnings tracked now.
    pub fn tracked(&self) -> usize {
        self.counts.len()
    }

    /// Whether to write an event of `level` from `target` saying `message` at `now`.
    pub fn admit(&mut self, now: Instant, level: Level, target: &str, message: &str) -> Admit {
        let mut summaries = self.close_windows(now);
        if level == Level::ERROR {
            return Admit {
                write: true,
                summaries,
            };
        }
        let key = (target.to_string(), message.to_string());
        if !self.counts.contains_key(&key) && self.counts.len() >= self.max_tracked {
            summaries.extend(self.forget_oldest());
        }
        let count = self.counts.entry(key).or_insert(Count {
            since: now,
            seen: 0,
            suppressed: 0,
        });
        count.seen = count.seen.saturating_add(1);
        let write = count.seen <= self.per_window;
        if !write {
            count.suppressed += 1;
        }
        Admit { write, summaries }
    }

    /// Forgets every window that closed by `now`; what they held back.
    fn close_windows(&mut self, now: Instant) -> Vec<Repeated> {
        let window = self.window;
        let mut summaries = Vec::new();
        self.counts.retain(|(target, message), count| {
            let open = now.saturating_duration_since(count.since) < window;
            if !open && count.suppressed > 0 {
                summaries.push(Repeated {
                    target: target.clone(),
                    message: message.clone(),
                    times: count.suppressed,
                });
            }
            open
        });
        summaries
    }

    /// Makes room: forgets the warning seen first, and what it held back.
    fn forget_oldest(&mut self) -> Option<Repeated> {
        let key = self
            .counts
            .iter()
            .min_by_key(|(_, count)| count.since)
            .map(|(key, _)| key.clone())?;
        let count = self.counts.remove(&key)?;
        let (target, message) = key;
        (count.suppressed > 0).then_some(Repeated {
            target,
            message,
            times: count.suppressed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(gate: &mut FloodGate, now: Instant, level: Level, message: &str) -> bool {
        gate.admit(now, level, "backlot::test", message).write
    }

    #[test]
    fn a_flood_is_cut_and_summarised_when_its_window_closes() {
        let mut gate = FloodGate::new(20, Duration::from_secs(10), 16);
        let t = Instant::now();
        let kept = (0..500)
            .filter(|_| written(&mut gate, t, Level::WARN, "OSC: bad packet"))
            .count();
        assert_eq!(kept, 20);
        // Another warning is not held back by the flood.
        assert!(written(&mut gate, t, Level::WARN, "DNS-SD: no multicast"));
        let later = t + Duration::from_secs(11);
        let admit = gate.admit(later, Level::WARN, "backlot::test", "OSC: bad packet");
        assert!(admit.write, "a new window");
        assert_eq!(
            admit.summaries,
            vec![Repeated {
                target: "backlot::test".into(),
                message: "OSC: bad packet".into(),
                times: 480,
            }]
        );
        assert_eq!(
            admit.summaries[0].line(),
            "… repeated 480 more times within 10 s, not written: OSC: bad packet"
        );
        // Summarised once.
        let again = gate.admit(later, Level::WARN, "backlot::test", "other");
        assert!(again.summaries.is_empty());
    }

    #[test]
    fn errors_are_never_held_back() {
        let mut gate = FloodGate::new(2, Duration::from_secs(10), 16);
        let t = Instant::now();
        assert!((0..100).all(|_| written(&mut gate, t, Level::ERROR, "render device lost")));
        let same_text = (0..5)
            .filter(|_| written(&mut gate, t, Level::WARN, "render device lost"))
            .count();
        assert_eq!(same_text, 2, "warnings are counted apart from errors");
    }

    #[test]
    fn targets_count_apart_and_tracking_is_bounded() {
        let mut gate = FloodGate::new(1, Duration::from_secs(10), 3);
        let t = Instant::now();
        assert!(gate.admit(t, Level::WARN, "a", "same").write);
        assert!(gate.admit(t, Level::WARN, "b", "same").write);
        assert!(!gate.admit(t, Level::WARN, "a", "same").write);
        for i in 0..50 {
            let at = t + Duration::from_millis(i);
            gate.admit(at, Level::WARN, "c", &format!("distinct {i}"));
            assert!(gate.tracked() <= 3);
        }
        // `a` was forgotten to make room; what it held back was summarised then.
        let mut gate = FloodGate::new(1, Duration::from_secs(10), 1);
        gate.admit(t, Level::WARN, "a", "x");
        gate.admit(t, Level::WARN, "a", "x");
        let admit = gate.admit(t, Level::WARN, "b", "y");
        assert!(admit.write);
        assert_eq!(admit.summaries.len(), 1);
        assert_eq!(admit.summaries[0].times, 1);
    }
}
