//! One fade in progress: a cue's, a recall's or a release's. It starts (after its delay)
//! from where each value stands and writes the values of its moment into what its list
//! holds.

use bevy::platform::collections::HashMap;

use backlot_params::ParamValue;

use crate::cue_list::Env;
use crate::fade::{DEFAULT_SWITCH_AT, FadeCurve, blend};
use crate::look::LookValues;

/// A value a list holds, and the stamp of the fade that set it.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// The value.
    pub value: ParamValue,
    /// Which fade set it: a higher stamp started later.
    pub stamp: u64,
}

/// A fade under way. Times are seconds since its GO.
#[derive(Debug, Clone)]
pub(crate) struct Fade {
    /// What its values are played as (`Source::Cue(label)`).
    pub label: String,
    pub to: LookValues,
    /// Where each value stood when the fade started (after the delay).
    pub from: Option<LookValues>,
    pub stamp: u64,
    pub elapsed: f64,
    pub delay: f64,
    pub fade: f64,
    pub curve: FadeCurve,
    pub switch_at: f32,
    /// GO the next cue at this time.
    pub follow: Option<f64>,
    /// Its triggers have fired.
    pub fired: bool,
    pub done: bool,
    /// A RELEASE: the list lets go of its values when it is done.
    pub releasing: bool,
}

impl Fade {
    /// A linear fade to `to` over `fade` seconds, now, switching halfway.
    pub fn new(label: String, to: LookValues, fade: f64) -> Self {
        Self {
            label,
            to,
            from: None,
            stamp: 0,
            elapsed: 0.0,
            delay: 0.0,
            fade,
            curve: FadeCurve::Linear,
            switch_at: DEFAULT_SWITCH_AT,
            follow: None,
            fired: false,
            done: false,
            releasing: false,
        }
    }

    /// Writes the values of this moment into `held` (triggers reaching the switch point
    /// into `fired`, once); the progress, or none while the delay runs or once done.
    pub fn apply(
        &mut self,
        held: &mut HashMap<String, Held>,
        fired: &mut Vec<String>,
        env: &mut Env<'_>,
    ) -> Option<f32> {
        if self.done || self.elapsed < self.delay {
            return None;
        }
        let from = match self.from.take() {
            Some(from) => from,
            None => {
                // The fade starts now: from where every value stands now.
                *env.stamps += 1;
                self.stamp = *env.stamps;
                self.to
                    .keys()
                    .filter_map(|a| {
                        let own = held.get(a).map(|h| h.value.clone());
                        own.or_else(|| env.live.current(a)).map(|v| (a.clone(), v))
                    })
                    .collect()
            }
        };
        let t = if self.fade > 0.0 {
            ((self.elapsed - self.delay) / self.fade).clamp(0.0, 1.0) as f32
        } else {
            1.0
        };
        let switched = t >= 1.0 || t >= self.switch_at;
        // `from` holds a subset of `to`'s addresses, both in address order: walked side by
        // side instead of looked up (string comparisons were most of a fade frame).
        let mut starts = from.iter().peekable();
        for (address, to) in &self.to {
            while starts.next_if(|(a, _)| *a < address).is_some() {}
            let start = starts.next_if(|(a, _)| *a == address).map(|(_, v)| v);
            if *to == ParamValue::Trigger {
                if switched && !self.fired {
                    fired.push(address.clone());
                }
                continue;
            }
            let value = blend(start, to, t, self.curve, self.switch_at);
            let stamp = self.stamp;
            // Updated in place: a fade frame allocates no address.
            match held.get_mut(address.as_str()) {
                Some(h) => *h = Held { value, stamp },
                None => {
                    held.insert(address.clone(), Held { value, stamp });
                }
            }
        }
        self.from = Some(from);
        self.fired |= switched;
        self.done = t >= 1.0;
        Some(t)
    }
}

/// A file's seconds as the clock counts them (the file checks refuse negative and NaN;
/// commands from outside are clamped the same way).
pub(crate) fn secs(s: f32) -> f64 {
    if s.is_finite() {
        f64::from(s.max(0.0))
    } else {
        0.0
    }
}
