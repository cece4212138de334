//! One UDP listener type for every socket backlot receives on: a thread that reads with a
//! timeout, backs off on socket errors and reports them, survives a panicking handler, and
//! is stopped and joined when the listener is dropped (so the port is free for a rebind).
//! With an [`AllowList`], a datagram from anyone else is counted and dropped before the
//! handler (and so any decoder) sees it.

use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::access::AllowList;
use crate::backoff::{Backoff, Received};
use crate::health::{HealthReport, Worker};

/// How long a read waits before the thread looks at its stop flag.
pub const READ_TIMEOUT: Duration = Duration::from_millis(50);
/// Largest datagram read.
pub const MAX_DATAGRAM: usize = 65_536;

/// One received datagram, handed to the listener's handler on its thread.
#[derive(Debug)]
pub struct Datagram<'a> {
    /// The bytes.
    pub bytes: &'a [u8],
    /// The sender.
    pub from: SocketAddr,
    /// When it was read.
    pub at: Instant,
    /// The socket, for replies (Art-Net answers ArtPoll on it).
    pub socket: &'a UdpSocket,
}

/// A running UDP receive thread. The handler runs on that thread and hands what it decodes
/// to a bounded inbox of its owner; the listener itself holds no queue.
#[derive(Debug)]
pub struct UdpListener {
    local: SocketAddr,
    worker: Worker,
}

impl UdpListener {
    /// Binds `addr` and starts receiving from anyone.
    pub fn bind(
        name: &str,
        addr: impl ToSocketAddrs,
        handler: impl FnMut(Datagram<'_>) + Send + 'static,
    ) -> std::io::Result<Self> {
        Self::start_with(name, UdpSocket::bind(addr)?, None, handler)
    }

    /// Binds `addr` and starts receiving from those `access` allows (`None`: anyone).
    pub fn bind_with(
        name: &str,
        addr: impl ToSocketAddrs,
        access: Option<Arc<AllowList>>,
        handler: impl FnMut(Datagram<'_>) + Send + 'static,
    ) -> std::io::Result<Self> {
        Self::start_with(name, UdpSocket::bind(addr)?, access, handler)
    }

    /// Starts receiving from anyone on a socket bound elsewhere (shared ports, multicast).
    pub fn start(
        name: &str,
        socket: UdpSocket,
        handler: impl FnMut(Datagram<'_>) + Send + 'static,
    ) -> std::io::Result<Self> {
        Self::start_with(name, socket, None, handler)
    }

    /// Starts receiving on a socket bound elsewhere from those `access` allows; a refused
    /// datagram is counted by the list and never reaches `handler`.
    pub fn start_with(
        name: &str,
        socket: UdpSocket,
        access: Option<Arc<AllowList>>,
        mut handler: impl FnMut(Datagram<'_>) + Send + 'static,
    ) -> std::io::Result<Self> {
        socket.set_read_timeout(Some(READ_TIMEOUT))?;
        let local = socket.local_addr()?;
        let label = name.to_string();
        let worker = Worker::spawn(name, move |stop, health| {
            let mut buf = vec![0u8; MAX_DATAGRAM];
            let mut backoff = Backoff::default();
            while !stop.load(Ordering::Relaxed) {
                match backoff.recv(&socket, &mut buf) {
                    Received::Datagram(_, from)
                        if access.as_ref().is_some_and(|a| !a.admit(from.ip())) => {}
                    Received::Datagram(len, from) => {
                        health.received();
                        let datagram = Datagram {
                            bytes: &buf[..len],
                            from,
                            at: Instant::now(),
                            socket: &socket,
                        };
                        // A handler bug costs one datagram, not the listener.
                        if std::panic::catch_unwind(AssertUnwindSafe(|| handler(datagram))).is_err()
                        {
                            tracing::error!("{label}: handler panicked; datagram dropped");
                            health.panicked(&label);
                        }
                    }
                    Received::Idle => {}
                    Received::Error { error, first } => {
                        if first {
                            tracing::warn!(
                                "{label}: socket error: {error}; retrying with back-off"
                            );
                        }
                        health.error(format!("{label}: {error}"));
                    }
                }
            }
        })?;
        Ok(Self { local, worker })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Its name, as in logs.
    pub fn name(&self) -> &str {
        self.worker.name()
    }

    /// Counts, last error, and whether the thread runs.
    pub fn health(&self) -> HealthReport {
        self.worker.report()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn delivers_datagrams_and_frees_the_port_when_dropped() {
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        let listener = UdpListener::bind("test-udp", "127.0.0.1:0", move |d| {
            sink.lock().expect("lock").push(d.bytes.to_vec());
        })
        .expect("bind");
        let addr = listener.local_addr();
        let peer = UdpSocket::bind("127.0.0.1:0").expect("peer");
        peer.send_to(b"one", addr).expect("send");
        peer.send_to(b"two", addr).expect("send");
        let start = Instant::now();
        while got.lock().expect("lock").len() < 2 && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(
            *got.lock().expect("lock"),
            vec![b"one".to_vec(), b"two".to_vec()]
        );
        assert!(listener.health().running);
        assert_eq!(listener.health().received, 2);
        drop(listener);
        // Joined: the same port binds again at once.
        UdpSocket::bind(addr).expect("port free after drop");
    }

    #[test]
    fn senders_outside_the_allow_list_are_refused_before_the_handler() {
        use crate::access::{Cidr, Protocol};
        let calls = Arc::new(Mutex::new(Vec::new()));
        let sink = calls.clone();
        let only_one = Cidr::parse("127.0.0.1/32").expect("cidr");
        let access = Arc::new(AllowList::new(Protocol::Osc, &[only_one]));
        let listener = UdpListener::bind_with(
            "test-allow",
            "127.0.0.1:0",
            Some(access.clone()),
            move |d| {
                sink.lock()
                    .expect("lock")
                    .push((d.from.ip(), d.bytes.to_vec()));
            },
        )
        .expect("bind");
        let addr = listener.local_addr();
        // Linux answers on all of 127.0.0.0/8; the stranger is another loopback address.
        let stranger = UdpSocket::bind("127.0.0.2:0").expect("bind 127.0.0.2");
        let friend = UdpSocket::bind("127.0.0.1:0").expect("peer");
        stranger.send_to(b"not you", addr).expect("send");
        friend.send_to(b"welcome", addr).expect("send");
        let start = Instant::now();
        while (calls.lock().expect("lock").is_empty() || access.refused() == 0)
            && start.elapsed() < Duration::from_secs(5)
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(
            *calls.lock().expect("lock"),
            vec![(friend.local_addr().expect("addr").ip(), b"welcome".to_vec())],
            "the handler never saw the stranger's datagram"
        );
        assert_eq!(access.refused(), 1);
        assert_eq!(
            access.last_refused(),
            Some("127.0.0.2".parse().expect("ip"))
        );
        assert_eq!(listener.health().received, 1);
    }

    #[test]
    fn a_panicking_handler_costs_one_datagram_not_the_listener() {
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        let listener = UdpListener::bind("test-panic", "127.0.0.1:0", move |d| {
            assert_ne!(d.bytes, b"boom", "handler bug");
            sink.lock().expect("lock").push(d.bytes.to_vec());
        })
        .expect("bind");
        let peer = UdpSocket::bind("127.0.0.1:0").expect("peer");
        peer.send_to(b"boom", listener.local_addr()).expect("send");
        peer.send_to(b"fine", listener.local_addr()).expect("send");
        let start = Instant::now();
        while got.lock().expect("lock").is_empty() && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(*got.lock().expect("lock"), vec![b"fine".to_vec()]);
        let health = listener.health();
        assert_eq!(health.panics, 1);
        assert!(health.running);
    }
}
