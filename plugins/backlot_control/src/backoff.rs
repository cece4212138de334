//! UDP receive loops that survive socket errors: a read timeout is idle, any other error is
//! reported once per streak and waited out with a growing delay.

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use crate::inbox::{LogKind, SharedInbox};

/// Receive with back-off: a read timeout is the normal idle case; any other socket error is
/// reported once per streak and waited out (10 ms doubling to 1 s), so a persistent error
/// never spins a core.
#[derive(Debug, Default)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The next datagram, or None after a timeout or an error (already waited out).
    pub fn recv(
        &mut self,
        socket: &UdpSocket,
        buf: &mut [u8],
        what: &str,
        inbox: &SharedInbox,
    ) -> Option<(usize, SocketAddr)> {
        match socket.recv_from(buf) {
            Ok(got) => {
                if self.failures > 0 {
                    inbox
                        .lock()
                        .log(LogKind::Dmx, format!("{what}: receiving again"), false);
                }
                self.failures = 0;
                Some(got)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(e) => {
                if self.failures == 0 {
                    tracing::warn!("{what}: socket error: {e}; retrying with back-off");
                    inbox
                        .lock()
                        .log(LogKind::Dmx, format!("{what}: socket error: {e}"), true);
                }
                std::thread::sleep(self.delay());
                self.failures = self.failures.saturating_add(1);
                None
            }
        }
    }

    /// The wait after the current streak of failures.
    pub fn delay(&self) -> Duration {
        Duration::from_millis((10u64 << self.failures.min(7)).min(1000))
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
    fn a_timeout_is_idle_not_an_error() {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket
            .set_read_timeout(Some(Duration::from_millis(5)))
            .expect("timeout");
        let inbox = SharedInbox::default();
        let mut b = Backoff::default();
        let mut buf = [0u8; 64];
        assert!(b.recv(&socket, &mut buf, "test", &inbox).is_none());
        assert_eq!(b.failures, 0);
        let peer = UdpSocket::bind("127.0.0.1:0").expect("peer");
        peer.send_to(b"x", socket.local_addr().expect("addr"))
            .expect("send");
        assert_eq!(
            b.recv(&socket, &mut buf, "test", &inbox).map(|(n, _)| n),
            Some(1)
        );
    }
}
