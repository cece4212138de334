//! Crash recovery end to end: `backlot run --show` plays the shipped show, OSC moves its
//! `lights` list on two cues and sets a parameter, backlot is killed with SIGKILL more than
//! a second later, and the next start with the same show has the cue and the value back
//! (OSCQuery) and says so in its log. A clean quit after that leaves no autosave behind.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use crate::support::{Running, backlot, copy_shipped_show, free_tcp, free_udp, temp_dir};

const FOG: &str = "/scene/fog/density";
const MAGENTA: &str = "/scene/lights/magenta/color";

/// `backlot run --show show` headless, every port free, logging to `log`.
fn command(show: &Path, osc: u16, query: u16) -> Command {
    let mut cmd = backlot();
    cmd.args([
        "run",
        "--headless",
        "--no-render",
        "--no-layers",
        "--no-log-file",
        "--show",
    ])
    .arg(show)
    .args(["--osc-port", &osc.to_string()])
    .args(["--osc-tcp-port", &free_tcp().to_string()])
    .args(["--oscquery-port", &query.to_string()])
    .args(["--artnet-port", &free_udp().to_string()])
    .args(["--sacn-port", &free_udp().to_string()]);
    cmd
}

/// Starts backlot on `show` and waits for the show and the scene; its OSC port.
fn start(show: &Path, log: PathBuf) -> (Running, u16) {
    let (osc, query) = (free_udp(), free_tcp());
    let run = Running::spawn(command(show, osc, query), query, log);
    run.wait_for("the show's status and the scene's parameters", |r| {
        r.value("/show/lights/cue").is_some() && r.value(FOG).is_some()
    });
    (run, osc)
}

fn send(osc: u16, address: &str, args: Vec<rosc::OscType>) {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("udp");
    let packet = rosc::encoder::encode(&rosc::OscPacket::Message(rosc::OscMessage {
        addr: address.into(),
        args,
    }))
    .expect("encode");
    socket.send_to(&packet, ("127.0.0.1", osc)).expect("send");
}

fn near(got: Option<Vec<f64>>, want: &[f64]) -> bool {
    got.is_some_and(|g| {
        g.len() == want.len() && g.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-3)
    })
}

#[test]
fn a_killed_show_comes_back_where_it_was() {
    let dir = temp_dir("show-recovery");
    let show = copy_shipped_show(&dir);
    let autosave = dir.join("shows/neon_club.show.autosave.ron");

    let (first, osc) = start(&show, dir.join("first.log"));
    send(osc, "/show/lights/go", vec![]);
    first.wait_for("cue 1", |r| r.value("/show/lights/cue") == Some(vec![1.0]));
    send(osc, "/show/lights/go", vec![]);
    first.wait_for("cue 2", |r| r.value("/show/lights/cue") == Some(vec![2.0]));
    first.wait_for("cue 2's fade to end", |r| {
        r.value("/show/lights/fade_progress") == Some(vec![1.0])
    });
    send(osc, FOG, vec![rosc::OscType::Float(0.25)]);
    first.wait_for("the fog from OSC", |r| near(r.value(FOG), &[0.25]));
    // The warm key look's magenta, as the cue played it (sRGB).
    let magenta = first.value(MAGENTA).expect("magenta");
    assert!(
        near(Some(magenta.clone()), &[1.0, 0.169, 0.839]),
        "{magenta:?}"
    );

    // More than a second, and an autosave written after all of it was seen.
    let seen = SystemTime::now();
    std::thread::sleep(Duration::from_millis(1200));
    let start_wait = Instant::now();
    while !std::fs::metadata(&autosave)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t > seen)
    {
        assert!(
            start_wait.elapsed() < Duration::from_secs(60),
            "no autosave at {} after the edits\n{}",
            autosave.display(),
            first.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&autosave).expect("the autosave");
    assert!(text.contains("clean: false"), "{text}");
    // `kill -9`: no exit code path runs.
    drop(first);
    assert!(autosave.exists(), "a killed backlot leaves its autosave");

    let (second, _) = start(&show, dir.join("second.log"));
    second.wait_for("the restore", |r| {
        r.log().contains("show: restored the live state of ")
    });
    let log = second.log();
    assert!(log.contains("did not quit cleanly"), "{log}");
    second.wait_for("cue 2 back", |r| {
        r.value("/show/lights/cue") == Some(vec![2.0])
    });
    // Each value goes back as soon as its parameter exists: the scene registers them frames
    // after the show's lists are back, so a read in between sees the scene's value.
    second.wait_for("the fog from OSC back", |r| near(r.value(FOG), &[0.25]));
    second.wait_for("the cue's magenta back", |r| {
        near(r.value(MAGENTA), &magenta)
    });
    let log = second.log();
    assert!(
        near(second.value(FOG), &[0.25]),
        "{:?}\n{log}",
        second.value(FOG)
    );
    drop(second);

    // Killed again, then a run that quits by itself: it restores, and its clean quit
    // clears the autosave.
    let third_log = dir.join("third.log");
    let mut cmd = command(&show, free_udp(), free_tcp());
    cmd.args(["--max-frames", "300"]);
    let mut third = Running::spawn(cmd, 0, third_log.clone());
    let start_wait = Instant::now();
    let status = loop {
        if let Some(status) = third.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            start_wait.elapsed() < Duration::from_secs(120),
            "the run with --max-frames did not end\n{}",
            third.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = third.log();
    assert!(status.success(), "{status}\n{log}");
    assert!(log.contains("did not quit cleanly"), "{log}");
    assert!(
        !autosave.exists(),
        "a clean quit clears the autosave\n{log}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
