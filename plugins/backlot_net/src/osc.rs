//! OSC packets on top of rosc: decode a datagram (or SLIP frame) once into its messages,
//! bundles flattened with their time tags; encode a message. Sans-IO.

use rosc::{OscMessage, OscPacket, OscTime, OscType};
use thiserror::Error;

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
    let (_, packet) =
        rosc::decoder::decode_udp(bytes).map_err(|e| OscError::Malformed(format!("{e:?}")))?;
    let mut out = Vec::new();
    flatten(packet, None, &mut out);
    Ok(out)
}

fn flatten(packet: OscPacket, at: Option<f64>, out: &mut Vec<Timed>) {
    match packet {
        OscPacket::Message(message) => out.push(Timed { at, message }),
        OscPacket::Bundle(b) => {
            let at = timetag_seconds(b.timetag).or(at);
            for p in b.content {
                flatten(p, at, out);
            }
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
