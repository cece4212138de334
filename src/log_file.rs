//! Warnings and errors also go to a rotating log file (`run --log-dir`), so the error that
//! mattered is still there after the terminal scrolled past it: one file a day, two weeks
//! kept, written by a background thread, floods summarised ([`crate::log_flood`]). A log
//! folder that cannot be written costs one line on stderr, never the show.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bevy::log::BoxedLayer;
use bevy::log::tracing_subscriber::{Layer, layer::Context};
use bevy::prelude::*;
use tracing::{Event, Level, Subscriber};
use tracing_appender::non_blocking::{ErrorCounter, NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_appender::rolling::{RollingFileAppender, Rotation};

use crate::log_flood::FloodGate;

/// Log files kept (one a day).
pub const KEPT_FILES: usize = 14;
/// Lines waiting for the disk at most; past that they are dropped and counted.
const QUEUED_LINES: usize = 10_000;
/// At most one complaint about the log file on stderr per this long.
const COMPLAIN_EVERY: Duration = Duration::from_secs(60);

/// The `--log-dir` value that turns the file off.
pub const NO_LOG_DIR: &str = "none";

/// What the app's logging is built with; inserted before `DefaultPlugins`, read by
/// [`custom_layers`].
#[derive(Resource, Debug, Clone, Default)]
pub struct LogSetup {
    /// Where the log file goes; none: the terminal only.
    pub dir: Option<PathBuf>,
    /// Also feed the operator UI's Log panel.
    pub ui_capture: bool,
}

/// Keeps the file writer's thread alive and flushes it when the app ends.
#[derive(Resource)]
pub struct LogFile {
    /// The folder written to.
    pub dir: PathBuf,
    _guard: WorkerGuard,
}

/// The log folder for `run`: none when turned off (`--no-log-file`, `--log-dir none`), the
/// one given, else the per-user default.
pub fn log_dir(given: Option<&Path>, off: bool) -> Option<PathBuf> {
    if off || given.is_some_and(|d| d.as_os_str() == NO_LOG_DIR) {
        return None;
    }
    Some(given.map_or_else(
        || default_log_dir(std::env::var_os("XDG_STATE_HOME"), std::env::var_os("HOME")),
        Path::to_path_buf,
    ))
}

/// `$XDG_STATE_HOME/backlot/logs`, else `$HOME/.local/state/backlot/logs`, else `./logs`.
pub fn default_log_dir(xdg_state_home: Option<OsString>, home: Option<OsString>) -> PathBuf {
    // The XDG spec ignores relative values.
    let xdg = xdg_state_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let home = home
        .map(PathBuf::from)
        .filter(|p| !p.as_os_str().is_empty());
    match (xdg, home) {
        (Some(state), _) => state.join("backlot").join("logs"),
        (None, Some(home)) => home.join(".local/state/backlot/logs"),
        (None, None) => PathBuf::from("logs"),
    }
}

/// For `LogPlugin::custom_layer`: the UI's capture layer and the log file's, as
/// [`LogSetup`] asks.
pub fn custom_layers(app: &mut App) -> Option<BoxedLayer> {
    let setup = app
        .world()
        .get_resource::<LogSetup>()
        .cloned()
        .unwrap_or_default();
    let mut layers: Vec<BoxedLayer> = Vec::new();
    if setup.ui_capture {
        layers.extend(backlot_ui::capture_layer(app));
    }
    if let Some(dir) = setup.dir {
        match open(&dir) {
            Ok((layer, guard)) => {
                app.insert_resource(LogFile { dir, _guard: guard });
                layers.push(Box::new(layer));
            }
            // Logging is not up yet: stderr is the only place to say it.
            Err(e) => eprintln!(
                "WARN backlot: no log file in {}: {e}; warnings and errors reach the terminal only",
                dir.display()
            ),
        }
    }
    match layers.len() {
        0 => None,
        1 => layers.pop(),
        _ => {
            let all: BoxedLayer = Box::new(layers);
            Some(all)
        }
    }
}

/// The writer thread's disk errors.
#[derive(Debug, Default)]
struct DiskErrors {
    count: AtomicU64,
    last: Mutex<Option<String>>,
}

/// The rolling file, counting what it fails to write (a full disk) for the layer to tell.
struct CountedFile {
    file: RollingFileAppender,
    errors: Arc<DiskErrors>,
}

impl CountedFile {
    fn counted<T>(&self, result: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &result {
            self.errors.count.fetch_add(1, Ordering::Relaxed);
            *self.errors.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
        }
        result
    }
}

impl std::io::Write for CountedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let result = self.file.write(buf);
        self.counted(result)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let result = self.file.flush();
        self.counted(result)
    }
}

fn open(dir: &Path) -> Result<(FileLayer, WorkerGuard), String> {
    // Made first: the appender looks for old files to prune before it creates anything.
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let file = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("backlot")
        .filename_suffix("log")
        .max_log_files(KEPT_FILES)
        .build(dir)
        .map_err(|e| e.to_string())?;
    let errors = Arc::new(DiskErrors::default());
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("backlot-log-file")
        .finish(CountedFile {
            file,
            errors: errors.clone(),
        });
    let layer = FileLayer {
        dir: dir.to_path_buf(),
        dropped: writer.error_counter(),
        writer,
        errors,
        state: Mutex::new(FileState::default()),
    };
    Ok((layer, guard))
}

#[derive(Default)]
struct FileState {
    gate: FloodGate,
    /// Lines dropped and disk errors already complained about.
    told: (usize, u64),
    told_at: Option<Instant>,
}

/// Writes WARN and ERROR events, floods cut, to the file.
struct FileLayer {
    dir: PathBuf,
    writer: NonBlocking,
    dropped: ErrorCounter,
    errors: Arc<DiskErrors>,
    state: Mutex<FileState>,
}

impl FileLayer {
    /// One stderr line when lines are being lost (queue full, disk full), at most once per
    /// [`COMPLAIN_EVERY`]: logging it would only lose it too.
    fn complain(&self, state: &mut FileState, now: Instant) {
        let seen = (
            self.dropped.dropped_lines(),
            self.errors.count.load(Ordering::Relaxed),
        );
        let recently = state
            .told_at
            .is_some_and(|t| now.saturating_duration_since(t) < COMPLAIN_EVERY);
        if seen == state.told || recently {
            return;
        }
        let last = self
            .errors
            .last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or_else(|| "the writer fell behind".into());
        eprintln!(
            "WARN backlot: log file in {}: {} lines dropped, {} write errors (last: {last})",
            self.dir.display(),
            seen.0,
            seen.1
        );
        state.told = seen;
        state.told_at = Some(now);
    }
}

impl<S: Subscriber> Layer<S> for FileLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let level = *meta.level();
        if level > Level::WARN {
            return;
        }
        let mut message = backlot_ui::MessageVisitor::default();
        event.record(&mut message);
        let now = Instant::now();
        let admit = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            self.complain(&mut state, now);
            state.gate.admit(now, level, meta.target(), &message.0)
        };
        let stamp = utc_timestamp(SystemTime::now());
        let mut lines = String::new();
        for repeated in &admit.summaries {
            push_line(
                &mut lines,
                &stamp,
                Level::WARN,
                &repeated.target,
                &repeated.line(),
            );
        }
        if admit.write {
            push_line(&mut lines, &stamp, level, meta.target(), &message.0);
        }
        if !lines.is_empty() {
            // One message to the writer thread; lossy, so it never blocks the frame.
            let _ = self.writer.clone().write_all(lines.as_bytes());
        }
    }
}

/// `<time> <LEVEL> <target>: <message>`; continuation lines indented, so every line that
/// starts at the margin is one event.
fn push_line(out: &mut String, stamp: &str, level: Level, target: &str, message: &str) {
    let message = message.replace('\n', "\n    ");
    let _ = writeln!(out, "{stamp} {level:>5} {target}: {message}");
}

/// `2025-06-01T20:15:03.042Z`: UTC, as the rotated files are named.
pub fn utc_timestamp(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (year, month, day) = civil_date(i64::try_from(secs / 86_400).unwrap_or(i64::MAX));
    let time = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        time / 3600,
        time % 3600 / 60,
        time % 60,
        since.subsec_millis()
    )
}

/// The calendar date `days` after 1970-01-01 (proleptic Gregorian; Howard Hinnant's
/// days-to-civil).
fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_folder_follows_xdg_then_home() {
        let os = |s: &str| Some(OsString::from(s));
        assert_eq!(
            default_log_dir(os("/var/state"), os("/home/op")),
            PathBuf::from("/var/state/backlot/logs")
        );
        assert_eq!(
            default_log_dir(os("relative/ignored"), os("/home/op")),
            PathBuf::from("/home/op/.local/state/backlot/logs")
        );
        assert_eq!(
            default_log_dir(None, os("/home/op")),
            PathBuf::from("/home/op/.local/state/backlot/logs")
        );
        assert_eq!(default_log_dir(None, None), PathBuf::from("logs"));
        assert_eq!(default_log_dir(os(""), os("")), PathBuf::from("logs"));
    }

    #[test]
    fn the_file_can_be_turned_off() {
        assert_eq!(log_dir(Some(Path::new("none")), false), None);
        assert_eq!(log_dir(Some(Path::new("/tmp/x")), true), None);
        assert_eq!(
            log_dir(Some(Path::new("/tmp/x")), false),
            Some(PathBuf::from("/tmp/x"))
        );
        assert!(log_dir(None, false).is_some());
    }

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        let at = |secs: u64, ms: u64| {
            utc_timestamp(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(ms))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(at(951_868_799, 999), "2000-02-29T23:59:59.999Z");
        assert_eq!(at(1_709_251_199, 0), "2024-02-29T23:59:59.000Z");
        assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000Z");
    }

    #[test]
    fn lines_start_with_time_and_level_and_indent_the_rest() {
        let mut out = String::new();
        push_line(
            &mut out,
            "T",
            Level::ERROR,
            "backlot_scene",
            "live.scene.ron:3:7: bad\nsecond",
        );
        push_line(&mut out, "T", Level::WARN, "x", "y");
        assert_eq!(
            out,
            "T ERROR backlot_scene: live.scene.ron:3:7: bad\n    second\nT  WARN x: y\n"
        );
    }

    /// An unwritable folder (a path under a regular file, which even root cannot create)
    /// is an error to report, not a panic.
    #[test]
    fn an_unwritable_folder_is_an_error() {
        let file = std::env::temp_dir().join(format!("backlot-log-file-{}", std::process::id()));
        std::fs::write(&file, "not a folder").expect("temp file");
        let result = open(&file.join("logs"));
        let _ = std::fs::remove_file(&file);
        assert!(result.is_err());
    }
}
