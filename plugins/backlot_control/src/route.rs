//! Inputs to the arbiter: each frame drains the inbox, and OSC (bundles held for their time,
//! learn, bindings, addresses and patterns), DMX (merge, patch, loss) and MIDI become arbiter
//! inputs.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use backlot_params::{ParamRegistry, ParamSpec, ParamValue};
use bevy::prelude::*;

use crate::arbiter::{Arbiter, Input, Source};
use crate::codec::osc;
use crate::dmx;
use crate::format::{LearnedBinding, MapFile};
use crate::inbox::{LogKind, OscIn, SharedInbox};
use crate::map::{ControlMap, LearnResult};
use crate::midi::MidiEngine;
use crate::servers::DmxServers;

mod learn;
pub(crate) mod patterns;
pub(crate) mod schedule;

pub(crate) use learn::publish_learning;
pub use learn::{LEARN_ADDRESS, LEARN_ARMED_FOR, MAX_OSC_BINDINGS, STATUS_LEARNING};
use patterns::{OscPatterns, shown};
use schedule::{Offered, Schedule};

/// The inbox shared with the network and MIDI threads, OSC bundles held for their time,
/// what OSC address patterns matched, and OSC learn.
#[derive(Resource, Default)]
pub struct ControlRuntime {
    /// Shared inbox.
    pub inbox: SharedInbox,
    scheduled: Schedule,
    patterns: OscPatterns,
    read_only_refused: u64,
    osc_learn: learn::OscLearn,
}

impl ControlRuntime {
    /// OSC bundle messages held for a later time tag (at most 4,096).
    pub fn scheduled_len(&self) -> usize {
        self.scheduled.len()
    }

    /// Held bundle messages dropped because the schedule was full (the one due latest goes).
    pub fn scheduled_dropped(&self) -> u64 {
        self.scheduled.dropped()
    }

    /// Bundles refused for being due more than 10 s ahead.
    pub fn beyond_horizon(&self) -> u64 {
        self.scheduled.beyond_horizon()
    }

    /// OSC address patterns refused (too long, too many wildcards, unclosed).
    pub fn patterns_refused(&self) -> u64 {
        self.patterns.refused()
    }

    /// OSC address patterns dropped over a frame's budget of new patterns.
    pub fn patterns_over_budget(&self) -> u64 {
        self.patterns.over_budget()
    }

    /// OSC writes refused for falling under the map's `access.read_only` prefixes
    /// (`/control/learn` from the network included).
    pub fn read_only_refused(&self) -> u64 {
        self.read_only_refused
    }

    /// The parameter OSC learn waits for an address for, while it is armed.
    pub fn osc_learning(&self) -> Option<&str> {
        self.osc_learn.target()
    }

    /// How long OSC learn still waits, while it is armed.
    pub fn osc_learn_expires_in(&self) -> Option<Duration> {
        self.osc_learn.expires_in(Instant::now())
    }

    /// Arms OSC learn for `target` from the operator (the Controls panel): the next OSC
    /// message at an address that is neither a parameter nor bound becomes an alias for it.
    /// Not refused by the map's read-only prefixes, which are for the network.
    pub fn arm_osc_learn(&mut self, target: &str) {
        self.osc_learn.arm(target, "the operator", Instant::now());
    }

    /// Stops OSC learn waiting.
    pub fn cancel_osc_learn(&mut self) {
        if let Some(target) = self.osc_learn.cancel() {
            info!("OSC learn for {target} cancelled");
        }
    }

    /// Runs out OSC learn's time: the next frame ends it as if it had waited it out.
    #[cfg(test)]
    pub(crate) fn expire_osc_learn_now(&mut self) {
        self.osc_learn.expire_now();
    }
}

/// This frame's OSC senders: each one's source, formatted once, and its good messages,
/// counted under one lock after the frame's messages (per message, the formatting and the
/// lock were most of what applying a fader flood cost), in the order the senders were last
/// heard so the statistics' least-recently-used order stays true. At most one entry per
/// message drained.
#[derive(Default)]
struct Senders {
    by_addr: HashMap<SocketAddr, Sender>,
    heard: u64,
}

struct Sender {
    source: Source,
    ok: u64,
    last: u64,
}

impl Senders {
    fn source(&mut self, from: SocketAddr) -> Source {
        self.heard += 1;
        let heard = self.heard;
        let s = self.by_addr.entry(from).or_insert_with(|| Sender {
            source: Source::Osc(from.to_string()),
            ok: 0,
            last: heard,
        });
        s.last = heard;
        s.source.clone()
    }

    fn ok(&mut self, from: SocketAddr) {
        if let Some(s) = self.by_addr.get_mut(&from) {
            s.ok += 1;
        }
    }

    fn count(self, inbox: &SharedInbox) {
        let mut heard: Vec<(u64, SocketAddr, u64)> = self
            .by_addr
            .into_iter()
            .filter(|(_, s)| s.ok > 0)
            .map(|(from, s)| (s.last, from, s.ok))
            .collect();
        if heard.is_empty() {
            return;
        }
        heard.sort_unstable_by_key(|h| h.0);
        let mut inbox = inbox.lock();
        for (_, from, n) in heard {
            inbox.count_ok(&format!("osc {from}"), n);
        }
    }
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
    // OSC, with bundles due later held back until their time: those that came due first
    // (they were sent before anything in this frame's inbox), then this frame's.
    let now_ntp = osc::ntp_now();
    let mut due: Vec<OscIn> = Vec::new();
    while let Some(m) = rt.scheduled.pop_due(now_ntp) {
        due.push(m);
    }
    for m in osc_in {
        match rt.scheduled.offer(m, now_ntp) {
            Offered::Now(m) => due.push(m),
            Offered::Held => {}
            Offered::Refused(from, e) => {
                rt.inbox
                    .lock()
                    .count(&format!("osc {from}"), Some(e.to_string()), LogKind::Osc);
            }
        }
    }
    if !due.is_empty() {
        rt.patterns.begin_frame(&map.file.osc.bindings, &registry);
    }
    // An arming whose time ran out before this frame's messages does not learn from them.
    learn::expire(rt, Instant::now());
    let mut senders = Senders::default();
    for m in due {
        if learn::intercept(rt, &m, &map.file, &registry, &mut learned) {
            continue;
        }
        osc_message(
            &m,
            &map.file,
            &registry,
            &mut arbiter,
            &rt.inbox,
            &mut rt.patterns,
            &mut rt.read_only_refused,
            &mut senders,
        );
    }
    senders.count(&rt.inbox);
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
            learned.0.push(LearnedBinding::Midi(b));
        }
    }
}

/// One OSC message from the network into arbiter inputs. Writes under the map's
/// `access.read_only` prefixes are refused and counted in `read_only_refused` (the operator
/// panel writes through the arbiter directly and is not refused); an `osc.bindings` alias
/// the map itself points there is the operator's choice and still works.
#[allow(clippy::too_many_arguments)] // the frame's OSC state, split so each is borrowed once
fn osc_message(
    m: &OscIn,
    map: &MapFile,
    registry: &ParamRegistry,
    arbiter: &mut Arbiter,
    inbox: &SharedInbox,
    patterns: &mut OscPatterns,
    read_only_refused: &mut u64,
    senders: &mut Senders,
) {
    let address = m.timed.message.addr.as_str();
    let source = senders.source(m.from);
    let mut hits = 0;
    let fail = |e: String| {
        inbox
            .lock()
            .count(&format!("osc {}", m.from), Some(e), LogKind::Osc)
    };
    // Once per message, however many parameters it sets.
    let args = osc::flatten_args(&m.timed.message.args);
    for (i, b) in map.osc.bindings.iter().enumerate() {
        if !patterns.binding_matches(i, address) {
            continue;
        }
        hits += 1;
        match registry.entry(&b.target) {
            Some(e) => match osc::coerce_flat(&e.spec, &args, b.unit_scale) {
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
                "{}: bound to `{}`, which this scene does not have",
                shown(address),
                b.target
            )),
        }
    }
    let matched = if osc::is_pattern(address) {
        match patterns.resolve(address, registry) {
            Ok(matched) => Some(matched),
            Err(e) => {
                fail(format!("{}: {e}", shown(address)));
                return;
            }
        }
    } else {
        None
    };
    let targets: Vec<&backlot_params::ParamEntry> = match &matched {
        Some(matched) => matched
            .iter()
            .filter_map(|a| registry.entry(a.as_str()))
            .collect(),
        None => registry.entry(address).into_iter().collect(),
    };
    for e in targets {
        hits += 1;
        if e.spec.read_only {
            fail(format!("{}: read-only", e.spec.address));
            continue;
        }
        if let Some(prefix) = map.access.network_read_only(e.spec.address.as_str()) {
            *read_only_refused += 1;
            fail(format!(
                "{}: refused: `{prefix}` is read-only from the network (map `access.read_only`; \
                 the operator panel can still set it)",
                e.spec.address
            ));
            continue;
        }
        match osc::coerce_flat(&e.spec, &args, map.osc.unit_scale) {
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
    if hits == 0 && !address.starts_with("/backlot/") {
        fail(format!("{}: no such parameter", shown(address)));
    } else {
        senders.ok(m.from);
    }
}
