use super::*;
use crate::{ParamAddress, ParamSpec, ParamsPlugin};

const A: &str = "/scene/fog/density";

fn app() -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin));
    let spec = ParamSpec::float(ParamAddress::new(A).expect("address"), 0.0, 0.0, 1.0, "");
    let _ = app
        .world_mut()
        .resource_mut::<ParamRegistry>()
        .register(spec);
    app
}

fn frame(app: &mut App, inputs: &[(f32, Source)]) -> f32 {
    for (v, source) in inputs {
        app.world_mut().resource_mut::<Arbiter>().push(Input {
            address: A.into(),
            value: ParamValue::Float(*v),
            source: source.clone(),
            slew_ms: 0.0,
            priority: 0,
        });
    }
    app.update();
    app.world().resource::<ParamRegistry>().f32_or(A, f32::NAN)
}

#[test]
fn each_source_keeps_its_tier() {
    let mut app = app();
    let osc = Source::Osc("desk".into());
    // Layers drive what nobody else does; a cue under them does not.
    assert_eq!(frame(&mut app, &[(0.2, Source::Layers)]), 0.2);
    assert_eq!(frame(&mut app, &[(0.9, Source::Cue("intro".into()))]), 0.2);
    // A controller takes it; the layers' values no longer land.
    assert_eq!(frame(&mut app, &[(0.5, osc.clone())]), 0.5);
    assert_eq!(frame(&mut app, &[(0.3, Source::Layers)]), 0.5);
    // Tracking is a controller too: the most recent controller wins.
    let tracker = Source::Tracking("camera 1".into());
    assert_eq!(frame(&mut app, &[(0.6, tracker)]), 0.6);
    // The operator holds over everything until released.
    app.world_mut()
        .resource_mut::<Arbiter>()
        .hold(A, ParamValue::Float(0.8));
    assert_eq!(
        frame(&mut app, &[(0.1, osc.clone()), (0.3, Source::Layers)]),
        0.8
    );
    app.world_mut().resource_mut::<Arbiter>().release(A);
    assert_eq!(
        frame(&mut app, &[]),
        0.1,
        "the newest controller value again"
    );
    // The controller lets go (DMX loss with Release): the layers drive again.
    let driver = app.world().resource::<Arbiter>().driver(A);
    app.world_mut()
        .resource_mut::<Arbiter>()
        .forget_later(A.into(), driver);
    assert_eq!(frame(&mut app, &[]), 0.9, "back to the cue's base");
    assert_eq!(frame(&mut app, &[(0.4, Source::Layers)]), 0.4);
    assert_eq!(app.world().resource::<Arbiter>().driver(A), Source::Layers);
}

#[test]
fn a_cue_sets_the_base_that_layers_modulate_and_controllers_fall_back_to() {
    let mut app = app();
    let cue = Source::Cue("lights/2".into());
    let arbiter = |app: &App| app.world().resource::<Arbiter>().base(A).cloned();
    // Nothing else drives it: the cue's value shows, and is the base.
    assert_eq!(frame(&mut app, &[(0.6, cue.clone())]), 0.6);
    assert_eq!(arbiter(&app), Some(ParamValue::Float(0.6)));
    // The layers drive it: a cue's new value does not show but becomes their base.
    assert_eq!(frame(&mut app, &[(0.7, Source::Layers)]), 0.7);
    assert_eq!(frame(&mut app, &[(0.3, cue.clone())]), 0.7);
    assert_eq!(arbiter(&app), Some(ParamValue::Float(0.3)));
    // The layers let go (a layer switched off): the base, not the scene's 0.
    app.world_mut()
        .resource_mut::<Arbiter>()
        .forget_later(A.into(), Source::Layers);
    assert_eq!(frame(&mut app, &[]), 0.3);
    assert_eq!(app.world().resource::<Arbiter>().driver(A), cue);
    // A controller and the operator above it; a held cue change still moves the base.
    let osc = Source::Osc("desk".into());
    assert_eq!(frame(&mut app, &[(0.5, osc.clone())]), 0.5);
    app.world_mut()
        .resource_mut::<Arbiter>()
        .hold(A, ParamValue::Float(1.0));
    assert_eq!(
        frame(&mut app, &[(0.2, Source::Cue("lights/3".into()))]),
        1.0
    );
    assert_eq!(arbiter(&app), Some(ParamValue::Float(0.2)));
    // Released: the controller's newest value; the controller lost: the cue's base.
    app.world_mut().resource_mut::<Arbiter>().release(A);
    assert_eq!(frame(&mut app, &[]), 0.5);
    app.world_mut()
        .resource_mut::<Arbiter>()
        .forget_later(A.into(), osc);
    assert_eq!(frame(&mut app, &[]), 0.2);
    // The list releases (whichever of its cues played the value last): the scene's value.
    app.world_mut()
        .resource_mut::<Arbiter>()
        .forget_later(A.into(), Source::Cue("lights/9".into()));
    assert_eq!(frame(&mut app, &[]), 0.0);
    assert_eq!(arbiter(&app), None);
    assert_eq!(app.world().resource::<Arbiter>().driver(A), Source::Scene);
}

#[test]
fn releasing_an_override_with_no_controller_under_it_gives_the_cue_base() {
    let mut app = app();
    assert_eq!(frame(&mut app, &[(0.4, Source::Cue("bg/1".into()))]), 0.4);
    app.world_mut()
        .resource_mut::<Arbiter>()
        .hold(A, ParamValue::Float(0.9));
    assert_eq!(frame(&mut app, &[]), 0.9);
    app.world_mut().resource_mut::<Arbiter>().release(A);
    assert_eq!(frame(&mut app, &[]), 0.4);
    assert_eq!(
        app.world().resource::<Arbiter>().driver(A),
        Source::Cue("bg/1".into())
    );
}

#[test]
fn a_cluster_primary_value_is_exact_over_holds_and_controllers() {
    let mut app = app();
    let primary = Source::Cluster("a".into());
    app.world_mut()
        .resource_mut::<Arbiter>()
        .hold(A, ParamValue::Float(0.8));
    // Whatever else arrives on a render node, the primary's resolved value is shown.
    assert_eq!(
        frame(
            &mut app,
            &[(0.1, Source::Osc("desk".into())), (0.25, primary.clone())]
        ),
        0.25
    );
    assert!(!app.world().resource::<Arbiter>().held(A));
    assert_eq!(app.world().resource::<Arbiter>().driver(A), primary);
    assert_eq!(primary.tier(), 5);
}
