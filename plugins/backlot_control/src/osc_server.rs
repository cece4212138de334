//! OSC over UDP and over TCP with SLIP framing (OSC 1.1), and feedback to surfaces.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use backlot_tracking::OscTap;

use crate::codec::osc;
use crate::inbox::{LogKind, OscIn, SharedInbox, describe};

const TIMEOUT: Duration = Duration::from_millis(100);

/// Camera tracking addresses go to the tracking plugin, which shares this port.
fn is_tracking(address: &str) -> bool {
    address.starts_with("/backlot/camera/")
}

/// Decodes one OSC packet from `from` into the inbox.
pub fn deliver(bytes: &[u8], from: SocketAddr, inbox: &SharedInbox, tap: Option<&OscTap>) {
    let source = format!("osc {from}");
    match osc::decode(bytes) {
        Ok(messages) => {
            if let Some(tap) = tap
                && messages.iter().any(|m| is_tracking(&m.message.addr))
            {
                tap.deliver(bytes);
            }
            let mut inbox = inbox.lock();
            for timed in messages {
                if is_tracking(&timed.message.addr) {
                    continue;
                }
                if !inbox.room() {
                    continue;
                }
                inbox.log(
                    LogKind::Osc,
                    format!("{from} {}", describe(&timed.message)),
                    false,
                );
                inbox.osc.push(OscIn { from, timed });
            }
        }
        Err(e) => inbox
            .lock()
            .count(&source, Some(e.to_string()), LogKind::Osc),
    }
}

/// Listens for OSC datagrams.
pub fn spawn_udp(
    socket: UdpSocket,
    inbox: SharedInbox,
    tap: Option<OscTap>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<()> {
    socket.set_read_timeout(Some(TIMEOUT))?;
    std::thread::Builder::new()
        .name("backlot-osc-udp".into())
        .spawn(move || {
            let mut buf = vec![0u8; 65_536];
            while !stop.load(Ordering::Relaxed) {
                match socket.recv_from(&mut buf) {
                    Ok((len, from)) => deliver(&buf[..len], from, &inbox, tap.as_ref()),
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock
                                | std::io::ErrorKind::TimedOut
                                | std::io::ErrorKind::Interrupted
                        ) => {}
                    Err(e) => {
                        tracing::warn!("OSC udp: {e}");
                        std::thread::sleep(TIMEOUT);
                    }
                }
            }
        })?;
    Ok(())
}

/// Accepts OSC 1.1 TCP connections (SLIP frames).
pub fn spawn_tcp(
    listener: TcpListener,
    inbox: SharedInbox,
    tap: Option<OscTap>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    std::thread::Builder::new()
        .name("backlot-osc-tcp".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, from)) => {
                        let (inbox, tap, stop) = (inbox.clone(), tap.clone(), stop.clone());
                        let _ = std::thread::Builder::new()
                            .name("backlot-osc-tcp-conn".into())
                            .spawn(move || connection(stream, from, &inbox, tap.as_ref(), &stop));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(TIMEOUT)
                    }
                    Err(e) => {
                        tracing::warn!("OSC tcp: {e}");
                        std::thread::sleep(TIMEOUT);
                    }
                }
            }
        })?;
    Ok(())
}

fn connection(
    mut stream: TcpStream,
    from: SocketAddr,
    inbox: &SharedInbox,
    tap: Option<&OscTap>,
    stop: &AtomicBool,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(TIMEOUT));
    let mut slip = osc::SlipDecoder::default();
    let mut buf = vec![0u8; 16_384];
    tracing::info!("OSC tcp: {from} connected");
    while !stop.load(Ordering::Relaxed) {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                for frame in slip.feed(&buf[..n]) {
                    match frame {
                        Ok(packet) => deliver(&packet, from, inbox, tap),
                        Err(e) => inbox.lock().count(
                            &format!("osc {from}"),
                            Some(e.to_string()),
                            LogKind::Osc,
                        ),
                    }
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(_) => break,
        }
    }
    tracing::info!("OSC tcp: {from} disconnected");
}
