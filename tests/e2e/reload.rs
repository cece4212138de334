//! Hot reload of every file kind in every mode `run` offers without a display: rendering
//! headless, and unrendered (`--no-render`, the bridge machine and the no-GPU fallback,
//! which once aborted on the first scene edit). The windowed mode shares the same app and
//! reload path; it needs a display, which CI does not have.

use std::path::Path;

use crate::support::{Running, backlot, free_tcp, free_udp, repo, temp_dir};

fn copy(from: &str, dir: &Path, name: &str) -> (std::path::PathBuf, String) {
    let text = std::fs::read_to_string(repo().join(from)).expect("shipped file");
    let path = dir.join(name);
    std::fs::write(&path, &text).expect("write copy");
    (path, text)
}

/// How many times `needle` appears in the log.
fn seen(run: &Running, needle: &str) -> usize {
    run.log().matches(needle).count()
}

fn reload_everything(label: &str, mode: &[&str]) {
    let dir = temp_dir(&format!("reload-{label}"));
    let (scene, scene_text) = copy("scenes/neon_club.scene.ron", &dir, "live.scene.ron");
    let (layers, layers_text) = copy("scenes/neon_club.layers.ron", &dir, "live.layers.ron");
    let (map, map_text) = copy("scenes/maps/default.map.ron", &dir, "live.map.ron");
    let stage = crate::memory::small_stage(&dir);
    let stage_text = std::fs::read_to_string(&stage).expect("stage");
    let query = free_tcp();
    let mut cmd = backlot();
    cmd.arg("run")
        .args(mode)
        .args(["--size", "160x90", "--scene"])
        .arg(&scene)
        .arg("--layers")
        .arg(&layers)
        .arg("--map")
        .arg(&map)
        .arg("--stage")
        .arg(&stage)
        .args(["--osc-port", &free_udp().to_string()])
        .args(["--osc-tcp-port", &free_tcp().to_string()])
        .args(["--oscquery-port", &query.to_string()])
        .args(["--artnet-port", &free_udp().to_string()])
        .args(["--sacn-port", &free_udp().to_string()]);
    let mut run = Running::spawn(cmd, query, dir.join("backlot.log"));
    let fog = |r: &Running| {
        r.value("/scene/fog/density")
            .and_then(|v| v.first().copied())
    };
    run.wait_for("the scene", |r| fog(r).is_some());
    assert!((fog(&run).unwrap_or(0.0) - 0.03).abs() < 1e-6);

    // Scene: the new fog is live, which respawns every entity the scene owns.
    std::fs::write(&scene, scene_text.replace("density: 0.03", "density: 0.05")).expect("edit");
    run.wait_for("the scene edit", |r| {
        fog(r).is_some_and(|d| (d - 0.05).abs() < 1e-6)
    });
    // Layer set, stage and map: each reloaded once more.
    let layer_loads = seen(&run, "layer set loaded");
    std::fs::write(&layers, format!("{layers_text}\n// edited\n")).expect("edit");
    run.wait_for("the layer set edit", |r| {
        seen(r, "layer set loaded") > layer_loads
    });
    std::fs::write(
        &stage,
        stage_text.replace("title: \"Flat wall\"", "title: \"Flat wall B\""),
    )
    .expect("edit");
    run.wait_for("the stage edit", |r| {
        seen(r, "stage `Flat wall B` loaded") > 0
    });
    let map_loads = seen(&run, "control map loaded");
    std::fs::write(&map, format!("{map_text}\n// edited\n")).expect("edit");
    run.wait_for("the map edit", |r| {
        seen(r, "control map loaded") > map_loads
    });
    // A broken scene keeps the last good one, positioned, and the show goes on.
    std::fs::write(
        &scene,
        scene_text.replace("density: 0.03", "density: 0.05,,"),
    )
    .expect("edit");
    run.wait_for("the broken scene", |r| {
        seen(r, "keeping the last good scene") > 0
    });
    let frames = |r: &Running| {
        r.value("/status/frames")
            .and_then(|v| v.first().copied())
            .unwrap_or(0.0)
    };
    let before = frames(&run);
    run.wait_for("frames after the reloads", |r| frames(r) > before + 10.0);
    assert!(
        fog(&run).is_some_and(|d| (d - 0.05).abs() < 1e-6),
        "the last good scene is kept"
    );
    assert!(
        run.child.try_wait().expect("wait").is_none(),
        "backlot exited:\n{}",
        run.log()
    );
    let log = run.log();
    assert!(log.contains("live.scene.ron:"), "no position:\n{log}");
    assert!(!log.contains("panicked"), "{log}");
}

#[test]
fn every_file_kind_hot_reloads_when_rendering_headless() {
    reload_everything("headless", &["--headless"]);
}

#[test]
fn every_file_kind_hot_reloads_without_rendering() {
    reload_everything("unrendered", &["--headless", "--no-render"]);
}
