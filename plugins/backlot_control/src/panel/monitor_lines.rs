//! What the monitors are made of: recent lines, per-sender counts, a protocol's inbox queue,
//! the sender table, and one health line per listener.

use backlot_net::HealthSeverity;
use bevy_egui::egui;

use crate::inbox::{
    Counters, InboxStats, LaneStats, LogKind, MAX_SENDERS, MonitorLine, MonitorSnapshot,
};
use crate::route::ControlRuntime;

pub(super) fn lines(ui: &mut egui::Ui, lines: &[MonitorLine]) {
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

pub(super) fn counters(ui: &mut egui::Ui, counters: &[(String, Counters)]) {
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
pub(super) fn snapshot(rt: &ControlRuntime, kind: LogKind, prefixes: &[&str]) -> MonitorSnapshot {
    rt.inbox.lock().monitor(kind, prefixes)
}

/// A protocol's inbox queue: what waits for the frame, and what a stalled frame cost.
pub(super) fn inbox_line(ui: &mut egui::Ui, name: &str, s: &LaneStats) {
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
pub(super) fn senders_line(ui: &mut egui::Ui, stats: &InboxStats) {
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
pub(super) fn listener_health(
    ui: &mut egui::Ui,
    listeners: &[(String, backlot_net::HealthReport)],
) {
    for (name, h) in listeners {
        let line = h.line(name);
        match line.severity {
            HealthSeverity::Stopped => {
                ui.colored_label(egui::Color32::from_rgb(230, 80, 60), line.text)
            }
            HealthSeverity::Failing => {
                ui.colored_label(egui::Color32::from_rgb(230, 180, 60), line.text)
            }
            HealthSeverity::Ok => ui.label(line.text),
        };
    }
}
