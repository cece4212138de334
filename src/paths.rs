//! Where the shipped assets and scenes are when the user does not say.

use std::path::{Path, PathBuf};

/// The checkout this binary was built from (fallback when run from elsewhere).
const SOURCE_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn find(relative: &str) -> PathBuf {
    let here = Path::new(relative);
    if here.exists() {
        return here.to_path_buf();
    }
    Path::new(SOURCE_DIR).join(relative)
}

/// `--assets`, else `$BACKLOT_ASSETS`, else `./assets`, else the source checkout's `assets/`.
pub fn asset_root(explicit: Option<&Path>) -> PathBuf {
    let root = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("BACKLOT_ASSETS").map(PathBuf::from))
        .unwrap_or_else(|| find("assets"));
    std::fs::canonicalize(&root).unwrap_or(root)
}

/// The shipped default environment.
pub fn default_scene() -> PathBuf {
    find("scenes/neon_club.scene.ron")
}

/// The shipped default control map.
pub fn default_map() -> PathBuf {
    find("scenes/maps/default.map.ron")
}

/// A scene's own layer set: `<name>.layers.ron` beside `<name>.scene.ron`, when present.
pub fn scene_layers(scene: &Path) -> Option<PathBuf> {
    let name = scene.file_name()?.to_string_lossy();
    let stem = name.strip_suffix(".scene.ron")?;
    let candidate = scene.with_file_name(format!("{stem}.layers.ron"));
    candidate.exists().then_some(candidate)
}
