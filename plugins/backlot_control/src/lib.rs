//! Live control: every parameter playable from OSC (UDP and SLIP-over-TCP, with OSCQuery
//! discovery), MIDI surfaces (learn, feedback, soft takeover, clock, timecode) and lighting
//! desks (Art-Net, sACN), through mapping files and one arbitration rule.

pub mod codec;
pub mod format;
