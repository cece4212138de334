//! ECS behaviour with `MinimalPlugins`: loading, live parameters, hot reload.

use std::path::Path;
use std::time::{Duration, Instant};

use backlot_params::{BacklotSystems, ParamRegistry, ParamValue};
use bevy::asset::AssetMetaCheck;
use bevy::prelude::*;

use crate::{SceneIndex, SceneKind, ScenePlugin, SceneStatus};

const SCENE_V1: &str = r#"(
    title: "live",
    lights: [
        (name: "key", kind: Point(), intensity: 500.0, position: (0.0, 3.0, 0.0)),
    ],
    entities: [
        (name: "box", shape: Box(size: (1.0, 1.0, 1.0)), position: (1.0, 0.5, 0.0)),
    ],
)"#;

const SCENE_V2: &str = r#"(
    title: "live",
    lights: [
        (name: "key", kind: Point(), intensity: 900.0, position: (0.0, 3.0, 0.0)),
    ],
    entities: [
        (name: "box", shape: Box(size: (1.0, 1.0, 1.0)), position: (-2.0, 0.5, 0.0)),
        (name: "ball", shape: Sphere(radius: 0.5)),
    ],
)"#;

fn app_for(dir: &Path) -> App {
    let mut app = App::new();
    backlot_files::register_file::<SceneKind>(&mut app, &dir.join("live.scene.ron"));
    app.add_plugins((
        MinimalPlugins,
        AssetPlugin {
            file_path: dir.to_string_lossy().into_owned(),
            watch_for_changes_override: Some(true),
            meta_check: AssetMetaCheck::Never,
            ..default()
        },
        ScenePlugin {
            asset_root: None,
            physics: false,
        },
    ));
    app
}

fn update_until(app: &mut App, what: &str, mut done: impl FnMut(&mut World) -> bool) {
    let start = Instant::now();
    while !done(app.world_mut()) {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "timed out waiting for {what}"
        );
        app.update();
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("backlot-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entity(world: &mut World, name: &str) -> Option<Entity> {
    world.resource::<SceneIndex>().by_name.get(name).copied()
}

fn intensity(world: &mut World) -> f32 {
    let e = entity(world, "key").unwrap();
    world.get::<PointLight>(e).unwrap().intensity
}

#[test]
fn parameters_drive_components_in_the_same_frame() {
    let dir = temp_dir("params");
    std::fs::write(dir.join("live.scene.ron"), SCENE_V1).unwrap();
    let mut app = app_for(&dir);
    update_until(&mut app, "first load", |w| {
        w.resource::<SceneStatus>().loads == 1
    });
    app.update();
    assert_eq!(intensity(app.world_mut()), 500.0);

    // A control-stage system sets values; the scene applies them in that same update.
    #[derive(Resource)]
    struct Pending(Vec<(&'static str, ParamValue)>);
    app.insert_resource(Pending(vec![
        ("/scene/lights/key/intensity", ParamValue::Float(1234.0)),
        (
            "/scene/entities/box/position",
            ParamValue::Vec3([3.0, 2.0, 1.0]),
        ),
        ("/scene/entities/box/visible", ParamValue::Bool(false)),
    ]));
    app.add_systems(
        Update,
        (|mut pending: ResMut<Pending>, mut registry: ResMut<ParamRegistry>| {
            for (address, value) in pending.0.drain(..) {
                registry.set(address, value).unwrap();
            }
        })
        .in_set(BacklotSystems::Control),
    );
    app.update();
    let world = app.world_mut();
    assert_eq!(intensity(world), 1234.0);
    let b = entity(world, "box").unwrap();
    assert_eq!(
        world.get::<Transform>(b).unwrap().translation,
        Vec3::new(3.0, 2.0, 1.0)
    );
    assert_eq!(world.get::<Visibility>(b), Some(&Visibility::Hidden));

    // Ranges clamp; unknown addresses are errors, not panics.
    let mut registry = world.resource_mut::<ParamRegistry>();
    let stored = registry
        .set("/scene/lights/key/intensity", ParamValue::Float(1e12))
        .unwrap();
    assert_eq!(stored, ParamValue::Float(100_000.0));
    assert!(
        registry
            .set("/scene/lights/nope/intensity", ParamValue::Float(1.0))
            .is_err()
    );
    app.update();
    assert_eq!(intensity(app.world_mut()), 100_000.0);

    // Turning the light off zeroes it; on restores the live intensity.
    let mut registry = app.world_mut().resource_mut::<ParamRegistry>();
    registry
        .set("/scene/lights/key/enabled", ParamValue::Bool(false))
        .unwrap();
    app.update();
    assert_eq!(intensity(app.world_mut()), 0.0);
    let mut registry = app.world_mut().resource_mut::<ParamRegistry>();
    registry
        .set("/scene/lights/key/enabled", ParamValue::Bool(true))
        .unwrap();
    app.update();
    assert_eq!(intensity(app.world_mut()), 100_000.0);
}

#[test]
fn hot_reload_applies_edits_and_keeps_last_good_scene() {
    let dir = temp_dir("reload");
    let file = dir.join("live.scene.ron");
    std::fs::write(&file, SCENE_V1).unwrap();
    let mut app = app_for(&dir);
    update_until(&mut app, "first load", |w| {
        w.resource::<SceneStatus>().loads == 1
    });
    app.update();
    assert_eq!(intensity(app.world_mut()), 500.0);
    assert!(entity(app.world_mut(), "ball").is_none());

    // Give the watcher a moment to be armed, then edit the file as an editor would.
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(&file, SCENE_V2).unwrap();
    update_until(&mut app, "reload", |w| {
        w.resource::<SceneStatus>().loads == 2
    });
    app.update();
    let world = app.world_mut();
    assert_eq!(intensity(world), 900.0);
    assert!(entity(world, "ball").is_some());
    let b = entity(world, "box").unwrap();
    assert_eq!(
        world.get::<Transform>(b).unwrap().translation,
        Vec3::new(-2.0, 0.5, 0.0)
    );
    assert_eq!(
        world
            .resource::<ParamRegistry>()
            .get("/scene/lights/key/intensity"),
        Ok(&ParamValue::Float(900.0))
    );

    // Editors and file systems may report one save as several events; let them settle.
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_millis(600) {
        app.update();
        std::thread::sleep(Duration::from_millis(10));
    }
    let good_loads = app.world().resource::<SceneStatus>().loads;

    // A broken edit: error with position, last good scene stays.
    std::fs::write(
        &file,
        SCENE_V2.replace("intensity: 900.0", "intensity: 900.0,, oops"),
    )
    .unwrap();
    update_until(&mut app, "reload error", |w| {
        w.resource::<SceneStatus>().error.is_some()
    });
    let world = app.world_mut();
    let status = world.resource::<SceneStatus>();
    let error = status.error.clone().unwrap();
    assert_eq!(status.loads, good_loads);
    assert!(error.contains("live.scene.ron:4:"), "{error}");
    assert!(entity(world, "ball").is_some());
    assert_eq!(intensity(world), 900.0);

    // Fixing it clears the error.
    std::fs::write(&file, SCENE_V1).unwrap();
    update_until(&mut app, "recovery", |w| {
        w.resource::<SceneStatus>().loads > good_loads
    });
    let world = app.world_mut();
    assert!(world.resource::<SceneStatus>().error.is_none());
    assert!(entity(world, "ball").is_none());

    // Editors like vim save by writing a temporary file and renaming it over the original.
    let tmp = dir.join(".live.scene.ron.swp");
    std::fs::write(&tmp, SCENE_V2).unwrap();
    std::fs::rename(&tmp, &file).unwrap();
    update_until(&mut app, "reload after rename", |w| {
        entity(w, "ball").is_some()
    });
    assert!(app.world().resource::<SceneStatus>().error.is_none());
}
