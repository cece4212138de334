//! The show over OSC: `/show/go` (every list), `/show/<list>/go`, `back`, `pause`, `resume`,
//! `release`, `toggle`, `/show/<list>/cue/<n>` and `/show/<list>/goto n` (a cue by number, 1
//! the first, or by name), `/show/timecode s` (seconds since midnight), `/show/undo` and
//! `/show/redo`.
//!
//! A trigger fires with no argument or with any argument but a zero (int or float) or
//! `false`: desks and surfaces send 1 when a button goes down and 0 when it comes up, and
//! the release must not GO a second time.
//!
//! Who may send: the OSC listeners refuse senders outside the allow-lists before anything
//! is decoded, so the router only hands this sink admitted packets; the map's
//! `access.read_only` prefixes are checked in the frame against [`ShowReadOnly`] (the binary
//! keeps it in step with the map), as control checks them for parameter writes.
//!
//! [`ShowOsc`] runs on the socket's receive thread: requests wait in a bounded queue
//! ([`OSC_QUEUE`]) and become [`ShowCommand`] and [`UndoRequest`] messages in the next
//! frame ([`drain_osc`]); what overflows is dropped and counted (`/show/dropped`).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use backlot_net::OscSink;
use backlot_net::osc::Timed;
use backlot_params::{ParamRegistry, ParamValue};
use bevy::prelude::*;
use rosc::OscType;

use crate::command::{CommandArg, CueCommand, CueRef, command_at};
use crate::playback::{ShowCommand, ShowPlayback};
use crate::status::DROPPED;
use crate::undo_request::UndoRequest;

/// Most OSC show requests held between two frames; past this the newest are dropped
/// (counted in `/show/dropped`). A desk sends a few a second; a frame that stalls long
/// enough to fill this has bigger problems than lost GOs.
pub const OSC_QUEUE: usize = 256;

/// Longest address quoted in a log line.
const SHOWN_ADDRESS: usize = 120;

/// What an OSC message under `/show` asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum OscRequest {
    /// A command for one list or every list.
    Show(ShowCommand),
    /// Undo or redo.
    Undo(UndoRequest),
}

/// What one OSC message under `/show` comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum OscAsk {
    /// Something to do.
    Request(OscRequest),
    /// A button let go (a zero or `false`): nothing to do, and nothing wrong.
    Released,
    /// Not a show command: a status address, a verb the show does not know, a `goto` or
    /// `timecode` without its number, an address pattern.
    NotACommand,
}

/// Reads one OSC message under `/show` (sans-IO).
pub fn osc_request(address: &str, args: &[OscType]) -> OscAsk {
    let released = args.first().is_some_and(is_release);
    let undo = match address {
        "/show/undo" => Some(UndoRequest::Undo),
        "/show/redo" => Some(UndoRequest::Redo),
        _ => None,
    };
    if let Some(undo) = undo {
        return if released {
            OscAsk::Released
        } else {
            OscAsk::Request(OscRequest::Undo(undo))
        };
    }
    if let Some((list, cue)) = cue_address(address) {
        return if released {
            OscAsk::Released
        } else {
            OscAsk::Request(OscRequest::Show(ShowCommand {
                list: Some(list.to_string()),
                command: CueCommand::Goto(cue),
            }))
        };
    }
    let arg = args.first().and_then(command_arg);
    let Some((list, command)) = command_at(address, arg.as_ref()) else {
        // `goto 0`: a cue-number button let go.
        let goto = matches!(
            command_at(address, Some(&CommandArg::Number(1.0))),
            Some((_, CueCommand::Goto(_)))
        );
        return if goto && released {
            OscAsk::Released
        } else {
            OscAsk::NotACommand
        };
    };
    // GOTO and TIMECODE read their argument as a value; every other verb is a button.
    let takes_value = matches!(command, CueCommand::Goto(_) | CueCommand::Timecode(_));
    if released && !takes_value {
        return OscAsk::Released;
    }
    OscAsk::Request(OscRequest::Show(ShowCommand { list, command }))
}

/// `/show/<list>/cue/<n>`: the list and the cue, by number when `n` is a whole number
/// (1 the first, as `/show/<list>/cue` counts), else by name (`/show/lights/cue/2.5`).
fn cue_address(address: &str) -> Option<(&str, CueRef)> {
    let mut parts = address.strip_prefix("/show/")?.split('/');
    let (list, leaf, cue) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || list.is_empty() || leaf != "cue" || cue.is_empty() {
        return None;
    }
    let cue = match cue.parse::<usize>() {
        Ok(0) => return None,
        Ok(n) => CueRef::Number(n),
        Err(_) => CueRef::Name(cue.to_string()),
    };
    Some((list, cue))
}

fn command_arg(arg: &OscType) -> Option<CommandArg> {
    Some(match arg {
        OscType::Int(i) => CommandArg::Number(f64::from(*i)),
        OscType::Long(l) => CommandArg::Number(*l as f64),
        OscType::Float(f) => CommandArg::Number(f64::from(*f)),
        OscType::Double(d) => CommandArg::Number(*d),
        OscType::String(s) => CommandArg::Text(s.clone()),
        _ => return None,
    })
}

/// A button's release: 0 (any number type) or `false`.
fn is_release(arg: &OscType) -> bool {
    match arg {
        OscType::Int(i) => *i == 0,
        OscType::Long(l) => *l == 0,
        OscType::Float(f) => *f == 0.0,
        OscType::Double(d) => *d == 0.0,
        OscType::Bool(b) => !*b,
        _ => false,
    }
}

/// Address prefixes OSC from the network may not use (the map's `access.read_only`; the
/// binary keeps this in step with the map in force). Prefixes match whole segments: `/show`
/// covers `/show/go`, `/show/lights` covers `/show/lights/go`, not `/show/lightsout/go`.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub struct ShowReadOnly(pub Vec<String>);

impl ShowReadOnly {
    /// The prefix `address` falls under, if any.
    pub fn prefix_of(&self, address: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|prefix| {
                address
                    .strip_prefix(prefix.trim_end_matches('/'))
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
            .map(String::as_str)
    }
}

/// What became of OSC show requests so far.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShowOscStats {
    /// Requests handed to the frame.
    pub received: u64,
    /// Dropped because more arrived between two frames than [`OSC_QUEUE`].
    pub dropped: u64,
    /// Messages under `/show` that were no show command.
    pub not_commands: u64,
    /// Requests refused under the map's read-only prefixes.
    pub read_only_refused: u64,
}

#[derive(Debug)]
struct Queued {
    from: SocketAddr,
    address: String,
    request: OscRequest,
}

#[derive(Debug, Default)]
struct Pending {
    queue: Vec<Queued>,
    dropped: u64,
    not_commands: u64,
    /// The last message that was no command, for the log.
    last_not_command: Option<(SocketAddr, String)>,
}

/// The router's `/show` subscriber: requests wait here for the next frame.
#[derive(Resource, Debug, Clone, Default)]
pub struct ShowOsc(Arc<Mutex<Pending>>);

impl ShowOsc {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl OscSink for ShowOsc {
    fn receive(&self, from: SocketAddr, messages: Vec<Timed>) {
        // Read before locking: the frame drains through this lock. Bundle time tags are
        // not waited for: a cue is played when its message arrives.
        let asks: Vec<(String, OscAsk)> = messages
            .into_iter()
            .map(|t| {
                let ask = osc_request(&t.message.addr, &t.message.args);
                (t.message.addr, ask)
            })
            .collect();
        let mut pending = self.lock();
        for (address, ask) in asks {
            match ask {
                OscAsk::Request(_) if pending.queue.len() >= OSC_QUEUE => pending.dropped += 1,
                OscAsk::Request(request) => pending.queue.push(Queued {
                    from,
                    address,
                    request,
                }),
                OscAsk::Released => {}
                OscAsk::NotACommand => {
                    pending.not_commands += 1;
                    pending.last_not_command = Some((from, address));
                }
            }
        }
    }
}

/// The requests received since the last frame become this frame's [`ShowCommand`]s and
/// [`UndoRequest`]s, in arrival order; those under a read-only prefix are refused. Refusals
/// count with the show's (`/show/refused`), drops in `/show/dropped`. The log says so at
/// the 1st, 2nd, 4th, 8th… of each kind, so a flood cannot flood it.
pub fn drain_osc(
    inbox: Res<ShowOsc>,
    read_only: Res<ShowReadOnly>,
    mut stats: ResMut<ShowOscStats>,
    mut playback: ResMut<ShowPlayback>,
    mut registry: ResMut<ParamRegistry>,
    mut commands: MessageWriter<ShowCommand>,
    mut undo: MessageWriter<UndoRequest>,
) {
    let (queue, dropped, not_commands, last_not_command) = {
        let mut pending = inbox.lock();
        (
            std::mem::take(&mut pending.queue),
            std::mem::take(&mut pending.dropped),
            std::mem::take(&mut pending.not_commands),
            pending.last_not_command.take(),
        )
    };
    let stats = stats.as_mut();
    stats.received += queue.len() as u64;
    if dropped > 0 {
        let before = stats.dropped;
        stats.dropped += dropped;
        if crosses_power_of_two(before, stats.dropped) {
            warn!(
                "show: {} OSC show commands dropped so far: more than {OSC_QUEUE} arrived \
                 between two frames (/show/dropped)",
                stats.dropped
            );
        }
    }
    if let Some((from, address)) = last_not_command {
        let before = stats.not_commands;
        stats.not_commands += not_commands;
        let message = format!(
            "OSC {from} {}: not a show command (go, back, pause, resume, release, toggle, \
             cue/<n>, goto <n>, timecode <s>, undo, redo)",
            shown(&address)
        );
        if crosses_power_of_two(before, stats.not_commands) {
            warn!("show: {message} ({} so far)", stats.not_commands);
        }
        playback.refused += not_commands;
        playback.last_error = Some(message);
    }
    for q in queue {
        if let Some(prefix) = read_only.prefix_of(&q.address) {
            let before = stats.read_only_refused;
            stats.read_only_refused += 1;
            let message = format!(
                "OSC {} {}: refused: `{prefix}` is read-only from the network (map \
                 `access.read_only`)",
                q.from,
                shown(&q.address)
            );
            if crosses_power_of_two(before, stats.read_only_refused) {
                warn!("show: {message} ({} so far)", stats.read_only_refused);
            }
            playback.refused += 1;
            playback.last_error = Some(message);
            continue;
        }
        match q.request {
            OscRequest::Show(command) => {
                commands.write(command);
            }
            OscRequest::Undo(request) => {
                undo.write(request);
            }
        }
    }
    // Registered with the show's status; only a change is written.
    let value = ParamValue::Int(i32::try_from(stats.dropped).unwrap_or(i32::MAX));
    if registry.entry(DROPPED).is_some_and(|e| e.value != value) {
        let _ = registry.set_status(DROPPED, value);
    }
}

/// Whether a count going from `before` to `after` passed 1, 2, 4, 8…
fn crosses_power_of_two(before: u64, after: u64) -> bool {
    after > before && (before == 0 || after.ilog2() > before.ilog2())
}

/// An address as quoted in the log: at most [`SHOWN_ADDRESS`] characters.
fn shown(address: &str) -> String {
    match address.char_indices().nth(SHOWN_ADDRESS) {
        Some((cut, _)) => format!("{}…", &address[..cut]),
        None => address.to_string(),
    }
}

#[cfg(test)]
#[path = "osc_tests.rs"]
mod tests;
