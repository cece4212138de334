//! A hot reload in a render cluster end to end: a primary and two render nodes, headless
//! and unrendered, on a copy of a scene. An edit of the copy is in force on every node from
//! one frame number; a broken edit is reported with its position on the primary and
//! changes nothing anywhere.

use std::time::Duration;

use crate::cluster_support::{
    Proc, SCENE, cluster_file, live_node_on, logs, node, number, quad_stage, query, wait_until,
};
use crate::support::{free_tcp, repo, temp_dir};

/// FNV-1a 64, the file revision of docs/cluster.md (written here from the document, not
/// taken from the engine).
fn revision(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The frames from which `log` says scene revision `rev` is in force.
fn in_force(log: &str, rev: u64) -> Vec<u64> {
    let needle = format!("cluster: scene revision {rev:016x} in force from frame ");
    log.lines()
        .filter_map(|line| {
            let rest = &line[line.find(&needle)? + needle.len()..];
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

/// How many scene reloads `log` says landed, whatever their revision.
fn landed(log: &str) -> usize {
    log.lines()
        .filter(|l| l.contains("cluster: scene revision") && l.contains("in force from frame"))
        .count()
}

fn frame_of(port: u16) -> Option<f64> {
    number(&query(port, "/cluster/frame"))
}

fn fog_of(port: u16) -> Option<f64> {
    number(&query(port, "/scene/fog/density"))
}

#[test]
fn a_scene_edit_on_the_primary_lands_on_every_node_at_one_frame_number() {
    let dir = temp_dir("cluster-reload");
    let stage = quad_stage(&dir);
    let text = std::fs::read_to_string(repo().join(SCENE)).expect("the shipped scene");
    let scene = dir.join("reload.scene.ron");
    std::fs::write(&scene, &text).expect("scene copy");
    let name = format!("reload{}", std::process::id());
    let cluster = cluster_file(
        &dir,
        &name,
        &stage,
        &[
            node("a", "Primary", &[]),
            node("c", "Render", &["q1", "q2"]),
            node("d", "Render", &["q3", "q4"]),
        ],
    );
    let ports: Vec<u16> = (0..3).map(|_| free_tcp()).collect();
    let procs: Vec<Option<Proc>> = ["a", "c", "d"]
        .iter()
        .zip(&ports)
        .map(|(n, p)| Some(live_node_on(&cluster, n, *p, &dir, &scene)))
        .collect();
    let nodes: Vec<&Proc> = procs.iter().flatten().collect();
    let all_logs = || logs(&procs);

    // Every node has loaded the copy from disk, and frames flow to the render nodes.
    let loaded = format!(
        "cluster: scene revision {:016x} loaded from",
        revision(text.as_bytes())
    );
    wait_until(
        "every node to load the scene",
        Duration::from_secs(180),
        all_logs,
        || nodes.iter().all(|p| p.log().contains(&loaded)),
    );
    wait_until(
        "frames at the render nodes",
        Duration::from_secs(60),
        all_logs,
        || {
            ports[1..]
                .iter()
                .all(|p| frame_of(*p).is_some_and(|f| f > 10.0))
        },
    );

    // An edit on the primary's disk: the same frame number on every node.
    let edited = text.replace("density: 0.03", "density: 0.05");
    assert_ne!(
        edited, text,
        "the shipped scene has the fog this test edits"
    );
    std::fs::write(&scene, &edited).expect("edit");
    let rev = revision(edited.as_bytes());
    wait_until(
        "the edit in force everywhere",
        Duration::from_secs(60),
        all_logs,
        || nodes.iter().all(|p| !in_force(&p.log(), rev).is_empty()),
    );
    let frames: Vec<Vec<u64>> = nodes.iter().map(|p| in_force(&p.log(), rev)).collect();
    assert!(
        frames.iter().all(|f| f.len() == 1 && f[0] == frames[0][0]),
        "the edit landed at different frames (primary, c, d): {frames:?}\n{}",
        all_logs()
    );
    eprintln!(
        "scene revision {rev:016x} in force from frame {} on every node",
        frames[0][0]
    );
    wait_until(
        "the new fog everywhere",
        Duration::from_secs(30),
        all_logs,
        || {
            ports
                .iter()
                .all(|p| fog_of(*p).is_some_and(|d| (d - 0.05).abs() < 1e-6))
        },
    );

    // A broken edit: reported on the primary where it is, and nothing changes anywhere.
    let broken = text.replace("density: 0.03", "density: 0.05,,");
    std::fs::write(&scene, &broken).expect("broken edit");
    let position = format!("{}:17:", scene.display());
    wait_until(
        "the broken edit reported",
        Duration::from_secs(60),
        all_logs,
        || {
            let log = nodes[0].log();
            log.contains(&position) && log.contains("keeping the last good scene")
        },
    );
    // Long past the frame it would have landed at, had it been announced.
    let reported_at = frame_of(ports[0]).unwrap_or(0.0);
    wait_until(
        "frames after the broken edit",
        Duration::from_secs(60),
        all_logs,
        || {
            ports[1..]
                .iter()
                .all(|p| frame_of(*p).is_some_and(|f| f > reported_at + 60.0))
        },
    );
    let broken_rev = format!("{:016x}", revision(broken.as_bytes()));
    for (p, port) in nodes.iter().zip(&ports) {
        let log = p.log();
        assert_eq!(landed(&log), 1, "only the good edit landed:\n{log}");
        assert!(
            !log.contains(&broken_rev),
            "the broken revision went out:\n{log}"
        );
        assert!(
            fog_of(*port).is_some_and(|d| (d - 0.05).abs() < 1e-6),
            "the last good scene stays:\n{log}"
        );
        assert!(!log.contains("panicked"), "{log}");
    }
    for p in &nodes[1..] {
        let log = p.log();
        assert!(
            !log.contains(&position),
            "a render node saw the broken edit:\n{log}"
        );
        assert!(
            !log.contains("does not have"),
            "a render node missed the announcement:\n{log}"
        );
    }
    drop(nodes);
    drop(procs);
    let _ = std::fs::remove_dir_all(&dir);
}
