//! The operator UI shell: a dockable, tabbed egui layout that every plugin adds its own
//! panel to, plus the Log and Performance panels, shared parameter widgets, and the frame
//! watchdog: a [`Heartbeat`] the frame stamps, a thread that reports stalled frames,
//! and the red banner that shows them.

mod dock;
mod heartbeat;
mod log_capture;
mod log_panel;
mod memory;
mod memory_render;
mod perf_panel;
mod registry;
mod stall_banner;
pub mod watchdog;
pub mod widgets;

pub use dock::DockLayout;
pub use heartbeat::{Heartbeat, Phase, Sample, Stall, StallJudge, Verdict};
pub use log_capture::{LogBuffer, LogLine, MessageVisitor, capture_layer};
pub use memory::{
    MemoryMonitor, MemoryPlugin, SharedRenderCounts, TrackAssetsExt, TrackedAssets,
    growth_per_minute, parse_vm_rss_kb, resident_mb,
};
pub use memory_render::RenderCounts;
pub use registry::{PanelAppExt, PanelFn, PanelRegistry, PanelSlot};
pub use watchdog::WatchdogPlugin;

pub use bevy_egui::egui;

use bevy::diagnostic::FrameTimeDiagnosticsPlugin;
use bevy::prelude::*;
use bevy_egui::{EguiGlobalSettings, EguiPlugin, EguiPrimaryContextPass, PrimaryEguiContext};

/// Adds egui, the operator window's camera, the dock and the built-in panels.
/// Headless runs leave this plugin out; panels registered by other plugins then just sit unused.
#[derive(Default)]
pub struct UiPlugin;

impl Plugin for UiPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<EguiPlugin>() {
            app.add_plugins(EguiPlugin::default());
        }
        if !app.is_plugin_added::<FrameTimeDiagnosticsPlugin>() {
            app.add_plugins(FrameTimeDiagnosticsPlugin::default());
        }
        app.insert_resource(EguiGlobalSettings {
            // The scene camera renders to an image shown in a tab; egui gets its own camera.
            auto_create_primary_context: false,
            ..default()
        })
        .init_resource::<PanelRegistry>()
        .init_resource::<LogBuffer>()
        .init_resource::<perf_panel::FrameHistory>()
        .add_panel("Log", PanelSlot::Bottom, log_panel::draw)
        .add_panel("Performance", PanelSlot::Bottom, perf_panel::draw)
        .add_systems(Startup, spawn_ui_camera)
        .add_systems(Update, perf_panel::record)
        .add_systems(EguiPrimaryContextPass, dock::draw_dock);
    }
}

fn spawn_ui_camera(mut commands: Commands) {
    commands.spawn((
        Name::new("operator ui camera"),
        Camera2d,
        Camera {
            order: 100,
            clear_color: ClearColorConfig::Custom(Color::srgb(0.08, 0.08, 0.09)),
            ..default()
        },
        PrimaryEguiContext,
    ));
}
