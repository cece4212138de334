//! `run --show`: the shipped show in the real binary, its cues fired over OSC (UDP loopback)
//! and read back over OSCQuery; `check` and `run` refuse a bad show file with its position.

use std::net::UdpSocket;

use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

use crate::support::{
    Running, backlot, copy_shipped_show, flat_wall_variant, free_tcp, free_udp, run, temp_dir, text,
};

const SHOW: &str = "scenes/shows/neon_club.show.ron";

fn first(run: &Running, address: &str) -> Option<f64> {
    run.value(address).and_then(|v| v.first().copied())
}

fn cue(run: &Running) -> Option<f64> {
    first(run, "/show/lights/cue")
}

/// One packet holding each message in order (an immediate bundle).
fn packet(messages: &[(&str, Vec<OscType>)]) -> Vec<u8> {
    let content = messages
        .iter()
        .map(|(addr, args)| {
            OscPacket::Message(OscMessage {
                addr: (*addr).to_string(),
                args: args.clone(),
            })
        })
        .collect();
    rosc::encoder::encode(&OscPacket::Bundle(OscBundle {
        timetag: OscTime {
            seconds: 0,
            fractional: 1,
        },
        content,
    }))
    .expect("the bundle encodes")
}

#[test]
fn the_shipped_show_runs_and_osc_fires_its_cues() {
    let dir = temp_dir("show-run");
    // The show's own stage listens to trackers on fixed ports; the command line wins over
    // what the show names, so a copy of flat_wall on free ports stands in for it.
    let stage = flat_wall_variant(&dir, "free.stage.ron", &[]);
    // A copy, so that the autosave beside it is this test's (one left beside the shipped
    // show by a killed run would be restored).
    let show = copy_shipped_show(&dir);
    let (osc, query) = (free_udp(), free_tcp());
    let mut cmd = backlot();
    cmd.args([
        "run",
        "--headless",
        "--no-render",
        // The cues alone: no reactive layers riding the same lights.
        "--no-layers",
        "--no-log-file",
        "--show",
    ])
    .arg(&show)
    .args(["--bind", "127.0.0.1", "--no-mdns", "--stage"])
    .arg(&stage)
    .args(["--osc-port", &osc.to_string()])
    .args(["--osc-tcp-port", &free_tcp().to_string()])
    .args(["--oscquery-port", &query.to_string()])
    .args(["--artnet-port", &free_udp().to_string()])
    .args(["--sacn-port", &free_udp().to_string()]);
    let app = Running::spawn(cmd, query, dir.join("backlot.log"));
    app.wait_for("the show's status over OSCQuery", |r| cue(r) == Some(0.0));
    let log = app.log();
    assert!(
        log.contains(&format!("show {}: scene ", show.display())),
        "{log}"
    );
    assert!(!log.contains("did not quit cleanly"), "{log}");
    assert!(
        log.contains("neon_club.scene.ron"),
        "the show's scene: {log}"
    );
    let glow = "/scene/lights/ring_glow/intensity";
    app.wait_for("the show's scene", |r| first(r, glow).is_some());
    assert_eq!(
        first(&app, glow),
        Some(20000.0),
        "the scene's value before any cue"
    );

    let desk = UdpSocket::bind("127.0.0.1:0").expect("desk socket");
    let send = |bytes: &[u8]| {
        desk.send_to(bytes, ("127.0.0.1", osc)).expect("send");
    };
    // A button pressed and let go, in one packet (one frame): the release (0) is no GO.
    send(&packet(&[
        ("/show/lights/go", vec![OscType::Float(1.0)]),
        ("/show/lights/go", vec![OscType::Float(0.0)]),
    ]));
    app.wait_for("cue 1", |r| cue(r).is_some_and(|c| c != 0.0));
    assert_eq!(cue(&app), Some(1.0), "one press, one GO\n{}", app.log());
    // Cue 1 is `house`, a snap: the ring glow drops to 4,000.
    app.wait_for("the house look", |r| first(r, glow) == Some(4000.0));

    // A GO with no argument, then a jump by address.
    send(&packet(&[("/show/lights/go", vec![])]));
    app.wait_for("cue 2", |r| cue(r) == Some(2.0));
    send(&packet(&[("/show/lights/cue/4", vec![])]));
    app.wait_for("cue 4", |r| cue(r) == Some(4.0));
    assert_eq!(first(&app, "/show/lights/next"), Some(5.0));
}

#[test]
fn check_validates_shows_and_run_refuses_a_bad_one_at_its_place() {
    let out = run(backlot().args(["check", SHOW]));
    assert!(out.status.success(), "{}", text(&out));

    let dir = temp_dir("show-check");
    let missing = dir.join("missing.show.ron");
    std::fs::write(
        &missing,
        "(\n    name: \"missing\",\n    scene: \"nowhere.scene.ron\",\n)\n",
    )
    .expect("write");
    let out = run(backlot().arg("check").arg(&missing));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("{}:3:", missing.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains("scene file `nowhere.scene.ron` not found"),
        "{stderr}"
    );

    let bad = dir.join("bad.show.ron");
    let text_of_bad = [
        "(",
        "    name: \"bad\",",
        "    looks: [(name: \"a\", values: {\"/scene/fog/density\": Float(0.1)})],",
        "    lists: [(name: \"l\", cues: [(name: \"1\", look: \"nowhere\")])],",
        ")",
        "",
    ]
    .join("\n");
    std::fs::write(&bad, text_of_bad).expect("write");
    // A broken show given to `run` stops it before anything starts, with the position.
    let out = run(backlot()
        .args([
            "run",
            "--headless",
            "--no-render",
            "--max-frames",
            "2",
            "--show",
        ])
        .arg(&bad));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("{}:4:", bad.display())),
        "{stderr}"
    );
    assert!(stderr.contains("look `nowhere`"), "{stderr}");
}
