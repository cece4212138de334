//! Take files: every tracking sample of every camera as a CSV row, for post-production,
//! and their replay as a live source.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use bevy::math::Vec3;

use crate::pose::Pose;

/// The CSV header, the contract with post-production tools.
pub const HEADER: &str = "time_s,camera,source,raw_x,raw_y,raw_z,raw_pan,raw_tilt,raw_roll,raw_zoom,raw_focus,x,y,z,pan,tilt,roll,zoom,focus,focal_mm,fov_deg,timecode";

/// One row.
#[derive(Debug, Clone, PartialEq)]
pub struct TakeRow {
    /// Seconds since the take started (receive time).
    pub time_s: f64,
    /// Camera id.
    pub camera: u32,
    /// Tracker name (`replay` when re-recorded from a replay).
    pub source: String,
    /// Pose as the tracker sent it: FreeD millimetres and degrees, OSC metres and degrees.
    pub raw_position: [f64; 3],
    /// Raw pan, tilt, roll.
    pub raw_rotation: [f64; 3],
    /// Raw zoom and focus encoder values, when the protocol carries them.
    pub raw_lens: Option<(u32, u32)>,
    /// Calibrated lens position and orientation in stage space.
    pub pose: Pose,
    /// Normalised zoom and focus.
    pub zoom: f32,
    /// Normalised focus.
    pub focus: f32,
    /// Focal length, mm.
    pub focal_mm: f32,
    /// Horizontal field of view, degrees.
    pub fov_deg: f32,
    /// SMPTE label when a timecode source is known.
    pub timecode: Option<String>,
}

impl TakeRow {
    /// The CSV line (no newline).
    pub fn to_csv(&self) -> String {
        let [rx, ry, rz] = self.raw_position;
        let [rp, rt, rr] = self.raw_rotation;
        let (zoom, focus) = self
            .raw_lens
            .map_or((String::new(), String::new()), |(z, f)| {
                (z.to_string(), f.to_string())
            });
        let p = self.pose.position;
        let [pan, tilt, roll] = self.pose.rotation;
        let source = self.source.replace([',', '\n', '\r', '"'], "_");
        format!(
            "{:.6},{},{source},{rx:.4},{ry:.4},{rz:.4},{rp:.6},{rt:.6},{rr:.6},{zoom},{focus},{:.6},{:.6},{:.6},{pan:.6},{tilt:.6},{roll:.6},{:.6},{:.6},{:.4},{:.6},{}",
            self.time_s,
            self.camera,
            p.x,
            p.y,
            p.z,
            self.zoom,
            self.focus,
            self.focal_mm,
            self.fov_deg,
            self.timecode.as_deref().unwrap_or(""),
        )
    }
}

/// Writes rows on a thread of its own, flushing after every burst so a crash loses at most
/// the rows of the last frame.
#[derive(Debug)]
pub struct TakeWriter {
    path: PathBuf,
    rows: Option<mpsc::Sender<String>>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
    /// Rows sent so far.
    pub count: u64,
}

impl TakeWriter {
    /// Creates the file (and its folder) and writes the header.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut out = BufWriter::new(File::create(path)?);
        writeln!(out, "{HEADER}")?;
        out.flush()?;
        let (tx, rx) = mpsc::channel::<String>();
        let thread = std::thread::Builder::new()
            .name("backlot-take-writer".into())
            .spawn(move || -> std::io::Result<()> {
                loop {
                    match rx.recv_timeout(Duration::from_millis(100)) {
                        Ok(line) => writeln!(out, "{line}")?,
                        Err(mpsc::RecvTimeoutError::Timeout) => out.flush()?,
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    }
                    // Drain what is queued, then flush the burst.
                    while let Ok(line) = rx.try_recv() {
                        writeln!(out, "{line}")?;
                    }
                    out.flush()?;
                }
                out.flush()?;
                out.into_inner().map_err(|e| e.into_error())?.sync_all()
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            rows: Some(tx),
            thread: Some(thread),
            count: 0,
        })
    }

    /// Queues a row.
    pub fn write(&mut self, row: &TakeRow) {
        if let Some(tx) = &self.rows
            && tx.send(row.to_csv()).is_ok()
        {
            self.count += 1;
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes everything queued, syncs the file and closes it.
    pub fn finish(mut self) -> std::io::Result<PathBuf> {
        self.close()?;
        Ok(self.path.clone())
    }

    fn close(&mut self) -> std::io::Result<()> {
        self.rows = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(std::io::Error::other("take writer thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for TakeWriter {
    fn drop(&mut self) {
        if let Err(e) = self.close() {
            tracing::error!("take {}: {e}", self.path.display());
        }
    }
}

/// Reads a take for replay. Errors name the file and line.
pub fn read_take(path: &Path) -> Result<Vec<TakeRow>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read take: {e}", path.display()))?;
    parse_take(&text, &path.display().to_string())
}

/// Parses take text; `shown` names it in errors.
pub fn parse_take(text: &str, shown: &str) -> Result<Vec<TakeRow>, String> {
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = lines
        .next()
        .map(|(_, h)| h.trim().split(',').collect())
        .ok_or_else(|| format!("{shown}:1: empty take file"))?;
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
    let mut rows = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        let at = |c: usize| -> Result<&str, String> {
            fields.get(c).copied().ok_or_else(|| {
                format!(
                    "{shown}:{}: row has {} fields, the header {}",
                    i + 1,
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
                        "{shown}:{}: `{s}` in column `{}` is not a number",
                        i + 1,
                        header[c]
                    )
                })
        };
        let camera = at(cam)?.trim().parse::<u32>().map_err(|_| {
            format!(
                "{shown}:{}: camera `{}` is not an id",
                i + 1,
                at(cam).unwrap_or("")
            )
        })?;
        let time_s = num(t)?;
        if rows.last().is_some_and(|r: &TakeRow| r.time_s > time_s) {
            return Err(format!("{shown}:{}: time goes backwards", i + 1));
        }
        rows.push(TakeRow {
            time_s,
            camera,
            source: source
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
            zoom: num(zoom)? as f32,
            focus: num(focus)? as f32,
            focal_mm: num(focal)? as f32,
            fov_deg: num(fov)? as f32,
            timecode: timecode
                .and_then(|c| fields.get(c))
                .filter(|s| !s.is_empty())
                .map(|s| s.to_string()),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: f64) -> TakeRow {
        TakeRow {
            time_s: t,
            camera: 1,
            source: "freed".into(),
            raw_position: [1000.0, -2500.25, 1500.0],
            raw_rotation: [90.0, -10.5, 0.0],
            raw_lens: Some((0x80000, 0x10000)),
            pose: Pose {
                position: Vec3::new(1.0, 1.5, 2.50025),
                rotation: [90.0, -10.5, 0.0],
            },
            zoom: 0.5,
            focus: 0.25,
            focal_mm: 50.0,
            fov_deg: 39.597_75,
            timecode: Some("01:02:03:04".into()),
        }
    }

    #[test]
    fn rows_survive_the_file() {
        let dir = std::env::temp_dir().join(format!("backlot-take-{}", std::process::id()));
        let path = dir.join("take.csv");
        let mut w = TakeWriter::create(&path).expect("create");
        for i in 0..100 {
            w.write(&row(f64::from(i) / 100.0));
        }
        assert_eq!(w.count, 100);
        w.finish().expect("finish");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.starts_with(HEADER));
        assert_eq!(text.lines().count(), 101);
        let rows = read_take(&path).expect("parse");
        assert_eq!(rows.len(), 100);
        let r = &rows[42];
        assert!((r.time_s - 0.42).abs() < 1e-9);
        assert_eq!(r.pose, row(0.0).pose);
        assert_eq!(r.timecode.as_deref(), Some("01:02:03:04"));
        assert!((r.fov_deg - 39.597_75).abs() < 1e-5);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn bad_takes_name_the_line() {
        let good = format!("{HEADER}\n{}\n", row(0.0).to_csv());
        assert!(parse_take(&good, "t.csv").is_ok());
        let e = parse_take(
            &format!("{good}{}\n", row(1.0).to_csv().replace("1.500000", "x")),
            "t.csv",
        )
        .expect_err("bad number");
        assert!(e.starts_with("t.csv:3:"), "{e}");
        let e = parse_take("time_s,camera\n0,1\n", "t.csv").expect_err("short header");
        assert!(e.contains("t.csv:1:") && e.contains("`x`"), "{e}");
        let e = parse_take(&format!("{good}{}\n", row(-1.0).to_csv()), "t.csv").expect_err("order");
        assert!(e.contains("t.csv:3: time goes backwards"), "{e}");
        let e = parse_take(&format!("{good}1.0,1,freed\n"), "t.csv").expect_err("short row");
        assert!(e.starts_with("t.csv:3:"), "{e}");
        assert!(parse_take("", "t.csv").is_err());
    }
}
