//! Edits of the cluster file: which apply live and which wait for which nodes to restart
//! (the diff alone), and a node following its file through the files crate (an app with
//! `MinimalPlugins`, the asset server and a real file edited on disk).

use std::net::TcpListener;
use std::time::{Duration, Instant};

use backlot_files::{FileKind, WatchedFile, register_file};
use backlot_params::ParamsPlugin;
use bevy::asset::AssetMetaCheck;
use bevy::prelude::*;

use crate::file::{ClusterFile, ClusterKind, Role, parse_cluster};
use crate::live_edit::{FileChanges, LiveChange, Restart, diff, take_edit};
use crate::{ClusterNode, ClusterPlugin, ClusterState};

const BASE: &str = r#"(
    name: "t",
    stage: "s.stage.ron",
    nodes: [
        (name: "a", role: Primary, listen: "tcp/127.0.0.1:7001"),
        (name: "c", role: Render, listen: "tcp/127.0.0.1:7002", outputs: ["left", "right"]),
        (name: "e", role: Spare, listen: "tcp/127.0.0.1:7003"),
    ],
)"#;

/// BASE with each `(from, to)` replaced, parsed.
fn edited(changes: &[(&str, &str)]) -> ClusterFile {
    let mut text = BASE.to_string();
    for (from, to) in changes {
        assert!(text.contains(from), "BASE has no `{from}`");
        text = text.replace(from, to);
    }
    parse_cluster(&text, "t.cluster.ron", None).expect("a valid edit")
}

fn base() -> ClusterFile {
    edited(&[])
}

fn restart(what: &str, nodes: &[&str]) -> Restart {
    Restart {
        what: what.into(),
        nodes: nodes.iter().map(|n| n.to_string()).collect(),
    }
}

/// What `changes` to BASE need restarted.
fn restarts(changes: &[(&str, &str)]) -> Vec<Restart> {
    let d = diff(&base(), &edited(changes));
    assert!(d.live.is_empty(), "{d:?}");
    d.restart
}

const EVERYONE: &[&str] = &["a", "c", "e"];

#[test]
fn the_same_file_changes_nothing() {
    assert_eq!(diff(&base(), &base()), FileChanges::default());
    // Outputs are a set: listed in another order they are the same.
    let reordered = edited(&[(r#"["left", "right"]"#, r#"["right", "left"]"#)]);
    assert_eq!(diff(&base(), &reordered), FileChanges::default());
}

#[test]
fn pacing_is_live() {
    let pacing = concat!(
        "    frame_rate: 30.0,\n",
        "    snapshot_every: 10,\n",
        "    barrier_timeout_ms: 250,\n",
        "    nodes",
    );
    let d = diff(&base(), &edited(&[("    nodes", pacing)]));
    let change = |field: &'static str, from: &str, to: &str| LiveChange {
        field,
        from: from.into(),
        to: to.into(),
    };
    assert_eq!(
        d.live,
        [
            change("frame_rate", "60", "30"),
            change("snapshot_every", "60", "10"),
            change("barrier_timeout_ms", "100", "250"),
        ]
    );
    assert!(d.restart.is_empty(), "{d:?}");
}

#[test]
fn cluster_wide_settings_restart_every_node() {
    let lease = ("    nodes", "    zenoh: (lease_ms: 5000),\n    nodes");
    assert_eq!(restarts(&[lease]), [restart("zenoh.lease_ms", EVERYONE)]);
    let connect = (
        "    nodes",
        "    zenoh: (connect: [\"tcp/router.local:7447\"]),\n    nodes",
    );
    assert_eq!(restarts(&[connect]), [restart("zenoh.connect", EVERYONE)]);
    let scouting = (
        "    nodes",
        "    zenoh: (multicast_scouting: true),\n    nodes",
    );
    assert_eq!(
        restarts(&[scouting]),
        [restart("zenoh.multicast_scouting", EVERYONE)]
    );
    assert_eq!(
        restarts(&[("name: \"t\"", "name: \"u\"")]),
        [restart("name", EVERYONE)]
    );
    assert_eq!(
        restarts(&[("s.stage.ron", "other.stage.ron")]),
        [restart("stage", EVERYONE)]
    );
    assert_eq!(
        restarts(&[("    nodes", "    scene: \"x.scene.ron\",\n    nodes")]),
        [restart("scene", EVERYONE)]
    );
}

#[test]
fn nodes_added_removed_renamed_and_their_roles_endpoints_and_outputs_restart_every_node() {
    let f = r#"        (name: "f", role: Spare, listen: "tcp/127.0.0.1:7004"),
    ],"#;
    assert_eq!(
        restarts(&[("    ],", f)]),
        [restart("node `f` added", &["a", "c", "e", "f"])]
    );
    assert_eq!(
        restarts(&[(
            r#"        (name: "e", role: Spare, listen: "tcp/127.0.0.1:7003"),"#,
            ""
        )]),
        [restart("node `e` removed", &["a", "c"])]
    );
    // A new name on the same endpoint is a rename, not one removed and one added.
    assert_eq!(
        restarts(&[(r#"name: "e""#, r#"name: "g""#)]),
        [restart("node `e` renamed `g`", &["a", "c", "g"])]
    );
    assert_eq!(
        restarts(&[("role: Spare", "role: Render")]),
        [restart("node `e` role", EVERYONE)]
    );
    assert_eq!(
        restarts(&[("7002", "7012")]),
        [restart("node `c` listen", EVERYONE)]
    );
    assert_eq!(
        restarts(&[(r#"["left", "right"]"#, r#"["left"]"#)]),
        [restart("node `c` outputs", EVERYONE)]
    );
}

#[test]
fn control_ports_restart_only_their_node() {
    let c = (
        r#"outputs: ["left", "right"])"#,
        r#"outputs: ["left", "right"], osc_port: Some(9100), oscquery_port: Some(9101))"#,
    );
    assert_eq!(
        restarts(&[c]),
        [
            restart("node `c` osc_port", &["c"]),
            restart("node `c` oscquery_port", &["c"]),
        ]
    );
    assert_eq!(
        restart("zenoh.lease_ms", EVERYONE).to_string(),
        "zenoh.lease_ms (restart a, c, e)"
    );
}

#[test]
fn an_edit_applies_what_is_live_and_holds_the_rest_until_undone() {
    let file = base();
    let mut node = ClusterNode {
        file: file.clone(),
        name: "a".into(),
        role: Role::Primary,
        lockstep: false,
    };
    let mut state = ClusterState::new(&file);
    let both = edited(&[(
        "    nodes",
        "    barrier_timeout_ms: 250,\n    zenoh: (lease_ms: 5000),\n    nodes",
    )]);
    let changes = take_edit(&mut node, &mut state, &both);
    assert_eq!(changes.live.len(), 1, "{changes:?}");
    assert_eq!(node.file.barrier_timeout_ms, 250);
    assert_eq!(state.barrier.timeout(), Duration::from_millis(250));
    // The lease is the running session's: not applied, shown as waiting for restarts.
    assert_eq!(node.file.zenoh.lease_ms, 3000);
    assert_eq!(state.restart_needed, [restart("zenoh.lease_ms", EVERYONE)]);
    // The same edit again: nothing new to apply or say.
    assert_eq!(
        take_edit(&mut node, &mut state, &both),
        FileChanges {
            live: Vec::new(),
            restart: vec![restart("zenoh.lease_ms", EVERYONE)],
        }
    );
    // Undone: the live setting goes back, and no restart is needed any more.
    let changes = take_edit(&mut node, &mut state, &file);
    assert_eq!(changes.live.len(), 1, "{changes:?}");
    assert_eq!(state.barrier.timeout(), Duration::from_millis(100));
    assert!(state.restart_needed.is_empty());
    assert_eq!(node.file, file);
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A two-node cluster file: `settings` are top-level lines from line 4, `c_extra` more of
/// node c's fields.
fn cluster_text((a, c): (u16, u16), settings: &str, c_extra: &str) -> String {
    let id = std::process::id();
    format!(
        r#"(
    name: "reload{id}",
    stage: "none.stage.ron",
{settings}    nodes: [
        (name: "a", role: Primary, listen: "tcp/127.0.0.1:{a}"),
        (name: "c", role: Render, listen: "tcp/127.0.0.1:{c}", outputs: ["left"]{c_extra}),
    ],
)
"#
    )
}

fn update_until(app: &mut App, what: &str, done: impl Fn(&World) -> bool) {
    let started = Instant::now();
    while !done(app.world()) {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "timed out waiting for {what}: {:?}",
            app.world().resource::<ClusterState>().file_error
        );
        app.update();
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Editors and file systems may report one save as several events; let them pass.
fn settle(app: &mut App) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(600) {
        app.update();
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn node(world: &World) -> &ClusterNode {
    world.resource::<ClusterNode>()
}

fn state(world: &World) -> &ClusterState {
    world.resource::<ClusterState>()
}

#[test]
fn a_node_follows_its_cluster_file_and_keeps_the_last_good_one() {
    let dir = std::env::temp_dir().join(format!("backlot-cluster-reload-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("t.cluster.ron");
    let ports = (free_port(), free_port());
    let write = |settings: &str, c_extra: &str| {
        std::fs::write(&path, cluster_text(ports, settings, c_extra)).expect("write the file");
    };
    write("", "");
    let file = ClusterKind::parse_file(&path, None).expect("a valid file");

    let mut app = App::new();
    // Before the asset plugin, as Bevy requires of asset sources (the app's composition
    // does the same for `--cluster`).
    register_file::<ClusterKind>(&mut app, &path);
    app.add_plugins((
        MinimalPlugins,
        AssetPlugin {
            file_path: dir.to_string_lossy().into_owned(),
            watch_for_changes_override: Some(true),
            meta_check: AssetMetaCheck::Never,
            ..default()
        },
        ParamsPlugin,
    ));
    app.add_plugins(ClusterPlugin {
        file: file.clone(),
        node: "a".into(),
        lockstep: true,
    });
    update_until(&mut app, "the first load", |w| {
        w.resource::<WatchedFile<ClusterKind>>().loads >= 1
    });
    app.update();
    assert!(state(app.world()).restart_needed.is_empty());
    assert!(state(app.world()).file_error.is_none());
    assert_eq!(node(app.world()).file, file);

    // Give the watcher a moment to be armed, then edit as an operator would.
    std::thread::sleep(Duration::from_millis(300));
    write(
        "    frame_rate: 30.0,\n    barrier_timeout_ms: 250,\n    zenoh: (lease_ms: 5000),\n",
        ", osc_port: Some(9100)",
    );
    update_until(&mut app, "the edit", |w| {
        node(w).file.barrier_timeout_ms == 250
    });
    let world = app.world();
    assert_eq!(node(world).file.frame_rate, 30.0);
    assert_eq!(state(world).barrier.timeout(), Duration::from_millis(250));
    // Not live: still the file the node started with, and said to need restarts.
    assert_eq!(node(world).file.zenoh.lease_ms, 3000);
    assert_eq!(node(world).file.node("c").map(|c| c.osc_port), Some(None));
    assert_eq!(
        state(world).restart_needed,
        [
            restart("zenoh.lease_ms", &["a", "c"]),
            restart("node `c` osc_port", &["c"]),
        ]
    );
    settle(&mut app);

    // A broken edit: refused where it is wrong, the last good file stays in force.
    write("    frame_rate: 0.0,\n", "");
    update_until(&mut app, "the error", |w| {
        state(w)
            .file_error
            .as_deref()
            .is_some_and(|e| e.contains("frame_rate must be"))
    });
    let world = app.world();
    let error = state(world).file_error.clone().unwrap_or_default();
    assert!(
        error.contains("t.cluster.ron:4:17: frame_rate must be more than 0"),
        "{error}"
    );
    assert_eq!(node(world).file.frame_rate, 30.0);
    assert_eq!(state(world).barrier.timeout(), Duration::from_millis(250));
    settle(&mut app);

    // Fixed, back as it started: the error and the restart notice clear.
    write("", "");
    update_until(&mut app, "the fix", |w| {
        state(w).file_error.is_none() && node(w).file.barrier_timeout_ms == 100
    });
    let world = app.world();
    assert!(state(world).restart_needed.is_empty());
    assert_eq!(node(world).file, file);
    let _ = std::fs::remove_dir_all(&dir);
}
