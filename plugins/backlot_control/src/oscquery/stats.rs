//! What the OSCQuery server did, counted on its thread and read by the app.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use backlot_net::HealthReport;

/// Counters shared between the server thread and the app.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) open: AtomicU64,
    pub(crate) accepted: AtomicU64,
    pub(crate) evicted: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) timed_out: AtomicU64,
    pub(crate) accept_errors: AtomicU64,
    pub(crate) restarts: AtomicU64,
    pub(crate) running: AtomicBool,
    last_error: Mutex<Option<String>>,
}

impl Counters {
    /// One more of `counter`.
    pub(crate) fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Keeps `text` as the last error.
    pub(crate) fn error(&self, text: String) {
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(text);
    }

    /// The counts now.
    pub(crate) fn stats(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            open: get(&self.open),
            accepted: get(&self.accepted),
            evicted: get(&self.evicted),
            refused: get(&self.refused),
            timed_out: get(&self.timed_out),
            accept_errors: get(&self.accept_errors),
            restarts: get(&self.restarts),
            running: self.running.load(Ordering::Relaxed),
            last_error: self
                .last_error
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        }
    }
}

/// A copy of the OSCQuery server's counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections open now.
    pub open: u64,
    /// Connections accepted since start.
    pub accepted: u64,
    /// Idle or slow connections closed to make room for a new one.
    pub evicted: u64,
    /// New connections closed at once: every open one was mid-request.
    pub refused: u64,
    /// Connections closed for a head that did not arrive in time, an idle keep-alive, or
    /// replies the client stopped reading.
    pub timed_out: u64,
    /// Failed accepts (out of file descriptors, aborted handshakes…), each retried.
    pub accept_errors: u64,
    /// Times the server's runtime died (panic, failed start) and was restarted.
    pub restarts: u64,
    /// The server thread is running.
    pub running: bool,
    /// The last error.
    pub last_error: Option<String>,
}

impl Stats {
    /// The counts as the monitors show every listener.
    pub fn health(&self) -> HealthReport {
        HealthReport {
            received: self.accepted,
            errors: self.accept_errors,
            panics: self.restarts,
            refused: self.refused,
            running: self.running,
            last_error: self.last_error.clone(),
        }
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} open, {} accepted, {} evicted, {} refused, {} timed out, {} accept errors",
            self.open,
            self.accepted,
            self.evicted,
            self.refused,
            self.timed_out,
            self.accept_errors
        )?;
        if self.restarts > 0 {
            write!(f, ", {} restarts", self.restarts)?;
        }
        if !self.running {
            write!(f, ", stopped")?;
        }
        Ok(())
    }
}
