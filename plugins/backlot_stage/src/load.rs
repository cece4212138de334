//! Loading the stage file and following its reloads and load failures.

use backlot_files::{FileNews, WatchedFile};
use bevy::prelude::*;

use crate::state::{StageOutputs, StageStatus};
use crate::{StageKind, StageSource};

pub(crate) fn start_loading(
    source: Option<Res<StageSource>>,
    server: Res<AssetServer>,
    mut status: ResMut<StageStatus>,
    mut watched: ResMut<WatchedFile<StageKind>>,
) {
    if let Some(source) = source {
        status.handle = Some(watched.load(&server, &source.asset_path));
    }
}

/// Marks the stage for a rebuild when its file (re)loaded; a failed load keeps the last
/// good stage and shows the error.
pub(crate) fn watch_stage_assets(
    mut news: FileNews<StageKind>,
    outputs: Res<StageOutputs>,
    mut status: ResMut<StageStatus>,
) {
    // A render node given other outputs (a spare taking over) rebuilds like a reload.
    status.dirty |= news.loaded() || (outputs.is_changed() && !outputs.is_added());
    if let Some(f) = news.failed() {
        status.failed_without_stage |= f.first;
        status.error = Some(f.message.clone());
    }
}
