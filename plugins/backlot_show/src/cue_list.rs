//! One cue list's playback, Bevy-free and driven by the clock it is given: GO, BACK, GOTO,
//! PAUSE, RELEASE, follows and delays, recalls and A/B compares, timecode triggers.
//!
//! A list holds a value for every parameter its cues have touched ("tracking": a look only
//! moves what it names, the rest keeps what earlier cues set) and a fade in progress. A
//! fade starts where each value stands: what this list holds, else what the parameter
//! shows ([`LiveValues::current`]). RELEASE fades what the list holds back to the scene
//! ([`LiveValues::base`]) and then lets go of it. Every value carries the stamp of the fade
//! that set it, so that when lists share a parameter the latest fade wins (see
//! [`crate::show`]).

use backlot_params::ParamValue;
use std::sync::Arc;

use crate::command::{CueCommand, CueRef};
use crate::error::ShowError;
use crate::fade::FadeCurve;
use crate::file::{CueDef, CueListDef, parse_timecode};
use crate::look::{Look, LookRef, LookValues, find};
use crate::running::{Fade, Held, secs};
use crate::slots::Slots;

#[path = "list_state.rs"]
mod state;
pub use state::{CompareState, FadeState, HeldState, ListState};

/// A timecode that moved forward by more than this, seconds, located (jumped) rather than
/// ran: the cues it skipped are not played.
pub const MAX_TIMECODE_STEP: f64 = 1.0;

/// What a list needs to know of the parameters outside it.
pub trait LiveValues {
    /// What the parameter shows now, where a fade starts when the list holds no value of it.
    fn current(&self, address: &str) -> Option<ParamValue>;
    /// The scene's own value of the parameter, where RELEASE fades to.
    fn base(&self, address: &str) -> Option<ParamValue>;
    /// Every value a look can store, as it shows now (RECORD); none where the parameters
    /// cannot be listed.
    fn capture(&self) -> LookValues {
        LookValues::new()
    }
}

/// What a list is played against: the show's looks, the live values and the show's fade
/// stamp counter (the latest fade wins a parameter that lists share).
pub struct Env<'a> {
    /// The show's looks.
    pub looks: &'a [Look],
    /// The parameters outside the list.
    pub live: &'a dyn LiveValues,
    /// The show's last fade stamp; every fade start takes the next.
    pub stamps: &'a mut u64,
}

/// What a finished RELEASE let go of: the parameters, and the cue label they were played as.
#[derive(Debug, Clone, PartialEq)]
pub struct Released {
    /// The label they were pushed with (`Source::Cue(label)`).
    pub label: String,
    /// The parameters.
    pub addresses: Vec<String>,
}

/// One cue list playing.
#[derive(Debug, Clone)]
pub struct CueList {
    def: CueListDef,
    timecodes: Vec<Option<f64>>,
    current: Option<usize>,
    fade: Option<Fade>,
    progress: f32,
    paused: bool,
    held: Slots<Held>,
    /// Counts changes to `held`: the show merges only lists that changed since it last did.
    held_changes: u64,
    label: Option<String>,
    fired: Vec<String>,
    released: Option<Released>,
    compare: Option<(LookRef, LookRef, bool)>,
    last_timecode: Option<f64>,
}

impl CueList {
    /// A list at rest, before its first cue; `timecode_fps` reads its cues' timecodes.
    pub fn new(def: CueListDef, timecode_fps: f32) -> Self {
        let timecodes = def
            .cues
            .iter()
            .map(|c| {
                c.timecode
                    .as_deref()
                    .and_then(|t| parse_timecode(t, timecode_fps).ok())
            })
            .collect();
        Self {
            def,
            timecodes,
            current: None,
            fade: None,
            progress: 0.0,
            paused: false,
            held: Slots::new(),
            held_changes: 0,
            label: None,
            fired: Vec::new(),
            released: None,
            compare: None,
            last_timecode: None,
        }
    }

    /// Takes a changed definition (a reloaded show file), staying on the cue of the same
    /// name and going on with what plays.
    pub fn redefine(&mut self, def: CueListDef, timecode_fps: f32) {
        let current = self.current_cue().map(|c| c.name.clone());
        let mut fresh = Self::new(def, timecode_fps);
        fresh.current = current.and_then(|n| fresh.def.cues.iter().position(|c| c.name == n));
        let kept = std::mem::replace(self, fresh);
        self.fade = kept.fade;
        self.progress = kept.progress;
        self.paused = kept.paused;
        self.held = kept.held;
        self.held_changes = kept.held_changes + 1;
        self.label = kept.label;
        self.compare = kept.compare;
        self.last_timecode = kept.last_timecode;
    }

    /// The list's name.
    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// The cues.
    pub fn cues(&self) -> &[CueDef] {
        &self.def.cues
    }

    /// The index of the cue last played.
    pub fn current(&self) -> Option<usize> {
        self.current
    }

    /// The list as its file writes it.
    pub fn def(&self) -> &CueListDef {
        &self.def
    }

    /// Puts the list on cue `index` without playing anything: after a cue edit moved or
    /// removed the cue it stood on, GO goes on where the operator expects.
    pub(crate) fn set_current(&mut self, index: Option<usize>) {
        self.current = index.filter(|i| *i < self.def.cues.len());
    }

    fn current_cue(&self) -> Option<&CueDef> {
        self.current.and_then(|i| self.def.cues.get(i))
    }

    /// The index of the cue GO plays.
    pub fn next(&self) -> Option<usize> {
        let Some(i) = self.current else {
            return (!self.def.cues.is_empty()).then_some(0);
        };
        match self.def.cues.get(i).and_then(|c| c.next.as_deref()) {
            Some(name) => self.def.cues.iter().position(|c| c.name == name),
            None => (i + 1 < self.def.cues.len()).then_some(i + 1),
        }
    }

    /// How far the latest fade is, 0..=1 (0 while its delay runs, 1 when it is done).
    pub fn progress(&self) -> f32 {
        self.progress
    }

    /// Whether PAUSE holds the list.
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// What the list's values are played as: `Source::Cue(label)`, `<list>/<cue>`.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// How many times what the list holds has changed (grows with every change).
    pub fn held_changes(&self) -> u64 {
        self.held_changes
    }

    /// Every value the list holds, as kept.
    pub(crate) fn held_slots(&self) -> &Slots<Held> {
        &self.held
    }

    /// Every value the list holds.
    pub fn held(&self) -> impl Iterator<Item = (&str, &Held)> {
        self.held.iter()
    }

    /// Triggers that fired since the last call.
    pub fn take_fired(&mut self) -> Vec<String> {
        std::mem::take(&mut self.fired)
    }

    /// What a RELEASE let go of since the last call.
    pub fn take_released(&mut self) -> Option<Released> {
        self.released.take()
    }

    /// Carries out a command now (a new fade shows its first values at once).
    pub fn command(&mut self, command: &CueCommand, env: &mut Env<'_>) -> Result<(), ShowError> {
        let list = self.def.name.clone();
        match command {
            CueCommand::Go if self.paused && self.pending() => self.paused = false,
            CueCommand::Go => {
                let next = self.next().ok_or(ShowError::EndOfList(list))?;
                self.play(next, true, env)?;
            }
            CueCommand::Back => {
                let back = self
                    .current
                    .and_then(|i| i.checked_sub(1))
                    .ok_or(ShowError::NothingBefore(list))?;
                self.play(back, false, env)?;
            }
            CueCommand::Goto(cue) => {
                let index = self.find(cue).ok_or_else(|| ShowError::UnknownCue {
                    list,
                    cue: match cue {
                        CueRef::Number(n) => n.to_string(),
                        CueRef::Name(n) => format!("`{n}`"),
                    },
                })?;
                self.play(index, true, env)?;
            }
            CueCommand::Pause => self.paused = true,
            CueCommand::Resume => self.paused = false,
            CueCommand::Release => self.release(env),
            CueCommand::Recall { look, fade, curve } => {
                let fade = if fade.is_finite() { fade.max(0.0) } else { 0.0 };
                self.recall(look, fade, *curve, env)?;
                self.compare = None;
            }
            CueCommand::Compare { a, b } => {
                self.recall(a, 0.0, FadeCurve::Linear, env)?;
                self.compare = Some((a.clone(), b.clone(), false));
            }
            CueCommand::Toggle => {
                let (a, b, showing_b) =
                    self.compare.clone().ok_or(ShowError::NotComparing(list))?;
                let other = if showing_b { &a } else { &b };
                self.recall(other, 0.0, FadeCurve::Linear, env)?;
                self.compare = Some((a, b, !showing_b));
            }
            CueCommand::Timecode(seconds) => self.timecode(*seconds, env)?,
            // An edit of the show's looks and lists, not of one list's playback.
            CueCommand::Record => {
                return Err(ShowError::BadCueEdit(
                    "RECORD is carried out by the show, not by one of its lists".into(),
                ));
            }
        }
        Ok(())
    }

    /// Moves the list's clock on by `dt` seconds: fades, delays and follows (a follow that
    /// falls inside this step starts its cue with the rest of the step, so timing does not
    /// drift by a frame per cue).
    pub fn advance(&mut self, dt: f64, env: &mut Env<'_>) {
        if self.paused || !dt.is_finite() {
            return;
        }
        let mut dt = dt.max(0.0);
        // Bounded: a file cannot loop follows (checked when parsed), and each turn plays
        // another cue, so one step never plays more cues than the list has.
        for _ in 0..=self.def.cues.len() {
            let Some(fade) = self.fade.as_mut() else {
                return;
            };
            fade.elapsed += dt;
            let follow = fade.follow.filter(|f| fade.elapsed >= *f);
            let overshoot = follow.map(|f| fade.elapsed - f);
            self.apply(env);
            let Some(overshoot) = overshoot else {
                return;
            };
            if let Some(fade) = self.fade.as_mut() {
                fade.follow = None;
            }
            let Some(next) = self.next() else {
                return;
            };
            if self.play(next, true, env).is_err() {
                return;
            }
            dt = overshoot;
        }
    }

    /// Whether a fade or a follow is still to run.
    fn pending(&self) -> bool {
        self.fade
            .as_ref()
            .is_some_and(|f| !f.done || f.follow.is_some())
    }

    fn find(&self, cue: &CueRef) -> Option<usize> {
        match cue {
            CueRef::Number(n) => n.checked_sub(1).filter(|i| *i < self.def.cues.len()),
            CueRef::Name(name) => self.def.cues.iter().position(|c| c.name == *name),
        }
    }

    /// Starts cue `index`; `timed`: with its delay and follow (BACK plays without them).
    fn play(&mut self, index: usize, timed: bool, env: &mut Env<'_>) -> Result<(), ShowError> {
        let cue = self
            .def
            .cues
            .get(index)
            .ok_or_else(|| ShowError::UnknownCue {
                list: self.def.name.clone(),
                cue: (index + 1).to_string(),
            })?;
        let look =
            find(env.looks, &cue.look).ok_or_else(|| ShowError::UnknownLook(cue.look.clone()))?;
        let mut fade = Fade::new(
            format!("{}/{}", self.def.name, cue.name),
            look.values.clone(),
            secs(cue.fade),
        );
        fade.curve = cue.curve;
        fade.switch_at = cue.switch_at;
        if timed {
            fade.delay = secs(cue.delay);
            fade.follow = cue.follow.map(secs);
        }
        self.current = Some(index);
        self.compare = None;
        self.start(fade, env);
        Ok(())
    }

    fn recall(
        &mut self,
        look: &LookRef,
        fade: f32,
        curve: FadeCurve,
        env: &mut Env<'_>,
    ) -> Result<(), ShowError> {
        let found =
            find(env.looks, &look.look).ok_or_else(|| ShowError::UnknownLook(look.look.clone()))?;
        let values = found
            .values_at(look.back)
            .ok_or_else(|| ShowError::UnknownVersion {
                look: look.look.clone(),
                back: look.back,
            })?;
        let mut fade = Fade::new(
            format!("{}/look {}", self.def.name, look.look),
            values.clone(),
            f64::from(fade),
        );
        fade.curve = curve;
        self.start(fade, env);
        Ok(())
    }

    fn release(&mut self, env: &mut Env<'_>) {
        self.compare = None;
        if self.held.is_empty() {
            // Nothing to hand back: the list is at rest at once.
            self.fade = None;
            self.current = None;
            self.label = None;
            self.paused = false;
            return;
        }
        let to: LookValues = self
            .held
            .keys()
            .filter_map(|a| env.live.base(a).map(|v| (a.to_string(), v)))
            .collect();
        let label = self.label.clone().unwrap_or_default();
        let mut fade = Fade::new(label, Arc::new(to), secs(self.def.release_fade));
        fade.releasing = true;
        self.start(fade, env);
    }

    fn start(&mut self, fade: Fade, env: &mut Env<'_>) {
        self.paused = false;
        self.progress = 0.0;
        if !fade.releasing {
            self.label = Some(fade.label.clone());
        }
        self.fade = Some(fade);
        self.apply(env);
    }

    /// Writes the values of the fade at its elapsed time into what the list holds; a
    /// finished release lets go of them.
    fn apply(&mut self, env: &mut Env<'_>) {
        let Some(fade) = self.fade.as_mut() else {
            return;
        };
        let Some(progress) = fade.apply(&mut self.held, &mut self.fired, env) else {
            return;
        };
        self.held_changes += 1;
        self.progress = progress;
        if fade.done && fade.releasing {
            let label = fade.label.clone();
            let addresses = std::mem::take(&mut self.held).into_keys().collect();
            self.released = Some(Released { label, addresses });
            self.fade = None;
            self.current = None;
            self.label = None;
        }
    }

    fn timecode(&mut self, seconds: f64, env: &mut Env<'_>) -> Result<(), ShowError> {
        if !seconds.is_finite() {
            return Ok(());
        }
        let previous = self.last_timecode.replace(seconds);
        let Some(previous) = previous.filter(|p| seconds > *p && seconds - *p <= MAX_TIMECODE_STEP)
        else {
            return Ok(());
        };
        // The latest cue the clock ran past in this step plays (several in one step: the
        // earlier ones would only show for no time at all).
        let crossed = self
            .timecodes
            .iter()
            .enumerate()
            .filter_map(|(i, t)| match *t {
                Some(t) if t > previous && t <= seconds => Some((i, t)),
                _ => None,
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match crossed {
            Some((index, _)) => self.play(index, true, env),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
#[path = "cue_list_tests.rs"]
mod tests;
