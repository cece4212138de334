//! Failover benchmark (`cargo bench --bench failover_bench -- [--kills N] [--binary PATH]`).
//!
//! Starts a primary, its backup and a render node (`backlot run --headless --no-render`,
//! loopback, a fresh cluster name each round), waits until frames flow, `kill -9`s the
//! primary and reads the render node's failover line: how many frame periods (60 Hz) it went
//! without a new state before the backup's first one. Prints each round, then the median and
//! the worst, against the frame-to-frame spread of the same render node before the kill
//! (its baseline: what one frame period looks like on this machine in this run).

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A node process, killed when dropped.
struct Node {
    child: Child,
    log: PathBuf,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn spawn(binary: &Path, cluster: &Path, node: &str, dir: &Path) -> Result<Node, String> {
    let log = dir.join(format!("{node}.log"));
    let out = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let child = Command::new(binary)
        .current_dir(repo())
        .args([
            "run",
            "--headless",
            "--no-render",
            "--no-layers",
            "--no-mdns",
        ])
        .args([
            "--scene",
            "scenes/neon_club.scene.ron",
            "--watchdog-ms",
            "0",
        ])
        .args([
            "--no-log-file",
            "--osc-tcp-port",
            "0",
            "--oscquery-port",
            "0",
        ])
        .args(["--artnet-port", "0", "--sacn-port", "0"])
        .arg("--cluster")
        .arg(cluster)
        .args(["--node", node])
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    Ok(Node { child, log })
}

/// Waits until `done` holds on the node's log, at most `limit`.
fn wait_log(node: &Node, limit: Duration, done: impl Fn(&str) -> bool) -> Option<String> {
    let started = Instant::now();
    while started.elapsed() < limit {
        let log = node.log();
        if done(&log) {
            return Some(log);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// `… 2 frames without a new state)` → 2.
fn gap_of(log: &str) -> Option<u64> {
    let line = log.lines().find(|l| l.contains("is primary now"))?;
    let before = line.split(" frames without a new state").next()?;
    before.rsplit([' ', ';']).next()?.trim().parse().ok()
}

/// One round: a, b, c up; kill a; c's gap.
fn round(binary: &Path, dir: &Path, i: usize) -> Result<u64, String> {
    let name = format!("fo{}x{i}", std::process::id());
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let stage = repo().join("scenes/stages/curved_volume.stage.ron");
    let text = format!(
        "(name: \"{name}\", stage: \"{}\", barrier_timeout_ms: 2000, nodes: [\n\
         (name: \"a\", role: Primary, listen: \"tcp/127.0.0.1:{}\", osc_port: Some({})),\n\
         (name: \"b\", role: Backup, listen: \"tcp/127.0.0.1:{}\", osc_port: Some({})),\n\
         (name: \"c\", role: Render, listen: \"tcp/127.0.0.1:{}\", outputs: [\"wall_left\", \
         \"wall_centre\", \"wall_right\", \"ceiling\"]),\n])\n",
        stage.display(),
        ports[0],
        free_udp(),
        ports[1],
        free_udp(),
        ports[2],
    );
    let cluster = dir.join(format!("{name}.cluster.ron"));
    std::fs::write(&cluster, text).map_err(|e| e.to_string())?;
    let mut a = spawn(binary, &cluster, "a", dir)?;
    let b = spawn(binary, &cluster, "b", dir)?;
    let c = spawn(binary, &cluster, "c", dir)?;
    // Frames flow when c has followed the primary for a while and b mirrors it.
    std::thread::sleep(Duration::from_secs(3));
    wait_log(&c, Duration::from_secs(60), |l| !l.contains("ERROR"))
        .ok_or_else(|| format!("c reported an error:\n{}", c.log()))?;
    std::thread::sleep(Duration::from_secs(2));
    let _ = a.child.kill();
    let _ = a.child.wait();
    let log = wait_log(&c, Duration::from_secs(20), |l| {
        l.contains("is primary now")
    })
    .ok_or_else(|| {
        format!(
            "no failover at c within 20 s:\nc:\n{}\nb:\n{}",
            c.log(),
            b.log()
        )
    })?;
    gap_of(&log).ok_or_else(|| format!("no gap in c's failover line:\n{log}"))
}

fn free_udp() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

fn main() {
    let binary = arg("--binary")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_backlot")));
    let kills = arg("--kills")
        .and_then(|k| k.parse::<usize>().ok())
        .filter(|k| (1..=1000).contains(k))
        .unwrap_or(20);
    let dir = std::env::temp_dir().join(format!("backlot-failover-bench-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("failover_bench: {}: {e}", dir.display());
        std::process::exit(2);
    }
    println!(
        "Failover: kill -9 of the primary, {kills} rounds, gap at the render node (60 Hz frames)"
    );
    let mut gaps = Vec::new();
    let mut failed = 0;
    for i in 0..kills {
        match round(&binary, &dir, i) {
            Ok(gap) => {
                println!("  round {:>2}: {gap} frames", i + 1);
                gaps.push(gap);
            }
            Err(e) => {
                failed += 1;
                println!("  round {:>2}: failed: {e}", i + 1);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    gaps.sort_unstable();
    if gaps.is_empty() {
        println!("no round completed");
        std::process::exit(1);
    }
    let median = gaps[gaps.len() / 2];
    let worst = gaps[gaps.len() - 1];
    let within = gaps.iter().filter(|g| **g <= 3).count();
    println!(
        "  median {median} frames, worst {worst} frames, {within}/{} within 3 frames, {failed} \
         rounds failed (baseline: 1 frame = one period without a new state)",
        gaps.len()
    );
}
