//! sACN / ANSI E1.31 data packets and the receiver's sequence rule.

use std::net::Ipv4Addr;

use thiserror::Error;

/// sACN's UDP port.
pub const PORT: u16 = 5568;
const ACN_ID: &[u8; 12] = b"ASC-E1.17\0\0\0";

/// An E1.31 data packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SacnData {
    /// The source's UUID.
    pub cid: [u8; 16],
    /// Source name.
    pub source: String,
    /// 0..200.
    pub priority: u8,
    /// Synchronisation universe (0 = none).
    pub sync: u16,
    /// Sequence number.
    pub sequence: u8,
    /// Options: 0x80 preview, 0x40 stream terminated, 0x20 force sync.
    pub options: u8,
    /// 1..63999.
    pub universe: u16,
    /// 0 for dimmer data.
    pub start_code: u8,
    /// Slots.
    pub slots: Vec<u8>,
}

impl SacnData {
    /// The source ends its stream.
    pub fn terminated(&self) -> bool {
        self.options & 0x40 != 0
    }

    /// Preview data, not for live output.
    pub fn preview(&self) -> bool {
        self.options & 0x80 != 0
    }
}

/// A decoded packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sacn {
    /// DMX data.
    Data(SacnData),
    /// Synchronisation or universe discovery (root vector 8).
    Extended,
}

/// Why bytes are not an E1.31 packet.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SacnError {
    /// Shorter than the header.
    #[error("sACN packet of {0} bytes is truncated")]
    Truncated(usize),
    /// Preamble, postamble or ACN identifier wrong.
    #[error("not an ACN packet")]
    NotAcn,
    /// A vector this receiver does not know.
    #[error("sACN {layer} vector {value:#x} is not supported")]
    Vector {
        /// root, framing or DMP.
        layer: &'static str,
        /// Its value.
        value: u32,
    },
    /// A flags/length or count field disagrees with the packet.
    #[error("sACN {0} field disagrees with the packet length")]
    Length(&'static str),
    /// Universe 0 or above 63999.
    #[error("sACN universe {0} is out of 1..63999")]
    Universe(u16),
    /// Priority above 200.
    #[error("sACN priority {0} is above 200")]
    Priority(u8),
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Decodes one datagram, strictly.
pub fn decode(b: &[u8]) -> Result<Sacn, SacnError> {
    if b.len() < 22 {
        return Err(SacnError::Truncated(b.len()));
    }
    if be16(b, 0) != 0x0010 || be16(b, 2) != 0 || &b[4..16] != ACN_ID {
        return Err(SacnError::NotAcn);
    }
    if usize::from(be16(b, 16) & 0x0FFF) != b.len() - 16 {
        return Err(SacnError::Length("root flags+length"));
    }
    match be32(b, 18) {
        4 => {}
        8 => return Ok(Sacn::Extended),
        value => {
            return Err(SacnError::Vector {
                layer: "root",
                value,
            });
        }
    }
    if b.len() < 126 {
        return Err(SacnError::Truncated(b.len()));
    }
    if usize::from(be16(b, 38) & 0x0FFF) != b.len() - 38 {
        return Err(SacnError::Length("framing flags+length"));
    }
    let framing = be32(b, 40);
    if framing != 2 {
        return Err(SacnError::Vector {
            layer: "framing",
            value: framing,
        });
    }
    if usize::from(be16(b, 115) & 0x0FFF) != b.len() - 115 {
        return Err(SacnError::Length("DMP flags+length"));
    }
    if b[117] != 0x02 || b[118] != 0xA1 || be16(b, 119) != 0 || be16(b, 121) != 1 {
        return Err(SacnError::Vector {
            layer: "DMP",
            value: u32::from(b[117]),
        });
    }
    let count = usize::from(be16(b, 123));
    if count == 0 || count > 513 || 125 + count != b.len() {
        return Err(SacnError::Length("property count"));
    }
    let universe = be16(b, 113);
    if !(1..=63999).contains(&universe) {
        return Err(SacnError::Universe(universe));
    }
    if b[108] > 200 {
        return Err(SacnError::Priority(b[108]));
    }
    let name = &b[44..108];
    let name = &name[..name.iter().position(|c| *c == 0).unwrap_or(64)];
    let mut cid = [0u8; 16];
    cid.copy_from_slice(&b[22..38]);
    Ok(Sacn::Data(SacnData {
        cid,
        source: String::from_utf8_lossy(name).into_owned(),
        priority: b[108],
        sync: be16(b, 109),
        sequence: b[111],
        options: b[112],
        universe,
        start_code: b[125],
        slots: b[126..].to_vec(),
    }))
}

/// Encodes a data packet (tests, benchmarks, loopback senders).
pub fn encode(d: &SacnData) -> Vec<u8> {
    let slots = &d.slots[..d.slots.len().min(512)];
    let len = 126 + slots.len();
    let mut b = vec![0u8; len];
    b[0..2].copy_from_slice(&0x0010u16.to_be_bytes());
    b[4..16].copy_from_slice(ACN_ID);
    b[16..18].copy_from_slice(&(0x7000 | (len - 16) as u16).to_be_bytes());
    b[18..22].copy_from_slice(&4u32.to_be_bytes());
    b[22..38].copy_from_slice(&d.cid);
    b[38..40].copy_from_slice(&(0x7000 | (len - 38) as u16).to_be_bytes());
    b[40..44].copy_from_slice(&2u32.to_be_bytes());
    let name = d.source.as_bytes();
    let n = name.len().min(63);
    b[44..44 + n].copy_from_slice(&name[..n]);
    b[108] = d.priority;
    b[109..111].copy_from_slice(&d.sync.to_be_bytes());
    b[111] = d.sequence;
    b[112] = d.options;
    b[113..115].copy_from_slice(&d.universe.to_be_bytes());
    b[115..117].copy_from_slice(&(0x7000 | (len - 115) as u16).to_be_bytes());
    b[117] = 0x02;
    b[118] = 0xA1;
    b[121..123].copy_from_slice(&1u16.to_be_bytes());
    b[123..125].copy_from_slice(&(slots.len() as u16 + 1).to_be_bytes());
    b[125] = d.start_code;
    b[126..].copy_from_slice(slots);
    b
}

/// E1.31's rule: with `d = (new − last) as i8`, discard when −20 < d ≤ 0.
pub fn sequence_accepts(last: u8, new: u8) -> bool {
    let d = new.wrapping_sub(last) as i8;
    !(d <= 0 && d > -20)
}

/// The multicast group of a universe: 239.255.hi.lo.
pub fn multicast_group(universe: u16) -> Ipv4Addr {
    Ipv4Addr::new(239, 255, (universe >> 8) as u8, (universe & 0xFF) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::hex;
    use proptest::prelude::*;

    fn vector() -> Vec<u8> {
        let mut b = hex(
            "001000004153432d45312e3137000000707d00000004ef07c8dd00644401a3a2459ef8e6143e7067000000025465737420536f75726365",
        );
        b.extend(std::iter::repeat_n(0, 53));
        b.extend(hex(
            "64000442000001701a02a1000000010010000e000c0107010408000d0a070a0908",
        ));
        b
    }

    #[test]
    fn protocol_vector() {
        let b = vector();
        assert_eq!(b.len(), 141);
        let Ok(Sacn::Data(d)) = decode(&b) else {
            panic!("{:?}", decode(&b));
        };
        assert_eq!(d.source, "Test Source");
        assert_eq!(
            (d.priority, d.sync, d.sequence, d.universe, d.start_code),
            (100, 4, 0x42, 1, 0)
        );
        assert_eq!(
            d.slots,
            vec![14, 0, 12, 1, 7, 1, 4, 8, 0, 13, 10, 7, 10, 9, 8]
        );
        assert_eq!(encode(&d), b);
    }

    #[test]
    fn broken_variants() {
        let b = vector();
        assert!(matches!(decode(&b[..140]), Err(SacnError::Length(_))));
        assert_eq!(decode(&b[..10]), Err(SacnError::Truncated(10)));
        let mut long = b.clone();
        long.push(0);
        assert!(decode(&long).is_err());
        let mut acn = b.clone();
        acn[4] = b'X';
        assert_eq!(decode(&acn), Err(SacnError::NotAcn));
        let mut uni = b.clone();
        uni[113] = 0;
        uni[114] = 0;
        assert_eq!(decode(&uni), Err(SacnError::Universe(0)));
        let mut prio = b;
        prio[108] = 201;
        assert_eq!(decode(&prio), Err(SacnError::Priority(201)));
    }

    #[test]
    fn sequence_rule() {
        assert!(sequence_accepts(10, 11));
        assert!(!sequence_accepts(10, 10));
        assert!(!sequence_accepts(10, 0), "a late packet");
        assert!(sequence_accepts(10, 245), "more than 20 back is a restart");
        assert!(sequence_accepts(255, 0), "wraps");
        assert_eq!(multicast_group(1), Ipv4Addr::new(239, 255, 0, 1));
        assert_eq!(multicast_group(0x1234), Ipv4Addr::new(239, 255, 0x12, 0x34));
    }

    proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn packets_round_trip(universe in 1u16..64000, slots in proptest::collection::vec(any::<u8>(), 0..=512), seq in any::<u8>(), prio in 0u8..=200) {
            let d = SacnData { cid: [7; 16], source: "desk".into(), priority: prio, sync: 0, sequence: seq, options: 0, universe, start_code: 0, slots };
            prop_assert_eq!(decode(&encode(&d)), Ok(Sacn::Data(d)));
        }
    }
}
