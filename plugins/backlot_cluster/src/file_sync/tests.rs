//! File reloads on one node at a time (`App::new()` + `MinimalPlugins`): an announced file
//! waits for its frame and then reloads through the file's usual path; the primary's watch
//! parses an edit, announces it for a later frame and keeps the last good content when an
//! edit is broken; announcements are kept newest per kind; the watch reads a file once it
//! holds still.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use backlot_files::{
    FileAsset, FileErrors, FileFailed, FileKind, FileLoaded, FileSource, Problems, WatchedFile,
    watch_file,
};
use bevy::prelude::*;
use bevy::reflect::TypePath;

use super::node::{Skipped, accept};
use super::poll::{Read, Watch};
use super::{ClusterAssetRoot, FileFeed, FileSync, RELOAD_LEAD_FRAMES, kind_systems};
use crate::apply::Incoming;
use crate::file::{Role, parse_cluster};
use crate::frame::{FrameHeader, FrameState, revision};
use crate::publish::Published;
use crate::reload::{FileReload, MAX_FILE, decode};
use crate::revisions::{Revisions, note_revision};
use crate::state::{ClusterLink, ClusterNode, ClusterState};

/// A file kind for the tests: its content is its trimmed text; `broken` anywhere is an
/// error at that position.
#[derive(TypePath, Debug, Clone, Copy)]
struct NoteKind;

impl FileKind for NoteKind {
    const NOUN: &'static str = "note";
    const EXTENSION: &'static str = "note.ron";
    const SOURCE: &'static str = "backlot-note";
    type Content = String;

    fn parse(text: &str, shown: &str, _: Option<&Path>) -> Result<String, FileErrors> {
        let mut problems = Problems::new(text, shown);
        if let Some(at) = text.find("broken") {
            problems.report(at, "a broken note".into());
        }
        problems.into_result(text.trim().to_string())
    }
}

const CLUSTER: &str = r#"(
    name: "t",
    stage: "none.stage.ron",
    nodes: [
        (name: "a", role: Primary, listen: "tcp/127.0.0.1:7447"),
        (name: "c", role: Render, listen: "tcp/127.0.0.1:7448", outputs: ["left"]),
    ],
)"#;

/// Node `name` of the test cluster with a note file loaded as `old` (its first load from
/// disk done), without a Zenoh session.
fn node_app(name: &str) -> App {
    let file = parse_cluster(CLUSTER, "test.cluster.ron", None).expect("cluster file");
    let role = file.node(name).expect("node in the file").role;
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default()))
        .init_asset::<FileAsset<NoteKind>>()
        .add_message::<FileLoaded<NoteKind>>()
        .add_message::<FileFailed<NoteKind>>()
        .insert_resource(ClusterState::new(&file))
        .insert_resource(ClusterNode {
            file,
            name: name.into(),
            role,
            lockstep: false,
        })
        .insert_resource(ClusterLink(None))
        .init_resource::<Incoming>()
        .init_resource::<Published>()
        .init_resource::<Revisions>()
        .init_resource::<FileSync>()
        .init_resource::<ClusterAssetRoot>()
        .init_resource::<FileFeed<NoteKind>>()
        .init_resource::<WatchedFile<NoteKind>>()
        .add_systems(
            Update,
            (
                watch_file::<NoteKind>,
                note_revision::<NoteKind>,
                kind_systems::<NoteKind>(),
            )
                .chain(),
        );
    let handle = app
        .world_mut()
        .resource_mut::<Assets<FileAsset<NoteKind>>>()
        .add(FileAsset { file: "old".into() });
    let mut watched = app.world_mut().resource_mut::<WatchedFile<NoteKind>>();
    watched.handle = Some(handle);
    watched.loads = 1;
    app.world_mut()
        .resource_mut::<Revisions>()
        .0
        .insert("note".into(), revision(b"old"));
    app
}

/// The note's content now.
fn note(app: &App) -> Option<String> {
    let watched = app.world().resource::<WatchedFile<NoteKind>>();
    let id = watched.handle.as_ref()?.id();
    let assets = app.world().resource::<Assets<FileAsset<NoteKind>>>();
    assets.get(id).map(|a| a.file.clone())
}

fn loads(app: &App) -> u32 {
    app.world().resource::<WatchedFile<NoteKind>>().loads
}

fn sync(app: &App) -> &FileSync {
    app.world().resource::<FileSync>()
}

fn cluster_state(app: &App) -> &ClusterState {
    app.world().resource::<ClusterState>()
}

fn revision_of(app: &App) -> Option<u64> {
    app.world().resource::<Revisions>().0.get("note").copied()
}

/// Applies the state of `frame` in the next update, as the frame lock queues it.
fn apply(app: &mut App, frame: u64) {
    app.world_mut().resource_mut::<Incoming>().states = vec![FrameState {
        header: FrameHeader {
            cluster: "t".into(),
            frame,
            scene_time: 0.0,
            primary: "a".into(),
            epoch: 0,
            snapshot: false,
            revisions: vec![],
        },
        values: vec![],
        bodies: vec![],
        claims: None,
        tempo: None,
    }];
    app.update();
    app.world_mut().resource_mut::<Incoming>().states.clear();
    app.world_mut().resource_mut::<ClusterState>().frame = frame;
}

fn announce(app: &mut App, text: &str, frame: u64) -> u64 {
    let reload = FileReload::new(
        "t".into(),
        "note".into(),
        0,
        frame,
        text.as_bytes().to_vec(),
    );
    let rev = reload.revision;
    app.world_mut()
        .resource_mut::<FileSync>()
        .inbox
        .insert("note".into(), reload);
    rev
}

#[test]
fn an_announced_file_lands_at_its_frame_and_reloads_like_a_file_edit() {
    let mut app = node_app("c");
    app.update();
    let rev = announce(&mut app, "new", 10);
    apply(&mut app, 8);
    assert_eq!(sync(&app).pending.get("note"), Some(&(rev, 10)));
    apply(&mut app, 9);
    assert_eq!(note(&app).as_deref(), Some("old"), "not before its frame");
    assert_eq!(revision_of(&app), Some(revision(b"old")));

    apply(&mut app, 10);
    assert_eq!(note(&app).as_deref(), Some("new"), "in force at its frame");
    assert_eq!(revision_of(&app), Some(rev));
    assert!(sync(&app).pending.is_empty());
    assert_eq!(cluster_state(&app).files.landed, 1);
    // The asset's Modified event makes it a load of the file, as an edit on disk would.
    assert_eq!(loads(&app), 1);
    app.update();
    assert_eq!(loads(&app), 2);
    assert_eq!(
        app.world().resource::<FileFeed<NoteKind>>().swaps_in_flight,
        0,
        "the load was known to be the swap's"
    );
    // The same revision announced again (an answer to a query) changes nothing.
    announce(&mut app, "new", 10);
    apply(&mut app, 11);
    assert!(sync(&app).pending.is_empty());
    app.update();
    assert_eq!(loads(&app), 2);
}

#[test]
fn an_announcement_that_arrives_after_its_frame_lands_at_once() {
    let mut app = node_app("c");
    apply(&mut app, 20);
    let rev = announce(&mut app, "late", 15);
    // No new state this update: the node is at frame 20, past 15.
    app.update();
    assert_eq!(note(&app).as_deref(), Some("late"));
    assert_eq!(revision_of(&app), Some(rev));
}

#[test]
fn an_announcement_that_does_not_load_here_keeps_the_last_good_and_is_not_taken_again() {
    let mut app = node_app("c");
    let rev = announce(&mut app, "all\n  broken", 5);
    apply(&mut app, 5);
    assert_eq!(note(&app).as_deref(), Some("old"));
    assert_eq!(sync(&app).refused.get("note"), Some(&rev));
    assert_eq!(cluster_state(&app).files.failed, 1);
    let error = app
        .world()
        .resource::<WatchedFile<NoteKind>>()
        .error
        .clone()
        .unwrap_or_default();
    assert!(
        error.contains("the primary's note:2:3: a broken note"),
        "{error}"
    );
    announce(&mut app, "all\n  broken", 5);
    apply(&mut app, 6);
    assert_eq!(cluster_state(&app).files.failed, 1, "said once");
}

#[test]
fn a_file_whose_first_load_failed_is_loaded_by_a_reload() {
    let mut app = node_app("c");
    let reserved = app
        .world()
        .resource::<Assets<FileAsset<NoteKind>>>()
        .reserve_handle();
    let mut watched = app.world_mut().resource_mut::<WatchedFile<NoteKind>>();
    watched.handle = Some(reserved);
    watched.loads = 0;
    watched.error = Some("x.note.ron:1:1: a broken note".into());
    announce(&mut app, "fixed", 3);
    apply(&mut app, 3);
    assert_eq!(note(&app).as_deref(), Some("fixed"));
    app.update();
    let watched = app.world().resource::<WatchedFile<NoteKind>>();
    assert_eq!(watched.loads, 1, "a load, not only an added asset");
    assert_eq!(watched.error, None);
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("backlot-sync-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Updates until `done`, at most ten seconds (a guard against hanging, not a speed check).
fn update_until(app: &mut App, what: &str, done: impl Fn(&App) -> bool) {
    let started = Instant::now();
    while !done(app) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
        app.update();
    }
}

#[test]
fn the_primary_announces_an_edit_for_a_later_frame_and_keeps_the_last_good_on_a_broken_one() {
    let dir = temp_dir("primary");
    let path = dir.join("x.note.ron");
    std::fs::write(&path, "old").expect("write");
    let mut app = node_app("a");
    app.insert_resource(FileSource::<NoteKind>::new(
        "backlot-note://x.note.ron".into(),
        dir.clone(),
        path.clone(),
    ));
    app.world_mut().resource_mut::<Published>().next = 100;

    // The first read is what is in force: served, nothing to land.
    update_until(&mut app, "the first read", |app| {
        sync(app).served.contains_key("note")
    });
    assert!(sync(&app).pending.is_empty());

    std::fs::write(&path, "second").expect("edit");
    update_until(&mut app, "the edit", |app| !sync(app).pending.is_empty());
    let rev = revision(b"second");
    let due = 100 + RELOAD_LEAD_FRAMES;
    assert_eq!(sync(&app).pending.get("note"), Some(&(rev, due)));
    let served = decode(&sync(&app).served["note"]).expect("served bytes decode");
    assert_eq!(
        (served.revision, served.frame, served.bytes.as_slice()),
        (rev, due, b"second".as_slice())
    );
    app.world_mut().resource_mut::<Published>().next = due - 1;
    app.update();
    assert_eq!(note(&app).as_deref(), Some("old"), "not before its frame");
    app.world_mut().resource_mut::<Published>().next = due;
    app.update();
    assert_eq!(note(&app).as_deref(), Some("second"));
    assert_eq!(revision_of(&app), Some(rev));

    // A broken edit: said with its position, nothing announced, the last good stays.
    std::fs::write(&path, "ok\n  broken").expect("edit");
    update_until(&mut app, "the broken edit", |app| {
        cluster_state(app).files.failed > 0
    });
    let error = app
        .world()
        .resource::<WatchedFile<NoteKind>>()
        .error
        .clone()
        .unwrap_or_default();
    assert!(
        error.contains(&format!("{}:2:3: a broken note", path.display())),
        "{error}"
    );
    assert!(sync(&app).pending.is_empty());
    for _ in 0..3 {
        app.update();
    }
    assert_eq!(note(&app).as_deref(), Some("second"));
    let served = decode(&sync(&app).served["note"]).expect("served bytes decode");
    assert_eq!(served.revision, rev, "the last good is what is served");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn announcements_are_kept_newest_per_kind_for_this_cluster_and_epoch() {
    let mut sync = FileSync::default();
    let reload = |cluster: &str, kind: &str, epoch: u32, frame: u64| {
        FileReload::new(cluster.into(), kind.into(), epoch, frame, b"x".to_vec())
    };
    assert_eq!(
        accept(&mut sync, reload("other", "scene", 1, 5), "t", 1),
        Err(Skipped::OtherCluster)
    );
    assert_eq!(
        accept(&mut sync, reload("t", "scene", 0, 5), "t", 1),
        Err(Skipped::OldEpoch)
    );
    assert_eq!(
        accept(&mut sync, reload("t", "layers", 1, 5), "t", 1),
        Err(Skipped::UnknownKind)
    );
    assert_eq!(
        accept(&mut sync, reload("t", "scene", 1, 5), "t", 1),
        Ok(())
    );
    assert_eq!(
        accept(&mut sync, reload("t", "scene", 1, 4), "t", 1),
        Err(Skipped::Older)
    );
    assert_eq!(
        accept(&mut sync, reload("t", "stage", 1, 2), "t", 1),
        Ok(())
    );
    // A new primary's (failover) is newer whatever its frame.
    assert_eq!(
        accept(&mut sync, reload("t", "scene", 2, 3), "t", 1),
        Ok(())
    );
    assert_eq!(sync.inbox.len(), 2);
    assert_eq!(sync.inbox.get("scene").map(|r| r.epoch), Some(2));
}

#[test]
fn the_watch_reads_a_file_once_it_holds_still_and_says_a_failure_once() {
    let dir = temp_dir("watch");
    let path = dir.join("w.note.ron");
    std::fs::write(&path, "one").expect("write");
    let mut watch = Watch::default();
    assert_eq!(watch.look(&path), None, "the first look only sees it");
    assert_eq!(watch.look(&path), Some(Read::Bytes(b"one".to_vec())));
    assert_eq!(watch.look(&path), None, "unchanged");

    std::fs::write(&path, "three").expect("edit");
    assert_eq!(
        watch.look(&path),
        None,
        "changed: wait for it to hold still"
    );
    assert_eq!(watch.look(&path), Some(Read::Bytes(b"three".to_vec())));

    std::fs::remove_file(&path).expect("remove");
    assert!(matches!(watch.look(&path), Some(Read::Failed(_))));
    assert_eq!(watch.look(&path), None, "said once");

    let big = std::fs::File::create(&path).expect("create");
    big.set_len(MAX_FILE as u64 + 1).expect("a sparse file");
    assert_eq!(watch.look(&path), None);
    assert_eq!(watch.look(&path), Some(Read::TooLarge(MAX_FILE as u64 + 1)));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_node_in_each_role_is_at_the_frame_it_publishes_or_applies() {
    let app = node_app("a");
    let world = app.world();
    let frame = |role| {
        super::land::current_frame(
            role,
            world.resource::<Published>(),
            world.resource::<Incoming>(),
            world.resource::<ClusterState>(),
        )
    };
    assert_eq!(frame(Role::Primary), 0);
    assert_eq!(frame(Role::Render), 0);
}
