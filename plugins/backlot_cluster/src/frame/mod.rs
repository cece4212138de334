//! The frame state a primary publishes each frame, and its sans-IO codec: bytes in, a typed
//! value or a typed error out. The layout is `docs/cluster.md`, "Frame state encoding
//! (version 1)": little-endian, written by hand so that a client in any language reads it.
//!
//! Flags: only bit 0 (snapshot) is defined. Writers leave the other bits clear; readers
//! ignore them, so a later addition that a version-1 reader may skip does not need a new
//! version. Decoding such a message and encoding it again therefore clears those bits.

mod decode;
mod encode;
mod error;
mod revision;

pub use decode::{decode, decode_header};
pub use encode::encode;
pub use error::FrameError;
pub use revision::revision;

use backlot_params::ParamValue;

/// The first four bytes of every frame state.
pub const MAGIC: [u8; 4] = *b"BLCF";
/// The encoding version this build writes and reads.
pub const VERSION: u8 = 1;
/// The largest message, in bytes, that is encoded or decoded.
pub const MAX_MESSAGE: usize = 16 << 20;
/// The most values one message carries.
pub const MAX_VALUES: usize = 262_144;
/// The most rigid bodies one message carries.
pub const MAX_BODIES: usize = 65_536;
/// The most file revisions one message carries.
pub const MAX_FILES: usize = 64;

/// Flag bit 0: a full snapshot rather than a delta.
const FLAG_SNAPSHOT: u8 = 1;

/// Value tags. Matched as paths (`tag::FLOAT`), so a misspelt one fails to compile instead
/// of becoming a catch-all binding.
mod tag {
    pub(super) const FLOAT: u8 = 0;
    pub(super) const INT: u8 = 1;
    pub(super) const BOOL: u8 = 2;
    pub(super) const COLOR: u8 = 3;
    pub(super) const VEC3: u8 = 4;
    pub(super) const TRIGGER: u8 = 5;
    pub(super) const ENUM: u8 = 6;
}

// The smallest encoding of one list item, to check a count against the bytes left before
// allocating for it.
/// A file revision: u8 length (of an empty kind) + u64.
const MIN_FILE_LEN: usize = 1 + 8;
/// A value: u16 length (of an empty address) + tag (trigger: no payload).
const MIN_VALUE_LEN: usize = 2 + 1;
/// A body: u16 length (of an empty name) + 7 × f32.
const MIN_BODY_LEN: usize = 2 + 7 * 4;

/// What every frame state starts with: who sent it, which frame, and which files it assumes.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameHeader {
    /// The cluster's name.
    pub cluster: String,
    /// Frame number, continuous across failovers.
    pub frame: u64,
    /// Seconds of scene time at this frame.
    pub scene_time: f64,
    /// The node that published it.
    pub primary: String,
    /// Bumped on every failover; a lower epoch is ignored.
    pub epoch: u32,
    /// A full snapshot (every value, every body) rather than a delta.
    pub snapshot: bool,
    /// Per loaded file, its kind (`scene`, `stage`, `layers`, `map`) and [`revision`].
    pub revisions: Vec<(String, u64)>,
}

/// One dynamic rigid body's pose, by entity name.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyPose {
    /// The entity's name.
    pub name: String,
    /// Position, x, y, z.
    pub translation: [f32; 3],
    /// Rotation quaternion, x, y, z, w.
    pub rotation: [f32; 4],
}

/// One frame's resolved state: the values that changed (or all of them, in a snapshot) and
/// the rigid bodies' poses.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameState {
    /// Who, which frame, which files.
    pub header: FrameHeader,
    /// Parameter addresses and their resolved values.
    pub values: Vec<(String, ParamValue)>,
    /// Rigid body poses.
    pub bodies: Vec<BodyPose>,
}

#[cfg(test)]
mod tests;
