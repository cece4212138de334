//! The data of a show file: the files it runs, its looks and its cue lists.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use backlot_files::FileError;
use serde::{Deserialize, Serialize};

use crate::fade::{DEFAULT_SWITCH_AT, FadeCurve};
use crate::look::Look;

/// One cue of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CueDef {
    /// Unique in its list (lighting people number cues: `"1"`, `"2.5"` are fine).
    pub name: String,
    /// The look it fades to.
    pub look: String,
    /// Fade time, seconds (0: a snap).
    #[serde(default)]
    pub fade: f32,
    /// Wait after GO before the fade starts, seconds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delay: f32,
    /// GO the next cue by itself this long after this cue's GO, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow: Option<f32>,
    /// The fade's shape.
    #[serde(default, skip_serializing_if = "is_linear")]
    pub curve: FadeCurve,
    /// Where in the fade (0..=1 of its time) values that cannot fade switch.
    #[serde(
        default = "default_switch_at",
        skip_serializing_if = "is_default_switch"
    )]
    pub switch_at: f32,
    /// The cue GO plays after this one; none: the one below it in the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Timecode that plays this cue, `hh:mm:ss:ff` at the show's `timecode_fps`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timecode: Option<String>,
}

impl CueDef {
    /// A cue playing `look` as a snap, everything else as the file's defaults.
    pub fn new(name: impl Into<String>, look: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            look: look.into(),
            fade: 0.0,
            delay: 0.0,
            follow: None,
            curve: FadeCurve::Linear,
            switch_at: DEFAULT_SWITCH_AT,
            next: None,
            timecode: None,
        }
    }
}

/// A list of cues, played on its own beside the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CueListDef {
    /// Unique, of `[A-Za-z0-9_-]`: its status lives at `/show/<name>/…`.
    pub name: String,
    /// RELEASE fades what the list holds back to the scene in this long, seconds.
    #[serde(default = "default_release_fade")]
    pub release_fade: f32,
    /// The cues, in GO order.
    pub cues: Vec<CueDef>,
}

/// A whole `*.show.ron`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowFile {
    /// The show's name, for titles and messages.
    pub name: String,
    /// The scene file, relative to the show file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene: Option<PathBuf>,
    /// The stage file, relative to the show file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<PathBuf>,
    /// The control map file, relative to the show file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<PathBuf>,
    /// The layer set file, relative to the show file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<PathBuf>,
    /// Frames per second of the cues' `timecode`s.
    #[serde(default = "default_timecode_fps")]
    pub timecode_fps: f32,
    /// The looks.
    #[serde(default)]
    pub looks: Vec<Look>,
    /// The cue lists, each played in parallel with the others.
    #[serde(default)]
    pub lists: Vec<CueListDef>,
    /// Where things stand in the text it was parsed from, for problems found later.
    #[serde(skip)]
    pub positions: Positions,
}

/// Where a parsed show file's looks stand in its text: what a check that needs the live
/// parameters (after the scene loaded) points its problems at.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Positions {
    /// The file as named in messages.
    pub shown: String,
    /// Per look name: the line and column of each value's address.
    pub values: BTreeMap<String, BTreeMap<String, (usize, usize)>>,
    /// Per look name: the line and column of its name.
    pub looks: BTreeMap<String, (usize, usize)>,
}

impl Positions {
    /// A problem with value `address` of look `look`, at the address's position (the look's,
    /// or the file's start, when not known).
    pub fn value_problem(&self, look: &str, address: &str, message: String) -> FileError {
        let (line, col) = self
            .values
            .get(look)
            .and_then(|v| v.get(address))
            .or_else(|| self.looks.get(look))
            .copied()
            .unwrap_or((1, 1));
        FileError {
            path: self.shown.clone(),
            line,
            col,
            message,
        }
    }
}

fn default_switch_at() -> f32 {
    DEFAULT_SWITCH_AT
}

fn default_release_fade() -> f32 {
    2.0
}

fn default_timecode_fps() -> f32 {
    25.0
}

fn is_zero(v: &f32) -> bool {
    *v == 0.0
}

fn is_linear(c: &FadeCurve) -> bool {
    *c == FadeCurve::Linear
}

fn is_default_switch(v: &f32) -> bool {
    *v == DEFAULT_SWITCH_AT
}

impl ShowFile {
    /// The scene file's path, given the show file's own.
    pub fn scene_path(&self, show_file: &Path) -> Option<PathBuf> {
        self.scene.as_deref().map(|p| beside(show_file, p))
    }

    /// The stage file's path, given the show file's own.
    pub fn stage_path(&self, show_file: &Path) -> Option<PathBuf> {
        self.stage.as_deref().map(|p| beside(show_file, p))
    }

    /// The control map's path, given the show file's own.
    pub fn map_path(&self, show_file: &Path) -> Option<PathBuf> {
        self.map.as_deref().map(|p| beside(show_file, p))
    }

    /// The layer set's path, given the show file's own.
    pub fn layers_path(&self, show_file: &Path) -> Option<PathBuf> {
        self.layers.as_deref().map(|p| beside(show_file, p))
    }

    /// The list called `name`.
    pub fn list(&self, name: &str) -> Option<&CueListDef> {
        self.lists.iter().find(|l| l.name == name)
    }

    /// The file as RON text, as `backlot` writes it (positions are not part of it).
    pub fn to_ron(&self) -> Result<String, ron::Error> {
        let config = ron::ser::PrettyConfig::new()
            .depth_limit(4)
            .struct_names(false);
        ron::ser::to_string_pretty(self, config)
    }
}

/// `relative` as seen from the folder of `file` (an absolute `relative` stays as it is).
fn beside(file: &Path, relative: &Path) -> PathBuf {
    file.parent().unwrap_or(Path::new("")).join(relative)
}
