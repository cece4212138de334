//! TCP with SLIP framing (OSC 1.1 streams): an accept thread and one thread per connection,
//! at most [`SlipLimits::max_connections`] at once (more are refused and counted). A
//! connection that sends nothing for [`SlipLimits::idle_timeout`] is closed (counted), and
//! TCP keepalive notices a peer that vanished (a tablet off Wi-Fi) without a byte or a FIN.
//! Finished connection threads are joined by the accept thread as it polls, and every
//! thread is stopped and joined when the listener is dropped. With an [`AllowList`], other
//! peers are refused at accept, before a byte is read.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use socket2::{SockRef, TcpKeepalive};

use crate::access::AllowList;
use crate::backoff::is_idle;
use crate::health::{Health, HealthReport, Worker};
use crate::slip::{SlipDecoder, SlipError};

/// Most connections served at once, by default.
pub const MAX_CONNECTIONS: usize = 32;
const POLL: Duration = Duration::from_millis(50);

/// Bounds on what peers can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlipLimits {
    /// Connections served at once; more are refused.
    pub max_connections: usize,
    /// A connection that sends nothing this long is closed.
    pub idle_timeout: Duration,
    /// Silence before the first keepalive probe.
    pub keepalive_time: Duration,
    /// Between probes (where the system lets it be set).
    pub keepalive_interval: Duration,
    /// Unanswered probes before the system drops the connection (where settable).
    pub keepalive_retries: u32,
}

impl Default for SlipLimits {
    fn default() -> Self {
        Self {
            max_connections: MAX_CONNECTIONS,
            idle_timeout: Duration::from_secs(60),
            keepalive_time: Duration::from_secs(10),
            keepalive_interval: Duration::from_secs(5),
            keepalive_retries: 3,
        }
    }
}

/// What a connection produced.
#[derive(Debug)]
pub enum SlipEvent<'a> {
    /// A whole frame.
    Frame(&'a [u8]),
    /// A broken frame (dropped up to the next END).
    Error(SlipError),
}

type Handler = Arc<dyn Fn(SocketAddr, SlipEvent<'_>) + Send + Sync>;

/// Counts shared by the accept thread, the connection threads and the app.
#[derive(Debug, Default)]
struct Counts {
    /// Connections being served.
    open: AtomicUsize,
    /// Connection threads not yet joined (finished ones are joined within a poll).
    threads: AtomicUsize,
    /// Connections closed for idling.
    idle_closed: AtomicU64,
}

/// Decrements the open count however a connection thread ends, unwinding included.
struct OpenGuard(Arc<Counts>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A running SLIP-over-TCP server.
#[derive(Debug)]
pub struct SlipListener {
    local: SocketAddr,
    counts: Arc<Counts>,
    worker: Worker,
}

/// What the accept thread needs besides its socket.
struct Serve {
    name: String,
    handler: Handler,
    limits: SlipLimits,
    access: Option<Arc<AllowList>>,
    counts: Arc<Counts>,
}

impl SlipListener {
    /// Binds `addr` and serves anyone within the default [`SlipLimits`]; `handler` runs on
    /// the connection threads.
    pub fn bind(
        name: &str,
        addr: impl ToSocketAddrs,
        handler: impl Fn(SocketAddr, SlipEvent<'_>) + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        Self::bind_with(name, addr, SlipLimits::default(), None, handler)
    }

    /// Binds `addr` and serves those `access` allows (`None`: anyone) within `limits`.
    pub fn bind_with(
        name: &str,
        addr: impl ToSocketAddrs,
        limits: SlipLimits,
        access: Option<Arc<AllowList>>,
        handler: impl Fn(SocketAddr, SlipEvent<'_>) + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let local = listener.local_addr()?;
        let counts = Arc::new(Counts::default());
        let serve = Serve {
            name: name.to_string(),
            handler: Arc::new(handler),
            limits,
            access,
            counts: counts.clone(),
        };
        let worker = Worker::spawn(name, move |stop, health| {
            accept_loop(&serve, &listener, stop, health);
        })?;
        Ok(Self {
            local,
            counts,
            worker,
        })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Connections open now.
    pub fn connections(&self) -> usize {
        self.counts.open.load(Ordering::Relaxed)
    }

    /// Connection threads alive or finished but not yet joined (joined within a poll).
    pub fn threads(&self) -> usize {
        self.counts.threads.load(Ordering::Relaxed)
    }

    /// Connections closed because they sent nothing for the idle timeout.
    pub fn idle_closed(&self) -> u64 {
        self.counts.idle_closed.load(Ordering::Relaxed)
    }

    /// Counts (`refused`: connections over the limit), last error, and whether the accept
    /// thread runs.
    pub fn health(&self) -> HealthReport {
        self.worker.report()
    }
}

/// Joins the connection threads that ended.
fn reap(name: &str, threads: &mut Vec<JoinHandle<()>>) {
    let mut i = 0;
    while i < threads.len() {
        if threads[i].is_finished() {
            if threads.swap_remove(i).join().is_err() {
                tracing::error!("{name}: a connection thread ended by a panic");
            }
        } else {
            i += 1;
        }
    }
}

fn accept_loop(
    serve: &Serve,
    listener: &TcpListener,
    stop: &Arc<AtomicBool>,
    health: &Arc<Health>,
) {
    let name = serve.name.as_str();
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        reap(name, &mut threads);
        serve.counts.threads.store(threads.len(), Ordering::Relaxed);
        match listener.accept() {
            Ok((stream, from)) => {
                // Refused before a byte is read; dropping the stream closes it.
                if serve.access.as_ref().is_some_and(|a| !a.admit(from.ip())) {
                    continue;
                }
                if threads.len() >= serve.limits.max_connections {
                    // Threads that ended since the loop's top free their slots first.
                    reap(name, &mut threads);
                }
                if threads.len() >= serve.limits.max_connections {
                    health.refused();
                    tracing::warn!(
                        "{name}: refusing {from}: {} connections open",
                        serve.limits.max_connections
                    );
                    continue;
                }
                health.received();
                serve.counts.open.fetch_add(1, Ordering::Relaxed);
                let guard = OpenGuard(serve.counts.clone());
                let (handler, stop, health2) =
                    (serve.handler.clone(), stop.clone(), health.clone());
                let (label, limits, counts) =
                    (name.to_string(), serve.limits, serve.counts.clone());
                match std::thread::Builder::new()
                    .name(format!("backlot-{name}-conn"))
                    .spawn(move || {
                        let _open = guard;
                        let conn = Conn {
                            name: label.as_str(),
                            from,
                            handler: &handler,
                            limits,
                            counts: &counts,
                        };
                        connection(&conn, stream, &stop, &health2);
                    }) {
                    Ok(t) => threads.push(t),
                    // The closure (and its guard) is dropped: the open count is given back.
                    Err(e) => {
                        health.error(format!("{name}: cannot start a connection thread: {e}"))
                    }
                }
                serve.counts.threads.store(threads.len(), Ordering::Relaxed);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(POLL),
            Err(e) => {
                health.error(format!("{name}: {e}"));
                tracing::warn!("{name}: accept: {e}");
                std::thread::sleep(POLL);
            }
        }
    }
    for t in threads.drain(..) {
        let _ = t.join();
    }
    serve.counts.threads.store(0, Ordering::Relaxed);
}

/// One connection's fixed context.
struct Conn<'a> {
    name: &'a str,
    from: SocketAddr,
    handler: &'a Handler,
    limits: SlipLimits,
    counts: &'a Counts,
}

/// Turns on TCP keepalive with `limits`' timing (interval and retries where settable).
fn keepalive(stream: &TcpStream, limits: &SlipLimits) -> std::io::Result<()> {
    let params = TcpKeepalive::new().with_time(limits.keepalive_time);
    #[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
    let params = params.with_interval(limits.keepalive_interval);
    #[cfg(any(target_os = "linux", target_os = "macos"))]
    let params = params.with_retries(limits.keepalive_retries);
    SockRef::from(stream).set_tcp_keepalive(&params)
}

fn connection(conn: &Conn<'_>, mut stream: TcpStream, stop: &AtomicBool, health: &Health) {
    let (name, from) = (conn.name, conn.from);
    if stream.set_nonblocking(false).is_err() || stream.set_read_timeout(Some(POLL)).is_err() {
        return;
    }
    if let Err(e) = keepalive(&stream, &conn.limits) {
        // The idle timeout still ends a connection whose peer vanished.
        tracing::debug!("{name}: {from}: no TCP keepalive: {e}");
    }
    let mut slip = SlipDecoder::default();
    let mut buf = vec![0u8; 16_384];
    let mut last_byte = Instant::now();
    tracing::info!("{name}: {from} connected");
    while !stop.load(Ordering::Relaxed) {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                last_byte = Instant::now();
                for frame in slip.feed(&buf[..n]) {
                    let event = match &frame {
                        Ok(bytes) => SlipEvent::Frame(bytes),
                        Err(e) => SlipEvent::Error(e.clone()),
                    };
                    if std::panic::catch_unwind(AssertUnwindSafe(|| (conn.handler)(from, event)))
                        .is_err()
                    {
                        health.panicked(name);
                    }
                }
            }
            Err(e) if is_idle(&e) => {
                if last_byte.elapsed() >= conn.limits.idle_timeout {
                    conn.counts.idle_closed.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(
                        "{name}: {from} closed: nothing received for {:?}",
                        conn.limits.idle_timeout
                    );
                    return;
                }
            }
            Err(_) => break,
        }
    }
    tracing::info!("{name}: {from} disconnected");
}

#[cfg(test)]
#[path = "tcp_tests.rs"]
mod tests;
