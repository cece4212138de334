//! The Controls panel (every parameter, its value, what drives it, override, MIDI and OSC
//! learn) and the OSC, MIDI and DMX monitors.

mod bindings;
mod controls;
mod monitor_lines;
mod monitors;

use backlot_ui::{PanelAppExt, PanelSlot};
use bevy::prelude::*;

use controls::controls_panel;
use monitors::{dmx_monitor, midi_monitor, osc_monitor};

pub(crate) fn build(app: &mut App) {
    app.add_panel("Controls", PanelSlot::Side, controls_panel)
        .add_panel("OSC", PanelSlot::Bottom, osc_monitor)
        .add_panel("MIDI", PanelSlot::Bottom, midi_monitor)
        .add_panel("DMX", PanelSlot::Bottom, dmx_monitor);
}

#[cfg(test)]
mod tests {
    use bevy_egui::egui;

    use super::*;

    /// Every panel draws headlessly over a running plugin.
    #[test]
    fn panels_draw() {
        let mut app = crate::tests::app_with(crate::tests::MAP, None);
        let ctx = egui::Context::default();
        for draw in [
            controls_panel as fn(&mut egui::Ui, &mut World),
            osc_monitor,
            midi_monitor,
            dmx_monitor,
        ] {
            let out = ctx.run_ui(egui::RawInput::default(), |ui| draw(ui, app.world_mut()));
            assert!(!out.shapes.is_empty());
        }
    }
}
