//! Output windows: the processor input shown in a window of its own, placed as the stage
//! file says.

use bevy::camera::RenderTarget;
use bevy::prelude::*;
use bevy::render::storage::ShaderBuffer;

use super::Spawner;
use super::outputs::spawn_warp_view;
use crate::format::OutputDef;
use crate::warp::{WarpMaterial, WarpUniform};

/// Opens output `i`'s window under `root` and draws `material`'s quad into it; returns the
/// window's copy of the material and its warp values, or `None` (nothing is recorded for
/// the output) when `material` is gone.
pub(super) fn spawn_output_window(
    spawner: &mut Spawner,
    i: usize,
    output: &OutputDef,
    material: &Handle<WarpMaterial>,
    quad: &Handle<Mesh>,
    root: Entity,
) -> Option<(Handle<WarpMaterial>, Handle<ShaderBuffer>)> {
    let [w, h] = output.canvas;
    // The processor input as a window: the same quad, drawn again into it.
    let placement = output.window.clone().unwrap_or(crate::format::WindowDef {
        monitor: 0,
        position: [0, 0],
        fullscreen: false,
    });
    let monitor = bevy::window::MonitorSelection::Index(placement.monitor as usize);
    let window = spawner
        .commands
        .spawn((
            Window {
                title: format!("backlot output {}", output.name),
                resolution: (w, h).into(),
                position: WindowPosition::At(IVec2::from(placement.position)),
                mode: if placement.fullscreen {
                    bevy::window::WindowMode::BorderlessFullscreen(monitor)
                } else {
                    bevy::window::WindowMode::Windowed
                },
                decorations: !placement.fullscreen,
                ..default()
            },
            ChildOf(root),
        ))
        .id();
    // Window surfaces are sRGB: this copy of the material undoes that encoding so
    // the bytes on the wire are exactly the output signal.
    let window_params = spawner
        .live
        .create(&mut spawner.buffers, &WarpUniform::default());
    let material = spawner.materials.get(material).cloned();
    let material = material.map(|m| {
        spawner.materials.add(WarpMaterial {
            params: window_params.clone(),
            ..m
        })
    })?;
    spawn_warp_view(
        &mut spawner.commands,
        format!("output {} window", output.name),
        (quad, &material),
        40 + i,
        RenderTarget::Window(bevy::window::WindowRef::Entity(window)),
        root,
    );
    Some((material, window_params))
}
