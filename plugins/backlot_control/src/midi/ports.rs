//! Device ports through midir: each refresh connects ports that appeared, closes ports that
//! vanished, and reconnects surfaces plugged back in (the decisions are in
//! [`super::hotplug`]; this is the thin midir glue). Without a MIDI system MIDI is off with
//! one log line while everything else runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::hotplug::{Listed, PortBook, plan};
use crate::inbox::{MidiIn, SharedInbox};

/// An open connection and the system id of the port it is open on.
struct Open<C> {
    id: String,
    conn: C,
}

/// midir connections, kept alive while open.
pub struct MidiPorts {
    input: Option<midir::MidiInput>,
    output: Option<midir::MidiOutput>,
    inputs: HashMap<String, Open<midir::MidiInputConnection<()>>>,
    outputs: Arc<Mutex<HashMap<String, Open<midir::MidiOutputConnection>>>>,
    in_book: PortBook,
    out_book: PortBook,
    /// Why MIDI is off, when it is.
    pub unavailable: Option<String>,
}

fn log(line: String) {
    tracing::info!("{line}");
}

fn warn(line: String) {
    tracing::warn!("{line}");
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
            in_book: PortBook::new("input"),
            out_book: PortBook::new("output"),
            unavailable,
        }
    }

    /// Brings connections in line with the ports listed now (and matching `wanted`,
    /// substring; empty = all): vanished ports are closed, new and returning ones connected.
    pub fn refresh(&mut self, inputs: &[String], outputs: &[String], inbox: &SharedInbox) {
        let now = Instant::now();
        self.refresh_inputs(inputs, inbox, now);
        self.refresh_outputs(outputs, now);
    }

    fn refresh_inputs(&mut self, wanted: &[String], inbox: &SharedInbox, now: Instant) {
        // midir's `connect` consumes the client: a fresh one lists and connects each time.
        let Some(probe) = self
            .input
            .take()
            .or_else(|| midir::MidiInput::new("backlot").ok())
        else {
            return;
        };
        let ports = listed_ports(&probe, midir::MidiInputPort::id);
        let listed: Vec<Listed> = ports.iter().map(|(l, _)| l.clone()).collect();
        let connected: Vec<Listed> = self
            .inputs
            .iter()
            .map(|(name, o)| Listed {
                name: name.clone(),
                id: o.id.clone(),
            })
            .collect();
        let actions = plan(&listed, &connected, wanted);
        for (name, why) in actions.close {
            if let Some(open) = self.inputs.remove(&name) {
                // Closing hands back a client; a fresh one is made when needed.
                let _ = open.conn.close();
            }
            log(self.in_book.closed(&name, why, now));
        }
        let mut client = Some(probe);
        for target in actions.connect {
            let Some((_, port)) = ports.iter().find(|(l, _)| *l == target) else {
                continue;
            };
            let Some(mi) = client
                .take()
                .or_else(|| midir::MidiInput::new("backlot").ok())
            else {
                break;
            };
            let sink = inbox.clone();
            let port_name = target.name.clone();
            let callback = move |_: u64, bytes: &[u8], _: &mut ()| {
                sink.lock().push_midi(MidiIn {
                    port: port_name.clone(),
                    bytes: bytes.to_vec(),
                    at: Instant::now(),
                });
            };
            match mi.connect(port, "backlot-in", callback, ()) {
                Ok(conn) => {
                    log(self.in_book.connected(&target.name, now));
                    self.inputs.insert(
                        target.name,
                        Open {
                            id: target.id,
                            conn,
                        },
                    );
                }
                Err(e) => {
                    if let Some(line) = self.in_book.failed(&target.name, &e.to_string(), now) {
                        warn(line);
                    }
                    client = Some(e.into_inner());
                }
            }
        }
        self.input = client.or_else(|| midir::MidiInput::new("backlot").ok());
    }

    fn refresh_outputs(&mut self, wanted: &[String], now: Instant) {
        let Some(probe) = self
            .output
            .take()
            .or_else(|| midir::MidiOutput::new("backlot").ok())
        else {
            return;
        };
        let ports = listed_ports(&probe, midir::MidiOutputPort::id);
        let listed: Vec<Listed> = ports.iter().map(|(l, _)| l.clone()).collect();
        let mut outs = self.outputs.lock().unwrap_or_else(|e| e.into_inner());
        let connected: Vec<Listed> = outs
            .iter()
            .map(|(name, o)| Listed {
                name: name.clone(),
                id: o.id.clone(),
            })
            .collect();
        let actions = plan(&listed, &connected, wanted);
        for (name, why) in actions.close {
            if let Some(open) = outs.remove(&name) {
                let _ = open.conn.close();
            }
            log(self.out_book.closed(&name, why, now));
        }
        let mut client = Some(probe);
        for target in actions.connect {
            let Some((_, port)) = ports.iter().find(|(l, _)| *l == target) else {
                continue;
            };
            let Some(mo) = client
                .take()
                .or_else(|| midir::MidiOutput::new("backlot").ok())
            else {
                break;
            };
            match mo.connect(port, "backlot-out") {
                Ok(conn) => {
                    log(self.out_book.connected(&target.name, now));
                    outs.insert(
                        target.name,
                        Open {
                            id: target.id,
                            conn,
                        },
                    );
                }
                Err(e) => {
                    if let Some(line) = self.out_book.failed(&target.name, &e.to_string(), now) {
                        warn(line);
                    }
                    client = Some(e.into_inner());
                }
            }
        }
        drop(outs);
        self.output = client.or_else(|| midir::MidiOutput::new("backlot").ok());
    }

    /// Sends bytes to every output (an unplugged one is closed by the next refresh).
    pub fn send(&self, bytes: &[u8]) {
        let mut outs = self.outputs.lock().unwrap_or_else(|e| e.into_inner());
        for open in outs.values_mut() {
            let _ = open.conn.send(bytes);
        }
    }

    /// One line per port seen (inputs, then outputs) for the MIDI monitor: connected, or
    /// unplugged since when, and reconnects; with whether it is a problem.
    pub fn status(&self) -> Vec<(String, bool)> {
        let now = Instant::now();
        let mut lines = self.in_book.lines(now);
        lines.extend(self.out_book.lines(now));
        lines
    }
}

/// The ports `probe` lists now, named (a port that vanished while listing is left out).
fn listed_ports<T: midir::MidiIO>(
    probe: &T,
    id: impl Fn(&T::Port) -> String,
) -> Vec<(Listed, T::Port)> {
    probe
        .ports()
        .into_iter()
        .filter_map(|p| {
            let name = probe.port_name(&p).ok()?;
            Some((Listed { name, id: id(&p) }, p))
        })
        .collect()
}
