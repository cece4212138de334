//! Layers benchmark (`cargo bench --bench layers_bench`, release mode).
//!
//! Main-thread cost per frame (60 frames/s of scene time) of: audio analysis of a 48 kHz
//! stream (the shipped loop, consumed at real rate), 16 layers of mixed sources and
//! behaviours, and the shipped model at 30 Hz on its worker thread — against the same app
//! with an empty layer set, same run. Target: under 1 ms per frame.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use backlot_layers::format::parse_layers;
use backlot_layers::{LayersPlugin, LayersState};
use backlot_params::{ParamAddress, ParamRegistry, ParamSpec, ParamsPlugin};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;

fn layer_set() -> String {
    let sources = [
        "Band(0)",
        "Band(1)",
        "Band(3)",
        "Band(6)",
        "Rms",
        "Onset",
        "Beat",
        "BeatPhase",
        "Lfo(\"a\")",
        "Lfo(\"b\")",
        "Noise(2.0)",
        "Model(\"look\", 0)",
        "Model(\"look\", 3)",
        "Model(\"look\", 4)",
        "Flux",
        "BarPhase",
    ];
    let layers: Vec<String> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let behaviour = match i % 4 {
                0 => "envelope: Some((attack_ms: 5.0, release_ms: 150.0)), curve: Exponential(2.0),",
                1 => "trigger: Some((threshold: 0.5, shot: Flash, duration_ms: 150.0)),",
                2 => "curve: Points([(0.0, 0.0), (0.5, 0.8), (1.0, 1.0)]),",
                _ => "",
            };
            let blend = ["Add", "Multiply", "Max", "Crossfade"][i % 4];
            let target = if i % 5 == 0 {
                format!("Palette(param: \"/p/c{}\", colors: [(1.0, 0.0, 0.0), (0.0, 0.0, 1.0)], glide_ms: 100.0)", i % 8)
            } else {
                format!("Float(param: \"/p/f{}\", min: 0.0, max: 100.0)", i % 8)
            };
            format!("(name: \"l{i}\", source: {s}, {behaviour} targets: [{target}], blend: {blend})")
        })
        .collect();
    format!(
        r#"(
        audio: Some(File(path: "audio/neon_loop.wav")),
        tempo: (bpm: 124.0, follow: Audio),
        lfos: [(name: "a", shape: Sine, rate: Beats(1.0)), (name: "b", shape: Triangle, rate: Hz(0.3))],
        models: [(name: "look", path: "models/look.onnx", rate_hz: 30.0,
                  inputs: [Rms, Band(0), Band(3), Band(6), BeatPhase, Onset, Constant(0.0), Constant(1.0)], outputs: 5)],
        layers: [{}],
    )"#,
        layers.join(",\n")
    )
}

fn frame_costs(src: &str) -> (f64, f64) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default(), ParamsPlugin))
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_nanos(
            16_666_667,
        )))
        .add_plugins(LayersPlugin {
            live: true,
            asset_root: root.join("assets"),
        });
    {
        let mut r = app.world_mut().resource_mut::<ParamRegistry>();
        for i in 0..8 {
            let _ = r.register(ParamSpec::float(
                ParamAddress::new(format!("/p/f{i}")).expect("a"),
                50.0,
                0.0,
                100.0,
                "",
            ));
            let _ = r.register(ParamSpec::color(
                ParamAddress::new(format!("/p/c{i}")).expect("a"),
                [1.0; 3],
            ));
        }
    }
    let file =
        parse_layers(src, "bench.layers.ron", Some(&root.join("assets"))).expect("bench layers");
    {
        let mut s = app.world_mut().resource_mut::<LayersState>();
        s.file = file;
        s.loads += 1;
    }
    for _ in 0..120 {
        app.update();
    }
    let mut times: Vec<f64> = Vec::new();
    for _ in 0..1200 {
        let t = Instant::now();
        app.update();
        times.push(t.elapsed().as_secs_f64() * 1e6);
        // The model thread needs time to run between frames, as it would at 60 fps.
        std::thread::sleep(Duration::from_micros(500));
    }
    let s = app.world().resource::<LayersState>();
    if let Some(m) = s.models.get("look") {
        assert!(m.error.is_none(), "{:?}", m.error);
    }
    times.sort_by(f64::total_cmp);
    (
        times.iter().sum::<f64>() / times.len() as f64,
        times[times.len() * 99 / 100],
    )
}

fn main() {
    let (base_mean, base_p99) = frame_costs("()");
    let (mean, p99) = frame_costs(&layer_set());
    println!("main-thread cost per frame, 60 frames/s of scene time, 1200 frames (release)");
    println!(
        "  empty layer set (baseline)                   mean {base_mean:7.1} us   p99 {base_p99:7.1} us   1.00x"
    );
    println!(
        "  48 kHz analysis + 16 layers + model at 30 Hz mean {mean:7.1} us   p99 {p99:7.1} us   {:.2}x   (target < 1000 us)",
        mean / base_mean
    );
    println!(
        "  layers' own share                            mean {:7.1} us",
        mean - base_mean
    );
}
