//! Every node's side of file reloads: what the primary announced is parsed as it arrives
//! and waits; when the node reaches its frame (the primary: the frame it is about to
//! publish; other roles: the frame state they apply, live or in lockstep) the content is
//! swapped into the file's asset, whose `Modified` event runs the usual reload path
//! (`FileLoaded`, respawn) in the next update on every node alike.

use backlot_files::{FileAsset, FileFailed, FileKind, FileSource, WatchedFile};
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use super::{ClusterAssetRoot, FileFeed, FileSync, parse};
use crate::apply::Incoming;
use crate::file::Role;
use crate::publish::Published;
use crate::revisions::{Revisions, kind_name};
use crate::state::{ClusterNode, ClusterState};

/// A parsed file waiting for the frame from which it is in force.
#[derive(Debug)]
pub struct Pending<K: FileKind> {
    /// FNV-1a 64 of its bytes.
    pub revision: u64,
    /// The frame from which it is in force.
    pub frame: u64,
    /// The parsed content.
    pub content: K::Content,
}

/// The frame this node is in: the primary the one it is about to publish; other roles the
/// newest frame state they apply in this update, else the last one applied.
pub fn current_frame(
    role: Role,
    published: &Published,
    incoming: &Incoming,
    state: &ClusterState,
) -> u64 {
    match role {
        Role::Primary => published.next,
        Role::Render | Role::Backup | Role::Spare => incoming
            .states
            .last()
            .map_or(state.frame, |s| s.header.frame),
    }
}

/// Render, backup and spare nodes: parses what the primary announced (or answered) for
/// kind `K`; it then waits for its frame.
#[allow(clippy::too_many_arguments)] // one system: each argument is a resource it uses
pub(crate) fn take_announced<K: FileKind>(
    source: Option<Res<FileSource<K>>>,
    root: Res<ClusterAssetRoot>,
    revisions: Res<Revisions>,
    mut watched: Option<ResMut<WatchedFile<K>>>,
    mut sync: ResMut<FileSync>,
    mut feed: ResMut<FileFeed<K>>,
    mut state: ResMut<ClusterState>,
    mut failed: MessageWriter<FileFailed<K>>,
) {
    let kind = kind_name::<K>();
    let Some(reload) = sync.inbox.remove(&kind) else {
        return;
    };
    let in_force = revisions.0.get(&kind) == Some(&reload.revision) && feed.pending.is_none();
    let waiting = feed
        .pending
        .as_ref()
        .is_some_and(|p| p.revision == reload.revision);
    if in_force || waiting || sync.refused.get(&kind) == Some(&reload.revision) {
        return;
    }
    let shown = source.map_or_else(
        || format!("the primary's {}", K::NOUN),
        |s| s.file.display().to_string(),
    );
    match parse::<K>(&reload.bytes, &shown, root.0.as_deref()) {
        Ok(content) => {
            sync.pending.insert(kind, (reload.revision, reload.frame));
            feed.pending = Some(Pending {
                revision: reload.revision,
                frame: reload.frame,
                content,
            });
        }
        Err(errors) => {
            // It parsed on the primary: this machine differs (an asset it lacks).
            let message = format!(
                "{errors}\n(the primary's {kind} revision {:016x} does not load on this node; \
                 keeping the last good {})",
                reload.revision,
                K::NOUN
            );
            error!("{message}");
            let first = watched.as_ref().is_none_or(|w| w.loads == 0);
            if let Some(w) = watched.as_mut() {
                w.error = Some(message.clone());
            }
            sync.refused.insert(kind, reload.revision);
            state.files.failed += 1;
            state.files.last_error = Some(message.clone());
            failed.write(FileFailed::new(message, first));
        }
    }
}

/// What [`land`] reads to know which frame this node is in.
#[derive(SystemParam)]
pub(crate) struct Frame<'w> {
    node: Res<'w, ClusterNode>,
    published: Res<'w, Published>,
    incoming: Res<'w, Incoming>,
}

/// Every node: puts a pending reload of kind `K` in force once this node reaches its frame.
pub(crate) fn land<K: FileKind>(
    frame: Frame,
    watched: Option<Res<WatchedFile<K>>>,
    assets: Option<ResMut<Assets<FileAsset<K>>>>,
    mut feed: ResMut<FileFeed<K>>,
    mut sync: ResMut<FileSync>,
    mut revisions: ResMut<Revisions>,
    mut state: ResMut<ClusterState>,
) {
    let Some(due) = feed.pending.as_ref().map(|p| p.frame) else {
        return;
    };
    let now = current_frame(frame.node.role, &frame.published, &frame.incoming, &state);
    if now < due {
        return;
    }
    let (Some(watched), Some(mut assets)) = (watched, assets) else {
        return;
    };
    let Some(id) = watched.handle.as_ref().map(Handle::id) else {
        return;
    };
    // The first load from disk must be over, or it would land over this content later.
    if watched.loads == 0 && watched.error.is_none() {
        return;
    }
    let Some(pending) = feed.pending.take() else {
        return;
    };
    let kind = kind_name::<K>();
    sync.pending.remove(&kind);
    if let Err(e) = swap(&mut assets, id, pending.content) {
        let message = format!(
            "cannot put {kind} revision {:016x} in force: {e}",
            pending.revision
        );
        error!("cluster: {message}");
        state.files.failed += 1;
        state.files.last_error = Some(message);
        return;
    }
    feed.swaps_in_flight += 1;
    revisions.0.insert(kind.clone(), pending.revision);
    state.files.landed += 1;
    if now == due {
        info!(
            "cluster: {kind} revision {:016x} in force from frame {now}",
            pending.revision
        );
    } else {
        info!(
            "cluster: {kind} revision {:016x} in force from frame {now} (it was due at frame \
             {due}; it reached this node late)",
            pending.revision
        );
    }
}

/// Puts `content` in the asset `id` so that its file's watcher sees a reload.
pub fn swap<K: FileKind>(
    assets: &mut Assets<FileAsset<K>>,
    id: AssetId<FileAsset<K>>,
    content: K::Content,
) -> Result<(), String> {
    if !assets.contains(id) {
        // Nothing there (the first load failed): an insert into the empty slot says
        // `Added`, which the watcher does not take for a load; a second says `Modified`.
        assets
            .insert(
                id,
                FileAsset {
                    file: content.clone(),
                },
            )
            .map_err(|e| e.to_string())?;
    }
    assets
        .insert(id, FileAsset { file: content })
        .map_err(|e| e.to_string())
}
