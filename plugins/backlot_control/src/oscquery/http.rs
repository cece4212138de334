//! OSCQuery over HTTP/1 (hyper) on one tokio runtime: an accept loop that never gives up,
//! at most [`Limits::max_connections`] at once (the least useful one is closed to make
//! room), and per connection a header size limit, a header read timeout (which also ends
//! idle keep-alives), a write timeout and a lifetime. Connections are independent tasks: a
//! slow one delays no other.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use backlot_net::AllowList;

use super::namespace::{SharedSnapshot, Snapshot, answer};
use super::stats::Counters;
use super::write_deadline::WriteDeadline;

/// hyper's smallest read buffer; a smaller header limit is raised to it.
const MIN_HEADER_BYTES: usize = 8192;
/// How often the accept loop looks at its stop flag while nobody connects.
const ACCEPT_POLL: Duration = Duration::from_millis(100);
/// Longest wait between accept retries.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_millis(500);
/// At most one accept error logged per this long (the rest are counted).
const LOG_EVERY: Duration = Duration::from_secs(5);
/// How often a request that arrived before the scene's parameters looks again.
const READY_POLL: Duration = Duration::from_millis(20);

/// Bounds on what clients can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// Largest request head (at least 8 KiB); a larger one is answered 431 and closed.
    pub max_header_bytes: usize,
    /// Time for a whole request head to arrive; also the longest a kept-alive connection
    /// idles between requests.
    pub header_timeout: Duration,
    /// Longest a reply may make no progress (the client stopped reading).
    pub write_timeout: Duration,
    /// Longest one connection lives; then it closes after the reply in flight.
    pub lifetime: Duration,
    /// Longest a request waits for the scene's parameters before a 503.
    pub ready_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 256,
            max_header_bytes: 16 * 1024,
            header_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(10),
            lifetime: Duration::from_secs(60),
            ready_wait: Duration::from_secs(5),
        }
    }
}

/// Binds `addr` for OSCQuery with a deep accept queue, so a burst of connections waits in
/// the kernel instead of being dropped.
pub fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// What a connection is doing, for choosing which to close when full.
#[derive(Debug, Default)]
pub(super) struct ConnState {
    /// A request is being answered (its wait for the scene included).
    busy: AtomicBool,
    /// Requests answered.
    served: AtomicU64,
    /// When it was accepted or last answered, in ms since the runtime started.
    active_ms: AtomicU64,
    /// A reply made no progress for the write timeout.
    pub(super) stalled: AtomicBool,
}

impl ConnState {
    fn idle(&self) -> bool {
        !self.busy.load(Ordering::Relaxed)
    }

    fn never_served(&self) -> bool {
        self.served.load(Ordering::Relaxed) == 0
    }
}

/// One open connection: how to close it and what it is doing.
struct Open {
    abort: AbortHandle,
    state: Arc<ConnState>,
}

/// Shared by the accept loop and the connection tasks of one runtime.
pub(super) struct Ctx {
    limits: Limits,
    snapshot: SharedSnapshot,
    counters: Arc<Counters>,
    /// Who may connect (`None`: anyone); others are closed at accept, unread.
    access: Option<Arc<AllowList>>,
    open: Mutex<BTreeMap<u64, Open>>,
    next_id: AtomicU64,
    started: Instant,
}

impl Ctx {
    pub(super) fn new(
        limits: Limits,
        snapshot: SharedSnapshot,
        counters: Arc<Counters>,
        access: Option<Arc<AllowList>>,
    ) -> Self {
        counters.open.store(0, Ordering::Relaxed);
        Self {
            limits,
            snapshot,
            counters,
            access,
            open: Mutex::default(),
            next_id: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn table(&self) -> MutexGuard<'_, BTreeMap<u64, Open>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn close(&self, id: u64) {
        let mut table = self.table();
        table.remove(&id);
        self.counters
            .open
            .store(table.len() as u64, Ordering::Relaxed);
    }

    /// Closes the connection least worth keeping; false when every one is mid-request.
    fn evict_one(&self) -> bool {
        let abort = {
            let mut table = self.table();
            let Some(id) = victim(&table) else {
                return false;
            };
            let open = table.remove(&id);
            self.counters
                .open
                .store(table.len() as u64, Ordering::Relaxed);
            open.map(|o| o.abort)
        };
        // Outside the lock: the aborted task frees its slot through the same table.
        if let Some(abort) = abort {
            abort.abort();
        }
        Counters::add(&self.counters.evicted);
        true
    }
}

/// Which connection to close for a new one: the oldest that never completed a request (an
/// idle or slow client, what a connection storm is made of), else the one idle longest
/// between requests; never one whose request is being answered.
fn victim(table: &BTreeMap<u64, Open>) -> Option<u64> {
    table
        .iter()
        .find(|(_, o)| o.state.idle() && o.state.never_served())
        .or_else(|| {
            table
                .iter()
                .filter(|(_, o)| o.state.idle())
                .min_by_key(|(_, o)| o.state.active_ms.load(Ordering::Relaxed))
        })
        .map(|(id, _)| *id)
}

/// Out of file descriptors (ENFILE 23, EMFILE 24 on Linux and macOS): the connection stays
/// queued in the kernel until a descriptor is free.
fn out_of_descriptors(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(23 | 24))
}

/// Logs the first accept error, then at most one line per [`LOG_EVERY`] with how many
/// were not logged.
#[derive(Default)]
struct QuietLog {
    last: Option<Instant>,
    unlogged: u64,
}

impl QuietLog {
    fn warn(&mut self, e: &std::io::Error) {
        if self.last.is_some_and(|t| t.elapsed() < LOG_EVERY) {
            self.unlogged += 1;
            return;
        }
        if self.unlogged > 0 {
            tracing::warn!(
                "OSCQuery: accept: {e} ({} more since the last report); retrying",
                self.unlogged
            );
        } else {
            tracing::warn!("OSCQuery: accept: {e}; retrying");
        }
        self.last = Some(Instant::now());
        self.unlogged = 0;
    }
}

/// Accepts until `stop`; an accept error is counted, logged (rate-limited) and retried
/// after a short wait, never the end of the loop.
pub(super) async fn accept_loop(listener: TcpListener, ctx: Arc<Ctx>, stop: &AtomicBool) {
    let mut failures: u32 = 0;
    let mut log = QuietLog::default();
    while !stop.load(Ordering::Relaxed) {
        let Ok(accepted) = tokio::time::timeout(ACCEPT_POLL, listener.accept()).await else {
            continue;
        };
        match accepted {
            // Not on the allow-list: dropped unread (the list counts it).
            Ok((_, peer)) if ctx.access.as_ref().is_some_and(|a| !a.admit(peer.ip())) => {
                failures = 0;
            }
            Ok((stream, _)) => {
                failures = 0;
                admit(&ctx, stream);
            }
            Err(e) => {
                Counters::add(&ctx.counters.accept_errors);
                ctx.counters.error(format!("accept: {e}"));
                log.warn(&e);
                if out_of_descriptors(&e) {
                    // An idle connection's descriptor is worth more to whoever is queued.
                    ctx.evict_one();
                }
                tokio::time::sleep(super::backoff(failures, ACCEPT_BACKOFF_MAX)).await;
                failures = failures.saturating_add(1);
            }
        }
    }
}

/// Serves `stream` as its own task, closing another connection first when full.
fn admit(ctx: &Arc<Ctx>, stream: TcpStream) {
    let full = ctx.table().len() >= ctx.limits.max_connections;
    if full && !ctx.evict_one() {
        // Every connection is mid-request; dropping the stream closes it.
        Counters::add(&ctx.counters.refused);
        return;
    }
    Counters::add(&ctx.counters.accepted);
    let _ = stream.set_nodelay(true);
    let id = ctx.next_id.fetch_add(1, Ordering::Relaxed);
    let state = Arc::new(ConnState::default());
    state.active_ms.store(ctx.now_ms(), Ordering::Relaxed);
    let task = tokio::spawn(connection(ctx.clone(), id, state.clone(), stream));
    // On this one-thread runtime the task has not run yet, so it cannot have ended already.
    let mut table = ctx.table();
    table.insert(
        id,
        Open {
            abort: task.abort_handle(),
            state,
        },
    );
    ctx.counters
        .open
        .store(table.len() as u64, Ordering::Relaxed);
}

/// Frees a connection's slot however its task ends: closed, timed out or aborted.
struct Slot {
    ctx: Arc<Ctx>,
    id: u64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.ctx.close(self.id);
    }
}

/// One connection, from its first byte to its close.
async fn connection(ctx: Arc<Ctx>, id: u64, state: Arc<ConnState>, stream: TcpStream) {
    let _slot = Slot {
        ctx: ctx.clone(),
        id,
    };
    let limits = ctx.limits;
    let io = TokioIo::new(WriteDeadline::new(
        stream,
        limits.write_timeout,
        state.clone(),
    ));
    let service = {
        let (ctx, state) = (ctx.clone(), state.clone());
        service_fn(move |request: Request<Incoming>| {
            let (ctx, state) = (ctx.clone(), state.clone());
            // What the answer needs, taken now: the request (and its body) is not held.
            let get = *request.method() == Method::GET || *request.method() == Method::HEAD;
            let target = request
                .uri()
                .path_and_query()
                .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
            async move { Ok::<_, Infallible>(respond(&ctx, &state, get, &target).await) }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes.max(MIN_HEADER_BYTES))
        .keep_alive(true);
    let mut conn = std::pin::pin!(builder.serve_connection(io, service));
    let ended = match tokio::time::timeout(limits.lifetime, conn.as_mut()).await {
        Ok(ended) => Some(ended),
        Err(_) => {
            // Lived long enough: finish the reply in flight, then close.
            conn.as_mut().graceful_shutdown();
            tokio::time::timeout(limits.write_timeout, conn.as_mut())
                .await
                .ok()
        }
    };
    match ended {
        Some(Ok(())) => {}
        Some(Err(e)) if !state.stalled.load(Ordering::Relaxed) && !e.is_timeout() => {
            tracing::debug!("OSCQuery: connection closed: {e}");
        }
        _ => Counters::add(&ctx.counters.timed_out),
    }
}

/// The reply to one request, after the scene's parameters are there (or a 503).
async fn respond(ctx: &Ctx, state: &ConnState, get: bool, target: &str) -> Response<Full<Bytes>> {
    state.busy.store(true, Ordering::Relaxed);
    let (status, body) = if !get {
        (405, json!({ "ERROR": "only GET" }).to_string())
    } else if let Some(snapshot) = ready(&ctx.snapshot, ctx.limits.ready_wait).await {
        answer(&snapshot, target)
    } else {
        let error = "the scene's parameters are not published yet; retry";
        (503, json!({ "ERROR": error }).to_string())
    };
    state.served.fetch_add(1, Ordering::Relaxed);
    state.active_ms.store(ctx.now_ms(), Ordering::Relaxed);
    state.busy.store(false, Ordering::Relaxed);
    json_response(status, body)
}

/// The snapshot once it is ready, waiting up to `wait`; `None` if it never was.
async fn ready(shared: &SharedSnapshot, wait: Duration) -> Option<Snapshot> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        // A copy of a pointer and two ports: the app's lock is held no longer than that.
        let snapshot = shared.read().unwrap_or_else(|e| e.into_inner()).clone();
        if snapshot.ready {
            return Some(snapshot);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(READY_POLL).await;
    }
}

fn json_response(status: u16, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    match status {
        405 => {
            headers.insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        }
        503 => {
            headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        _ => {}
    }
    response
}
