//! Text → validated [`StageFile`], every problem at its line and column.

use std::path::Path;

use backlot_scene::format::{
    FileError, FileErrors, find_after, find_name, line_col, parse_ron, read_source,
};

use super::{
    CubeFile, CubeLut, FocusPoint, GradeDef, LensDef, OcioProblemAt, OutputMap, SectionGeometry,
    StageFile, TrackerProtocol, ZoomPoint,
};

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
            if let Err(e) = CubeFile::parse(&text) {
                let at = find_name(src, &output.name.0);
                let offset = find_after(src, at, &format!("\"{}\"", lut.0)).unwrap_or(at);
                report(
                    offset,
                    format!("output `{}`: LUT `{}` {e}", output.name, lut.0),
                );
            }
        }
        let at = find_name(src, &output.name.0);
        let owner = format!("output `{}`", output.name);
        if let Some((offset, message)) =
            grade_lut_problem(&output.grade, asset_root, src, at, &owner)
        {
            report(offset, message);
        }
    }
    if let Some(ocio) = &stage.ocio {
        let section = find_after(src, 0, "ocio:").unwrap_or(0);
        for (at, message) in ocio.problems(&stage.outputs, asset_root) {
            let needle = match &at {
                OcioProblemAt::Config => "config".to_string(),
                OcioProblemAt::Working => "working".to_string(),
                OcioProblemAt::LutSize => "lut_size".to_string(),
                OcioProblemAt::Output(name) => format!("\"{name}\""),
            };
            let offset = find_after(src, section, &needle).unwrap_or(section);
            report(offset, format!("ocio: {message}"));
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
        let owner = format!("camera {}", camera.id);
        if let Some((at, message)) =
            grade_lut_problem(&camera.grade, asset_root, src, offset, &owner)
        {
            report(at, message);
        }
        if let LensDef::Table { zoom, focus, .. } = &camera.lens {
            let table_at = find_after(src, offset, "Table").unwrap_or(offset);
            if let Some(problem) = table_problem(zoom, focus) {
                report(
                    table_at,
                    format!("camera {} lens table: {problem}", camera.id),
                );
            }
        }
        if let Some(tracking) = &camera.tracking {
            for source in &tracking.sources {
                if !stage.trackers.iter().any(|t| t.name.0 == *source) {
                    let at = find_after(src, offset, &format!("\"{source}\"")).unwrap_or(offset);
                    report(
                        at,
                        format!(
                            "camera {} follows tracker `{source}`, which the stage does not define",
                            camera.id
                        ),
                    );
                }
            }
        }
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
    let mut ports: Vec<u16> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for tracker in &stage.trackers {
        let at = find_name(src, &tracker.name.0);
        if names.contains(&tracker.name.0.as_str()) {
            report(at, format!("duplicate tracker name `{}`", tracker.name));
        }
        names.push(&tracker.name.0);
        let port = match &tracker.protocol {
            TrackerProtocol::FreeD {
                vendor,
                port,
                zoom_range,
                focus_range,
            } => {
                for (what, range) in [("zoom_range", zoom_range), ("focus_range", focus_range)] {
                    if let Some((lo, hi)) = range
                        && lo >= hi
                    {
                        report(
                            find_after(src, at, what).unwrap_or(at),
                            format!(
                                "tracker `{}`: {what} must be (min, max) with min < max",
                                tracker.name
                            ),
                        );
                    }
                }
                port.unwrap_or(vendor.port())
            }
            TrackerProtocol::Osc { port } => *port,
        };
        // Port 0 (any free port) never collides.
        if port != 0 && ports.contains(&port) {
            report(
                find_after(src, at, "protocol").unwrap_or(at),
                format!(
                    "tracker `{}`: UDP port {port} is already used by another tracker",
                    tracker.name
                ),
            );
        }
        ports.push(port);
    }
    problems
}

/// Where and what is wrong with a grade's look LUT, if it has one that does not parse;
/// `anchor` is where its owner (`owner` in the message) starts in the text.
fn grade_lut_problem(
    grade: &GradeDef,
    asset_root: Option<&Path>,
    src: &str,
    anchor: usize,
    owner: &str,
) -> Option<(usize, String)> {
    let (lut, root) = (grade.lut.as_ref()?, asset_root?);
    // A missing file is refused while parsing (`AssetRef`); an unreadable one fails here.
    let text = std::fs::read_to_string(root.join(&lut.0)).unwrap_or_default();
    let e = CubeLut::parse(&text).err()?;
    let at = find_after(src, anchor, "grade").unwrap_or(anchor);
    let offset = find_after(src, at, &format!("\"{}\"", lut.0)).unwrap_or(at);
    Some((offset, format!("{owner}: grade LUT `{}` {e}", lut.0)))
}

/// What is wrong with a lens table, if anything.
fn table_problem(zoom: &[ZoomPoint], focus: &[FocusPoint]) -> Option<String> {
    if zoom.is_empty() {
        return Some("needs at least one zoom point".into());
    }
    if zoom
        .iter()
        .any(|p| !(p.focal_mm > 0.0 && p.focal_mm.is_finite()))
    {
        return Some("focal lengths must be positive".into());
    }
    let in_unit = |v: f32| (0.0..=1.0).contains(&v);
    if zoom.iter().any(|p| !in_unit(p.zoom)) || focus.iter().any(|p| !in_unit(p.focus)) {
        return Some("encoder positions are normalised and must be in 0..1".into());
    }
    if zoom.windows(2).any(|w| w[0].zoom >= w[1].zoom)
        || focus.windows(2).any(|w| w[0].focus >= w[1].focus)
    {
        return Some("points must be sorted by encoder position, without repeats".into());
    }
    if focus
        .iter()
        .any(|p| p.distance_m.is_nan() || p.distance_m <= 0.0)
    {
        return Some("focus distances must be positive".into());
    }
    None
}

/// Offset of the `n`-th (0-based) `needle` at or after `from`.
fn nth_after(src: &str, from: usize, needle: &str, n: usize) -> Option<usize> {
    let mut at = from;
    for _ in 0..n {
        at = find_after(src, at, needle)? + needle.len();
    }
    find_after(src, at, needle)
}
