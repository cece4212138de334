//! The frame's pulse: each frame stamps a shared [`Heartbeat`] when it starts and as it
//! enters each of backlot's phases, lock-free; the watchdog thread, OSCQuery and the stall
//! banner read it. [`StallJudge`] turns successive looks into stalls (no clock, no I/O).

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bevy::prelude::*;

/// What a frame is doing: where a stall is reported to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Phase {
    /// No frame has started yet.
    Idle,
    /// Bevy's `First` schedule (time, input events).
    First,
    /// `PreUpdate`, fixed steps and any `Update` system outside backlot's sets.
    PreUpdate,
    /// `BacklotSystems::Input`.
    Input,
    /// `BacklotSystems::Control`.
    Control,
    /// `BacklotSystems::Layers`.
    Layers,
    /// `BacklotSystems::Arbitrate`.
    Arbitrate,
    /// `BacklotSystems::Scene`.
    Scene,
    /// `BacklotSystems::Stage`.
    Stage,
    /// `BacklotSystems::Render`.
    Render,
    /// `BacklotSystems::Report`.
    Report,
    /// `PostUpdate`: physics, transforms, the operator UI.
    PostUpdate,
    /// `Last`, then extraction and rendering, until the next frame starts.
    Last,
}

/// Every phase, by its `u8` value.
pub(crate) const PHASES: [Phase; 13] = [
    Phase::Idle,
    Phase::First,
    Phase::PreUpdate,
    Phase::Input,
    Phase::Control,
    Phase::Layers,
    Phase::Arbitrate,
    Phase::Scene,
    Phase::Stage,
    Phase::Render,
    Phase::Report,
    Phase::PostUpdate,
    Phase::Last,
];

impl Phase {
    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Idle => "no frame yet",
            Phase::First => "First",
            Phase::PreUpdate => "PreUpdate",
            Phase::Input => "Input",
            Phase::Control => "Control",
            Phase::Layers => "Layers",
            Phase::Arbitrate => "Arbitrate",
            Phase::Scene => "Scene",
            Phase::Stage => "Stage",
            Phase::Render => "Render",
            Phase::Report => "Report",
            Phase::PostUpdate => "PostUpdate",
            Phase::Last => "Last or rendering",
        }
    }

    pub(crate) fn from_u8(value: u8) -> Self {
        PHASES
            .get(usize::from(value))
            .copied()
            .unwrap_or(Phase::Idle)
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One look at the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// The current frame, counted from 0.
    pub frame: u64,
    /// How long it has been running.
    pub age: Duration,
    /// What it is doing.
    pub phase: Phase,
}

/// A frame that ran past the limit: the one going on, or the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stall {
    /// Which frame.
    pub frame: u64,
    /// Where it was when caught past the limit.
    pub phase: Phase,
    /// How long it has run so far (`ongoing`), or ran in all.
    pub duration: Duration,
    /// Still running.
    pub ongoing: bool,
    /// When the watchdog last looked at it.
    pub seen_at: Instant,
}

impl Stall {
    /// One line for logs and the operator: how long and where.
    pub fn describe(&self) -> String {
        let ms = self.duration.as_millis();
        if self.ongoing {
            format!(
                "frame {} has taken {ms} ms so far, in {}",
                self.frame, self.phase
            )
        } else {
            format!(
                "frame {} took {ms} ms, stalled in {}",
                self.frame, self.phase
            )
        }
    }
}

#[derive(Debug)]
struct Beat {
    epoch: Instant,
    /// Frames started; the current one is this minus one.
    frames: AtomicU64,
    /// When the current frame started, ns after `epoch`.
    started_ns: AtomicU64,
    /// The longest frame that ended since the watchdog last looked, ns.
    longest_ns: AtomicU64,
    phase: AtomicU8,
    stalls: AtomicU64,
    stall: Mutex<Option<Stall>>,
}

/// The frame's pulse, shared by the frame (which stamps it), the watchdog thread, OSCQuery
/// and the operator UI (which read it). Lock-free for the frame.
#[derive(Resource, Debug, Clone)]
pub struct Heartbeat(Arc<Beat>);

impl Default for Heartbeat {
    fn default() -> Self {
        Self(Arc::new(Beat {
            epoch: Instant::now(),
            frames: AtomicU64::new(0),
            started_ns: AtomicU64::new(0),
            longest_ns: AtomicU64::new(0),
            phase: AtomicU8::new(Phase::Idle as u8),
            stalls: AtomicU64::new(0),
            stall: Mutex::new(None),
        }))
    }
}

impl Heartbeat {
    fn ns(&self, at: Instant) -> u64 {
        let since = at.saturating_duration_since(self.0.epoch).as_nanos();
        u64::try_from(since).unwrap_or(u64::MAX)
    }

    /// A frame starts (the first thing in `First`).
    pub fn begin_frame(&self) {
        let beat = &self.0;
        let now = self.ns(Instant::now());
        if beat.frames.load(Ordering::Acquire) > 0 {
            let ran = now.saturating_sub(beat.started_ns.load(Ordering::Acquire));
            beat.longest_ns.fetch_max(ran, Ordering::AcqRel);
        }
        beat.phase.store(Phase::First as u8, Ordering::Release);
        // Start before count: a reader that sees the new count sees the new start.
        beat.started_ns.store(now, Ordering::Release);
        beat.frames.fetch_add(1, Ordering::AcqRel);
    }

    /// The frame enters `phase`.
    pub fn enter(&self, phase: Phase) {
        self.0.phase.store(phase as u8, Ordering::Release);
    }

    /// The current frame as of `now`; `None` before the first frame.
    pub fn sample_at(&self, now: Instant) -> Option<Sample> {
        let beat = &self.0;
        let mut sample = None;
        // A frame starting mid-read shows as a changed count: read again.
        for _ in 0..3 {
            let frames = beat.frames.load(Ordering::Acquire);
            if frames == 0 {
                return None;
            }
            let started = beat.started_ns.load(Ordering::Acquire);
            let phase = Phase::from_u8(beat.phase.load(Ordering::Acquire));
            let age = Duration::from_nanos(self.ns(now).saturating_sub(started));
            sample = Some(Sample {
                frame: frames - 1,
                age,
                phase,
            });
            if beat.frames.load(Ordering::Acquire) == frames {
                break;
            }
        }
        sample
    }

    /// How long the current frame has been running; `None` before the first frame.
    pub fn frame_age(&self) -> Option<Duration> {
        self.sample_at(Instant::now()).map(|s| s.age)
    }

    /// Stalls caught since start.
    pub fn stalls(&self) -> u64 {
        self.0.stalls.load(Ordering::Acquire)
    }

    /// The stall going on, or the last one.
    pub fn stall(&self) -> Option<Stall> {
        self.0
            .stall
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The longest frame that ended since the last call.
    pub(crate) fn take_longest(&self) -> Duration {
        Duration::from_nanos(self.0.longest_ns.swap(0, Ordering::AcqRel))
    }

    /// Logs and records what the watchdog concluded.
    pub(crate) fn record(&self, verdict: Verdict) {
        let stall = match verdict {
            Verdict::Stalled(stall) => {
                self.0.stalls.fetch_add(1, Ordering::AcqRel);
                tracing::error!("{}", stall.describe());
                stall
            }
            Verdict::Ongoing(stall) => stall,
            Verdict::Recovered(stall) => {
                tracing::info!("{}; frames run again", stall.describe());
                stall
            }
        };
        *self.0.stall.lock().unwrap_or_else(|e| e.into_inner()) = Some(stall);
    }
}

/// What one look concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The current frame just passed the limit.
    Stalled(Stall),
    /// The stalled frame is still running.
    Ongoing(Stall),
    /// The stalled frame ended; `duration` is its whole length.
    Recovered(Stall),
}

/// Decides from successive looks at the frame whether it stalls (no clock, no I/O).
#[derive(Debug)]
pub struct StallJudge {
    limit: Duration,
    current: Option<Stall>,
}

impl StallJudge {
    /// Frames longer than `limit` are stalls.
    pub fn new(limit: Duration) -> Self {
        Self {
            limit,
            current: None,
        }
    }

    /// One look at `now`: the current frame (`None` before the first) and the longest frame
    /// that ended since the last look.
    pub fn observe(
        &mut self,
        sample: Option<Sample>,
        longest: Duration,
        now: Instant,
    ) -> Option<Verdict> {
        let sample = sample?;
        match self.current.take() {
            // Where it was caught stays its place: it was stuck there past the limit.
            Some(mut stall) if stall.frame == sample.frame => {
                stall.duration = sample.age;
                stall.seen_at = now;
                self.current = Some(stall.clone());
                Some(Verdict::Ongoing(stall))
            }
            Some(mut stall) => {
                // It ended after the last look, so it is the longest frame since.
                stall.duration = stall.duration.max(longest);
                stall.ongoing = false;
                stall.seen_at = now;
                Some(Verdict::Recovered(stall))
            }
            None if sample.age > self.limit => {
                let stall = Stall {
                    frame: sample.frame,
                    phase: sample.phase,
                    duration: sample.age,
                    ongoing: true,
                    seen_at: now,
                };
                self.current = Some(stall.clone());
                Some(Verdict::Stalled(stall))
            }
            None => None,
        }
    }
}

#[cfg(test)]
mod tests;
