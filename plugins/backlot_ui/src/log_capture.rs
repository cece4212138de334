//! Captures log records for the Log panel, through Bevy's `LogPlugin::custom_layer`.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bevy::log::BoxedLayer;
use bevy::log::tracing_subscriber::{Layer, layer::Context};
use bevy::prelude::*;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};

const CAPACITY: usize = 1000;

/// One captured line.
#[derive(Debug, Clone)]
pub struct LogLine {
    /// Seconds since start.
    pub at: f32,
    /// Severity.
    pub level: Level,
    /// Module that logged it.
    pub target: String,
    /// The message and fields.
    pub message: String,
}

/// The most recent log lines (info and above), shared with the tracing layer.
#[derive(Resource, Clone)]
pub struct LogBuffer {
    lines: Arc<Mutex<VecDeque<LogLine>>>,
    start: Instant,
}

impl Default for LogBuffer {
    fn default() -> Self {
        Self {
            lines: Arc::new(Mutex::new(VecDeque::with_capacity(CAPACITY))),
            start: Instant::now(),
        }
    }
}

impl LogBuffer {
    /// A copy of the buffered lines, oldest first.
    pub fn snapshot(&self) -> Vec<LogLine> {
        // A poisoned lock only means a logging thread panicked mid-push; the data is fine.
        let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        lines.iter().cloned().collect()
    }

    /// Drops every line.
    pub fn clear(&self) {
        self.lines.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn push(&self, line: LogLine) {
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        if lines.len() == CAPACITY {
            lines.pop_front();
        }
        lines.push_back(line);
    }
}

struct CaptureLayer(LogBuffer);

/// An event's message and fields as one line of text (the log panel, the log file).
#[derive(Default)]
pub struct MessageVisitor(pub String);

impl Visit for MessageVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

impl<S: Subscriber> Layer<S> for CaptureLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() > Level::INFO {
            return;
        }
        let mut visitor = MessageVisitor::default();
        event.record(&mut visitor);
        self.0.push(LogLine {
            at: self.0.start.elapsed().as_secs_f32(),
            level: *meta.level(),
            target: meta.target().to_string(),
            message: visitor.0,
        });
    }
}

/// For `LogPlugin { custom_layer: backlot_ui::capture_layer, .. }`: installs the
/// [`LogBuffer`] resource and returns the layer that fills it.
pub fn capture_layer(app: &mut App) -> Option<BoxedLayer> {
    let buffer = app
        .world_mut()
        .get_resource_or_insert_with(LogBuffer::default)
        .clone();
    Some(Box::new(CaptureLayer(buffer)))
}
