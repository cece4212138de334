//! The LED stage through the real binary: through-the-lens correctness, parallax, pixel
//! mapping, stage file validation.

use std::collections::HashMap;
use std::path::Path;

use backlot_stage::format::{
    OutputMap, SectionGeometry, StageFile, camera_rotation, parse_stage_file,
};
use bevy::math::Vec3;

use crate::support::{backlot, load_rgb, repo, run, temp_dir, text};

const W: u32 = 480;
const H: u32 = 270;

fn render_stage(stage: &str, pose: &str, fov: f32, extra: &[&str], out: &Path) {
    let result = run(backlot()
        .args([
            "render",
            "--scene",
            "scenes/desert_road.scene.ron",
            "--stage",
            stage,
            "--frames",
            "1",
        ])
        .args([
            "--size",
            &format!("{W}x{H}"),
            "--camera-view",
            "--camera-pose",
            pose,
            "--fov",
            &fov.to_string(),
        ])
        .args(extra)
        .arg("--out")
        .arg(out));
    assert!(result.status.success(), "{}", text(&result));
}

struct Wall {
    stage: StageFile,
    sections: Vec<(String, SectionGeometry)>,
    /// (section, x, y) → (output index, canvas x, y)
    inverse: HashMap<(usize, u32, u32), (usize, u32, u32)>,
}

fn wall(stage: &str) -> Wall {
    let stage = parse_stage_file(&repo().join(stage), None).expect("stage parses");
    let sections: Vec<(String, SectionGeometry)> = stage
        .sections
        .iter()
        .map(|s| (s.name.0.clone(), SectionGeometry::new(s).expect("section")))
        .collect();
    let mut inverse = HashMap::new();
    for (o, output) in stage.outputs.iter().enumerate() {
        let map = OutputMap::new(output, &sections).expect("output maps");
        for y in 0..output.canvas[1] {
            for x in 0..output.canvas[0] {
                if let Some((s, sx, sy)) = map.lookup(x, y) {
                    inverse.insert((s, sx, sy), (o, x, y));
                }
            }
        }
    }
    Wall {
        stage,
        sections,
        inverse,
    }
}

fn parse_pose(pose: &str) -> (Vec3, [f32; 3]) {
    let v: Vec<f32> = pose
        .split(',')
        .map(|x| x.parse().expect("number"))
        .collect();
    (Vec3::new(v[0], v[1], v[2]), [v[3], v[4], v[5]])
}

/// Ray through the centre of camera-view pixel (x, y).
fn ray(pose: &str, fov: f32, x: u32, y: u32) -> (Vec3, Vec3) {
    let (position, [pan, tilt, roll]) = parse_pose(pose);
    let half = (fov.to_radians() / 2.0).tan();
    let nx = (x as f32 + 0.5) / W as f32 * 2.0 - 1.0;
    let ny = 1.0 - (y as f32 + 0.5) / H as f32 * 2.0;
    let dir = Vec3::new(nx * half, ny * half * H as f32 / W as f32, -1.0);
    (
        position,
        (camera_rotation(pan, tilt, roll) * dir).normalize(),
    )
}

/// "Photographs" the wall: for every camera pixel, the LED the camera sees there, read from
/// the rendered output PNGs; compares with the direct render. Returns (MAE 0..1, fraction
/// of pixels that saw the wall).
fn through_the_lens(stage_path: &str, pose: &str, fov: f32) -> (f64, f64) {
    let out = temp_dir(&format!("ttl-{}", pose.replace([',', '.', '-'], "_")));
    render_stage(stage_path, pose, fov, &[], &out);
    let w = wall(stage_path);
    let outputs: Vec<image::RgbImage> = w
        .stage
        .outputs
        .iter()
        .map(|o| load_rgb(&out.join(format!("{}-0000.png", o.name.0))))
        .collect();
    let view = load_rgb(&out.join("camera-1-0000.png"));
    let (mut sum, mut n) = (0f64, 0u32);
    for y in 0..H {
        for x in 0..W {
            let (origin, dir) = ray(pose, fov, x, y);
            let hit = w
                .sections
                .iter()
                .enumerate()
                .filter_map(|(s, (_, g))| {
                    g.intersect(origin, dir).map(|(t, sx, sy)| (t, s, sx, sy))
                })
                .min_by(|a, b| a.0.total_cmp(&b.0));
            let Some((_, s, sx, sy)) = hit else { continue };
            let Some(&(o, cx, cy)) = w.inverse.get(&(s, sx as u32, sy as u32)) else {
                continue;
            };
            let led = outputs[o].get_pixel(cx, cy).0;
            let direct = view.get_pixel(x, y).0;
            sum += led
                .iter()
                .zip(direct.iter())
                .map(|(a, b)| (*a as f64 - *b as f64).abs())
                .sum::<f64>()
                / 3.0;
            n += 1;
        }
    }
    (sum / n.max(1) as f64 / 255.0, n as f64 / (W * H) as f64)
}

/// The through-the-lens check at each pose: the photographed wall must match the direct
/// view within 3% of full scale, and the wall must fill the view.
fn assert_through_the_lens(stage: &str, poses: &[&str]) {
    for pose in poses {
        let (mae, covered) = through_the_lens(stage, pose, 40.0);
        eprintln!(
            "{pose}: through-the-lens MAE {:.3}% of full scale over {:.1}% of the view",
            mae * 100.0,
            covered * 100.0
        );
        assert!(
            covered > 0.9,
            "pose {pose}: only {covered:.2} of the view sees the wall"
        );
        assert!(
            mae < 0.03,
            "pose {pose}: mean absolute error {:.2}% of full scale",
            mae * 100.0
        );
    }
}

#[test]
fn flat_wall_through_the_lens_matches_the_direct_view() {
    assert_through_the_lens(
        "scenes/stages/flat_wall.stage.ron",
        &["0,1.6,1,0,0,0", "1.2,1.4,-0.5,-9,4,2"],
    );
}

#[test]
fn curved_volume_through_the_lens_matches_the_direct_view() {
    assert_through_the_lens(
        "scenes/stages/curved_volume.stage.ron",
        &["0,1.6,0,0,0,0", "-1.5,1.7,1,-15,2,0"],
    );
}

/// Whether a wall point lies well outside a camera's overscanned (10%) inner frustum.
fn far_outside(p: Vec3, pose: &str, fov: f32) -> bool {
    let (position, [pan, tilt, roll]) = parse_pose(pose);
    let d = camera_rotation(pan, tilt, roll).inverse() * (p - position);
    if d.z >= -0.01 {
        return true;
    }
    let half_w = (fov.to_radians() / 2.0).tan() * 1.1;
    let half_h = half_w * 9.0 / 16.0;
    (d.x / -d.z).abs() / half_w > 1.3 || (d.y / -d.z).abs() / half_h > 1.3
}

#[test]
fn moving_the_camera_moves_only_the_inner_region() {
    let stage = "scenes/stages/curved_volume.stage.ron";
    let (a, b) = ("0,1.6,0,-20,0,0", "0,1.6,0,20,0,0");
    let (out_a, out_b) = (temp_dir("move-a"), temp_dir("move-b"));
    render_stage(stage, a, 40.0, &[], &out_a);
    render_stage(stage, b, 40.0, &[], &out_b);
    let w = wall(stage);
    let (mut outer_same, mut outer_total, mut inner_changed) = (0u32, 0u32, 0u32);
    for output in &w.stage.outputs {
        let name = format!("{}-0000.png", output.name.0);
        let (ia, ib) = (load_rgb(&out_a.join(&name)), load_rgb(&out_b.join(&name)));
        let map = OutputMap::new(output, &w.sections).expect("map");
        for y in (0..output.canvas[1]).step_by(3) {
            for x in (0..output.canvas[0]).step_by(3) {
                let Some((s, sx, sy)) = map.lookup(x, y) else {
                    continue;
                };
                let p = w.sections[s].1.position(sx as f32 + 0.5, sy as f32 + 0.5);
                let (pa, pb) = (ia.get_pixel(x, y).0, ib.get_pixel(x, y).0);
                if far_outside(p, a, 40.0) && far_outside(p, b, 40.0) {
                    outer_total += 1;
                    outer_same +=
                        u32::from(pa.iter().zip(pb.iter()).all(|(u, v)| u.abs_diff(*v) <= 2));
                } else if pa.iter().zip(pb.iter()).any(|(u, v)| u.abs_diff(*v) > 16) {
                    inner_changed += 1;
                }
            }
        }
    }
    assert!(
        outer_total > 1000,
        "too few outer pixels checked: {outer_total}"
    );
    assert!(
        outer_same as f64 / outer_total as f64 > 0.999,
        "outer pixels changed: {outer_same}/{outer_total} kept"
    );
    assert!(
        inner_changed > 1000,
        "the inner region did not move: {inner_changed} pixels changed"
    );
}

#[test]
fn cabinet_grid_pattern_lands_at_canvas_offsets() {
    let out = temp_dir("grid");
    render_stage(
        "scenes/stages/curved_volume.stage.ron",
        "0,1.6,0,0,0,0",
        40.0,
        &["--set", "/stage/outputs/wall_centre/pattern=cabinet_grid"],
        &out,
    );
    let img = load_rgb(&out.join("wall_centre-0000.png"));
    let white = |x: u32, y: u32| img.get_pixel(x, y).0.iter().all(|c| *c > 240);
    // wall_centre carries arc pixels 1024.. at canvas x 0..: cabinets are 128 x 122 px.
    for y in [5, 60, 300] {
        assert!(
            white(0, y) && white(127, y) && white(128, y),
            "cabinet edges at x 0/127/128, y {y}"
        );
        assert!(!white(64, y), "cabinet interior at x 64, y {y} is white");
    }
    assert!(
        white(64, 121) && white(64, 122),
        "cabinet rows break at y 121/122"
    );
    // The first cabinet on this canvas is arc cabinet 8: its label "0-8" starts with a '0'
    // drawn 5 LED pixels per font pixel from (10, 10): top bar lit, centre hole dark.
    assert!(white(12, 12) && white(22, 12), "label digit top row");
    assert!(!white(17, 17), "label digit hole");
    // Beyond the region (1024 x 976) the canvas carries nothing: black.
    assert_eq!(img.get_pixel(1500, 500).0, [0, 0, 0]);
    assert_eq!(img.get_pixel(100, 1000).0, [0, 0, 0]);
    // The other outputs stay live (not the pattern).
    let left = load_rgb(&out.join("wall_left-0000.png"));
    assert!(
        !left.get_pixel(0, 60).0.iter().all(|c| *c > 240)
            || !left.get_pixel(128, 60).0.iter().all(|c| *c > 240)
    );
}

#[test]
fn check_validates_stage_files() {
    let out = run(backlot().args([
        "check",
        "scenes/stages/flat_wall.stage.ron",
        "scenes/stages/curved_volume.stage.ron",
    ]));
    assert!(out.status.success(), "{}", text(&out));
    let dir = temp_dir("badstage");
    let bad = dir.join("bad.stage.ron");
    std::fs::write(
        &bad,
        "(\n  sections: [(name: \"w\", shape: Flat(lower_left: (0.0, 0.0, 0.0), lower_right: (1.0, 0.0, 0.0), upper_left: (0.0, 1.0, 0.0)),\n    cabinet: (size_mm: (500.0, 500.0), pixels: (100, 100)))],\n  outputs: [(name: \"o\", canvas: (150, 150), regions: [\n    (section: \"w\"),\n    (section: \"floor\"),\n  ])],\n)\n",
    )
    .unwrap();
    let out = run(backlot().arg("check").arg(&bad));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with(&format!("{}:5:6: ", bad.display())) && lines[0].contains("runs off"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with(&format!("{}:6:6: ", bad.display()))
            && lines[1].contains("unknown section"),
        "{stderr}"
    );
}

/// The output LUT runs last: a red test pattern through a red/blue swap LUT arrives blue.
#[test]
fn output_lut_is_applied_last() {
    let dir = temp_dir("lut");
    let flat =
        std::fs::read_to_string(repo().join("scenes/stages/flat_wall.stage.ron")).expect("stage");
    let with_lut = flat.replace(
        "regions: [(section: \"wall\")]",
        "regions: [(section: \"wall\")], color: (lut: \"luts/swap_red_blue.cube\")",
    );
    assert_ne!(
        flat, with_lut,
        "stage file layout changed; update this test"
    );
    let stage = dir.join("lut.stage.ron");
    std::fs::write(&stage, with_lut).expect("write stage");
    let out = dir.join("out");
    let result = run(backlot()
        .args([
            "render",
            "--scene",
            "scenes/desert_road.scene.ron",
            "--stage",
        ])
        .arg(&stage)
        .args([
            "--frames",
            "1",
            "--set",
            "/stage/outputs/main/pattern=red",
            "--out",
        ])
        .arg(&out));
    assert!(result.status.success(), "{}", text(&result));
    let img = load_rgb(&out.join("main-0000.png"));
    for (x, y) in [(10, 10), (960, 540), (1900, 1070)] {
        let [r, g, b] = img.get_pixel(x, y).0;
        assert!(
            b > 245 && r < 10 && g < 10,
            "pixel ({x}, {y}) is {:?}, expected blue",
            [r, g, b]
        );
    }

    // A broken LUT is a positioned error in `check` (assets from a folder of our own).
    let assets = dir.join("assets");
    std::fs::create_dir_all(assets.join("luts")).expect("mkdir");
    std::fs::write(assets.join("luts/bad.cube"), "LUT_3D_SIZE 2\n0 0 0\n1 1\n").expect("write");
    std::fs::write(
        dir.join("broken.stage.ron"),
        flat.replace(
            "regions: [(section: \"wall\")]",
            "regions: [(section: \"wall\")], color: (lut: \"luts/bad.cube\")",
        ),
    )
    .expect("write");
    let result = run(backlot()
        .arg("--assets")
        .arg(&assets)
        .arg("check")
        .arg(dir.join("broken.stage.ron")));
    assert_eq!(result.status.code(), Some(1), "{}", text(&result));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        stderr.contains("broken.stage.ron:18:") && stderr.contains("LUT `luts/bad.cube` line 3"),
        "{stderr}"
    );
}

/// A live headless run picks up an edited stage file, and a broken edit keeps the last
/// good stage with a positioned error.
#[test]
fn stage_file_hot_reloads_during_a_run() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let dir = temp_dir("stage-reload");
    let stage = dir.join("live.stage.ron");
    let original =
        std::fs::read_to_string(repo().join("scenes/stages/flat_wall.stage.ron")).expect("stage");
    std::fs::write(&stage, &original).expect("write");
    let mut child = backlot()
        .args([
            "run",
            "--headless",
            "--max-frames",
            "100000",
            "--scene",
            "scenes/neon_club.scene.ron",
            "--stage",
        ])
        .arg(&stage)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let rx = crate::support::lines_of(child.stderr.take().expect("stderr"));
    let mut log = Vec::new();
    let wait_for = |needle: &str, log: &mut Vec<String>| {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(120) {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
                let found = line.contains(needle);
                log.push(line);
                if found {
                    return true;
                }
            }
        }
        false
    };
    let first = wait_for("stage `Flat wall` loaded", &mut log);
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(
        &stage,
        original.replace("title: \"Flat wall\"", "title: \"Flat wall B\""),
    )
    .expect("write");
    let second = first && wait_for("stage `Flat wall B` loaded", &mut log);
    std::fs::write(
        &stage,
        original.replace("canvas: (1920, 1080)", "canvas: (1920, 1080),,"),
    )
    .expect("write");
    let third = second && wait_for("keeping the last good stage", &mut log);
    let _ = child.kill();
    let _ = child.wait();
    let text = log.join("\n");
    assert!(first, "stage never loaded:\n{text}");
    assert!(second, "edit not picked up:\n{text}");
    assert!(third, "broken edit not reported:\n{text}");
    assert!(
        text.contains("live.stage.ron:18:"),
        "error without position:\n{text}"
    );
    assert!(!text.contains("panicked"), "{text}");
}
