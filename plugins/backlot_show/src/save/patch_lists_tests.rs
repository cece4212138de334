//! Cue edits patched into a show file's text: each unchanged cue and every comment kept
//! byte for byte, whatever the edit the text reads back as the lists meant.

use proptest::prelude::*;

use super::*;
use crate::file::parse_show;

/// Cue lists as a person writes them: one over several lines with notes, one on one line.
const CLUB: &str = r#"// The club show.
(
    name: "club",
    looks: [(name: "warm", values: {}), (name: "cold", values: {})],
    lists: [
        (
            name: "lights",
            release_fade: 3.0, // slow out
            cues: [ // in GO order
                (name: "1", look: "warm"),
                // the verse: slow
                (name: "2", look: "cold", fade: 4.0), // cue 2 note
                (name: "3", look: "warm", fade: 1.0, follow: 5.0)
            ],
        ),
        (name: "bg", cues: [(name: "1", look: "cold"), (name: "2", look: "warm")]), // bg
    ],
)
"#;

fn lists_of(text: &str) -> Vec<CueListDef> {
    parse_show(text, "club.show.ron", None)
        .unwrap_or_else(|e| panic!("the text parses: {e}\n{text}"))
        .lists
}

/// `CLUB` with `edit` made to its lists, patched and checked to read back as meant.
#[track_caller]
fn patched(edit: impl FnOnce(&mut Vec<CueListDef>)) -> String {
    let old = lists_of(CLUB);
    let mut new = old.clone();
    edit(&mut new);
    let text = patch_lists(CLUB, &old, &new).expect("patched in place");
    assert_eq!(lists_of(&text), new, "reads back as meant:\n{text}");
    text
}

fn cue(name: &str, look: &str) -> CueDef {
    CueDef::new(name, look)
}

#[test]
fn a_changed_cue_is_rewritten_where_it_stands_and_keeps_its_notes() {
    let text = patched(|l| {
        l[0].cues[1].fade = 2.5;
        l[0].cues[1].curve = FadeCurve::S;
    });
    assert!(
        text.contains(
            "                // the verse: slow\n                (name: \"2\", look: \"cold\", \
             fade: 2.5, curve: S), // cue 2 note\n"
        ),
        "{text}"
    );
    // Everything else as it was.
    let changed = text.replace(
        "(name: \"2\", look: \"cold\", fade: 2.5, curve: S)",
        "(name: \"2\", look: \"cold\", fade: 4.0)",
    );
    assert_eq!(changed, CLUB);
}

#[test]
fn a_new_cue_is_written_like_the_others_and_the_last_gains_its_comma() {
    let text = patched(|l| {
        let mut four = cue("4", "cold");
        four.timecode = Some("00:01:00:00".into());
        four.fade = 2.0;
        l[0].cues.push(four);
    });
    assert!(
        text.contains(
            "                (name: \"3\", look: \"warm\", fade: 1.0, follow: 5.0),\n                \
             (name: \"4\", look: \"cold\", fade: 2.0, timecode: \"00:01:00:00\"),\n            ],"
        ),
        "{text}"
    );
    assert!(text.starts_with("// The club show.\n"));
    assert!(text.contains("cues: [ // in GO order\n"));
}

#[test]
fn moving_a_cue_takes_its_comments_with_it() {
    let text = patched(|l| {
        let two = l[0].cues.remove(1);
        l[0].cues.push(two);
    });
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle}: {text}"))
    };
    assert!(at("(name: \"3\"") < at("// the verse: slow"));
    assert!(at("// the verse: slow") < at("(name: \"2\""));
    assert!(text.contains("(name: \"2\", look: \"cold\", fade: 4.0), // cue 2 note\n"));
}

#[test]
fn a_removed_cue_goes_with_its_lines() {
    let text = patched(|l| {
        l[0].cues.remove(1);
    });
    assert!(!text.contains("the verse"), "{text}");
    assert!(!text.contains("cue 2 note"), "{text}");
    assert!(text.contains("(name: \"1\", look: \"warm\"),\n                (name: \"3\""));
}

#[test]
fn a_list_on_one_line_stays_on_one_line() {
    let text = patched(|l| {
        l[1].cues.swap(0, 1);
        l[1].cues.push(cue("3", "warm"));
    });
    assert!(
        text.contains(
            "(name: \"bg\", cues: [(name: \"2\", look: \"warm\"), (name: \"1\", look: \"cold\"), \
             (name: \"3\", look: \"warm\")]), // bg\n"
        ),
        "{text}"
    );
}

#[test]
fn release_fade_is_rewritten_or_added() {
    let text = patched(|l| l[0].release_fade = 1.5);
    assert!(text.contains("release_fade: 1.5, // slow out"), "{text}");
    let text = patched(|l| l[1].release_fade = 0.5);
    assert!(text.contains("release_fade: 0.5"), "{text}");
}

#[test]
fn lists_added_removed_or_reordered_are_not_patched() {
    let old = lists_of(CLUB);
    let mut fewer = old.clone();
    fewer.pop();
    assert_eq!(patch_lists(CLUB, &old, &fewer), None);
    let mut swapped = old.clone();
    swapped.swap(0, 1);
    assert_eq!(patch_lists(CLUB, &old, &swapped), None);
    assert_eq!(patch_lists(CLUB, &old, &old).as_deref(), Some(CLUB));
}

#[test]
fn entries_sharing_a_line_are_not_guessed_at() {
    let text = CLUB.replace(
        "(name: \"1\", look: \"warm\"),\n                // the verse",
        "(name: \"1\", look: \"warm\"), (name: \"1b\", look: \"warm\"),\n                // the verse",
    );
    let old = lists_of(&text);
    let mut new = old.clone();
    new[0].cues[0].fade = 1.0;
    assert_eq!(patch_lists(&text, &old, &new), None);
}

proptest! {
    /// Any mix of moves, removals, additions and changes reads back as meant, and the
    /// other list's line is kept byte for byte.
    #[test]
    fn any_edit_reads_back_as_meant(
        order in Just(vec![0usize, 1, 2]).prop_shuffle(),
        keep in proptest::collection::vec(any::<bool>(), 3),
        fades in proptest::collection::vec(0u8..4, 3),
        added in 0usize..3,
    ) {
        let old = lists_of(CLUB);
        let mut new = old.clone();
        let mut cues: Vec<CueDef> = order
            .iter()
            .filter(|i| keep[**i])
            .map(|i| {
                let mut c = old[0].cues[*i].clone();
                if fades[*i] > 0 {
                    c.fade = f32::from(fades[*i]);
                }
                // A follow must not chain into a loop: none here.
                c.follow = None;
                c
            })
            .collect();
        for n in 0..added {
            cues.push(cue(&format!("new{n}"), "warm"));
        }
        if cues.is_empty() {
            cues.push(cue("only", "cold"));
        }
        new[0].cues = cues;
        let text = patch_lists(CLUB, &old, &new).expect("patched in place");
        prop_assert_eq!(lists_of(&text), new, "{}", text);
        let bg = "(name: \"bg\", cues: [(name: \"1\", look: \"cold\"), (name: \"2\", look: \"warm\")]), // bg\n";
        prop_assert!(text.contains(bg));
    }
}

/// The show shipped in `scenes/shows`: every kind of cue edit the panel makes is patched in
/// place (never the whole-file rewrite), and its notes stay.
#[test]
fn the_shipped_shows_lists_take_every_edit_in_place() {
    let text = include_str!("../../../../scenes/shows/neon_club.show.ron");
    let old = parse_show(text, "neon_club.show.ron", None)
        .expect("the shipped show parses")
        .lists;
    let edits: [fn(&mut Vec<CueListDef>); 4] = [
        |l| {
            let mut record = cue("6", "house");
            record.fade = 3.0;
            l[0].cues.insert(2, record);
        },
        |l| {
            let four = l[1].cues.remove(3);
            l[1].cues.insert(0, four);
        },
        |l| l[2].cues[1].fade = 2.0,
        |l| {
            l[0].cues.remove(4);
        },
    ];
    for edit in edits {
        let mut new = old.clone();
        edit(&mut new);
        let patched = patch_lists(text, &old, &new).expect("patched in place");
        let back = parse_show(&patched, "neon_club.show.ron", None).expect("still parses");
        assert_eq!(back.lists, new, "{patched}");
        for note in [
            "// One bar up; the key switches on at once",
            "// With time code running, the chorus haze comes in at one minute.",
        ] {
            assert!(patched.contains(note), "{note} kept:\n{patched}");
        }
        assert_eq!(
            patched.lines().count() as isize - text.lines().count() as isize,
            new.iter().map(|l| l.cues.len() as isize).sum::<isize>()
                - old.iter().map(|l| l.cues.len() as isize).sum::<isize>(),
            "one line per cue added or removed:\n{patched}"
        );
    }
}
