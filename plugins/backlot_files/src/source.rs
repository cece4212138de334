//! Where a file comes from: its folder becomes a Bevy asset source, so the file can live
//! anywhere (not only under `assets/`) and still be watched; and how a load is read and
//! its errors shown.

use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use bevy::asset::LoadContext;
use bevy::asset::io::{AssetSource, AssetSourceBuilder, Reader};
use bevy::prelude::*;

use crate::error::{FileError, FileErrors};
use crate::kind::FileKind;

/// Registers the folder of `file` as the asset source `source` (so the file can live
/// anywhere and still be watched); returns the file's asset path and its folder as the
/// user named it (for messages). Call before `AssetPlugin` is added, as Bevy requires.
pub fn register_file_source(app: &mut App, source: &'static str, file: &Path) -> (String, PathBuf) {
    register_source(app, source, file, true)
}

/// As [`register_file_source`], but Bevy does not watch the folder: something else says
/// when the file changed and puts the new content in its asset (a render cluster, which
/// swaps an edit in on every node at one frame number).
pub fn register_file_source_unwatched(
    app: &mut App,
    source: &'static str,
    file: &Path,
) -> (String, PathBuf) {
    register_source(app, source, file, false)
}

fn register_source(
    app: &mut App,
    source: &'static str,
    file: &Path,
    watch: bool,
) -> (String, PathBuf) {
    let display_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = if display_dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        display_dir.clone()
    };
    // Absolute, so Bevy does not resolve it against its own asset root.
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let file_name = file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = dir.to_string_lossy().into_owned();
    let builder = if watch {
        AssetSourceBuilder::platform_default(&dir, None)
    } else {
        // The platform's reader and writer without its watcher: with watching on, Bevy
        // builds a source that has none as unwatched (and says nothing without a warning).
        AssetSourceBuilder::new(AssetSource::get_default_reader(dir.clone()))
            .with_writer(AssetSource::get_default_writer(dir))
    };
    app.register_asset_source(source, builder);
    (format!("{source}://{file_name}"), display_dir)
}

/// Which file of kind `K` to load, and where it lives.
#[derive(Resource, Debug, Clone)]
pub struct FileSource<K: FileKind> {
    /// The asset path, e.g. `backlot-scene://neon_club.scene.ron`.
    pub asset_path: String,
    /// The folder as the user named it, for messages.
    pub display_dir: PathBuf,
    /// The file as the user named it (for writing back, e.g. MIDI-learned bindings).
    pub file: PathBuf,
    kind: PhantomData<fn() -> K>,
}

impl<K: FileKind> FileSource<K> {
    /// A source for `file`, loaded as `asset_path`, named under `display_dir` in messages.
    pub fn new(asset_path: String, display_dir: PathBuf, file: PathBuf) -> Self {
        Self {
            asset_path,
            display_dir,
            file,
            kind: PhantomData,
        }
    }
}

/// Registers the folder of `file` as kind `K`'s asset source and names it the file to load.
/// Call before `AssetPlugin` is added, as Bevy requires.
pub fn register_file<K: FileKind>(app: &mut App, file: &Path) {
    let (asset_path, display_dir) = register_file_source(app, K::SOURCE, file);
    app.insert_resource(FileSource::<K>::new(
        asset_path,
        display_dir,
        file.to_path_buf(),
    ));
}

/// As [`register_file`], but Bevy does not watch the file ([`register_file_source_unwatched`]).
pub fn register_file_unwatched<K: FileKind>(app: &mut App, file: &Path) {
    let (asset_path, display_dir) = register_file_source_unwatched(app, K::SOURCE, file);
    app.insert_resource(FileSource::<K>::new(
        asset_path,
        display_dir,
        file.to_path_buf(),
    ));
}

/// Reads a file being loaded as UTF-8 text; also returns its path as the user would name
/// it (`display_dir` joined with the file name) for error messages.
pub async fn read_text(
    reader: &mut dyn Reader,
    load_context: &LoadContext<'_>,
    display_dir: Option<&Path>,
) -> Result<(String, String), FileErrors> {
    let file_name = load_context.path().path().to_path_buf();
    let shown = match display_dir {
        Some(dir) => dir.join(&file_name),
        None => file_name,
    }
    .display()
    .to_string();
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| FileError::whole_file(&shown, format!("cannot read file: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| FileError::whole_file(&shown, format!("file is not UTF-8: {e}")))?;
    Ok((text, shown))
}

/// The loader's own `path:line:col: message` lines, without Bevy's wrapping.
pub fn load_error_text(error: &bevy::asset::AssetLoadError) -> String {
    let text = error.to_string();
    // Bevy wraps loader errors as "... with asset loader '...': <ours>"; keep <ours>.
    match text.split_once("': ") {
        Some((head, ours)) if head.contains("asset loader") => ours.to_string(),
        _ => text,
    }
}
