//! The looks patched into a show file's text: exact text where it matters, every other byte
//! kept, and whatever the edits, the text reads back as the looks meant.

use backlot_params::ParamValue;
use proptest::prelude::*;

use super::*;
use crate::file::parse_show;
use crate::look::Look;

const FOG: &str = "/scene/fog/density";
const KEY: &str = "/scene/lights/key/color";

/// A show file as a person writes it: comments everywhere, one look over several lines and
/// one on a line of its own.
const CLUB: &str = r#"// The club show. Hand-written; keep these notes.
(
    name: "club",
    /* looks first, cues after */
    looks: [
        // the warm one
        (
            name: "warm",
            values: {
                "/scene/fog/density": Float(0.5), // thin
            },
            approved: true, // signed off Tuesday
        ),
        (name: "cold", values: {"/scene/fog/density": Float(0.1)}), // compact
    ],
    lists: [
        (name: "main", cues: [(name: "1", look: "warm", fade: 2.0)]), // one cue
    ],
)
"#;

fn looks_of(text: &str) -> Vec<Look> {
    parse_show(text, "club.show.ron", None)
        .unwrap_or_else(|e| panic!("the text parses: {e}\n{text}"))
        .looks
}

fn values(pairs: &[(&str, ParamValue)]) -> LookValues {
    pairs
        .iter()
        .map(|(a, v)| (a.to_string(), v.clone()))
        .collect()
}

/// `CLUB` patched to `new`, checked to read back as `new`.
#[track_caller]
fn patched(new: &[Look]) -> String {
    let old = looks_of(CLUB);
    let text = patch_looks(CLUB, &old, new).expect("patched in place");
    assert_eq!(
        looks_of(&text),
        new,
        "reads back as the looks meant:\n{text}"
    );
    text
}

fn with(edit: impl FnOnce(&mut Vec<Look>)) -> Vec<Look> {
    let mut looks = looks_of(CLUB);
    edit(&mut looks);
    looks
}

fn look<'a>(looks: &'a mut [Look], name: &str) -> &'a mut Look {
    looks
        .iter_mut()
        .find(|l| l.name == name)
        .expect("the look is in the show")
}

#[test]
fn a_new_look_joins_the_end_and_every_comment_stays() {
    let new = with(|looks| {
        looks.push(Look::new(
            "neon",
            values(&[
                (FOG, ParamValue::Float(0.25)),
                (KEY, ParamValue::Color([0.2, 0.4, 1.0])),
            ]),
        ));
    });
    let expected = r#"// The club show. Hand-written; keep these notes.
(
    name: "club",
    /* looks first, cues after */
    looks: [
        // the warm one
        (
            name: "warm",
            values: {
                "/scene/fog/density": Float(0.5), // thin
            },
            approved: true, // signed off Tuesday
        ),
        (name: "cold", values: {"/scene/fog/density": Float(0.1)}), // compact
        (
            name: "neon",
            values: {
                "/scene/fog/density": Float(0.25),
                "/scene/lights/key/color": Color((0.2, 0.4, 1.0)),
            },
        ),
    ],
    lists: [
        (name: "main", cues: [(name: "1", look: "warm", fade: 2.0)]), // one cue
    ],
)
"#;
    assert_eq!(patched(&new), expected);
}

#[test]
fn storing_over_a_look_rewrites_only_what_changed_in_it() {
    let new = with(|looks| {
        look(looks, "warm").store(values(&[(FOG, ParamValue::Float(0.75))]));
    });
    let expected = r#"// The club show. Hand-written; keep these notes.
(
    name: "club",
    /* looks first, cues after */
    looks: [
        // the warm one
        (
            name: "warm",
            values: {
                "/scene/fog/density": Float(0.75),
            },
            approved: false, // signed off Tuesday
            versions: [
                (
                    values: {
                        "/scene/fog/density": Float(0.5),
                    },
                    approved: true,
                ),
            ],
        ),
        (name: "cold", values: {"/scene/fog/density": Float(0.1)}), // compact
    ],
    lists: [
        (name: "main", cues: [(name: "1", look: "warm", fade: 2.0)]), // one cue
    ],
)
"#;
    assert_eq!(patched(&new), expected);
}

#[test]
fn changing_one_look_touches_only_that_look() {
    let new = with(|looks| {
        look(looks, "cold").values = std::sync::Arc::new(values(&[
            (FOG, ParamValue::Float(0.3)),
            (KEY, ParamValue::Color([1.0, 0.5, 0.0])),
        ]));
    });
    let text = patched(&new);
    // A look written on one line stays on one line.
    let expected = CLUB.replace(
        r#"{"/scene/fog/density": Float(0.1)}"#,
        r#"{"/scene/fog/density": Float(0.3), "/scene/lights/key/color": Color((1.0, 0.5, 0.0))}"#,
    );
    assert_eq!(text, expected);
    let at = CLUB.find("(name: \"cold\"").expect("cold is in the text");
    assert_eq!(
        text[..at],
        CLUB[..at],
        "everything before the look is as it was"
    );
    let tail = CLUB.find("}), // compact").expect("cold's end");
    assert!(text.ends_with(&CLUB[tail + 1..]), "and everything after it");
}

#[test]
fn approving_writes_the_mark_alone() {
    let new = with(|looks| {
        look(looks, "warm").approved = false;
        look(looks, "cold").approved = true;
    });
    let expected = CLUB
        .replace(
            "approved: true, // signed off Tuesday",
            "approved: false, // signed off Tuesday",
        )
        .replace(
            r#"Float(0.1)}), // compact"#,
            r#"Float(0.1)}, approved: true), // compact"#,
        );
    assert_eq!(patched(&new), expected);
}

#[test]
fn a_file_without_looks_gets_them_after_its_last_field() {
    let bare = "(\n    name: \"bare\", // nothing yet\n)\n";
    let new = vec![Look::new("first", values(&[(FOG, ParamValue::Float(0.5))]))];
    let text = patch_looks(bare, &[], &new).expect("patched in place");
    let expected = r#"(
    name: "bare", // nothing yet
    looks: [
        (
            name: "first",
            values: {
                "/scene/fog/density": Float(0.5),
            },
        ),
    ],
)
"#;
    assert_eq!(text, expected);
    assert_eq!(looks_of(&text), new);
}

#[test]
fn an_empty_list_of_looks_opens_up() {
    let text = "(name: \"t\", looks: [])";
    let new = vec![Look::new("a", values(&[(FOG, ParamValue::Bool(true))]))];
    let patched = patch_looks(text, &[], &new).expect("patched in place");
    assert_eq!(looks_of(&patched), new, "{patched}");
}

#[test]
fn a_look_taken_away_goes_with_its_line() {
    let text = "(\n    name: \"t\",\n    looks: [\n        (name: \"a\", values: {}),\n        \
                (name: \"b\", values: {}),\n    ],\n)\n";
    let old = looks_of(text);
    let patched = patch_looks(text, &old, &old[..1]).expect("patched in place");
    assert_eq!(
        patched,
        "(\n    name: \"t\",\n    looks: [\n        (name: \"a\", values: {}),\n    ],\n)\n"
    );
}

#[test]
fn looks_out_of_order_are_not_patched() {
    let old = looks_of(CLUB);
    let mut new = old.clone();
    new.reverse();
    assert_eq!(patch_looks(CLUB, &old, &new), None);
}

#[test]
fn nothing_changed_is_the_same_text() {
    let old = looks_of(CLUB);
    assert_eq!(patch_looks(CLUB, &old, &old).as_deref(), Some(CLUB));
}

/// An edit of the looks, as the show makes them.
#[derive(Debug, Clone)]
enum Op {
    Store(usize, LookValues),
    Approve(usize, bool),
    Restore(usize, usize),
}

const NAMES: [&str; 4] = ["warm", "cold", "neon", "haze"];
const ADDRESSES: [&str; 4] = [FOG, KEY, "/scene/lights/key/enabled", "/layers/mode"];

fn value() -> impl Strategy<Value = ParamValue> {
    prop_oneof![
        (-1000.0f32..1000.0).prop_map(ParamValue::Float),
        any::<bool>().prop_map(ParamValue::Bool),
        (-100i32..100).prop_map(ParamValue::Int),
        (0.0f32..=1.0, 0.0f32..=1.0, 0.0f32..=1.0)
            .prop_map(|(r, g, b)| ParamValue::Color([r, g, b])),
        "[a-z]{1,6}".prop_map(ParamValue::Enum),
    ]
}

fn look_values() -> impl Strategy<Value = LookValues> {
    proptest::collection::btree_map(proptest::sample::select(ADDRESSES.to_vec()), value(), 0..4)
        .prop_map(|m| m.into_iter().map(|(a, v)| (a.to_string(), v)).collect())
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..NAMES.len(), look_values()).prop_map(|(n, v)| Op::Store(n, v)),
        (0..NAMES.len(), any::<bool>()).prop_map(|(n, a)| Op::Approve(n, a)),
        (0..NAMES.len(), 1usize..3).prop_map(|(n, b)| Op::Restore(n, b)),
    ]
}

fn apply_op(looks: &mut Vec<Look>, op: Op) {
    let (Op::Store(n, _) | Op::Approve(n, _) | Op::Restore(n, _)) = &op;
    let name = NAMES[*n];
    let Some(i) = looks.iter().position(|l| l.name == name) else {
        if let Op::Store(_, values) = op {
            looks.push(Look::new(name, values));
        }
        return;
    };
    let look = &mut looks[i];
    match op {
        Op::Store(_, values) => {
            look.store(values);
        }
        Op::Approve(_, approved) => look.approved = approved,
        Op::Restore(_, back) => {
            look.restore(back);
        }
    }
}

proptest! {
    #[test]
    fn patched_text_reads_back_as_the_looks_and_keeps_the_rest(
        ops in proptest::collection::vec(op(), 1..8),
    ) {
        let old = looks_of(CLUB);
        let mut new = old.clone();
        for op in ops {
            apply_op(&mut new, op);
        }
        let text = patch_looks(CLUB, &old, &new);
        prop_assert!(text.is_some(), "patched in place");
        let text = text.unwrap_or_default();
        let file = parse_show(&text, "club.show.ron", None);
        prop_assert!(file.is_ok(), "{:?}\n{}", file.as_ref().err(), text);
        let file = file.expect("checked above");
        prop_assert_eq!(&file.looks, &new);
        prop_assert_eq!(file.lists.len(), 1);
        for kept in [
            "// The club show. Hand-written; keep these notes.\n(\n    name: \"club\",\n    \
             /* looks first, cues after */\n    looks: [\n        // the warm one\n",
            "    ],\n    lists: [\n        (name: \"main\", cues: [(name: \"1\", look: \"warm\", \
             fade: 2.0)]), // one cue\n    ],\n)\n",
        ] {
            prop_assert!(text.contains(kept), "{}", text);
        }
    }
}
