//! Recording takes: `/takes/record` starts and stops a take file, named for when it began.
//! The frame never waits for the disk: the writer thread creates the file, rows are queued,
//! a stop only signals the thread, and each frame looks (without waiting) whether a writer
//! failed (the file not created included) or a stopped take has been closed.

use std::path::{Path, PathBuf};

use backlot_params::{ParamRegistry, ParamValue};
use bevy::prelude::*;

use crate::params::take_specs;
use crate::state::{TrackingSettings, TrackingState};
use crate::take::{ClosingTake, TakeWriter};

/// Stopped takes still being closed, at most: past that the disk is not keeping up and no
/// new take starts until one closes.
const CLOSING_MAX: usize = 4;

/// The take being recorded.
#[derive(Resource, Default)]
pub struct TakeRecorder {
    pub(crate) writer: Option<TakeWriter>,
    pub(crate) start: f64,
    trigger_generation: u64,
    /// Stopped takes whose files are still being written, synced and closed.
    closing: Vec<ClosingTake>,
    /// The last take stopped (its file may still be closing: see [`TakeRecorder::closing()`]).
    pub last: Option<PathBuf>,
    /// Rows in the current or last take.
    pub samples: u64,
    /// Rows of the current or last take dropped because the disk fell behind.
    pub dropped: u64,
    /// Why the last start, recording or stop failed.
    pub error: Option<String>,
}

impl TakeRecorder {
    /// The file being written.
    pub fn recording(&self) -> Option<&Path> {
        self.writer.as_ref().map(TakeWriter::path)
    }

    /// Stopped takes whose files are still being closed.
    pub fn closing(&self) -> usize {
        self.closing.len()
    }
}

/// `/takes/record` starts or stops a take; a failed writer stops it.
pub(crate) fn record_takes(
    settings: Res<TrackingSettings>,
    state: Res<TrackingState>,
    mut recorder: ResMut<TakeRecorder>,
    mut registry: ResMut<ParamRegistry>,
) {
    let generation = registry.entry("/takes/record").map_or(0, |e| e.generation);
    if generation > recorder.trigger_generation {
        recorder.trigger_generation = generation;
        toggle(&settings, state.frame_start, &mut recorder);
    }
    supervise(&mut recorder);
    let recording = recorder.writer.is_some();
    let _ = registry.set_status("/takes/recording", ParamValue::Bool(recording));
}

fn toggle(settings: &TrackingSettings, now: f64, recorder: &mut TakeRecorder) {
    if let Some(writer) = recorder.writer.take() {
        // The writer thread syncs and closes the file; `supervise` collects the outcome.
        let closing = writer.stop();
        info!(
            "take stopped: {} ({} samples{}); closing the file",
            closing.path().display(),
            closing.rows,
            dropped_note(closing.dropped)
        );
        recorder.last = Some(closing.path().to_path_buf());
        recorder.samples = closing.rows;
        recorder.dropped = closing.dropped;
        recorder.error = None;
        recorder.closing.push(closing);
        return;
    }
    if recorder.closing.len() >= CLOSING_MAX {
        let e = format!(
            "cannot record a take: {} stopped takes are still being written (the disk is not keeping up)",
            recorder.closing.len()
        );
        error!("{e}");
        recorder.error = Some(e);
        return;
    }
    let path = settings.takes_dir.join(take_name());
    // The writer thread creates the folder and file; a failure shows at the next frames.
    match TakeWriter::create(&path) {
        Ok(writer) => {
            info!("recording take {}", path.display());
            recorder.writer = Some(writer);
            recorder.start = now;
            recorder.samples = 0;
            recorder.dropped = 0;
            recorder.error = None;
        }
        Err(e) => {
            // No writer thread could start.
            let e = format!("cannot record a take: {e}");
            error!("{e}");
            recorder.error = Some(e);
        }
    }
}

/// Notices a writer thread that ended (folder or file not created, disk full, I/O error,
/// panic) and collects stopped takes once closed. Never waits: each is looked at once a
/// frame.
fn supervise(recorder: &mut TakeRecorder) {
    let failure = recorder.writer.as_mut().and_then(TakeWriter::failure);
    if let Some(e) = failure
        && let Some(writer) = recorder.writer.take()
    {
        let shown = writer.path().display().to_string();
        if writer.opened() {
            error!(
                "take {shown}: {e}; recording stopped ({} samples{})",
                writer.count,
                dropped_note(writer.dropped)
            );
            recorder.error = Some(format!("recording stopped: {shown}: {e}"));
            recorder.last = Some(writer.path().to_path_buf());
            recorder.samples = writer.count;
            recorder.dropped = writer.dropped;
        } else {
            // The error names the folder or file and the OS error; no take was recorded.
            let e = format!("cannot record a take: {e}");
            error!("{e}");
            recorder.error = Some(e);
            recorder.samples = 0;
            recorder.dropped = 0;
        }
    }
    if let Some(writer) = &recorder.writer {
        if recorder.dropped == 0 && writer.dropped > 0 {
            warn!(
                "take {}: the disk is not keeping up; rows are being dropped",
                writer.path().display()
            );
        }
        recorder.dropped = writer.dropped;
    }
    let TakeRecorder { closing, error, .. } = recorder;
    closing.retain_mut(|take| {
        let Some(outcome) = take.poll() else {
            return true;
        };
        let shown = take.path().display();
        match outcome {
            Ok(()) => info!(
                "take recorded: {shown} ({} samples{})",
                take.rows,
                dropped_note(take.dropped)
            ),
            Err(e) => {
                error!("take {shown}: {e}");
                *error = Some(format!("{shown}: {e}"));
            }
        }
        false
    });
}

fn dropped_note(dropped: u64) -> String {
    if dropped == 0 {
        String::new()
    } else {
        format!(", {dropped} dropped: the disk fell behind")
    }
}

/// `take-YYYYMMDD-HHMMSS-mmm.csv` in UTC.
fn take_name() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "take-{y:04}{m:02}{d:02}-{:02}{:02}{:02}-{:03}.csv",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Registers `/takes/...` once.
pub(crate) fn register_take_params(
    mut registry: ResMut<ParamRegistry>,
    mut recorder: ResMut<TakeRecorder>,
) {
    for spec in take_specs() {
        let _ = registry.register(spec);
    }
    // Registering is not a press.
    recorder.trigger_generation = registry.entry("/takes/record").map_or(0, |e| e.generation);
}
