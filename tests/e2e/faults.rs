//! Fault injection against the real binary (`run --headless --no-render`, loopback only,
//! every attack bounded in count and time): hostile OSC over UDP and TCP, a flood of bundles
//! due hours ahead, a connection storm, sender churn, NaN in every file kind and a take cut
//! short by a crash. After each attack the process lives, frames keep coming and a normal
//! fader message still applies.

use std::collections::HashSet;
use std::io::Write;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{
    Running, backlot, flat_wall_variant, free_tcp, free_udp, open_fds, osc_bundle, osc_float,
    osc_message, osc_timetag, proc_status, repo, resident_mb, run, sacn_data, slip_frame, temp_dir,
    text,
};

/// The fader every check sets (0..1, no slew at its own address).
const FOG: &str = "/scene/fog/density";

/// A running engine and where it listens.
struct Show {
    app: Running,
    osc: u16,
    tcp: u16,
    sacn: u16,
}

fn frames(r: &Running) -> f64 {
    r.value("/status/frames")
        .and_then(|v| v.first().copied())
        .unwrap_or(0.0)
}

fn first(r: &Running, address: &str) -> Option<f64> {
    r.value(address).and_then(|v| v.first().copied())
}

/// `run --headless --no-render` on neon_club without layers, on the given ports; takes (if
/// any) go under `dir`.
fn command(dir: &Path, osc: u16, tcp: u16, query: u16, sacn: u16) -> std::process::Command {
    let mut cmd = backlot();
    cmd.args(["run", "--headless", "--no-render", "--no-layers"])
        .args(["--scene", "scenes/neon_club.scene.ron"])
        .args(["--osc-port", &osc.to_string()])
        .args(["--osc-tcp-port", &tcp.to_string()])
        .args(["--oscquery-port", &query.to_string()])
        .args(["--artnet-port", &free_udp().to_string()])
        .args(["--sacn-port", &sacn.to_string()])
        .arg("--takes-dir")
        .arg(dir.join("takes"));
    cmd
}

/// The show, up and running frames.
fn start(name: &str) -> Show {
    let dir = temp_dir(&format!("faults-{name}"));
    let (osc, tcp, query, sacn) = (free_udp(), free_tcp(), free_tcp(), free_udp());
    let app = Running::spawn(
        command(&dir, osc, tcp, query, sacn),
        query,
        dir.join("backlot.log"),
    );
    app.wait_for("OSCQuery and the scene", |r| first(r, FOG).is_some());
    app.wait_for("frames", |r| frames(r) > 0.0);
    Show {
        app,
        osc,
        tcp,
        sacn,
    }
}

impl Show {
    fn pid(&self) -> u32 {
        self.app.child.id()
    }

    /// Sends one datagram to the OSC port.
    fn udp(&self, bytes: &[u8]) {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("udp");
        let _ = sock.send_to(bytes, ("127.0.0.1", self.osc));
    }

    /// Sends `bytes` down a new OSC TCP connection, then closes it (the engine may have
    /// closed it first: that is allowed).
    fn tcp(&self, bytes: &[u8]) {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.tcp)) {
            let _ = s.write_all(bytes);
        }
    }

    /// After `what`: alive, frames still coming, and fog `value` sent by `send` applies.
    fn still_well(&mut self, what: &str, value: f32, send: impl Fn(&Self, &[u8])) {
        assert!(
            self.app.child.try_wait().expect("wait").is_none(),
            "backlot exited after {what}:\n{}",
            self.app.log()
        );
        let this: &Self = self;
        let before = frames(&this.app);
        this.app
            .wait_for(&format!("frames after {what}"), |r| frames(r) > before);
        let msg = osc_float(FOG, value);
        let start = Instant::now();
        // Resent until it shows: a lost datagram is not what is tested here.
        loop {
            send(this, &msg);
            std::thread::sleep(Duration::from_millis(100));
            if first(&this.app, FOG).is_some_and(|v| (v - f64::from(value)).abs() < 1e-6) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "after {what}, {FOG} {value} never applied:\n{}",
                this.app.log()
            );
        }
    }
}

/// Hostile OSC packets, each within a datagram's size.
fn hostile() -> Vec<(&'static str, Vec<u8>)> {
    let half = 0.5f32.to_be_bytes();
    let star = |len: usize| {
        let mut address = b"/".to_vec();
        address.resize(len, b'*');
        osc_message(&address, b",f", &half)
    };
    let mut nested_bundle = osc_float(FOG, 0.9);
    for _ in 0..40 {
        nested_bundle = osc_bundle(1, &[nested_bundle]);
    }
    let mut tags = b",".to_vec();
    tags.extend([b'['; 40]);
    tags.push(b'f');
    tags.extend([b']'; 40]);
    let nested_array = osc_message(FOG.as_bytes(), &tags, &half);
    let mut long = b"/".to_vec();
    long.resize(60_000, b'a');
    let long_address = osc_message(&long, b",f", &half);
    let mut tags = b",".to_vec();
    tags.resize(10_001, b'i');
    let ints: Vec<u8> = (0..10_000i32).flat_map(i32::to_be_bytes).collect();
    let many_args = osc_message(FOG.as_bytes(), &tags, &ints);
    vec![
        ("a 200-byte star pattern", star(200)),
        ("a 60 KB star pattern", star(60_000)),
        ("bundles nested 40 deep", nested_bundle),
        ("arrays nested 40 deep", nested_array),
        ("a 60 KB address", long_address),
        ("10,000 int arguments", many_args),
    ]
}

#[test]
fn hostile_osc_over_udp_leaves_the_engine_running() {
    let mut show = start("hostile-udp");
    for (i, (what, packet)) in hostile().into_iter().enumerate() {
        assert!(packet.len() < 65_507, "{what}: {} bytes", packet.len());
        for _ in 0..3 {
            show.udp(&packet);
        }
        show.still_well(what, 0.01 + i as f32 * 0.01, Show::udp);
    }
    assert!(!show.app.log().contains("panicked"), "{}", show.app.log());
}

#[test]
fn hostile_osc_over_tcp_leaves_the_engine_running() {
    let mut show = start("hostile-tcp");
    let mut attacks: Vec<(&str, Vec<u8>)> = hostile()
        .into_iter()
        .map(|(what, packet)| (what, slip_frame(&packet)))
        .collect();
    // TCP only: a frame longer than any datagram, and a broken escape.
    let mut endless = vec![b'*'; 200_000];
    endless.push(0xC0);
    attacks.push(("a 200 KB SLIP frame", endless));
    attacks.push(("a bad SLIP escape", vec![0xC0, b'/', 0xDB, b'x', 0xC0]));
    for (i, (what, bytes)) in attacks.into_iter().enumerate() {
        show.tcp(&bytes);
        show.still_well(what, 0.01 + i as f32 * 0.01, |s, m| s.tcp(&slip_frame(m)));
    }
    assert!(!show.app.log().contains("panicked"), "{}", show.app.log());
}

#[test]
fn a_million_far_future_bundles_stay_bounded() {
    let mut show = start("future");
    let pid = show.pid();
    let before = resident_mb(pid).expect("rss");
    let sock = UdpSocket::bind("127.0.0.1:0").expect("udp");
    sock.connect(("127.0.0.1", show.osc)).expect("connect");
    // Three hours ahead, so far past any horizon that none may be applied now.
    let bundle = osc_bundle(
        osc_timetag(Duration::from_secs(3 * 3600)),
        &[osc_float(FOG, 0.9)],
    );
    let start = Instant::now();
    let mut sent = 0u32;
    while sent < 1_000_000 && start.elapsed() < Duration::from_secs(20) {
        for _ in 0..1000 {
            let _ = sock.send(&bundle);
        }
        sent += 1000;
    }
    let f = frames(&show.app);
    show.app
        .wait_for("frames after the flood", |r| frames(r) > f);
    let after = resident_mb(pid).expect("rss");
    eprintln!(
        "{sent} bundles in {:?}: {before:.0} -> {after:.0} MB",
        start.elapsed()
    );
    assert!(
        after - before < 200.0,
        "{sent} far-future bundles grew memory {before:.0} -> {after:.0} MB"
    );
    let fog = first(&show.app, FOG).expect("fog");
    assert!(
        (fog - 0.9).abs() > 1e-3,
        "a bundle due in three hours applied now"
    );
    show.still_well("the flood", 0.07, Show::udp);
}

/// Threads and open files of `pid`, the most seen over a second (background threads come
/// and go).
fn threads_and_files(pid: u32) -> (u64, u64) {
    let mut most = (0, 0);
    for _ in 0..5 {
        let threads = proc_status(pid, "Threads:").expect("threads");
        let files = open_fds(pid).expect("fds");
        most = (most.0.max(threads), most.1.max(files));
        std::thread::sleep(Duration::from_millis(200));
    }
    most
}

#[test]
fn a_connection_storm_leaves_threads_and_files_as_they_were() {
    let mut show = start("storm");
    let pid = show.pid();
    let (threads, files) = threads_and_files(pid);
    let addr = SocketAddr::from(([127, 0, 0, 1], show.tcp));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut open = Vec::new();
    let mut failed = 0;
    for _ in 0..500 {
        if Instant::now() > deadline {
            break;
        }
        match TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
            Ok(s) => open.push(s),
            Err(_) => failed += 1,
        }
    }
    // The storm reached the cap: a thread per served connection, the rest refused.
    show.app.wait_for("connections served", |_| {
        proc_status(pid, "Threads:").is_some_and(|t| t >= threads + 16)
    });
    show.app
        .wait_for("refusals logged", |r| r.log().contains("refusing"));
    let held = open.len();
    drop(open);
    let start = Instant::now();
    let settled = loop {
        let now = (
            proc_status(pid, "Threads:").expect("threads"),
            open_fds(pid).expect("fds"),
        );
        if now.0 <= threads + 4 && now.1 <= files + 4 {
            break now;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "after {held} connections ({failed} failed) closed: threads {threads} -> {}, \
             files {files} -> {}",
            now.0,
            now.1
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    eprintln!(
        "storm: {held} connected, {failed} failed; threads {threads} -> {}, files {files} -> {}",
        settled.0, settled.1
    );
    show.still_well("the storm", 0.07, |s, m| s.tcp(&slip_frame(m)));
}

#[test]
fn thousands_of_senders_leave_memory_bounded() {
    let mut show = start("churn");
    let pid = show.pid();
    let before = resident_mb(pid).expect("rss");
    // OSC from 5,000 source ports: a socket per datagram, 250 open at a time.
    let msg = osc_float(FOG, 0.05);
    let mut ports = HashSet::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while ports.len() < 5000 && Instant::now() < deadline {
        let batch: Vec<UdpSocket> = (0..250)
            .filter_map(|_| UdpSocket::bind("127.0.0.1:0").ok())
            .collect();
        for s in &batch {
            if let Ok(a) = s.local_addr() {
                ports.insert(a.port());
            }
            let _ = s.send_to(&msg, ("127.0.0.1", show.osc));
        }
        drop(batch);
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(ports.len() >= 5000, "only {} source ports", ports.len());
    // The per-sender table is bounded: senders were forgotten, and counted.
    show.app.wait_for("senders evicted", |r| {
        first(r, "/status/inbox/senders_evicted").is_some_and(|n| n > 0.0)
    });

    // sACN from 2,000 sources (CIDs) on the key light's universe, dimmer at 200.
    let base = first(&show.app, "/scene/lights/key/intensity").expect("intensity");
    let sock = UdpSocket::bind("127.0.0.1:0").expect("udp");
    for i in 0..2000u32 {
        let mut cid = [0xCD; 16];
        cid[12..].copy_from_slice(&i.to_be_bytes());
        let packet = sacn_data(cid, 1, 0, &[200, 255, 255, 255]);
        let _ = sock.send_to(&packet, ("127.0.0.1", show.sacn));
        if i % 200 == 199 {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    show.app.wait_for("the sources' dimmer", |r| {
        first(r, "/scene/lights/key/intensity")
            .is_some_and(|v| (v - base * 200.0 / 255.0).abs() < base * 1e-3)
    });
    let f = frames(&show.app);
    show.app
        .wait_for("frames after the churn", |r| frames(r) > f);
    let after = resident_mb(pid).expect("rss");
    eprintln!("churn: {before:.0} -> {after:.0} MB");
    assert!(
        after - before < 50.0,
        "5,000 OSC senders and 2,000 sACN sources grew memory {before:.0} -> {after:.0} MB"
    );
    show.still_well("the churn", 0.07, Show::udp);
}

/// Line and column (1-based, in characters) of byte `offset`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[test]
fn nan_in_every_file_kind_is_refused_at_its_position() {
    let dir = temp_dir("faults-nan");
    for (shipped, name, anchor, number) in [
        (
            "scenes/neon_club.scene.ron",
            "nan.scene.ron",
            "density:",
            "0.03",
        ),
        (
            "scenes/stages/flat_wall.stage.ron",
            "nan.stage.ron",
            "overscan:",
            "10.0",
        ),
        (
            "scenes/maps/default.map.ron",
            "nan.map.ron",
            "slew_ms:",
            "80.0",
        ),
        (
            "scenes/neon_club.layers.ron",
            "nan.layers.ron",
            "bpm:",
            "124.0",
        ),
    ] {
        let good = std::fs::read_to_string(repo().join(shipped)).expect("shipped file");
        let a = good
            .find(anchor)
            .unwrap_or_else(|| panic!("{shipped} has no `{anchor}`"));
        let at = a + good[a..]
            .find(number)
            .unwrap_or_else(|| panic!("{shipped} has no {number} after `{anchor}`"));
        let bad = format!("{}NaN{}", &good[..at], &good[at + number.len()..]);
        let path = dir.join(name);
        std::fs::write(&path, &bad).expect("write");
        let out = run(backlot().arg("check").arg(&path));
        let said = text(&out);
        assert!(!out.status.success(), "{name} with NaN passed:\n{said}");
        let (line, col) = line_col(&bad, at);
        let position = format!("{}:{line}:{col}", path.display());
        assert!(
            said.contains(&position) && said.contains("finite"),
            "{name}: expected `{position}` and `finite` in:\n{said}"
        );
    }
}

/// A take row for the columns of `header`: camera 1 at flat_wall's camera position.
fn take_row(header: &str, time_s: f64) -> String {
    header
        .split(',')
        .map(|column| match column {
            "time_s" => format!("{time_s:.6}"),
            "camera" => "1".to_string(),
            "source" => "freed".to_string(),
            "y" => "1.600000".to_string(),
            "z" => "1.000000".to_string(),
            "focal_mm" => "50.0000".to_string(),
            "fov_deg" => "39.597752".to_string(),
            "raw_zoom" | "raw_focus" | "timecode" => String::new(),
            _ => "0.000000".to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn a_take_cut_short_by_a_crash_replays_without_its_last_line() {
    use backlot_tracking::take::HEADER;

    let dir = temp_dir("faults-take");
    let stage = flat_wall_variant(&dir, "replay.stage.ron", &[]);
    let rows: Vec<String> = (0..30u32)
        .map(|i| take_row(HEADER, f64::from(i) / 60.0))
        .collect();
    let full = format!("{HEADER}\n{}\n", rows.join("\n"));
    // The crash came mid-row: the last line has lost its end.
    let take = dir.join("cut.csv");
    std::fs::write(&take, &full[..full.len() - 20]).expect("write take");
    let query = free_tcp();
    let mut cmd = command(&dir, free_udp(), free_tcp(), query, free_udp());
    cmd.arg("--stage")
        .arg(&stage)
        .arg("--tracking-replay")
        .arg(&take)
        .args(["--max-frames", "120"]);
    let mut app = Running::spawn(cmd, query, dir.join("backlot.log"));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = app.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "still running after 60 s with --max-frames 120:\n{}",
            app.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = app.log();
    assert!(status.success(), "{status}:\n{log}");
    // Header on line 1, rows on 2..=31: the cut one is line 31.
    let warning = format!("{}:31:", take.display());
    assert!(
        log.contains(&warning) && log.contains("skipped"),
        "no warning naming `{warning}`:\n{log}"
    );
    assert!(log.contains("(29 samples)"), "29 whole rows replay:\n{log}");
}
