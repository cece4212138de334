//! Network access in a running plugin: bind addresses, allow-lists checked before decoding,
//! the map's allow-lists joined in place, read-only prefixes for OSC from the network, and
//! taken ports as problems and status.

use std::net::{IpAddr, SocketAddr, UdpSocket};

use backlot_net::{Cidr, NetAccess, PortProblems, Protocol};
use backlot_params::{ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin};
use bevy::prelude::*;
use rosc::OscType;

use super::{MAP, app_with, get, osc, port, send, until};
use crate::inbox::LogKind;
use crate::{Arbiter, ControlMap, ControlPlugin, ControlRuntime, ControlSettings, OscServers};

fn a(s: &str) -> ParamAddress {
    ParamAddress::new(s).expect("address")
}

fn register(app: &mut App, specs: Vec<ParamSpec>) {
    let mut registry = app.world_mut().resource_mut::<ParamRegistry>();
    for spec in specs {
        registry.register(spec).expect("register");
    }
}

fn loopback() -> IpAddr {
    IpAddr::from([127, 0, 0, 1])
}

/// Control bound to 127.0.0.1 only, no DNS-SD, with `change` applied to its settings.
fn loopback_app(change: impl FnOnce(&mut ControlSettings)) -> App {
    let mut settings = ControlSettings::any_ports(true);
    settings.network.bind = loopback();
    settings.network.mdns = false;
    change(&mut settings);
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default(), ParamsPlugin));
    app.add_plugins(ControlPlugin { settings });
    register(
        &mut app,
        vec![ParamSpec::float(
            a("/scene/fog/density"),
            0.03,
            0.0,
            1.0,
            "1/m",
        )],
    );
    app.update();
    app
}

fn osc_refused(app: &App) -> u64 {
    app.world()
        .resource::<NetAccess>()
        .list(Protocol::Osc)
        .refused()
}

#[test]
fn senders_outside_the_osc_allow_list_are_refused_before_decoding() {
    let only_here = Cidr::parse("127.0.0.1/32").expect("cidr");
    let mut app = loopback_app(|s| s.network.allow.add(Some(Protocol::Osc), only_here));
    let p = port(&app, |r: &OscServers| r.osc);
    assert_eq!(
        app.world().resource::<OscServers>().osc.map(|a| a.ip()),
        Some(loopback()),
        "bound where asked"
    );
    // Linux answers on all of 127.0.0.0/8: 127.0.0.2 is a sender that is not allowed.
    UdpSocket::bind("127.0.0.2:0")
        .expect("bind 127.0.0.2")
        .send_to(
            &osc("/scene/fog/density", vec![OscType::Float(0.9)]),
            ("127.0.0.1", p),
        )
        .expect("send");
    until(&mut app, |a| osc_refused(a) == 1);
    app.update();
    assert_eq!(get(&app, "/scene/fog/density"), ParamValue::Float(0.03));
    // Refused before the router: no monitor counter, no decode error for it.
    let counted = app
        .world()
        .resource::<ControlRuntime>()
        .inbox
        .lock()
        .counters
        .keys()
        .any(|k| k.contains("127.0.0.2"));
    assert!(!counted, "the refused datagram reached the decoder");

    send(p, &osc("/scene/fog/density", vec![OscType::Float(0.5)]));
    until(&mut app, |a| {
        get(a, "/scene/fog/density") == ParamValue::Float(0.5)
    });
    assert_eq!(osc_refused(&app), 1);
    until(&mut app, |a| {
        get(a, crate::STATUS_REFUSED[0]) == ParamValue::Int(1)
    });
    assert_eq!(
        get(&app, "/status/net/osc/listening"),
        ParamValue::Bool(true)
    );
    assert_eq!(
        get(&app, "/status/net/dmx/refused"),
        ParamValue::Int(0),
        "other protocols keep their own counts"
    );
}

#[test]
fn the_maps_allow_lists_join_the_command_lines_in_place() {
    let lan = Cidr::parse("10.0.0.0/8").expect("cidr");
    let mut app = loopback_app(|s| s.network.allow.add(Some(Protocol::Osc), lan));
    let p = port(&app, |r: &OscServers| r.osc);
    let list = app
        .world()
        .resource::<NetAccess>()
        .list(Protocol::Osc)
        .clone();
    assert!(!list.allows(loopback()));
    send(p, &osc("/scene/fog/density", vec![OscType::Float(0.9)]));
    until(&mut app, |a| osc_refused(a) == 1);

    app.world_mut()
        .resource_mut::<ControlMap>()
        .file
        .access
        .allow
        .osc = vec!["127.0.0.1".into()];
    app.update();
    assert!(list.allows(loopback()), "the map's entry is in force");
    assert!(
        list.allows(IpAddr::from([10, 1, 2, 3])),
        "the command line's stays"
    );
    // The running listener holds the same list: no socket was reopened.
    send(p, &osc("/scene/fog/density", vec![OscType::Float(0.25)]));
    until(&mut app, |a| {
        get(a, "/scene/fog/density") == ParamValue::Float(0.25)
    });
    assert_eq!(osc_refused(&app), 1);
}

#[test]
fn network_writes_under_read_only_prefixes_are_refused_while_the_operator_sets_them() {
    let mut app = app_with(MAP, None);
    register(
        &mut app,
        vec![
            ParamSpec::trigger(a("/takes/record")),
            ParamSpec::float(a("/takes/slate"), 0.0, 0.0, 100.0, ""),
        ],
    );
    let generation = |a: &App| {
        a.world()
            .resource::<ParamRegistry>()
            .entry("/takes/record")
            .map(|e| e.generation)
    };
    let before = generation(&app);
    let refused = |a: &App| a.world().resource::<ControlRuntime>().read_only_refused();
    let p = port(&app, |r: &OscServers| r.osc);
    send(p, &osc("/takes/record", vec![]));
    send(p, &osc("/takes/slate", vec![OscType::Float(5.0)]));
    // A pattern that would match is refused the same way.
    send(p, &osc("/t*/slate", vec![OscType::Float(6.0)]));
    until(&mut app, |a| refused(a) == 3);
    assert_eq!(generation(&app), before, "no take started");
    assert_eq!(get(&app, "/takes/slate"), ParamValue::Float(0.0));
    let said_why = app
        .world()
        .resource::<ControlRuntime>()
        .inbox
        .lock()
        .monitor(LogKind::Osc, &["osc"])
        .lines
        .iter()
        .any(|l| l.error && l.text.contains("read-only from the network"));
    assert!(said_why, "the monitor says why");
    until(&mut app, |a| {
        get(a, crate::STATUS_READ_ONLY_REFUSED) == ParamValue::Int(3)
    });

    // The operator panel writes through the arbiter directly: not refused.
    app.world_mut()
        .resource_mut::<Arbiter>()
        .hold("/takes/slate", ParamValue::Float(7.0));
    until(&mut app, |a| {
        get(a, "/takes/slate") == ParamValue::Float(7.0)
    });
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .set("/takes/record", ParamValue::Trigger)
        .expect("the Tracking panel's button still records");
    assert_ne!(generation(&app), before);

    // A map that lists no read-only prefix opens them to the network.
    app.world_mut()
        .resource_mut::<Arbiter>()
        .release("/takes/slate");
    app.world_mut()
        .resource_mut::<ControlMap>()
        .file
        .access
        .read_only
        .clear();
    send(p, &osc("/takes/slate", vec![OscType::Float(8.0)]));
    until(&mut app, |a| {
        get(a, "/takes/slate") == ParamValue::Float(8.0)
    });
    assert_eq!(refused(&app), 3);
}

#[test]
fn a_taken_port_is_a_problem_and_a_status() {
    let taken = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let busy = taken.local_addr().expect("addr").port();
    let mut app = loopback_app(|s| s.osc_port = busy);
    assert!(app.world().resource::<OscServers>().osc.is_none());
    let problem = app
        .world()
        .resource::<PortProblems>()
        .list()
        .iter()
        .find(|x| x.protocol == Protocol::Osc)
        .cloned()
        .expect("the taken OSC port is reported");
    assert_eq!(problem.addr, SocketAddr::from((loopback(), busy)));
    assert!(
        problem.at_start,
        "found at start: --strict-ports refuses it"
    );
    assert!(problem.to_string().contains(&busy.to_string()));
    app.update();
    assert_eq!(
        get(&app, "/status/net/osc/listening"),
        ParamValue::Bool(false)
    );
    assert_eq!(
        get(&app, "/status/net/oscquery/listening"),
        ParamValue::Bool(true)
    );
    drop(taken);
}
