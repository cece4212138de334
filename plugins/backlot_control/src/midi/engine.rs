//! The engine: MIDI bytes in, parameter values out, with learn, soft takeover, and clock
//! → tempo and time code.

use std::collections::HashMap;
use std::time::Instant;

use backlot_params::{ParamKind, ParamSpec, ParamValue};

use super::controls::{control_of, normalised, same_control, scaled};
use crate::codec::midi::{MidiMessage, MidiParser, Mtc, MtcAssembler};
use crate::format::{MidiBinding, MidiControl, NoteMode};
use crate::inbox::{LogKind, MidiIn, SharedInbox};

/// Per-binding soft-takeover state.
#[derive(Debug, Clone, Copy, Default)]
struct Pickup {
    caught: bool,
    last: Option<f32>,
}

/// Turns MIDI bytes into parameter inputs.
#[derive(Default, bevy::prelude::Resource)]
pub struct MidiEngine {
    parsers: HashMap<String, MidiParser>,
    pub(super) msb14: HashMap<(u8, u8), u8>,
    pub(super) nrpn: HashMap<u8, (u16, u8)>,
    pickups: HashMap<usize, Pickup>,
    toggles: HashMap<usize, bool>,
    mtc: MtcAssembler,
    clocks: Vec<Instant>,
    /// Tempo from MIDI clock.
    pub bpm: Option<f32>,
    /// Clock ticks since Start (24 per beat).
    pub ticks: u64,
    /// Transport running.
    pub playing: bool,
    /// Latest MIDI Time Code.
    pub timecode: Option<Mtc>,
    /// Last message per port, for the monitor.
    pub last: HashMap<String, String>,
    /// Feedback sent (for the monitor and tests).
    pub sent: Vec<Vec<u8>>,
    /// The parameter waiting for MIDI learn.
    pub learn: Option<String>,
}

/// A parameter value from a binding: (address, value, normalised).
pub type Produced = (String, ParamValue, usize);

impl MidiEngine {
    /// Handles bytes from a port: returns parameter values to apply and a learned binding.
    pub fn receive(
        &mut self,
        input: &MidiIn,
        bindings: &[MidiBinding],
        spec_of: &dyn Fn(&str) -> Option<(ParamSpec, ParamValue)>,
        inbox: &SharedInbox,
    ) -> (Vec<Produced>, Option<MidiBinding>) {
        let messages = self
            .parsers
            .entry(input.port.clone())
            .or_default()
            .feed(&input.bytes);
        let mut out = Vec::new();
        let mut learned = None;
        for m in messages {
            match m {
                MidiMessage::Clock => {
                    self.clocks.push(input.at);
                    if self.clocks.len() > 49 {
                        self.clocks.remove(0);
                    }
                    // Median tick interval: a stray or late tick does not move the tempo.
                    let mut gaps: Vec<f64> = self
                        .clocks
                        .windows(2)
                        .map(|w| w[1].saturating_duration_since(w[0]).as_secs_f64())
                        .filter(|g| *g > 0.0005 && *g < 0.5)
                        .collect();
                    if gaps.len() >= 6 {
                        gaps.sort_by(f64::total_cmp);
                        let median = gaps[gaps.len() / 2];
                        self.bpm = Some((60.0 / (24.0 * median)) as f32);
                    }
                    self.ticks += 1;
                    continue;
                }
                MidiMessage::Start => {
                    self.ticks = 0;
                    self.playing = true;
                    continue;
                }
                MidiMessage::Continue => {
                    self.playing = true;
                    continue;
                }
                MidiMessage::Stop => {
                    self.playing = false;
                    continue;
                }
                MidiMessage::ActiveSensing => continue,
                _ => {}
            }
            if let Some(tc) = self.mtc.feed(&m) {
                self.timecode = Some(tc);
                continue;
            }
            let text = format!("{m:?}");
            self.last.insert(input.port.clone(), text.clone());
            inbox
                .lock()
                .log(LogKind::Midi, format!("{}: {text}", input.port), false);
            let Some((control, v, is_note)) = control_of(&m, self) else {
                continue;
            };
            if let Some(target) = self.learn.clone()
                && (!is_note || v > 0.0)
            {
                self.learn = None;
                let control = match control {
                    MidiControl::Note { channel, note, .. } => {
                        let trigger =
                            spec_of(&target).is_some_and(|(s, _)| s.kind == ParamKind::Trigger);
                        let toggle =
                            spec_of(&target).is_some_and(|(s, _)| s.kind == ParamKind::Bool);
                        let mode = if trigger {
                            NoteMode::Trigger
                        } else if toggle {
                            NoteMode::Toggle
                        } else {
                            NoteMode::Momentary
                        };
                        MidiControl::Note {
                            channel,
                            note,
                            mode,
                        }
                    }
                    other => other,
                };
                learned = Some(MidiBinding {
                    control,
                    target,
                    slew_ms: 0.0,
                    pickup: true,
                    feedback: true,
                    priority: 0,
                });
                continue;
            }
            for (i, b) in bindings.iter().enumerate() {
                if !same_control(&b.control, &control) {
                    continue;
                }
                let Some((spec, current)) = spec_of(&b.target) else {
                    continue;
                };
                let value = match (b.control, &spec.kind) {
                    (MidiControl::Note { mode, .. }, kind) => match (mode, kind) {
                        (_, ParamKind::Trigger) if v > 0.0 => ParamValue::Trigger,
                        (_, ParamKind::Trigger) => continue,
                        (NoteMode::Toggle, _) if v > 0.0 => {
                            let on = self
                                .toggles
                                .entry(i)
                                .or_insert(current.as_bool().unwrap_or(false));
                            *on = !*on;
                            ParamValue::Bool(*on)
                        }
                        (NoteMode::Toggle, _) => continue,
                        (NoteMode::Trigger, _) if v == 0.0 => continue,
                        (NoteMode::Trigger, ParamKind::Bool) => ParamValue::Bool(true),
                        (_, ParamKind::Bool) => ParamValue::Bool(v > 0.0),
                        _ => scaled(&spec, if v > 0.0 { 1.0 } else { 0.0 }),
                    },
                    (MidiControl::Program { .. }, ParamKind::Enum(options)) => {
                        match options.get(v as usize) {
                            Some(o) => ParamValue::Enum(o.clone()),
                            None => continue,
                        }
                    }
                    (MidiControl::Program { .. }, _) => ParamValue::Float(v),
                    (_, ParamKind::Trigger) if v > 0.5 => ParamValue::Trigger,
                    (_, ParamKind::Trigger) => continue,
                    (_, ParamKind::Bool) => ParamValue::Bool(v >= 0.5),
                    _ => {
                        // Soft takeover: follow only once the control reaches the value.
                        if b.pickup
                            && let Some(p) = normalised(&spec, &current)
                        {
                            let st = self.pickups.entry(i).or_default();
                            let crossed = st
                                .last
                                .is_some_and(|l| (l - p).signum() != (v - p).signum());
                            if !st.caught && ((v - p).abs() <= 2.0 / 127.0 || crossed) {
                                st.caught = true;
                            }
                            st.last = Some(v);
                            if !st.caught {
                                continue;
                            }
                        }
                        scaled(&spec, v)
                    }
                };
                out.push((b.target.clone(), value, i));
            }
        }
        (out, learned)
    }

    /// Another source moved a bound parameter: controls must pick it up again.
    pub fn moved_elsewhere(&mut self, binding: usize) {
        if let Some(p) = self.pickups.get_mut(&binding) {
            p.caught = false;
        }
    }
}
