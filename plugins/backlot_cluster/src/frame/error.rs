//! Why a frame state could not be encoded or decoded.

use thiserror::Error;

/// Why bytes are not a frame state, or a frame state cannot be written. Offsets (`at`) count
/// bytes from the start of the message.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FrameError {
    /// The message ends early: `needed` more bytes were expected from offset `at` (for a
    /// list, at least its count times the smallest item).
    #[error("frame state truncated: {needed} bytes needed at offset {at}")]
    Truncated {
        /// Bytes the field (or list) needs from `at`.
        needed: usize,
        /// Where the field starts.
        at: usize,
    },
    /// The message does not start with `BLCF`.
    #[error("not a frame state (magic is not BLCF)")]
    BadMagic,
    /// A version this build does not read.
    #[error(
        "frame state version {0} is not supported (this build reads version {current})",
        current = super::VERSION
    )]
    UnsupportedVersion(u8),
    /// The message is longer than `MAX_MESSAGE` bytes.
    #[error("frame state is {0} bytes; the most is 16 MiB")]
    TooLarge(usize),
    /// A list is longer than its limit (`files`, `values`, `bodies` or `claims`).
    #[error("frame state has {count} {what}; the most is {max}")]
    TooMany {
        /// Which list.
        what: &'static str,
        /// How many it has (or claims).
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A string is not UTF-8; `at` is its first byte.
    #[error("frame state string at offset {at} is not UTF-8")]
    BadUtf8 {
        /// Where the string's bytes start.
        at: usize,
    },
    /// An unknown value or source tag, or a bool, presence or held byte that is neither 0
    /// nor 1 (`tag` is the byte).
    #[error("frame state has an unknown tag {tag} at offset {at}")]
    BadTag {
        /// The byte found.
        tag: u8,
        /// Where it is.
        at: usize,
    },
    /// A NaN or infinite float (decoding: where it is; encoding: where it would go).
    #[error("frame state has a non-finite number at offset {at}")]
    NotFinite {
        /// Offset of the number.
        at: usize,
    },
    /// A string is longer than its length prefix can say (255 or 65,535 bytes).
    #[error("{what} is {len} bytes, longer than a frame state can carry")]
    StringTooLong {
        /// Which string: `cluster`, `primary`, `file kind`, `address`, `body name`,
        /// `enum name`, `source name`.
        what: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// Bytes left over after the end (the tempo section).
    #[error("frame state has {0} bytes after its end")]
    TrailingBytes(usize),
}
