//! Per-universe merging: sources by priority, then HTP for intensity slots and LTP for the
//! rest, and source loss.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::codec::sacn;
use crate::format::LossBehaviour;
use crate::inbox::{DmxIn, DmxSource};

/// Art-Net sources are dropped after this long without data (senders repeat every ~1 s).
pub const ARTNET_LOSS: Duration = Duration::from_secs(3);
/// E1.31's source loss time.
pub const SACN_LOSS: Duration = Duration::from_millis(2500);

#[derive(Debug, Clone)]
struct SourceState {
    priority: u8,
    sequence: Option<u8>,
    data: [u8; 512],
    changed: [u32; 512],
    seen: Instant,
    loss: Duration,
}

/// One patched universe's sources and merged output.
#[derive(Debug, Clone)]
pub struct Universe {
    /// Patch id.
    pub id: u16,
    sources: HashMap<DmxSource, SourceState>,
    /// The merged slots.
    pub output: [u8; 512],
    /// Which source gave each slot: an index into `owners`.
    pub owner: [u8; 512],
    /// Labels of the sources that gave slots (`owner` indexes them; 255 = none).
    pub owners: Vec<String>,
    dirty: bool,
    /// Highest live priority.
    pub priority: Option<u8>,
    /// Intensity (HTP) slots.
    pub htp: [bool; 512],
    /// Packets refused by the sequence rule.
    pub out_of_order: u64,
    clock: u32,
    /// Whether any source is live.
    pub live: bool,
    /// What to do on loss.
    pub on_loss: LossBehaviour,
}

impl Universe {
    /// An empty universe.
    pub fn new(id: u16, on_loss: LossBehaviour) -> Self {
        Self {
            id,
            sources: HashMap::new(),
            output: [0; 512],
            owner: [255; 512],
            owners: Vec::new(),
            dirty: false,
            priority: None,
            htp: [false; 512],
            out_of_order: 0,
            clock: 0,
            live: false,
            on_loss,
        }
    }

    /// Sources, for the monitor: (label, priority, seconds since data).
    pub fn sources(&self) -> Vec<(String, u8, f32)> {
        let mut v: Vec<_> = self
            .sources
            .iter()
            .map(|(k, s)| (k.label(), s.priority, s.seen.elapsed().as_secs_f32()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Takes a frame from a source (sACN sequence rule per source; termination).
    pub fn receive(&mut self, d: &DmxIn) {
        self.clock += 1;
        if d.terminated {
            self.dirty |= self.sources.remove(&d.source).is_some();
            return;
        }
        let loss = match d.source {
            DmxSource::ArtNet(_) => ARTNET_LOSS,
            DmxSource::Sacn(..) => SACN_LOSS,
        };
        let fresh = !self.sources.contains_key(&d.source);
        let s = self
            .sources
            .entry(d.source.clone())
            .or_insert_with(|| SourceState {
                priority: d.priority,
                sequence: None,
                data: [0; 512],
                changed: [0; 512],
                seen: d.at,
                loss,
            });
        if let (DmxSource::Sacn(..), Some(last)) = (&d.source, s.sequence)
            && !sacn::sequence_accepts(last, d.sequence)
        {
            self.out_of_order += 1;
            return;
        }
        self.dirty = true;
        s.sequence = Some(d.sequence);
        s.priority = d.priority;
        s.seen = d.at;
        for (i, v) in d.data.iter().take(512).enumerate() {
            // A new source's whole frame is its latest word (LTP).
            if fresh || s.data[i] != *v {
                s.data[i] = *v;
                s.changed[i] = self.clock;
            }
        }
    }

    /// Drops lost sources and merges; returns whether the output changed, and whether the
    /// universe just lost its last source.
    pub fn merge(&mut self, now: Instant) -> (bool, bool) {
        let before = self.sources.len();
        self.sources
            .retain(|_, s| now.saturating_duration_since(s.seen) < s.loss);
        self.dirty |= self.sources.len() != before;
        let was_live = self.live;
        self.live = !self.sources.is_empty();
        if !self.live {
            self.priority = None;
            self.dirty = false;
            return (false, was_live);
        }
        // Nothing arrived and nobody left: the output stands.
        if !std::mem::take(&mut self.dirty) {
            return (false, false);
        }
        let top = self.sources.values().map(|s| s.priority).max();
        self.priority = top;
        let winners: Vec<(&DmxSource, &SourceState)> = self
            .sources
            .iter()
            .filter(|(_, s)| Some(s.priority) == top)
            .collect();
        let mut out = [0u8; 512];
        let mut owner = [255u8; 512];
        for i in 0..512 {
            let pick = if self.htp[i] {
                winners
                    .iter()
                    .enumerate()
                    .max_by_key(|(_, (_, s))| s.data[i])
            } else {
                winners
                    .iter()
                    .enumerate()
                    .max_by_key(|(_, (_, s))| s.changed[i])
            };
            if let Some((w, (_, s))) = pick {
                out[i] = s.data[i];
                owner[i] = w.min(254) as u8;
            }
        }
        self.owners = winners.iter().map(|(k, _)| k.label()).collect();
        let changed = out != self.output || !was_live;
        self.output = out;
        self.owner = owner;
        (changed, false)
    }

    /// The source that gave slot `i`.
    pub fn owner_of(&self, i: usize) -> Option<&str> {
        self.owners
            .get(usize::from(*self.owner.get(i)?))
            .map(String::as_str)
    }
}
