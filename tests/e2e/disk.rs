//! A full filesystem during a take: the real binary under a file size limit (`ulimit -f`,
//! the closest a test gets to a full disk without root). The take stops with a visible
//! error (`/takes/recording` false, the log names it) and the show goes on.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use backlot_tracking::codec::freed::{FreedD1, encode};

use crate::support::{PipedRun, Running, flat_wall_variant, free_udp, repo, temp_dir};

fn recording(run: &Running) -> Option<bool> {
    let body = run.http("/takes/recording?VALUE")?;
    Some(body.contains("true"))
}

#[test]
fn a_take_on_a_full_filesystem_stops_with_a_visible_error_and_the_show_goes_on() {
    let dir = temp_dir("disk-full");
    let freed_port = free_udp();
    let stage = flat_wall_variant(&dir, "disk.stage.ron", &[]);
    let text = std::fs::read_to_string(&stage).expect("stage");
    assert!(
        text.contains("port: Some(0)"),
        "flat_wall has a FreeD tracker"
    );
    std::fs::write(
        &stage,
        text.replacen("port: Some(0)", &format!("port: Some({freed_port})"), 1),
    )
    .expect("stage");
    // Takes from OSC: the network may start them in this map (by default it may not).
    let map_text =
        std::fs::read_to_string(repo().join("scenes/maps/default.map.ron")).expect("map");
    let map = dir.join("open.map.ron");
    std::fs::write(
        &map,
        map_text.replacen(
            "(\n    osc: (",
            "(\n    access: (read_only: []),\n    osc: (",
            1,
        ),
    )
    .expect("map");
    // 16 KiB per file: the take's first few dozen rows fit, then writes fail with EFBIG.
    let PipedRun { run, osc, lines } = PipedRun::start(Some(16), |cmd| {
        cmd.arg("--stage")
            .arg(&stage)
            .arg("--map")
            .arg(&map)
            .arg("--takes-dir")
            .arg(dir.join("takes"));
    });
    run.wait_for("the stage and OSCQuery", |r| recording(r).is_some());
    let desk = UdpSocket::bind("127.0.0.1:0").expect("desk");
    let record = rosc::encoder::encode(&rosc::OscPacket::Message(rosc::OscMessage {
        addr: "/takes/record".into(),
        args: vec![],
    }))
    .expect("encode");
    desk.send_to(&record, ("127.0.0.1", osc)).expect("send");
    run.wait_for("the take to start", |r| recording(r) == Some(true));

    // Stream FreeD until the writer hits the limit and the take stops itself.
    let start = Instant::now();
    let mut n = 0u32;
    while recording(&run) != Some(false) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the take never stopped"
        );
        for _ in 0..20 {
            let rotation = [f64::from(n % 360), 0.0, 0.0];
            let packet = encode(&FreedD1::from_units(
                1,
                rotation,
                [0.0, -4000.0, 1700.0],
                0,
                0,
            ));
            let _ = desk.send_to(&packet, ("127.0.0.1", freed_port));
            n += 1;
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let mut log = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && !log.iter().any(|l: &String| l.contains("File too large")) {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(100)) {
            log.push(line);
        }
    }
    let text = log.join("\n");
    assert!(
        text.contains("File too large"),
        "the write error is said:\n{text}"
    );
    // The show goes on: alive, and frames still come.
    let frames = |r: &Running| {
        r.value("/status/frames")
            .and_then(|v| v.first().copied())
            .unwrap_or(0.0)
    };
    let before = frames(&run);
    run.wait_for("frames after the failed take", |r| {
        frames(r) > before + 10.0
    });
    let mut run = run;
    assert!(
        run.child.try_wait().expect("wait").is_none(),
        "backlot died:\n{text}"
    );
}
