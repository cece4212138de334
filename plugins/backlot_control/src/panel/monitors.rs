//! The OSC, MIDI and DMX monitors: listeners and their health, queues, senders, recent
//! lines, and for DMX each universe's sources and slots, the sACN groups not joined and the
//! Art-Net time codes replaced.

use std::time::Instant;

use bevy::prelude::*;
use bevy_egui::egui;

use super::monitor_lines::{counters, inbox_line, lines, listener_health, senders_line, snapshot};
use crate::dmx::MulticastStats;
use crate::inbox::LogKind;
use crate::midi::MidiEngine;
use crate::route::ControlRuntime;
use crate::servers::{DmxServers, OscQueryServer, OscServers};

/// Failed memberships listed one by one at most; the rest are counted.
const FAILED_JOINS_SHOWN: usize = 32;

/// Each sACN multicast membership not held: why, how often it was tried again, and when
/// it is next.
fn multicast_failures(ui: &mut egui::Ui, m: &MulticastStats) {
    let now = Instant::now();
    for f in m.failed.iter().take(FAILED_JOINS_SHOWN) {
        let next = match f.next_retry {
            Some(t) => format!(
                "next try in {:.0} s",
                t.saturating_duration_since(now).as_secs_f32()
            ),
            None => "tried again when the patch changes".into(),
        };
        ui.colored_label(
            egui::Color32::from_rgb(230, 180, 60),
            format!("{} · {} retries · {next}", f.error, f.retries),
        );
    }
    if m.failed.len() > FAILED_JOINS_SHOWN {
        ui.colored_label(
            egui::Color32::from_rgb(230, 180, 60),
            format!(
                "… and {} more groups not joined",
                m.failed.len() - FAILED_JOINS_SHOWN
            ),
        );
    }
}

pub(super) fn osc_monitor(ui: &mut egui::Ui, world: &mut World) {
    let (Some(rt), Some(osc), Some(query)) = (
        world.get_resource::<ControlRuntime>(),
        world.get_resource::<OscServers>(),
        world.get_resource::<OscQueryServer>(),
    ) else {
        return;
    };
    ui.label(format!(
        "OSC udp {} · tcp {} · OSCQuery {}",
        osc.osc.map_or("off".into(), |a| a.to_string()),
        osc.osc_tcp.map_or("off".into(), |a| a.to_string()),
        query.addr.map_or("off".into(), |a| format!("http://{a}"))
    ));
    listener_health(ui, &osc.health());
    listener_health(ui, &query.health());
    if let Some(router) = world.get_resource::<backlot_net::OscRouter>() {
        ui.label(format!(
            "router: {} packets decoded once, {} messages unrouted; subscribers {}",
            router.decoded(),
            router.unrouted(),
            router.prefixes().join(", ")
        ));
    }
    if let Some(p) = world.get_resource::<backlot_net::PerformerCounts>() {
        ui.label(format!(
            "performers: {} samples, {} rejected, {} dropped (stalled frame)",
            p.received, p.rejected, p.dropped
        ));
    }
    if let Some(feedback) = world.get_resource::<crate::feedback::Feedback>() {
        for (line, problem) in feedback.status() {
            if problem {
                ui.colored_label(egui::Color32::from_rgb(230, 180, 60), line);
            } else {
                ui.label(line);
            }
        }
    }
    let snap = snapshot(rt, LogKind::Osc, &["osc"]);
    inbox_line(ui, "OSC", &snap.stats.osc);
    senders_line(ui, &snap.stats);
    counters(ui, &snap.counters);
    lines(ui, &snap.lines);
}

pub(super) fn midi_monitor(ui: &mut egui::Ui, world: &mut World) {
    if let Some(ports) = world.get_non_send::<crate::midi::MidiPorts>() {
        if let Some(why) = &ports.unavailable {
            ui.colored_label(egui::Color32::from_rgb(230, 180, 60), why);
        }
        // Connected, unplugged since when, reconnects: per port.
        for (line, problem) in ports.status() {
            if problem {
                ui.colored_label(egui::Color32::from_rgb(230, 180, 60), line);
            } else {
                ui.label(line);
            }
        }
    }
    if let Some(engine) = world.get_resource::<MidiEngine>() {
        if let Some(bpm) = engine.bpm {
            ui.label(format!(
                "clock: {bpm:.1} BPM, {}",
                if engine.playing { "playing" } else { "stopped" }
            ));
        }
        if let Some(tc) = engine.timecode {
            ui.label(format!("MTC {}", tc.label()));
        }
        for (port, last) in &engine.last {
            ui.label(format!("{port}: {last}"));
        }
    }
    let Some(rt) = world.get_resource::<ControlRuntime>() else {
        return;
    };
    let snap = snapshot(rt, LogKind::Midi, &["midi"]);
    inbox_line(ui, "MIDI", &snap.stats.midi);
    counters(ui, &snap.counters);
    lines(ui, &snap.lines);
}

pub(super) fn dmx_monitor(ui: &mut egui::Ui, world: &mut World) {
    let (Some(rt), Some(dmx)) = (
        world.get_resource::<ControlRuntime>(),
        world.get_resource::<DmxServers>(),
    ) else {
        return;
    };
    ui.label(format!(
        "Art-Net {} · sACN {}",
        dmx.artnet.map_or("off".into(), |a| a.to_string()),
        dmx.sacn.map_or("off".into(), |a| a.to_string())
    ));
    listener_health(ui, &dmx.health());
    if let Some(m) = dmx.multicast() {
        multicast_failures(ui, &m);
    }
    let (snap, timecodes_replaced) = {
        let inbox = rt.inbox.lock();
        let snap = inbox.monitor(LogKind::Dmx, &["artnet", "sacn"]);
        (snap, inbox.timecodes_replaced())
    };
    inbox_line(ui, "DMX", &snap.stats.dmx);
    ui.label(format!(
        "Art-Net time code: {timecodes_replaced} replaced by a newer one before a frame took them"
    ));
    senders_line(ui, &snap.stats);
    counters(ui, &snap.counters);
    for (id, u) in &dmx.universes {
        ui.separator();
        let sources: Vec<String> = u
            .sources()
            .iter()
            .map(|(l, p, age)| format!("{l} (priority {p}, {age:.1}s)"))
            .collect();
        ui.label(format!(
            "universe {id}: {} · {} out of order",
            if sources.is_empty() {
                "no source".to_string()
            } else {
                sources.join(", ")
            },
            u.out_of_order
        ));
        egui::Grid::new(format!("dmx-{id}"))
            .spacing([2.0, 2.0])
            .show(ui, |ui| {
                for (i, v) in u.output.iter().enumerate() {
                    let (rect, response) =
                        ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                    ui.painter()
                        .rect_filled(rect, 1.0, egui::Color32::from_gray(*v));
                    response.on_hover_text(format!(
                        "{}: {v} from {}",
                        i + 1,
                        u.owner_of(i).unwrap_or("-")
                    ));
                    if i % 32 == 31 {
                        ui.end_row();
                    }
                }
            });
    }
    lines(ui, &snap.lines);
}
