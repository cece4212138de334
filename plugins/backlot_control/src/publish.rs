//! What control publishes each frame: tempo and timecode from MIDI as parameters, fps, the
//! inbox's queue counts (`/status/inbox/...`), and the OSCQuery snapshot of the frame's
//! resolved values.

use std::time::Instant;

use backlot_net::Timecode;
use backlot_params::{ParamAddress, ParamKind, ParamRegistry, ParamSpec, ParamValue, addresses};
use bevy::prelude::*;

use crate::arbiter::{Arbiter, Source};
use crate::inbox::InboxStats;
use crate::midi::MidiEngine;
use crate::oscquery;
use crate::route::ControlRuntime;
use crate::servers::{ControlSettings, OscQueryServer, OscServers};

/// Registers the read-only status parameter `address` on first use, then sets it.
pub(crate) fn status(
    address: &str,
    spec: impl FnOnce(ParamAddress) -> ParamSpec,
    registry: &mut ParamRegistry,
    value: ParamValue,
) {
    if registry.entry(address).is_none()
        && let Ok(a) = ParamAddress::new(address)
    {
        let _ = registry.register(spec(a));
    }
    let _ = registry.set_status(address, value);
}

/// Tempo and timecode from MIDI as parameters, before the layers read them.
pub(crate) fn publish_inputs(
    mut registry: ResMut<ParamRegistry>,
    engine: Res<MidiEngine>,
    timecode: Option<ResMut<Timecode>>,
) {
    if let Some(bpm) = engine.bpm {
        status(
            backlot_params::addresses::TEMPO_BPM,
            |a| {
                ParamSpec::float(a, 120.0, 20.0, 300.0, "BPM")
                    .read_only()
                    .with_description("Tempo from MIDI clock")
            },
            &mut registry,
            ParamValue::Float(bpm),
        );
        let beat = (engine.ticks % 24) as f32 / 24.0;
        status(
            backlot_params::addresses::TEMPO_BEAT,
            |a| {
                ParamSpec::float(a, 0.0, 0.0, 1.0, "")
                    .read_only()
                    .with_description("Beat phase from MIDI clock")
            },
            &mut registry,
            ParamValue::Float(beat),
        );
        status(
            backlot_params::addresses::TEMPO_PLAYING,
            |a| {
                ParamSpec::bool(a, false)
                    .read_only()
                    .with_description("MIDI start/stop")
            },
            &mut registry,
            ParamValue::Bool(engine.playing),
        );
    }
    if let Some(tc) = engine.timecode {
        let [h, m, s, f] = tc.hmsf.map(i32::from);
        let frames = ((h * 60 + m) * 60 + s) * tc.fps().round() as i32 + f;
        status(
            backlot_params::addresses::TIMECODE,
            |a| {
                ParamSpec::new(a, ParamKind::Int, ParamValue::Int(0))
                    .with_range(0.0, i32::MAX as f32)
                    .read_only()
                    .with_description("MIDI time code, frames since midnight")
            },
            &mut registry,
            ParamValue::Int(frames),
        );
        if let Some(mut t) = timecode {
            t.label = Some(tc.label());
            t.frames = Some(i64::from(frames));
            t.fps = tc.fps() as f32;
            t.source = "MIDI time code";
        }
    }
}

/// A read-only count.
pub(crate) fn counter(a: ParamAddress, description: String) -> ParamSpec {
    ParamSpec::new(a, ParamKind::Int, ParamValue::Int(0))
        .with_range(0.0, i32::MAX as f32)
        .read_only()
        .with_description(description)
}

/// The inbox's queues as read-only status: what waits, and what overflow cost; and the
/// Art-Net time codes a newer one replaced before a frame took them.
fn inbox_status(registry: &mut ParamRegistry, stats: &InboxStats, timecodes_replaced: u64) {
    let int = |v: u64| ParamValue::Int(i32::try_from(v).unwrap_or(i32::MAX));
    for (protocol, lane) in [
        ("osc", &stats.osc),
        ("dmx", &stats.dmx),
        ("midi", &stats.midi),
    ] {
        for (leaf, value, what) in [
            ("queued", lane.queued as u64, "waiting for the next frame"),
            (
                "dropped",
                lane.dropped,
                "dropped, oldest first, because its queue was full",
            ),
            (
                "dropped_bytes",
                lane.dropped_bytes,
                "bytes dropped because its queue was full",
            ),
            (
                "coalesced",
                lane.coalesced,
                "replaced by a newer value before a frame took them",
            ),
        ] {
            status(
                &addresses::status_inbox(protocol, leaf),
                |a| counter(a, format!("{protocol} inputs {what}")),
                registry,
                int(value),
            );
        }
    }
    status(
        addresses::STATUS_INBOX_SENDERS_EVICTED,
        |a| {
            counter(
                a,
                "Senders whose statistics were forgotten to stay bounded".into(),
            )
        },
        registry,
        int(stats.senders_evicted),
    );
    status(
        addresses::STATUS_INBOX_TIMECODES_REPLACED,
        |a| {
            counter(
                a,
                "Art-Net time codes replaced by a newer one before a frame took them".into(),
            )
        },
        registry,
        int(timecodes_replaced),
    );
}

/// Fps, the inbox's counts, and the OSCQuery snapshot of the frame's resolved values.
// One system, so status values and the snapshot that reports them come from one frame.
#[allow(clippy::too_many_arguments)]
pub(crate) fn publish_snapshot(
    mut query: ResMut<OscQueryServer>,
    osc_servers: Res<OscServers>,
    mut registry: ResMut<ParamRegistry>,
    arbiter: Res<Arbiter>,
    settings: Res<ControlSettings>,
    time: Res<Time<Real>>,
    rt: Res<ControlRuntime>,
    scene: Option<Res<backlot_scene::SceneStatus>>,
) {
    let dt = time.delta_secs();
    if dt > 0.0 {
        status(
            backlot_params::addresses::STATUS_FPS,
            |a| {
                ParamSpec::float(a, 0.0, 0.0, 1000.0, "Hz")
                    .read_only()
                    .with_description("Frames per second")
            },
            &mut registry,
            ParamValue::Float(1.0 / dt),
        );
    }
    let (inbox, timecodes_replaced) = {
        let inbox = rt.inbox.lock();
        (inbox.stats(), inbox.timecodes_replaced())
    };
    inbox_status(&mut registry, &inbox, timecodes_replaced);
    // OSCQuery: a controller or operator write shows in the frame it applies; what only
    // animates (layers, status) refreshes at most 20 times a second.
    let throttled =
        arbiter.applied.is_empty() && query.built_at.is_some_and(|t| t.elapsed().as_millis() < 50);
    if query.generation == registry.generation() || throttled {
        return;
    }
    query.generation = registry.generation();
    query.built_at = Some(Instant::now());
    let tree = oscquery::build_tree(registry.iter(), |a| match arbiter.driver(a) {
        Source::Scene => String::new(),
        other => other.label(),
    });
    let (osc_port, tcp) = (
        osc_servers.osc.map_or(settings.osc_port, |a| a.port()),
        osc_servers
            .osc_tcp
            .map_or(settings.osc_tcp_port, |a| a.port()),
    );
    if let Ok(mut s) = query.snapshot.write() {
        s.tree = tree.into();
        s.osc_port = osc_port;
        s.osc_tcp_port = tcp;
        s.ready |= oscquery::namespace_ready(&registry, scene.as_deref());
    }
}
