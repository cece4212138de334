//! TCP with SLIP framing (OSC 1.1 streams): an accept thread and one thread per connection,
//! at most [`MAX_CONNECTIONS`] at once (more are refused and counted); every thread is
//! stopped and joined when the listener is dropped.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::backoff::is_idle;
use crate::health::{Health, HealthReport, Worker};
use crate::slip::{SlipDecoder, SlipError};

/// Most connections served at once.
pub const MAX_CONNECTIONS: usize = 32;
const POLL: Duration = Duration::from_millis(50);

/// What a connection produced.
#[derive(Debug)]
pub enum SlipEvent<'a> {
    /// A whole frame.
    Frame(&'a [u8]),
    /// A broken frame (dropped up to the next END).
    Error(SlipError),
}

type Handler = Arc<dyn Fn(SocketAddr, SlipEvent<'_>) + Send + Sync>;

/// A running SLIP-over-TCP server.
#[derive(Debug)]
pub struct SlipListener {
    local: SocketAddr,
    open: Arc<AtomicUsize>,
    worker: Worker,
}

impl SlipListener {
    /// Binds `addr` and serves connections; `handler` runs on the connection threads.
    pub fn bind(
        name: &str,
        addr: impl ToSocketAddrs,
        handler: impl Fn(SocketAddr, SlipEvent<'_>) + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let local = listener.local_addr()?;
        let open = Arc::new(AtomicUsize::new(0));
        let handler: Handler = Arc::new(handler);
        let (count, label) = (open.clone(), name.to_string());
        let worker = Worker::spawn(name, move |stop, health| {
            accept_loop(&label, &listener, &handler, stop, health, &count);
        })?;
        Ok(Self {
            local,
            open,
            worker,
        })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Connections open now.
    pub fn connections(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Counts, last error, and whether the accept thread runs.
    pub fn health(&self) -> HealthReport {
        self.worker.report()
    }
}

fn accept_loop(
    name: &str,
    listener: &TcpListener,
    handler: &Handler,
    stop: &Arc<AtomicBool>,
    health: &Arc<Health>,
    open: &Arc<AtomicUsize>,
) {
    let connections: Mutex<Vec<JoinHandle<()>>> = Mutex::default();
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, from)) => {
                let mut threads = connections.lock().unwrap_or_else(|e| e.into_inner());
                threads.retain(|t| !t.is_finished());
                if threads.len() >= MAX_CONNECTIONS {
                    health.refused();
                    tracing::warn!("{name}: refusing {from}: {MAX_CONNECTIONS} connections open");
                    continue;
                }
                health.received();
                let (handler, stop, health2, open2) =
                    (handler.clone(), stop.clone(), health.clone(), open.clone());
                let label = name.to_string();
                match std::thread::Builder::new()
                    .name(format!("backlot-{name}-conn"))
                    .spawn(move || {
                        open2.fetch_add(1, Ordering::Relaxed);
                        connection(&label, stream, from, &handler, &stop, &health2);
                        open2.fetch_sub(1, Ordering::Relaxed);
                    }) {
                    Ok(t) => threads.push(t),
                    Err(e) => {
                        health.error(format!("{name}: cannot start a connection thread: {e}"))
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(POLL),
            Err(e) => {
                health.error(format!("{name}: {e}"));
                tracing::warn!("{name}: accept: {e}");
                std::thread::sleep(POLL);
            }
        }
    }
    let threads = std::mem::take(&mut *connections.lock().unwrap_or_else(|e| e.into_inner()));
    for t in threads {
        let _ = t.join();
    }
}

fn connection(
    name: &str,
    mut stream: TcpStream,
    from: SocketAddr,
    handler: &Handler,
    stop: &AtomicBool,
    health: &Health,
) {
    if stream.set_nonblocking(false).is_err() || stream.set_read_timeout(Some(POLL)).is_err() {
        return;
    }
    let mut slip = SlipDecoder::default();
    let mut buf = vec![0u8; 16_384];
    tracing::info!("{name}: {from} connected");
    while !stop.load(Ordering::Relaxed) {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                for frame in slip.feed(&buf[..n]) {
                    let event = match &frame {
                        Ok(bytes) => SlipEvent::Frame(bytes),
                        Err(e) => SlipEvent::Error(e.clone()),
                    };
                    if std::panic::catch_unwind(AssertUnwindSafe(|| handler(from, event))).is_err()
                    {
                        health.panicked(name);
                    }
                }
            }
            Err(e) if is_idle(&e) => {}
            Err(_) => break,
        }
    }
    tracing::info!("{name}: {from} disconnected");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slip::slip_encode;
    use std::io::Write;
    use std::time::Instant;

    #[test]
    fn frames_arrive_and_drop_joins_every_connection() {
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        let listener = SlipListener::bind("test-slip", "127.0.0.1:0", move |_, e| {
            if let SlipEvent::Frame(b) = e {
                sink.lock().expect("lock").push(b.to_vec());
            }
        })
        .expect("bind");
        let mut client = TcpStream::connect(listener.local_addr()).expect("connect");
        let mut bytes = slip_encode(b"abc");
        bytes.extend(slip_encode(b"de"));
        client.write_all(&bytes).expect("write");
        let start = Instant::now();
        while got.lock().expect("lock").len() < 2 && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(
            *got.lock().expect("lock"),
            vec![b"abc".to_vec(), b"de".to_vec()]
        );
        assert_eq!(listener.connections(), 1);
        let addr = listener.local_addr();
        // The client stays connected: drop must still stop and join its thread.
        drop(listener);
        TcpListener::bind(addr).expect("port free after drop");
        drop(client);
    }
}
