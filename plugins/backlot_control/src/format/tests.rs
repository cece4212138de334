//! Map files: the shipped map, bad maps with positions, atomic saves, learned bindings spliced
//! into the user's text, and saves refused over a broken file or into an unwritable folder.
//! (Panel saves and the splicing of other changes: `patch_tests.rs`.)

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

/// A hand-written map: comments of every kind, a trailing comment on the last binding.
const COMMENTED: &str = r#"// My surface. Keep this comment.
(
    midi: (
        inputs: ["nanoKONTROL"], // the small one
        bindings: [
            // Fader 1.
            (control: Cc(channel: 1, cc: 7), target: "/scene/lights/key/intensity", slew_ms: 50.0),
            /* Pad 37 toggles the key light. */
            (control: Note(channel: 10, note: 37, mode: Toggle), target: "/scene/lights/key/enabled"), // pad
        ],
    ),
)
"#;

pub(super) const FOG: &str = r#"(control: Cc(channel: 2, cc: 20), target: "/scene/fog/density")"#;

fn learned(control: MidiControl, target: &str) -> MidiBinding {
    MidiBinding {
        control,
        target: target.into(),
        slew_ms: 0.0,
        pickup: true,
        feedback: true,
        priority: 0,
    }
}

pub(super) fn fog() -> MidiBinding {
    learned(MidiControl::Cc { channel: 2, cc: 20 }, "/scene/fog/density")
}

pub(super) fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("backlot-map-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Temp and backup files anywhere under `dir` (unreadable folders are skipped).
pub(super) fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.contains(".tmp") || name.ends_with(".bak") {
            found.push(path.clone());
        }
        if path.is_dir() {
            found.extend(leftovers(&path));
        }
    }
    found
}

#[test]
fn learned_bindings_keep_the_users_comments_and_layout() {
    let dir = temp_dir("splice");
    let path = dir.join("surface.map.ron");
    std::fs::write(&path, COMMENTED).expect("write");
    let whole = parse_map(COMMENTED, "surface.map.ron").expect("parses");
    // A new control joins the end of the list, indented like the others.
    let saved = save_learned_bindings(&[fog()], &whole, &path).expect("saved");
    assert_eq!(saved, Saved::Spliced);
    let text = std::fs::read_to_string(&path).expect("read");
    for kept in [
        "// My surface. Keep this comment.",
        "// the small one",
        "// Fader 1.",
        "/* Pad 37 toggles the key light. */",
        "\"/scene/lights/key/enabled\"), // pad\n",
    ] {
        assert!(text.contains(kept), "`{kept}` lost:\n{text}");
    }
    assert!(
        text.contains(&format!("// pad\n            {FOG},\n        ],")),
        "{text}"
    );
    let mut expected = whole.clone();
    expected.midi.bindings.push(fog());
    assert_eq!(parse_map_file(&path).expect("parses"), expected);
    // A control for a target already bound takes that binding's place; nothing else moves.
    let pad = learned(
        MidiControl::Note {
            channel: 1,
            note: 60,
            mode: NoteMode::Toggle,
        },
        "/scene/lights/key/enabled",
    );
    save_learned_bindings(std::slice::from_ref(&pad), &whole, &path).expect("saved");
    let after = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        after,
        text.replace(
            "(control: Note(channel: 10, note: 37, mode: Toggle), target: \"/scene/lights/key/enabled\")",
            "(control: Note(channel: 1, note: 60, mode: Toggle), target: \"/scene/lights/key/enabled\")",
        )
    );
    assert_eq!(parse_map_file(&path).expect("parses").midi.bindings[1], pad);
    // Learning what the file already says writes nothing.
    assert_eq!(
        save_learned_bindings(&[pad], &whole, &path).expect("saved"),
        Saved::Unchanged
    );
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn splices_follow_the_lists_layout() {
    let cases = [
        ("(midi: (bindings: []))", "(midi: (bindings: [FOG]))"),
        (
            "(midi: (bindings: [(control: Cc(channel: 1, cc: 7), target: \"/a\")]))",
            "(midi: (bindings: [(control: Cc(channel: 1, cc: 7), target: \"/a\"), FOG]))",
        ),
        (
            "(midi: (bindings: [(control: Cc(channel: 1, cc: 7), target: \"/a\"),]))",
            "(midi: (bindings: [(control: Cc(channel: 1, cc: 7), target: \"/a\"), FOG,]))",
        ),
        (
            "#![enable(implicit_some)]\n(\n  midi: MidiDef(\n    bindings: [\n    ],\n  ),\n)\n",
            "#![enable(implicit_some)]\n(\n  midi: MidiDef(\n    bindings: [\n        FOG,\n    ],\n  ),\n)\n",
        ),
        (
            "(\n  midi: (\n    bindings: [\n      (control: Cc(channel: 1, cc: 7), target: \"/a\")\n    ],\n  ),\n)",
            "(\n  midi: (\n    bindings: [\n      (control: Cc(channel: 1, cc: 7), target: \"/a\"),\n      FOG,\n    ],\n  ),\n)",
        ),
        (
            // Strings and comments holding brackets and field names do not mislead it.
            "(osc: (feedback: [\"a]b:1\"]), /* midi: ( */ midi: (bindings: [ // ]\n]))",
            "(osc: (feedback: [\"a]b:1\"]), /* midi: ( */ midi: (bindings: [ // ]\n    FOG,\n]))",
        ),
    ];
    for (before, after) in cases {
        let old = parse_map(before, "t.map.ron").unwrap_or_else(|e| panic!("{before}: {e}"));
        let mut new = old.clone();
        new.midi.bindings.push(fog());
        let got = super::patch::patch_map(before, &old, &new).expect(before);
        assert_eq!(got, after.replace("FOG", FOG));
        assert_eq!(parse_map(&got, "t").expect("parses"), new);
    }
    // Every kind of control, and every field away from its default, reads back as learned.
    for control in [
        MidiControl::Cc { channel: 3, cc: 4 },
        MidiControl::Cc14 {
            channel: 16,
            cc: 31,
        },
        MidiControl::Nrpn {
            channel: 2,
            number: 300,
        },
        MidiControl::Note {
            channel: 10,
            note: 36,
            mode: NoteMode::Trigger,
        },
        MidiControl::PitchBend { channel: 8 },
        MidiControl::Program { channel: 1 },
    ] {
        let b = MidiBinding {
            slew_ms: 12.5,
            pickup: false,
            feedback: false,
            priority: -2,
            ..learned(control, "/x \"quoted\"")
        };
        let src = "(midi: (bindings: []))";
        let old = parse_map(src, "t").expect("parses");
        let mut new = old.clone();
        new.midi.bindings.push(b.clone());
        let got = super::patch::patch_map(src, &old, &new).expect("splices");
        assert_eq!(parse_map(&got, "t").expect(&got).midi.bindings, vec![b]);
    }
}

#[test]
fn a_map_without_the_list_gains_it_and_keeps_its_comments() {
    let dir = temp_dir("no-midi");
    let path = dir.join("osc.map.ron");
    let original = "// OSC only.\n(osc: (unit_scale: true))\n";
    std::fs::write(&path, original).expect("write");
    let whole = parse_map(original, "osc.map.ron").expect("parses");
    let saved = save_learned_bindings(&[fog()], &whole, &path).expect("saved");
    assert_eq!(saved, Saved::Spliced);
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        format!("// OSC only.\n(osc: (unit_scale: true), midi: (bindings: [{FOG}]))\n")
    );
    let mut expected = whole;
    expected.midi.bindings.push(fog());
    assert_eq!(parse_map_file(&path).expect("parses"), expected);
    assert!(
        leftovers(&dir).is_empty(),
        "no backup: {:?}",
        leftovers(&dir)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_broken_file_on_disk_is_never_saved_over() {
    let dir = temp_dir("broken");
    let path = dir.join("surface.map.ron");
    // The user's edit in progress: a parenthesis not yet typed.
    let broken = COMMENTED.replace("cc: 7)", "cc: 7");
    std::fs::write(&path, &broken).expect("write");
    let whole = parse_map(COMMENTED, "surface.map.ron").expect("the last good map");
    let e = save_learned_bindings(&[fog()], &whole, &path).expect_err("refused");
    assert!(matches!(e, SaveError::Broken { .. }), "{e}");
    let at = format!("map file has errors at {}:", path.display());
    assert!(e.to_string().starts_with(&at), "{e}");
    let e = save_map(&whole, &path).expect_err("refused");
    assert!(matches!(e, SaveError::Broken { .. }), "{e}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        broken,
        "byte for byte"
    );
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    let _ = std::fs::remove_dir_all(dir);
}

/// A map path in a folder that cannot be written: a read-only folder holding the map, or (as
/// root, where permissions do not stop writes) a path under a regular file. Also the file
/// whose bytes must not change.
fn unwritable_map(dir: &Path) -> (PathBuf, PathBuf) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.join("read-only");
        std::fs::create_dir_all(&ro).expect("dir");
        let path = ro.join("surface.map.ron");
        std::fs::write(&path, COMMENTED).expect("write");
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).expect("chmod");
        if std::fs::write(ro.join("probe"), b"").is_err() {
            return (path.clone(), path);
        }
        let _ = std::fs::remove_file(ro.join("probe"));
        let _ = std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755));
    }
    let file = dir.join("not-a-folder");
    std::fs::write(&file, COMMENTED).expect("file");
    (file.join("surface.map.ron"), file)
}

#[test]
fn a_save_into_an_unwritable_folder_fails_and_leaves_nothing_behind() {
    let dir = temp_dir("read-only");
    let (path, original) = unwritable_map(&dir);
    let before = std::fs::read(&original).expect("read");
    let whole = parse_map(COMMENTED, "surface.map.ron").expect("parses");
    let e = save_learned_bindings(&[fog()], &whole, &path).expect_err("cannot write");
    assert!(e.to_string().contains(&path.display().to_string()), "{e}");
    let mut changed = whole.clone();
    changed.midi.bindings.clear();
    let e = save_map(&changed, &path).expect_err("cannot write");
    assert!(e.to_string().contains("surface.map.ron"), "{e}");
    assert_eq!(std::fs::read(&original).expect("read"), before, "untouched");
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.join("read-only");
        let _ = std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755));
    }
    let _ = std::fs::remove_dir_all(dir);
}
