//! Saving a user's file from the running app without ever leaving half of it, and without
//! stalling the frame: [`write_atomically`] (temp file beside it, fsync, read back, rename,
//! folder fsync) and [`SaveSlot`], one background save at a time. The show's looks and cues,
//! the control map's learned bindings and the show's autosave all save this way.

use std::any::Any;
use std::io::{self, Write};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use tracing::error;

/// The folder a file is in (`.` for a bare name).
pub fn folder(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A file beside `path`, named from its name (`t.show.ron` → `t.show.ron.bak`).
pub fn beside(path: &Path, name: impl FnOnce(&str) -> String) -> PathBuf {
    let own = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    folder(path).join(name(&own))
}

/// A temp file beside `path` for one write: hidden, and unique in the process (an exit-time
/// save, a panel save and a background save may overlap).
pub fn temp_beside(path: &Path) -> PathBuf {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    beside(path, |name| {
        format!(".{name}.tmp-{}-{n}", std::process::id())
    })
}

/// Writes `bytes` to `path` so that the file is the old one or the new one, whole, at every
/// moment: into a temp file beside it, synced, read back, renamed over `path`, the folder
/// synced. On any failure the temp file is removed and `path` is as it was.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomically_via(&temp_beside(path), path, bytes)
}

/// [`write_atomically`] through the temp file `tmp` (tests put a full disk there).
pub fn write_atomically_via(tmp: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Err(e) = write_then_rename(tmp, path, bytes) {
        let _ = std::fs::remove_file(tmp);
        return Err(e);
    }
    // The rename itself is durable once the folder is synced.
    if let Ok(dir) = std::fs::File::open(folder(path)) {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn write_then_rename(tmp: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = std::fs::File::create(tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    // What replaces the file is exactly what was meant.
    if std::fs::read(tmp)? != bytes {
        return Err(io::Error::other(
            "the temp file does not read back as written",
        ));
    }
    std::fs::rename(tmp, path)
}

/// A panic's message.
pub fn panic_text(p: &(dyn Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// A save to run: what it writes, moved to the save thread.
pub type SaveJob<O> = Box<dyn FnOnce() -> Result<O, String> + Send + Sync>;

/// How a save that finishes at exit (nobody polls any more) is reported.
pub type ExitReport<T, O> = fn(&T, Result<O, String>);

struct Running<T, O> {
    tag: T,
    thread: JoinHandle<Result<O, String>>,
}

/// At most one save thread, and at most one request waiting for it. A request made while a
/// save runs waits, and a newer one replaces it (each says everything to write, so the
/// newest says it all; the replaced ones are counted), so two saves never race on one file.
/// A save thread that panics is a failed save, not a lost one. Dropped at exit, the slot
/// finishes the save under way and the one waiting before the process goes.
///
/// `T` rides along on the frame's side (the path, what was asked for); `O` is what a
/// finished save says.
pub struct SaveSlot<T, O> {
    /// Names the thread (`backlot-show-save`).
    thread_name: &'static str,
    /// Names what is saved in messages: "cannot save {what}: …".
    what: &'static str,
    running: Option<Running<T, O>>,
    queued: Option<(T, SaveJob<O>)>,
    /// A save whose thread could not start, reported by the next poll.
    unstarted: Option<(T, Result<O, String>)>,
    replaced: u64,
    at_exit: ExitReport<T, O>,
}

impl<T, O> std::fmt::Debug for SaveSlot<T, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaveSlot")
            .field("thread_name", &self.thread_name)
            .field("running", &self.running.is_some())
            .field("queued", &self.queued.is_some())
            .field("replaced", &self.replaced)
            .finish()
    }
}

impl<T: Send + 'static, O: Send + 'static> SaveSlot<T, O> {
    /// An empty slot. `at_exit` reports the saves finished when it is dropped.
    pub fn new(thread_name: &'static str, what: &'static str, at_exit: ExitReport<T, O>) -> Self {
        Self {
            thread_name,
            what,
            running: None,
            queued: None,
            unstarted: None,
            replaced: 0,
            at_exit,
        }
    }

    fn panicked(&self, p: &(dyn Any + Send)) -> String {
        format!(
            "cannot save {}: the save thread panicked: {}",
            self.what,
            panic_text(p)
        )
    }

    /// Runs `job` off the frame, after any save under way; replaces a request still waiting.
    pub fn request(&mut self, tag: T, job: SaveJob<O>) {
        if self.running.is_some() {
            if self.queued.replace((tag, job)).is_some() {
                self.replaced += 1;
            }
        } else {
            self.spawn(tag, job);
        }
    }

    /// A save is under way, waiting, or its result not yet taken.
    pub fn busy(&self) -> bool {
        self.running.is_some() || self.queued.is_some() || self.unstarted.is_some()
    }

    /// Requests a newer one replaced before they ran.
    pub fn replaced(&self) -> u64 {
        self.replaced
    }

    /// A finished save, once; never waits. The waiting request, if any, starts then.
    pub fn poll(&mut self) -> Option<(T, Result<O, String>)> {
        if let Some(done) = self.unstarted.take() {
            return Some(done);
        }
        if !self
            .running
            .as_ref()
            .is_some_and(|r| r.thread.is_finished())
        {
            return None;
        }
        let Running { tag, thread } = self.running.take()?;
        let result = thread.join().unwrap_or_else(|p| Err(self.panicked(&*p)));
        if let Some((tag, job)) = self.queued.take() {
            self.spawn(tag, job);
        }
        Some((tag, result))
    }

    fn spawn(&mut self, tag: T, job: SaveJob<O>) {
        let started = std::thread::Builder::new()
            .name(self.thread_name.into())
            .spawn(job);
        match started {
            Ok(thread) => self.running = Some(Running { tag, thread }),
            Err(e) => {
                let why = format!("cannot save {}: cannot start a thread: {e}", self.what);
                error!("{why}");
                self.unstarted = Some((tag, Err(why)));
            }
        }
    }
}

impl<T, O> Drop for SaveSlot<T, O> {
    fn drop(&mut self) {
        // At exit: an edit is written before the process goes (milliseconds of file work),
        // not cut off with it.
        let what = self.what;
        let panicked = |p: &(dyn Any + Send)| {
            format!(
                "cannot save {what}: the save thread panicked: {}",
                panic_text(p)
            )
        };
        if let Some(r) = self.running.take() {
            let result = r.thread.join().unwrap_or_else(|p| Err(panicked(&*p)));
            (self.at_exit)(&r.tag, result);
        }
        if let Some((tag, job)) = self.queued.take() {
            let result = std::panic::catch_unwind(AssertUnwindSafe(job))
                .unwrap_or_else(|p| Err(panicked(&*p)));
            (self.at_exit)(&tag, result);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("backlot-files-save-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        dir
    }

    fn temp_files(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
                    .count()
            })
            .unwrap_or(0)
    }

    fn done<T: Send + 'static, O: Send + 'static>(
        slot: &mut SaveSlot<T, O>,
    ) -> (T, Result<O, String>) {
        let start = Instant::now();
        loop {
            if let Some(d) = slot.poll() {
                return d;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "the save never finished"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn an_atomic_write_replaces_the_file_whole_and_leaves_no_temp_file() {
        let dir = scratch("write");
        let path = dir.join("a.ron");
        std::fs::write(&path, "old").expect("write");
        write_atomically(&path, b"new text").expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new text");
        assert_eq!(temp_files(&dir), 0);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_leaves_the_file_as_it_was_and_no_temp_file() {
        let dir = scratch("full");
        let path = dir.join("a.ron");
        std::fs::write(&path, "old").expect("write");
        // Every write to /dev/full fails with ENOSPC: a disk that fills mid-save.
        let tmp = temp_beside(&path);
        std::os::unix::fs::symlink("/dev/full", &tmp).expect("symlink");
        let e = write_atomically_via(&tmp, &path, b"new").expect_err("the disk is full");
        assert_eq!(e.raw_os_error(), Some(28), "{e}");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "old");
        assert_eq!(temp_files(&dir), 0);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn saves_run_one_at_a_time_and_the_newest_waiting_wins() {
        let mut slot: SaveSlot<u32, u32> = SaveSlot::new("test-save", "the test", |_, _| {});
        let gate = Arc::new(Mutex::new(()));
        let held = gate.lock().expect("lock");
        let wait = Arc::clone(&gate);
        slot.request(
            1,
            Box::new(move || {
                let _open = wait.lock().map_err(|e| e.to_string())?;
                Ok(10)
            }),
        );
        slot.request(2, Box::new(|| Ok(20)));
        slot.request(3, Box::new(|| Ok(30)));
        assert_eq!(slot.replaced(), 1);
        assert!(slot.poll().is_none(), "the first still runs");
        drop(held);
        assert_eq!(done(&mut slot), (1, Ok(10)));
        assert_eq!(done(&mut slot), (3, Ok(30)));
        assert!(!slot.busy());
    }

    #[test]
    fn a_panicking_save_is_a_failed_save() {
        let mut slot: SaveSlot<&str, ()> = SaveSlot::new("test-save", "the test", |_, _| {});
        slot.request("x", Box::new(|| panic!("save exploded")));
        let (tag, result) = done(&mut slot);
        assert_eq!(tag, "x");
        let why = result.expect_err("a panic is a failure");
        assert!(
            why.contains("cannot save the test: the save thread panicked: save exploded"),
            "{why}"
        );
        assert!(!slot.busy());
    }

    #[test]
    fn dropping_the_slot_finishes_what_runs_and_what_waits() {
        static REPORTED: Mutex<Vec<(u32, bool)>> = Mutex::new(Vec::new());
        let mut slot: SaveSlot<u32, ()> = SaveSlot::new("test-save", "the test", |tag, r| {
            if let Ok(mut v) = REPORTED.lock() {
                v.push((*tag, r.is_ok()));
            }
        });
        slot.request(
            1,
            Box::new(|| {
                std::thread::sleep(Duration::from_millis(20));
                Ok(())
            }),
        );
        slot.request(2, Box::new(|| panic!("at exit")));
        drop(slot);
        let reported = REPORTED.lock().expect("lock").clone();
        assert_eq!(reported, [(1, true), (2, false)]);
    }
}
