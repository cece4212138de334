//! The HTTP server against real loopback sockets: the answers, the wait for the scene, and
//! the clients that must not hold it (slowloris, endless header, idle storm, a client that
//! never reads). Each test is bounded in connections and time.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use backlot_params::{ParamAddress, ParamRegistry, ParamSpec};

use super::{HttpServer, Limits, SharedSnapshot, Snapshot, bind, build_tree};

/// A namespace of `params` parameters under `/scene`, ready to serve.
fn namespace(params: usize) -> Snapshot {
    let mut r = ParamRegistry::default();
    for i in 0..params {
        let address = format!("/scene/group{}/param{i}", i % 50);
        r.register(
            ParamSpec::float(
                ParamAddress::new(address).expect("address"),
                0.5,
                0.0,
                1.0,
                "",
            )
            .with_description("a parameter with a description long enough to weigh"),
        )
        .expect("register");
    }
    Snapshot {
        tree: Arc::new(build_tree(r.iter(), |_| String::new())),
        osc_port: 9000,
        osc_tcp_port: 9001,
        ready: true,
        live: None,
    }
}

fn serve(snapshot: Snapshot, limits: Limits) -> (HttpServer, SharedSnapshot, SocketAddr) {
    let shared: SharedSnapshot = Arc::new(RwLock::new(snapshot));
    let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind");
    let server = HttpServer::start(listener, shared.clone(), limits).expect("start");
    let addr = server.local_addr();
    (server, shared, addr)
}

/// The whole response to `request` (status line, headers, body).
fn exchange(addr: SocketAddr, request: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(request.as_bytes()).expect("write");
    let mut bytes = Vec::new();
    // A read timeout leaves what arrived, for the assertion to show.
    let _ = s.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

fn get(addr: SocketAddr, target: &str) -> String {
    exchange(
        addr,
        &format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    )
}

fn waiting(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// Polls `done` for up to `limit`.
fn eventually(limit: Duration, done: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

#[test]
fn answers_get_as_json_and_only_get() {
    let (server, _, addr) = serve(namespace(3), Limits::default());
    let root = get(addr, "/");
    assert!(root.starts_with("HTTP/1.1 200"), "{root}");
    assert!(
        root.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{root}"
    );
    assert!(
        root.contains("\"FULL_PATH\":\"/scene/group1/param1\""),
        "{root}"
    );
    let value = get(addr, "/scene/group2/param2?VALUE");
    assert!(value.ends_with("{\"VALUE\":[0.5]}"), "{value}");
    assert!(get(addr, "/missing").starts_with("HTTP/1.1 404"));
    let post = exchange(
        addr,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(post.starts_with("HTTP/1.1 405"), "{post}");
    let head = exchange(
        addr,
        "HEAD /?HOST_INFO HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.ends_with("\r\n\r\n"),
        "a HEAD reply has no body: {head}"
    );
    let stats = server.stats();
    assert!(stats.running);
    assert_eq!(stats.accepted, 5);
}

#[test]
fn requests_wait_for_the_scene_then_503() {
    let limits = Limits {
        ready_wait: Duration::from_millis(300),
        ..Limits::default()
    };
    let (never, _, addr) = serve(Snapshot::default(), limits);
    let early = get(addr, "/");
    assert!(early.starts_with("HTTP/1.1 503"), "{early}");
    assert!(early.contains("ERROR"), "{early}");
    drop(never);

    let limits = Limits {
        ready_wait: Duration::from_secs(5),
        ..Limits::default()
    };
    let (_server, shared, addr) = serve(Snapshot::default(), limits);
    let client = std::thread::spawn(move || get(addr, "/"));
    // The request is (most likely) waiting by now; answered early, it would be an empty
    // namespace or a 503.
    std::thread::sleep(Duration::from_millis(200));
    *shared.write().expect("snapshot") = namespace(2);
    let reply = client.join().expect("client");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("/scene/group1/param1"), "{reply}");
}

#[test]
fn a_slowloris_is_closed_when_its_head_is_late() {
    let limits = Limits {
        header_timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let (server, _, addr) = serve(namespace(1), limits);
    let mut s = TcpStream::connect(addr).expect("connect");
    // The read timeout paces the bytes: one per 100 ms.
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    let head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    let mut bytes = head.iter().copied().chain(std::iter::repeat(b'a'));
    let start = Instant::now();
    let mut buf = [0u8; 256];
    let closed = loop {
        if start.elapsed() > Duration::from_secs(7) {
            break false;
        }
        if s.write_all(&[bytes.next().unwrap_or(b'a')]).is_err() {
            break true;
        }
        match s.read(&mut buf) {
            Err(e) if waiting(&e) => {}
            // Closed, reset, or an error reply before the close.
            _ => break true,
        }
    };
    assert!(closed, "a head trickling in forever was not cut off");
    assert!(eventually(Duration::from_secs(2), || server
        .stats()
        .timed_out
        >= 1));
    assert!(get(addr, "/?HOST_INFO").starts_with("HTTP/1.1 200"));
}

#[test]
fn an_endless_header_is_cut_off_and_others_still_served() {
    let (_server, _, addr) = serve(namespace(1), Limits::default());
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_millis(50)))
        .expect("timeout");
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Endless: ")
        .expect("write");
    let chunk = [b'a'; 1024];
    let mut sent = 0;
    let mut buf = [0u8; 256];
    let closed = loop {
        if sent >= 64 * 1024 {
            break false;
        }
        if s.write_all(&chunk).is_err() {
            break true;
        }
        sent += chunk.len();
        match s.read(&mut buf) {
            Err(e) if waiting(&e) => {}
            // 431, a close or a reset.
            _ => break true,
        }
    };
    assert!(closed, "{sent} bytes of one header and still open");
    assert!(get(addr, "/?HOST_INFO").starts_with("HTTP/1.1 200"));
}

#[test]
fn an_idle_storm_does_not_lock_out_a_real_client() {
    let limits = Limits {
        max_connections: 64,
        ..Limits::default()
    };
    let (server, _, addr) = serve(namespace(1), limits);
    // 1000 connections that send nothing; the newest 400 held open (file descriptors in
    // this process are finite too).
    let mut held = VecDeque::new();
    for _ in 0..1000 {
        held.push_back(TcpStream::connect(addr).expect("connect"));
        if held.len() > 400 {
            held.pop_front();
        }
    }
    let reply = get(addr, "/?HOST_INFO");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let stats = server.stats();
    assert!(stats.open <= 64, "{stats}");
    assert_eq!(stats.refused, 0, "{stats}");
    // At most 600 of the storm were closed by this side, at most 64 stay open.
    assert!(stats.evicted >= 1001 - 600 - 64, "{stats}");
}

#[test]
fn a_client_that_never_reads_blocks_nobody() {
    let limits = Limits {
        write_timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let (server, _, addr) = serve(namespace(2000), limits);
    let mut deaf = TcpStream::connect(addr).expect("connect");
    // 200 replies of ~400 KB: more than any socket buffers hold.
    let requests = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200);
    deaf.write_all(requests.as_bytes()).expect("write");
    // Its replies fill the socket buffers and its writes stall.
    std::thread::sleep(Duration::from_millis(300));
    let reply = get(addr, "/scene/group0/param0?VALUE");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.ends_with("{\"VALUE\":[0.5]}"), "{reply}");
    assert!(
        eventually(Duration::from_secs(5), || server.stats().timed_out >= 1),
        "the deaf client was never dropped: {}",
        server.stats()
    );
    drop(deaf);
}

#[test]
fn dropping_the_server_closes_its_socket() {
    let (server, _, addr) = serve(namespace(1), Limits::default());
    assert!(get(addr, "/").starts_with("HTTP/1.1 200"));
    drop(server);
    assert!(
        TcpStream::connect(addr).is_err(),
        "still listening on {addr}"
    );
}
