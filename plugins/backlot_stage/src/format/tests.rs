//! Stage format: shipped stages, geometry, off-axis vectors, mapping, bad files.

use std::path::{Path, PathBuf};

use bevy::math::{Vec3, Vec4Swizzles};
use proptest::prelude::*;

use super::*;
use backlot_scene::format::{FileError, FileErrors};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load(name: &str) -> StageFile {
    let path = repo().join("scenes/stages").join(name);
    parse_stage_file(&path, Some(&repo().join("assets"))).unwrap_or_else(|e| panic!("{e}"))
}

fn geometries(stage: &StageFile) -> Vec<(String, SectionGeometry)> {
    stage
        .sections
        .iter()
        .map(|s| (s.name.0.clone(), SectionGeometry::new(s).unwrap()))
        .collect()
}

fn close(a: Vec3, b: Vec3) -> bool {
    (a - b).length() < 1e-4
}

#[test]
fn flat_wall_is_1080p_pixel_for_pixel() {
    let stage = load("flat_wall.stage.ron");
    let sections = geometries(&stage);
    let wall = &sections[0].1;
    assert_eq!(wall.resolution, [1920, 1080]);
    assert_eq!(wall.cabinets, [12, 6]);
    assert!((wall.pitch_mm[0] - 3.125).abs() < 1e-4 && (wall.pitch_mm[1] - 3.125).abs() < 1e-4);
    assert!(close(wall.position(0.0, 0.0), Vec3::new(-3.0, 3.375, -4.0)));
    assert!(close(
        wall.position(1920.0, 1080.0),
        Vec3::new(3.0, 0.0, -4.0)
    ));
    assert!(
        close(wall.normal(10.0, 10.0), Vec3::Z),
        "lit side faces the stage"
    );
    let map = OutputMap::new(&stage.outputs[0], &sections).unwrap();
    for (x, y) in [(0, 0), (1919, 1079), (960, 540)] {
        assert_eq!(map.lookup(x, y), Some((0, x, y)));
    }
    assert_eq!(wall.cabinet_of(159, 179), [0, 0]);
    assert_eq!(wall.cabinet_of(160, 180), [1, 1]);
}

#[test]
fn curved_volume_arc_faces_its_centre() {
    let stage = load("curved_volume.stage.ron");
    assert_eq!(stage.outputs.len(), 4);
    let sections = geometries(&stage);
    let arc = &sections[0].1;
    assert_eq!(arc.cabinets, [24, 8]);
    assert_eq!(arc.resolution, [3072, 976]);
    // The middle column is straight ahead at the radius; the edges at ±60 degrees.
    let mid = arc.position(1536.0, 976.0);
    assert!(close(mid, Vec3::new(0.0, 0.0, -6.0)), "{mid}");
    let left = arc.position(0.0, 976.0);
    assert!(
        close(
            left,
            Vec3::new(
                -6.0 * 60f32.to_radians().sin(),
                0.0,
                -6.0 * 60f32.to_radians().cos()
            )
        ),
        "{left}"
    );
    assert!(close(arc.normal(1536.0, 10.0), Vec3::Z));
    let ceiling = &sections[1].1;
    assert!(
        close(ceiling.normal(1.0, 1.0), Vec3::NEG_Y),
        "ceiling lights the floor"
    );
    // The three wall outputs tile the arc with no gap.
    for (i, name) in ["wall_left", "wall_centre", "wall_right"]
        .iter()
        .enumerate()
    {
        let output = stage.outputs.iter().find(|o| o.name.0 == *name).unwrap();
        let map = OutputMap::new(output, &sections).unwrap();
        assert_eq!(map.lookup(0, 0), Some((0, 1024 * i as u32, 0)));
        assert_eq!(
            map.lookup(1023, 975),
            Some((0, 1024 * i as u32 + 1023, 975))
        );
        assert_eq!(map.lookup(1024, 0), None);
    }
}

#[test]
fn kooima_vectors_from_protocols_md() {
    let (pa, pb, pc) = (
        Vec3::new(-1.5, -0.75, -3.0),
        Vec3::new(1.5, -0.75, -3.0),
        Vec3::new(-1.5, 0.75, -3.0),
    );
    let e = off_axis_extents(pa, pb, pc, Vec3::ZERO, 0.1);
    for (got, want) in [(e.l, -0.05), (e.r, 0.05), (e.b, -0.025), (e.t, 0.025)] {
        assert!((got - want).abs() < 1e-6, "{e:?}");
    }
    let e = off_axis_extents(pa, pb, pc, Vec3::new(0.5, 0.25, 0.0), 0.1);
    for (got, want) in [
        (e.l, -0.066667),
        (e.r, 0.033333),
        (e.b, -0.033333),
        (e.t, 0.016667),
    ] {
        assert!((got - want).abs() < 1e-5, "{e:?}");
    }
}

fn ndc(m: bevy::math::Mat4, p: Vec3) -> Vec3 {
    let c = m * p.extend(1.0);
    c.xyz() / c.w
}

proptest! {
    /// For any eye in front of any screen the four corners land on NDC (±1, ±1).
    #[test]
    fn corners_land_on_ndc(ex in -2.0f32..2.0, ey in -1.0f32..2.0, ez in 0.5f32..6.0, yaw in -60.0f32..60.0) {
        let rot = camera_rotation(yaw, 0.0, 0.0);
        let (pa, pb, pc) = (rot * Vec3::new(-1.5, -0.75, -3.0), rot * Vec3::new(1.5, -0.75, -3.0), rot * Vec3::new(-1.5, 0.75, -3.0));
        let pd = pb + (pc - pa);
        let n = rot * Vec3::Z;
        let pe = rot * Vec3::new(0.0, 0.0, -3.0) + n * ez + rot * Vec3::new(ex, ey, 0.0);
        let m = off_axis_projection(pa, pb, pc, pe, 0.1, 100.0);
        for (p, want) in [(pa, (-1.0, -1.0)), (pb, (1.0, -1.0)), (pc, (-1.0, 1.0)), (pd, (1.0, 1.0))] {
            let q = ndc(m, p);
            prop_assert!((q.x - want.0).abs() < 1e-3 && (q.y - want.1).abs() < 1e-3, "{p} -> {q}");
        }
    }

    /// Every canvas pixel of a rotated region maps to a distinct section pixel inside it.
    #[test]
    fn rotated_regions_are_bijective(rotation in prop::sample::select(vec![0u32, 90, 180, 270]), ox in 0u32..20, oy in 0u32..20) {
        let stage = parse_stage(&format!(
            "(sections: [(name: \"s\", shape: Flat(lower_left: (0.0, 0.0, 0.0), lower_right: (0.3, 0.0, 0.0), upper_left: (0.0, 0.2, 0.0)), cabinet: (size_mm: (100.0, 100.0), pixels: (4, 4)))],
              outputs: [(name: \"o\", canvas: (40, 40), regions: [(section: \"s\", offset: ({ox}, {oy}), rotation: {rotation})])])"
        ), "t.stage.ron", None).unwrap();
        let sections = geometries(&stage);
        let map = OutputMap::new(&stage.outputs[0], &sections).unwrap();
        let [w, h] = rotated_size(12, 8, rotation);
        let mut seen = std::collections::HashSet::new();
        for y in 0..40 {
            for x in 0..40 {
                let inside = x >= ox && y >= oy && x < ox + w && y < oy + h;
                match map.lookup(x, y) {
                    Some((0, sx, sy)) => {
                        prop_assert!(inside && sx < 12 && sy < 8);
                        prop_assert!(seen.insert((sx, sy)));
                    }
                    other => prop_assert!(!inside && other.is_none()),
                }
            }
        }
        prop_assert_eq!(seen.len(), 96);
    }
}

#[test]
fn quarter_turn_puts_the_top_left_at_the_top_right() {
    let stage = parse_stage(
        "(sections: [(name: \"s\", shape: Flat(lower_left: (0.0, 0.0, 0.0), lower_right: (0.3, 0.0, 0.0), upper_left: (0.0, 0.2, 0.0)), cabinet: (size_mm: (100.0, 100.0), pixels: (4, 4)))],
          outputs: [(name: \"o\", canvas: (8, 12), regions: [(section: \"s\", rotation: 90)])])",
        "t.stage.ron",
        None,
    )
    .unwrap();
    let map = OutputMap::new(&stage.outputs[0], &geometries(&stage)).unwrap();
    // Turned clockwise, the section's top-left pixel ends up top-right on the canvas.
    assert_eq!(map.lookup(7, 0), Some((0, 0, 0)));
    assert_eq!(map.lookup(0, 0), Some((0, 0, 7)));
    assert_eq!(map.lookup(7, 11), Some((0, 11, 0)));
}

#[test]
fn camera_angles_follow_the_documented_conventions() {
    let forward = |pan, tilt| camera_rotation(pan, tilt, 0.0) * Vec3::NEG_Z;
    assert!(close(forward(0.0, 0.0), Vec3::NEG_Z));
    assert!(close(forward(90.0, 0.0), Vec3::X), "pan right");
    assert!(forward(0.0, 10.0).y > 0.17, "tilt up");
    let up = camera_rotation(0.0, 0.0, 90.0) * Vec3::Y;
    assert!(
        close(up, Vec3::X),
        "roll clockwise from behind: up turns to the right"
    );
}

#[test]
fn lens_fov_vectors() {
    let fov = |f: f32, s: f32| {
        LensDef::Focal {
            focal_mm: backlot_scene::format::Positive(f),
            sensor_width_mm: backlot_scene::format::Positive(s),
        }
        .horizontal_fov_deg()
    };
    assert!((fov(35.0, 36.0) - 54.4322).abs() < 1e-3);
    assert!((fov(50.0, 36.0) - 39.5978).abs() < 1e-3);
    assert!((fov(35.0, 24.89) - 39.1479).abs() < 1e-3);
}

const SECTION: &str = "(name: \"wall\", shape: Flat(lower_left: (-1.0, 0.0, -3.0), lower_right: (1.0, 0.0, -3.0), upper_left: (-1.0, 1.0, -3.0)), cabinet: (size_mm: (500.0, 500.0), pixels: (100, 100)))";

fn error_of(src: &str) -> FileError {
    match parse_stage(src, "bad.stage.ron", None) {
        Ok(_) => panic!("accepted:\n{src}"),
        Err(FileErrors(mut e)) => {
            assert_eq!(e.len(), 1, "{e:?}");
            e.remove(0)
        }
    }
}

#[test]
fn overlapping_regions_point_at_the_second() {
    let e = error_of(&format!(
        "(\n  sections: [{SECTION}],\n  outputs: [(name: \"o\", canvas: (1920, 1080), regions: [\n    (section: \"wall\"),\n    (section: \"wall\", offset: (100, 100)),\n  ])],\n)"
    ));
    assert_eq!((e.line, e.col), (5, 6), "{e}");
    assert!(e.message.contains("overlaps region 1"), "{e}");
}

#[test]
fn region_outside_section_or_canvas() {
    let e = error_of(&format!(
        "(\n  sections: [{SECTION}],\n  outputs: [(name: \"o\", canvas: (1920, 1080), regions: [\n    (section: \"wall\", source: (300, 0, 200, 100)),\n  ])],\n)"
    ));
    assert_eq!((e.line, e.col), (4, 6), "{e}");
    assert!(e.message.contains("outside section `wall`"), "{e}");
    let e = error_of(&format!(
        "(\n  sections: [{SECTION}],\n  outputs: [(name: \"o\", canvas: (300, 300), regions: [\n    (section: \"wall\", offset: (200, 0)),\n  ])],\n)"
    ));
    assert_eq!((e.line, e.col), (4, 6), "{e}");
    assert!(e.message.contains("runs off the 300x300 canvas"), "{e}");
}

#[test]
fn unknown_section_is_named() {
    let e = error_of(&format!(
        "(\n  sections: [{SECTION}],\n  outputs: [(name: \"o\", canvas: (1920, 1080), regions: [\n    (section: \"floor\"),\n  ])],\n)"
    ));
    assert_eq!((e.line, e.col), (4, 6), "{e}");
    assert!(e.message.contains("unknown section `floor`"), "{e}");
}

#[test]
fn zero_size_cabinet_is_refused() {
    let e = error_of(
        "(\n  sections: [(name: \"w\", shape: Flat(lower_left: (0.0, 0.0, 0.0), lower_right: (1.0, 0.0, 0.0), upper_left: (0.0, 1.0, 0.0)),\n    cabinet: (size_mm: (0.0, 500.0), pixels: (100, 100)))],\n  outputs: [],\n)",
    );
    assert_eq!((e.line, e.col), (3, 25), "{e}");
    let e = error_of(
        "(\n  sections: [(name: \"w\", shape: Flat(lower_left: (0.0, 0.0, 0.0), lower_right: (1.0, 0.0, 0.0), upper_left: (0.0, 1.0, 0.0)),\n    cabinet: (size_mm: (500.0, 500.0), pixels: (0, 100)))],\n  outputs: [],\n)",
    );
    assert_eq!((e.line, e.col), (3, 5), "{e}");
    assert!(e.message.contains("at least one pixel"), "{e}");
}

#[test]
fn partial_cabinets_and_bent_corners_are_refused() {
    let e = error_of(
        "(\n  sections: [(name: \"w\", shape: Flat(lower_left: (0.0, 0.0, 0.0), lower_right: (1.2, 0.0, 0.0), upper_left: (0.0, 1.0, 0.0)),\n    cabinet: (size_mm: (500.0, 500.0), pixels: (100, 100)))],\n  outputs: [],\n)",
    );
    assert!(e.message.contains("2.400 cabinets"), "{e}");
    let e = error_of(
        "(\n  sections: [(name: \"w\", shape: Flat(lower_left: (0.0, 0.0, 0.0), lower_right: (1.0, 0.0, 0.0), upper_left: (0.3, 1.0, 0.0)),\n    cabinet: (size_mm: (500.0, 500.0), pixels: (100, 100)))],\n  outputs: [],\n)",
    );
    assert_eq!(e.line, 2, "{e}");
    assert!(e.message.contains("rectangle"), "{e}");
}

#[test]
fn duplicate_names_and_camera_ids() {
    let e = error_of(&format!(
        "(\n  sections: [{SECTION}],\n  outputs: [(name: \"wall\", canvas: (1920, 1080), regions: [])],\n)"
    ));
    assert!(e.message.contains("duplicate name `wall`"), "{e}");
    let e = error_of(&format!(
        "(\n  sections: [{SECTION}],\n  outputs: [],\n  cameras: [\n    (id: 1, lens: Fov(40.0)),\n    (id: 1, lens: Fov(50.0)),\n  ],\n)"
    ));
    assert_eq!((e.line, e.col), (6, 6), "{e}");
}

proptest! {
    /// A ray aimed at any LED pixel finds that same pixel again, on flat and curved sections.
    #[test]
    fn rays_find_the_pixel_they_aim_at(fx in 0.01f32..0.99, fy in 0.01f32..0.99, ex in -1.0f32..1.0, ey in 0.5f32..2.5) {
        for stage in ["flat_wall.stage.ron", "curved_volume.stage.ron"] {
            let stage = load(stage);
            let sections = geometries(&stage);
            let g = &sections[0].1;
            let (x, y) = (fx * g.resolution[0] as f32, fy * g.resolution[1] as f32);
            let target = g.position(x, y);
            let eye = Vec3::new(ex, ey, 0.5);
            let hit = g.intersect(eye, (target - eye).normalize());
            prop_assert!(hit.is_some(), "{target} missed from {eye}");
            let (t, hx, hy) = hit.unwrap_or_default();
            prop_assert!((t - (target - eye).length()).abs() < 1e-3);
            prop_assert!((hx - x).abs() < 0.05 && (hy - y).abs() < 0.05, "({hx}, {hy}) vs ({x}, {y})");
        }
    }
}

#[test]
fn absurd_canvas_is_refused() {
    let e = error_of(&format!(
        "(\n  sections: [{SECTION}],\n  outputs: [(name: \"o\", canvas: (100000, 1080), regions: [])],\n)"
    ));
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("larger than 8192x8192"), "{e}");
}

#[test]
fn brown_conrady_vector_and_inverse() {
    let d = Distortion {
        k1: -0.1,
        k2: 0.01,
        p1: 0.001,
        p2: -0.0005,
        ..Distortion::default()
    };
    let (x, y) = d.apply(0.3, 0.2);
    assert!(
        (x - 0.296_115_7).abs() < 1e-6 && (y - 0.197_583_8).abs() < 1e-6,
        "{x} {y}"
    );
    let (ux, uy) = d.undistort(x, y);
    assert!((ux - 0.3).abs() < 1e-5 && (uy - 0.2).abs() < 1e-5);
    // Barrel distortion shows more than the pinhole view: overscan must grow; none, none.
    let half_w = (20f32.to_radians()).tan();
    let extra = d.covering_overscan_pct(half_w, 16.0 / 9.0);
    assert!(extra > 0.5 && extra < 5.0, "{extra}");
    assert_eq!(
        Distortion::default().covering_overscan_pct(half_w, 16.0 / 9.0),
        0.0
    );
    // Pincushion pulls the border in: nothing extra needed.
    let pin = Distortion {
        k1: 0.1,
        ..Distortion::default()
    };
    assert!(pin.covering_overscan_pct(half_w, 16.0 / 9.0) < 1e-3);
}

#[test]
fn lens_tables_interpolate() {
    let stage = load("curved_volume.stage.ron");
    let lens = &stage.cameras[0].lens;
    let wide = lens.evaluate(0.0, 0.0);
    assert!((wide.focal_mm - 35.0).abs() < 1e-4);
    assert!((wide.hfov_deg - 39.1479).abs() < 1e-3, "Super 35 at 35 mm");
    assert!((lens.horizontal_fov_deg() - 39.1479).abs() < 1e-3);
    let quarter = lens.evaluate(0.25, 0.75);
    assert!((quarter.focal_mm - 47.5).abs() < 1e-4);
    assert!((quarter.distortion.k1 - -0.02).abs() < 1e-6);
    assert!((quarter.focus_distance_m.expect("focus") - 501.0).abs() < 1e-3);
    // Clamped beyond the calibrated range.
    assert!((lens.evaluate(2.0, 0.0).focal_mm - 105.0).abs() < 1e-4);
    assert!((hfov_from_focal(focal_from_hfov(40.0, 36.0), 36.0) - 40.0).abs() < 1e-4);
}

#[test]
fn shipped_stages_track_camera_one_on_freed_40000_and_osc_9000() {
    for name in ["flat_wall.stage.ron", "curved_volume.stage.ron"] {
        let stage = load(name);
        let cam = stage.cameras.iter().find(|c| c.id == 1).expect("camera 1");
        let tracking = cam.tracking.as_ref().expect("tracked");
        let mut ports = Vec::new();
        for source in &tracking.sources {
            let t = stage
                .trackers
                .iter()
                .find(|t| t.name.0 == *source)
                .expect("tracker");
            ports.push(match &t.protocol {
                TrackerProtocol::FreeD { vendor, port, .. } => {
                    ("freed", port.unwrap_or(vendor.port()))
                }
                TrackerProtocol::Osc { port } => ("osc", *port),
            });
        }
        ports.sort();
        assert_eq!(ports, vec![("freed", 40000), ("osc", 9000)], "{name}");
    }
}

#[test]
fn bad_tracking_setups_point_at_the_problem() {
    let base = |trackers: &str, camera: &str| {
        format!(
            "(\n  sections: [{SECTION}],\n  outputs: [],\n  trackers: [\n{trackers}\n  ],\n  cameras: [\n{camera}\n  ],\n)"
        )
    };
    let e = error_of(&base(
        "    (name: \"a\", protocol: FreeD()),",
        "    (id: 1, lens: Fov(40.0), tracking: Some((sources: [\"b\"]))),",
    ));
    assert_eq!((e.line, e.col), (8, 56), "{e}");
    assert!(
        e.message
            .contains("tracker `b`, which the stage does not define"),
        "{e}"
    );
    let e = error_of(&base(
        "    (name: \"a\", protocol: FreeD()),\n    (name: \"b\", protocol: FreeD(port: Some(40000))),",
        "",
    ));
    assert_eq!(e.line, 6, "{e}");
    assert!(
        e.message.contains("udp port 40000") || e.message.contains("UDP port 40000"),
        "{e}"
    );
    let e = error_of(&base(
        "    (name: \"a\", protocol: FreeD(zoom_range: Some((100, 100)))),",
        "",
    ));
    assert!(e.message.contains("zoom_range"), "{e}");
    let e = error_of(&base(
        "",
        "    (id: 1, lens: Table(sensor_width_mm: 36.0, zoom: [(zoom: 0.5, focal_mm: 50.0), (zoom: 0.2, focal_mm: 24.0)])),",
    ));
    assert_eq!((e.line, e.col), (8, 19), "{e}");
    assert!(e.message.contains("sorted"), "{e}");
    let e = error_of(&base(
        "",
        "    (id: 1, lens: Table(sensor_width_mm: 36.0, zoom: [])),",
    ));
    assert!(e.message.contains("at least one zoom point"), "{e}");
    let e = error_of(&base(
        "    (name: \"a\", protocol: Osc(port: 9000), calibration: (scale: -1.0)),",
        "",
    ));
    assert_eq!(e.line, 5, "{e}");
}
