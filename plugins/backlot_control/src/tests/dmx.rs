//! DMX: Art-Net (fixtures, polls) and sACN (priority, HTP, sequence, multicast, loss), and the
//! fixture profiles' channel maps.

use std::net::UdpSocket;
use std::time::Duration;

use backlot_params::ParamValue;

use super::{MAP, app_with, get, port, send, until};
use crate::codec::{artnet, sacn};
use crate::{ControlRuntime, DmxServers};

fn sacn_packet(
    cid: u8,
    priority: u8,
    sequence: u8,
    universe: u16,
    slots: &[u8],
    options: u8,
) -> Vec<u8> {
    sacn::encode(&sacn::SacnData {
        cid: [cid; 16],
        source: format!("desk {cid}"),
        priority,
        sync: 0,
        sequence,
        options,
        universe,
        start_code: 0,
        slots: slots.to_vec(),
    })
}

#[test]
fn artnet_drives_the_patched_fixture_and_answers_polls() {
    let mut app = app_with(MAP, None);
    let p = port(&app, |r: &DmxServers| r.artnet);
    // Dimmer half, colour (255, 128, 0).
    send(p, &artnet::encode_dmx(1, 1, &[128, 255, 128, 0]));
    until(&mut app, |a| {
        get(a, "/scene/lights/key/color") == ParamValue::Color([1.0, 128.0 / 255.0, 0.0])
    });
    let level = get(&app, "/scene/lights/key/intensity")
        .as_f32()
        .expect("f");
    assert!(
        (level - 1000.0 * 128.0 / 255.0).abs() < 0.5,
        "dimmer full is the scene's intensity: {level}"
    );
    let poller = UdpSocket::bind("127.0.0.1:0").expect("bind");
    poller
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    poller
        .send_to(
            &[
                b'A', b'r', b't', b'-', b'N', b'e', b't', 0, 0, 0x20, 0, 14, 2, 0,
            ],
            ("127.0.0.1", p),
        )
        .expect("poll");
    let mut buf = [0u8; 600];
    let n = poller.recv(&mut buf).expect("ArtPollReply");
    assert_eq!(n, 239);
    assert_eq!(&buf[26..33], b"backlot");
    assert_eq!(buf[190], 1, "announces Port-Address 1");
    // Malformed packets are counted.
    send(p, &artnet::encode_dmx(1, 1, &[1, 2])[..15]);
    until(&mut app, |a| {
        a.world()
            .resource::<ControlRuntime>()
            .inbox
            .lock()
            .counters
            .values()
            .any(|c| c.errors == 1)
    });
}

#[test]
fn sacn_priority_htp_sequence_and_loss() {
    let mut app = app_with(MAP, None);
    let p = port(&app, |r: &DmxServers| r.sacn);
    // Two sources at equal priority: HTP on the dimmer, LTP on colour.
    send(p, &sacn_packet(1, 100, 1, 1, &[100, 255, 0, 0], 0));
    send(p, &sacn_packet(2, 100, 1, 1, &[200, 0, 0, 255], 0));
    until(&mut app, |a| {
        get(a, "/scene/lights/key/color") == ParamValue::Color([0.0, 0.0, 1.0])
    });
    let level = get(&app, "/scene/lights/key/intensity")
        .as_f32()
        .expect("f");
    assert!((level - 1000.0 * 200.0 / 255.0).abs() < 0.5, "HTP: {level}");
    // A higher priority source takes over everything.
    send(p, &sacn_packet(3, 150, 1, 1, &[10, 0, 255, 0], 0));
    until(&mut app, |a| {
        get(a, "/scene/lights/key/color") == ParamValue::Color([0.0, 1.0, 0.0])
    });
    // A late packet from source 3 (sequence going back) is dropped.
    send(p, &sacn_packet(3, 150, 0, 1, &[255, 255, 255, 255], 0));
    until(&mut app, |a| {
        a.world().resource::<DmxServers>().universes[&1].out_of_order == 1
    });
    assert_eq!(
        get(&app, "/scene/lights/key/color"),
        ParamValue::Color([0.0, 1.0, 0.0])
    );
    // Source 3 terminates: back to the priority-100 merge.
    send(p, &sacn_packet(3, 150, 2, 1, &[0; 4], 0x40));
    until(&mut app, |a| {
        get(a, "/scene/lights/key/color") == ParamValue::Color([0.0, 0.0, 1.0])
    });
    // Universe 2 (Release on loss): channel 10 drives fog; loss gives it back to the scene.
    let mut slots = [0u8; 10];
    slots[9] = 255;
    send(p, &sacn_packet(4, 100, 1, 2, &slots, 0));
    until(&mut app, |a| {
        get(a, "/scene/fog/density") == ParamValue::Float(1.0)
    });
    send(p, &sacn_packet(4, 100, 2, 2, &slots, 0x40));
    until(&mut app, |a| {
        get(a, "/scene/fog/density") == ParamValue::Float(0.03)
    });
}

#[test]
fn sacn_multicast_and_source_loss_by_time() {
    let mut app = app_with(MAP, None);
    let p = port(&app, |r: &DmxServers| r.sacn);
    let sender = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )
    .expect("socket");
    sender
        .set_multicast_if_v4(&std::net::Ipv4Addr::LOCALHOST)
        .expect("multicast if");
    sender.set_multicast_loop_v4(true).expect("loop");
    let group = std::net::SocketAddrV4::new(sacn::multicast_group(1), p);
    sender
        .send_to(
            &sacn_packet(9, 100, 1, 1, &[255, 10, 20, 30], 0),
            &group.into(),
        )
        .expect("multicast send");
    until(&mut app, |a| {
        get(a, "/scene/lights/key/color")
            == ParamValue::Color([10.0 / 255.0, 20.0 / 255.0, 30.0 / 255.0])
    });
    // No more data: after 2.5 s the source is gone; universe 1 holds its last look.
    std::thread::sleep(crate::dmx::SACN_LOSS + Duration::from_millis(100));
    app.update();
    assert!(!app.world().resource::<DmxServers>().universes[&1].live);
    assert_eq!(
        get(&app, "/scene/lights/key/color"),
        ParamValue::Color([10.0 / 255.0, 20.0 / 255.0, 30.0 / 255.0])
    );
}

#[test]
fn every_fixture_profile_maps_its_channels() {
    use crate::format::{DmxDef, FixtureDef, FixtureProfile, UniverseDef};
    let fixture = |name: &str,
                   address: u16,
                   profile: FixtureProfile,
                   light: Option<&str>,
                   target: Option<&str>| FixtureDef {
        name: backlot_scene::format::EntityName(name.into()),
        universe: 1,
        address,
        profile,
        light: light.map(String::from),
        target: target.map(String::from),
    };
    let def = DmxDef {
        universes: vec![UniverseDef {
            id: 1,
            artnet: None,
            sacn: None,
            on_loss: Default::default(),
            priority: 0,
        }],
        fixtures: vec![
            fixture("a", 1, FixtureProfile::Dimmer16, Some("a"), None),
            fixture("b", 3, FixtureProfile::Rgbw, Some("b"), None),
            fixture("c", 7, FixtureProfile::DimmerCct, Some("c"), None),
            fixture(
                "d",
                9,
                FixtureProfile::PanTilt16,
                None,
                Some("/scene/entities/head/rotation"),
            ),
            fixture("e", 13, FixtureProfile::DimmerStrobe, Some("e"), None),
        ],
        ..DmxDef::default()
    };
    let mut slots = [0u8; 512];
    // a: 1-2, b: 3-6, c: 7-8, d: 9-12, e: 13-14 (dimmer full, strobe at 25 Hz).
    slots[..14].copy_from_slice(&[
        0x80, 0x00, 10, 20, 30, 100, 255, 0, 0x80, 0x00, 0xFF, 0xFF, 255, 255,
    ]);
    let base = |_: &str| Some(1000.0);
    let v = |phase: f64| crate::dmx::patch_values(&def, 1, &slots, base, phase);
    let out = v(0.0);
    let find = |out: &Vec<(String, ParamValue, bool)>, a: &str| {
        out.iter()
            .find(|(x, _, _)| x == a)
            .map(|(_, v, _)| v.clone())
            .expect(a)
    };
    let a = find(&out, "/scene/lights/a/intensity").as_f32().expect("f");
    assert!(
        (a - 1000.0 * 32768.0 / 65535.0).abs() < 0.01,
        "16-bit dimmer {a}"
    );
    let b = find(&out, "/scene/lights/b/color").as_vec3().expect("c");
    assert!(
        (b[0] - (10.0 + 100.0) / 255.0).abs() < 1e-5,
        "white adds: {b:?}"
    );
    assert_eq!(
        find(&out, "/scene/lights/c/intensity"),
        ParamValue::Float(1000.0)
    );
    let warm = find(&out, "/scene/lights/c/color").as_vec3().expect("c");
    assert!(warm[0] >= warm[2], "0 = 2700 K is warm: {warm:?}");
    let pt = find(&out, "/scene/entities/head/rotation")
        .as_vec3()
        .expect("v");
    assert!(
        (pt[1] - (32768.0 / 65535.0 - 0.5) * 540.0).abs() < 0.01 && (pt[0] - 135.0).abs() < 0.01,
        "{pt:?}"
    );
    // Strobe at 25 Hz: open for the first half of each 40 ms cycle, closed in the second.
    assert_eq!(
        find(&v(0.0), "/scene/lights/e/intensity"),
        ParamValue::Float(1000.0)
    );
    assert_eq!(
        find(&v(0.03), "/scene/lights/e/intensity"),
        ParamValue::Float(0.0)
    );
    let htp = crate::dmx::intensity_slots(&def, 1);
    assert!(
        htp[0]
            && htp[1]
            && htp[2]
            && htp[5]
            && htp[6]
            && !htp[7]
            && !htp[8]
            && !htp[11]
            && htp[12]
            && !htp[13]
    );
}
