//! The show's timecode, whoever reads it (MIDI time code today, LTC or a show clock later):
//! one resource that takes, cues and reports all stamp with.

use bevy::prelude::*;

/// SMPTE timecode now, when a source knows it.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct Timecode {
    /// `hh:mm:ss:ff` (`;` before frames for drop-frame).
    pub label: Option<String>,
    /// Frames since midnight.
    pub frames: Option<i64>,
    /// Frames per second of the source.
    pub fps: f32,
    /// Which source set it (`MIDI time code`).
    pub source: &'static str,
}

impl Timecode {
    /// The label, or an empty string when no source has spoken.
    pub fn label_or_empty(&self) -> &str {
        self.label.as_deref().unwrap_or("")
    }
}
