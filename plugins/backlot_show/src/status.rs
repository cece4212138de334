//! The show as parameters. Read-only status, so OSCQuery, panels and any controller see
//! it: per list `/show/<list>/{cue,next,fade_progress,paused}`, and `/show/refused`,
//! `/show/unknown_params` and `/show/dropped` for monitors. Writable commands, so a MIDI
//! note, a program change or a DMX channel can fire them through the map like any other
//! parameter: `/show/go` and per list `/show/<list>/{go,back,pause,resume,release}`
//! (triggers) and `/show/<list>/goto` (an int: the cue to play). Both are registered
//! together, whenever the show (re)loads; see `triggers.rs` for how a write fires.

use backlot_params::{ParamAddress, ParamKind, ParamRegistry, ParamSpec, ParamValue};

use crate::show::Show;

/// Where every show parameter lives.
pub const PREFIX: &str = "/show";
/// Commands refused so far (unknown list or cue, end of a list…).
pub const REFUSED: &str = "/show/refused";
/// Look values naming a parameter the running scene does not have.
pub const UNKNOWN_PARAMS: &str = "/show/unknown_params";
/// The cue a list played last: its number, 1 the first; 0 before any.
pub const CUE: &str = "cue";
/// The cue GO plays: its number; 0 at the end of the list.
pub const NEXT: &str = "next";
/// How far the list's latest fade is, 0..1.
pub const FADE_PROGRESS: &str = "fade_progress";
/// Whether PAUSE holds the list.
pub const PAUSED: &str = "paused";
/// OSC show commands dropped: more arrived between two frames than are held.
pub const DROPPED: &str = "/show/dropped";
/// Writable trigger: GO on every list.
pub const MASTER_GO: &str = "/show/go";
/// Writable triggers per list, each the command of its name: `/show/<list>/go`, …
pub const TRIGGERS: [&str; 6] = ["go", "back", "pause", "resume", "release", "record"];
/// Writable int per list: writing n plays cue n (1 the first; 0 plays nothing).
pub const GOTO: &str = "goto";

/// `/show/<list>/<leaf>`.
pub fn address(list: &str, leaf: &str) -> String {
    format!("{PREFIX}/{list}/{leaf}")
}

fn spec(address: &str, kind: ParamKind, default: ParamValue, about: &str) -> Option<ParamSpec> {
    let address = ParamAddress::new(address).ok()?;
    Some(
        ParamSpec::new(address, kind, default)
            .read_only()
            .with_description(about),
    )
}

/// A writable trigger: each write fires the command once.
fn trigger(address: &str, about: &str) -> Option<ParamSpec> {
    let address = ParamAddress::new(address).ok()?;
    Some(ParamSpec::trigger(address).with_description(about))
}

/// Every parameter of `show`: its status (read-only) and its commands (writable).
pub fn status_specs(show: &Show) -> Vec<ParamSpec> {
    let mut specs = vec![
        trigger(MASTER_GO, "GO on every cue list"),
        spec(
            DROPPED,
            ParamKind::Int,
            ParamValue::Int(0),
            "OSC show commands dropped: more arrived between two frames than are held",
        ),
        spec(
            REFUSED,
            ParamKind::Int,
            ParamValue::Int(0),
            "Show commands refused so far",
        ),
        spec(
            UNKNOWN_PARAMS,
            ParamKind::Int,
            ParamValue::Int(0),
            "Look values naming a parameter the running scene does not have",
        ),
    ];
    for list in show.lists() {
        let name = list.name();
        let cues = list.cues().len() as f32;
        let cue_number = |leaf: &str, about: &str| {
            spec(
                &address(name, leaf),
                ParamKind::Int,
                ParamValue::Int(0),
                about,
            )
            .map(|s| s.with_range(0.0, cues))
        };
        specs.push(cue_number(
            CUE,
            "The cue played last (1 the first; 0 before any)",
        ));
        specs.push(cue_number(
            NEXT,
            "The cue GO plays (0 at the end of the list)",
        ));
        specs.push(
            spec(
                &address(name, FADE_PROGRESS),
                ParamKind::Float,
                ParamValue::Float(0.0),
                "How far the latest fade is",
            )
            .map(|s| s.with_range(0.0, 1.0)),
        );
        specs.push(spec(
            &address(name, PAUSED),
            ParamKind::Bool,
            ParamValue::Bool(false),
            "PAUSE holds the list",
        ));
        for leaf in TRIGGERS {
            specs.push(trigger(&address(name, leaf), trigger_about(leaf)));
        }
        specs.push(ParamAddress::new(address(name, GOTO)).ok().map(|a| {
            ParamSpec::new(a, ParamKind::Int, ParamValue::Int(0))
                .with_range(0.0, cues)
                .with_description(
                    "Write n to play cue n (1 the first; 0 plays nothing): a MIDI program \
                         change, a DMX channel (its level over the range picks the cue)",
                )
        }));
    }
    specs.into_iter().flatten().collect()
}

fn trigger_about(leaf: &str) -> &'static str {
    match leaf {
        "go" => "GO: play the next cue (or go on after a pause)",
        "back" => "BACK: fade to the cue before the current one",
        "pause" => "PAUSE the list's fade, delay and follow",
        "resume" => "RESUME after a pause",
        "release" => "RELEASE: fade back to the scene and start again at the first cue",
        "record" => {
            "RECORD: store the live values as a new look and add a cue playing it after the \
             current one (3 s fade)"
        }
        _ => "A show command",
    }
}

fn number(index: Option<usize>) -> ParamValue {
    ParamValue::Int(index.map_or(0, |i| i32::try_from(i + 1).unwrap_or(i32::MAX)))
}

fn count(n: u64) -> ParamValue {
    ParamValue::Int(i32::try_from(n).unwrap_or(i32::MAX))
}

/// Writes the show's state into its status parameters (only changes reach reports).
pub fn update_status(show: &Show, refused: u64, unknown: usize, registry: &mut ParamRegistry) {
    let mut set = |address: &str, value: ParamValue| {
        if registry.get(address).ok() != Some(&value) {
            let _ = registry.set_status(address, value);
        }
    };
    set(REFUSED, count(refused));
    set(UNKNOWN_PARAMS, count(unknown as u64));
    for list in show.lists() {
        let name = list.name();
        set(&address(name, CUE), number(list.current()));
        set(&address(name, NEXT), number(list.next()));
        // Thousandths: enough for any display, and a slow fade is not a change every frame.
        let progress = (list.progress() * 1000.0).round() / 1000.0;
        set(&address(name, FADE_PROGRESS), ParamValue::Float(progress));
        set(&address(name, PAUSED), ParamValue::Bool(list.paused()));
    }
}
