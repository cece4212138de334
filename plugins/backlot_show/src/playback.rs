//! The show in the frame: a [`ShowPlugin`] that advances every cue list by the frame's
//! time, carries out [`ShowCommand`]s and [`LookEdit`]s, and plays the lists' values
//! through the [`Arbiter`] as `Source::Cue(<list>/<cue>)`, so they set the base under the
//! layers, controllers and the operator (the one arbitration rule; see `docs/show.md`).

use backlot_params::{
    Arbiter, BacklotSystems, Input, ParamRegistry, ParamValue, ParamsPlugin, Source,
};
use bevy::prelude::*;

use crate::command::CueCommand;
use crate::cue_list::LiveValues;
use crate::error::ShowError;
use crate::file::ShowFile;
use crate::look::capture;
use crate::pattern::AddressPattern;
use crate::show::{CueEdit, Show};
use crate::status::{PREFIX, status_specs, update_status};

/// A command for one cue list, or for every list (`list: None`: a master GO, PAUSE,
/// RELEASE…). What OSC routes, MIDI, the Cues panel and timecode write.
#[derive(Message, Debug, Clone, PartialEq)]
pub struct ShowCommand {
    /// The list, by name; none: every list.
    pub list: Option<String>,
    /// What to do.
    pub command: CueCommand,
}

/// A change to the show's looks.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum LookEdit {
    /// Store the live values as look `look` (over it, keeping a version, or as a new one):
    /// those matching any of `patterns` (`/scene/lights/**`), or all when there are none.
    Store {
        /// The look's name.
        look: String,
        /// Address patterns.
        patterns: Vec<String>,
    },
    /// Mark a look approved, or not.
    Approve {
        /// The look's name.
        look: String,
        /// The mark.
        approved: bool,
    },
    /// Bring back an earlier version of a look (1: the one before the current).
    Restore {
        /// The look's name.
        look: String,
        /// How many versions back.
        back: usize,
    },
}

/// Asks for the show's looks to be checked against the parameters now registered (send it
/// once the scene has loaded; the check also runs by itself once the registry settles).
#[derive(Message, Debug, Clone, Copy, Default)]
pub struct CheckShowParams;

/// The show's place in the frame, inside [`BacklotSystems::Layers`]: look edits, then
/// playback. Ordered before the layers' own work where it must come first.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShowSystems {
    /// [`LookEdit`]s are carried out.
    Edit,
    /// Lists advance, [`ShowCommand`]s are carried out, values go to the arbiter.
    Play,
}

/// The show being played, and what became of the commands sent to it.
#[derive(Resource, Debug, Default)]
pub struct ShowPlayback {
    /// The show, once one is loaded.
    pub show: Option<Show>,
    /// Commands and edits refused so far.
    pub refused: u64,
    /// The last refusal, for panels.
    pub last_error: Option<String>,
    /// Look values naming parameters the scene does not have, at the last check.
    pub unknown_params: usize,
    loads: u64,
    registered: u64,
    frames: u64,
}

impl ShowPlayback {
    /// Plays `file`: a new show, or a reloaded file for the one playing (lists stay on
    /// their cues by name).
    pub fn load(&mut self, file: ShowFile) {
        match self.show.as_mut() {
            Some(show) => show.reload(file),
            None => self.show = Some(Show::new(file)),
        }
        self.loads += 1;
    }

    /// Shows (re)loaded so far.
    pub fn loads(&self) -> u64 {
        self.loads
    }

    fn refuse(&mut self, error: &ShowError) {
        warn!("show: {error}");
        self.refused += 1;
        self.last_error = Some(error.to_string());
    }
}

/// Plays a show file's cue lists (see the crate docs). Without a show it waits for one
/// ([`ShowPlayback::load`]).
#[derive(Default)]
pub struct ShowPlugin {
    /// The show to play from the start.
    pub show: Option<ShowFile>,
}

impl Plugin for ShowPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<ParamsPlugin>() {
            app.add_plugins(ParamsPlugin);
        }
        let mut playback = ShowPlayback::default();
        if let Some(file) = &self.show {
            playback.load(file.clone());
        }
        app.insert_resource(playback)
            .init_resource::<crate::check::ParamCheck>()
            .add_message::<ShowCommand>()
            .add_message::<LookEdit>()
            .add_message::<CueEdit>()
            .add_message::<CheckShowParams>()
            .configure_sets(
                Update,
                (ShowSystems::Edit, ShowSystems::Play)
                    .chain()
                    .in_set(BacklotSystems::Layers),
            )
            .add_systems(
                Update,
                (
                    (edit_looks, edit_cues).chain().in_set(ShowSystems::Edit),
                    run_show.in_set(ShowSystems::Play),
                    crate::check::check_params.in_set(BacklotSystems::Report),
                ),
            );
        // OSC under `/show`, the command parameters and timecode.
        if !app.is_plugin_added::<crate::triggers::ShowTriggersPlugin>() {
            app.add_plugins(crate::triggers::ShowTriggersPlugin);
        }
        crate::save::build(app);
        crate::panel::build(app);
    }
}

/// The registry and arbiter as a list sees them.
struct Live<'a> {
    registry: &'a ParamRegistry,
    arbiter: &'a Arbiter,
}

impl LiveValues for Live<'_> {
    fn current(&self, address: &str) -> Option<ParamValue> {
        let entry = self.registry.entry(address)?;
        // A fade starts from the base it replaces: what a layer, controller or the
        // operator drives now is their value, not the base; the cue's (else the scene's) is.
        let cue = Source::Cue(String::new()).tier();
        Some(if self.arbiter.driver(address).tier() <= cue {
            entry.value.clone()
        } else {
            self.arbiter
                .base(address)
                .unwrap_or(&entry.spec.default)
                .clone()
        })
    }

    fn base(&self, address: &str) -> Option<ParamValue> {
        self.registry.entry(address).map(|e| e.spec.default.clone())
    }

    fn capture(&self) -> crate::look::LookValues {
        capture(self.registry, &[])
    }
}

/// Carries out this frame's look edits against the live values.
pub fn edit_looks(
    mut edits: MessageReader<LookEdit>,
    mut playback: ResMut<ShowPlayback>,
    registry: Res<ParamRegistry>,
) {
    for edit in edits.read() {
        let Some(show) = playback.show.as_mut() else {
            playback.refuse(&ShowError::NoShow);
            continue;
        };
        let result = match edit {
            LookEdit::Store { look, patterns } => patterns
                .iter()
                .map(|p| AddressPattern::new(p.as_str()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(ShowError::from)
                .and_then(|patterns| show.store(look, capture(&registry, &patterns)))
                .map(|changed| {
                    if changed {
                        info!("show: look `{look}` stored");
                    }
                }),
            LookEdit::Approve { look, approved } => show.approve(look, *approved),
            LookEdit::Restore { look, back } => show.restore(look, *back),
        };
        if let Err(e) = result {
            playback.refuse(&e);
        }
    }
}

/// Carries out this frame's cue edits (after the look edits: a look stored in the same frame
/// can be played by a cue added with it, as the panel's Record does).
pub fn edit_cues(mut edits: MessageReader<CueEdit>, mut playback: ResMut<ShowPlayback>) {
    for edit in edits.read() {
        let Some(show) = playback.show.as_mut() else {
            playback.refuse(&ShowError::NoShow);
            continue;
        };
        match show.edit_cues(edit) {
            Ok(true) => {
                let what = match edit {
                    CueEdit::Add { cue, .. } => format!("cue `{}` added", cue.name),
                    CueEdit::Change { cue, .. } => format!("cue `{cue}` changed"),
                    CueEdit::Move { cue, to, .. } => format!("cue `{cue}` moved to {}", to + 1),
                    CueEdit::Remove { cue, .. } => format!("cue `{cue}` removed"),
                };
                info!("show: cue list `{}`: {what}", edit.list());
            }
            Ok(false) => {}
            Err(e) => playback.refuse(&e),
        }
    }
}

/// Advances every list by the frame's time, carries out this frame's commands (a GO shows
/// its fade's first values in the frame it arrives), plays the values through the arbiter
/// and updates the status parameters.
pub fn run_show(
    time: Res<Time>,
    mut commands: MessageReader<ShowCommand>,
    mut playback: ResMut<ShowPlayback>,
    mut registry: ResMut<ParamRegistry>,
    mut arbiter: ResMut<Arbiter>,
) {
    let playback = playback.as_mut();
    let Some(show) = playback.show.as_mut() else {
        for _ in commands.read() {
            playback.refused += 1;
        }
        return;
    };
    if playback.registered != playback.loads {
        playback.registered = playback.loads;
        let removed = registry.replace_under(PREFIX, status_specs(show));
        if !removed.is_empty() {
            debug!(
                "show: {} status parameters gone with the reload",
                removed.len()
            );
        }
    }
    let mut refusals = Vec::new();
    {
        let live = Live {
            registry: &registry,
            arbiter: &arbiter,
        };
        show.advance(time.delta_secs_f64(), &live);
        for c in commands.read() {
            if let Err(e) = show.command(c.list.as_deref(), &c.command, &live) {
                refusals.push(e);
            }
        }
    }
    playback.frames += 1;
    // Each list's values are played as its cue's label, made once a frame.
    let sources: Vec<Source> = show
        .lists()
        .iter()
        .map(|l| Source::Cue(l.label().unwrap_or(l.name()).to_string()))
        .collect();
    for (address, value, list, new, hint) in show.due(playback.frames) {
        // A changed value goes to the arbiter at once; an unchanged one, checked in turn,
        // only when the arbiter's base or the registry lost it (another list's release
        // cleared the base, a scene reload reset the value while the cue drives it).
        // Unknown parameters are reported by the check, not played.
        let Some(source) = sources.get(list) else {
            continue;
        };
        if !new {
            let same_base = arbiter.base(address) == Some(value);
            let shown = arbiter.driver_tier(address) > source.tier()
                || registry.get(address).ok() == Some(value);
            if same_base && shown {
                continue;
            }
        }
        // Played at once, not queued: see `Arbiter::play_cue`. A refusal is counted there.
        let _ = arbiter.play_cue_hinted(&mut registry, address, hint, value, source);
    }
    for fired in show.take_fired() {
        if registry.entry(&fired.address).is_some() {
            arbiter.push(cue_input(&fired.address, ParamValue::Trigger, &fired.label));
        }
    }
    for released in show.take_released() {
        for address in released.addresses {
            arbiter.forget_later(address, Source::Cue(released.label.clone()));
        }
    }
    for e in &refusals {
        playback.refuse(e);
    }
    if let Some(show) = playback.show.as_ref() {
        update_status(
            show,
            playback.refused,
            playback.unknown_params,
            &mut registry,
        );
    }
}

fn cue_input(address: &str, value: ParamValue, label: &str) -> Input {
    Input {
        address: address.to_string(),
        value,
        source: Source::Cue(label.to_string()),
        slew_ms: 0.0,
        priority: 0,
    }
}
