//! Cue edits on a playing show: the list stays where the operator expects, a refused edit
//! changes nothing and says why, a fade under way plays on.

use backlot_params::ParamValue;

use super::*;
use super::{new_cue_name, record_look_name};
use crate::file::parse_show;
use crate::show::tests::live;

const FOG: &str = "/scene/fog/density";

const SHOW: &str = r#"(
    name: "t",
    looks: [
        (name: "warm", values: {"/scene/fog/density": Float(0.5)}),
        (name: "cold", values: {"/scene/fog/density": Float(0.1)}),
    ],
    lists: [
        (name: "lights", cues: [
            (name: "1", look: "warm"),
            (name: "2", look: "cold", fade: 2.0),
            (name: "3", look: "warm", next: "1"),
        ]),
    ],
)"#;

fn show() -> Show {
    Show::new(parse_show(SHOW, "t.show.ron", None).expect("the test show parses"))
}

fn cue(name: &str, look: &str) -> CueDef {
    CueDef::new(name, look)
}

fn names(show: &Show) -> Vec<String> {
    let list = show.list("lights").expect("the list");
    list.cues().iter().map(|c| c.name.clone()).collect()
}

fn current(show: &Show) -> Option<String> {
    let list = show.list("lights").expect("the list");
    list.current().map(|i| list.cues()[i].name.clone())
}

fn go(show: &mut Show) {
    show.command(Some("lights"), &crate::command::CueCommand::Go, &live())
        .expect("GO");
}

fn edit(show: &mut Show, edit: CueEdit) -> Result<bool, ShowError> {
    show.edit_cues(&edit)
}

#[test]
fn a_cue_added_after_the_current_one_is_what_go_plays() {
    let mut show = show();
    go(&mut show);
    let added = CueEdit::Add {
        list: "lights".into(),
        after: Some("1".into()),
        cue: cue("1.5", "cold"),
    };
    assert_eq!(edit(&mut show, added), Ok(true));
    assert_eq!(names(&show), ["1", "1.5", "2", "3"]);
    assert_eq!(current(&show).as_deref(), Some("1"), "stays on its cue");
    assert_eq!(show.edits(), 1, "an edit: saved, undoable");
    assert_eq!(
        show.file().lists[0].cues[1].name,
        "1.5",
        "the file to save has it"
    );
    go(&mut show);
    assert_eq!(current(&show).as_deref(), Some("1.5"));
    assert_eq!(show.value(FOG), Some(&ParamValue::Float(0.1)));
}

#[test]
fn renaming_a_cue_keeps_the_list_on_it_and_nexts_follow() {
    let mut show = show();
    go(&mut show);
    let renamed = CueEdit::Change {
        list: "lights".into(),
        cue: "1".into(),
        with: cue("intro", "warm"),
    };
    assert_eq!(edit(&mut show, renamed), Ok(true));
    assert_eq!(current(&show).as_deref(), Some("intro"));
    let three = &show.list("lights").expect("list").cues()[2];
    assert_eq!(
        three.next.as_deref(),
        Some("intro"),
        "cue 3 still loops back"
    );
}

#[test]
fn removing_the_current_cue_leaves_go_on_the_one_after_it() {
    let mut show = show();
    go(&mut show);
    go(&mut show);
    assert_eq!(current(&show).as_deref(), Some("2"));
    let removed = CueEdit::Remove {
        list: "lights".into(),
        cue: "2".into(),
    };
    assert_eq!(edit(&mut show, removed), Ok(true));
    assert_eq!(names(&show), ["1", "3"]);
    assert_eq!(current(&show).as_deref(), Some("1"));
    go(&mut show);
    assert_eq!(current(&show).as_deref(), Some("3"));
}

#[test]
fn moving_a_cue_changes_go_order_not_where_the_list_stands() {
    let mut show = show();
    go(&mut show);
    let moved = CueEdit::Move {
        list: "lights".into(),
        cue: "1".into(),
        to: 99,
    };
    assert_eq!(edit(&mut show, moved), Ok(true));
    assert_eq!(names(&show), ["2", "3", "1"]);
    assert_eq!(current(&show).as_deref(), Some("1"));
    let again = CueEdit::Move {
        list: "lights".into(),
        cue: "1".into(),
        to: 2,
    };
    assert_eq!(edit(&mut show, again), Ok(false), "already there: no edit");
    assert_eq!(show.edits(), 1);
}

#[test]
fn an_edit_during_a_fade_lets_it_play_on() {
    let mut show = show();
    go(&mut show);
    go(&mut show); // cue 2: 0.5 → 0.1 in 2 s
    show.advance(1.0, &live());
    let halfway = show
        .value(FOG)
        .and_then(ParamValue::as_f32)
        .expect("fading");
    assert!((halfway - 0.3).abs() < 1e-4, "{halfway}");
    let slower = CueEdit::Change {
        list: "lights".into(),
        cue: "3".into(),
        with: CueDef {
            fade: 9.0,
            ..cue("3", "warm")
        },
    };
    assert_eq!(edit(&mut show, slower), Ok(true));
    show.advance(0.5, &live());
    let later = show
        .value(FOG)
        .and_then(ParamValue::as_f32)
        .expect("fading");
    assert!((later - 0.2).abs() < 1e-4, "{later}");
}

#[test]
fn edits_the_file_could_not_hold_are_refused_and_change_nothing() {
    let list = || "lights".to_string();
    let refused: Vec<(CueEdit, &str)> = vec![
        (
            CueEdit::Add {
                list: list(),
                after: None,
                cue: cue("4", "nowhere"),
            },
            "plays look `nowhere`, which the show does not define",
        ),
        (
            CueEdit::Add {
                list: list(),
                after: None,
                cue: cue("2", "warm"),
            },
            "duplicate cue `2`",
        ),
        (
            CueEdit::Change {
                list: list(),
                cue: "2".into(),
                with: CueDef {
                    fade: -1.0,
                    ..cue("2", "cold")
                },
            },
            "fade must be 0 s or more",
        ),
        (
            CueEdit::Change {
                list: list(),
                cue: "3".into(),
                with: CueDef {
                    timecode: Some("25:00:00:00".into()),
                    ..cue("3", "warm")
                },
            },
            "hours run 0..23",
        ),
        (
            CueEdit::Change {
                list: list(),
                cue: "3".into(),
                with: CueDef {
                    follow: Some(1.0),
                    next: Some("1".into()),
                    ..cue("3", "warm")
                },
            },
            "",
        ),
        (
            CueEdit::Remove {
                list: list(),
                cue: "1".into(),
            },
            "cue `3` of list `lights` names `1` as its next cue",
        ),
        (
            CueEdit::Add {
                list: list(),
                after: Some("9".into()),
                cue: cue("4", "warm"),
            },
            "has no cue `9`",
        ),
        (
            CueEdit::Remove {
                list: "nope".into(),
                cue: "1".into(),
            },
            "no cue list `nope`",
        ),
    ];
    for (e, says) in refused {
        let mut show = show();
        go(&mut show);
        let before = show.file().clone();
        let result = edit(&mut show, e.clone());
        // The follow on cue 3 alone closes no loop (cues 1 and 2 do not follow): allowed.
        if says.is_empty() {
            assert_eq!(result, Ok(true), "{e:?}");
            continue;
        }
        let why = result.expect_err("refused").to_string();
        assert!(why.contains(says), "{e:?}: {why}");
        assert_eq!(show.file(), &before, "{e:?} changed nothing");
        assert_eq!(show.edits(), 0);
        assert_eq!(current(&show).as_deref(), Some("1"));
    }
}

#[test]
fn follows_that_would_loop_forever_are_refused() {
    let mut show = show();
    for name in ["1", "2"] {
        let list = show.list("lights").expect("list");
        let mut with = list
            .cues()
            .iter()
            .find(|c| c.name == name)
            .expect("cue")
            .clone();
        with.follow = Some(1.0);
        let e = CueEdit::Change {
            list: "lights".into(),
            cue: name.into(),
            with,
        };
        assert_eq!(edit(&mut show, e), Ok(true));
    }
    let mut three = cue("3", "warm");
    three.next = Some("1".into());
    three.follow = Some(1.0);
    let looped = CueEdit::Change {
        list: "lights".into(),
        cue: "3".into(),
        with: three,
    };
    let why = edit(&mut show, looped).expect_err("refused").to_string();
    assert!(why.contains("follow each other forever"), "{why}");
}

#[test]
fn the_only_cue_of_a_list_stays() {
    let text = SHOW.replace(
        "(name: \"2\", look: \"cold\", fade: 2.0),\n            (name: \"3\", look: \"warm\", next: \"1\"),",
        "",
    );
    let mut show = Show::new(parse_show(&text, "t.show.ron", None).expect("parses"));
    let removed = CueEdit::Remove {
        list: "lights".into(),
        cue: "1".into(),
    };
    let why = edit(&mut show, removed).expect_err("refused").to_string();
    assert!(why.contains("only cue"), "{why}");
}

#[test]
fn new_cues_are_numbered_after_the_highest_whole_cue() {
    let c = |n: &str| cue(n, "warm");
    assert_eq!(new_cue_name(&[]), "1");
    assert_eq!(new_cue_name(&[c("1"), c("2.5"), c("2")]), "3");
    assert_eq!(new_cue_name(&[c("intro"), c("verse")]), "3");
    assert_eq!(new_cue_name(&[c("intro"), c("3")]), "4");
    let looks = [crate::look::Look::new("lights-3", Default::default())];
    assert_eq!(record_look_name("lights", "3", &looks), "lights-3-2");
    assert_eq!(record_look_name("bg", "3", &looks), "bg-3");
}

#[test]
fn record_stores_the_live_values_and_adds_a_cue_after_the_current_one() {
    let mut show = show();
    go(&mut show);
    let mut values = crate::look::LookValues::new();
    values.insert(FOG.to_string(), ParamValue::Float(0.25));
    assert_eq!(show.record("lights", values.clone()), Ok(()));
    assert_eq!(names(&show), ["1", "4", "2", "3"]);
    let four = &show.list("lights").expect("list").cues()[1];
    assert_eq!((four.look.as_str(), four.fade), ("lights-4", RECORD_FADE));
    let look = show
        .looks()
        .iter()
        .find(|l| l.name == "lights-4")
        .expect("stored");
    assert_eq!(*look.values, values);
    assert_eq!(current(&show).as_deref(), Some("1"), "nothing played");
    // Through the command, as OSC, the map and the panel send it: a list is needed.
    let why = show
        .command(None, &crate::command::CueCommand::Record, &live())
        .expect_err("RECORD needs a list");
    assert!(why.to_string().contains("RECORD"), "{why}");
    show.command(Some("lights"), &crate::command::CueCommand::Record, &live())
        .expect("recorded");
    assert_eq!(names(&show), ["1", "5", "4", "2", "3"]);
}
