//! This node's own status on `backlot/<c>/status/<node>`, ten times a second, and its frame
//! rate.

use std::time::{Duration, Instant};

use backlot_scene::SceneStatus;
use backlot_stage::StageStatus;
use bevy::prelude::*;

use crate::node_status::NodeStatus;
use crate::state::{ClusterLink, ClusterNode, ClusterState};

const EVERY: Duration = Duration::from_millis(100);

/// When the last status went out and the frames counted for the rate.
#[derive(Resource, Debug)]
pub(crate) struct Announcer {
    last: Option<Instant>,
    window_start: Instant,
    window_frames: u32,
}

impl Default for Announcer {
    fn default() -> Self {
        Self {
            last: None,
            window_start: Instant::now(),
            window_frames: 0,
        }
    }
}

/// Whether the scene (and stage, when there is one) have loaded.
pub fn ready(scene: Option<&SceneStatus>, stage: Option<&StageStatus>) -> bool {
    scene.is_some_and(|s| s.loads > 0) && stage.is_none_or(|s| s.loads > 0)
}

/// This node's status as it goes out.
pub fn status_of(node: &ClusterNode, state: &ClusterState, ready: bool) -> NodeStatus {
    NodeStatus {
        node: node.name.clone(),
        role: node.role,
        frame: state.frame,
        fps: state.fps,
        epoch: state.epoch,
        ready,
        outputs: state.outputs.clone(),
        started_ms: state.started_ms,
    }
}

/// Counts the frame and says this node's status when due.
pub(crate) fn announce(
    link: Res<ClusterLink>,
    node: Res<ClusterNode>,
    scene: Option<Res<SceneStatus>>,
    stage: Option<Res<StageStatus>>,
    mut announcer: ResMut<Announcer>,
    mut state: ResMut<ClusterState>,
) {
    announcer.window_frames += 1;
    let now = Instant::now();
    let window = now - announcer.window_start;
    if window >= Duration::from_secs(1) {
        state.fps = announcer.window_frames as f32 / window.as_secs_f32();
        announcer.window_frames = 0;
        announcer.window_start = now;
    }
    if announcer.last.is_some_and(|t| now - t < EVERY) {
        return;
    }
    announcer.last = Some(now);
    let Some(link) = link.0.as_ref() else {
        return;
    };
    let status = status_of(&node, &state, ready(scene.as_deref(), stage.as_deref()));
    if let Some(me) = state.nodes.get_mut(&node.name) {
        me.alive = true;
        me.role = node.role;
        me.frame = status.frame;
        me.fps = status.fps;
        me.ready = status.ready;
        me.last_seen = Some(now);
        me.outputs = status.outputs.clone();
        me.started_ms = status.started_ms;
    }
    if let Err(e) = link.put_status(status.encode()) {
        debug!("cluster: {e}");
    }
}

/// The role names, as `/cluster/role` lists them.
pub const ROLES: [&str; 4] = ["primary", "backup", "render", "spare"];
