//! Writing autosaves off the frame: one thread, and one slot for the snapshot it writes
//! next. The frame only puts a snapshot in the slot; a newer one replaces one the thread
//! has not taken yet (it says everything the older one said), so however slow the disk, at
//! most one snapshot waits and the newest is what lands. Each write goes to a temp file in
//! the same folder, is synced, renamed over the autosave and the folder synced: a reader —
//! or a restart after `kill -9` or a power cut — sees the old file or the new one, never
//! half of one. A failed write (full disk, missing folder, a panic) is counted and its
//! reason kept for the panel and the log; the thread goes on with the next snapshot. A
//! thread that ends anyway is noticed by [`AutosaveWriter::supervise`] and started again,
//! a bounded number of times.

use std::io;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
#[cfg(test)]
use std::time::{Duration, Instant};

use backlot_files::save::panic_text;

use super::format::{Autosave, encode};

/// How a snapshot is put on disk (tests put in one that blocks, fails or panics).
pub(crate) type WriteFn = Arc<dyn Fn(&Path, &str) -> io::Result<()> + Send + Sync>;

/// Times a thread that ended is started again before the writer gives up (and says so).
pub const MAX_RESTARTS: u32 = 3;

/// What the writer has done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriterReport {
    /// Snapshots written.
    pub written: u64,
    /// Writes that failed.
    pub failed: u64,
    /// Snapshots replaced by a newer one before the thread took them.
    pub replaced: u64,
    /// Why the last write failed, until one succeeds.
    pub last_error: Option<String>,
    /// The thread runs.
    pub running: bool,
    /// Times the thread was started again.
    pub restarts: u32,
}

#[derive(Default)]
struct Slot {
    next: Option<Arc<Autosave>>,
    busy: bool,
    stop: bool,
    report: WriterReport,
}

#[derive(Default)]
struct Shared {
    slot: Mutex<Slot>,
    /// A snapshot or the stop flag arrived.
    wake: Condvar,
    /// A write finished.
    idle: Condvar,
}

fn lock(m: &Mutex<Slot>) -> MutexGuard<'_, Slot> {
    // A panic while holding the lock leaves plain counters behind: still usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The autosave thread and its slot.
pub(crate) struct AutosaveWriter {
    path: PathBuf,
    write: WriteFn,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    started: bool,
    restarts: u32,
}

impl AutosaveWriter {
    /// A writer to `path`, writing atomically ([`write_atomically`]).
    pub(crate) fn new(path: PathBuf) -> Self {
        Self::with_write(path, Arc::new(write_atomically))
    }

    /// A writer that puts snapshots on disk with `write`. The thread starts with the first
    /// snapshot.
    pub(crate) fn with_write(path: PathBuf, write: WriteFn) -> Self {
        Self {
            path,
            write,
            shared: Arc::new(Shared::default()),
            thread: None,
            started: false,
            restarts: 0,
        }
    }

    /// The autosave file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Hands a snapshot to the thread; never waits for the disk. One still waiting is
    /// replaced (and counted).
    pub(crate) fn submit(&mut self, snapshot: Arc<Autosave>) {
        if !self.started {
            self.started = true;
            self.start();
        }
        let mut slot = lock(&self.shared.slot);
        if slot.next.replace(snapshot).is_some() {
            slot.report.replaced += 1;
        }
        drop(slot);
        self.shared.wake.notify_one();
    }

    /// What the writer has done.
    pub(crate) fn report(&self) -> WriterReport {
        let mut report = lock(&self.shared.slot).report.clone();
        report.running = self.thread.as_ref().is_some_and(|t| !t.is_finished());
        report.restarts = self.restarts;
        report
    }

    /// Notices a thread that ended without being stopped, and starts another (at most
    /// [`MAX_RESTARTS`] times). Returns what happened, for the log; never waits.
    pub(crate) fn supervise(&mut self) -> Option<String> {
        if !self.thread.as_ref().is_some_and(JoinHandle::is_finished) {
            return None;
        }
        let why = match self.thread.take().map(JoinHandle::join) {
            Some(Err(panic)) => format!("it panicked: {}", panic_text(&*panic)),
            _ => "it ended".to_string(),
        };
        let what = format!(
            "the autosave writer for {} stopped: {why}",
            self.path.display()
        );
        lock(&self.shared.slot).report.last_error = Some(what.clone());
        if self.restarts >= MAX_RESTARTS {
            return Some(format!(
                "{what}; not started again after {MAX_RESTARTS} restarts: nothing is autosaved"
            ));
        }
        self.restarts += 1;
        self.start();
        Some(format!("{what}; started again"))
    }

    /// Waits until the slot is empty and no write runs, at most `limit`; whether it is.
    #[cfg(test)]
    pub(crate) fn flush(&self, limit: Duration) -> bool {
        let start = Instant::now();
        let mut slot = lock(&self.shared.slot);
        while slot.next.is_some() || slot.busy {
            let running = self.thread.as_ref().is_some_and(|t| !t.is_finished());
            let left = limit.saturating_sub(start.elapsed());
            if !running || left.is_zero() {
                return false;
            }
            // Woken by each finished write; a short wait also notices a thread that ended.
            let wait = left.min(Duration::from_millis(50));
            slot = self
                .shared
                .idle
                .wait_timeout(slot, wait)
                .map_or_else(|e| e.into_inner().0, |(guard, _)| guard);
        }
        true
    }

    /// Stops the thread: the snapshot waiting in the slot is written first, then it is
    /// joined (one write at most: milliseconds).
    pub(crate) fn stop(&mut self) {
        lock(&self.shared.slot).stop = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take()
            && let Err(panic) = thread.join()
        {
            tracing::error!(
                "the autosave writer for {} panicked: {}",
                self.path.display(),
                panic_text(&*panic)
            );
        }
    }

    fn start(&mut self) {
        lock(&self.shared.slot).stop = false;
        let (shared, path, write) = (self.shared.clone(), self.path.clone(), self.write.clone());
        let spawned = std::thread::Builder::new()
            .name("backlot-autosave".into())
            .spawn(move || run(&shared, &path, &write));
        match spawned {
            Ok(thread) => self.thread = Some(thread),
            Err(e) => {
                let why = format!("cannot start the autosave writer: {e}");
                tracing::error!("{why}");
                let mut slot = lock(&self.shared.slot);
                slot.report.failed += 1;
                slot.report.last_error = Some(why);
            }
        }
    }
}

impl Drop for AutosaveWriter {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The thread: takes the newest snapshot, writes it, until stopped with the slot empty.
fn run(shared: &Shared, path: &Path, write: &WriteFn) {
    loop {
        let snapshot = {
            let mut slot = lock(&shared.slot);
            loop {
                if let Some(next) = slot.next.take() {
                    slot.busy = true;
                    break next;
                }
                if slot.stop {
                    return;
                }
                slot = shared
                    .wake
                    .wait(slot)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        // A panic in encoding or writing is one failed write, not a dead writer.
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let text = encode(&snapshot).map_err(io::Error::other)?;
            write(path, &text)
        }));
        let mut slot = lock(&shared.slot);
        slot.busy = false;
        match result {
            Ok(Ok(())) => {
                slot.report.written += 1;
                slot.report.last_error = None;
            }
            Ok(Err(e)) => {
                slot.report.failed += 1;
                slot.report.last_error = Some(format!("cannot write {}: {e}", path.display()));
            }
            Err(panic) => {
                slot.report.failed += 1;
                slot.report.last_error = Some(format!(
                    "cannot write {}: the writer panicked: {}",
                    path.display(),
                    panic_text(&*panic)
                ));
            }
        }
        drop(slot);
        shared.idle.notify_all();
    }
}

/// The autosave written whole or not at all ([`backlot_files::save::write_atomically`]).
pub(crate) fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    backlot_files::save::write_atomically(path, text.as_bytes())
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
