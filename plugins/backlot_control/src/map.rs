//! The map in force: hot reload, applying it to universes and feedback targets, and writing
//! MIDI-learned bindings back to the file.

use std::collections::BTreeMap;
use std::net::ToSocketAddrs;

use backlot_files::FileNews;
use bevy::prelude::*;

use crate::asset::{MapAsset, MapKind, MapSource};
use crate::dmx::{self, Universe};
use crate::feedback::Feedback;
use crate::format::{MapFile, MidiBinding, save_map};
use crate::servers::DmxServers;

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
    dirty: bool,
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
    for (id, artnet, sacn, on_loss) in dmx::routes(&file.dmx) {
        let mut u = dmx_servers
            .universes
            .remove(&id)
            .unwrap_or_else(|| Universe::new(id, on_loss));
        u.on_loss = on_loss;
        u.htp = dmx::intensity_slots(&file.dmx, id);
        universes.insert(id, u);
        announce.extend(artnet);
        if let (Some(s), Some(socket)) = (sacn, &dmx_servers.sacn_socket) {
            let group = crate::codec::sacn::multicast_group(s);
            for iface in [
                std::net::Ipv4Addr::UNSPECIFIED,
                std::net::Ipv4Addr::LOCALHOST,
            ] {
                let _ = socket.join_multicast_v4(&group, &iface);
            }
        }
    }
    dmx_servers.universes = universes;
    if let Ok(mut a) = dmx_servers.announce.write() {
        a.port_addresses = announce;
    }
    feedback.targets = file
        .osc
        .feedback
        .iter()
        .filter_map(|t| match t.to_socket_addrs() {
            Ok(mut a) => a.next(),
            Err(e) => {
                warn!("OSC feedback target {t}: {e}");
                None
            }
        })
        .collect();
}

/// A binding made by MIDI learn this frame.
#[derive(Resource, Default)]
pub struct LearnResult(pub Option<MidiBinding>);

/// Adds a learned binding to the map and writes the map back (atomically).
pub(crate) fn save_learned(
    mut learned: ResMut<LearnResult>,
    mut map: ResMut<ControlMap>,
    source: Option<Res<MapSource>>,
) {
    let Some(binding) = learned.0.take() else {
        return;
    };
    map.file
        .midi
        .bindings
        .retain(|b| b.target != binding.target && b.control != binding.control);
    info!("MIDI learn: {:?} → {}", binding.control, binding.target);
    map.file.midi.bindings.push(binding);
    if let Some(source) = source {
        match save_map(&map.file, &source.file) {
            Ok(()) => info!("map saved: {}", source.file.display()),
            Err(e) => error!("cannot save map {}: {e}", source.file.display()),
        }
    }
}
