use super::*;
use proptest::prelude::*;

fn show(list: Option<&str>, command: CueCommand) -> OscAsk {
    OscAsk::Request(OscRequest::Show(ShowCommand {
        list: list.map(String::from),
        command,
    }))
}

#[test]
fn triggers_fire_with_no_argument_or_any_but_a_release() {
    for args in [
        vec![],
        vec![OscType::Int(1)],
        vec![OscType::Float(0.5)],
        vec![OscType::Bool(true)],
        vec![OscType::String("now".into())],
        vec![OscType::Nil],
    ] {
        assert_eq!(
            osc_request("/show/lights/go", &args),
            show(Some("lights"), CueCommand::Go),
            "{args:?}"
        );
    }
    for args in [
        vec![OscType::Int(0)],
        vec![OscType::Long(0)],
        vec![OscType::Float(0.0)],
        vec![OscType::Double(-0.0)],
        vec![OscType::Bool(false)],
    ] {
        for address in ["/show/go", "/show/lights/release", "/show/lights/cue/2"] {
            assert_eq!(
                osc_request(address, &args),
                OscAsk::Released,
                "{address} {args:?}"
            );
        }
        assert_eq!(osc_request("/show/undo", &args), OscAsk::Released);
    }
    assert_eq!(osc_request("/show/go", &[]), show(None, CueCommand::Go));
    assert_eq!(
        osc_request("/show/lights/pause", &[OscType::Int(1)]),
        show(Some("lights"), CueCommand::Pause)
    );
}

#[test]
fn cues_by_address_number_or_name_and_goto_by_argument() {
    assert_eq!(
        osc_request("/show/lights/cue/3", &[]),
        show(Some("lights"), CueCommand::Goto(CueRef::Number(3)))
    );
    assert_eq!(
        osc_request("/show/lights/cue/2.5", &[OscType::Float(1.0)]),
        show(Some("lights"), CueCommand::Goto(CueRef::Name("2.5".into())))
    );
    assert_eq!(
        osc_request("/show/lights/goto", &[OscType::Int(4)]),
        show(Some("lights"), CueCommand::Goto(CueRef::Number(4)))
    );
    assert_eq!(
        osc_request("/show/lights/goto", &[OscType::String("2.5".into())]),
        show(Some("lights"), CueCommand::Goto(CueRef::Name("2.5".into())))
    );
    // A cue-number button let go.
    assert_eq!(
        osc_request("/show/lights/goto", &[OscType::Int(0)]),
        OscAsk::Released
    );
    // Seconds since midnight: 0 is midnight, not a release.
    assert_eq!(
        osc_request("/show/timecode", &[OscType::Double(0.0)]),
        show(None, CueCommand::Timecode(0.0))
    );
    assert_eq!(
        osc_request("/show/redo", &[]),
        OscAsk::Request(OscRequest::Undo(UndoRequest::Redo))
    );
    for (address, args) in [
        ("/show/lights/cue", vec![]),
        ("/show/lights/cue/0", vec![]),
        ("/show/lights/cue/", vec![]),
        ("/show/lights/cue/3/x", vec![]),
        ("/show//cue/3", vec![]),
        ("/show/lights/goto", vec![]),
        ("/show/lights/goto", vec![OscType::Bool(true)]),
        ("/show/lights/fade_progress", vec![OscType::Float(1.0)]),
        ("/show/*/go", vec![]),
        ("/show/refused", vec![]),
    ] {
        let ask = osc_request(address, &args);
        let refused = match ask {
            OscAsk::NotACommand => true,
            // A pattern is read as a list named `*`, which the show refuses by name.
            OscAsk::Request(OscRequest::Show(ShowCommand { ref list, .. })) => {
                list.as_deref() == Some("*")
            }
            _ => false,
        };
        assert!(refused, "{address} {args:?}: {ask:?}");
    }
}

#[test]
fn read_only_prefixes_match_whole_segments() {
    let ro = ShowReadOnly(vec!["/show/lights/".into(), "/takes".into()]);
    assert_eq!(ro.prefix_of("/show/lights/go"), Some("/show/lights/"));
    assert_eq!(ro.prefix_of("/show/lights"), Some("/show/lights/"));
    assert_eq!(ro.prefix_of("/show/lightsout/go"), None);
    assert_eq!(ro.prefix_of("/show/go"), None);
    let all = ShowReadOnly(vec!["/".into()]);
    assert_eq!(all.prefix_of("/show/go"), Some("/"));
}

#[test]
fn the_queue_is_bounded_and_counts_what_it_drops() {
    let sink = ShowOsc::default();
    let from: SocketAddr = "127.0.0.1:9".parse().expect("address");
    let go = |addr: &str| Timed {
        at: None,
        message: rosc::OscMessage {
            addr: addr.into(),
            args: vec![],
        },
    };
    let mut batch: Vec<Timed> = (0..OSC_QUEUE + 3).map(|_| go("/show/go")).collect();
    batch.push(go("/show/lights/cue"));
    sink.receive(from, batch);
    let pending = sink.lock();
    assert_eq!(pending.queue.len(), OSC_QUEUE);
    assert_eq!(pending.dropped, 3);
    assert_eq!(pending.not_commands, 1);
}

#[test]
fn logging_is_at_powers_of_two() {
    assert!(crosses_power_of_two(0, 1));
    assert!(crosses_power_of_two(1, 2));
    assert!(!crosses_power_of_two(2, 3));
    assert!(crosses_power_of_two(3, 9));
    assert!(!crosses_power_of_two(4, 4));
    assert_eq!(shown(&"x".repeat(500)).chars().count(), SHOWN_ADDRESS + 1);
}

fn arg() -> impl Strategy<Value = OscType> {
    prop_oneof![
        any::<i32>().prop_map(OscType::Int),
        any::<i64>().prop_map(OscType::Long),
        any::<f32>().prop_map(OscType::Float),
        any::<f64>().prop_map(OscType::Double),
        any::<bool>().prop_map(OscType::Bool),
        "\\PC{0,12}".prop_map(OscType::String),
        Just(OscType::Nil),
    ]
}

proptest! {
    #[test]
    fn any_message_never_panics(
        address in "(/show(/[a-z0-9.*]{0,6}){0,4})|\\PC{0,40}",
        args in proptest::collection::vec(arg(), 0..3),
    ) {
        let _ = osc_request(&address, &args);
    }
}
