//! Stage files refuse NaN and infinity in every float field, each at its own position.

use std::path::{Path, PathBuf};

use backlot_files::{FileError, FileErrors, line_col};

use super::*;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shipped() -> String {
    let path = repo().join("scenes/stages/flat_wall.stage.ron");
    std::fs::read_to_string(path).expect("shipped stage")
}

/// The shipped stage with the first `from` after `anchor` replaced by `to`: the error it
/// gives, and where `to` starts.
fn error_with(anchor: &str, from: &str, to: &str) -> (FileError, (usize, usize)) {
    let good = shipped();
    let a = good.find(anchor).expect("anchor in the text");
    let at = a + good[a..].find(from).expect("value after the anchor");
    let src = format!("{}{to}{}", &good[..at], &good[at + from.len()..]);
    match parse_stage(&src, "bad.stage.ron", Some(&repo().join("assets"))) {
        Ok(_) => panic!("accepted:\n{src}"),
        Err(FileErrors(mut errors)) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            (errors.remove(0), line_col(&src, at))
        }
    }
}

#[test]
fn a_title_that_spells_nan_is_only_a_string() {
    let good = shipped().replace("\"Flat wall\"", "\"NaN inf -inf 1e99\"");
    let stage = parse_stage(&good, "good.stage.ron", Some(&repo().join("assets")))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stage.title, "NaN inf -inf 1e99");
}

#[test]
fn nan_in_a_section_corner_is_refused_at_its_position() {
    let (e, at) = error_with("lower_left", "-3.0", "NaN");
    assert_eq!((e.line, e.col), at, "{e}");
    assert!(
        e.message.contains("must be a finite number, not NaN/inf"),
        "{e}"
    );
    assert!(e.to_string().starts_with("bad.stage.ron:"), "{e}");
}

#[test]
fn infinite_sizes_overscan_and_offsets_are_refused() {
    for (anchor, from, to) in [
        ("size_mm", "562.5", "inf"),
        ("overscan", "10.0", "-NaN"),
        ("nodal_offset", "0.12", "1e40"),
        ("dropout_ms", "500.0", "+inff64"),
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
