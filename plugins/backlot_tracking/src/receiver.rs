//! UDP receive threads: one per tracker socket, or a subscription to the shared OSC port. Each decodes off the main thread and hands
//! samples to the frame through a shared inbox; arrival times are taken while holding the
//! inbox lock, so any sample stamped before a frame's start is already in the inbox when
//! that frame reads it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use backlot_net::osc::Timed;
use backlot_net::{AllowList, HealthReport, OscSink, UdpListener};

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

/// A running receive thread (a [`UdpListener`]; dropping it joins the thread).
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
    listener: UdpListener,
}

impl Receiver {
    /// Binds `addr` (tracking's bind address and the tracker's port) and starts receiving
    /// from those `access` allows; others are refused before decoding. Errors are the
    /// bind's, for the log.
    pub fn start(
        id: u64,
        wire: Wire,
        addr: SocketAddr,
        access: Option<Arc<AllowList>>,
        inbox: SharedInbox,
    ) -> std::io::Result<Self> {
        let listener = UdpListener::bind_with("tracking", addr, access, move |d| {
            deliver(id, wire, d.bytes, &inbox);
        })?;
        Ok(Self {
            id,
            wire,
            requested_port: addr.port(),
            local: listener.local_addr(),
            listener,
        })
    }

    /// The receive thread's counts (datagrams taken, socket errors, handler panics), its
    /// last error, and whether it still runs: a dead thread must be shown, not missed.
    pub fn health(&self) -> HealthReport {
        self.listener.health()
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
                    sort(id, m, &mut values, &mut rejected, &mut ignored);
                }
            }
            Err(e) => rejected.push(Rejected {
                receiver: id,
                camera: None,
                reason: e.to_string(),
            }),
        },
    }
    push(id, values, rejected, ignored, inbox);
}

fn sort(
    id: u64,
    m: Result<osc::OscTracking, osc::OscTrackingError>,
    values: &mut Vec<Payload>,
    rejected: &mut Vec<Rejected>,
    ignored: &mut u64,
) {
    match m {
        Ok(v) => values.push(Payload::Osc(v)),
        Err(osc::OscTrackingError::NotTracking(_)) => *ignored += 1,
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

/// Stamps values with the arrival time, read under the inbox lock.
fn push(id: u64, values: Vec<Payload>, rejected: Vec<Rejected>, ignored: u64, inbox: &SharedInbox) {
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

/// The address prefix tracking takes from the shared OSC port.
pub const CAMERA_PREFIX: &str = "/backlot/camera";

/// Tracking's subscriber on the shared OSC port: the router has decoded the packet once;
/// camera messages become samples of receiver `id`.
#[derive(Debug, Clone)]
pub struct TrackingOsc {
    /// Where samples go.
    pub inbox: SharedInbox,
    /// The receiver id they are stamped with.
    pub id: u64,
}

impl OscSink for TrackingOsc {
    fn receive(&self, _from: SocketAddr, messages: Vec<Timed>) {
        let mut values = Vec::new();
        let mut rejected = Vec::new();
        let mut ignored = 0;
        for m in messages {
            sort(
                self.id,
                osc::message(&m.message.addr, &m.message.args),
                &mut values,
                &mut rejected,
                &mut ignored,
            );
        }
        push(self.id, values, rejected, ignored, &self.inbox);
    }
}
