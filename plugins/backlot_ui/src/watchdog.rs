//! The frame watchdog: a frozen frame loop otherwise looks healthy (OSCQuery keeps answering
//! the last values). The frame stamps the [`Heartbeat`]; a supervised thread looks every
//! [`CHECK_PERIOD`] and, when the current frame has run past the limit, logs one error
//! naming the phase it is stuck in, counts the stall, and logs once more when frames run
//! again. The operator sees it in the stall banner.
//!
//! Published: `/status/stalls`, and `/status/frame_age_ms`, which OSCQuery also computes from
//! the heartbeat when asked, so it grows while the frame loop is stuck.

use std::io;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use backlot_params::{
    BacklotSystems, ParamAddress, ParamKind, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin,
    addresses,
};
use bevy::prelude::*;

use crate::heartbeat::{Heartbeat, Phase, StallJudge};

/// How often the watchdog looks at the frame.
pub const CHECK_PERIOD: Duration = Duration::from_millis(100);
/// A frame running longer than this is a stall, unless told otherwise.
pub const DEFAULT_LIMIT: Duration = Duration::from_millis(500);
/// Shortest wait between two starts of the watchdog thread.
const RESTART_DELAY: Duration = Duration::from_secs(1);
/// How often the sleeping watchdog looks at its stop flag.
const STOP_POLL: Duration = Duration::from_millis(20);

/// backlot's sets in frame order, each with the phase its marker enters.
const SETS: [(BacklotSystems, Phase); 8] = [
    (BacklotSystems::Input, Phase::Input),
    (BacklotSystems::Control, Phase::Control),
    (BacklotSystems::Layers, Phase::Layers),
    (BacklotSystems::Arbitrate, Phase::Arbitrate),
    (BacklotSystems::Scene, Phase::Scene),
    (BacklotSystems::Stage, Phase::Stage),
    (BacklotSystems::Render, Phase::Render),
    (BacklotSystems::Report, Phase::Report),
];

/// Stamps the [`Heartbeat`] through the frame, runs the watchdog thread, and publishes
/// `/status/stalls` and `/status/frame_age_ms`. For live runs: a render's frames may
/// legitimately take long.
pub struct WatchdogPlugin {
    /// A frame running longer than this is a stall.
    pub limit: Duration,
}

impl Default for WatchdogPlugin {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
        }
    }
}

impl Plugin for WatchdogPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<ParamsPlugin>() {
            app.add_plugins(ParamsPlugin);
        }
        let beat = app
            .world()
            .get_resource::<Heartbeat>()
            .cloned()
            .unwrap_or_default();
        app.insert_resource(beat)
            .insert_resource(WatchdogThread {
                limit: self.limit,
                watcher: None,
                started: None,
                reported: false,
            })
            .add_systems(Startup, register_status)
            .add_systems(First, |beat: Res<Heartbeat>| beat.begin_frame())
            .add_systems(PreUpdate, |beat: Res<Heartbeat>| {
                beat.enter(Phase::PreUpdate)
            })
            .add_systems(PostUpdate, |beat: Res<Heartbeat>| {
                beat.enter(Phase::PostUpdate)
            })
            .add_systems(
                Last,
                (|beat: Res<Heartbeat>| beat.enter(Phase::Last), supervise),
            )
            .add_systems(Update, publish_status.in_set(BacklotSystems::Report));
        // Each marker runs between the set before and its own (the sets are chained), so
        // the phase changes when the set starts; no sync point is added.
        let mut previous = None;
        for (set, phase) in SETS {
            let mark = (move |beat: Res<Heartbeat>| beat.enter(phase)).before_ignore_deferred(set);
            match previous {
                Some(before) => app.add_systems(Update, mark.after_ignore_deferred(before)),
                None => app.add_systems(Update, mark),
            };
            previous = Some(set);
        }
    }
}

fn register_status(mut registry: ResMut<ParamRegistry>) {
    if let Ok(a) = ParamAddress::new(addresses::STATUS_FRAME_AGE_MS) {
        let _ = registry.register(
            ParamSpec::float(a, 0.0, 0.0, 1.0e9, "ms")
                .read_only()
                .with_description("How long the current frame has been running"),
        );
    }
    if let Ok(a) = ParamAddress::new(addresses::STATUS_STALLS) {
        let _ = registry.register(
            ParamSpec::new(a, ParamKind::Int, ParamValue::Int(0))
                .with_range(0.0, i32::MAX as f32)
                .read_only()
                .with_description("Frames that ran past the watchdog's limit since start"),
        );
    }
}

fn publish_status(beat: Res<Heartbeat>, mut registry: ResMut<ParamRegistry>) {
    let age_ms = beat.frame_age().map_or(0.0, |a| a.as_secs_f32() * 1000.0);
    let stalls = i32::try_from(beat.stalls()).unwrap_or(i32::MAX);
    let _ = registry.set_status(addresses::STATUS_FRAME_AGE_MS, ParamValue::Float(age_ms));
    let _ = registry.set_status(addresses::STATUS_STALLS, ParamValue::Int(stalls));
}

/// The watchdog thread, restarted by the frame if it ever stops.
#[derive(Resource)]
struct WatchdogThread {
    limit: Duration,
    watcher: Option<Watcher>,
    started: Option<Instant>,
    /// Its stop (or failure to start) was logged.
    reported: bool,
}

/// Starts the watchdog thread after the first frame (start-up is not a stall), and again
/// if it ever stops.
fn supervise(mut dog: ResMut<WatchdogThread>, beat: Res<Heartbeat>) {
    if let Some(running) = dog.watcher.as_ref().map(Watcher::running) {
        if running {
            return;
        }
        if !dog.reported {
            error!("watchdog: its thread stopped; restarting it");
            dog.reported = true;
        }
    }
    if dog.started.is_some_and(|t| t.elapsed() < RESTART_DELAY) {
        return;
    }
    dog.started = Some(Instant::now());
    // The old thread, if any, is joined before its replacement starts.
    dog.watcher = None;
    match Watcher::spawn(Heartbeat::clone(&beat), dog.limit) {
        Ok(watcher) => {
            dog.watcher = Some(watcher);
            dog.reported = false;
        }
        Err(e) => {
            if !dog.reported {
                error!("watchdog: cannot start its thread: {e}; stalled frames go unreported");
                dog.reported = true;
            }
        }
    }
}

/// The watchdog thread: it sees its stop flag within [`STOP_POLL`], says whether it still
/// runs however it ended, and is stopped and joined when dropped.
struct Watcher {
    stop: Arc<AtomicBool>,
    running: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Clears the running flag however the thread ends, unwinding included.
struct Running(Arc<AtomicBool>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Watcher {
    fn spawn(beat: Heartbeat, limit: Duration) -> io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let running = Arc::new(AtomicBool::new(true));
        let (flag, alive) = (stop.clone(), Running(running.clone()));
        let thread = std::thread::Builder::new()
            .name("backlot-watchdog".into())
            .spawn(move || {
                let _alive = alive;
                watch(&beat, limit, &flag);
            })?;
        Ok(Self {
            stop,
            running,
            thread: Some(thread),
        })
    }

    fn running(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::error!("watchdog: its thread ended by a panic");
        }
    }
}

/// The thread's loop: a look every [`CHECK_PERIOD`] until `stop`.
fn watch(beat: &Heartbeat, limit: Duration, stop: &AtomicBool) {
    let mut judge = StallJudge::new(limit);
    let mut told_panic = false;
    while !stop.load(Ordering::Acquire) {
        let until = Instant::now() + CHECK_PERIOD;
        while Instant::now() < until && !stop.load(Ordering::Acquire) {
            std::thread::sleep(STOP_POLL);
        }
        // A bug in one look costs that look, not the watchdog.
        let looked = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let now = Instant::now();
            if let Some(verdict) = judge.observe(beat.sample_at(now), beat.take_longest(), now) {
                beat.record(verdict);
            }
        }));
        if looked.is_err() && !told_panic {
            tracing::error!("watchdog: a look at the frame panicked; watching on");
            told_panic = true;
        }
    }
}

#[cfg(test)]
mod tests;
