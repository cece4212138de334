//! Generative visual layers: a shader-driven element drawn over a scene entity's surface,
//! with its own parameters (opacity, level, speed, colours, brightness) that layers, MIDI
//! faders and desks drive like any other.

use backlot_params::{ParamAddress, ParamRegistry, ParamSpec};
use backlot_scene::{LiveBuffers, SceneIndex};
use bevy::asset::embedded_asset;
use bevy::prelude::*;
use bevy::render::render_resource::{AsBindGroup, ShaderType};
use bevy::render::storage::ShaderBuffer;
use bevy::shader::ShaderRef;

use crate::format::{VisualDef, VisualKind};

/// Values the shader reads, written in place each frame through [`LiveBuffers`].
#[derive(ShaderType, Debug, Clone, Default, PartialEq)]
pub struct GenerativeUniform {
    /// rgb linear, a: brightness.
    pub color_a: Vec4,
    /// rgb linear.
    pub color_b: Vec4,
    /// unused (time comes from the view globals), level, opacity, kind.
    pub params: Vec4,
    /// Performer position and presence.
    pub performer: Vec4,
    /// x: speed.
    pub extra: Vec4,
}

/// The material. It never changes after it is spawned: animated values live in `params`,
/// a buffer written in place (changing the asset every frame leaked a bind group per frame).
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub struct GenerativeMaterial {
    /// Holds a [`GenerativeUniform`].
    #[storage(0, read_only)]
    pub params: Handle<ShaderBuffer>,
    /// Additive or alpha-blended.
    pub alpha: AlphaMode,
}

impl Material for GenerativeMaterial {
    fn fragment_shader() -> ShaderRef {
        "embedded://backlot_layers/visuals/generative.wgsl".into()
    }

    fn alpha_mode(&self) -> AlphaMode {
        self.alpha
    }

    fn enable_prepass() -> bool {
        false
    }

    fn enable_shadows() -> bool {
        false
    }
}

/// A spawned visual overlay.
#[derive(Component, Debug, Clone)]
pub struct VisualOverlay {
    /// Its name.
    pub name: String,
    /// Kind.
    pub kind: VisualKind,
    /// The performer it follows.
    pub performer: Option<u32>,
}

/// Registers the shader and the material.
pub(crate) fn build(app: &mut App) {
    embedded_asset!(app, "generative.wgsl");
    app.add_plugins(MaterialPlugin::<GenerativeMaterial>::default());
}

/// Parameters of one visual.
pub fn visual_specs(v: &VisualDef) -> Vec<ParamSpec> {
    let a = |leaf: &str| {
        ParamAddress::from_segments_lossy(["layers", "visuals", v.name.0.as_str(), leaf])
    };
    vec![
        ParamSpec::float(a("opacity"), 1.0, 0.0, 1.0, "")
            .with_description("How strongly the visual shows over the surface"),
        ParamSpec::float(a("level"), 0.0, 0.0, 1.0, "")
            .with_description("Activity, usually driven by a layer"),
        ParamSpec::float(a("speed"), 1.0, 0.0, 4.0, "").with_description("Animation speed"),
        ParamSpec::float(a("brightness"), v.brightness, 0.0, 100.0, "cd/m2"),
        ParamSpec::color(a("color_a"), v.color_a),
        ParamSpec::color(a("color_b"), v.color_b),
    ]
}

/// Spawns overlays for visuals whose entity exists and has no overlay yet (after scene
/// reloads too).
#[allow(clippy::too_many_arguments)]
pub(crate) fn spawn_overlays(
    mut commands: Commands,
    visuals: Res<crate::state::LayersState>,
    index: Option<Res<SceneIndex>>,
    meshes: Query<&Mesh3d>,
    existing: Query<(Entity, &VisualOverlay, &ChildOf)>,
    mut materials: Option<ResMut<Assets<GenerativeMaterial>>>,
    mut buffers: Option<ResMut<Assets<ShaderBuffer>>>,
    mut live: ResMut<LiveBuffers>,
) {
    let (Some(index), Some(materials), Some(buffers)) =
        (index, materials.as_mut(), buffers.as_mut())
    else {
        return;
    };
    for v in &visuals.file.visuals {
        let Some(&target) = index.by_name.get(&v.entity) else {
            continue;
        };
        if existing
            .iter()
            .any(|(_, o, parent)| o.name == v.name.0 && parent.parent() == target)
        {
            continue;
        }
        for (e, o, _) in existing.iter().filter(|(_, o, _)| o.name == v.name.0) {
            let _ = o;
            commands.entity(e).despawn();
        }
        let Ok(mesh) = meshes.get(target) else {
            warn!(
                "visual `{}`: entity `{}` has no mesh to draw on",
                v.name, v.entity
            );
            continue;
        };
        let alpha = match v.blend {
            crate::format::VisualBlend::Add => AlphaMode::Add,
            crate::format::VisualBlend::Alpha => AlphaMode::Blend,
        };
        let material = materials.add(GenerativeMaterial {
            params: live.create(buffers, &GenerativeUniform::default()),
            alpha,
        });
        let child = commands
            .spawn((
                Name::new(format!("visual {}", v.name)),
                VisualOverlay {
                    name: v.name.0.clone(),
                    kind: v.kind,
                    performer: v.performer,
                },
                Mesh3d(mesh.0.clone()),
                MeshMaterial3d(material),
                // Just in front of the surface so it never fights it for depth.
                Transform::from_scale(Vec3::splat(1.002)),
            ))
            .id();
        commands.entity(target).add_child(child);
    }
}

/// Feeds parameters and the performer to each overlay's live buffer.
pub(crate) fn update_overlays(
    registry: Res<ParamRegistry>,
    state: Res<crate::state::LayersState>,
    overlays: Query<(&VisualOverlay, &MeshMaterial3d<GenerativeMaterial>)>,
    materials: Option<Res<Assets<GenerativeMaterial>>>,
    mut live: ResMut<LiveBuffers>,
) {
    let Some(materials) = materials else {
        return;
    };
    for (o, handle) in &overlays {
        let get = |leaf: &str| {
            registry
                .get(&format!("/layers/visuals/{}/{leaf}", o.name))
                .ok()
                .cloned()
        };
        let f = |leaf: &str, d: f32| get(leaf).and_then(|v| v.as_f32()).unwrap_or(d);
        let c = |leaf: &str| {
            let [r, g, b] = get(leaf).and_then(|v| v.as_vec3()).unwrap_or([1.0; 3]);
            let l = Color::srgb(r, g, b).to_linear();
            Vec3::new(l.red, l.green, l.blue)
        };
        let kind = match o.kind {
            VisualKind::Gradient => 0.0,
            VisualKind::NoiseField => 1.0,
            VisualKind::Particles => 2.0,
        };
        let performer = o
            .performer
            .and_then(|id| state.performer(id))
            .map_or(Vec4::ZERO, |(p, present)| p.extend(present));
        // Read-only access: `get_mut` would make Bevy re-prepare the material every frame.
        if let Some(m) = materials.get(&handle.0) {
            let values = GenerativeUniform {
                color_a: c("color_a").extend(f("brightness", 4.0)),
                color_b: c("color_b").extend(0.0),
                params: Vec4::new(0.0, f("level", 0.0), f("opacity", 1.0), kind),
                performer,
                extra: Vec4::new(f("speed", 1.0), 0.0, 0.0, 0.0),
            };
            live.write(&m.params, &values);
        }
    }
}
