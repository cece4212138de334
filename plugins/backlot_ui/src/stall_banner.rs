//! The red banner over the operator window while a frame stalls and for a while after: how
//! long and where, so the hitch the operator saw has its cause on screen. The watchdog
//! ([`crate::watchdog`]) finds the stalls.

use std::time::{Duration, Instant};

use crate::heartbeat::{Heartbeat, Stall};
use bevy::prelude::*;
use bevy_egui::egui;

/// How long the banner stays after the stall ended.
pub(crate) const HOLD: Duration = Duration::from_secs(10);

/// The banner's text at `now`, if one shows.
pub(crate) fn text(stall: Option<&Stall>, now: Instant) -> Option<String> {
    let stall = stall?;
    if stall.ongoing {
        return Some(format!("Frame stall: {}", stall.describe()));
    }
    let ago = now.saturating_duration_since(stall.seen_at);
    (ago < HOLD).then(|| {
        format!(
            "Frame stall: {} ({} s ago)",
            stall.describe(),
            ago.as_secs()
        )
    })
}

/// Draws the banner on top of everything, when there is a stall to show.
pub(crate) fn draw(ctx: &egui::Context, world: &World) {
    let Some(beat) = world.get_resource::<Heartbeat>() else {
        return;
    };
    if let Some(text) = text(beat.stall().as_ref(), Instant::now()) {
        show(ctx, text);
    }
}

fn show(ctx: &egui::Context, text: String) {
    egui::Area::new(egui::Id::new("backlot_stall_banner"))
        .anchor(egui::Align2::CENTER_TOP, [0.0, 6.0])
        .order(egui::Order::Foreground)
        .interactable(false)
        .show(ctx, |ui| {
            egui::Frame::new()
                .fill(egui::Color32::from_rgb(190, 30, 30))
                .corner_radius(4.0)
                .inner_margin(8.0)
                .show(ui, |ui| {
                    ui.label(
                        egui::RichText::new(text)
                            .color(egui::Color32::WHITE)
                            .strong(),
                    );
                });
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heartbeat::Phase;

    #[test]
    fn shows_while_stalled_and_ten_seconds_after() {
        let t = Instant::now();
        let mut stall = Stall {
            frame: 42,
            phase: Phase::Scene,
            duration: Duration::from_millis(1234),
            ongoing: true,
            seen_at: t,
        };
        assert_eq!(text(None, t), None);
        let now = t + Duration::from_secs(60);
        assert_eq!(
            text(Some(&stall), now).as_deref(),
            Some("Frame stall: frame 42 has taken 1234 ms so far, in Scene")
        );
        stall.ongoing = false;
        assert_eq!(
            text(Some(&stall), t + Duration::from_secs(3)).as_deref(),
            Some("Frame stall: frame 42 took 1234 ms, stalled in Scene (3 s ago)")
        );
        assert_eq!(text(Some(&stall), t + HOLD), None, "gone after the hold");
    }

    /// Drawn headlessly: the banner is there when a stall shows, not otherwise.
    #[test]
    fn draws_the_stall_over_the_window() {
        let mut world = World::new();
        let ctx = egui::Context::default();
        let shapes = |paint: &mut dyn FnMut(&egui::Context)| {
            // egui lays a new area out unseen on its first pass; the second one paints it.
            let _ = ctx.run_ui(egui::RawInput::default(), |ui| paint(ui.ctx()));
            let out = ctx.run_ui(egui::RawInput::default(), |ui| paint(ui.ctx()));
            format!("{:?}", out.shapes)
        };
        assert!(!shapes(&mut |ctx: &egui::Context| draw(ctx, &world)).contains("Frame stall"));
        world.insert_resource(Heartbeat::default());
        assert!(!shapes(&mut |ctx: &egui::Context| draw(ctx, &world)).contains("Frame stall"));
        let drawn =
            shapes(&mut |ctx: &egui::Context| show(ctx, "Frame stall: frame 7 took 900 ms".into()));
        assert!(drawn.contains("frame 7 took 900 ms"), "{drawn}");
    }
}
