//! The autosave file's codec: round trips, damage found with its place, dates.

use super::*;

fn sample() -> Autosave {
    let mut params = BTreeMap::new();
    params.insert(
        "/scene/fog/density".to_string(),
        ParamState {
            value: ParamValue::Float(0.25),
            driver: Driver::Osc("127.0.0.1:5000".into()),
        },
    );
    params.insert(
        "/scene/lights/key/color".to_string(),
        ParamState {
            value: ParamValue::Color([1.0, 0.169, 0.839]),
            driver: Driver::Cue("lights/2".into()),
        },
    );
    Autosave {
        format: FORMAT,
        clean: false,
        saved_unix_ms: 1_700_000_000_123,
        show: Some("test".into()),
        params,
        claims: vec![ClaimState {
            address: "/scene/fog/density".into(),
            driver: Driver::Operator,
            held: Some(ParamValue::Float(0.5)),
            under: Some((ParamValue::Float(0.25), Driver::Dmx(3))),
        }],
        playback: None,
        looks: Some(Arc::new(vec![Look::new("a", BTreeMap::new())])),
        lists: Some(vec![crate::file::CueListDef {
            name: "lights".into(),
            release_fade: 2.0,
            cues: Vec::new(),
        }]),
    }
}

#[test]
fn an_autosave_reads_back_as_written() {
    let a = sample();
    let text = encode(&a).expect("encodes");
    let b = decode(text.as_bytes(), Path::new("x.autosave.ron")).expect("decodes");
    assert_eq!(a, b);
}

#[test]
fn every_source_survives_the_file() {
    for source in [
        Source::Scene,
        Source::Cue("l/1".into()),
        Source::Layers,
        Source::Tracking("t".into()),
        Source::Osc("p".into()),
        Source::Midi("m".into()),
        Source::Dmx(7),
        Source::Operator,
        Source::Cluster("a".into()),
    ] {
        assert_eq!(Source::from(&Driver::from(&source)), source);
    }
}

#[test]
fn a_cut_short_file_is_an_error_at_its_end() {
    let text = encode(&sample()).expect("encodes");
    let mut cut = text.len() / 2;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let e = decode(&text.as_bytes()[..cut], Path::new("dir/s.autosave.ron"))
        .expect_err("half a file is no autosave");
    let AutosaveError::Damaged { path, line, .. } = &e else {
        panic!("not a damaged-file error: {e}");
    };
    assert_eq!(path, "dir/s.autosave.ron");
    assert!(*line > 1, "the position is where the text stops: {e}");
    assert!(e.to_string().starts_with("dir/s.autosave.ron:"), "{e}");
}

#[test]
fn garbage_and_other_formats_are_errors_not_panics() {
    let p = Path::new("s.autosave.ron");
    let cases: [&[u8]; 5] = [
        b"",
        b"(",
        b"not ron at all",
        b"\xff\xfe(format: 1)",
        b"[1, 2",
    ];
    for bytes in cases {
        assert!(decode(bytes, p).is_err(), "{bytes:?}");
    }
    let e = decode(b"(format: 1\n\xff", p).expect_err("not UTF-8");
    assert!(e.to_string().starts_with("s.autosave.ron:2:1:"), "{e}");
    let mut other = sample();
    other.format = FORMAT + 1;
    let text = encode(&other).expect("encodes");
    let e = decode(text.as_bytes(), p).expect_err("another format");
    assert!(matches!(e, AutosaveError::Format { found, .. } if found == FORMAT + 1));
}

#[test]
fn times_are_calendar_dates() {
    assert_eq!(format_time(0), "1970-01-01 00:00:00 UTC");
    assert_eq!(format_time(951_782_400_000), "2000-02-29 00:00:00 UTC");
    assert_eq!(format_time(1_700_000_000_123), "2023-11-14 22:13:20 UTC");
}
