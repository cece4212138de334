//! Inputs to the arbiter: each frame drains the inbox, and OSC (bundles held for their time,
//! bindings, addresses and patterns), DMX (merge, patch, loss) and MIDI become arbiter inputs.

use std::time::Instant;

use backlot_params::{ParamRegistry, ParamSpec, ParamValue};
use bevy::prelude::*;

use crate::arbiter::{Arbiter, Input, Source};
use crate::codec::osc;
use crate::dmx;
use crate::format::MapFile;
use crate::inbox::{LogKind, OscIn, SharedInbox};
use crate::map::{ControlMap, LearnResult};
use crate::midi::MidiEngine;
use crate::servers::DmxServers;

/// The inbox shared with the network and MIDI threads, and OSC bundles held for their time.
#[derive(Resource, Default)]
pub struct ControlRuntime {
    /// Shared inbox.
    pub inbox: SharedInbox,
    scheduled: Vec<(f64, OscIn)>,
}

fn spec_and_value(registry: &ParamRegistry, address: &str) -> Option<(ParamSpec, ParamValue)> {
    registry
        .entry(address)
        .map(|e| (e.spec.clone(), e.value.clone()))
}

/// Drains the inbox: OSC, DMX and MIDI become arbiter inputs for this frame.
#[allow(clippy::too_many_arguments)]
pub(crate) fn take_inputs(
    mut rt: ResMut<ControlRuntime>,
    mut dmx_servers: ResMut<DmxServers>,
    map: Res<ControlMap>,
    registry: Res<ParamRegistry>,
    mut arbiter: ResMut<Arbiter>,
    mut engine: ResMut<MidiEngine>,
    mut learned: ResMut<LearnResult>,
) {
    let rt = rt.as_mut();
    let dmx_servers = dmx_servers.as_mut();
    let (osc_in, dmx_in, midi_in) = {
        // All three queues every frame: DMX and MIDI never wait behind OSC.
        let drained = rt.inbox.lock().drain();
        (drained.osc, drained.dmx, drained.midi)
    };
    // OSC, with bundles due later held back until their time.
    let now_ntp = osc::ntp_now();
    let mut due: Vec<OscIn> = Vec::new();
    for m in osc_in {
        match m.timed.at {
            Some(at) if at > now_ntp + 0.001 => rt.scheduled.push((at, m)),
            _ => due.push(m),
        }
    }
    let (later, now): (Vec<_>, Vec<_>) = std::mem::take(&mut rt.scheduled)
        .into_iter()
        .partition(|(at, _)| *at > now_ntp);
    rt.scheduled = later;
    due.extend(now.into_iter().map(|(_, m)| m));
    for m in due {
        osc_message(&m, &map.file, &registry, &mut arbiter, &rt.inbox);
    }
    // DMX.
    let now = Instant::now();
    for d in &dmx_in {
        let id = map.file.dmx.universes.iter().find(|u| match d.source {
            crate::inbox::DmxSource::ArtNet(_) => {
                map.file.dmx.artnet && u.artnet.unwrap_or(u.id) == d.universe
            }
            crate::inbox::DmxSource::Sacn(..) => {
                map.file.dmx.sacn && u.sacn.unwrap_or(u.id) == d.universe
            }
        });
        if let Some(u) = id.and_then(|u| dmx_servers.universes.get_mut(&u.id)) {
            u.receive(d);
        }
    }
    let phase = dmx_servers.started.elapsed().as_secs_f64();
    for (id, u) in &mut dmx_servers.universes {
        let (changed, lost) = u.merge(now);
        if lost {
            warn!(
                "DMX universe {id}: every source is gone; {}",
                match u.on_loss {
                    crate::format::LossBehaviour::Hold => "holding the last look",
                    crate::format::LossBehaviour::Release => "parameters go back to the scene",
                }
            );
            if u.on_loss == crate::format::LossBehaviour::Release {
                for (address, _, _) in
                    dmx::patch_values(&map.file.dmx, *id, &u.output, |_| None, phase)
                {
                    arbiter.forget_later(address, Source::Dmx(*id));
                }
            }
        }
        let strobing =
            map.file.dmx.fixtures.iter().any(|f| {
                f.universe == *id && f.profile == crate::format::FixtureProfile::DimmerStrobe
            });
        if !(changed || (strobing && u.live)) {
            continue;
        }
        let base = |address: &str| {
            registry
                .entry(address)
                .and_then(|e| e.spec.default.as_f32())
        };
        for (address, value, normalised) in
            dmx::patch_values(&map.file.dmx, *id, &u.output, base, phase)
        {
            let value = match (normalised, registry.entry(&address)) {
                (true, Some(e)) => match e.spec.range {
                    Some((lo, hi)) => {
                        ParamValue::Float(lo + (hi - lo) * value.as_f32().unwrap_or(0.0))
                    }
                    None => value,
                },
                _ => value,
            };
            let priority = map
                .file
                .dmx
                .universes
                .iter()
                .find(|x| x.id == *id)
                .map_or(0, |x| x.priority);
            arbiter.push(Input {
                address,
                value,
                source: Source::Dmx(*id),
                slew_ms: 0.0,
                priority,
            });
        }
    }
    // MIDI.
    let spec_of = |a: &str| spec_and_value(&registry, a);
    for m in &midi_in {
        let (values, learn) = engine.receive(m, &map.file.midi.bindings, &spec_of, &rt.inbox);
        for (address, value, i) in values {
            let (slew_ms, priority) = map
                .file
                .midi
                .bindings
                .get(i)
                .map_or((0.0, 0), |b| (b.slew_ms, b.priority));
            arbiter.push(Input {
                address,
                value,
                source: Source::Midi(m.port.clone()),
                slew_ms,
                priority,
            });
        }
        if let Some(b) = learn {
            learned.0 = Some(b);
        }
    }
}

fn osc_message(
    m: &OscIn,
    map: &MapFile,
    registry: &ParamRegistry,
    arbiter: &mut Arbiter,
    inbox: &SharedInbox,
) {
    let address = m.timed.message.addr.as_str();
    let source = Source::Osc(m.from.to_string());
    let mut hits = 0;
    let fail = |e: String| {
        inbox
            .lock()
            .count(&format!("osc {}", m.from), Some(e), LogKind::Osc)
    };
    for b in map
        .osc
        .bindings
        .iter()
        .filter(|b| osc::pattern_matches(&b.address, address))
    {
        hits += 1;
        match registry.entry(&b.target) {
            Some(e) => match osc::coerce(&e.spec, &m.timed.message.args, b.unit_scale) {
                Ok(value) => arbiter.push(Input {
                    address: b.target.clone(),
                    value,
                    source: source.clone(),
                    slew_ms: b.slew_ms,
                    priority: b.priority,
                }),
                Err(e) => fail(e),
            },
            None => fail(format!(
                "{address}: bound to `{}`, which this scene does not have",
                b.target
            )),
        }
    }
    let targets: Vec<&backlot_params::ParamEntry> = if osc::is_pattern(address) {
        registry
            .iter()
            .filter(|e| osc::pattern_matches(address, e.spec.address.as_str()))
            .collect()
    } else {
        registry.entry(address).into_iter().collect()
    };
    for e in targets {
        hits += 1;
        if e.spec.read_only {
            fail(format!("{}: read-only", e.spec.address));
            continue;
        }
        match osc::coerce(&e.spec, &m.timed.message.args, map.osc.unit_scale) {
            Ok(value) => arbiter.push(Input {
                address: e.spec.address.to_string(),
                value,
                source: source.clone(),
                slew_ms: 0.0,
                priority: 0,
            }),
            Err(err) => fail(err),
        }
    }
    // `/backlot/...` addresses belong to plugins that subscribe to the router; with that
    // plugin off they are accepted and ignored, not errors.
    if hits == 0 && address.starts_with("/backlot/") {
        inbox
            .lock()
            .count(&format!("osc {}", m.from), None, LogKind::Osc);
    } else if hits == 0 {
        fail(format!("{address}: no such parameter"));
    } else {
        inbox
            .lock()
            .count(&format!("osc {}", m.from), None, LogKind::Osc);
    }
}
