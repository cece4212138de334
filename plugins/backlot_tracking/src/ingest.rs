//! Taking in samples: everything received since the last frame (or due from the replay),
//! calibrated, smoothed and pushed into each camera's history, and written to the take
//! being recorded.

use backlot_net::{PerformerSample, PerformerSource, Timecode};
use backlot_params::{ParamRegistry, ParamValue};
use bevy::math::Vec3;
use bevy::prelude::*;

use crate::codec::osc::OscTracking;
use crate::filter::OneEuroParams;
use crate::history::Sample;
use crate::params::{camera_address, param};
use crate::pose::{Pose, freed_tracker_pose};
use crate::receiver::Payload;
use crate::recording::TakeRecorder;
use crate::setup::{TrackingSetup, normalise};
use crate::state::{TrackingSettings, TrackingState, TrackingStatus};
use crate::take::TakeRow;

fn smoothing(registry: &ParamRegistry, id: u32) -> Option<OneEuroParams> {
    let on = registry
        .get(&camera_address(id, "smoothing/enabled"))
        .ok()
        .and_then(ParamValue::as_bool)
        .unwrap_or(false);
    on.then(|| OneEuroParams {
        min_cutoff: f64::from(param(registry, id, "smoothing/min_cutoff", 1.0)),
        beta: f64::from(param(registry, id, "smoothing/beta", 0.05)),
        d_cutoff: f64::from(param(registry, id, "smoothing/d_cutoff", 1.0)),
    })
}

/// Why a sample cannot drive a camera, if it cannot: its pose (see [`Pose::implausible`])
/// or lens values that are not finite or out of range (encoders 0..1, a field of view
/// between 0 and 180 degrees).
fn implausible(a: &Arrival) -> Option<String> {
    if let Some(why) = a.pose.implausible() {
        return Some(why);
    }
    let unit = |v: Option<f32>| v.is_some_and(|v| !(0.0..=1.0).contains(&v));
    if unit(a.zoom) || unit(a.focus) {
        return Some(format!(
            "lens encoders outside 0..1 (zoom {:?}, focus {:?})",
            a.zoom, a.focus
        ));
    }
    if a.fov.is_some_and(|f| !(f > 0.0 && f < 180.0)) {
        return Some(format!(
            "field of view {:?} is not between 0 and 180 degrees",
            a.fov
        ));
    }
    None
}

/// A sample as it enters a camera: calibrated pose and lens encoders.
struct Arrival {
    t: f64,
    /// The live tracker it came from (none for a replay).
    tracker: Option<usize>,
    source: String,
    raw_position: [f64; 3],
    raw_rotation: [f64; 3],
    raw_lens: Option<(u32, u32)>,
    pose: Pose,
    zoom: Option<f32>,
    focus: Option<f32>,
    fov: Option<f32>,
}

/// Takes in everything received since the last frame (or due from the replay).
#[allow(clippy::too_many_arguments)]
pub(crate) fn ingest(
    setup: Res<TrackingSetup>,
    settings: Res<TrackingSettings>,
    time: Res<Time>,
    registry: Res<ParamRegistry>,
    mut state: ResMut<TrackingState>,
    mut recorder: ResMut<TakeRecorder>,
    timecode: Option<Res<Timecode>>,
    mut performers: MessageWriter<PerformerSample>,
) {
    let timecode = timecode.and_then(|t| t.label.clone());
    let state = state.as_mut();
    let mut arrivals: Vec<(usize, Arrival)> = Vec::new();
    if let Some(rows) = &settings.replay {
        if setup.cameras.is_empty() {
            // The stage (and its cameras) may load a few frames after the first one; a take
            // that started before would drop its first rows, differently on every run.
            return;
        }
        // Replay runs on scene time, so renders replay frame-accurately.
        let now = time.elapsed_secs_f64();
        let start = *state.replay_start.get_or_insert(now);
        state.frame_start = now - start;
        let t0 = rows.first().map_or(0.0, |r| r.time_s);
        while let Some(row) = rows.get(state.replay_next) {
            if row.time_s - t0 > state.frame_start + 1e-9 {
                break;
            }
            state.replay_next += 1;
            if let Some(cam) = setup.cameras.iter().position(|c| c.id == row.camera) {
                arrivals.push((
                    cam,
                    Arrival {
                        t: row.time_s - t0,
                        tracker: None,
                        source: "replay".into(),
                        raw_position: row.pose.position.to_array().map(f64::from),
                        raw_rotation: row.pose.rotation.map(f64::from),
                        raw_lens: None,
                        pose: row.pose,
                        zoom: Some(row.zoom),
                        focus: Some(row.focus),
                        fov: Some(row.fov_deg),
                    },
                ));
            }
        }
        if state.replay_next >= rows.len() && !state.replay_done {
            state.replay_done = true;
            info!(
                "tracking replay: take finished after {} samples",
                rows.len()
            );
        }
    } else {
        let (items, rejected) = {
            let (mut inbox, now) = state.inbox.lock();
            state.frame_start = now;
            state.overflow += std::mem::take(&mut inbox.overflow);
            state.ignored += std::mem::take(&mut inbox.ignored);
            (
                std::mem::take(&mut inbox.items),
                std::mem::take(&mut inbox.rejected),
            )
        };
        for r in rejected {
            let Some(ti) = state
                .trackers
                .iter()
                .position(|t| t.receiver == Some(r.receiver))
            else {
                continue;
            };
            let routed = r.camera.and_then(|id| {
                setup
                    .cameras
                    .iter()
                    .position(|c| c.id == id && c.sources.contains(&ti))
            });
            let tracker = &mut state.trackers[ti];
            tracker.errors += 1;
            if tracker.errors.is_power_of_two() {
                warn!(
                    "tracker `{}`: rejected input ({} so far): {}",
                    tracker.name, tracker.errors, r.reason
                );
            }
            tracker.last_error = Some(r.reason.clone());
            if let Some(ci) = routed {
                state.cameras[ci].errors += 1;
                state.cameras[ci].last_error = Some(r.reason);
            }
        }
        for item in items {
            let Some(ti) = state
                .trackers
                .iter()
                .position(|t| t.receiver == Some(item.receiver))
            else {
                continue;
            };
            state.trackers[ti].packets += 1;
            let tracker = &setup.trackers[ti];
            let id = match &item.payload {
                Payload::Freed(p) => u32::from(p.camera),
                Payload::Osc(m) => m.camera(),
            };
            let Some(ci) = setup
                .cameras
                .iter()
                .position(|c| c.id == id && c.sources.contains(&ti))
            else {
                state.trackers[ti].unrouted += 1;
                // Not a camera: a performer wearing a tracker, for whoever reacts to them.
                if let Payload::Freed(p) = &item.payload {
                    let pose = tracker
                        .calibration
                        .apply(&freed_tracker_pose(p), Vec3::ZERO);
                    let sample = PerformerSample {
                        id,
                        position: pose.position,
                        source: PerformerSource::Freed,
                    };
                    if sample.is_plausible() {
                        performers.write(sample);
                    } else {
                        // A calibration that throws the performer off the stage: counted.
                        let status = &mut state.trackers[ti];
                        status.errors += 1;
                        status.last_error = Some(format!(
                            "performer {id} at {} is off the stage",
                            pose.position
                        ));
                    }
                }
                continue;
            };
            let nodal = setup.cameras[ci].nodal;
            let arrival = match item.payload {
                Payload::Freed(p) => {
                    let tracker_pose = freed_tracker_pose(&p);
                    Arrival {
                        t: item.t,
                        tracker: Some(ti),
                        source: tracker.name.clone(),
                        raw_position: p.position_mm(),
                        raw_rotation: p.angles_deg(),
                        raw_lens: Some((p.zoom, p.focus)),
                        pose: tracker.calibration.apply(&tracker_pose, nodal),
                        zoom: Some(normalise(p.zoom, tracker.zoom_range)),
                        focus: Some(normalise(p.focus, tracker.focus_range)),
                        fov: None,
                    }
                }
                Payload::Osc(OscTracking::Pose {
                    position, rotation, ..
                }) => {
                    let raw = Pose {
                        position: Vec3::from(position),
                        rotation,
                    };
                    Arrival {
                        t: item.t,
                        tracker: Some(ti),
                        source: tracker.name.clone(),
                        raw_position: position.map(f64::from),
                        raw_rotation: rotation.map(f64::from),
                        raw_lens: None,
                        pose: tracker.calibration.apply(&raw, nodal),
                        zoom: None,
                        focus: None,
                        fov: None,
                    }
                }
                Payload::Osc(OscTracking::Fov { degrees, .. }) => {
                    state.cameras[ci].fov_override = Some(degrees.clamp(1.0, 170.0));
                    continue;
                }
                Payload::Osc(OscTracking::Focal { mm, .. }) => {
                    let sensor = setup.cameras[ci].lens.sensor_width_mm();
                    let fov = backlot_stage::format::hfov_from_focal(mm, sensor);
                    state.cameras[ci].fov_override = Some(fov.clamp(1.0, 170.0));
                    continue;
                }
            };
            arrivals.push((ci, arrival));
        }
    }

    for (ci, a) in arrivals {
        if let Some(why) = implausible(&a) {
            // Dropped before the filter and counted as rejected input, like a bad packet.
            let cam = &mut state.cameras[ci];
            cam.errors += 1;
            if cam.errors.is_power_of_two() {
                warn!(
                    "camera {}: dropped a sample from `{}` ({} rejected so far): {why}",
                    cam.id, a.source, cam.errors
                );
            }
            cam.last_error = Some(why.clone());
            if let Some(tracker) = a.tracker.and_then(|ti| state.trackers.get_mut(ti)) {
                tracker.errors += 1;
                tracker.last_error = Some(why);
            }
            continue;
        }
        let cam_setup = &setup.cameras[ci];
        let cam = &mut state.cameras[ci];
        if let Some(f) = a.fov {
            cam.fov_override = Some(f);
        }
        if cam.status == TrackingStatus::Lost {
            info!("camera {}: tracking back", cam.id);
            cam.filter.reset();
        }
        cam.zoom = a.zoom.unwrap_or(cam.zoom);
        cam.focus = a.focus.unwrap_or(cam.focus);
        let pose = match smoothing(&registry, cam.id) {
            Some(p) => cam.filter.filter(a.t, &a.pose, &p),
            None => a.pose,
        };
        cam.packets += 1;
        cam.fresh = true;
        let sample = Sample {
            t: a.t,
            seq: cam.packets,
            pose,
            zoom: cam.zoom,
            focus: cam.focus,
        };
        cam.history.push(sample);
        cam.meter.arrive(a.t);
        cam.last_valid = Some(cam.last_valid.map_or(a.t, |v| v.max(a.t)));
        cam.status = if settings.replay.is_some() {
            TrackingStatus::Replay
        } else {
            TrackingStatus::Tracking
        };
        let recorder = recorder.as_mut();
        let start = recorder.start;
        if let Some(writer) = recorder.writer.as_mut() {
            let lens = cam_setup.lens.evaluate(cam.zoom, cam.focus);
            let fov = cam.fov_override.unwrap_or(lens.hfov_deg);
            writer.write(&TakeRow {
                time_s: (a.t - start).max(0.0),
                camera: cam.id,
                source: a.source,
                raw_position: a.raw_position,
                raw_rotation: a.raw_rotation,
                raw_lens: a.raw_lens,
                pose: a.pose,
                zoom: cam.zoom,
                focus: cam.focus,
                focal_mm: backlot_stage::format::focal_from_hfov(
                    fov,
                    cam_setup.lens.sensor_width_mm(),
                ),
                fov_deg: fov,
                timecode: timecode.clone(),
            });
            recorder.samples = writer.count;
        }
    }
}
