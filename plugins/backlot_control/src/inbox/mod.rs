//! What the network and MIDI threads hand to the frame. Everything received before a frame
//! starts is in the inbox when that frame drains it, so it applies in that frame.
//!
//! One bounded queue per protocol, so an OSC flood never starves DMX or MIDI:
//! limited in items and bytes, dropping the oldest when full, and coalescing continuous
//! values (an OSC fader, a DMX universe) so the newest always survives. What is dropped or
//! coalesced is counted, shown in the monitors and published under `/status/inbox/...`.

mod items;
mod lane;
mod text;

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::codec::midi::Mtc;
use crate::codec::sacn;
use items::{continuous, osc_bytes};
use lane::Lane;

pub use items::{DmxIn, DmxSource, MidiIn, OscIn};
pub use lane::{LaneStats, Limits};
pub use text::{DESCRIBE_ARGS, DESCRIBE_CHARS, describe, truncate};

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
/// Characters of a monitor line.
pub const MAX_LINE_CHARS: usize = 320;
/// Characters of an error kept per sender.
pub const MAX_ERROR_CHARS: usize = 200;
/// Senders with statistics; the least recently heard is forgotten (counted) for a new one.
pub const MAX_SENDERS: usize = 256;
/// The OSC queue: a fader at 1 kHz from 16 surfaces for a second, with room to spare.
pub const OSC_LIMITS: Limits = Limits {
    items: 16_384,
    bytes: 8 << 20,
};
/// The DMX queue: 64 universes at 44 Hz for over a second (frames per universe coalesce).
pub const DMX_LIMITS: Limits = Limits {
    items: 4_096,
    bytes: 4 << 20,
};
/// The MIDI queue (never coalesced: running status makes bytes depend on what came before).
pub const MIDI_LIMITS: Limits = Limits {
    items: 8_192,
    bytes: 1 << 20,
};

/// Error counts by source.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    /// Valid packets or messages.
    pub ok: u64,
    /// Malformed, truncated, oversized or unknown.
    pub errors: u64,
    /// The last error (at most [`MAX_ERROR_CHARS`] characters).
    pub last_error: Option<String>,
    /// When last counted (the inbox's count clock), for least-recently-used eviction.
    pub seen: u64,
}

/// Everything the inbox held, for one frame.
#[derive(Debug, Default)]
pub struct Drained {
    /// OSC messages, in arrival order (coalesced values at their newest position).
    pub osc: Vec<OscIn>,
    /// DMX frames, in arrival order.
    pub dmx: Vec<DmxIn>,
    /// MIDI bytes, in arrival order.
    pub midi: Vec<MidiIn>,
}

/// Every queue's counts, and the sender table's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxStats {
    /// The OSC queue.
    pub osc: LaneStats,
    /// The DMX queue.
    pub dmx: LaneStats,
    /// The MIDI queue.
    pub midi: LaneStats,
    /// Senders with statistics now.
    pub senders: usize,
    /// Senders forgotten to keep the table within [`MAX_SENDERS`].
    pub senders_evicted: u64,
}

impl InboxStats {
    /// One protocol's queue.
    pub fn lane(&self, kind: LogKind) -> &LaneStats {
        match kind {
            LogKind::Osc => &self.osc,
            LogKind::Dmx => &self.dmx,
            LogKind::Midi => &self.midi,
        }
    }
}

/// What a monitor draws, copied out so the lock is not held while drawing.
#[derive(Debug, Clone, Default)]
pub struct MonitorSnapshot {
    /// Every queue's counts.
    pub stats: InboxStats,
    /// Senders under the monitor's prefixes.
    pub counters: Vec<(String, Counters)>,
    /// The monitor's lines, oldest first.
    pub lines: Vec<MonitorLine>,
}

/// A sACN frame waiting, with the sequence of the first frame it stands for.
#[derive(Debug)]
struct PendingDmx {
    frame: DmxIn,
    base: u8,
}

/// The shared inbox.
#[derive(Debug)]
pub struct Inbox {
    /// Keyed by sender and address; only immediate, all-numeric messages coalesce.
    osc: Lane<(SocketAddr, String), OscIn>,
    /// Keyed by source and universe: a frame is a full snapshot.
    dmx: Lane<(DmxSource, u16), PendingDmx>,
    midi: Lane<(), MidiIn>,
    /// Per-source counters, e.g. `osc 127.0.0.1:5000`, `artnet 10.0.0.5:6454`; at most
    /// [`MAX_SENDERS`] when filled through [`Inbox::count`].
    pub counters: BTreeMap<String, Counters>,
    /// The senders by when they were last counted, oldest first: forgetting one is a pop,
    /// not a scan (a churn of new senders would otherwise scan the table per packet).
    by_seen: BTreeMap<u64, String>,
    senders_evicted: u64,
    clock: u64,
    /// OSC monitor.
    pub osc_log: VecDeque<MonitorLine>,
    /// DMX monitor.
    pub dmx_log: VecDeque<MonitorLine>,
    /// MIDI monitor.
    pub midi_log: VecDeque<MonitorLine>,
    /// The latest Art-Net time code: only the newest matters, so one slot, not a queue.
    timecode: Option<Mtc>,
    timecodes_replaced: u64,
}

impl Default for Inbox {
    fn default() -> Self {
        Self {
            osc: Lane::new(OSC_LIMITS),
            dmx: Lane::new(DMX_LIMITS),
            midi: Lane::new(MIDI_LIMITS),
            counters: BTreeMap::new(),
            by_seen: BTreeMap::new(),
            senders_evicted: 0,
            clock: 0,
            osc_log: VecDeque::new(),
            dmx_log: VecDeque::new(),
            midi_log: VecDeque::new(),
            timecode: None,
            timecodes_replaced: 0,
        }
    }
}

impl Inbox {
    /// Queues an OSC message. A message with only numbers or booleans, due now, replaces
    /// the one its sender has pending for the same address (a fader's newest value wins);
    /// triggers, strings, blobs and timed bundles are kept one by one.
    pub fn push_osc(&mut self, m: OscIn) {
        let bytes = osc_bytes(&m.timed.message);
        let key = continuous(&m.timed).then(|| (m.from, m.timed.message.addr.clone()));
        self.osc.push(m, bytes, key, |_, _| true);
    }

    /// Queues a DMX frame; it replaces the pending frame of its source and universe.
    pub fn push_dmx(&mut self, d: DmxIn) {
        let bytes = d.data.len();
        let key = (d.source.clone(), d.universe);
        let base = d.sequence;
        let pending = PendingDmx { frame: d, base };
        self.dmx.push(pending, bytes, Some(key), |old, new| {
            // A termination must reach the merge, or the source would seem to continue.
            if old.frame.terminated {
                return false;
            }
            if matches!(new.frame.source, DmxSource::Sacn(..)) {
                // The merge rejects a sequence up to 19 behind the last it took; a run of
                // more than half the sequence space could land there, so it starts anew.
                if (new.frame.sequence.wrapping_sub(old.base) as i8) <= 0 {
                    return false;
                }
                debug_assert!(sacn::sequence_accepts(old.base, new.frame.sequence));
                new.base = old.base;
            }
            true
        });
    }

    /// Queues MIDI bytes (never coalesced).
    pub fn push_midi(&mut self, m: MidiIn) {
        let bytes = m.bytes.len();
        self.midi.push(m, bytes, None, |_, _| false);
    }

    /// Holds the latest time code from the network; an older one not yet taken is replaced
    /// (counted).
    pub fn push_timecode(&mut self, tc: Mtc) {
        if self.timecode.replace(tc).is_some() {
            self.timecodes_replaced += 1;
        }
    }

    /// The time code that arrived since the last take.
    pub fn take_timecode(&mut self) -> Option<Mtc> {
        self.timecode.take()
    }

    /// Time codes replaced by a newer one before a frame took them.
    pub fn timecodes_replaced(&self) -> u64 {
        self.timecodes_replaced
    }

    /// Takes everything queued, from all three queues.
    pub fn drain(&mut self) -> Drained {
        Drained {
            osc: self.osc.drain(),
            dmx: self.dmx.drain().into_iter().map(|p| p.frame).collect(),
            midi: self.midi.drain(),
        }
    }

    /// Every queue's counts.
    pub fn stats(&self) -> InboxStats {
        InboxStats {
            osc: self.osc.stats(),
            dmx: self.dmx.stats(),
            midi: self.midi.stats(),
            senders: self.counters.len(),
            senders_evicted: self.senders_evicted,
        }
    }

    /// A copy of what a monitor shows: counts, senders under `prefixes`, lines.
    pub fn monitor(&self, kind: LogKind, prefixes: &[&str]) -> MonitorSnapshot {
        MonitorSnapshot {
            stats: self.stats(),
            counters: self
                .counters
                .iter()
                .filter(|(k, _)| prefixes.iter().any(|p| k.starts_with(p)))
                .map(|(k, c)| (k.clone(), c.clone()))
                .collect(),
            lines: self.log_of(kind).iter().cloned().collect(),
        }
    }

    /// Counts `n` good packets from `source` at once (the frame tallies a sender's good
    /// messages and counts them under one lock).
    pub fn count_ok(&mut self, source: &str, n: u64) {
        if let Some(c) = self.touch(source) {
            c.ok += n;
        }
    }

    /// Counts a good or bad packet from `source`, logging errors to a monitor.
    pub fn count(&mut self, source: &str, error: Option<String>, log: LogKind) {
        let Some(c) = self.touch(source) else {
            return;
        };
        match error {
            None => c.ok += 1,
            Some(e) => {
                let e = truncate(e, MAX_ERROR_CHARS);
                let line = format!("{source}: {e}");
                c.errors += 1;
                c.last_error = Some(e);
                self.log(log, line, true);
            }
        }
    }

    /// The counters of `source`, now the most recently seen (a new sender may evict the
    /// least recently seen one).
    fn touch(&mut self, source: &str) -> Option<&mut Counters> {
        self.clock += 1;
        let clock = self.clock;
        match self.counters.get_mut(source) {
            Some(c) => {
                self.by_seen.remove(&c.seen);
                c.seen = clock;
            }
            None => {
                if self.counters.len() >= MAX_SENDERS {
                    self.forget_a_sender();
                }
                self.counters.insert(
                    source.to_string(),
                    Counters {
                        seen: clock,
                        ..Counters::default()
                    },
                );
            }
        }
        self.by_seen.insert(clock, source.to_string());
        self.counters.get_mut(source)
    }

    /// Drops the least recently counted sender.
    fn forget_a_sender(&mut self) {
        if let Some((_, k)) = self.by_seen.pop_first() {
            self.counters.remove(&k);
            self.senders_evicted += 1;
        }
    }

    /// Adds a monitor line (cut to [`MAX_LINE_CHARS`]).
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
            text: truncate(text, MAX_LINE_CHARS),
            error,
        });
    }

    fn log_of(&self, kind: LogKind) -> &VecDeque<MonitorLine> {
        match kind {
            LogKind::Osc => &self.osc_log,
            LogKind::Dmx => &self.dmx_log,
            LogKind::Midi => &self.midi_log,
        }
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
