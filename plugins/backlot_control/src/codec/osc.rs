//! OSC on top of rosc: address patterns (OSC 1.0 plus 1.1's `//`), argument coercion to
//! parameter values, bundle time tags, and SLIP framing for OSC 1.1 over TCP.

use backlot_params::{ParamKind, ParamSpec, ParamValue};
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

/// Whether an OSC address pattern matches an address: `?` one character, `*` any run
/// within a part, `[abc]`, `[a-z]`, `[!a-z]`, `{foo,bar}`; parts line up one for one, and
/// `//` (OSC 1.1) matches any number of parts.
pub fn pattern_matches(pattern: &str, address: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').skip(1).collect();
    let a: Vec<&str> = address.split('/').skip(1).collect();
    parts_match(&p, &a)
}

/// Whether a pattern has wildcards (a literal address is looked up directly).
pub fn is_pattern(address: &str) -> bool {
    address.contains(['*', '?', '[', '{']) || address.contains("//")
}

fn parts_match(p: &[&str], a: &[&str]) -> bool {
    match p.split_first() {
        None => a.is_empty(),
        // An empty part comes from `//`: skip any number of address parts.
        Some((&"", rest)) => (0..=a.len()).any(|i| parts_match(rest, &a[i..])),
        Some((first, rest)) => match a.split_first() {
            Some((head, tail)) => {
                part_matches(first.as_bytes(), head.as_bytes()) && parts_match(rest, tail)
            }
            None => false,
        },
    }
}

fn part_matches(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') => (0..=s.len()).any(|i| part_matches(&p[1..], &s[i..])),
        Some(b'?') => !s.is_empty() && part_matches(&p[1..], &s[1..]),
        Some(b'[') => {
            let Some(end) = p.iter().position(|c| *c == b']') else {
                return false;
            };
            let Some(c) = s.first() else {
                return false;
            };
            let mut set = &p[1..end];
            let negate = set.first() == Some(&b'!');
            if negate {
                set = &set[1..];
            }
            let mut hit = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == b'-' {
                    hit |= (set[i]..=set[i + 2]).contains(c);
                    i += 3;
                } else {
                    hit |= set[i] == *c;
                    i += 1;
                }
            }
            hit != negate && part_matches(&p[end + 1..], &s[1..])
        }
        Some(b'{') => {
            let Some(end) = p.iter().position(|c| *c == b'}') else {
                return false;
            };
            p[1..end]
                .split(|c| *c == b',')
                .any(|alt| s.starts_with(alt) && part_matches(&p[end + 1..], &s[alt.len()..]))
        }
        Some(c) => s.first() == Some(c) && part_matches(&p[1..], &s[1..]),
    }
}

/// OSC arguments flattened to what parameters can take: numbers, booleans, strings and
/// RGBA colours; arrays are opened up.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// i, f, d, h, c.
    Num(f64),
    /// T, F.
    Bool(bool),
    /// s, S.
    Str(String),
    /// r (RGB of RGBA, 0..1).
    Color([f32; 3]),
    /// N, I, blobs, MIDI, time tags: no value.
    Nil,
}

/// Flattens arguments.
pub fn flatten_args(args: &[OscType]) -> Vec<Arg> {
    let mut out = Vec::new();
    for a in args {
        match a {
            OscType::Int(v) => out.push(Arg::Num(f64::from(*v))),
            OscType::Float(v) => out.push(Arg::Num(f64::from(*v))),
            OscType::Double(v) => out.push(Arg::Num(*v)),
            OscType::Long(v) => out.push(Arg::Num(*v as f64)),
            OscType::Char(c) => out.push(Arg::Num(f64::from(u32::from(*c)))),
            OscType::Bool(b) => out.push(Arg::Bool(*b)),
            OscType::String(s) => out.push(Arg::Str(s.clone())),
            OscType::Color(c) => out.push(Arg::Color(
                [c.red, c.green, c.blue].map(|v| f32::from(v) / 255.0),
            )),
            OscType::Array(a) => out.extend(flatten_args(&a.content)),
            _ => out.push(Arg::Nil),
        }
    }
    out
}

fn num(a: &Arg) -> Option<f64> {
    match a {
        Arg::Num(v) if v.is_finite() => Some(*v),
        Arg::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

/// Turns arguments into a value for `spec`. With `unit_scale`, numbers are 0..1 over the
/// parameter's range (faders that only send 0..1).
pub fn coerce(spec: &ParamSpec, args: &[OscType], unit_scale: bool) -> Result<ParamValue, String> {
    let args = flatten_args(args);
    let scale = |v: f64| -> f32 {
        match (unit_scale, spec.range) {
            (true, Some((lo, hi))) => lo + (hi - lo) * v.clamp(0.0, 1.0) as f32,
            _ => v as f32,
        }
    };
    let first = args.first();
    let need = |what: &str| format!("{} needs {what}", spec.address);
    match &spec.kind {
        ParamKind::Trigger => Ok(ParamValue::Trigger),
        ParamKind::Float => first
            .and_then(num)
            .map(|v| ParamValue::Float(scale(v)))
            .ok_or_else(|| need("a number")),
        ParamKind::Int => first
            .and_then(num)
            .map(|v| ParamValue::Int(scale(v).round() as i32))
            .ok_or_else(|| need("a number")),
        ParamKind::Bool => first
            .and_then(num)
            .map(|v| ParamValue::Bool(v >= 0.5))
            .ok_or_else(|| need("T, F or a number")),
        ParamKind::Color | ParamKind::Vec3 => {
            if let Some(Arg::Color(c)) = first {
                return Ok(if spec.kind == ParamKind::Color {
                    ParamValue::Color(*c)
                } else {
                    ParamValue::Vec3(*c)
                });
            }
            let v: Vec<f32> = args.iter().filter_map(num).map(scale).collect();
            let v: [f32; 3] = v
                .get(..3)
                .and_then(|s| s.try_into().ok())
                .ok_or_else(|| need("three numbers (or an r colour)"))?;
            Ok(if spec.kind == ParamKind::Color {
                ParamValue::Color(v)
            } else {
                ParamValue::Vec3(v)
            })
        }
        ParamKind::Enum(options) => match first {
            Some(Arg::Str(s)) => Ok(ParamValue::Enum(s.clone())),
            Some(a) => num(a)
                .and_then(|i| options.get(i as usize))
                .map(|s| ParamValue::Enum(s.clone()))
                .ok_or_else(|| need("an option name or index")),
            None => Err(need("an option")),
        },
    }
}

/// A value as OSC arguments (feedback, OSCQuery).
pub fn value_args(value: &ParamValue) -> Vec<OscType> {
    match value {
        ParamValue::Float(v) => vec![OscType::Float(*v)],
        ParamValue::Int(v) => vec![OscType::Int(*v)],
        ParamValue::Bool(v) => vec![OscType::Bool(*v)],
        ParamValue::Color(c) | ParamValue::Vec3(c) => {
            c.iter().map(|v| OscType::Float(*v)).collect()
        }
        ParamValue::Trigger => vec![],
        ParamValue::Enum(s) => vec![OscType::String(s.clone())],
    }
}

/// SLIP bytes.
const END: u8 = 0xC0;
const ESC: u8 = 0xDB;
const ESC_END: u8 = 0xDC;
const ESC_ESC: u8 = 0xDD;

/// Frames a packet for OSC 1.1 over TCP: END, escaped bytes, END.
pub fn slip_encode(packet: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(packet.len() + 2);
    out.push(END);
    for b in packet {
        match *b {
            END => out.extend([ESC, ESC_END]),
            ESC => out.extend([ESC, ESC_ESC]),
            other => out.push(other),
        }
    }
    out.push(END);
    out
}

/// Why a SLIP stream produced no frame.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SlipError {
    /// ESC followed by something other than ESC_END or ESC_ESC.
    #[error("SLIP escape followed by {0:#04x}")]
    BadEscape(u8),
    /// A frame grew beyond the limit; it is dropped up to the next END.
    #[error("SLIP frame longer than {MAX_PACKET} bytes")]
    TooLong,
}

/// Incremental SLIP decoder for a TCP stream.
#[derive(Debug, Default)]
pub struct SlipDecoder {
    frame: Vec<u8>,
    escaped: bool,
    broken: bool,
}

impl SlipDecoder {
    /// Feeds received bytes; returns complete frames and errors in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Result<Vec<u8>, SlipError>> {
        let mut out = Vec::new();
        for b in bytes {
            if *b == END {
                if !self.frame.is_empty() && !self.broken {
                    out.push(Ok(std::mem::take(&mut self.frame)));
                }
                self.frame.clear();
                self.escaped = false;
                self.broken = false;
                continue;
            }
            if self.broken {
                continue;
            }
            let byte = if self.escaped {
                self.escaped = false;
                match *b {
                    ESC_END => END,
                    ESC_ESC => ESC,
                    other => {
                        self.broken = true;
                        out.push(Err(SlipError::BadEscape(other)));
                        continue;
                    }
                }
            } else if *b == ESC {
                self.escaped = true;
                continue;
            } else {
                *b
            };
            if self.frame.len() >= MAX_PACKET {
                self.broken = true;
                self.frame.clear();
                out.push(Err(SlipError::TooLong));
                continue;
            }
            self.frame.push(byte);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::hex;
    use backlot_params::ParamAddress;
    use proptest::prelude::*;

    #[test]
    fn protocol_vectors() {
        let m = decode(&hex(
            "2f6f7363696c6c61746f722f342f6672657175656e6379002c66000043dc0000",
        ))
        .expect("osc");
        assert_eq!(m[0].message.addr, "/oscillator/4/frequency");
        assert_eq!(m[0].message.args, vec![OscType::Float(440.0)]);
        let bytes =
            hex("2f666f6f000000002c69697366660000000003e8ffffffff68656c6c6f0000003f9df3b640b5b22d");
        let m = decode(&bytes).expect("osc");
        assert_eq!(
            m[0].message.args,
            vec![
                OscType::Int(1000),
                OscType::Int(-1),
                OscType::String("hello".into()),
                OscType::Float(1.234),
                OscType::Float(5.678)
            ]
        );
        assert_eq!(
            encode("/foo", m[0].message.args.clone()).expect("enc"),
            bytes
        );
        let v =
            hex("2f73616d706c652f61646472657373002c69546673000000000000014048f5c368656c6c6f000000");
        let m = decode(&v).expect("osc");
        assert_eq!(
            m[0].message.args,
            vec![
                OscType::Int(1),
                OscType::Bool(true),
                // The vector's own 3.14 (0x4048f5c3), not π.
                OscType::Float(f32::from_bits(0x4048_f5c3)),
                OscType::String("hello".into())
            ]
        );
        for cut in [1, 4, 9] {
            assert!(decode(&v[..v.len() - cut]).is_err(), "truncated by {cut}");
        }
        assert!(decode(&vec![0; MAX_PACKET + 1]).is_err());
    }

    #[test]
    fn patterns() {
        let m = pattern_matches;
        assert!(m(
            "/scene/lights/*/intensity",
            "/scene/lights/key/intensity"
        ));
        assert!(!m("/scene/lights/*/intensity", "/scene/lights/key/color"));
        assert!(m("/scene/lights/k?y/color", "/scene/lights/key/color"));
        assert!(m("/a/[a-c]x", "/a/bx") && !m("/a/[!a-c]x", "/a/bx") && m("/a/[!a-c]x", "/a/dx"));
        assert!(m("/a/{foo,bar}/z", "/a/bar/z") && !m("/a/{foo,bar}/z", "/a/baz/z"));
        assert!(m("//intensity", "/scene/lights/key/intensity"));
        assert!(m("/scene//color", "/scene/lights/key/color"));
        assert!(
            !m("/scene/*", "/scene/lights/key"),
            "parts line up one for one"
        );
        assert!(m("/*/*", "/a/b") && !m("/*", "/a/b"));
        assert!(!m("/a/[bc", "/a/b"), "unclosed set never matches");
    }

    #[test]
    fn coercion_and_scaling() {
        let float = ParamSpec::float(ParamAddress::new("/x").expect("a"), 0.0, 0.0, 1000.0, "lm");
        assert_eq!(
            coerce(&float, &[OscType::Int(5)], false),
            Ok(ParamValue::Float(5.0))
        );
        assert_eq!(
            coerce(&float, &[OscType::Double(0.25)], true),
            Ok(ParamValue::Float(250.0))
        );
        assert_eq!(
            coerce(&float, &[OscType::Bool(true)], false),
            Ok(ParamValue::Float(1.0))
        );
        assert!(coerce(&float, &[OscType::String("x".into())], false).is_err());
        assert!(coerce(&float, &[], false).is_err());
        let color = ParamSpec::color(ParamAddress::new("/c").expect("a"), [1.0; 3]);
        let rgba = OscType::Color(rosc::OscColor {
            red: 255,
            green: 0,
            blue: 51,
            alpha: 255,
        });
        assert_eq!(
            coerce(&color, &[rgba], false),
            Ok(ParamValue::Color([1.0, 0.0, 0.2]))
        );
        let arr = OscType::Array(rosc::OscArray {
            content: vec![
                OscType::Float(0.1),
                OscType::Float(0.2),
                OscType::Float(0.3),
            ],
        });
        assert_eq!(
            coerce(&color, &[arr], false),
            Ok(ParamValue::Color([0.1, 0.2, 0.3]))
        );
        let b = ParamSpec::bool(ParamAddress::new("/b").expect("a"), false);
        assert_eq!(
            coerce(&b, &[OscType::Bool(true)], false),
            Ok(ParamValue::Bool(true))
        );
        assert_eq!(
            coerce(&b, &[OscType::Float(0.2)], false),
            Ok(ParamValue::Bool(false))
        );
    }

    #[test]
    fn bundles_carry_time_tags() {
        let future = OscTime {
            seconds: 4_000_000_000,
            fractional: 1 << 31,
        };
        let bytes = rosc::encoder::encode(&OscPacket::Bundle(rosc::OscBundle {
            timetag: OscTime {
                seconds: 0,
                fractional: 1,
            },
            content: vec![
                OscPacket::Message(OscMessage {
                    addr: "/a".into(),
                    args: vec![],
                }),
                OscPacket::Bundle(rosc::OscBundle {
                    timetag: future,
                    content: vec![OscPacket::Message(OscMessage {
                        addr: "/b".into(),
                        args: vec![],
                    })],
                }),
            ],
        }))
        .expect("enc");
        let m = decode(&bytes).expect("osc");
        assert_eq!(m[0].at, None);
        assert_eq!(m[1].at, Some(4_000_000_000.5));
    }

    #[test]
    fn slip_frames() {
        let packet = vec![1, END, 2, ESC, 3];
        let framed = slip_encode(&packet);
        assert_eq!(framed, vec![END, 1, ESC, ESC_END, 2, ESC, ESC_ESC, 3, END]);
        let mut d = SlipDecoder::default();
        // Split anywhere, even inside an escape.
        let mut got = d.feed(&framed[..3]);
        got.extend(d.feed(&framed[3..]));
        assert_eq!(got, vec![Ok(packet)]);
        assert_eq!(
            d.feed(&[END, ESC, 0x01, 7, END, 9, END]),
            vec![Err(SlipError::BadEscape(1)), Ok(vec![9])]
        );
    }

    proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode(&bytes);
            let _ = SlipDecoder::default().feed(&bytes);
        }

        #[test]
        fn slip_round_trips(packets in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..100), 1..5), split in 0usize..400) {
            let stream: Vec<u8> = packets.iter().flat_map(|p| slip_encode(p)).collect();
            let split = split.min(stream.len());
            let mut d = SlipDecoder::default();
            let mut got = d.feed(&stream[..split]);
            got.extend(d.feed(&stream[split..]));
            prop_assert_eq!(got, packets.into_iter().map(Ok).collect::<Vec<_>>());
        }

        #[test]
        fn literal_addresses_match_themselves(parts in proptest::collection::vec("[a-z0-9_]{1,8}", 1..6)) {
            let address = format!("/{}", parts.join("/"));
            prop_assert!(pattern_matches(&address, &address));
            prop_assert!(pattern_matches("//*", &address));
        }
    }
}
