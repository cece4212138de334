//! Text → validated [`ShowFile`], every problem at the line and column of its token.

use std::collections::BTreeMap;
use std::path::Path;

use backlot_files::{FileErrors, Problems, line_col, parse_ron};
use backlot_params::ParamAddress;

use super::layout::Layout;
use super::{CueListDef, Positions, ShowFile};
use crate::look::{MAX_LOOKS, MAX_VERSIONS};

/// Most cues one list holds: the panel's table, the OSC `goto` range and a follow chain
/// stay bounded.
pub const MAX_CUES: usize = 1000;

/// Parses and validates show text; `shown` names the file in messages. What needs other
/// files is checked by [`check_paths`]; what needs the live parameters (a look naming a
/// parameter the scene does not have) by [`crate::Show::unknown_params`] once the scene
/// has loaded.
pub fn parse_show(
    text: &str,
    shown: &str,
    asset_root: Option<&Path>,
) -> Result<ShowFile, FileErrors> {
    let mut show: ShowFile = parse_ron(text, shown, asset_root)?;
    let layout = Layout::of(text);
    let mut problems = Problems::new(text, shown);
    validate(&show, &layout, &mut problems);
    show.positions = positions(&show, &layout, text, shown);
    problems.into_result(show)
}

/// The checks [`parse_show`] makes, on a show that has no text: an edit made in the
/// running show (a cue added, changed, moved or removed from the Cues panel) must leave a
/// show its file could hold. Each problem's message, first found first.
pub fn check_show(show: &ShowFile) -> Result<(), Vec<String>> {
    let layout = Layout::of("");
    let mut problems = Problems::new("", &show.positions.shown);
    validate(show, &layout, &mut problems);
    problems
        .into_result(())
        .map_err(|errors| errors.0.into_iter().map(|e| e.message).collect())
}

/// The files the show names exist beside `show_file`, the path `text` was read from; each
/// problem at the path's string.
pub fn check_paths(
    file: &ShowFile,
    show_file: &Path,
    text: &str,
    shown: &str,
) -> Result<(), FileErrors> {
    let layout = Layout::of(text);
    let mut problems = Problems::new(text, shown);
    let named = [
        ("scene", &file.scene, file.scene_path(show_file)),
        ("stage", &file.stage, file.stage_path(show_file)),
        ("map", &file.map, file.map_path(show_file)),
        ("layers", &file.layers, file.layers_path(show_file)),
    ];
    for (key, written, full) in named {
        if let (Some(written), Some(full)) = (written, full)
            && !full.is_file()
        {
            problems.report(
                layout.top(key),
                format!(
                    "{key} file `{}` not found (looked for {}; paths are relative to the show file)",
                    written.display(),
                    full.display()
                ),
            );
        }
    }
    problems.into_result(())
}

/// Seconds since midnight of `hh:mm:ss:ff` (`;` before the frames for drop-frame) at `fps`.
pub fn parse_timecode(text: &str, fps: f32) -> Result<f64, String> {
    let bad = || format!("timecode `{text}` is not hh:mm:ss:ff");
    let parts: Vec<&str> = text.split([':', ';']).collect();
    let [h, m, s, f] = parts.as_slice() else {
        return Err(bad());
    };
    let number = |p: &str| -> Result<u32, String> {
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        p.parse().map_err(|_| bad())
    };
    let (h, m, s, f) = (number(h)?, number(m)?, number(s)?, number(f)?);
    if h > 23 || m > 59 || s > 59 {
        return Err(format!(
            "timecode `{text}`: hours run 0..23, minutes and seconds 0..59"
        ));
    }
    if !(fps.is_finite() && fps > 0.0) || f as f32 >= fps.ceil() {
        return Err(format!(
            "timecode `{text}`: frame {f} does not exist at {fps} frames per second"
        ));
    }
    Ok(f64::from(h * 3600 + m * 60 + s) + f64::from(f) / f64::from(fps))
}

fn positions(show: &ShowFile, layout: &Layout<'_>, text: &str, shown: &str) -> Positions {
    let mut positions = Positions {
        shown: shown.to_string(),
        ..Default::default()
    };
    for (i, look) in show.looks.iter().enumerate() {
        let at = |offset: usize| line_col(text, offset);
        positions
            .looks
            .insert(look.name.clone(), at(layout.look(i, "name")));
        let values: BTreeMap<String, (usize, usize)> = layout
            .look_values(i)
            .into_iter()
            .map(|(address, offset)| (address.to_string(), at(offset)))
            .collect();
        positions.values.insert(look.name.clone(), values);
    }
    positions
}

fn validate(show: &ShowFile, layout: &Layout<'_>, problems: &mut Problems<'_>) {
    let fps = show.timecode_fps;
    if !(fps > 0.0 && fps <= 120.0) {
        problems.report(
            layout.top("timecode_fps"),
            format!("timecode_fps must be more than 0 and at most 120, got {fps}"),
        );
    }
    if show.looks.len() > MAX_LOOKS {
        problems.report(
            layout.top("looks"),
            format!(
                "the show has {} looks; a show holds at most {MAX_LOOKS}",
                show.looks.len()
            ),
        );
    }
    let mut names: Vec<&str> = Vec::new();
    for (i, look) in show.looks.iter().enumerate() {
        let name = look.name.as_str();
        if name.is_empty() {
            problems.report(layout.look(i, "name"), "look name must not be empty".into());
        } else if names.contains(&name) {
            problems.report(layout.look(i, "name"), format!("duplicate look `{name}`"));
        }
        names.push(name);
        if look.versions.len() > MAX_VERSIONS {
            problems.report(
                layout.look(i, "versions"),
                format!(
                    "look `{name}` has {} earlier versions; a look keeps at most {MAX_VERSIONS}",
                    look.versions.len()
                ),
            );
        }
        let written = layout.look_values(i);
        for address in look.values.keys() {
            if let Err(e) = ParamAddress::new(address.as_str()) {
                let at = written
                    .iter()
                    .find(|(a, _)| *a == address.as_str())
                    .map_or_else(|| layout.look(i, "values"), |(_, at)| *at);
                problems.report(at, format!("look `{name}`: {e}"));
            }
        }
    }
    let mut lists: Vec<&str> = Vec::new();
    for (l, list) in show.lists.iter().enumerate() {
        let name = list.name.as_str();
        if let Some(problem) = segment_problem(name) {
            problems.report(layout.list(l, "name"), format!("cue list name {problem}"));
        } else if lists.contains(&name) {
            problems.report(
                layout.list(l, "name"),
                format!("duplicate cue list `{name}`"),
            );
        }
        lists.push(name);
        // parse_ron refused NaN already, so a plain comparison is the whole check.
        if list.release_fade < 0.0 {
            problems.report(
                layout.list(l, "release_fade"),
                format!(
                    "cue list `{name}`: release_fade must be 0 s or more, got {}",
                    list.release_fade
                ),
            );
        }
        if list.cues.is_empty() {
            problems.report(
                layout.list(l, "cues"),
                format!("cue list `{name}` has no cues"),
            );
        } else if list.cues.len() > MAX_CUES {
            problems.report(
                layout.list(l, "cues"),
                format!(
                    "cue list `{name}` has {} cues; a list holds at most {MAX_CUES}",
                    list.cues.len()
                ),
            );
        }
        validate_cues(show, list, l, layout, problems);
        follow_cycles(list, l, layout, problems);
    }
}

fn validate_cues(
    show: &ShowFile,
    list: &CueListDef,
    l: usize,
    layout: &Layout<'_>,
    problems: &mut Problems<'_>,
) {
    let looks: Vec<String> = show.looks.iter().map(|k| format!("`{}`", k.name)).collect();
    let looks = if looks.is_empty() {
        "none".to_string()
    } else {
        looks.join(", ")
    };
    let mut names: Vec<&str> = Vec::new();
    for (c, cue) in list.cues.iter().enumerate() {
        let at = |key: &str| layout.cue(l, c, key);
        let what = format!("cue `{}` of list `{}`", cue.name, list.name);
        if cue.name.is_empty() {
            problems.report(at("name"), "cue name must not be empty".into());
        } else if names.contains(&cue.name.as_str()) {
            problems.report(
                at("name"),
                format!("duplicate cue `{}` in list `{}`", cue.name, list.name),
            );
        }
        names.push(&cue.name);
        if !show.looks.iter().any(|k| k.name == cue.look) {
            problems.report(
                at("look"),
                format!(
                    "{what} plays look `{}`, which the show does not define (it has {looks})",
                    cue.look
                ),
            );
        }
        let times = [
            ("fade", Some(cue.fade)),
            ("delay", Some(cue.delay)),
            ("follow", cue.follow),
        ];
        for (key, time) in times {
            if let Some(t) = time
                && t < 0.0
            {
                problems.report(
                    at(key),
                    format!("{what}: {key} must be 0 s or more, got {t}"),
                );
            }
        }
        if !(0.0..=1.0).contains(&cue.switch_at) {
            problems.report(
                at("switch_at"),
                format!(
                    "{what}: switch_at is a point of the fade, 0 to 1, got {}",
                    cue.switch_at
                ),
            );
        }
        if let Some(next) = &cue.next
            && !list.cues.iter().any(|k| k.name == *next)
        {
            problems.report(
                at("next"),
                format!("{what} names next cue `{next}`, which the list does not have"),
            );
        }
        if let Some(tc) = &cue.timecode
            && let Err(e) = parse_timecode(tc, show.timecode_fps)
        {
            problems.report(at("timecode"), format!("{what}: {e}"));
        }
    }
}

/// The cue GO plays after cue `i` of `list`.
fn next_of(list: &CueListDef, i: usize) -> Option<usize> {
    match list.cues.get(i)?.next.as_deref() {
        Some(name) => list.cues.iter().position(|c| c.name == name),
        None => (i + 1 < list.cues.len()).then_some(i + 1),
    }
}

/// Cues whose follows chain back to themselves: the list would run forever without a GO.
/// Each cue follows into at most one other, so each loop is found once, from the first of
/// its cues the walk meets.
fn follow_cycles(list: &CueListDef, l: usize, layout: &Layout<'_>, problems: &mut Problems<'_>) {
    let n = list.cues.len();
    // 0: not seen, 1: on the walk now, 2: done.
    let mut state = vec![0u8; n];
    for start in 0..n {
        let mut path: Vec<usize> = Vec::new();
        let mut i = start;
        loop {
            if state[i] == 2 {
                break;
            }
            if state[i] == 1 {
                let from = path.iter().position(|p| *p == i).unwrap_or(0);
                let cycle = &path[from..];
                let mut chain: Vec<String> = cycle
                    .iter()
                    .map(|c| format!("`{}`", list.cues[*c].name))
                    .collect();
                chain.push(format!("`{}`", list.cues[cycle[0]].name));
                problems.report(
                    layout.cue(l, cycle[0], "follow"),
                    format!(
                        "cues {} of list `{}` follow each other forever: the list never waits \
                         for a GO; take the `follow` off one of them",
                        chain.join(" → "),
                        list.name
                    ),
                );
                break;
            }
            state[i] = 1;
            path.push(i);
            match next_of(list, i).filter(|_| list.cues[i].follow.is_some()) {
                Some(j) => i = j,
                None => break,
            }
        }
        for p in path {
            state[p] = 2;
        }
    }
}

/// What keeps `name` from being an address segment (`/show/<name>/…`), if anything.
fn segment_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("must not be empty".into());
    }
    name.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-')))
        .map(|c| {
            format!(
                "`{name}` has `{c}`; use letters, digits, `_` or `-` (it is the address /show/{name})"
            )
        })
}
