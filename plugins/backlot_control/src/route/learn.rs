//! OSC learn: `/control/learn ,s <parameter>` (or the Controls panel) arms it, and the next
//! OSC message at an address that is neither a parameter nor bound becomes an `osc.bindings`
//! alias for that parameter, in force at once and saved into the map as a MIDI-learned
//! binding is. Arming lasts [`LEARN_ARMED_FOR`]; `/control/` is read-only from the network
//! unless the map says otherwise, as learning writes the map file.

use std::time::{Duration, Instant};

use backlot_params::{ParamKind, ParamRegistry, ParamSpec, ParamValue};
use bevy::prelude::*;
use rosc::OscType;

use super::ControlRuntime;
use super::patterns::shown;
use crate::codec::osc::{self, Arg, Pattern};
use crate::format::{LearnedBinding, MapFile, OscBinding};
use crate::inbox::{LogKind, OscIn};
use crate::map::LearnResult;
use crate::publish::status;

/// Arms OSC learn for the parameter given as its one string argument.
pub const LEARN_ADDRESS: &str = "/control/learn";
/// Whether OSC learn is armed (read-only status).
pub const STATUS_LEARNING: &str = "/status/control/learning";
/// How long OSC learn stays armed with nothing learned.
pub const LEARN_ARMED_FOR: Duration = Duration::from_secs(30);
/// OSC learn is refused once the map holds this many OSC bindings: each learn adds one, and
/// the map is rewritten for each.
pub const MAX_OSC_BINDINGS: usize = 1024;
/// Refusals of `/control/learn` written to the log at most this often (they come off the
/// network; the OSC monitor has every one).
const REFUSALS_LOGGED_EVERY: Duration = Duration::from_secs(1);

/// The parameter OSC learn waits for, and until when.
#[derive(Debug)]
struct Armed {
    target: String,
    until: Instant,
}

/// OSC learn's state.
#[derive(Debug, Default)]
pub(crate) struct OscLearn {
    armed: Option<Armed>,
    /// When a refusal was last logged, and refusals not logged since.
    refusal_logged: Option<Instant>,
    refusals_unlogged: u64,
}

impl OscLearn {
    /// The parameter learn waits for.
    pub(crate) fn target(&self) -> Option<&str> {
        self.armed.as_ref().map(|a| a.target.as_str())
    }

    /// How long it still waits.
    pub(crate) fn expires_in(&self, now: Instant) -> Option<Duration> {
        self.armed
            .as_ref()
            .map(|a| a.until.saturating_duration_since(now))
    }

    /// Waits for an address for `target` (replacing any learn armed before), `by` whom.
    pub(crate) fn arm(&mut self, target: &str, by: &str, now: Instant) {
        if let Some(before) = self.target()
            && before != target
        {
            info!("OSC learn for {before} replaced");
        }
        info!(
            "OSC learn armed for {target} by {by}: the next OSC address that is neither a \
             parameter nor bound is bound to it (within {} s)",
            LEARN_ARMED_FOR.as_secs()
        );
        self.armed = Some(Armed {
            target: target.to_string(),
            until: now + LEARN_ARMED_FOR,
        });
    }

    /// Stops waiting; the parameter it waited for.
    pub(crate) fn cancel(&mut self) -> Option<String> {
        self.armed.take().map(|a| a.target)
    }

    /// Stops waiting when the time is up; the parameter it waited for.
    fn expire(&mut self, now: Instant) -> Option<String> {
        if self.armed.as_ref().is_some_and(|a| now >= a.until) {
            return self.cancel();
        }
        None
    }

    /// Runs out the time now (the next frame sees it expired).
    #[cfg(test)]
    pub(crate) fn expire_now(&mut self) {
        if let Some(a) = &mut self.armed {
            a.until = Instant::now();
        }
    }

    /// Logs a refusal, at most one line per [`REFUSALS_LOGGED_EVERY`].
    fn log_refusal(&mut self, why: &str, now: Instant) {
        if self
            .refusal_logged
            .is_some_and(|t| now.saturating_duration_since(t) < REFUSALS_LOGGED_EVERY)
        {
            self.refusals_unlogged += 1;
            return;
        }
        match std::mem::take(&mut self.refusals_unlogged) {
            0 => warn!("OSC learn refused: {why}"),
            more => warn!("OSC learn refused: {why} ({more} more refused since the last said)"),
        }
        self.refusal_logged = Some(now);
    }
}

/// Learn's share of the frame's OSC: ends an arming whose time is up (logged and said in the
/// OSC monitor). Called before the frame's messages.
pub(super) fn expire(rt: &mut ControlRuntime, now: Instant) {
    if let Some(target) = rt.osc_learn.expire(now) {
        let why = format!(
            "OSC learn for {target} expired: no new OSC address within {} s",
            LEARN_ARMED_FOR.as_secs()
        );
        info!("{why}");
        rt.inbox.lock().log(LogKind::Osc, why, true);
    }
}

/// Takes `m` when it is learn's: a request to arm (armed, or refused and said why), or, while
/// armed, a message at an address nothing takes (bound, into `learned`). `false`: route it
/// as usual.
pub(super) fn intercept(
    rt: &mut ControlRuntime,
    m: &OscIn,
    map: &MapFile,
    registry: &ParamRegistry,
    learned: &mut LearnResult,
) -> bool {
    let address = m.timed.message.addr.as_str();
    let sender = format!("osc {}", m.from);
    let now = Instant::now();
    if address == LEARN_ADDRESS {
        match arm_request(rt, m, map, registry) {
            Ok(target) => {
                rt.osc_learn.arm(&target, &m.from.to_string(), now);
                rt.inbox.lock().count(&sender, None, LogKind::Osc);
            }
            Err(why) => {
                rt.osc_learn.log_refusal(&why, now);
                rt.inbox.lock().count(&sender, Some(why), LogKind::Osc);
            }
        }
        return true;
    }
    let Some(target) = rt.osc_learn.target() else {
        return false;
    };
    if !learnable(address, map, registry, rt) {
        return false;
    }
    let Some(spec) = registry.entry(target).map(|e| &e.spec) else {
        // The scene changed under it.
        let why = format!("OSC learn for {target} ended: the scene no longer has it");
        warn!("{why}");
        rt.inbox.lock().log(LogKind::Osc, why, true);
        rt.osc_learn.cancel();
        return false;
    };
    let args = osc::flatten_args(&m.timed.message.args);
    let binding = binding_for(address, spec, &args);
    rt.osc_learn.cancel();
    {
        let mut inbox = rt.inbox.lock();
        inbox.log(
            LogKind::Osc,
            format!("learned {} → {}", shown(address), binding.target),
            false,
        );
        inbox.count(&sender, None, LogKind::Osc);
    }
    learned.0.push(LearnedBinding::Osc(binding));
    true
}

/// The parameter a `/control/learn` from the network asks for, or why it is refused.
fn arm_request(
    rt: &mut ControlRuntime,
    m: &OscIn,
    map: &MapFile,
    registry: &ParamRegistry,
) -> Result<String, String> {
    if let Some(prefix) = map.access.network_read_only(LEARN_ADDRESS) {
        rt.read_only_refused += 1;
        return Err(format!(
            "{LEARN_ADDRESS}: refused: `{prefix}` is read-only from the network (map \
             `access.read_only`; the Controls panel can still learn)"
        ));
    }
    let target = match m.timed.message.args.as_slice() {
        [OscType::String(t)] => t.as_str(),
        _ => {
            return Err(format!(
                "{LEARN_ADDRESS} needs one string argument: the parameter's address"
            ));
        }
    };
    let Some(entry) = registry.entry(target) else {
        return Err(format!(
            "{LEARN_ADDRESS}: `{}` is not a parameter",
            shown(target)
        ));
    };
    if entry.spec.read_only {
        return Err(format!("{LEARN_ADDRESS}: {target} is read-only"));
    }
    // An alias learned from the network must not open what the network may not write.
    if let Some(prefix) = map.access.network_read_only(target) {
        rt.read_only_refused += 1;
        return Err(format!(
            "{LEARN_ADDRESS}: refused: {target} is under `{prefix}`, read-only from the \
             network (map `access.read_only`)"
        ));
    }
    if map.osc.bindings.len() >= MAX_OSC_BINDINGS {
        return Err(format!(
            "{LEARN_ADDRESS}: the map already has {MAX_OSC_BINDINGS} OSC bindings"
        ));
    }
    Ok(target.to_string())
}

/// Whether learn may bind `address`: a plain address (no pattern) a map can hold, that is
/// not a parameter, not bound, and not in learn's or the router's own namespaces.
fn learnable(address: &str, map: &MapFile, registry: &ParamRegistry, rt: &ControlRuntime) -> bool {
    let under = |prefix: &str| {
        address
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    address.starts_with('/')
        // A trailing `/` (an empty last part) would match as `//` does.
        && !address.ends_with('/')
        && !osc::is_pattern(address)
        // Within the length a binding's pattern may have.
        && Pattern::compile(address).is_ok()
        && !under("/control")
        && !under("/backlot")
        && registry.entry(address).is_none()
        && !map
            .osc
            .bindings
            .iter()
            .enumerate()
            .any(|(i, b)| b.address == address || rt.patterns.binding_matches(i, address))
}

/// The alias learned for `spec` from a message at `address` with `args`. A number parameter
/// with a range takes 0..1 over its range (`unit_scale`) when the message's numbers are all
/// within 0..1, as faders on surfaces send; otherwise values land as sent.
fn binding_for(address: &str, spec: &ParamSpec, args: &[Arg]) -> OscBinding {
    let unit_scale = matches!(spec.kind, ParamKind::Float | ParamKind::Int)
        && spec.range.is_some()
        && args.iter().all(|a| match a {
            Arg::Num(v) => (0.0..=1.0).contains(v),
            _ => true,
        });
    OscBinding {
        address: address.to_string(),
        target: spec.address.to_string(),
        unit_scale,
        slew_ms: 0.0,
        priority: 0,
    }
}

/// `/status/control/learning`: whether OSC learn is armed.
pub(crate) fn publish_learning(mut registry: ResMut<ParamRegistry>, rt: Res<ControlRuntime>) {
    status(
        STATUS_LEARNING,
        |a| {
            ParamSpec::bool(a, false)
                .read_only()
                .with_description("OSC learn is armed: the next new OSC address is bound")
        },
        &mut registry,
        ParamValue::Bool(rt.osc_learn.target().is_some()),
    );
}
