//! DNS-SD (mDNS) advertisement of OSCQuery and OSC, kept to the interfaces backlot is
//! bound to.

use backlot_net::{NetworkSettings, Protocol};
use bevy::prelude::*;

/// Advertises OSCQuery (`_oscjson._tcp`) and OSC (`_osc._udp`) over DNS-SD so desks and
/// tools find backlot by name; without multicast it says so once and addresses still work.
/// When both are bound to named addresses, DNS-SD speaks only on those interfaces: an
/// operator who kept backlot off a network does not want it announced there.
pub(crate) fn advertise(
    network: &NetworkSettings,
    oscquery_port: u16,
    osc_port: u16,
) -> Option<mdns_sd::ServiceDaemon> {
    let daemon = match mdns_sd::ServiceDaemon::new() {
        Ok(d) => d,
        Err(e) => {
            warn!("DNS-SD: {e}; OSCQuery stays reachable at its address");
            return None;
        }
    };
    let (query_ip, osc_ip) = (
        network.addr(Protocol::OscQuery),
        network.addr(Protocol::Osc),
    );
    if !query_ip.is_unspecified() && !osc_ip.is_unspecified() {
        let mut only = vec![mdns_sd::IfKind::Addr(query_ip)];
        if osc_ip != query_ip {
            only.push(mdns_sd::IfKind::Addr(osc_ip));
        }
        let kept = daemon
            .disable_interface(mdns_sd::IfKind::All)
            .and_then(|()| daemon.enable_interface(only));
        if let Err(e) = kept {
            warn!("DNS-SD: cannot keep to {query_ip}: {e}; not advertising");
            let _ = daemon.shutdown();
            return None;
        }
    }
    // One name per OSCQuery port, so several backlots on one machine stay apart.
    let instance = format!("backlot-{oscquery_port}");
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "backlot".into());
    let host = format!("{host}.local.");
    for (ty, port, ip) in [
        ("_oscjson._tcp.local.", oscquery_port, query_ip),
        ("_osc._udp.local.", osc_port, osc_ip),
    ] {
        let none = None::<std::collections::HashMap<String, String>>;
        let info = if ip.is_unspecified() {
            mdns_sd::ServiceInfo::new(ty, &instance, &host, "", port, none)
                .map(mdns_sd::ServiceInfo::enable_addr_auto)
        } else {
            mdns_sd::ServiceInfo::new(ty, &instance, &host, ip, port, none)
        };
        match info.and_then(|i| daemon.register(i)) {
            Ok(()) => info!("DNS-SD: advertising backlot as {ty} on port {port}"),
            Err(e) => warn!("DNS-SD: cannot advertise {ty}: {e}"),
        }
    }
    Some(daemon)
}
