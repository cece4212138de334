//! Loading the scene file named by [`SceneSource`](crate::SceneSource).

use backlot_files::WatchedFile;
use bevy::prelude::*;

use crate::{SceneKind, SceneSource, SceneStatus};

pub(crate) fn start_loading(
    source: Option<Res<SceneSource>>,
    server: Res<AssetServer>,
    mut status: ResMut<SceneStatus>,
    mut watched: ResMut<WatchedFile<SceneKind>>,
) {
    let Some(source) = source else {
        warn!("no scene file configured; the view stays empty");
        return;
    };
    status.handle = Some(watched.load(&server, &source.asset_path));
}
