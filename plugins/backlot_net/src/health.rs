//! What a listener thread has done, readable from the frame: counts, the last error, and
//! whether the thread is still alive (a dead thread is shown, not silently missed).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Shared between a listener thread and whoever shows it.
#[derive(Debug, Default)]
pub struct Health {
    received: AtomicU64,
    errors: AtomicU64,
    panics: AtomicU64,
    refused: AtomicU64,
    running: AtomicBool,
    last_error: Mutex<Option<String>>,
}

/// A copy of [`Health`] at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthReport {
    /// Datagrams, frames or connections taken.
    pub received: u64,
    /// Socket errors.
    pub errors: u64,
    /// Handler panics caught (the loop goes on).
    pub panics: u64,
    /// Connections refused at the limit.
    pub refused: u64,
    /// The thread is running.
    pub running: bool,
    /// The last error.
    pub last_error: Option<String>,
}

impl Health {
    pub(crate) fn received(&self) {
        self.received.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn error(&self, text: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(text);
    }

    pub(crate) fn panicked(&self, what: &str) {
        self.panics.fetch_add(1, Ordering::Relaxed);
        self.error(format!("{what}: a handler panicked; the listener goes on"));
    }

    pub(crate) fn refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn set_running(&self, running: bool) {
        self.running.store(running, Ordering::Relaxed);
    }

    /// The counts now.
    pub fn report(&self) -> HealthReport {
        HealthReport {
            received: self.received.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            panics: self.panics.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            running: self.running.load(Ordering::Relaxed),
            last_error: self
                .last_error
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        }
    }
}

/// Marks the thread stopped however it ends, unwinding included.
pub(crate) struct RunningGuard<'a>(pub &'a Health);

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.0.set_running(false);
    }
}

/// A supervised background thread: it sees its stop flag, reports through its [`Health`],
/// and is stopped and joined when dropped (so its socket is free for a rebind).
#[derive(Debug)]
pub(crate) struct Worker {
    name: String,
    stop: Arc<AtomicBool>,
    health: Arc<Health>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts `body(stop, health)` on a thread named `backlot-<name>`.
    pub(crate) fn spawn(
        name: &str,
        body: impl FnOnce(&Arc<AtomicBool>, &Arc<Health>) + Send + 'static,
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let health = Arc::new(Health::default());
        health.set_running(true);
        let (flag, h) = (stop.clone(), health.clone());
        let thread = std::thread::Builder::new()
            .name(format!("backlot-{name}"))
            .spawn(move || {
                let _running = RunningGuard(&h);
                body(&flag, &h);
            })?;
        Ok(Self {
            name: name.to_string(),
            stop,
            health,
            thread: Some(thread),
        })
    }

    /// Its name, as in logs.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Counts, last error, and whether the thread runs.
    pub(crate) fn report(&self) -> HealthReport {
        self.health.report()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The thread sees the flag within one read timeout or poll.
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::error!("{}: thread ended by a panic", self.name);
        }
    }
}
