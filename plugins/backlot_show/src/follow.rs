//! Following the show file on disk: `--show` registers it ([`backlot_files::register_file`]
//! with [`ShowKind`]), this loads it as an asset and plays each good version; a broken save
//! keeps the show playing as it was and says why.

use backlot_files::{FileAsset, FileNews, FilePlugin, FileSource, WatchedFile, watch_file};
use bevy::prelude::*;

use crate::file::ShowKind;
use crate::playback::ShowPlayback;
use crate::save::ShowSaver;

/// Loads and follows the show file registered as [`FileSource<ShowKind>`]; add it with
/// [`crate::ShowPlugin`] (which plays what it loads). Needs the `AssetPlugin`.
#[derive(Default)]
pub struct ShowFilePlugin;

impl Plugin for ShowFilePlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins(FilePlugin::<ShowKind>::new(None))
            .add_systems(Startup, start_loading)
            .add_systems(
                Update,
                follow_show
                    .after(watch_file::<ShowKind>)
                    .in_set(backlot_params::BacklotSystems::Input),
            );
    }
}

fn start_loading(
    source: Option<Res<FileSource<ShowKind>>>,
    server: Res<AssetServer>,
    mut watched: ResMut<WatchedFile<ShowKind>>,
) {
    if let Some(source) = source {
        watched.load(&server, &source.asset_path);
    }
}

fn follow_show(
    mut news: FileNews<ShowKind>,
    watched: Res<WatchedFile<ShowKind>>,
    assets: Res<Assets<FileAsset<ShowKind>>>,
    mut playback: ResMut<ShowPlayback>,
    saver: Option<Res<ShowSaver>>,
) {
    if let Some(failed) = news.failed() {
        playback.last_error = Some(failed.message.clone());
    }
    if !news.loaded() {
        return;
    }
    let Some(asset) = watched.handle.as_ref().and_then(|h| assets.get(h)) else {
        return;
    };
    let file = &asset.file;
    info!(
        "show `{}` loaded: {} looks, {} cue lists",
        file.name,
        file.looks.len(),
        file.lists.len()
    );
    // The file the show already plays (the first load of the file `run --show` started it
    // from, a save that changed nothing): playing it again would only reset edits made since.
    if playback.show.as_ref().is_some_and(|s| s.file() == file) {
        return;
    }
    let mut file = file.clone();
    if let (Some(show), Some(saver)) = (playback.show.as_ref(), saver.as_deref())
        && saver.echo(&show.to_file(), &file)
    {
        // Our own save coming back after a newer edit: keep the newer looks and cues (the
        // save that edit asked for writes them), take the rest of the file.
        debug!("show: a save's reload arrived after a newer edit; keeping the edit");
        file.looks = show.looks().to_vec();
        file.lists = show.file().lists.clone();
    }
    playback.load(file);
}
