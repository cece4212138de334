//! What the inbox queues: an OSC message, a DMX frame, MIDI bytes; and what the queues
//! need to know of them (size, whether only the newest matters).

use std::net::SocketAddr;
use std::time::Instant;

use rosc::{OscArray, OscMessage, OscType};

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

/// A value that only its newest instance matters for: due now, with only numbers or
/// booleans (a trigger has none, a string may be a command).
pub(super) fn continuous(t: &Timed) -> bool {
    t.at.is_none()
        && !t.message.args.is_empty()
        && t.message.args.iter().all(|a| {
            matches!(
                a,
                OscType::Int(_)
                    | OscType::Float(_)
                    | OscType::Long(_)
                    | OscType::Double(_)
                    | OscType::Bool(_)
            )
        })
}

/// A message's size, cheaply: address and argument payloads (nested arrays walked without
/// recursion).
pub(super) fn osc_bytes(m: &OscMessage) -> usize {
    let mut arrays = Vec::new();
    let mut total = m.addr.len();
    for a in &m.args {
        total += arg_bytes(a, &mut arrays);
    }
    while let Some(array) = arrays.pop() {
        for a in &array.content {
            total += arg_bytes(a, &mut arrays);
        }
    }
    total
}

/// One argument's payload; an array's elements are left on `arrays` to add.
fn arg_bytes<'a>(a: &'a OscType, arrays: &mut Vec<&'a OscArray>) -> usize {
    match a {
        OscType::String(s) => s.len(),
        OscType::Blob(b) => b.len(),
        OscType::Long(_) | OscType::Double(_) | OscType::Time(_) => 8,
        OscType::Array(inner) => {
            arrays.push(inner);
            4
        }
        _ => 4,
    }
}
