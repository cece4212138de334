//! Taking an autosave back after an unclean exit. The file is read at startup; what it holds
//! goes back as it can: a value as soon as its parameter exists (the scene registers its
//! parameters when its file has loaded, frames after the start), the operator's holds and
//! the controllers' claims with them, the cue lists' positions as soon as the show is
//! loaded — each before the frame's playback, so the first frame that plays them plays them
//! from where they were. What has not found its parameter after [`RESTORE_WAIT`] seconds is
//! given up and reported.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use backlot_params::{Arbiter, Claim, Input, ParamRegistry, Source};
use bevy::prelude::*;

use super::format::{self, Autosave, ClaimState, Driver, ParamState, format_time};
use super::{RecoveryStatus, Restore, Restored};
use crate::file::CueListDef;
use crate::look::Look;
use crate::playback::ShowPlayback;
use crate::show::ShowState;

/// How long a restore waits for parameters that do not exist yet, seconds of real time.
pub const RESTORE_WAIT: f64 = 10.0;

/// ...and at least this many frames, so that a slow start does not use the wait up.
pub const RESTORE_FRAMES: u32 = 30;

/// Addresses named in the log and the status when values could not be restored; the rest
/// are counted.
const LISTED: usize = 8;

/// What of an autosave is still to go back.
#[derive(Resource, Debug)]
pub(crate) struct PendingRestore {
    path: PathBuf,
    saved_at: String,
    params: BTreeMap<String, ParamState>,
    claims: Vec<ClaimState>,
    playback: Option<ShowState>,
    looks: Option<Arc<Vec<Look>>>,
    lists: Option<Vec<CueListDef>>,
    started: Option<f64>,
    frames: u32,
    addresses_seen: Option<u64>,
    restored: Restored,
}

impl PendingRestore {
    pub(crate) fn new(autosave: Autosave, path: PathBuf) -> Self {
        let saved_at = format_time(autosave.saved_unix_ms);
        Self {
            path,
            restored: Restored {
                saved_at: saved_at.clone(),
                ..default()
            },
            saved_at,
            params: autosave.params,
            claims: autosave.claims,
            playback: autosave.playback,
            looks: autosave.looks,
            lists: autosave.lists,
            started: None,
            frames: 0,
            addresses_seen: None,
        }
    }

    fn is_done(&self) -> bool {
        self.params.is_empty()
            && self.claims.is_empty()
            && self.playback.is_none()
            && self.looks.is_none()
            && self.lists.is_none()
    }

    /// Values whose parameter exists now, then the holds and claims on them.
    fn restore_params(&mut self, registry: &mut ParamRegistry, arbiter: &mut Arbiter) {
        let ready: Vec<String> = self
            .params
            .keys()
            .filter(|a| registry.entry(a).is_some())
            .cloned()
            .collect();
        for address in ready {
            let Some(state) = self.params.remove(&address) else {
                continue;
            };
            match state.driver {
                // The cue plays it again: through the arbiter, so the cue drives it as before
                // (a RELEASE of its list then hands it back to the scene).
                Driver::Cue(label) => {
                    arbiter.push(Input {
                        address,
                        value: state.value,
                        source: Source::Cue(label),
                        slew_ms: 0.0,
                        priority: 0,
                    });
                    self.restored.values += 1;
                }
                // The scene, the layers (they drive it again in their next frame) and the
                // value a hold or a controller claim below takes.
                _ => match registry.set(&address, state.value) {
                    Ok(_) => self.restored.values += 1,
                    Err(e) => self.restored.problems.push(format!("{address}: {e}")),
                },
            }
        }
        let claims = std::mem::take(&mut self.claims);
        let (ready, waiting): (Vec<ClaimState>, Vec<ClaimState>) = claims
            .into_iter()
            .partition(|c| registry.entry(&c.address).is_some());
        self.claims = waiting;
        if !ready.is_empty() {
            let ready: Vec<Claim> = ready.iter().map(Claim::from).collect();
            self.restored.claims += arbiter.adopt_claims(registry, &ready);
        }
    }

    /// The looks and the lists' positions, once the show is loaded.
    fn restore_show(&mut self, playback: &mut ShowPlayback) {
        let Some(show) = playback.show.as_mut() else {
            return;
        };
        if let Some(looks) = self.looks.take() {
            let looks = Arc::try_unwrap(looks).unwrap_or_else(|shared| (*shared).clone());
            self.restored.looks = looks.len();
            show.set_looks(looks);
        }
        // Before the positions: a list stands on its cue by name in the list as edited.
        if let Some(lists) = self.lists.take() {
            for def in lists {
                if show.list(&def.name).is_some_and(|l| *l.def() != def) {
                    self.restored.cue_lists += 1;
                    show.put_list(def);
                }
            }
        }
        if let Some(state) = self.playback.take() {
            let problems = show.import_state(&state);
            self.restored.problems.extend(problems);
            self.restored.lists = show
                .lists()
                .iter()
                .filter(|l| state.lists.iter().any(|s| s.name == l.name()))
                .map(|l| match l.current() {
                    Some(i) => format!(
                        "{} at cue {} ({:.0} % faded)",
                        l.name(),
                        i + 1,
                        l.progress() * 100.0
                    ),
                    None => format!("{} before its first cue", l.name()),
                })
                .collect();
        }
    }

    /// Gives up on what is still waiting; what was restored, for the log and the panel.
    fn finish(&mut self) -> Restored {
        let mut restored = std::mem::take(&mut self.restored);
        let missing: Vec<String> = self
            .params
            .keys()
            .cloned()
            .chain(self.claims.iter().map(|c| c.address.clone()))
            .collect();
        restored.missing_count = missing.len();
        restored.missing = missing.into_iter().take(LISTED).collect();
        if self.playback.is_some() || self.looks.is_some() || self.lists.is_some() {
            restored
                .problems
                .push("no show was loaded: the cue lists start from the top".into());
        }
        restored
    }

    /// Puts what is still waiting into an autosave taken meanwhile, so that a crash while
    /// restoring does not lose it.
    pub(crate) fn carry_into(&self, autosave: &mut Autosave) {
        for (address, state) in &self.params {
            autosave
                .params
                .entry(address.clone())
                .or_insert_with(|| state.clone());
        }
        for claim in &self.claims {
            if !autosave.claims.iter().any(|c| c.address == claim.address) {
                autosave.claims.push(claim.clone());
            }
        }
        if self.playback.is_some() {
            autosave.playback.clone_from(&self.playback);
        }
        if self.looks.is_some() {
            autosave.looks.clone_from(&self.looks);
        }
        if self.lists.is_some() {
            autosave.lists.clone_from(&self.lists);
        }
    }
}

/// Startup: reads the autosave beside the show. An unclean one is restored (from the
/// first frame on); a damaged one is ignored with a warning naming the file and where it
/// is damaged (the next autosave replaces it).
pub(crate) fn read_autosave(mut commands: Commands, mut status: ResMut<RecoveryStatus>) {
    let path = status.autosave.clone();
    match format::read(&path) {
        Ok(None) => {}
        Ok(Some(autosave)) if autosave.clean => {
            debug!(
                "show: {} is from a clean quit; nothing to restore",
                path.display()
            );
        }
        Ok(Some(autosave)) => {
            let saved_at = format_time(autosave.saved_unix_ms);
            warn!(
                "show: backlot did not quit cleanly; restoring the live state of {saved_at} \
                 from {}",
                path.display()
            );
            status.restore = Restore::Restoring {
                saved_at: saved_at.clone(),
            };
            commands.insert_resource(PendingRestore::new(autosave, path));
        }
        Err(e) => {
            warn!("show: ignoring the autosave: {e} (the next autosave replaces it)");
            status.restore = Restore::Ignored { why: e.to_string() };
        }
    }
}

/// Puts back what of the autosave can go back this frame, before the show plays; reports
/// and stops once everything is back or [`RESTORE_WAIT`] has passed.
pub(crate) fn restore_live_state(
    mut commands: Commands,
    time: Res<Time<Real>>,
    mut pending: ResMut<PendingRestore>,
    mut registry: ResMut<ParamRegistry>,
    mut arbiter: ResMut<Arbiter>,
    playback: Option<ResMut<ShowPlayback>>,
    mut status: ResMut<RecoveryStatus>,
) {
    let now = time.elapsed_secs_f64();
    let pending = pending.as_mut();
    let started = *pending.started.get_or_insert(now);
    pending.frames = pending.frames.saturating_add(1);
    // New parameters come with a new address generation: only then is there more to do.
    let addresses = registry.addresses_generation();
    if pending.addresses_seen != Some(addresses) {
        pending.addresses_seen = Some(addresses);
        pending.restore_params(&mut registry, &mut arbiter);
    }
    if let Some(mut playback) = playback
        && (pending.playback.is_some() || pending.looks.is_some())
    {
        pending.restore_show(&mut playback);
    }
    let waited = pending.frames >= RESTORE_FRAMES && now - started >= RESTORE_WAIT;
    if !pending.is_done() && !waited {
        return;
    }
    let restored = pending.finish();
    report(&restored, pending);
    status.restore = Restore::Restored(restored);
    commands.remove_resource::<PendingRestore>();
}

fn report(restored: &Restored, pending: &PendingRestore) {
    let mut line = format!(
        "show: restored the live state of {} from {}: {} values, {} holds and controller \
         claims",
        pending.saved_at,
        pending.path.display(),
        restored.values,
        restored.claims
    );
    if !restored.lists.is_empty() {
        line.push_str("; ");
        line.push_str(&restored.lists.join(", "));
    }
    if restored.looks > 0 {
        line.push_str(&format!("; {} looks as last stored", restored.looks));
    }
    if restored.cue_lists > 0 {
        line.push_str(&format!(
            "; {} cue lists as last edited",
            restored.cue_lists
        ));
    }
    info!("{line}");
    if restored.missing_count > 0 {
        warn!(
            "show: {} saved values not restored: no such parameter after {RESTORE_WAIT} s: \
             {}{}",
            restored.missing_count,
            restored.missing.join(", "),
            if restored.missing_count > restored.missing.len() {
                ", …"
            } else {
                ""
            }
        );
    }
    for problem in &restored.problems {
        warn!("show: restoring: {problem}");
    }
}
