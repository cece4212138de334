//! One list on a hand-driven clock: fades, delays, follows, the commands, timecode.

use std::collections::BTreeMap;

use backlot_params::ParamValue;

use super::*;
use crate::fade::FadeCurve;

const FOG: &str = "/scene/fog/density";
const KEY: &str = "/scene/lights/key/intensity";
const RESET: &str = "/scene/physics/reset";

/// Live values: what the scene shows (and its base), nothing else.
struct Scene(BTreeMap<String, ParamValue>);

impl LiveValues for Scene {
    fn current(&self, address: &str) -> Option<ParamValue> {
        self.0.get(address).cloned()
    }

    fn base(&self, address: &str) -> Option<ParamValue> {
        self.0.get(address).cloned()
    }
}

fn scene() -> Scene {
    Scene(
        [(FOG, 0.0), (KEY, 100.0)]
            .into_iter()
            .map(|(a, v)| (a.to_string(), ParamValue::Float(v)))
            .collect(),
    )
}

fn look(name: &str, values: &[(&str, ParamValue)]) -> Look {
    Look::new(
        name,
        values
            .iter()
            .map(|(a, v)| (a.to_string(), v.clone()))
            .collect(),
    )
}

fn looks() -> Vec<Look> {
    let f = ParamValue::Float;
    vec![
        look("dark", &[(FOG, f(0.0)), (KEY, f(0.0))]),
        look("haze", &[(FOG, f(1.0))]),
        look("bright", &[(KEY, f(1000.0))]),
        look("reset", &[(RESET, ParamValue::Trigger), (FOG, f(0.5))]),
    ]
}

fn cue(name: &str, look: &str, fade: f32) -> CueDef {
    CueDef {
        name: name.into(),
        look: look.into(),
        fade,
        delay: 0.0,
        follow: None,
        curve: FadeCurve::Linear,
        switch_at: crate::fade::DEFAULT_SWITCH_AT,
        next: None,
        timecode: None,
    }
}

fn list(cues: Vec<CueDef>) -> CueList {
    CueList::new(
        CueListDef {
            name: "l".into(),
            release_fade: 1.0,
            cues,
        },
        25.0,
    )
}

/// A list, its looks and scene, and the show's stamp counter.
struct Rig {
    list: CueList,
    looks: Vec<Look>,
    scene: Scene,
    stamps: u64,
}

impl Rig {
    fn new(cues: Vec<CueDef>) -> Self {
        Self {
            list: list(cues),
            looks: looks(),
            scene: scene(),
            stamps: 0,
        }
    }

    fn run(&mut self, command: CueCommand) -> Result<(), ShowError> {
        let mut env = Env {
            looks: &self.looks,
            live: &self.scene,
            stamps: &mut self.stamps,
        };
        self.list.command(&command, &mut env)
    }

    fn go(&mut self) {
        self.run(CueCommand::Go).expect("GO plays");
    }

    fn advance(&mut self, dt: f64) {
        let mut env = Env {
            looks: &self.looks,
            live: &self.scene,
            stamps: &mut self.stamps,
        };
        self.list.advance(dt, &mut env);
    }

    fn value(&self, address: &str) -> Option<f32> {
        self.list
            .held()
            .find(|(a, _)| *a == address)
            .and_then(|(_, h)| h.value.as_f32())
    }
}

#[track_caller]
fn near(got: Option<f32>, want: f32) {
    let got = got.expect("the list holds a value");
    assert!((got - want).abs() < 1e-3, "got {got}, want {want}");
}

#[test]
fn go_fades_from_where_the_value_stands() {
    let mut r = Rig::new(vec![cue("1", "haze", 2.0)]);
    assert_eq!(r.list.next(), Some(0));
    r.go();
    near(r.value(FOG), 0.0);
    assert_eq!(r.list.progress(), 0.0);
    r.advance(1.0);
    near(r.value(FOG), 0.5);
    r.advance(1.5);
    near(r.value(FOG), 1.0);
    assert_eq!(r.list.progress(), 1.0);
    assert_eq!(r.list.current(), Some(0));
    assert_eq!(r.list.next(), None);
    assert_eq!(r.list.label(), Some("l/1"));
    assert_eq!(r.run(CueCommand::Go), Err(ShowError::EndOfList("l".into())));
}

#[test]
fn a_delay_holds_the_fade_and_values_not_named_keep_tracking() {
    let mut second = cue("2", "haze", 1.0);
    second.delay = 1.0;
    let mut r = Rig::new(vec![cue("1", "dark", 0.0), second]);
    r.go();
    near(r.value(KEY), 0.0);
    r.go();
    r.advance(0.5);
    near(r.value(FOG), 0.0);
    assert_eq!(r.list.progress(), 0.0, "still in the delay");
    r.advance(1.0);
    near(r.value(FOG), 0.5);
    r.advance(1.0);
    near(r.value(FOG), 1.0);
    near(r.value(KEY), 0.0);
}

#[test]
fn a_follow_goes_on_by_itself_without_losing_the_rest_of_the_step() {
    let mut first = cue("1", "haze", 0.0);
    first.follow = Some(1.0);
    let mut r = Rig::new(vec![first, cue("2", "bright", 1.0), cue("3", "dark", 0.0)]);
    r.go();
    r.advance(0.75);
    assert_eq!(r.list.current(), Some(0));
    r.advance(0.5);
    assert_eq!(r.list.current(), Some(1), "followed");
    near(r.value(KEY), 100.0 + 900.0 * 0.25);
    r.advance(5.0);
    assert_eq!(
        r.list.current(),
        Some(1),
        "cue 2 has no follow: the list waits"
    );
}

#[test]
fn back_goto_and_a_named_next() {
    let mut first = cue("1", "haze", 0.0);
    first.next = Some("3".into());
    let mut r = Rig::new(vec![first, cue("2", "bright", 0.0), cue("3", "dark", 2.0)]);
    r.go();
    assert_eq!(r.list.next(), Some(2), "cue 1 names its next");
    r.run(CueCommand::Goto(CueRef::Number(2)))
        .expect("cue 2 exists");
    near(r.value(KEY), 1000.0);
    r.run(CueCommand::Goto(CueRef::Name("3".into())))
        .expect("cue 3 exists");
    r.advance(1.0);
    near(r.value(KEY), 500.0);
    r.run(CueCommand::Back).expect("cue 2 is before");
    assert_eq!(r.list.current(), Some(1));
    near(r.value(KEY), 1000.0);
    assert!(matches!(
        r.run(CueCommand::Goto(CueRef::Number(0))),
        Err(ShowError::UnknownCue { .. })
    ));
    assert!(matches!(
        r.run(CueCommand::Goto(CueRef::Name("9".into()))),
        Err(ShowError::UnknownCue { .. })
    ));
}

#[test]
fn pause_holds_every_timer_and_go_goes_on() {
    let mut first = cue("1", "haze", 2.0);
    first.follow = Some(2.5);
    let mut r = Rig::new(vec![first, cue("2", "bright", 0.0)]);
    r.go();
    r.advance(1.0);
    r.run(CueCommand::Pause).expect("pause");
    r.advance(10.0);
    near(r.value(FOG), 0.5);
    assert!(r.list.paused());
    r.go();
    assert_eq!(
        r.list.current(),
        Some(0),
        "GO after PAUSE goes on with the fade"
    );
    r.advance(1.0);
    near(r.value(FOG), 1.0);
    r.advance(0.6);
    assert_eq!(
        r.list.current(),
        Some(1),
        "the follow counted on after the pause"
    );
}

#[test]
fn release_fades_to_the_scene_and_lets_go() {
    let mut r = Rig::new(vec![cue("1", "haze", 0.0), cue("2", "bright", 0.0)]);
    r.go();
    r.go();
    r.run(CueCommand::Release).expect("release");
    r.advance(0.5);
    near(r.value(FOG), 0.5);
    near(r.value(KEY), 550.0);
    assert_eq!(r.list.take_released(), None);
    r.advance(0.5);
    let released = r.list.take_released().expect("released");
    assert_eq!(released.label, "l/2");
    assert_eq!(released.addresses, [FOG, KEY]);
    assert_eq!(r.list.held().count(), 0);
    assert_eq!(r.list.current(), None);
    assert_eq!(r.list.next(), Some(0), "GO starts the list again");
}

#[test]
fn a_trigger_fires_once_at_the_switch_point() {
    let mut r = Rig::new(vec![cue("1", "reset", 1.0)]);
    r.go();
    r.advance(0.4);
    assert!(r.list.take_fired().is_empty());
    r.advance(0.2);
    assert_eq!(r.list.take_fired(), [RESET]);
    r.advance(1.0);
    assert!(r.list.take_fired().is_empty(), "once");
    assert!(r.value(RESET).is_none(), "a trigger is fired, never held");
}

#[test]
fn timecode_plays_the_cue_it_runs_past_but_not_one_it_jumps_over() {
    let mut second = cue("2", "haze", 0.0);
    second.timecode = Some("00:00:10:00".into());
    let mut third = cue("3", "bright", 0.0);
    third.timecode = Some("00:01:00:00".into());
    let mut r = Rig::new(vec![cue("1", "dark", 0.0), second, third]);
    r.run(CueCommand::Timecode(9.5)).expect("timecode");
    assert_eq!(r.list.current(), None, "the first time only sets the clock");
    r.run(CueCommand::Timecode(10.02)).expect("timecode");
    assert_eq!(r.list.current(), Some(1));
    r.run(CueCommand::Timecode(70.0)).expect("timecode");
    assert_eq!(r.list.current(), Some(1), "a locate plays nothing");
    r.run(CueCommand::Timecode(f64::NAN)).expect("ignored");
}

#[test]
fn compare_toggles_between_a_look_and_an_earlier_version() {
    let mut r = Rig::new(vec![cue("1", "dark", 0.0)]);
    let mut haze = r.looks[1].clone();
    haze.store([(FOG.to_string(), ParamValue::Float(0.25))].into());
    r.looks[1] = haze;
    let now = LookRef::current("haze");
    let before = LookRef {
        look: "haze".into(),
        back: 1,
    };
    assert_eq!(
        r.run(CueCommand::Toggle),
        Err(ShowError::NotComparing("l".into()))
    );
    r.run(CueCommand::Compare { a: now, b: before })
        .expect("both exist");
    near(r.value(FOG), 0.25);
    r.run(CueCommand::Toggle).expect("comparing");
    near(r.value(FOG), 1.0);
    r.run(CueCommand::Toggle).expect("comparing");
    near(r.value(FOG), 0.25);
    let missing = LookRef {
        look: "haze".into(),
        back: 5,
    };
    let recall = CueCommand::Recall {
        look: missing,
        fade: 1.0,
        curve: FadeCurve::S,
    };
    assert!(matches!(
        r.run(recall),
        Err(ShowError::UnknownVersion { back: 5, .. })
    ));
}

#[test]
fn a_recall_fades_with_its_curve_and_bad_times_snap() {
    let mut r = Rig::new(vec![cue("1", "dark", 0.0)]);
    let recall = |fade: f32| CueCommand::Recall {
        look: LookRef::current("haze"),
        fade,
        curve: FadeCurve::S,
    };
    r.run(recall(2.0)).expect("haze exists");
    r.advance(0.5);
    near(r.value(FOG), 0.125);
    assert_eq!(r.list.label(), Some("l/look haze"));
    r.run(CueCommand::Release).expect("release");
    r.advance(1.0);
    r.run(recall(f32::NAN)).expect("a snap");
    near(r.value(FOG), 1.0);
}

#[test]
fn each_fade_start_takes_a_later_stamp() {
    let mut second = cue("2", "bright", 0.0);
    second.delay = 1.0;
    let mut r = Rig::new(vec![cue("1", "haze", 0.0), second]);
    r.go();
    let stamp = |r: &Rig, a: &str| r.list.held().find(|(x, _)| *x == a).map(|(_, h)| h.stamp);
    assert_eq!(stamp(&r, FOG), Some(1));
    r.go();
    assert_eq!(r.stamps, 1, "the delay runs: no fade started yet");
    r.advance(1.0);
    assert_eq!(stamp(&r, KEY), Some(2));
    assert_eq!(stamp(&r, FOG), Some(1), "untouched values keep their stamp");
}
