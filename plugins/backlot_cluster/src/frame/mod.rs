//! The frame state a primary publishes each frame, and its sans-IO codec: bytes in, a typed
//! value or a typed error out. The layout is `docs/cluster.md`, "Frame state encoding
//! (version 2)": little-endian, written by hand so that a client in any language reads it.
//!
//! Flags: only bit 0 (snapshot) is defined. Writers leave the other bits clear; readers
//! ignore them, so a later addition that an older reader may skip does not need a new
//! version. Decoding such a message and encoding it again therefore clears those bits.
//!
//! Version 2 added what a backup needs to take over mid-show: body velocities, the
//! arbiter's claims (held overrides, controllers) and the layers' tempo clock.

mod decode;
mod encode;
mod error;
mod revision;

pub use decode::{decode, decode_header};
pub use encode::encode;
pub use error::FrameError;
pub use revision::revision;

use backlot_params::{Claim, ParamValue, TempoCarry};

/// The first four bytes of every frame state.
pub const MAGIC: [u8; 4] = *b"BLCF";
/// The encoding version this build writes and reads.
pub const VERSION: u8 = 2;
/// The largest message, in bytes, that is encoded or decoded.
pub const MAX_MESSAGE: usize = 16 << 20;
/// The most values one message carries.
pub const MAX_VALUES: usize = 262_144;
/// The most rigid bodies one message carries.
pub const MAX_BODIES: usize = 65_536;
/// The most file revisions one message carries.
pub const MAX_FILES: usize = 64;
/// The most claims (held overrides and controller-driven parameters) one message carries.
pub const MAX_CLAIMS: usize = 65_536;

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

/// Source tags (who drives a claimed parameter), matched as paths like the value tags.
mod source_tag {
    pub(super) const SCENE: u8 = 0;
    pub(super) const CUE: u8 = 1;
    pub(super) const LAYERS: u8 = 2;
    pub(super) const TRACKING: u8 = 3;
    pub(super) const OSC: u8 = 4;
    pub(super) const MIDI: u8 = 5;
    pub(super) const DMX: u8 = 6;
    pub(super) const OPERATOR: u8 = 7;
    pub(super) const CLUSTER: u8 = 8;
}

// The smallest encoding of one list item, to check a count against the bytes left before
// allocating for it.
/// A file revision: u8 length (of an empty kind) + u64.
const MIN_FILE_LEN: usize = 1 + 8;
/// A value: u16 length (of an empty address) + tag (trigger: no payload).
const MIN_VALUE_LEN: usize = 2 + 1;
/// A body: u16 length (of an empty name) + 13 × f32 (pose and velocities).
const MIN_BODY_LEN: usize = 2 + 13 * 4;
/// A claim: u16 length (of an empty address) + source tag (no name) + held and under bytes
/// (both absent).
const MIN_CLAIM_LEN: usize = 2 + 1 + 1 + 1;

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

/// One dynamic rigid body's pose and velocity, by entity name.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyPose {
    /// The entity's name.
    pub name: String,
    /// Position, x, y, z.
    pub translation: [f32; 3],
    /// Rotation quaternion, x, y, z, w.
    pub rotation: [f32; 4],
    /// Linear velocity, m/s, x, y, z: a backup that takes over simulates on from it.
    pub linear_velocity: [f32; 3],
    /// Angular velocity, rad/s, x, y, z.
    pub angular_velocity: [f32; 3],
}

/// One frame's resolved state: the values that changed (or all of them, in a snapshot), the
/// rigid bodies' poses, and what a backup needs to take over.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameState {
    /// Who, which frame, which files.
    pub header: FrameHeader,
    /// Parameter addresses and their resolved values.
    pub values: Vec<(String, ParamValue)>,
    /// Rigid body poses and velocities.
    pub bodies: Vec<BodyPose>,
    /// The primary's complete list of held overrides and controller-driven parameters;
    /// `None`: unchanged since the frame before (a snapshot always carries it).
    pub claims: Option<Vec<Claim>>,
    /// The layers' tempo clock at this frame, when the primary runs one.
    pub tempo: Option<TempoCarry>,
}

#[cfg(test)]
mod handover_tests;
#[cfg(test)]
mod tests;
