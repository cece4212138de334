//! What a cue list is told to do: by OSC, MIDI, the Cues panel or timecode.

use crate::fade::FadeCurve;
use crate::look::LookRef;

/// A cue by its number in the list (1 is the first, as status and OSC count) or its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CueRef {
    /// 1-based position.
    Number(usize),
    /// The cue's name.
    Name(String),
}

/// What a list is told to do.
#[derive(Debug, Clone, PartialEq)]
pub enum CueCommand {
    /// Play the next cue; while paused, go on with the paused fade instead.
    Go,
    /// Fade back to the cue before the current one, in its fade time, without delay or follow.
    Back,
    /// Play this cue (its delay, fade and follow apply).
    Goto(CueRef),
    /// Hold the fade, delay and follow timers where they are.
    Pause,
    /// Go on after a pause.
    Resume,
    /// Fade what the list holds back to the scene in its `release_fade`, then let go.
    Release,
    /// Fade to a look (or an earlier version of it) outside the cue order.
    Recall {
        /// What to play.
        look: LookRef,
        /// Seconds (negative or not finite: a snap).
        fade: f32,
        /// Shape.
        curve: FadeCurve,
    },
    /// Show `a`, ready to [`CueCommand::Toggle`] to `b` and back (snaps, to compare).
    Compare {
        /// Shown first.
        a: LookRef,
        /// The other one.
        b: LookRef,
    },
    /// Switch to the other look of a compare.
    Toggle,
    /// The show's timecode now, seconds since midnight: plays a cue it ran past.
    Timecode(f64),
}
