//! Slow loads (WAV decode, ONNX optimisation) on a thread of their own, polled by the frame:
//! `app.update()` never waits for one. A loader runs one job at a time: a newer request
//! waits for the running one, whose result is then dropped, so rapid reloads never pile
//! threads up. A job that panics is reported as an error, not lost.

use std::thread::JoinHandle;

pub(crate) use backlot_files::save::panic_text;

/// A load: runs once, off the frame.
pub(crate) type Job<T> = Box<dyn FnOnce() -> Result<T, String> + Send + Sync>;

/// One background load slot.
pub(crate) struct Loader<T> {
    running: Option<JoinHandle<Result<T, String>>>,
    /// The running job's result is no longer wanted (a newer request, or none, replaced it).
    stale: bool,
    queued: Option<Job<T>>,
    /// A thread that could not start, reported by the next poll.
    spawn_error: Option<String>,
}

impl<T> Default for Loader<T> {
    fn default() -> Self {
        Self {
            running: None,
            stale: false,
            queued: None,
            spawn_error: None,
        }
    }
}

impl<T: Send + 'static> Loader<T> {
    /// Loads with `job` off the frame, replacing any earlier request.
    pub(crate) fn start(
        &mut self,
        job: impl FnOnce() -> Result<T, String> + Send + Sync + 'static,
    ) {
        if self.running.is_some() {
            self.stale = true;
            self.queued = Some(Box::new(job));
        } else {
            self.spawn(Box::new(job));
        }
    }

    /// Drops any request: a running job finishes unseen.
    pub(crate) fn cancel(&mut self) {
        self.stale = self.running.is_some();
        self.queued = None;
        self.spawn_error = None;
    }

    /// A load is wanted and not yet done.
    pub(crate) fn busy(&self) -> bool {
        (self.running.is_some() && !self.stale) || self.queued.is_some()
    }

    /// The wanted load's result once it is done; never waits.
    pub(crate) fn poll(&mut self) -> Option<Result<T, String>> {
        if let Some(e) = self.spawn_error.take() {
            return Some(Err(e));
        }
        if !self.running.as_ref().is_some_and(JoinHandle::is_finished) {
            return None;
        }
        let result = match self.running.take()?.join() {
            Ok(r) => r,
            Err(p) => Err(format!("the loader panicked: {}", panic_text(&*p))),
        };
        let stale = std::mem::take(&mut self.stale);
        if let Some(job) = self.queued.take() {
            self.spawn(job);
        }
        if stale { None } else { Some(result) }
    }

    fn spawn(&mut self, job: Job<T>) {
        match std::thread::Builder::new()
            .name("backlot-load".into())
            .spawn(job)
        {
            Ok(handle) => self.running = Some(handle),
            Err(e) => {
                tracing::error!("cannot start a loader thread: {e}");
                self.spawn_error = Some(format!("cannot start a loader thread: {e}"));
            }
        }
    }
}
