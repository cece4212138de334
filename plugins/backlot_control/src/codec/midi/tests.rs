//! Parser, time code and encoder vectors, and property tests over arbitrary bytes.

use super::*;
use crate::codec::hex;
use proptest::prelude::*;

#[test]
fn running_status_and_real_time() {
    let mut p = MidiParser::default();
    // CC 1 = 0x40, then running status CC 33 = 5, with a clock in the middle of it.
    let got = p.feed(&[0xB0, 0x01, 0x40, 0x21, 0xF8, 0x05]);
    assert_eq!(
        got,
        vec![
            MidiMessage::ControlChange {
                channel: 0,
                cc: 1,
                value: 0x40
            },
            MidiMessage::Clock,
            MidiMessage::ControlChange {
                channel: 0,
                cc: 0x21,
                value: 5
            },
        ]
    );
    // Note on with velocity 0 is a note off; pitch bend centre.
    assert_eq!(
        p.feed(&[0x92, 60, 0]),
        vec![MidiMessage::NoteOff {
            channel: 2,
            note: 60,
            velocity: 0
        }]
    );
    assert_eq!(
        p.feed(&[0xE0, 0x00, 0x40]),
        vec![MidiMessage::PitchBend {
            channel: 0,
            value: 8192
        }]
    );
    // System common cancels running status: the stray data byte is discarded.
    assert_eq!(
        p.feed(&[0xF2, 0x10, 0x01, 0x22]),
        vec![MidiMessage::SongPosition(0x90)]
    );
    assert_eq!(p.discarded, 1);
    assert_eq!(
        p.feed(&[0xFA, 0xFC]),
        vec![MidiMessage::Start, MidiMessage::Stop]
    );
}

#[test]
fn mtc_vectors() {
    let mut p = MidiParser::default();
    let mut a = MtcAssembler::default();
    let mut out = None;
    for m in p.feed(&hex("F104F110F123F130F142F150F161F172")) {
        out = a.feed(&m).or(out);
    }
    let mtc = out.expect("complete");
    assert_eq!((mtc.hmsf, mtc.rate), ([1, 2, 3, 4], 1));
    assert_eq!(mtc.label(), "01:02:03:04");
    assert_eq!(encode(&MidiMessage::QuarterFrame(0)).len(), 2);
    let qf: Vec<u8> = mtc
        .quarter_frames()
        .iter()
        .flat_map(|q| [0xF1, *q])
        .collect();
    assert_eq!(qf, hex("F104F110F123F130F142F150F161F172"));
    let full = p.feed(&hex("F07F7F010121020304F7"));
    assert_eq!(a.feed(&full[0]), Some(mtc));
    // An incomplete cycle gives nothing.
    let mut b = MtcAssembler::default();
    assert_eq!(b.feed(&MidiMessage::QuarterFrame(0x72)), None);
}

#[test]
fn fourteen_bit_pair_bytes() {
    let mut p = MidiParser::default();
    let m = p.feed(&hex("B00140B02105"));
    assert_eq!(m.len(), 2);
    if let (
        MidiMessage::ControlChange { value: msb, .. },
        MidiMessage::ControlChange { value: lsb, .. },
    ) = (&m[0], &m[1])
    {
        assert_eq!(u16::from(*msb) << 7 | u16::from(*lsb), 0x2005);
    }
}

proptest! {
    #[test]
    fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..500)) {
        let mut p = MidiParser::default();
        let _ = p.feed(&bytes);
    }

    #[test]
    fn encoded_messages_parse_back(channel in 0u8..16, a in 0u8..128, b in 0u8..128, kind in 0usize..6) {
        let m = match kind {
            0 => MidiMessage::NoteOn { channel, note: a, velocity: b.max(1) },
            1 => MidiMessage::ControlChange { channel, cc: a, value: b },
            2 => MidiMessage::ProgramChange { channel, program: a },
            3 => MidiMessage::PitchBend { channel, value: u16::from(a) | u16::from(b) << 7 },
            4 => MidiMessage::NoteOff { channel, note: a, velocity: b },
            _ => MidiMessage::ChannelPressure { channel, pressure: a },
        };
        let mut p = MidiParser::default();
        // Twice, the second time under running status, with a clock spliced in.
        let bytes = encode(&m);
        let mut stream = bytes.clone();
        stream.extend(&bytes[1..]);
        // Inside the second message when it has two data bytes, else between them.
        stream.insert(if bytes.len() == 3 { 4 } else { 2 }, 0xF8);
        let got = p.feed(&stream);
        prop_assert_eq!(got, vec![m.clone(), MidiMessage::Clock, m]);
    }
}
