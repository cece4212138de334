//! Text → validated [`StageFile`], every problem at its line and column.

use std::path::Path;

use backlot_scene::format::{
    FileError, FileErrors, find_after, find_name, line_col, parse_ron, read_source,
};

use super::{CubeLut, OutputMap, SectionGeometry, StageFile};

/// Parses and validates stage text; `asset_root` is where LUT files must exist.
pub fn parse_stage(
    src: &str,
    path: &str,
    asset_root: Option<&Path>,
) -> Result<StageFile, FileErrors> {
    let stage: StageFile = parse_ron(src, path, asset_root)?;
    let problems = validate(&stage, src, path, asset_root);
    if problems.is_empty() {
        Ok(stage)
    } else {
        Err(FileErrors(problems))
    }
}

/// Reads and parses a stage file from disk.
pub fn parse_stage_file(path: &Path, asset_root: Option<&Path>) -> Result<StageFile, FileErrors> {
    let (src, shown) = read_source(path)?;
    parse_stage(&src, &shown, asset_root)
}

fn validate(stage: &StageFile, src: &str, path: &str, asset_root: Option<&Path>) -> Vec<FileError> {
    let mut problems = Vec::new();
    let mut report = |offset: usize, message: String| {
        let (line, col) = line_col(src, offset);
        problems.push(FileError {
            path: path.to_string(),
            line,
            col,
            message,
        });
    };
    if stage.sections.is_empty() {
        report(
            find_after(src, 0, "sections").unwrap_or(0),
            "a stage needs at least one section".into(),
        );
    }
    let mut sections = Vec::new();
    for section in &stage.sections {
        let at = find_name(src, &section.name.0);
        match SectionGeometry::new(section) {
            Ok(g) => sections.push((section.name.0.clone(), g)),
            Err(message) => {
                let key = if message.contains("cabinet") {
                    "cabinet"
                } else {
                    "shape"
                };
                report(
                    find_after(src, at, key).unwrap_or(at),
                    format!("section `{}`: {message}", section.name),
                );
            }
        }
    }
    // Output checks need every section measured; skip them when a section is broken.
    if sections.len() == stage.sections.len() {
        for output in &stage.outputs {
            let at = find_name(src, &output.name.0);
            if let Err(errors) = OutputMap::new(output, &sections) {
                for (region, message) in errors {
                    let offset = if region == usize::MAX {
                        find_after(src, at, "canvas").unwrap_or(at)
                    } else {
                        nth_after(src, at, "section", region).unwrap_or(at)
                    };
                    report(offset, format!("output `{}`: {message}", output.name));
                }
            }
        }
    }
    for output in &stage.outputs {
        if let (Some(lut), Some(root)) = (&output.color.lut, asset_root) {
            let text = std::fs::read_to_string(root.join(&lut.0)).unwrap_or_default();
            if let Err(e) = CubeLut::parse(&text) {
                let at = find_name(src, &output.name.0);
                let offset = find_after(src, at, &format!("\"{}\"", lut.0)).unwrap_or(at);
                report(
                    offset,
                    format!("output `{}`: LUT `{}` {e}", output.name, lut.0),
                );
            }
        }
    }
    let mut ids = Vec::new();
    for camera in &stage.cameras {
        let offset = nth_after(
            src,
            0,
            &format!("id: {}", camera.id),
            ids.iter().filter(|i| **i == camera.id).count(),
        )
        .unwrap_or(0);
        if ids.contains(&camera.id) {
            report(offset, format!("duplicate camera id {}", camera.id));
        }
        ids.push(camera.id);
        let fov = camera.lens.horizontal_fov_deg();
        if !(1.0..170.0).contains(&fov) {
            report(
                offset,
                format!(
                    "camera {} lens gives a {fov:.1} degree field of view; it must be 1..170",
                    camera.id
                ),
            );
        }
    }
    problems
}

/// Offset of the `n`-th (0-based) `needle` at or after `from`.
fn nth_after(src: &str, from: usize, needle: &str, n: usize) -> Option<usize> {
    let mut at = from;
    for _ in 0..n {
        at = find_after(src, at, needle)? + needle.len();
    }
    find_after(src, at, needle)
}
