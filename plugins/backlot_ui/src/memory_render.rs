//! Render-world counts for the memory report: prepared render assets, material bind-group
//! allocations, live wgpu objects and GPU memory. Counted once a second in the render
//! world and handed to the main world through a shared cell.

use std::time::{Duration, Instant};

use bevy::pbr::{MaterialBindGroupAllocators, PreparedMaterial};
use bevy::prelude::*;
use bevy::render::erased_render_asset::ErasedRenderAssets;
use bevy::render::mesh::RenderMesh;
use bevy::render::render_asset::RenderAssets;
use bevy::render::renderer::{RenderDevice, RenderInstance};
use bevy::render::texture::GpuImage;
use bevy::render::{Render, RenderApp, RenderSystems};

use crate::memory::SharedRenderCounts;

/// What the render world holds; all zero where nothing renders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderCounts {
    /// Whether a renderer runs (the counts mean something).
    pub rendering: bool,
    /// Materials prepared (one per live material asset of every material type).
    pub prepared_materials: usize,
    /// Images on the GPU.
    pub prepared_images: usize,
    /// Meshes on the GPU.
    pub prepared_meshes: usize,
    /// Material bind-group allocators (one per material type).
    pub material_allocators: usize,
    /// Bindless material slabs, over all allocators.
    pub material_slabs: usize,
    /// Bytes of bindless material data buffers.
    pub material_slab_bytes: usize,
    /// Live wgpu bind groups.
    pub wgpu_bind_groups: usize,
    /// Live wgpu buffers.
    pub wgpu_buffers: usize,
    /// Live wgpu textures.
    pub wgpu_textures: usize,
    /// GPU memory allocated, where the backend reports it.
    pub gpu_allocated_bytes: Option<u64>,
    /// GPU memory reserved in blocks, where the backend reports it.
    pub gpu_reserved_bytes: Option<u64>,
}

pub(crate) fn build(app: &mut App, shared: SharedRenderCounts) {
    let Some(render_app) = app.get_sub_app_mut(RenderApp) else {
        return;
    };
    render_app
        .insert_resource(shared)
        .insert_resource(LastCount(None))
        .add_systems(Render, count_render_world.in_set(RenderSystems::Cleanup));
}

#[derive(Resource)]
struct LastCount(Option<Instant>);

/// Fills the shared counts, once a second.
#[allow(clippy::too_many_arguments)]
fn count_render_world(
    mut last: ResMut<LastCount>,
    shared: Res<SharedRenderCounts>,
    materials: Option<Res<ErasedRenderAssets<PreparedMaterial>>>,
    images: Option<Res<RenderAssets<GpuImage>>>,
    meshes: Option<Res<RenderAssets<RenderMesh>>>,
    allocators: Option<Res<MaterialBindGroupAllocators>>,
    instance: Option<Res<RenderInstance>>,
    device: Option<Res<RenderDevice>>,
) {
    if last.0.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
        return;
    }
    last.0 = Some(Instant::now());
    let mut counts = RenderCounts {
        rendering: true,
        prepared_materials: materials.map_or(0, |m| m.iter().count()),
        prepared_images: images.map_or(0, |i| i.iter().count()),
        prepared_meshes: meshes.map_or(0, |m| m.iter().count()),
        ..default()
    };
    if let Some(allocators) = allocators {
        for (_, allocator) in allocators.iter() {
            counts.material_allocators += 1;
            counts.material_slabs += allocator.slab_count();
            counts.material_slab_bytes += allocator.slabs_size();
        }
    }
    if let Some(report) = instance.and_then(|i| i.0.generate_report()) {
        let hub = report.hub_report();
        counts.wgpu_bind_groups = hub.bind_groups.num_kept_from_user;
        counts.wgpu_buffers = hub.buffers.num_kept_from_user;
        counts.wgpu_textures = hub.textures.num_kept_from_user;
    }
    if let Some(report) = device.and_then(|d| d.wgpu_device().generate_allocator_report()) {
        counts.gpu_allocated_bytes = Some(report.total_allocated_bytes);
        counts.gpu_reserved_bytes = Some(report.total_reserved_bytes);
    }
    if let Ok(mut cell) = shared.0.lock() {
        *cell = counts;
    }
}
