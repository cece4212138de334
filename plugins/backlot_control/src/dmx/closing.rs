//! Closing emptied multicast sockets off the frame. Dropping a listener joins its thread,
//! which sees its stop flag within one read timeout (50 ms), so a reload that empties a few
//! sockets would hold the frame that long each; a closing thread drops them instead. The
//! listeners closing are bounded and counted for the DMX monitor; past the bound they are
//! closed on the frame as before, and counted too.

use std::thread::JoinHandle;

use backlot_net::UdpListener;
use tracing::{error, warn};

use super::groups::MAX_GROUP_SOCKETS;

/// Listeners closing off the frame at most: two reloads' worth of every socket.
pub const MAX_CLOSING: usize = 2 * MAX_GROUP_SOCKETS;

/// A closing thread and how many listeners it drops.
struct Batch {
    listeners: usize,
    thread: JoinHandle<()>,
}

/// The closing threads of one multicast pool.
pub(crate) struct Closer {
    limit: usize,
    batches: Vec<Batch>,
    /// Listeners closed on the frame: the limit was reached, or no thread could start.
    pub(crate) on_frame: u64,
    /// Closing threads that ended by a panic.
    pub(crate) panicked: u64,
}

impl Default for Closer {
    fn default() -> Self {
        Self::with_limit(MAX_CLOSING)
    }
}

impl Closer {
    /// At most `limit` listeners closing at once.
    pub(crate) fn with_limit(limit: usize) -> Self {
        Self {
            limit,
            batches: Vec::new(),
            on_frame: 0,
            panicked: 0,
        }
    }

    /// Listeners whose threads are still being stopped and joined.
    pub(crate) fn closing(&self) -> usize {
        self.batches
            .iter()
            .filter(|b| !b.thread.is_finished())
            .map(|b| b.listeners)
            .sum()
    }

    /// Stops and joins `listeners` on a thread of their own; never waits, unless the limit
    /// is reached.
    pub(crate) fn close(&mut self, listeners: Vec<UdpListener>) {
        self.reap();
        let n = listeners.len();
        if n == 0 {
            return;
        }
        if self.closing() + n > self.limit {
            warn!(
                "sACN multicast: {} sockets already closing; closing {n} more on the frame",
                self.closing()
            );
            self.on_frame += n as u64;
            drop(listeners);
            return;
        }
        // On failure the closure, and so the listeners, is dropped here: on the frame.
        match std::thread::Builder::new()
            .name("backlot-sacn-close".into())
            .spawn(move || drop(listeners))
        {
            Ok(thread) => self.batches.push(Batch {
                listeners: n,
                thread,
            }),
            Err(e) => {
                warn!("sACN multicast: cannot start a closing thread ({e}); closed on the frame");
                self.on_frame += n as u64;
            }
        }
    }

    /// Joins closing threads that have ended (without waiting for any other).
    fn reap(&mut self) {
        for b in std::mem::take(&mut self.batches) {
            if !b.thread.is_finished() {
                self.batches.push(b);
            } else if b.thread.join().is_err() {
                self.panicked += 1;
                error!("sACN multicast: a closing thread panicked");
            }
        }
    }
}

impl Drop for Closer {
    fn drop(&mut self) {
        // At exit: no thread is left behind.
        for b in self.batches.drain(..) {
            if b.thread.join().is_err() {
                error!("sACN multicast: a closing thread panicked");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn listener() -> UdpListener {
        UdpListener::bind("test-close", "127.0.0.1:0", |_| {}).expect("bind")
    }

    #[test]
    fn listeners_close_off_the_frame_up_to_the_limit() {
        let mut closer = Closer::with_limit(1);
        // Two at once are past the limit of one: closed on the frame, and counted.
        let (a, b) = (listener(), listener());
        let freed = a.local_addr();
        closer.close(vec![a, b]);
        assert_eq!(closer.on_frame, 2);
        assert_eq!(closer.closing(), 0);
        std::net::UdpSocket::bind(freed).expect("closed on the frame: the port is free");
        // One is within it: closed by a thread, and gone within a bounded wait.
        closer.close(vec![listener()]);
        assert!(closer.closing() <= 1);
        let start = Instant::now();
        while closer.closing() > 0 {
            assert!(start.elapsed() < Duration::from_secs(3), "timed out");
            std::thread::sleep(Duration::from_millis(5));
        }
        closer.close(Vec::new());
        assert!(closer.batches.is_empty(), "ended threads are joined");
        assert_eq!((closer.on_frame, closer.panicked), (2, 0));
    }
}
