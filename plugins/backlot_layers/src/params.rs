//! The parameters a layer set publishes under `/layers`.

use backlot_params::{ParamAddress, ParamSpec};

use crate::format::LayersFile;

fn addr(parts: &[&str]) -> ParamAddress {
    ParamAddress::from_segments_lossy(parts.iter().copied())
}

/// Every parameter a layer set declares.
pub fn layer_specs(file: &LayersFile) -> Vec<ParamSpec> {
    let mut out = vec![
        ParamSpec::float(
            addr(&["layers", "tempo", "bpm"]),
            file.tempo.bpm,
            20.0,
            300.0,
            "BPM",
        )
        .with_description("The layers' tempo (internal, or followed)"),
        ParamSpec::trigger(addr(&["layers", "tempo", "tap"])).with_description("Tap tempo"),
        ParamSpec::float(addr(&["layers", "tempo", "beat"]), 0.0, 0.0, 1.0, "")
            .read_only()
            .with_description("Beat phase"),
        ParamSpec::float(addr(&["layers", "tempo", "bar"]), 0.0, 0.0, 1.0, "")
            .read_only()
            .with_description("Bar phase"),
        ParamSpec::float(addr(&["layers", "audio", "rms"]), 0.0, 0.0, 1.0, "")
            .read_only()
            .with_description("Audio level (RMS)"),
        ParamSpec::float(addr(&["layers", "audio", "bpm"]), 0.0, 0.0, 300.0, "BPM")
            .read_only()
            .with_description("Tempo the audio's beat tracker hears"),
        ParamSpec::float(addr(&["layers", "master"]), 1.0, 0.0, 1.0, "")
            .with_description("Scales every layer's weight"),
    ];
    for b in 0..crate::analysis::BANDS {
        let name = format!("band{b}");
        out.push(
            ParamSpec::float(addr(&["layers", "audio", name.as_str()]), 0.0, 0.0, 1.0, "")
                .read_only(),
        );
    }
    for l in &file.layers {
        let n = l.name.0.as_str();
        out.push(
            ParamSpec::float(addr(&["layers", n, "weight"]), l.weight, 0.0, 1.0, "")
                .with_description("How much this layer moves its targets"),
        );
        out.push(ParamSpec::bool(addr(&["layers", n, "mute"]), l.mute));
        out.push(ParamSpec::bool(addr(&["layers", n, "solo"]), l.solo));
        out.push(
            ParamSpec::float(addr(&["layers", n, "output"]), 0.0, 0.0, 1.0, "")
                .read_only()
                .with_description("The layer's signal now"),
        );
    }
    out.extend(file.visuals.iter().flat_map(crate::visuals::visual_specs));
    out
}
