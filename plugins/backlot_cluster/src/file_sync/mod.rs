//! Scene and stage files in a cluster. Bevy's file watcher is off for them on every node
//! (`backlot_files::register_file_unwatched`): the primary watches its files itself
//! (`poll`), parses an edit on its frame (a broken one is reported with its position and
//! the last good content stays), and announces it on `backlot/<c>/files/<kind>` with the
//! file's bytes and the frame from which it is in force (`primary`). Every node, the
//! primary too, keeps that parsed content pending and swaps it into the file's asset when
//! it reaches that frame (`land`): the usual reload path (asset modified, `FileLoaded`,
//! respawn) then runs alike everywhere, from the same frame number. A node whose frames
//! name a revision it does not have (it missed the announcement, joined late, or started
//! from another copy of the file) fetches it from the primary's queryable (`node`).

mod land;
mod node;
mod poll;
mod primary;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use backlot_files::{FileError, FileErrors, FileFailed, FileKind};
use backlot_params::BacklotSystems;
use backlot_scene::SceneKind;
use backlot_stage::StageKind;
use bevy::ecs::schedule::ScheduleConfigs;
use bevy::ecs::system::ScheduleSystem;
use bevy::prelude::*;

pub use land::Pending;

use crate::reload::FileReload;
use crate::revisions::kind_name;

/// Frames between an announcement and the frame from which it is in force. The
/// announcement travels on the same ordered link as the frame states, ahead of the state of
/// its own frame; the lead covers parsing it on a loaded render node and a render node one
/// frame behind in the frame lock. A tenth of a second at 60 fps: a reload is not a cue.
pub const RELOAD_LEAD_FRAMES: u64 = 6;

/// How often the primary looks at each file's size and modification time.
pub const POLL_EVERY: Duration = Duration::from_millis(200);

/// How long a node waits before asking again for a file revision it lacks (the query's own
/// timeout: an answer that comes has come by then).
const ASK_AGAIN: Duration = crate::session::QUERY_TIMEOUT;

/// Where assets referenced by a file from the primary must exist when a node parses it
/// (inserted by the app's composition; without it references are not checked).
#[derive(Resource, Debug, Clone, Default)]
pub struct ClusterAssetRoot(pub Option<PathBuf>);

/// What every kind shares: announcements taken from the network, what the primary serves,
/// and what waits for its frame.
#[derive(Resource, Debug, Default)]
pub struct FileSync {
    /// Announcements (or query answers) taken and not yet parsed: the newest per kind.
    pub(crate) inbox: BTreeMap<String, FileReload>,
    /// Primary: each kind's newest good announcement, encoded, to answer file queries.
    pub(crate) served: BTreeMap<String, Vec<u8>>,
    /// Parsed reloads waiting for their frame: kind → (revision, frame).
    pub pending: BTreeMap<String, (u64, u64)>,
    /// Revisions from the primary that do not load on this node (not asked for again).
    pub refused: BTreeMap<String, u64>,
    /// When this node last asked the primary for each kind.
    pub(crate) asked: BTreeMap<String, Instant>,
}

/// One kind's reload state on this node.
#[derive(Resource)]
pub struct FileFeed<K: FileKind> {
    /// Parsed content waiting for its frame.
    pub pending: Option<Pending<K>>,
    /// Swaps whose `FileLoaded` has not been seen yet (their revision is already known, so
    /// the file is not read again for it).
    pub(crate) swaps_in_flight: u32,
    /// Primary: the revision of the last bytes read (the same bytes are not parsed twice).
    pub(crate) seen: Option<u64>,
    /// Primary: bytes read before the first load from disk settled.
    pub(crate) waiting: Option<Vec<u8>>,
    /// Primary: the watch on the file.
    pub(crate) poller: Option<poll::Poller>,
    /// Primary: when a watch that stopped or failed to start is tried again.
    pub(crate) retry_at: Option<Instant>,
    /// Lockstep primary: the edit already said to be ignored.
    pub(crate) ignored: Option<u64>,
}

impl<K: FileKind> Default for FileFeed<K> {
    fn default() -> Self {
        Self {
            pending: None,
            swaps_in_flight: 0,
            seen: None,
            waiting: None,
            poller: None,
            retry_at: None,
            ignored: None,
        }
    }
}

/// The kinds that travel: scene and stage.
fn known(kind: &str) -> bool {
    kind == kind_name::<SceneKind>() || kind == kind_name::<StageKind>()
}

/// Bytes as the text of a file of kind `K`, parsed; `shown` names it in messages.
pub fn parse<K: FileKind>(
    bytes: &[u8],
    shown: &str,
    asset_root: Option<&std::path::Path>,
) -> Result<K::Content, FileErrors> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| FileError::whole_file(shown, format!("file is not UTF-8: {e}")))?;
    K::parse(text, shown, asset_root)
}

/// The systems of one kind, in order: the primary's read and announcement, a node's parse
/// of what was announced, the swap at its frame.
fn kind_systems<K: FileKind>() -> ScheduleConfigs<ScheduleSystem> {
    (
        primary::read_files::<K>,
        land::take_announced::<K>,
        land::land::<K>,
    )
        .chain()
}

pub(crate) fn build(app: &mut App) {
    // Registered by the file plugins when they are there; a node without them has none.
    app.add_message::<FileFailed<SceneKind>>()
        .add_message::<FileFailed<StageKind>>()
        .init_resource::<ClusterAssetRoot>()
        .init_resource::<FileSync>()
        .init_resource::<FileFeed<SceneKind>>()
        .init_resource::<FileFeed<StageKind>>()
        .add_systems(
            Update,
            (
                node::take_reloads,
                kind_systems::<SceneKind>(),
                kind_systems::<StageKind>(),
                primary::answer_file_queries,
            )
                .chain()
                .after(crate::revisions::note_revision::<SceneKind>)
                .after(crate::revisions::note_revision::<StageKind>)
                .in_set(BacklotSystems::Input),
        )
        .add_systems(
            Update,
            node::fetch_missing
                .after(crate::apply::apply_frames)
                .in_set(BacklotSystems::Control),
        );
}
