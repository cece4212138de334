//! Cue playback's own way into the arbitration: a show hands thousands of values a frame
//! (a look of 2,000 parameters fading), so they are applied at once, each looked up once in
//! the registry and once here, coerced once, with no input queued and no address or source
//! copied (queued as [`Input`](super::Input)s, the copies and lookups were most of a fade
//! frame). The rule is the queued one's: a cue sets the base under everything and drives a
//! parameter only while nothing above the cues does.

use super::{Arbiter, Source};
use crate::{ParamError, ParamRegistry, ParamValue, SlotHint};

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
        self.play_cue_hinted(registry, address, &mut SlotHint::default(), value, source)
    }

    /// [`Arbiter::play_cue`] for a value played every frame: `hint` keeps where the
    /// parameter sits in the registry from one frame to the next.
    pub fn play_cue_hinted(
        &mut self,
        registry: &mut ParamRegistry,
        address: &str,
        hint: &mut SlotHint,
        value: &ParamValue,
        source: &Source,
    ) -> Result<(), ParamError> {
        let slot = registry
            .slot_hinted(address, hint)
            .ok_or_else(|| ParamError::UnknownAddress(address.to_string()))?;
        let coerced = match registry.entry_at(slot) {
            Some(entry) => entry.spec.coerce(value.clone()),
            None => return Err(ParamError::UnknownAddress(address.to_string())),
        };
        let value = self.counted(coerced, registry)?;
        let e = self.entries.hinted(address, hint);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ParamAddress, ParamSpec};

    fn float(address: &str) -> ParamSpec {
        let address = ParamAddress::new(address).expect("a test address");
        ParamSpec::float(address, 0.0, 0.0, 1.0, "")
    }

    #[test]
    fn a_kept_slot_follows_its_parameter_when_others_come_and_go() {
        let mut registry = ParamRegistry::default();
        for a in ["/a/x", "/b/y", "/b/z"] {
            registry.register(float(a)).expect("registers");
        }
        let mut arbiter = Arbiter::default();
        let cue = Source::Cue("l/1".to_string());
        let mut hint = SlotHint::default();
        let mut play = |arbiter: &mut Arbiter, registry: &mut ParamRegistry, v: f32| {
            arbiter
                .play_cue_hinted(registry, "/b/z", &mut hint, &ParamValue::Float(v), &cue)
                .expect("plays")
        };
        play(&mut arbiter, &mut registry, 0.25);
        play(&mut arbiter, &mut registry, 0.5);
        assert_eq!(registry.get("/b/z"), Ok(&ParamValue::Float(0.5)));
        // `/a/x` goes: the last slot moves into its place.
        registry.replace_under("/a", Vec::new());
        play(&mut arbiter, &mut registry, 0.75);
        assert_eq!(registry.get("/b/z"), Ok(&ParamValue::Float(0.75)));
        assert_eq!(
            registry.get("/b/y"),
            Ok(&ParamValue::Float(0.0)),
            "not written"
        );
        // Another registry as many address changes old, its slots in another order: the hint
        // taken in the first is not used there.
        let mut other = ParamRegistry::default();
        for a in ["/b/y", "/b/z", "/c/1", "/c/2"] {
            other.register(float(a)).expect("registers");
        }
        play(&mut arbiter, &mut other, 1.0);
        assert_eq!(other.get("/b/z"), Ok(&ParamValue::Float(1.0)));
        assert_eq!(
            other.get("/b/y"),
            Ok(&ParamValue::Float(0.0)),
            "not written"
        );
        // Another arbiter, whose first entry is another parameter's: the entry's place kept
        // for the first arbiter is not used there either.
        let mut second = Arbiter::default();
        let y = ParamValue::Float(0.125);
        second
            .play_cue(&mut other, "/b/y", &y, &cue)
            .expect("plays");
        play(&mut second, &mut other, 0.5);
        assert_eq!(second.base("/b/z"), Some(&ParamValue::Float(0.5)));
        assert_eq!(second.base("/b/y"), Some(&y));
        assert_eq!(other.get("/b/y"), Ok(&y));
    }
}
