//! Network access end to end against `backlot run --headless --no-render`: with `--bind
//! 127.0.0.1 --allow osc=127.0.0.1/32` a sender on 127.0.0.2 is refused before decoding
//! (its value never applies; `/status/net/osc/refused` counts it, read over OSCQuery) and
//! one on 127.0.0.1 is taken; `--strict-ports` refuses to start on a taken port (exit 2,
//! naming the port). Linux answers on all of 127.0.0.0/8, so both senders are loopback.

use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rosc::{OscMessage, OscPacket, OscType};

use crate::support::{Running, backlot, free_tcp, free_udp, temp_dir};

fn fog(value: f32) -> Vec<u8> {
    rosc::encoder::encode(&OscPacket::Message(OscMessage {
        addr: "/scene/fog/density".into(),
        args: vec![OscType::Float(value)],
    }))
    .expect("osc")
}

/// `run` on loopback only, control alone, with every port free but `osc`.
fn run_on_loopback(osc: u16, query: u16) -> Command {
    let mut cmd = backlot();
    cmd.args([
        "run",
        "--headless",
        "--no-render",
        "--no-layers",
        "--scene",
        "scenes/neon_club.scene.ron",
        "--bind",
        "127.0.0.1",
        "--no-mdns",
    ])
    .args(["--osc-port", &osc.to_string()])
    .args(["--osc-tcp-port", &free_tcp().to_string()])
    .args(["--oscquery-port", &query.to_string()])
    .args(["--artnet-port", &free_udp().to_string()])
    .args(["--sacn-port", &free_udp().to_string()]);
    cmd
}

#[test]
fn the_allow_list_refuses_other_senders_and_takes_allowed_ones() {
    let dir = temp_dir("access-allow");
    let (osc, query) = (free_udp(), free_tcp());
    let mut cmd = run_on_loopback(osc, query);
    cmd.args(["--allow", "osc=127.0.0.1/32"]);
    let app = Running::spawn(cmd, query, dir.join("backlot.log"));
    app.wait_for("OSCQuery and the scene", |r| {
        r.value("/scene/fog/density").is_some()
    });
    let before = app.value("/scene/fog/density").expect("fog");
    assert_ne!(
        before,
        vec![0.75_f32 as f64],
        "the refused value must be new"
    );

    let stranger = UdpSocket::bind("127.0.0.2:0").expect("bind 127.0.0.2");
    stranger
        .send_to(&fog(0.75), ("127.0.0.1", osc))
        .expect("send");
    app.wait_for("the refusal, counted", |r| {
        r.value("/status/net/osc/refused")
            .is_some_and(|v| v.first().is_some_and(|n| *n >= 1.0))
    });
    assert_eq!(
        app.value("/scene/fog/density"),
        Some(before),
        "the refused sender's value never applied"
    );

    let friend = UdpSocket::bind("127.0.0.1:0").expect("bind");
    friend.send_to(&fog(0.5), ("127.0.0.1", osc)).expect("send");
    app.wait_for("the allowed sender's value", |r| {
        r.value("/scene/fog/density")
            .is_some_and(|v| v.first().is_some_and(|f| (f - 0.5).abs() < 1e-6))
    });
    assert_eq!(app.value("/status/net/osc/refused"), Some(vec![1.0]));
    let log = app.log();
    assert!(
        log.contains(&format!(
            "OSC (udp): port {osc} on 127.0.0.1; allow-list 127.0.0.1/32"
        )),
        "each listener's exposure is logged at start:\n{log}"
    );
}

#[test]
fn strict_ports_refuse_to_start_when_the_osc_port_is_taken() {
    let dir = temp_dir("access-strict");
    let taken = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let osc = taken.local_addr().expect("addr").port();
    let log_path = dir.join("backlot.log");
    let mut cmd = run_on_loopback(osc, free_tcp());
    cmd.arg("--strict-ports")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).expect("log"));
    let mut child = cmd.spawn().expect("spawn backlot");
    // A hung start is a failure, not a wait forever.
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(2),
        "exit code 2 on a taken port:\n{log}"
    );
    let said = log
        .lines()
        .find(|l| l.starts_with("backlot: --strict-ports:"))
        .unwrap_or_else(|| panic!("no --strict-ports message:\n{log}"));
    assert!(
        said.contains("OSC (udp)") && said.contains(&format!("127.0.0.1:{osc}")),
        "names the protocol, address and port: {said}"
    );
    drop(taken);
}
