//! Parsing and validation: every shipped example, every bad case with its exact position.

use std::path::{Path, PathBuf};

use super::*;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn assets() -> PathBuf {
    repo().join("assets")
}

/// Parses `src` and returns the single error as `line:col: message`.
fn error_of(src: &str) -> FileError {
    match parse_scene(src, "bad.scene.ron", Some(&assets())) {
        Ok(_) => panic!("accepted:\n{src}"),
        Err(FileErrors(mut errors)) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            errors.remove(0)
        }
    }
}

#[test]
fn every_example_scene_parses_with_a_key_light() {
    let mut count = 0;
    for entry in std::fs::read_dir(repo().join("scenes")).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".scene.ron") {
            continue;
        }
        let scene = parse_scene_file(&path, Some(&assets())).unwrap_or_else(|e| panic!("{e}"));
        let specs = scene_param_specs(&scene);
        let find = |a: &str| {
            specs
                .iter()
                .find(|(s, _)| s.address.as_str() == a)
                .map(|(s, _)| s.clone())
        };
        let intensity = find("/scene/lights/key/intensity")
            .unwrap_or_else(|| panic!("{path:?} has no key light"));
        assert_eq!(intensity.kind, backlot_params::ParamKind::Float);
        let color = find("/scene/lights/key/color").unwrap();
        assert_eq!(color.kind, backlot_params::ParamKind::Color);
        // Addresses are unique.
        let mut addresses: Vec<_> = specs.iter().map(|(s, _)| s.address.to_string()).collect();
        let n = addresses.len();
        addresses.sort();
        addresses.dedup();
        assert_eq!(
            addresses.len(),
            n,
            "{path:?} has duplicate parameter addresses"
        );
        count += 1;
    }
    assert!(count >= 2, "expected the two shipped scenes, found {count}");
}

const GOOD: &str = r#"(
    lights: [
        (name: "key", kind: Point(), intensity: 800.0),
    ],
    entities: [
        (name: "floor", shape: Plane(size: (10.0, 10.0))),
    ],
)"#;

#[test]
fn minimal_scene_parses() {
    let scene = parse_scene(GOOD, "good.scene.ron", Some(&assets())).unwrap();
    assert_eq!(scene.lights.len(), 1);
    assert_eq!(scene.entities.len(), 1);
}

#[test]
fn syntax_error_has_position() {
    let e = error_of(
        "(\n    lights: [\n        (name: \"key\" kind: Point(), intensity: 1.0),\n    ],\n)",
    );
    assert_eq!((e.line, e.col), (3, 22), "{e}");
    assert!(e.to_string().starts_with("bad.scene.ron:3:22: "), "{e}");
}

#[test]
fn unknown_field_has_position() {
    let e = error_of(
        "(\n    entities: [\n        (name: \"a\", shape: Sphere(radius: 1.0), colour: Rgb(1.0, 0.0, 0.0)),\n    ],\n)",
    );
    assert_eq!((e.line, e.col), (3, 49), "{e}");
    assert!(e.message.contains("colour"), "{e}");
}

#[test]
fn wrong_type_has_position() {
    let e = error_of(
        "(\n    lights: [\n        (name: \"key\", kind: Point(), intensity: \"bright\"),\n    ],\n)",
    );
    assert_eq!(e.line, 3, "{e}");
    // At the offending value, not the space before it.
    assert_eq!(e.col, 49, "{e}");
}

#[test]
fn stray_text_is_reported_at_its_own_line() {
    // ron stands at the end of the previous line; the report names the stray token.
    let e = error_of("(\n    lights: [],\n    // a comment\n    garbage here\n)");
    assert_eq!((e.line, e.col), (4, 5), "{e}");
}

#[test]
fn negative_size_has_position() {
    let e = error_of(
        "(\n    entities: [\n        (name: \"b\", shape: Box(size: (1.0, -2.0, 1.0))),\n    ],\n)",
    );
    assert_eq!((e.line, e.col), (3, 44), "{e}");
    assert!(e.message.contains("greater than 0"), "{e}");
}

#[test]
fn missing_gltf_has_position() {
    let e = error_of(
        "(\n    entities: [\n        (name: \"car\", shape: Gltf(path: \"models/no_such_car.gltf\")),\n    ],\n)",
    );
    assert_eq!((e.line, e.col), (3, 42), "{e}");
    assert!(
        e.message
            .contains("missing asset file `models/no_such_car.gltf`"),
        "{e}"
    );
}

#[test]
fn unknown_light_kind_has_position() {
    let e = error_of(
        "(\n    lights: [\n        (name: \"key\", kind: Laser(), intensity: 1.0),\n    ],\n)",
    );
    assert_eq!((e.line, e.col), (3, 29), "{e}");
    assert!(e.message.contains("Laser"), "{e}");
}

#[test]
fn duplicate_name_points_at_second() {
    let e = error_of(
        "(\n    entities: [\n        (name: \"box\", shape: Sphere(radius: 1.0)),\n        (name: \"box\", shape: Sphere(radius: 1.0)),\n    ],\n)",
    );
    assert_eq!((e.line, e.col), (4, 17), "{e}");
    assert!(e.message.contains("duplicate name `box`"), "{e}");
}

#[test]
fn out_of_range_value_has_position() {
    let e = error_of(
        "(\n    entities: [\n        (name: \"m\", shape: Sphere(radius: 1.0), material: (roughness: 1.5)),\n    ],\n)",
    );
    assert_eq!((e.line, e.col), (3, 71), "{e}");
    assert!(e.message.contains("between 0 and 1"), "{e}");
}

#[test]
fn dangling_reference_has_position() {
    let e = error_of(
        "(\n    lights: [\n        (name: \"key\", kind: Spot(inner_angle: 10.0, outer_angle: 20.0), intensity: 1.0,\n         target: \"ghost\"),\n    ],\n)",
    );
    assert_eq!((e.line, e.col), (4, 18), "{e}");
    assert!(e.message.contains("`ghost`"), "{e}");
}

#[test]
fn bad_kelvin_and_hex_are_refused() {
    let e = error_of(
        "(\n    lights: [\n        (name: \"key\", kind: Point(), color: Kelvin(200), intensity: 1.0),\n    ],\n)",
    );
    assert!(e.message.contains("1000..40000"), "{e}");
    let e = error_of(
        "(\n    lights: [\n        (name: \"key\", kind: Point(), color: Hex(\"#12345\"), intensity: 1.0),\n    ],\n)",
    );
    assert!(e.message.contains("#rrggbb"), "{e}");
}

#[test]
fn hex_colours_parse_with_or_without_hash_and_refuse_non_hex() {
    let parse = |text: &str| ron::from_str::<ColorDef>(text).map(|c| c.to_srgb());
    let c = parse("Hex(\"#ff8000\")").expect("hex");
    assert_eq!(c, [1.0, 128.0 / 255.0, 0.0]);
    assert_eq!(parse("Hex(\"FF8000\")").expect("bare"), c);
    for bad in [
        "Hex(\"#ff80zz\")",
        "Hex(\"#fff\")",
        "Hex(\"#ff8000ff\")",
        "Hex(\"#ff80é\")",
    ] {
        assert!(parse(bad).is_err(), "{bad} accepted");
    }
}

#[test]
fn gltf_body_needs_collider() {
    let e = error_of(
        "(\n    entities: [\n        (name: \"r\", shape: Gltf(path: \"models/rock.gltf\"),\n         body: (kind: Dynamic)),\n    ],\n)",
    );
    assert_eq!((e.line, e.col), (4, 10), "{e}");
}

#[test]
fn garbage_never_panics() {
    for src in [
        "",
        "(",
        ")",
        "((((",
        "\u{0}\u{1}",
        "(entities: [(name: \"\", shape: Sphere(radius: 1.0))])",
        "(lights: 3)",
    ] {
        assert!(parse_scene(src, "x.scene.ron", None).is_err(), "{src:?}");
    }
}

#[test]
fn sky_image_and_gradient_conflict() {
    let e = error_of(
        "(\n    environment: (\n        background: Gradient(zenith: Rgb(0.0, 0.0, 1.0), horizon: Rgb(1.0, 1.0, 1.0), ground: Rgb(0.5, 0.5, 0.5)),\n        sky_image: (path: \"sky/desert_afternoon.hdr\"),\n    ),\n)",
    );
    assert_eq!(e.line, 4, "{e}");
    assert!(e.message.contains("keep one"), "{e}");
}
