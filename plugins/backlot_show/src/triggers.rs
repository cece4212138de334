//! What fires show commands besides the Cues panel: OSC under `/show` ([`crate::osc`]),
//! controllers through the map (a MIDI note, a program change, a DMX channel, an OSC alias:
//! writes of the show's command parameters, see [`crate::status`]) and timecode (MIDI time
//! code, ArtTimeCode: [`backlot_net::Timecode`]). Each becomes a [`ShowCommand`] that the
//! frame's playback carries out.
//!
//! A command parameter fires once per write the arbiter applies (its `applied` list): a
//! trigger once per press (a MIDI note's release writes nothing), `goto` once per number
//! written. DMX is a level, resent many times a second whether it moved or not: a DMX write
//! of `goto` fires only when the number changes, and DMX cannot press the triggers (they
//! would fire with every packet) — those writes are ignored and the log says so once.

use std::collections::BTreeMap;
use std::sync::Arc;

use backlot_net::{NetPlugin, OscRouter, Timecode};
use backlot_params::{Arbiter, ParamKind, ParamRegistry, ParamValue, Source};
use bevy::prelude::*;

use crate::command::{CommandArg, CueCommand, command_at};
use crate::osc::{ShowOsc, ShowOscStats, ShowReadOnly, drain_osc};
use crate::playback::{ShowCommand, ShowPlayback, ShowSystems, run_show};
use crate::status::PREFIX;
use crate::undo_request::UndoRequest;

/// Goto parameters whose last DMX value is remembered; past this, those of lists the show
/// no longer has are forgotten (a show has few lists, but reloads can rename them).
const MAX_DMX_GOTOS: usize = 256;

/// OSC under `/show`, command parameters and timecode into [`ShowCommand`]s (and
/// `/show/undo`, `/show/redo` into [`UndoRequest`]s). Added by [`crate::ShowPlugin`].
#[derive(Default)]
pub struct ShowTriggersPlugin;

impl Plugin for ShowTriggersPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<NetPlugin>() {
            app.add_plugins(NetPlugin);
        }
        let router = app
            .world()
            .get_resource::<OscRouter>()
            .cloned()
            .unwrap_or_default();
        let inbox = ShowOsc::default();
        router.subscribe(PREFIX, Arc::new(inbox.clone()));
        app.insert_resource(router)
            .insert_resource(inbox)
            .init_resource::<ShowReadOnly>()
            .init_resource::<ShowOscStats>()
            .init_resource::<ParamTriggers>()
            .init_resource::<TimecodeFollow>()
            .add_message::<ShowCommand>()
            .add_message::<UndoRequest>()
            .add_systems(
                Update,
                (drain_osc, param_triggers, follow_timecode)
                    .chain()
                    .in_set(ShowSystems::Play)
                    .before(run_show),
            );
    }
}

/// What DMX last wrote to each list's `goto`, and whether the log has said that DMX cannot
/// press a trigger.
#[derive(Resource, Debug, Default)]
pub struct ParamTriggers {
    dmx_goto: BTreeMap<String, i32>,
    dmx_trigger_warned: bool,
}

/// The command parameters the arbiter applied in the last frame fire their commands, each
/// once (a parameter written twice in one frame fires once).
pub fn param_triggers(
    arbiter: Res<Arbiter>,
    registry: Res<ParamRegistry>,
    mut state: ResMut<ParamTriggers>,
    mut commands: MessageWriter<ShowCommand>,
) {
    let state = state.as_mut();
    let mut fired: Vec<&str> = Vec::new();
    for (address, source) in &arbiter.applied {
        if !address.starts_with("/show/") || fired.contains(&address.as_str()) {
            continue;
        }
        let Some(entry) = registry.entry(address) else {
            continue;
        };
        if entry.spec.read_only {
            continue;
        }
        let trigger = entry.spec.kind == ParamKind::Trigger;
        match source {
            // A render node's copy of the primary's frame: the primary fired it already.
            Source::Cluster(_) => continue,
            Source::Dmx(universe) if trigger => {
                if !state.dmx_trigger_warned {
                    state.dmx_trigger_warned = true;
                    warn!(
                        "show: DMX universe {universe} writes {address}, a trigger: ignored (a \
                         DMX level is resent with every packet and would fire each time); \
                         bind the channel to /show/<list>/goto instead"
                    );
                }
                continue;
            }
            Source::Dmx(_) => {
                let ParamValue::Int(n) = entry.value else {
                    continue;
                };
                if state.dmx_goto.insert(address.clone(), n) == Some(n) {
                    continue;
                }
            }
            _ => {}
        }
        let arg = entry
            .value
            .as_f32()
            .map(|n| CommandArg::Number(f64::from(n)));
        // A goto of 0 plays nothing.
        let Some((list, command)) = command_at(address, arg.as_ref()) else {
            continue;
        };
        fired.push(address);
        commands.write(ShowCommand { list, command });
    }
    if state.dmx_goto.len() > MAX_DMX_GOTOS {
        state.dmx_goto.retain(|a, _| registry.entry(a).is_some());
    }
}

/// The timecode last seen, in its frames since midnight.
#[derive(Resource, Debug, Default)]
pub struct TimecodeFollow {
    last: Option<i64>,
}

/// Each new timecode goes to every list as seconds since midnight: a list plays the cue
/// whose `timecode` it has just run past, and nothing on a jump (a locate).
pub fn follow_timecode(
    timecode: Option<Res<Timecode>>,
    playback: Res<ShowPlayback>,
    mut state: ResMut<TimecodeFollow>,
    mut commands: MessageWriter<ShowCommand>,
) {
    let Some(timecode) = timecode else {
        return;
    };
    let Some(frames) = timecode.frames else {
        return;
    };
    if state.last == Some(frames) {
        return;
    }
    state.last = Some(frames);
    // Without a show the command would only count as refused, every frame.
    let fps = timecode.fps;
    if playback.show.is_none() || !(fps.is_finite() && fps > 0.0) {
        return;
    }
    commands.write(ShowCommand {
        list: None,
        command: CueCommand::Timecode(frames as f64 / f64::from(fps)),
    });
}

#[cfg(test)]
#[path = "triggers_tests.rs"]
mod tests;
