//! Set-up shared by the render cluster's end-to-end tests: the small quad stage, test
//! cluster files on free loopback ports, `backlot` nodes spawned with their logs and killed
//! on drop, and OSCQuery reads of their `/cluster/...` status.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{backlot, flat_wall_variant, free_tcp};

/// The scene every test node loads.
pub(crate) const SCENE: &str = "scenes/neon_club.scene.ron";

/// The small flat wall split into four outputs, one per quarter.
pub(crate) fn quad_stage(dir: &Path) -> PathBuf {
    flat_wall_variant(
        dir,
        "quad.stage.ron",
        &[
            ("pixels: (160, 180)", "pixels: (16, 18)"),
            ("resolution: 512", "resolution: 64"),
            (
                "soft_edge: 0.05,",
                "soft_edge: 0.05,\n            inner_resolution: Fixed(96, 54),",
            ),
            (
                r#"(name: "main", canvas: (1920, 1080), regions: [(section: "wall")]),"#,
                r#"(name: "q1", canvas: (96, 54), regions: [(section: "wall", source: (0, 0, 96, 54))]),
        (name: "q2", canvas: (96, 54), regions: [(section: "wall", source: (96, 0, 96, 54))]),
        (name: "q3", canvas: (96, 54), regions: [(section: "wall", source: (0, 54, 96, 54))]),
        (name: "q4", canvas: (96, 54), regions: [(section: "wall", source: (96, 54, 96, 54))]),"#,
            ),
        ],
    )
}

/// A node of a test cluster: name, role, outputs; each listens on a free loopback port.
pub(crate) struct TestNode {
    name: &'static str,
    role: &'static str,
    outputs: &'static [&'static str],
    pub(crate) port: u16,
    /// OSC (UDP) port, for the nodes that take input.
    pub(crate) osc: Option<u16>,
}

pub(crate) fn node(
    name: &'static str,
    role: &'static str,
    outputs: &'static [&'static str],
) -> TestNode {
    TestNode {
        name,
        role,
        outputs,
        port: free_tcp(),
        osc: matches!(role, "Primary" | "Backup").then(crate::support::free_udp),
    }
}

/// Writes `<dir>/<name>.cluster.ron` driving `stage` with `nodes`; a late node keeps the
/// others waiting up to 2 s (nodes of a loaded CI machine are slow, not gone).
pub(crate) fn cluster_file(dir: &Path, name: &str, stage: &Path, nodes: &[TestNode]) -> PathBuf {
    cluster_file_with(dir, name, stage, nodes, "    barrier_timeout_ms: 2000,\n")
}

/// [`cluster_file`] with `settings`: top-level fields, each a line ending in `,\n`.
pub(crate) fn cluster_file_with(
    dir: &Path,
    name: &str,
    stage: &Path,
    nodes: &[TestNode],
    settings: &str,
) -> PathBuf {
    let nodes: Vec<String> = nodes
        .iter()
        .map(|n| {
            let outputs: Vec<String> = n.outputs.iter().map(|o| format!("\"{o}\"")).collect();
            let osc = n.osc.map_or(String::new(), |p| format!(", osc_port: Some({p})"));
            format!(
                "        (name: \"{}\", role: {}, listen: \"tcp/127.0.0.1:{}\", outputs: [{}]{osc}),",
                n.name,
                n.role,
                n.port,
                outputs.join(", ")
            )
        })
        .collect();
    let text = format!(
        "(\n    name: \"{name}\",\n    stage: \"{}\",\n{settings}    nodes: [\n{}\n    ],\n)\n",
        stage.display(),
        nodes.join("\n")
    );
    let path = dir.join(format!("{name}.cluster.ron"));
    std::fs::write(&path, text).expect("write cluster file");
    path
}

/// A child process with its log, killed when dropped.
pub(crate) struct Proc {
    pub(crate) child: Child,
    log: PathBuf,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    pub(crate) fn spawn(mut cmd: Command, log: PathBuf) -> Proc {
        let out = File::create(&log).expect("log");
        let err = out.try_clone().expect("log");
        let child = cmd
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .expect("spawn backlot");
        Proc { child, log }
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for the process to exit successfully within `limit`.
    pub(crate) fn succeeds(&mut self, what: &str, limit: Duration) {
        let started = Instant::now();
        loop {
            match self.child.try_wait().expect("wait") {
                Some(status) => {
                    assert!(
                        status.success(),
                        "{what} failed ({status}):\n{}",
                        self.log()
                    );
                    return;
                }
                None if started.elapsed() > limit => {
                    panic!("{what} still running after {limit:?}:\n{}", self.log())
                }
                None => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

/// `backlot run --headless --no-render` as node `n` of `cluster`, OSCQuery on `query`, a
/// small scene view, logging to `<dir>/<n>.log`.
pub(crate) fn live_node(cluster: &Path, n: &str, query: u16, dir: &Path) -> Proc {
    live_node_on(cluster, n, query, dir, Path::new(SCENE))
}

/// The same, on `scene`.
pub(crate) fn live_node_on(cluster: &Path, n: &str, query: u16, dir: &Path, scene: &Path) -> Proc {
    let mut cmd = backlot();
    cmd.args([
        "run",
        "--headless",
        "--no-render",
        "--no-layers",
        "--no-mdns",
    ])
    .arg("--scene")
    .arg(scene)
    .args(["--size", "64x36", "--watchdog-ms", "0"])
    .args(["--no-log-file", "--osc-port", "0", "--osc-tcp-port", "0"])
    .arg("--oscquery-port")
    .arg(query.to_string())
    .args(["--artnet-port", "0", "--sacn-port", "0"])
    .arg("--cluster")
    .arg(cluster)
    .args(["--node", n]);
    Proc::spawn(cmd, dir.join(format!("{n}.log")))
}

/// Every running node's log, for a failure message.
pub(crate) fn logs(procs: &[Option<Proc>]) -> String {
    procs
        .iter()
        .flatten()
        .map(Proc::log)
        .collect::<Vec<_>>()
        .join("\n----\n")
}

/// The VALUE body of `address` on the OSCQuery server at `port` (empty when unanswered).
pub(crate) fn query(port: u16, address: &str) -> String {
    crate::support::http_get(port, &format!("{address}?VALUE")).unwrap_or_default()
}

/// The number in a VALUE body (`{"VALUE":[0.42]}`).
pub(crate) fn number(body: &str) -> Option<f64> {
    body.trim_start_matches("{\"VALUE\":[")
        .trim_end_matches("]}")
        .parse()
        .ok()
}

/// Polls `done` until it holds, failing with `logs()` after `limit`.
pub(crate) fn wait_until(
    what: &str,
    limit: Duration,
    logs: impl Fn() -> String,
    done: impl Fn() -> bool,
) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < limit,
            "timed out waiting for {what}\n{}",
            logs()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
