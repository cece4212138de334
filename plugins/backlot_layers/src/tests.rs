//! The layer stack in a `MinimalPlugins` app on a manual clock, signals made here, the
//! shipped model and layer set.

use std::path::{Path, PathBuf};
use std::time::Duration;

use backlot_params::{
    Arbiter, Input, ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin, Source,
};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;

use crate::format::{LayersFile, parse_layers, parse_layers_file};
use crate::{LayersPlugin, LayersState};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn app(src: &str) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default(), ParamsPlugin))
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
            10,
        )))
        .add_plugins(LayersPlugin {
            live: false,
            asset_root: repo().join("assets"),
        })
        .init_resource::<Arbiter>();
    {
        let mut r = app.world_mut().resource_mut::<ParamRegistry>();
        let a = |s: &str| ParamAddress::new(s).expect("address");
        let _ = r.register(ParamSpec::float(
            a("/scene/lights/key/intensity"),
            100.0,
            0.0,
            10000.0,
            "lm",
        ));
        let _ = r.register(ParamSpec::color(
            a("/scene/lights/key/color"),
            [1.0, 0.0, 0.0],
        ));
        let _ = r.register(ParamSpec::float(a("/scene/fog/density"), 0.5, 0.0, 1.0, ""));
    }
    let file: LayersFile =
        parse_layers(src, "test.layers.ron", Some(&repo().join("assets"))).expect("layers parse");
    {
        let mut s = app.world_mut().resource_mut::<LayersState>();
        s.file = file;
        s.loads += 1;
    }
    app.update();
    app
}

fn get(app: &App, a: &str) -> ParamValue {
    app.world()
        .resource::<ParamRegistry>()
        .get(a)
        .expect("registered")
        .clone()
}

fn f(app: &App, a: &str) -> f32 {
    get(app, a).as_f32().expect("number")
}

fn set(app: &mut App, a: &str, v: ParamValue) {
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .set(a, v)
        .expect("set");
}

#[test]
fn blends_weights_mute_and_solo_through_the_plugin() {
    let mut app = app(r#"(layers: [
            (name: "add", source: Constant(0.5), targets: [Float(param: "/scene/lights/key/intensity", min: 0.0, max: 400.0)], blend: Add, weight: 0.5),
            (name: "mul", source: Constant(0.5), targets: [Float(param: "/scene/lights/key/intensity", min: 0.0, max: 1.0)], blend: Multiply),
            (name: "fade", source: Constant(1.0), targets: [Float(param: "/scene/lights/key/intensity", min: 0.0, max: 1000.0)], blend: Crossfade, weight: 0.25),
        ])"#);
    app.update();
    // base 100 → +0.5·200 = 200 → ×0.5 = 100 → mix toward 1000 by 0.25 = 325.
    assert_eq!(f(&app, "/scene/lights/key/intensity"), 325.0);
    set(&mut app, "/layers/mul/mute", ParamValue::Bool(true));
    app.update();
    assert_eq!(f(&app, "/scene/lights/key/intensity"), 400.0);
    set(&mut app, "/layers/fade/solo", ParamValue::Bool(true));
    app.update();
    assert_eq!(
        f(&app, "/scene/lights/key/intensity"),
        325.0,
        "solo: 100 mixed toward 1000 by 0.25"
    );
    set(&mut app, "/layers/fade/weight", ParamValue::Float(1.0));
    app.update();
    assert_eq!(f(&app, "/scene/lights/key/intensity"), 1000.0);
    set(&mut app, "/layers/master", ParamValue::Float(0.0));
    app.update();
    assert_eq!(
        f(&app, "/scene/lights/key/intensity"),
        100.0,
        "master 0: the scene base"
    );
}

#[test]
fn override_and_controllers_beat_the_layers() {
    let mut app = app(
        r#"(layers: [(name: "up", source: Constant(1.0), targets: [Float(param: "/scene/fog/density", min: 0.0, max: 1.0)])])"#,
    );
    app.update();
    assert_eq!(f(&app, "/scene/fog/density"), 1.0);
    app.world_mut()
        .resource_mut::<Arbiter>()
        .hold("/scene/fog/density", ParamValue::Float(0.2));
    set(&mut app, "/scene/fog/density", ParamValue::Float(0.2));
    for _ in 0..3 {
        app.update();
    }
    assert_eq!(
        f(&app, "/scene/fog/density"),
        0.2,
        "the operator override wins"
    );
    app.world_mut()
        .resource_mut::<Arbiter>()
        .release("/scene/fog/density");
    app.update();
    assert_eq!(
        f(&app, "/scene/fog/density"),
        1.0,
        "released: the layers again"
    );
    app.world_mut().resource_mut::<Arbiter>().push(Input {
        address: "/scene/fog/density".into(),
        value: ParamValue::Float(0.3),
        source: Source::Midi("fader".into()),
        slew_ms: 0.0,
        priority: 0,
    });
    // Resolved by the params plugin's arbitration, after the layers, in the same frame.
    app.update();
    assert_eq!(
        f(&app, "/scene/fog/density"),
        0.3,
        "a controller input sits above the layers"
    );
}

#[test]
fn a_panel_edit_on_a_layer_driven_parameter_holds_until_released() {
    use backlot_ui::widgets::{OperatorEdit, apply_operator_edits, held_addresses};
    let mut app = app(
        r#"(layers: [(name: "up", source: Constant(1.0), targets: [Float(param: "/scene/fog/density", min: 0.0, max: 1.0)])])"#,
    );
    app.update();
    assert_eq!(f(&app, "/scene/fog/density"), 1.0);
    // The edit path every panel (Scene, Stage, Tracking, Layers) goes through.
    let address = "/scene/fog/density".to_string();
    apply_operator_edits(
        app.world_mut(),
        vec![(address.clone(), OperatorEdit::Hold(ParamValue::Float(0.25)))],
    );
    for frame in 0..5 {
        app.update();
        assert_eq!(f(&app, "/scene/fog/density"), 0.25, "frame {frame}");
    }
    assert!(held_addresses(app.world()).contains(&address));
    apply_operator_edits(
        app.world_mut(),
        vec![(address.clone(), OperatorEdit::Release)],
    );
    app.update();
    assert_eq!(
        f(&app, "/scene/fog/density"),
        1.0,
        "released: the layer again"
    );
    assert!(held_addresses(app.world()).is_empty());
    // An edit out of range is clamped like any write; a read-only one is refused.
    apply_operator_edits(
        app.world_mut(),
        vec![(address, OperatorEdit::Hold(ParamValue::Float(7.0)))],
    );
    app.update();
    assert_eq!(f(&app, "/scene/fog/density"), 1.0, "clamped to the range");
}

#[test]
fn lfos_lock_to_the_tempo() {
    let mut app = app(r#"(
            tempo: (bpm: 120.0),
            lfos: [(name: "beat", shape: Saw, rate: Beats(1.0)), (name: "bar", shape: Saw, rate: Bars(1.0))],
            layers: [(name: "l", source: Lfo("beat"), targets: [Float(param: "/scene/fog/density", min: 0.0, max: 1.0)])],
        )"#);
    // 120 BPM: a beat every 0.5 s = 50 frames of 10 ms.
    for frame in 1..=200 {
        app.update();
        let s = app.world().resource::<LayersState>();
        let clock = s.tempo.as_ref().expect("clock");
        let saw = crate::feature(s, &crate::format::Feature::Lfo("beat".into()), 0.0);
        assert!((saw - clock.beat_phase()).abs() < 1e-4, "frame {frame}");
        let bar = crate::feature(s, &crate::format::Feature::Lfo("bar".into()), 0.0);
        assert!((bar - clock.bar_phase()).abs() < 1e-4);
    }
    let s = app.world().resource::<LayersState>();
    assert!(
        (s.tempo.as_ref().expect("clock").beats() - 4.0).abs() < 0.03,
        "{}",
        s.tempo.as_ref().expect("c").beats()
    );
    // Following MIDI: the clock takes /tempo/bpm and locks to /tempo/beat.
    let mut app = self::app(
        r#"(tempo: (bpm: 120.0, follow: Midi), layers: [(name: "l", source: BeatPhase, targets: [Float(param: "/scene/fog/density", min: 0.0, max: 1.0)])])"#,
    );
    {
        let mut r = app.world_mut().resource_mut::<ParamRegistry>();
        let _ = r.register(ParamSpec::float(
            ParamAddress::new("/tempo/bpm").expect("a"),
            90.0,
            20.0,
            300.0,
            "BPM",
        ));
        let _ = r.register(ParamSpec::float(
            ParamAddress::new("/tempo/beat").expect("a"),
            0.25,
            0.0,
            1.0,
            "",
        ));
    }
    app.update();
    app.update();
    assert_eq!(f(&app, "/layers/tempo/bpm"), 90.0);
    assert!(
        (f(&app, "/scene/fog/density") - 0.25).abs() < 1e-4,
        "{}",
        f(&app, "/scene/fog/density")
    );
}

#[test]
fn tap_tempo() {
    let mut app = app(r#"(tempo: (bpm: 120.0), layers: [])"#);
    // Taps every 0.6 s (100 BPM).
    for tap in 0..4 {
        set(&mut app, "/layers/tempo/tap", ParamValue::Trigger);
        app.update();
        if tap < 3 {
            for _ in 0..59 {
                app.update();
            }
        }
    }
    let bpm = f(&app, "/layers/tempo/bpm");
    assert!((bpm - 100.0).abs() < 0.5, "{bpm}");
}

#[test]
fn the_shipped_model_reproduces_its_reference_outputs() {
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("assets/models/look_reference.json"))
            .expect("reference"),
    )
    .expect("json");
    let model = crate::model::Model::load(&repo().join("assets/models/look.onnx"), 8, 5)
        .expect("model loads");
    let inputs = reference["inputs"].as_array().expect("inputs");
    let outputs = reference["outputs"].as_array().expect("outputs");
    assert_eq!(inputs.len(), 16);
    for (x, y) in inputs.iter().zip(outputs) {
        let x: Vec<f32> = x
            .as_array()
            .expect("row")
            .iter()
            .map(|v| v.as_f64().expect("n") as f32)
            .collect();
        let y: Vec<f32> = y
            .as_array()
            .expect("row")
            .iter()
            .map(|v| v.as_f64().expect("n") as f32)
            .collect();
        let got = model.run(&x).expect("runs");
        for (g, w) in got.iter().zip(&y) {
            assert!((g - w).abs() < 1e-5, "{got:?} vs {y:?}");
        }
    }
}

#[test]
fn bad_models_are_refused_clearly_and_the_show_goes_on() {
    let wrong = crate::model::Model::load(&repo().join("assets/models/look.onnx"), 8, 3)
        .expect_err("wrong outputs");
    assert!(
        wrong.contains("gives 5 outputs; the layer file declares 3"),
        "{wrong}"
    );
    let inputs = crate::model::Model::load(&repo().join("assets/models/look.onnx"), 4, 5)
        .expect_err("wrong inputs");
    assert!(inputs.contains("look.onnx"), "{inputs}");
    let garbage = repo().join("assets/audio/make_loop.py");
    assert!(crate::model::Model::load(&garbage, 8, 5).is_err());
    let mut app = app(r#"(
            models: [(name: "m", path: "models/look.onnx", inputs: [Rms, Rms], outputs: 5)],
            layers: [(name: "ai", source: Model("m", 0), targets: [Float(param: "/scene/fog/density", min: 0.0, max: 1.0)])],
        )"#);
    for _ in 0..3 {
        app.update();
    }
    let s = app.world().resource::<LayersState>();
    assert!(
        s.models["m"].error.is_some(),
        "wrong input count is an error"
    );
    assert_eq!(
        f(&app, "/scene/fog/density"),
        0.0,
        "its layer reads 0, the app runs"
    );
}

#[test]
fn bad_layer_files_point_at_the_problem() {
    let root = repo().join("assets");
    let err = |src: &str| {
        parse_layers(src, "bad.layers.ron", Some(&root))
            .expect_err("refused")
            .0
            .remove(0)
    };
    let e = err(
        "(\n  layers: [\n    (name: \"a\", source: Lfo(\"nope\"), targets: [Float(param: \"/x\", min: 0.0, max: 1.0)]),\n  ],\n)",
    );
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("no LFO named `nope`"), "{e}");
    let e = err(
        "(\n  layers: [(name: \"a\", source: Band(9), targets: [Float(param: \"/x\", min: 0.0, max: 1.0)])],\n)",
    );
    assert!(e.message.contains("bands are 0..7"), "{e}");
    let e = err("(\n  audio: Some(File(path: \"audio/missing.wav\")),\n)");
    assert_eq!(e.line, 2, "{e}");
    let e = err("(\n  layers: [(name: \"a\", source: Rms, targets: [], weight: 2.0)],\n)");
    assert!(
        e.message.contains("weight") || e.message.contains("drives nothing"),
        "{e}"
    );
    let e = err("(\n  layers: [(name: \"a\", sorce: Rms)],\n)");
    assert_eq!(e.line, 2, "{e}");
}

#[test]
fn the_neon_club_set_plays_its_loop() {
    let root = repo().join("assets");
    let file = parse_layers_file(&repo().join("scenes/neon_club.layers.ron"), Some(&root))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(file.layers.len() >= 6);
    let text = std::fs::read_to_string(repo().join("scenes/neon_club.layers.ron")).expect("file");
    let mut app = app(&text);
    {
        let mut r = app.world_mut().resource_mut::<ParamRegistry>();
        let a = |s: &str| ParamAddress::new(s).expect("address");
        for (p, d, max) in [
            ("/scene/entities/neon_ring/emissive", 400.0, 10000.0),
            ("/scene/lights/magenta/intensity", 700000.0, 2800000.0),
            ("/scene/entities/neon_floor_strip/emissive", 250.0, 10000.0),
        ] {
            let _ = r.register(ParamSpec::float(a(p), d, 0.0, max, ""));
        }
    }
    let mut ring = Vec::new();
    for _ in 0..300 {
        app.update();
        ring.push(f(&app, "/scene/entities/neon_ring/emissive"));
    }
    let (lo, hi) = ring
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    assert!(hi - lo > 500.0, "the kick layer moves the ring: {lo}..{hi}");
    let s = app.world().resource::<LayersState>();
    assert!(s.models["look"].error.is_none());
    assert!(s.models["look"].outputs.iter().any(|v| *v > 0.0));
    assert!(s.layers["flash"].output >= 0.0);
    let onsets = s.analyzer.as_ref().expect("audio").onsets.len();
    // Three seconds of a 124 BPM loop: six kicks, claps, open and closed hats.
    assert!((15..=40).contains(&onsets), "{onsets} onsets");
}

#[test]
fn performers_from_freed_and_distance_to_the_wall() {
    use backlot_stage::format::parse_stage;
    let stage = parse_stage(
        r#"(sections: [
            (name: "wall", shape: Flat(lower_left: (-3.0, 0.0, -4.0), lower_right: (3.0, 0.0, -4.0), upper_left: (-3.0, 3.0, -4.0)), cabinet: (size_mm: (500.0, 500.0), pixels: (10, 10))),
            (name: "arc", shape: Curved(center: (0.0, 0.0), radius: 6.0, start_angle: 60.0, end_angle: 117.2957795, bottom: 0.0, height: 3.0), cabinet: (size_mm: (500.0, 500.0), pixels: (10, 10))),
        ], outputs: [])"#,
        "t.stage.ron",
        None,
    )
    .expect("stage");
    let d = backlot_stage::format::nearest_led_distance(Vec3::new(0.0, 1.5, -1.0), &stage.sections);
    assert!((d - 3.0).abs() < 1e-4, "{d}");
    let d = backlot_stage::format::nearest_led_distance(Vec3::new(4.5, 1.5, 0.0), &stage.sections);
    assert!((d - 1.5).abs() < 1e-4, "nearer the arc: {d}");
    assert!(
        (backlot_stage::format::nearest_led_distance(Vec3::new(0.0, 1.0, 0.0), &[]) - 4.0).abs()
            < 1e-4
    );
    // A FreeD tracker worn by performer 7: tracking sends ids no camera follows as samples.
    let mut app = app(
        r#"(performers: [(id: 7, freed: true), (id: 8)], layers: [(name: "p", source: Performer(7, Presence), targets: [Float(param: "/scene/fog/density", min: 0.0, max: 1.0)])])"#,
    );
    let sample = |id, source| backlot_net::PerformerSample {
        id,
        position: Vec3::new(1.0, 1.7, 0.0),
        source,
    };
    app.world_mut()
        .write_message(sample(7, backlot_net::PerformerSource::Freed));
    // Performer 8 is not marked `freed`: a FreeD id 8 is someone else's tracker.
    app.world_mut()
        .write_message(sample(8, backlot_net::PerformerSource::Freed));
    app.update();
    assert_eq!(f(&app, "/scene/fog/density"), 1.0, "present");
    let s = app.world().resource::<LayersState>();
    assert_eq!(s.performer(7).map(|p| p.0), Some(Vec3::new(1.0, 1.7, 0.0)));
    assert_eq!(
        s.performer(8),
        None,
        "FreeD ids reach only performers marked freed"
    );
}
