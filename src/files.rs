//! The file kinds the command line knows, in one table: `check`, `render` and `run` all
//! dispatch through it by file-name ending.

use std::path::Path;

use backlot_cluster::file::{ClusterKind, check_outputs, check_paths};
use backlot_files::{FileErrors, FileKind, read_source};
use backlot_show::ShowKind;
use backlot_stage::StageKind;

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

/// A cluster file is checked with the stage it names: that stage must parse, and every
/// output a node draws must be one of its outputs.
fn check_cluster(file: &Path, asset_root: Option<&Path>) -> Result<(), FileErrors> {
    let (text, shown) = read_source(file)?;
    let cluster = ClusterKind::parse(&text, &shown, asset_root)?;
    check_paths(&cluster, file, &text, &shown)?;
    let stage = StageKind::parse_file(&cluster.stage_path(file), asset_root)?;
    let outputs: Vec<String> = stage.outputs.iter().map(|o| o.name.0.clone()).collect();
    check_outputs(&cluster, &outputs, &text, &shown)
}

/// A show file is checked with the files it names: each must exist beside it.
fn check_show(file: &Path, asset_root: Option<&Path>) -> Result<(), FileErrors> {
    crate::show::read_show(file, asset_root, crate::show::Replaced::default()).map(|_| ())
}

/// Every file kind, in the order they are listed to users.
pub fn file_types() -> [FileType; 6] {
    [
        entry::<backlot_scene::SceneKind>(),
        entry::<StageKind>(),
        entry::<backlot_control::MapKind>(),
        entry::<backlot_layers::LayersKind>(),
        FileType {
            extension: ClusterKind::EXTENSION,
            noun: ClusterKind::NOUN,
            parse: check_cluster,
        },
        FileType {
            extension: ShowKind::EXTENSION,
            noun: ShowKind::NOUN,
            parse: check_show,
        },
    ]
}

/// The kind of `file`, by its name's ending.
pub fn file_type(file: &Path) -> Option<FileType> {
    let name = file.file_name()?.to_string_lossy().into_owned();
    file_types()
        .into_iter()
        .find(|t| name.ends_with(&format!(".{}", t.extension)))
}

/// `*.scene.ron, *.stage.ron, *.map.ron, *.layers.ron, *.cluster.ron or *.show.ron`, for
/// "unknown file type".
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
            ("clusters/local.cluster.ron", "cluster"),
            ("shows/neon_club.show.ron", "show"),
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
            "*.scene.ron, *.stage.ron, *.map.ron, *.layers.ron, *.cluster.ron or *.show.ron"
        );
    }

    fn repo() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    fn check(file: &Path) -> Result<(), FileErrors> {
        let kind = file_type(file).expect("a known kind");
        kind.check(file, &repo().join("assets"))
    }

    #[test]
    fn the_shipped_show_checks_with_the_files_it_names() {
        check(&repo().join("scenes/shows/neon_club.show.ron")).expect("the example is valid");
    }

    #[test]
    fn the_shipped_cluster_checks_with_its_stage() {
        check(&repo().join("scenes/clusters/local.cluster.ron")).expect("the example is valid");
    }

    #[test]
    fn a_cluster_drawing_an_output_its_stage_lacks_is_refused_where_it_names_it() {
        let stage = repo().join("scenes/stages/curved_volume.stage.ron");
        let text = format!(
            "(\n    name: \"t\",\n    stage: {:?},\n    nodes: [\n        \
             (name: \"a\", role: Primary, listen: \"tcp/127.0.0.1:7447\"),\n        \
             (name: \"c\", role: Render, listen: \"tcp/127.0.0.1:7448\", \
             outputs: [\"wall_left\", \"floor\"]),\n    ],\n)\n",
            stage.display().to_string()
        );
        let name = format!("backlot-{}.cluster.ron", std::process::id());
        let file = std::env::temp_dir().join(name);
        std::fs::write(&file, text).expect("temp file written");
        let result = check(&file);
        let _ = std::fs::remove_file(&file);
        let errors = result
            .expect_err("`floor` is not an output of curved_volume")
            .0;
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!((errors[0].line, errors[0].col), (6, 88), "{errors:#?}");
        assert!(
            errors[0]
                .message
                .contains("output `floor`, which the stage does not define"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn a_cluster_whose_stage_is_missing_is_refused_at_its_stage() {
        let file = repo().join("scenes/clusters/local.cluster.ron");
        let text = std::fs::read_to_string(&file)
            .expect("the shipped cluster file is readable")
            .replace("curved_volume.stage.ron", "nowhere.stage.ron");
        let name = format!("backlot-{}-stage.cluster.ron", std::process::id());
        let moved = std::env::temp_dir().join(name);
        std::fs::write(&moved, text).expect("temp file written");
        let result = check(&moved);
        let _ = std::fs::remove_file(&moved);
        let errors = result.expect_err("no stage there").0;
        assert!(
            errors
                .iter()
                .any(|e| e.line == 5 && e.col == 12 && e.message.contains("stage file")),
            "{errors:#?}"
        );
    }
}
