//! MIDI bytes: bindings with pickup, toggle, 14-bit, NRPN, program change, clock, time code,
//! motor-fader feedback, and learn.

use std::time::{Duration, Instant};

use backlot_params::ParamValue;
use bevy::prelude::*;

use super::learn_file::{app_on_file, assert_save_refused, temp_dir, wait_saved};
use super::{MAP, app_with, get, midi_in};
use crate::inbox::MidiIn;
use crate::{Arbiter, ControlMap, ControlRuntime};

#[test]
fn midi_bytes_bind_with_pickup_toggle_14_bit_and_clock() {
    let mut app = app_with(MAP, None);
    let push = |app: &mut App, bytes: &[u8]| {
        midi_in(app, "surface", bytes);
        app.update();
    };
    // Pickup: the parameter is at 10 % (1000 of 10000); a fader at 100 % must not jump it.
    push(&mut app, &[0xB0, 7, 127]);
    assert_eq!(
        get(&app, "/scene/lights/key/intensity"),
        ParamValue::Float(1000.0)
    );
    push(&mut app, &[0xB0, 7, 13]); // passes through 10 %: caught
    push(&mut app, &[7, 20]); // running status
    let v = get(&app, "/scene/lights/key/intensity")
        .as_f32()
        .expect("f");
    assert!((v - 10000.0 * 20.0 / 127.0).abs() < 0.5, "{v}");
    // 14-bit CC pair: B0 01 40 B0 21 05 = 0x2005.
    push(&mut app, &[0xB0, 0x01, 0x40, 0xB0, 0x21, 0x05]);
    let fog = get(&app, "/scene/fog/density").as_f32().expect("f");
    assert!((fog - 0x2005 as f32 / 16383.0).abs() < 1e-4, "{fog}");
    // Toggle pad on channel 10, with a clock byte inside the message.
    push(&mut app, &[0x99, 37, 0xF8, 100, 0x89, 37, 0]);
    assert_eq!(
        get(&app, "/scene/lights/key/enabled"),
        ParamValue::Bool(false)
    );
    push(&mut app, &[0x99, 37, 100]);
    assert_eq!(
        get(&app, "/scene/lights/key/enabled"),
        ParamValue::Bool(true)
    );
    // Pitch bend (Mackie fader 8) and its motor-fader feedback when another source moves it.
    push(&mut app, &[0xE7, 0x00, 0x40]);
    let exp = get(&app, "/scene/sky/exposure").as_f32().expect("f");
    assert!((exp - 1000.0 * 8192.0 / 16383.0).abs() < 0.1, "{exp}");
    app.world_mut()
        .resource_mut::<Arbiter>()
        .push(crate::Input {
            address: "/scene/sky/exposure".into(),
            value: ParamValue::Float(1000.0),
            source: crate::Source::Osc("1.2.3.4:5".into()),
            slew_ms: 0.0,
            priority: 0,
        });
    app.update();
    let sent = app
        .world()
        .resource::<crate::midi::MidiEngine>()
        .sent
        .clone();
    assert!(
        sent.contains(&vec![0xE7, 0x7F, 0x7F]),
        "motor fader to the top: {sent:?}"
    );
    // MIDI clock at 120 BPM: 24 ticks per beat, 20.83 ms apart.
    let start = Instant::now();
    for i in 0..48u32 {
        app.world()
            .resource::<ControlRuntime>()
            .inbox
            .lock()
            .push_midi(MidiIn {
                port: "clock".into(),
                bytes: vec![0xF8],
                at: start + Duration::from_secs_f64(f64::from(i) * 0.5 / 24.0),
            });
    }
    app.update();
    let bpm = get(&app, "/tempo/bpm").as_f32().expect("bpm");
    assert!((bpm - 120.0).abs() < 0.5, "{bpm}");
}

#[test]
fn midi_learn_binds_the_next_control() {
    let mut app = app_with(MAP, None);
    app.world_mut()
        .resource_mut::<crate::midi::MidiEngine>()
        .learn = Some("/scene/lights/fill/intensity".into());
    midi_in(&app, "s", &[0xB3, 21, 64]);
    app.update();
    let map = &app.world().resource::<ControlMap>().file;
    let b = map
        .midi
        .bindings
        .iter()
        .find(|b| b.target == "/scene/lights/fill/intensity")
        .expect("learned");
    assert_eq!(
        b.control,
        crate::format::MidiControl::Cc { channel: 4, cc: 21 }
    );
}

#[test]
fn nrpn_program_change_and_time_code() {
    let map = MAP.replace(
        "(control: PitchBend(channel: 8), target: \"/scene/sky/exposure\", pickup: false),",
        "(control: PitchBend(channel: 8), target: \"/scene/sky/exposure\", pickup: false),\n        (control: Nrpn(channel: 2, number: 300), target: \"/scene/lights/fill/intensity\", pickup: false),\n        (control: Program(channel: 3), target: \"/scene/sky/exposure\"),",
    );
    let mut app = app_with(&map, None);
    let push = |app: &mut App, bytes: &[u8]| {
        midi_in(app, "s", bytes);
        app.update();
    };
    // NRPN 300 = MSB 2, LSB 44; data entry MSB 64, LSB 0 → 8192/16383.
    push(&mut app, &[0xB1, 99, 2, 98, 44, 6, 64, 38, 0]);
    let v = get(&app, "/scene/lights/fill/intensity")
        .as_f32()
        .expect("f");
    assert!((v - 10000.0 * 8192.0 / 16383.0).abs() < 1.0, "{v}");
    push(&mut app, &[0xC2, 7]);
    assert_eq!(get(&app, "/scene/sky/exposure"), ParamValue::Float(7.0));
    // MTC quarter frames 01:02:03:04 at 25 fps, then a full frame.
    push(
        &mut app,
        &[
            0xF1, 0x04, 0xF1, 0x10, 0xF1, 0x23, 0xF1, 0x30, 0xF1, 0x42, 0xF1, 0x50, 0xF1, 0x61,
            0xF1, 0x72,
        ],
    );
    assert_eq!(
        get(&app, "/timecode"),
        ParamValue::Int(((3600 + 120 + 3) * 25) + 4)
    );
}

#[test]
fn learn_writes_the_map_file_atomically() {
    let dir = temp_dir("midi-atomic");
    let (mut app, path) = app_on_file(MAP, &dir, MAP);
    app.world_mut()
        .resource_mut::<crate::midi::MidiEngine>()
        .learn = Some("/scene/lights/key/enabled".into());
    midi_in(&app, "s", &[0x90, 60, 100]);
    app.update();
    // The save runs off the frame.
    wait_saved(&mut app);
    let saved = crate::format::parse_map_file(&path).expect("saved map parses");
    let b = saved
        .midi
        .bindings
        .iter()
        .find(|b| b.target == "/scene/lights/key/enabled")
        .expect("learned");
    assert_eq!(
        b.control,
        crate::format::MidiControl::Note {
            channel: 1,
            note: 60,
            mode: crate::format::NoteMode::Toggle
        }
    );
    let _ = std::fs::remove_dir_all(dir);
}

// Learn against a map file that does not parse, then once it is fixed.

/// Arms learn for `target` and moves a control (its save starts off the frame).
fn learn(app: &mut App, target: &str, bytes: &[u8]) {
    app.world_mut()
        .resource_mut::<crate::midi::MidiEngine>()
        .learn = Some(target.into());
    midi_in(app, "s", bytes);
    app.update();
}

#[test]
fn learn_never_overwrites_a_broken_map_file_and_saves_once_it_is_fixed() {
    let dir = temp_dir("midi-broken");
    // The user's edit in progress: a misspelt field.
    let broken = MAP.replace("(address: \"/fader/1\"", "(adress: \"/fader/1\"");
    let (mut app, path) = app_on_file(MAP, &dir, &broken);
    learn(&mut app, "/scene/lights/fill/intensity", &[0xB3, 21, 64]);
    assert_save_refused(&mut app, &path, &broken);
    let map = app.world().resource::<ControlMap>();
    assert!(
        map.file
            .midi
            .bindings
            .iter()
            .any(|b| b.target == "/scene/lights/fill/intensity"),
        "the binding is in force"
    );
    assert_eq!(map.pending.len(), 1, "and waits to be saved");
    // Fixed, with a comment of the user's: the next learn writes both, and keeps the comment.
    let fixed = format!("// mine\n{MAP}");
    std::fs::write(&path, &fixed).expect("write");
    learn(&mut app, "/scene/sky/exposure", &[0xB4, 22, 64]);
    wait_saved(&mut app);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.starts_with("// mine\n"), "{text}");
    let saved = crate::format::parse_map_file(&path).expect("saved map parses");
    for (target, control) in [
        (
            "/scene/lights/fill/intensity",
            crate::format::MidiControl::Cc { channel: 4, cc: 21 },
        ),
        (
            "/scene/sky/exposure",
            crate::format::MidiControl::Cc { channel: 5, cc: 22 },
        ),
    ] {
        let b = saved
            .midi
            .bindings
            .iter()
            .find(|b| b.target == target)
            .unwrap_or_else(|| panic!("{target} saved:\n{text}"));
        assert_eq!(b.control, control);
    }
    let map = app.world().resource::<ControlMap>();
    assert!(map.save_error.is_none(), "{:?}", map.save_error);
    assert!(map.pending.is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn learns_in_a_row_are_saved_in_order_and_the_newest_binding_wins() {
    let dir = temp_dir("midi-row");
    let (mut app, path) = app_on_file(MAP, &dir, MAP);
    // Three learns in three frames, without waiting for any save: the second and third
    // come while the first is (most likely) still being written.
    learn(&mut app, "/scene/lights/fill/intensity", &[0xB3, 21, 64]);
    learn(&mut app, "/scene/sky/exposure", &[0xB4, 22, 64]);
    learn(&mut app, "/scene/lights/fill/intensity", &[0xB3, 23, 64]);
    wait_saved(&mut app);
    let map = app.world().resource::<ControlMap>();
    assert!(map.save_error.is_none(), "{:?}", map.save_error);
    assert!(map.pending.is_empty(), "{:?}", map.pending);
    let text = std::fs::read_to_string(&path).expect("read");
    let saved = crate::format::parse_map_file(&path).expect("saved map parses");
    let control = |target: &str| {
        let bound: Vec<_> = saved
            .midi
            .bindings
            .iter()
            .filter(|b| b.target == target)
            .map(|b| b.control)
            .collect();
        assert_eq!(bound.len(), 1, "{target} once:\n{text}");
        bound[0]
    };
    assert_eq!(
        control("/scene/lights/fill/intensity"),
        crate::format::MidiControl::Cc { channel: 4, cc: 23 },
        "the newest learn wins"
    );
    assert_eq!(
        control("/scene/sky/exposure"),
        crate::format::MidiControl::Cc { channel: 5, cc: 22 }
    );
    let _ = std::fs::remove_dir_all(dir);
}
