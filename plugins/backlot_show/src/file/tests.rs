//! Show files: the shipped example, every refusal at its position, the round trip.

use std::path::{Path, PathBuf};

use backlot_params::ParamValue;
use proptest::prelude::*;

use super::*;
use crate::look::Look;

/// A show with `looks` and `lists` (each a line from line 3 and after), as text.
fn show_with(looks: &[&str], lists: &[&str]) -> String {
    let mut text = String::from("(\n    name: \"t\",\n    looks: [\n");
    for look in looks {
        text.push_str("        ");
        text.push_str(look);
        text.push_str(",\n");
    }
    text.push_str("    ],\n    lists: [\n");
    for list in lists {
        text.push_str("        ");
        text.push_str(list);
        text.push_str(",\n");
    }
    text.push_str("    ],\n)\n");
    text
}

const A: &str = r#"(name: "a", values: {"/scene/fog/density": Float(0.5)})"#;

/// The problems with `text` as `line:col: message`.
fn problems(text: &str) -> Vec<String> {
    match parse_show(text, "t.show.ron", None) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .0
            .iter()
            .map(|e| format!("{}:{}: {}", e.line, e.col, e.message))
            .collect(),
    }
}

/// `text` is refused for one problem only, at `line:col`, whose message has `part`.
#[track_caller]
fn refused_at(text: &str, line: usize, col: usize, part: &str) {
    let found = problems(text);
    let prefix = format!("{line}:{col}: ");
    assert!(
        found.len() == 1 && found[0].starts_with(&prefix) && found[0].contains(part),
        "expected one problem at {prefix}with `{part}`, got {found:#?}\nin\n{text}"
    );
}

/// Line and column (1-based) of the first `needle` at or after the first `after`.
fn pos(text: &str, after: &str, needle: &str) -> (usize, usize) {
    let from = text.find(after).expect("anchor in the text");
    let at = from + text[from..].find(needle).expect("needle after the anchor");
    backlot_files::line_col(text, at)
}

#[track_caller]
fn refused_at_token(text: &str, after: &str, needle: &str, part: &str) {
    let (line, col) = pos(text, after, needle);
    refused_at(text, line, col, part);
}

fn shipped() -> (PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenes/shows/neon_club.show.ron");
    let text = std::fs::read_to_string(&path).expect("the shipped show file is readable");
    (path, text)
}

#[test]
fn the_shipped_example_parses_and_names_what_the_scene_has() {
    let (path, text) = shipped();
    let file = parse_show(&text, "neon_club.show.ron", None).expect("the example is valid");
    assert_eq!(file.name, "neon_club");
    let lists: Vec<&str> = file.lists.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(lists, ["lights", "background", "layers"]);
    check_paths(&file, &path, &text, "neon_club.show.ron").expect("the files it names exist");
    let scene_path = file.scene_path(&path).expect("it names a scene");
    let scene = backlot_scene::format::parse_scene_file(&scene_path, None).expect("scene");
    let specs = backlot_scene::format::scene_param_specs(&scene);
    for look in &file.looks {
        for (address, value) in look.values.iter() {
            if !address.starts_with("/scene/") {
                continue;
            }
            let spec = specs
                .iter()
                .map(|(s, _)| s)
                .find(|s| s.address.as_str() == address)
                .unwrap_or_else(|| panic!("look `{}`: the scene has no {address}", look.name));
            assert_eq!(
                spec.coerce(value.clone()).as_ref(),
                Ok(value),
                "look `{}`: {address} is of the parameter's type and in its range",
                look.name
            );
        }
    }
}

#[test]
fn a_cue_playing_an_unknown_look_is_refused_at_the_look() {
    let text = show_with(&[A], &[r#"(name: "l", cues: [(name: "1", look: "nope")])"#]);
    refused_at_token(
        &text,
        "lists",
        "\"nope\"",
        "plays look `nope`, which the show does not define (it has `a`)",
    );
}

#[test]
fn follows_that_loop_forever_are_refused_at_the_first_follow() {
    let text = show_with(
        &[A],
        &[
            r#"(name: "l", cues: [(name: "1", look: "a"), (name: "2", look: "a", follow: 1.0), (name: "3", look: "a", follow: 0.0, next: "2")])"#,
        ],
    );
    refused_at_token(
        &text,
        "(name: \"2\"",
        "1.0",
        "cues `2` → `3` → `2` of list `l` follow each other forever",
    );
    // The same loop with one cue waiting for a GO is fine.
    let waits = text.replace("follow: 0.0, ", "");
    assert!(problems(&waits).is_empty(), "{:?}", problems(&waits));
}

#[test]
fn negative_times_are_refused_each_at_its_value() {
    for key in ["fade", "delay", "follow"] {
        let list = format!(r#"(name: "l", cues: [(name: "1", look: "a", {key}: -2.0)])"#);
        let text = show_with(&[A], &[list.as_str()]);
        refused_at_token(
            &text,
            "lists",
            "-2.0",
            &format!("{key} must be 0 s or more"),
        );
    }
    let text = show_with(
        &[A],
        &[r#"(name: "l", release_fade: -1.0, cues: [(name: "1", look: "a")])"#],
    );
    refused_at_token(&text, "lists", "-1.0", "release_fade must be 0 s or more");
}

#[test]
fn nan_and_infinity_are_refused_where_they_stand() {
    let nan = A.replace("0.5", "NaN");
    let text = show_with(&[nan.as_str()], &[]);
    refused_at_token(&text, "looks", "NaN", "not NaN/inf");
    let inf = show_with(
        &[A],
        &[r#"(name: "l", cues: [(name: "1", look: "a", fade: inf)])"#],
    );
    refused_at_token(&inf, "lists", "inf", "not NaN/inf");
}

#[test]
fn bad_names_addresses_and_settings_are_refused_at_their_token() {
    let bad_address = r#"(name: "c", values: {"/scene//x": Float(1.0)})"#;
    let text = show_with(&[A, bad_address], &[]);
    refused_at_token(
        &text,
        "(name: \"c\"",
        "\"/scene//x\"",
        "invalid parameter address",
    );
    let text = show_with(&[A, A], &[]);
    let second = text.rfind("\"a\"").expect("the second name");
    let (line, col) = backlot_files::line_col(&text, second);
    refused_at(&text, line, col, "duplicate look `a`");
    let text = show_with(
        &[A],
        &[r#"(name: "my list", cues: [(name: "1", look: "a")])"#],
    );
    refused_at_token(&text, "lists", "\"my list\"", "use letters, digits");
    let text = show_with(&[A], &[r#"(name: "l", cues: [])"#]);
    refused_at_token(&text, "cues: ", "[]", "has no cues");
    let dup = r#"(name: "l", cues: [(name: "1", look: "a"), (name: "1", look: "a")])"#;
    let text = show_with(&[A], &[dup]);
    let second = text.rfind("\"1\"").expect("the second cue name");
    let (line, col) = backlot_files::line_col(&text, second);
    refused_at(&text, line, col, "duplicate cue `1` in list `l`");
    let text = show_with(
        &[A],
        &[r#"(name: "l", cues: [(name: "1", look: "a", next: "9")])"#],
    );
    refused_at_token(&text, "next: ", "\"9\"", "names next cue `9`");
    let text = show_with(
        &[A],
        &[r#"(name: "l", cues: [(name: "1", look: "a", switch_at: 1.5)])"#],
    );
    refused_at_token(
        &text,
        "switch_at: ",
        "1.5",
        "switch_at is a point of the fade",
    );
    let text = show_with(
        &[A],
        &[r#"(name: "l", cues: [(name: "1", look: "a", timecode: "00:00:10:25")])"#],
    );
    refused_at_token(&text, "timecode: ", "\"00", "frame 25 does not exist at 25");
    // ron places an unknown field's error itself; it is on the field's line, named.
    let text = show_with(
        &[A],
        &[r#"(name: "l", cues: [(name: "1", look: "a", lookk: "a")])"#],
    );
    let found = problems(&text);
    let (line, _) = pos(&text, "lists", "lookk");
    assert!(
        found.len() == 1 && found[0].starts_with(&format!("{line}:")) && found[0].contains("lookk"),
        "{found:?}"
    );
}

#[test]
fn timecodes_read_at_the_frame_rate() {
    assert_eq!(parse_timecode("01:00:00:00", 25.0), Ok(3600.0));
    assert_eq!(parse_timecode("00:00:01:12", 24.0), Ok(1.5));
    assert_eq!(parse_timecode("00:00:01;15", 30.0), Ok(1.5));
    for bad in [
        "1:2:3",
        "aa:00:00:00",
        "24:00:00:00",
        "00:60:00:00",
        "00:00:00:30",
        "",
    ] {
        assert!(parse_timecode(bad, 30.0).is_err(), "{bad}");
    }
}

#[test]
fn optional_fields_take_their_defaults() {
    let text = show_with(&[A], &[r#"(name: "l", cues: [(name: "1", look: "a")])"#]);
    let file = parse_show(&text, "t", None).expect("valid");
    assert_eq!((file.scene.as_deref(), file.timecode_fps), (None, 25.0));
    let list = &file.lists[0];
    assert_eq!(list.release_fade, 2.0);
    let cue = &list.cues[0];
    assert_eq!(
        (cue.fade, cue.delay, cue.follow, cue.switch_at),
        (0.0, 0.0, None, 0.5)
    );
    assert_eq!(cue.curve, crate::fade::FadeCurve::Linear);
}

#[test]
fn the_shipped_example_round_trips() {
    let (_, text) = shipped();
    let mut file = parse_show(&text, "neon_club.show.ron", None).expect("valid");
    let written = file.to_ron().expect("writes");
    let mut again = parse_show(&written, "again.show.ron", None).expect("what it writes parses");
    file.positions = Positions::default();
    again.positions = Positions::default();
    assert_eq!(again, file, "written:\n{written}");
}

fn look_value() -> impl Strategy<Value = ParamValue> {
    let unit = || -1.0e6f32..1.0e6;
    prop_oneof![
        unit().prop_map(ParamValue::Float),
        (unit(), unit(), unit()).prop_map(|(x, y, z)| ParamValue::Vec3([x, y, z])),
        (0.0f32..=1.0, 0.0f32..=1.0, 0.0f32..=1.0)
            .prop_map(|(r, g, b)| ParamValue::Color([r, g, b])),
        any::<i32>().prop_map(ParamValue::Int),
        any::<bool>().prop_map(ParamValue::Bool),
        "[a-z_]{1,8}".prop_map(ParamValue::Enum),
        Just(ParamValue::Trigger),
    ]
}

proptest! {
    #[test]
    fn any_look_and_cue_round_trip(
        values in proptest::collection::btree_map("/[a-z]{1,6}/[a-z_]{1,6}", look_value(), 0..8),
        fade in 0.0f32..1000.0,
        follow in proptest::option::of(0.0f32..100.0),
        approved in any::<bool>(),
    ) {
        let mut look = Look::new("a", values);
        look.approved = approved;
        let file = ShowFile {
            name: "t".into(),
            scene: Some("../s.scene.ron".into()),
            stage: None,
            map: None,
            layers: None,
            timecode_fps: 30.0,
            looks: vec![look],
            lists: vec![CueListDef {
                name: "l".into(),
                release_fade: 1.0,
                cues: vec![CueDef {
                    name: "1".into(),
                    look: "a".into(),
                    fade,
                    delay: 0.25,
                    follow,
                    curve: crate::fade::FadeCurve::S,
                    switch_at: 0.0,
                    next: None,
                    timecode: Some("00:00:01:29".into()),
                }],
            }],
            positions: Positions::default(),
        };
        let written = file.to_ron().expect("writes");
        let mut again = parse_show(&written, "t", None).expect("what it writes parses");
        again.positions = Positions::default();
        prop_assert_eq!(again, file);
    }

    #[test]
    fn any_text_is_parsed_or_refused_without_panicking(src in "\\PC{0,200}") {
        let _ = parse_show(&src, "t", None);
    }
}
