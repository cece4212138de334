//! The autosave file: what the live state is written as (RON), and reading it back. A
//! damaged file (cut short, garbled, not UTF-8, another format) is an [`AutosaveError`]
//! naming the file and the line and column where reading stopped, never a panic.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use backlot_params::{Claim, ParamValue, Source};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

use crate::file::CueListDef;
use crate::look::Look;
use crate::show::ShowState;

/// The format this backlot writes and reads; a file of another is ignored with a warning.
/// 2: a fade's start (`from`) is a list in its target's address order (was a map).
pub const FORMAT: u32 = 2;

/// Who drove a parameter ([`Source`] as the file writes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Driver {
    /// The scene file.
    Scene,
    /// A cue list, by label.
    Cue(String),
    /// The reactive layers.
    Layers,
    /// Camera tracking, this tracker.
    Tracking(String),
    /// OSC, this peer.
    Osc(String),
    /// MIDI, this port.
    Midi(String),
    /// DMX, this universe.
    Dmx(u16),
    /// The operator's override.
    Operator,
    /// A render cluster's primary.
    Cluster(String),
}

impl From<&Source> for Driver {
    fn from(source: &Source) -> Self {
        match source {
            Source::Scene => Driver::Scene,
            Source::Cue(label) => Driver::Cue(label.clone()),
            Source::Layers => Driver::Layers,
            Source::Tracking(name) => Driver::Tracking(name.clone()),
            Source::Osc(peer) => Driver::Osc(peer.clone()),
            Source::Midi(port) => Driver::Midi(port.clone()),
            Source::Dmx(universe) => Driver::Dmx(*universe),
            Source::Operator => Driver::Operator,
            Source::Cluster(primary) => Driver::Cluster(primary.clone()),
        }
    }
}

impl From<&Driver> for Source {
    fn from(driver: &Driver) -> Self {
        match driver {
            Driver::Scene => Source::Scene,
            Driver::Cue(label) => Source::Cue(label.clone()),
            Driver::Layers => Source::Layers,
            Driver::Tracking(name) => Source::Tracking(name.clone()),
            Driver::Osc(peer) => Source::Osc(peer.clone()),
            Driver::Midi(port) => Source::Midi(port.clone()),
            Driver::Dmx(universe) => Source::Dmx(*universe),
            Driver::Operator => Source::Operator,
            Driver::Cluster(primary) => Source::Cluster(primary.clone()),
        }
    }
}

/// One parameter's value and who drove it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamState {
    /// The value.
    pub value: ParamValue,
    /// Who drove it.
    pub driver: Driver,
}

/// A parameter the operator held or a controller drove ([`Claim`] as the file writes it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimState {
    /// The parameter.
    pub address: String,
    /// The operator when held, else the controller.
    pub driver: Driver,
    /// The operator's value, while held.
    #[serde(default)]
    pub held: Option<ParamValue>,
    /// Under a hold, the newest controller value and its sender.
    #[serde(default)]
    pub under: Option<(ParamValue, Driver)>,
}

impl From<&Claim> for ClaimState {
    fn from(c: &Claim) -> Self {
        Self {
            address: c.address.clone(),
            driver: Driver::from(&c.driver),
            held: c.held.clone(),
            under: c.under.as_ref().map(|(v, s)| (v.clone(), Driver::from(s))),
        }
    }
}

impl From<&ClaimState> for Claim {
    fn from(c: &ClaimState) -> Self {
        Self {
            address: c.address.clone(),
            driver: Source::from(&c.driver),
            held: c.held.clone(),
            under: c.under.as_ref().map(|(v, d)| (v.clone(), Source::from(d))),
        }
    }
}

/// The live state as an autosave holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Autosave {
    /// [`FORMAT`].
    pub format: u32,
    /// Written by a clean quit: nothing to restore.
    pub clean: bool,
    /// When it was taken, milliseconds since 1970 (UTC).
    pub saved_unix_ms: u64,
    /// The show's name, for messages.
    #[serde(default)]
    pub show: Option<String>,
    /// Every writable parameter's value and driver, by address.
    #[serde(default)]
    pub params: BTreeMap<String, ParamState>,
    /// Operator holds and controller claims ([`backlot_params::Arbiter::claims`]).
    #[serde(default)]
    pub claims: Vec<ClaimState>,
    /// Where every cue list stands.
    #[serde(default)]
    pub playback: Option<ShowState>,
    /// The show's looks, when some were stored, approved or restored since the file was
    /// loaded (shared with the frame: the looks are only copied when they change).
    #[serde(
        default,
        serialize_with = "write_looks",
        deserialize_with = "read_looks"
    )]
    pub looks: Option<Arc<Vec<Look>>>,
    /// The show's cue lists, kept with the looks (cues edited since the file was loaded are
    /// edits too). Absent from autosaves written before cue editing; they read as none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lists: Option<Vec<CueListDef>>,
}

fn write_looks<S: Serializer>(looks: &Option<Arc<Vec<Look>>>, s: S) -> Result<S::Ok, S::Error> {
    looks.as_deref().serialize(s)
}

fn read_looks<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Arc<Vec<Look>>>, D::Error> {
    Ok(Option::<Vec<Look>>::deserialize(d)?.map(Arc::new))
}

impl Autosave {
    /// Whether two autosaves hold the same live state (when and how they were written
    /// aside): a second write of it would say nothing new.
    pub fn same_state(&self, other: &Autosave) -> bool {
        // Looks are shared while unchanged: the same copy is the same looks.
        let looks = match (&self.looks, &other.looks) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
            (a, b) => a.is_none() && b.is_none(),
        };
        looks
            && self.params == other.params
            && self.claims == other.claims
            && self.playback == other.playback
            && self.show == other.show
            && self.lists == other.lists
    }
}

/// Why an autosave was not read.
#[derive(Debug, Error)]
pub enum AutosaveError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not an autosave (cut short, garbled, not UTF-8).
    #[error("{path}:{line}:{col}: {message}")]
    Damaged {
        /// The file.
        path: String,
        /// 1-based line where reading stopped.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What was wrong there.
        message: String,
    },
    /// Written by a backlot with another format.
    #[error("{path}: autosave format {found}; this backlot reads format {FORMAT}")]
    Format {
        /// The file.
        path: String,
        /// The format it has.
        found: u32,
    },
}

/// The autosave as text.
pub fn encode(autosave: &Autosave) -> Result<String, ron::Error> {
    let config = ron::ser::PrettyConfig::new().depth_limit(4);
    ron::Options::default().to_string_pretty(autosave, config)
}

/// Reads an autosave's bytes; `path` names the file in errors.
pub fn decode(bytes: &[u8], path: &Path) -> Result<Autosave, AutosaveError> {
    let shown = path.display().to_string();
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            // Where the valid text ends is where the damage starts.
            let (line, col) = line_col(&bytes[..e.valid_up_to()]);
            return Err(AutosaveError::Damaged {
                path: shown,
                line,
                col,
                message: "not UTF-8 text".into(),
            });
        }
    };
    let parsed: Result<Autosave, _> = ron::Options::default().from_str(text);
    let autosave = parsed.map_err(|e| AutosaveError::Damaged {
        path: shown.clone(),
        line: e.span.start.line,
        col: e.span.start.col,
        message: e.code.to_string(),
    })?;
    if autosave.format != FORMAT {
        return Err(AutosaveError::Format {
            path: shown,
            found: autosave.format,
        });
    }
    Ok(autosave)
}

/// Reads the autosave at `path`: none when there is no file.
pub fn read(path: &Path) -> Result<Option<Autosave>, AutosaveError> {
    match std::fs::read(path) {
        Ok(bytes) => decode(&bytes, path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(AutosaveError::Read {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// 1-based line and column of the end of `bytes` (valid UTF-8 up to there).
fn line_col(bytes: &[u8]) -> (usize, usize) {
    let text = String::from_utf8_lossy(bytes);
    let line = text.matches('\n').count() + 1;
    let col = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// `unix_ms` as `YYYY-MM-DD HH:MM:SS UTC` (the proleptic Gregorian calendar).
pub fn format_time(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let days = secs / 86_400;
    let rest = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 as a date (H. Hinnant's `civil_from_days`, for days ≥ 0).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
