//! `run --show FILE`: the show file read and checked before anything starts, the files it
//! names (used where the command line names none), the show's plugins, and the glue that
//! keeps the show's OSC read-only prefixes those of the control map in force.

use std::path::{Path, PathBuf};

use backlot_control::ControlMap;
use backlot_files::{FileErrors, read_source, register_file};
use backlot_params::BacklotSystems;
use backlot_show::file::check_paths;
use backlot_show::{
    ShowFile, ShowFilePlugin, ShowKind, ShowPlugin, ShowReadOnly, ShowSystems, parse_show,
};
use bevy::app::PluginGroupBuilder;
use bevy::prelude::*;

/// The show a run plays: its file and what it held at start (hot reload follows the file).
#[derive(Debug, Clone)]
pub struct ShowChoice {
    /// The file as the user named it.
    pub path: PathBuf,
    /// Its content at start.
    pub file: ShowFile,
}

/// Which of the files a show names the command line replaces: those need not exist.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replaced {
    /// `--scene` (or a cluster file's scene).
    pub scene: bool,
    /// `--stage` (or a cluster file's stage).
    pub stage: bool,
    /// `--map`.
    pub map: bool,
    /// `--layers` or `--no-layers`.
    pub layers: bool,
}

impl ShowChoice {
    /// Reads, parses and checks `path`: every problem at its `path:line:col`, a file it
    /// names and the command line does not replace included when it does not exist.
    pub fn read(path: &Path, asset_root: &Path, replaced: Replaced) -> Result<Self, FileErrors> {
        let file = read_show(path, Some(asset_root), replaced)?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
        })
    }

    /// The scene it names, beside it.
    pub fn scene(&self) -> Option<PathBuf> {
        self.file.scene_path(&self.path)
    }

    /// The stage it names, beside it.
    pub fn stage(&self) -> Option<PathBuf> {
        self.file.stage_path(&self.path)
    }

    /// The control map it names, beside it.
    pub fn map(&self) -> Option<PathBuf> {
        self.file.map_path(&self.path)
    }

    /// The layer set it names, beside it.
    pub fn layers(&self) -> Option<PathBuf> {
        self.file.layers_path(&self.path)
    }
}

/// Registers the show file to follow (hot reload); before `AssetPlugin`, as Bevy requires.
pub fn register(app: &mut App, show: &ShowChoice) {
    register_file::<ShowKind>(app, &show.path);
}

/// The show's plugins: playback with its triggers (OSC under `/show`, the command
/// parameters, timecode), hot reload of the file (live playback stays where it is), crash
/// recovery beside it, and the map's read-only prefixes for its OSC.
pub fn add_plugins(group: PluginGroupBuilder, show: ShowChoice) -> PluginGroupBuilder {
    group
        .add(ShowPlugin {
            show: Some(show.file),
        })
        .add(ShowFilePlugin)
        // Autosave and restore after an unclean exit (`backlot_show::recovery`).
        .add(backlot_show::RecoveryPlugin {
            show_path: show.path.clone(),
        })
        // Ctrl+Z, `/show/undo`: operator edits and look edits.
        .add(backlot_show::UndoPlugin)
        .add(ShowGluePlugin { path: show.path })
}

/// What joins the show to the app: where look edits are saved ([`ShowPath`]) and the
/// control map's read-only prefixes ([`share_read_only`]).
struct ShowGluePlugin {
    path: PathBuf,
}

impl Plugin for ShowGluePlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(backlot_show::ShowPath(Some(self.path.clone())));
        app.add_systems(
            Update,
            share_read_only
                .after(BacklotSystems::Control)
                .before(ShowSystems::Play),
        );
    }
}

/// A show file parsed and its named files checked (`backlot check`, `run --show`).
pub fn read_show(
    path: &Path,
    asset_root: Option<&Path>,
    replaced: Replaced,
) -> Result<ShowFile, FileErrors> {
    let (text, shown) = read_source(path)?;
    let file = parse_show(&text, &shown, asset_root)?;
    // Only the files this run will open must exist.
    let mut named = file.clone();
    for (gone, field) in [
        (replaced.scene, &mut named.scene),
        (replaced.stage, &mut named.stage),
        (replaced.map, &mut named.map),
        (replaced.layers, &mut named.layers),
    ] {
        if gone {
            *field = None;
        }
    }
    check_paths(&named, path, &text, &shown)?;
    Ok(file)
}

/// Keeps [`ShowReadOnly`] the map's `access.read_only` prefixes, so OSC from the network
/// is refused under `/show` where the map says so, as it is for parameters.
pub fn share_read_only(map: Option<Res<ControlMap>>, read_only: Option<ResMut<ShowReadOnly>>) {
    let (Some(map), Some(mut read_only)) = (map, read_only) else {
        return;
    };
    // Compared first: a write would mark the resource changed every frame.
    if read_only.0 != map.file.access.read_only {
        read_only.0.clone_from(&map.file.access.read_only);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn the_shipped_show_names_files_that_exist() {
        let path = repo().join("scenes/shows/neon_club.show.ron");
        let show = ShowChoice::read(&path, &repo().join("assets"), Replaced::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let scene = show.scene().expect("it names a scene");
        assert!(scene.is_file(), "{}", scene.display());
        assert!(show.layers().is_some_and(|l| l.is_file()));
    }

    #[test]
    fn missing_files_are_refused_at_their_place_unless_replaced() {
        let text = std::fs::read_to_string(repo().join("scenes/shows/neon_club.show.ron"))
            .expect("the shipped show is readable");
        let dir = std::env::temp_dir().join(format!("backlot-show-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("moved.show.ron");
        std::fs::write(&path, &text).expect("write");
        let all = read_show(&path, None, Replaced::default());
        let replaced = read_show(
            &path,
            None,
            Replaced {
                scene: true,
                stage: true,
                map: true,
                layers: true,
            },
        );
        let _ = std::fs::remove_dir_all(&dir);
        let errors = all.expect_err("none of its files is beside the copy").0;
        assert_eq!(errors.len(), 4, "{errors:#?}");
        let line = |needle: &str| {
            text.lines()
                .position(|l| l.trim_start().starts_with(needle))
                .map(|i| i + 1)
        };
        assert_eq!(Some(errors[0].line), line("scene:"), "{errors:#?}");
        assert!(errors[0].message.contains("scene file"), "{errors:#?}");
        assert_eq!(Some(errors[3].line), line("layers:"), "{errors:#?}");
        replaced.expect("the command line names every file: none of the show's is opened");
    }
}
