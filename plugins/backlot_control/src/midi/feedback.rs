//! Feedback to surfaces: a bound parameter's value as the bytes that show it (faders,
//! LEDs).

use backlot_params::{ParamSpec, ParamValue};

use super::controls::normalised;
use super::engine::MidiEngine;
use crate::codec::midi::{MidiMessage, encode};
use crate::format::{MidiBinding, MidiControl};

impl MidiEngine {
    /// Feedback bytes for a bound parameter's value.
    pub fn feedback(
        &mut self,
        binding: &MidiBinding,
        spec: &ParamSpec,
        value: &ParamValue,
    ) -> Option<Vec<u8>> {
        let n = match value {
            ParamValue::Bool(b) => f32::from(u8::from(*b)),
            other => normalised(spec, other)?,
        };
        let m = match binding.control {
            MidiControl::Cc { channel, cc } => MidiMessage::ControlChange {
                channel: channel - 1,
                cc,
                value: (n * 127.0).round() as u8,
            },
            MidiControl::Cc14 { channel, cc } => {
                let v = (n * 16383.0).round() as u16;
                let mut bytes = encode(&MidiMessage::ControlChange {
                    channel: channel - 1,
                    cc,
                    value: (v >> 7) as u8,
                });
                bytes.extend(encode(&MidiMessage::ControlChange {
                    channel: channel - 1,
                    cc: cc + 32,
                    value: (v & 0x7F) as u8,
                }));
                return Some(bytes);
            }
            MidiControl::PitchBend { channel } => MidiMessage::PitchBend {
                channel: channel - 1,
                value: (n * 16383.0).round() as u16,
            },
            // LED on / off.
            MidiControl::Note { channel, note, .. } => MidiMessage::NoteOn {
                channel: channel - 1,
                note,
                velocity: if n > 0.0 { 0x7F } else { 0 },
            },
            MidiControl::Nrpn { .. } | MidiControl::Program { .. } => return None,
        };
        Some(encode(&m))
    }
}
