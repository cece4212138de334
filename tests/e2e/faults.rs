//! The show the fault-injection tests attack (`run --headless --no-render`, loopback only,
//! every attack bounded in count and time) and the check after each attack: the process
//! lives, frames keep coming and a normal fader message still applies. The attacks are in
//! `faults_osc.rs` (hostile OSC over UDP and TCP), `faults_floods.rs` (far-future bundles, a
//! connection storm, sender churn) and `faults_files.rs` (NaN in every file kind, a take cut
//! short by a crash).

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{Running, backlot, free_tcp, free_udp, osc_float, temp_dir};

/// The fader every check sets (0..1, no slew at its own address).
pub(crate) const FOG: &str = "/scene/fog/density";

/// A running engine and where it listens.
pub(crate) struct Show {
    pub(crate) app: Running,
    pub(crate) osc: u16,
    pub(crate) tcp: u16,
    pub(crate) sacn: u16,
}

pub(crate) fn frames(r: &Running) -> f64 {
    r.value("/status/frames")
        .and_then(|v| v.first().copied())
        .unwrap_or(0.0)
}

pub(crate) fn first(r: &Running, address: &str) -> Option<f64> {
    r.value(address).and_then(|v| v.first().copied())
}

/// `run --headless --no-render` on neon_club without layers, on the given ports; takes (if
/// any) go under `dir`.
pub(crate) fn command(
    dir: &Path,
    osc: u16,
    tcp: u16,
    query: u16,
    sacn: u16,
) -> std::process::Command {
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
pub(crate) fn start(name: &str) -> Show {
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
    pub(crate) fn pid(&self) -> u32 {
        self.app.child.id()
    }

    /// Sends one datagram to the OSC port.
    pub(crate) fn udp(&self, bytes: &[u8]) {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("udp");
        let _ = sock.send_to(bytes, ("127.0.0.1", self.osc));
    }

    /// Sends `bytes` down a new OSC TCP connection, then closes it (the engine may have
    /// closed it first: that is allowed).
    pub(crate) fn tcp(&self, bytes: &[u8]) {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.tcp)) {
            let _ = s.write_all(bytes);
        }
    }

    /// After `what`: alive, frames still coming, and fog `value` sent by `send` applies.
    pub(crate) fn still_well(&mut self, what: &str, value: f32, send: impl Fn(&Self, &[u8])) {
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
