//! DMX on the network: Art-Net time code into `/timecode`, the address ArtPollReply gives,
//! DMX ports bound exclusively unless shared, and sACN multicast memberships spread over
//! sockets, left on unpatch, with failed joins counted and shown.

use std::collections::BTreeSet;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::time::Duration;

use backlot_net::Timecode;
use backlot_params::{ParamRegistry, ParamValue, ParamsPlugin};
use bevy::prelude::*;

use super::{MAP, app_with, port, send, until};
use crate::codec::{artnet, sacn};
use crate::dmx::{self, GROUPS_PER_SOCKET, SacnMulticast};
use crate::format::{DmxDef, MapFile, UniverseDef};
use crate::inbox::SharedInbox;

const ANY: std::net::IpAddr = std::net::IpAddr::V4(Ipv4Addr::UNSPECIFIED);
use crate::{
    ControlMap, ControlPlugin, ControlRuntime, ControlSettings, DmxServers, Feedback, configure_map,
};

/// A live app with these settings, then this map.
fn dmx_app(settings: ControlSettings, file: MapFile) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default(), ParamsPlugin));
    app.add_plugins(ControlPlugin { settings });
    app.update();
    reload(&mut app, file);
    app
}

/// Applies a map as a reload does.
fn reload(app: &mut App, file: MapFile) {
    app.world_mut()
        .resource_scope(|world, mut servers: Mut<DmxServers>| {
            configure_map(&file, &mut servers, &mut world.resource_mut::<Feedback>());
            world.resource_mut::<ControlMap>().file = file;
        });
    app.update();
}

/// A map patching these universes (Art-Net and sACN numbers = ids).
fn patch(universes: impl IntoIterator<Item = u16>) -> MapFile {
    let universes = universes
        .into_iter()
        .map(|id| UniverseDef {
            id,
            artnet: None,
            sacn: None,
            on_loss: Default::default(),
            priority: 0,
        })
        .collect();
    MapFile {
        dmx: DmxDef {
            universes,
            ..DmxDef::default()
        },
        ..MapFile::default()
    }
}

/// Free ports, DMX on the loopback interface (`--dmx-interface 127.0.0.1`).
fn on_loopback() -> ControlSettings {
    ControlSettings {
        dmx_interface: Some("127.0.0.1".into()),
        ..ControlSettings::any_ports(true)
    }
}

/// Sends an ArtPoll from loopback; the first ArtPollReply.
fn poll(port: u16) -> Vec<u8> {
    let poller = UdpSocket::bind("127.0.0.1:0").expect("bind");
    poller
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    poller
        .send_to(
            &[
                b'A', b'r', b't', b'-', b'N', b'e', b't', 0, 0, 0x20, 0, 14, 2, 0,
            ],
            ("127.0.0.1", port),
        )
        .expect("poll");
    let mut buf = [0u8; 600];
    let n = poller.recv(&mut buf).expect("ArtPollReply");
    buf[..n].to_vec()
}

fn dmx_errors(app: &App, containing: &str) -> usize {
    app.world()
        .resource::<ControlRuntime>()
        .inbox
        .lock()
        .dmx_log
        .iter()
        .filter(|l| l.error && l.text.contains(containing))
        .count()
}

#[test]
fn art_timecode_sets_the_show_timecode() {
    let mut app = app_with(MAP, None);
    let p = port(&app, |r: &DmxServers| r.artnet);
    send(p, &artnet::encode_timecode([1, 2, 3, 4], 1));
    let frames = ((3600 + 120 + 3) * 25) + 4;
    let shown = |a: &App| {
        a.world()
            .resource::<ParamRegistry>()
            .get("/timecode")
            .ok()
            .cloned()
    };
    until(&mut app, |a| shown(a) == Some(ParamValue::Int(frames)));
    let tc = app.world().resource::<Timecode>().clone();
    assert_eq!(tc.label.as_deref(), Some("01:02:03:04"));
    assert_eq!(tc.frames, Some(i64::from(frames)));
    assert_eq!(tc.source, "Art-Net time code");
    assert!((tc.fps - 25.0).abs() < 1e-6, "{}", tc.fps);
    // An impossible time code is counted as an error and changes nothing.
    let mut bad = artnet::encode_timecode([1, 2, 3, 4], 1);
    bad[14] = 99;
    send(p, &bad);
    until(&mut app, |a| dmx_errors(a, "ArtTimeCode") == 1);
    assert_eq!(app.world().resource::<Timecode>().clone(), tc);
}

#[test]
fn artpollreply_carries_the_address_backlot_is_reached_at() {
    // No interface given: the address the system routes toward the poller.
    let app = app_with(MAP, None);
    let reply = poll(port(&app, |r: &DmxServers| r.artnet));
    let routed = dmx::local_address_toward(Ipv4Addr::LOCALHOST).expect("a route to loopback");
    assert_eq!(reply.len(), 239);
    assert_eq!(&reply[10..14], &routed.octets(), "IP Address");
    assert_eq!(&reply[207..211], &routed.octets(), "BindIp");
    // `--dmx-interface 127.0.0.1`: that address.
    let app = dmx_app(on_loopback(), patch([1]));
    assert_eq!(
        app.world().resource::<DmxServers>().interface,
        Some(Ipv4Addr::LOCALHOST)
    );
    let reply = poll(port(&app, |r: &DmxServers| r.artnet));
    assert_eq!(&reply[10..14], &[127, 0, 0, 1]);
    assert_eq!(reply[190], 1, "announces Port-Address 1");
    // An interface that is not here is an error, and the default is used.
    let app = dmx_app(
        ControlSettings {
            dmx_interface: Some("no-such-interface0".into()),
            ..ControlSettings::any_ports(true)
        },
        patch([1]),
    );
    let servers = app.world().resource::<DmxServers>();
    assert_eq!(servers.interface, None);
    assert!(
        servers
            .problems
            .iter()
            .any(|p| p.contains("no-such-interface0")),
        "{:?}",
        servers.problems
    );
    assert!(servers.artnet.is_some(), "Art-Net still listens");
}

#[test]
fn a_taken_dmx_port_is_an_error_unless_shared_knowingly() {
    // Art-Net: exclusive by default; sharing needs every program on the port to share.
    let first = dmx::bind_artnet(ANY, 0, false).expect("bind");
    let p = first.local_addr().expect("addr").port();
    let e = dmx::bind_artnet(ANY, p, false).expect_err("the port is taken");
    assert_eq!(e.kind(), ErrorKind::AddrInUse);
    let text = dmx::port_problem("Art-Net", p, false, &e);
    assert!(
        text.contains(&format!("udp port {p} is taken"))
            && text.contains("maybe another backlot")
            && text.contains("--dmx-share"),
        "{text}"
    );
    assert!(
        dmx::bind_artnet(ANY, p, true).is_err(),
        "an exclusive holder"
    );
    let shared = dmx::bind_artnet(ANY, 0, true).expect("bind");
    let q = shared.local_addr().expect("addr").port();
    let _also = dmx::bind_artnet(ANY, q, true).expect("both share knowingly");
    assert!(
        dmx::bind_artnet(ANY, q, false).is_err(),
        "exclusive on a shared port"
    );
    // sACN: a second exclusive bind fails; `--dmx-share` joins backlot's port knowingly.
    let sacn_first = dmx::bind_sacn(ANY, 0, false).expect("bind");
    let s = sacn_first.local_addr().expect("addr").port();
    let e = dmx::bind_sacn(ANY, s, false).expect_err("the port is taken");
    assert_eq!(e.kind(), ErrorKind::AddrInUse);
    let _knowing = dmx::bind_sacn(ANY, s, true).expect("--dmx-share");

    // A second backlot on the first one's ports: both refused, said, kept and shown.
    let first = app_with(MAP, None);
    let a = port(&first, |r: &DmxServers| r.artnet);
    let s = port(&first, |r: &DmxServers| r.sacn);
    let settings = ControlSettings {
        artnet_port: a,
        sacn_port: s,
        ..ControlSettings::any_ports(true)
    };
    let second = dmx_app(settings, patch([1]));
    let servers = second.world().resource::<DmxServers>();
    assert_eq!((servers.artnet, servers.sacn), (None, None));
    assert_eq!(servers.problems.len(), 2, "{:?}", servers.problems);
    for (p, text) in [(a, &servers.problems[0]), (s, &servers.problems[1])] {
        assert!(
            text.contains(&format!("udp port {p} is taken"))
                && text.contains("maybe another backlot"),
            "{text}"
        );
    }
    assert!(servers.multicast().is_none());
    assert_eq!(
        servers
            .health()
            .iter()
            .filter(|(_, h)| !h.running && h.last_error.is_some())
            .count(),
        2,
        "shown as stopped"
    );
    assert_eq!(dmx_errors(&second, "maybe another backlot"), 2);
    // The first still has its ports.
    assert!(first.world().resource::<DmxServers>().problems.is_empty());
}

#[test]
fn sixty_four_multicast_universes_spread_over_sockets_and_unpatching_leaves() {
    let mut app = dmx_app(on_loopback(), patch(1..=64));
    let stats = app
        .world()
        .resource::<DmxServers>()
        .multicast()
        .expect("sACN listens");
    assert_eq!(stats.interfaces, vec![Ipv4Addr::LOCALHOST]);
    assert_eq!(stats.memberships + stats.failing, 64, "{stats:?}");
    assert!(
        stats.per_socket.iter().all(|n| *n <= GROUPS_PER_SOCKET),
        "{stats:?}"
    );
    if stats.failing == 0 {
        assert!(stats.per_socket.len() >= 4, "{stats:?}");
        let receivers = app
            .world()
            .resource::<DmxServers>()
            .health()
            .iter()
            .filter(|(name, h)| name.starts_with("sacn-multicast-") && h.running)
            .count();
        assert_eq!(receivers, stats.per_socket.len(), "a thread per socket");
        // The last socket's group delivers.
        let p = port(&app, |r: &DmxServers| r.sacn);
        let sender = socket2::Socket::new(
            socket2::Domain::IPV4,
            socket2::Type::DGRAM,
            Some(socket2::Protocol::UDP),
        )
        .expect("socket");
        sender
            .set_multicast_if_v4(&Ipv4Addr::LOCALHOST)
            .expect("multicast if");
        sender.set_multicast_loop_v4(true).expect("loop");
        let packet = sacn::encode(&sacn::SacnData {
            cid: [64; 16],
            source: "desk 64".into(),
            priority: 100,
            sync: 0,
            sequence: 1,
            options: 0,
            universe: 64,
            start_code: 0,
            slots: vec![255; 4],
        });
        let group = SocketAddrV4::new(sacn::multicast_group(64), p);
        sender
            .send_to(&packet, &group.into())
            .expect("multicast send");
        until(&mut app, |a| {
            a.world().resource::<DmxServers>().universes[&64].live
        });
    } else {
        // No multicast here (a container): the failure is counted and shown, not hidden.
        eprintln!("multicast joins on loopback failed here: {stats:?}");
        assert!(stats.joins_failed >= stats.failing as u64);
        assert!(stats.last_error.is_some());
        assert!(dmx_errors(&app, "cannot join") >= 1);
        assert!(
            app.world()
                .resource::<DmxServers>()
                .health()
                .iter()
                .any(|(name, h)| name.starts_with("sacn multicast") && h.errors > 0)
        );
    }
    // A reload with ten universes leaves the other groups and closes emptied sockets.
    reload(&mut app, patch(1..=10));
    let after = app
        .world()
        .resource::<DmxServers>()
        .multicast()
        .expect("sACN listens");
    assert_eq!(after.memberships + after.failing, 10, "{after:?}");
    if after.failing == 0 {
        assert_eq!(after.per_socket, vec![10]);
    }
}

#[test]
fn failed_joins_are_counted_warned_once_per_universe_and_shown() {
    let inbox = SharedInbox::default();
    let unicast = dmx::bind_sacn(ANY, 0, false).expect("bind");
    let port = unicast.local_addr().expect("addr").port();
    // 192.0.2.1 (TEST-NET-1) is no interface of this machine: every join fails.
    let nowhere = Ipv4Addr::new(192, 0, 2, 1);
    let mut m = SacnMulticast::new(port, vec![nowhere], inbox.clone());
    let universes: BTreeSet<u16> = (1..=20).collect();
    let warned = |inbox: &SharedInbox| {
        inbox
            .lock()
            .dmx_log
            .iter()
            .filter(|l| l.error && l.text.contains("cannot join"))
            .count()
    };
    m.set_universes(&universes);
    let s = m.stats();
    assert_eq!((s.memberships, s.failing, s.joins_failed), (0, 20, 20));
    assert!(s.per_socket.is_empty(), "sockets without memberships close");
    assert!(
        s.last_error
            .as_deref()
            .is_some_and(|e| e.contains("cannot join 239.255.0.20 on 192.0.2.1")),
        "{s:?}"
    );
    assert_eq!(warned(&inbox), 20, "one line per universe");
    // A reload tries again, counts again, warns no more.
    m.set_universes(&universes);
    assert_eq!(m.stats().joins_failed, 40);
    assert_eq!(warned(&inbox), 20);
    // Unpatched universes are forgotten.
    m.set_universes(&BTreeSet::new());
    assert_eq!(m.stats().failing, 0);
    assert!(m.health()[0].0.starts_with("sacn multicast"));
    assert_eq!(m.health()[0].1.errors, 40);
}

#[test]
fn emptied_sockets_close_off_the_frame_and_a_group_joins_again_at_once() {
    let inbox = SharedInbox::default();
    let unicast = dmx::bind_sacn(ANY, 0, false).expect("bind");
    let port = unicast.local_addr().expect("addr").port();
    let mut m = SacnMulticast::new(port, vec![Ipv4Addr::LOCALHOST], inbox);
    let one: BTreeSet<u16> = [1].into();
    // Joined or not (a container may refuse multicast), a socket is opened and emptied.
    m.set_universes(&one);
    let joined = m.stats().failing == 0;
    m.set_universes(&BTreeSet::new());
    assert!(m.stats().closing <= dmx::MAX_CLOSING);
    // Unpatched and patched again at once, while the old socket may still be closing.
    m.set_universes(&one);
    let s = m.stats();
    assert_eq!(s.memberships + s.failing, 1, "{s:?}");
    if joined {
        assert_eq!((s.memberships, s.joins_failed), (1, 0), "{s:?}");
        assert_eq!(s.per_socket, vec![1]);
    }
    m.set_universes(&BTreeSet::new());
    let start = std::time::Instant::now();
    while m.stats().closing > 0 {
        assert!(start.elapsed() < Duration::from_secs(3), "timed out");
        std::thread::sleep(Duration::from_millis(5));
    }
    let s = m.stats();
    assert_eq!((s.closed_on_frame, s.close_panics), (0, 0), "{s:?}");
    assert!(!m.health()[0].0.contains("closing"), "{}", m.health()[0].0);
}
