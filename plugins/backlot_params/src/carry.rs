//! What the reactive layers keep from frame to frame that is not a parameter, in a form that
//! crates which must not depend on the layers can hold: a render cluster's primary publishes
//! it with its frame states, and its backup starts its own layers from it when it takes
//! over. The app fills it in from the layers and hands it back to them.

use bevy::prelude::*;

/// The layers' tempo clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TempoCarry {
    /// Beats per minute.
    pub bpm: f64,
    /// Beats counted since the clock started, at this frame's scene time; its fraction is
    /// the beat phase, and tempo-synced LFOs run on the whole count.
    pub beats: f64,
}

/// The layers' carried state. On a cluster's primary: as the layers left it this frame; on
/// a node that follows one: the primary's, as last received.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq)]
pub struct LayersCarry {
    /// The tempo clock, when a layer set runs one.
    pub tempo: Option<TempoCarry>,
}
