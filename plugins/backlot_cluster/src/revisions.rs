//! The revision of each loaded file (FNV-1a 64 of its text), carried in every frame header
//! so a node can tell when it renders a file revision the primary does not have. A reload
//! the cluster swapped in ([`crate::file_sync`]) sets the revision of the bytes it carried;
//! only a load from disk (the first) reads the file for it.

use std::collections::BTreeMap;

use backlot_files::{FileKind, FileLoaded, FileSource};
use backlot_scene::SceneKind;
use backlot_stage::StageKind;
use bevy::prelude::*;

use crate::file_sync::FileFeed;
use crate::frame::revision;

/// Revisions of the files this node has loaded, by kind (`scene`, `stage`).
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct Revisions(pub BTreeMap<String, u64>);

impl Revisions {
    /// As the frame header carries them.
    pub fn list(&self) -> Vec<(String, u64)> {
        self.0.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

/// Notes the revision of a file of kind `K` when it loaded from disk. The file was just
/// read by its loader, so this second read is from the page cache. A load that is a swap of
/// the cluster's is skipped: its revision was set with it.
pub(crate) fn note_revision<K: FileKind>(
    mut loaded: MessageReader<FileLoaded<K>>,
    source: Option<Res<FileSource<K>>>,
    mut feed: ResMut<FileFeed<K>>,
    mut revisions: ResMut<Revisions>,
) {
    let mut from_disk = 0;
    for _ in loaded.read() {
        if feed.swaps_in_flight > 0 {
            feed.swaps_in_flight -= 1;
        } else {
            from_disk += 1;
        }
    }
    if from_disk == 0 {
        return;
    }
    let Some(source) = source else {
        return;
    };
    match std::fs::read(&source.file) {
        Ok(bytes) => {
            let (kind, rev) = (kind_name::<K>(), revision(&bytes));
            info!(
                "cluster: {kind} revision {rev:016x} loaded from {}",
                source.file.display()
            );
            revisions.0.insert(kind, rev);
        }
        Err(e) => warn!(
            "cluster: cannot read {} for its revision: {e}",
            source.file.display()
        ),
    }
}

/// `scene`, `stage`: the kind's name in frame headers.
pub fn kind_name<K: FileKind>() -> String {
    K::NOUN.replace(' ', "_")
}

pub(crate) fn build(app: &mut App) {
    // Registered by the file plugins when they are there; a node without them reads none.
    app.add_message::<FileLoaded<SceneKind>>()
        .add_message::<FileLoaded<StageKind>>();
    app.init_resource::<Revisions>().add_systems(
        Update,
        (
            note_revision::<SceneKind>.after(backlot_files::watch_file::<SceneKind>),
            note_revision::<StageKind>.after(backlot_files::watch_file::<StageKind>),
        )
            .in_set(backlot_params::BacklotSystems::Input),
    );
}
