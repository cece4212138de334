//! The reload announcement: what a primary publishes on `backlot/<c>/files/<kind>` when a
//! scene or stage file changed (and what its queryable answers with), and its sans-IO
//! codec: bytes in, a typed value or a typed error out. The layout is `docs/cluster.md`,
//! "Reload announcement encoding (version 1)": little-endian, written by hand like the
//! frame state, so that a client in any language reads it.
//!
//! Flags: none are defined. Writers leave them clear; readers ignore them.

mod decode;
mod encode;
mod error;

pub use decode::decode;
pub use encode::encode;
pub use error::ReloadError;

use crate::frame::revision;

/// The first four bytes of every announcement.
pub const MAGIC: [u8; 4] = *b"BLCR";
/// The encoding version this build writes and reads.
pub const VERSION: u8 = 1;
/// The largest file that travels. Scene and stage files are kilobytes; this bounds what a
/// node holds for one announcement, it is not a budget.
pub const MAX_FILE: usize = 16 << 20;
/// The fixed part: magic, version, flags, cluster length, kind length, epoch, frame,
/// revision, file length.
const FIXED_LEN: usize = 4 + 1 + 1 + 1 + 1 + 4 + 8 + 8 + 4;
/// The largest announcement: the fixed part, two strings of at most 255 bytes, the file.
pub const MAX_MESSAGE: usize = FIXED_LEN + 2 * 255 + MAX_FILE;

/// A file's new content and the frame from which every node shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReload {
    /// The cluster's name.
    pub cluster: String,
    /// The file kind: `scene` or `stage` (as in frame headers).
    pub kind: String,
    /// The failover epoch of the primary that announced it; a lower one is ignored.
    pub epoch: u32,
    /// The frame number from which it is in force.
    pub frame: u64,
    /// FNV-1a 64 of `bytes`, as frame headers name it; checked when decoding.
    pub revision: u64,
    /// The file's bytes, exactly as the primary read them.
    pub bytes: Vec<u8>,
}

impl FileReload {
    /// An announcement of `bytes`, their revision computed.
    pub fn new(cluster: String, kind: String, epoch: u32, frame: u64, bytes: Vec<u8>) -> Self {
        Self {
            cluster,
            kind,
            epoch,
            frame,
            revision: revision(&bytes),
            bytes,
        }
    }
}

#[cfg(test)]
mod tests;
