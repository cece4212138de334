//! The soak: `backlot run --headless` on neon_club with its layer set, a flat wall with four
//! FreeD-tracked cameras and every input at show rates over loopback (see `inputs.rs`),
//! takes toggled every 30 s and the scene file edited every minute (the first of each during
//! warm-up). Every 5 s it samples the process (resident memory, threads and open files, from
//! /proc) and the engine (frames and fps, over OSCQuery); `verdict.rs` judges what came after
//! warm-up. Shared by `cargo bench --bench soak` and the e2e test `soak`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rosc::{OscMessage, OscPacket, OscType};

use super::inputs::{CAMERAS, Ports, map_text, stage_text, stream_inputs};
use super::verdict::{Report, Sample, warm_up};

/// How often the process and the engine are sampled.
const SAMPLE: Duration = Duration::from_secs(5);
/// How often `/takes/record` is sent (each starts or stops a take).
const TAKE_EVERY: Duration = Duration::from_secs(30);
/// How often the scene file is edited, unless the run says otherwise.
const RELOAD_EVERY: Duration = Duration::from_secs(60);
/// No toggle or edit this close to the end: its effect must show before the run stops.
const QUIET_END: Duration = Duration::from_secs(10);
/// How often the run looks at the clock and whether the process lives.
const TICK: Duration = Duration::from_millis(100);
/// OSCQuery answers within this, or the sample goes without.
const HTTP_TIMEOUT: Duration = Duration::from_secs(2);

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `backlot` binary.
    pub binary: PathBuf,
    /// How long, from the start of the process.
    pub duration: Duration,
    /// A small wall and inner renders (lavapipe keeps up); else flat_wall's full size.
    pub small: bool,
    /// The scene view, `--size`.
    pub size: (u32, u32),
    /// How often the scene file is edited (`--reload-every SECS`: a faster pace shows
    /// what a reload costs in memory within minutes instead of hours).
    pub reload_every: Duration,
}

impl Config {
    /// The CI run: two minutes, the small wall, a small view; judged by the loose bound.
    pub fn ci(binary: PathBuf) -> Self {
        Self {
            binary,
            duration: Duration::from_secs(120),
            small: true,
            size: (160, 90),
            reload_every: RELOAD_EVERY,
        }
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The run's files, in a folder of its own.
struct Files {
    dir: PathBuf,
    scene: PathBuf,
    stage: PathBuf,
    map: PathBuf,
    takes: PathBuf,
    log: PathBuf,
}

fn write_files(config: &Config, ports: &Ports) -> std::io::Result<Files> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("backlot-soak-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    // A copy, so the edits that reload it leave the shipped scene alone.
    let scene = dir.join("soak.scene.ron");
    std::fs::copy(repo().join("scenes/neon_club.scene.ron"), &scene)?;
    let stage = dir.join("soak.stage.ron");
    std::fs::write(&stage, stage_text(config.small, ports.freed))?;
    let map = dir.join("soak.map.ron");
    std::fs::write(&map, map_text())?;
    let takes = dir.join("takes");
    std::fs::create_dir_all(&takes)?;
    Ok(Files {
        log: dir.join("backlot.log"),
        dir,
        scene,
        stage,
        map,
        takes,
    })
}

fn spawn(config: &Config, ports: &Ports, files: &Files) -> std::io::Result<Child> {
    let (w, h) = config.size;
    let log = std::fs::File::create(&files.log)?;
    Command::new(&config.binary)
        .current_dir(repo())
        .env("RUST_LOG", "info")
        .args([
            "run",
            "--headless",
            "--size",
            &format!("{w}x{h}"),
            "--scene",
        ])
        .arg(&files.scene)
        .arg("--layers")
        .arg(repo().join("scenes/neon_club.layers.ron"))
        .arg("--stage")
        .arg(&files.stage)
        .arg("--map")
        .arg(&files.map)
        .arg("--takes-dir")
        .arg(&files.takes)
        .args(["--osc-port", &ports.osc.to_string()])
        .args(["--osc-tcp-port", &ports.osc_tcp.to_string()])
        .args(["--oscquery-port", &ports.oscquery.to_string()])
        .args(["--artnet-port", &ports.artnet.to_string()])
        .args(["--sacn-port", &ports.sacn.to_string()])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
}

/// Resident MB, threads and open files of `pid`; None once it is gone (or a zombie).
fn process(pid: u32) -> Option<(f64, u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |key: &str| -> Option<u64> {
        let line = status.lines().find_map(|l| l.strip_prefix(key))?;
        line.split_whitespace().next()?.parse().ok()
    };
    let rss_kb = field("VmRSS:")?;
    let threads = field("Threads:")?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64;
    Some((rss_kb as f64 / 1024.0, threads, fds))
}

/// The VALUE of `address` over OSCQuery, as the text inside its brackets.
fn value_text(port: u16, address: &str) -> Option<String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, HTTP_TIMEOUT).ok()?;
    s.set_read_timeout(Some(HTTP_TIMEOUT)).ok()?;
    s.set_write_timeout(Some(HTTP_TIMEOUT)).ok()?;
    write!(
        s,
        "GET {address}?VALUE HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let (_, body) = text.split_once("{\"VALUE\":[")?;
    body.split_once(']').map(|(inner, _)| inner.to_string())
}

/// The first number of `address`'s VALUE.
fn value(port: u16, address: &str) -> Option<f64> {
    value_text(port, address)?
        .split(',')
        .next()?
        .trim()
        .parse()
        .ok()
}

fn send_osc(sock: &UdpSocket, port: u16, address: &str, args: Vec<OscType>) {
    let msg = OscPacket::Message(OscMessage {
        addr: address.into(),
        args,
    });
    if let Ok(bytes) = rosc::encoder::encode(&msg) {
        let _ = sock.send_to(&bytes, ("127.0.0.1", port));
    }
}

/// What `/takes/recording` says after `toggles` sends of `/takes/record`, when it is not
/// what they should have made it.
fn take_mismatch(port: u16, toggles: usize) -> Option<String> {
    let expected = toggles % 2 == 1;
    let seen = value_text(port, "/takes/recording");
    match seen.as_deref().map(str::trim) {
        Some("true") if expected => None,
        Some("false") if !expected => None,
        other => Some(format!(
            "after {toggles} toggles /takes/recording was {other:?}, expected {expected}"
        )),
    }
}

/// Appends a comment to the scene: a change on disk, the same scene.
fn edit_scene(files: &Files, n: usize) {
    let edit = std::fs::OpenOptions::new()
        .append(true)
        .open(&files.scene)
        .and_then(|mut f| writeln!(f, "// soak edit {n}"));
    if let Err(e) = edit {
        eprintln!("soak: cannot edit {}: {e}", files.scene.display());
    }
}

/// What the run loop gathered.
#[derive(Default)]
struct Progress {
    samples: Vec<Sample>,
    engine_up: Option<f64>,
    exited: Option<String>,
    toggles: usize,
    mismatches: Vec<String>,
    reloads: usize,
}

/// Samples, toggles takes and edits the scene until the run is over or the process exits.
fn drive(
    config: &Config,
    ports: &Ports,
    files: &Files,
    control: &UdpSocket,
    child: &mut Child,
) -> Progress {
    let mut p = Progress::default();
    let pid = child.id();
    let start = Instant::now();
    let end = start + config.duration;
    let mut next_sample = start + SAMPLE;
    // Both start once the engine is up (a toggle sent before it listens would be lost), the
    // first of each halfway through warm-up: what a first take or reload sets up for good
    // (buffers, pipelines, caches) belongs to warm-up, not to growth.
    let first = warm_up(config.duration) / 2;
    let mut next_take: Option<Instant> = None;
    let mut next_edit: Option<Instant> = None;
    while Instant::now() < end {
        std::thread::sleep(TICK);
        if let Ok(Some(status)) = child.try_wait() {
            p.exited = Some(status.to_string());
            break;
        }
        let now = Instant::now();
        if now >= next_sample {
            next_sample = now + SAMPLE;
            let t = start.elapsed().as_secs_f64();
            if let Some((rss_mb, threads, fds)) = process(pid) {
                let frames = value(ports.oscquery, "/status/frames");
                let fps = value(ports.oscquery, "/status/fps");
                if p.engine_up.is_none() && frames.is_some_and(|f| f >= 1.0) {
                    p.engine_up = Some(t);
                    next_take = Some(now + first.min(TAKE_EVERY));
                    next_edit = Some(now + first.min(config.reload_every));
                }
                // Progress for long runs (the e2e harness captures it).
                eprintln!(
                    "soak {t:>6.0} s: RSS {rss_mb:.1} MB, {threads} threads, {fds} files, \
                     frames {frames:?}"
                );
                p.samples.push(Sample {
                    t,
                    rss_mb,
                    threads,
                    fds,
                    frames,
                    fps,
                });
            }
        }
        let quiet = end.saturating_duration_since(now) < QUIET_END;
        if let Some(at) = next_take
            && now >= at
            && !quiet
        {
            // The last toggle has had its 30 s: the take it started or stopped must show.
            if p.toggles > 0
                && let Some(m) = take_mismatch(ports.oscquery, p.toggles)
            {
                p.mismatches.push(m);
            }
            send_osc(
                control,
                ports.osc,
                "/takes/record",
                vec![OscType::Float(1.0)],
            );
            p.toggles += 1;
            next_take = Some(at + TAKE_EVERY);
        }
        if let Some(at) = next_edit
            && now >= at
            && !quiet
        {
            p.reloads += 1;
            edit_scene(files, p.reloads);
            next_edit = Some(at + config.reload_every);
        }
    }
    if p.exited.is_none()
        && p.toggles > 0
        && let Some(m) = take_mismatch(ports.oscquery, p.toggles)
    {
        p.mismatches.push(m);
    }
    p
}

/// Runs the soak; Err when it could not start.
pub fn run(config: &Config) -> Result<Report, String> {
    let ports = Ports::pick().map_err(|e| format!("no free loopback ports: {e}"))?;
    let files =
        write_files(config, &ports).map_err(|e| format!("cannot write the run's files: {e}"))?;
    let control =
        UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("no socket to send OSC: {e}"))?;
    let mut child = spawn(config, &ports, &files)
        .map_err(|e| format!("cannot start {}: {e}", config.binary.display()))?;
    let stop = Arc::new(AtomicBool::new(false));
    let streamer = stream_inputs(ports, stop.clone());
    let mut p = drive(config, &ports, &files, &control, &mut child);
    // Read before the inputs stop and the process goes.
    let freed_packets: Vec<Option<f64>> = (1..=CAMERAS)
        .map(|id| value(ports.oscquery, &format!("/tracking/{id}/packets")))
        .collect();
    stop.store(true, Ordering::Relaxed);
    let packets = streamer.join().unwrap_or(0);
    if p.exited.is_none()
        && let Ok(Some(status)) = child.try_wait()
    {
        p.exited = Some(status.to_string());
    }
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(&files.log).unwrap_or_default();
    let loads = |what: &str, also: &str| {
        log.lines()
            .filter(|l| l.contains(what) && l.contains(also))
            .count()
    };
    let take_files = std::fs::read_dir(&files.takes).map_or(0, |d| d.count());
    // Takes grow by megabytes a minute; the rest of the folder stays for a look.
    let _ = std::fs::remove_dir_all(&files.takes);
    let cameras = format!(" {CAMERAS} cameras");
    let (w, h) = config.size;
    Ok(Report {
        description: format!(
            "soak: {}, {:.1} min, {} wall with {CAMERAS} FreeD cameras at 240 Hz, view {w}x{h}; \
             OSC faders at 100 Hz, sACN and Art-Net at 44 Hz, takes toggled every 30 s, scene \
             edited every 60 s",
            config.binary.display(),
            config.duration.as_secs_f64() / 60.0,
            if config.small { "small" } else { "full-size" }
        ),
        duration: config.duration,
        samples: p.samples,
        engine_up: p.engine_up,
        exited: p.exited,
        panics: log.matches("panicked").count(),
        packets,
        reloads_sent: p.reloads,
        reloads_seen: loads("scene `", " loaded: "),
        stage_loaded: loads("stage `Soak wall` loaded:", cameras.as_str()) > 0,
        take_toggles: p.toggles,
        take_mismatches: p.mismatches,
        take_files,
        freed_packets,
        dir: files.dir,
    })
}
