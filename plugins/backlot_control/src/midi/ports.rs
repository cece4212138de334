//! Device ports through midir: picked up as they appear, and without a MIDI system MIDI is
//! off with one log line while everything else runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::inbox::{MidiIn, SharedInbox};

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
                        let m = MidiIn {
                            port: port_name.clone(),
                            bytes: bytes.to_vec(),
                            at: Instant::now(),
                        };
                        sink.lock().push_midi(m);
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
