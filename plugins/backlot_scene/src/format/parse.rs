//! Text → [`SceneFile`], every problem with its line and column.

use std::path::Path;

use backlot_files::{
    FileError, FileErrors, find_after, find_name, line_col, parse_ron, read_source,
};

use super::{LightKind, SceneFile, ShapeDef};

/// Parses and validates scene text. `path` is only used in messages; `asset_root`, when
/// given, is where referenced glTF files and textures must exist.
pub fn parse_scene(
    src: &str,
    path: &str,
    asset_root: Option<&Path>,
) -> Result<SceneFile, FileErrors> {
    let scene: SceneFile = parse_ron(src, path, asset_root)?;
    let problems = validate(&scene, src, path);
    if problems.is_empty() {
        Ok(scene)
    } else {
        Err(FileErrors(problems))
    }
}

/// Reads and parses a scene file from disk.
pub fn parse_scene_file(path: &Path, asset_root: Option<&Path>) -> Result<SceneFile, FileErrors> {
    let (src, shown) = read_source(path)?;
    parse_scene(&src, &shown, asset_root)
}

/// Checks that need the whole file: references between items and cross-field rules.
fn validate(scene: &SceneFile, src: &str, path: &str) -> Vec<FileError> {
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
    for light in &scene.lights {
        let at = find_name(src, &light.name.0);
        if let Some(target) = &light.target
            && !scene.entities.iter().any(|e| &e.name.0 == target)
        {
            let offset = find_after(src, at, &format!("\"{target}\"")).unwrap_or(at);
            report(
                offset,
                format!(
                    "light `{}` targets `{target}`, which is not an entity in this scene",
                    light.name
                ),
            );
        }
        if let LightKind::Spot {
            inner_angle,
            outer_angle,
        } = &light.kind
        {
            let offset = find_after(src, at, "outer_angle").unwrap_or(at);
            if outer_angle.0 >= 180.0 {
                report(
                    offset,
                    format!(
                        "spot `{}` outer_angle must be below 180 degrees, got {}",
                        light.name, outer_angle.0
                    ),
                );
            } else if inner_angle.0 > outer_angle.0 {
                report(
                    offset,
                    format!(
                        "spot `{}` inner_angle {} is wider than outer_angle {}",
                        light.name, inner_angle.0, outer_angle.0
                    ),
                );
            }
        }
    }
    if let (Some(sky), super::BackgroundDef::Gradient { .. }) =
        (&scene.environment.sky_image, &scene.environment.background)
    {
        let offset = src.find(&format!("\"{}\"", sky.path.0)).unwrap_or(0);
        report(
            offset,
            "a sky_image and a Gradient background both draw the sky; keep one".to_string(),
        );
    }
    for entity in &scene.entities {
        let at = find_name(src, &entity.name.0);
        if let (ShapeDef::Gltf { .. }, Some(body)) = (&entity.shape, &entity.body)
            && body.collider.is_none()
        {
            let offset = find_after(src, at, "body").unwrap_or(at);
            report(
                offset,
                format!(
                    "entity `{}` is a glTF model: its body needs an explicit collider",
                    entity.name
                ),
            );
        }
        if entity.scale.iter().any(|s| !s.is_finite() || *s <= 0.0) {
            let offset = find_after(src, at, "scale").unwrap_or(at);
            report(
                offset,
                format!(
                    "entity `{}` scale must be greater than 0 on every axis, got {:?}",
                    entity.name, entity.scale
                ),
            );
        }
    }
    problems
}
