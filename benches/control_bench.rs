//! Control benchmark (`cargo bench --bench control_bench`, release mode).
//!
//! 1. OSC: decode + apply (pattern-free addresses, the inbox's bounded queue, coercion,
//!    arbitration, registry) for a stream of messages on one core, against decoding alone,
//!    same run: one desk flooding 40 faders (the figure, > 1 M/s), and 125 senders
//!    on 40 addresses (nothing merges: every message is applied). For a before figure, run
//!    this file at an older commit (its inbox push differs by one line).
//! 2. sACN: 64 universes of 512 slots at 44 Hz, each patching a dimmer+RGB fixture: CPU time
//!    of decode + merge + patch + apply per second of traffic, as a share of one core.
//!    Target < 3 %.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use backlot_control::codec::{osc, sacn};
use backlot_control::format::parse_map;
use backlot_control::inbox::{DmxIn, DmxSource, OscIn};
use backlot_control::{
    ControlMap, ControlPlugin, ControlRuntime, ControlSettings, DmxServers, Feedback, configure_map,
};
use backlot_params::{ParamAddress, ParamRegistry, ParamSpec, ParamsPlugin};
use bevy::prelude::*;
use rosc::{OscMessage, OscPacket, OscType};

fn app(map: &str, lights: usize) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default(), ParamsPlugin));
    app.add_plugins(ControlPlugin {
        settings: ControlSettings::any_ports(false),
    });
    {
        let mut r = app.world_mut().resource_mut::<ParamRegistry>();
        for i in 0..lights {
            let a = |leaf: &str| {
                ParamAddress::new(format!("/scene/lights/l{i}/{leaf}")).expect("address")
            };
            let _ = r.register(ParamSpec::float(
                a("intensity"),
                1000.0,
                0.0,
                100_000.0,
                "lm",
            ));
            let _ = r.register(ParamSpec::color(a("color"), [1.0; 3]));
            let _ = r.register(ParamSpec::bool(a("enabled"), true));
        }
    }
    let file = parse_map(map, "bench.map.ron").expect("bench map");
    app.update();
    app.world_mut()
        .resource_scope(|world, mut servers: Mut<DmxServers>| {
            configure_map(&file, &mut servers, &mut world.resource_mut::<Feedback>());
            world.resource_mut::<ControlMap>().file = file;
        });
    app.update();
    app
}

/// Decode + apply of 400,000 messages to 40 light intensities, 5,000 a frame, from
/// `senders` senders (each sends every address in turn). One sender is a desk flooding its
/// faders (the figure the issue quotes); 125 senders on 40 addresses send each pair once a
/// frame, so nothing can be merged and every message is applied.
fn osc_throughput(senders: usize) {
    let mut app = app("()", 40);
    let packets: Vec<Vec<u8>> = (0..4000)
        .map(|i| {
            rosc::encoder::encode(&OscPacket::Message(OscMessage {
                addr: format!("/scene/lights/l{}/intensity", i % 40),
                args: vec![OscType::Float((i % 1000) as f32)],
            }))
            .expect("osc")
        })
        .collect();
    let from = |i: usize| SocketAddr::from(([127, 0, 0, 1], 5000 + ((i / 40) % senders) as u16));
    let n = 400_000usize;
    let start = Instant::now();
    for i in 0..n {
        black_box(osc::decode(&packets[i % packets.len()]).ok());
    }
    let decode = start.elapsed();
    let inbox = app.world().resource::<ControlRuntime>().inbox.clone();
    let per_frame = 5000;
    let start = Instant::now();
    let mut done = 0;
    while done < n {
        {
            let mut guard = inbox.lock();
            for i in done..(done + per_frame).min(n) {
                if let Ok(mut m) = osc::decode(&packets[i % packets.len()]) {
                    guard.push_osc(OscIn {
                        from: from(i),
                        timed: m.remove(0),
                    });
                }
            }
        }
        done += per_frame;
        app.update();
    }
    let apply = start.elapsed();
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!("OSC, {n} messages from {senders} sender(s) to 40 parameters, one core (release)");
    println!(
        "  decode only (baseline)      {:>10.0} msg/s   1.00x time",
        rate(decode)
    );
    println!(
        "  decode + apply              {:>10.0} msg/s   {:.2}x time",
        rate(apply),
        apply.as_secs_f64() / decode.as_secs_f64()
    );
}

fn sacn_load() {
    const UNIVERSES: u16 = 64;
    const RATE: u32 = 44;
    let universes: Vec<String> = (1..=UNIVERSES).map(|u| format!("(id: {u})")).collect();
    let fixtures: Vec<String> = (1..=UNIVERSES)
        .map(|u| format!("(name: \"f{u}\", universe: {u}, address: 1, profile: DimmerRgb, light: Some(\"l{}\"))", u - 1))
        .collect();
    let map = format!(
        "(dmx: (universes: [{}], fixtures: [{}]))",
        universes.join(","),
        fixtures.join(",")
    );
    let mut app = app(&map, usize::from(UNIVERSES));
    let inbox = app.world().resource::<ControlRuntime>().inbox.clone();
    let seconds = 5u32;
    let mut busy = Duration::ZERO;
    let mut seq = 0u8;
    // 60 frames a second; 44 packets per universe per second spread over them.
    for frame in 0..(60 * seconds) {
        let due = |f: u32| f * RATE / 60;
        let packets = due(frame + 1) - due(frame);
        let t = Instant::now();
        for _ in 0..packets {
            seq = seq.wrapping_add(1);
            for u in 1..=UNIVERSES {
                let mut slots = vec![0u8; 512];
                slots[..4].copy_from_slice(&[seq, seq.wrapping_mul(3), 255 - seq, u as u8]);
                let bytes = sacn::encode(&sacn::SacnData {
                    cid: [7; 16],
                    source: "bench desk".into(),
                    priority: 100,
                    sync: 0,
                    sequence: seq,
                    options: 0,
                    universe: u,
                    start_code: 0,
                    slots,
                });
                // What the receive thread does per datagram.
                if let Ok(sacn::Sacn::Data(d)) = sacn::decode(&bytes) {
                    inbox.lock().push_dmx(DmxIn {
                        source: DmxSource::Sacn(d.cid, d.source),
                        universe: d.universe,
                        priority: d.priority,
                        sequence: d.sequence,
                        terminated: false,
                        data: d.slots,
                        at: Instant::now(),
                    });
                }
            }
        }
        app.update();
        busy += t.elapsed();
    }
    let mut idle_busy = Duration::ZERO;
    for _ in 0..(60 * seconds) {
        let t = Instant::now();
        app.update();
        idle_busy += t.elapsed();
    }
    let share = |d: Duration| d.as_secs_f64() / f64::from(seconds) * 100.0;
    println!(
        "\nsACN, {UNIVERSES} universes x {RATE} Hz, 512 slots, 60 frames/s, {seconds} s of traffic (release)"
    );
    println!(
        "  frames with no DMX (baseline)   {:6.2} % of one core   1.00x",
        share(idle_busy)
    );
    println!(
        "  decode + merge + patch + apply  {:6.2} % of one core   {:.2}x   (target < 3 %)",
        share(busy),
        busy.as_secs_f64() / idle_busy.as_secs_f64()
    );
}

fn main() {
    osc_throughput(1);
    osc_throughput(125);
    sacn_load();
}
