//! Nodes of one cluster in one process, over real Zenoh sessions on loopback: the primary's
//! resolved values reach every render node in the frame that carries them, and the nodes
//! see each other come and go.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use backlot_params::{
    Arbiter, Input, ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin, Source,
};
use bevy::prelude::*;

use crate::file::parse_cluster;
use crate::{ClusterPlugin, ClusterState, Published};

const FOG: &str = "/scene/fog/density";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn cluster_text(name: &str) -> String {
    let [a, c, d] = [free_port(), free_port(), free_port()];
    format!(
        r#"(
    name: "{name}",
    stage: "none.stage.ron",
    barrier_timeout_ms: 500,
    nodes: [
        (name: "a", role: Primary, listen: "tcp/127.0.0.1:{a}"),
        (name: "c", role: Render, listen: "tcp/127.0.0.1:{c}", outputs: ["left"]),
        (name: "d", role: Render, listen: "tcp/127.0.0.1:{d}", outputs: ["right"]),
    ],
)"#
    )
}

fn node_app(text: &str, node: &str) -> App {
    let file = parse_cluster(text, "test.cluster.ron", None).expect("cluster file");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin));
    let spec = ParamSpec::float(ParamAddress::new(FOG).expect("address"), 0.1, 0.0, 1.0, "");
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .register(spec)
        .expect("register");
    app.add_plugins(ClusterPlugin {
        file,
        node: node.into(),
        lockstep: false,
    });
    app
}

fn fog(app: &App) -> f32 {
    app.world()
        .resource::<ParamRegistry>()
        .f32_or(FOG, f32::NAN)
}

fn state(app: &App) -> &ClusterState {
    app.world().resource::<ClusterState>()
}

/// Updates every app in turn until `done`, for at most 20 s.
fn until(apps: &mut [&mut App], what: &str, done: impl Fn(&[&mut App]) -> bool) {
    let started = Instant::now();
    while !done(apps) {
        if started.elapsed() > Duration::from_secs(20) {
            let seen: Vec<String> = apps
                .iter()
                .map(|app| {
                    let s = state(app);
                    let alive: Vec<&String> = s
                        .nodes
                        .iter()
                        .filter(|(_, v)| v.alive)
                        .map(|(n, _)| n)
                        .collect();
                    format!(
                        "alive {alive:?}, frame {}, frames {}, error {:?}",
                        s.frame, s.frames_total, s.error
                    )
                })
                .collect();
            panic!("timed out waiting for {what}: {seen:#?}");
        }
        for app in apps.iter_mut() {
            app.update();
        }
    }
}

#[test]
fn a_value_resolved_on_the_primary_lands_on_every_render_node_in_its_frame() {
    let text = cluster_text(&format!("ecs{}", std::process::id()));
    let mut a = node_app(&text, "a");
    let mut c = node_app(&text, "c");
    let mut d = node_app(&text, "d");
    until(
        &mut [&mut a, &mut c, &mut d],
        "the mesh and first frames",
        |apps| {
            let alive = |app: &App| state(app).nodes.values().filter(|v| v.alive).count() == 3;
            apps.iter().all(|app| alive(app))
                && state(&*apps[1]).frames_total > 0
                && state(&*apps[2]).frames_total > 0
        },
    );
    assert!(state(&a).error.is_none(), "{:?}", state(&a).error);

    // An OSC value on the primary, resolved there and published with its frame.
    a.world_mut().resource_mut::<Arbiter>().push(Input {
        address: FOG.into(),
        value: ParamValue::Float(0.37),
        source: Source::Osc("desk".into()),
        slew_ms: 0.0,
        priority: 0,
    });
    a.update();
    assert_eq!(fog(&a), 0.37);
    let frame = a.world().resource::<Published>().next - 1;
    // Each render node shows it at exactly that frame: not before, not later.
    for node in [&mut c, &mut d] {
        let started = Instant::now();
        loop {
            node.update();
            let shown = state(node).frame;
            if fog(node) == 0.37 {
                assert_eq!(shown, frame, "the value arrived with another frame");
                break;
            }
            assert!(shown < frame, "frame {shown} applied without the value");
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "value never arrived"
            );
        }
    }
    // The primary's value is exact there: an edit on a render node does not stick.
    c.world_mut()
        .resource_mut::<Arbiter>()
        .hold(FOG, ParamValue::Float(0.9));
    a.world_mut().resource_mut::<Published>().snapshot_next = true;
    a.update();
    until(&mut [&mut c], "the snapshot", |apps| {
        state(&*apps[0]).frame > frame && fog(&*apps[0]) == 0.37
    });

    // A render node leaves: the others see it go, and the barrier no longer waits for it.
    drop(d);
    until(&mut [&mut a, &mut c], "d to be gone", |apps| {
        apps.iter()
            .all(|app| state(app).nodes.get("d").is_some_and(|v| !v.alive))
    });
    assert!(!state(&a).barrier.admitted("d"));
}
