//! Tracking benchmark (`cargo bench --bench tracking_bench`, release mode).
//!
//! 1. Decode cost per packet: FreeD D1 and OSC pose messages, against a baseline of only
//!    summing the packet's bytes (the checksum pass every decoder must do), same run.
//! 2. Four cameras at 240 Hz each for 10 s over loopback UDP into an app running the
//!    tracking plugin at 60 frames per second: every valid packet must arrive (zero lost),
//!    and the pose used in each frame must be the newest one received before the frame
//!    began (each packet carries its sequence number in its X field, so the check reads
//!    the applied pose itself). Also the main-thread cost of a frame with tracking against
//!    the same app without it.

use std::hint::black_box;
use std::net::UdpSocket;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use backlot_params::{ParamRegistry, ParamValue, ParamsPlugin};
use backlot_stage::format::parse_stage;
use backlot_stage::stage_param_specs;
use backlot_tracking::codec::freed::{FreedD1, decode, encode};
use backlot_tracking::codec::osc;
use backlot_tracking::{TrackingPlugin, TrackingSetup, TrackingState};
use bevy::prelude::*;

const CAMERAS: u8 = 4;
const RATE_HZ: u32 = 240;
const SECONDS: u32 = 10;

fn stage_text() -> String {
    let cameras: Vec<String> = (1..=CAMERAS)
        .map(|id| {
            format!(
                "(id: {id}, lens: Focal(focal_mm: 35.0, sensor_width_mm: 36.0), \
                 tracking: Some((sources: [\"freed\"])))"
            )
        })
        .collect();
    format!(
        r#"(
        sections: [(name: "wall", shape: Flat(lower_left: (-3.0, 0.0, -4.0), lower_right: (3.0, 0.0, -4.0), upper_left: (-3.0, 3.375, -4.0)), cabinet: (size_mm: (500.0, 562.5), pixels: (16, 18)))],
        outputs: [(name: "main", canvas: (192, 108), regions: [(section: "wall")])],
        trackers: [(name: "freed", protocol: FreeD(port: Some(0)))],
        cameras: [{}],
    )"#,
        cameras.join(",")
    )
}

fn app(tracking: bool) -> App {
    let file = parse_stage(&stage_text(), "bench.stage.ron", None).expect("bench stage");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin));
    {
        let mut registry = app.world_mut().resource_mut::<ParamRegistry>();
        for spec in stage_param_specs(&file) {
            let _ = registry.register(spec);
        }
    }
    if tracking {
        app.add_plugins(TrackingPlugin::default());
        let mut setup = TrackingSetup::from_stage(&file);
        setup.generation = 1;
        app.insert_resource(setup);
    }
    app.update();
    app
}

fn per_op(n: u32, f: impl Fn(u32)) -> f64 {
    let start = Instant::now();
    for i in 0..n {
        f(i);
    }
    start.elapsed().as_secs_f64() / f64::from(n) * 1e9
}

fn decode_costs() {
    let packet = encode(&FreedD1::from_units(
        1,
        [12.5, -3.0, 0.5],
        [1000.0, -2500.0, 1600.0],
        0x8000,
        0x100,
    ));
    let pose = rosc::encoder::encode(&rosc::OscPacket::Message(rosc::OscMessage {
        addr: "/backlot/camera/1/pose".into(),
        args: [1.0, 1.6, 2.0, 10.0, -2.0, 0.0]
            .map(rosc::OscType::Float)
            .to_vec(),
    }))
    .expect("osc");
    let n = 5_000_000;
    let sum = per_op(n, |i| {
        let mut p = packet;
        p[2] = i as u8;
        black_box(black_box(&p).iter().fold(0u8, |a, b| a.wrapping_add(*b)));
    });
    let freed = per_op(n, |i| {
        let mut p = packet;
        p[27] = i as u8;
        p[28] = p[28].wrapping_sub(i as u8);
        black_box(decode(black_box(&p)).ok());
    });
    let osc_n = 1_000_000;
    let osc_pose = per_op(osc_n, |_| {
        black_box(osc::decode(black_box(&pose)).ok());
    });
    println!("decode cost per packet (release, one core)");
    println!("  byte sum (baseline)        {sum:8.1} ns   1.00x");
    println!(
        "  FreeD D1 decode            {freed:8.1} ns   {:.2}x",
        freed / sum
    );
    println!(
        "  OSC pose decode (rosc)     {osc_pose:8.1} ns   {:.2}x",
        osc_pose / sum
    );
}

fn frame_cost(app: &mut App, frames: u32) -> (f64, f64) {
    let mut times: Vec<f64> = (0..frames)
        .map(|_| {
            let t = Instant::now();
            app.update();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    (mean, times[times.len() * 99 / 100])
}

fn main() {
    decode_costs();

    let mut base = app(false);
    let (base_mean, base_p99) = frame_cost(&mut base, 600);

    let mut app = app(true);
    let port = app
        .world()
        .resource::<TrackingState>()
        .tracker_addr("freed")
        .expect("bound")
        .port();
    let stop = Arc::new(AtomicBool::new(false));
    let sender_stop = stop.clone();
    let sender = std::thread::spawn(move || -> Vec<u32> {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("socket");
        let period = Duration::from_secs_f64(1.0 / f64::from(RATE_HZ));
        let start = Instant::now();
        let mut sent = vec![0u32; usize::from(CAMERAS)];
        for tick in 0..RATE_HZ * SECONDS {
            // One packet per camera per tick, spread across the tick like unsynchronised trackers.
            for cam in 0..CAMERAS {
                let due = start + period * tick + period * u32::from(cam) / u32::from(CAMERAS);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let seq = tick + 1;
                let p = FreedD1::from_units(cam + 1, [0.0; 3], [f64::from(seq), 0.0, 0.0], 0, 0);
                if socket.send_to(&encode(&p), ("127.0.0.1", port)).is_ok() {
                    sent[usize::from(cam)] += 1;
                }
            }
            if sender_stop.load(Ordering::Relaxed) {
                break;
            }
        }
        sent
    });

    let frame = Duration::from_secs_f64(1.0 / 60.0);
    let (mut frames, mut stale, mut worst_lag_ms, mut lag_sum_ms, mut samples) =
        (0u32, 0u32, 0f64, 0f64, 0u32);
    let mut update_us: Vec<f64> = Vec::new();
    let started = Instant::now();
    while !sender.is_finished() || frames < 10 {
        let next = Instant::now() + frame;
        let t = Instant::now();
        app.update();
        update_us.push(t.elapsed().as_secs_f64() * 1e6);
        frames += 1;
        let state = app.world().resource::<TrackingState>();
        for cam in &state.cameras {
            let (Some(applied), Some(newest)) = (cam.applied, cam.history.newest()) else {
                continue;
            };
            // The newest sample stamped before this frame began, from the kept history.
            let used = applied.sample.pose.position.x * 1000.0;
            if newest.t < state.frame_start {
                let newest_seq = newest.pose.position.x * 1000.0;
                if (used - newest_seq).abs() > 0.5 {
                    stale += 1;
                }
            }
            let lag = (state.frame_start - applied.sample.t) * 1000.0;
            worst_lag_ms = f64::max(worst_lag_ms, lag);
            lag_sum_ms += lag;
            samples += 1;
        }
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        if started.elapsed() > Duration::from_secs(u64::from(SECONDS) + 20) {
            stop.store(true, Ordering::Relaxed);
        }
    }
    let sent = sender.join().expect("sender");
    // Let the last packets land.
    std::thread::sleep(Duration::from_millis(100));
    app.update();
    let registry = app.world().resource::<ParamRegistry>();
    let mut lost = 0i64;
    println!(
        "\n{CAMERAS} cameras x {RATE_HZ} Hz for {SECONDS} s over loopback UDP, app at 60 Hz ({frames} frames)"
    );
    for (i, n) in sent.iter().enumerate() {
        let got = match registry.get(&format!("/tracking/{}/packets", i + 1)) {
            Ok(ParamValue::Int(v)) => i64::from(*v),
            _ => 0,
        };
        lost += i64::from(*n) - got;
        println!("  camera {}: sent {n}, received {got}", i + 1);
    }
    println!("  lost valid packets: {lost}");
    println!(
        "  frames that used an older pose than the newest received before they began: {stale}"
    );
    println!(
        "  age of the applied pose at frame start: mean {:.2} ms, worst {:.2} ms (packet period {:.2} ms)",
        lag_sum_ms / f64::from(samples.max(1)),
        worst_lag_ms,
        1000.0 / f64::from(RATE_HZ)
    );
    update_us.sort_by(f64::total_cmp);
    let mean = update_us.iter().sum::<f64>() / update_us.len() as f64;
    let p99 = update_us[update_us.len() * 99 / 100];
    println!("\nmain-thread frame cost (MinimalPlugins app, same run)");
    println!(
        "  without tracking (baseline)   mean {base_mean:7.1} us   p99 {base_p99:7.1} us   1.00x"
    );
    println!(
        "  tracking 4 x 240 Hz           mean {mean:7.1} us   p99 {p99:7.1} us   {:.2}x",
        mean / base_mean
    );
    if lost != 0 || stale != 0 {
        std::process::exit(1);
    }
}
