//! File revisions: FNV-1a 64 of a file's text, so nodes can tell they load the same files.

const FNV_OFFSET: u64 = 0xcbf29ce484222325;
const FNV_PRIME: u64 = 0x100000001b3;

/// The revision of a file's text: its FNV-1a 64 hash. Not cryptographic; it catches a node
/// that loaded a different or older file, not a forger.
pub fn revision(text: &[u8]) -> u64 {
    text.iter().fold(FNV_OFFSET, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    })
}
