//! The Controls panel (every parameter, its value, what drives it, override and MIDI learn)
//! and the OSC, MIDI and DMX monitors.

use std::time::Instant;

use backlot_params::ParamRegistry;
use backlot_ui::widgets::param_editor;
use backlot_ui::{PanelAppExt, PanelSlot};
use bevy::prelude::*;
use bevy_egui::egui;

use crate::arbiter::{Arbiter, Source};
use crate::dmx::MulticastStats;
use crate::inbox::{
    Counters, InboxStats, LaneStats, LogKind, MAX_SENDERS, MonitorLine, MonitorSnapshot,
};
use crate::map::ControlMap;
use crate::midi::MidiEngine;
use crate::route::ControlRuntime;
use crate::servers::{DmxServers, OscQueryServer, OscServers};

pub(crate) fn build(app: &mut App) {
    app.add_panel("Controls", PanelSlot::Side, controls_panel)
        .add_panel("OSC", PanelSlot::Bottom, osc_monitor)
        .add_panel("MIDI", PanelSlot::Bottom, midi_monitor)
        .add_panel("DMX", PanelSlot::Bottom, dmx_monitor);
}

#[derive(Resource, Default)]
struct ControlsFilter(String);

fn controls_panel(ui: &mut egui::Ui, world: &mut World) {
    world.init_resource::<ControlsFilter>();
    if let Some(map) = world.get_resource::<ControlMap>() {
        match &map.error {
            Some(e) => {
                ui.colored_label(
                    egui::Color32::from_rgb(240, 70, 60),
                    format!("map error (last good map kept): {e}"),
                );
            }
            None => {
                ui.label(format!(
                    "map: {} OSC, {} MIDI bindings, {} fixtures (load #{})",
                    map.file.osc.bindings.len(),
                    map.file.midi.bindings.len(),
                    map.file.dmx.fixtures.len(),
                    map.loads
                ));
            }
        }
        // Learned bindings that could not be written to the file, and why.
        if let Some(e) = &map.save_error {
            ui.colored_label(egui::Color32::from_rgb(240, 70, 60), e);
        } else if let Some(saved) = &map.last_save {
            ui.small(saved);
        }
    }
    crate::network::network_section(ui, world);
    let failing = world
        .get_resource::<DmxServers>()
        .map_or(0, DmxServers::multicast_failing);
    if failing > 0 {
        ui.colored_label(
            egui::Color32::from_rgb(230, 180, 60),
            format!("sACN multicast: {failing} group(s) not joined, tried again (DMX monitor)"),
        );
    }
    bindings_editor(ui, world);
    let mut filter = world.resource::<ControlsFilter>().0.clone();
    ui.horizontal(|ui| {
        ui.label("filter");
        ui.text_edit_singleline(&mut filter);
    });
    world.resource_mut::<ControlsFilter>().0 = filter.clone();
    let learning = world
        .get_resource::<MidiEngine>()
        .and_then(|e| e.learn.clone());
    if let Some(l) = &learning {
        ui.colored_label(
            egui::Color32::from_rgb(230, 180, 60),
            format!("MIDI learn: move a control for {l}"),
        );
    }
    let mut edits = Vec::new();
    let mut holds = Vec::new();
    let mut releases = Vec::new();
    let mut learn = None;
    {
        let registry = world.resource::<ParamRegistry>();
        let arbiter = world.resource::<Arbiter>();
        egui::ScrollArea::vertical().show(ui, |ui| {
            egui::Grid::new("controls").striped(true).show(ui, |ui| {
                for entry in registry
                    .iter()
                    .filter(|e| e.spec.address.as_str().contains(filter.as_str()))
                {
                    let address = entry.spec.address.to_string();
                    ui.label(&address);
                    if let Some(v) = param_editor(ui, entry) {
                        edits.push((address.clone(), v));
                    }
                    let driver = arbiter.driver(&address);
                    let color = match driver {
                        Source::Operator => egui::Color32::from_rgb(240, 70, 60),
                        Source::Scene => egui::Color32::GRAY,
                        _ => egui::Color32::from_rgb(80, 200, 120),
                    };
                    ui.colored_label(color, driver.label());
                    if !entry.spec.read_only {
                        if arbiter.held(&address) {
                            if ui.button("release").clicked() {
                                releases.push(address.clone());
                            }
                        } else if ui
                            .button("hold")
                            .on_hover_text("Operator override: wins until released")
                            .clicked()
                        {
                            holds.push((address.clone(), entry.value.clone()));
                        }
                        let learn_label = if learning.as_deref() == Some(address.as_str()) {
                            "learning…"
                        } else {
                            "learn"
                        };
                        if ui.button(learn_label).clicked() {
                            learn = Some(address.clone());
                        }
                    }
                    ui.end_row();
                }
            });
        });
    }
    let mut arbiter = world.resource_mut::<Arbiter>();
    for (a, v) in &edits {
        // An edit here is an override: the operator wins until release.
        arbiter.hold(a, v.clone());
    }
    for (a, v) in holds {
        arbiter.hold(&a, v);
    }
    for a in releases {
        arbiter.release(&a);
    }
    if let Some(l) = learn {
        world.resource_mut::<MidiEngine>().learn = Some(l);
    }
}

fn lines(ui: &mut egui::Ui, lines: &[MonitorLine]) {
    egui::ScrollArea::vertical()
        .stick_to_bottom(true)
        .show(ui, |ui| {
            for l in lines {
                let text = format!("{:>6.1}s ago  {}", l.at.elapsed().as_secs_f32(), l.text);
                if l.error {
                    ui.colored_label(egui::Color32::from_rgb(240, 70, 60), text);
                } else {
                    ui.monospace(text);
                }
            }
        });
}

fn counters(ui: &mut egui::Ui, counters: &[(String, Counters)]) {
    for (source, c) in counters {
        ui.label(format!(
            "{source}: {} ok, {} bad{}",
            c.ok,
            c.errors,
            c.last_error
                .as_ref()
                .map(|e| format!(" (last: {e})"))
                .unwrap_or_default()
        ));
    }
}

/// What the monitor draws, copied under the inbox lock and drawn after it is released: the
/// receive threads wait on that lock.
fn snapshot(rt: &ControlRuntime, kind: LogKind, prefixes: &[&str]) -> MonitorSnapshot {
    rt.inbox.lock().monitor(kind, prefixes)
}

/// A protocol's inbox queue: what waits for the frame, and what a stalled frame cost.
fn inbox_line(ui: &mut egui::Ui, name: &str, s: &LaneStats) {
    let text = format!(
        "{name} inbox: {} queued ({}), peak {} of {} · {} dropped ({}) · {} coalesced",
        s.queued,
        bytes(s.queued_bytes as u64),
        s.peak,
        s.limits.items,
        s.dropped,
        bytes(s.dropped_bytes),
        s.coalesced
    );
    if s.dropped > 0 {
        ui.colored_label(
            egui::Color32::from_rgb(230, 180, 60),
            format!("{text} — the frame fell behind; oldest inputs dropped"),
        );
    } else {
        ui.label(text);
    }
}

/// The sender table, when it had to forget senders to stay bounded.
fn senders_line(ui: &mut egui::Ui, stats: &InboxStats) {
    if stats.senders_evicted > 0 {
        ui.label(format!(
            "senders: {} with statistics (at most {MAX_SENDERS}), {} forgotten",
            stats.senders, stats.senders_evicted
        ));
    }
}

fn bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / 1_048_576.0)
    } else if n >= 1 << 10 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

/// One line per listener: what it took, its errors, and whether its thread still runs.
fn listener_health(ui: &mut egui::Ui, listeners: &[(String, backlot_net::HealthReport)]) {
    for (name, h) in listeners {
        let text = format!(
            "{name}: {} received, {} socket errors, {} handler panics{}{}",
            h.received,
            h.errors,
            h.panics,
            if h.refused > 0 {
                format!(", {} refused", h.refused)
            } else {
                String::new()
            },
            h.last_error
                .as_ref()
                .map(|e| format!(" (last: {e})"))
                .unwrap_or_default()
        );
        if !h.running {
            ui.colored_label(
                egui::Color32::from_rgb(230, 80, 60),
                format!("{text} — STOPPED"),
            );
        } else if h.errors + h.panics > 0 {
            ui.colored_label(egui::Color32::from_rgb(230, 180, 60), text);
        } else {
            ui.label(text);
        }
    }
}

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

fn osc_monitor(ui: &mut egui::Ui, world: &mut World) {
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

fn midi_monitor(ui: &mut egui::Ui, world: &mut World) {
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

fn dmx_monitor(ui: &mut egui::Ui, world: &mut World) {
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

#[derive(Resource, Default)]
struct SaveStatus(Option<String>);

/// Every binding of the map, editable; "Save map" writes the file atomically (and the
/// running map reloads from it).
fn bindings_editor(ui: &mut egui::Ui, world: &mut World) {
    world.init_resource::<SaveStatus>();
    let path = world
        .get_resource::<crate::MapSource>()
        .map(|s| s.file.clone());
    let mut save = false;
    egui::CollapsingHeader::new("Bindings")
        .default_open(false)
        .show(ui, |ui| {
            let mut map = world.resource_mut::<ControlMap>();
            let file = &mut map.file;
            let mut remove_osc = None;
            ui.label("OSC");
            egui::Grid::new("osc-bindings")
                .striped(true)
                .show(ui, |ui| {
                    for (i, b) in file.osc.bindings.iter_mut().enumerate() {
                        ui.label(format!("{} → {}", b.address, b.target));
                        ui.checkbox(&mut b.unit_scale, "0..1");
                        ui.add(
                            egui::DragValue::new(&mut b.slew_ms)
                                .range(0.0..=60_000.0)
                                .suffix(" ms slew"),
                        );
                        ui.add(egui::DragValue::new(&mut b.priority).prefix("priority "));
                        if ui.button("remove").clicked() {
                            remove_osc = Some(i);
                        }
                        ui.end_row();
                    }
                });
            if let Some(i) = remove_osc {
                file.osc.bindings.remove(i);
            }
            let mut remove_midi = None;
            ui.label("MIDI");
            egui::Grid::new("midi-bindings")
                .striped(true)
                .show(ui, |ui| {
                    for (i, b) in file.midi.bindings.iter_mut().enumerate() {
                        ui.label(format!("{:?} → {}", b.control, b.target));
                        ui.checkbox(&mut b.pickup, "pickup");
                        ui.checkbox(&mut b.feedback, "feedback");
                        ui.add(
                            egui::DragValue::new(&mut b.slew_ms)
                                .range(0.0..=60_000.0)
                                .suffix(" ms slew"),
                        );
                        if ui.button("remove").clicked() {
                            remove_midi = Some(i);
                        }
                        ui.end_row();
                    }
                });
            if let Some(i) = remove_midi {
                file.midi.bindings.remove(i);
            }
            ui.horizontal(|ui| {
                save = ui
                    .add_enabled(path.is_some(), egui::Button::new("Save map"))
                    .clicked();
                if let Some(p) = &path {
                    ui.label(p.display().to_string());
                }
            });
        });
    if save && let Some(p) = path {
        let result = crate::format::save_map(&world.resource::<ControlMap>().file, &p);
        let status = match result {
            Ok(saved) => {
                // The map in force holds any learned bindings still waiting: now in the file.
                let mut map = world.resource_mut::<ControlMap>();
                map.pending.clear();
                map.save_error = None;
                format!("saved {}: {saved}", p.display())
            }
            Err(e) => format!("cannot save {}: {e}", p.display()),
        };
        world.resource_mut::<SaveStatus>().0 = Some(status);
    }
    if let Some(status) = &world.resource::<SaveStatus>().0 {
        ui.small(status);
    }
}

#[cfg(test)]
mod tests {
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
