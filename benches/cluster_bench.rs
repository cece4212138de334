//! Render cluster benchmark (`cargo bench --bench cluster_bench`, release mode).
//!
//! 1. Frame state of 2,000 parameters changing every frame: bytes per frame, encode and
//!    decode time, against copying the same values (baseline), same run.
//! 2. Publish → apply latency on loopback: a primary and a render node (two Zenoh sessions
//!    in this process, the same code the nodes run) at 60 frames per second with 2,000
//!    changing values; the time from the primary's publish to the state being taken by the
//!    render node, median and 99th percentile, and frames lost.
//! 3. Frame lock overhead: the frame time of a primary with three render nodes (all in this
//!    process, stepped in turn) against a primary alone, same run.
//!
//! Rendering is not part of it: what the cluster adds to a frame is the protocol and the
//! barrier; the rendering is each node's own.

use std::hint::black_box;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use backlot_cluster::apply::{Incoming, take_frames};
use backlot_cluster::frame::{FrameHeader, FrameState, decode, encode};
use backlot_cluster::{ClusterLink, ClusterNode, ClusterPlugin, ClusterState, parse_cluster};
use backlot_params::{ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin};
use bevy::prelude::*;

const PARAMS: usize = 2000;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

fn address(i: usize) -> String {
    format!("/scene/entities/e{}/light/intensity{}", i / 10, i % 10)
}

fn state(frame: u64) -> FrameState {
    FrameState {
        header: FrameHeader {
            cluster: "bench".into(),
            frame,
            scene_time: frame as f64 / 60.0,
            primary: "a".into(),
            epoch: 0,
            snapshot: false,
            revisions: vec![("scene".into(), 1), ("stage".into(), 2)],
        },
        values: (0..PARAMS)
            .map(|i| {
                (
                    address(i),
                    ParamValue::Float((frame as f32 + i as f32) % 100.0),
                )
            })
            .collect(),
        bodies: Vec::new(),
        claims: None,
        tempo: None,
    }
}

fn codec() {
    let frames: Vec<FrameState> = (0..200).map(state).collect();
    let start = Instant::now();
    let mut copied = 0;
    for f in &frames {
        copied += black_box(f.clone()).values.len();
    }
    let copy = start.elapsed();
    let start = Instant::now();
    let encoded: Vec<Vec<u8>> = frames.iter().map(|f| encode(f).expect("encode")).collect();
    let enc = start.elapsed();
    let start = Instant::now();
    let mut decoded = 0;
    for bytes in &encoded {
        decoded += decode(bytes).expect("decode").values.len();
    }
    let dec = start.elapsed();
    assert_eq!(copied, decoded);
    let per = |d: Duration| d.as_secs_f64() * 1e6 / frames.len() as f64;
    println!("Frame state, {PARAMS} values changing every frame");
    println!("  bytes per frame                 {:>10}", encoded[0].len());
    println!(
        "  copy the values (baseline)      {:>10.1} us   1.00x",
        per(copy)
    );
    println!(
        "  encode                          {:>10.1} us   {:.2}x",
        per(enc),
        enc.as_secs_f64() / copy.as_secs_f64()
    );
    println!(
        "  decode                          {:>10.1} us   {:.2}x",
        per(dec),
        dec.as_secs_f64() / copy.as_secs_f64()
    );
}

fn cluster_text(renders: usize) -> String {
    let mut nodes = vec![format!(
        "(name: \"a\", role: Primary, listen: \"tcp/127.0.0.1:{}\")",
        free_port()
    )];
    for i in 0..renders {
        nodes.push(format!(
            "(name: \"r{i}\", role: Render, listen: \"tcp/127.0.0.1:{}\", outputs: [\"o{i}\"])",
            free_port()
        ));
    }
    format!(
        "(name: \"bench{}x{renders}\", stage: \"none.stage.ron\", barrier_timeout_ms: 200, \
         nodes: [{}])",
        std::process::id(),
        nodes.join(", ")
    )
}

fn node_app(text: &str, node: &str) -> App {
    let file = parse_cluster(text, "bench.cluster.ron", None).expect("cluster file");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin));
    {
        let mut registry = app.world_mut().resource_mut::<ParamRegistry>();
        for i in 0..PARAMS {
            let spec = ParamSpec::float(
                ParamAddress::new(address(i)).expect("address"),
                0.0,
                0.0,
                100.0,
                "",
            );
            registry.register(spec).expect("register");
        }
    }
    app.add_plugins(ClusterPlugin {
        file,
        node: node.into(),
        lockstep: false,
    });
    app
}

/// Changes every value on the primary, as a busy show would.
fn change_all(app: &mut App, frame: u64) {
    let mut registry = app.world_mut().resource_mut::<ParamRegistry>();
    for i in 0..PARAMS {
        let _ = registry.set(
            &address(i),
            ParamValue::Float((frame as f32 * 0.37 + i as f32) % 100.0),
        );
    }
}

fn wait_mesh(apps: &mut [App]) {
    let started = Instant::now();
    let n = apps.len();
    while !apps.iter().all(|a| {
        a.world()
            .resource::<ClusterState>()
            .nodes
            .values()
            .filter(|v| v.alive)
            .count()
            == n
    }) {
        assert!(started.elapsed() < Duration::from_secs(30), "no mesh");
        for a in apps.iter_mut() {
            a.update();
        }
    }
}

fn latency() {
    let text = cluster_text(1);
    // The render node's side is read by hand here, to time each arrival.
    let mut apps = [node_app(&text, "a"), node_app(&text, "r0")];
    wait_mesh(&mut apps);
    let [primary, render] = &mut apps;
    let world = render.world();
    let (link, node) = (
        world.resource::<ClusterLink>(),
        world.resource::<ClusterNode>(),
    );
    let mut st = ClusterState::new(&node.file);
    let mut incoming = Incoming::default();
    let mut lat: Vec<f64> = Vec::new();
    let frames = 600u64;
    let mut taken = 0usize;
    let mut bytes = 0usize;
    for f in 0..frames {
        change_all(primary, f);
        let sent = Instant::now();
        primary.update();
        bytes = primary.world().resource::<ClusterState>().last_frame_bytes;
        let deadline = sent + Duration::from_millis(200);
        let before = taken;
        while taken == before && Instant::now() < deadline {
            taken += take_frames(link, node, &mut st, &mut incoming);
            if taken == before {
                std::hint::spin_loop();
            }
        }
        if taken > before {
            lat.push(sent.elapsed().as_secs_f64() * 1000.0);
        }
        incoming.states.clear();
        // 60 frames per second.
        let left = Duration::from_secs_f64(1.0 / 60.0).saturating_sub(sent.elapsed());
        std::thread::sleep(left);
    }
    lat.sort_by(f64::total_cmp);
    let q = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "Publish -> apply on loopback, {PARAMS} values changing, 60 frames/s, {frames} frames"
    );
    println!("  frame state                     {:>10} bytes", bytes);
    println!(
        "  latency median                  {:>10.3} ms (includes the primary's frame)",
        q(0.5)
    );
    println!("  latency p99                     {:>10.3} ms", q(0.99));
    println!(
        "  frames taken / lost             {:>6} / {}",
        taken,
        frames as usize - lat.len()
    );
}

fn frame_times(apps: &mut [App], frames: usize) -> Duration {
    // Warm up, then time the primary's frames with every node stepped in turn.
    for _ in 0..30 {
        for a in apps.iter_mut() {
            a.update();
        }
    }
    let mut total = Duration::ZERO;
    for f in 0..frames {
        change_all(&mut apps[0], f as u64);
        let t = Instant::now();
        apps[0].update();
        total += t.elapsed();
        for a in apps.iter_mut().skip(1) {
            a.update();
        }
    }
    total / frames as u32
}

fn barrier() {
    let frames = 300;
    let alone = {
        let text = cluster_text(0);
        let mut apps = [node_app(&text, "a")];
        wait_mesh(&mut apps);
        frame_times(&mut apps, frames)
    };
    let three = {
        let text = cluster_text(3);
        let mut apps: Vec<App> = ["a", "r0", "r1", "r2"]
            .iter()
            .map(|n| node_app(&text, n))
            .collect();
        wait_mesh(&mut apps);
        frame_times(&mut apps, frames)
    };
    println!("Frame lock, primary's frame time, {PARAMS} values changing, {frames} frames");
    println!(
        "  primary alone (baseline)        {:>10.3} ms   1.00x",
        alone.as_secs_f64() * 1000.0
    );
    println!(
        "  primary + 3 render nodes        {:>10.3} ms   {:.2}x",
        three.as_secs_f64() * 1000.0,
        three.as_secs_f64() / alone.as_secs_f64()
    );
}

fn main() {
    codec();
    latency();
    barrier();
}
