//! The Controls panel's Save: only what changed is spliced into the user's text (comments and
//! layout kept), never over a file that does not parse, and a failed write leaves nothing
//! behind (no temp file, no fresh backup). Also OSC-learned aliases spliced the same way.

use std::path::{Path, PathBuf};

use super::patch::patch_map;
use super::tests::{FOG, fog, leftovers, temp_dir};
use super::*;

/// A hand-written map with comments on and between items of every list the panel edits.
const PANEL: &str = r#"// Stage left desk. Keep this comment.
(
    osc: (
        bindings: [
            // Faders that send 0..1.
            (address: "/look/key", target: "/scene/lights/key/intensity", unit_scale: true), // key
            (address: "/look/fog", target: "/scene/fog/density", slew_ms: 200.0),
        ],
    ),
    midi: (
        bindings: [
            // Fader 1.
            (control: Cc(channel: 1, cc: 7), target: "/scene/lights/key/intensity", slew_ms: 50.0),
            /* Pad 37 toggles the key light. */
            (control: Note(channel: 10, note: 37, mode: Toggle), target: "/scene/lights/key/enabled"),
            // Mackie fader 8.
            (control: PitchBend(channel: 8), target: "/scene/sky/exposure"),
        ],
    ),
)
"#;

/// What an operator does in the panel before pressing Save: two OSC bindings retuned, a MIDI
/// binding removed, another's pickup turned off; and a setting the file leaves out.
fn panel_edits(map: &mut MapFile) {
    map.osc.bindings[0].priority = 2;
    map.osc.bindings[1].slew_ms = 400.0;
    map.midi.bindings.remove(1);
    map.midi.bindings[1].pickup = false;
    map.dmx.artnet = false;
}

/// `PANEL` as `panel_edits` leave it, each change where the user wrote the thing changed.
fn panel_edited() -> String {
    PANEL
        .replace("unit_scale: true), // key", "unit_scale: true, priority: 2), // key")
        .replace("slew_ms: 200.0)", "slew_ms: 400.0)")
        .replace(
            "            (control: Note(channel: 10, note: 37, mode: Toggle), target: \"/scene/lights/key/enabled\"),\n",
            "",
        )
        .replace(
            r#"target: "/scene/sky/exposure")"#,
            r#"target: "/scene/sky/exposure", pickup: false)"#,
        )
        .replace("    ),\n)\n", "    ),\n    dmx: (artnet: false),\n)\n")
}

fn panel_map(dir: &Path) -> (PathBuf, MapFile) {
    let path = dir.join("desk.map.ron");
    std::fs::write(&path, PANEL).expect("write");
    let mut map = parse_map(PANEL, "desk.map.ron").expect("parses");
    panel_edits(&mut map);
    (path, map)
}

#[test]
fn a_panel_save_changes_only_what_changed_and_keeps_the_comments() {
    let dir = temp_dir("panel");
    let (path, map) = panel_map(&dir);
    assert_eq!(save_map(&map, &path).expect("saved"), Saved::Spliced);
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(text, panel_edited());
    for kept in [
        "// Stage left desk. Keep this comment.",
        "// Faders that send 0..1.",
        "// key\n",
        "// Fader 1.",
        "// Mackie fader 8.",
    ] {
        assert!(text.contains(kept), "`{kept}` lost:\n{text}");
    }
    assert_eq!(parse_map_file(&path).expect("parses"), map);
    // Saving again finds nothing to write.
    assert_eq!(save_map(&map, &path).expect("saved"), Saved::Unchanged);
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_panel_save_over_a_broken_file_writes_nothing() {
    let dir = temp_dir("panel-broken");
    let (path, map) = panel_map(&dir);
    // The user's edit in progress: a parenthesis not yet typed.
    let broken = PANEL.replace("cc: 7)", "cc: 7");
    std::fs::write(&path, &broken).expect("write");
    let e = save_map(&map, &path).expect_err("refused");
    assert!(matches!(e, SaveError::Broken { .. }), "{e}");
    let at = format!("map file has errors at {}:", path.display());
    assert!(e.to_string().starts_with(&at), "{e}");
    assert!(e.to_string().contains("fix it before saving"), "{e}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        broken,
        "byte for byte"
    );
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    let _ = std::fs::remove_dir_all(dir);
}

/// Makes the next save on this thread fail part-way, as on a full disk: its temp file is a
/// link to /dev/full (every write: ENOSPC). `false` where there is no /dev/full.
fn fill_disk_for(path: &Path) -> bool {
    let _ = path;
    #[cfg(target_os = "linux")]
    if Path::new("/dev/full").exists() {
        super::save::FULL_DISK.with(|full| full.set(true));
        return true;
    }
    false
}

#[test]
fn a_failed_write_removes_its_temp_file_and_leaves_the_map_as_it_was() {
    let dir = temp_dir("panel-full");
    let (path, map) = panel_map(&dir);
    if !fill_disk_for(&path) {
        eprintln!("no /dev/full here: the failed-write case is not run");
        return;
    }
    let e = save_map(&map, &path).expect_err("the write fails");
    assert!(matches!(e, SaveError::Write { .. }), "{e}");
    assert!(e.to_string().contains("desk.map.ron"), "{e}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), PANEL);
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    // Learned bindings, the same.
    assert!(fill_disk_for(&path));
    let e = save_learned_bindings(&[fog()], &map, &path).expect_err("the write fails");
    assert!(matches!(e, SaveError::Write { .. }), "{e}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), PANEL);
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    // A whole rewrite (a new binding ahead of the others) that fails keeps no fresh backup.
    let mut ahead = parse_map(PANEL, "desk.map.ron").expect("parses");
    ahead.midi.bindings.insert(0, fog());
    assert!(fill_disk_for(&path));
    let e = save_map(&ahead, &path).expect_err("the write fails");
    assert!(matches!(e, SaveError::Write { .. }), "{e}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), PANEL);
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_change_that_cannot_be_made_in_place_rewrites_the_map_and_keeps_a_backup() {
    let dir = temp_dir("panel-ahead");
    let path = dir.join("desk.map.ron");
    std::fs::write(&path, PANEL).expect("write");
    let mut ahead = parse_map(PANEL, "desk.map.ron").expect("parses");
    ahead.midi.bindings.insert(0, fog());
    assert!(patch_map(PANEL, &parse_map(PANEL, "t").expect("parses"), &ahead).is_none());
    let saved = save_map(&ahead, &path).expect("saved");
    let bak = dir.join("desk.map.ron.bak");
    assert_eq!(
        saved,
        Saved::Rewritten {
            backup: Some(bak.clone())
        }
    );
    assert!(saved.to_string().contains("desk.map.ron.bak"), "{saved}");
    assert_eq!(std::fs::read_to_string(&bak).expect("backup"), PANEL);
    assert_eq!(parse_map_file(&path).expect("parses"), ahead);
    let _ = std::fs::remove_dir_all(dir);
}

/// A map as written, an edit of it, and the text the patch must give.
type LayoutCase = (&'static str, fn(&mut MapFile), &'static str);

#[test]
fn patches_follow_each_layout() {
    let cases: [LayoutCase; 7] = [
        // A setting's value, where it is written.
        (
            "(osc: (unit_scale: false))",
            |m: &mut MapFile| m.osc.unit_scale = true,
            "(osc: (unit_scale: true))",
        ),
        // A setting the struct leaves out joins it, laid out like its fields.
        (
            "(\n    osc: (\n        bindings: [],\n    ),\n)",
            |m: &mut MapFile| m.osc.unit_scale = true,
            "(\n    osc: (\n        bindings: [],\n        unit_scale: true,\n    ),\n)",
        ),
        (
            "(dmx: (artnet: true, sacn: true))",
            |m: &mut MapFile| m.dmx.artnet = false,
            "(dmx: (artnet: false, sacn: true))",
        ),
        // An item of a one-line list goes with its comma.
        (
            r#"(midi: (inputs: ["a", "b", "c"]))"#,
            |m: &mut MapFile| {
                m.midi.inputs.remove(1);
            },
            r#"(midi: (inputs: ["a", "c"]))"#,
        ),
        // A section the file leaves out, holding only what is not a default.
        (
            "(osc: (unit_scale: true))",
            |m: &mut MapFile| m.access.allow.osc = vec!["10.0.0.0/24".into()],
            r#"(osc: (unit_scale: true), access: (allow: (osc: ["10.0.0.0/24"])))"#,
        ),
        // A fixture edited in place under its comment.
        (
            "(\n    dmx: (\n        universes: [(id: 1)],\n        fixtures: [\n            // Key.\n            (name: \"key\", universe: 1, address: 1, profile: Dimmer, light: Some(\"key\")),\n        ],\n    ),\n)",
            |m: &mut MapFile| m.dmx.fixtures[0].address = 5,
            "(\n    dmx: (\n        universes: [(id: 1)],\n        fixtures: [\n            // Key.\n            (name: \"key\", universe: 1, address: 5, profile: Dimmer, light: Some(\"key\"), target: None),\n        ],\n    ),\n)",
        ),
        // A named struct, and a new binding after a removed one: it takes the old one's place
        // when it binds the same control.
        (
            "(midi: MidiDef(bindings: [\n    (control: Cc(channel: 2, cc: 20), target: \"/a\"),\n    (control: Cc(channel: 1, cc: 7), target: \"/b\"),\n]))",
            |m: &mut MapFile| {
                m.midi.bindings.remove(1);
                m.midi.bindings[0].target = "/scene/fog/density".into();
            },
            "(midi: MidiDef(bindings: [\n    FOG,\n]))",
        ),
    ];
    for (before, edit, after) in cases {
        let old = parse_map(before, "t.map.ron").unwrap_or_else(|e| panic!("{before}: {e}"));
        let mut new = old.clone();
        edit(&mut new);
        let got = patch_map(before, &old, &new).unwrap_or_else(|| panic!("{before}"));
        assert_eq!(got, after.replace("FOG", FOG));
        assert_eq!(parse_map(&got, "t").expect(&got), new);
    }
}

#[test]
fn osc_learned_aliases_join_their_list_and_relearning_an_address_moves_it_in_place() {
    let dir = temp_dir("osc-learn");
    let (path, whole) = panel_map(&dir);
    let alias = |address: &str, target: &str| OscBinding {
        address: address.into(),
        target: target.into(),
        unit_scale: true,
        slew_ms: 0.0,
        priority: 0,
    };
    let fader = alias("/e2e/fader", "/scene/fog/density");
    let learned = Learned {
        midi: vec![fog()],
        osc: vec![fader.clone()],
    };
    assert_eq!(
        save_learned(&learned, &whole, &path).expect("saved"),
        Saved::Spliced
    );
    let text = std::fs::read_to_string(&path).expect("read");
    for kept in [
        "// Stage left desk. Keep this comment.",
        "// Faders that send 0..1.",
        "unit_scale: true), // key\n",
        "/* Pad 37 toggles the key light. */",
    ] {
        assert!(text.contains(kept), "`{kept}` lost:\n{text}");
    }
    let osc_line = "(address: \"/e2e/fader\", target: \"/scene/fog/density\", unit_scale: true)";
    assert!(
        text.contains(&format!(
            "slew_ms: 200.0),\n            {osc_line},\n        ],"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "\"/scene/sky/exposure\"),\n            {FOG},\n        ],"
        )),
        "{text}"
    );
    let mut expected = parse_map(PANEL, "desk.map.ron").expect("parses");
    learned.apply_to(&mut expected);
    assert_eq!(parse_map_file(&path).expect("parses"), expected);
    // An address learned again for another parameter takes its binding's place; the other
    // aliases of the parameter it had stay.
    let moved = alias("/look/fog", "/scene/sky/exposure");
    let again = Learned {
        midi: Vec::new(),
        osc: vec![moved.clone()],
    };
    save_learned(&again, &whole, &path).expect("saved");
    let after = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        after,
        text.replace(
            "(address: \"/look/fog\", target: \"/scene/fog/density\", slew_ms: 200.0)",
            "(address: \"/look/fog\", target: \"/scene/sky/exposure\", unit_scale: true)",
        )
    );
    let saved = parse_map_file(&path).expect("parses");
    assert_eq!(saved.osc.bindings[1], moved);
    assert_eq!(saved.osc.bindings[2], fader);
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    let _ = std::fs::remove_dir_all(dir);
}
