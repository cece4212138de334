//! The inbox under floods, with no frame running while they arrive: each protocol's queue
//! stays within its limits and drops its oldest, a fader's newest value survives, DMX and
//! MIDI are not starved by OSC, and what overflow cost is published as `/status/inbox/...`.

use std::net::SocketAddr;
use std::time::Instant;

use backlot_net::OscSink;
use backlot_params::{ParamValue, addresses};
use bevy::prelude::*;
use rosc::{OscMessage, OscType};

use super::{MAP, app_with, get, midi_in};
use crate::ControlRuntime;
use crate::codec::osc::{Timed, ntp_now};
use crate::inbox::{
    DMX_LIMITS, DmxIn, DmxSource, Inbox, InboxStats, LogKind, MAX_ERROR_CHARS, MAX_LINE_CHARS,
    MAX_SENDERS, MIDI_LIMITS, MidiIn, OSC_LIMITS, OscIn,
};
use crate::osc_server::ControlOsc;

fn peer(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn message(address: &str, args: Vec<OscType>) -> Timed {
    Timed {
        at: None,
        message: OscMessage {
            addr: address.into(),
            args,
        },
    }
}

/// The router's fallback, as the listeners feed it.
fn sink(app: &App) -> ControlOsc {
    ControlOsc(app.world().resource::<ControlRuntime>().inbox.clone())
}

fn stats(app: &App) -> InboxStats {
    app.world()
        .resource::<ControlRuntime>()
        .inbox
        .lock()
        .stats()
}

fn published(app: &App, address: &str) -> i32 {
    match get(app, address) {
        ParamValue::Int(n) => n,
        other => panic!("{address} is {other:?}"),
    }
}

fn artnet(universe: u16, data: Vec<u8>) -> DmxIn {
    DmxIn {
        source: DmxSource::ArtNet(peer(6454)),
        universe,
        priority: 100,
        sequence: 0,
        terminated: false,
        data,
        at: Instant::now(),
    }
}

fn sacn(sequence: u8, terminated: bool) -> DmxIn {
    DmxIn {
        source: DmxSource::Sacn([3; 16], "desk".into()),
        universe: 1,
        priority: 100,
        sequence,
        terminated,
        data: vec![sequence; 512],
        at: Instant::now(),
    }
}

#[test]
fn a_fader_keeps_its_newest_value_through_an_osc_flood() {
    let mut app = app_with(MAP, None);
    let osc = sink(&app);
    let desk = peer(9100);
    let fader = "/scene/lights/key/intensity";
    let n = 100_000u32;
    for i in 0..n {
        let value = if i + 1 == n {
            4321.0
        } else {
            (i % 9000) as f32
        };
        // Strings are commands, never coalesced: these fill the queue past its limit.
        osc.receive(
            desk,
            vec![
                message(fader, vec![OscType::Float(value)]),
                message(
                    &format!("/flood/{}", i % 50),
                    vec![OscType::String(format!("take {i}"))],
                ),
            ],
        );
        if i % 10_000 == 0 {
            let s = stats(&app).osc;
            assert!(s.queued <= OSC_LIMITS.items, "{s:?}");
            assert!(s.queued_bytes <= OSC_LIMITS.bytes, "{s:?}");
        }
    }
    let s = stats(&app).osc;
    assert!(s.peak <= OSC_LIMITS.items, "{s:?}");
    assert_eq!(s.received, 2 * u64::from(n));
    assert_eq!(
        s.coalesced,
        u64::from(n) - 1,
        "every fader value but the newest"
    );
    assert_eq!(s.received, s.queued as u64 + s.dropped + s.coalesced);
    assert!(s.dropped > 0, "{s:?}");
    assert!(s.dropped_bytes > 0, "{s:?}");
    app.update();
    assert_eq!(get(&app, fader), ParamValue::Float(4321.0));
    let osc_status = |leaf: &str| addresses::status_inbox("osc", leaf);
    assert_eq!(
        published(&app, &osc_status("dropped")),
        i32::try_from(s.dropped).expect("fits")
    );
    assert_eq!(
        published(&app, &osc_status("coalesced")),
        i32::try_from(n - 1).expect("fits")
    );
    assert!(published(&app, &osc_status("dropped_bytes")) > 0);
    assert_eq!(published(&app, &osc_status("queued")), 0, "drained");
    assert_eq!(
        published(&app, &addresses::status_inbox("dmx", "dropped")),
        0
    );
}

#[test]
fn dmx_and_midi_are_applied_after_an_osc_flood() {
    let mut app = app_with(MAP, None);
    let osc = sink(&app);
    let flood = 2 * OSC_LIMITS.items;
    for i in 0..flood {
        osc.receive(
            peer(9200),
            vec![message(
                &format!("/flood/{}", i % 50),
                vec![OscType::String("go".into())],
            )],
        );
    }
    {
        let rt = app.world().resource::<ControlRuntime>();
        let mut inbox = rt.inbox.lock();
        // A desk's fade on universe 1: frames are snapshots, the newest wins.
        for level in 0..=128u8 {
            inbox.push_dmx(artnet(1, vec![level, 255, 128, 0]));
        }
        let mut fog = vec![0u8; 10];
        fog[9] = 255;
        inbox.push_dmx(artnet(2, fog));
    }
    midi_in(&app, "surface", &[0xE7, 0x00, 0x40]);
    let s = stats(&app);
    assert_eq!(s.osc.dropped, (flood - OSC_LIMITS.items) as u64);
    assert_eq!((s.dmx.queued, s.dmx.coalesced, s.dmx.dropped), (2, 128, 0));
    assert_eq!((s.midi.queued, s.midi.dropped), (1, 0));
    app.update();
    assert_eq!(
        get(&app, "/scene/lights/key/color"),
        ParamValue::Color([1.0, 128.0 / 255.0, 0.0])
    );
    let level = get(&app, "/scene/lights/key/intensity")
        .as_f32()
        .expect("f");
    assert!((level - 1000.0 * 128.0 / 255.0).abs() < 0.5, "{level}");
    assert_eq!(get(&app, "/scene/fog/density"), ParamValue::Float(1.0));
    let exposure = get(&app, "/scene/sky/exposure").as_f32().expect("f");
    assert!(
        (exposure - 1000.0 * 8192.0 / 16383.0).abs() < 0.1,
        "{exposure}"
    );
    assert_eq!(
        published(&app, &addresses::status_inbox("osc", "dropped")),
        i32::try_from(flood - OSC_LIMITS.items).expect("fits")
    );
    assert_eq!(
        published(&app, &addresses::status_inbox("dmx", "coalesced")),
        128
    );
    assert_eq!(
        published(&app, &addresses::status_inbox("midi", "dropped")),
        0
    );
}

#[test]
fn dmx_and_midi_queues_drop_their_oldest_when_full() {
    let mut inbox = Inbox::default();
    // Distinct universes do not coalesce.
    for u in 0..(DMX_LIMITS.items + 10) {
        inbox.push_dmx(artnet(u as u16, vec![1; 2]));
    }
    for i in 0..(MIDI_LIMITS.items + 20) {
        inbox.push_midi(MidiIn {
            port: "surface".into(),
            bytes: vec![0xB0, 7, (i % 128) as u8],
            at: Instant::now(),
        });
    }
    let s = inbox.stats();
    assert_eq!((s.dmx.queued, s.dmx.dropped), (DMX_LIMITS.items, 10));
    assert_eq!(
        (s.midi.queued, s.midi.dropped, s.midi.dropped_bytes),
        (MIDI_LIMITS.items, 20, 60)
    );
    assert_eq!(s.midi.coalesced, 0, "MIDI bytes are never merged");
    let drained = inbox.drain();
    assert_eq!(
        drained.dmx.first().map(|d| d.universe),
        Some(10),
        "oldest dropped"
    );
    assert_eq!(drained.midi.first().map(|m| m.bytes[2]), Some(20));
    assert_eq!(inbox.stats().dmx.queued, 0);
}

#[test]
fn only_immediate_numeric_osc_coalesces() {
    let mut inbox = Inbox::default();
    let later = ntp_now() + 60.0;
    let mut push = |timed: Timed| {
        inbox.push_osc(OscIn {
            from: peer(1),
            timed,
        })
    };
    for _ in 0..3 {
        push(message("/go", vec![]));
        push(message("/cue", vec![OscType::String("a".into())]));
        push(Timed {
            at: Some(later),
            ..message("/fader", vec![OscType::Float(1.0)])
        });
        push(message(
            "/fader",
            vec![OscType::Float(0.5), OscType::Bool(true)],
        ));
    }
    inbox.push_osc(OscIn {
        from: peer(2),
        timed: message("/fader", vec![OscType::Int(1)]),
    });
    let s = inbox.stats().osc;
    assert_eq!((s.queued, s.coalesced), (11, 2));
    let order: Vec<(String, u16)> = inbox
        .drain()
        .osc
        .into_iter()
        .map(|m| (m.timed.message.addr, m.from.port()))
        .collect();
    // The coalesced fader sits where its newest value arrived.
    let expected: Vec<(String, u16)> = vec![("/fader".into(), 1), ("/fader".into(), 2)];
    assert_eq!(order[9..], expected[..], "{order:?}");
}

#[test]
fn a_long_sacn_run_is_not_coalesced_past_the_sequence_window() {
    let mut inbox = Inbox::default();
    for i in 0..300u32 {
        inbox.push_dmx(sacn((i % 256) as u8, false));
    }
    let sequences: Vec<u8> = inbox.drain().dmx.iter().map(|d| d.sequence).collect();
    assert_eq!(sequences, vec![127, 255, 43]);
    for w in sequences.windows(2) {
        assert!(crate::codec::sacn::sequence_accepts(w[0], w[1]), "{w:?}");
    }
    // A termination is never merged away.
    inbox.push_dmx(sacn(1, true));
    inbox.push_dmx(sacn(2, false));
    let frames = inbox.drain().dmx;
    assert_eq!(
        frames.iter().map(|d| d.terminated).collect::<Vec<_>>(),
        [true, false]
    );
}

#[test]
fn sender_statistics_are_bounded_least_recently_used_first() {
    let mut app = app_with(MAP, None);
    let osc = sink(&app);
    let senders = 10_000u16;
    for i in 0..senders {
        osc.receive(
            peer(20_000 + i),
            vec![message(
                "/scene/lights/fill/intensity",
                vec![OscType::Float(f32::from(i % 5000))],
            )],
        );
    }
    app.update();
    {
        let rt = app.world().resource::<ControlRuntime>();
        let inbox = rt.inbox.lock();
        assert!(
            inbox.counters.len() <= MAX_SENDERS,
            "{}",
            inbox.counters.len()
        );
        assert!(
            inbox.stats().senders_evicted >= u64::from(senders) - MAX_SENDERS as u64,
            "{:?}",
            inbox.stats()
        );
        let newest = format!("osc {}", peer(20_000 + senders - 1));
        assert!(inbox.counters.contains_key(&newest));
        assert!(
            !inbox
                .counters
                .contains_key(&format!("osc {}", peer(20_000)))
        );
    }
    assert!(published(&app, addresses::STATUS_INBOX_SENDERS_EVICTED) > 9000);
}

#[test]
fn error_text_is_truncated_on_a_character_boundary() {
    let mut inbox = Inbox::default();
    inbox.count("osc 127.0.0.1:1", Some("é".repeat(5000)), LogKind::Osc);
    let c = &inbox.counters["osc 127.0.0.1:1"];
    let e = c.last_error.as_deref().expect("kept");
    assert_eq!(c.errors, 1);
    assert_eq!(e.chars().count(), MAX_ERROR_CHARS + 1);
    assert!(e.ends_with("é…"), "{e}");
    let line = &inbox.osc_log.back().expect("logged").text;
    assert!(line.chars().count() <= MAX_LINE_CHARS + 1, "{line}");
    // A monitor snapshot copies what it draws.
    let snap = inbox.monitor(LogKind::Osc, &["osc"]);
    assert_eq!(snap.counters.len(), 1);
    assert_eq!(snap.lines.len(), 1);
    assert!(inbox.monitor(LogKind::Dmx, &["artnet"]).counters.is_empty());
}
