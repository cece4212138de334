//! Text → validated [`LayersFile`] with positions.

use std::path::Path;

use backlot_scene::format::{FileErrors, Problems, find_after, find_name, parse_ron, read_source};

use super::{Feature, LayersFile, TargetDef};

/// Parses and validates a layer set; `asset_root` is where audio and models must exist.
pub fn parse_layers(
    src: &str,
    path: &str,
    asset_root: Option<&Path>,
) -> Result<LayersFile, FileErrors> {
    let file: LayersFile = parse_ron(src, path, asset_root)?;
    let mut problems = Problems::new(src, path);
    validate(&file, src, &mut |offset, message| {
        problems.report(offset, message)
    });
    problems.into_result(file)
}

/// Reads and parses a layers file.
pub fn parse_layers_file(path: &Path, asset_root: Option<&Path>) -> Result<LayersFile, FileErrors> {
    let (src, shown) = read_source(path)?;
    parse_layers(&src, &shown, asset_root)
}

fn validate(file: &LayersFile, src: &str, report: &mut dyn FnMut(usize, String)) {
    let mut names: Vec<&str> = Vec::new();
    for l in &file.layers {
        let at = find_name(src, &l.name.0);
        if names.contains(&l.name.0.as_str()) {
            report(at, format!("duplicate layer name `{}`", l.name));
        }
        names.push(&l.name.0);
        if !(0.0..=1.0).contains(&l.weight) {
            report(
                find_after(src, at, "weight").unwrap_or(at),
                format!("layer `{}`: weight must be 0..1", l.name),
            );
        }
        if l.targets.is_empty() {
            report(
                at,
                format!("layer `{}` drives nothing (no targets)", l.name),
            );
        }
        let source_at = find_after(src, at, "source").unwrap_or(at);
        match &l.source {
            Feature::Band(b) if *b >= 8 => {
                report(source_at, format!("layer `{}`: bands are 0..7", l.name))
            }
            Feature::Lfo(n) if !file.lfos.iter().any(|x| x.name.0 == *n) => {
                report(source_at, format!("layer `{}`: no LFO named `{n}`", l.name))
            }
            Feature::Model(n, i) => match file.models.iter().find(|m| m.name.0 == *n) {
                None => report(
                    source_at,
                    format!("layer `{}`: no model named `{n}`", l.name),
                ),
                Some(m) if *i >= m.outputs => report(
                    source_at,
                    format!(
                        "layer `{}`: model `{n}` has {} outputs; {i} is out of range",
                        l.name, m.outputs
                    ),
                ),
                _ => {}
            },
            Feature::Performer(id, _) if !file.performers.iter().any(|p| p.id == *id) => {
                report(source_at, format!("layer `{}`: no performer {id}", l.name))
            }
            _ => {}
        }
        for t in &l.targets {
            let t_at = find_after(src, at, &format!("\"{}\"", t.param())).unwrap_or(at);
            if !t.param().starts_with('/') {
                report(t_at, format!("`{}` is not a parameter address", t.param()));
            }
            if let TargetDef::Palette { colors, .. } = t
                && colors.is_empty()
            {
                report(t_at, "a palette needs at least one colour".into());
            }
            if let TargetDef::ModelColor {
                model,
                first_output,
                ..
            } = t
            {
                match file.models.iter().find(|m| m.name.0 == *model) {
                    None => report(t_at, format!("no model named `{model}`")),
                    Some(m) if first_output + 3 > m.outputs => report(
                        t_at,
                        format!(
                            "model `{model}` has {} outputs; a colour needs {first_output}..{}",
                            m.outputs,
                            first_output + 3
                        ),
                    ),
                    _ => {}
                }
            }
        }
    }
    for m in &file.models {
        let at = find_name(src, &m.name.0);
        if m.inputs.is_empty() || m.outputs == 0 {
            report(at, format!("model `{}` needs inputs and outputs", m.name));
        }
        if !(m.rate_hz > 0.0 && m.rate_hz <= 240.0) {
            report(
                find_after(src, at, "rate_hz").unwrap_or(at),
                format!("model `{}`: rate_hz must be 0..240", m.name),
            );
        }
    }
    if file.tempo.bpm < 20.0 || file.tempo.bpm > 300.0 {
        report(
            find_after(src, 0, "bpm").unwrap_or(0),
            "tempo bpm must be 20..300".into(),
        );
    }
}
