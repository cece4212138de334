//! The triggers in a `MinimalPlugins` app: OSC bytes through the router, command parameters
//! written by a controller (MIDI, DMX) through the arbiter, and timecode.

use std::net::SocketAddr;
use std::time::Duration;

use backlot_net::{OscRouter, Timecode};
use backlot_params::{
    Arbiter, Input, ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin, Source,
};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use rosc::OscType;

use crate::osc::{OSC_QUEUE, ShowOscStats, ShowReadOnly};
use crate::{CueCommand, CueRef, ShowCommand, ShowPlugin, UndoRequest, parse_show};

const FOG: &str = "/scene/fog/density";
const CUE: &str = "/show/lights/cue";

const SHOW: &str = r#"(
    name: "triggers",
    timecode_fps: 25.0,
    looks: [
        (name: "haze", values: {"/scene/fog/density": Float(1.0)}),
        (name: "thin", values: {"/scene/fog/density": Float(0.2)}),
        (name: "dark", values: {"/scene/fog/density": Float(0.0)}),
    ],
    lists: [
        (name: "lights", cues: [
            (name: "1", look: "haze"),
            (name: "2", look: "thin"),
            (name: "3", look: "dark", timecode: "00:01:00:00"),
        ]),
    ],
)"#;

fn app() -> App {
    let file = parse_show(SHOW, "triggers.show.ron", None).expect("the test show parses");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin))
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs_f64(
            1.0 / 60.0,
        )));
    let fog = ParamSpec::float(ParamAddress::new(FOG).expect("address"), 0.5, 0.0, 1.0, "");
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .register(fog)
        .expect("register");
    app.add_plugins(ShowPlugin { show: Some(file) });
    // The show's parameters are registered in the first frame.
    app.update();
    app
}

fn get(app: &App, address: &str) -> ParamValue {
    app.world()
        .resource::<ParamRegistry>()
        .get(address)
        .cloned()
        .unwrap_or_else(|e| panic!("{address}: {e}"))
}

fn cue(app: &App) -> ParamValue {
    get(app, CUE)
}

fn frames(app: &mut App, n: usize) {
    for _ in 0..n {
        app.update();
    }
}

fn osc(app: &App, address: &str, args: Vec<OscType>) {
    let bytes = backlot_net::osc::encode(address, args).expect("the message encodes");
    let from: SocketAddr = "127.0.0.1:9000".parse().expect("address");
    app.world().resource::<OscRouter>().deliver(&bytes, from);
}

fn write(app: &mut App, address: &str, value: ParamValue, source: Source) {
    app.world_mut().resource_mut::<Arbiter>().push(Input {
        address: address.into(),
        value,
        source,
        slew_ms: 0.0,
        priority: 0,
    });
}

fn send(app: &mut App, command: CueCommand) {
    app.world_mut().write_message(ShowCommand {
        list: Some("lights".into()),
        command,
    });
}

#[test]
fn osc_bytes_through_the_router_play_cues() {
    let mut app = app();
    assert_eq!(cue(&app), ParamValue::Int(0));
    osc(&app, "/show/lights/go", vec![]);
    app.update();
    assert_eq!(cue(&app), ParamValue::Int(1));
    assert_eq!(get(&app, FOG), ParamValue::Float(1.0), "cue 1's look plays");
    // A button let go sends 0: no second GO.
    osc(&app, "/show/lights/go", vec![OscType::Float(0.0)]);
    frames(&mut app, 2);
    assert_eq!(cue(&app), ParamValue::Int(1));
    osc(&app, "/show/lights/cue/3", vec![OscType::Int(1)]);
    app.update();
    assert_eq!(cue(&app), ParamValue::Int(3));
    assert_eq!(get(&app, FOG), ParamValue::Float(0.0));
    osc(&app, "/show/lights/goto", vec![OscType::Int(2)]);
    app.update();
    assert_eq!(cue(&app), ParamValue::Int(2));
    // Not a command (the status is read-only): counted with the show's refusals.
    osc(&app, "/show/lights/cue", vec![OscType::Int(1)]);
    app.update();
    assert_eq!(get(&app, "/show/refused"), ParamValue::Int(1));
    assert_eq!(cue(&app), ParamValue::Int(2));
    // Undo and redo go to whoever keeps the history, as messages of their own.
    osc(&app, "/show/undo", vec![]);
    osc(&app, "/show/redo", vec![OscType::Int(1)]);
    app.update();
    let asked: Vec<UndoRequest> = app
        .world_mut()
        .resource_mut::<Messages<UndoRequest>>()
        .drain()
        .collect();
    assert_eq!(asked, [UndoRequest::Undo, UndoRequest::Redo]);
}

#[test]
fn read_only_prefixes_refuse_osc_from_the_network() {
    let mut app = app();
    app.insert_resource(ShowReadOnly(vec!["/show/lights/".into()]));
    osc(&app, "/show/lights/go", vec![]);
    app.update();
    assert_eq!(cue(&app), ParamValue::Int(0));
    assert_eq!(get(&app, "/show/refused"), ParamValue::Int(1));
    assert_eq!(app.world().resource::<ShowOscStats>().read_only_refused, 1);
    // The master GO is not under the read-only prefix.
    osc(&app, "/show/go", vec![]);
    app.update();
    assert_eq!(cue(&app), ParamValue::Int(1));
}

#[test]
fn what_overflows_the_queue_is_dropped_and_shown() {
    let mut app = app();
    for _ in 0..OSC_QUEUE + 2 {
        osc(&app, "/show/lights/pause", vec![]);
    }
    app.update();
    assert_eq!(app.world().resource::<ShowOscStats>().dropped, 2);
    assert_eq!(get(&app, "/show/dropped"), ParamValue::Int(2));
}

#[test]
fn a_trigger_parameter_written_by_a_controller_fires_once() {
    let mut app = app();
    write(
        &mut app,
        "/show/lights/go",
        ParamValue::Trigger,
        Source::Midi("pads".into()),
    );
    // Applied by the arbiter in the first frame, carried out in the next.
    frames(&mut app, 2);
    assert_eq!(cue(&app), ParamValue::Int(1));
    frames(&mut app, 5);
    assert_eq!(cue(&app), ParamValue::Int(1), "one write, one GO");
    // The master GO.
    write(
        &mut app,
        "/show/go",
        ParamValue::Trigger,
        Source::Midi("pads".into()),
    );
    frames(&mut app, 2);
    assert_eq!(cue(&app), ParamValue::Int(2));
    write(
        &mut app,
        "/show/lights/back",
        ParamValue::Trigger,
        Source::Midi("pads".into()),
    );
    frames(&mut app, 2);
    assert_eq!(cue(&app), ParamValue::Int(1));
    // Two presses in one frame are one GO.
    for _ in 0..2 {
        write(
            &mut app,
            "/show/lights/go",
            ParamValue::Trigger,
            Source::Midi("pads".into()),
        );
    }
    frames(&mut app, 3);
    assert_eq!(cue(&app), ParamValue::Int(2));
    // DMX cannot press a trigger: a universe resends every level with every packet.
    for _ in 0..3 {
        write(
            &mut app,
            "/show/lights/go",
            ParamValue::Trigger,
            Source::Dmx(1),
        );
        app.update();
    }
    frames(&mut app, 2);
    assert_eq!(cue(&app), ParamValue::Int(2));
    // The status stays read-only: a controller's write is refused by the arbiter.
    write(
        &mut app,
        CUE,
        ParamValue::Int(3),
        Source::Midi("pads".into()),
    );
    frames(&mut app, 2);
    assert_eq!(cue(&app), ParamValue::Int(2));
}

#[test]
fn goto_plays_the_cue_written_and_dmx_only_when_its_level_moves() {
    let mut app = app();
    let goto = "/show/lights/goto";
    let midi = || Source::Midi("desk".into());
    write(&mut app, goto, ParamValue::Int(3), midi());
    frames(&mut app, 2);
    assert_eq!(cue(&app), ParamValue::Int(3));
    send(&mut app, CueCommand::Goto(CueRef::Number(1)));
    app.update();
    assert_eq!(cue(&app), ParamValue::Int(1));
    // The same program change again plays its cue again.
    write(&mut app, goto, ParamValue::Int(3), midi());
    frames(&mut app, 2);
    assert_eq!(cue(&app), ParamValue::Int(3));
    // 0 plays nothing.
    write(&mut app, goto, ParamValue::Int(0), midi());
    frames(&mut app, 2);
    assert_eq!(cue(&app), ParamValue::Int(3));

    // A DMX channel resent every frame picks its cue once.
    write(&mut app, goto, ParamValue::Int(2), Source::Dmx(1));
    frames(&mut app, 2);
    assert_eq!(cue(&app), ParamValue::Int(2));
    send(&mut app, CueCommand::Goto(CueRef::Number(1)));
    for _ in 0..5 {
        write(&mut app, goto, ParamValue::Int(2), Source::Dmx(1));
        app.update();
    }
    assert_eq!(cue(&app), ParamValue::Int(1), "the level did not move");
    write(&mut app, goto, ParamValue::Int(3), Source::Dmx(1));
    frames(&mut app, 2);
    assert_eq!(cue(&app), ParamValue::Int(3));
}

fn timecode(app: &mut App, seconds: f64) {
    let mut tc = app.world_mut().resource_mut::<Timecode>();
    tc.fps = 25.0;
    tc.frames = Some((seconds * 25.0).round() as i64);
}

#[test]
fn timecode_running_past_a_cue_plays_it() {
    let mut app = app();
    for seconds in [58.8, 59.2, 59.6] {
        timecode(&mut app, seconds);
        app.update();
    }
    assert_eq!(cue(&app), ParamValue::Int(0));
    timecode(&mut app, 60.0);
    app.update();
    assert_eq!(cue(&app), ParamValue::Int(3), "00:01:00:00 plays cue 3");
    assert_eq!(get(&app, FOG), ParamValue::Float(0.0));
}

#[test]
fn a_timecode_locate_past_a_cue_plays_nothing() {
    let mut app = app();
    timecode(&mut app, 4.0);
    app.update();
    // Located from 4 s to 61 s: cue 3's 60 s was jumped over, not run past.
    timecode(&mut app, 61.0);
    app.update();
    timecode(&mut app, 61.2);
    app.update();
    assert_eq!(cue(&app), ParamValue::Int(0));
    assert_eq!(get(&app, FOG), ParamValue::Float(0.5), "the scene's value");
}

#[test]
fn midi_time_code_from_a_byte_stream_fires_the_cue_at_its_time() {
    use backlot_control::codec::midi::{MidiParser, Mtc, MtcAssembler};
    let mut app = app();
    let mut parser = MidiParser::default();
    let mut assembler = MtcAssembler::default();
    let mut fired_at = None;
    // 25 fps MTC (rate code 1) from 00:00:59:20 to 00:01:00:04, a full set of quarter
    // frames (F1 xx) for each frame, decoded as the control crate decodes a port's bytes.
    for frame in (59 * 25 + 20)..=(60 * 25 + 4) {
        let [s, f] = [frame / 25, frame % 25];
        let time = Mtc {
            hmsf: [0, (s / 60) as u8, (s % 60) as u8, f as u8],
            rate: 1,
        };
        let bytes: Vec<u8> = time
            .quarter_frames()
            .iter()
            .flat_map(|q| [0xF1, *q])
            .collect();
        for message in parser.feed(&bytes) {
            if let Some(mtc) = assembler.feed(&message) {
                let [h, m, s, f] = mtc.hmsf.map(i64::from);
                let mut tc = app.world_mut().resource_mut::<Timecode>();
                tc.fps = mtc.fps() as f32;
                tc.frames = Some(((h * 60 + m) * 60 + s) * 25 + f);
            }
        }
        app.update();
        if fired_at.is_none() && cue(&app) == ParamValue::Int(3) {
            fired_at = Some(frame);
        }
    }
    // Cue 3's `00:01:00:00` plays in the frame the time code reaches it, not before.
    assert_eq!(fired_at, Some(60 * 25));
    assert_eq!(parser.discarded, 0);
}

fn cue_names(app: &App) -> Vec<String> {
    let playback = app.world().resource::<crate::ShowPlayback>();
    let show = playback.show.as_ref().expect("a show plays");
    let list = show.list("lights").expect("lights");
    list.cues().iter().map(|c| c.name.clone()).collect()
}

#[test]
fn record_from_osc_and_from_its_parameter_stores_a_look_and_adds_a_cue() {
    let mut app = app();
    write(
        &mut app,
        FOG,
        ParamValue::Float(0.7),
        Source::Osc("desk".into()),
    );
    frames(&mut app, 2);
    osc(&app, "/show/lights/record", Vec::new());
    frames(&mut app, 2);
    assert_eq!(cue_names(&app), ["1", "2", "3", "4"]);
    let playback = app.world().resource::<crate::ShowPlayback>();
    let show = playback.show.as_ref().expect("a show plays");
    let look = show
        .looks()
        .iter()
        .find(|l| l.name == "lights-4")
        .expect("recorded");
    assert_eq!(look.values.get(FOG), Some(&ParamValue::Float(0.7)));
    // The trigger parameter, as a MIDI note bound in the map writes it.
    write(
        &mut app,
        "/show/lights/record",
        ParamValue::Trigger,
        Source::Midi("surface".into()),
    );
    frames(&mut app, 2);
    assert_eq!(cue_names(&app), ["1", "2", "3", "4", "5"]);
}
