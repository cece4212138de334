//! Map files: the shipped map, bad maps with positions, atomic saves.

use std::path::{Path, PathBuf};

use super::*;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn default_map_patches_the_key_light() {
    let map = parse_map_file(&repo().join("scenes/maps/default.map.ron"))
        .unwrap_or_else(|e| panic!("{e}"));
    let u = &map.dmx.universes[0];
    assert_eq!((u.id, u.artnet, u.sacn), (1, Some(1), Some(1)));
    let key = &map.dmx.fixtures[0];
    assert_eq!(
        (key.universe, key.address, key.profile),
        (1, 1, FixtureProfile::DimmerRgb)
    );
    assert_eq!(key.light.as_deref(), Some("key"));
    assert!(!map.midi.bindings.is_empty() && !map.osc.bindings.is_empty());
}

fn error_of(src: &str) -> backlot_scene::format::FileError {
    match parse_map(src, "bad.map.ron") {
        Ok(_) => panic!("accepted:\n{src}"),
        Err(backlot_scene::format::FileErrors(mut e)) => {
            assert_eq!(e.len(), 1, "{e:?}");
            e.remove(0)
        }
    }
}

#[test]
fn bad_maps_point_at_the_problem() {
    let e = error_of(
        "(\n  midi: (bindings: [\n    (control: Cc(channel: 17, cc: 7), target: \"/x\"),\n  ]),\n)",
    );
    assert_eq!((e.line, e.col), (3, 6), "{e}");
    assert!(e.message.contains("channel 17"), "{e}");
    let e = error_of(
        "(\n  midi: (bindings: [\n    (control: Cc(channel: 1, cc: 7), target: \"/x\"),\n    (control: Cc(channel: 1, cc: 7), target: \"/y\"),\n  ]),\n)",
    );
    assert_eq!(e.line, 4, "{e}");
    assert!(e.message.contains("already bound"), "{e}");
    let e = error_of(
        "(\n  dmx: (universes: [(id: 1)], fixtures: [\n    (name: \"a\", universe: 1, address: 510, profile: DimmerRgb, light: Some(\"key\")),\n  ]),\n)",
    );
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("510..513"), "{e}");
    let e = error_of(
        "(\n  dmx: (universes: [(id: 1)], fixtures: [\n    (name: \"a\", universe: 1, address: 1, profile: Rgb, light: Some(\"key\")),\n    (name: \"b\", universe: 1, address: 3, profile: Dimmer, light: Some(\"fill\")),\n  ]),\n)",
    );
    assert_eq!(e.line, 4, "{e}");
    assert!(e.message.contains("already used by fixture `a`"), "{e}");
    let e = error_of(
        "(\n  dmx: (universes: [(id: 1)], fixtures: [(name: \"a\", universe: 2, address: 1, profile: Dimmer, light: Some(\"k\"))]),\n)",
    );
    assert!(e.message.contains("universe 2 is not in"), "{e}");
    let e = error_of("(\n  osc: (feedback: [\"nowhere\"]),\n)");
    assert_eq!((e.line, e.col), (2, 20), "{e}");
    let e = error_of("(\n  osc: (bindings: [(address: \"/a\", target: \"/b\", slew)]),\n)");
    assert_eq!(e.line, 2, "{e}");
    let e = error_of("(\n  midi: (bindings: [(control: Fader(1), target: \"/b\")]),\n)");
    assert_eq!(e.line, 2, "{e}");
}

#[test]
fn saves_are_atomic_and_round_trip() {
    let dir = std::env::temp_dir().join(format!("backlot-map-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("learned.map.ron");
    let mut map = parse_map_file(&repo().join("scenes/maps/default.map.ron")).expect("default");
    map.midi.bindings.push(MidiBinding {
        control: MidiControl::Cc { channel: 2, cc: 20 },
        target: "/scene/fog/density".into(),
        slew_ms: 0.0,
        pickup: true,
        feedback: true,
        priority: 0,
    });
    save_map(&map, &path).expect("save");
    assert_eq!(parse_map_file(&path).expect("reparse"), map);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}
