//! Values that change every frame, written in place into GPU buffers a material binds once.
//!
//! Changing a material asset (`Assets::get_mut`) makes Bevy re-prepare it: a new uniform
//! buffer and bind group per material per frame (and, for bindless materials, a rebuilt slab
//! bind group). Driving emissive strength and generative visuals that way grew backlot's
//! memory by about a megabyte per rendered frame (upstream: bevy#18882, #19035). Animated
//! values instead live in a [`ShaderBuffer`] that the material binds when it is created;
//! each frame the new bytes are copied into that same GPU buffer with
//! `RenderQueue::write_buffer`, and no asset changes version. Assets change only when
//! something structural does (a scene reload, a new output).

use bevy::asset::RenderAssetUsages;
use bevy::platform::collections::HashMap;
use bevy::prelude::*;
use bevy::render::render_asset::RenderAssets;
use bevy::render::render_resource::encase::StorageBuffer;
use bevy::render::render_resource::encase::internal::WriteInto;
use bevy::render::render_resource::{BufferId, ShaderType};
use bevy::render::renderer::RenderQueue;
use bevy::render::storage::{GpuShaderBuffer, ShaderBuffer};
use bevy::render::{Extract, ExtractSchedule, Render, RenderApp, RenderSystems};

/// Registers [`LiveBuffers`] and, where a renderer runs, its per-frame upload.
pub struct LiveBufferPlugin;

impl Plugin for LiveBufferPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<LiveBuffers>()
            .add_systems(Last, forget_dropped_buffers);
        let Some(render_app) = app.get_sub_app_mut(RenderApp) else {
            return;
        };
        render_app
            .init_resource::<RenderLiveBuffers>()
            .add_systems(ExtractSchedule, extract_live_buffers)
            .add_systems(
                Render,
                upload_live_buffers.in_set(RenderSystems::PrepareResources),
            );
    }
}

/// The bytes of every live buffer, as last written this or an earlier frame.
#[derive(Resource, Default, Debug)]
pub struct LiveBuffers {
    entries: HashMap<AssetId<ShaderBuffer>, LiveEntry>,
    scratch: Vec<u8>,
    writes: u64,
}

#[derive(Default, Debug)]
struct LiveEntry {
    bytes: Vec<u8>,
    version: u64,
}

impl LiveBuffers {
    /// Adds a GPU-only buffer holding `value`; later values go through [`LiveBuffers::write`].
    pub fn create<T: ShaderType + WriteInto>(
        &mut self,
        buffers: &mut Assets<ShaderBuffer>,
        value: &T,
    ) -> Handle<ShaderBuffer> {
        let mut bytes = Vec::new();
        encode(value, &mut bytes);
        let handle = buffers.add(ShaderBuffer::new(&bytes, RenderAssetUsages::RENDER_WORLD));
        self.entries
            .insert(handle.id(), LiveEntry { bytes, version: 0 });
        handle
    }

    /// Sets the buffer's contents for this frame; an unchanged value costs no upload.
    pub fn write<T: ShaderType + WriteInto>(
        &mut self,
        id: impl Into<AssetId<ShaderBuffer>>,
        value: &T,
    ) {
        let mut scratch = std::mem::take(&mut self.scratch);
        encode(value, &mut scratch);
        let entry = self.entries.entry(id.into()).or_default();
        if entry.bytes != scratch {
            std::mem::swap(&mut entry.bytes, &mut scratch);
            entry.version += 1;
            self.writes += 1;
        }
        self.scratch = scratch;
    }

    /// The bytes last written to a buffer.
    pub fn bytes(&self, id: impl Into<AssetId<ShaderBuffer>>) -> Option<&[u8]> {
        self.entries.get(&id.into()).map(|e| e.bytes.as_slice())
    }

    /// How many live buffers exist.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Changed values written since start (each one GPU copy).
    pub fn writes(&self) -> u64 {
        self.writes
    }
}

/// Encodes with the storage layout, reusing `out`'s allocation.
fn encode<T: ShaderType + WriteInto>(value: &T, out: &mut Vec<u8>) {
    out.clear();
    let mut buffer = StorageBuffer::new(std::mem::take(out));
    // Writing into a growable Vec cannot run out of room.
    if let Err(e) = buffer.write(value) {
        error!("live buffer: encoding failed: {e}");
    }
    *out = buffer.into_inner();
}

/// Drops entries whose buffer asset is gone (its material was dropped), so the map follows
/// the scene's size through any number of reloads.
fn forget_dropped_buffers(
    mut live: ResMut<LiveBuffers>,
    buffers: Option<Res<Assets<ShaderBuffer>>>,
) {
    let Some(buffers) = buffers else {
        return;
    };
    if live.entries.keys().any(|id| !buffers.contains(*id)) {
        live.entries.retain(|id, _| buffers.contains(*id));
    }
}

/// Render-world copy of [`LiveBuffers`], with what each GPU buffer holds.
#[derive(Resource, Default)]
struct RenderLiveBuffers {
    entries: HashMap<AssetId<ShaderBuffer>, RenderEntry>,
}

#[derive(Default)]
struct RenderEntry {
    bytes: Vec<u8>,
    version: u64,
    /// The buffer and version last uploaded.
    uploaded: Option<(BufferId, u64)>,
}

fn extract_live_buffers(main: Extract<Res<LiveBuffers>>, mut render: ResMut<RenderLiveBuffers>) {
    render.entries.retain(|id, _| main.entries.contains_key(id));
    for (id, entry) in &main.entries {
        let r = render.entries.entry(*id).or_default();
        if r.version != entry.version || r.bytes.len() != entry.bytes.len() {
            r.bytes.clear();
            r.bytes.extend_from_slice(&entry.bytes);
            r.version = entry.version;
        }
    }
}

fn upload_live_buffers(
    mut render: ResMut<RenderLiveBuffers>,
    gpu: Res<RenderAssets<GpuShaderBuffer>>,
    queue: Res<RenderQueue>,
) {
    for (id, entry) in &mut render.entries {
        // Not prepared yet: try again next frame.
        let Some(buffer) = gpu.get(*id) else {
            continue;
        };
        let target = (buffer.buffer.id(), entry.version);
        if entry.uploaded == Some(target) {
            continue;
        }
        if buffer.buffer.size() < entry.bytes.len() as u64 {
            error!(
                "live buffer {id}: {} bytes do not fit its {}-byte GPU buffer",
                entry.bytes.len(),
                buffer.buffer.size()
            );
        } else {
            queue.write_buffer(&buffer.buffer, 0, &entry.bytes);
        }
        entry.uploaded = Some(target);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(ShaderType, Debug, Clone, Default, PartialEq)]
    struct Values {
        a: Vec4,
        b: Vec4,
    }

    fn app() -> App {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, AssetPlugin::default()))
            .init_asset::<ShaderBuffer>()
            .add_plugins(LiveBufferPlugin);
        app
    }

    #[test]
    fn writes_encode_in_place_and_skip_unchanged_values() {
        let mut app = app();
        let world = app.world_mut();
        let handle = world.resource_scope(|world, mut buffers: Mut<Assets<ShaderBuffer>>| {
            world
                .resource_mut::<LiveBuffers>()
                .create(&mut buffers, &Values::default())
        });
        let mut live = world.resource_mut::<LiveBuffers>();
        assert_eq!(live.bytes(&handle).map(<[u8]>::len), Some(32));
        let v = Values {
            a: Vec4::new(1.0, 2.0, 3.0, 4.0),
            b: Vec4::splat(0.5),
        };
        live.write(&handle, &v);
        live.write(&handle, &v);
        assert_eq!(live.writes(), 1, "an unchanged value is not written again");
        let bytes = live.bytes(&handle).expect("entry");
        assert_eq!(&bytes[4..8], &2.0f32.to_le_bytes());
        assert_eq!(&bytes[16..20], &0.5f32.to_le_bytes());
        live.write(&handle, &Values::default());
        assert_eq!(live.writes(), 2);
    }

    #[test]
    fn entries_follow_their_buffers_through_any_number_of_reloads() {
        let mut app = app();
        for _ in 0..50 {
            // A reload: new materials with new buffers, the old ones dropped.
            let world = app.world_mut();
            let handles: Vec<_> =
                world.resource_scope(|world, mut buffers: Mut<Assets<ShaderBuffer>>| {
                    (0..8)
                        .map(|_| {
                            world
                                .resource_mut::<LiveBuffers>()
                                .create(&mut buffers, &Values::default())
                        })
                        .collect()
                });
            app.update();
            drop(handles);
            app.update();
        }
        app.update();
        assert!(
            app.world().resource::<LiveBuffers>().len() <= 8,
            "{} entries after 50 reloads of 8 buffers",
            app.world().resource::<LiveBuffers>().len()
        );
    }
}
