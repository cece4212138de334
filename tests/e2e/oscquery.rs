//! OSCQuery end to end against `backlot run --headless --no-render` with few file
//! descriptors: a client that connects the moment the port opens gets the scene's
//! namespace, and a connection flood that exhausts the descriptors leaves OSCQuery
//! answering and the frames running.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{Running, free_tcp, free_udp, repo, temp_dir};

/// `backlot run` under `ulimit -n 256`, OSCQuery on `query`, every other port free.
fn start_with_few_descriptors(query: u16, dir: &std::path::Path) -> Running {
    let mut cmd = Command::new("bash");
    cmd.current_dir(repo())
        .env("RUST_LOG", "info")
        .arg("-c")
        .arg("ulimit -n 256 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_backlot"))
        .args([
            "run",
            "--headless",
            "--no-render",
            "--no-layers",
            "--scene",
            "scenes/neon_club.scene.ron",
        ])
        .args(["--osc-port", &free_udp().to_string()])
        .args(["--osc-tcp-port", &free_tcp().to_string()])
        .args(["--oscquery-port", &query.to_string()])
        .args(["--artnet-port", &free_udp().to_string()])
        .args(["--sacn-port", &free_udp().to_string()]);
    Running::spawn(cmd, query, dir.join("backlot.log"))
}

/// The status code and body of `GET target` on `s`, or `None` if the exchange failed.
fn get(mut s: TcpStream, target: &str) -> Option<(u16, String)> {
    // Longer than the server's wait for the scene (5 s).
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

fn frames(running: &Running) -> f64 {
    running
        .value("/status/frames")
        .and_then(|v| v.first().copied())
        .unwrap_or(0.0)
}

#[test]
fn oscquery_survives_descriptor_exhaustion_and_never_serves_an_empty_namespace() {
    let dir = temp_dir("oscquery-fds");
    let query = free_tcp();
    let addr = SocketAddr::from(([127, 0, 0, 1], query));
    let mut running = start_with_few_descriptors(query, &dir);

    // The first request, sent the moment the port opens: it waits for the scene, so its
    // namespace has the scene's parameters (a 503 would mean the scene took over 5 s).
    let start = Instant::now();
    let first = loop {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "OSCQuery never opened\n{}",
            running.log()
        );
        if let Ok(Some(status)) = running.child.try_wait() {
            panic!(
                "backlot exited ({status}) under ulimit -n 256\n{}",
                running.log()
            );
        }
        if let Ok(s) = TcpStream::connect(addr) {
            break get(s, "/");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let (status, body) = first.expect("an answer to the first GET");
    if status == 200 {
        assert!(
            body.contains("\"FULL_PATH\":\"/scene/"),
            "empty namespace: {body}"
        );
    } else {
        assert_eq!(status, 503, "{body}");
        running.wait_for("the scene's namespace", |r| {
            r.http("/")
                .is_some_and(|b| b.contains("\"FULL_PATH\":\"/scene/"))
        });
    }

    // Flood: 400 connections held open at once, more than the process has descriptors.
    // Some fail once the kernel's queue is full; a few seconds of that is enough.
    let mut flood = Vec::new();
    let mut failed = 0;
    let start = Instant::now();
    while flood.len() + failed < 400 && failed < 20 && start.elapsed() < Duration::from_secs(10) {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => flood.push(s),
            Err(_) => failed += 1,
        }
    }
    assert!(!flood.is_empty(), "no connection at all ({failed} failed)");
    std::thread::sleep(Duration::from_millis(500));
    drop(flood);

    running.wait_for("OSCQuery to answer again", |r| {
        r.http("/?HOST_INFO")
            .is_some_and(|b| b.contains("\"OSC_PORT\""))
    });
    running.wait_for("the frame count", |r| frames(r) > 0.0);
    let before = frames(&running);
    running.wait_for("frames to keep running", |r| frames(r) > before);
    assert!(
        running.child.try_wait().expect("status").is_none(),
        "backlot exited\n{}",
        running.log()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
