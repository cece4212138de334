//! Floods and storms against the real binary: a million bundles due hours ahead, a
//! connection storm past the TCP cap, and thousands of OSC senders and sACN sources. Memory,
//! threads and descriptors stay bounded, and the show is still well after each (see
//! `faults.rs`).

use std::collections::HashSet;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use crate::faults::{FOG, Show, first, frames, start};
use crate::support::{
    open_fds, osc_bundle, osc_float, osc_timetag, proc_status, resident_mb, sacn_data, slip_frame,
};

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
