//! Hot-plug decisions without a MIDI system: what a refresh closes and connects, and what
//! the log and the monitor say about each port.

use std::time::{Duration, Instant};

use super::hotplug::{Actions, Close, Listed, MAX_REMEMBERED, PortBook, Standing, plan, wanted};

fn l(name: &str, id: &str) -> Listed {
    Listed::new(name, id)
}

fn names(v: &[Listed]) -> Vec<&str> {
    v.iter().map(|l| l.name.as_str()).collect()
}

#[test]
fn new_ports_are_connected_once_and_open_ones_left_alone() {
    let listed = [l("XL", "20:0"), l("Pads", "24:0")];
    let a = plan(&listed, &[], &[]);
    assert_eq!(names(&a.connect), ["XL", "Pads"]);
    assert!(a.close.is_empty());
    // Next refresh, both open: nothing to do.
    assert_eq!(plan(&listed, &listed, &[]), Actions::default());
}

#[test]
fn a_vanished_port_is_closed_and_a_returning_one_reconnected() {
    let connected = [l("XL", "20:0"), l("Pads", "24:0")];
    // XL unplugged.
    let a = plan(&[l("Pads", "24:0")], &connected, &[]);
    assert_eq!(a.close, vec![("XL".to_string(), Close::Unplugged)]);
    assert!(a.connect.is_empty());
    // Plugged back in (a new client id, as ALSA gives it): connected again.
    let a = plan(
        &[l("Pads", "24:0"), l("XL", "28:0")],
        &[l("Pads", "24:0")],
        &[],
    );
    assert!(a.close.is_empty());
    assert_eq!(a.connect, vec![l("XL", "28:0")]);
}

#[test]
fn a_port_replugged_between_refreshes_is_closed_and_connected_afresh() {
    // Same name, new id: the old connection is dead even though the name never vanished.
    let a = plan(&[l("XL", "28:0")], &[l("XL", "20:0")], &[]);
    assert_eq!(a.close, vec![("XL".to_string(), Close::Replugged)]);
    assert_eq!(a.connect, vec![l("XL", "28:0")]);
}

#[test]
fn filters_pick_ports_and_a_dropped_filter_closes_its_port() {
    let listed = [l("Launch Control XL", "20:0"), l("Pads", "24:0")];
    let filters = vec!["Launch".to_string()];
    let a = plan(&listed, &[], &filters);
    assert_eq!(names(&a.connect), ["Launch Control XL"]);
    // The map now asks for Pads only.
    let a = plan(&listed, &[l("Launch Control XL", "20:0")], &["Pads".into()]);
    assert_eq!(
        a.close,
        vec![("Launch Control XL".to_string(), Close::NotWanted)]
    );
    assert_eq!(names(&a.connect), ["Pads"]);
}

#[test]
fn backlots_own_ports_and_duplicate_names_are_never_connected_twice() {
    assert!(!wanted(&[], "backlot-out"));
    assert!(wanted(&[], "XL"));
    assert!(!wanted(&["Pads".into()], "XL"));
    let listed = [l("backlot-in", "130:0"), l("XL", "20:0"), l("XL", "21:0")];
    let a = plan(&listed, &[], &[]);
    assert_eq!(a.connect, vec![l("XL", "20:0")], "first of a name only");
    // One of the two is open: the other is not connected under the same name.
    let a = plan(&listed, &[l("XL", "20:0")], &[]);
    assert_eq!(a, Actions::default());
}

#[test]
fn a_port_that_failed_to_connect_is_tried_again_each_refresh() {
    let listed = [l("XL", "20:0")];
    // The connect failed, so it is not among the connected: the next plan asks again.
    assert_eq!(plan(&listed, &[], &[]).connect, vec![l("XL", "20:0")]);
    let mut book = PortBook::new("input");
    let t = Instant::now();
    let first = book.failed("XL", "busy", t);
    assert_eq!(
        first.as_deref(),
        Some("MIDI input XL: cannot connect: busy; retrying")
    );
    assert_eq!(
        book.failed("XL", "busy", t),
        None,
        "one log line per streak"
    );
    assert!(
        book.failed("XL", "gone", t).is_some(),
        "a new error is logged"
    );
}

#[test]
fn the_book_logs_unplug_and_reconnect_and_counts_reconnects() {
    let mut book = PortBook::new("input");
    let t0 = Instant::now();
    assert_eq!(book.connected("XL", t0), "MIDI input: XL");
    assert_eq!(
        book.closed("XL", Close::Unplugged, t0),
        "MIDI input XL unplugged"
    );
    let later = t0 + Duration::from_secs(42);
    assert_eq!(
        book.lines(later),
        vec![("input XL: unplugged 42 s ago".to_string(), true)]
    );
    assert_eq!(
        book.connected("XL", later),
        "MIDI input XL reconnected (reconnect 1)"
    );
    book.closed("XL", Close::Replugged, later);
    book.connected("XL", later);
    assert_eq!(
        book.lines(later),
        vec![("input XL: connected, 2 reconnects".to_string(), false)]
    );
    let (_, status) = book.ports().next().expect("one port");
    assert_eq!(status.standing, Standing::Connected);
    assert_eq!(status.reconnects, 2);
}

#[test]
fn the_book_is_bounded_and_forgets_the_longest_gone_first() {
    let mut book = PortBook::new("output");
    let t0 = Instant::now();
    book.connected("kept", t0);
    for i in 0..MAX_REMEMBERED + 10 {
        let at = t0 + Duration::from_secs(i as u64 + 1);
        let name = format!("port {i}");
        book.connected(&name, at);
        book.closed(&name, Close::Unplugged, at);
    }
    assert_eq!(book.ports().count(), MAX_REMEMBERED);
    assert!(book.ports().any(|(n, _)| n == "kept"), "open ports stay");
    assert!(
        !book.ports().any(|(n, _)| n == "port 0"),
        "the longest gone went first"
    );
    assert!(book.ports().any(|(n, _)| n == "port 73"));
}

mod converges {
    use proptest::prelude::*;

    use super::super::hotplug::{Actions, Listed, plan, wanted};

    /// The open connections after a refresh that did what `a` says (and every connect
    /// worked).
    fn apply(connected: &[Listed], a: &Actions) -> Vec<Listed> {
        let mut out: Vec<Listed> = connected
            .iter()
            .filter(|c| !a.close.iter().any(|(n, _)| *n == c.name))
            .cloned()
            .collect();
        out.extend(a.connect.iter().cloned());
        out
    }

    fn ports(v: &[(u8, u8)]) -> Vec<Listed> {
        v.iter()
            .map(|(n, i)| Listed::new(&format!("port {n}"), &format!("{i}:0")))
            .collect()
    }

    proptest! {
        /// Whatever was open and whatever is listed, one refresh leaves exactly the wanted
        /// listed ports open (each name once, at its first listed id), and the next refresh
        /// has nothing to do.
        #[test]
        fn one_refresh_converges(
            listed in proptest::collection::vec((0u8..6, 0u8..3), 0..8),
            connected in proptest::collection::vec((0u8..6, 0u8..3), 0..6),
            filter in proptest::option::of(0u8..6),
        ) {
            let listed = ports(&listed);
            // Open connections are unique by name (a map keyed by name).
            let mut seen: Vec<String> = Vec::new();
            let connected: Vec<Listed> = ports(&connected)
                .into_iter()
                .filter(|c| {
                    let fresh = !seen.contains(&c.name);
                    seen.push(c.name.clone());
                    fresh
                })
                .collect();
            let filters: Vec<String> =
                filter.map(|f| vec![format!("port {f}")]).unwrap_or_default();
            let a = plan(&listed, &connected, &filters);
            let mut after = apply(&connected, &a);
            let mut want: Vec<Listed> = Vec::new();
            for l in &listed {
                if wanted(&filters, &l.name) && !want.iter().any(|w| w.name == l.name) {
                    want.push(l.clone());
                }
            }
            after.sort_by(|x, y| x.name.cmp(&y.name));
            want.sort_by(|x, y| x.name.cmp(&y.name));
            prop_assert_eq!(&after, &want);
            prop_assert_eq!(plan(&listed, &after, &filters), Actions::default());
        }
    }
}
