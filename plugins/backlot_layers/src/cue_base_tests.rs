//! Layers over a show's cue: the cue's value is the base the layers modulate, and what the
//! parameter falls back to when the layers let go (the extended arbitration rule).

use backlot_params::{Arbiter, Input, ParamRegistry, ParamValue, Source};

use crate::tests::app;

const KEY: &str = "/scene/lights/key/intensity";

fn value(app: &bevy::prelude::App) -> f32 {
    app.world()
        .resource::<ParamRegistry>()
        .f32_or(KEY, f32::NAN)
}

fn push(app: &mut bevy::prelude::App, value: f32, source: Source) {
    app.world_mut().resource_mut::<Arbiter>().push(Input {
        address: KEY.into(),
        value: ParamValue::Float(value),
        source,
        slew_ms: 0.0,
        priority: 0,
    });
}

fn mute(app: &mut bevy::prelude::App, muted: bool) {
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .set("/layers/add/mute", ParamValue::Bool(muted))
        .expect("the layer's mute");
}

#[test]
fn layers_modulate_a_cue_base_and_hand_back_to_it() {
    // +200 over whatever the base is (0.5 of 0..400, weight 1).
    let mut app = app(
        r#"(layers: [(name: "add", source: Constant(0.5), targets: [Float(param: "/scene/lights/key/intensity", min: 0.0, max: 400.0)], blend: Add)])"#,
    );
    app.update();
    assert_eq!(value(&app), 300.0, "over the scene's 100");
    let cue = Source::Cue("lights/2".into());
    push(&mut app, 1000.0, cue.clone());
    app.update();
    app.update();
    assert_eq!(value(&app), 1200.0, "over the cue's 1000");
    assert_eq!(
        app.world().resource::<Arbiter>().driver(KEY),
        Source::Layers
    );
    // The layer switched off: the cue's value, not the scene's.
    mute(&mut app, true);
    app.update();
    app.update();
    assert_eq!(value(&app), 1000.0);
    assert_eq!(app.world().resource::<Arbiter>().driver(KEY), cue);
    mute(&mut app, false);
    app.update();
    assert_eq!(value(&app), 1200.0);
    // A controller above both; when the operator holds and lets go, the controller again.
    push(&mut app, 50.0, Source::Midi("fader".into()));
    app.update();
    assert_eq!(value(&app), 50.0);
    // The cue list released: the layers over the scene's value once the controller goes.
    app.world_mut()
        .resource_mut::<Arbiter>()
        .forget_later(KEY.into(), Source::Cue("lights/5".into()));
    app.world_mut()
        .resource_mut::<Arbiter>()
        .forget_later(KEY.into(), Source::Midi("fader".into()));
    app.update();
    app.update();
    assert_eq!(value(&app), 300.0);
    assert_eq!(app.world().resource::<Arbiter>().base(KEY), None);
}
