//! One frame, one value: an OSC value that arrives before a frame starts is what that frame
//! resolves, renders and reports (OSCQuery), in the full app with a real socket.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use backlot::app::AppOptions;
use backlot::render::FrameDriver;
use backlot_control::{ControlSettings, OscQueryServer, OscServers};
use backlot_net::OscRouter;
use backlot_params::ParamRegistry;
use bevy::prelude::{DirectionalLight, Name, World};

use crate::support::{http_get, repo};

const KEY: &str = "/scene/lights/key/intensity";

fn key_light_illuminance(world: &mut World) -> Option<f32> {
    let mut q = world.query::<(&Name, &DirectionalLight)>();
    q.iter(world)
        .find(|(n, _)| n.as_str().contains("key"))
        .map(|(_, l)| l.illuminance)
}

#[test]
fn an_osc_value_is_resolved_rendered_and_reported_in_the_frame_it_arrives_before() {
    let mut options = AppOptions::render(
        repo().join("scenes/desert_road.scene.ron"),
        repo().join("assets"),
        (64, 36),
    );
    options.control = Some(ControlSettings::any_ports(true));
    let mut driver = FrameDriver::new(&options);
    driver.load().expect("desert_road loads");
    let world = driver.world_mut();
    let osc = world
        .resource::<OscServers>()
        .osc
        .expect("OSC listens")
        .port();
    let query = world
        .resource::<OscQueryServer>()
        .addr
        .expect("OSCQuery listens")
        .port();
    let router = world.resource::<OscRouter>().clone();
    assert_ne!(key_light_illuminance(world), Some(1234.0));

    // A real datagram; wait (without stepping) until the router has decoded it, so it is in
    // control's inbox before the frame starts.
    let decoded = router.decoded();
    let packet = rosc::encoder::encode(&rosc::OscPacket::Message(rosc::OscMessage {
        addr: KEY.into(),
        args: vec![rosc::OscType::Float(1234.0)],
    }))
    .expect("encode");
    UdpSocket::bind("127.0.0.1:0")
        .expect("desk")
        .send_to(&packet, ("127.0.0.1", osc))
        .expect("send");
    let start = Instant::now();
    while router.decoded() == decoded {
        assert!(start.elapsed() < Duration::from_secs(10), "never received");
        std::thread::sleep(Duration::from_millis(2));
    }

    driver.step().expect("one frame");
    let world = driver.world_mut();
    assert_eq!(world.resource::<ParamRegistry>().f32_or(KEY, 0.0), 1234.0);
    assert_eq!(
        key_light_illuminance(world),
        Some(1234.0),
        "the light rendered this frame has the value"
    );
    let body = http_get(query, &format!("{KEY}?VALUE")).expect("OSCQuery answers");
    assert_eq!(
        body, "{\"VALUE\":[1234.0]}",
        "OSCQuery reports this frame's value"
    );
}
