//! Following the stage file: rebuild the setup when the stage (re)loads, then apply it —
//! parameters, receivers (or the shared OSC router's subscription) and camera states.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use backlot_files::{FileLoaded, WatchedFile};
use backlot_net::{
    AllowList, Listening, NetAccess, NetExposure, OscRouter, PortProblem, PortProblems, Protocol,
};
use backlot_params::ParamRegistry;
use backlot_stage::{StageAsset, StageKind};
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use crate::params::{camera_specs, tracker_specs};
use crate::receiver::{CAMERA_PREFIX, Receiver, TrackingOsc, Wire};
use crate::setup::TrackingSetup;
use crate::state::{CameraState, TrackerStatus, TrackingSettings, TrackingState, TrackingStatus};

/// Rebuilds the setup when the stage file (re)loads, in the frame it loads.
pub(crate) fn follow_stage(
    mut loaded: MessageReader<FileLoaded<StageKind>>,
    watched: Option<Res<WatchedFile<StageKind>>>,
    stages: Option<Res<Assets<StageAsset>>>,
    mut setup: ResMut<TrackingSetup>,
) {
    if loaded.read().count() == 0 {
        return;
    }
    let (Some(watched), Some(stages)) = (watched, stages) else {
        return;
    };
    let Some(stage) = watched.handle.as_ref().and_then(|h| stages.get(h)) else {
        return;
    };
    let mut next = TrackingSetup::from_stage(&stage.file);
    next.generation = setup.generation + 1;
    if next.trackers != setup.trackers || next.cameras != setup.cameras {
        *setup = next;
    }
}

/// Where tracker sockets bind, who may reach them, and where that is shown.
#[derive(SystemParam)]
pub(crate) struct Network<'w> {
    access: Option<Res<'w, NetAccess>>,
    exposure: Option<ResMut<'w, NetExposure>>,
    problems: Option<ResMut<'w, PortProblems>>,
}

/// Applies a new setup: parameters, receivers, camera states.
pub(crate) fn configure(
    setup: Res<TrackingSetup>,
    settings: Res<TrackingSettings>,
    router: Option<Res<OscRouter>>,
    mut state: ResMut<TrackingState>,
    mut registry: ResMut<ParamRegistry>,
    mut net: Network,
) {
    if state.setup_generation == Some(setup.generation) {
        return;
    }
    state.setup_generation = Some(setup.generation);
    let mut specs = Vec::new();
    for c in &setup.cameras {
        specs.extend(camera_specs(c, c.lens.horizontal_fov_deg()));
    }
    for t in &setup.trackers {
        specs.extend(tracker_specs(&t.name));
    }
    registry.replace_under("/tracking", specs);

    // Keep camera state across reloads so a stage edit does not blank the tracking.
    let old = std::mem::take(&mut state.cameras);
    state.cameras = setup
        .cameras
        .iter()
        .map(|c| {
            old.iter()
                .find(|o| o.id == c.id)
                .cloned()
                .unwrap_or_else(|| CameraState::new(c.id, !c.sources.is_empty()))
        })
        .collect();
    for (cam, c) in state.cameras.iter_mut().zip(&setup.cameras) {
        if c.sources.is_empty() && settings.replay.is_none() {
            cam.status = TrackingStatus::Static;
        } else if cam.status == TrackingStatus::Static {
            cam.status = TrackingStatus::Waiting;
        }
    }

    if let Some(router) = router.as_deref() {
        router.unsubscribe(CAMERA_PREFIX);
    }
    let unspecified = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    let (bind, osc_bind) = net
        .access
        .as_deref()
        .map_or((unspecified, unspecified), |a| {
            (a.addr(Protocol::Tracking), a.addr(Protocol::Osc))
        });
    let allow = net.access.as_deref().map_or_else(
        || Arc::new(AllowList::new(Protocol::Tracking, &[])),
        |a| a.list(Protocol::Tracking).clone(),
    );
    // The first stage's sockets are what `run --strict-ports` needs; a later reload's are
    // shown, never fatal.
    let at_start = setup.generation <= 1;
    if let Some(e) = net.exposure.as_deref_mut() {
        e.clear(Protocol::Tracking);
    }
    if let Some(p) = net.problems.as_deref_mut() {
        p.clear(Protocol::Tracking);
    }
    // Receivers: keep sockets still wanted (same protocol and port), start the rest.
    let mut keep = Vec::new();
    let mut trackers = Vec::new();
    let mut receivers = std::mem::take(&mut state.receivers);
    for t in &setup.trackers {
        let mut status = TrackerStatus {
            name: t.name.clone(),
            ..default()
        };
        if !settings.live || settings.replay.is_some() {
            status.error = Some(if settings.replay.is_some() {
                "not listening: replaying a take".into()
            } else {
                "not listening: live tracking is off for renders".into()
            });
            trackers.push(status);
            continue;
        }
        if let Some(router) = router.as_deref()
            && t.wire == Wire::Osc
            && router.port() == Some(t.port)
        {
            state.next_receiver += 1;
            let id = state.next_receiver;
            let sink = TrackingOsc {
                inbox: state.inbox.clone(),
                id,
            };
            router.subscribe(CAMERA_PREFIX, std::sync::Arc::new(sink));
            info!(
                "tracker `{}`: OSC on udp {} (shared with control)",
                t.name, t.port
            );
            status.local = Some(SocketAddr::new(osc_bind, t.port));
            status.receiver = Some(id);
            trackers.push(status);
            continue;
        }
        let reuse = receivers
            .iter()
            .position(|r| r.wire == t.wire && r.requested_port == t.port && t.port != 0);
        let receiver = match reuse {
            Some(i) => Ok(receivers.swap_remove(i)),
            None => {
                state.next_receiver += 1;
                Receiver::start(
                    state.next_receiver,
                    t.wire,
                    SocketAddr::new(bind, t.port),
                    Some(allow.clone()),
                    state.inbox.clone(),
                )
            }
        };
        let kind = match t.wire {
            Wire::Freed => "FreeD",
            Wire::Osc => "OSC",
        };
        let what = format!("tracker `{}` ({kind}, udp)", t.name);
        match receiver {
            Ok(r) => {
                let listening = Listening::new(Protocol::Tracking, what, r.local);
                info!("{}", listening.describe(&allow));
                if let Some(e) = net.exposure.as_deref_mut() {
                    e.add(listening);
                }
                status.local = Some(r.local);
                status.receiver = Some(r.id);
                keep.push(r);
            }
            Err(e) => {
                let addr = SocketAddr::new(bind, t.port);
                let problem = PortProblem {
                    at_start,
                    ..PortProblem::new(Protocol::Tracking, what, addr, false, &e)
                };
                error!("{problem}; its cameras hold their stage-file pose");
                status.error = Some(format!("cannot listen on udp {addr}: {e}"));
                if let Some(p) = net.problems.as_deref_mut() {
                    p.report(problem);
                }
            }
        }
        trackers.push(status);
    }
    // Keep counters of trackers that survive by name.
    for t in &mut trackers {
        if let Some(o) = state.trackers.iter().find(|o| o.name == t.name) {
            t.packets = o.packets;
            t.errors = o.errors;
            t.last_error.clone_from(&o.last_error);
        }
    }
    drop(receivers);
    state.receivers = keep;
    state.trackers = trackers;
    // Anything already queued for a receiver that is gone no longer routes; drop it.
    let live: Vec<u64> = state.trackers.iter().filter_map(|t| t.receiver).collect();
    let (mut inbox, _) = state.inbox.lock();
    inbox.items.retain(|i| live.contains(&i.receiver));
    inbox.rejected.retain(|r| live.contains(&r.receiver));
}
