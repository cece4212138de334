//! A render node frozen with SIGSTOP for less than the Zenoh lease is *late*, not gone: the
//! barrier drops it after its timeout and the others keep running, no spare takes its
//! outputs, and after SIGCONT it catches up and is back in the barrier.

use std::time::{Duration, Instant};

use crate::cluster_support::{
    Proc, cluster_file_with, live_node, logs, node, number, quad_stage, query, wait_until,
};
use crate::support::{free_tcp, temp_dir};

/// How long `c` is frozen: far past the barrier timeout, well short of the lease.
const FROZEN: Duration = Duration::from_secs(2);

/// Sends signal `sig` to a node's process.
fn signal(node: &Proc, sig: libc::c_int) {
    let pid = libc::pid_t::try_from(node.child.id()).expect("a pid fits pid_t");
    // SAFETY: kill(2) on our own child, not reaped yet (it is held in `node`).
    let rc = unsafe { libc::kill(pid, sig) };
    assert_eq!(
        rc,
        0,
        "kill({pid}, {sig}): {}",
        std::io::Error::last_os_error()
    );
}

/// The cluster frame of the node whose OSCQuery is on `port`; None when it does not answer.
fn frame(port: u16) -> Option<f64> {
    number(&query(port, "/cluster/frame"))
}

/// Barrier drops naming `node` in `log` (`cluster: c, d did not finish frame N …`).
fn drops_of(log: &str, node: &str) -> usize {
    log.lines()
        .filter(|l| {
            l.split_once(" did not finish frame ")
                .and_then(|(head, _)| head.rsplit_once("cluster: "))
                .is_some_and(|(_, names)| names.split(", ").any(|n| n == node))
        })
        .count()
}

/// Re-admissions of `node` to the barrier in `log`.
fn rejoins_of(log: &str, node: &str) -> usize {
    log.matches(&format!("node `{node}` caught up at frame"))
        .count()
}

#[test]
fn a_render_node_stopped_for_less_than_the_lease_is_late_not_gone_and_rejoins_the_barrier() {
    let dir = temp_dir("cluster-stall");
    let stage = quad_stage(&dir);
    let name = format!("stall{}", std::process::id());
    // A short barrier timeout, so the drop comes soon; a lease far past the freeze, so a
    // loaded CI machine's slowness cannot make the late node a gone one.
    let cluster = cluster_file_with(
        &dir,
        &name,
        &stage,
        &[
            node("a", "Primary", &[]),
            node("c", "Render", &["q1", "q2"]),
            node("d", "Render", &["q3", "q4"]),
            node("e", "Spare", &[]),
        ],
        "    barrier_timeout_ms: 250,\n    zenoh: (lease_ms: 10000),\n",
    );
    let ports: Vec<u16> = (0..4).map(|_| free_tcp()).collect();
    let procs: Vec<Option<Proc>> = ["a", "c", "d", "e"]
        .iter()
        .zip(&ports)
        .map(|(n, p)| Some(live_node(&cluster, n, *p, &dir)))
        .collect();
    let (qa, qc, qd, qe) = (ports[0], ports[1], ports[2], ports[3]);
    let all_logs = || logs(&procs);
    let log_of = |i: usize| procs[i].as_ref().map(Proc::log).unwrap_or_default();

    wait_until(
        "every node up as the spare sees it, and frames at c and d",
        Duration::from_secs(120),
        all_logs,
        || {
            ["a", "c", "d"]
                .iter()
                .all(|n| query(qe, &format!("/cluster/nodes/{n}/alive")).contains("true"))
                && frame(qc).is_some_and(|f| f > 10.0)
                && frame(qd).is_some_and(|f| f > 10.0)
        },
    );
    assert!(query(qe, "/cluster/role").contains("\"spare\""));
    // Under load a node may already have been late once while starting: count from here.
    let drops_before = drops_of(&log_of(0), "c") + drops_of(&log_of(2), "c");
    let rejoins_before = rejoins_of(&log_of(0), "c") + rejoins_of(&log_of(2), "c");
    let counted_before: Vec<f64> = [qa, qd]
        .iter()
        .map(|q| number(&query(*q, "/cluster/barrier_drops")).unwrap_or(0.0))
        .collect();
    let c_before = frame(qc).unwrap_or(0.0);

    let c = procs[1].as_ref().expect("c runs");
    signal(c, libc::SIGSTOP);
    let stopped = Instant::now();
    // Past the barrier timeout, then watch the others for the rest of the freeze. Only
    // gathered here (c is not asked: it cannot answer); asserted once c runs again.
    std::thread::sleep(Duration::from_millis(500));
    let early = [frame(qa), frame(qd)];
    let mut c_alive_seen = Vec::new();
    while stopped.elapsed() < FROZEN - Duration::from_millis(300) {
        c_alive_seen.push((
            query(qa, "/cluster/nodes/c/alive"),
            query(qe, "/cluster/nodes/c/alive"),
        ));
        std::thread::sleep(Duration::from_millis(100));
    }
    let late = [frame(qa), frame(qd)];
    let e_role_during = query(qe, "/cluster/role");
    let remaining = FROZEN.saturating_sub(stopped.elapsed());
    std::thread::sleep(remaining);
    signal(c, libc::SIGCONT);
    eprintln!("c frozen for {:?}", stopped.elapsed());

    // The primary and d kept going without c.
    for ((who, e), l) in ["primary a", "render node d"].iter().zip(early).zip(late) {
        let (Some(e), Some(l)) = (e, l) else {
            panic!("{who} did not answer during the freeze\n{}", all_logs());
        };
        assert!(
            l > e,
            "{who} stood still at frame {e} while c was frozen\n{}",
            all_logs()
        );
    }
    // c was late, never gone: its token held, the spare stayed a spare.
    assert!(!c_alive_seen.is_empty());
    for (at_a, at_e) in &c_alive_seen {
        assert!(
            at_a.contains("true") && at_e.contains("true"),
            "c was taken for gone while frozen ({at_a} at a, {at_e} at e)\n{}",
            all_logs()
        );
    }
    assert!(e_role_during.contains("\"spare\""), "{e_role_during}");
    // The drop shows: a warning naming c, and the count.
    wait_until(
        "the barrier drop of c in the log and in /cluster/barrier_drops",
        Duration::from_secs(30),
        all_logs,
        || {
            let logged = drops_of(&log_of(0), "c") + drops_of(&log_of(2), "c") > drops_before;
            let counted = [qa, qd].iter().zip(&counted_before).any(|(q, before)| {
                number(&query(*q, "/cluster/barrier_drops")).is_some_and(|n| n > *before)
            });
            logged && counted
        },
    );

    // After SIGCONT c catches up with d and is admitted to the barrier again.
    wait_until(
        "c to catch up and rejoin the barrier",
        Duration::from_secs(60),
        all_logs,
        || {
            let caught_up = match (frame(qc), frame(qd)) {
                (Some(c), Some(d)) => c > c_before && (c - d).abs() <= 30.0,
                _ => false,
            };
            let rejoins = rejoins_of(&log_of(0), "c") + rejoins_of(&log_of(2), "c");
            caught_up && rejoins > rejoins_before
        },
    );
    // And it keeps step: its frames go on with the others'.
    let c_back = frame(qc).unwrap_or(0.0);
    wait_until(
        "c's frames to go on after it rejoined",
        Duration::from_secs(30),
        all_logs,
        || frame(qc).is_some_and(|f| f > c_back),
    );
    assert!(query(qc, "/cluster/role").contains("\"render\""));
    assert!(query(qe, "/cluster/role").contains("\"spare\""));
    assert_eq!(number(&query(qe, "/cluster/failovers")), Some(0.0));
    for (i, who) in [(0, "a"), (2, "d"), (3, "e")] {
        let log = log_of(i);
        assert!(
            !log.contains("node `c` is gone") && !log.contains("takes its outputs"),
            "{who} took c for gone:\n{log}"
        );
    }
}
