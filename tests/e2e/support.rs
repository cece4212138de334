//! Helpers shared by the end-to-end tests.

use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `backlot` command run from the repository root.
pub fn backlot() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_backlot"));
    cmd.current_dir(repo());
    cmd.env("RUST_LOG", "info");
    cmd
}

/// Runs and captures; panics only on failure to spawn (a test bug, not product input).
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("spawn backlot")
}

/// stdout + stderr as text.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A fresh temporary folder for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("backlot-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Loads a PNG as RGB8.
pub fn load_rgb(path: &Path) -> image::RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

/// A free loopback UDP port.
pub fn free_udp() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .expect("udp")
        .local_addr()
        .expect("addr")
        .port()
}

/// A free loopback TCP port.
pub fn free_tcp() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("tcp")
        .local_addr()
        .expect("addr")
        .port()
}

/// A running `backlot run`, its log in a file and its OSCQuery server; killed on drop.
pub struct Running {
    pub child: Child,
    pub oscquery: u16,
    pub log: PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// Spawns `cmd` (a `backlot run …` whose OSCQuery listens on `oscquery`), logging to `log`.
    pub fn spawn(mut cmd: Command, oscquery: u16, log: PathBuf) -> Running {
        let child = cmd
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("spawn backlot");
        Running {
            child,
            oscquery,
            log,
        }
    }

    /// The log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// GET `path` from the OSCQuery server; the body.
    pub fn http(&self, path: &str) -> Option<String> {
        http_get(self.oscquery, path)
    }

    /// `address`'s VALUE, as numbers.
    pub fn value(&self, address: &str) -> Option<Vec<f64>> {
        let body = self.http(&format!("{address}?VALUE"))?;
        let inner = body.strip_prefix("{\"VALUE\":[")?.strip_suffix("]}")?;
        inner
            .split(',')
            .map(|v| v.trim().parse::<f64>().ok())
            .collect()
    }

    /// Polls until `done`, failing with the log after a minute.
    pub fn wait_for(&self, what: &str, mut done: impl FnMut(&Running) -> bool) {
        let start = Instant::now();
        while !done(self) {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "timed out waiting for {what}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The body of `GET path` from 127.0.0.1:`port`.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    text.split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
}

/// The lines a child writes to `stream`, as they come.
pub fn lines_of(stream: impl Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stream)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// flat_wall with free tracker ports (tests run in parallel) and `changes` applied, written
/// to `dir/name`.
pub fn flat_wall_variant(dir: &Path, name: &str, changes: &[(&str, &str)]) -> PathBuf {
    let src = std::fs::read_to_string(repo().join("scenes/stages/flat_wall.stage.ron"))
        .expect("flat_wall");
    let mut text = src
        .replace("port: Some(40000)", "port: Some(0)")
        .replace("Osc(port: 9000)", "Osc(port: 0)");
    for (from, to) in changes {
        assert!(text.contains(from), "flat_wall has no `{from}`");
        text = text.replace(from, to);
    }
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write stage");
    path
}
