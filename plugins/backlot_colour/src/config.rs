//! An OCIO config: colour spaces (scene- and display-referred), roles, displays with their
//! views, shared views and view transforms. Everything else a config holds (file rules,
//! viewing rules, looks, named transforms, environment) is read past.

use std::path::Path;

use crate::error::ColourError;
use crate::transform::Transform;
use crate::yaml::{self, Node};

/// Largest config file read: the ACES studio config is about 100 KiB.
pub const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// Which reference a colour space or view transform converts to and from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reference {
    /// The main, scene-referred reference (ACES2065-1 in the ACES configs).
    Scene,
    /// The display-referred reference (CIE XYZ D65 in the ACES configs).
    Display,
}

/// A colour space.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColourSpace {
    pub name: String,
    pub aliases: Vec<String>,
    pub reference: Reference,
    pub equality_group: String,
    pub is_data: bool,
    pub to_reference: Option<Transform>,
    pub from_reference: Option<Transform>,
}

/// A view of a display (or a shared view).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct View {
    pub name: String,
    /// `colorspace` (without a view transform) or `display_colorspace` (with one).
    pub colour_space: String,
    pub view_transform: Option<String>,
    pub looks: Option<String>,
    pub line: usize,
    pub col: usize,
}

/// A display: its own views and the shared views it lists.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Display {
    pub name: String,
    pub views: Vec<View>,
    pub shared: Vec<String>,
}

/// A view transform.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ViewTransform {
    pub name: String,
    pub reference: Reference,
    pub to_reference: Option<Transform>,
    pub from_reference: Option<Transform>,
}

/// The parts of an OCIO config backlot evaluates.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub(crate) roles: Vec<(String, String)>,
    pub(crate) colour_spaces: Vec<ColourSpace>,
    pub(crate) displays: Vec<Display>,
    pub(crate) shared_views: Vec<View>,
    pub(crate) view_transforms: Vec<ViewTransform>,
    pub(crate) default_view_transform: Option<String>,
}

/// The value of `key` as a name, if present.
fn name_of(node: &Node, key: &str) -> Result<Option<String>, ColourError> {
    node.get(key).map(|v| v.string(key)).transpose()
}

/// A transform under `key`, if present.
fn transform_of(node: &Node, key: &str) -> Result<Option<Transform>, ColourError> {
    node.get(key).map(Transform::parse).transpose()
}

fn parse_colour_space(node: &Node, reference: Reference) -> Result<ColourSpace, ColourError> {
    let name = name_of(node, "name")?.ok_or_else(|| node.error("a colour space needs a name"))?;
    // v1 and v2 spell the scene reference both ways; display colour spaces use their own key.
    let (to, from) = match reference {
        Reference::Scene => (
            transform_of(node, "to_scene_reference")?.or(transform_of(node, "to_reference")?),
            transform_of(node, "from_scene_reference")?.or(transform_of(node, "from_reference")?),
        ),
        Reference::Display => (
            transform_of(node, "to_display_reference")?,
            transform_of(node, "from_display_reference")?,
        ),
    };
    Ok(ColourSpace {
        name,
        aliases: node
            .get("aliases")
            .map(|a| a.strings("aliases"))
            .transpose()?
            .unwrap_or_default(),
        reference,
        equality_group: name_of(node, "equalitygroup")?.unwrap_or_default(),
        is_data: node
            .get("isdata")
            .map(|b| b.boolean("isdata"))
            .transpose()?
            .unwrap_or(false),
        to_reference: to,
        from_reference: from,
    })
}

fn parse_view(node: &Node) -> Result<View, ColourError> {
    if node.tag.as_deref() != Some("View") {
        return Err(node.error("a view must be tagged !<View>"));
    }
    let name = name_of(node, "name")?.ok_or_else(|| node.error("a view needs a name"))?;
    let view_transform = name_of(node, "view_transform")?;
    let colour_space = if view_transform.is_some() {
        name_of(node, "display_colorspace")?
    } else {
        name_of(node, "colorspace")?
    }
    .ok_or_else(|| {
        node.error(format!(
            "view `{name}` needs a colorspace, or a view_transform and a display_colorspace"
        ))
    })?;
    let looks = name_of(node, "looks")?.or(name_of(node, "look")?);
    Ok(View {
        name,
        colour_space,
        view_transform,
        looks: looks.filter(|l| !l.trim().is_empty()),
        line: node.line,
        col: node.col,
    })
}

fn parse_view_transform(node: &Node) -> Result<ViewTransform, ColourError> {
    let name = name_of(node, "name")?.ok_or_else(|| node.error("a view transform needs a name"))?;
    let scene = (
        transform_of(node, "to_scene_reference")?.or(transform_of(node, "to_reference")?),
        transform_of(node, "from_scene_reference")?.or(transform_of(node, "from_reference")?),
    );
    let display = (
        transform_of(node, "to_display_reference")?,
        transform_of(node, "from_display_reference")?,
    );
    let has_scene = scene.0.is_some() || scene.1.is_some();
    let has_display = display.0.is_some() || display.1.is_some();
    let (reference, (to, from)) = match (has_scene, has_display) {
        (false, false) => {
            return Err(node.error(format!("view transform `{name}` has no transform")));
        }
        (false, true) => (Reference::Display, display),
        (true, false) => (Reference::Scene, scene),
        (true, true) => {
            return Err(node.error(format!(
                "view transform `{name}` mixes scene and display references"
            )));
        }
    };
    Ok(ViewTransform {
        name,
        reference,
        to_reference: to,
        from_reference: from,
    })
}

impl Config {
    /// Reads config text.
    pub fn parse(text: &str) -> Result<Config, ColourError> {
        let doc = yaml::parse(text)?;
        if !matches!(doc.kind, yaml::Kind::Map(_)) {
            return Err(doc.error("an OCIO config is a YAML mapping"));
        }
        let version = doc
            .get("ocio_profile_version")
            .ok_or_else(|| doc.error("not an OCIO config: no ocio_profile_version"))?;
        let major = version
            .string("ocio_profile_version")?
            .split('.')
            .next()
            .and_then(|m| m.trim().parse::<u32>().ok());
        if !matches!(major, Some(1 | 2)) {
            return Err(version.error("backlot reads OCIO configs of profile version 1 and 2"));
        }
        let mut config = Config {
            roles: Vec::new(),
            colour_spaces: Vec::new(),
            displays: Vec::new(),
            shared_views: Vec::new(),
            view_transforms: Vec::new(),
            default_view_transform: name_of(&doc, "default_view_transform")?,
        };
        if let Some(roles) = doc.get("roles") {
            for (k, v) in roles.entries() {
                config.roles.push((k.string("role")?, v.string("role")?));
            }
        }
        for (key, reference) in [
            ("colorspaces", Reference::Scene),
            ("display_colorspaces", Reference::Display),
        ] {
            for node in doc.get(key).map(Node::items).unwrap_or_default() {
                config
                    .colour_spaces
                    .push(parse_colour_space(node, reference)?);
            }
        }
        for node in doc.get("shared_views").map(Node::items).unwrap_or_default() {
            config.shared_views.push(parse_view(node)?);
        }
        if let Some(displays) = doc.get("displays") {
            for (k, v) in displays.entries() {
                let mut display = Display {
                    name: k.string("display name")?,
                    views: Vec::new(),
                    shared: Vec::new(),
                };
                for item in v.items() {
                    if item.tag.as_deref() == Some("Views") {
                        display.shared.extend(item.strings("shared views")?);
                    } else {
                        display.views.push(parse_view(item)?);
                    }
                }
                config.displays.push(display);
            }
        }
        for node in doc
            .get("view_transforms")
            .map(Node::items)
            .unwrap_or_default()
        {
            config.view_transforms.push(parse_view_transform(node)?);
        }
        Ok(config)
    }

    /// Reads a config file (at most [`MAX_CONFIG_BYTES`]).
    pub fn load(path: &Path) -> Result<Config, ColourError> {
        let shown = path.display();
        let size = std::fs::metadata(path)
            .map_err(|e| ColourError::Io(format!("{shown}: {e}")))?
            .len();
        if size > MAX_CONFIG_BYTES {
            return Err(ColourError::Io(format!(
                "{shown}: {size} bytes; an OCIO config is at most {MAX_CONFIG_BYTES}"
            )));
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| ColourError::Io(format!("{shown}: {e}")))?;
        Config::parse(&text)
    }

    /// A colour space by name, alias or role (case-blind, as OCIO).
    pub(crate) fn colour_space(&self, name: &str) -> Option<&ColourSpace> {
        let by_name = |n: &str| {
            self.colour_spaces.iter().find(|cs| {
                cs.name.eq_ignore_ascii_case(n)
                    || cs.aliases.iter().any(|a| a.eq_ignore_ascii_case(n))
            })
        };
        by_name(name).or_else(|| {
            self.roles
                .iter()
                .find(|(role, _)| role.eq_ignore_ascii_case(name))
                .and_then(|(_, target)| by_name(target))
        })
    }

    /// Whether `name` is a colour space (name, alias or role) of the config.
    pub fn has_colour_space(&self, name: &str) -> bool {
        self.colour_space(name).is_some()
    }

    /// A display by name.
    pub(crate) fn display(&self, name: &str) -> Option<&Display> {
        self.displays
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// The display names, in config order.
    pub fn displays(&self) -> Vec<&str> {
        self.displays.iter().map(|d| d.name.as_str()).collect()
    }

    /// The view names of a display (its own, then the shared ones it lists).
    pub fn views(&self, display: &str) -> Vec<&str> {
        self.display(display).map_or_else(Vec::new, |d| {
            d.views
                .iter()
                .map(|v| v.name.as_str())
                .chain(d.shared.iter().map(String::as_str))
                .collect()
        })
    }

    /// A view of a display, resolving shared views.
    pub(crate) fn view<'a>(&'a self, display: &'a Display, view: &str) -> Option<&'a View> {
        display
            .views
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case(view))
            .or_else(|| {
                display
                    .shared
                    .iter()
                    .find(|s| s.eq_ignore_ascii_case(view))
                    .and_then(|s| {
                        self.shared_views
                            .iter()
                            .find(|v| v.name.eq_ignore_ascii_case(s))
                    })
            })
    }

    /// A view transform by name.
    pub(crate) fn view_transform(&self, name: &str) -> Option<&ViewTransform> {
        self.view_transforms
            .iter()
            .find(|vt| vt.name.eq_ignore_ascii_case(name))
    }

    /// The view transform that bridges the scene and display references: the default one
    /// when it is scene-referred, else the first scene-referred one (as OCIO).
    pub(crate) fn scene_to_display(&self) -> Option<&ViewTransform> {
        self.default_view_transform
            .as_deref()
            .and_then(|n| self.view_transform(n))
            .filter(|vt| vt.reference == Reference::Scene)
            .or_else(|| {
                self.view_transforms
                    .iter()
                    .find(|vt| vt.reference == Reference::Scene)
            })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small config of each part the reader knows (used by the processor tests too).
    pub(crate) const SMALL: &str = r#"ocio_profile_version: 2.1
roles:
  scene_linear: Linear Rec.709
default_view_transform: Un-tone-mapped
shared_views:
  - !<View> {name: Plain, view_transform: Un-tone-mapped, display_colorspace: <USE_DISPLAY_NAME>}
displays:
  sRGB - Display:
    - !<View> {name: Raw, colorspace: Raw}
    - !<Views> [Plain]
view_transforms:
  - !<ViewTransform>
    name: Un-tone-mapped
    from_scene_reference: !<MatrixTransform> {}
display_colorspaces:
  - !<ColorSpace>
    name: sRGB - Display
    from_display_reference: !<ExponentWithLinearTransform> {gamma: 2.4, offset: 0.055, direction: inverse}
colorspaces:
  - !<ColorSpace>
    name: Linear Rec.709
    aliases: [lin_rec709]
  - !<ColorSpace>
    name: Raw
    isdata: true
  - !<ColorSpace>
    name: Doubled
    to_scene_reference: !<MatrixTransform> {matrix: [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1]}
  - !<ColorSpace>
    name: From a LUT
    to_scene_reference: !<FileTransform> {src: grade.cube}
"#;

    #[test]
    fn reads_spaces_roles_displays_and_views() {
        let config = Config::parse(SMALL).expect("valid config");
        assert!(config.has_colour_space("linear rec.709"));
        assert!(config.has_colour_space("lin_rec709"), "aliases");
        assert!(config.has_colour_space("scene_linear"), "roles");
        assert!(!config.has_colour_space("ACEScg"));
        assert_eq!(config.displays(), vec!["sRGB - Display"]);
        assert_eq!(config.views("sRGB - Display"), vec!["Raw", "Plain"]);
        let display = config.display("srgb - display").expect("display");
        let plain = config.view(display, "Plain").expect("shared view");
        assert_eq!(plain.colour_space, "<USE_DISPLAY_NAME>");
        assert_eq!(
            config.scene_to_display().map(|vt| vt.name.as_str()),
            Some("Un-tone-mapped")
        );
    }

    #[test]
    fn refuses_what_is_not_an_ocio_config() {
        let e = Config::parse("a: 1\n").expect_err("no version");
        assert!(e.to_string().contains("ocio_profile_version"), "{e}");
        let e = Config::parse("ocio_profile_version: 3\n").expect_err("future");
        assert!(e.to_string().contains("version 1 and 2"), "{e}");
        let e = Config::parse("ocio_profile_version: 2\ncolorspaces:\n  - !<ColorSpace> {}\n")
            .expect_err("nameless");
        assert!(matches!(e, ColourError::Config { line: 3, .. }), "{e}");
        let e = Config::load(Path::new("/nonexistent/config.ocio")).expect_err("missing");
        assert!(matches!(e, ColourError::Io(_)), "{e}");
    }
}
