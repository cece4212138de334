//! Map saves from the real binary, against faults: a full filesystem (a file size limit,
//! `ulimit -f`, the closest a test gets to a full disk without root) and a map file that does
//! not parse. Either way the save fails with an error in the log, the map file is left byte
//! for byte, nothing is left beside it, and the show goes on.
//!
//! The save is made from the network by OSC learn, as MIDI learn needs a MIDI device:
//! `/control/learn ,s <parameter>` arms learn, and the next OSC message at an address that is
//! neither a parameter nor bound becomes an `osc.bindings` alias for the parameter, in force
//! at once and written into the map as a learned MIDI binding is (spliced, never over a file
//! with errors, waiting in force until a save succeeds).

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use crate::support::{PipedRun, Running, osc_float, osc_message, osc_string, repo, temp_dir};

/// Arms learn for the parameter given as its one string argument.
const LEARN: &str = "/control/learn";
/// An address nothing uses: the control that is learned.
const FADER: &str = "/e2e/fader";
/// What it is learned for (0..1, so a value sent lands as sent).
const TARGET: &str = "/scene/fog/density";

/// A note of the user's at the top of the map, to be kept by every save.
const NOTE: &str = "// The operator's notes on this desk, kept by every save.\n";

/// The shipped map, the network allowed to learn (nothing read-only), with `NOTE` repeated
/// until the file is at least `size` bytes; written to `dir`.
fn desk_map(dir: &Path, size: usize) -> (PathBuf, String) {
    let shipped = std::fs::read_to_string(repo().join("scenes/maps/default.map.ron")).expect("map");
    let open = shipped.replacen(
        "(\n    osc: (",
        "(\n    access: (read_only: []),\n    osc: (",
        1,
    );
    assert!(open != shipped, "the shipped map's layout changed");
    let notes = NOTE.repeat(size.saturating_sub(open.len()) / NOTE.len() + 1);
    let text = format!("{notes}{open}");
    let path = dir.join("desk.map.ron");
    std::fs::write(&path, &text).expect("write map");
    (path, text)
}

/// `backlot run` on a map, its log through a pipe (a file size limit does not touch pipes).
struct Desk {
    run: Running,
    osc: u16,
    sender: UdpSocket,
    lines: Receiver<String>,
    log: Vec<String>,
}

impl Desk {
    /// Starts backlot on `map`, under `ulimit -f limit_kib` when given, and waits for the map.
    fn start(map: &Path, limit_kib: Option<u32>) -> Desk {
        let PipedRun { run, osc, lines } = PipedRun::start(limit_kib, |cmd| {
            cmd.args(["--scene", "scenes/neon_club.scene.ron"])
                .arg("--map")
                .arg(map);
        });
        let mut desk = Desk {
            run,
            osc,
            sender: UdpSocket::bind("127.0.0.1:0").expect("sender"),
            lines,
            log: Vec::new(),
        };
        desk.wait_log("the map", "control map loaded");
        desk.run
            .wait_for("OSCQuery and the scene", |r| r.value(TARGET).is_some());
        desk
    }

    /// Takes in what the log has said so far.
    fn read_log(&mut self) {
        while let Ok(line) = self.lines.try_recv() {
            self.log.push(line);
        }
    }

    /// The first log line holding `needle`, waiting a minute at most.
    fn wait_log(&mut self, what: &str, needle: &str) -> String {
        let start = Instant::now();
        loop {
            self.read_log();
            if let Some(line) = self.log.iter().find(|l| l.contains(needle)) {
                return line.clone();
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "timed out waiting for {what} (`{needle}`):\n{}",
                self.log.join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&self, packet: &[u8]) {
        self.sender
            .send_to(packet, ("127.0.0.1", self.osc))
            .expect("send");
    }

    /// Arms learn for `TARGET` and moves `FADER` until the log holds `outcome` (the save's
    /// result); that line.
    fn learn(&mut self, outcome: &str) -> String {
        let arm = osc_message(LEARN.as_bytes(), b",s", &osc_string(TARGET.as_bytes()));
        self.send(&arm);
        let start = Instant::now();
        loop {
            self.send(&osc_float(FADER, 0.25));
            self.read_log();
            if let Some(line) = self.log.iter().find(|l| l.contains(outcome)) {
                return line.clone();
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no `{outcome}` after learning {FADER} for {TARGET}:\n{}",
                self.log.join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn value(&self, address: &str) -> Option<f64> {
        self.run.value(address).and_then(|v| v.first().copied())
    }

    /// The learned binding is in force, frames still come, and backlot is alive.
    fn show_goes_on(&mut self) {
        self.send(&osc_float(FADER, 0.5));
        self.run.wait_for("the learned binding in force", |r| {
            r.value(TARGET)
                .and_then(|v| v.first().copied())
                .is_some_and(|d| (d - 0.5).abs() < 1e-6)
        });
        let before = self.value("/status/frames").unwrap_or(0.0);
        self.run.wait_for("frames after the failed save", |r| {
            r.value("/status/frames")
                .and_then(|v| v.first().copied())
                .is_some_and(|f| f > before + 10.0)
        });
        self.read_log();
        assert!(
            self.run.child.try_wait().expect("wait").is_none(),
            "backlot died:\n{}",
            self.log.join("\n")
        );
        let log = self.log.join("\n");
        assert!(!log.contains("panicked"), "{log}");
    }
}

/// The names in `dir`: the map alone, no temp file or backup beside it.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_map_save_on_a_full_filesystem_fails_visibly_and_leaves_the_map_as_it_was() {
    let dir = temp_dir("map-save-full");
    // 16 KiB per file, the map 24: every write of it fails part-way with EFBIG.
    let (map, text) = desk_map(&dir, 24 * 1024);
    let mut desk = Desk::start(&map, Some(16));
    let line = desk.learn("cannot save learned bindings");
    assert!(line.contains("File too large"), "the cause is said: {line}");
    assert!(line.contains("desk.map.ron"), "and the file: {line}");
    assert_eq!(
        std::fs::read_to_string(&map).expect("read"),
        text,
        "the map is byte for byte as it was"
    );
    assert_eq!(files_in(&dir), ["desk.map.ron"], "nothing left beside it");
    desk.show_goes_on();
    assert_eq!(std::fs::read_to_string(&map).expect("read"), text);
}

#[test]
fn learn_over_a_broken_map_file_is_refused_visibly_and_saved_once_it_is_fixed() {
    let dir = temp_dir("map-save-broken");
    let (map, good) = desk_map(&dir, 0);
    let mut desk = Desk::start(&map, None);
    // The user's edit in progress: a parenthesis not yet typed.
    let broken = good.replacen("cc: 7)", "cc: 7", 1);
    assert!(broken != good, "the shipped map's layout changed");
    std::fs::write(&map, &broken).expect("break the map");
    desk.wait_log("the broken map", "keeping the last good map");
    let line = desk.learn("map file has errors at");
    assert!(line.contains("desk.map.ron:"), "positioned: {line}");
    assert!(line.contains("fix it before saving"), "{line}");
    assert_eq!(
        std::fs::read_to_string(&map).expect("read"),
        broken,
        "the user's edit is left byte for byte"
    );
    assert_eq!(files_in(&dir), ["desk.map.ron"], "nothing left beside it");
    desk.show_goes_on();
    assert_eq!(std::fs::read_to_string(&map).expect("read"), broken);
    // Fixed: the next good load writes the learned binding, spliced into the user's text.
    std::fs::write(&map, &good).expect("fix the map");
    desk.wait_log("the learned binding saved", "map saved");
    let saved = std::fs::read_to_string(&map).expect("read");
    assert!(saved.contains(&format!("\"{FADER}\"")), "{saved}");
    for kept in [NOTE.trim_end(), "// Faders that send 0..1."] {
        assert!(saved.contains(kept), "`{kept}` lost:\n{saved}");
    }
    assert_eq!(
        files_in(&dir),
        ["desk.map.ron"],
        "no backup: it was spliced"
    );
}
