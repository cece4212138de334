//! Loading the stage file and following its reloads and load failures.

use bevy::asset::AssetLoadFailedEvent;
use bevy::prelude::*;

use crate::state::StageStatus;
use crate::{StageAsset, StageSource};

pub(crate) fn start_loading(
    source: Option<Res<StageSource>>,
    server: Res<AssetServer>,
    mut status: ResMut<StageStatus>,
) {
    if let Some(source) = source {
        status.handle = Some(server.load::<StageAsset>(source.asset_path.clone()));
    }
}

pub(crate) fn watch_stage_assets(
    mut events: MessageReader<AssetEvent<StageAsset>>,
    mut failures: MessageReader<AssetLoadFailedEvent<StageAsset>>,
    mut status: ResMut<StageStatus>,
) {
    let Some(id) = status.handle.as_ref().map(Handle::id) else {
        return;
    };
    for event in events.read() {
        if let AssetEvent::LoadedWithDependencies { id: e } | AssetEvent::Modified { id: e } = event
            && *e == id
        {
            status.dirty = true;
        }
    }
    for failure in failures.read().filter(|f| f.id == id) {
        let message = backlot_scene::scene_error_text(&failure.error);
        if status.loads > 0 {
            error!("{message}\n(keeping the last good stage)");
        } else {
            error!("{message}");
            status.failed_without_stage = true;
        }
        status.error = Some(message);
    }
}
