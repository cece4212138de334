//! Feedback targets by name, resolved off the frame: one small supervised thread does the
//! DNS lookups and the frame only reads addresses already resolved. A name that does not
//! resolve is shown and tried again after a growing wait; a resolved name is looked up again
//! now and then in the background (DHCP moves surfaces) while its last address keeps working.

use std::net::{SocketAddr, ToSocketAddrs};
use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backlot_files::save::panic_text;
use backlot_net::backoff::Backoff;

/// Most feedback targets a map may name; the rest are refused (and shown).
pub const MAX_TARGETS: usize = 64;
/// How often a resolved name is looked up again.
pub const REFRESH: Duration = Duration::from_secs(60);
/// Thread restarts in a row after which the resolver is shown as failed and left stopped.
const MAX_RESTARTS: u32 = 8;
/// Failed lookups wait ten times the network back-off (0.1 s doubling to 10 s): a name that
/// does not resolve is not asked for every frame.
const LOOKUP_BACKOFF_SCALE: u32 = 10;

/// A lookup: `host:port` in, one address out. The system resolver unless a test injects one.
pub type Lookup = Arc<dyn Fn(&str) -> Result<SocketAddr, String> + Send + Sync>;

/// The system resolver, preferring IPv4 (the feedback socket is IPv4).
pub fn system_lookup(target: &str) -> Result<SocketAddr, String> {
    let addrs: Vec<SocketAddr> = target
        .to_socket_addrs()
        .map_err(|e| e.to_string())?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| "the name has no address".to_string())
}

/// Where one feedback target stands.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetState {
    /// Waiting for its first lookup.
    Resolving,
    /// Values go to this address.
    Resolved(SocketAddr),
    /// The lookup failed; it is tried again after a wait.
    Failed {
        /// Why.
        error: String,
        /// Failed lookups in a row.
        failures: u32,
    },
    /// Past [`MAX_TARGETS`].
    Refused,
}

struct Target {
    text: String,
    state: TargetState,
    /// A numeric address: never looked up.
    literal: bool,
    /// A lookup is queued or running.
    asked: bool,
    /// When to look it up (again).
    due: Option<Instant>,
    backoff: Backoff,
}

impl Target {
    fn new(text: &str, now: Instant) -> Self {
        let literal = text.parse::<SocketAddr>().ok();
        Self {
            text: text.to_string(),
            state: literal.map_or(TargetState::Resolving, TargetState::Resolved),
            literal: literal.is_some(),
            asked: false,
            due: literal.is_none().then_some(now),
            backoff: Backoff::default(),
        }
    }

    fn address(&self) -> Option<SocketAddr> {
        match self.state {
            TargetState::Resolved(a) => Some(a),
            _ => None,
        }
    }
}

type Answer = (String, Result<SocketAddr, String>);

/// The resolver thread's two ends; the thread ends when `ask` is dropped.
struct Link {
    ask: SyncSender<String>,
    answers: Receiver<Answer>,
}

fn spawn(lookup: &Lookup) -> std::io::Result<Link> {
    // Each target asks at most once at a time, so both queues hold every outstanding lookup.
    let (ask, asked) = mpsc::sync_channel::<String>(MAX_TARGETS);
    let (answer, answers) = mpsc::sync_channel::<Answer>(MAX_TARGETS);
    let lookup = lookup.clone();
    std::thread::Builder::new()
        .name("backlot-resolve".into())
        .spawn(move || {
            while let Ok(name) = asked.recv() {
                // A resolver bug costs this lookup, not the thread.
                let run = AssertUnwindSafe(|| lookup(name.as_str()));
                let result = std::panic::catch_unwind(run)
                    .unwrap_or_else(|p| Err(format!("the lookup panicked: {}", panic_text(&*p))));
                if answer.send((name, result)).is_err() {
                    break;
                }
            }
        })?;
    Ok(Link { ask, answers })
}

/// Feedback targets and the thread that resolves their names.
pub struct Resolver {
    lookup: Lookup,
    targets: Vec<Target>,
    // A mutex only so the resource is `Sync`; the frame has it exclusively (`get_mut`).
    link: Mutex<Option<Link>>,
    /// Thread restarts so far.
    restarts: u32,
    restart: Backoff,
    restart_at: Option<Instant>,
    /// Why the thread is stopped for good.
    failed: Option<String>,
}

impl Default for Resolver {
    fn default() -> Self {
        Self::new(Arc::new(system_lookup))
    }
}

impl Resolver {
    /// A resolver that looks names up with `lookup` (tests inject slow or failing ones).
    pub fn new(lookup: Lookup) -> Self {
        Self {
            lookup,
            targets: Vec::new(),
            link: Mutex::new(None),
            restarts: 0,
            restart: Backoff::default(),
            restart_at: None,
            failed: None,
        }
    }

    /// Takes the map's targets: numeric addresses apply at once, names are queued for the
    /// thread. A name already resolved keeps its address while it is looked up again.
    pub fn set(&mut self, list: &[String], now: Instant) {
        let mut old = std::mem::take(&mut self.targets);
        for (i, text) in list.iter().enumerate() {
            if self.targets.iter().any(|t| t.text == *text) {
                continue;
            }
            if i >= MAX_TARGETS {
                tracing::warn!(
                    "OSC feedback target {text}: more than {MAX_TARGETS} targets; refused"
                );
                let mut t = Target::new(text, now);
                t.state = TargetState::Refused;
                t.literal = true;
                t.due = None;
                self.targets.push(t);
                continue;
            }
            match old
                .iter()
                .position(|t| t.text == *text && t.state != TargetState::Refused)
            {
                Some(p) => {
                    let mut t = old.swap_remove(p);
                    // An edited map is a reason to look again (the address is kept meanwhile).
                    if !t.literal && !t.asked {
                        t.due = Some(now);
                    }
                    self.targets.push(t);
                }
                None => self.targets.push(Target::new(text, now)),
            }
        }
    }

    /// Takes finished lookups and queues due ones; never waits. True when the set of
    /// resolved addresses may have changed.
    pub fn poll(&mut self, now: Instant) -> bool {
        let changed = self.take_answers(now);
        if !self.targets.iter().any(|t| !t.literal) {
            return changed;
        }
        let link = self.link.get_mut().unwrap_or_else(|e| e.into_inner());
        if link.is_none() && self.failed.is_none() && self.restart_at.is_none_or(|at| now >= at) {
            match spawn(&self.lookup) {
                Ok(l) => *link = Some(l),
                Err(e) => {
                    self.died(&format!("cannot start the resolver thread: {e}"), now);
                    return changed;
                }
            }
        }
        let Some(l) = link.as_ref() else {
            return changed;
        };
        let mut dead = false;
        for t in &mut self.targets {
            if t.literal || t.asked || t.due.is_none_or(|d| now < d) {
                continue;
            }
            match l.ask.try_send(t.text.clone()) {
                Ok(()) => t.asked = true,
                // Asked again next frame.
                Err(TrySendError::Full(_)) => break,
                Err(TrySendError::Disconnected(_)) => {
                    dead = true;
                    break;
                }
            }
        }
        if dead {
            self.died("the resolver thread ended", now);
        }
        changed
    }

    fn take_answers(&mut self, now: Instant) -> bool {
        let mut answers = Vec::new();
        let mut dead = false;
        if let Some(l) = self
            .link
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            loop {
                match l.answers.try_recv() {
                    Ok(a) => answers.push(a),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        dead = true;
                        break;
                    }
                }
            }
        }
        let mut changed = false;
        for (text, result) in answers {
            let Some(t) = self.targets.iter_mut().find(|t| t.text == text && t.asked) else {
                // A target the map no longer names.
                continue;
            };
            t.asked = false;
            match result {
                Ok(addr) => {
                    if t.address() != Some(addr) {
                        tracing::info!("OSC feedback target {text}: {addr}");
                        changed = true;
                    }
                    t.state = TargetState::Resolved(addr);
                    t.backoff.reset();
                    t.due = Some(now + REFRESH);
                    self.restart.reset();
                }
                Err(error) => {
                    let wait = t.backoff.failed() * LOOKUP_BACKOFF_SCALE;
                    t.due = Some(now + wait);
                    if let Some(addr) = t.address() {
                        // The last address may still be right: keep sending there.
                        tracing::warn!(
                            "OSC feedback target {text}: lookup failed ({error}); still \
                             sending to {addr}"
                        );
                        continue;
                    }
                    let failures = t.backoff.failures();
                    if failures == 1 {
                        tracing::warn!(
                            "OSC feedback target {text}: {error}; retrying with back-off"
                        );
                    }
                    t.state = TargetState::Failed { error, failures };
                }
            }
        }
        if dead {
            self.died("the resolver thread ended", now);
        }
        changed
    }

    /// The thread is gone: its lookups are lost, it restarts after a wait, or, after too
    /// many restarts in a row, stays stopped and says so.
    fn died(&mut self, why: &str, now: Instant) {
        *self.link.get_mut().unwrap_or_else(|e| e.into_inner()) = None;
        for t in &mut self.targets {
            if t.asked {
                t.asked = false;
                t.due = Some(now);
            }
        }
        if self.restart.failures() >= MAX_RESTARTS {
            let text = format!("{why}; stopped after {} restarts", self.restarts);
            tracing::error!("OSC feedback resolver: {text}");
            self.failed = Some(text);
            return;
        }
        self.restarts += 1;
        let wait = self.restart.failed();
        tracing::error!(
            "OSC feedback resolver: {why}; restarting in {} ms (restart {})",
            wait.as_millis(),
            self.restarts
        );
        self.restart_at = Some(now + wait);
    }

    /// The resolved addresses, in map order.
    pub fn addresses(&self) -> Vec<SocketAddr> {
        self.targets.iter().filter_map(Target::address).collect()
    }

    /// Each target and where it stands, in map order.
    pub fn states(&self) -> Vec<(&str, &TargetState)> {
        self.targets
            .iter()
            .map(|t| (t.text.as_str(), &t.state))
            .collect()
    }

    /// Thread restarts so far.
    pub fn restarts(&self) -> u32 {
        self.restarts
    }

    /// Why the resolver thread is stopped for good, if it is.
    pub fn failed(&self) -> Option<&str> {
        self.failed.as_deref()
    }
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
