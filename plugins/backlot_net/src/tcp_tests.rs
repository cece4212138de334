//! The SLIP-over-TCP listener on loopback: frames arrive, the connection cap and the allow
//! list refuse at accept, idle connections close, and threads come back to baseline.

use super::*;
use crate::slip::slip_encode;
use std::io::Write;
use std::sync::Mutex;

/// Polls `done` for at most 10 s; whether it came true.
fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > Duration::from_secs(10) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    true
}

#[test]
fn frames_arrive_and_drop_joins_every_connection() {
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    let listener = SlipListener::bind("test-slip", "127.0.0.1:0", move |_, e| {
        if let SlipEvent::Frame(b) = e {
            sink.lock().expect("lock").push(b.to_vec());
        }
    })
    .expect("bind");
    let mut client = TcpStream::connect(listener.local_addr()).expect("connect");
    let mut bytes = slip_encode(b"abc");
    bytes.extend(slip_encode(b"de"));
    client.write_all(&bytes).expect("write");
    let start = Instant::now();
    while got.lock().expect("lock").len() < 2 && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        *got.lock().expect("lock"),
        vec![b"abc".to_vec(), b"de".to_vec()]
    );
    assert_eq!(listener.connections(), 1);
    let addr = listener.local_addr();
    // The client stays connected: drop must still stop and join its thread.
    drop(listener);
    TcpListener::bind(addr).expect("port free after drop");
    drop(client);
}

#[test]
fn connections_beyond_the_cap_are_refused() {
    let limits = SlipLimits {
        max_connections: 2,
        ..SlipLimits::default()
    };
    let listener =
        SlipListener::bind_with("test-cap", "127.0.0.1:0", limits, None, |_, _| {}).expect("bind");
    let addr = listener.local_addr();
    let first = TcpStream::connect(addr).expect("connect");
    let second = TcpStream::connect(addr).expect("connect");
    assert!(eventually(|| listener.connections() == 2));
    let mut third = TcpStream::connect(addr).expect("the kernel accepts; backlot refuses");
    third
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut byte = [0u8; 1];
    // Refused: closed by the listener, so the read ends (EOF or reset), not times out.
    let closed = match third.read(&mut byte) {
        Ok(n) => n == 0,
        Err(e) => !is_idle(&e),
    };
    assert!(closed, "the third connection was not closed");
    assert!(eventually(|| listener.health().refused == 1));
    assert_eq!(listener.connections(), 2);
    drop((first, second));
}

#[test]
fn an_idle_connection_is_closed_and_counted() {
    let limits = SlipLimits {
        idle_timeout: Duration::from_millis(200),
        ..SlipLimits::default()
    };
    let listener =
        SlipListener::bind_with("test-idle", "127.0.0.1:0", limits, None, |_, _| {}).expect("bind");
    let mut client = TcpStream::connect(listener.local_addr()).expect("connect");
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut byte = [0u8; 1];
    let closed = match client.read(&mut byte) {
        Ok(n) => n == 0,
        Err(e) => !is_idle(&e),
    };
    assert!(closed, "the idle connection was left open");
    assert!(eventually(|| listener.idle_closed() == 1));
    assert!(eventually(
        || listener.connections() == 0 && listener.threads() == 0
    ));
}

#[test]
fn threads_return_to_baseline_after_many_connections() {
    let listener = SlipListener::bind("test-churn", "127.0.0.1:0", |_, _| {}).expect("bind");
    let addr = listener.local_addr();
    assert_eq!(listener.threads(), 0);
    for i in 0..200u32 {
        let mut c = TcpStream::connect(addr).expect("connect");
        if i % 2 == 0 {
            c.write_all(&slip_encode(b"x")).expect("write");
        }
        drop(c);
        // Never more than the cap at once: once this one is accepted, wait for a slot.
        assert!(eventually(|| listener.health().received > u64::from(i)));
        assert!(eventually(|| listener.threads() < MAX_CONNECTIONS));
    }
    assert!(
        eventually(|| listener.connections() == 0 && listener.threads() == 0),
        "{} connections, {} threads left",
        listener.connections(),
        listener.threads()
    );
    assert_eq!(listener.health().refused, 0);
}

#[test]
fn peers_outside_the_allow_list_are_refused_at_accept() {
    use crate::access::{Cidr, Protocol};
    let frames = Arc::new(AtomicUsize::new(0));
    let seen = frames.clone();
    let access = Arc::new(AllowList::new(
        Protocol::Osc,
        &[Cidr::parse("127.0.0.1/32").expect("cidr")],
    ));
    let listener = SlipListener::bind_with(
        "test-slip-allow",
        "127.0.0.1:0",
        SlipLimits::default(),
        Some(access.clone()),
        move |_, _| {
            seen.fetch_add(1, Ordering::Relaxed);
        },
    )
    .expect("bind");
    let stranger =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    stranger
        .bind(&SocketAddr::from(([127, 0, 0, 2], 0)).into())
        .expect("bind 127.0.0.2");
    stranger
        .connect(&listener.local_addr().into())
        .expect("connect");
    let mut stranger: TcpStream = stranger.into();
    let _ = stranger.write_all(&slip_encode(b"nope"));
    assert!(eventually(|| access.refused() == 1));
    let mut friend = TcpStream::connect(listener.local_addr()).expect("connect");
    friend.write_all(&slip_encode(b"yes")).expect("write");
    assert!(eventually(|| frames.load(Ordering::Relaxed) == 1));
    assert_eq!(access.refused(), 1);
    assert_eq!(listener.health().received, 1, "only the friend was served");
}
