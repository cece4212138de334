//! Layer sets refuse NaN and infinity in every float field, each at its own position.

use std::path::{Path, PathBuf};

use backlot_files::{FileError, FileErrors, line_col};

use super::*;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shipped() -> String {
    std::fs::read_to_string(repo().join("scenes/neon_club.layers.ron")).expect("shipped layers")
}

/// The shipped set with the first `from` after `anchor` replaced by `to`: the error it
/// gives, and where `to` starts.
fn error_with(anchor: &str, from: &str, to: &str) -> (FileError, (usize, usize)) {
    let good = shipped();
    let a = good.find(anchor).expect("anchor in the text");
    let at = a + good[a..].find(from).expect("value after the anchor");
    let src = format!("{}{to}{}", &good[..at], &good[at + from.len()..]);
    match parse_layers(&src, "bad.layers.ron", Some(&repo().join("assets"))) {
        Ok(_) => panic!("accepted:\n{src}"),
        Err(FileErrors(mut errors)) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            (errors.remove(0), line_col(&src, at))
        }
    }
}

#[test]
fn an_lfo_named_nan_is_only_a_string() {
    let good = shipped().replace("\"sway\"", "\"NaN\"");
    let file = parse_layers(&good, "good.layers.ron", Some(&repo().join("assets")))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(file.lfos.iter().any(|l| l.name.0 == "NaN"));
}

#[test]
fn a_nan_layer_weight_is_refused_at_its_position() {
    let (e, at) = error_with("weight: ", "0.6", "NaN");
    assert_eq!((e.line, e.col), at, "{e}");
    assert!(
        e.message.contains("must be a finite number, not NaN/inf"),
        "{e}"
    );
    assert!(e.to_string().starts_with("bad.layers.ron:"), "{e}");
}

#[test]
fn infinite_tempo_ranges_and_colours_are_refused() {
    for (anchor, from, to) in [
        ("bpm", "124.0", "inf"),
        ("max:", "3000000.0", "-inf"),
        ("color_a", "0.1", "NaNf32"),
        ("attack_ms", "20.0", "1e39"),
    ] {
        let (e, at) = error_with(anchor, from, to);
        assert_eq!((e.line, e.col), at, "{anchor}: {e}");
        assert!(e.message.contains(to), "{anchor}: {e}");
        assert!(
            e.message.contains("must be a finite number, not NaN/inf"),
            "{e}"
        );
    }
}
