//! Recording takes: `/takes/record` starts and stops a take file, named for when it began.

use std::path::PathBuf;

use backlot_params::{ParamRegistry, ParamValue};
use bevy::prelude::*;

use crate::params::take_specs;
use crate::state::{TrackingSettings, TrackingState};
use crate::take::TakeWriter;

/// The take being recorded.
#[derive(Resource, Default)]
pub struct TakeRecorder {
    pub(crate) writer: Option<TakeWriter>,
    pub(crate) start: f64,
    trigger_generation: u64,
    /// The last finished take.
    pub last: Option<PathBuf>,
    /// Rows in the current or last take.
    pub samples: u64,
    /// Why the last start or stop failed.
    pub error: Option<String>,
}

impl TakeRecorder {
    /// The file being written.
    pub fn recording(&self) -> Option<&std::path::Path> {
        self.writer.as_ref().map(TakeWriter::path)
    }
}

/// `/takes/record` starts or stops a take.
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
    let recording = recorder.writer.is_some();
    let _ = registry.set_status("/takes/recording", ParamValue::Bool(recording));
}

fn toggle(settings: &TrackingSettings, now: f64, recorder: &mut TakeRecorder) {
    if let Some(writer) = recorder.writer.take() {
        let shown = writer.path().display().to_string();
        match writer.finish() {
            Ok(path) => {
                info!("take recorded: {shown} ({} samples)", recorder.samples);
                recorder.last = Some(path);
                recorder.error = None;
            }
            Err(e) => {
                error!("take {shown}: {e}");
                recorder.error = Some(format!("{shown}: {e}"));
            }
        }
        return;
    }
    let path = settings.takes_dir.join(take_name());
    match TakeWriter::create(&path) {
        Ok(writer) => {
            info!("recording take {}", path.display());
            recorder.writer = Some(writer);
            recorder.start = now;
            recorder.samples = 0;
            recorder.error = None;
        }
        Err(e) => {
            error!("cannot record a take at {}: {e}", path.display());
            recorder.error = Some(format!("{}: {e}", path.display()));
        }
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
