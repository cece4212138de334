//! Helpers of the live cluster tests (failovers, reloads): a node run headless and
//! unrendered, its OSCQuery values, every node's log, and a bounded wait.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::cluster::{Proc, SCENE};
use crate::support::backlot;

/// `backlot run --headless --no-render` as node `n` of `cluster`, OSCQuery on `query`.
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
    .args(["--watchdog-ms", "0", "--no-log-file"])
    .args(["--osc-port", "0", "--osc-tcp-port", "0", "--oscquery-port"])
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

/// The VALUE body of `address` on the OSCQuery server at `port`.
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
