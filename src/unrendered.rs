//! Running without a render device (`run --no-render`, or no GPU found).
//!
//! Bevy 0.19.1 registers render-sync hooks on cameras, meshes and lights whatever the
//! backend, but only creates the queue they write to (`PendingSyncEntity`) when a render
//! world exists; the first despawn of such an entity then panics (bevy#24927, fixed after
//! 0.19.1). A scene hot reload despawns exactly those entities. Until the pinned Bevy has
//! the fix, an unrendered app gets the extract machinery alone: the queue exists and is
//! drained every frame into an empty world that nothing renders, so it stays bounded.

use std::sync::Mutex;

use bevy::app::{AppLabel, SubApp};
use bevy::prelude::*;
use bevy::render::RenderApp;
use bevy::render::extract_plugin::ExtractPlugin;

/// The label the drained sync world runs under. Not `RenderApp`, so no render plugin ever
/// mistakes it for a renderer.
#[derive(AppLabel, Debug, Clone, PartialEq, Eq, Hash)]
struct UnrenderedSyncApp;

/// Gives an app without a render device the sync queue its render hooks expect.
#[derive(Default)]
pub struct UnrenderedSyncPlugin {
    parked: Mutex<Option<SubApp>>,
}

impl Plugin for UnrenderedSyncPlugin {
    fn build(&self, app: &mut App) {
        if app.get_sub_app(RenderApp).is_some() {
            return;
        }
        app.add_plugins(ExtractPlugin::default());
        // Parked until every plugin has finished: render plugins set themselves up in
        // `finish` whenever a `RenderApp` exists, and would ask for a device there.
        let sync = app.remove_sub_app(RenderApp);
        *self.parked.lock().unwrap_or_else(|e| e.into_inner()) = sync;
    }

    fn cleanup(&self, app: &mut App) {
        if let Some(sync) = self.parked.lock().unwrap_or_else(|e| e.into_inner()).take() {
            app.insert_sub_app(UnrenderedSyncApp, sync);
        }
    }
}
