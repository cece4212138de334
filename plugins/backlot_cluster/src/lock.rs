//! The live frame lock, at the start of each frame (before time advances): a render node
//! waits for the primary's next frame state and for the other render nodes to have finished
//! the frame before; the primary waits for the render nodes to be at most one frame behind.
//! Every wait is bounded by the barrier timeout: a node that misses it is dropped from the
//! barrier and the wall goes on. Lockstep runs (`render --cluster`) are driven from outside
//! the schedule instead ([`crate::lockstep`]).

use std::time::{Duration, Instant};

use bevy::prelude::*;

use crate::apply::{Incoming, take_frames};
use crate::barrier::Verdict;
use crate::file::Role;
use crate::publish::Published;
use crate::reports::drain_reports;
use crate::state::{ClusterLink, ClusterNode, ClusterState};

/// How often a waiting node looks again.
const POLL: Duration = Duration::from_micros(500);

/// Waits until the barrier lets `frame` go; returns how long it waited.
pub fn wait_barrier(
    link: &ClusterLink,
    node: &ClusterNode,
    state: &mut ClusterState,
    frame: u64,
    timeout: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        drain_reports(link, node, state);
        let waited = started.elapsed();
        match state.barrier.check(frame, waited.min(timeout)) {
            Verdict::Go => return waited,
            Verdict::Dropped(late) => {
                warn!(
                    "cluster: {} did not finish frame {frame} within {} ms and left the \
                     barrier; the others go on",
                    late.join(", "),
                    timeout.as_millis()
                );
                return waited;
            }
            Verdict::Wait(_) => std::thread::sleep(POLL),
        }
    }
}

/// The frame lock of a live node.
pub(crate) fn frame_lock(
    link: Res<ClusterLink>,
    node: Res<ClusterNode>,
    published: Res<Published>,
    mut state: ResMut<ClusterState>,
    mut incoming: ResMut<Incoming>,
) {
    if node.lockstep || link.0.is_none() {
        return;
    }
    let timeout = state.barrier.timeout();
    match node.role {
        Role::Primary => {
            // Its own frame states come back through its subscription: not for it.
            if let Some(link) = link.0.as_ref() {
                link.frames.drain();
            }
            // One frame may be in flight: the render nodes show frame N-1 while this one
            // computes N.
            if published.next >= 2 {
                let waited = wait_barrier(&link, &node, &mut state, published.next - 2, timeout);
                note_wait(&mut state, waited);
            } else {
                drain_reports(&link, &node, &mut state);
            }
        }
        Role::Render | Role::Backup | Role::Spare => {
            drain_reports(&link, &node, &mut state);
            if node.role == Role::Render
                && let Some(done) = incoming.newest
            {
                let waited = wait_barrier(&link, &node, &mut state, done, timeout);
                note_wait(&mut state, waited);
            }
            // The next state, waiting at most a frame: without a primary the wall keeps its
            // last frame and the node stays responsive.
            let started = Instant::now();
            let period = node.frame_period();
            loop {
                let taken = take_frames(&link, &node, &mut state, &mut incoming);
                if taken > 0 || started.elapsed() >= period || node.role != Role::Render {
                    break;
                }
                std::thread::sleep(POLL);
            }
        }
    }
}

fn note_wait(state: &mut ClusterState, waited: Duration) {
    if waited > Duration::ZERO {
        state.barrier_waits += 1;
        state.barrier_wait_total += waited;
    }
}

/// After the frame: a render node says it has rendered the frame it applied.
pub(crate) fn report_rendered(
    link: Res<ClusterLink>,
    node: Res<ClusterNode>,
    incoming: Res<Incoming>,
) {
    if node.role != Role::Render || node.lockstep {
        return;
    }
    let (Some(link), Some(frame)) = (link.0.as_ref(), incoming.newest) else {
        return;
    };
    if let Err(e) = link.put_rendered(frame) {
        warn!("cluster: {e}");
    }
}
