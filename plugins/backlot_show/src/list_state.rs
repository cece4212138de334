//! A cue list's position as plain data, for an autosave to write and a restart to take
//! back: the cue played last, the fade under way (how far, its delay and follow timers),
//! the values the list holds, a pause and an A/B compare.

use std::collections::BTreeMap;
use std::sync::Arc;

use backlot_params::ParamValue;
use serde::{Deserialize, Serialize};

use super::CueList;
use crate::fade::FadeCurve;
use crate::look::{LookRef, LookValues};
use crate::running::{Fade, Held, Starts};

/// Where one cue list stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListState {
    /// The list's name.
    pub name: String,
    /// The cue played last, by name (a show file edited since keeps it if the cue is there).
    #[serde(default)]
    pub current: Option<String>,
    /// What its values are played as (`Source::Cue(label)`).
    #[serde(default)]
    pub label: Option<String>,
    /// How far the latest fade is, 0..=1.
    #[serde(default)]
    pub progress: f32,
    /// PAUSE holds it.
    #[serde(default)]
    pub paused: bool,
    /// Every value it holds.
    #[serde(default)]
    pub held: BTreeMap<String, HeldState>,
    /// The fade under way (or the last one, with a follow still to run).
    #[serde(default)]
    pub fade: Option<FadeState>,
    /// An A/B compare: the two looks and whether `b` shows.
    #[serde(default)]
    pub compare: Option<CompareState>,
    /// The last timecode it was given, seconds.
    #[serde(default)]
    pub last_timecode: Option<f64>,
}

/// A value a list holds and the stamp of the fade that set it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeldState {
    /// The value.
    pub value: ParamValue,
    /// The fade that set it: a higher stamp started later.
    pub stamp: u64,
}

/// A fade under way. Times are seconds since its GO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FadeState {
    /// What its values are played as.
    pub label: String,
    /// Where it goes.
    #[serde(with = "crate::shared")]
    pub to: Arc<LookValues>,
    /// Where each value of `to` started, in `to`'s address order (none while its delay
    /// runs; a list that does not fit `to` is taken again from the live values).
    #[serde(default, with = "crate::shared::option")]
    pub from: Option<Starts>,
    /// Its stamp, once started.
    #[serde(default)]
    pub stamp: u64,
    /// Time since its GO.
    pub elapsed: f64,
    /// Wait before it starts.
    #[serde(default)]
    pub delay: f64,
    /// How long it takes.
    #[serde(default)]
    pub fade: f64,
    /// Its shape.
    #[serde(default)]
    pub curve: FadeCurve,
    /// Where values that cannot fade switch.
    pub switch_at: f32,
    /// GO the next cue at this time since the GO.
    #[serde(default)]
    pub follow: Option<f64>,
    /// Its triggers fired.
    #[serde(default)]
    pub fired: bool,
    /// It is done.
    #[serde(default)]
    pub done: bool,
    /// A RELEASE: the list lets go of its values when it is done.
    #[serde(default)]
    pub releasing: bool,
}

/// An A/B compare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareState {
    /// Shown first.
    pub a: LookRef,
    /// The other one.
    pub b: LookRef,
    /// `b` shows now.
    pub showing_b: bool,
}

/// A time from a file that may have been damaged: what the clock can count.
fn seconds(s: f64) -> f64 {
    if s.is_finite() { s.max(0.0) } else { 0.0 }
}

fn fraction(f: f32) -> f32 {
    if f.is_finite() {
        f.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

impl FadeState {
    fn of(f: &Fade) -> Self {
        Self {
            label: f.label.clone(),
            to: f.to.clone(),
            from: f.from.clone(),
            stamp: f.stamp,
            elapsed: f.elapsed,
            delay: f.delay,
            fade: f.fade,
            curve: f.curve,
            switch_at: f.switch_at,
            follow: f.follow,
            fired: f.fired,
            done: f.done,
            releasing: f.releasing,
        }
    }

    fn to_fade(&self) -> Fade {
        let mut fade = Fade::new(self.label.clone(), self.to.clone(), seconds(self.fade));
        fade.from = self.from.clone();
        fade.stamp = self.stamp;
        fade.elapsed = seconds(self.elapsed);
        fade.delay = seconds(self.delay);
        fade.curve = self.curve;
        fade.switch_at = fraction(self.switch_at);
        fade.follow = self.follow.map(seconds);
        fade.fired = self.fired;
        fade.done = self.done;
        fade.releasing = self.releasing;
        fade
    }
}

impl CueList {
    /// Where the list stands, as plain data.
    pub fn export_state(&self) -> ListState {
        ListState {
            name: self.def.name.clone(),
            current: self.current_cue().map(|c| c.name.clone()),
            label: self.label.clone(),
            progress: self.progress,
            paused: self.paused,
            held: self
                .held
                .iter()
                .map(|(a, h)| {
                    let held = HeldState {
                        value: h.value.clone(),
                        stamp: h.stamp,
                    };
                    (a.to_string(), held)
                })
                .collect(),
            fade: self.fade.as_ref().map(FadeState::of),
            compare: self.compare.as_ref().map(|(a, b, showing_b)| CompareState {
                a: a.clone(),
                b: b.clone(),
                showing_b: *showing_b,
            }),
            last_timecode: self.last_timecode,
        }
    }

    /// Takes a position [`CueList::export_state`] gave (of this list, maybe of an earlier
    /// version of its file): the list goes on from there in its next step, its fade, delay
    /// and follow timers where they stood. A current cue the list no longer has leaves it
    /// before its first cue (what it holds still plays); that is returned as a problem.
    pub fn import_state(&mut self, state: &ListState) -> Option<String> {
        let mut problem = None;
        self.current = match &state.current {
            Some(name) => {
                let found = self.def.cues.iter().position(|c| c.name == *name);
                if found.is_none() {
                    problem = Some(format!(
                        "cue list `{}` has no cue `{name}` any more; it waits before its \
                         first cue",
                        self.def.name
                    ));
                }
                found
            }
            None => None,
        };
        self.label = state.label.clone();
        self.progress = fraction(state.progress);
        self.paused = state.paused;
        self.held_changes += 1;
        self.held = state
            .held
            .iter()
            .map(|(a, h)| {
                let held = Held {
                    value: h.value.clone(),
                    stamp: h.stamp,
                };
                (a.clone(), held)
            })
            .collect();
        self.fade = state.fade.as_ref().map(FadeState::to_fade);
        self.compare = state
            .compare
            .as_ref()
            .map(|c| (c.a.clone(), c.b.clone(), c.showing_b));
        self.last_timecode = state.last_timecode.filter(|t| t.is_finite());
        self.fired.clear();
        self.released = None;
        problem
    }
}
