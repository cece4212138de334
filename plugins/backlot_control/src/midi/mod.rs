//! MIDI: ports through midir (picked up as they appear; no MIDI system → one log line),
//! bindings with soft takeover, learn, feedback to surfaces, clock → tempo and MTC.

mod controls;
mod engine;
mod feedback;
mod ports;

pub use controls::normalised;
pub use engine::{MidiEngine, Produced};
pub use ports::MidiPorts;
