//! Reading a take for replay. A last row cut short by a crash is skipped with a warning; any
//! other bad row is an error naming the file and line.

use std::path::Path;

use bevy::math::Vec3;

use super::row::TakeRow;
use crate::pose::Pose;

/// A take read for replay.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Take {
    /// The rows, in time order.
    pub rows: Vec<TakeRow>,
    /// What was skipped and why, each naming the file and line.
    pub warnings: Vec<String>,
}

impl Take {
    /// Reads a take file.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read take: {e}", path.display()))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses take text; `shown` names it in errors and warnings.
    pub fn parse(text: &str, shown: &str) -> Result<Self, String> {
        let lines: Vec<&str> = text.lines().collect();
        let header: Vec<&str> = lines
            .first()
            .map(|h| h.trim().split(',').collect())
            .ok_or_else(|| format!("{shown}:1: empty take file"))?;
        let columns = Columns::find(header, shown)?;
        let last = lines.iter().rposition(|l| !l.trim().is_empty());
        // The writer ends every row with a newline: a last row without one was cut mid-write
        // (even when what is left parses, its last number may be short).
        let unfinished = !text.ends_with('\n') && last == Some(lines.len() - 1);
        let mut take = Take::default();
        for (i, line) in lines.iter().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let n = i + 1;
            let is_last = last == Some(i);
            if is_last && unfinished {
                take.warnings.push(format!(
                    "{shown}:{n}: the last row has no line end (cut short by a crash?); skipped"
                ));
                break;
            }
            match columns.row(line, shown, n) {
                Ok(row) => {
                    if take.rows.last().is_some_and(|r| r.time_s > row.time_s) {
                        return Err(format!("{shown}:{n}: time goes backwards"));
                    }
                    take.rows.push(row);
                }
                Err(e) if is_last => take.warnings.push(format!(
                    "{e} (the last row: cut short by a crash?); skipped"
                )),
                Err(e) => return Err(e),
            }
        }
        Ok(take)
    }

    /// The rows, with the warnings logged.
    fn logged(self) -> Vec<TakeRow> {
        for w in &self.warnings {
            tracing::warn!("{w}");
        }
        self.rows
    }
}

/// Reads a take for replay. Errors name the file and line; skipped rows are logged.
pub fn read_take(path: &Path) -> Result<Vec<TakeRow>, String> {
    Take::read(path).map(Take::logged)
}

/// Parses take text; `shown` names it in errors. Skipped rows are logged.
pub fn parse_take(text: &str, shown: &str) -> Result<Vec<TakeRow>, String> {
    Take::parse(text, shown).map(Take::logged)
}

/// Where each column a replay needs is.
struct Columns<'a> {
    header: Vec<&'a str>,
    t: usize,
    cam: usize,
    position: [usize; 3],
    rotation: [usize; 3],
    zoom: usize,
    focus: usize,
    focal: usize,
    fov: usize,
    source: Option<usize>,
    timecode: Option<usize>,
}

impl<'a> Columns<'a> {
    fn find(header: Vec<&'a str>, shown: &str) -> Result<Self, String> {
        let col = |name: &str| {
            header
                .iter()
                .position(|h| *h == name)
                .ok_or_else(|| format!("{shown}:1: take header has no `{name}` column"))
        };
        let [t, cam, x, y, z, pan, tilt, roll, zoom, focus, focal, fov] = [
            "time_s", "camera", "x", "y", "z", "pan", "tilt", "roll", "zoom", "focus", "focal_mm",
            "fov_deg",
        ]
        .map(col);
        let (t, cam, x, y, z, pan, tilt, roll) = (t?, cam?, x?, y?, z?, pan?, tilt?, roll?);
        let (zoom, focus, focal, fov) = (zoom?, focus?, focal?, fov?);
        let source = header.iter().position(|h| *h == "source");
        let timecode = header.iter().position(|h| *h == "timecode");
        Ok(Self {
            header,
            t,
            cam,
            position: [x, y, z],
            rotation: [pan, tilt, roll],
            zoom,
            focus,
            focal,
            fov,
            source,
            timecode,
        })
    }

    /// Line `n` as a row.
    fn row(&self, line: &str, shown: &str, n: usize) -> Result<TakeRow, String> {
        let header = &self.header;
        let fields: Vec<&str> = line.split(',').collect();
        let at = |c: usize| -> Result<&str, String> {
            fields.get(c).copied().ok_or_else(|| {
                format!(
                    "{shown}:{n}: row has {} fields, the header {}",
                    fields.len(),
                    header.len()
                )
            })
        };
        let num = |c: usize| -> Result<f64, String> {
            let s = at(c)?;
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    format!(
                        "{shown}:{n}: `{s}` in column `{}` is not a number",
                        header[c]
                    )
                })
        };
        let camera = at(self.cam)?;
        let camera = camera
            .trim()
            .parse::<u32>()
            .map_err(|_| format!("{shown}:{n}: camera `{camera}` is not an id"))?;
        let [x, y, z] = self.position;
        let [pan, tilt, roll] = self.rotation;
        Ok(TakeRow {
            time_s: num(self.t)?,
            camera,
            source: self
                .source
                .and_then(|c| fields.get(c))
                .unwrap_or(&"")
                .to_string(),
            raw_position: [0.0; 3],
            raw_rotation: [0.0; 3],
            raw_lens: None,
            pose: Pose {
                position: Vec3::new(num(x)? as f32, num(y)? as f32, num(z)? as f32),
                rotation: [num(pan)? as f32, num(tilt)? as f32, num(roll)? as f32],
            },
            zoom: num(self.zoom)? as f32,
            focus: num(self.focus)? as f32,
            focal_mm: num(self.focal)? as f32,
            fov_deg: num(self.fov)? as f32,
            timecode: self
                .timecode
                .and_then(|c| fields.get(c))
                .filter(|s| !s.is_empty())
                .map(|s| s.to_string()),
        })
    }
}
