//! The dockable layout (egui_dock) over the registered panels.

use bevy::prelude::*;
use bevy_egui::{EguiContext, PrimaryEguiContext, egui};
use egui_dock::{DockArea, DockState, NodeIndex, Style, TabViewer};

use crate::{PanelRegistry, PanelSlot};

/// The operator's tab arrangement, built from the registry on the first frame.
#[derive(Resource)]
pub struct DockLayout {
    /// egui_dock state; tabs are panel titles.
    pub state: DockState<String>,
}

impl DockLayout {
    /// Center tabs on the left, side tabs on the right, bottom tabs under the center.
    pub fn from_registry(registry: &PanelRegistry) -> Self {
        let titles = |slot: PanelSlot| -> Vec<String> {
            registry
                .panels
                .iter()
                .filter(|p| p.slot == slot)
                .map(|p| p.title.clone())
                .collect()
        };
        let (center, side, bottom) = (
            titles(PanelSlot::Center),
            titles(PanelSlot::Side),
            titles(PanelSlot::Bottom),
        );
        let mut state = DockState::new(center);
        let tree = state.main_surface_mut();
        if !side.is_empty() {
            tree.split_right(NodeIndex::root(), 0.66, side);
        }
        if !bottom.is_empty() {
            tree.split_below(NodeIndex::root().left(), 0.72, bottom);
        }
        Self { state }
    }
}

struct Viewer<'a> {
    world: &'a mut World,
    registry: PanelRegistry,
}

impl TabViewer for Viewer<'_> {
    type Tab = String;

    fn title(&mut self, tab: &mut String) -> egui::WidgetText {
        tab.as_str().into()
    }

    fn ui(&mut self, ui: &mut egui::Ui, tab: &mut String) {
        match self.registry.panels.iter().find(|p| &p.title == tab) {
            Some(panel) => (panel.draw)(ui, self.world),
            None => {
                ui.label("This panel's plugin is not loaded.");
            }
        }
    }

    fn is_closeable(&self, _tab: &String) -> bool {
        false
    }
}

pub(crate) fn draw_dock(world: &mut World) {
    let ctx = {
        let mut q = world.query_filtered::<&mut EguiContext, With<PrimaryEguiContext>>();
        let Ok(mut ctx) = q.single_mut(world) else {
            return;
        };
        ctx.get_mut().clone()
    };
    let registry = world.resource::<PanelRegistry>().clone();
    if !world.contains_resource::<DockLayout>() {
        world.insert_resource(DockLayout::from_registry(&registry));
    }
    world.resource_scope(|world, mut layout: Mut<DockLayout>| {
        let mut viewer = Viewer { world, registry };
        // The dock fills the whole operator window.
        let mut root = egui::Ui::new(
            ctx.clone(),
            "backlot_dock".into(),
            egui::UiBuilder::new()
                .layer_id(egui::LayerId::background())
                .max_rect(ctx.viewport_rect()),
        );
        DockArea::new(&mut layout.state)
            .style(Style::from_egui(root.style()))
            .show_inside(&mut root, &mut viewer);
    });
    crate::stall_banner::draw(&ctx, world);
}
