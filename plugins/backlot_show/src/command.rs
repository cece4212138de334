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
    /// A desk's RECORD: store the live values as a new look and add a cue playing it after
    /// the current one (an edit of the show, saved and undoable like the panel's).
    Record,
}

/// The argument an address-style command came with (an OSC int, float or string).
#[derive(Debug, Clone, PartialEq)]
pub enum CommandArg {
    /// A number: a cue's number for GOTO, seconds for TIMECODE.
    Number(f64),
    /// Text: a cue's name for GOTO.
    Text(String),
}

/// The command an address names, for OSC routes and the like: `/show/<verb>` for every
/// list, `/show/<list>/<verb>` for one. Verbs: `go`, `back`, `pause`, `resume`, `release`,
/// `toggle`, `record`, `goto` (with the cue's number or name) and `timecode` (with seconds since
/// midnight). None for anything else (a status address, a missing or wrong argument).
pub fn command_at(address: &str, arg: Option<&CommandArg>) -> Option<(Option<String>, CueCommand)> {
    let rest = address.strip_prefix("/show/")?;
    let (list, verb) = match rest.split_once('/') {
        Some((list, verb)) if !list.is_empty() && !verb.contains('/') => {
            (Some(list.to_string()), verb)
        }
        Some(_) => return None,
        None => (None, rest),
    };
    let command = match (verb, arg) {
        ("go", _) => CueCommand::Go,
        ("back", _) => CueCommand::Back,
        ("pause", _) => CueCommand::Pause,
        ("resume", _) => CueCommand::Resume,
        ("release", _) => CueCommand::Release,
        ("toggle", _) => CueCommand::Toggle,
        ("record", _) => CueCommand::Record,
        ("goto", Some(CommandArg::Number(n))) if n.is_finite() && *n >= 1.0 => {
            // A cue's number is whole; 2.0 from a float-only sender means cue 2.
            CueCommand::Goto(CueRef::Number(n.round() as usize))
        }
        ("goto", Some(CommandArg::Text(name))) => CueCommand::Goto(CueRef::Name(name.clone())),
        ("timecode", Some(CommandArg::Number(s))) if s.is_finite() => CueCommand::Timecode(*s),
        _ => return None,
    };
    Some((list, command))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn addresses_name_commands_for_one_list_or_all() {
        assert_eq!(command_at("/show/go", None), Some((None, CueCommand::Go)));
        assert_eq!(
            command_at("/show/lights/release", None),
            Some((Some("lights".into()), CueCommand::Release))
        );
        assert_eq!(
            command_at("/show/lights/goto", Some(&CommandArg::Number(3.0))),
            Some((Some("lights".into()), CueCommand::Goto(CueRef::Number(3))))
        );
        assert_eq!(
            command_at("/show/lights/goto", Some(&CommandArg::Text("2.5".into()))),
            Some((
                Some("lights".into()),
                CueCommand::Goto(CueRef::Name("2.5".into()))
            ))
        );
        assert_eq!(
            command_at("/show/timecode", Some(&CommandArg::Number(3600.5))),
            Some((None, CueCommand::Timecode(3600.5)))
        );
        for (address, arg) in [
            ("/show/lights/goto", None),
            ("/show/lights/goto", Some(CommandArg::Number(0.0))),
            ("/show/lights/goto", Some(CommandArg::Number(f64::NAN))),
            ("/show/lights/cue", None),
            ("/show/lights/x/go", None),
            ("/show//go", None),
            ("/scene/go", None),
            ("/show/timecode", Some(CommandArg::Text("x".into()))),
        ] {
            assert_eq!(command_at(address, arg.as_ref()), None, "{address} {arg:?}");
        }
    }

    proptest! {
        #[test]
        fn any_address_and_argument_never_panic(address in "\\PC{0,40}", n in any::<f64>()) {
            let _ = command_at(&address, Some(&CommandArg::Number(n)));
            let _ = command_at(&address, None);
        }
    }
}
