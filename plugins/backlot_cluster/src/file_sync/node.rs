//! Announcements from the network: taken from the session each frame, checked, and kept
//! newest per kind for the kind's own systems; and the fetch of a revision the frame
//! headers name that this node does not have.

use std::time::Instant;

use bevy::prelude::*;

use super::{ASK_AGAIN, FileSync, known};
use crate::file::Role;
use crate::reload::{FileReload, decode};
use crate::state::{ClusterLink, ClusterNode, ClusterState};

/// Why an announcement was not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// Another cluster's.
    OtherCluster,
    /// From a primary of an older epoch (before a failover).
    OldEpoch,
    /// A file kind that does not travel.
    UnknownKind,
    /// Older than one already waiting for that kind.
    Older,
}

/// Keeps `reload` as its kind's newest announcement for a node of `cluster` following
/// `epoch`; later frames win, a later arrival on a tie.
pub fn accept(
    sync: &mut FileSync,
    reload: FileReload,
    cluster: &str,
    epoch: u32,
) -> Result<(), Skipped> {
    if reload.cluster != cluster {
        return Err(Skipped::OtherCluster);
    }
    if reload.epoch < epoch {
        return Err(Skipped::OldEpoch);
    }
    if !known(&reload.kind) {
        return Err(Skipped::UnknownKind);
    }
    if sync
        .inbox
        .get(&reload.kind)
        .is_some_and(|old| (old.epoch, old.frame) > (reload.epoch, reload.frame))
    {
        return Err(Skipped::Older);
    }
    sync.inbox.insert(reload.kind.clone(), reload);
    Ok(())
}

/// Takes what arrived: announcements and answers to this node's file queries.
pub(crate) fn take_reloads(
    node: Res<ClusterNode>,
    link: Res<ClusterLink>,
    mut sync: ResMut<FileSync>,
    mut state: ResMut<ClusterState>,
) {
    let Some(link) = link.0.as_ref() else {
        return;
    };
    let mut arrived = link.reloads.drain();
    arrived.extend(link.file_replies.drain());
    state.files.dropped = link.reloads.dropped() + link.file_replies.dropped();
    // The primary's own announcements come back through its subscription: not for it.
    if node.role == Role::Primary {
        return;
    }
    for bytes in arrived {
        let reload = match decode(&bytes) {
            Ok(reload) => reload,
            Err(e) => {
                state.files.failed += 1;
                // One line per hundred: a broken sender must not flood the log.
                if state.files.failed % 100 == 1 {
                    warn!("cluster: a reload announcement did not decode: {e}");
                }
                state.files.last_error = Some(format!("a reload announcement did not decode: {e}"));
                continue;
            }
        };
        let kind = reload.kind.clone();
        if accept(&mut sync, reload, &node.file.name, state.epoch) == Err(Skipped::UnknownKind) {
            debug!("cluster: a reload of a `{kind}` file, which does not travel, is ignored");
        }
    }
}

/// Render, backup and spare nodes: asks the primary for a file revision the frame headers
/// name and this node has neither in force nor waiting, at most once per query timeout.
pub(crate) fn fetch_missing(
    node: Res<ClusterNode>,
    link: Res<ClusterLink>,
    mut sync: ResMut<FileSync>,
    mut state: ResMut<ClusterState>,
) {
    if node.role == Role::Primary {
        return;
    }
    let Some(link) = link.0.as_ref() else {
        return;
    };
    let now = Instant::now();
    let missing: Vec<(String, u64)> = state
        .revision_mismatch
        .iter()
        .map(|(kind, _, theirs)| (kind.clone(), *theirs))
        .collect();
    for (kind, theirs) in missing {
        let here = sync.pending.get(&kind).is_some_and(|(r, _)| *r == theirs)
            || sync.inbox.get(&kind).is_some_and(|r| r.revision == theirs)
            || sync.refused.get(&kind) == Some(&theirs);
        let asked_lately = sync
            .asked
            .get(&kind)
            .is_some_and(|t| now.duration_since(*t) < ASK_AGAIN);
        if here || asked_lately || !known(&kind) {
            continue;
        }
        sync.asked.insert(kind.clone(), now);
        state.files.requests += 1;
        warn!(
            "cluster: the primary's frames name {kind} revision {theirs:016x}, which this node \
             does not have; asking the primary for it"
        );
        if let Err(e) = link.request_file(&kind) {
            warn!("cluster: {e}");
        }
    }
}
