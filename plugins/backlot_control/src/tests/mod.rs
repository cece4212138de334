//! The plugin in a `MinimalPlugins` app over real loopback sockets: OSC, OSCQuery, Art-Net,
//! sACN, MIDI bytes, arbitration, feedback, learn (MIDI and OSC). This is the shared harness;
//! the tests are in one file per protocol.

mod access;
mod arbitration;
mod dmx;
mod dmx_net;
mod inbox;
mod learn_file;
mod midi;
mod osc;
mod osc_learn;
mod oscquery;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use backlot_params::{ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin};
use bevy::prelude::*;
use rosc::{OscMessage, OscPacket, OscType};

use crate::format::{MapFile, parse_map};
use crate::inbox::MidiIn;
use crate::{
    ControlMap, ControlPlugin, ControlRuntime, ControlSettings, DmxServers, Feedback, configure_map,
};

pub(crate) const MAP: &str = r#"(
    osc: (
        feedback: [],
        bindings: [(address: "/fader/1", target: "/scene/lights/key/intensity", unit_scale: true)],
    ),
    midi: (bindings: [
        (control: Cc(channel: 1, cc: 7), target: "/scene/lights/key/intensity"),
        (control: Cc14(channel: 1, cc: 1), target: "/scene/fog/density", pickup: false),
        (control: Note(channel: 10, note: 37, mode: Toggle), target: "/scene/lights/key/enabled"),
        (control: PitchBend(channel: 8), target: "/scene/sky/exposure", pickup: false),
    ]),
    dmx: (
        universes: [(id: 1, artnet: Some(1), sacn: Some(1)), (id: 2, on_loss: Release)],
        fixtures: [(name: "key", universe: 1, address: 1, profile: DimmerRgb, light: Some("key"))],
        channels: [(universe: 2, address: 10, target: "/scene/fog/density")],
    ),
)"#;

pub(crate) fn app_with(map: &str, feedback: Option<u16>) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default(), ParamsPlugin));
    app.add_plugins(ControlPlugin {
        settings: ControlSettings::any_ports(true),
    });
    {
        let mut r = app.world_mut().resource_mut::<ParamRegistry>();
        let a = |s: &str| ParamAddress::new(s).expect("address");
        let _ = r.register(ParamSpec::float(
            a("/scene/lights/key/intensity"),
            1000.0,
            0.0,
            10000.0,
            "lm",
        ));
        let _ = r.register(ParamSpec::color(
            a("/scene/lights/key/color"),
            [1.0, 1.0, 1.0],
        ));
        let _ = r.register(ParamSpec::bool(a("/scene/lights/key/enabled"), true));
        let _ = r.register(ParamSpec::float(
            a("/scene/lights/fill/intensity"),
            500.0,
            0.0,
            10000.0,
            "lm",
        ));
        let _ = r.register(ParamSpec::float(
            a("/scene/fog/density"),
            0.03,
            0.0,
            1.0,
            "1/m",
        ));
        let _ = r.register(ParamSpec::float(
            a("/scene/sky/exposure"),
            100.0,
            0.0,
            1000.0,
            "cd/m2",
        ));
        let _ = r.register(ParamSpec::float(a("/status/load"), 0.0, 0.0, 1.0, "").read_only());
    }
    let mut file: MapFile = parse_map(map, "test.map.ron").expect("map");
    if let Some(port) = feedback {
        file.osc.feedback = vec![format!("127.0.0.1:{port}")];
    }
    app.update();
    let world = app.world_mut();
    world.resource_scope(|world, mut servers: Mut<DmxServers>| {
        configure_map(&file, &mut servers, &mut world.resource_mut::<Feedback>());
        world.resource_mut::<ControlMap>().file = file;
    });
    app.update();
    app
}

pub(crate) fn get(app: &App, a: &str) -> ParamValue {
    app.world()
        .resource::<ParamRegistry>()
        .get(a)
        .expect("registered")
        .clone()
}

pub(crate) fn until(app: &mut App, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    while !done(app) {
        assert!(start.elapsed() < Duration::from_secs(3), "timed out");
        std::thread::sleep(Duration::from_millis(5));
        app.update();
    }
}

/// Queues MIDI bytes from `port` as the midir callback would.
fn midi_in(app: &App, port: &str, bytes: &[u8]) {
    app.world()
        .resource::<ControlRuntime>()
        .inbox
        .lock()
        .push_midi(MidiIn {
            port: port.into(),
            bytes: bytes.to_vec(),
            at: Instant::now(),
        });
}

fn osc(address: &str, args: Vec<OscType>) -> Vec<u8> {
    rosc::encoder::encode(&OscPacket::Message(OscMessage {
        addr: address.into(),
        args,
    }))
    .expect("osc")
}

fn port<R: Resource>(app: &App, which: fn(&R) -> Option<SocketAddr>) -> u16 {
    which(app.world().resource::<R>())
        .expect("listening")
        .port()
}

/// A GET to the OSCQuery server; the whole response.
fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    text
}

fn send(port: u16, bytes: &[u8]) {
    UdpSocket::bind("127.0.0.1:0")
        .expect("bind")
        .send_to(bytes, ("127.0.0.1", port))
        .expect("send");
}
