//! What a soak saw, the table it prints and the verdict it reaches.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use super::inputs::CAMERAS;

/// Runs at least this long are judged by their growth rate; on shorter ones the slope is
/// mostly allocator noise, so they get an absolute bound.
const LONG_RUN: Duration = Duration::from_secs(30 * 60);
/// Resident memory growth allowed after warm-up on a long run, percent per hour.
const MAX_GROWTH_PCT_PER_HOUR: f64 = 1.0;
/// Resident memory growth allowed after warm-up on a short run, MB (least-squares fit).
const MAX_SHORT_GROWTH_MB: f64 = 30.0;
/// How much threads and open files may vary after warm-up: a take's writer thread and file
/// come and go, and an OSCQuery connection may be in flight.
const FLAT_SLACK: u64 = 4;
/// Fewer samples than this after warm-up judge nothing.
const MIN_STEADY: usize = 3;

/// Warm-up, from when the engine first answers: the shorter of two minutes and a fifth of
/// the run.
pub fn warm_up(duration: Duration) -> Duration {
    (duration / 5).min(Duration::from_secs(120))
}

/// One look at the process (from /proc) and the engine (over OSCQuery).
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Seconds since the process started.
    pub t: f64,
    /// VmRSS, MB.
    pub rss_mb: f64,
    /// Threads.
    pub threads: u64,
    /// Entries in /proc/PID/fd.
    pub fds: u64,
    /// `/status/frames` (None: OSCQuery did not answer).
    pub frames: Option<f64>,
    /// `/status/fps`.
    pub fps: Option<f64>,
}

/// Everything a run saw.
#[derive(Debug, Clone)]
pub struct Report {
    /// What ran, one line.
    pub description: String,
    /// How long it was meant to run.
    pub duration: Duration,
    /// Every five seconds.
    pub samples: Vec<Sample>,
    /// When the engine first answered with frames, seconds since start.
    pub engine_up: Option<f64>,
    /// How the process ended before the run did, if it did.
    pub exited: Option<String>,
    /// `panicked` in the log.
    pub panics: usize,
    /// Datagrams sent by the input streams.
    pub packets: u64,
    /// Scene edits made.
    pub reloads_sent: usize,
    /// Scene loads logged (the first one included).
    pub reloads_seen: usize,
    /// The stage loaded with every camera.
    pub stage_loaded: bool,
    /// `/takes/record` sent.
    pub take_toggles: usize,
    /// Times `/takes/recording` disagreed with the toggles sent.
    pub take_mismatches: Vec<String>,
    /// Take files written.
    pub take_files: usize,
    /// `/tracking/<id>/packets` of each camera at the end.
    pub freed_packets: Vec<Option<f64>>,
    /// The run's folder (stage, map, scene copy, log).
    pub dir: PathBuf,
}

/// Least-squares line through the points: slope, and the fitted value at the first x.
fn fit(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (num, den) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| {
        (a + (x - mx) * (y - my), b + (x - mx) * (x - mx))
    });
    let slope = if den == 0.0 { 0.0 } else { num / den };
    let x0 = points.first().map_or(mx, |p| p.0);
    (slope, my + slope * (x0 - mx))
}

/// Resident memory growth over steady samples.
struct Growth {
    /// MB per hour.
    mb_per_hour: f64,
    /// Percent of the fitted start per hour.
    pct_per_hour: f64,
    /// MB over the samples' span, on the fitted line.
    fitted_mb: f64,
}

fn growth(steady: &[Sample]) -> Growth {
    let points: Vec<(f64, f64)> = steady.iter().map(|s| (s.t, s.rss_mb)).collect();
    let (slope, start) = fit(&points);
    let span = match (steady.first(), steady.last()) {
        (Some(a), Some(b)) => b.t - a.t,
        _ => 0.0,
    };
    Growth {
        mb_per_hour: slope * 3600.0,
        pct_per_hour: if start > 0.0 {
            slope * 3600.0 / start * 100.0
        } else {
            0.0
        },
        fitted_mb: slope * span,
    }
}

/// Least and most of some counts.
fn span(values: impl Iterator<Item = u64>) -> (u64, u64) {
    values.fold((u64::MAX, 0), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// Mean frame time over the window between two samples, ms: elapsed time over frames run.
/// A window without frames counts as one frame as long as the window.
fn window_ms(a: &Sample, b: &Sample) -> Option<f64> {
    let (fa, fb) = (a.frames?, b.frames?);
    Some((b.t - a.t) * 1000.0 / (fb - fa).max(1.0))
}

/// The `q` quantile (0..1) of `values`, nearest rank.
fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).max(1);
    sorted.get(rank - 1).copied()
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.decimals$}"))
}

impl Report {
    /// Seconds since start when warm-up ends (None: the engine never came up).
    fn warm_end(&self) -> Option<f64> {
        self.engine_up
            .map(|up| up + warm_up(self.duration).as_secs_f64())
    }

    /// Samples after warm-up.
    fn steady(&self) -> Vec<Sample> {
        let Some(end) = self.warm_end() else {
            return Vec::new();
        };
        self.samples
            .iter()
            .filter(|s| s.t >= end)
            .copied()
            .collect()
    }

    /// Frame time of each window after warm-up, ms.
    fn frame_times(&self) -> Vec<f64> {
        self.steady()
            .windows(2)
            .filter_map(|w| window_ms(&w[0], &w[1]))
            .collect()
    }

    /// The samples as a table, then what they add up to.
    pub fn table(&self) -> String {
        let mut out = format!("{}\n", self.description);
        let _ = writeln!(
            out,
            "{:>7} {:>9} {:>8} {:>5} {:>9} {:>7} {:>9}",
            "t (s)", "RSS (MB)", "threads", "fds", "frames", "fps", "frame ms"
        );
        let mut last: Option<&Sample> = None;
        for s in &self.samples {
            let ms = last.and_then(|a| window_ms(a, s));
            let _ = writeln!(
                out,
                "{:>7.0} {:>9.1} {:>8} {:>5} {:>9} {:>7} {:>9}",
                s.t,
                s.rss_mb,
                s.threads,
                s.fds,
                opt(s.frames, 0),
                opt(s.fps, 1),
                opt(ms, 1)
            );
            last = Some(s);
        }
        let warm = warm_up(self.duration).as_secs_f64();
        match self.engine_up {
            Some(up) => {
                let _ = writeln!(
                    out,
                    "warm-up: engine up at {up:.0} s, steady from {:.0} s (the shorter of 2 min \
                     and 20 % of the run after the engine is up)",
                    up + warm
                );
            }
            None => out.push_str("warm-up: the engine never answered /status/frames\n"),
        }
        let steady = self.steady();
        if let (Some(a), Some(b)) = (steady.first(), steady.last()) {
            let g = growth(&steady);
            let (t_lo, t_hi) = span(steady.iter().map(|s| s.threads));
            let (f_lo, f_hi) = span(steady.iter().map(|s| s.fds));
            let _ = writeln!(
                out,
                "RSS after warm-up: {:.1} -> {:.1} MB; least squares {:+.1} MB/h ({:+.2} %/h), \
                 {:+.1} MB over {:.0} s",
                a.rss_mb,
                b.rss_mb,
                g.mb_per_hour,
                g.pct_per_hour,
                g.fitted_mb,
                b.t - a.t
            );
            let _ = writeln!(
                out,
                "threads after warm-up: {t_lo}..{t_hi}; open files: {f_lo}..{f_hi}"
            );
            let times = self.frame_times();
            let _ = writeln!(
                out,
                "frame time after warm-up: median {} ms, p99 {} ms over {} windows (each the \
                 mean of a 5 s window from /status/frames, which is published once a second: \
                 not per-frame times, and a window may be off by up to a second)",
                opt(quantile(&times, 0.5), 1),
                opt(quantile(&times, 0.99), 1),
                times.len()
            );
        }
        let freed: Vec<String> = self.freed_packets.iter().map(|p| opt(*p, 0)).collect();
        let _ = writeln!(
            out,
            "inputs: {} datagrams sent; FreeD packets per camera: {}",
            self.packets,
            freed.join(", ")
        );
        let _ = writeln!(
            out,
            "scene: {} edits, {} loads logged; takes: {} toggles, {} files",
            self.reloads_sent, self.reloads_seen, self.take_toggles, self.take_files
        );
        let _ = writeln!(out, "files and log: {}", self.dir.display());
        out
    }

    /// Pass or fail on each count.
    pub fn verdict(&self) -> Verdict {
        let mut checks = Vec::new();
        let mut check = |name: &str, passed: bool, detail: String| {
            checks.push(Check {
                name: name.to_string(),
                passed,
                detail,
            })
        };
        let up = match self.engine_up {
            Some(t) => format!("frames over OSCQuery after {t:.0} s"),
            None => "never answered /status/frames".to_string(),
        };
        check("engine up", self.engine_up.is_some(), up);
        let end = match &self.exited {
            Some(e) => format!("exited: {e}"),
            None => "running to the end".to_string(),
        };
        check("no crash", self.exited.is_none(), end);
        check(
            "no panics",
            self.panics == 0,
            format!("{} `panicked` in the log", self.panics),
        );
        let steady = self.steady();
        check(
            "samples after warm-up",
            steady.len() >= MIN_STEADY,
            format!("{} (at least {MIN_STEADY})", steady.len()),
        );
        if let (Some(a), Some(b)) = (steady.first(), steady.last())
            && steady.len() >= MIN_STEADY
        {
            let advanced = matches!((a.frames, b.frames), (Some(x), Some(y)) if y > x);
            check(
                "frames advance",
                advanced,
                format!("{} -> {}", opt(a.frames, 0), opt(b.frames, 0)),
            );
            let g = growth(&steady);
            if self.duration >= LONG_RUN {
                check(
                    "RSS growth",
                    g.pct_per_hour < MAX_GROWTH_PCT_PER_HOUR,
                    format!(
                        "{:+.2} %/h, least squares (limit {MAX_GROWTH_PCT_PER_HOUR} %/h)",
                        g.pct_per_hour
                    ),
                );
            } else {
                check(
                    "RSS growth",
                    g.fitted_mb < MAX_SHORT_GROWTH_MB,
                    format!(
                        "{:+.1} MB over {:.0} s, least squares (limit {MAX_SHORT_GROWTH_MB} MB \
                         for runs under {} min)",
                        g.fitted_mb,
                        b.t - a.t,
                        LONG_RUN.as_secs() / 60
                    ),
                );
            }
            let (lo, hi) = span(steady.iter().map(|s| s.threads));
            check(
                "threads flat",
                hi.saturating_sub(lo) <= FLAT_SLACK,
                format!("{lo}..{hi} (slack {FLAT_SLACK})"),
            );
            let (lo, hi) = span(steady.iter().map(|s| s.fds));
            check(
                "open files flat",
                hi.saturating_sub(lo) <= FLAT_SLACK,
                format!("{lo}..{hi} (slack {FLAT_SLACK})"),
            );
        }
        check(
            "stage loaded",
            self.stage_loaded,
            format!("the soak wall with {CAMERAS} tracked cameras"),
        );
        let reached = |p: &Option<f64>| p.is_some_and(|n| n > 0.0);
        let tracked = self.freed_packets.len() == CAMERAS && self.freed_packets.iter().all(reached);
        check(
            "FreeD reaches every camera",
            tracked,
            format!("/tracking/<id>/packets: {:?}", self.freed_packets),
        );
        check(
            "scene reloads",
            self.reloads_seen > self.reloads_sent,
            format!(
                "{} edits, {} loads logged (the first load included)",
                self.reloads_sent, self.reloads_seen
            ),
        );
        // A run too short to reach the first toggle has nothing to judge.
        let toggled = self.take_toggles > 0 || self.duration < Duration::from_secs(60);
        check(
            "takes follow /takes/record",
            toggled && self.take_mismatches.is_empty(),
            if self.take_mismatches.is_empty() {
                format!("{} toggles, {} files", self.take_toggles, self.take_files)
            } else {
                self.take_mismatches.join("; ")
            },
        );
        Verdict { checks }
    }
}

/// One judged count.
#[derive(Debug, Clone)]
struct Check {
    name: String,
    passed: bool,
    detail: String,
}

/// Every check of a run.
#[derive(Debug, Clone)]
pub struct Verdict {
    checks: Vec<Check>,
}

impl Verdict {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    /// One line per check, then the verdict.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            let mark = if c.passed { "pass" } else { "FAIL" };
            let _ = writeln!(out, "{mark}  {}: {}", c.name, c.detail);
        }
        let _ = writeln!(
            out,
            "verdict: {}",
            if self.passed() { "PASS" } else { "FAIL" }
        );
        out
    }
}
