//! FreeD D1 camera pose packets: 29 bytes, big-endian, checksummed.

use thiserror::Error;

/// Length of a D1 packet.
pub const FREED_LEN: usize = 29;
/// The D1 message type.
pub const FREED_D1: u8 = 0xD1;

/// A decoded D1 packet, in the wire's fixed-point units (so encoding is exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FreedD1 {
    /// Camera id.
    pub camera: u8,
    /// Pan, 1/32768 degree.
    pub pan: i32,
    /// Tilt, 1/32768 degree.
    pub tilt: i32,
    /// Roll, 1/32768 degree.
    pub roll: i32,
    /// X, 1/64 mm.
    pub x: i32,
    /// Y, 1/64 mm.
    pub y: i32,
    /// Z (height), 1/64 mm.
    pub z: i32,
    /// Raw zoom encoder (24 bits).
    pub zoom: u32,
    /// Raw focus encoder (24 bits).
    pub focus: u32,
    /// User / spare field.
    pub user: u16,
}

/// Why bytes are not a D1 packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum FreedError {
    /// Not 29 bytes.
    #[error("FreeD packet is {0} bytes; D1 is 29")]
    WrongLength(usize),
    /// First byte is not 0xD1.
    #[error("FreeD message type {0:#04x} is not D1 (0xd1)")]
    WrongType(u8),
    /// The checksum does not match.
    #[error("FreeD checksum {found:#04x} should be {expected:#04x}")]
    BadChecksum {
        /// What the bytes sum to.
        expected: u8,
        /// What the packet carries.
        found: u8,
    },
}

impl FreedError {
    /// The camera id, when the bytes are long enough to carry one and claim to be D1.
    pub fn camera_hint(bytes: &[u8]) -> Option<u8> {
        (bytes.len() >= 2 && bytes[0] == FREED_D1).then(|| bytes[1])
    }
}

fn s24(b: &[u8]) -> i32 {
    // Sign-extend from 24 bits.
    (i32::from(b[0]) << 24 | i32::from(b[1]) << 16 | i32::from(b[2]) << 8) >> 8
}

fn u24(b: &[u8]) -> u32 {
    u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2])
}

fn put24(out: &mut [u8], v: i32) {
    out[0] = (v >> 16) as u8;
    out[1] = (v >> 8) as u8;
    out[2] = v as u8;
}

/// The checksum byte for the first 28 bytes: (0x40 − sum) mod 256.
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0x40u8, |acc, b| acc.wrapping_sub(*b))
}

/// Decodes one D1 packet, strictly: length, type and checksum.
pub fn decode(bytes: &[u8]) -> Result<FreedD1, FreedError> {
    if bytes.len() != FREED_LEN {
        return Err(FreedError::WrongLength(bytes.len()));
    }
    if bytes[0] != FREED_D1 {
        return Err(FreedError::WrongType(bytes[0]));
    }
    let expected = checksum(&bytes[..28]);
    if bytes[28] != expected {
        return Err(FreedError::BadChecksum {
            expected,
            found: bytes[28],
        });
    }
    Ok(FreedD1 {
        camera: bytes[1],
        pan: s24(&bytes[2..5]),
        tilt: s24(&bytes[5..8]),
        roll: s24(&bytes[8..11]),
        x: s24(&bytes[11..14]),
        y: s24(&bytes[14..17]),
        z: s24(&bytes[17..20]),
        zoom: u24(&bytes[20..23]),
        focus: u24(&bytes[23..26]),
        user: u16::from_be_bytes([bytes[26], bytes[27]]),
    })
}

/// Encodes a D1 packet (fields are truncated to their 24 bits).
pub fn encode(p: &FreedD1) -> [u8; FREED_LEN] {
    let mut out = [0u8; FREED_LEN];
    out[0] = FREED_D1;
    out[1] = p.camera;
    for (i, v) in [p.pan, p.tilt, p.roll, p.x, p.y, p.z]
        .into_iter()
        .enumerate()
    {
        put24(&mut out[2 + i * 3..], v);
    }
    put24(&mut out[20..], p.zoom as i32);
    put24(&mut out[23..], p.focus as i32);
    out[26..28].copy_from_slice(&p.user.to_be_bytes());
    out[28] = checksum(&out[..28]);
    out
}

impl FreedD1 {
    /// Builds a packet from degrees and millimetres (rounded to the wire's resolution).
    #[allow(clippy::too_many_arguments)]
    pub fn from_units(
        camera: u8,
        [pan, tilt, roll]: [f64; 3],
        [x, y, z]: [f64; 3],
        zoom: u32,
        focus: u32,
    ) -> Self {
        let angle = |d: f64| (d * 32768.0).round() as i32;
        let mm = |v: f64| (v * 64.0).round() as i32;
        Self {
            camera,
            pan: angle(pan),
            tilt: angle(tilt),
            roll: angle(roll),
            x: mm(x),
            y: mm(y),
            z: mm(z),
            zoom: zoom & 0xFF_FFFF,
            focus: focus & 0xFF_FFFF,
            user: 0,
        }
    }

    /// Pan, tilt, roll in degrees.
    pub fn angles_deg(&self) -> [f64; 3] {
        [self.pan, self.tilt, self.roll].map(|v| f64::from(v) / 32768.0)
    }

    /// X, Y, Z in millimetres.
    pub fn position_mm(&self) -> [f64; 3] {
        [self.x, self.y, self.z].map(|v| f64::from(v) / 64.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() < eps
    }

    #[test]
    fn vector_one_decodes_and_round_trips() {
        let bytes = hex("d100df78aa0047ef000000000000000000000000004000001501d1ff12");
        let p = decode(&bytes).expect("valid");
        assert_eq!(p.camera, 0);
        let [pan, tilt, roll] = p.angles_deg();
        assert!(close(pan, -65.05731, 1e-5), "{pan}");
        assert!(close(tilt, 0.5619812, 1e-6), "{tilt}");
        assert_eq!(roll, 0.0);
        assert_eq!(p.position_mm(), [0.0; 3]);
        assert_eq!((p.zoom, p.focus, p.user), (16384, 5377, 0xD1FF));
        assert_eq!(encode(&p).to_vec(), bytes);
    }

    // protocols.md prints this vector with a stray 0x00 byte (30 bytes, zoom shifted);
    // the 29-byte packet below carries exactly the values it lists.
    #[test]
    fn vector_two_decodes_and_round_trips() {
        let printed = hex("d1002198d8ffeb94000000000000000000000000000028c60013b9d1ffd6");
        assert_eq!(decode(&printed), Err(FreedError::WrongLength(30)));
        let bytes = hex("d1002198d8ffeb940000000000000000000000000028c60013b9d1ffd6");
        let p = decode(&bytes).expect("valid");
        let [pan, tilt, _] = p.angles_deg();
        assert!(close(pan, 67.194092, 1e-5), "{pan}");
        assert!(close(tilt, -0.159546, 1e-5), "{tilt}");
        assert_eq!((p.zoom, p.focus), (10438, 5049));
        assert_eq!(encode(&p).to_vec(), bytes);
    }

    // protocols.md prints this derived vector with the X field as `000fa000` (30 bytes);
    // the packet with X = 00fa00 has the listed values and the printed checksum 0x91.
    #[test]
    fn vector_three_decodes_and_round_trips() {
        let printed = hex("d1012d0000fac000000000000fa000fd8ef0017700080000010000000091");
        assert_eq!(decode(&printed), Err(FreedError::WrongLength(30)));
        let bytes = hex("d1012d0000fac00000000000fa00fd8ef0017700080000010000000091");
        let p = decode(&bytes).expect("valid");
        assert_eq!(p.camera, 1);
        assert_eq!(p.angles_deg(), [90.0, -10.5, 0.0]);
        assert_eq!(p.position_mm(), [1000.0, -2500.25, 1500.0]);
        assert_eq!((p.zoom, p.focus), (0x080000, 0x010000));
        assert_eq!(encode(&p).to_vec(), bytes);
        let built = FreedD1::from_units(
            1,
            [90.0, -10.5, 0.0],
            [1000.0, -2500.25, 1500.0],
            0x080000,
            0x010000,
        );
        assert_eq!(encode(&built).to_vec(), bytes);
    }

    #[test]
    fn half_turn_encodings() {
        let mut p = FreedD1::from_units(0, [180.0, -180.0, 0.0], [0.0; 3], 0, 0);
        let bytes = encode(&p);
        assert_eq!(&bytes[2..8], &[0x5a, 0, 0, 0xa6, 0, 0]);
        p.user = 7;
        assert_eq!(decode(&encode(&p)), Ok(p));
    }

    #[test]
    fn broken_variants_are_rejected_with_their_reason() {
        let good = hex("d100df78aa0047ef000000000000000000000000004000001501d1ff12");
        assert_eq!(decode(&good[..28]), Err(FreedError::WrongLength(28)));
        let mut long = good.clone();
        long.push(0);
        assert_eq!(decode(&long), Err(FreedError::WrongLength(30)));
        assert_eq!(decode(&[]), Err(FreedError::WrongLength(0)));
        let mut bad_sum = good.clone();
        bad_sum[28] ^= 1;
        assert!(matches!(
            decode(&bad_sum),
            Err(FreedError::BadChecksum { expected: 0x12, .. })
        ));
        let mut other_type = good.clone();
        other_type[0] = 0xD0;
        assert_eq!(decode(&other_type), Err(FreedError::WrongType(0xD0)));
        assert_eq!(FreedError::camera_hint(&good[..5]), Some(0));
        assert_eq!(FreedError::camera_hint(&other_type), None);
    }

    proptest! {
        #[test]
        fn any_bytes_decode_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(p) = decode(&bytes) {
                prop_assert_eq!(encode(&p).to_vec(), bytes);
            }
        }

        #[test]
        fn every_packet_round_trips(
            camera in any::<u8>(),
            fields in proptest::array::uniform6(-0x80_0000i32..0x80_0000),
            zoom in 0u32..0x100_0000,
            focus in 0u32..0x100_0000,
            user in any::<u16>(),
        ) {
            let p = FreedD1 {
                camera, pan: fields[0], tilt: fields[1], roll: fields[2],
                x: fields[3], y: fields[4], z: fields[5], zoom, focus, user,
            };
            let bytes = encode(&p);
            prop_assert_eq!(decode(&bytes), Ok(p));
            // Any single flipped bit is caught by the length, type or checksum rule.
            for bit in 0..(FREED_LEN * 8) {
                let mut broken = bytes;
                broken[bit / 8] ^= 1 << (bit % 8);
                if bit / 8 != 0 {
                    prop_assert!(decode(&broken).is_err(), "bit {} undetected", bit);
                }
            }
        }
    }
}
