use std::path::{Path, PathBuf};

use super::parse::endpoint_problem;
use super::*;

const A: &str = r#"(name: "a", role: Primary, listen: "tcp/127.0.0.1:7447")"#;
const B: &str = r#"(name: "b", role: Backup, listen: "tcp/127.0.0.1:7448")"#;
const C: &str = r#"(name: "c", role: Render, listen: "tcp/127.0.0.1:7449", outputs: ["left"])"#;
const D: &str = r#"(name: "d", role: Render, listen: "tcp/127.0.0.1:7450", outputs: ["right"])"#;

/// A cluster file with `nodes`, one a line from line 5 (indented 8), then `tail` lines.
fn cluster_with(nodes: &[&str], tail: &str) -> String {
    let mut text = String::from("(\n    name: \"t\",\n    stage: \"s.stage.ron\",\n    nodes: [\n");
    for node in nodes {
        text.push_str("        ");
        text.push_str(node);
        text.push_str(",\n");
    }
    text.push_str("    ],\n");
    text.push_str(tail);
    text.push_str(")\n");
    text
}

fn cluster(nodes: &[&str]) -> String {
    cluster_with(nodes, "")
}

/// The problems with `text` as `line:col: message`.
fn problems(text: &str) -> Vec<String> {
    match parse_cluster(text, "t.cluster.ron", None) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .0
            .iter()
            .map(|e| format!("{}:{}: {}", e.line, e.col, e.message))
            .collect(),
    }
}

/// `text` is refused for one problem only, at `line:col`, whose message has `part`.
#[track_caller]
fn refused_at(text: &str, line: usize, col: usize, part: &str) {
    let found = problems(text);
    let prefix = format!("{line}:{col}: ");
    assert!(
        found.len() == 1 && found[0].starts_with(&prefix) && found[0].contains(part),
        "expected one problem at {prefix}with `{part}`, got {found:#?}\nin\n{text}"
    );
}

fn shipped() -> (PathBuf, String) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenes/clusters/local.cluster.ron");
    let text = std::fs::read_to_string(&path).expect("the shipped cluster file is readable");
    (path, text)
}

#[test]
fn the_shipped_example_parses() {
    let (path, text) = shipped();
    let file = parse_cluster(&text, "local.cluster.ron", None).expect("the example is valid");
    assert_eq!(file.name, "local");
    assert_eq!(file.nodes.len(), 5);
    assert_eq!(file.primary().map(|n| n.name.as_str()), Some("a"));
    assert_eq!(file.backup().map(|n| n.name.as_str()), Some("b"));
    assert_eq!(file.owner_of("ceiling").map(|n| n.name.as_str()), Some("d"));
    assert_eq!(
        file.owner_of("wall_left").map(|n| n.name.as_str()),
        Some("c")
    );
    assert!(file.owner_of("nowhere").is_none());
    let render: Vec<&str> = file.render_nodes().map(|n| n.name.as_str()).collect();
    assert_eq!(render, ["c", "d"]);
    assert_eq!(file.node("e").map(|n| n.role), Some(Role::Spare));
    assert_eq!(file.node("e").map(|n| n.oscquery_port), Some(Some(9400)));
    assert_eq!(file.node("c").map(|n| n.osc_port), Some(None));
    assert_eq!(
        file.peers_of("b"),
        [
            "tcp/127.0.0.1:7447",
            "tcp/127.0.0.1:7449",
            "tcp/127.0.0.1:7450",
            "tcp/127.0.0.1:7451"
        ]
    );
    assert_eq!(
        (
            file.frame_rate,
            file.snapshot_every,
            file.barrier_timeout_ms
        ),
        (60.0, 60, 100)
    );
    assert_eq!(file.zenoh, ZenohSettings::default());
    let here = Path::new("scenes/clusters/local.cluster.ron");
    assert_eq!(
        file.stage_path(here),
        Path::new("scenes/clusters/../stages/curved_volume.stage.ron")
    );
    assert_eq!(
        file.scene_path(here).as_deref(),
        Some(Path::new("scenes/clusters/../neon_club.scene.ron"))
    );
    check_paths(&file, &path, &text, "local.cluster.ron").expect("its stage and scene exist");
    let outputs = ["wall_left", "wall_centre", "wall_right", "ceiling"].map(String::from);
    check_outputs(&file, &outputs, &text, "local.cluster.ron").expect("the stage has them");
}

#[test]
fn optional_fields_take_their_defaults() {
    let file = parse_cluster(&cluster(&[A]), "t", None).expect("valid");
    assert_eq!(file.scene, None);
    assert_eq!(file.zenoh, ZenohSettings::default());
    assert_eq!(
        (
            file.frame_rate,
            file.snapshot_every,
            file.barrier_timeout_ms
        ),
        (60.0, 60, 100)
    );
    assert_eq!(file.zenoh.lease_ms, 3000);
    assert_eq!(file.nodes[0].outputs, Vec::<String>::new());
    assert_eq!(
        (file.nodes[0].osc_port, file.nodes[0].oscquery_port),
        (None, None)
    );
    assert!(file.backup().is_none());
    assert_eq!(Role::Primary.as_str(), "primary");
    assert_eq!(Role::Spare.as_str(), "spare");
}

#[test]
fn names_must_be_key_segments() {
    let text = cluster(&[A]);
    refused_at(&text.replace("\"t\"", "\"my cluster\""), 2, 11, "has ` `");
    refused_at(&text.replace("\"t\"", "\"\""), 2, 11, "must not be empty");
    // Entity names may have dots; key segments may not.
    refused_at(
        &text.replace("\"t\"", "\"a.b\""),
        2,
        11,
        "Zenoh key segment",
    );
    refused_at(
        &cluster(&[&A.replace("\"a\"", "\"a/b\"")]),
        5,
        16,
        "node name `a/b` has `/`",
    );
    refused_at(
        &cluster(&[A, &C.replace("\"c\"", "\"\"")]),
        6,
        16,
        "must not be empty",
    );
    // A commented-out node does not draw the position away from the real one.
    let commented = cluster(&[&format!("// {C}\n        {}", A.replace("\"a\"", "\"*\""))]);
    refused_at(&commented, 6, 16, "node name `*`");
}

#[test]
fn node_names_are_unique() {
    refused_at(
        &cluster(&[A, C, &D.replace("\"d\"", "\"c\"")]),
        7,
        16,
        "duplicate node name `c`",
    );
    // The cluster and a node may share a name: they are different key segments.
    assert_eq!(
        problems(&cluster(&[&A.replace("\"a\"", "\"t\"")])),
        Vec::<String>::new()
    );
}

#[test]
fn exactly_one_primary_at_most_one_backup() {
    refused_at(&cluster(&[C, D]), 4, 12, "no Primary");
    refused_at(&cluster(&[]), 4, 12, "no Primary");
    let second = A.replace("\"a\"", "\"z\"").replace("7447", "7460");
    refused_at(
        &cluster(&[A, C, &second]),
        7,
        27,
        "second Primary (`a` is one)",
    );
    let backup = B.replace("\"b\"", "\"y\"").replace("7448", "7461");
    refused_at(
        &cluster(&[A, B, &backup]),
        7,
        27,
        "second Backup (`b` is one)",
    );
    assert_eq!(problems(&cluster(&[A, B, C, D])), Vec::<String>::new());
}

#[test]
fn only_render_nodes_own_outputs() {
    let spare = r#"(name: "e", role: Spare, listen: "tcp/127.0.0.1:7451", outputs: ["x"])"#;
    refused_at(
        &cluster(&[A, spare]),
        6,
        73,
        "node `e` is a Spare: only Render nodes",
    );
    let primary = A.replace(")", r#", outputs: ["x"])"#);
    refused_at(&cluster(&[&primary]), 5, 75, "node `a` is a Primary");
    // An empty list is no outputs.
    let empty = B.replace(")", ", outputs: [])");
    assert_eq!(problems(&cluster(&[A, &empty])), Vec::<String>::new());
}

#[test]
fn an_output_has_one_owner() {
    let d = D.replace("[\"right\"]", "[\"right\", \"left\"]");
    refused_at(
        &cluster(&[A, C, &d]),
        7,
        84,
        "output `left` is already drawn by node `c`",
    );
    let twice = C.replace("[\"left\"]", "[\"left\", \"left\"]");
    refused_at(&cluster(&[A, &twice]), 6, 83, "already drawn by node `c`");
}

#[test]
fn endpoints_are_tcp_host_port() {
    for good in [
        "tcp/127.0.0.1:7447",
        "tcp/[::1]:7447",
        "tcp/node-b.local:7447",
        "tcp/localhost:65535",
        "tcp/0.0.0.0:1",
    ] {
        assert_eq!(endpoint_problem(good), None, "{good}");
    }
    for (bad, part) in [
        ("udp/127.0.0.1:7447", "only tcp is built in"),
        ("quic/host:7447", "uses `quic`"),
        ("127.0.0.1:7447", "is not tcp/HOST:PORT"),
        ("tcp/127.0.0.1", "has no port"),
        ("tcp/127.0.0.1:0", "1..65535"),
        ("tcp/host:70000", "1..65535"),
        ("tcp/host:+80", "1..65535"),
        ("tcp/host:", "1..65535"),
        ("tcp/::1:7447", "in brackets"),
        ("tcp/bad_host:7447", "neither an IP address nor a host name"),
        ("tcp/:7447", "neither"),
        ("tcp/-x.local:7447", "neither"),
        ("tcp/host:7447#iface=eth0", "1..65535"),
    ] {
        let problem = endpoint_problem(bad).unwrap_or_default();
        assert!(problem.contains(part), "{bad}: {problem:?}");
    }
}

#[test]
fn listen_and_connect_endpoints_are_checked_where_written() {
    let udp = A.replace("tcp/", "udp/");
    refused_at(
        &cluster(&[&udp]),
        5,
        44,
        "node `a` listen: `udp/127.0.0.1:7447` uses `udp`",
    );
    let tail = "    zenoh: (connect: [\"tcp/router:7447\", \"tcp/router\"]),\n";
    refused_at(
        &cluster_with(&[A], tail),
        7,
        42,
        "zenoh connect: `tcp/router` has no port",
    );
}

#[test]
fn listen_endpoints_are_unique() {
    let b = B.replace("7448", "7447");
    refused_at(&cluster(&[A, &b]), 6, 43, "as node `a` does");
}

#[test]
fn control_ports_are_unique_among_nodes() {
    let a = A.replace(")", ", osc_port: Some(9000), oscquery_port: Some(9000))");
    // OSC and OSCQuery share one number on one node, as backlot's defaults do.
    assert_eq!(problems(&cluster(&[&a])), Vec::<String>::new());
    let b = B.replace(")", ", osc_port: Some(9100), oscquery_port: Some(9000))");
    refused_at(
        &cluster(&[&a, &b]),
        6,
        102,
        "OSCQuery port 9000 is already node `a`'s",
    );
    let b = B.replace(")", ", osc_port: 9000)");
    refused_at(
        &cluster(&[&a, &b]),
        6,
        75,
        "OSC port 9000 is already node `a`'s",
    );
    // Port 0 (any free port) never collides.
    let zero = |n: &str| n.replace(")", ", osc_port: Some(0), oscquery_port: Some(0))");
    assert_eq!(
        problems(&cluster(&[&zero(A), &zero(B)])),
        Vec::<String>::new()
    );
}

#[test]
fn pacing_numbers_are_in_range() {
    let at = |tail: &str| cluster_with(&[A], tail);
    refused_at(
        &at("    frame_rate: 0.0,\n"),
        7,
        17,
        "frame_rate must be more than 0",
    );
    refused_at(&at("    frame_rate: -5.0,\n"), 7, 17, "got -5");
    refused_at(&at("    frame_rate: 1000.5,\n"), 7, 17, "at most 1000");
    refused_at(
        &at("    snapshot_every: 0,\n"),
        7,
        21,
        "snapshot_every must be at least 1",
    );
    refused_at(
        &at("    barrier_timeout_ms: 0,\n"),
        7,
        25,
        "barrier_timeout_ms must be 1..10000",
    );
    refused_at(&at("    barrier_timeout_ms: 10001,\n"), 7, 25, "got 10001");
    // The longest barrier timeout needs a lease longer still.
    let edges = at(concat!(
        "    frame_rate: 1000.0,\n",
        "    snapshot_every: 1,\n",
        "    barrier_timeout_ms: 10000,\n",
        "    zenoh: (lease_ms: 60000),\n",
    ));
    assert_eq!(problems(&edges), Vec::<String>::new());
    assert!(!problems(&at("    frame_rate: inf,\n")).is_empty());
}

#[test]
fn the_lease_is_in_range_and_longer_than_the_barrier_timeout() {
    let at = |tail: &str| cluster_with(&[A], tail);
    refused_at(
        &at("    zenoh: (lease_ms: 499),\n"),
        7,
        23,
        "zenoh lease_ms must be 500..60000, got 499",
    );
    refused_at(&at("    zenoh: (lease_ms: 60001),\n"), 7, 23, "got 60001");
    for edge in ["500", "60000"] {
        let text = at(&format!("    zenoh: (connect: [], lease_ms: {edge}),\n"));
        assert_eq!(problems(&text), Vec::<String>::new(), "{edge}");
    }
    // Written, the lease is pointed at; unwritten, its default (3000) is too short for the
    // barrier timeout, which is pointed at.
    refused_at(
        &at("    barrier_timeout_ms: 1000,\n    zenoh: (lease_ms: 1000),\n"),
        8,
        23,
        "zenoh lease_ms (1000) must be longer than barrier_timeout_ms (1000)",
    );
    refused_at(
        &at("    barrier_timeout_ms: 3000,\n"),
        7,
        25,
        "zenoh lease_ms (3000) must be longer than barrier_timeout_ms (3000)",
    );
    assert_eq!(
        problems(&at("    barrier_timeout_ms: 2999,\n")),
        Vec::<String>::new()
    );
    // A barrier timeout out of range is one problem, not two.
    refused_at(
        &at("    barrier_timeout_ms: 20000,\n"),
        7,
        25,
        "barrier_timeout_ms must be 1..10000",
    );
    let file = parse_cluster(&at("    zenoh: (lease_ms: 8000),\n"), "t", None).expect("valid");
    assert_eq!(file.zenoh.lease_ms, 8000);
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = cluster_with(
        &[C, &D.replace("\"d\"", "\"c\"").replace("tcp/", "udp/")],
        "    snapshot_every: 0,\n",
    );
    let found = problems(&text);
    assert_eq!(found.len(), 4, "{found:#?}");
    for part in [
        "duplicate node name",
        "uses `udp`",
        "no Primary",
        "snapshot_every",
    ] {
        assert!(found.iter().any(|p| p.contains(part)), "{part}: {found:#?}");
    }
}

#[test]
fn unknown_fields_are_refused() {
    let text = cluster(&[&A.replace("listen", "listn")]);
    let found = problems(&text);
    assert!(found.len() == 1 && found[0].contains("listn"), "{found:#?}");
}

#[test]
fn outputs_the_stage_lacks_are_refused_where_named() {
    let text = cluster(&[A, C, D]);
    let file = parse_cluster(&text, "t.cluster.ron", None).expect("valid");
    let stage = ["left".to_string()];
    let errors = check_outputs(&file, &stage, &text, "t.cluster.ron")
        .expect_err("the stage has no `right`")
        .0;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].line, errors[0].col), (7, 75));
    let expected = "node `d` draws output `right`, which the stage does not define (it has `left`)";
    assert!(
        errors[0].message.contains(expected),
        "{}",
        errors[0].message
    );
    let both = ["left".to_string(), "right".to_string()];
    assert_eq!(check_outputs(&file, &both, &text, "t.cluster.ron"), Ok(()));
}

#[test]
fn missing_stage_and_scene_files_are_refused_where_named() {
    let text = cluster_with(&[A], "    scene: \"x.scene.ron\",\n");
    let file = parse_cluster(&text, "t.cluster.ron", None).expect("valid");
    let errors = check_paths(&file, Path::new("/nonexistent/t.cluster.ron"), &text, "t")
        .expect_err("neither file exists")
        .0;
    let found: Vec<(usize, usize)> = errors.iter().map(|e| (e.line, e.col)).collect();
    assert_eq!(found, [(3, 12), (7, 12)], "{errors:#?}");
    assert!(
        errors[0]
            .message
            .contains("stage file `s.stage.ron` not found")
    );
}
