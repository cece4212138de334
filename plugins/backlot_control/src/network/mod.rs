//! Control's side of network access: each listener announced with the interfaces it is
//! reachable on and who may reach it, ports that could not be bound, the map's allow-lists
//! followed on reload, `/status/net/<protocol>/{refused,listening}` and the sACN multicast
//! groups not joined, DNS-SD, and the Controls panel's Network section.

mod dns_sd;
mod panel;

use std::net::SocketAddr;

use backlot_net::{Listening, NetAccess, NetExposure, PortProblem, PortProblems, Protocol};
use backlot_params::{ParamRegistry, ParamSpec, ParamValue};
use bevy::prelude::*;

use crate::asset::MapSource;
use crate::format::{AllowDef, parse_map_file};
use crate::map::ControlMap;
use crate::publish::{counter, status};
use crate::route::ControlRuntime;
use crate::servers::{DmxServers, OscQueryServer, OscServers};

pub(crate) use dns_sd::advertise;
pub(crate) use panel::network_section;

/// `/status/net/<protocol>/refused`, in [`Protocol::ALL`]'s order.
pub const STATUS_REFUSED: [&str; 4] = [
    "/status/net/osc/refused",
    "/status/net/oscquery/refused",
    "/status/net/dmx/refused",
    "/status/net/tracking/refused",
];
/// `/status/net/<protocol>/listening`, in [`Protocol::ALL`]'s order.
pub const STATUS_LISTENING: [&str; 4] = [
    "/status/net/osc/listening",
    "/status/net/oscquery/listening",
    "/status/net/dmx/listening",
    "/status/net/tracking/listening",
];
/// OSC writes refused under the map's `access.read_only` prefixes.
pub const STATUS_READ_ONLY_REFUSED: &str = "/status/net/osc/read_only_refused";
/// sACN multicast groups the patch wants that are not joined (tried again on a timer).
pub const STATUS_MULTICAST_FAILING: &str = "/status/net/dmx/multicast_failing";

/// A listener is up: one INFO line with the interfaces and port it is reachable on and who
/// may reach it, and the same in [`NetExposure`] for the panel.
pub(crate) fn listening(world: &mut World, protocol: Protocol, what: &str, local: SocketAddr) {
    let l = Listening::new(protocol, what, local);
    info!(
        "{}",
        l.describe(world.resource::<NetAccess>().list(protocol))
    );
    world.resource_mut::<NetExposure>().add(l);
}

/// A port could not be bound: logged (with its holder when the system says), shown, and
/// kept for `run --strict-ports`.
pub(crate) fn bind_failed(
    world: &mut World,
    protocol: Protocol,
    what: &str,
    addr: SocketAddr,
    tcp: bool,
    error: &std::io::Error,
) {
    let problem = PortProblem::new(protocol, what, addr, tcp, error);
    error!("{problem}; the rest of control keeps running without it");
    world.resource_mut::<PortProblems>().report(problem);
}

/// The map file's allow-lists, read now: the asset loads a few frames after the sockets
/// open, and no sender the map keeps out may slip in meanwhile. A map that does not parse
/// is reported by its load; until a good one loads the command line's lists apply.
pub(crate) fn apply_map_file_now(world: &World) {
    let Some(source) = world.get_resource::<MapSource>() else {
        return;
    };
    if let Ok(file) = parse_map_file(&source.file) {
        world
            .resource::<NetAccess>()
            .apply_map(&file.access.allow.lists());
    }
}

/// Puts a (re)loaded map's allow-lists in force (the listeners hold the lists, so no
/// socket reopens), and says what changed.
pub(crate) fn follow_map_access(
    map: Res<ControlMap>,
    source: Option<Res<MapSource>>,
    access: Res<NetAccess>,
    mut applied: Local<Option<AllowDef>>,
) {
    // Until the map file loads, the lists read from it at start stay in force.
    if !map.is_changed() || (source.is_some() && map.loads == 0) {
        return;
    }
    let allow = &map.file.access.allow;
    if applied.as_ref() == Some(allow) {
        return;
    }
    access.apply_map(&allow.lists());
    if applied.is_some() {
        for p in Protocol::ALL {
            info!("{p}: {} (map reloaded)", access.list(p).describe());
        }
    }
    *applied = Some(allow.clone());
}

/// Refusals, read-only refusals, whether each protocol's sockets are all bound and the sACN
/// multicast groups not joined, as read-only status parameters.
pub(crate) fn publish_status(
    mut registry: ResMut<ParamRegistry>,
    access: Res<NetAccess>,
    problems: Res<PortProblems>,
    osc: Res<OscServers>,
    query: Res<OscQueryServer>,
    dmx: Res<DmxServers>,
    rt: Res<ControlRuntime>,
) {
    let int = |v: u64| ParamValue::Int(i32::try_from(v).unwrap_or(i32::MAX));
    for (i, p) in Protocol::ALL.into_iter().enumerate() {
        let bound = match p {
            Protocol::Osc => osc.osc.is_some() && osc.osc_tcp.is_some(),
            Protocol::OscQuery => query.addr.is_some(),
            Protocol::Dmx => dmx.artnet.is_some() && dmx.sacn.is_some(),
            // Tracking binds when a stage names trackers; only a failure says otherwise.
            Protocol::Tracking => true,
        };
        status(
            STATUS_REFUSED[i],
            |a| counter(a, format!("{p} senders refused by the allow-list")),
            &mut registry,
            int(access.list(p).refused()),
        );
        status(
            STATUS_LISTENING[i],
            |a| {
                ParamSpec::bool(a, false)
                    .read_only()
                    .with_description(format!("Every {p} socket is bound and listening"))
            },
            &mut registry,
            ParamValue::Bool(bound && !problems.has(p)),
        );
    }
    status(
        STATUS_READ_ONLY_REFUSED,
        |a| {
            counter(
                a,
                "OSC writes refused under the map's read-only prefixes".into(),
            )
        },
        &mut registry,
        int(rt.read_only_refused()),
    );
    status(
        STATUS_MULTICAST_FAILING,
        |a| {
            counter(
                a,
                "sACN multicast groups not joined; tried again every 5 to 30 s".into(),
            )
        },
        &mut registry,
        int(dmx.multicast_failing() as u64),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_addresses_follow_protocol_names() {
        for (i, p) in Protocol::ALL.into_iter().enumerate() {
            assert_eq!(STATUS_REFUSED[i], format!("/status/net/{p}/refused"));
            assert_eq!(STATUS_LISTENING[i], format!("/status/net/{p}/listening"));
        }
    }
}
