//! Camera tracking end to end: FreeD over loopback UDP into the full app, the inner frustum
//! on the rendered output following it, take recording, and replay through the binary.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use backlot::app::AppOptions;
use backlot::render::FrameDriver;
use backlot_params::{ParamRegistry, ParamValue};
use backlot_stage::format::{OutputMap, SectionGeometry, camera_rotation, parse_stage_file};
use backlot_tracking::codec::freed::{FreedD1, encode};
use backlot_tracking::{TakeRecorder, TrackingState};
use bevy::math::Vec3;

use crate::support::{backlot, flat_wall_variant, load_rgb, repo, run, temp_dir, text};

/// flat_wall with a small canvas (fast renders) and free ports (tests run in parallel).
fn test_stage(dir: &Path) -> PathBuf {
    flat_wall_variant(
        dir,
        "tracked.stage.ron",
        &[
            ("pixels: (160, 180)", "pixels: (40, 45)"),
            ("canvas: (1920, 1080)", "canvas: (480, 270)"),
        ],
    )
}

const SETS: [(&str, &str); 2] = [
    ("/stage/cameras/1/mode", "chroma_key"),
    ("/stage/cameras/1/soft_edge", "0"),
];

/// Where the camera with `pose` (stage position, pan/tilt/roll) sees each canvas pixel:
/// the fraction of the way to the frustum edge (below 1 inside). `fov` is horizontal, with
/// flat_wall's 10 % overscan and the 16:9 inner render.
pub(crate) fn frustum_edge(
    stage: &Path,
    position: Vec3,
    rotation: [f32; 3],
    fov: f32,
) -> Vec<Option<f32>> {
    let file = parse_stage_file(stage, None).expect("stage");
    let sections: Vec<(String, SectionGeometry)> = file
        .sections
        .iter()
        .map(|s| (s.name.0.clone(), SectionGeometry::new(s).expect("section")))
        .collect();
    let output = &file.outputs[0];
    let map = OutputMap::new(output, &sections).expect("map");
    let inverse = camera_rotation(rotation[0], rotation[1], rotation[2]).inverse();
    let half_w = (fov.to_radians() / 2.0).tan() * 1.1;
    let half_h = half_w * 9.0 / 16.0;
    let [w, h] = output.canvas;
    (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| {
            let (s, sx, sy) = map.lookup(x, y)?;
            let p = sections[s].1.position(sx as f32 + 0.5, sy as f32 + 0.5);
            let d = inverse * (p - position);
            (d.z < 0.0).then(|| {
                ((d.x / -d.z) / half_w)
                    .abs()
                    .max(((d.y / -d.z) / half_h).abs())
            })
        })
        .collect()
}

fn is_key(p: &image::Rgb<u8>) -> bool {
    p.0[1] > 200 && p.0[0] < 60 && p.0[2] < 60
}

/// Share of clearly-inside and clearly-outside pixels whose colour agrees with the frustum.
fn agreement(image: &image::RgbImage, edge: &[Option<f32>]) -> (f64, usize) {
    let (mut agree, mut total, mut inside) = (0usize, 0usize, 0usize);
    for (i, e) in edge.iter().enumerate() {
        let p = image.get_pixel(i as u32 % image.width(), i as u32 / image.width());
        let expect = match e {
            Some(e) if *e < 0.97 => true,
            Some(e) if *e < 1.03 => continue,
            _ => false,
        };
        inside += usize::from(expect);
        total += 1;
        agree += usize::from(is_key(p) == expect);
    }
    (agree as f64 / total as f64, inside)
}

fn get(driver: &mut FrameDriver, address: &str) -> ParamValue {
    driver
        .world_mut()
        .resource::<ParamRegistry>()
        .get(address)
        .expect("registered")
        .clone()
}

fn step_until(driver: &mut FrameDriver, mut done: impl FnMut(&mut FrameDriver) -> bool) {
    let start = Instant::now();
    while !done(driver) {
        assert!(start.elapsed() < Duration::from_secs(20), "timed out");
        driver.step().expect("step");
    }
}

/// A FreeD pose: stage position (metres) and pan/tilt/roll, as the tracker would send it
/// (FreeD X right, Y forward = stage −Z, Z height, millimetres).
fn freed(position: Vec3, rotation: [f64; 3]) -> Vec<u8> {
    let mm = [position.x, -position.z, position.y].map(|v| f64::from(v) * 1000.0);
    encode(&FreedD1::from_units(1, rotation, mm, 0, 0)).to_vec()
}

/// The lens sits 0.12 m in front of the tracked point in flat_wall.
fn nodal(position: Vec3, rotation: [f32; 3]) -> Vec3 {
    position + camera_rotation(rotation[0], rotation[1], rotation[2]) * Vec3::new(0.0, 0.0, -0.12)
}

#[test]
fn freed_tracking_moves_the_inner_frustum_and_replays_from_a_take() {
    let dir = temp_dir("tracking");
    let stage = test_stage(&dir);
    let mut options = AppOptions::render(
        repo().join("scenes/desert_road.scene.ron"),
        repo().join("assets"),
        (320, 180),
    );
    options.stage = Some(stage.clone());
    options.tracking_live = true;
    options.takes_dir = dir.join("takes");
    options.param_sets = SETS
        .iter()
        .map(|(a, v)| (a.to_string(), v.to_string()))
        .collect();
    let mut driver = FrameDriver::new(&options);
    driver.load().expect("loads");
    let port = driver
        .world_mut()
        .resource::<TrackingState>()
        .tracker_addr("freed")
        .expect("FreeD port bound")
        .port();
    let socket = UdpSocket::bind("127.0.0.1:0").expect("socket");

    let poses: [(Vec3, [f32; 3]); 3] = [
        (Vec3::new(0.0, 1.6, 1.0), [0.0, 0.0, 0.0]),
        (Vec3::new(-1.0, 1.5, 0.5), [-15.0, 5.0, 0.0]),
        (Vec3::new(1.2, 1.8, 0.0), [20.0, -5.0, 3.0]),
    ];
    let fov = 2.0 * (36.0f32 / 100.0).atan().to_degrees();
    for (i, (position, rotation)) in poses.iter().enumerate() {
        socket
            .send_to(
                &freed(*position, rotation.map(f64::from)),
                ("127.0.0.1", port),
            )
            .expect("send");
        let expected = nodal(*position, *rotation);
        step_until(&mut driver, |d| {
            get(d, "/tracking/1/packets") == ParamValue::Int(i as i32 + 1)
        });
        let at = get(&mut driver, "/stage/cameras/1/position")
            .as_vec3()
            .expect("vec3");
        assert!(
            (Vec3::from(at) - expected).length() < 1e-3,
            "pose {i}: {at:?} vs {expected}"
        );
        assert_eq!(
            get(&mut driver, "/tracking/1/status"),
            ParamValue::Enum("tracking".into())
        );
        let frame = driver.capture().expect("capture");
        let (_, image) = frame
            .iter()
            .find(|(n, _)| n == "main")
            .expect("main output");
        let edge = frustum_edge(&stage, expected, *rotation, fov);
        let (share, inside) = agreement(image, &edge);
        assert!(
            inside > 500,
            "pose {i}: frustum too small to judge ({inside})"
        );
        assert!(
            share > 0.99,
            "pose {i}: inner frustum agrees on {share:.4} of pixels"
        );
        image.save(dir.join(format!("live-{i}.png"))).expect("save");
        // The same picture judged against the previous pose must disagree: the check can fail.
        if i > 0 {
            let (p, r) = poses[i - 1];
            let (other, _) = agreement(image, &frustum_edge(&stage, nodal(p, r), r, fov));
            assert!(
                other < 0.95,
                "pose {i} also matches pose {}: {other}",
                i - 1
            );
        }
    }

    // Record a take of the three poses sent 50 ms apart (receive times are stamped by the
    // socket thread, whatever the frame rate).
    let record = |driver: &mut FrameDriver| {
        driver
            .world_mut()
            .resource_mut::<ParamRegistry>()
            .set("/takes/record", ParamValue::Trigger)
            .expect("record");
        driver.step().expect("step");
    };
    record(&mut driver);
    assert_eq!(get(&mut driver, "/takes/recording"), ParamValue::Bool(true));
    for (position, rotation) in &poses {
        socket
            .send_to(
                &freed(*position, rotation.map(f64::from)),
                ("127.0.0.1", port),
            )
            .expect("send");
        std::thread::sleep(Duration::from_millis(50));
    }
    step_until(&mut driver, |d| {
        get(d, "/takes/samples") == ParamValue::Int(3)
    });
    record(&mut driver);
    assert_eq!(
        get(&mut driver, "/takes/recording"),
        ParamValue::Bool(false)
    );
    let take = driver
        .world_mut()
        .resource::<TakeRecorder>()
        .last
        .clone()
        .expect("take written");
    drop(driver);

    // Replay through the binary twice: identical frames, each showing the take's pose.
    let rows = backlot_tracking::take::read_take(&take).expect("take parses");
    assert_eq!(rows.len(), 3);
    let span = rows[2].time_s - rows[0].time_s;
    assert!((0.08..1.0).contains(&span), "take spans {span} s");
    let frames = (span * 60.0).ceil() as u32 + 2;
    let render = |out: &Path| {
        let result = run(backlot()
            .args([
                "render",
                "--scene",
                "scenes/desert_road.scene.ron",
                "--stage",
            ])
            .arg(&stage)
            .arg("--tracking-replay")
            .arg(&take)
            .args(["--frames", &frames.to_string(), "--size", "320x180"])
            .args(
                SETS.iter()
                    .flat_map(|(a, v)| ["--set".to_string(), format!("{a}={v}")]),
            )
            .arg("--out")
            .arg(out));
        assert!(result.status.success(), "{}", text(&result));
    };
    let (a, b) = (dir.join("replay-a"), dir.join("replay-b"));
    render(&a);
    render(&b);
    for frame in 0..frames {
        let name = format!("main-{frame:04}.png");
        let (ia, ib) = (load_rgb(&a.join(&name)), load_rgb(&b.join(&name)));
        assert!(ia == ib, "replay frame {frame} differs between runs");
        // Frame k of a render is at k/60 s of scene time, counted from the take's first row.
        let t = f64::from(frame + 1) / 60.0;
        let row = rows
            .iter()
            .rev()
            .find(|r| r.time_s - rows[0].time_s <= t + 1e-9)
            .expect("row in force");
        let edge = frustum_edge(&stage, row.pose.position, row.pose.rotation, fov);
        let (share, _) = agreement(&ia, &edge);
        assert!(
            share > 0.99,
            "replay frame {frame}: frustum agrees on {share:.4}"
        );
    }

    // A take that is not a take is refused before anything starts.
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "time_s,camera\n0,1\n").expect("write");
    let result = run(backlot()
        .args([
            "render",
            "--scene",
            "scenes/desert_road.scene.ron",
            "--stage",
        ])
        .arg(&stage)
        .arg("--tracking-replay")
        .arg(&bad)
        .args(["--frames", "1", "--out"])
        .arg(dir.join("bad-out")));
    assert!(!result.status.success());
    assert!(
        text(&result).contains("bad.csv:1: take header has no `x` column"),
        "{}",
        text(&result)
    );
}
