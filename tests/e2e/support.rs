//! Helpers shared by the end-to-end tests.

use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::Receiver;
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

/// A `backlot run` whose log comes through a pipe, line by line.
pub struct PipedRun {
    /// Its OSCQuery answers; its `log` file is empty (the log is in `lines`).
    pub run: Running,
    /// Its OSC UDP port.
    pub osc: u16,
    /// Its log, line by line as it comes.
    pub lines: Receiver<String>,
}

impl PipedRun {
    /// `backlot run --headless --no-render --no-layers --no-log-file` with what `extra` adds,
    /// every port free, under `ulimit -f file_limit_kib` when given: a file size limit, the
    /// closest a test gets to a full disk without root. The limit does not touch the pipe.
    pub fn start(file_limit_kib: Option<u32>, extra: impl FnOnce(&mut Command)) -> PipedRun {
        let (osc, query) = (free_udp(), free_tcp());
        let script = match file_limit_kib {
            Some(kib) => format!("ulimit -f {kib} && exec \"$0\" \"$@\""),
            None => "exec \"$0\" \"$@\"".to_string(),
        };
        let mut cmd = Command::new("bash");
        cmd.current_dir(repo())
            .env("RUST_LOG", "info")
            .arg("-c")
            .arg(script)
            .arg(env!("CARGO_BIN_EXE_backlot"))
            .args([
                "run",
                "--headless",
                "--no-render",
                "--no-layers",
                "--no-log-file",
            ]);
        extra(&mut cmd);
        cmd.args(["--osc-port", &osc.to_string()])
            .args(["--osc-tcp-port", &free_tcp().to_string()])
            .args(["--oscquery-port", &query.to_string()])
            .args(["--artnet-port", &free_udp().to_string()])
            .args(["--sacn-port", &free_udp().to_string()]);
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn backlot");
        let lines = lines_of(child.stderr.take().expect("stderr"));
        PipedRun {
            run: Running {
                child,
                oscquery: query,
                log: PathBuf::from("/dev/null"),
            },
            osc,
            lines,
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

// Hand-built wire bytes and process counts, for the fault-injection tests: the bytes are
// built here, not by the engine's encoders, so malformed and extreme packets can be made.

/// An OSC string: the bytes, a NUL, NULs up to a multiple of four.
pub fn osc_string(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out.push(0);
    out.resize(out.len().next_multiple_of(4), 0);
    out
}

/// An OSC message: address, type tags (with their comma), argument bytes.
pub fn osc_message(address: &[u8], tags: &[u8], args: &[u8]) -> Vec<u8> {
    let mut out = osc_string(address);
    out.extend(osc_string(tags));
    out.extend_from_slice(args);
    out
}

/// `address` with one float argument.
pub fn osc_float(address: &str, value: f32) -> Vec<u8> {
    osc_message(address.as_bytes(), b",f", &value.to_be_bytes())
}

/// An OSC bundle: `#bundle`, the time tag (NTP 32.32; 1 = immediately), then each element
/// with its int32 size.
pub fn osc_bundle(timetag: u64, elements: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"#bundle\0".to_vec();
    out.extend_from_slice(&timetag.to_be_bytes());
    for e in elements {
        out.extend_from_slice(&(e.len() as u32).to_be_bytes());
        out.extend_from_slice(e);
    }
    out
}

/// The OSC time tag `ahead` of now (NTP: seconds since 1900, 32.32 fixed point).
pub fn osc_timetag(ahead: Duration) -> u64 {
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        + ahead;
    let seconds = unix.as_secs() + 2_208_988_800;
    let fraction = (u64::from(unix.subsec_nanos()) << 32) / 1_000_000_000;
    (seconds << 32) | fraction
}

/// A SLIP frame (OSC 1.1 over TCP): END, the bytes with END and ESC escaped, END.
pub fn slip_frame(packet: &[u8]) -> Vec<u8> {
    const END: u8 = 0xC0;
    const ESC: u8 = 0xDB;
    const ESC_END: u8 = 0xDC;
    const ESC_ESC: u8 = 0xDD;
    let mut out = Vec::with_capacity(packet.len() + 2);
    out.push(END);
    for &b in packet {
        match b {
            END => out.extend_from_slice(&[ESC, ESC_END]),
            ESC => out.extend_from_slice(&[ESC, ESC_ESC]),
            other => out.push(other),
        }
    }
    out.push(END);
    out
}

/// An E1.31 (sACN) data packet from source `cid`: priority 100, no sync, start code 0.
pub fn sacn_data(cid: [u8; 16], universe: u16, sequence: u8, slots: &[u8]) -> Vec<u8> {
    let len = 126 + slots.len();
    let pdu = |from: usize| (0x7000 | (len - from) as u16).to_be_bytes();
    let mut b = vec![0u8; len];
    b[0..2].copy_from_slice(&0x0010u16.to_be_bytes());
    b[4..16].copy_from_slice(b"ASC-E1.17\0\0\0");
    b[16..18].copy_from_slice(&pdu(16));
    b[18..22].copy_from_slice(&4u32.to_be_bytes());
    b[22..38].copy_from_slice(&cid);
    b[38..40].copy_from_slice(&pdu(38));
    b[40..44].copy_from_slice(&2u32.to_be_bytes());
    let name = b"e2e source";
    b[44..44 + name.len()].copy_from_slice(name);
    b[108] = 100;
    b[111] = sequence;
    b[113..115].copy_from_slice(&universe.to_be_bytes());
    b[115..117].copy_from_slice(&pdu(115));
    b[117] = 0x02;
    b[118] = 0xa1;
    b[121..123].copy_from_slice(&1u16.to_be_bytes());
    b[123..125].copy_from_slice(&(1 + slots.len() as u16).to_be_bytes());
    b[126..].copy_from_slice(slots);
    b
}

/// A count from /proc/PID/status (`VmRSS:` in kB, `Threads:`); None once the process is gone.
pub fn proc_status(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix(key))?;
    line.split_whitespace().next()?.parse().ok()
}

/// Resident memory of a process, MB.
pub fn resident_mb(pid: u32) -> Option<f64> {
    proc_status(pid, "VmRSS:").map(|kb| kb as f64 / 1024.0)
}

/// Open file descriptors of a process.
pub fn open_fds(pid: u32) -> Option<u64> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64)
}

/// The shipped show and the files it names, copied into `dir` as they sit under `scenes/`
/// (the show in `shows/`, the others where its relative paths point), so that the autosave
/// is written there. The stage is left out: its trackers listen on fixed ports that tests
/// running in parallel would share.
pub fn copy_shipped_show(dir: &Path) -> PathBuf {
    let scenes = repo().join("scenes");
    for file in [
        "neon_club.scene.ron",
        "neon_club.layers.ron",
        "maps/default.map.ron",
    ] {
        let to = dir.join(file);
        std::fs::create_dir_all(to.parent().expect("a folder")).expect("folder");
        std::fs::copy(scenes.join(file), &to).expect("copy");
    }
    let text = std::fs::read_to_string(scenes.join("shows/neon_club.show.ron")).expect("show");
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("stage:"))
        .collect();
    let show = dir.join("shows/neon_club.show.ron");
    std::fs::create_dir_all(dir.join("shows")).expect("folder");
    std::fs::write(&show, kept.join("\n")).expect("write show");
    show
}
