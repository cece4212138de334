//! The one arbitration rule: a parameter's value each frame = scene base → cue playback →
//! reactive layers → controller inputs (OSC, MIDI, DMX, tracking; the most recent wins) →
//! operator override, which wins until released. Every write but the scene's own base and
//! read-only status arrives here as an [`Input`] tagged with its [`Source`]. Inputs may glide (slew) to their value. Resolved once a frame, in
//! [`BacklotSystems::Arbitrate`](crate::BacklotSystems::Arbitrate): after the layers, before
//! the scene applies anything.

use bevy::prelude::*;

use crate::{ParamError, ParamRegistry, ParamValue};

mod claims;
mod cue;
mod entries;
mod glide;
pub use claims::Claim;
use glide::{Glide, lerp};

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// The scene file (or nothing has touched it).
    Scene,
    /// Cue playback (a show's cue list), by cue name: above the scene, under everything else.
    Cue(String),
    /// The reactive layers: above the scene and cues, under controllers and the operator.
    Layers,
    /// Camera tracking, this tracker: a controller.
    Tracking(String),
    /// OSC, from this peer.
    Osc(String),
    /// MIDI, from this port.
    Midi(String),
    /// DMX, this universe.
    Dmx(u16),
    /// The operator's override in the Controls panel.
    Operator,
    /// A render cluster's primary, by name: on a render node the primary's resolved value is
    /// the value, above everything (the node has no inputs of its own to arbitrate).
    Cluster(String),
}

impl Source {
    /// Where a source stands in the rule: scene 0, cue 1, layers 2, controllers 3,
    /// operator 4. A lower tier drives only what no higher tier drives.
    pub fn tier(&self) -> u8 {
        match self {
            Source::Scene => 0,
            Source::Cue(_) => 1,
            Source::Layers => 2,
            Source::Tracking(_) | Source::Osc(_) | Source::Midi(_) | Source::Dmx(_) => 3,
            Source::Operator => 4,
            Source::Cluster(_) => 5,
        }
    }

    /// Short label for panels and OSCQuery.
    pub fn label(&self) -> String {
        match self {
            Source::Scene => "scene".into(),
            Source::Cue(name) => format!("cue {name}"),
            Source::Layers => "layers".into(),
            Source::Tracking(name) => format!("tracking {name}"),
            Source::Osc(from) => format!("OSC {from}"),
            Source::Midi(port) => format!("MIDI {port}"),
            Source::Dmx(u) => format!("DMX universe {u}"),
            Source::Operator => "operator override".into(),
            Source::Cluster(primary) => format!("cluster primary {primary}"),
        }
    }
}

/// One controller input.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Parameter address.
    pub address: String,
    /// Value (already coerced to the parameter's type).
    pub value: ParamValue,
    /// Who sent it.
    pub source: Source,
    /// Glide time, ms.
    pub slew_ms: f32,
    /// Binding priority: a higher one keeps the parameter while it keeps sending.
    pub priority: i32,
}

/// How long a higher-priority controller keeps a parameter after its last value, seconds.
pub const PRIORITY_HOLD: f64 = 1.0;

/// Per-parameter arbitration state.
#[derive(Debug, Clone)]
struct Entry {
    driver: Source,
    priority: i32,
    at: f64,
    held: Option<ParamValue>,
    latest: Option<(ParamValue, Source)>,
    glide: Option<Glide>,
    /// The cue playback's value: the base the layers modulate and the value a parameter
    /// falls back to when a controller or the operator lets go (the scene's when none).
    base: Option<(ParamValue, Source)>,
}

/// Inputs queued this frame and who drives what.
#[derive(Resource, Default)]
pub struct Arbiter {
    pending: Vec<Input>,
    entries: entries::Entries,
    /// Changes applied this frame and their sources (feedback skips sending a value back
    /// to the peer it came from).
    pub applied: Vec<(String, Source)>,
    /// Inputs refused (unknown address, wrong type), for monitors.
    pub refused: u64,
    forgets: Vec<(String, Source)>,
    /// Operator holds and releases, for the undo history ([`crate::undo`]).
    pub(crate) journal: crate::undo::Journal,
}

impl Arbiter {
    /// Queues an input for this frame.
    pub fn push(&mut self, input: Input) {
        self.pending.push(input);
    }

    /// Who drives a parameter now.
    pub fn driver(&self, address: &str) -> Source {
        self.entries
            .get(address)
            .map_or(Source::Scene, |e| e.driver.clone())
    }

    /// Where the source that drives a parameter now stands ([`Source::tier`]), without
    /// copying it.
    pub fn driver_tier(&self, address: &str) -> u8 {
        self.entries.get(address).map_or(0, |e| e.driver.tier())
    }

    /// The base a cue list plays for a parameter (what layers modulate and what a released
    /// controller or override falls back to); none: the scene's value is the base.
    pub fn base(&self, address: &str) -> Option<&ParamValue> {
        self.entries
            .get(address)
            .and_then(|e| e.base.as_ref())
            .map(|(v, _)| v)
    }

    /// Whether the operator holds it.
    pub fn held(&self, address: &str) -> bool {
        self.entries.get(address).is_some_and(|e| e.held.is_some())
    }

    /// Every parameter the operator holds.
    pub fn held_addresses(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter(|(_, e)| e.held.is_some())
            .map(|(a, _)| a.as_str())
    }

    /// The operator takes a parameter at `value` until [`Arbiter::release`].
    pub fn hold(&mut self, address: &str, value: ParamValue) {
        let e = self.entry(address);
        let before_held = e.held.replace(value.clone());
        let before_driver = std::mem::replace(&mut e.driver, Source::Operator);
        e.glide = None;
        // Noted for undo: how the parameter stood before the operator took it.
        self.journal
            .note(address, before_held, before_driver, Some(value));
    }

    /// The operator lets go: the newest controller value (if any) applies again.
    pub fn release(&mut self, address: &str) {
        if let Some(e) = self.entries.get_mut(address) {
            let before_held = e.held.take();
            // Noted for undo, when there was a hold to let go of.
            if before_held.is_some() {
                self.journal
                    .note(address, before_held, e.driver.clone(), None);
            }
            // The newest controller value applies again; without one, the cue's base.
            let under = e.latest.clone().or_else(|| {
                e.driver = Source::Scene;
                e.base.clone()
            });
            if let Some((value, source)) = under {
                self.pending.push(Input {
                    address: address.to_string(),
                    value,
                    source,
                    slew_ms: 0.0,
                    priority: i32::MAX,
                });
            }
        }
    }

    /// An operator edit from any panel: coerced to the parameter's type and range, then held
    /// (it wins over layers and controllers) until [`Arbiter::release`].
    pub fn operator_edit(
        &mut self,
        registry: &ParamRegistry,
        address: &str,
        value: ParamValue,
    ) -> Result<ParamValue, ParamError> {
        let entry = registry
            .entry(address)
            .ok_or_else(|| ParamError::UnknownAddress(address.to_string()))?;
        if entry.spec.read_only {
            return Err(ParamError::ReadOnly(address.to_string()));
        }
        let value = entry.spec.coerce(value)?;
        self.hold(address, value.clone());
        Ok(value)
    }

    /// Queues [`Arbiter::forget`] for this frame's arbitration.
    pub fn forget_later(&mut self, address: String, source: Source) {
        self.forgets.push((address, source));
    }

    /// A source lets go (DMX loss with `Release`, a released cue list): the parameter falls
    /// back to the cue's base, or to the scene's value when no cue plays it (or the cue
    /// list is the one letting go).
    pub fn forget(&mut self, address: &str, source: &Source, registry: &mut ParamRegistry) {
        let Some(e) = self.entries.get_mut(address) else {
            return;
        };
        if e.base.as_ref().is_some_and(|(_, s)| same_list(s, source)) {
            e.base = None;
        }
        if e.driver != *source && !same_list(&e.driver, source) {
            return;
        }
        e.latest = None;
        e.glide = None;
        match e.base.clone() {
            Some((value, cue)) => {
                e.driver = cue;
                let _ = registry.set(address, value);
            }
            None => {
                e.driver = Source::Scene;
                let _ = registry.reset(address);
            }
        }
    }

    /// A coercion's outcome, a refusal counted (a non-finite number in the registry's count
    /// too).
    fn counted(
        &mut self,
        coerced: Result<ParamValue, ParamError>,
        registry: &mut ParamRegistry,
    ) -> Result<ParamValue, ParamError> {
        coerced.inspect_err(|e| {
            if matches!(e, ParamError::NotFinite(_)) {
                registry.note_non_finite();
            }
            self.refused += 1;
        })
    }

    fn entry(&mut self, address: &str) -> &mut Entry {
        // One lookup; the address is only copied for a new entry.
        self.entries.entry(address)
    }
}

impl Entry {
    fn new() -> Self {
        Entry {
            driver: Source::Scene,
            priority: i32::MIN,
            at: f64::NEG_INFINITY,
            held: None,
            latest: None,
            glide: None,
            base: None,
        }
    }
}

/// Two cue sources of one cue list (`<list>/<cue>` labels): a list's release lets go of
/// every value it played, whichever of its cues played it last.
fn same_list(a: &Source, b: &Source) -> bool {
    match (a, b) {
        (Source::Cue(x), Source::Cue(y)) => x.split('/').next() == y.split('/').next(),
        _ => false,
    }
}

/// Applies this frame's inputs, glides and overrides to the registry.
pub fn arbitrate(
    mut arbiter: ResMut<Arbiter>,
    mut registry: ResMut<ParamRegistry>,
    time: Res<Time<Real>>,
) {
    let now = time.elapsed_secs_f64();
    let arbiter = arbiter.as_mut();
    arbiter.applied.clear();
    for (address, source) in std::mem::take(&mut arbiter.forgets) {
        arbiter.forget(&address, &source, &mut registry);
    }
    for input in std::mem::take(&mut arbiter.pending) {
        // Coerced against the spec in place: cloning the spec (its strings and options) for
        // every input was most of an input's cost under a fader flood.
        let coerced = match registry.entry(&input.address) {
            Some(e) => e.spec.coerce(input.value),
            None => {
                arbiter.refused += 1;
                continue;
            }
        };
        let Ok(value) = arbiter.counted(coerced, &mut registry) else {
            continue;
        };
        let e = arbiter.entry(&input.address);
        // The cluster's frame state is exact: no hold, priority or glide applies to it.
        if matches!(input.source, Source::Cluster(_)) {
            e.held = None;
            e.glide = None;
            e.latest = None;
            e.driver = input.source.clone();
            // Read-only values the primary owns (tempo, timecode) are mirrored too.
            if registry.set_status(&input.address, value).is_ok() {
                arbiter.applied.push((input.address, input.source));
            } else {
                arbiter.refused += 1;
            }
            continue;
        }
        // A cue sets the base under everything, driven or not: layers modulate it, and a
        // controller or override that lets go falls back to it.
        if matches!(input.source, Source::Cue(_)) && value != ParamValue::Trigger {
            match &mut e.base {
                Some((base, source)) => {
                    *base = value.clone();
                    if *source != input.source {
                        source.clone_from(&input.source);
                    }
                }
                None => e.base = Some((value.clone(), input.source.clone())),
            }
        }
        if e.held.is_some() && input.source.tier() < 3 {
            continue;
        }
        // Cues and layers sit under every controller: they drive a parameter only while no
        // controller does (a controller's loss with `Release` hands it back to them).
        if input.source.tier() < 3 {
            if e.driver.tier() > input.source.tier() {
                continue;
            }
            e.driver = input.source;
            e.glide = None;
            if registry.set(&input.address, value).is_err() {
                arbiter.refused += 1;
            }
            continue;
        }
        // The source is only copied when it changes (a fader flood comes from one sender).
        match &mut e.latest {
            Some((latest, source)) if *source == input.source => *latest = value.clone(),
            _ => e.latest = Some((value.clone(), input.source.clone())),
        }
        if e.held.is_some() {
            continue;
        }
        // A higher-priority controller keeps the parameter while it keeps sending.
        if input.priority < e.priority && now - e.at < PRIORITY_HOLD && e.driver != input.source {
            continue;
        }
        e.priority = if input.priority == i32::MAX {
            e.priority
        } else {
            input.priority
        };
        e.at = now;
        if e.driver != input.source {
            e.driver = input.source.clone();
        }
        let numeric = matches!(
            value,
            ParamValue::Float(_) | ParamValue::Int(_) | ParamValue::Color(_) | ParamValue::Vec3(_)
        );
        if input.slew_ms > 0.0 && numeric {
            let from = registry
                .get(&input.address)
                .ok()
                .cloned()
                .unwrap_or(value.clone());
            e.glide = Some(Glide {
                from,
                to: value,
                start: now,
                seconds: f64::from(input.slew_ms) / 1000.0,
            });
            continue;
        }
        e.glide = None;
        if registry.set(&input.address, value).is_ok() {
            arbiter.applied.push((input.address, input.source));
        } else {
            arbiter.refused += 1;
        }
    }
    for (address, e) in arbiter.entries.iter_mut() {
        if let Some(held) = &e.held {
            if registry.get(address).ok() != Some(held) {
                let _ = registry.set(address, held.clone());
                arbiter.applied.push((address.clone(), Source::Operator));
            }
            continue;
        }
        if let Some(g) = &e.glide {
            let t = if g.seconds > 0.0 {
                ((now - g.start) / g.seconds).clamp(0.0, 1.0)
            } else {
                1.0
            };
            let _ = registry.set(address, lerp(&g.from, &g.to, t as f32));
            arbiter.applied.push((address.clone(), e.driver.clone()));
            if t >= 1.0 {
                e.glide = None;
            }
        }
    }
}

#[cfg(test)]
mod tests;
