//! Live reloads never hold the frame: a WAV decode or a model build that takes its time runs
//! off the frame while what played and served before goes on, and a failed one keeps the
//! last good audio or model with a clear error. The slow loads wait on a gate the test
//! opens, so "still loading after a frame" holds however fast the machine is.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use backlot_params::{Arbiter, ParamAddress, ParamRegistry, ParamSpec, ParamsPlugin};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;

use crate::audio::{AudioSource, read_wav};
use crate::format::parse_layers;
use crate::model::Model;
use crate::state::{ModelBuild, WavDecode};
use crate::{AudioIn, LayerLoaders, LayersPlugin, LayersState};

fn repo_assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets")
}

fn temp_root(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("backlot-reload-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("audio")).expect("temp dir");
    dir
}

/// Half a second of a 440 Hz tone at `rate`, 16-bit mono.
fn write_wav(path: &Path, rate: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for i in 0..rate / 2 {
        let t = i as f32 / rate as f32;
        let v = (t * 440.0 * std::f32::consts::TAU).sin() * 0.5;
        w.write_sample((v * f32::from(i16::MAX)) as i16)
            .expect("sample");
    }
    w.finalize().expect("finalize");
}

/// A live layer stack (loads off the frame) reading files under `root`.
fn live_app(root: &Path) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default(), ParamsPlugin))
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
            10,
        )))
        .add_plugins(LayersPlugin {
            live: true,
            asset_root: root.to_path_buf(),
        })
        .init_resource::<Arbiter>();
    let _ = app
        .world_mut()
        .resource_mut::<ParamRegistry>()
        .register(ParamSpec::float(
            ParamAddress::new("/scene/fog/density").expect("address"),
            0.5,
            0.0,
            1.0,
            "",
        ));
    app
}

/// Puts a layer set in force as a (re)load does.
fn load(app: &mut App, root: &Path, src: &str) {
    let file = parse_layers(src, "test.layers.ron", Some(root)).expect("layers parse");
    let mut s = app.world_mut().resource_mut::<LayersState>();
    s.file = file;
    s.loads += 1;
}

/// Updates until `done`, at most five seconds (a guard against hanging, not a speed check).
fn update_until(app: &mut App, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    while !done(app) {
        assert!(start.elapsed() < Duration::from_secs(5), "timed out");
        std::thread::sleep(Duration::from_millis(2));
        app.update();
    }
}

fn state(app: &App) -> &LayersState {
    app.world().resource::<LayersState>()
}

fn audio_rate(app: &App) -> Option<u32> {
    app.world()
        .get_non_send::<AudioIn>()
        .and_then(|a| a.0.as_ref())
        .map(AudioSource::rate)
}

/// A gate a loader waits at until the test opens it (or drops it).
fn gate() -> (mpsc::Sender<()>, Arc<Mutex<mpsc::Receiver<()>>>) {
    let (open, wait) = mpsc::channel();
    (open, Arc::new(Mutex::new(wait)))
}

fn wait_at(gate: &Mutex<mpsc::Receiver<()>>) {
    if let Ok(g) = gate.lock() {
        let _ = g.recv();
    }
}

#[test]
fn a_slow_wav_decode_never_holds_the_frame_and_the_old_audio_plays_on() {
    let root = temp_root("wav");
    write_wav(&root.join("audio/a.wav"), 8000);
    write_wav(&root.join("audio/b.wav"), 16000);
    let mut app = live_app(&root);
    let (open, at) = gate();
    let wav: WavDecode = Arc::new(move |p: &Path| {
        // Only the second file is slow.
        if p.ends_with("b.wav") {
            wait_at(&at);
        }
        read_wav(p)
    });
    app.insert_resource(LayerLoaders {
        wav,
        ..LayerLoaders::default()
    });
    load(
        &mut app,
        &root,
        r#"(audio: Some(File(path: "audio/a.wav")))"#,
    );
    app.update();
    update_until(&mut app, |a| audio_rate(a) == Some(8000));
    assert!(!state(&app).audio_loading());

    load(
        &mut app,
        &root,
        r#"(audio: Some(File(path: "audio/b.wav")))"#,
    );
    app.update();
    // The frame came back with the decode still waiting at its gate.
    assert!(state(&app).audio_loading(), "still decoding after a frame");
    for _ in 0..5 {
        app.update();
    }
    assert!(state(&app).audio_loading());
    assert_eq!(audio_rate(&app), Some(8000), "the previous audio plays on");
    assert!(state(&app).analyzer.is_some());

    open.send(()).expect("open the gate");
    update_until(&mut app, |a| audio_rate(a) == Some(16000));
    assert!(!state(&app).audio_loading());
    assert_eq!(state(&app).audio_error, None);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_wav_that_fails_to_decode_keeps_the_previous_audio_and_says_why() {
    let root = temp_root("badwav");
    write_wav(&root.join("audio/a.wav"), 8000);
    std::fs::write(root.join("audio/broken.wav"), b"not a wav file").expect("write");
    let mut app = live_app(&root);
    load(
        &mut app,
        &root,
        r#"(audio: Some(File(path: "audio/a.wav")))"#,
    );
    app.update();
    update_until(&mut app, |a| audio_rate(a) == Some(8000));

    load(
        &mut app,
        &root,
        r#"(audio: Some(File(path: "audio/broken.wav")))"#,
    );
    app.update();
    update_until(&mut app, |a| !state(a).audio_loading());
    assert_eq!(audio_rate(&app), Some(8000), "the previous audio plays on");
    let e = state(&app).audio_error.clone().expect("an error is shown");
    assert!(e.contains("broken.wav"), "{e}");
    assert!(e.contains("the previous audio keeps playing"), "{e}");
    let _ = std::fs::remove_dir_all(&root);
}

const MODEL_SET: &str = r#"(
    models: [(name: "m", path: "models/look.onnx", inputs: [Rms, Rms, Rms, Rms, Rms, Rms, Rms, Rms], outputs: 5)],
    layers: [(name: "ai", source: Model("m", 0), targets: [Float(param: "/scene/fog/density", min: 0.0, max: 1.0)])],
)"#;

fn serving(app: &App) -> bool {
    state(app)
        .models
        .get("m")
        .is_some_and(|m| m.worker.is_some() && m.error.is_none())
}

#[test]
fn a_slow_model_build_never_holds_the_frame_and_the_last_good_model_serves_on() {
    let root = repo_assets();
    let mut app = live_app(&root);
    load(&mut app, &root, MODEL_SET);
    app.update();
    update_until(&mut app, |a| {
        serving(a) && !state(a).models["m"].is_building()
    });
    // The model answers (its outputs come from the worker).
    update_until(&mut app, |a| {
        state(a).models["m"].outputs.iter().any(|v| *v != 0.0)
    });

    // Reload with a build that waits at a gate.
    let (open, at) = gate();
    let model: ModelBuild = Arc::new(move |p: &Path, i: usize, o: usize| {
        wait_at(&at);
        Model::load(p, i, o)
    });
    app.insert_resource(LayerLoaders {
        model,
        ..LayerLoaders::default()
    });
    load(&mut app, &root, MODEL_SET);
    app.update();
    assert!(
        state(&app).models["m"].is_building(),
        "still building after a frame"
    );
    for _ in 0..5 {
        app.update();
    }
    assert!(state(&app).models["m"].is_building());
    assert!(serving(&app), "the last good model serves on");

    open.send(()).expect("open the gate");
    update_until(&mut app, |a| !state(a).models["m"].is_building());
    assert!(serving(&app));
    assert_eq!(state(&app).models["m"].reload_error, None);
}

#[test]
fn a_failed_model_build_keeps_the_last_good_model_with_a_clear_error() {
    let root = repo_assets();
    let mut app = live_app(&root);
    load(&mut app, &root, MODEL_SET);
    app.update();
    update_until(&mut app, |a| {
        serving(a) && !state(a).models["m"].is_building()
    });

    let model: ModelBuild = Arc::new(|p: &Path, _: usize, _: usize| -> Result<Model, String> {
        Err(format!("{}: cannot optimise the plan", p.display()))
    });
    app.insert_resource(LayerLoaders {
        model,
        ..LayerLoaders::default()
    });
    load(&mut app, &root, MODEL_SET);
    app.update();
    update_until(&mut app, |a| !state(a).models["m"].is_building());
    let m = &state(&app).models["m"];
    assert!(m.worker.is_some(), "the last good model is kept");
    assert_eq!(m.error, None, "its layers keep reading it");
    let e = m.reload_error.clone().expect("the failure is shown");
    assert!(e.contains("cannot optimise the plan"), "{e}");

    // A build that panics is an error too, not a lost load.
    let model: ModelBuild =
        Arc::new(|_: &Path, _: usize, _: usize| -> Result<Model, String> { panic!("tract bug") });
    app.insert_resource(LayerLoaders {
        model,
        ..LayerLoaders::default()
    });
    load(&mut app, &root, MODEL_SET);
    app.update();
    update_until(&mut app, |a| !state(a).models["m"].is_building());
    let m = &state(&app).models["m"];
    assert!(m.worker.is_some());
    let e = m.reload_error.clone().expect("the panic is shown");
    assert!(e.contains("panicked") && e.contains("tract bug"), "{e}");
}
