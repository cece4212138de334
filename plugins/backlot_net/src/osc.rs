//! OSC packets on top of rosc: decode a datagram (or SLIP frame) once into its messages,
//! bundles flattened with their time tags; encode a message. Sans-IO.
//!
//! rosc 0.11 has no nesting limit, and nested packets are recursive to decode, print and
//! drop, so the raw bytes are checked for depth ([`check_depth`]) before rosc sees them.

mod depth;

use rosc::{OscMessage, OscPacket, OscTime, OscType};
use thiserror::Error;

pub use depth::{MAX_DEPTH, check_depth};

/// Largest datagram or SLIP frame accepted.
pub const MAX_PACKET: usize = 65_507;

/// Why bytes are not OSC.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum OscError {
    /// Not OSC, or truncated.
    #[error("malformed OSC: {0}")]
    Malformed(String),
    /// Larger than a datagram.
    #[error("OSC packet of {0} bytes is too large")]
    Oversized(usize),
    /// Bundles inside bundles, or arrays inside arrays, deeper than [`MAX_DEPTH`].
    #[error("OSC nested {depth} deep (bundles or arrays); at most {MAX_DEPTH} are accepted")]
    TooDeep {
        /// The depth found (the first level past the limit).
        depth: usize,
    },
}

/// A message with the time it is due (`None`: now).
#[derive(Debug, Clone, PartialEq)]
pub struct Timed {
    /// Seconds since 1900 (NTP), for bundles with a time tag in the future.
    pub at: Option<f64>,
    /// The message.
    pub message: OscMessage,
}

/// NTP time tag → seconds since 1900; the special "immediately" tag gives `None`.
pub fn timetag_seconds(t: OscTime) -> Option<f64> {
    if t.seconds == 0 && t.fractional <= 1 {
        return None;
    }
    Some(f64::from(t.seconds) + f64::from(t.fractional) / 4_294_967_296.0)
}

/// Seconds since 1900 now (for comparing with time tags).
pub fn ntp_now() -> f64 {
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    unix + 2_208_988_800.0
}

/// Decodes a datagram (or SLIP frame) into its messages, bundles flattened; a nested
/// bundle's messages take the innermost time tag.
pub fn decode(bytes: &[u8]) -> Result<Vec<Timed>, OscError> {
    if bytes.len() > MAX_PACKET {
        return Err(OscError::Oversized(bytes.len()));
    }
    check_depth(bytes)?;
    let (_, packet) =
        rosc::decoder::decode_udp(bytes).map_err(|e| OscError::Malformed(format!("{e:?}")))?;
    let mut out = Vec::new();
    flatten(packet, &mut out);
    Ok(out)
}

/// Open bundles while flattening: the rest of each one's content and its time tag.
type Open = Vec<(std::vec::IntoIter<OscPacket>, Option<f64>)>;

/// Messages in packet order; a stack of open bundles rather than recursion, so the walk
/// does not depend on [`check_depth`] having run.
fn flatten(packet: OscPacket, out: &mut Vec<Timed>) {
    let mut open: Open = Vec::new();
    enter(packet, None, &mut open, out);
    while let Some((content, at)) = open.last_mut() {
        let at = *at;
        match content.next() {
            Some(p) => enter(p, at, &mut open, out),
            None => {
                open.pop();
            }
        }
    }
}

fn enter(packet: OscPacket, at: Option<f64>, open: &mut Open, out: &mut Vec<Timed>) {
    match packet {
        OscPacket::Message(message) => out.push(Timed { at, message }),
        OscPacket::Bundle(b) => {
            let at = timetag_seconds(b.timetag).or(at);
            open.push((b.content.into_iter(), at));
        }
    }
}

/// Encodes one message (feedback).
pub fn encode(address: &str, args: Vec<OscType>) -> Result<Vec<u8>, OscError> {
    rosc::encoder::encode(&OscPacket::Message(OscMessage {
        addr: address.to_string(),
        args,
    }))
    .map_err(|e| OscError::Malformed(format!("{e:?}")))
}
