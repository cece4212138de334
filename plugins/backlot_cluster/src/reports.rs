//! Following the other nodes: liveliness (who is there), status messages (role, frame,
//! fps) and rendered-frame reports (the barrier), drained from the session each frame.

use std::time::Instant;

use bevy::prelude::*;

use crate::node_status::NodeStatus;
use crate::session::Membership;
use crate::state::{ClusterLink, ClusterNode, ClusterState};

/// Takes what arrived since the last call into `state`.
pub fn drain_reports(link: &ClusterLink, node: &ClusterNode, state: &mut ClusterState) {
    let Some(link) = link.0.as_ref() else {
        return;
    };
    let mut members_changed = false;
    for change in link.membership.drain() {
        let (name, alive) = match change {
            Membership::Joined(n) => (n, true),
            Membership::Left(n) => (n, false),
        };
        // Nodes not in the file are someone else's mistake: shown in the log, not followed.
        let Some(view) = state.nodes.get_mut(&name) else {
            warn!("cluster: a node `{name}` that the cluster file does not name is present");
            continue;
        };
        if view.alive != alive {
            if alive {
                info!("cluster: node `{name}` is up");
                view.lost = false;
                view.lost_at = None;
            } else {
                warn!("cluster: node `{name}` is gone");
                view.ready = false;
                view.lost = true;
                view.lost_at = Some(Instant::now());
                view.outputs.clear();
            }
            view.alive = alive;
            members_changed = true;
        }
    }
    for (name, bytes) in link.statuses.drain() {
        let Some(status) = NodeStatus::decode(&bytes) else {
            continue;
        };
        if status.node != name || name == node.name {
            continue;
        }
        if let Some(view) = state.nodes.get_mut(&name) {
            if view.role != status.role {
                members_changed = true;
            }
            view.role = status.role;
            view.frame = status.frame;
            view.fps = status.fps;
            view.ready = status.ready;
            view.last_seen = Some(Instant::now());
            view.outputs = status.outputs;
            view.epoch = status.epoch;
            view.started_ms = status.started_ms;
        }
    }
    if members_changed {
        let live: Vec<String> = state
            .live_render_nodes(&node.name)
            .map(str::to_string)
            .collect();
        state.barrier.set_members(live.iter().map(String::as_str));
    }
    for (name, frame) in link.rendered.drain() {
        if let Some(view) = state.nodes.get_mut(&name) {
            view.frame = view.frame.max(frame);
        }
        if state.barrier.report(&name, frame) {
            info!("cluster: node `{name}` caught up at frame {frame} and is back in the barrier");
        }
    }
}

/// The frame's share of following the others.
pub(crate) fn follow_reports(
    link: Res<ClusterLink>,
    node: Res<ClusterNode>,
    mut state: ResMut<ClusterState>,
) {
    drain_reports(&link, &node, &mut state);
}
