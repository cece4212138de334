//! Wire formats, Bevy-free and sans-IO: bytes in, typed values or typed errors out.

pub mod artnet;
pub mod midi;
pub mod osc;
pub mod sacn;

/// Bytes from a hex string (test vectors).
#[cfg(test)]
pub(crate) fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}
