//! Feedback to surfaces: this frame's resolved changes go to OSC feedback targets and bound
//! MIDI controls (motor faders, LEDs), never back to the source that sent them.

use std::net::{SocketAddr, UdpSocket};

use backlot_params::{ParamKind, ParamRegistry};
use bevy::prelude::*;

use crate::arbiter::{Arbiter, Source};
use crate::codec::osc;
use crate::map::ControlMap;
use crate::midi::{MidiEngine, MidiPorts};

/// Where OSC feedback goes, and how far feedback has got.
#[derive(Resource, Default)]
pub struct Feedback {
    /// The socket feedback is sent from.
    pub(crate) socket: Option<UdpSocket>,
    /// OSC feedback targets, from the map.
    pub(crate) targets: Vec<SocketAddr>,
    /// The registry generation last fed back (0: none yet).
    generation: u64,
}

/// Sends this frame's value changes, as resolved after layers, scene and stage, to OSC
/// feedback targets and bound MIDI controls; an unchanged value is not sent again.
pub(crate) fn feedback(
    mut feedback: ResMut<Feedback>,
    map: Res<ControlMap>,
    registry: Res<ParamRegistry>,
    arbiter: Res<Arbiter>,
    mut engine: ResMut<MidiEngine>,
    ports: Option<NonSend<MidiPorts>>,
) {
    let feedback = feedback.as_mut();
    let since = feedback.generation;
    feedback.generation = registry.generation();
    if since == 0 {
        return;
    }
    for e in registry.changed_since(since) {
        if e.spec.read_only || e.spec.kind == ParamKind::Trigger {
            continue;
        }
        let address = e.spec.address.as_str();
        let origin: Vec<&Source> = arbiter
            .applied
            .iter()
            .filter(|(a, _)| a == address)
            .map(|(_, s)| s)
            .collect();
        if let Some(socket) = &feedback.socket
            && !feedback.targets.is_empty()
            && let Ok(bytes) = osc::encode(address, osc::value_args(&e.value))
        {
            for t in &feedback.targets {
                // No echo: a surface is not told what it just said.
                if origin.iter().any(|s| **s == Source::Osc(t.to_string())) {
                    continue;
                }
                let _ = socket.send_to(&bytes, t);
            }
        }
        for (i, b) in map.file.midi.bindings.iter().enumerate() {
            if b.target != address {
                continue;
            }
            if !origin.iter().any(|s| matches!(s, Source::Midi(_))) {
                engine.moved_elsewhere(i);
            }
            if b.feedback
                && let Some(bytes) = engine.feedback(b, &e.spec, &e.value)
            {
                if let Some(p) = &ports {
                    p.send(&bytes);
                }
                engine.sent.push(bytes);
                if engine.sent.len() > 256 {
                    engine.sent.remove(0);
                }
            }
        }
    }
}
