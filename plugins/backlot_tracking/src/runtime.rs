//! The frame's tracking work: follow the stage file, start receivers, take in samples,
//! pick each camera's pose for this frame and hand it to the stage, record and replay takes.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;

use backlot_params::{ParamRegistry, ParamValue};
use backlot_stage::format::LensState;
use backlot_stage::{StageAsset, StageStatus};
use bevy::math::Vec3;
use bevy::prelude::*;

use crate::codec::osc::OscTracking;
use crate::filter::{OneEuroParams, PoseFilter};
use crate::history::{History, RateMeter, Sample};
use crate::params::{STATUSES, camera_address, camera_specs, take_specs, tracker_specs};
use crate::pose::{Pose, freed_tracker_pose};
use crate::receiver::{CAMERA_PREFIX, Payload, Receiver, SharedInbox, TrackingOsc, Wire};
use crate::setup::{TrackingSetup, normalise};
use crate::take::{TakeRow, TakeWriter};
use backlot_net::{OscRouter, PerformerSample, PerformerSource, Timecode};

/// How the plugin was asked to run.
#[derive(Resource, Debug, Clone)]
pub struct TrackingSettings {
    /// Listen to live trackers.
    pub live: bool,
    /// Take rows to replay instead of live input.
    pub replay: Option<Vec<TakeRow>>,
    /// Where recorded takes go.
    pub takes_dir: PathBuf,
}

/// A camera's tracking state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackingStatus {
    /// No tracker: the stage file's pose.
    Static,
    /// Tracked, nothing received yet.
    Waiting,
    /// Receiving.
    Tracking,
    /// Nothing for longer than the dropout time; last pose held.
    Lost,
    /// Driven by a take.
    Replay,
}

impl TrackingStatus {
    /// The parameter's name for it.
    pub fn name(self) -> &'static str {
        STATUSES[self as usize]
    }
}

/// What a camera used this frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Applied {
    /// The sample (interpolated when delayed).
    pub sample: Sample,
    /// Newest sample's arrival order when the frame started.
    pub newest_seq: u64,
    /// The lens there.
    pub lens: LensState,
    /// The field of view applied, degrees.
    pub fov: f32,
}

/// One camera at run time.
#[derive(Debug, Clone)]
pub struct CameraState {
    /// Camera id.
    pub id: u32,
    /// Status.
    pub status: TrackingStatus,
    /// Recent samples.
    pub history: History,
    filter: PoseFilter,
    /// Arrival statistics.
    pub meter: RateMeter,
    /// Samples received (arrival order counter).
    pub packets: u64,
    /// Rejected input naming this camera.
    pub errors: u64,
    /// Why the last rejected input was rejected.
    pub last_error: Option<String>,
    zoom: f32,
    focus: f32,
    fov_override: Option<f32>,
    /// Last valid sample's arrival time.
    pub last_valid: Option<f64>,
    /// Samples arrived for this frame: they are applied even when the frame before was
    /// slower than the dropout time.
    fresh: bool,
    /// What was applied in the last frame with data.
    pub applied: Option<Applied>,
    /// (time, rate Hz, jitter ms) per frame, last 10 s, for the panel's graph.
    pub graph: VecDeque<[f64; 3]>,
}

impl CameraState {
    fn new(id: u32, tracked: bool) -> Self {
        Self {
            id,
            status: if tracked {
                TrackingStatus::Waiting
            } else {
                TrackingStatus::Static
            },
            history: History::default(),
            filter: PoseFilter::default(),
            meter: RateMeter::default(),
            packets: 0,
            errors: 0,
            last_error: None,
            zoom: 0.0,
            focus: 0.0,
            fov_override: None,
            last_valid: None,
            fresh: false,
            applied: None,
            graph: VecDeque::new(),
        }
    }
}

/// One tracker's socket.
#[derive(Debug, Clone, Default)]
pub struct TrackerStatus {
    /// Tracker name.
    pub name: String,
    /// Where it listens, once bound.
    pub local: Option<SocketAddr>,
    /// Why it is not listening.
    pub error: Option<String>,
    /// Datagram values received.
    pub packets: u64,
    /// Rejected input.
    pub errors: u64,
    /// Why the last rejected input was rejected.
    pub last_error: Option<String>,
    /// Values for cameras no stage camera follows from this tracker.
    pub unrouted: u64,
    receiver: Option<u64>,
}

/// Everything tracking holds between frames.
#[derive(Resource, Default)]
pub struct TrackingState {
    /// Where receive threads deliver.
    pub inbox: SharedInbox,
    receivers: Vec<Receiver>,
    next_receiver: u64,
    /// Per tracker, parallel to the setup's trackers.
    pub trackers: Vec<TrackerStatus>,
    /// Per camera, parallel to the setup's cameras.
    pub cameras: Vec<CameraState>,
    /// When the current frame's tracking started, on the tracking clock.
    pub frame_start: f64,
    /// Values dropped because a frame stalled for too long.
    pub overflow: u64,
    /// Non-tracking OSC messages seen.
    pub ignored: u64,
    /// Latest pose and arrival time of FreeD ids no camera follows (performers).
    pub others: std::collections::HashMap<u32, (Pose, f64)>,
    setup_generation: Option<u64>,
    stage_loads: u32,
    replay_next: usize,
    replay_start: Option<f64>,
    replay_done: bool,
}

impl TrackingState {
    /// The camera with this id.
    pub fn camera(&self, id: u32) -> Option<&CameraState> {
        self.cameras.iter().find(|c| c.id == id)
    }

    /// Where a tracker listens, by name.
    pub fn tracker_addr(&self, name: &str) -> Option<SocketAddr> {
        self.trackers.iter().find(|t| t.name == name)?.local
    }
}

/// The take being recorded.
#[derive(Resource, Default)]
pub struct TakeRecorder {
    writer: Option<TakeWriter>,
    start: f64,
    trigger_generation: u64,
    /// The last finished take.
    pub last: Option<PathBuf>,
    /// Rows in the current or last take.
    pub samples: u64,
    /// Why the last start or stop failed.
    pub error: Option<String>,
}

impl TakeRecorder {
    /// The file being written.
    pub fn recording(&self) -> Option<&std::path::Path> {
        self.writer.as_ref().map(TakeWriter::path)
    }
}

/// Rebuilds the setup when the stage (re)loads.
pub(crate) fn follow_stage(
    status: Option<Res<StageStatus>>,
    stages: Option<Res<Assets<StageAsset>>>,
    mut setup: ResMut<TrackingSetup>,
    mut state: ResMut<TrackingState>,
) {
    let (Some(status), Some(stages)) = (status, stages) else {
        return;
    };
    if status.loads == state.stage_loads {
        return;
    }
    let Some(stage) = status.handle.as_ref().and_then(|h| stages.get(h)) else {
        return;
    };
    state.stage_loads = status.loads;
    let mut next = TrackingSetup::from_stage(&stage.file);
    next.generation = setup.generation + 1;
    if next.trackers != setup.trackers || next.cameras != setup.cameras {
        *setup = next;
    }
}

/// Applies a new setup: parameters, receivers, camera states.
pub(crate) fn configure(
    setup: Res<TrackingSetup>,
    settings: Res<TrackingSettings>,
    router: Option<Res<OscRouter>>,
    mut state: ResMut<TrackingState>,
    mut registry: ResMut<ParamRegistry>,
) {
    if state.setup_generation == Some(setup.generation) {
        return;
    }
    state.setup_generation = Some(setup.generation);
    let mut specs = Vec::new();
    for c in &setup.cameras {
        specs.extend(camera_specs(c, c.lens.horizontal_fov_deg()));
    }
    for t in &setup.trackers {
        specs.extend(tracker_specs(&t.name));
    }
    registry.replace_under("/tracking", specs);

    // Keep camera state across reloads so a stage edit does not blank the tracking.
    let old = std::mem::take(&mut state.cameras);
    state.cameras = setup
        .cameras
        .iter()
        .map(|c| {
            old.iter()
                .find(|o| o.id == c.id)
                .cloned()
                .unwrap_or_else(|| CameraState::new(c.id, !c.sources.is_empty()))
        })
        .collect();
    for (cam, c) in state.cameras.iter_mut().zip(&setup.cameras) {
        if c.sources.is_empty() && settings.replay.is_none() {
            cam.status = TrackingStatus::Static;
        } else if cam.status == TrackingStatus::Static {
            cam.status = TrackingStatus::Waiting;
        }
    }

    if let Some(router) = router.as_deref() {
        router.unsubscribe(CAMERA_PREFIX);
    }
    // Receivers: keep sockets still wanted (same protocol and port), start the rest.
    let mut keep = Vec::new();
    let mut trackers = Vec::new();
    let mut receivers = std::mem::take(&mut state.receivers);
    for t in &setup.trackers {
        let mut status = TrackerStatus {
            name: t.name.clone(),
            ..default()
        };
        if !settings.live || settings.replay.is_some() {
            status.error = Some(if settings.replay.is_some() {
                "not listening: replaying a take".into()
            } else {
                "not listening: live tracking is off for renders".into()
            });
            trackers.push(status);
            continue;
        }
        if let Some(router) = router.as_deref()
            && t.wire == Wire::Osc
            && router.port() == Some(t.port)
        {
            state.next_receiver += 1;
            let id = state.next_receiver;
            let sink = TrackingOsc {
                inbox: state.inbox.clone(),
                id,
            };
            router.subscribe(CAMERA_PREFIX, std::sync::Arc::new(sink));
            info!(
                "tracker `{}`: OSC on udp {} (shared with control)",
                t.name, t.port
            );
            status.local = Some(SocketAddr::from(([0, 0, 0, 0], t.port)));
            status.receiver = Some(id);
            trackers.push(status);
            continue;
        }
        let reuse = receivers
            .iter()
            .position(|r| r.wire == t.wire && r.requested_port == t.port && t.port != 0);
        let receiver = match reuse {
            Some(i) => Ok(receivers.swap_remove(i)),
            None => {
                state.next_receiver += 1;
                Receiver::start(state.next_receiver, t.wire, t.port, state.inbox.clone())
            }
        };
        match receiver {
            Ok(r) => {
                let kind = match t.wire {
                    Wire::Freed => "FreeD",
                    Wire::Osc => "OSC",
                };
                info!(
                    "tracker `{}`: listening for {kind} on udp {}",
                    t.name, r.local
                );
                status.local = Some(r.local);
                status.receiver = Some(r.id);
                keep.push(r);
            }
            Err(e) => {
                let message = format!("cannot listen on udp port {}: {e}", t.port);
                error!(
                    "tracker `{}`: {message}; its cameras hold their stage-file pose",
                    t.name
                );
                status.error = Some(message);
            }
        }
        trackers.push(status);
    }
    // Keep counters of trackers that survive by name.
    for t in &mut trackers {
        if let Some(o) = state.trackers.iter().find(|o| o.name == t.name) {
            t.packets = o.packets;
            t.errors = o.errors;
            t.last_error.clone_from(&o.last_error);
        }
    }
    drop(receivers);
    state.receivers = keep;
    state.trackers = trackers;
    // Anything already queued for a receiver that is gone no longer routes; drop it.
    let live: Vec<u64> = state.trackers.iter().filter_map(|t| t.receiver).collect();
    let (mut inbox, _) = state.inbox.lock();
    inbox.items.retain(|i| live.contains(&i.receiver));
    inbox.rejected.retain(|r| live.contains(&r.receiver));
}

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

fn param(registry: &ParamRegistry, id: u32, leaf: &str, default: f32) -> f32 {
    registry
        .get(&camera_address(id, leaf))
        .ok()
        .and_then(ParamValue::as_f32)
        .unwrap_or(default)
}

/// A sample as it enters a camera: calibrated pose and lens encoders.
struct Arrival {
    t: f64,
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
                // Not a camera: keep its pose for whoever follows other tracked things
                // (performers wearing a tracker).
                if let Payload::Freed(p) = &item.payload {
                    let pose = tracker
                        .calibration
                        .apply(&freed_tracker_pose(p), Vec3::ZERO);
                    state.others.insert(id, (pose, item.t));
                    performers.write(PerformerSample {
                        id,
                        position: pose.position,
                        source: PerformerSource::Freed,
                    });
                }
                continue;
            };
            let nodal = setup.cameras[ci].nodal;
            let arrival = match item.payload {
                Payload::Freed(p) => {
                    let tracker_pose = freed_tracker_pose(&p);
                    Arrival {
                        t: item.t,
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

/// Picks each camera's pose for this frame (delayed as asked), hands it to the stage and
/// publishes health.
pub(crate) fn apply(
    setup: Res<TrackingSetup>,
    settings: Res<TrackingSettings>,
    recorder: Res<TakeRecorder>,
    mut state: ResMut<TrackingState>,
    mut registry: ResMut<ParamRegistry>,
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
            let stage = |leaf: &str| format!("/stage/cameras/{id}/{leaf}");
            let p = sample.pose;
            let _ = registry.set(&stage("position"), ParamValue::Vec3(p.position.to_array()));
            let _ = registry.set(&stage("rotation"), ParamValue::Vec3(p.rotation));
            let _ = registry.set(&stage("fov"), ParamValue::Float(fov));
            let half_w = (fov.to_radians() * 0.5).tan();
            let extra = if cam.fov_override.is_some() {
                0.0
            } else {
                lens.distortion.covering_overscan_pct(half_w, 16.0 / 9.0)
            };
            let _ = registry.set(&stage("distortion_overscan"), ParamValue::Float(extra));
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

/// `/takes/record` starts or stops a take.
pub(crate) fn record_takes(
    settings: Res<TrackingSettings>,
    state: Res<TrackingState>,
    mut recorder: ResMut<TakeRecorder>,
    mut registry: ResMut<ParamRegistry>,
) {
    let generation = registry.entry("/takes/record").map_or(0, |e| e.generation);
    if generation > recorder.trigger_generation {
        recorder.trigger_generation = generation;
        toggle(&settings, state.frame_start, &mut recorder);
    }
    let recording = recorder.writer.is_some();
    let _ = registry.set_status("/takes/recording", ParamValue::Bool(recording));
}

fn toggle(settings: &TrackingSettings, now: f64, recorder: &mut TakeRecorder) {
    if let Some(writer) = recorder.writer.take() {
        let shown = writer.path().display().to_string();
        match writer.finish() {
            Ok(path) => {
                info!("take recorded: {shown} ({} samples)", recorder.samples);
                recorder.last = Some(path);
                recorder.error = None;
            }
            Err(e) => {
                error!("take {shown}: {e}");
                recorder.error = Some(format!("{shown}: {e}"));
            }
        }
        return;
    }
    let path = settings.takes_dir.join(take_name());
    match TakeWriter::create(&path) {
        Ok(writer) => {
            info!("recording take {}", path.display());
            recorder.writer = Some(writer);
            recorder.start = now;
            recorder.samples = 0;
            recorder.error = None;
        }
        Err(e) => {
            error!("cannot record a take at {}: {e}", path.display());
            recorder.error = Some(format!("{}: {e}", path.display()));
        }
    }
}

/// `take-YYYYMMDD-HHMMSS-mmm.csv` in UTC.
fn take_name() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "take-{y:04}{m:02}{d:02}-{:02}{:02}{:02}-{:03}.csv",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Registers `/takes/...` once.
pub(crate) fn register_take_params(
    mut registry: ResMut<ParamRegistry>,
    mut recorder: ResMut<TakeRecorder>,
) {
    for spec in take_specs() {
        let _ = registry.register(spec);
    }
    // Registering is not a press.
    recorder.trigger_generation = registry.entry("/takes/record").map_or(0, |e| e.generation);
}
