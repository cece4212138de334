//! Reload announcement codec: the documented test vector, round trips, truncation, limits,
//! bad bytes.

use crate::cursor::hex;
use proptest::prelude::*;

use super::*;
use crate::frame::revision;

/// The test vector of `docs/cluster.md` ("Reload announcement test vector"), as printed.
const VECTOR_HEX: &str = "
    424c43520100056c6f63616c057363656e6501000000d204000000000000e8
    6739f77141948506000000666f6f626172
";
/// Where the vector's parts are.
const VECTOR_CLUSTER_AT: usize = 6;
const VECTOR_REVISION_AT: usize = 30;
const VECTOR_LEN_AT: usize = 38;
const VECTOR_FILE_AT: usize = 42;

/// The announcement the test vector encodes.
fn small() -> FileReload {
    FileReload::new("local".into(), "scene".into(), 1, 1234, b"foobar".to_vec())
}

fn vector() -> Vec<u8> {
    encode(&small()).expect("the small announcement encodes")
}

#[test]
fn test_vector_byte_for_byte() {
    let mut want: Vec<u8> = Vec::new();
    want.extend_from_slice(b"BLCR"); // magic
    want.extend_from_slice(&[1, 0]); // version 1, no flags
    want.extend_from_slice(b"\x05local"); // cluster
    want.extend_from_slice(b"\x05scene"); // kind
    want.extend_from_slice(&[1, 0, 0, 0]); // epoch
    want.extend_from_slice(&[0xd2, 0x04, 0, 0, 0, 0, 0, 0]); // frame 1234
    assert_eq!(want.len(), VECTOR_REVISION_AT);
    want.extend_from_slice(&[0xe8, 0x67, 0x39, 0xf7, 0x71, 0x41, 0x94, 0x85]); // FNV-1a
    want.extend_from_slice(&[6, 0, 0, 0]); // six bytes of file
    assert_eq!(want.len(), VECTOR_FILE_AT);
    want.extend_from_slice(b"foobar");

    assert_eq!(
        hex(VECTOR_HEX),
        want,
        "the documented hex is the same vector"
    );
    assert_eq!(small().revision, 0x8594_4171_f739_67e8);
    assert_eq!(vector(), want);
    assert_eq!(decode(&want), Ok(small()));
}

#[test]
fn flags_are_ignored_and_written_clear() {
    let mut flagged = vector();
    flagged[5] = 0xff;
    let decoded = decode(&flagged).expect("flags are ignored");
    assert_eq!(decoded, small());
    assert_eq!(encode(&decoded), Ok(vector()));
}

#[test]
fn bad_magic_version_utf8_revision_and_trailing_bytes() {
    let patched = |at: usize, byte: u8| {
        let mut bytes = vector();
        bytes[at] = byte;
        decode(&bytes)
    };
    assert_eq!(patched(3, b'F'), Err(ReloadError::BadMagic));
    assert_eq!(decode(b"BX"), Err(ReloadError::BadMagic));
    assert!(matches!(decode(b"BL"), Err(ReloadError::Truncated { .. })));
    assert_eq!(patched(4, 2), Err(ReloadError::UnsupportedVersion(2)));
    assert_eq!(
        patched(VECTOR_CLUSTER_AT + 1, 0xff),
        Err(ReloadError::BadUtf8 {
            at: VECTOR_CLUSTER_AT + 1
        })
    );
    // One bit of the file flipped: its revision no longer matches.
    assert_eq!(
        patched(VECTOR_FILE_AT, b'g'),
        Err(ReloadError::RevisionMismatch {
            said: small().revision,
            computed: revision(b"goobar"),
        })
    );
    let mut trailing = vector();
    trailing.push(0);
    assert_eq!(decode(&trailing), Err(ReloadError::TrailingBytes(1)));
}

#[test]
fn a_wrong_revision_or_long_names_are_not_written() {
    let mut wrong = small();
    wrong.revision ^= 1;
    assert!(matches!(
        encode(&wrong),
        Err(ReloadError::RevisionMismatch { .. })
    ));
    let mut long = small();
    long.kind = "k".repeat(256);
    assert_eq!(
        encode(&long),
        Err(ReloadError::StringTooLong {
            what: "kind",
            len: 256
        })
    );
    let mut long = small();
    long.cluster = "c".repeat(300);
    assert_eq!(
        encode(&long),
        Err(ReloadError::StringTooLong {
            what: "cluster",
            len: 300
        })
    );
}

#[test]
fn files_over_16_mib_are_refused_both_ways() {
    let big = FileReload::new("c".into(), "scene".into(), 0, 0, vec![b' '; MAX_FILE + 1]);
    assert_eq!(encode(&big), Err(ReloadError::FileTooLarge(MAX_FILE + 1)));
    // A length field claiming more than the limit is refused before anything is read.
    let mut claims = vector();
    claims[VECTOR_LEN_AT..VECTOR_FILE_AT]
        .copy_from_slice(&u32::try_from(MAX_FILE + 1).expect("fits").to_le_bytes());
    assert_eq!(
        decode(&claims),
        Err(ReloadError::FileTooLarge(MAX_FILE + 1))
    );
    let mut claims_max = vector();
    claims_max[VECTOR_LEN_AT..VECTOR_FILE_AT].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(
        decode(&claims_max),
        Err(ReloadError::FileTooLarge(u32::MAX as usize))
    );
    let len = MAX_MESSAGE + 1;
    assert_eq!(decode(&vec![0; len]), Err(ReloadError::TooLarge(len)));
    // The largest file does travel.
    let largest = FileReload::new("c".into(), "stage".into(), 0, 0, vec![b'x'; MAX_FILE]);
    let bytes = encode(&largest).expect("a 16 MiB file encodes");
    assert!(bytes.len() <= MAX_MESSAGE);
    assert_eq!(decode(&bytes), Ok(largest));
}

fn reload() -> impl Strategy<Value = FileReload> {
    // At most 4 bytes a char: 60 chars stay within a u8 length.
    (
        ".{0,60}",
        ".{0,12}",
        any::<u32>(),
        any::<u64>(),
        prop::collection::vec(any::<u8>(), 0..256),
    )
        .prop_map(|(cluster, kind, epoch, frame, bytes)| {
            FileReload::new(cluster, kind, epoch, frame, bytes)
        })
}

/// What decoding must do with bytes it accepted: encode them again to the same value.
fn accepted_round_trips(decoded: &FileReload) -> Result<(), TestCaseError> {
    let bytes = encode(decoded).map_err(|e| TestCaseError::fail(format!("re-encode: {e}")))?;
    prop_assert_eq!(&decode(&bytes), &Ok(decoded.clone()));
    Ok(())
}

proptest! {
    #[test]
    fn any_announcement_round_trips(reload in reload()) {
        let bytes = encode(&reload).map_err(|e| TestCaseError::fail(format!("encode: {e}")))?;
        prop_assert!(bytes.len() <= MAX_MESSAGE);
        prop_assert_eq!(decode(&bytes), Ok(reload));
    }

    #[test]
    fn every_strict_prefix_is_truncated(reload in reload()) {
        let bytes = encode(&reload).map_err(|e| TestCaseError::fail(format!("encode: {e}")))?;
        for len in 0..bytes.len() {
            match decode(&bytes[..len]) {
                // It names bytes the prefix lacks.
                Err(ReloadError::Truncated { needed, at }) => {
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
        if let Ok(reload) = decode(&bytes) {
            accepted_round_trips(&reload)?;
        }
    }

    /// Past the magic and version, so that the field readers see the noise.
    #[test]
    fn arbitrary_tails_never_panic(tail in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = b"BLCR\x01".to_vec();
        bytes.extend_from_slice(&tail);
        if let Ok(reload) = decode(&bytes) {
            accepted_round_trips(&reload)?;
        }
    }

    #[test]
    fn corrupted_encodings_never_panic(
        reload in reload(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = encode(&reload).map_err(|e| TestCaseError::fail(format!("encode: {e}")))?;
        let at = at.index(bytes.len());
        bytes[at] = byte;
        if let Ok(reload) = decode(&bytes) {
            accepted_round_trips(&reload)?;
        }
    }
}
