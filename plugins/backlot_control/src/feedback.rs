//! Feedback to surfaces: this frame's resolved changes go to OSC feedback targets and bound
//! MIDI controls (motor faders, LEDs), never back to the source that sent them. Target names
//! are resolved off the frame (see [`crate::resolve`]); the frame reads addresses only.

use std::net::{SocketAddr, UdpSocket};
use std::time::Instant;

use backlot_params::{ParamKind, ParamRegistry};
use bevy::prelude::*;

use crate::arbiter::{Arbiter, Source};
use crate::codec::osc;
use crate::map::ControlMap;
use crate::midi::{MidiEngine, MidiPorts};
use crate::resolve::{Resolver, TargetState};

/// Where OSC feedback goes, and how far feedback has got.
#[derive(Resource, Default)]
pub struct Feedback {
    /// The socket feedback is sent from.
    pub(crate) socket: Option<UdpSocket>,
    /// OSC feedback targets resolved so far, from the map.
    pub(crate) targets: Vec<SocketAddr>,
    /// The map's targets and the thread resolving their names.
    resolver: Resolver,
    /// The registry generation last fed back (0: none yet).
    generation: u64,
}

impl Feedback {
    /// Takes the map's `host:port` targets: numeric ones apply now, names once resolved in
    /// the background (a name already resolved keeps its address meanwhile).
    pub fn set_targets(&mut self, targets: &[String]) {
        self.resolver.set(targets, Instant::now());
        self.resolver.poll(Instant::now());
        self.targets = self.resolver.addresses();
    }

    /// One line per target (and for the resolver thread when it restarted or stopped), with
    /// whether it is a problem, for the OSC monitor.
    pub fn status(&self) -> Vec<(String, bool)> {
        let mut lines: Vec<(String, bool)> = self
            .resolver
            .states()
            .into_iter()
            .map(|(text, state)| match state {
                TargetState::Resolving => (format!("feedback → {text}: resolving…"), false),
                TargetState::Resolved(a) => (format!("feedback → {text}: {a}"), false),
                TargetState::Failed { error, failures } => (
                    format!(
                        "feedback → {text}: cannot resolve ({error}); retrying ({failures} \
                         failed)"
                    ),
                    true,
                ),
                TargetState::Refused => (
                    format!(
                        "feedback → {text}: refused (more than {} targets)",
                        crate::resolve::MAX_TARGETS
                    ),
                    true,
                ),
            })
            .collect();
        if let Some(why) = self.resolver.failed() {
            lines.push((format!("feedback resolver stopped: {why}"), true));
        } else if self.resolver.restarts() > 0 {
            lines.push((
                format!(
                    "feedback resolver restarted {} times",
                    self.resolver.restarts()
                ),
                true,
            ));
        }
        lines
    }

    /// Resolves names with `lookup` from now on (tests: slow, failing or panicking lookups).
    #[cfg(test)]
    pub(crate) fn set_lookup(&mut self, lookup: crate::resolve::Lookup) {
        self.resolver = Resolver::new(lookup);
    }
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
    // Lookups finished since last frame; never waits for one.
    if feedback.resolver.poll(Instant::now()) {
        feedback.targets = feedback.resolver.addresses();
    }
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
