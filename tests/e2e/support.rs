//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `backlot` command run from the repository root.
pub fn backlot() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_backlot"));
    cmd.current_dir(repo());
    cmd.env("RUST_LOG", "info");
    cmd
}

/// Runs and captures; panics only on failure to spawn (a test bug, not product input).
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("spawn backlot")
}

/// stdout + stderr as text.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A fresh temporary folder for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("backlot-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Loads a PNG as RGB8.
pub fn load_rgb(path: &Path) -> image::RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}
