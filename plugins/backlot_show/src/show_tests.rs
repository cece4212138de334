//! Lists side by side: the latest fade wins a shared parameter, master commands, look
//! edits, reloads, and parameters the scene does not have.

use backlot_params::{ParamAddress, ParamSpec};

use super::*;
use crate::command::CueRef;
use crate::file::parse_show;

const SHOW: &str = r#"(
    name: "t",
    looks: [
        (name: "warm", values: {
            "/scene/fog/density": Float(0.5),
            "/scene/lights/key/intensity": Float(800.0),
        }),
        (name: "cold", values: {"/scene/fog/density": Float(0.1)}),
        (name: "ghost", values: {"/scene/nowhere": Float(1.0)}),
    ],
    lists: [
        (name: "lights", cues: [(name: "1", look: "warm"), (name: "2", look: "cold")]),
        (name: "background", cues: [(name: "1", look: "cold", delay: 1.0)]),
    ],
)"#;

/// The registry as the live values: current and base are the registry's.
pub(super) struct Live(ParamRegistry);

impl LiveValues for Live {
    fn current(&self, address: &str) -> Option<ParamValue> {
        self.0.get(address).ok().cloned()
    }

    fn base(&self, address: &str) -> Option<ParamValue> {
        self.0.entry(address).map(|e| e.spec.default.clone())
    }
}

/// The fog density (0..1, at 0) and the key light's intensity.
pub(super) fn live() -> Live {
    let mut r = ParamRegistry::default();
    let a = |s: &str| ParamAddress::new(s).expect("address");
    r.register(ParamSpec::float(a("/scene/fog/density"), 0.0, 0.0, 1.0, ""))
        .expect("register");
    r.register(ParamSpec::float(
        a("/scene/lights/key/intensity"),
        100.0,
        0.0,
        1000.0,
        "lm",
    ))
    .expect("register");
    Live(r)
}

fn show() -> Show {
    Show::new(parse_show(SHOW, "t.show.ron", None).expect("the test show parses"))
}

fn f(show: &Show, address: &str) -> Option<f32> {
    show.value(address).and_then(ParamValue::as_f32)
}

#[test]
fn the_latest_fade_wins_a_shared_parameter_whichever_list() {
    let (mut show, live) = (show(), live());
    show.command(Some("background"), &CueCommand::Go, &live)
        .expect("background GO");
    show.command(Some("lights"), &CueCommand::Go, &live)
        .expect("lights GO");
    assert_eq!(f(&show, "/scene/fog/density"), Some(0.5), "lights' warm");
    // The background's fade starts after its delay, later than the lights': it wins.
    show.advance(1.0, &live);
    assert_eq!(f(&show, "/scene/fog/density"), Some(0.1));
    let labels: Vec<(&str, &str)> = show.writes().map(|(a, _, l)| (a, l)).collect();
    assert_eq!(
        labels,
        [
            ("/scene/fog/density", "background/1"),
            ("/scene/lights/key/intensity", "lights/1"),
        ]
    );
    // Lights GO again: its fade is now the latest.
    show.command(Some("lights"), &CueCommand::Go, &live)
        .expect("lights GO");
    assert_eq!(f(&show, "/scene/fog/density"), Some(0.1));
    assert_eq!(show.writes().next().map(|(_, _, l)| l), Some("lights/2"));
}

#[test]
fn a_master_command_reaches_every_list_and_looks_need_a_list() {
    let (mut show, live) = (show(), live());
    show.command(None, &CueCommand::Go, &live)
        .expect("master GO");
    assert_eq!(show.list("lights").and_then(CueList::current), Some(0));
    assert_eq!(show.list("background").and_then(CueList::current), Some(0));
    // The background is at its end: its refusal comes back, the lights still went on.
    let second = show.command(None, &CueCommand::Go, &live);
    assert_eq!(second, Err(ShowError::EndOfList("background".into())));
    assert_eq!(show.list("lights").and_then(CueList::current), Some(1));
    let toggle = show.command(None, &CueCommand::Toggle, &live);
    assert_eq!(toggle, Err(ShowError::NeedsList("TOGGLE")));
    let unknown = show.command(Some("nope"), &CueCommand::Go, &live);
    assert_eq!(unknown, Err(ShowError::UnknownList("nope".into())));
}

#[test]
fn a_release_hands_the_parameters_back_and_the_other_list_shows_again() {
    let (mut show, live) = (show(), live());
    show.command(Some("background"), &CueCommand::Go, &live)
        .expect("background GO");
    show.advance(1.0, &live);
    show.command(Some("lights"), &CueCommand::Go, &live)
        .expect("lights GO");
    show.command(Some("lights"), &CueCommand::Release, &live)
        .expect("release");
    show.advance(2.0, &live);
    let released = show.take_released();
    assert_eq!(released.len(), 1);
    assert_eq!(released[0].label, "lights/1");
    assert_eq!(
        f(&show, "/scene/fog/density"),
        Some(0.1),
        "background's again"
    );
    assert_eq!(f(&show, "/scene/lights/key/intensity"), None);
}

#[test]
fn looks_are_stored_approved_and_restored() {
    let mut show = show();
    let values = |v: f32| -> LookValues {
        [("/scene/fog/density".to_string(), ParamValue::Float(v))].into()
    };
    assert_eq!(show.store("cold", values(0.2)), Ok(true));
    assert_eq!(show.store("cold", values(0.2)), Ok(false));
    assert_eq!(show.store("new", values(0.3)), Ok(true));
    show.approve("new", true).expect("exists");
    show.restore("cold", 1).expect("one version back");
    assert_eq!(
        show.restore("cold", 7),
        Err(ShowError::UnknownVersion {
            look: "cold".into(),
            back: 7
        })
    );
    assert_eq!(
        show.approve("nope", true),
        Err(ShowError::UnknownLook("nope".into()))
    );
    assert_eq!(show.edits(), 4);
    let saved = show.to_file();
    let cold = saved
        .looks
        .iter()
        .find(|l| l.name == "cold")
        .expect("saved");
    assert_eq!(*cold.values, values(0.1), "restored");
    assert_eq!(
        cold.versions.len(),
        1,
        "the restored version left, the replaced one came"
    );
    assert!(saved.looks.iter().any(|l| l.name == "new" && l.approved));
}

#[test]
fn a_reload_keeps_each_list_on_its_cue() {
    let (mut show, live) = (show(), live());
    show.command(
        Some("lights"),
        &CueCommand::Goto(CueRef::Name("2".into())),
        &live,
    )
    .expect("cue 2");
    let edited = SHOW.replace(
        r#"(name: "1", look: "warm"), (name: "2", look: "cold")"#,
        r#"(name: "0", look: "cold"), (name: "1", look: "warm"), (name: "2", look: "cold")"#,
    );
    show.reload(parse_show(&edited, "t.show.ron", None).expect("parses"));
    assert_eq!(show.list("lights").and_then(CueList::current), Some(2));
    assert_eq!(f(&show, "/scene/fog/density"), Some(0.1), "still playing");
}

#[test]
fn parameters_the_scene_lacks_are_reported_where_the_file_names_them() {
    let (show, live) = (show(), live());
    let problems = show.unknown_params(&live.0);
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!((p.path.as_str(), p.line, p.col), ("t.show.ron", 9, 34));
    assert!(p.message.contains("`/scene/nowhere`"), "{}", p.message);
}

/// Three lists over overlapping looks, with fades and delays: what the show plays is, for
/// every parameter, the value of the latest fade among the lists' own values, whatever
/// sequence of commands and frames came before (the merge keeps positions between frames;
/// this is what they must always agree with).
mod merge_property {
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    use super::*;

    const OVERLAPPING: &str = r#"(
        name: "m",
        looks: [
            (name: "a", values: {"/scene/fog/density": Float(0.5)}),
            (name: "b", values: {
                "/scene/fog/density": Float(0.9),
                "/scene/lights/key/intensity": Float(300.0),
            }),
            (name: "c", values: {"/scene/lights/key/intensity": Float(900.0)}),
        ],
        lists: [
            (name: "l0", release_fade: 0.5, cues: [
                (name: "1", look: "a", fade: 1.0), (name: "2", look: "b", fade: 0.5),
            ]),
            (name: "l1", cues: [(name: "1", look: "b", delay: 0.3), (name: "2", look: "c")]),
            (name: "l2", release_fade: 0.2, cues: [(name: "1", look: "c", fade: 2.0)]),
        ],
    )"#;

    fn reference(show: &Show) -> BTreeMap<String, ParamValue> {
        let mut latest: BTreeMap<String, (u64, ParamValue)> = BTreeMap::new();
        for list in show.lists() {
            for (address, held) in list.held() {
                let e = latest
                    .entry(address.to_string())
                    .or_insert((held.stamp, held.value.clone()));
                if held.stamp >= e.0 {
                    *e = (held.stamp, held.value.clone());
                }
            }
        }
        latest.into_iter().map(|(a, (_, v))| (a, v)).collect()
    }

    fn command() -> impl Strategy<Value = (usize, CueCommand)> {
        let c = prop_oneof![
            Just(CueCommand::Go),
            Just(CueCommand::Back),
            Just(CueCommand::Release),
            Just(CueCommand::Pause),
            Just(CueCommand::Resume),
        ];
        (0usize..3, c)
    }

    proptest! {
        #[test]
        fn the_show_plays_the_latest_fade_of_every_parameter(
            steps in proptest::collection::vec((command(), 0u8..4), 1..40),
        ) {
            let live = live();
            let mut show =
                Show::new(parse_show(OVERLAPPING, "m.show.ron", None).expect("parses"));
            for ((list, command), frames) in steps {
                let name = format!("l{list}");
                // A refusal (BACK before the first cue…) changes nothing; it is not the point.
                let _ = show.command(Some(&name), &command, &live);
                for _ in 0..frames {
                    show.advance(0.25, &live);
                }
                let played: BTreeMap<String, ParamValue> =
                    show.writes().map(|(a, v, _)| (a.to_string(), v.clone())).collect();
                prop_assert_eq!(played, reference(&show));
            }
        }
    }
}
