//! The map in force: hot reload, applying it to universes and feedback targets, and writing
//! learned bindings (MIDI learn's and OSC learn's) back into the file off the frame (spliced
//! into the user's text; never over a file with errors, whose learned bindings wait in force
//! until a save succeeds).

mod learn_save;

use std::collections::{BTreeMap, BTreeSet};

use backlot_files::FileNews;
use bevy::prelude::*;

use crate::asset::{MapAsset, MapKind, MapSource};
use crate::dmx::{self, Universe};
use crate::feedback::Feedback;
use crate::format::{Learned, LearnedBinding, MapFile, Saved};
use crate::servers::DmxServers;
use learn_save::{LearnSaver, SaveDone, SaveRequest};

/// The map in force.
#[derive(Resource, Debug, Default)]
pub struct ControlMap {
    /// Content (empty until loaded).
    pub file: MapFile,
    /// Handle of the map asset.
    pub handle: Option<Handle<MapAsset>>,
    /// Successful loads.
    pub loads: u32,
    /// The last error, kept until a good load.
    pub error: Option<String>,
    /// Learned bindings in force but not yet in the map file (it had errors, or could not be
    /// written); the next save that succeeds writes them. By learn's rules, as in the map:
    /// at most one per MIDI control and one per target among MIDI ones, one per OSC address.
    pub pending: Learned,
    /// Why learned bindings could not be written to the map file.
    pub save_error: Option<String>,
    /// What the last save of learned bindings did.
    pub last_save: Option<String>,
    dirty: bool,
    /// `loads` when pending bindings were last tried: each good load is a new chance.
    tried_at_load: u32,
    /// Writes learned bindings into the file off the frame, one save at a time.
    saver: LearnSaver,
}

impl ControlMap {
    /// A save of learned bindings is under way (its result shows in `last_save` or
    /// `save_error` once it is done).
    pub fn saving(&self) -> bool {
        self.saver.busy()
    }
}

/// Follows the map asset (hot reload; a broken edit keeps the last good map).
pub(crate) fn watch_map(
    mut news: FileNews<MapKind>,
    assets: Res<Assets<MapAsset>>,
    mut map: ResMut<ControlMap>,
    mut dmx_servers: ResMut<DmxServers>,
    mut feedback: ResMut<Feedback>,
) {
    let Some(id) = map.handle.as_ref().map(Handle::id) else {
        return;
    };
    map.dirty |= news.loaded();
    if let Some(f) = news.failed() {
        map.error = Some(f.message.clone());
    }
    if !map.dirty {
        return;
    }
    let Some(asset) = assets.get(id) else { return };
    map.dirty = false;
    map.file = asset.file.clone();
    // Learned bindings not yet in the file stay in force over the reload.
    let ControlMap { file, pending, .. } = &mut *map;
    pending.apply_to(file);
    map.loads += 1;
    map.error = None;
    configure_map(&map.file, &mut dmx_servers, &mut feedback);
    info!(
        "control map loaded: {} OSC, {} MIDI bindings, {} fixtures, {} channels (load #{})",
        map.file.osc.bindings.len(),
        map.file.midi.bindings.len(),
        map.file.dmx.fixtures.len(),
        map.file.dmx.channels.len(),
        map.loads
    );
}

/// Applies a (re)loaded map: universes, announcements, multicast joins, feedback targets.
pub fn configure_map(file: &MapFile, dmx_servers: &mut DmxServers, feedback: &mut Feedback) {
    let mut universes = BTreeMap::new();
    let mut announce = Vec::new();
    let mut sacn_universes = BTreeSet::new();
    for (id, artnet, sacn, on_loss) in dmx::routes(&file.dmx) {
        let mut u = dmx_servers
            .universes
            .remove(&id)
            .unwrap_or_else(|| Universe::new(id, on_loss));
        u.on_loss = on_loss;
        u.htp = dmx::intensity_slots(&file.dmx, id);
        universes.insert(id, u);
        announce.extend(artnet);
        sacn_universes.extend(sacn);
    }
    dmx_servers.universes = universes;
    // Joins the new universes' groups and leaves those no longer patched.
    dmx_servers.set_sacn_universes(&sacn_universes);
    if let Ok(mut a) = dmx_servers.announce.write() {
        a.port_addresses = announce;
    }
    // Names resolve off the frame; numeric addresses apply at once.
    feedback.set_targets(&file.osc.feedback);
}

/// Bindings made by learn (MIDI or OSC) this frame, in the order they were made.
#[derive(Resource, Default)]
pub struct LearnResult(pub Vec<LearnedBinding>);

/// Puts a learned binding in force and writes learned bindings into the map file off the
/// frame, touching only their text. A map file with errors is not overwritten: the binding
/// stays in force and pending, and is written by the next save that succeeds (the next
/// learn, the next good load of the file, or the Controls panel's Save).
pub(crate) fn save_learned(
    mut learned: ResMut<LearnResult>,
    mut map: ResMut<ControlMap>,
    source: Option<Res<MapSource>>,
) {
    let fresh = std::mem::take(&mut learned.0);
    let map = &mut *map;
    if let Some(done) = map.saver.poll() {
        finish_save(map, done);
    }
    for binding in &fresh {
        match binding {
            LearnedBinding::Midi(b) => info!("MIDI learn: {:?} → {}", b.control, b.target),
            LearnedBinding::Osc(b) => info!("OSC learn: {} → {}", b.address, b.target),
        }
        binding.apply_to(&mut map.file);
    }
    // Without a map file the binding is in force only.
    let Some(source) = source else { return };
    if fresh.is_empty() {
        // A save under way answers first (our own write reloads the file too).
        if map.pending.is_empty() || map.tried_at_load == map.loads || map.saver.busy() {
            return;
        }
    } else {
        for binding in fresh {
            map.pending.add(binding);
        }
    }
    map.tried_at_load = map.loads;
    map.saver.request(SaveRequest {
        learned: map.pending.clone(),
        whole: map.file.clone(),
        path: source.file.clone(),
    });
}

/// Shows how a save went; the bindings it wrote are no longer pending.
fn finish_save(map: &mut ControlMap, done: SaveDone) {
    let shown = done.path.display();
    match done.result {
        Ok(saved) => {
            if matches!(saved, Saved::Rewritten { .. }) {
                warn!("map saved: {shown}: {saved}");
            } else {
                info!("map saved: {shown}: {saved}");
            }
            map.last_save = Some(format!("saved {shown}: {saved}"));
            map.save_error = None;
            // Bindings learned while it ran stay pending: the save queued for them writes them.
            map.pending.forget(&done.learned);
        }
        Err(why) => {
            let why = format!(
                "{why} ({} learned binding(s) in force, not yet saved)",
                map.pending.len()
            );
            error!("{why}");
            map.save_error = Some(why);
        }
    }
}
