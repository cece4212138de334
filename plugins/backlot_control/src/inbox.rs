//! What the network and MIDI threads hand to the frame. Everything received before a frame
//! starts is in the inbox when that frame drains it, so it applies in that frame.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use rosc::OscMessage;

use crate::codec::osc::Timed;

/// An OSC message and its peer.
#[derive(Debug, Clone)]
pub struct OscIn {
    /// Sender (UDP peer or TCP connection).
    pub from: SocketAddr,
    /// The message, with its bundle time.
    pub timed: Timed,
}

/// DMX data from one source.
#[derive(Debug, Clone)]
pub struct DmxIn {
    /// Art-Net (sender address) or sACN (CID).
    pub source: DmxSource,
    /// Art-Net Port-Address or sACN universe.
    pub universe: u16,
    /// 0..200 (Art-Net: 100).
    pub priority: u8,
    /// sACN sequence (Art-Net: its sequence, 0 = off).
    pub sequence: u8,
    /// sACN stream terminated.
    pub terminated: bool,
    /// Slots.
    pub data: Vec<u8>,
    /// Arrival.
    pub at: Instant,
}

/// Who sent DMX.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DmxSource {
    /// Art-Net node or desk, by address.
    ArtNet(SocketAddr),
    /// sACN source, by CID and name.
    Sacn([u8; 16], String),
}

impl DmxSource {
    /// Shown in the DMX monitor.
    pub fn label(&self) -> String {
        match self {
            DmxSource::ArtNet(a) => format!("Art-Net {a}"),
            DmxSource::Sacn(_, name) => format!("sACN \"{name}\""),
        }
    }
}

/// Bytes from a MIDI input port.
#[derive(Debug, Clone)]
pub struct MidiIn {
    /// Port name.
    pub port: String,
    /// Raw bytes (any split, any running status).
    pub bytes: Vec<u8>,
    /// Arrival.
    pub at: Instant,
}

/// A line in a monitor.
#[derive(Debug, Clone)]
pub struct MonitorLine {
    /// When.
    pub at: Instant,
    /// What.
    pub text: String,
    /// An error (shown red).
    pub error: bool,
}

/// Most monitor lines kept per kind.
pub const MONITOR_LINES: usize = 200;
/// Most undelivered items; beyond this a stalled frame drops the oldest (counted).
pub const INBOX_LIMIT: usize = 1 << 17;

/// Error counts by source.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    /// Valid packets or messages.
    pub ok: u64,
    /// Malformed, truncated, oversized or unknown.
    pub errors: u64,
    /// The last error.
    pub last_error: Option<String>,
}

/// The shared inbox.
#[derive(Debug, Default)]
pub struct Inbox {
    /// OSC messages.
    pub osc: Vec<OscIn>,
    /// DMX frames.
    pub dmx: Vec<DmxIn>,
    /// MIDI bytes.
    pub midi: Vec<MidiIn>,
    /// Dropped because the inbox was full.
    pub overflow: u64,
    /// Per-source counters, e.g. `osc 127.0.0.1:5000`, `artnet 10.0.0.5:6454`.
    pub counters: std::collections::BTreeMap<String, Counters>,
    /// OSC monitor.
    pub osc_log: VecDeque<MonitorLine>,
    /// DMX monitor.
    pub dmx_log: VecDeque<MonitorLine>,
    /// MIDI monitor.
    pub midi_log: VecDeque<MonitorLine>,
}

impl Inbox {
    /// Counts a good or bad packet from `source`, logging errors to a monitor.
    pub fn count(&mut self, source: &str, error: Option<String>, log: LogKind) {
        let c = self.counters.entry(source.to_string()).or_default();
        match error {
            None => c.ok += 1,
            Some(e) => {
                c.errors += 1;
                c.last_error = Some(e.clone());
                self.log(log, format!("{source}: {e}"), true);
            }
        }
    }

    /// Adds a monitor line.
    pub fn log(&mut self, kind: LogKind, text: String, error: bool) {
        let log = match kind {
            LogKind::Osc => &mut self.osc_log,
            LogKind::Dmx => &mut self.dmx_log,
            LogKind::Midi => &mut self.midi_log,
        };
        if log.len() >= MONITOR_LINES {
            log.pop_front();
        }
        log.push_back(MonitorLine {
            at: Instant::now(),
            text,
            error,
        });
    }

    /// Whether there is room for more.
    pub fn room(&mut self) -> bool {
        if self.osc.len() + self.dmx.len() + self.midi.len() >= INBOX_LIMIT {
            self.overflow += 1;
            return false;
        }
        true
    }
}

/// Which monitor.
#[derive(Debug, Clone, Copy)]
pub enum LogKind {
    /// OSC.
    Osc,
    /// DMX.
    Dmx,
    /// MIDI.
    Midi,
}

/// Shared between threads and the app.
#[derive(Debug, Clone, Default, bevy::prelude::Resource)]
pub struct SharedInbox(pub Arc<Mutex<Inbox>>);

impl SharedInbox {
    /// Locks, recovering from a poisoned lock (a panicked thread must not stop the show).
    pub fn lock(&self) -> MutexGuard<'_, Inbox> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Describes an OSC message for the monitor.
pub fn describe(m: &OscMessage) -> String {
    let args: Vec<String> = m.args.iter().map(|a| format!("{a:?}")).collect();
    format!("{} {}", m.addr, args.join(" "))
}
