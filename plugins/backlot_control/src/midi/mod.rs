//! MIDI: ports through midir (picked up as they appear, closed when unplugged, reconnected
//! when plugged back in; no MIDI system → one log line), bindings with soft takeover, learn,
//! feedback to surfaces, clock → tempo and MTC.

mod controls;
mod engine;
mod feedback;
pub mod hotplug;
mod ports;

pub use controls::normalised;
pub use engine::{MidiEngine, Produced};
pub use ports::MidiPorts;

#[cfg(test)]
mod hotplug_tests;
