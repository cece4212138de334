//! Applying: each camera's pose for this frame (delayed as asked) handed to the stage,
//! dropouts detected, and health published.

use backlot_params::{Arbiter, Input, ParamRegistry, ParamValue, Source, addresses};
use bevy::prelude::*;

use crate::params::{camera_address, param};
use crate::recording::TakeRecorder;
use crate::setup::TrackingSetup;
use crate::state::{Applied, TrackingSettings, TrackingState, TrackingStatus};

/// Picks each camera's pose for this frame (delayed as asked), hands it to the stage and
/// publishes health.
pub(crate) fn apply(
    setup: Res<TrackingSetup>,
    settings: Res<TrackingSettings>,
    recorder: Res<TakeRecorder>,
    mut state: ResMut<TrackingState>,
    mut registry: ResMut<ParamRegistry>,
    mut arbiter: ResMut<Arbiter>,
) {
    let state = state.as_mut();
    let now = state.frame_start;
    for (cam, c) in state.cameras.iter_mut().zip(&setup.cameras) {
        let id = cam.id;
        let dropout = f64::from(param(&registry, id, "dropout_ms", c.dropout_ms)) / 1000.0;
        let age = cam.last_valid.map(|t| (now - t).max(0.0));
        if let Some(age) = age
            && settings.replay.is_none()
            && age > dropout
            && !std::mem::take(&mut cam.fresh)
            && cam.status == TrackingStatus::Tracking
        {
            cam.status = TrackingStatus::Lost;
            warn!(
                "camera {id}: tracking lost (no valid sample for {:.0} ms); holding the last pose",
                age * 1000.0
            );
        }
        cam.fresh = false;
        let delay_ms = param(&registry, id, "delay_ms", c.delay_ms)
            + param(&registry, id, "delay_frames", c.delay_frames) * 1000.0
                / param(&registry, id, "video_fps", c.video_fps).max(1.0);
        if matches!(
            cam.status,
            TrackingStatus::Tracking | TrackingStatus::Replay
        ) && let Some(sample) = cam.history.at(now - f64::from(delay_ms) / 1000.0)
        {
            let lens = c.lens.evaluate(sample.zoom, sample.focus);
            let fov = cam.fov_override.unwrap_or(lens.hfov_deg);
            cam.applied = Some(Applied {
                sample,
                newest_seq: cam.history.newest().map_or(0, |s| s.seq),
                lens,
                fov,
            });
            let p = sample.pose;
            let half_w = (fov.to_radians() * 0.5).tan();
            let extra = if cam.fov_override.is_some() {
                0.0
            } else {
                lens.distortion.covering_overscan_pct(half_w, 16.0 / 9.0)
            };
            // Tracking is a controller: the operator's hold on a stage camera still wins.
            for (leaf, value) in [
                ("position", ParamValue::Vec3(p.position.to_array())),
                ("rotation", ParamValue::Vec3(p.rotation)),
                ("fov", ParamValue::Float(fov)),
                ("distortion_overscan", ParamValue::Float(extra)),
            ] {
                arbiter.push(Input {
                    address: addresses::stage_camera(id, leaf),
                    value,
                    source: Source::Tracking(format!("camera {id}")),
                    slew_ms: 0.0,
                    priority: 0,
                });
            }
        }
        let rate = cam.meter.rate_hz(now);
        let jitter = cam.meter.jitter_ms();
        cam.graph
            .push_back([now, f64::from(rate), f64::from(jitter)]);
        while cam.graph.front().is_some_and(|g| g[0] < now - 10.0) {
            cam.graph.pop_front();
        }
        let mut status = |leaf: &str, v: ParamValue| {
            let _ = registry.set_status(&camera_address(id, leaf), v);
        };
        if let Some(a) = cam.applied {
            status(
                "position",
                ParamValue::Vec3(a.sample.pose.position.to_array()),
            );
            status("rotation", ParamValue::Vec3(a.sample.pose.rotation));
            status("fov", ParamValue::Float(a.fov));
            status("focal", ParamValue::Float(a.lens.focal_mm));
            status("zoom", ParamValue::Float(a.sample.zoom));
            status("focus", ParamValue::Float(a.sample.focus));
            status(
                "focus_distance",
                ParamValue::Float(a.lens.focus_distance_m.unwrap_or(0.0)),
            );
        }
        status("rate_hz", ParamValue::Float(rate));
        status("jitter_ms", ParamValue::Float(jitter));
        status(
            "age_ms",
            ParamValue::Float(age.map_or(0.0, |a| (a * 1000.0) as f32)),
        );
        status(
            "errors",
            ParamValue::Int(cam.errors.min(i32::MAX as u64) as i32),
        );
        status(
            "packets",
            ParamValue::Int(cam.packets.min(i32::MAX as u64) as i32),
        );
        status("status", ParamValue::Enum(cam.status.name().into()));
    }
    let samples = recorder.samples.min(i32::MAX as u64) as i32;
    let _ = registry.set_status("/takes/samples", ParamValue::Int(samples));
    for t in &state.trackers {
        let a = |leaf: &str| {
            format!(
                "/tracking/trackers/{}/{leaf}",
                backlot_params::sanitize_segment(&t.name)
            )
        };
        let _ = registry.set_status(
            &a("packets"),
            ParamValue::Int(t.packets.min(i32::MAX as u64) as i32),
        );
        let _ = registry.set_status(
            &a("errors"),
            ParamValue::Int(t.errors.min(i32::MAX as u64) as i32),
        );
    }
}
