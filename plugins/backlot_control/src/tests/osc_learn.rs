//! OSC learn over loopback: `/control/learn` arms it, the next new address is bound and saved
//! into the map file as a MIDI-learned binding is; refusals (unknown target, the default
//! read-only `/control/`), expiry, and a map file that does not parse.

use backlot_params::ParamValue;
use bevy::prelude::*;
use rosc::OscType;

use super::learn_file::{app_on_file, assert_save_refused, temp_dir, wait_saved};
use super::{MAP, app_with, get, osc, port, send, until};
use crate::format::{OscBinding, parse_map_file};
use crate::inbox::LogKind;
use crate::{ControlMap, ControlRuntime, LEARN_ADDRESS, OscServers, STATUS_LEARNING};

const TARGET: &str = "/scene/fog/density";
const FADER: &str = "/e2e/fader";

/// `MAP` with nothing read-only from the network, so the network may learn.
fn open_map() -> String {
    let open = MAP.replacen(
        "(\n    osc: (",
        "(\n    access: (read_only: []),\n    osc: (",
        1,
    );
    assert_ne!(open, MAP, "MAP's layout changed");
    open
}

fn osc_port(app: &App) -> u16 {
    port(app, |r: &OscServers| r.osc)
}

/// Sends `/control/learn ,s target`.
fn arm(app: &App, target: &str) {
    send(
        osc_port(app),
        &osc(LEARN_ADDRESS, vec![OscType::String(target.into())]),
    );
}

fn learning(app: &App) -> Option<String> {
    app.world()
        .resource::<ControlRuntime>()
        .osc_learning()
        .map(str::to_string)
}

/// A line in the OSC monitor holding `needle`.
fn said(app: &App, needle: &str) -> bool {
    app.world()
        .resource::<ControlRuntime>()
        .inbox
        .lock()
        .monitor(LogKind::Osc, &["osc"])
        .lines
        .iter()
        .any(|l| l.text.contains(needle))
}

fn bound(app: &App, address: &str) -> Option<OscBinding> {
    app.world()
        .resource::<ControlMap>()
        .file
        .osc
        .bindings
        .iter()
        .find(|b| b.address == address)
        .cloned()
}

#[test]
fn the_next_new_address_is_bound_in_force_and_saved_into_the_file() {
    let dir = temp_dir("osc-bind");
    let open = open_map();
    let text = format!("// mine\n{open}");
    let (mut app, path) = app_on_file(&open, &dir, &text);
    arm(&app, TARGET);
    until(&mut app, |a| learning(a).as_deref() == Some(TARGET));
    until(&mut app, |a| {
        get(a, STATUS_LEARNING) == ParamValue::Bool(true)
    });
    let p = osc_port(&app);
    // A bound address and a parameter's own are not learned: they set what they set.
    send(p, &osc("/fader/1", vec![OscType::Float(0.5)]));
    send(p, &osc("/scene/sky/exposure", vec![OscType::Float(7.0)]));
    send(p, &osc(FADER, vec![OscType::Float(0.25)]));
    until(&mut app, |a| bound(a, FADER).is_some());
    assert_eq!(get(&app, "/scene/sky/exposure"), ParamValue::Float(7.0));
    assert_eq!(
        bound(&app, "/fader/1").map(|b| b.target),
        Some("/scene/lights/key/intensity".to_string()),
        "the bound address kept its binding"
    );
    let b = bound(&app, FADER).expect("learned");
    assert_eq!(b.target, TARGET);
    assert!(b.unit_scale, "a fader sending 0..1 drives the whole range");
    assert_eq!(learning(&app), None, "learn is spent");
    until(&mut app, |a| {
        get(a, STATUS_LEARNING) == ParamValue::Bool(false)
    });
    // Saved off the frame, spliced into the user's text.
    wait_saved(&mut app);
    let map = app.world().resource::<ControlMap>();
    assert!(map.save_error.is_none(), "{:?}", map.save_error);
    assert!(map.pending.is_empty(), "{:?}", map.pending);
    let written = std::fs::read_to_string(&path).expect("read");
    assert!(written.starts_with("// mine\n"), "{written}");
    let saved = parse_map_file(&path).expect("saved map parses");
    assert_eq!(
        saved.osc.bindings.iter().find(|b| b.address == FADER),
        Some(&b),
        "{written}"
    );
    assert_eq!(saved.osc.bindings.len(), 2, "{written}");
    // In force: the alias sets the parameter.
    send(p, &osc(FADER, vec![OscType::Float(0.5)]));
    until(&mut app, |a| get(a, TARGET) == ParamValue::Float(0.5));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_learn_for_an_unknown_parameter_is_refused() {
    let mut app = app_with(&open_map(), None);
    arm(&app, "/no/such/parameter");
    send(
        osc_port(&app),
        &osc(LEARN_ADDRESS, vec![OscType::Float(1.0)]),
    );
    until(&mut app, |a| {
        said(a, "`/no/such/parameter` is not a parameter") && said(a, "needs one string argument")
    });
    assert_eq!(learning(&app), None);
    send(osc_port(&app), &osc(FADER, vec![OscType::Float(0.25)]));
    until(&mut app, |a| {
        said(a, &format!("{FADER}: no such parameter"))
    });
    assert_eq!(bound(&app, FADER), None, "nothing was learned");
    assert_eq!(
        app.world().resource::<ControlMap>().file.osc.bindings.len(),
        1
    );
}

#[test]
fn an_armed_learn_expires() {
    let mut app = app_with(&open_map(), None);
    arm(&app, TARGET);
    until(&mut app, |a| learning(a).is_some());
    app.world_mut()
        .resource_mut::<ControlRuntime>()
        .expire_osc_learn_now();
    app.update();
    assert_eq!(learning(&app), None);
    assert!(said(&app, &format!("OSC learn for {TARGET} expired")));
    until(&mut app, |a| {
        get(a, STATUS_LEARNING) == ParamValue::Bool(false)
    });
    send(osc_port(&app), &osc(FADER, vec![OscType::Float(0.25)]));
    until(&mut app, |a| {
        said(a, &format!("{FADER}: no such parameter"))
    });
    assert_eq!(bound(&app, FADER), None, "an expired learn binds nothing");
}

#[test]
fn a_learn_over_a_broken_map_file_stays_in_force_and_pending_until_a_good_load() {
    let dir = temp_dir("osc-broken");
    let open = open_map();
    // The user's edit in progress: a misspelt field.
    let broken = open.replace("(address: \"/fader/1\"", "(adress: \"/fader/1\"");
    assert_ne!(broken, open);
    let (mut app, path) = app_on_file(&open, &dir, &broken);
    arm(&app, TARGET);
    until(&mut app, |a| learning(a).is_some());
    send(osc_port(&app), &osc(FADER, vec![OscType::Float(0.25)]));
    until(&mut app, |a| bound(a, FADER).is_some());
    assert_save_refused(&mut app, &path, &broken);
    {
        let map = app.world().resource::<ControlMap>();
        assert_eq!(map.pending.osc.len(), 1, "the binding waits to be saved");
        assert!(map.pending.midi.is_empty());
    }
    // In force meanwhile.
    send(osc_port(&app), &osc(FADER, vec![OscType::Float(0.5)]));
    until(&mut app, |a| get(a, TARGET) == ParamValue::Float(0.5));
    // Fixed, with a comment of the user's; the next good load of it saves what waits.
    let fixed = format!("// mine\n{open}");
    std::fs::write(&path, &fixed).expect("write");
    app.world_mut().resource_mut::<ControlMap>().loads += 1;
    app.update();
    wait_saved(&mut app);
    let map = app.world().resource::<ControlMap>();
    assert!(map.save_error.is_none(), "{:?}", map.save_error);
    assert!(map.pending.is_empty(), "{:?}", map.pending);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.starts_with("// mine\n"), "{text}");
    let saved = parse_map_file(&path).expect("saved map parses");
    assert!(
        saved
            .osc
            .bindings
            .iter()
            .any(|b| b.address == FADER && b.target == TARGET),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn control_is_read_only_from_the_network_by_default_but_the_operator_can_learn() {
    // `MAP` has no `access` section: the defaults apply.
    let mut app = app_with(MAP, None);
    let refused = |a: &App| a.world().resource::<ControlRuntime>().read_only_refused();
    arm(&app, TARGET);
    until(&mut app, |a| refused(a) == 1);
    assert_eq!(learning(&app), None, "not armed");
    assert!(said(&app, "`/control/` is read-only from the network"));
    until(&mut app, |a| {
        get(a, crate::STATUS_READ_ONLY_REFUSED) == ParamValue::Int(1)
    });
    // The Controls panel arms it: the network's next new address is learned.
    app.world_mut()
        .resource_mut::<ControlRuntime>()
        .arm_osc_learn(TARGET);
    app.update();
    assert_eq!(learning(&app).as_deref(), Some(TARGET));
    send(osc_port(&app), &osc(FADER, vec![OscType::Float(0.25)]));
    until(&mut app, |a| bound(a, FADER).is_some());
    assert_eq!(refused(&app), 1);
}
