//! The sections a backup takes over with (body velocities, the arbiter's claims, the layers'
//! tempo): the second documented test vector, each source kind, bad bytes and limits.

use crate::cursor::hex;
use backlot_params::{Claim, ParamValue, Source, TempoCarry};

use super::*;

/// `docs/cluster.md`, "Test vector 2", exactly as printed there.
const VECTOR_HEX: &str = "
    424c43460201056c6f63616c2b00000000000000000000000000e83f01610100
    00000000000000010000000300626f78000000000000803f0000000000000000
    00000000000000000000803f0000004000000000000000000000000000000000
    0000003f010200000012002f7363656e652f666f672f64656e73697479070100
    0000003f01000000803e0404006465736b14002f7363656e652f73756e2f696e
    74656e736974790601000000010000000000005e400000000000002140
";
/// Where the vector's parts are.
const HEADER_LEN: usize = 35;
const LINEAR_VELOCITY_AT: usize = 76;
const CLAIMS_AT: usize = 100;
const FIRST_DRIVER_AT: usize = 125;
const FIRST_HELD_AT: usize = 126;
const FIRST_UNDER_SOURCE_AT: usize = 138;
const TEMPO_AT: usize = 172;

/// The state the vector encodes: a snapshot with a moving body, an operator's hold over an
/// OSC fader, a DMX-driven parameter and the tempo clock.
fn handover_state() -> FrameState {
    FrameState {
        header: FrameHeader {
            cluster: "local".into(),
            frame: 43,
            scene_time: 0.75,
            primary: "a".into(),
            epoch: 1,
            snapshot: true,
            revisions: vec![],
        },
        values: vec![],
        bodies: vec![BodyPose {
            name: "box".into(),
            translation: [0.0, 1.0, 0.0],
            rotation: [0.0, 0.0, 0.0, 1.0],
            linear_velocity: [2.0, 0.0, 0.0],
            angular_velocity: [0.0, 0.0, 0.5],
        }],
        claims: Some(vec![
            Claim {
                address: "/scene/fog/density".into(),
                driver: Source::Operator,
                held: Some(ParamValue::Float(0.5)),
                under: Some((ParamValue::Float(0.25), Source::Osc("desk".into()))),
            },
            Claim {
                address: "/scene/sun/intensity".into(),
                driver: Source::Dmx(1),
                held: None,
                under: None,
            },
        ]),
        tempo: Some(TempoCarry {
            bpm: 120.0,
            beats: 8.5,
        }),
    }
}

#[test]
fn test_vector_2_byte_for_byte() {
    let mut want: Vec<u8> = Vec::new();
    want.extend_from_slice(b"BLCF");
    want.extend_from_slice(&[2, 1]); // version 2, a snapshot
    want.extend_from_slice(b"\x05local");
    want.extend_from_slice(&43u64.to_le_bytes());
    want.extend_from_slice(&0.75f64.to_le_bytes());
    want.extend_from_slice(b"\x01a");
    want.extend_from_slice(&1u32.to_le_bytes());
    want.push(0); // no files
    assert_eq!(want.len(), HEADER_LEN);
    want.extend_from_slice(&0u32.to_le_bytes()); // no values
    want.extend_from_slice(&1u32.to_le_bytes()); // one body
    want.extend_from_slice(b"\x03\x00box");
    for v in [0.0f32, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0] {
        want.extend_from_slice(&v.to_le_bytes());
    }
    assert_eq!(want.len(), LINEAR_VELOCITY_AT);
    for v in [2.0f32, 0.0, 0.0, 0.0, 0.0, 0.5] {
        want.extend_from_slice(&v.to_le_bytes());
    }
    assert_eq!(want.len(), CLAIMS_AT);
    want.push(1); // the claims follow
    want.extend_from_slice(&2u32.to_le_bytes());
    want.extend_from_slice(b"\x12\x00/scene/fog/density");
    assert_eq!(want.len(), FIRST_DRIVER_AT);
    want.push(7); // driven by the operator
    want.extend_from_slice(&[1, 0]); // held: a float
    want.extend_from_slice(&0.5f32.to_le_bytes());
    want.extend_from_slice(&[1, 0]); // under it: a float
    want.extend_from_slice(&0.25f32.to_le_bytes());
    assert_eq!(want.len(), FIRST_UNDER_SOURCE_AT);
    want.extend_from_slice(b"\x04\x04\x00desk"); // from OSC `desk`
    want.extend_from_slice(b"\x14\x00/scene/sun/intensity");
    want.extend_from_slice(&[6, 1, 0]); // driven by DMX universe 1
    want.extend_from_slice(&[0, 0]); // not held, nothing under
    assert_eq!(want.len(), TEMPO_AT);
    want.push(1); // the tempo follows
    want.extend_from_slice(&120.0f64.to_le_bytes());
    want.extend_from_slice(&8.5f64.to_le_bytes());

    assert_eq!(
        hex(VECTOR_HEX),
        want,
        "the documented hex is the same vector"
    );
    assert_eq!(encode(&handover_state()), Ok(want.clone()));
    assert_eq!(decode(&want), Ok(handover_state()));
}

#[test]
fn every_source_kind_round_trips() {
    let sources = [
        Source::Scene,
        Source::Cue("intro".into()),
        Source::Layers,
        Source::Tracking("camera 1".into()),
        Source::Osc("10.0.0.5:9000".into()),
        Source::Midi("nanoKONTROL2".into()),
        Source::Dmx(u16::MAX),
        Source::Operator,
        Source::Cluster("b".into()),
    ];
    let mut state = handover_state();
    state.claims = Some(
        sources
            .iter()
            .enumerate()
            .map(|(i, source)| Claim {
                address: format!("/p/{i}"),
                driver: source.clone(),
                held: i
                    .is_multiple_of(2)
                    .then(|| ParamValue::Enum("Überblendung".into())),
                under: Some((ParamValue::Color([1.0, 0.5, 0.0]), source.clone())),
            })
            .collect(),
    );
    let bytes = encode(&state).expect("encodes");
    assert_eq!(decode(&bytes), Ok(state));
}

#[test]
fn unchanged_claims_and_an_empty_list_differ() {
    let mut state = handover_state();
    state.claims = Some(vec![]);
    let empty = encode(&state).expect("encodes");
    assert_eq!(decode(&empty).map(|s| s.claims), Ok(Some(vec![])));
    state.claims = None;
    let unchanged = encode(&state).expect("encodes");
    assert_eq!(decode(&unchanged).map(|s| s.claims), Ok(None));
    assert_eq!(empty.len(), unchanged.len() + 4, "a count of zero");
}

#[test]
fn bad_source_tags_and_flag_bytes_are_refused() {
    let patched = |at: usize, byte: u8| {
        let mut bytes = hex(VECTOR_HEX);
        bytes[at] = byte;
        decode(&bytes)
    };
    assert_eq!(
        patched(FIRST_DRIVER_AT, 9),
        Err(FrameError::BadTag {
            tag: 9,
            at: FIRST_DRIVER_AT
        })
    );
    assert_eq!(
        patched(FIRST_UNDER_SOURCE_AT, 0xff),
        Err(FrameError::BadTag {
            tag: 0xff,
            at: FIRST_UNDER_SOURCE_AT
        })
    );
    for at in [CLAIMS_AT, FIRST_HELD_AT, TEMPO_AT] {
        assert_eq!(patched(at, 2), Err(FrameError::BadTag { tag: 2, at }));
    }
    // A source name that is not UTF-8 (`desk`'s first byte).
    assert_eq!(
        patched(FIRST_UNDER_SOURCE_AT + 3, 0xff),
        Err(FrameError::BadUtf8 {
            at: FIRST_UNDER_SOURCE_AT + 3
        })
    );
    let mut trailing = hex(VECTOR_HEX);
    trailing.push(0);
    assert_eq!(decode(&trailing), Err(FrameError::TrailingBytes(1)));
}

#[test]
fn non_finite_velocities_and_tempo_are_refused_both_ways() {
    let mut bytes = hex(VECTOR_HEX);
    bytes[LINEAR_VELOCITY_AT..LINEAR_VELOCITY_AT + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    assert_eq!(
        decode(&bytes),
        Err(FrameError::NotFinite {
            at: LINEAR_VELOCITY_AT
        })
    );
    let beats_at = TEMPO_AT + 1 + 8;
    let mut bytes = hex(VECTOR_HEX);
    bytes[beats_at..beats_at + 8].copy_from_slice(&f64::INFINITY.to_le_bytes());
    assert_eq!(decode(&bytes), Err(FrameError::NotFinite { at: beats_at }));

    let mut state = handover_state();
    state.bodies[0].angular_velocity[2] = f32::NEG_INFINITY;
    assert_eq!(
        encode(&state),
        Err(FrameError::NotFinite { at: CLAIMS_AT - 4 })
    );
    let mut state = handover_state();
    state.tempo = Some(TempoCarry {
        bpm: f64::NAN,
        beats: 0.0,
    });
    assert_eq!(
        encode(&state),
        Err(FrameError::NotFinite { at: TEMPO_AT + 1 })
    );
}

#[test]
fn claim_limits_and_long_source_names_are_refused() {
    let claim = Claim {
        address: String::new(),
        driver: Source::Scene,
        held: None,
        under: None,
    };
    let mut state = handover_state();
    state.claims = Some(vec![claim; MAX_CLAIMS + 1]);
    assert_eq!(
        encode(&state),
        Err(FrameError::TooMany {
            what: "claims",
            count: MAX_CLAIMS + 1,
            max: MAX_CLAIMS
        })
    );

    // A count past the limit, and one at the limit with nothing behind it: refused before
    // anything is allocated for them.
    let mut bytes = hex(VECTOR_HEX);
    bytes.truncate(CLAIMS_AT + 1);
    let over = u32::try_from(MAX_CLAIMS + 1).expect("fits a u32");
    let mut over_bytes = bytes.clone();
    over_bytes.extend_from_slice(&over.to_le_bytes());
    assert_eq!(
        decode(&over_bytes),
        Err(FrameError::TooMany {
            what: "claims",
            count: MAX_CLAIMS + 1,
            max: MAX_CLAIMS
        })
    );
    let at_limit = u32::try_from(MAX_CLAIMS).expect("fits a u32");
    bytes.extend_from_slice(&at_limit.to_le_bytes());
    assert_eq!(
        decode(&bytes),
        Err(FrameError::Truncated {
            needed: MAX_CLAIMS * MIN_CLAIM_LEN,
            at: CLAIMS_AT + 1 + 4
        })
    );

    let mut state = handover_state();
    if let Some(claims) = state.claims.as_mut() {
        claims[0].under = Some((ParamValue::Trigger, Source::Midi("m".repeat(65_536))));
    }
    assert_eq!(
        encode(&state),
        Err(FrameError::StringTooLong {
            what: "source name",
            len: 65_536
        })
    );
}
