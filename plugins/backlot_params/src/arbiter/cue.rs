//! Cue playback's own way into the arbitration: a show hands thousands of values a frame
//! (a look of 2,000 parameters fading), so they are applied at once, each looked up once in
//! the registry and once here, coerced once, with no input queued and no address or source
//! copied (queued as [`Input`](super::Input)s, the copies and lookups were most of a fade
//! frame). The rule is the queued one's: a cue sets the base under everything and drives a
//! parameter only while nothing above the cues does.

use super::{Arbiter, Source};
use crate::{ParamError, ParamRegistry, ParamValue};

impl Arbiter {
    /// Plays a cue list's value now, as `source` (a [`Source::Cue`]): the value becomes the
    /// parameter's base (what the layers modulate and what a controller or override that
    /// lets go falls back to) and, unless the operator holds it or a layer or controller
    /// drives it, its value. A trigger fires under the same rule and sets no base.
    ///
    /// An unknown address is returned as an error and not counted (a show reports the
    /// parameters its looks name that the scene lacks); a value that does not fit the
    /// parameter is counted in [`Arbiter::refused`].
    pub fn play_cue(
        &mut self,
        registry: &mut ParamRegistry,
        address: &str,
        value: &ParamValue,
        source: &Source,
    ) -> Result<(), ParamError> {
        let slot = registry
            .slot(address)
            .ok_or_else(|| ParamError::UnknownAddress(address.to_string()))?;
        let coerced = match registry.entry_at(slot) {
            Some(entry) => entry.spec.coerce(value.clone()),
            None => return Err(ParamError::UnknownAddress(address.to_string())),
        };
        let value = self.counted(coerced, registry)?;
        let e = self.entry(address);
        if value != ParamValue::Trigger {
            match &mut e.base {
                Some((base, from)) => {
                    if *base != value {
                        base.clone_from(&value);
                    }
                    if from != source {
                        from.clone_from(source);
                    }
                }
                None => e.base = Some((value.clone(), source.clone())),
            }
        }
        if e.held.is_some() || e.driver.tier() > source.tier() {
            return Ok(());
        }
        if e.driver != *source {
            e.driver = source.clone();
        }
        e.glide = None;
        registry.write_at(slot, value).inspect_err(|_| {
            self.refused += 1;
        })
    }
}
