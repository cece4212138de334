//! Show benchmark (`cargo bench --bench show_bench [-- --quick]`, release mode).
//!
//! Main-thread time per frame (`app.update()`, 60 frames/s of scene time) of a show over
//! 2,000 parameters — floats, colours and vectors — with two looks that each set all of
//! them and a cue list with a long fade from one to the other, in one app, same run:
//!
//! - (a) baseline: the show loaded, no cue held, no fade running;
//! - holding look A, no fade (what a show at rest costs on top of (a));
//! - (b) the frame that carries the GO to look B (2,000 fades start);
//! - (c) frames while the 2,000 parameters fade.
//!
//! Each as median, p99 and mean, as the time added to (a) and as the ratio to it; the issue's
//! target is under 0.5 ms added. The phases are interleaved in cycles (RELEASE, rest, GOTO
//! 1, hold, GO, fade) so that drift of the machine (clock speed, other load) falls on every
//! phase alike. `Show::writes()`, `Show::advance()` and a GO on a bare `Show` are also
//! timed alone, to split the show's own work from the arbitration's.
//!
//! Autosave cost per second: see `autosave_cost`.
//! `--quick`: fewer cycles and repetitions (a few seconds on two slow cores).

use std::hint::black_box;
use std::time::{Duration, Instant};

use std::sync::Arc;

use backlot_params::{Arbiter, ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin};
use backlot_show::recovery::{AUTOSAVE_EVERY, encode, take_snapshot};
use backlot_show::{
    CueCommand, CueRef, LiveValues, Show, ShowCommand, ShowFile, ShowPlayback, ShowPlugin,
    parse_show,
};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;

#[path = "show/report.rs"]
mod report;
use report::{Stats, alone, row, stats, verdict};

/// Parameters every look sets.
const PARAMS: usize = 2000;
/// The one cue list.
const LIST: &str = "bench";
/// Cue 2's fade, seconds: every measured fade frame falls inside it.
const FADE_SECONDS: f32 = 30.0;
/// One frame at 60 frames/s of scene time.
const FRAME: Duration = Duration::from_nanos(16_666_667);
/// Untimed frames after a RELEASE or a GOTO: the frame that carries it (2,000 values
/// pushed or handed back) and the one after, so the timed frames that follow are steady.
const SETTLE: usize = 3;
/// Timed frames per cycle at rest, holding, and fading.
const REST: usize = 10;
const HOLD: usize = 10;
const FADING: usize = 20;
/// The issue's target: time a fade adds to a frame, µs.
const TARGET_US: f64 = 500.0;

/// How much to measure.
struct Plan {
    cycles: usize,
    /// Repetitions of the parts timed alone.
    reps: usize,
}

/// Parameter `i`: its spec, and its value in look A and in look B as show-file text.
/// Every value differs between the looks, so every parameter moves in every fade frame.
fn param(i: usize) -> (ParamSpec, [String; 2]) {
    // 0 ≤ x < 0.1: neighbouring parameters differ, as on a real rig.
    let x = (i % 97) as f32 / 970.0;
    let address =
        |leaf: &str| ParamAddress::new(format!("/bench/p{i}/{leaf}")).expect("a bench address");
    match i % 3 {
        0 => (
            ParamSpec::float(address("level"), 0.5, 0.0, 1.0, ""),
            [
                format!("Float({:?})", 0.2 + x),
                format!("Float({:?})", 0.8 - x),
            ],
        ),
        1 => (
            ParamSpec::color(address("color"), [1.0; 3]),
            [
                format!("Color((1.0, {:?}, 0.0))", 0.2 + x),
                format!("Color((0.0, {:?}, 1.0))", 0.8 - x),
            ],
        ),
        _ => (
            ParamSpec::vec3(address("position"), [0.0; 3], -10.0, 10.0, "m"),
            [
                format!("Vec3(({:?}, 1.0, 2.0))", x - 5.0),
                format!("Vec3(({:?}, 3.0, -2.0))", 5.0 - x),
            ],
        ),
    }
}

/// The show as a file's text: looks `a` and `b` over every parameter; cue 1 snaps to `a`,
/// cue 2 fades to `b`; RELEASE snaps back to the scene.
fn show_text() -> String {
    let (a, b): (Vec<String>, Vec<String>) = (0..PARAMS)
        .map(|i| {
            let (spec, [in_a, in_b]) = param(i);
            let address = spec.address.as_str();
            (
                format!("            \"{address}\": {in_a},"),
                format!("            \"{address}\": {in_b},"),
            )
        })
        .unzip();
    format!(
        r#"(
    name: "bench",
    looks: [
        (name: "a", values: {{
{}
        }}),
        (name: "b", values: {{
{}
        }}),
    ],
    lists: [
        (name: "{LIST}", release_fade: 0.0, cues: [
            (name: "1", look: "a"),
            (name: "2", look: "b", fade: {FADE_SECONDS:?}),
        ]),
    ],
)"#,
        a.join("\n"),
        b.join("\n")
    )
}

fn app(file: ShowFile) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin))
        .insert_resource(TimeUpdateStrategy::ManualDuration(FRAME));
    {
        let mut r = app.world_mut().resource_mut::<ParamRegistry>();
        for i in 0..PARAMS {
            r.register(param(i).0).expect("a bench parameter registers");
        }
    }
    app.add_plugins(ShowPlugin { show: Some(file) });
    // The first frame has no time step; the show's status parameters register in it.
    app.update();
    app
}

fn send(app: &mut App, command: CueCommand) {
    app.world_mut().write_message(ShowCommand {
        list: Some(LIST.to_string()),
        command,
    });
}

fn untimed(app: &mut App, frames: usize) {
    for _ in 0..frames {
        app.update();
    }
}

/// One frame's main-thread time, µs.
fn timed(app: &mut App) -> f64 {
    let t = Instant::now();
    app.update();
    t.elapsed().as_secs_f64() * 1e6
}

/// Frame times of every phase, µs.
#[derive(Default)]
struct Frames {
    rest: Vec<f64>,
    holding: Vec<f64>,
    go: Vec<f64>,
    fading: Vec<f64>,
}

/// The show with the list holding look A, no fade: a copy for timing a GO alone.
fn show_now(app: &App) -> Option<Show> {
    app.world().resource::<ShowPlayback>().show.clone()
}

fn run_cycles(app: &mut App, cycles: usize) -> (Frames, Option<Show>) {
    let mut frames = Frames::default();
    let mut holding_show = None;
    for _ in 0..cycles {
        send(app, CueCommand::Release);
        untimed(app, SETTLE);
        for _ in 0..REST {
            frames.rest.push(timed(app));
        }
        send(app, CueCommand::Goto(CueRef::Name("1".into())));
        untimed(app, SETTLE);
        for _ in 0..HOLD {
            frames.holding.push(timed(app));
        }
        if holding_show.is_none() {
            holding_show = show_now(app);
        }
        send(app, CueCommand::Go);
        frames.go.push(timed(app));
        for _ in 0..FADING {
            frames.fading.push(timed(app));
        }
    }
    (frames, holding_show)
}

/// The bench measured what it says: no command refused, the list mid-fade into cue 2, and
/// a float and a colour still moving from frame to frame.
fn check_fading(app: &mut App) {
    let moving = ["/bench/p0/level", "/bench/p1/color", "/bench/p2/position"];
    let before = values(app, &moving);
    app.update();
    let after = values(app, &moving);
    for ((address, b), a) in moving.iter().zip(&before).zip(&after) {
        assert_ne!(b, a, "{address} does not move in a fade frame");
    }
    let playback = app.world().resource::<ShowPlayback>();
    assert_eq!(playback.refused, 0, "{:?}", playback.last_error);
    let list = playback
        .show
        .as_ref()
        .and_then(|s| s.list(LIST))
        .expect("the bench list plays");
    assert_eq!(list.current(), Some(1), "cue 2 plays");
    assert!(
        list.progress() > 0.0 && list.progress() < 1.0,
        "mid-fade, at {}",
        list.progress()
    );
}

fn values(app: &App, addresses: &[&str]) -> Vec<ParamValue> {
    let r = app.world().resource::<ParamRegistry>();
    addresses
        .iter()
        .map(|a| r.get(a).cloned().expect("a bench parameter"))
        .collect()
}

/// The registry as a list sees it, for timing the show without the app.
struct RegistryLive<'a>(&'a ParamRegistry);

impl LiveValues for RegistryLive<'_> {
    fn current(&self, address: &str) -> Option<ParamValue> {
        self.0.get(address).ok().cloned()
    }

    fn base(&self, address: &str) -> Option<ParamValue> {
        self.0.entry(address).map(|e| e.spec.default.clone())
    }
}

/// `Show::writes()` alone, mid-fade: a walk over every value the show plays (what panels
/// and the autosave read; `run_show` walks only the changed ones, `Show::due`).
fn writes_alone(app: &App, reps: usize) -> Option<Stats> {
    let playback = app.world().resource::<ShowPlayback>();
    let show = playback.show.as_ref()?;
    let mut samples = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        let mut n = 0usize;
        for write in show.writes() {
            black_box(write);
            n += 1;
        }
        black_box(n);
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    Some(stats(&samples))
}

/// `Show::advance()` alone on a copy of the show mid-fade: the fade's own work (2,000
/// blends and the merge), without pushing the values through the arbiter.
fn advance_alone(app: &App, reps: usize) -> Option<Stats> {
    let world = app.world();
    let mut show = world.resource::<ShowPlayback>().show.clone()?;
    let live = RegistryLive(world.resource::<ParamRegistry>());
    let dt = FRAME.as_secs_f64();
    let mut samples = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = Instant::now();
        show.advance(dt, &live);
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    black_box(show.value("/bench/p0/level"));
    Some(stats(&samples))
}

/// A GO on a bare copy of the show holding look A: the show's side of (b).
fn go_alone(app: &App, holding: &Show, reps: usize) -> Stats {
    let live = RegistryLive(app.world().resource::<ParamRegistry>());
    let mut samples = Vec::with_capacity(reps);
    let mut refused = 0usize;
    for _ in 0..reps {
        let mut show = holding.clone();
        let t = Instant::now();
        refused += usize::from(show.command(Some(LIST), &CueCommand::Go, &live).is_err());
        samples.push(t.elapsed().as_secs_f64() * 1e6);
        black_box(&show);
    }
    assert_eq!(refused, 0, "GO on the copy holding look A plays cue 2");
    stats(&samples)
}

/// The autosave's cost, same run, mid-fade with all 2,000 parameters held by the show: the
/// snapshot the frame thread takes for each write, and the encoding the writer thread does
/// (then it writes and renames the file). Writes come every [`AUTOSAVE_EVERY`] seconds while
/// something changes, and after each GO: the frame thread's cost per second is the snapshot
/// times the writes a second.
fn autosave_cost(app: &App, reps: usize) {
    let world = app.world();
    let registry = world.resource::<ParamRegistry>();
    let arbiter = world.resource::<Arbiter>();
    let show = world.resource::<ShowPlayback>().show.as_ref();
    let looks = show.map(|s| Arc::new(s.looks().to_vec()));
    let mut snap = Vec::with_capacity(reps);
    let mut enc = Vec::with_capacity(reps);
    let mut bytes = 0;
    for _ in 0..reps {
        let t = Instant::now();
        let autosave = take_snapshot(registry, arbiter, show, looks.clone());
        snap.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        let text = encode(&autosave).expect("the autosave encodes");
        enc.push(t.elapsed().as_secs_f64() * 1e6);
        bytes = black_box(text).len();
    }
    let (snap, enc) = (stats(&snap), stats(&enc));
    let per_second = 1.0 / AUTOSAVE_EVERY;
    println!("autosave, us ({bytes} bytes a file)");
    println!("  {:<44} {:>8} {:>8} {:>8}", "", "median", "p99", "mean");
    alone("snapshot on the frame thread, per write", Some(snap));
    alone("encoding on the writer thread, per write", Some(enc));
    println!(
        "  frame thread per second at {per_second:.0} writes a second: {:.1} us \
         ({:.4} % of a second); writer thread: {:.1} us a second plus the file write",
        snap.median * per_second,
        snap.median * per_second / 1e4,
        enc.median * per_second
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let plan = if quick {
        Plan {
            cycles: 60,
            reps: 100,
        }
    } else {
        Plan {
            cycles: 300,
            reps: 500,
        }
    };
    let text = show_text();
    let t = Instant::now();
    let file = parse_show(&text, "bench.show.ron", None).expect("the bench show parses");
    let parse_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut app = app(file);
    // Warm up: one whole cycle untimed (first allocations, the status parameters, the
    // arbiter's entries for all 2,000 parameters).
    let _ = run_cycles(&mut app, 1);
    let (frames, holding_show) = run_cycles(&mut app, plan.cycles);
    check_fading(&mut app);

    let floats = (0..PARAMS).filter(|i| i % 3 == 0).count();
    let colours = (0..PARAMS).filter(|i| i % 3 == 1).count();
    let vectors = PARAMS - floats - colours;
    println!(
        "show benchmark{}: {PARAMS} parameters ({floats} floats, {colours} colours, {vectors} \
         vec3), two looks over all of them, one {FADE_SECONDS} s fade, 60 frames/s of scene \
         time, {} cycles",
        if quick { " (--quick)" } else { "" },
        plan.cycles
    );
    println!("main-thread time per frame (app.update()), us; added and ratio against (a)");
    println!(
        "  {:<44} {:>8} {:>8} {:>8}   {:>8} {:>8} {:>8}   {:>7}",
        "", "median", "p99", "mean", "+median", "+p99", "+mean", "ratio"
    );
    let base = stats(&frames.rest);
    let go = stats(&frames.go);
    let fading = stats(&frames.fading);
    row("(a) show loaded, no fade (baseline)", base, base);
    row("    holding look A, no fade", stats(&frames.holding), base);
    row("(b) GO to look B: 2,000 fades start", go, base);
    row("(c) 2,000 parameters fading", fading, base);
    println!("target: under {TARGET_US} us added per frame");
    verdict("(b) GO frame", go, base);
    verdict("(c) fade frames", fading, base);

    println!("the show alone (no app, no arbitration), us");
    println!("  {:<44} {:>8} {:>8} {:>8}", "", "median", "p99", "mean");
    alone(
        "Show::writes(), 2,000 values mid-fade",
        writes_alone(&app, plan.reps),
    );
    alone(
        "Show::advance(), one frame of 2,000 fades",
        advance_alone(&app, plan.reps),
    );
    alone(
        "Show::command(GO), 2,000 fades start",
        holding_show
            .as_ref()
            .map(|show| go_alone(&app, show, plan.reps)),
    );
    println!("  parsing the show file (4,000 look values): {parse_ms:.1} ms, once");
    autosave_cost(&app, plan.reps);
}
