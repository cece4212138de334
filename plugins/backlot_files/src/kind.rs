//! One file kind (scene, stage, control map, layer set, …): how its text parses, and the
//! generic asset, loader and watcher every kind shares. A reload that fails keeps the last
//! good content; what happened is said once, as a [`FileLoaded`] or [`FileFailed`] message.

use std::fmt::Debug;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use bevy::asset::io::Reader;
use bevy::asset::{AssetLoadFailedEvent, AssetLoader, LoadContext};
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::reflect::TypePath;

use crate::error::FileErrors;
use crate::source::{FileSource, load_error_text, read_text};

/// A kind of backlot file.
pub trait FileKind: TypePath + Send + Sync + 'static {
    /// What it is, in messages: "scene", "stage", "control map", "layer set".
    const NOUN: &'static str;
    /// How its file names end, e.g. `scene.ron`.
    const EXTENSION: &'static str;
    /// The asset source its file's folder is registered as, e.g. `backlot-scene`.
    const SOURCE: &'static str;
    /// The parsed, validated content.
    type Content: Clone + Debug + Send + Sync + 'static;
    /// Parses and validates text; `shown` names the file in messages, `asset_root` is where
    /// referenced assets must exist (when given).
    fn parse(
        text: &str,
        shown: &str,
        asset_root: Option<&Path>,
    ) -> Result<Self::Content, FileErrors>;

    /// Reads and parses a file from disk (the CLI's `check`).
    fn parse_file(path: &Path, asset_root: Option<&Path>) -> Result<Self::Content, FileErrors> {
        let (text, shown) = crate::parse::read_source(path)?;
        Self::parse(&text, &shown, asset_root)
    }
}

/// A parsed, validated file of kind `K`.
#[derive(Asset, TypePath, Debug, Clone)]
pub struct FileAsset<K: FileKind> {
    /// The content.
    pub file: K::Content,
}

/// Loads files of kind `K`.
#[derive(TypePath)]
pub struct FileLoader<K: FileKind> {
    /// Where `assets/` is, for reference checks.
    pub asset_root: Option<PathBuf>,
    /// The folder as the user named it, for messages.
    pub display_dir: Option<PathBuf>,
    kind: PhantomData<fn() -> K>,
}

impl<K: FileKind> FileLoader<K> {
    /// A loader checking references under `asset_root`, naming files under `display_dir`.
    pub fn new(asset_root: Option<PathBuf>, display_dir: Option<PathBuf>) -> Self {
        Self {
            asset_root,
            display_dir,
            kind: PhantomData,
        }
    }
}

impl<K: FileKind> AssetLoader for FileLoader<K> {
    type Asset = FileAsset<K>;
    type Settings = ();
    type Error = FileErrors;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _settings: &(),
        load_context: &mut LoadContext<'_>,
    ) -> Result<FileAsset<K>, FileErrors> {
        let (text, shown) = read_text(reader, load_context, self.display_dir.as_deref()).await?;
        Ok(FileAsset {
            file: K::parse(&text, &shown, self.asset_root.as_deref())?,
        })
    }

    fn extensions(&self) -> &[&str] {
        std::slice::from_ref(&K::EXTENSION)
    }
}

/// The file of kind `K` being followed, and what became of it.
#[derive(Resource, Debug)]
pub struct WatchedFile<K: FileKind> {
    /// The file's handle (strong, so the asset stays loaded); set by its plugin.
    pub handle: Option<Handle<FileAsset<K>>>,
    /// Good loads so far.
    pub loads: u32,
    /// The last failure, cleared by the next good load.
    pub error: Option<String>,
}

impl<K: FileKind> WatchedFile<K> {
    /// Starts loading `asset_path` and follows it; the handle is for the caller's status too.
    pub fn load(&mut self, server: &AssetServer, asset_path: &str) -> Handle<FileAsset<K>> {
        let handle = server.load::<FileAsset<K>>(asset_path.to_string());
        self.handle = Some(handle.clone());
        handle
    }
}

impl<K: FileKind> Default for WatchedFile<K> {
    fn default() -> Self {
        Self {
            handle: None,
            loads: 0,
            error: None,
        }
    }
}

/// The followed file of kind `K` loaded (first time or reload) and is in its asset.
#[derive(Message, Debug)]
pub struct FileLoaded<K: FileKind> {
    /// Good loads so far, this one included.
    pub load: u32,
    kind: PhantomData<fn() -> K>,
}

/// The followed file of kind `K` failed to load; the last good content stays.
#[derive(Message, Debug)]
pub struct FileFailed<K: FileKind> {
    /// `path:line:col: message` lines.
    pub message: String,
    /// True when there was no good version before this failure.
    pub first: bool,
    kind: PhantomData<fn() -> K>,
}

impl<K: FileKind> FileFailed<K> {
    /// A failure found by something other than the asset loader (a render cluster parses
    /// the edits it swaps in itself), said like the loader's.
    pub fn new(message: String, first: bool) -> Self {
        Self {
            message,
            first,
            kind: PhantomData,
        }
    }
}

/// This frame's news of the followed file of kind `K`, for its plugin's own status.
#[derive(SystemParam)]
pub struct FileNews<'w, 's, K: FileKind> {
    loaded: MessageReader<'w, 's, FileLoaded<K>>,
    failed: MessageReader<'w, 's, FileFailed<K>>,
}

impl<K: FileKind> FileNews<'_, '_, K> {
    /// Whether the file (re)loaded this frame.
    pub fn loaded(&mut self) -> bool {
        self.loaded.read().count() > 0
    }

    /// This frame's last failure, if any.
    pub fn failed(&mut self) -> Option<&FileFailed<K>> {
        self.failed.read().last()
    }
}

/// Follows the asset of [`WatchedFile<K>`]: says once per load or failure what happened.
pub fn watch_file<K: FileKind>(
    mut events: MessageReader<AssetEvent<FileAsset<K>>>,
    mut failures: MessageReader<AssetLoadFailedEvent<FileAsset<K>>>,
    mut watched: ResMut<WatchedFile<K>>,
    mut loaded: MessageWriter<FileLoaded<K>>,
    mut failed: MessageWriter<FileFailed<K>>,
) {
    let Some(id) = watched.handle.as_ref().map(Handle::id) else {
        return;
    };
    for event in events.read() {
        if let AssetEvent::LoadedWithDependencies { id: e } | AssetEvent::Modified { id: e } = event
            && *e == id
        {
            watched.loads += 1;
            watched.error = None;
            loaded.write(FileLoaded {
                load: watched.loads,
                kind: PhantomData,
            });
        }
    }
    for failure in failures.read().filter(|f| f.id == id) {
        let message = load_error_text(&failure.error);
        let first = watched.loads == 0;
        if first {
            tracing::error!("{message}");
        } else {
            tracing::error!("{message}\n(keeping the last good {})", K::NOUN);
        }
        watched.error = Some(message.clone());
        failed.write(FileFailed {
            message,
            first,
            kind: PhantomData,
        });
    }
}

/// Registers the asset and loader of kind `K`, follows its file, and says what happened.
/// Files are named in messages as the user named their folder ([`FileSource`]).
pub struct FilePlugin<K: FileKind> {
    /// Where `assets/` is, for reference checks.
    pub asset_root: Option<PathBuf>,
    kind: PhantomData<fn() -> K>,
}

impl<K: FileKind> FilePlugin<K> {
    /// For files checked against `asset_root`.
    pub fn new(asset_root: Option<PathBuf>) -> Self {
        Self {
            asset_root,
            kind: PhantomData,
        }
    }
}

impl<K: FileKind> Plugin for FilePlugin<K> {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<backlot_params::ParamsPlugin>() {
            app.add_plugins(backlot_params::ParamsPlugin);
        }
        let display_dir = app
            .world()
            .get_resource::<FileSource<K>>()
            .map(|s| s.display_dir.clone());
        app.init_asset::<FileAsset<K>>()
            .register_asset_loader(FileLoader::<K>::new(self.asset_root.clone(), display_dir))
            .init_resource::<WatchedFile<K>>()
            .add_message::<FileLoaded<K>>()
            .add_message::<FileFailed<K>>()
            .add_systems(
                Update,
                watch_file::<K>.in_set(backlot_params::BacklotSystems::Input),
            );
    }
}
