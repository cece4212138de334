//! Receive loops that survive socket errors: a read timeout is idle, any other error is
//! reported once per streak and waited out with a growing delay.

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// What one receive attempt gave.
#[derive(Debug)]
pub enum Received {
    /// A datagram of this length from this peer.
    Datagram(usize, SocketAddr),
    /// The read timed out: the normal idle case.
    Idle,
    /// A socket error, already waited out. `first` is true for the first of a streak, the
    /// one to report.
    Error {
        /// The error.
        error: std::io::Error,
        /// First of a streak.
        first: bool,
    },
}

/// Whether a read error only means nothing arrived in time (the normal idle case).
pub fn is_idle(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock
            | std::io::ErrorKind::TimedOut
            | std::io::ErrorKind::Interrupted
    )
}

/// Receive with back-off: any socket error other than a timeout is waited out (10 ms
/// doubling to 1 s), so a persistent error never spins a core.
#[derive(Debug, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// One receive attempt.
    pub fn recv(&mut self, socket: &UdpSocket, buf: &mut [u8]) -> Received {
        match socket.recv_from(buf) {
            Ok((len, from)) => {
                self.failures = 0;
                Received::Datagram(len, from)
            }
            Err(e) if is_idle(&e) => Received::Idle,
            Err(error) => {
                let first = self.failures == 0;
                std::thread::sleep(self.delay());
                self.failures = self.failures.saturating_add(1);
                Received::Error { error, first }
            }
        }
    }

    /// Errors in the current streak.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The wait after the current streak of failures.
    pub fn delay(&self) -> Duration {
        Duration::from_millis((10u64 << self.failures.min(7)).min(1000))
    }

    /// Counts a failure outside [`Backoff::recv`] (a worker that died, a lookup that failed)
    /// and gives the wait before the next try; the caller schedules it, nothing sleeps here.
    pub fn failed(&mut self) -> Duration {
        let wait = self.delay();
        self.failures = self.failures.saturating_add(1);
        wait
    }

    /// Ends the streak: the thing retried works again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_to_a_second() {
        let mut b = Backoff::default();
        let delays: Vec<u64> = (0..10)
            .map(|_| {
                let d = b.delay().as_millis() as u64;
                b.failures += 1;
                d
            })
            .collect();
        assert_eq!(delays, [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000]);
    }

    #[test]
    fn failures_outside_recv_grow_the_wait_until_reset() {
        let mut b = Backoff::default();
        let waits: Vec<u64> = (0..3).map(|_| b.failed().as_millis() as u64).collect();
        assert_eq!(waits, [10, 20, 40]);
        assert_eq!(b.failures(), 3);
        b.reset();
        assert_eq!(b.failures(), 0);
        assert_eq!(b.delay(), Duration::from_millis(10));
    }

    #[test]
    fn a_timeout_is_idle_not_an_error() {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket
            .set_read_timeout(Some(Duration::from_millis(5)))
            .expect("timeout");
        let mut b = Backoff::default();
        let mut buf = [0u8; 64];
        assert!(matches!(b.recv(&socket, &mut buf), Received::Idle));
        assert_eq!(b.failures(), 0);
        let peer = UdpSocket::bind("127.0.0.1:0").expect("peer");
        peer.send_to(b"x", socket.local_addr().expect("addr"))
            .expect("send");
        assert!(matches!(
            b.recv(&socket, &mut buf),
            Received::Datagram(1, _)
        ));
    }
}
