//! The primary's side of file reloads: its own watch on each file; an edit parsed on the
//! frame (a broken one said with its position, the last good content kept) and announced
//! with the frame from which it is in force; each kind's newest announcement served to the
//! nodes that ask for it.

use std::path::Path;
use std::time::{Duration, Instant};

use backlot_files::{FileFailed, FileKind, FileSource, WatchedFile};
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use super::poll::{Poller, Read};
use super::{ClusterAssetRoot, FileFeed, FileSync, POLL_EVERY, Pending, RELOAD_LEAD_FRAMES, parse};
use crate::file::Role;
use crate::frame::revision;
use crate::publish::Published;
use crate::reload::{FileReload, encode};
use crate::revisions::{Revisions, kind_name};
use crate::state::{ClusterLink, ClusterNode, ClusterState, FileStats};

/// How long a watch that stopped, or could not start, waits before it is tried again.
const RETRY: Duration = Duration::from_secs(1);

/// What [`read_files`] reads and does not change.
#[derive(SystemParam)]
pub(crate) struct PrimaryView<'w> {
    node: Res<'w, ClusterNode>,
    link: Res<'w, ClusterLink>,
    published: Res<'w, Published>,
    revisions: Res<'w, Revisions>,
    root: Res<'w, ClusterAssetRoot>,
}

/// Primary: follows its file of kind `K`; an edit that parses is announced and waits for
/// its frame like on every other node, one that does not is said and changes nothing.
pub(crate) fn read_files<K: FileKind>(
    view: PrimaryView,
    source: Option<Res<FileSource<K>>>,
    mut watched: Option<ResMut<WatchedFile<K>>>,
    mut feed: ResMut<FileFeed<K>>,
    mut sync: ResMut<FileSync>,
    mut state: ResMut<ClusterState>,
    mut failed: MessageWriter<FileFailed<K>>,
) {
    let Some(source) = source else {
        return;
    };
    let kind = kind_name::<K>();
    if view.node.role != Role::Primary {
        if feed.poller.take().is_some() {
            info!(
                "cluster: no longer primary; {} is not watched here any more",
                source.file.display()
            );
        }
        feed.seen = None;
        feed.waiting = None;
        sync.served.remove(&kind);
        return;
    }
    supervise(&mut feed, &source.file, &kind, &mut state.files);
    let Some(bytes) = newest_read(&mut feed, &source.file, &mut state.files) else {
        return;
    };
    // The first load from disk decides what is in force; a read before it has settled waits.
    let settled = watched
        .as_ref()
        .is_some_and(|w| w.loads > 0 || w.error.is_some());
    if !settled {
        feed.waiting = Some(bytes);
        return;
    }
    let rev = revision(&bytes);
    if feed.seen == Some(rev) {
        return;
    }
    feed.seen = Some(rev);
    // A save that puts back what is in force after a failed one lands again, which clears
    // the failure wherever it is shown.
    let failure_shown = watched.as_ref().is_some_and(|w| w.error.is_some());
    let in_force = view.revisions.0.get(&kind) == Some(&rev) && feed.pending.is_none();
    let cluster = view.node.file.name.clone();
    if let Some(due) = feed
        .pending
        .as_ref()
        .filter(|p| p.revision == rev)
        .map(|p| p.frame)
    {
        // Already waiting for its frame (announced before a failover made this node primary).
        let reload = FileReload::new(cluster, kind.clone(), state.epoch, due, bytes);
        serve(&mut sync, &kind, &reload);
        return;
    }
    if in_force && !failure_shown {
        // The first read, or a save that changed nothing: served as it is, nothing to land.
        let next = view.published.next;
        let reload = FileReload::new(cluster, kind.clone(), state.epoch, next, bytes);
        serve(&mut sync, &kind, &reload);
        return;
    }
    if view.node.lockstep {
        if feed.ignored != Some(rev) {
            info!(
                "cluster: {} changed; a render keeps the files it started with",
                source.file.display()
            );
            feed.ignored = Some(rev);
        }
        return;
    }
    let shown = source.file.display().to_string();
    let content = match parse::<K>(&bytes, &shown, view.root.0.as_deref()) {
        Ok(content) => content,
        Err(errors) => {
            let message = errors.to_string();
            // The loader said it already (a file broken from the start).
            if watched.as_ref().and_then(|w| w.error.as_deref()) == Some(message.as_str()) {
                return;
            }
            let first = watched.as_ref().is_none_or(|w| w.loads == 0);
            if first {
                error!("{message}");
            } else {
                error!("{message}\n(keeping the last good {})", K::NOUN);
            }
            if let Some(w) = watched.as_mut() {
                w.error = Some(message.clone());
            }
            state.files.failed += 1;
            state.files.last_error = Some(message.clone());
            failed.write(FileFailed::new(message, first));
            return;
        }
    };
    let frame = view.published.next + RELOAD_LEAD_FRAMES;
    let reload = FileReload::new(cluster, kind.clone(), state.epoch, frame, bytes);
    let Some(encoded) = serve(&mut sync, &kind, &reload) else {
        return;
    };
    if let Some(link) = view.link.0.as_ref()
        && let Err(e) = link.put_reload(&kind, encoded)
    {
        // A node that misses it asks for it once the frames name its revision.
        warn!("cluster: {e}");
    }
    info!("cluster: {kind} revision {rev:016x} announced to every node for frame {frame}");
    sync.pending.insert(kind, (rev, frame));
    feed.pending = Some(Pending {
        revision: rev,
        frame,
        content,
    });
}

/// Starts the watch, or starts again one that stopped (after [`RETRY`]).
fn supervise<K: FileKind>(feed: &mut FileFeed<K>, path: &Path, kind: &str, stats: &mut FileStats) {
    if let Some(poller) = feed.poller.as_ref()
        && !poller.running()
    {
        error!(
            "cluster: the watch on {} stopped; it starts again in a second",
            poller.path().display()
        );
        // Dropping it joins the thread (and logs a panic).
        feed.poller = None;
        stats.watch_restarts += 1;
        feed.retry_at = Some(Instant::now() + RETRY);
    }
    if feed.poller.is_some() || feed.retry_at.is_some_and(|t| Instant::now() < t) {
        return;
    }
    match Poller::spawn(&format!("watch-{kind}"), path.to_path_buf(), POLL_EVERY) {
        Ok(poller) => {
            feed.poller = Some(poller);
            feed.retry_at = None;
        }
        Err(e) => {
            error!(
                "cluster: cannot watch {}: {e}; trying again in a second",
                path.display()
            );
            stats.watch_restarts += 1;
            feed.retry_at = Some(Instant::now() + RETRY);
        }
    }
}

/// The newest bytes the watch read, else a read that waited for the first load; failures
/// are said and counted.
fn newest_read<K: FileKind>(
    feed: &mut FileFeed<K>,
    path: &Path,
    stats: &mut FileStats,
) -> Option<Vec<u8>> {
    let mut newest = None;
    let reads = feed
        .poller
        .as_ref()
        .map(|p| p.reads.drain())
        .unwrap_or_default();
    for read in reads {
        let problem = match read {
            Read::Bytes(bytes) => {
                newest = Some(bytes);
                continue;
            }
            Read::Failed(e) => format!("{e}; the {} in force stays", K::NOUN),
            Read::TooLarge(len) => format!(
                "{} is {len} bytes; a {} file sent to the render nodes may be at most 16 MiB, \
                 so this edit is not applied",
                path.display(),
                K::NOUN
            ),
        };
        warn!("cluster: {problem}");
        stats.read_errors += 1;
        stats.last_error = Some(problem);
    }
    let waiting = feed.waiting.take();
    newest.or(waiting)
}

/// Keeps `reload` as its kind's newest announcement, for file queries; returns its bytes.
fn serve(sync: &mut FileSync, kind: &str, reload: &FileReload) -> Option<Vec<u8>> {
    match encode(reload) {
        Ok(bytes) => {
            sync.served.insert(kind.to_string(), bytes.clone());
            Some(bytes)
        }
        Err(e) => {
            error!("cluster: cannot announce the {kind} file: {e}");
            None
        }
    }
}

/// Primary: answers file queries with the asked kind's newest announcement.
pub(crate) fn answer_file_queries(
    node: Res<ClusterNode>,
    link: Res<ClusterLink>,
    sync: Res<FileSync>,
) {
    let Some(link) = link.0.as_ref() else {
        return;
    };
    let queries = link.file_queries.drain();
    // A query dropped unanswered ends at once for the node that asked.
    if queries.is_empty() || node.role != Role::Primary {
        return;
    }
    for query in queries {
        let Some(kind) = link.keys.node_of(query.key_expr().as_str(), "files") else {
            continue;
        };
        let Some(bytes) = sync.served.get(kind) else {
            continue;
        };
        if let Err(e) = link.reply_file(&query, kind, bytes.clone()) {
            warn!("cluster: {e}");
        }
    }
}
