//! Map files refuse NaN and infinity in every float field, each at its own position.

use std::path::{Path, PathBuf};

use backlot_files::{FileError, FileErrors, line_col};

use super::*;

fn shipped() -> String {
    let repo: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(repo.join("scenes/maps/default.map.ron")).expect("shipped map")
}

/// The shipped map with the first `from` after `anchor` replaced by `to`: the error it
/// gives, and where `to` starts.
fn error_with(anchor: &str, from: &str, to: &str) -> (FileError, (usize, usize)) {
    let good = shipped();
    let a = good.find(anchor).expect("anchor in the text");
    let at = a + good[a..].find(from).expect("value after the anchor");
    let src = format!("{}{to}{}", &good[..at], &good[at + from.len()..]);
    match parse_map(&src, "bad.map.ron") {
        Ok(_) => panic!("accepted:\n{src}"),
        Err(FileErrors(mut errors)) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            (errors.remove(0), line_col(&src, at))
        }
    }
}

#[test]
fn an_address_that_spells_nan_is_only_a_string() {
    let good = shipped().replace("\"/look/fog\"", "\"/look/NaN/inf\"");
    let map = parse_map(&good, "good.map.ron").unwrap_or_else(|e| panic!("{e}"));
    assert!(
        map.osc
            .bindings
            .iter()
            .any(|b| b.address == "/look/NaN/inf")
    );
}

#[test]
fn a_nan_slew_is_refused_at_its_position() {
    let (e, at) = error_with("slew_ms", "80.0", "NaN");
    assert_eq!((e.line, e.col), at, "{e}");
    assert!(
        e.message.contains("must be a finite number, not NaN/inf"),
        "{e}"
    );
    assert!(e.to_string().starts_with("bad.map.ron:"), "{e}");
    // A MIDI binding's slew, infinite or beyond f32.
    for to in ["-inf", "3.5e38"] {
        let (e, at) = error_with("Cc(channel: 1, cc: 7)", "50.0", to);
        assert_eq!((e.line, e.col), at, "{to}: {e}");
        assert!(e.message.contains(to), "{e}");
    }
}
