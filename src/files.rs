//! The file kinds the command line knows, in one table: `check`, `render` and `run` all
//! dispatch through it by file-name ending.

use std::path::Path;

use backlot_files::{FileErrors, FileKind};

/// One kind of backlot file, as the CLI sees it.
#[derive(Clone, Copy)]
pub struct FileType {
    /// How its names end, e.g. `scene.ron`.
    pub extension: &'static str,
    /// What it is, in messages.
    pub noun: &'static str,
    parse: fn(&Path, Option<&Path>) -> Result<(), FileErrors>,
}

impl FileType {
    /// Reads, parses and validates `file`; references are checked under `asset_root`.
    pub fn check(&self, file: &Path, asset_root: &Path) -> Result<(), FileErrors> {
        (self.parse)(file, Some(asset_root))
    }
}

fn entry<K: FileKind>() -> FileType {
    FileType {
        extension: K::EXTENSION,
        noun: K::NOUN,
        parse: |file, root| K::parse_file(file, root).map(|_| ()),
    }
}

/// Every file kind, in the order they are listed to users.
pub fn file_types() -> [FileType; 4] {
    [
        entry::<backlot_scene::SceneKind>(),
        entry::<backlot_stage::StageKind>(),
        entry::<backlot_control::MapKind>(),
        entry::<backlot_layers::LayersKind>(),
    ]
}

/// The kind of `file`, by its name's ending.
pub fn file_type(file: &Path) -> Option<FileType> {
    let name = file.file_name()?.to_string_lossy().into_owned();
    file_types()
        .into_iter()
        .find(|t| name.ends_with(&format!(".{}", t.extension)))
}

/// `*.scene.ron, *.stage.ron, *.map.ron or *.layers.ron`, for "unknown file type".
pub fn expected() -> String {
    let names: Vec<String> = file_types()
        .iter()
        .map(|t| format!("*.{}", t.extension))
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_found_by_its_ending() {
        for (name, noun) in [
            ("a/neon.scene.ron", "scene"),
            ("flat.stage.ron", "stage"),
            ("maps/default.map.ron", "map"),
            ("x.layers.ron", "layer set"),
        ] {
            assert_eq!(
                file_type(Path::new(name)).map(|t| t.noun),
                Some(noun),
                "{name}"
            );
        }
        assert!(file_type(Path::new("take.csv")).is_none());
        assert!(file_type(Path::new("scene.ron.bak")).is_none());
        assert_eq!(
            expected(),
            "*.scene.ron, *.stage.ron, *.map.ron or *.layers.ron"
        );
    }
}
