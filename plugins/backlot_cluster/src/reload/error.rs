//! Why a reload announcement could not be encoded or decoded.

use thiserror::Error;

/// Why bytes are not a reload announcement, or one cannot be written. Offsets (`at`) count
/// bytes from the start of the message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReloadError {
    /// The message ends early: `needed` more bytes were expected from offset `at`.
    #[error("reload announcement truncated: {needed} bytes needed at offset {at}")]
    Truncated {
        /// Bytes the field needs from `at`.
        needed: usize,
        /// Where the field starts.
        at: usize,
    },
    /// The message does not start with `BLCR`.
    #[error("not a reload announcement (magic is not BLCR)")]
    BadMagic,
    /// A version this build does not read.
    #[error("reload announcement version {0} is not supported (this build reads version 1)")]
    UnsupportedVersion(u8),
    /// The message is longer than `MAX_MESSAGE` bytes.
    #[error("reload announcement is {0} bytes, more than a 16 MiB file and its header")]
    TooLarge(usize),
    /// The file is (or claims to be) longer than `MAX_FILE` bytes.
    #[error("the announced file is {0} bytes; the most is 16 MiB")]
    FileTooLarge(usize),
    /// A string is not UTF-8; `at` is its first byte.
    #[error("reload announcement string at offset {at} is not UTF-8")]
    BadUtf8 {
        /// Where the string's bytes start.
        at: usize,
    },
    /// A string is longer than its u8 length prefix can say.
    #[error("{what} is {len} bytes; a reload announcement carries at most 255")]
    StringTooLong {
        /// Which string: `cluster` or `kind`.
        what: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// The revision is not the FNV-1a 64 of the bytes: they were damaged or mislabelled.
    #[error("announced revision {said:016x} is not the file's ({computed:016x})")]
    RevisionMismatch {
        /// The revision the message gives.
        said: u64,
        /// The revision of the bytes it carries.
        computed: u64,
    },
    /// Bytes left over after the file.
    #[error("reload announcement has {0} bytes after its end")]
    TrailingBytes(usize),
}
