//! One fade in progress: a cue's, a recall's or a release's. It starts (after its delay)
//! from where each value stands and writes the values of its moment into what its list
//! holds.

use std::sync::Arc;

use backlot_params::ParamValue;

use crate::cue_list::Env;
use crate::fade::{DEFAULT_SWITCH_AT, FadeCurve, Span, blend_span};
use crate::look::LookValues;
use crate::slots::{Positions, Slots};

/// A value a list holds, and the stamp of the fade that set it.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// The value.
    pub value: ParamValue,
    /// Which fade set it: a higher stamp started later.
    pub stamp: u64,
}

/// Where each value of a fade's target stood when it started, in the target's address
/// order (none: nothing was known of the parameter). Shared, not copied, by an autosave.
pub type Starts = Arc<Vec<Option<ParamValue>>>;

/// A fade under way. Times are seconds since its GO.
#[derive(Debug, Clone)]
pub(crate) struct Fade {
    /// What its values are played as (`Source::Cue(label)`).
    pub label: String,
    /// Where it goes: shared with the look it plays (a GO copies no values).
    pub to: Arc<LookValues>,
    /// Where each value stood when the fade started (after the delay).
    pub from: Option<Starts>,
    /// `from` and `to` made ready to mix, once per fade (colours decoded to linear light);
    /// rebuilt from `from` when empty (a fade taken back from an autosave).
    spans: Vec<Span>,
    /// Where each target value sits in its list's values, found on the fade's first frame.
    held_at: Positions,
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
    pub fn new(label: String, to: Arc<LookValues>, fade: f64) -> Self {
        Self {
            label,
            to,
            from: None,
            spans: Vec::new(),
            held_at: Positions::default(),
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
        held: &mut Slots<Held>,
        fired: &mut Vec<String>,
        env: &mut Env<'_>,
    ) -> Option<f32> {
        if self.done || self.elapsed < self.delay {
            return None;
        }
        // A start read back from a damaged autosave that does not fit the target is
        // taken again from where the values stand now.
        if self.from.as_ref().is_some_and(|f| f.len() != self.to.len()) {
            self.from = None;
        }
        let from = match &self.from {
            Some(from) => Arc::clone(from),
            None => {
                // The fade starts now: from where every value stands now.
                *env.stamps += 1;
                self.stamp = *env.stamps;
                let from: Starts = Arc::new(
                    self.to
                        .keys()
                        .map(|a| {
                            let own = held.get(a).map(|h| h.value.clone());
                            own.or_else(|| env.live.current(a))
                        })
                        .collect(),
                );
                self.from = Some(Arc::clone(&from));
                self.spans.clear();
                from
            }
        };
        if self.spans.len() != self.to.len() {
            self.spans = from
                .iter()
                .zip(self.to.values())
                .map(|(start, to)| Span::new(start.as_ref(), to))
                .collect();
        }
        let t = if self.fade > 0.0 {
            ((self.elapsed - self.delay) / self.fade).clamp(0.0, 1.0) as f32
        } else {
            1.0
        };
        let switched = t >= 1.0 || t >= self.switch_at;
        // Walked in the target's order with the starts, spans and places beside it: after
        // the first frame no address is looked up or compared.
        let mut found =
            (!self.held_at.fit(held, self.to.len())).then(|| Vec::with_capacity(self.to.len()));
        let items = self.to.iter().zip(from.iter()).zip(&self.spans);
        for (k, (((address, to), start), span)) in items.enumerate() {
            if *to == ParamValue::Trigger {
                if switched && !self.fired {
                    fired.push(address.clone());
                }
                if let Some(found) = found.as_mut() {
                    found.push(None);
                }
                continue;
            }
            let value = blend_span(span, start.as_ref(), to, t, self.curve, self.switch_at);
            let now = Held {
                value,
                stamp: self.stamp,
            };
            match found.as_mut() {
                Some(found) => found.push(Some(held.insert(address, now))),
                None => match self.held_at.positions[k].and_then(|i| held.at_mut(i)) {
                    Some(h) => *h = now,
                    None => {
                        held.insert(address, now);
                    }
                },
            }
        }
        if let Some(found) = found {
            self.held_at.keep(held, found);
        }
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
