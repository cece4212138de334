//! Text → [`SceneFile`], every problem with its line and column.

use std::path::Path;

use ron::extensions::Extensions;

use super::checked::{CONTEXT, ParseContext};
use super::{FileError, FileErrors, LightKind, SceneFile, ShapeDef};

/// Parses any backlot RON file type with positions on every error. Names ([`EntityName`])
/// must be unique across the file; [`AssetRef`]s must exist under `asset_root` when given.
///
/// [`EntityName`]: super::EntityName
/// [`AssetRef`]: super::AssetRef
pub fn parse_ron<T: serde::de::DeserializeOwned>(
    src: &str,
    path: &str,
    asset_root: Option<&Path>,
) -> Result<T, FileErrors> {
    let options = ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME);
    CONTEXT.with(|ctx| {
        *ctx.borrow_mut() = Some(ParseContext {
            asset_root: asset_root.map(Path::to_path_buf),
            ..Default::default()
        })
    });
    let parsed = options.from_str::<T>(src);
    CONTEXT.with(|ctx| *ctx.borrow_mut() = None);
    parsed.map_err(|e| {
        FileErrors(vec![FileError {
            path: path.to_string(),
            line: e.span.start.line,
            col: e.span.start.col,
            message: e.code.to_string(),
        }])
    })
}

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

/// Reads a backlot file from disk as text; also returns its path as shown in messages.
pub fn read_source(path: &Path) -> Result<(String, String), FileErrors> {
    let shown = path.display().to_string();
    let src = std::fs::read_to_string(path)
        .map_err(|e| FileError::whole_file(&shown, format!("cannot read file: {e}")))?;
    Ok((src, shown))
}

/// Problems found by a file's own checks, each at its line and column.
pub struct Problems<'a> {
    src: &'a str,
    path: &'a str,
    /// What was found so far.
    pub list: Vec<FileError>,
}

impl<'a> Problems<'a> {
    /// For the text of `path`.
    pub fn new(src: &'a str, path: &'a str) -> Self {
        Self {
            src,
            path,
            list: Vec::new(),
        }
    }

    /// A problem at a byte offset of the text.
    pub fn report(&mut self, offset: usize, message: String) {
        let (line, col) = line_col(self.src, offset);
        self.list.push(FileError {
            path: self.path.to_string(),
            line,
            col,
            message,
        });
    }

    /// `value` when nothing was found, else every problem.
    pub fn into_result<T>(self, value: T) -> Result<T, FileErrors> {
        if self.list.is_empty() {
            Ok(value)
        } else {
            Err(FileErrors(self.list))
        }
    }
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

/// Byte offset of `name: "<name>"` (the declaration), or 0: where to point cross-item errors.
pub fn find_name(src: &str, name: &str) -> usize {
    let quoted = format!("\"{name}\"");
    let mut from = 0;
    while let Some(rel) = src[from..].find(&quoted) {
        let at = from + rel;
        if src[..at].trim_end().ends_with(':')
            && src[..at]
                .trim_end()
                .trim_end_matches(':')
                .trim_end()
                .ends_with("name")
        {
            return at;
        }
        from = at + quoted.len();
    }
    0
}

/// Byte offset of the first `needle` at or after `from`.
pub fn find_after(src: &str, from: usize, needle: &str) -> Option<usize> {
    src.get(from..)?.find(needle).map(|rel| from + rel)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
