//! The following node's side: frame states are taken in order (a gap asks the primary for a
//! snapshot), then applied in the frame: every value through the arbiter as the primary's
//! (so nothing on this node can change it), every body where the primary's physics put it
//! and moving as fast (after this node's own scene systems, so they cannot move it either),
//! and scene time as the primary's. A backup also keeps what it needs to take over
//! ([`Handover`]).

use std::collections::HashMap;
use std::time::Duration;

use backlot_params::{Arbiter, Input, LayersCarry, ParamRegistry, Source};
use backlot_scene::PhysicsBody;
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use bevy_rapier3d::prelude::Velocity;

use crate::file::Role;
use crate::follow::Handover;
use crate::frame::{BodyPose, FrameState, decode};
use crate::revisions::Revisions;
use crate::state::{ClusterLink, ClusterNode, ClusterState};

/// Frame states taken for this frame, oldest first; applied in the Control set.
#[derive(Resource, Debug, Default)]
pub struct Incoming {
    /// In frame order.
    pub states: Vec<FrameState>,
    /// The newest frame number taken so far (None before the first).
    pub newest: Option<u64>,
    /// Scene time of the newest state, to follow in live mode.
    pub scene_time: Option<f64>,
    /// This frame's body poses, newest per body, put in place after the scene's systems.
    pub poses: HashMap<String, BodyPose>,
    /// A node that became primary runs on its own clock again from the next frame.
    resuming: bool,
}

/// Decodes what arrived (frame states and snapshot answers) into `incoming`, in order.
/// Returns how many were taken. A state of another cluster, of an older epoch, or older
/// than one already taken is skipped; a gap in the numbering asks for a snapshot.
pub fn take_frames(
    link: &ClusterLink,
    node: &ClusterNode,
    state: &mut ClusterState,
    incoming: &mut Incoming,
) -> usize {
    let Some(link) = link.0.as_ref() else {
        return 0;
    };
    let mut taken = 0;
    let mut arrived = link.snapshots.drain();
    arrived.extend(link.frames.drain());
    let mut decoded: Vec<FrameState> = Vec::with_capacity(arrived.len());
    for bytes in arrived {
        match decode(&bytes) {
            Ok(f) => decoded.push(f),
            Err(e) => {
                state.decode_errors += 1;
                if state.decode_errors % 100 == 1 {
                    warn!("cluster: a frame state did not decode: {e}");
                }
                state.last_decode_error = Some(e.to_string());
            }
        }
    }
    // Snapshots and deltas may interleave; frame order decides, a snapshot first on a tie.
    decoded.sort_by_key(|f| (f.header.frame, !f.header.snapshot));
    for f in decoded {
        if f.header.cluster != node.file.name || f.header.epoch < state.epoch {
            continue;
        }
        if f.header.epoch > state.epoch {
            // A new primary (failover): whatever it says now is the truth.
            if let Some(old) = state.primary.clone().filter(|p| *p != f.header.primary) {
                let period = node.frame_period().as_secs_f64();
                let gap = state
                    .last_frame_at
                    .map_or(0, |t| (t.elapsed().as_secs_f64() / period).round() as u64);
                warn!(
                    "cluster: `{}` is primary now (was `{old}`), from frame {}; {gap} frames \
                     without a new state",
                    f.header.primary, f.header.frame
                );
                state.failovers += 1;
                state.last_failover = Some(crate::state::Failover {
                    node: f.header.primary.clone(),
                    from: old,
                    frame: f.header.frame,
                    gap,
                });
            }
            state.epoch = f.header.epoch;
            incoming.newest = None;
        }
        if let Some(newest) = incoming.newest {
            if f.header.frame <= newest && !f.header.snapshot {
                continue;
            }
            if f.header.frame < newest {
                continue;
            }
            if f.header.frame > newest + 1 && !f.header.snapshot {
                state.gaps += 1;
                request_snapshot(link, state);
            }
        } else if !f.header.snapshot {
            // Joined mid-show: deltas apply, and a snapshot fills in the rest.
            if state.snapshot_requests == 0 {
                request_snapshot(link, state);
            }
        }
        incoming.newest = Some(f.header.frame);
        incoming.scene_time = Some(f.header.scene_time);
        state.primary = Some(f.header.primary.clone());
        state.last_frame_at = Some(std::time::Instant::now());
        state.last_frame_bytes = bytes_hint(&f);
        incoming.states.push(f);
        taken += 1;
    }
    taken
}

fn bytes_hint(f: &FrameState) -> usize {
    f.values.len() * 16 + f.bodies.len() * 64
}

fn request_snapshot(link: &crate::session::Link, state: &mut ClusterState) {
    state.snapshot_requests += 1;
    if let Err(e) = link.request_snapshot() {
        warn!("cluster: {e}");
    }
}

/// Applies the taken states: values through the arbiter, revision checks; keeps the bodies
/// for `apply_bodies`, and on a backup what it takes over with.
#[allow(clippy::too_many_arguments)] // one system: each argument is a resource it reads
pub(crate) fn apply_frames(
    mut incoming: ResMut<Incoming>,
    node: Res<ClusterNode>,
    registry: Res<ParamRegistry>,
    mut arbiter: ResMut<Arbiter>,
    revisions: Res<Revisions>,
    mut handover: ResMut<Handover>,
    mut carry: ResMut<LayersCarry>,
    mut state: ResMut<ClusterState>,
) {
    let states = std::mem::take(&mut incoming.states);
    let Some(last) = states.last() else {
        return;
    };
    let frame = last.header.frame;
    let primary = Source::Cluster(last.header.primary.clone());
    let backup = node.role == Role::Backup;
    // Later states win: collapse values to the newest of each.
    let mut values: HashMap<&str, &backlot_params::ParamValue> = HashMap::new();
    for s in &states {
        for (address, value) in &s.values {
            values.insert(address.as_str(), value);
        }
    }
    let mut unknown = 0;
    for (address, value) in values {
        if registry.entry(address).is_none() {
            unknown += 1;
            continue;
        }
        if backup {
            handover.note(address, value);
        }
        arbiter.push(Input {
            address: address.to_string(),
            value: value.clone(),
            source: primary.clone(),
            slew_ms: 0.0,
            priority: i32::MAX,
        });
    }
    state.unknown_values += unknown;
    // Claims travel only when they change: the newest list stands until the next.
    if backup && let Some(claims) = states.iter().rev().find_map(|s| s.claims.as_ref()) {
        handover.claims.clone_from(claims);
    }
    if carry.tempo != last.tempo {
        carry.tempo = last.tempo;
    }
    state.revision_mismatch = last
        .header
        .revisions
        .iter()
        .filter_map(|(kind, theirs)| {
            let ours = *revisions.0.get(kind)?;
            (ours != *theirs).then(|| (kind.clone(), ours, *theirs))
        })
        .collect();
    state.frame = frame;
    state.frames_total += states.len() as u64;
    for s in states {
        for body in s.bodies {
            incoming.poses.insert(body.name.clone(), body);
        }
    }
}

/// Puts the bodies where the primary's physics put them, moving as they moved there: after
/// the scene's own systems (a physics parameter that teleports or resets bodies), so the
/// frame ends with the primary's bodies. A backup's paused physics takes a written velocity
/// as the body's, and simulates on from it once it takes over.
pub(crate) fn apply_bodies(
    mut incoming: ResMut<Incoming>,
    mut bodies: Query<(&Name, &mut Transform, Option<&mut Velocity>), With<PhysicsBody>>,
    mut state: ResMut<ClusterState>,
) {
    if incoming.poses.is_empty() {
        return;
    }
    let poses = std::mem::take(&mut incoming.poses);
    let mut found = 0;
    for (name, mut transform, velocity) in &mut bodies {
        let Some(p) = poses.get(name.as_str()) else {
            continue;
        };
        let target = Transform {
            translation: Vec3::from_array(p.translation),
            rotation: Quat::from_array(p.rotation),
            scale: transform.scale,
        };
        if *transform != target {
            *transform = target;
        }
        if let Some(mut velocity) = velocity {
            // Written even when equal: the body itself may differ (an impulse applied here).
            *velocity = Velocity {
                linear: Vec3::from_array(p.linear_velocity),
                angular: Vec3::from_array(p.angular_velocity),
            };
        }
        found += 1;
    }
    state.unknown_bodies += (poses.len() - found.min(poses.len())) as u64;
}

/// Live mode: scene time follows the primary's. Virtual time only moves forward, so this
/// node's clock is stepped by the difference each frame (never backwards). A node that
/// became primary runs on its own clock again, on from the scene time it followed last.
pub(crate) fn follow_scene_time(
    mut incoming: ResMut<Incoming>,
    node: Res<ClusterNode>,
    mut time: ResMut<Time<Virtual>>,
    mut strategy: ResMut<TimeUpdateStrategy>,
) {
    if node.lockstep {
        return;
    }
    if node.role == Role::Primary {
        resume_own_clock(&mut incoming, &mut time, &mut strategy);
        return;
    }
    let Some(target) = incoming.scene_time else {
        return;
    };
    let ahead = target - time.elapsed_secs_f64();
    let step = if ahead.is_finite() && ahead > 0.0 {
        Duration::from_secs_f64(ahead.min(1.0))
    } else {
        Duration::ZERO
    };
    *strategy = TimeUpdateStrategy::ManualDuration(step);
}

/// Back on the wall clock without a jump. The real clock was stepped by the primary's frames
/// and stood still while none came, so its next reading from the wall clock is off by up to
/// the whole failover gap (or ahead of it): scene time is paused for the one frame that takes
/// that reading, and runs on from the next.
fn resume_own_clock(
    incoming: &mut Incoming,
    time: &mut Time<Virtual>,
    strategy: &mut TimeUpdateStrategy,
) {
    if incoming.resuming {
        incoming.resuming = false;
        time.unpause();
    } else if incoming.scene_time.take().is_some() {
        incoming.resuming = true;
        time.pause();
        *strategy = TimeUpdateStrategy::Automatic;
    }
}
