//! SLIP framing (RFC 1055) for OSC 1.1 over TCP. Sans-IO: bytes in, frames or errors out;
//! a frame is bounded by [`MAX_PACKET`].

use thiserror::Error;

use crate::osc::MAX_PACKET;

/// SLIP bytes.
const END: u8 = 0xC0;
const ESC: u8 = 0xDB;
const ESC_END: u8 = 0xDC;
const ESC_ESC: u8 = 0xDD;

/// Frames a packet for OSC 1.1 over TCP: END, escaped bytes, END.
pub fn slip_encode(packet: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(packet.len() + 2);
    out.push(END);
    for b in packet {
        match *b {
            END => out.extend([ESC, ESC_END]),
            ESC => out.extend([ESC, ESC_ESC]),
            other => out.push(other),
        }
    }
    out.push(END);
    out
}

/// Why a SLIP stream produced no frame.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SlipError {
    /// ESC followed by something other than ESC_END or ESC_ESC.
    #[error("SLIP escape followed by {0:#04x}")]
    BadEscape(u8),
    /// A frame grew beyond the limit; it is dropped up to the next END.
    #[error("SLIP frame longer than {MAX_PACKET} bytes")]
    TooLong,
}

/// Incremental SLIP decoder for a TCP stream.
#[derive(Debug, Default)]
pub struct SlipDecoder {
    frame: Vec<u8>,
    escaped: bool,
    broken: bool,
}

impl SlipDecoder {
    /// Feeds received bytes; returns complete frames and errors in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Result<Vec<u8>, SlipError>> {
        let mut out = Vec::new();
        for b in bytes {
            if *b == END {
                if !self.frame.is_empty() && !self.broken {
                    out.push(Ok(std::mem::take(&mut self.frame)));
                }
                self.frame.clear();
                self.escaped = false;
                self.broken = false;
                continue;
            }
            if self.broken {
                continue;
            }
            let byte = if self.escaped {
                self.escaped = false;
                match *b {
                    ESC_END => END,
                    ESC_ESC => ESC,
                    other => {
                        self.broken = true;
                        out.push(Err(SlipError::BadEscape(other)));
                        continue;
                    }
                }
            } else if *b == ESC {
                self.escaped = true;
                continue;
            } else {
                *b
            };
            if self.frame.len() >= MAX_PACKET {
                self.broken = true;
                self.frame.clear();
                out.push(Err(SlipError::TooLong));
                continue;
            }
            self.frame.push(byte);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn slip_frames() {
        let packet = vec![1, END, 2, ESC, 3];
        let framed = slip_encode(&packet);
        assert_eq!(framed, vec![END, 1, ESC, ESC_END, 2, ESC, ESC_ESC, 3, END]);
        let mut d = SlipDecoder::default();
        // Split anywhere, even inside an escape.
        let mut got = d.feed(&framed[..3]);
        got.extend(d.feed(&framed[3..]));
        assert_eq!(got, vec![Ok(packet)]);
        assert_eq!(
            d.feed(&[END, ESC, 0x01, 7, END, 9, END]),
            vec![Err(SlipError::BadEscape(1)), Ok(vec![9])]
        );
    }

    proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = SlipDecoder::default().feed(&bytes);
        }

        #[test]
        fn slip_round_trips(packets in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..100), 1..5), split in 0usize..400) {
            let stream: Vec<u8> = packets.iter().flat_map(|p| slip_encode(p)).collect();
            let split = split.min(stream.len());
            let mut d = SlipDecoder::default();
            let mut got = d.feed(&stream[..split]);
            got.extend(d.feed(&stream[split..]));
            prop_assert_eq!(got, packets.into_iter().map(Ok).collect::<Vec<_>>());
        }
    }
}
