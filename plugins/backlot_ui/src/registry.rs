//! The panel registry: plugins add panels, the dock lays them out.

use bevy::prelude::*;
use bevy_egui::egui;

/// Draws one panel. Gets the whole world so a panel reads and writes through the same
/// resources as everything else (parameters go through the registry).
pub type PanelFn = fn(&mut egui::Ui, &mut World);

/// Where a panel opens by default (the operator can drag it anywhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelSlot {
    /// The big middle area (previews).
    Center,
    /// The right column (editors).
    Side,
    /// Under the center (logs, graphs).
    Bottom,
}

/// One registered panel.
#[derive(Clone)]
pub struct Panel {
    /// Tab title, unique.
    pub title: String,
    /// Default place.
    pub slot: PanelSlot,
    /// What draws it.
    pub draw: PanelFn,
}

/// Every panel plugins have registered, in registration order.
#[derive(Resource, Default, Clone)]
pub struct PanelRegistry {
    /// The panels.
    pub panels: Vec<Panel>,
}

/// `app.add_panel(...)` for plugins.
pub trait PanelAppExt {
    /// Registers a panel; a second panel with the same title replaces the first.
    fn add_panel(&mut self, title: &str, slot: PanelSlot, draw: PanelFn) -> &mut Self;
}

impl PanelAppExt for App {
    fn add_panel(&mut self, title: &str, slot: PanelSlot, draw: PanelFn) -> &mut Self {
        let mut registry = self
            .world_mut()
            .get_resource_or_insert_with(PanelRegistry::default);
        registry.panels.retain(|p| p.title != title);
        registry.panels.push(Panel {
            title: title.to_string(),
            slot,
            draw,
        });
        self
    }
}
