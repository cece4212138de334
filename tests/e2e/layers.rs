//! Reactive layers through the real binary: deterministic renders of the neon_club set,
//! the layer set live with OSC performer tracking, and bad layer files.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use crate::support::{Running, backlot, free_tcp, free_udp, load_rgb, run, temp_dir, text};

fn render(out: &std::path::Path, layers: bool) {
    let mut cmd = backlot();
    cmd.args([
        "render",
        "--scene",
        "scenes/neon_club.scene.ron",
        "--frames",
        "12",
        "--size",
        "256x144",
    ]);
    if layers {
        cmd.args(["--layers", "scenes/neon_club.layers.ron"]);
    }
    let result = run(cmd.arg("--out").arg(out));
    assert!(result.status.success(), "{}", text(&result));
}

#[test]
fn neon_club_layers_render_deterministically_and_move_the_look() {
    let dir = temp_dir("layers-render");
    let (a, b, plain) = (dir.join("a"), dir.join("b"), dir.join("plain"));
    render(&a, true);
    render(&b, true);
    render(&plain, false);
    let mut differs = 0;
    for frame in 0..12 {
        let name = format!("view-{frame:04}.png");
        let (ia, ib, ip) = (
            load_rgb(&a.join(&name)),
            load_rgb(&b.join(&name)),
            load_rgb(&plain.join(&name)),
        );
        // Physics contacts may jitter a few pixels between runs (see the render tests).
        let changed = ia
            .pixels()
            .zip(ib.pixels())
            .filter(|(x, y)| x.0.iter().zip(y.0.iter()).any(|(u, v)| u.abs_diff(*v) > 8))
            .count();
        assert!(
            changed < 100,
            "frame {frame}: {changed} pixels differ between identical renders"
        );
        differs += ia
            .pixels()
            .zip(ip.pixels())
            .filter(|(x, y)| x.0.iter().zip(y.0.iter()).any(|(u, v)| u.abs_diff(*v) > 24))
            .count();
    }
    assert!(
        differs > 2000,
        "the layers change the picture: {differs} pixels over 12 frames"
    );
}

#[test]
fn bad_layer_files_are_refused_with_their_position() {
    let dir = temp_dir("layers-bad");
    let bad = dir.join("bad.layers.ron");
    std::fs::write(&bad, "(\n  layers: [\n    (name: \"a\", source: Lfo(\"missing\"), targets: [Float(param: \"/scene/fog/density\", min: 0.0, max: 1.0)]),\n  ],\n)\n").expect("write");
    let out = run(backlot().arg("check").arg(&bad));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with(&format!("{}:3:", bad.display())),
        "{}",
        text(&out)
    );
    let out = run(backlot().args(["check", "scenes/neon_club.layers.ron"]));
    assert!(out.status.success(), "{}", text(&out));
    let out = run(backlot()
        .args([
            "run",
            "--headless",
            "--no-render",
            "--max-frames",
            "2",
            "--layers",
        ])
        .arg(&bad));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("no LFO named `missing`"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_performer_over_osc_drives_its_layer_live() {
    let dir = temp_dir("layers-live");
    let (osc, query) = (free_udp(), free_tcp());
    let log = dir.join("log.txt");
    // A copy of the shipped set, to edit while it runs.
    let layers = dir.join("live.layers.ron");
    std::fs::copy(
        crate::support::repo().join("scenes/neon_club.layers.ron"),
        &layers,
    )
    .expect("copy");
    let mut cmd = backlot();
    cmd.args([
        "run",
        "--headless",
        "--no-render",
        "--scene",
        "scenes/neon_club.scene.ron",
        "--layers",
    ])
    .arg(&layers)
    .args([
        "--osc-port",
        &osc.to_string(),
        "--oscquery-port",
        &query.to_string(),
    ])
    .args([
        "--osc-tcp-port",
        &free_tcp().to_string(),
        "--artnet-port",
        &free_udp().to_string(),
        "--sacn-port",
        &free_udp().to_string(),
    ]);
    let running = Running::spawn(cmd, query, log.clone());
    let value = |address: &str| running.value(address).and_then(|v| v.first().copied());
    let start = Instant::now();
    while value("/layers/performer/output").is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let lamp_still = value("/scene/entities/hanging_lamp/emissive").expect("lamp");
    // Walk the performer across the stage at about 2 m/s.
    let sock = UdpSocket::bind("127.0.0.1:0").expect("udp");
    for i in 0..40 {
        let x = -2.0 + i as f32 * 0.1;
        let msg = rosc::encoder::encode(&rosc::OscPacket::Message(rosc::OscMessage {
            addr: "/backlot/performer/1/position".into(),
            args: vec![
                rosc::OscType::Float(x),
                rosc::OscType::Float(0.0),
                rosc::OscType::Float(1.0),
            ],
        }))
        .expect("osc");
        sock.send_to(&msg, ("127.0.0.1", osc)).expect("send");
        std::thread::sleep(Duration::from_millis(50));
    }
    let moving = value("/layers/performer/output").expect("output");
    let lamp = value("/scene/entities/hanging_lamp/emissive").expect("lamp");
    // Hot reload: a new default weight arrives; a broken save keeps the last good set.
    let text = std::fs::read_to_string(&layers).expect("read");
    let edited = text.replacen("weight: 0.7,", "weight: 0.35,", 1);
    assert_ne!(edited, text);
    std::fs::write(&layers, &edited).expect("edit");
    let reload = Instant::now();
    let near = |v: Option<f64>| v.is_some_and(|v| (v - 0.35).abs() < 1e-4);
    while !near(value("/layers/cyan_sway/weight")) {
        assert!(
            reload.elapsed() < Duration::from_secs(30),
            "no reload\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::write(&layers, edited.replace("layers: [", "layers: [[")).expect("break");
    let broke = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("keeping the last good layer set")
    {
        assert!(
            broke.elapsed() < Duration::from_secs(30),
            "no error\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        near(value("/layers/cyan_sway/weight")),
        "last good set still playing"
    );
    drop(running);
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(moving > 0.1, "performer layer output {moving}\n{log}");
    assert!(
        lamp > lamp_still + 50.0,
        "lamp {lamp_still} → {lamp}\n{log}"
    );
    assert!(log.contains("layer set loaded"), "{log}");
}
