//! Wire formats, Bevy-free and sans-IO: bytes in, typed values or typed errors out.

pub mod freed;
pub mod osc;
