//! Frame state codec: the documented test vector, round trips, truncation, limits, bad
//! bytes, FNV-1a. The sections a backup takes over with (velocities, claims, tempo) have
//! their own vector and cases in `handover_tests.rs`; the properties here cover them too.

use crate::cursor::hex;
use backlot_params::{Claim, ParamValue, Source, TempoCarry};
use proptest::prelude::*;

use super::*;

/// `docs/cluster.md`, "Test vector 1", exactly as printed there.
const VECTOR_HEX: &str = "
    424c43460200056c6f63616c2a00000000000000666666666666e63f01610100
    000001057363656e65efcdab89674523010100000012002f7363656e652f666f
    672f64656e73697479000000803e000000000000
";
/// Where the vector's header ends and its parts are.
const VECTOR_HEADER_LEN: usize = 49;
const VECTOR_SCENE_TIME_AT: usize = 20;
const VECTOR_FILE_COUNT_AT: usize = 34;
const VECTOR_ADDRESS_AT: usize = 55;
const VECTOR_TAG_AT: usize = 73;
const VECTOR_PAYLOAD_AT: usize = 74;

/// The state the test vector encodes.
fn small_state() -> FrameState {
    FrameState {
        header: FrameHeader {
            cluster: "local".into(),
            frame: 42,
            scene_time: 0.7,
            primary: "a".into(),
            epoch: 1,
            snapshot: false,
            revisions: vec![("scene".into(), 0x0123_4567_89ab_cdef)],
        },
        values: vec![("/scene/fog/density".into(), ParamValue::Float(0.25))],
        bodies: vec![],
        claims: None,
        tempo: None,
    }
}

fn vector() -> Vec<u8> {
    encode(&small_state()).expect("the small state encodes")
}

/// The small state's header followed by the given bytes.
fn header_then(rest: &[u8]) -> Vec<u8> {
    let mut bytes = vector();
    bytes.truncate(VECTOR_HEADER_LEN);
    bytes.extend_from_slice(rest);
    bytes
}

#[test]
fn test_vector_byte_for_byte() {
    let mut want: Vec<u8> = Vec::new();
    want.extend_from_slice(b"BLCF"); // magic
    want.extend_from_slice(&[2, 0]); // version 2, flags: a delta
    want.extend_from_slice(b"\x05local"); // cluster
    want.extend_from_slice(&[42, 0, 0, 0, 0, 0, 0, 0]); // frame
    want.extend_from_slice(&[0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0xe6, 0x3f]); // 0.7 s
    want.extend_from_slice(b"\x01a"); // primary
    want.extend_from_slice(&[1, 0, 0, 0]); // epoch
    want.push(1); // one file
    want.extend_from_slice(b"\x05scene");
    want.extend_from_slice(&[0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01]);
    assert_eq!(want.len(), VECTOR_HEADER_LEN);
    want.extend_from_slice(&[1, 0, 0, 0]); // one value
    want.extend_from_slice(&[18, 0]);
    want.extend_from_slice(b"/scene/fog/density");
    want.push(0); // float
    want.extend_from_slice(&[0x00, 0x00, 0x80, 0x3e]); // 0.25
    want.extend_from_slice(&[0, 0, 0, 0]); // no bodies
    want.push(0); // claims unchanged
    want.push(0); // no tempo

    assert_eq!(
        hex(VECTOR_HEX),
        want,
        "the documented hex is the same vector"
    );
    assert_eq!(vector(), want);
    assert_eq!(decode(&want), Ok(small_state()));
    assert_eq!(
        decode_header(&want),
        Ok((small_state().header, VECTOR_HEADER_LEN))
    );
}

#[test]
fn header_decodes_whatever_follows_it() {
    let bytes = header_then(&[0xff, 0xff]);
    assert_eq!(
        decode_header(&bytes),
        Ok((small_state().header, VECTOR_HEADER_LEN))
    );
    assert!(decode(&bytes).is_err());
}

#[test]
fn flags_bit_0_is_snapshot_and_the_rest_are_ignored() {
    let mut snapshot = vector();
    snapshot[5] = 0b0000_0001;
    let decoded = decode(&snapshot).expect("a snapshot decodes");
    assert!(decoded.header.snapshot);
    assert_eq!(encode(&decoded), Ok(snapshot));

    let mut reserved = vector();
    reserved[5] = 0b1111_1110;
    let decoded = decode(&reserved).expect("reserved bits are ignored");
    assert_eq!(decoded, small_state());
    assert_eq!(
        encode(&decoded),
        Ok(vector()),
        "re-encoding writes them clear"
    );
}

#[test]
fn every_value_kind_and_bodies_round_trip() {
    let mut state = small_state();
    state.header.snapshot = true;
    state.values = vec![
        ("/f".into(), ParamValue::Float(-0.0)),
        ("/i".into(), ParamValue::Int(i32::MIN)),
        ("/b".into(), ParamValue::Bool(true)),
        ("/c".into(), ParamValue::Color([1.0, 0.5, 0.0])),
        (
            "/v".into(),
            ParamValue::Vec3([f32::MAX, f32::MIN, f32::MIN_POSITIVE / 2.0]),
        ),
        ("/t".into(), ParamValue::Trigger),
        ("/e".into(), ParamValue::Enum("Überblendung".into())),
    ];
    state.bodies = vec![BodyPose {
        name: "crate_01".into(),
        translation: [1.0, 2.0, 3.0],
        rotation: [0.0, 0.0, 0.0, 1.0],
        linear_velocity: [0.5, -9.81, 0.0],
        angular_velocity: [0.0, 3.0, -0.25],
    }];
    let bytes = encode(&state).expect("encodes");
    assert_eq!(decode(&bytes), Ok(state));
}

#[test]
fn fnv1a_known_vectors() {
    assert_eq!(revision(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(revision(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(revision(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn bad_magic_version_tag_utf8_and_trailing_bytes() {
    let patched = |at: usize, byte: u8| {
        let mut bytes = vector();
        bytes[at] = byte;
        decode(&bytes)
    };
    assert_eq!(patched(0, b'X'), Err(FrameError::BadMagic));
    assert_eq!(decode(b"BX"), Err(FrameError::BadMagic));
    assert!(matches!(decode(b"BL"), Err(FrameError::Truncated { .. })));
    // Version 1 (no velocities, claims or tempo) is not read any more.
    assert_eq!(patched(4, 1), Err(FrameError::UnsupportedVersion(1)));
    assert_eq!(patched(4, 3), Err(FrameError::UnsupportedVersion(3)));
    assert_eq!(
        patched(VECTOR_TAG_AT, 7),
        Err(FrameError::BadTag {
            tag: 7,
            at: VECTOR_TAG_AT
        })
    );
    assert_eq!(
        patched(VECTOR_ADDRESS_AT, 0xff),
        Err(FrameError::BadUtf8 {
            at: VECTOR_ADDRESS_AT
        })
    );
    assert_eq!(patched(7, 0xc3), Err(FrameError::BadUtf8 { at: 7 }));

    // A bool byte other than 0 or 1.
    let mut bad_bool = vector();
    bad_bool[VECTOR_TAG_AT] = 2;
    bad_bool[VECTOR_PAYLOAD_AT] = 2;
    assert_eq!(
        decode(&bad_bool),
        Err(FrameError::BadTag {
            tag: 2,
            at: VECTOR_PAYLOAD_AT
        })
    );

    let mut trailing = vector();
    trailing.push(0);
    assert_eq!(decode(&trailing), Err(FrameError::TrailingBytes(1)));
}

#[test]
fn non_finite_numbers_are_refused_both_ways() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut bytes = vector();
        bytes[VECTOR_PAYLOAD_AT..VECTOR_PAYLOAD_AT + 4].copy_from_slice(&bad.to_le_bytes());
        assert_eq!(
            decode(&bytes),
            Err(FrameError::NotFinite {
                at: VECTOR_PAYLOAD_AT
            })
        );
    }
    let mut bytes = vector();
    bytes[VECTOR_SCENE_TIME_AT..VECTOR_SCENE_TIME_AT + 8]
        .copy_from_slice(&f64::INFINITY.to_le_bytes());
    assert_eq!(
        decode(&bytes),
        Err(FrameError::NotFinite {
            at: VECTOR_SCENE_TIME_AT
        })
    );

    let mut state = small_state();
    state.header.scene_time = f64::NAN;
    assert_eq!(
        encode(&state),
        Err(FrameError::NotFinite {
            at: VECTOR_SCENE_TIME_AT
        })
    );

    let mut state = small_state();
    state.values[0].1 = ParamValue::Color([0.0, f32::NAN, 0.0]);
    assert_eq!(
        encode(&state),
        Err(FrameError::NotFinite {
            at: VECTOR_PAYLOAD_AT + 4
        })
    );

    // Header, no values, one body named "b": its rotation's w is at 49 + 4 + 4 + 3 + 12 + 12.
    let mut state = small_state();
    state.values.clear();
    state.bodies = vec![BodyPose {
        name: "b".into(),
        translation: [0.0; 3],
        rotation: [0.0, 0.0, 0.0, f32::INFINITY],
        linear_velocity: [0.0; 3],
        angular_velocity: [0.0; 3],
    }];
    assert_eq!(encode(&state), Err(FrameError::NotFinite { at: 84 }));
    // Its linear velocity's y, three numbers on.
    state.bodies[0].rotation[3] = 1.0;
    state.bodies[0].linear_velocity[1] = f32::NAN;
    assert_eq!(
        encode(&state),
        Err(FrameError::NotFinite { at: 84 + 4 + 4 })
    );
}

#[test]
fn strings_longer_than_their_prefix_are_refused() {
    let mut state = small_state();
    state.header.cluster = "c".repeat(255);
    assert!(encode(&state).is_ok(), "255 bytes fit a u8 length");
    state.header.cluster = "c".repeat(256);
    assert_eq!(
        encode(&state),
        Err(FrameError::StringTooLong {
            what: "cluster",
            len: 256
        })
    );

    let mut state = small_state();
    state.header.revisions[0].0 = "k".repeat(300);
    assert_eq!(
        encode(&state),
        Err(FrameError::StringTooLong {
            what: "file kind",
            len: 300
        })
    );

    let mut state = small_state();
    state.values[0].0 = "/".repeat(65_535);
    let bytes = encode(&state).expect("65,535 bytes fit a u16 length");
    assert_eq!(decode(&bytes), Ok(state.clone()));
    state.values[0].0 = "/".repeat(65_536);
    assert_eq!(
        encode(&state),
        Err(FrameError::StringTooLong {
            what: "address",
            len: 65_536
        })
    );

    let mut state = small_state();
    state.values[0].1 = ParamValue::Enum("e".repeat(70_000));
    assert_eq!(
        encode(&state),
        Err(FrameError::StringTooLong {
            what: "enum name",
            len: 70_000
        })
    );
}

#[test]
fn counts_over_their_limit_are_refused_before_allocating() {
    let values_over = u32::try_from(MAX_VALUES + 1).expect("fits a u32");
    for count in [values_over, u32::MAX] {
        assert_eq!(
            decode(&header_then(&count.to_le_bytes())),
            Err(FrameError::TooMany {
                what: "values",
                count: usize::try_from(count).expect("64-bit test host"),
                max: MAX_VALUES
            })
        );
    }
    // At the limit but with nothing behind it: refused by the bytes left, not allocated.
    let at_limit = u32::try_from(MAX_VALUES).expect("fits a u32");
    assert_eq!(
        decode(&header_then(&at_limit.to_le_bytes())),
        Err(FrameError::Truncated {
            needed: MAX_VALUES * MIN_VALUE_LEN,
            at: VECTOR_HEADER_LEN + 4
        })
    );

    let mut rest = 0u32.to_le_bytes().to_vec();
    rest.extend_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(
        decode(&header_then(&rest)),
        Err(FrameError::TooMany {
            what: "bodies",
            count: usize::try_from(u32::MAX).expect("64-bit test host"),
            max: MAX_BODIES
        })
    );

    let mut files = vector();
    files[VECTOR_FILE_COUNT_AT] = 65;
    assert_eq!(
        decode(&files),
        Err(FrameError::TooMany {
            what: "files",
            count: 65,
            max: MAX_FILES
        })
    );
    files[VECTOR_FILE_COUNT_AT] = 64;
    assert_eq!(
        decode(&files),
        Err(FrameError::Truncated {
            needed: MAX_FILES * MIN_FILE_LEN,
            at: VECTOR_FILE_COUNT_AT + 1
        })
    );

    let mut state = small_state();
    state.header.revisions = vec![("scene".into(), 0); MAX_FILES + 1];
    assert_eq!(
        encode(&state),
        Err(FrameError::TooMany {
            what: "files",
            count: MAX_FILES + 1,
            max: MAX_FILES
        })
    );
    let mut state = small_state();
    state.values = vec![(String::new(), ParamValue::Trigger); MAX_VALUES + 1];
    assert_eq!(
        encode(&state),
        Err(FrameError::TooMany {
            what: "values",
            count: MAX_VALUES + 1,
            max: MAX_VALUES
        })
    );
    let body = BodyPose {
        name: String::new(),
        translation: [0.0; 3],
        rotation: [0.0, 0.0, 0.0, 1.0],
        linear_velocity: [0.0; 3],
        angular_velocity: [0.0; 3],
    };
    let mut state = small_state();
    state.bodies = vec![body; MAX_BODIES + 1];
    assert_eq!(
        encode(&state),
        Err(FrameError::TooMany {
            what: "bodies",
            count: MAX_BODIES + 1,
            max: MAX_BODIES
        })
    );
}

#[test]
fn messages_over_16_mib_are_refused() {
    let len = MAX_MESSAGE + 1;
    assert_eq!(decode(&vec![0; len]), Err(FrameError::TooLarge(len)));
    assert_eq!(decode_header(&vec![0; len]), Err(FrameError::TooLarge(len)));

    // 300 bodies of 60,000-byte names: within every count and string limit, over in total.
    let mut state = small_state();
    state.values.clear();
    state.bodies = vec![
        BodyPose {
            name: "n".repeat(60_000),
            translation: [0.0; 3],
            rotation: [0.0, 0.0, 0.0, 1.0],
            linear_velocity: [0.0; 3],
            angular_velocity: [0.0; 3],
        };
        300
    ];
    // Two counts and two presence bytes (no claims, no tempo).
    let header_and_counts = VECTOR_HEADER_LEN + 4 + 4 + 1 + 1;
    assert_eq!(
        encode(&state),
        Err(FrameError::TooLarge(
            header_and_counts + 300 * (MIN_BODY_LEN + 60_000)
        ))
    );
}

fn finite_f32() -> impl Strategy<Value = f32> {
    use proptest::num::f32::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
    POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO
}

fn finite_f64() -> impl Strategy<Value = f64> {
    use proptest::num::f64::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
    POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO
}

fn param_value() -> impl Strategy<Value = ParamValue> {
    prop_oneof![
        finite_f32().prop_map(ParamValue::Float),
        any::<i32>().prop_map(ParamValue::Int),
        any::<bool>().prop_map(ParamValue::Bool),
        prop::array::uniform3(finite_f32()).prop_map(ParamValue::Color),
        prop::array::uniform3(finite_f32()).prop_map(ParamValue::Vec3),
        Just(ParamValue::Trigger),
        ".{0,20}".prop_map(ParamValue::Enum),
    ]
}

fn header() -> impl Strategy<Value = FrameHeader> {
    // At most 4 bytes a char: 30 chars stay within a u8 length.
    (
        ".{0,30}",
        any::<u64>(),
        finite_f64(),
        ".{0,30}",
        any::<u32>(),
        any::<bool>(),
        prop::collection::vec((".{0,12}", any::<u64>()), 0..4),
    )
        .prop_map(
            |(cluster, frame, scene_time, primary, epoch, snapshot, revisions)| FrameHeader {
                cluster,
                frame,
                scene_time,
                primary,
                epoch,
                snapshot,
                revisions,
            },
        )
}

fn source() -> impl Strategy<Value = Source> {
    prop_oneof![
        Just(Source::Scene),
        ".{0,12}".prop_map(Source::Cue),
        Just(Source::Layers),
        ".{0,12}".prop_map(Source::Tracking),
        ".{0,12}".prop_map(Source::Osc),
        ".{0,12}".prop_map(Source::Midi),
        any::<u16>().prop_map(Source::Dmx),
        Just(Source::Operator),
        ".{0,12}".prop_map(Source::Cluster),
    ]
}

fn claim() -> impl Strategy<Value = Claim> {
    (
        ".{0,30}",
        source(),
        prop::option::of(param_value()),
        prop::option::of((param_value(), source())),
    )
        .prop_map(|(address, driver, held, under)| Claim {
            address,
            driver,
            held,
            under,
        })
}

fn body() -> impl Strategy<Value = BodyPose> {
    (
        ".{0,20}",
        prop::array::uniform3(finite_f32()),
        prop::array::uniform4(finite_f32()),
        prop::array::uniform3(finite_f32()),
        prop::array::uniform3(finite_f32()),
    )
        .prop_map(
            |(name, translation, rotation, linear_velocity, angular_velocity)| BodyPose {
                name,
                translation,
                rotation,
                linear_velocity,
                angular_velocity,
            },
        )
}

fn frame_state() -> impl Strategy<Value = FrameState> {
    let tempo = (finite_f64(), finite_f64()).prop_map(|(bpm, beats)| TempoCarry { bpm, beats });
    (
        header(),
        prop::collection::vec((".{0,40}", param_value()), 0..8),
        prop::collection::vec(body(), 0..4),
        prop::option::of(prop::collection::vec(claim(), 0..4)),
        prop::option::of(tempo),
    )
        .prop_map(|(header, values, bodies, claims, tempo)| FrameState {
            header,
            values,
            bodies,
            claims,
            tempo,
        })
}

/// What decoding must do with bytes it accepted: encode them again to the same state.
fn accepted_round_trips(decoded: &FrameState) -> Result<(), TestCaseError> {
    let bytes = encode(decoded).map_err(|e| TestCaseError::fail(format!("re-encode: {e}")))?;
    prop_assert_eq!(&decode(&bytes), &Ok(decoded.clone()));
    Ok(())
}

proptest! {
    #[test]
    fn any_state_round_trips(state in frame_state()) {
        let bytes = encode(&state).map_err(|e| TestCaseError::fail(format!("encode: {e}")))?;
        prop_assert_eq!(&decode(&bytes), &Ok(state.clone()));
        let (header, used) = decode_header(&bytes)
            .map_err(|e| TestCaseError::fail(format!("header: {e}")))?;
        prop_assert_eq!(header, state.header);
        prop_assert!(used <= bytes.len());
    }

    #[test]
    fn every_strict_prefix_is_truncated(state in frame_state()) {
        let bytes = encode(&state).map_err(|e| TestCaseError::fail(format!("encode: {e}")))?;
        for len in 0..bytes.len() {
            match decode(&bytes[..len]) {
                // It names bytes the prefix lacks.
                Err(FrameError::Truncated { needed, at }) => {
                    prop_assert!(at + needed > len, "{} + {} within {}", at, needed, len);
                }
                other => {
                    return Err(TestCaseError::fail(format!("prefix of {len} bytes: {other:?}")));
                }
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_header(&bytes);
        if let Ok(state) = decode(&bytes) {
            accepted_round_trips(&state)?;
        }
    }

    /// Past the magic and version, so that the header and body readers see the noise.
    #[test]
    fn arbitrary_bodies_never_panic(tail in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = MAGIC.to_vec();
        bytes.push(VERSION);
        bytes.extend_from_slice(&tail);
        if let Ok(state) = decode(&bytes) {
            accepted_round_trips(&state)?;
        }
    }

    #[test]
    fn corrupted_encodings_never_panic(
        state in frame_state(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = encode(&state).map_err(|e| TestCaseError::fail(format!("encode: {e}")))?;
        let at = at.index(bytes.len());
        bytes[at] = byte;
        if let Ok(state) = decode(&bytes) {
            accepted_round_trips(&state)?;
        }
    }
}
