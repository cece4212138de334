//! The registry clamps and coerces what sources set, refuses bad writes with their reason,
//! reports changes by generation, and keeps live values across a reload.

use super::*;
use crate::ParamKind;
use proptest::prelude::*;

fn addr(s: &str) -> ParamAddress {
    ParamAddress::new(s).unwrap()
}

fn registry() -> ParamRegistry {
    let mut r = ParamRegistry::default();
    r.register(ParamSpec::float(
        addr("/scene/lights/key/intensity"),
        1000.0,
        0.0,
        5000.0,
        "lm",
    ))
    .unwrap();
    r.register(ParamSpec::color(
        addr("/scene/lights/key/color"),
        [1.0, 0.5, 0.2],
    ))
    .unwrap();
    r.register(ParamSpec::bool(addr("/scene/entities/rock/visible"), true))
        .unwrap();
    r.register(ParamSpec::new(
        addr("/scene/mode"),
        ParamKind::Enum(vec!["day".into(), "night".into()]),
        ParamValue::Enum("day".into()),
    ))
    .unwrap();
    r.register(ParamSpec::float(addr("/status/fps"), 0.0, 0.0, 1000.0, "Hz").read_only())
        .unwrap();
    r
}

#[test]
fn set_clamps_and_coerces() {
    let mut r = registry();
    assert_eq!(
        r.set("/scene/lights/key/intensity", ParamValue::Float(9000.0)),
        Ok(ParamValue::Float(5000.0))
    );
    assert_eq!(
        r.set("/scene/lights/key/intensity", ParamValue::Int(-3)),
        Ok(ParamValue::Float(0.0))
    );
    assert_eq!(
        r.set(
            "/scene/lights/key/color",
            ParamValue::Vec3([2.0, -1.0, 0.5])
        ),
        Ok(ParamValue::Color([1.0, 0.0, 0.5]))
    );
    assert_eq!(
        r.set("/scene/entities/rock/visible", ParamValue::Float(0.0)),
        Ok(ParamValue::Bool(false))
    );
    assert_eq!(
        r.get("/scene/entities/rock/visible"),
        Ok(&ParamValue::Bool(false))
    );
}

#[test]
fn bad_sets_are_errors_not_panics() {
    let mut r = registry();
    assert!(matches!(
        r.set("/nope", ParamValue::Float(1.0)),
        Err(ParamError::UnknownAddress(_))
    ));
    assert!(matches!(
        r.set("/scene/lights/key/color", ParamValue::Bool(true)),
        Err(ParamError::WrongType { .. })
    ));
    assert!(matches!(
        r.set("/scene/lights/key/intensity", ParamValue::Float(f32::NAN)),
        Err(ParamError::NotFinite(_))
    ));
    assert!(matches!(
        r.set("/scene/mode", ParamValue::Enum("dusk".into())),
        Err(ParamError::UnknownOption { .. })
    ));
    assert!(matches!(
        r.set("/status/fps", ParamValue::Float(3.0)),
        Err(ParamError::ReadOnly(_))
    ));
    assert_eq!(
        r.set_status("/status/fps", ParamValue::Float(3.0)),
        Ok(ParamValue::Float(3.0))
    );
    assert!(matches!(
        r.register(ParamSpec::bool(addr("/scene/entities/rock/visible"), true)),
        Err(ParamError::Duplicate(_))
    ));
}

#[test]
fn changes_are_seen_once_by_generation() {
    let mut r = registry();
    let seen = r.generation();
    assert_eq!(r.changed_since(seen).count(), 0);
    r.set("/scene/lights/key/intensity", ParamValue::Float(10.0))
        .unwrap();
    let changed: Vec<_> = r
        .changed_since(seen)
        .map(|e| e.spec.address.to_string())
        .collect();
    assert_eq!(changed, vec!["/scene/lights/key/intensity"]);
    // Setting the same value again is not a change.
    let seen = r.generation();
    r.set("/scene/lights/key/intensity", ParamValue::Float(10.0))
        .unwrap();
    assert_eq!(r.changed_since(seen).count(), 0);
}

#[test]
fn addresses_generation_moves_with_addresses_not_values() {
    let mut r = registry();
    let seen = r.addresses_generation();
    r.set("/scene/lights/key/intensity", ParamValue::Float(10.0))
        .expect("a value");
    assert_eq!(r.addresses_generation(), seen);
    r.register(ParamSpec::bool(addr("/scene/entities/tree/visible"), true))
        .expect("a new address");
    let registered = r.addresses_generation();
    assert_ne!(registered, seen);
    r.replace_under("/scene/entities", vec![]);
    assert_ne!(r.addresses_generation(), registered);
}

#[test]
fn replace_keeps_live_values_unless_default_changed() {
    let mut r = registry();
    r.set("/scene/lights/key/intensity", ParamValue::Float(42.0))
        .unwrap();
    r.set(
        "/scene/lights/key/color",
        ParamValue::Color([0.0, 0.0, 1.0]),
    )
    .unwrap();
    let removed = r.replace_under(
        "/scene/lights",
        vec![
            ParamSpec::float(
                addr("/scene/lights/key/intensity"),
                1000.0,
                0.0,
                5000.0,
                "lm",
            ),
            ParamSpec::color(addr("/scene/lights/key/color"), [0.0, 1.0, 0.0]),
            ParamSpec::float(addr("/scene/lights/fill/intensity"), 5.0, 0.0, 10.0, "lm"),
        ],
    );
    assert!(removed.is_empty());
    assert_eq!(
        r.get("/scene/lights/key/intensity"),
        Ok(&ParamValue::Float(42.0))
    );
    assert_eq!(
        r.get("/scene/lights/key/color"),
        Ok(&ParamValue::Color([0.0, 1.0, 0.0]))
    );
    assert_eq!(
        r.get("/scene/lights/fill/intensity"),
        Ok(&ParamValue::Float(5.0))
    );
    let removed = r.replace_under("/scene/lights", vec![]);
    assert_eq!(removed.len(), 3);
    assert!(r.get("/scene/entities/rock/visible").is_ok());
}

proptest! {
    #[test]
    fn any_float_set_lands_in_range(v in proptest::num::f32::ANY) {
        let mut r = registry();
        match r.set("/scene/lights/key/intensity", ParamValue::Float(v)) {
            Ok(ParamValue::Float(x)) => prop_assert!((0.0..=5000.0).contains(&x)),
            Ok(other) => prop_assert!(false, "unexpected {other:?}"),
            Err(e) => prop_assert!(!v.is_finite(), "finite {v} refused: {e}"),
        }
    }

    #[test]
    fn arbitrary_addresses_never_panic(s in ".{0,40}") {
        let mut r = registry();
        let _ = r.set(&s, ParamValue::Float(1.0));
        let _ = ParamAddress::new(s);
    }
}
