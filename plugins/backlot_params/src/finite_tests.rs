//! No NaN or infinity becomes a live value: not from a default, not from a write, not
//! through the arbiter; each refusal is counted.

use bevy::prelude::*;

use crate::{Arbiter, Input, ParamAddress, ParamError, ParamRegistry, ParamSpec, ParamValue};
use crate::{ParamKind, ParamsPlugin, Source};

fn addr(s: &str) -> ParamAddress {
    ParamAddress::new(s).expect("address")
}

#[test]
fn non_finite_defaults_are_refused_and_counted() {
    let mut r = ParamRegistry::default();
    let nan = ParamSpec::float(addr("/a"), f32::NAN, 0.0, 1.0, "");
    assert!(matches!(r.register(nan), Err(ParamError::NotFinite(_))));
    let inf = ParamSpec::vec3(addr("/b"), [0.0, f32::INFINITY, 0.0], -10.0, 10.0, "m");
    assert!(matches!(r.register(inf), Err(ParamError::NotFinite(_))));
    let colour = ParamSpec::color(addr("/c"), [f32::NEG_INFINITY, 0.0, 0.0]);
    assert!(matches!(r.register(colour), Err(ParamError::NotFinite(_))));
    let nan_range = ParamSpec::float(addr("/d"), 0.5, 0.0, 1.0, "").with_range(f32::NAN, f32::NAN);
    assert!(matches!(
        r.register(nan_range),
        Err(ParamError::NotFinite(_))
    ));
    assert_eq!(r.rejected_non_finite(), 4);
    assert!(r.is_empty(), "nothing was registered");
}

#[test]
fn out_of_range_defaults_are_clamped_and_wrong_types_refused() {
    let mut r = ParamRegistry::default();
    r.register(ParamSpec::float(addr("/f"), 9.0, 0.0, 1.0, ""))
        .expect("clamped, not refused");
    assert_eq!(r.get("/f"), Ok(&ParamValue::Float(1.0)));
    assert_eq!(
        r.entry("/f").map(|e| e.spec.default.clone()),
        Some(ParamValue::Float(1.0)),
        "the default is the clamped value, so a reset lands in range"
    );
    r.register(ParamSpec::vec3(
        addr("/v"),
        [-50.0, 0.5, 50.0],
        -1.0,
        1.0,
        "m",
    ))
    .expect("clamped");
    assert_eq!(r.get("/v"), Ok(&ParamValue::Vec3([-1.0, 0.5, 1.0])));
    let wrong = ParamSpec::new(addr("/w"), ParamKind::Color, ParamValue::Bool(true));
    assert!(matches!(
        r.register(wrong),
        Err(ParamError::WrongType { .. })
    ));
    assert_eq!(r.rejected_non_finite(), 0, "only non-finite refusals count");
}

#[test]
fn a_reload_leaves_out_a_non_finite_default() {
    let mut r = ParamRegistry::default();
    r.register(ParamSpec::float(addr("/scene/a"), 0.5, 0.0, 1.0, ""))
        .expect("register");
    let removed = r.replace_under(
        "/scene",
        vec![
            ParamSpec::float(addr("/scene/a"), f32::NAN, 0.0, 1.0, ""),
            ParamSpec::float(addr("/scene/b"), 2.0, 0.0, 1.0, ""),
        ],
    );
    assert_eq!(removed, vec![addr("/scene/a")]);
    assert!(r.get("/scene/a").is_err());
    assert_eq!(r.get("/scene/b"), Ok(&ParamValue::Float(1.0)));
    assert_eq!(r.rejected_non_finite(), 1);
}

#[test]
fn non_finite_writes_are_refused_and_counted() {
    let mut r = ParamRegistry::default();
    r.register(ParamSpec::float(addr("/f"), 0.5, 0.0, 1.0, ""))
        .expect("register");
    r.register(ParamSpec::color(addr("/c"), [1.0, 1.0, 1.0]))
        .expect("register");
    r.register(ParamSpec::vec3(addr("/v"), [0.0; 3], -1.0, 1.0, "m"))
        .expect("register");
    assert!(matches!(
        r.set("/f", ParamValue::Float(f32::INFINITY)),
        Err(ParamError::NotFinite(_))
    ));
    assert!(matches!(
        r.set("/c", ParamValue::Color([0.0, f32::NAN, 0.0])),
        Err(ParamError::NotFinite(_))
    ));
    assert!(matches!(
        r.set("/v", ParamValue::Vec3([0.0, 0.0, f32::NEG_INFINITY])),
        Err(ParamError::NotFinite(_))
    ));
    assert_eq!(r.rejected_non_finite(), 3);
    assert_eq!(
        r.get("/f"),
        Ok(&ParamValue::Float(0.5)),
        "the old value stands"
    );
    assert_eq!(r.get("/c"), Ok(&ParamValue::Color([1.0, 1.0, 1.0])));
    // A wrong type is refused but is not a non-finite number.
    assert!(r.set("/f", ParamValue::Enum("x".into())).is_err());
    assert_eq!(r.rejected_non_finite(), 3);
}

#[test]
fn the_arbiter_refuses_and_counts_a_nan_input() {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin));
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .register(ParamSpec::float(addr("/f"), 0.5, 0.0, 1.0, ""))
        .expect("register");
    for value in [f32::NAN, 0.25] {
        app.world_mut().resource_mut::<Arbiter>().push(Input {
            address: "/f".into(),
            value: ParamValue::Float(value),
            source: Source::Osc("desk".into()),
            slew_ms: 0.0,
            priority: 0,
        });
        app.update();
    }
    let registry = app.world().resource::<ParamRegistry>();
    assert_eq!(registry.get("/f"), Ok(&ParamValue::Float(0.25)));
    assert_eq!(registry.rejected_non_finite(), 1);
    assert_eq!(app.world().resource::<Arbiter>().refused, 1);
}
