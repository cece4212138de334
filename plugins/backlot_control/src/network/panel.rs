//! The Controls panel's Network section: ports that could not be bound, every listener with
//! where it is reachable and who may reach it, refusals per protocol, and what the network
//! may not write.

use backlot_net::{NetAccess, NetExposure, PortProblems, Protocol};
use bevy::prelude::*;
use bevy_egui::egui;

use crate::map::ControlMap;
use crate::route::ControlRuntime;

const RED: egui::Color32 = egui::Color32::from_rgb(240, 70, 60);
const AMBER: egui::Color32 = egui::Color32::from_rgb(230, 180, 60);

/// Draws the section; open by itself while a port problem stands.
pub(crate) fn network_section(ui: &mut egui::Ui, world: &World) {
    let (Some(access), Some(exposure), Some(problems)) = (
        world.get_resource::<NetAccess>(),
        world.get_resource::<NetExposure>(),
        world.get_resource::<PortProblems>(),
    ) else {
        return;
    };
    let read_only_refused = world
        .get_resource::<ControlRuntime>()
        .map_or(0, ControlRuntime::read_only_refused);
    let read_only = world
        .get_resource::<ControlMap>()
        .map(|m| m.file.access.read_only.join(", "))
        .unwrap_or_default();
    let problem_count = problems.list().len();
    let title = if problem_count == 0 {
        "Network".to_string()
    } else {
        format!("Network — {problem_count} port(s) not bound")
    };
    if problem_count > 0 {
        ui.colored_label(RED, title.as_str());
    }
    egui::CollapsingHeader::new(title)
        .id_salt("controls-network")
        .default_open(problem_count > 0)
        .show(ui, |ui| {
            for p in problems.list() {
                ui.colored_label(RED, p.to_string());
            }
            for l in exposure.listening() {
                ui.label(l.describe(access.list(l.protocol)));
            }
            for p in Protocol::ALL {
                let list = access.list(p);
                let refused = list.refused();
                let last = list
                    .last_refused()
                    .map(|ip| format!(" (last {ip})"))
                    .unwrap_or_default();
                let text = format!("{p}: {} · {refused} refused{last}", list.describe());
                if refused > 0 {
                    ui.colored_label(AMBER, text);
                } else {
                    ui.label(text);
                }
            }
            ui.label(format!(
                "read-only from the network: {} · {read_only_refused} OSC writes refused",
                if read_only.is_empty() {
                    "nothing"
                } else {
                    read_only.as_str()
                }
            ));
            if !access.settings().mdns {
                ui.label("DNS-SD: off (--no-mdns)");
            }
        });
}
