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
    assert_eq!(frame(&mut app, &[]), 0.0, "back to the scene base");
    assert_eq!(frame(&mut app, &[(0.4, Source::Layers)]), 0.4);
    assert_eq!(app.world().resource::<Arbiter>().driver(A), Source::Layers);
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
