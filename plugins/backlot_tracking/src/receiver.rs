//! UDP receive threads: one per tracker socket. Each decodes off the main thread and hands
//! samples to the frame through a shared inbox; arrival times are taken while holding the
//! inbox lock, so any sample stamped before a frame's start is already in the inbox when
//! that frame reads it.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::codec::{freed, osc};

/// What one datagram carried.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// A FreeD D1 packet.
    Freed(freed::FreedD1),
    /// An OSC tracking value.
    Osc(osc::OscTracking),
}

/// A decoded value and when it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// Seconds since the tracking clock's epoch.
    pub t: f64,
    /// Which receiver.
    pub receiver: u64,
    /// The value.
    pub payload: Payload,
}

/// A datagram, or a message in it, that could not be used.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// Which receiver.
    pub receiver: u64,
    /// The camera the bytes name, when readable.
    pub camera: Option<u32>,
    /// Why.
    pub reason: String,
}

/// Most undelivered values held; beyond this a stalled frame loses the oldest (counted).
pub const INBOX_LIMIT: usize = 1 << 16;

/// Filled by receive threads, emptied each frame.
#[derive(Debug, Default)]
pub struct Inbox {
    /// Decoded values, in arrival order.
    pub items: Vec<Incoming>,
    /// Unusable input.
    pub rejected: Vec<Rejected>,
    /// Values dropped because the inbox was full.
    pub overflow: u64,
    /// Non-tracking OSC messages seen (other traffic on a shared port).
    pub ignored: u64,
}

/// The clock every live sample is stamped with.
#[derive(Debug, Clone)]
pub struct SharedInbox {
    inbox: Arc<Mutex<Inbox>>,
    epoch: Instant,
}

impl Default for SharedInbox {
    fn default() -> Self {
        Self {
            inbox: Arc::default(),
            epoch: Instant::now(),
        }
    }
}

impl SharedInbox {
    /// Locks the inbox and reads the clock under the lock.
    pub fn lock(&self) -> (MutexGuard<'_, Inbox>, f64) {
        let guard = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
        let now = self.epoch.elapsed().as_secs_f64();
        (guard, now)
    }

    /// Seconds since the epoch.
    pub fn now(&self) -> f64 {
        self.epoch.elapsed().as_secs_f64()
    }
}

/// Which protocol a socket speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wire {
    /// FreeD D1.
    Freed,
    /// OSC.
    Osc,
}

/// A running receive thread.
#[derive(Debug)]
pub struct Receiver {
    /// Its id, stamped on everything it delivers.
    pub id: u64,
    /// Protocol.
    pub wire: Wire,
    /// The port asked for (0: any).
    pub requested_port: u16,
    /// Where it listens.
    pub local: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The thread notices within its read timeout; joining keeps the port free for a rebind.
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const READ_TIMEOUT: Duration = Duration::from_millis(50);

impl Receiver {
    /// Binds `0.0.0.0:port` and starts receiving. Errors are the bind's, for the log.
    pub fn start(id: u64, wire: Wire, port: u16, inbox: SharedInbox) -> std::io::Result<Self> {
        let socket = UdpSocket::bind(("0.0.0.0", port))?;
        socket.set_read_timeout(Some(READ_TIMEOUT))?;
        let local = socket.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("backlot-tracking-{}", local.port()))
            .spawn(move || receive_loop(id, wire, &socket, &inbox, &flag))?;
        Ok(Self {
            id,
            wire,
            requested_port: port,
            local,
            stop,
            thread: Some(thread),
        })
    }
}

fn receive_loop(id: u64, wire: Wire, socket: &UdpSocket, inbox: &SharedInbox, stop: &AtomicBool) {
    let mut buf = vec![0u8; 65_536];
    while !stop.load(Ordering::Relaxed) {
        let len = match socket.recv_from(&mut buf) {
            Ok((len, _)) => len,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(e) => {
                tracing::warn!("tracking socket {}: {e}", id);
                std::thread::sleep(READ_TIMEOUT);
                continue;
            }
        };
        deliver(id, wire, &buf[..len], inbox);
    }
}

/// Decodes one datagram and puts the result in the inbox (also used by tests and replay
/// of raw captures).
pub fn deliver(id: u64, wire: Wire, bytes: &[u8], inbox: &SharedInbox) {
    let mut values = Vec::new();
    let mut rejected = Vec::new();
    let mut ignored = 0;
    match wire {
        Wire::Freed => match freed::decode(bytes) {
            Ok(p) => values.push(Payload::Freed(p)),
            Err(e) => rejected.push(Rejected {
                receiver: id,
                camera: freed::FreedError::camera_hint(bytes).map(u32::from),
                reason: e.to_string(),
            }),
        },
        Wire::Osc => match osc::decode(bytes) {
            Ok(messages) => {
                for m in messages {
                    match m {
                        Ok(v) => values.push(Payload::Osc(v)),
                        Err(osc::OscTrackingError::NotTracking(_)) => ignored += 1,
                        Err(e) => rejected.push(Rejected {
                            receiver: id,
                            camera: match &e {
                                osc::OscTrackingError::BadArguments { camera, .. } => Some(*camera),
                                _ => None,
                            },
                            reason: e.to_string(),
                        }),
                    }
                }
            }
            Err(e) => rejected.push(Rejected {
                receiver: id,
                camera: None,
                reason: e.to_string(),
            }),
        },
    }
    let (mut guard, t) = inbox.lock();
    guard.ignored += ignored;
    for payload in values {
        if guard.items.len() >= INBOX_LIMIT {
            guard.overflow += 1;
            continue;
        }
        guard.items.push(Incoming {
            t,
            receiver: id,
            payload,
        });
    }
    if guard.rejected.len() < INBOX_LIMIT {
        guard.rejected.extend(rejected);
    } else {
        guard.overflow += rejected.len() as u64;
    }
}

/// OSC tracking that arrives on another plugin's socket: the control plugin's OSC port
/// carries `/backlot/camera/...` too, so a tracker on that port listens through this tap
/// instead of binding the port a second time.
#[derive(Debug, Clone, bevy::prelude::Resource)]
pub struct OscTap {
    /// The shared port.
    pub port: u16,
    inner: Arc<Mutex<Option<(SharedInbox, u64)>>>,
}

impl OscTap {
    /// A tap for `port`, inserted by whoever owns that socket.
    pub fn new(port: u16) -> Self {
        Self {
            port,
            inner: Arc::default(),
        }
    }

    /// Hands a datagram to tracking (ignored until a tracker listens on the port).
    pub fn deliver(&self, bytes: &[u8]) {
        let target = self.inner.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some((inbox, id)) = target {
            deliver(id, Wire::Osc, bytes, &inbox);
        }
    }

    pub(crate) fn connect(&self, target: Option<(SharedInbox, u64)>) {
        *self.inner.lock().unwrap_or_else(|e| e.into_inner()) = target;
    }
}
