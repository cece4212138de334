//! MIDI: ports through midir (picked up as they appear; no MIDI system → one log line),
//! bindings with soft takeover, learn, feedback to surfaces, clock → tempo and MTC.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use backlot_params::{ParamKind, ParamSpec, ParamValue};

use crate::codec::midi::{MidiMessage, MidiParser, Mtc, MtcAssembler, encode};
use crate::format::{MidiBinding, MidiControl, NoteMode};
use crate::inbox::{LogKind, MidiIn, SharedInbox};

/// midir connections, kept alive while open.
pub struct MidiPorts {
    input: Option<midir::MidiInput>,
    output: Option<midir::MidiOutput>,
    inputs: HashMap<String, midir::MidiInputConnection<()>>,
    outputs: Arc<Mutex<HashMap<String, midir::MidiOutputConnection>>>,
    /// Why MIDI is off, when it is.
    pub unavailable: Option<String>,
}

impl MidiPorts {
    /// Opens the MIDI system (ALSA sequencer on Linux); without one, MIDI is off.
    pub fn open() -> Self {
        let input = midir::MidiInput::new("backlot");
        let output = midir::MidiOutput::new("backlot");
        let unavailable = match (&input, &output) {
            (Err(e), _) => Some(format!(
                "no MIDI system ({e}); MIDI is off, everything else runs"
            )),
            (_, Err(e)) => Some(format!("no MIDI output ({e}); MIDI feedback is off")),
            _ => None,
        };
        if let Some(why) = &unavailable {
            tracing::warn!("{why}");
        }
        Self {
            input: input.ok(),
            output: output.ok(),
            inputs: HashMap::new(),
            outputs: Arc::default(),
            unavailable,
        }
    }

    /// Connects ports that appeared (and match `wanted`, substring; empty = all).
    pub fn refresh(&mut self, inputs: &[String], outputs: &[String], inbox: &SharedInbox) {
        let wants = |list: &[String], name: &str| {
            list.is_empty() || list.iter().any(|w| name.contains(w.as_str()))
        };
        if let Some(midi_in) = self.input.take() {
            let ports = midi_in.ports();
            let mut remaining = Some(midi_in);
            for port in ports {
                let Some(mi) = remaining.take() else { break };
                let name = mi.port_name(&port).unwrap_or_else(|_| "?".into());
                if name.contains("backlot")
                    || self.inputs.contains_key(&name)
                    || !wants(inputs, &name)
                {
                    remaining = Some(mi);
                    continue;
                }
                let sink = inbox.clone();
                let port_name = name.clone();
                match mi.connect(
                    &port,
                    "backlot-in",
                    move |_, bytes, _| {
                        let mut inbox = sink.lock();
                        if inbox.room() {
                            inbox.midi.push(MidiIn {
                                port: port_name.clone(),
                                bytes: bytes.to_vec(),
                                at: Instant::now(),
                            });
                        }
                    },
                    (),
                ) {
                    Ok(conn) => {
                        tracing::info!("MIDI in: {name}");
                        self.inputs.insert(name, conn);
                        remaining = midir::MidiInput::new("backlot").ok();
                    }
                    Err(e) => {
                        tracing::warn!("MIDI in {name}: {e}");
                        remaining = midir::MidiInput::new("backlot").ok();
                    }
                }
            }
            self.input = remaining.or_else(|| midir::MidiInput::new("backlot").ok());
        }
        if let Some(midi_out) = self.output.take() {
            let ports = midi_out.ports();
            let mut remaining = Some(midi_out);
            let mut outs = self.outputs.lock().unwrap_or_else(|e| e.into_inner());
            for port in ports {
                let Some(mo) = remaining.take() else { break };
                let name = mo.port_name(&port).unwrap_or_else(|_| "?".into());
                if name.contains("backlot") || outs.contains_key(&name) || !wants(outputs, &name) {
                    remaining = Some(mo);
                    continue;
                }
                match mo.connect(&port, "backlot-out") {
                    Ok(conn) => {
                        tracing::info!("MIDI out: {name}");
                        outs.insert(name, conn);
                    }
                    Err(e) => tracing::warn!("MIDI out {name}: {}", e.kind()),
                }
                remaining = midir::MidiOutput::new("backlot").ok();
            }
            drop(outs);
            self.output = remaining.or_else(|| midir::MidiOutput::new("backlot").ok());
        }
    }

    /// Sends bytes to every output.
    pub fn send(&self, bytes: &[u8]) {
        let mut outs = self.outputs.lock().unwrap_or_else(|e| e.into_inner());
        for conn in outs.values_mut() {
            let _ = conn.send(bytes);
        }
    }
}

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
    msb14: HashMap<(u8, u8), u8>,
    nrpn: HashMap<u8, (u16, u8)>,
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

/// A control and its normalised position, from one message.
fn control_of(m: &MidiMessage, engine: &mut MidiEngine) -> Option<(MidiControl, f32, bool)> {
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

fn same_control(a: &MidiControl, b: &MidiControl) -> bool {
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

fn scaled(spec: &ParamSpec, v: f32) -> ParamValue {
    let (lo, hi) = spec.range.unwrap_or((0.0, 1.0));
    let x = lo + (hi - lo) * v;
    match spec.kind {
        ParamKind::Int => ParamValue::Int(x.round() as i32),
        ParamKind::Color => ParamValue::Color([x; 3]),
        ParamKind::Vec3 => ParamValue::Vec3([x; 3]),
        _ => ParamValue::Float(x),
    }
}
