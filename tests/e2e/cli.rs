//! `check`, `params` and `run` through the real binary.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{backlot, repo, run, temp_dir, text};

#[test]
fn check_accepts_the_shipped_scenes() {
    let out = run(backlot().args([
        "check",
        "scenes/neon_club.scene.ron",
        "scenes/desert_road.scene.ron",
    ]));
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn check_reports_each_problem_with_position_and_exit_1() {
    let dir = temp_dir("check");
    let bad = dir.join("bad.scene.ron");
    std::fs::write(
        &bad,
        "(\n    entities: [\n        (name: \"b\", shape: Box(size: (1.0, -2.0, 1.0))),\n    ],\n)\n",
    )
    .unwrap();
    let typo = dir.join("typo.scene.ron");
    std::fs::write(&typo, "(\n  lights: [(name: \"key\", kind: Point(), intensity: 1.0, colr: Rgb(1.0, 1.0, 1.0))],\n)\n").unwrap();
    let out = run(backlot()
        .arg("check")
        .arg(&bad)
        .arg(&typo)
        .arg("scenes/neon_club.scene.ron"));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with(&format!("{}:3:44: ", bad.display())),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with(&format!("{}:2:", typo.display())),
        "{stderr}"
    );
    assert!(lines[1].contains("colr"), "{stderr}");
}

#[test]
fn params_lists_every_parameter() {
    let out = run(backlot().args(["params", "--scene", "scenes/neon_club.scene.ron"]));
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let key = stdout
        .lines()
        .find(|l| l.starts_with("/scene/lights/key/intensity\t"))
        .unwrap_or_else(|| panic!("no key intensity in:\n{stdout}"));
    let fields: Vec<&str> = key.split('\t').collect();
    assert_eq!(fields[1], "float");
    assert_eq!(fields[2], "0..6000000");
    assert_eq!(fields[3], "lm");
    assert_eq!(fields[4], "1500000");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("/scene/lights/key/color\tcolour\t"))
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("/scene/entities/disco_ball/animation/speed\tfloat\t"))
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("/scene/fog/density\tfloat\t0..1\t1/m\t0.03"))
    );
}

#[test]
fn run_refuses_a_bad_scene_with_exit_1() {
    let dir = temp_dir("runbad");
    let bad = dir.join("bad.scene.ron");
    std::fs::write(
        &bad,
        "(\n  lights: [(name: \"key\", kind: Laser(), intensity: 1.0)],\n)\n",
    )
    .unwrap();
    let out = run(backlot().args(["run", "--headless", "--scene"]).arg(&bad));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("{}:2:", bad.display())),
        "{}",
        text(&out)
    );
}

/// No display: the engine runs headless, says so once, and stops cleanly after N frames.
#[test]
fn run_without_display_goes_headless() {
    let mut child = backlot()
        .args([
            "run",
            "--max-frames",
            "20",
            "--scene",
            "scenes/desert_road.scene.ron",
        ])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let start = Instant::now();
    let mut lines = Vec::new();
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        lines.push(line);
        assert!(
            start.elapsed() < Duration::from_secs(240),
            "too slow:\n{}",
            lines.join("\n")
        );
    }
    let status = child.wait().expect("wait");
    let log = lines.join("\n");
    assert!(status.success(), "{log}");
    assert_eq!(log.matches("running headless").count(), 1, "{log}");
    assert!(log.contains("scene `Desert Road` loaded"), "{log}");
    assert!(!log.contains("panicked"), "{log}");
    let _ = repo();
}

/// A machine with no GPU and no software Vulkan: `render` says why and exits 1; `run` keeps
/// the engine going unrendered instead of panicking inside the renderer.
#[test]
fn no_render_device_is_a_clear_message_not_a_panic() {
    let hide_devices = |cmd: &mut std::process::Command| {
        cmd.env("WGPU_BACKEND", "vulkan")
            .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
            .env("VK_DRIVER_FILES", "/nonexistent/icd.json");
    };
    let out_dir = temp_dir("nodevice");
    let mut render = backlot();
    render
        .args([
            "render",
            "--scene",
            "scenes/neon_club.scene.ron",
            "--frames",
            "1",
            "--out",
        ])
        .arg(&out_dir);
    hide_devices(&mut render);
    let out = run(&mut render);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("no GPU or Vulkan driver found"),
        "{}",
        text(&out)
    );

    let mut live = backlot();
    live.args([
        "run",
        "--headless",
        "--max-frames",
        "10",
        "--scene",
        "scenes/neon_club.scene.ron",
    ]);
    hide_devices(&mut live);
    let out = run(&mut live);
    assert!(out.status.success(), "{}", text(&out));
    let log = text(&out);
    assert!(log.contains("running headless without rendering"), "{log}");
    assert!(log.contains("scene `Neon Club` loaded"), "{log}");
    assert!(!log.contains("panicked"), "{log}");
}

#[test]
fn check_validates_control_maps() {
    let out = run(backlot().args(["check", "scenes/maps/default.map.ron"]));
    assert!(out.status.success(), "{}", text(&out));
    let dir = temp_dir("check-map");
    let bad = dir.join("bad.map.ron");
    std::fs::write(
        &bad,
        "(\n  dmx: (\n    universes: [(id: 1)],\n    fixtures: [(name: \"key\", universe: 1, address: 511, profile: DimmerRgb, light: Some(\"key\"))],\n  ),\n)\n",
    )
    .expect("write");
    let out = run(backlot().arg("check").arg(&bad));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with(&format!("{}:4:", bad.display())),
        "{}",
        text(&out)
    );
    // A broken map given to `run` stops it before anything starts, with the position.
    let out = run(backlot()
        .args([
            "run",
            "--headless",
            "--no-render",
            "--max-frames",
            "2",
            "--map",
        ])
        .arg(&bad));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("channels 511..514"), "{}", text(&out));
}
