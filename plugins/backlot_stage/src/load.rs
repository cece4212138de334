//! Loading the stage file and following its reloads and load failures.

use backlot_files::{FileFailed, FileLoaded, WatchedFile};
use bevy::prelude::*;

use crate::state::StageStatus;
use crate::{StageAsset, StageKind, StageSource};

pub(crate) fn start_loading(
    source: Option<Res<StageSource>>,
    server: Res<AssetServer>,
    mut status: ResMut<StageStatus>,
    mut watched: ResMut<WatchedFile<StageKind>>,
) {
    if let Some(source) = source {
        let handle = server.load::<StageAsset>(source.asset_path.clone());
        watched.handle = Some(handle.clone());
        status.handle = Some(handle);
    }
}

/// Marks the stage for a rebuild when its file (re)loaded; a failed load keeps the last
/// good stage and shows the error.
pub(crate) fn watch_stage_assets(
    mut loaded: MessageReader<FileLoaded<StageKind>>,
    mut failed: MessageReader<FileFailed<StageKind>>,
    mut status: ResMut<StageStatus>,
) {
    if loaded.read().count() > 0 {
        status.dirty = true;
    }
    for f in failed.read() {
        if f.first {
            status.failed_without_stage = true;
        }
        status.error = Some(f.message.clone());
    }
}
