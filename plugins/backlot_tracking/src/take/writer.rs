//! Writing a take on a thread of its own. The thread creates the folder and file too, so
//! starting a take never waits for the disk either; the frame only queues rows into a
//! bounded queue (a full queue drops and counts, it never waits), stopping only signals the
//! thread, and a thread that died (folder or file not created, disk full, I/O error, panic)
//! is noticed by the next poll.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use backlot_files::save::panic_text;

use super::row::{HEADER, TakeRow};

/// Rows queued for the writer thread at most: over half a minute of four cameras at 60 Hz.
/// Past that the disk is not keeping up, and rows are dropped and counted rather than the
/// frame waiting for it.
pub const ROW_QUEUE: usize = 8192;

/// The thread flushes at least this often, so a failing disk shows within it.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// How a writer thread ended.
type Outcome = io::Result<()>;

/// Writes rows on a thread of its own, flushing after every burst so a crash loses at most
/// the rows of the last frame.
#[derive(Debug)]
pub struct TakeWriter {
    path: PathBuf,
    rows: Option<SyncSender<String>>,
    thread: Option<JoinHandle<Outcome>>,
    /// Set by the thread once the file is created and its header written.
    opened: Arc<AtomicBool>,
    /// Rows queued so far.
    pub count: u64,
    /// Rows dropped: the queue was full (the disk fell behind) or the thread had ended.
    pub dropped: u64,
}

impl TakeWriter {
    /// Starts a take at `path`. The writer thread creates the file (and its folder) and
    /// writes the header; rows queued meanwhile wait for it. When that fails the thread
    /// ends, [`TakeWriter::failure`] says why (naming the folder or file, with the OS
    /// error's kind), [`TakeWriter::opened`] stays false, and no empty file is left behind.
    /// Fails at once only when no thread can start.
    pub fn create(path: &Path) -> io::Result<Self> {
        let target = path.to_path_buf();
        let open = move || {
            let file = create_file(&target)?;
            begin(file, &target).inspect_err(|_| {
                // No take was started: leave no empty file behind.
                let _ = std::fs::remove_file(&target);
            })
        };
        Self::start(path, open, sync_file)
    }

    /// A writer into `sink` instead of a file (a disk that fills up, a sink that panics),
    /// shown as `path`.
    #[cfg(test)]
    pub(crate) fn with_sink(path: &Path, sink: Box<dyn Write + Send>) -> io::Result<Self> {
        let shown = path.to_path_buf();
        Self::start(path, move || begin(sink, &shown), |_| Ok(()))
    }

    fn start<W: Write + 'static>(
        path: &Path,
        open: impl FnOnce() -> io::Result<BufWriter<W>> + Send + 'static,
        sync: fn(&mut W) -> io::Result<()>,
    ) -> io::Result<Self> {
        let (tx, rx) = mpsc::sync_channel::<String>(ROW_QUEUE);
        let opened = Arc::new(AtomicBool::new(false));
        let flag = opened.clone();
        let thread = std::thread::Builder::new()
            .name("backlot-take-writer".into())
            .spawn(move || {
                let out = open()?;
                flag.store(true, Ordering::Release);
                write_rows(out, &rx, sync)
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            rows: Some(tx),
            thread: Some(thread),
            opened,
            count: 0,
            dropped: 0,
        })
    }

    /// The file is created and its header written: false while the thread is still opening
    /// it, and for good when that failed (no take was recorded).
    pub fn opened(&self) -> bool {
        self.opened.load(Ordering::Acquire)
    }

    /// Queues a row; never waits. A full queue drops the row and counts it.
    pub fn write(&mut self, row: &TakeRow) {
        let Some(tx) = &self.rows else { return };
        if tx.try_send(row.to_csv()).is_ok() {
            self.count += 1;
        } else {
            self.dropped += 1;
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the thread ended, once it has ended on its own (the file not created, a failed
    /// write, a panic): it only ends by itself on failure. Never waits.
    pub fn failure(&mut self) -> Option<io::Error> {
        if !self.thread.as_ref().is_some_and(JoinHandle::is_finished) {
            return None;
        }
        match self.thread.take().map(join)? {
            Ok(()) => Some(io::Error::other("the take writer stopped on its own")),
            Err(e) => Some(e),
        }
    }

    /// Stops taking rows. The thread writes what is queued, syncs and closes the file while
    /// the frame goes on; the result is collected from the [`ClosingTake`].
    pub fn stop(mut self) -> ClosingTake {
        // Dropping the sender is the signal.
        self.rows = None;
        ClosingTake {
            path: std::mem::take(&mut self.path),
            thread: self.thread.take(),
            rows: self.count,
            dropped: self.dropped,
        }
    }

    /// Writes everything queued, syncs the file and closes it, waiting for all of it (for
    /// tools and tests; the app uses [`TakeWriter::stop`]).
    pub fn finish(self) -> io::Result<PathBuf> {
        self.stop().wait()
    }
}

impl Drop for TakeWriter {
    fn drop(&mut self) {
        // At exit while recording: the take is finished before the process goes.
        self.rows = None;
        if let Some(thread) = self.thread.take()
            && let Err(e) = join(thread)
        {
            tracing::error!("take {}: {e}", self.path.display());
        }
    }
}

/// A stopped take whose thread is still writing the last rows, syncing and closing the file.
#[derive(Debug)]
pub struct ClosingTake {
    path: PathBuf,
    thread: Option<JoinHandle<Outcome>>,
    /// Rows queued in the take.
    pub rows: u64,
    /// Rows dropped from the take.
    pub dropped: u64,
}

impl ClosingTake {
    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The outcome once the file is closed; `None` while the thread still works. Never
    /// waits.
    pub fn poll(&mut self) -> Option<io::Result<()>> {
        if self.thread.as_ref().is_some_and(|t| !t.is_finished()) {
            return None;
        }
        Some(self.thread.take().map_or(Ok(()), join))
    }

    /// Waits until the file is closed.
    pub fn wait(mut self) -> io::Result<PathBuf> {
        self.thread.take().map_or(Ok(()), join)?;
        Ok(std::mem::take(&mut self.path))
    }
}

impl Drop for ClosingTake {
    fn drop(&mut self) {
        // At exit: the file is synced and closed before the process goes.
        if let Some(thread) = self.thread.take()
            && let Err(e) = join(thread)
        {
            tracing::error!("take {}: {e}", self.path.display());
        }
    }
}

/// The take's folder and file; errors name the one that could not be created.
fn create_file(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot create the takes folder {}: {e}", dir.display()),
            )
        })?;
    }
    File::create(path)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display())))
}

/// The header, written and flushed; errors name the file.
fn begin<W: Write>(sink: W, path: &Path) -> io::Result<BufWriter<W>> {
    let context =
        |e: io::Error| io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()));
    let mut out = BufWriter::new(sink);
    writeln!(out, "{HEADER}").map_err(context)?;
    out.flush().map_err(context)?;
    Ok(out)
}

fn sync_file(file: &mut File) -> io::Result<()> {
    file.sync_all()
}

/// The thread: rows until the sender goes, then the rest, a flush and a sync.
fn write_rows<W: Write>(
    mut out: BufWriter<W>,
    rows: &Receiver<String>,
    sync: fn(&mut W) -> io::Result<()>,
) -> Outcome {
    loop {
        match rows.recv_timeout(FLUSH_EVERY) {
            Ok(line) => writeln!(out, "{line}")?,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        // Drain what is queued, then flush the burst.
        while let Ok(line) = rows.try_recv() {
            writeln!(out, "{line}")?;
        }
        out.flush()?;
    }
    let mut inner = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    sync(&mut inner)
}

/// The thread's outcome; a panic becomes an error (the thread must not look alive).
fn join(thread: JoinHandle<Outcome>) -> Outcome {
    thread.join().unwrap_or_else(|panic| {
        Err(io::Error::other(format!(
            "the take writer thread panicked: {}",
            panic_text(&*panic)
        )))
    })
}
