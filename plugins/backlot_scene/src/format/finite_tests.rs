//! Scene files refuse NaN and infinity in every float field, each at its own position.

use std::path::{Path, PathBuf};

use super::*;

fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets")
}

const GOOD: &str = r#"(
    lights: [
        (name: "NaN", kind: Point(), intensity: 800.0, position: (0.0, 3.0, 2.0)),
    ],
    entities: [
        (name: "inf", shape: Plane(size: (10.0, 10.0)), rotation: (0.0, 45.0, 0.0)),
    ],
)"#;

/// `GOOD` with the first `from` after `anchor` replaced by `to`: the error it gives.
fn error_with(anchor: &str, from: &str, to: &str) -> (FileError, (usize, usize)) {
    let a = GOOD.find(anchor).expect("anchor in the text");
    let at = a + GOOD[a..].find(from).expect("value after the anchor");
    let src = format!("{}{to}{}", &GOOD[..at], &GOOD[at + from.len()..]);
    match parse_scene(&src, "bad.scene.ron", Some(&assets())) {
        Ok(_) => panic!("accepted:\n{src}"),
        Err(FileErrors(mut errors)) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            (errors.remove(0), line_col(&src, at))
        }
    }
}

#[test]
fn names_that_spell_nan_and_inf_are_only_strings() {
    let scene = parse_scene(GOOD, "good.scene.ron", Some(&assets())).expect("good scene");
    assert_eq!(scene.lights[0].name.0, "NaN");
    assert_eq!(scene.entities[0].name.0, "inf");
}

#[test]
fn nan_light_intensity_is_refused_at_its_position() {
    let (e, at) = error_with("intensity", "800.0", "NaN");
    assert_eq!((e.line, e.col), at, "{e}");
    assert_eq!((e.line, e.col), (3, 49), "{e}");
    assert!(
        e.message.contains("must be a finite number, not NaN/inf"),
        "{e}"
    );
    assert!(e.to_string().starts_with("bad.scene.ron:3:49: "), "{e}");
}

#[test]
fn infinite_parts_of_raw_vectors_are_refused() {
    let (e, at) = error_with("position", "3.0", "-inf");
    assert_eq!((e.line, e.col), at, "{e}");
    assert!(
        e.message.contains("must be a finite number, not NaN/inf"),
        "{e}"
    );
    let (e, at) = error_with("rotation", "45.0", "inff32");
    assert_eq!((e.line, e.col), at, "{e}");
    let (e, at) = error_with("size", "10.0", "+NaN");
    assert_eq!((e.line, e.col), at, "{e}");
}

#[test]
fn a_literal_beyond_f32_is_refused_as_infinite() {
    let (e, at) = error_with("position", "2.0", "1e39");
    assert_eq!((e.line, e.col), at, "{e}");
    assert!(e.message.contains("`1e39` is too large"), "{e}");
}
