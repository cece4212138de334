//! The per-frame uniform: each camera's grade lands in its inner slot, each output's grade
//! in its outer slot, and the chosen calibration patch as the signal to show.

use backlot_params::{ParamRegistry, ParamValue};
use backlot_scene::LiveBuffers;
use bevy::prelude::*;
use bevy::render::render_resource::encase::StorageBuffer;
use bevy::render::storage::ShaderBuffer;

use crate::format::parse_stage;
use crate::grade::Grade;
use crate::params::stage_param_specs;
use crate::state::{CalibrationPatches, CameraRuntime, OutputRuntime, StageRuntime};
use crate::uniforms::update_stage;
use crate::warp::{GradeUniform, WarpUniform};

const STAGE: &str = "(sections: [(name: \"wall\", shape: Flat(lower_left: (-1.0, 0.0, -3.0), lower_right: (1.0, 0.0, -3.0), upper_left: (-1.0, 1.0, -3.0)), cabinet: (size_mm: (500.0, 500.0), pixels: (10, 10)))],
    outputs: [(name: \"o\", canvas: (40, 20), regions: [(section: \"wall\")])],
    cameras: [(id: 1, lens: Fov(40.0))])";

/// An app running only `update_stage` over one camera and one output, built by hand; the
/// output's uniform buffer handle.
fn app() -> (App, Handle<ShaderBuffer>) {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .init_resource::<LiveBuffers>()
        .init_resource::<Assets<Image>>()
        .init_resource::<Assets<ShaderBuffer>>()
        .insert_resource(CalibrationPatches(vec![[0.0, 0.0, 0.0], [0.25, 0.5, 0.75]]))
        .add_systems(Update, update_stage);
    let file = parse_stage(STAGE, "t.stage.ron", None).unwrap_or_else(|e| panic!("{e}"));
    let mut registry = ParamRegistry::default();
    registry.replace_under("/stage", stage_param_specs(&file));
    app.insert_resource(registry);
    let world = app.world_mut();
    let params = world.resource_scope(|world, mut buffers: Mut<Assets<ShaderBuffer>>| {
        world
            .resource_mut::<LiveBuffers>()
            .create(&mut buffers, &WarpUniform::default())
    });
    let entity = world
        .spawn((Transform::default(), Projection::default()))
        .id();
    world.insert_resource(StageRuntime {
        outputs: vec![OutputRuntime {
            name: "o".into(),
            image: Handle::default(),
            _material: Handle::default(),
            params: params.clone(),
            window: None,
            transfer: crate::format::Transfer::Srgb,
            grade_lut: Some(1),
        }],
        cameras: vec![CameraRuntime {
            id: 1,
            entity,
            image: Handle::default(),
            reference: None,
            aspect: 16.0 / 9.0,
            chroma: [0.0, 1.0, 0.0],
            markers: 0.0,
            adaptive_max: None,
            size: UVec2::new(1920, 1080),
            grade_lut: None,
        }],
        ..default()
    });
    (app, params)
}

fn set(app: &mut App, address: &str, value: ParamValue) {
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .set(address, value)
        .unwrap_or_else(|e| panic!("{address}: {e}"));
}

fn uniform(app: &mut App, params: &Handle<ShaderBuffer>) -> WarpUniform {
    app.update();
    let bytes = app
        .world()
        .resource::<LiveBuffers>()
        .bytes(params)
        .expect("the output's buffer")
        .to_vec();
    StorageBuffer::new(bytes)
        .create::<WarpUniform>()
        .expect("a whole uniform")
}

#[test]
fn neutral_grades_leave_the_maths_off() {
    let (mut app, params) = app();
    let u = uniform(&mut app, &params);
    assert_eq!(
        u.inner_grade[0].tone.z, 0.0,
        "neutral camera grade runs no maths"
    );
    assert_eq!(
        u.outer_grade.tone.z, 0.0,
        "neutral output grade runs no maths"
    );
    // The output's look LUT is layer 1 of the grade LUT texture: layer + 1 in the uniform.
    assert_eq!(u.outer_grade.tone.w, 2.0);
    assert_eq!(u.inner_grade[0].tone.w, 0.0);
}

#[test]
fn each_grade_reaches_its_own_slot() {
    let (mut app, params) = app();
    set(
        &mut app,
        "/stage/cameras/1/grade/exposure",
        ParamValue::Float(2.0),
    );
    set(
        &mut app,
        "/stage/outputs/o/grade/kelvin",
        ParamValue::Float(3200.0),
    );
    set(
        &mut app,
        "/stage/outputs/o/grade/gamma",
        ParamValue::Vec3([1.0, 2.0, 1.0]),
    );
    let u = uniform(&mut app, &params);
    let inner = Grade {
        exposure: 2.0,
        ..Grade::NEUTRAL
    };
    assert_eq!(
        u.inner_grade[0],
        GradeUniform::new(&inner.coefficients(), None)
    );
    assert_eq!(u.inner_grade[0].rows[0].x, 4.0, "two stops is ×4");
    let outer = Grade {
        kelvin: 3200.0,
        gamma: [1.0, 2.0, 1.0],
        ..Grade::NEUTRAL
    };
    assert_eq!(
        u.outer_grade,
        GradeUniform::new(&outer.coefficients(), Some(1))
    );
    // The other camera slots stay empty.
    assert_eq!(u.inner_grade[1], GradeUniform::default());
}

#[test]
fn the_chosen_patch_is_the_calibration_signal() {
    let (mut app, params) = app();
    set(
        &mut app,
        "/stage/outputs/o/pattern",
        ParamValue::Enum("calibration".into()),
    );
    set(&mut app, "/stage/outputs/o/patch", ParamValue::Int(1));
    let u = uniform(&mut app, &params);
    assert_eq!(u.pattern.x, 9.0);
    assert_eq!(u.calibration.truncate(), Vec3::new(0.25, 0.5, 0.75));
    // Past the end of the list: black, never another patch.
    set(&mut app, "/stage/outputs/o/patch", ParamValue::Int(7));
    let u = uniform(&mut app, &params);
    assert_eq!(u.calibration.truncate(), Vec3::ZERO);
    // The app may fill the list after the stage loaded.
    app.insert_resource(CalibrationPatches(
        (0..8).map(|i| [i as f32 / 8.0; 3]).collect(),
    ));
    let u = uniform(&mut app, &params);
    assert_eq!(u.calibration.truncate(), Vec3::splat(7.0 / 8.0));
}
