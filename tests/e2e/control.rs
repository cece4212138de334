//! Live control end to end against `backlot run --headless --no-render` with independent
//! peers: python-osc (set, bundle, feedback), stupidArtnet, the `sacn` package (unicast),
//! and OSCQuery read over HTTP. `.ci/setup` installs the peers in a virtual environment.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Running, backlot, free_tcp, free_udp, repo, temp_dir};

pub(crate) fn python() -> PathBuf {
    // Where .ci/setup put the peers: $BACKLOT_PYTHON, else $BACKLOT_VENV, else the default.
    let path = std::env::var_os("BACKLOT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let venv = std::env::var_os("BACKLOT_VENV")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                        .join(".cache/backlot/venv")
                });
            venv.join("bin/python")
        });
    assert!(
        path.exists(),
        "{} missing: run .ci/setup to install the protocol peers",
        path.display()
    );
    path
}

fn start(map: &Path, ports: [u16; 5], dir: &Path) -> Running {
    let [osc, tcp, query, artnet, sacn] = ports;
    let mut cmd = backlot();
    cmd.args([
        "run",
        "--headless",
        "--no-render",
        // Control alone: no reactive layers moving the same parameters.
        "--no-layers",
        "--scene",
        "scenes/neon_club.scene.ron",
        "--map",
    ])
    .arg(map)
    .args([
        "--osc-port",
        &osc.to_string(),
        "--osc-tcp-port",
        &tcp.to_string(),
        "--oscquery-port",
        &query.to_string(),
    ])
    .args([
        "--artnet-port",
        &artnet.to_string(),
        "--sacn-port",
        &sacn.to_string(),
    ]);
    let running = Running::spawn(cmd, query, dir.join("backlot.log"));
    running.wait_for("OSCQuery and the scene", |r| {
        r.value("/scene/lights/key/intensity").is_some()
    });
    running
}

fn run_python(script: &str) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .output()
        .expect("python");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "python peer failed:\n{text}");
    text
}

#[test]
fn python_osc_sets_parameters_gets_feedback_and_maps_hot_reload() {
    let dir = temp_dir("control-osc");
    let feedback = free_udp();
    let map = dir.join("live.map.ron");
    let text =
        std::fs::read_to_string(repo().join("scenes/maps/default.map.ron")).expect("default map");
    std::fs::write(
        &map,
        text.replace("127.0.0.1:9001", &format!("127.0.0.1:{feedback}")),
    )
    .expect("write map");
    let (osc, tcp) = (free_udp(), free_tcp());
    let app = start(&map, [osc, tcp, free_tcp(), free_udp(), free_udp()], &dir);

    let out = run_python(&format!(
        r#"
import threading, time
from pythonosc.udp_client import SimpleUDPClient
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import ThreadingOSCUDPServer
from pythonosc.osc_bundle_builder import OscBundleBuilder, IMMEDIATELY
from pythonosc.osc_message_builder import OscMessageBuilder
heard = {{}}
d = Dispatcher()
d.set_default_handler(lambda address, *args: heard.__setitem__(address, args))
server = ThreadingOSCUDPServer(("127.0.0.1", {feedback}), d)
threading.Thread(target=server.serve_forever, daemon=True).start()
c = SimpleUDPClient("127.0.0.1", {osc})
c.send_message("/scene/lights/key/intensity", 12345.0)
c.send_message("/look/fog", 0.5)
b = OscBundleBuilder(IMMEDIATELY)
for address, value in [("/scene/lights/key/color", [0.0, 0.25, 1.0]), ("/scene/lights/*/enabled", False)]:
    m = OscMessageBuilder(address=address)
    for v in (value if isinstance(value, list) else [value]):
        m.add_arg(v)
    b.add_content(m.build())
c.send(b.build())
c.send_message("/no/such/parameter", 1.0)
deadline = time.time() + 30
while time.time() < deadline and "/scene/fog/density" not in heard:
    time.sleep(0.05)
server.shutdown()
print("FEEDBACK", sorted(heard.keys()))
print("FOG", heard.get("/scene/fog/density"))
"#
    ));
    assert!(out.contains("'/scene/fog/density'"), "no feedback:\n{out}");
    app.wait_for("OSC values", |r| {
        r.value("/scene/lights/key/intensity") == Some(vec![12345.0])
    });
    app.wait_for("the fog alias (0.5 of 0..1 after its slew)", |r| {
        r.value("/scene/fog/density")
            .is_some_and(|v| (v[0] - 0.5).abs() < 1e-6)
    });
    app.wait_for("the bundle", |r| {
        r.value("/scene/lights/key/color") == Some(vec![0.0, 0.25, 1.0])
    });
    let tree = app.http("/").expect("namespace");
    assert!(
        tree.contains("\"FULL_PATH\":\"/scene/lights/key/intensity\""),
        "{tree}"
    );
    assert!(
        tree.contains("driven by OSC"),
        "the driving source is published"
    );
    assert!(
        tree.contains("\"FULL_PATH\":\"/status/fps\""),
        "status parameters are listed"
    );

    // Hot reload: a new alias works after saving; a broken save keeps the last good map.
    let text = std::fs::read_to_string(&map).expect("map");
    let edited = text.replace(
        "(address: \"/look/key/color\"",
        "(address: \"/look/sky\", target: \"/scene/ambient/brightness\", unit_scale: true),\n            (address: \"/look/key/color\"",
    );
    assert_ne!(edited, text);
    std::fs::write(&map, &edited).expect("edit");
    app.wait_for("the reload", |r| r.log().contains("(load #2)"));
    let sender = UdpSocket::bind("127.0.0.1:0").expect("udp");
    let msg = rosc::encoder::encode(&rosc::OscPacket::Message(rosc::OscMessage {
        addr: "/look/sky".into(),
        args: vec![rosc::OscType::Float(1.0)],
    }))
    .expect("osc");
    sender.send_to(&msg, ("127.0.0.1", osc)).expect("send");
    let tree = app.http("/scene/ambient/brightness").expect("node");
    let max = tree
        .split("\"MAX\":")
        .nth(1)
        .and_then(|t| t.split(['}', ',']).next())
        .and_then(|m| m.parse::<f64>().ok())
        .expect("range");
    app.wait_for("the new alias", |r| {
        r.value("/scene/ambient/brightness")
            .is_some_and(|v| (v[0] - max).abs() < 1e-3)
    });
    std::fs::write(&map, edited.replace("bindings: [", "bindings: [[")).expect("break");
    app.wait_for("the error", |r| {
        r.log().contains("keeping the last good map")
    });
    assert!(
        app.log().contains("live.map.ron:"),
        "error names the file with its position:\n{}",
        app.log()
    );
    assert!(
        app.value("/scene/lights/key/intensity").is_some(),
        "still running"
    );
}

#[test]
fn desks_drive_the_key_light_over_artnet_and_sacn() {
    let dir = temp_dir("control-dmx");
    let (artnet, sacn) = (free_udp(), free_udp());
    let app = start(
        &repo().join("scenes/maps/default.map.ron"),
        [free_udp(), free_tcp(), free_tcp(), artnet, sacn],
        &dir,
    );
    let base = app.value("/scene/lights/key/intensity").expect("intensity")[0];
    // stupidArtnet: universe 1, channels 1-4 = dimmer 50 %, red, green, blue.
    run_python(&format!(
        r#"
import time
from stupidArtnet import StupidArtnet
a = StupidArtnet("127.0.0.1", 1, 512, 30, True, False, None, False, {artnet})
packet = bytearray(512)
packet[0:4] = bytes([128, 255, 64, 0])
a.set(packet)
for _ in range(5):
    a.show()
    time.sleep(0.05)
"#
    ));
    app.wait_for("Art-Net colour", |r| {
        r.value("/scene/lights/key/color").is_some_and(|v| {
            (v[0] - 1.0).abs() < 1e-3 && (v[1] - 64.0 / 255.0).abs() < 1e-3 && v[2].abs() < 1e-3
        })
    });
    let level = app.value("/scene/lights/key/intensity").expect("intensity")[0];
    assert!(
        (level - base * 128.0 / 255.0).abs() < base * 1e-3,
        "dimmer 50 % of {base}: {level}"
    );
    // sACN unicast at priority 150 takes over from the Art-Net source (priority 100).
    // The sacn package always sends to 5568; point it at this test's port so parallel
    // tests (and other software on 5568) cannot take the packets.
    run_python(&format!(
        r#"
import time, sacn
import sacn.sending.sender_socket_udp as udp
udp.DEFAULT_PORT = {sacn}
s = sacn.sACNsender(bind_address="127.0.0.1", bind_port=0, source_name="e2e desk")
s.start()
s.activate_output(1)
s[1].destination = "127.0.0.1"
s[1].priority = 150
s[1].dmx_data = (255, 0, 0, 255) + (0,) * 508
time.sleep(1.0)
s.stop()
"#
    ));
    app.wait_for("sACN colour", |r| {
        r.value("/scene/lights/key/color") == Some(vec![0.0, 0.0, 1.0])
    });
    let level = app.value("/scene/lights/key/intensity").expect("intensity")[0];
    assert!((level - base).abs() < base * 1e-3, "dimmer full: {level}");
    let tree = app.http("/").expect("tree");
    assert!(tree.contains("driven by DMX universe 1"), "{tree}");
}
