//! The OSCQuery server's thread: one current-thread tokio runtime, supervised like
//! `backlot_net`'s workers (a stop flag, health readable from the app, joined on drop) and
//! restarted with a growing delay if the runtime panics or cannot start.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use backlot_net::AllowList;

use super::http::{self, Ctx, Limits};
use super::namespace::SharedSnapshot;
use super::stats::{Counters, Stats};

/// Longest wait before a restart.
const RESTART_BACKOFF_MAX: Duration = Duration::from_secs(5);
/// A run that lasted this long was healthy: the restart delays start over.
const HEALTHY_RUN: Duration = Duration::from_secs(30);
/// How often a restart delay looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(20);

/// The running OSCQuery HTTP server; dropping it stops the thread, closes every
/// connection and the listening socket, and joins.
#[derive(Debug)]
pub struct HttpServer {
    local: SocketAddr,
    stop: Arc<AtomicBool>,
    counters: Arc<Counters>,
    thread: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// Serves `snapshot` on `listener` (see [`super::bind`]) within `limits`, to anyone.
    pub fn start(
        listener: std::net::TcpListener,
        snapshot: SharedSnapshot,
        limits: Limits,
    ) -> std::io::Result<Self> {
        Self::start_with(listener, snapshot, limits, None)
    }

    /// Serves `snapshot` on `listener` within `limits`, to those `access` allows (others
    /// are closed at accept, before a byte is read).
    pub fn start_with(
        listener: std::net::TcpListener,
        snapshot: SharedSnapshot,
        limits: Limits,
        access: Option<Arc<AllowList>>,
    ) -> std::io::Result<Self> {
        // tokio takes over only non-blocking sockets.
        listener.set_nonblocking(true)?;
        let local = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let counters = Arc::new(Counters::default());
        counters.running.store(true, Ordering::Relaxed);
        let (flag, shared) = (stop.clone(), counters.clone());
        let thread = std::thread::Builder::new()
            .name("backlot-oscquery".into())
            .spawn(move || {
                let serve = Serve {
                    listener: &listener,
                    snapshot: &snapshot,
                    limits,
                    access: access.as_ref(),
                };
                supervise(&serve, &flag, &shared);
            })?;
        Ok(Self {
            local,
            stop,
            counters,
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Its counters now, and whether its thread runs.
    pub fn stats(&self) -> Stats {
        self.counters.stats()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The accept loop sees the flag within one poll.
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::error!("OSCQuery: server thread ended by a panic");
        }
    }
}

/// Marks the thread stopped however it ends, unwinding included.
struct NotRunning<'a>(&'a Counters);

impl Drop for NotRunning<'_> {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::Relaxed);
    }
}

/// What every life of the server serves, and to whom.
struct Serve<'a> {
    listener: &'a std::net::TcpListener,
    snapshot: &'a SharedSnapshot,
    limits: Limits,
    access: Option<&'a Arc<AllowList>>,
}

/// Runs the server until `stop`, restarting it after a panic or a failed start.
fn supervise(serve: &Serve<'_>, stop: &AtomicBool, counters: &Arc<Counters>) {
    let _running = NotRunning(counters);
    let mut failures: u32 = 0;
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| run(serve, stop, counters)));
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let why = match outcome {
            Ok(Ok(())) => "stopped".to_string(),
            Ok(Err(e)) => format!("cannot run ({e})"),
            Err(_) => "panicked".to_string(),
        };
        if started.elapsed() > HEALTHY_RUN {
            failures = 0;
        }
        let delay = super::backoff(failures, RESTART_BACKOFF_MAX);
        failures = failures.saturating_add(1);
        Counters::add(&counters.restarts);
        counters.error(format!("server {why}; restarted"));
        tracing::error!("OSCQuery: the server {why}; restarting in {delay:?}");
        let until = Instant::now() + delay;
        while Instant::now() < until && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(STOP_POLL);
        }
    }
}

/// One life of the runtime: the accept loop until `stop`. Dropping the runtime at the end
/// drops every connection task, which closes its socket.
fn run(serve: &Serve<'_>, stop: &AtomicBool, counters: &Arc<Counters>) -> std::io::Result<()> {
    // A descriptor of its own, so a restart can take the socket again.
    let listener = serve.listener.try_clone()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let ctx = Arc::new(Ctx::new(
        serve.limits,
        serve.snapshot.clone(),
        counters.clone(),
        serve.access.cloned(),
    ));
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        http::accept_loop(listener, ctx, stop).await;
        Ok::<(), std::io::Error>(())
    })
}
