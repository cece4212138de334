//! Emissive surfaces that layers, desks and faders drive every frame.
//!
//! A primitive with an emissive strength gets a [`LiveEmissiveMaterial`]: the standard
//! material (emissive white, so its emissive texture still modulates) extended by a storage
//! buffer holding colour × strength. Parameter changes write that buffer in place through
//! [`LiveBuffers`]; the material asset itself never changes after it is spawned.

use bevy::asset::embedded_asset;
use bevy::pbr::{ExtendedMaterial, MaterialExtension};
use bevy::prelude::*;
use bevy::render::render_resource::{AsBindGroup, ShaderType};
use bevy::render::storage::ShaderBuffer;
use bevy::shader::ShaderRef;

use crate::live_buffer::LiveBuffers;

/// A standard material whose emissive comes from a live buffer.
pub type LiveEmissiveMaterial = ExtendedMaterial<StandardMaterial, LiveEmissive>;

/// The extension: binding 100 holds [`LiveEmissiveValues`].
#[derive(Asset, AsBindGroup, Reflect, Debug, Clone)]
pub struct LiveEmissive {
    /// Written in place every frame the value changes.
    #[storage(100, read_only)]
    pub values: Handle<ShaderBuffer>,
}

impl MaterialExtension for LiveEmissive {
    fn fragment_shader() -> ShaderRef {
        "embedded://backlot_scene/emissive/live_emissive.wgsl".into()
    }
}

/// What the shader reads.
#[derive(ShaderType, Debug, Clone, Copy, Default, PartialEq)]
pub struct LiveEmissiveValues {
    /// rgb: linear colour × strength (cd/m²).
    pub emissive: Vec4,
}

/// The live emissive buffer of a spawned entity.
#[derive(Component, Debug, Clone)]
pub struct LiveEmissiveBuffer(pub Handle<ShaderBuffer>);

/// Registers the shader and the material where a renderer runs.
pub(crate) fn build(app: &mut App) {
    if !app.is_plugin_added::<bevy::pbr::PbrPlugin>() {
        return;
    }
    embedded_asset!(app, "live_emissive.wgsl");
    app.add_plugins(MaterialPlugin::<LiveEmissiveMaterial>::default());
}

/// Builds the material for `base` with `emissive` as its first live value.
pub(crate) fn live_material(
    mut base: StandardMaterial,
    emissive: LinearRgba,
    live: &mut LiveBuffers,
    buffers: &mut Assets<ShaderBuffer>,
) -> (LiveEmissiveMaterial, LiveEmissiveBuffer) {
    base.emissive = LinearRgba::WHITE;
    let values = live.create(buffers, &values_of(emissive));
    (
        ExtendedMaterial {
            base,
            extension: LiveEmissive {
                values: values.clone(),
            },
        },
        LiveEmissiveBuffer(values),
    )
}

/// The buffer contents for an emissive colour.
pub(crate) fn values_of(emissive: LinearRgba) -> LiveEmissiveValues {
    LiveEmissiveValues {
        emissive: Vec4::new(emissive.red, emissive.green, emissive.blue, 1.0),
    }
}
