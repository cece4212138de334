//! Art-Net 4: ArtDmx, ArtPoll, ArtSync and ArtTimeCode in; ArtPollReply out.

use thiserror::Error;

/// Art-Net's UDP port.
pub const PORT: u16 = 6454;
const ID: &[u8; 8] = b"Art-Net\0";

/// A decoded Art-Net packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtNet {
    /// DMX data for a Port-Address.
    Dmx {
        /// 0 = sequencing off, else 1..255.
        sequence: u8,
        /// Input port on the sender.
        physical: u8,
        /// Net << 8 | SubNet << 4 | Universe.
        port_address: u16,
        /// Slots.
        data: Vec<u8>,
    },
    /// Discovery request.
    Poll {
        /// Flags byte.
        flags: u8,
    },
    /// Present buffered frames.
    Sync,
    /// Timecode.
    TimeCode {
        /// Hours, minutes, seconds, frames.
        hmsf: [u8; 4],
        /// 0 film 24, 1 EBU 25, 2 DF 29.97, 3 SMPTE 30.
        kind: u8,
    },
    /// A valid header with an opcode backlot does not use (ArtPollReply from others…).
    Other(u16),
}

/// Why bytes are not Art-Net.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArtNetError {
    /// Too short for its kind.
    #[error("Art-Net packet of {0} bytes is truncated")]
    Truncated(usize),
    /// Not `Art-Net\0`.
    #[error("not Art-Net (bad ID)")]
    NotArtNet,
    /// Protocol version below 14.
    #[error("Art-Net protocol version {0} is older than 14")]
    OldVersion(u16),
    /// ArtDmx length field odd, out of 2..512, or beyond the packet.
    #[error("ArtDmx length {0} is invalid")]
    BadLength(usize),
    /// ArtTimeCode fields out of range (hours 0..23, minutes and seconds 0..59, frames
    /// 0..29, type 0..3).
    #[error("ArtTimeCode {0:02}:{1:02}:{2:02}:{3:02} type {4} is out of range")]
    BadTimeCode(u8, u8, u8, u8, u8),
}

/// Decodes one datagram.
pub fn decode(b: &[u8]) -> Result<ArtNet, ArtNetError> {
    if b.len() < 12 {
        return Err(ArtNetError::Truncated(b.len()));
    }
    if &b[..8] != ID {
        return Err(ArtNetError::NotArtNet);
    }
    let opcode = u16::from_le_bytes([b[8], b[9]]);
    let version = u16::from_be_bytes([b[10], b[11]]);
    if version < 14 {
        return Err(ArtNetError::OldVersion(version));
    }
    match opcode {
        0x5000 => {
            if b.len() < 18 {
                return Err(ArtNetError::Truncated(b.len()));
            }
            let len = usize::from(u16::from_be_bytes([b[16], b[17]]));
            if !(2..=512).contains(&len) || len % 2 == 1 || b.len() < 18 + len {
                return Err(ArtNetError::BadLength(len));
            }
            Ok(ArtNet::Dmx {
                sequence: b[12],
                physical: b[13],
                port_address: (u16::from(b[15] & 0x7F) << 8) | u16::from(b[14]),
                data: b[18..18 + len].to_vec(),
            })
        }
        0x2000 => {
            if b.len() < 14 {
                return Err(ArtNetError::Truncated(b.len()));
            }
            Ok(ArtNet::Poll { flags: b[12] })
        }
        0x5200 => Ok(ArtNet::Sync),
        0x9700 => {
            if b.len() < 19 {
                return Err(ArtNetError::Truncated(b.len()));
            }
            let (hmsf, kind) = ([b[17], b[16], b[15], b[14]], b[18]);
            let [h, m, s, f] = hmsf;
            if h > 23 || m > 59 || s > 59 || f > 29 || kind > 3 {
                return Err(ArtNetError::BadTimeCode(h, m, s, f, kind));
            }
            Ok(ArtNet::TimeCode { hmsf, kind })
        }
        other => Ok(ArtNet::Other(other)),
    }
}

/// An ArtDmx packet (tests, benchmarks, loopback senders).
pub fn encode_dmx(sequence: u8, port_address: u16, data: &[u8]) -> Vec<u8> {
    let mut len = data.len().clamp(2, 512);
    len += len % 2;
    let mut out = Vec::with_capacity(18 + len);
    out.extend_from_slice(ID);
    out.extend_from_slice(&0x5000u16.to_le_bytes());
    out.extend_from_slice(&[
        0,
        14,
        sequence,
        0,
        (port_address & 0xFF) as u8,
        (port_address >> 8) as u8 & 0x7F,
    ]);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(&data[..data.len().min(512)]);
    out.resize(18 + len, 0);
    out
}

/// An ArtTimeCode packet (tests, loopback senders).
pub fn encode_timecode(hmsf: [u8; 4], kind: u8) -> Vec<u8> {
    let [h, m, s, f] = hmsf;
    let mut out = Vec::with_capacity(19);
    out.extend_from_slice(ID);
    out.extend_from_slice(&0x9700u16.to_le_bytes());
    out.extend_from_slice(&[0, 14, 0, 0, f, s, m, h, kind]);
    out
}

/// An ArtPollReply announcing one output port (Art-Net in → backlot) for `port_address`.
/// `ip` is the node's address as the poller reaches it, written as IP Address (bytes
/// 10..14) and as BindIp (207..211: this node is its own root device).
pub fn encode_poll_reply(
    ip: [u8; 4],
    port_address: u16,
    bind_index: u8,
    short: &str,
    long: &str,
    report: &str,
) -> Vec<u8> {
    let mut out = vec![0u8; 239];
    out[..8].copy_from_slice(ID);
    out[8..10].copy_from_slice(&0x2100u16.to_le_bytes());
    out[10..14].copy_from_slice(&ip);
    out[14..16].copy_from_slice(&PORT.to_le_bytes());
    out[16..18].copy_from_slice(&[0, 1]); // firmware version
    out[18] = (port_address >> 8) as u8 & 0x7F; // NetSwitch
    out[19] = (port_address >> 4) as u8 & 0x0F; // SubSwitch
    out[23] = 0xD0; // Status1: indicators normal, port-address set by network or front panel
    let put = |out: &mut [u8], at: usize, len: usize, s: &str| {
        let bytes = s.as_bytes();
        let n = bytes.len().min(len - 1);
        out[at..at + n].copy_from_slice(&bytes[..n]);
    };
    put(&mut out, 26, 18, short);
    put(&mut out, 44, 64, long);
    put(&mut out, 108, 64, report);
    out[172..174].copy_from_slice(&[0, 1]); // one port
    out[174] = 0x80; // can output DMX512 from Art-Net
    out[182] = 0x80; // data being output
    out[190] = (port_address & 0x0F) as u8; // SwOut
    out[200] = 0x00; // StNode
    out[207..211].copy_from_slice(&ip); // BindIp
    out[211] = bind_index;
    out[212] = 0x08; // Status2: 15-bit Port-Address
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::hex;
    use proptest::prelude::*;

    #[test]
    fn protocol_vectors() {
        let dmx = hex("4172742d4e6574000050000e000123040006000102030405");
        assert_eq!(
            decode(&dmx),
            Ok(ArtNet::Dmx {
                sequence: 0,
                physical: 1,
                port_address: 0x0423,
                data: vec![0, 1, 2, 3, 4, 5]
            })
        );
        assert_eq!(encode_dmx(0, 0x0423, &[0, 1, 2, 3, 4, 5])[..12], dmx[..12]);
        assert_eq!(
            decode(&hex("4172742d4e6574000020000e0200")),
            Ok(ArtNet::Poll { flags: 2 })
        );
        assert_eq!(
            decode(&hex("4172742d4e6574000097000e00000403020101")),
            Ok(ArtNet::TimeCode {
                hmsf: [1, 2, 3, 4],
                kind: 1
            })
        );
        // Broken variants.
        assert_eq!(decode(&dmx[..20]), Err(ArtNetError::BadLength(6)));
        assert_eq!(decode(&dmx[..10]), Err(ArtNetError::Truncated(10)));
        let mut odd = dmx.clone();
        odd[17] = 5;
        assert_eq!(decode(&odd), Err(ArtNetError::BadLength(5)));
        let mut old = dmx.clone();
        old[11] = 13;
        assert_eq!(decode(&old), Err(ArtNetError::OldVersion(13)));
        let mut bad = dmx;
        bad[0] = b'a';
        assert_eq!(decode(&bad), Err(ArtNetError::NotArtNet));
    }

    #[test]
    fn poll_reply_layout() {
        let r = encode_poll_reply(
            [127, 0, 0, 1],
            0x0001,
            1,
            "backlot",
            "backlot LED volume",
            "#0001 ok",
        );
        assert_eq!(r.len(), 239);
        assert_eq!(decode(&r), Ok(ArtNet::Other(0x2100)));
        assert_eq!(&r[26..33], b"backlot");
        assert_eq!(&r[44..62], b"backlot LED volume");
        assert_eq!((r[172], r[173], r[190]), (0, 1, 1));
    }

    #[test]
    fn poll_reply_carries_the_given_address() {
        let r = encode_poll_reply([10, 1, 2, 3], 0x0123, 2, "backlot", "long", "#0001 ok");
        assert_eq!(&r[10..14], &[10, 1, 2, 3], "IP Address");
        assert_eq!(&r[207..211], &[10, 1, 2, 3], "BindIp");
        assert_eq!(&r[14..16], &[0x36, 0x19], "port 6454, little-endian");
        assert_eq!((r[18], r[19], r[190], r[211]), (0x01, 0x02, 0x03, 2));
    }

    #[test]
    fn timecode_vector_and_range() {
        let tc = hex("4172742d4e6574000097000e00000403020101");
        assert_eq!(encode_timecode([1, 2, 3, 4], 1), tc);
        let mut late = tc.clone();
        late[14] = 30;
        assert_eq!(decode(&late), Err(ArtNetError::BadTimeCode(1, 2, 3, 30, 1)));
        let mut kind = tc.clone();
        kind[18] = 4;
        assert_eq!(decode(&kind), Err(ArtNetError::BadTimeCode(1, 2, 3, 4, 4)));
        assert_eq!(decode(&tc[..18]), Err(ArtNetError::Truncated(18)));
    }

    proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn dmx_round_trips(pa in 0u16..0x8000, data in proptest::collection::vec(any::<u8>(), 2..=512), seq in any::<u8>()) {
            let mut data = data;
            if data.len() % 2 == 1 { data.push(0); }
            prop_assert_eq!(decode(&encode_dmx(seq, pa, &data)), Ok(ArtNet::Dmx { sequence: seq, physical: 0, port_address: pa, data }));
        }

        #[test]
        fn timecode_round_trips(h in 0u8..24, m in 0u8..60, s in 0u8..60, f in 0u8..30, kind in 0u8..4) {
            prop_assert_eq!(decode(&encode_timecode([h, m, s, f], kind)), Ok(ArtNet::TimeCode { hmsf: [h, m, s, f], kind }));
        }
    }
}
