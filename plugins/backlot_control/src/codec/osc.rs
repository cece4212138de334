//! OSC for control: address patterns (OSC 1.0 plus 1.1's `//`) and argument coercion to
//! parameter values. Decoding, time tags and SLIP framing are `backlot_net`'s.

use backlot_params::{ParamKind, ParamSpec, ParamValue};
use rosc::OscType;

pub use backlot_net::osc::{MAX_PACKET, OscError, Timed, decode, encode, ntp_now, timetag_seconds};
pub use backlot_net::slip::{SlipDecoder, SlipError, slip_encode};

pub mod pattern;

pub use pattern::{MAX_PATTERN_LEN, MAX_WILDCARDS, Pattern, PatternError, pattern_matches};

/// Whether a pattern has wildcards (a literal address is looked up directly).
pub fn is_pattern(address: &str) -> bool {
    address.contains(['*', '?', '[', '{']) || address.contains("//")
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

/// Flattens arguments, arrays opened in place. A stack of open arrays rather than
/// recursion: nesting comes off the wire (and is bounded there, see
/// [`backlot_net::osc::MAX_DEPTH`]); linear in the number of arguments.
pub fn flatten_args(args: &[OscType]) -> Vec<Arg> {
    let mut out = Vec::with_capacity(args.len());
    let mut open = vec![args.iter()];
    while let Some(level) = open.last_mut() {
        let Some(a) = level.next() else {
            open.pop();
            continue;
        };
        let arg = match a {
            OscType::Int(v) => Arg::Num(f64::from(*v)),
            OscType::Float(v) => Arg::Num(f64::from(*v)),
            OscType::Double(v) => Arg::Num(*v),
            OscType::Long(v) => Arg::Num(*v as f64),
            OscType::Char(c) => Arg::Num(f64::from(u32::from(*c))),
            OscType::Bool(b) => Arg::Bool(*b),
            OscType::String(s) => Arg::Str(s.clone()),
            OscType::Color(c) => Arg::Color([c.red, c.green, c.blue].map(|v| f32::from(v) / 255.0)),
            OscType::Array(inner) => {
                open.push(inner.content.iter());
                continue;
            }
            _ => Arg::Nil,
        };
        out.push(arg);
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
    coerce_flat(spec, &flatten_args(args), unit_scale)
}

/// [`coerce`] for arguments already flattened: a message that sets many parameters (a
/// pattern) flattens its arguments once.
pub fn coerce_flat(spec: &ParamSpec, args: &[Arg], unit_scale: bool) -> Result<ParamValue, String> {
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
            let v: Vec<f32> = args.iter().filter_map(num).map(scale).take(3).collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::hex;
    use backlot_params::ParamAddress;
    use proptest::prelude::*;
    use rosc::{OscMessage, OscPacket, OscTime};

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
    fn nested_and_many_arguments_flatten_in_order() {
        let mut arg = OscType::Int(1);
        for _ in 0..1_000 {
            arg = OscType::Array(rosc::OscArray {
                content: vec![OscType::Float(0.5), arg, OscType::Bool(true)],
            });
        }
        let flat = flatten_args(std::slice::from_ref(&arg));
        assert_eq!(flat.len(), 2_001);
        assert_eq!(flat[0], Arg::Num(0.5));
        assert_eq!(flat[1_000], Arg::Num(1.0));
        assert_eq!(flat[2_000], Arg::Bool(true));
        // Thousands of arguments: a colour takes the first three numbers.
        let many: Vec<OscType> = (0..10_000)
            .map(|i| OscType::Float(i as f32 / 10_000.0))
            .collect();
        let color = ParamSpec::color(ParamAddress::new("/c").expect("a"), [1.0; 3]);
        assert_eq!(
            coerce(&color, &many, false),
            Ok(ParamValue::Color([0.0, 0.0001, 0.0002]))
        );
        assert_eq!(flatten_args(&many).len(), 10_000);
    }

    proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn literal_addresses_match_themselves(parts in proptest::collection::vec("[a-z0-9_]{1,8}", 1..6)) {
            let address = format!("/{}", parts.join("/"));
            prop_assert!(pattern_matches(&address, &address));
            prop_assert!(pattern_matches("//*", &address));
        }
    }
}
