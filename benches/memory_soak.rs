//! Memory soak of the shipped show (`cargo bench --bench memory_soak -- [--seconds N]
//! [--stage FILE] [--size WxH] [--binary PATH]`).
//!
//! Runs `backlot run --headless` on neon_club with its layer set and an LED stage, streams
//! every input over loopback (FreeD at 100 Hz, OSC at 60 Hz, Art-Net and sACN at 44 Hz), and
//! samples resident memory and frames rendered every five seconds. Prints the samples, then
//! growth per minute and bytes per rendered frame after a one-minute warm-up. `--binary`
//! measures another build (e.g. an older commit's) with the same harness.

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use backlot_control::codec::{artnet, sacn};
use backlot_tracking::codec::freed::{FreedD1, encode};
use rosc::{OscMessage, OscPacket, OscType};

const WARM_UP: Duration = Duration::from_secs(60);
const SAMPLE: Duration = Duration::from_secs(5);

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    backlot_ui::parse_vm_rss_kb(&status).map(|kb| kb as f64 / 1024.0)
}

/// A status value over OSCQuery, or None before the server is up (or on an old build).
fn value(port: u16, address: &str) -> Option<f64> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {address}?VALUE HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    text.split("{\"VALUE\":[")
        .nth(1)?
        .split([',', ']'])
        .next()?
        .trim()
        .parse()
        .ok()
}

/// Streams FreeD, OSC, Art-Net and sACN to the default ports until `stop`.
fn stream_inputs(stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let Ok(sock) = UdpSocket::bind("127.0.0.1:0") else {
            return 0;
        };
        let start = Instant::now();
        let mut sent = 0u64;
        let mut tick = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let t = start.elapsed().as_secs_f64();
            // 100 Hz FreeD: the camera sways across the wall.
            let pose = FreedD1::from_units(
                1,
                [10.0 * (t * 0.5).sin(), 2.0 * (t * 0.3).sin(), 0.0],
                [800.0 * (t * 0.4).sin(), -4000.0, 1600.0],
                0,
                0,
            );
            sent += u64::from(sock.send_to(&encode(&pose), "127.0.0.1:40000").is_ok());
            if tick % 5 < 3 {
                // ~60 Hz OSC.
                let msg = OscPacket::Message(OscMessage {
                    addr: "/scene/lights/key/intensity".into(),
                    args: vec![OscType::Float((800_000.0 + 400_000.0 * t.sin()) as f32)],
                });
                if let Ok(bytes) = rosc::encoder::encode(&msg) {
                    sent += u64::from(sock.send_to(&bytes, "127.0.0.1:9000").is_ok());
                }
            }
            if tick % 9 < 4 {
                // ~44 Hz DMX: dimmer + RGB of the key light, both protocols.
                let level = (128.0 + 127.0 * (t * 2.0).sin()) as u8;
                let slots = [level, 255, 200, 160];
                let dmx = artnet::encode_dmx((tick % 255) as u8 + 1, 1, &slots);
                sent += u64::from(sock.send_to(&dmx, "127.0.0.1:6454").is_ok());
                let data = sacn::SacnData {
                    cid: [7; 16],
                    source: "memory soak".into(),
                    priority: 100,
                    sync: 0,
                    sequence: (tick % 256) as u8,
                    options: 0,
                    universe: 1,
                    start_code: 0,
                    slots: slots.to_vec(),
                };
                sent += u64::from(sock.send_to(&sacn::encode(&data), "127.0.0.1:5568").is_ok());
            }
            tick += 1;
            std::thread::sleep(Duration::from_millis(10));
        }
        sent
    })
}

fn main() {
    let seconds: u64 = arg("--seconds").and_then(|s| s.parse().ok()).unwrap_or(180);
    let stage = arg("--stage").unwrap_or_else(|| "scenes/stages/flat_wall.stage.ron".into());
    // Older builds have no `run --size`: passed only when asked for.
    let size = arg("--size");
    let binary = arg("--binary").unwrap_or_else(|| env!("CARGO_BIN_EXE_backlot").into());
    let mut cmd = Command::new(&binary);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--headless", "--scene", "scenes/neon_club.scene.ron"])
        .args(["--stage", &stage]);
    if let Some(size) = &size {
        cmd.args(["--size", size]);
    }
    let mut child = match cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot start {binary}: {e}");
            std::process::exit(1);
        }
    };
    let pid = child.id();
    let stop = Arc::new(AtomicBool::new(false));
    let streamer = stream_inputs(stop.clone());
    println!(
        "memory soak: {binary}, stage {stage}, view {}, {seconds} s, all inputs",
        size.as_deref().unwrap_or("1280x720")
    );
    println!(
        "{:>6} {:>9} {:>8} {:>6}",
        "t (s)", "RSS (MB)", "frames", "fps"
    );
    let start = Instant::now();
    let mut frames = 0.0f64;
    let mut last = Instant::now();
    let mut samples: Vec<(f64, f64, f64)> = Vec::new();
    while start.elapsed() < Duration::from_secs(seconds) {
        std::thread::sleep(SAMPLE);
        let dt = last.elapsed().as_secs_f64();
        last = Instant::now();
        let fps = value(9000, "/status/fps").unwrap_or(0.0);
        // Newer builds count frames; older ones are integrated from their fps.
        frames = value(9000, "/status/frames").unwrap_or(frames + fps * dt);
        let Some(rss) = rss_mb(pid) else {
            println!("backlot exited");
            break;
        };
        let t = start.elapsed().as_secs_f64();
        println!("{t:>6.0} {rss:>9.1} {frames:>8.0} {fps:>6.1}");
        samples.push((t, rss, frames));
    }
    stop.store(true, Ordering::Relaxed);
    let sent = streamer.join().unwrap_or(0);
    let _ = child.kill();
    let _ = child.wait();
    let warm: Vec<_> = samples
        .iter()
        .filter(|s| s.0 >= WARM_UP.as_secs_f64())
        .collect();
    if let (Some(a), Some(b)) = (warm.first(), warm.last())
        && b.0 > a.0
    {
        let minutes = (b.0 - a.0) / 60.0;
        let frames = b.2 - a.2;
        println!("packets sent: {sent}");
        println!(
            "after warm-up: {:.1} -> {:.1} MB over {:.1} min: {:+.2} MB/min; {frames:.0} frames; {} bytes/frame",
            a.1,
            b.1,
            minutes,
            (b.1 - a.1) / minutes,
            if frames > 0.0 {
                format!("{:+.0}", (b.1 - a.1) * 1_048_576.0 / frames)
            } else {
                "n/a".into()
            }
        );
    } else {
        println!("run shorter than the warm-up: no growth figure");
    }
}
