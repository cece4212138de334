//! The render cluster end to end: `backlot` processes on loopback joined by Zenoh, checked
//! against a single-process render of the same frames, and read by an independent Zenoh
//! client (eclipse-zenoh for Python, installed by .ci/setup).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::cluster_support::{Proc, SCENE, cluster_file, live_node, node, quad_stage};
use crate::control::python;
use crate::support::{backlot, free_tcp, load_rgb, temp_dir};

/// Pixels that differ, and by how much at most.
fn differences(a: &image::RgbImage, b: &image::RgbImage) -> (usize, u8) {
    assert_eq!(a.dimensions(), b.dimensions());
    let diffs: Vec<u8> = a
        .pixels()
        .zip(b.pixels())
        .filter(|(p, q)| p != q)
        .map(|(p, q)| {
            p.0.iter()
                .zip(q.0.iter())
                .map(|(x, y)| x.abs_diff(*y))
                .max()
                .unwrap_or(0)
        })
        .collect();
    (diffs.len(), diffs.iter().copied().max().unwrap_or(0))
}

#[test]
fn render_nodes_in_lockstep_draw_what_a_single_process_draws() {
    const FRAMES: u32 = 3;
    let dir = temp_dir("cluster-lockstep");
    let stage = quad_stage(&dir);
    let name = format!("lockstep{}", std::process::id());
    let cluster = cluster_file(
        &dir,
        &name,
        &stage,
        &[
            node("a", "Primary", &[]),
            node("c", "Render", &["q1", "q2"]),
            node("d", "Render", &["q3", "q4"]),
        ],
    );
    let render = |node: Option<&str>, out: &Path| {
        let mut cmd = backlot();
        cmd.args(["render", "--scene", SCENE, "--size", "64x36", "--frames"])
            .arg(FRAMES.to_string())
            .arg("--out")
            .arg(out);
        match node {
            Some(n) => cmd.arg("--cluster").arg(&cluster).args(["--node", n]),
            None => cmd.arg("--stage").arg(&stage),
        };
        let log = dir.join(format!("{}.log", node.unwrap_or("single")));
        Proc::spawn(cmd, log)
    };
    let outs: Vec<PathBuf> = ["a", "c", "d", "single"]
        .iter()
        .map(|n| dir.join(format!("out-{n}")))
        .collect();
    // Render nodes first: the primary waits for them, they wait for its frames.
    let mut c = render(Some("c"), &outs[1]);
    let mut d = render(Some("d"), &outs[2]);
    let mut a = render(Some("a"), &outs[0]);
    let limit = Duration::from_secs(400);
    a.succeeds("primary a", limit);
    c.succeeds("render node c", limit);
    d.succeeds("render node d", limit);
    // The single process after the cluster: four renders at once would only slow each other.
    let mut single = render(None, &outs[3]);
    single.succeeds("single-process render", limit);

    // The primary draws nothing: every output belongs to a render node.
    let primary_pngs = std::fs::read_dir(&outs[0])
        .map(|d| d.filter_map(Result::ok).count())
        .unwrap_or(0);
    assert_eq!(primary_pngs, 0, "the primary wrote outputs it does not own");
    for (out, owned, others) in [
        (&outs[1], ["q1", "q2"], ["q3", "q4"]),
        (&outs[2], ["q3", "q4"], ["q1", "q2"]),
    ] {
        for o in others {
            assert!(
                !out.join(format!("{o}-0000.png")).exists(),
                "{} drew {o}, which another node owns",
                out.display()
            );
        }
        for o in owned {
            for f in 0..FRAMES {
                let file = format!("{o}-{f:04}.png");
                let node_frame = load_rgb(&out.join(&file));
                let single_frame = load_rgb(&outs[3].join(&file));
                // Up to the contact jitter of resting bodies the render tests allow between
                // two runs of one process: the node shows the primary's bodies, the single
                // process its own simulation.
                let (n, max) = differences(&node_frame, &single_frame);
                let (w, h) = node_frame.dimensions();
                assert!(
                    n < (w * h / 50) as usize && max <= 24,
                    "{file} of {} differs from the single render: {n} pixels, up to {max} \
                     levels",
                    out.display()
                );
            }
        }
    }
    // Frames move (animation, physics): the nodes did not render frame 0 three times.
    let first = load_rgb(&outs[1].join("q1-0000.png"));
    let last = load_rgb(&outs[1].join(format!("q1-{:04}.png", FRAMES - 1)));
    assert_ne!(first, last, "node c's frames do not change");
}

/// Reads the cluster the way any Zenoh program would: liveliness tokens, frame headers by the
/// layout docs/cluster.md gives, status messages as JSON.
const CLIENT: &str = r#"
import json, struct, sys, time
import zenoh

cluster, endpoints = sys.argv[1], json.loads(sys.argv[2])
conf = zenoh.Config()
conf.insert_json5("mode", '"peer"')
conf.insert_json5("connect/endpoints", json.dumps(endpoints))
conf.insert_json5("scouting/multicast/enabled", "false")
session = zenoh.open(conf)
frames = session.declare_subscriber(f"backlot/{cluster}/frame")
statuses = session.declare_subscriber(f"backlot/{cluster}/status/*")

def text8(b, at):
    n = b[at]
    return b[at + 1:at + 1 + n].decode(), at + 1 + n

def header(b):
    assert b[:4] == b"BLCF", b[:4]
    version, flags = b[4], b[5]
    cluster, at = text8(b, 6)
    frame, scene_time = struct.unpack_from("<Qd", b, at)
    primary, at = text8(b, at + 16)
    (epoch,) = struct.unpack_from("<I", b, at)
    return dict(version=version, snapshot=bool(flags & 1), cluster=cluster, frame=frame,
                scene_time=scene_time, primary=primary, epoch=epoch)

headers, seen_status, alive = [], [], []
deadline = time.time() + 240
# Nodes under load (a CI machine running every test at once) may take minutes to load.
def render_status():
    return any(s.get("role") == "Render" for s in seen_status)

while time.time() < deadline and (len(headers) < 5 or len(alive) < 3 or not render_status()):
    if len(alive) < 3:
        alive = sorted(str(r.ok.key_expr) for r in session.liveliness().get(
            f"backlot/{cluster}/alive/*") if r.ok is not None)
    s = frames.try_recv()
    while s is not None:
        headers.append(header(s.payload.to_bytes()))
        s = frames.try_recv()
    s = statuses.try_recv()
    while s is not None and len(seen_status) < 50:
        seen_status.append(json.loads(s.payload.to_bytes()))
        s = statuses.try_recv()
    time.sleep(0.05)
print(json.dumps(dict(alive=alive, headers=headers[:20], statuses=seen_status)))
"#;

#[test]
fn an_outside_zenoh_client_sees_every_node_and_reads_frame_headers() {
    let dir = temp_dir("cluster-client");
    let stage = quad_stage(&dir);
    let name = format!("client{}", std::process::id());
    let nodes = [
        node("a", "Primary", &[]),
        node("c", "Render", &["q1", "q2"]),
        node("d", "Render", &["q3", "q4"]),
    ];
    let endpoints: Vec<String> = nodes
        .iter()
        .map(|n| format!("tcp/127.0.0.1:{}", n.port))
        .collect();
    let cluster = cluster_file(&dir, &name, &stage, &nodes);
    let procs: Vec<Proc> = ["a", "c", "d"]
        .iter()
        .map(|n| live_node(&cluster, n, free_tcp(), &dir))
        .collect();
    let out = Command::new(python())
        .arg("-c")
        .arg(CLIENT)
        .arg(&name)
        .arg(serde_json::to_string(&endpoints).expect("json"))
        .output()
        .expect("python");
    let logs = || {
        procs
            .iter()
            .map(|p| p.log())
            .collect::<Vec<_>>()
            .join("\n----\n")
    };
    assert!(
        out.status.success(),
        "zenoh client failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        logs()
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "client output is not its report ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let expected: Vec<String> = ["a", "c", "d"]
        .iter()
        .map(|n| format!("backlot/{name}/alive/{n}"))
        .collect();
    let alive: Vec<String> = report["alive"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(alive, expected, "{}", logs());
    let headers = report["headers"].as_array().cloned().unwrap_or_default();
    assert!(headers.len() >= 5, "{report}\n{}", logs());
    let frame = |h: &serde_json::Value| h["frame"].as_u64().unwrap_or(u64::MAX);
    for h in &headers {
        assert_eq!(h["version"], 2, "{h}");
        assert_eq!(h["cluster"], name.as_str(), "{h}");
        assert_eq!(h["primary"], "a", "{h}");
        assert_eq!(h["epoch"], 0, "{h}");
        assert!(h["scene_time"].as_f64().is_some_and(|t| t >= 0.0), "{h}");
        // A full snapshot every `snapshot_every` (60) frames.
        if frame(h) % 60 == 0 {
            assert_eq!(h["snapshot"], true, "{h}");
        }
    }
    // Frame numbers rise one by one, and scene time with them.
    for pair in headers.windows(2) {
        assert_eq!(frame(&pair[1]), frame(&pair[0]) + 1, "{headers:?}");
        assert!(pair[1]["scene_time"].as_f64() >= pair[0]["scene_time"].as_f64());
    }
    let statuses = report["statuses"].as_array().cloned().unwrap_or_default();
    assert!(
        statuses
            .iter()
            .any(|s| (s["node"] == "c" || s["node"] == "d") && s["role"] == "Render"),
        "{statuses:?}"
    );
}
