//! Hostile OSC against the real binary over UDP and TCP: star patterns, deep bundles and
//! arrays, 60 KB addresses, 10,000 arguments, an endless SLIP frame and a bad escape. After
//! each one the show is still well (see `faults.rs`).

use crate::faults::{FOG, Show, start};
use crate::support::{osc_bundle, osc_float, osc_message, slip_frame};

/// Hostile OSC packets, each within a datagram's size.
fn hostile() -> Vec<(&'static str, Vec<u8>)> {
    let half = 0.5f32.to_be_bytes();
    let star = |len: usize| {
        let mut address = b"/".to_vec();
        address.resize(len, b'*');
        osc_message(&address, b",f", &half)
    };
    let mut nested_bundle = osc_float(FOG, 0.9);
    for _ in 0..40 {
        nested_bundle = osc_bundle(1, &[nested_bundle]);
    }
    let mut tags = b",".to_vec();
    tags.extend([b'['; 40]);
    tags.push(b'f');
    tags.extend([b']'; 40]);
    let nested_array = osc_message(FOG.as_bytes(), &tags, &half);
    let mut long = b"/".to_vec();
    long.resize(60_000, b'a');
    let long_address = osc_message(&long, b",f", &half);
    let mut tags = b",".to_vec();
    tags.resize(10_001, b'i');
    let ints: Vec<u8> = (0..10_000i32).flat_map(i32::to_be_bytes).collect();
    let many_args = osc_message(FOG.as_bytes(), &tags, &ints);
    vec![
        ("a 200-byte star pattern", star(200)),
        ("a 60 KB star pattern", star(60_000)),
        ("bundles nested 40 deep", nested_bundle),
        ("arrays nested 40 deep", nested_array),
        ("a 60 KB address", long_address),
        ("10,000 int arguments", many_args),
    ]
}

#[test]
fn hostile_osc_over_udp_leaves_the_engine_running() {
    let mut show = start("hostile-udp");
    for (i, (what, packet)) in hostile().into_iter().enumerate() {
        assert!(packet.len() < 65_507, "{what}: {} bytes", packet.len());
        for _ in 0..3 {
            show.udp(&packet);
        }
        show.still_well(what, 0.01 + i as f32 * 0.01, Show::udp);
    }
    assert!(!show.app.log().contains("panicked"), "{}", show.app.log());
}

#[test]
fn hostile_osc_over_tcp_leaves_the_engine_running() {
    let mut show = start("hostile-tcp");
    let mut attacks: Vec<(&str, Vec<u8>)> = hostile()
        .into_iter()
        .map(|(what, packet)| (what, slip_frame(&packet)))
        .collect();
    // TCP only: a frame longer than any datagram, and a broken escape.
    let mut endless = vec![b'*'; 200_000];
    endless.push(0xC0);
    attacks.push(("a 200 KB SLIP frame", endless));
    attacks.push(("a bad SLIP escape", vec![0xC0, b'/', 0xDB, b'x', 0xC0]));
    for (i, (what, bytes)) in attacks.into_iter().enumerate() {
        show.tcp(&bytes);
        show.still_well(what, 0.01 + i as f32 * 0.01, |s, m| s.tcp(&slip_frame(m)));
    }
    assert!(!show.app.log().contains("panicked"), "{}", show.app.log());
}
