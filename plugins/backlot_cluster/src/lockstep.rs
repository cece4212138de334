//! Lockstep: `backlot render --cluster` drives each node frame by frame on the fixed render
//! clock, so a node's outputs can be compared frame for frame with a single-process render.
//! The primary publishes frame N once every render node is ready and has rendered N-1;
//! a render node renders frame N once it has N's state. Called between steps, with the
//! world, by the frame driver.

use std::time::{Duration, Instant};

use backlot_scene::SceneStatus;
use backlot_stage::StageStatus;
use bevy::prelude::*;

use crate::announce::{ready, status_of};
use crate::apply::{Incoming, take_frames};
use crate::file::Role;
use crate::publish::Published;
use crate::reports::drain_reports;
use crate::state::{ClusterLink, ClusterNode, ClusterState};

const POLL: Duration = Duration::from_millis(1);

/// Says this node's status now (a node blocked between steps is still heard).
pub fn announce_now(world: &mut World) {
    let ready = ready(
        world.get_resource::<SceneStatus>(),
        world.get_resource::<StageStatus>(),
    );
    let (Some(node), Some(link), Some(state)) = (
        world.get_resource::<ClusterNode>(),
        world.get_resource::<ClusterLink>(),
        world.get_resource::<ClusterState>(),
    ) else {
        return;
    };
    let Some(link) = link.0.as_ref() else {
        return;
    };
    let _ = link.put_status(status_of(node, state, ready).encode());
}

fn with_state<R>(
    world: &mut World,
    f: impl FnOnce(&ClusterLink, &ClusterNode, &mut ClusterState, &mut Incoming) -> R,
) -> Result<R, String> {
    world.resource_scope(|world, mut state: Mut<ClusterState>| {
        world.resource_scope(|world, mut incoming: Mut<Incoming>| {
            let link = world
                .get_resource::<ClusterLink>()
                .ok_or("no cluster in this app")?;
            let node = world
                .get_resource::<ClusterNode>()
                .ok_or("no cluster in this app")?;
            if link.0.is_none() {
                return Err(state
                    .error
                    .clone()
                    .unwrap_or_else(|| "the cluster session is not open".into()));
            }
            Ok(f(link, node, &mut state, &mut incoming))
        })
    })
}

/// Polls `done` (announcing this node's status now and then) until it holds or `timeout`.
fn wait_until(
    world: &mut World,
    timeout: Duration,
    what: &str,
    mut done: impl FnMut(&ClusterLink, &ClusterNode, &mut ClusterState, &mut Incoming) -> bool,
) -> Result<(), String> {
    let started = Instant::now();
    let mut announced = Instant::now() - Duration::from_secs(1);
    loop {
        if announced.elapsed() >= Duration::from_millis(100) {
            announce_now(world);
            announced = Instant::now();
        }
        if with_state(world, &mut done)? {
            return Ok(());
        }
        if started.elapsed() > timeout {
            return Err(format!("timed out after {timeout:?} waiting for {what}"));
        }
        std::thread::sleep(POLL);
    }
}

/// Primary: waits until every render node of the file is up and has loaded.
pub fn wait_render_nodes_ready(world: &mut World, timeout: Duration) -> Result<(), String> {
    wait_until(
        world,
        timeout,
        "the render nodes to load",
        |link, node, state, _| {
            drain_reports(link, node, state);
            node.file
                .nodes
                .iter()
                .filter(|n| n.role == Role::Render)
                .all(|n| state.nodes.get(&n.name).is_some_and(|v| v.alive && v.ready))
        },
    )
}

/// Primary: frame states go out from the next step on, numbered from 0.
pub fn start_publishing(world: &mut World) {
    let mut published = world.resource_mut::<Published>();
    published.enabled = true;
    published.next = 0;
    published.snapshot_next = true;
}

/// Primary: waits until every live render node has rendered `frame`.
pub fn wait_rendered(world: &mut World, frame: u64, timeout: Duration) -> Result<(), String> {
    wait_until(
        world,
        timeout,
        &format!("frame {frame} to be rendered"),
        |link, node, state, _| {
            drain_reports(link, node, state);
            state
                .live_render_nodes(&node.name)
                .all(|n| state.nodes.get(n).is_some_and(|v| v.frame >= frame))
        },
    )
}

/// Render node: waits for the state of `frame` and queues it (and any before it) for the
/// next step.
pub fn wait_frame(world: &mut World, frame: u64, timeout: Duration) -> Result<(), String> {
    wait_until(
        world,
        timeout,
        &format!("frame {frame}'s state"),
        |link, node, state, incoming| {
            drain_reports(link, node, state);
            take_frames(link, node, state, incoming);
            incoming.newest.is_some_and(|n| n >= frame)
        },
    )
}

/// Render node: says it has rendered `frame`.
pub fn rendered(world: &mut World, frame: u64) -> Result<(), String> {
    let link = world
        .get_resource::<ClusterLink>()
        .and_then(|l| l.0.as_ref())
        .ok_or("the cluster session is not open")?;
    link.put_rendered(frame)
}
