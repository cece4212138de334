//! Nodes of one cluster in one process, over real Zenoh sessions on loopback: the primary's
//! resolved values reach every render node in the frame that carries them, the nodes see
//! each other come and go, and a backup takes over with the operator's hold and the bodies'
//! motion.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use backlot_params::{
    Arbiter, Input, ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin, Source,
};
use backlot_scene::PhysicsBody;
use bevy::prelude::*;
use bevy_rapier3d::prelude::{RapierConfiguration, Velocity};

use crate::file::{Role, parse_cluster};
use crate::follow::Handover;
use crate::{ClusterNode, ClusterPlugin, ClusterState, Published};

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

fn failover_text(name: &str) -> String {
    let [a, b] = [free_port(), free_port()];
    format!(
        r#"(
    name: "{name}",
    stage: "none.stage.ron",
    nodes: [
        (name: "a", role: Primary, listen: "tcp/127.0.0.1:{a}"),
        (name: "b", role: Backup, listen: "tcp/127.0.0.1:{b}"),
    ],
)"#
    )
}

/// A dynamic body as the scene spawns one (no simulation here: the apps have no rapier).
fn spawn_body(app: &mut App) -> Entity {
    let at = Transform::from_xyz(0.0, 2.0, 0.0);
    app.world_mut()
        .spawn((
            Name::new("crate_01"),
            at,
            PhysicsBody {
                initial: at,
                push: None,
                velocity: Vec3::ZERO,
            },
            Velocity::zero(),
        ))
        .id()
}

fn velocity(app: &App, body: Entity) -> Option<Velocity> {
    app.world().get::<Velocity>(body).copied()
}

fn physics_on(app: &App, config: Entity) -> bool {
    app.world()
        .get::<RapierConfiguration>(config)
        .is_some_and(|c| c.physics_pipeline_active)
}

fn arbiter(app: &mut App) -> Mut<'_, Arbiter> {
    app.world_mut().resource_mut::<Arbiter>()
}

#[test]
fn a_backup_takes_over_with_the_operators_hold_and_the_bodies_in_motion() {
    let text = failover_text(&format!("takeover{}", std::process::id()));
    let mut a = node_app(&text, "a");
    let mut b = node_app(&text, "b");
    let body_a = spawn_body(&mut a);
    let body_b = spawn_body(&mut b);
    // The rapier world's switch, as the physics plugin spawns it.
    let physics_b = b.world_mut().spawn(RapierConfiguration::new(1.0)).id();
    until(&mut [&mut a, &mut b], "the backup to follow", |apps| {
        state(&*apps[1]).frames_total > 0
            && state(&*apps[1]).nodes.get("a").is_some_and(|v| v.alive)
    });

    // On the primary: a desk's fader, then the operator's hold over it; a body in motion.
    let desk = Source::Osc("desk".into());
    arbiter(&mut a).push(Input {
        address: FOG.into(),
        value: ParamValue::Float(0.3),
        source: desk.clone(),
        slew_ms: 0.0,
        priority: 0,
    });
    a.update();
    arbiter(&mut a).hold(FOG, ParamValue::Float(0.8));
    let moving = Velocity {
        linear: Vec3::new(1.0, 2.0, -3.0),
        angular: Vec3::new(0.0, 0.5, 0.0),
    };
    if let Some(mut v) = a.world_mut().get_mut::<Velocity>(body_a) {
        *v = moving;
    }
    if let Some(mut t) = a.world_mut().get_mut::<Transform>(body_a) {
        t.translation = Vec3::new(0.5, 1.5, 0.0);
    }
    a.update();
    assert_eq!(fog(&a), 0.8);
    assert!(a.world().resource::<Arbiter>().held(FOG));

    // The backup shows the primary's value and body, holds the claim for later, and does
    // not simulate.
    until(
        &mut [&mut a, &mut b],
        "the hold and the body at the backup",
        |apps| {
            let b = &*apps[1];
            fog(b) == 0.8
                && velocity(b, body_b) == Some(moving)
                && b.world()
                    .resource::<Handover>()
                    .claims
                    .iter()
                    .any(|c| c.address == FOG && c.held == Some(ParamValue::Float(0.8)))
        },
    );
    assert!(!physics_on(&b, physics_b), "a backup's physics waits");
    assert!(
        !b.world().resource::<Arbiter>().held(FOG),
        "the primary's value, not a hold, while following"
    );
    assert_eq!(
        b.world().get::<Transform>(body_b).map(|t| t.translation),
        Some(Vec3::new(0.5, 1.5, 0.0))
    );

    // The primary is gone: the backup takes over.
    drop(a);
    until(&mut [&mut b], "the backup to take over", |apps| {
        apps[0].world().resource::<ClusterNode>().role == Role::Primary
    });
    b.update();

    // The operator's value is still held there, above the layers.
    assert!(b.world().resource::<Arbiter>().held(FOG));
    assert_eq!(
        b.world().resource::<Arbiter>().driver(FOG),
        Source::Operator
    );
    arbiter(&mut b).push(Input {
        address: FOG.into(),
        value: ParamValue::Float(0.1),
        source: Source::Layers,
        slew_ms: 0.0,
        priority: 0,
    });
    b.update();
    assert_eq!(fog(&b), 0.8, "the hold wins over the layers");
    // The body goes on from the primary's motion, simulated here now.
    assert_eq!(velocity(&b, body_b), Some(moving));
    assert!(physics_on(&b, physics_b));
    // Scene time runs on this node's own clock again.
    let before = b.world().resource::<Time<Virtual>>().elapsed_secs_f64();
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(5));
        b.update();
    }
    let time = b.world().resource::<Time<Virtual>>();
    assert!(!time.is_paused());
    assert!(time.elapsed_secs_f64() > before, "scene time stands still");

    // Releasing the hold works as on the old primary: the desk's value under it applies.
    arbiter(&mut b).release(FOG);
    b.update();
    assert_eq!(fog(&b), 0.3);
    assert_eq!(b.world().resource::<Arbiter>().driver(FOG), desk);
}
