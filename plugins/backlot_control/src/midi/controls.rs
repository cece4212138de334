//! From messages to controls and values: 14-bit and NRPN pairs, which bindings a control
//! moves, and where values sit in a parameter's range.

use backlot_params::{ParamKind, ParamSpec, ParamValue};

use super::engine::MidiEngine;
use crate::codec::midi::MidiMessage;
use crate::format::{MidiControl, NoteMode};

/// A control and its normalised position, from one message.
pub(super) fn control_of(
    m: &MidiMessage,
    engine: &mut MidiEngine,
) -> Option<(MidiControl, f32, bool)> {
    match *m {
        MidiMessage::ControlChange { channel, cc, value } => {
            let ch = channel + 1;
            if cc < 32 {
                engine.msb14.insert((channel, cc), value);
            }
            match cc {
                99 => {
                    let e = engine.nrpn.entry(channel).or_default();
                    e.0 = u16::from(value) << 7 | (e.0 & 0x7F);
                    None
                }
                98 => {
                    let e = engine.nrpn.entry(channel).or_default();
                    e.0 = (e.0 & !0x7F) | u16::from(value);
                    None
                }
                6 if engine.nrpn.contains_key(&channel) => {
                    let e = engine.nrpn.entry(channel).or_default();
                    e.1 = value;
                    Some((
                        MidiControl::Nrpn {
                            channel: ch,
                            number: e.0,
                        },
                        f32::from(value) / 127.0,
                        false,
                    ))
                }
                38 if engine.nrpn.contains_key(&channel) => {
                    let (number, msb) = engine.nrpn.get(&channel).copied().unwrap_or_default();
                    let v = u16::from(msb) << 7 | u16::from(value);
                    Some((
                        MidiControl::Nrpn {
                            channel: ch,
                            number,
                        },
                        f32::from(v) / 16383.0,
                        false,
                    ))
                }
                32..=63 => {
                    let msb = engine.msb14.get(&(channel, cc - 32)).copied().unwrap_or(0);
                    let v = u16::from(msb) << 7 | u16::from(value);
                    Some((
                        MidiControl::Cc14 {
                            channel: ch,
                            cc: cc - 32,
                        },
                        f32::from(v) / 16383.0,
                        false,
                    ))
                }
                _ => Some((
                    MidiControl::Cc { channel: ch, cc },
                    f32::from(value) / 127.0,
                    false,
                )),
            }
        }
        MidiMessage::NoteOn {
            channel,
            note,
            velocity,
        } => Some((
            MidiControl::Note {
                channel: channel + 1,
                note,
                mode: NoteMode::Momentary,
            },
            f32::from(velocity) / 127.0,
            true,
        )),
        MidiMessage::NoteOff { channel, note, .. } => Some((
            MidiControl::Note {
                channel: channel + 1,
                note,
                mode: NoteMode::Momentary,
            },
            0.0,
            true,
        )),
        MidiMessage::PitchBend { channel, value } => Some((
            MidiControl::PitchBend {
                channel: channel + 1,
            },
            f32::from(value) / 16383.0,
            false,
        )),
        MidiMessage::ProgramChange { channel, program } => Some((
            MidiControl::Program {
                channel: channel + 1,
            },
            f32::from(program),
            false,
        )),
        _ => None,
    }
}

pub(super) fn same_control(a: &MidiControl, b: &MidiControl) -> bool {
    match (a, b) {
        (
            MidiControl::Note {
                channel: c1,
                note: n1,
                ..
            },
            MidiControl::Note {
                channel: c2,
                note: n2,
                ..
            },
        ) => c1 == c2 && n1 == n2,
        // A 14-bit binding also moves on its MSB alone (coarse surfaces).
        (
            MidiControl::Cc14 {
                channel: c1,
                cc: a1,
            },
            MidiControl::Cc {
                channel: c2,
                cc: a2,
            },
        ) => c1 == c2 && a1 == a2,
        _ => a == b,
    }
}

/// Where a value sits in a parameter's range, 0..1.
pub fn normalised(spec: &ParamSpec, value: &ParamValue) -> Option<f32> {
    let (lo, hi) = spec.range?;
    let v = value.as_f32()?;
    (hi > lo).then(|| ((v - lo) / (hi - lo)).clamp(0.0, 1.0))
}

pub(super) fn scaled(spec: &ParamSpec, v: f32) -> ParamValue {
    let (lo, hi) = spec.range.unwrap_or((0.0, 1.0));
    let x = lo + (hi - lo) * v;
    match spec.kind {
        ParamKind::Int => ParamValue::Int(x.round() as i32),
        ParamKind::Color => ParamValue::Color([x; 3]),
        ParamKind::Vec3 => ParamValue::Vec3([x; 3]),
        _ => ParamValue::Float(x),
    }
}
