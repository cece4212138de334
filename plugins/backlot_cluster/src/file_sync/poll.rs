//! The primary's own watch on a file: a supervised thread looks at the file's size and
//! modification time every [`POLL_EVERY`](super::POLL_EVERY) and reads it once they have
//! held still for one look (a save in progress is not read half-written). What it reads
//! reaches the frame through a bounded mailbox, where the newest read wins.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use crate::mailbox::Mailbox;
use crate::reload::MAX_FILE;

/// Reads waiting for the frame: only the newest matters, so few (an older one still waiting
/// is superseded and dropped).
const READ_QUEUE: usize = 2;
/// How often a sleeping watch looks at its stop flag (how long dropping it may take).
const STOP_CHECK: Duration = Duration::from_millis(20);

/// What a look at the file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// The file's bytes: it changed since the last read (or this is the first).
    Bytes(Vec<u8>),
    /// It could not be looked at or read (said once until something else happens).
    Failed(String),
    /// It is larger than a reload carries ([`MAX_FILE`]); its size.
    TooLarge(u64),
}

/// What changes when a file is saved: its size and modification time (None where the file
/// system keeps none; then only a change of size is seen).
type Stamp = (u64, Option<SystemTime>);

/// The state between looks, kept apart from the thread so it can be stepped in tests.
#[derive(Debug, Default)]
pub struct Watch {
    /// The stamp at the previous look.
    last_seen: Option<Stamp>,
    /// The stamp of the last bytes read.
    last_read: Option<Stamp>,
    /// The last failure said.
    last_error: Option<String>,
}

impl Watch {
    /// Looks at `path` once; says what is new, if anything.
    pub fn look(&mut self, path: &Path) -> Option<Read> {
        let now = match std::fs::metadata(path) {
            Ok(meta) => (meta.len(), meta.modified().ok()),
            Err(e) => return self.fail(format!("cannot look at {}: {e}", path.display())),
        };
        let settled = self.last_seen == Some(now);
        self.last_seen = Some(now);
        if !settled || self.last_read == Some(now) {
            return None;
        }
        if now.0 > MAX_FILE as u64 {
            self.last_read = Some(now);
            self.last_error = None;
            return Some(Read::TooLarge(now.0));
        }
        match std::fs::read(path) {
            // Grown since it was looked at.
            Ok(bytes) if bytes.len() > MAX_FILE => {
                self.last_read = Some(now);
                Some(Read::TooLarge(bytes.len() as u64))
            }
            Ok(bytes) => {
                self.last_read = Some(now);
                self.last_error = None;
                Some(Read::Bytes(bytes))
            }
            Err(e) => self.fail(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// A failure, said once until the file is read again or fails otherwise (a file that
    /// stays missing must not flood the log).
    fn fail(&mut self, text: String) -> Option<Read> {
        if self.last_error.as_ref() == Some(&text) {
            return None;
        }
        self.last_error = Some(text.clone());
        Some(Read::Failed(text))
    }
}

/// A running watch: stopped and joined when dropped.
pub(crate) struct Poller {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    running: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// What it read, for the frame.
    pub(crate) reads: Mailbox<Read>,
}

/// Marks the thread stopped however it ends, unwinding included.
struct RunningGuard(Arc<AtomicBool>);

impl Drop for RunningGuard {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

impl Poller {
    /// Starts watching `path` on a thread named `backlot-<name>`, looking every `every`.
    pub(crate) fn spawn(name: &str, path: PathBuf, every: Duration) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let running = Arc::new(AtomicBool::new(true));
        let reads = Mailbox::new(READ_QUEUE);
        let (flag, alive) = (stop.clone(), running.clone());
        let (out, file) = (reads.clone(), path.clone());
        let thread = std::thread::Builder::new()
            .name(format!("backlot-{name}"))
            .spawn(move || {
                let _running = RunningGuard(alive);
                let mut watch = Watch::default();
                while !flag.load(Ordering::Relaxed) {
                    if let Some(read) = watch.look(&file) {
                        out.push(read);
                    }
                    sleep_unless_stopped(every, &flag);
                }
            })?;
        Ok(Self {
            path,
            stop,
            running,
            thread: Some(thread),
            reads,
        })
    }

    /// Whether the thread still runs (it ends only when stopped, or by a panic).
    pub(crate) fn running(&self) -> bool {
        self.running.load(Ordering::Relaxed)
    }

    /// The file it watches.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::error!(
                "cluster: the watch on {} ended by a panic",
                self.path.display()
            );
        }
    }
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let mut left = total;
    while !left.is_zero() && !stop.load(Ordering::Relaxed) {
        let step = left.min(STOP_CHECK);
        std::thread::sleep(step);
        left -= step;
    }
}
