//! `backlot render` through Mesa lavapipe (or whatever Vulkan device exists): real frames.

use std::path::Path;

use bevy::math::{Mat4, Vec3, Vec4Swizzles};

use crate::support::{backlot, load_rgb, run, temp_dir, text};

const W: u32 = 640;
const H: u32 = 360;

fn render(scene: &str, frames: u32, out: &Path) {
    let result = run(backlot()
        .args([
            "render",
            "--scene",
            scene,
            "--frames",
            &frames.to_string(),
            "--size",
            &format!("{W}x{H}"),
            "--out",
        ])
        .arg(out));
    assert!(result.status.success(), "{}", text(&result));
    for i in 0..frames {
        assert!(
            out.join(format!("view-{i:04}.png")).is_file(),
            "frame {i} missing"
        );
    }
}

/// Pixel position of a world point for a camera at `eye` looking at `target`.
fn project(eye: Vec3, target: Vec3, fov_deg: f32, point: Vec3) -> (u32, u32) {
    let view = Mat4::look_at_rh(eye, target, Vec3::Y);
    let proj = Mat4::perspective_rh(fov_deg.to_radians(), W as f32 / H as f32, 0.1, 2000.0);
    let clip = proj * view * point.extend(1.0);
    let ndc = clip.xyz() / clip.w;
    let x = (ndc.x * 0.5 + 0.5) * W as f32;
    let y = (1.0 - (ndc.y * 0.5 + 0.5)) * H as f32;
    (x.round() as u32, y.round() as u32)
}

fn assert_not_uniform(img: &image::RgbImage) {
    let first = *img.get_pixel(0, 0);
    let differing = img.pixels().filter(|p| **p != first).count();
    assert!(
        differing > (W * H / 10) as usize,
        "image is nearly uniform ({differing} differing pixels)"
    );
}

/// Pixels in a square window around `(x, y)`.
fn window(img: &image::RgbImage, (x, y): (u32, u32), r: u32) -> Vec<[u8; 3]> {
    let mut out = Vec::new();
    for yy in y.saturating_sub(r)..=(y + r).min(H - 1) {
        for xx in x.saturating_sub(r)..=(x + r).min(W - 1) {
            out.push(img.get_pixel(xx, yy).0);
        }
    }
    out
}

#[test]
fn neon_club_renders_its_neon_deterministically() {
    let out = temp_dir("neon");
    render("scenes/neon_club.scene.ron", 3, &out);
    let frame0 = load_rgb(&out.join("view-0000.png"));
    let frame2 = load_rgb(&out.join("view-0002.png"));
    assert_not_uniform(&frame0);
    let dark = frame0
        .pixels()
        .filter(|p| p.0.iter().all(|c| *c < 40))
        .count();
    assert!(
        dark > (W * H / 4) as usize,
        "a club should be mostly dark, {dark} dark pixels"
    );

    // The pink outer neon ring's left edge (emissive #ff2a7a) glows pink.
    let eye = Vec3::new(0.0, 1.55, 7.2);
    let target = Vec3::new(0.0, 1.7, -2.0);
    let at = project(eye, target, 48.0, Vec3::new(-1.6, 3.4, -5.25));
    let pink = window(&frame0, at, 4)
        .into_iter()
        .filter(|[r, g, b]| *r > 170 && (*r as i32) > *g as i32 + 50 && *b > *g)
        .count();
    assert!(
        pink >= 3,
        "no pink neon near {at:?}: {:?}",
        window(&frame0, at, 1)
    );
    // The room's far corner is dark.
    let corner = window(&frame0, (3, 3), 2);
    assert!(
        corner.iter().all(|p| p.iter().all(|c| *c < 60)),
        "{corner:?}"
    );

    // Animations and physics move between frames.
    assert_ne!(
        frame0, frame2,
        "frames 0 and 2 are identical: nothing animates"
    );

    // The same command gives the same pixels, up to contact jitter of resting rigid bodies
    // (a handful of pixels, a few levels): everything else is bit-exact.
    let again = temp_dir("neon-again");
    render("scenes/neon_club.scene.ron", 3, &again);
    for i in 0..3 {
        let name = format!("view-{i:04}.png");
        let a = load_rgb(&out.join(&name));
        let b = load_rgb(&again.join(&name));
        let diffs: Vec<u8> = a
            .pixels()
            .zip(b.pixels())
            .filter(|(p, q)| p != q)
            .map(|(p, q)| {
                p.0.iter()
                    .zip(q.0.iter())
                    .map(|(x, y)| x.abs_diff(*y))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let max_diff = diffs.iter().copied().max().unwrap_or(0);
        assert!(
            diffs.len() < (W * H / 1000) as usize && max_diff <= 8,
            "{name} differs between runs: {} pixels, up to {max_diff} levels",
            diffs.len()
        );
    }
}

#[test]
fn desert_road_renders_sky_and_sign() {
    let out = temp_dir("desert");
    render("scenes/desert_road.scene.ron", 1, &out);
    let img = load_rgb(&out.join("view-0000.png"));
    assert_not_uniform(&img);
    // Sky at the top of frame is blue: more blue than red.
    let sky = window(&img, (W / 2, 4), 3);
    assert!(
        sky.iter().all(|[r, _, b]| b > r),
        "sky is not blue: {:?}",
        &sky[..3]
    );
    // The yellow diamond road sign.
    let eye = Vec3::new(-1.2, 1.3, 9.0);
    let target = Vec3::new(0.6, 1.6, -20.0);
    let at = project(eye, target, 38.0, Vec3::new(5.2, 2.5, -11.97));
    let sign = window(&img, at, 1);
    assert!(
        sign.iter()
            .all(|[r, g, b]| *r > 110 && *g > 80 && (*b as f32) < *g as f32 * 0.7),
        "sign at {at:?} is not yellow: {sign:?}"
    );
}

/// An output folder that cannot be made (under a regular file, which not even root can get
/// around) is a clear message and exit 1, not a panic, whether or not a GPU is there.
#[test]
fn an_unwritable_output_folder_is_a_clear_error() {
    let dir = temp_dir("render-unwritable");
    let file = dir.join("a-file");
    std::fs::write(&file, "not a folder").expect("file");
    let out = file.join("frames");
    let result = run(backlot()
        .args(["render", "--scene", "scenes/neon_club.scene.ron"])
        .args(["--frames", "2", "--size", "64x36", "--out"])
        .arg(&out));
    let said = text(&result);
    assert_eq!(result.status.code(), Some(1), "{said}");
    assert!(said.contains("render failed"), "{said}");
    assert!(said.contains("cannot create folder"), "{said}");
    assert!(said.contains(&out.display().to_string()), "{said}");
    assert!(!said.contains("panicked"), "{said}");
}
