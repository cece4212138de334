//! How deeply an OSC packet nests, read off the raw bytes before rosc decodes them.
//!
//! rosc recurses once per nested bundle while decoding, and nested arrays become nested
//! values whose `Debug` and `Drop` recurse too; a 64 KB datagram can nest thousands deep.
//! This walk is one pass over the bytes with a fixed-size stack, no recursion and no
//! allocation. It follows rosc's layout rules (strings padded to 4 bytes counted from the
//! start of the packet, size-prefixed bundle elements) and errs on the side of looking
//! further than rosc would: bytes rosc would refuse are left for rosc to refuse.

use super::OscError;

/// Most bundles inside bundles (the outermost counts as 1), and most arrays inside arrays
/// in one message, that a packet may have.
pub const MAX_DEPTH: usize = 16;

/// An element's opening string when it is a bundle.
const BUNDLE: &[u8] = b"#bundle";

/// Refuses a packet nested deeper than [`MAX_DEPTH`], in bundles or in arrays.
pub fn check_depth(bytes: &[u8]) -> Result<(), OscError> {
    // Each open bundle: where its next element starts and where the bundle ends.
    let mut open = [(0usize, 0usize); MAX_DEPTH];
    let mut depth = match element(bytes, 0, bytes.len())? {
        Element::Bundle { body } => {
            open[0] = (body, bytes.len());
            1
        }
        Element::Other => return Ok(()),
    };
    while depth > 0 {
        let (pos, end) = open[depth - 1];
        // An element is an int32 size and that many bytes; anything else ends the bundle,
        // as it ends rosc's.
        let Some(size) = read_u32(bytes, pos, end) else {
            depth -= 1;
            continue;
        };
        let start = pos + 4;
        let Some(elem_end) = start.checked_add(size as usize).filter(|e| *e <= end) else {
            depth -= 1;
            continue;
        };
        open[depth - 1].0 = elem_end;
        if let Element::Bundle { body } = element(bytes, start, elem_end)? {
            if depth == MAX_DEPTH {
                return Err(OscError::TooDeep { depth: depth + 1 });
            }
            open[depth] = (body, elem_end);
            depth += 1;
        }
    }
    Ok(())
}

enum Element {
    /// A bundle whose elements start at `body` (after its tag and time tag).
    Bundle { body: usize },
    /// A message (its arrays already checked), or bytes rosc will refuse.
    Other,
}

/// Reads the packet in `bytes[start..end]` far enough to know whether it is a bundle;
/// a message's arrays are checked here.
fn element(bytes: &[u8], start: usize, end: usize) -> Result<Element, OscError> {
    let Some((nul, next)) = string_at(bytes, start, end) else {
        return Ok(Element::Other);
    };
    let head = &bytes[start..nul];
    if head == BUNDLE {
        // The 8-byte time tag comes before the elements.
        return Ok(match next.checked_add(8).filter(|b| *b <= end) {
            Some(body) => Element::Bundle { body },
            None => Element::Other,
        });
    }
    if head.first() == Some(&b'/') {
        let depth = array_depth(bytes, next, end);
        if depth > MAX_DEPTH {
            return Err(OscError::TooDeep { depth });
        }
    }
    Ok(Element::Other)
}

/// The OSC string at `start`: the index of its NUL and where the next item starts after
/// the padding, which rosc counts from the start of the packet.
fn string_at(bytes: &[u8], start: usize, end: usize) -> Option<(usize, usize)> {
    let nul = start + bytes.get(start..end)?.iter().position(|b| *b == 0)?;
    let next = (nul + 1).next_multiple_of(4);
    (next <= end).then_some((nul, next))
}

/// The deepest array nesting in the type-tag string at `start`. rosc skips the tag
/// string's first character (the comma), so this does too; an unmatched `]` (which rosc
/// refuses) does not lower the count below zero.
fn array_depth(bytes: &[u8], start: usize, end: usize) -> usize {
    let Some(tags) = bytes.get(start..end) else {
        return 0;
    };
    let (mut depth, mut deepest) = (0usize, 0usize);
    for tag in tags.iter().skip(1).take_while(|t| **t != 0) {
        match tag {
            b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn read_u32(bytes: &[u8], pos: usize, end: usize) -> Option<u32> {
    let word = bytes.get(pos..pos.checked_add(4)?.min(end))?;
    Some(u32::from_be_bytes(word.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osc::{Timed, decode, timetag_seconds};
    use proptest::prelude::*;
    use rosc::{OscArray, OscBundle, OscMessage, OscPacket, OscTime, OscType};

    /// `levels` bundles, each holding the next, the innermost holding `message`; built
    /// flat, so any depth can be made without recursion.
    fn nested_bundles(levels: usize, message: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(levels * 20 + message.len());
        for k in 1..=levels {
            out.extend_from_slice(b"#bundle\0");
            out.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
            // Every bundle inside is 20 bytes of tag, time tag and size, then the message.
            let inner = 20 * (levels - k) + message.len();
            out.extend_from_slice(&(inner as u32).to_be_bytes());
        }
        out.extend_from_slice(message);
        out
    }

    /// `/a` with `levels` arrays inside each other, the innermost holding one int.
    fn nested_arrays(levels: usize) -> Vec<u8> {
        let mut out = b"/a\0\0".to_vec();
        let mut tags = vec![b','];
        tags.extend(std::iter::repeat_n(b'[', levels));
        tags.push(b'i');
        tags.extend(std::iter::repeat_n(b']', levels));
        tags.push(0);
        tags.resize(tags.len().next_multiple_of(4), 0);
        out.extend(tags);
        out.extend_from_slice(&7i32.to_be_bytes());
        out
    }

    fn message(addr: &str) -> Vec<u8> {
        rosc::encoder::encode(&OscPacket::Message(OscMessage {
            addr: addr.into(),
            args: vec![OscType::Int(1)],
        }))
        .expect("encode")
    }

    #[test]
    fn bundles_nest_sixteen_deep_not_seventeen() {
        let m = message("/deep");
        let ok = decode(&nested_bundles(MAX_DEPTH, &m)).expect("16 levels decode");
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].message.addr, "/deep");
        assert_eq!(
            decode(&nested_bundles(MAX_DEPTH + 1, &m)),
            Err(OscError::TooDeep {
                depth: MAX_DEPTH + 1
            })
        );
        // The same through rosc's own encoder, so the layout is not only ours.
        let mut packet = OscPacket::Message(OscMessage {
            addr: "/deep".into(),
            args: vec![],
        });
        for levels in 1..=MAX_DEPTH + 1 {
            packet = OscPacket::Bundle(OscBundle {
                timetag: OscTime {
                    seconds: 0,
                    fractional: 1,
                },
                content: vec![packet],
            });
            let bytes = rosc::encoder::encode(&packet).expect("encode");
            assert_eq!(check_depth(&bytes).is_ok(), levels <= MAX_DEPTH, "{levels}");
        }
    }

    #[test]
    fn arrays_nest_sixteen_deep_not_seventeen() {
        let ok = decode(&nested_arrays(MAX_DEPTH)).expect("16 levels decode");
        let mut arg = &ok[0].message.args[0];
        for _ in 0..MAX_DEPTH {
            match arg {
                OscType::Array(a) => arg = &a.content[0],
                other => panic!("expected an array, got {other:?}"),
            }
        }
        assert_eq!(arg, &OscType::Int(7));
        assert_eq!(
            decode(&nested_arrays(MAX_DEPTH + 1)),
            Err(OscError::TooDeep {
                depth: MAX_DEPTH + 1
            })
        );
    }

    #[test]
    fn a_datagram_nested_thousands_deep_is_refused_without_recursing() {
        let m = message("/x");
        let levels = (crate::osc::MAX_PACKET - m.len()) / 20;
        let bytes = nested_bundles(levels, &m);
        assert!(bytes.len() <= crate::osc::MAX_PACKET);
        assert_eq!(
            decode(&bytes),
            Err(OscError::TooDeep {
                depth: MAX_DEPTH + 1
            })
        );
        let arrays = nested_arrays(30_000);
        assert!(arrays.len() <= crate::osc::MAX_PACKET);
        assert_eq!(decode(&arrays), Err(OscError::TooDeep { depth: 30_000 }));
        // Deep arrays in a message inside bundles are found too.
        let inside = nested_bundles(3, &nested_arrays(MAX_DEPTH + 1));
        assert!(matches!(
            check_depth(&inside),
            Err(OscError::TooDeep { .. })
        ));
    }

    #[test]
    fn thousands_of_arguments_decode() {
        let args: Vec<OscType> = (0..5000).map(OscType::Int).collect();
        let bytes = rosc::encoder::encode(&OscPacket::Message(OscMessage {
            addr: "/many".into(),
            args: args.clone(),
        }))
        .expect("encode");
        let m = decode(&bytes).expect("decode");
        assert_eq!(m[0].message.args, args);
        // Tags with no payload: one byte an argument, the most a datagram can carry.
        let mut bytes = b"/t\0\0,".to_vec();
        bytes.extend(std::iter::repeat_n(b'T', 60_000));
        bytes.extend([0, 0, 0]);
        let m = decode(&bytes).expect("decode");
        assert_eq!(m[0].message.args.len(), 60_000);
    }

    /// The obvious recursive flattening, to compare with.
    fn reference(packet: &OscPacket, at: Option<f64>, out: &mut Vec<Timed>) {
        match packet {
            OscPacket::Message(m) => out.push(Timed {
                at,
                message: m.clone(),
            }),
            OscPacket::Bundle(b) => {
                let at = timetag_seconds(b.timetag).or(at);
                for p in &b.content {
                    reference(p, at, out);
                }
            }
        }
    }

    fn arg() -> impl Strategy<Value = OscType> {
        let leaf = prop_oneof![
            any::<i32>().prop_map(OscType::Int),
            (-1.0e6f32..1.0e6).prop_map(OscType::Float),
            any::<i64>().prop_map(OscType::Long),
            "[a-z]{0,9}".prop_map(OscType::String),
            any::<bool>().prop_map(OscType::Bool),
            Just(OscType::Nil),
            proptest::collection::vec(any::<u8>(), 0..9).prop_map(OscType::Blob),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            proptest::collection::vec(inner, 0..4)
                .prop_map(|content| OscType::Array(OscArray { content }))
        })
    }

    fn packet() -> impl Strategy<Value = OscPacket> {
        let message = (
            "/[a-z]{1,6}(/[a-z0-9]{1,4}){0,3}",
            proptest::collection::vec(arg(), 0..6),
        )
            .prop_map(|(addr, args)| OscPacket::Message(OscMessage { addr, args }));
        message.prop_recursive(6, 32, 4, |inner| {
            (
                any::<u32>(),
                any::<u32>(),
                proptest::collection::vec(inner, 0..4),
            )
                .prop_map(|(seconds, fractional, content)| {
                    OscPacket::Bundle(OscBundle {
                        timetag: OscTime {
                            seconds,
                            fractional,
                        },
                        content,
                    })
                })
        })
    }

    proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = check_depth(&bytes);
            let _ = decode(&bytes);
        }

        #[test]
        fn shallow_packets_pass_and_decode_as_rosc_does(p in packet()) {
            let bytes = rosc::encoder::encode(&p).expect("encode");
            prop_assert_eq!(check_depth(&bytes), Ok(()));
            let (_, decoded) = rosc::decoder::decode_udp(&bytes).expect("rosc decodes");
            let mut expected = Vec::new();
            reference(&decoded, None, &mut expected);
            prop_assert_eq!(decode(&bytes), Ok(expected));
        }

        #[test]
        fn damaged_packets_never_panic(
            p in packet(),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut bytes = rosc::encoder::encode(&p).expect("encode");
            let i = at.index(bytes.len());
            bytes[i] = byte;
            let _ = decode(&bytes);
            let _ = decode(&bytes[..cut.index(bytes.len() + 1)]);
        }
    }
}
