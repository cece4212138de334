//! Wire formats, Bevy-free and sans-IO: bytes in, typed values or typed errors out.

pub mod artnet;
pub mod midi;
pub mod osc;
pub mod sacn;
