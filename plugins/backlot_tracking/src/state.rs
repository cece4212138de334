//! What tracking holds between frames: how the plugin runs, each camera's state and each
//! tracker's socket.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;

use backlot_net::HealthReport;
use backlot_stage::format::LensState;
use bevy::prelude::*;

use crate::filter::PoseFilter;
use crate::history::{History, RateMeter, Sample};
use crate::params::STATUSES;
use crate::receiver::{Receiver, SharedInbox};
use crate::take::TakeRow;

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
    pub(crate) filter: PoseFilter,
    /// Arrival statistics.
    pub meter: RateMeter,
    /// Samples received (arrival order counter).
    pub packets: u64,
    /// Rejected input naming this camera.
    pub errors: u64,
    /// Why the last rejected input was rejected.
    pub last_error: Option<String>,
    pub(crate) zoom: f32,
    pub(crate) focus: f32,
    pub(crate) fov_override: Option<f32>,
    /// Last valid sample's arrival time.
    pub last_valid: Option<f64>,
    /// Samples arrived for this frame: they are applied even when the frame before was
    /// slower than the dropout time.
    pub(crate) fresh: bool,
    /// What was applied in the last frame with data.
    pub applied: Option<Applied>,
    /// (time, rate Hz, jitter ms) per frame, last 10 s, for the panel's graph.
    pub graph: VecDeque<[f64; 3]>,
}

impl CameraState {
    pub(crate) fn new(id: u32, tracked: bool) -> Self {
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
    pub(crate) receiver: Option<u64>,
}

/// Everything tracking holds between frames.
#[derive(Resource, Default)]
pub struct TrackingState {
    /// Where receive threads deliver.
    pub inbox: SharedInbox,
    pub(crate) receivers: Vec<Receiver>,
    pub(crate) next_receiver: u64,
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
    pub(crate) setup_generation: Option<u64>,
    pub(crate) replay_next: usize,
    pub(crate) replay_start: Option<f64>,
    pub(crate) replay_done: bool,
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

    /// A tracker's receive thread health, by name: `None` when it is not listening, or when
    /// it takes its samples from the shared OSC port (that listener's health is shown with
    /// the other OSC listeners).
    pub fn tracker_health(&self, name: &str) -> Option<HealthReport> {
        let id = self.trackers.iter().find(|t| t.name == name)?.receiver?;
        self.receivers
            .iter()
            .find(|r| r.id == id)
            .map(Receiver::health)
    }
}
