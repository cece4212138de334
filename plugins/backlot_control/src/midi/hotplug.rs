//! Surfaces that come and go, decided without touching MIDI: which ports a refresh closes
//! (unplugged, re-plugged under a new id, no longer wanted) and connects, and each port's
//! standing (connected, unplugged since when, reconnects) for the log and the MIDI monitor.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A port as the MIDI system lists it: its name and its system id (a re-plugged device
/// usually comes back under a new id, so an unchanged name is not enough).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Port name.
    pub name: String,
    /// The system's id for the port.
    pub id: String,
}

impl Listed {
    /// A port named `name` with id `id`.
    pub fn new(name: &str, id: &str) -> Self {
        Self {
            name: name.into(),
            id: id.into(),
        }
    }
}

/// Why a connection is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    /// The port is no longer listed.
    Unplugged,
    /// Listed again under a new id: closed, then connected afresh in the same refresh.
    Replugged,
    /// The map no longer asks for it.
    NotWanted,
}

/// What one refresh does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actions {
    /// Connections to close (by port name), and why.
    pub close: Vec<(String, Close)>,
    /// Listed ports to connect.
    pub connect: Vec<Listed>,
}

/// Whether the map asks for `name` (substring match; an empty list asks for every port).
/// backlot's own ports are never wanted: connecting to them would loop feedback back in.
pub fn wanted(filters: &[String], name: &str) -> bool {
    !name.contains("backlot")
        && (filters.is_empty() || filters.iter().any(|w| name.contains(w.as_str())))
}

/// Compares the ports the MIDI system lists with the open connections: closes connections
/// whose port vanished, came back under a new id or is no longer wanted, and connects every
/// wanted listed port without one. Two ports with one name: the first listed is used.
pub fn plan(listed: &[Listed], connected: &[Listed], filters: &[String]) -> Actions {
    let mut actions = Actions::default();
    let first = |name: &str| listed.iter().find(|l| l.name == name);
    let mut open: Vec<&str> = Vec::new();
    for c in connected {
        let why = match first(&c.name) {
            None => Some(Close::Unplugged),
            Some(l) if l.id != c.id => Some(Close::Replugged),
            Some(_) if !wanted(filters, &c.name) => Some(Close::NotWanted),
            Some(_) => None,
        };
        match why {
            Some(why) => actions.close.push((c.name.clone(), why)),
            None => open.push(&c.name),
        }
    }
    for l in listed {
        let already =
            open.contains(&l.name.as_str()) || actions.connect.iter().any(|c| c.name == l.name);
        if !already && wanted(filters, &l.name) {
            actions.connect.push(l.clone());
        }
    }
    actions
}

/// One port's standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Open.
    Connected,
    /// Its device went away at this moment.
    Unplugged(Instant),
    /// The last connect failed.
    Failed(String),
    /// Closed because the map no longer asks for it.
    Closed,
}

/// A port's standing and history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortStatus {
    /// Where it stands.
    pub standing: Standing,
    /// Connections after the first.
    pub reconnects: u32,
    /// Connected at least once.
    pub(crate) ever: bool,
    /// When the standing last changed (the oldest is forgotten first).
    pub(crate) changed: Instant,
}

/// Ports remembered per direction; past this the longest-unchanged closed one is forgotten.
pub const MAX_REMEMBERED: usize = 64;

/// What happened to each port of one direction ("input" or "output"), in words for the log
/// and the monitor. Every change returns its log line.
#[derive(Debug, Clone)]
pub struct PortBook {
    direction: &'static str,
    ports: BTreeMap<String, PortStatus>,
}

impl PortBook {
    /// An empty book for `direction` ("input", "output").
    pub fn new(direction: &'static str) -> Self {
        Self {
            direction,
            ports: BTreeMap::new(),
        }
    }

    /// A connection opened.
    pub fn connected(&mut self, name: &str, now: Instant) -> String {
        let d = self.direction;
        let status = self.entry(name, now);
        let line = if status.ever {
            status.reconnects += 1;
            format!(
                "MIDI {d} {name} reconnected (reconnect {})",
                status.reconnects
            )
        } else {
            format!("MIDI {d}: {name}")
        };
        status.ever = true;
        status.standing = Standing::Connected;
        status.changed = now;
        line
    }

    /// A connection closed.
    pub fn closed(&mut self, name: &str, why: Close, now: Instant) -> String {
        let d = self.direction;
        let status = self.entry(name, now);
        status.changed = now;
        match why {
            Close::Unplugged => {
                status.standing = Standing::Unplugged(now);
                format!("MIDI {d} {name} unplugged")
            }
            Close::Replugged => {
                status.standing = Standing::Unplugged(now);
                format!("MIDI {d} {name} re-plugged; reconnecting")
            }
            Close::NotWanted => {
                status.standing = Standing::Closed;
                format!("MIDI {d} {name} closed (the map no longer asks for it)")
            }
        }
    }

    /// A connect failed; the line is `Some` only when the error is new (each refresh retries,
    /// and the log gets one line per streak).
    pub fn failed(&mut self, name: &str, error: &str, now: Instant) -> Option<String> {
        let d = self.direction;
        let status = self.entry(name, now);
        if status.standing == Standing::Failed(error.to_string()) {
            return None;
        }
        status.standing = Standing::Failed(error.to_string());
        status.changed = now;
        Some(format!(
            "MIDI {d} {name}: cannot connect: {error}; retrying"
        ))
    }

    /// Each port and its standing, by name.
    pub fn ports(&self) -> impl Iterator<Item = (&str, &PortStatus)> {
        self.ports.iter().map(|(n, s)| (n.as_str(), s))
    }

    /// One line per port for the monitor, with whether it is a problem.
    pub fn lines(&self, now: Instant) -> Vec<(String, bool)> {
        let d = self.direction;
        self.ports()
            .map(|(name, s)| {
                let reconnects = match s.reconnects {
                    0 => String::new(),
                    n => format!(", {n} reconnects"),
                };
                match &s.standing {
                    Standing::Connected => (format!("{d} {name}: connected{reconnects}"), false),
                    Standing::Unplugged(at) => (
                        format!(
                            "{d} {name}: unplugged {} ago{reconnects}",
                            ago(now.saturating_duration_since(*at))
                        ),
                        true,
                    ),
                    Standing::Failed(e) => {
                        (format!("{d} {name}: cannot connect: {e}{reconnects}"), true)
                    }
                    Standing::Closed => (format!("{d} {name}: closed{reconnects}"), false),
                }
            })
            .collect()
    }

    fn entry(&mut self, name: &str, now: Instant) -> &mut PortStatus {
        if !self.ports.contains_key(name) && self.ports.len() >= MAX_REMEMBERED {
            // Forget the port that has been away longest; open ones are never forgotten.
            let oldest = self
                .ports
                .iter()
                .filter(|(_, s)| s.standing != Standing::Connected)
                .min_by_key(|(_, s)| s.changed)
                .map(|(n, _)| n.clone());
            if let Some(n) = oldest {
                self.ports.remove(&n);
            }
        }
        self.ports
            .entry(name.to_string())
            .or_insert_with(|| PortStatus {
                standing: Standing::Closed,
                reconnects: 0,
                ever: false,
                changed: now,
            })
    }
}

/// "3 s", "4 min", "2 h".
fn ago(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..120 => format!("{s} s"),
        120..7200 => format!("{} min", s / 60),
        _ => format!("{} h", s / 3600),
    }
}
