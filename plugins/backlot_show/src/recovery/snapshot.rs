//! Taking the live state in the frame and handing it to the writer: every
//! [`AUTOSAVE_EVERY`] seconds when it changed, and at once after any command to a cue list
//! (a GO); the frame only copies values, the writer thread encodes and writes. A clean quit
//! stops the writer and removes the autosave: the next start has nothing to restore.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use backlot_params::{Arbiter, ParamKind, ParamRegistry};
use bevy::prelude::*;

use super::RecoveryStatus;
use super::format::{Autosave, ClaimState, Driver, FORMAT, ParamState, encode};
use super::restore::PendingRestore;
use super::writer::{AutosaveWriter, write_atomically};
use crate::command::CueCommand;
use crate::look::Look;
use crate::playback::{ShowCommand, ShowPlayback};
use crate::show::Show;

/// How often the live state is written when it changed, seconds: well inside the second
/// that a `kill -9` may cost, with the write's own time to spare.
pub const AUTOSAVE_EVERY: f64 = 0.5;

/// While writes fail, one warning per this many failures (the first always).
const WARN_EVERY: u64 = 120;

/// The frame's side of autosaving.
/// The show's look-edit and load counts, which say when the looks must be copied again.
type EditCounts = (u64, u64);

#[derive(Resource)]
pub(crate) struct Autosaver {
    pub(crate) writer: AutosaveWriter,
    /// Seconds between writes of an unchanged cadence ([`AUTOSAVE_EVERY`]).
    pub(crate) every: f64,
    last_write: Option<f64>,
    last: Option<Arc<Autosave>>,
    /// The looks as last copied, and the show's edit and load counts then.
    looks: Option<(EditCounts, Arc<Vec<Look>>)>,
    warned_at: u64,
    failing: bool,
    finished: bool,
}

impl Autosaver {
    pub(crate) fn new(writer: AutosaveWriter) -> Self {
        Self {
            writer,
            every: AUTOSAVE_EVERY,
            last_write: None,
            last: None,
            looks: None,
            warned_at: 0,
            failing: false,
            finished: false,
        }
    }

    /// The show's looks when it has edits the file may not have (stored, approved or
    /// restored since it was loaded), copied only when they changed.
    fn looks(&mut self, playback: Option<&ShowPlayback>) -> Option<Arc<Vec<Look>>> {
        let playback = playback?;
        let show = playback.show.as_ref()?;
        if show.edits() == 0 {
            self.looks = None;
            return None;
        }
        let key = (show.edits(), playback.loads());
        match &self.looks {
            Some((k, looks)) if *k == key => Some(looks.clone()),
            _ => {
                let looks = Arc::new(show.looks().to_vec());
                self.looks = Some((key, looks.clone()));
                Some(looks)
            }
        }
    }

    /// A clean quit: the writer stops, the autosave goes (or, when it cannot be removed,
    /// says `clean: true`). Once.
    pub(crate) fn finish_clean(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.writer.stop();
        let path = self.writer.path().to_path_buf();
        match std::fs::remove_file(&path) {
            Ok(()) => info!("show: quit cleanly; {} removed", path.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                warn!(
                    "show: cannot remove {}: {e}; marking it clean",
                    path.display()
                );
                mark_clean(&path);
            }
        }
    }
}

impl Drop for Autosaver {
    fn drop(&mut self) {
        // The app is dropped on a clean return from its runner, and while unwinding from a
        // panic: only the first is a clean quit. A crash keeps the autosave to restore.
        if !std::thread::panicking() {
            self.finish_clean();
        }
    }
}

fn mark_clean(path: &Path) {
    let clean = Autosave {
        format: FORMAT,
        clean: true,
        saved_unix_ms: unix_ms(),
        show: None,
        params: Default::default(),
        claims: Vec::new(),
        playback: None,
        looks: None,
        lists: None,
    };
    let written = encode(&clean)
        .map_err(std::io::Error::other)
        .and_then(|text| write_atomically(path, &text));
    if let Err(e) = written {
        error!(
            "show: cannot mark {} clean either: {e}; the next start restores it",
            path.display()
        );
    }
}

/// Milliseconds since 1970, UTC (0 on a clock before it).
pub(crate) fn unix_ms() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

/// The live state now: every writable parameter's value and driver (not read-only status,
/// not triggers: neither could be played back), the holds and controller claims, where
/// every cue list stands, and `looks` (with the cue lists) when the show has edits to keep.
pub fn take_snapshot(
    registry: &ParamRegistry,
    arbiter: &Arbiter,
    show: Option<&Show>,
    looks: Option<Arc<Vec<Look>>>,
) -> Autosave {
    let params = registry
        .iter()
        .filter(|e| !e.spec.read_only && e.spec.kind != ParamKind::Trigger)
        .map(|e| {
            let address = e.spec.address.as_str();
            let state = ParamState {
                value: e.value.clone(),
                driver: Driver::from(&arbiter.driver(address)),
            };
            (address.to_string(), state)
        })
        .collect();
    Autosave {
        format: FORMAT,
        clean: false,
        saved_unix_ms: unix_ms(),
        show: show.map(|s| s.file().name.clone()),
        params,
        claims: arbiter.claims().iter().map(ClaimState::from).collect(),
        playback: show.map(Show::export_state),
        lists: looks
            .is_some()
            .then(|| show.map(|s| s.lists().iter().map(|l| l.def().clone()).collect()))
            .flatten(),
        looks,
    }
}

/// Hands the live state to the writer when it is due: after any command to a list but a
/// timecode (each GO, BACK, GOTO, PAUSE…), else every [`Autosaver::every`] seconds when it
/// changed.
pub(crate) fn autosave(
    time: Res<Time<Real>>,
    mut commands: MessageReader<ShowCommand>,
    registry: Res<ParamRegistry>,
    arbiter: Res<Arbiter>,
    playback: Option<Res<ShowPlayback>>,
    pending: Option<Res<PendingRestore>>,
    mut saver: ResMut<Autosaver>,
) {
    // Timecode comes every frame while it runs; the cue it plays is saved by the cadence.
    // Every message is read (counted, not searched), so none is left for the next frame.
    let go = commands
        .read()
        .filter(|c| !matches!(c.command, CueCommand::Timecode(_)))
        .count()
        > 0;
    let now = time.elapsed_secs_f64();
    let every = saver.every;
    let due = saver.last_write.is_none_or(|t| now - t >= every);
    if saver.finished || !(go || due) {
        return;
    }
    let saver = saver.as_mut();
    saver.last_write = Some(now);
    let playback = playback.as_deref();
    let looks = saver.looks(playback);
    let show = playback.and_then(|p| p.show.as_ref());
    let mut snapshot = take_snapshot(&registry, &arbiter, show, looks);
    if let Some(pending) = pending.as_deref() {
        pending.carry_into(&mut snapshot);
    }
    // Nothing new, and the last write landed: no write.
    let unchanged = saver.last.as_ref().is_some_and(|l| l.same_state(&snapshot));
    if !go && unchanged && saver.writer.report().last_error.is_none() {
        return;
    }
    let snapshot = Arc::new(snapshot);
    saver.last = Some(snapshot.clone());
    saver.writer.submit(snapshot);
}

/// Watches the writer: a thread that ended is started again, failed writes are logged (the
/// first, then one in [`WARN_EVERY`]) and the panel's [`RecoveryStatus`] follows.
pub(crate) fn report_autosave(mut saver: ResMut<Autosaver>, mut status: ResMut<RecoveryStatus>) {
    let saver = saver.as_mut();
    if let Some(what) = saver.writer.supervise() {
        error!("show: {what}");
    }
    let report = saver.writer.report();
    let failing = report.last_error.is_some() && report.failed > 0;
    if failing && (!saver.failing || report.failed >= saver.warned_at + WARN_EVERY) {
        warn!(
            "show: autosave failed ({} failed writes so far; the show goes on): {}",
            report.failed,
            report.last_error.as_deref().unwrap_or("")
        );
        saver.warned_at = report.failed;
    } else if !failing && saver.failing {
        info!(
            "show: autosave writes {} again",
            saver.writer.path().display()
        );
    }
    saver.failing = failing;
    if status.writer != report {
        status.writer = report;
    }
}

/// A clean quit ([`AppExit`]): the autosave goes.
pub(crate) fn finish_on_exit(mut exits: MessageReader<AppExit>, mut saver: ResMut<Autosaver>) {
    if exits.read().next().is_some() {
        saver.finish_clean();
    }
}
