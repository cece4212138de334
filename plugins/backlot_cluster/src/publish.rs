//! The primary's side: after the frame is resolved and simulated (in `Last`, so physics has
//! written its transforms and velocities back), the frame state goes out: the values that
//! changed, the bodies that moved, the arbiter's claims when they changed and the layers'
//! tempo, with a full snapshot every `snapshot_every` frames; and snapshot queries are
//! answered.

use backlot_params::{Arbiter, Claim, LayersCarry, ParamEntry, ParamRegistry};
use backlot_scene::PhysicsBody;
use bevy::prelude::*;
use bevy_rapier3d::prelude::Velocity;

use crate::file::Role;
use crate::frame::{BodyPose, FrameHeader, FrameState, encode};
use crate::revisions::Revisions;
use crate::state::{ClusterLink, ClusterNode, ClusterState};

/// What the primary has published.
#[derive(Resource, Debug, Clone)]
pub struct Published {
    /// The number the next frame state gets.
    pub next: u64,
    /// The registry generation already sent.
    pub generation: u64,
    /// Whether frames go out: always when live; in lockstep, once the driver has loaded the
    /// scene (its warm-up frames are not the show's).
    pub enabled: bool,
    /// Whether the next frame must be a full snapshot (start, failover).
    pub snapshot_next: bool,
    /// Publish errors, for the panel.
    pub errors: u64,
    /// The claims last sent: a delta carries them again only when they change.
    pub claims: Vec<Claim>,
}

impl Default for Published {
    fn default() -> Self {
        Self {
            next: 0,
            generation: 0,
            enabled: true,
            snapshot_next: true,
            errors: 0,
            claims: Vec::new(),
        }
    }
}

/// Whether a parameter travels in frame states: every node has its own status and cluster
/// view, and takes are recorded where the trackers are (the primary), so those do not.
pub fn publishable(address: &str) -> bool {
    !(address.starts_with("/status/")
        || address.starts_with("/cluster/")
        || address.starts_with("/takes/"))
}

/// A body as it goes out; one without a velocity (never simulated) goes out at rest.
fn pose(name: &Name, t: &Transform, v: Option<&Velocity>) -> BodyPose {
    let v = v.copied().unwrap_or_default();
    BodyPose {
        name: name.as_str().to_string(),
        translation: t.translation.to_array(),
        rotation: t.rotation.to_array(),
        linear_velocity: v.linear.to_array(),
        angular_velocity: v.angular.to_array(),
    }
}

fn values<'a>(
    entries: impl Iterator<Item = &'a ParamEntry>,
) -> Vec<(String, backlot_params::ParamValue)> {
    entries
        .filter(|e| publishable(e.spec.address.as_str()))
        .map(|e| (e.spec.address.to_string(), e.value.clone()))
        .collect()
}

/// The header of frame `frame` as this node publishes it.
fn header(
    node: &ClusterNode,
    frame: u64,
    epoch: u32,
    scene_time: f64,
    snapshot: bool,
    revisions: &Revisions,
) -> FrameHeader {
    FrameHeader {
        cluster: node.file.name.clone(),
        frame,
        scene_time,
        primary: node.name.clone(),
        epoch,
        snapshot,
        revisions: revisions.list(),
    }
}

/// The full state of the frame `header` names (a snapshot's header).
pub fn snapshot(
    header: FrameHeader,
    registry: &ParamRegistry,
    bodies: impl Iterator<Item = BodyPose>,
    arbiter: &Arbiter,
    carry: &LayersCarry,
) -> FrameState {
    FrameState {
        header,
        values: values(registry.iter()),
        bodies: bodies.collect(),
        claims: Some(arbiter.claims()),
        tempo: carry.tempo,
    }
}

/// The dynamic bodies the primary publishes: name, pose and (when simulated) velocity.
type PublishedBodies<'w, 's> = Query<
    'w,
    's,
    (
        &'static Name,
        Ref<'static, Transform>,
        Option<Ref<'static, Velocity>>,
    ),
    With<PhysicsBody>,
>;

/// Publishes this frame's state (primary only).
#[allow(clippy::too_many_arguments)] // one system: each argument is a resource it reads
pub(crate) fn publish_frame(
    node: Res<ClusterNode>,
    link: Res<ClusterLink>,
    registry: Res<ParamRegistry>,
    time: Res<Time<Virtual>>,
    bodies: PublishedBodies,
    revisions: Res<Revisions>,
    arbiter: Res<Arbiter>,
    carry: Res<LayersCarry>,
    mut published: ResMut<Published>,
    mut state: ResMut<ClusterState>,
) {
    if node.role != Role::Primary || !published.enabled {
        return;
    }
    let Some(link) = link.0.as_ref() else {
        return;
    };
    let frame = published.next;
    let every = u64::from(node.file.snapshot_every.max(1));
    let full = published.snapshot_next || frame.is_multiple_of(every);
    let scene_time = time.elapsed_secs_f64();
    let head = header(&node, frame, state.epoch, scene_time, full, &revisions);
    let frame_state = if full {
        snapshot(
            head,
            &registry,
            bodies.iter().map(|(n, t, v)| pose(n, &t, v.as_deref())),
            &arbiter,
            &carry,
        )
    } else {
        // Claims change rarely (a hold, a release, another controller): sent when they do.
        let claims = arbiter.claims();
        FrameState {
            header: head,
            values: values(registry.changed_since(published.generation)),
            bodies: bodies
                .iter()
                .filter(|(_, t, v)| t.is_changed() || v.as_ref().is_some_and(|v| v.is_changed()))
                .map(|(n, t, v)| pose(n, &t, v.as_deref()))
                .collect(),
            claims: (claims != published.claims).then_some(claims),
            tempo: carry.tempo,
        }
    };
    if let Some(claims) = &frame_state.claims {
        published.claims.clone_from(claims);
    }
    let sent = encode(&frame_state)
        .map_err(|e| format!("cannot encode frame {frame}: {e}"))
        .and_then(|bytes| {
            let len = bytes.len();
            link.put_frame(bytes).map(|_| len)
        });
    match sent {
        Ok(len) => {
            state.last_frame_bytes = len;
            state.frames_total += 1;
        }
        Err(e) => {
            published.errors += 1;
            // One line per hundred failures: a broken network must not flood the log.
            if published.errors % 100 == 1 {
                error!("cluster: {e} ({} so far)", published.errors);
            }
        }
    }
    published.snapshot_next = false;
    published.generation = registry.generation();
    published.next = frame + 1;
    state.frame = frame;
}

/// Answers snapshot queries with the full state of the last published frame.
#[allow(clippy::too_many_arguments)] // one system: each argument is a resource it reads
pub(crate) fn answer_snapshots(
    node: Res<ClusterNode>,
    link: Res<ClusterLink>,
    registry: Res<ParamRegistry>,
    time: Res<Time<Virtual>>,
    bodies: Query<(&Name, &Transform, Option<&Velocity>), With<PhysicsBody>>,
    revisions: Res<Revisions>,
    arbiter: Res<Arbiter>,
    carry: Res<LayersCarry>,
    state: Res<ClusterState>,
) {
    let Some(link) = link.0.as_ref() else {
        return;
    };
    let queries = link.queries.drain();
    if queries.is_empty() || node.role != Role::Primary {
        return;
    }
    let head = header(
        &node,
        state.frame,
        state.epoch,
        time.elapsed_secs_f64(),
        true,
        &revisions,
    );
    let full = snapshot(
        head,
        &registry,
        bodies.iter().map(|(n, t, v)| pose(n, t, v)),
        &arbiter,
        &carry,
    );
    let bytes = match encode(&full) {
        Ok(bytes) => bytes,
        Err(e) => {
            error!("cluster: cannot encode a snapshot: {e}");
            return;
        }
    };
    for query in queries {
        if let Err(e) = link.reply(&query, bytes.clone()) {
            warn!("cluster: {e}");
        }
    }
}
