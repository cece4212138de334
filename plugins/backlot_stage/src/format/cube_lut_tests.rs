//! The `.cube` reader's tests: what it reads, what it refuses where, and that it never
//! panics and reads back what it writes.

use super::*;
use proptest::prelude::*;

/// A 2³ LUT swapping red and blue, without its header.
const ENTRIES: &str = "0 0 0\n0 0 1\n0 1 0\n0 1 1\n1 0 0\n1 0 1\n1 1 0\n1 1 1\n";

fn swap() -> String {
    format!("TITLE \"swap\"\nLUT_3D_SIZE 2\n{ENTRIES}")
}

#[test]
fn parses_and_refuses() {
    let lut = CubeLut::parse(&swap()).expect("valid");
    assert_eq!(lut.size, 2);
    assert_eq!(lut.data[1], [0.0, 0.0, 1.0]);
    assert_eq!(CubeLut::identity(2).data[1], [1.0, 0.0, 0.0]);
    let e = CubeLut::parse("LUT_3D_SIZE 2\n0 0 0\n").expect_err("short");
    assert_eq!(
        (e.line, e.message.as_str()),
        (2, "expected 8 entries, found 1")
    );
    let e = CubeLut::parse("LUT_3D_SIZE 2\n0 0 x\n").expect_err("word");
    assert_eq!((e.line, e.col), (2, 5));
    assert!(CubeLut::parse("0 0 0\n").is_err());
    let e = CubeLut::parse("# only a header\nLUT_3D_SIZE 2\n").expect_err("no data");
    assert_eq!(
        (e.line, e.message.as_str()),
        (2, "expected 8 entries, found 0")
    );
    let e = CubeLut::parse("").expect_err("empty");
    assert_eq!(e.message, "no LUT_1D_SIZE or LUT_3D_SIZE");
    let e = CubeLut::parse("LUT_3D_SIZE 300\n").expect_err("too big");
    assert_eq!((e.line, e.col), (1, 13));
    let e = CubeLut::parse("LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n").expect_err("twice");
    assert_eq!(e.line, 2);
    let e = CubeLut::parse("LUT_3D_FOO 2\n").expect_err("unknown");
    assert!(e.message.contains("unknown keyword `LUT_3D_FOO`"), "{e}");
    let e = CubeLut::parse(&format!("{}0 0 0\n", swap())).expect_err("extra");
    assert_eq!(e.line, 11);
    let e = CubeLut::parse("LUT_3D_SIZE 2\n0 0 0\nTITLE \"late\"\n").expect_err("late");
    assert!(e.message.contains("after the data"), "{e}");
    let e = CubeLut::parse("LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE 1 0\n").expect_err("range");
    assert_eq!((e.line, e.col), (2, 20));
    let e = CubeLut::parse("LUT_3D_SIZE 2\n0 0 nan\n").expect_err("nan");
    assert!(e.message.contains("finite"), "{e}");
    assert_eq!(e.to_string(), "line 2:5: `nan` is not a finite number");
}

#[test]
fn reads_bom_crlf_ranges_domains_and_shapers() {
    let bom = format!("\u{feff}{}", swap().replace('\n', "\r\n"));
    assert_eq!(CubeLut::parse(&bom), CubeLut::parse(&swap()));
    let text = "LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE -0.5 2\n".to_string() + &"0 0 0\n".repeat(8);
    let file = CubeFile::parse(&text).expect("range");
    let cube = file.cube.expect("3D");
    assert_eq!(cube.domain.min, [-0.5; 3]);
    assert_eq!(cube.domain.max, [2.0; 3]);
    let text = "DOMAIN_MIN 0 0 -1\nDOMAIN_MAX 1 2 1\nLUT_1D_SIZE 2\n0 0 0\n1 1 1\n";
    let file = CubeFile::parse(text).expect("1D with domain");
    let shaper = file.shaper.expect("1D");
    assert_eq!(
        (shaper.domain.min, shaper.domain.max),
        ([0.0, 0.0, -1.0], [1.0, 2.0, 1.0])
    );
    assert!(file.cube.is_none());
    // Resolve's order: both sizes, then the 1D entries, then the 3D entries.
    let shaper = "LUT_1D_SIZE 3\nLUT_3D_SIZE 2\nLUT_1D_INPUT_RANGE 0 4\n\
                  0 0 0\n0.5 0.5 0.5\n1 1 1\n";
    let text = format!("{shaper}{ENTRIES}");
    let file = CubeFile::parse(&text).expect("shaper + 3D");
    assert_eq!(file.shaper.as_ref().map(|s| s.data.len()), Some(3));
    assert_eq!(file.shaper.as_ref().map(|s| s.domain.max), Some([4.0; 3]));
    assert_eq!(file.cube.as_ref().map(|c| c.data[1]), Some([0.0, 0.0, 1.0]));
    let e = CubeFile::parse(&format!("DOMAIN_MIN 0 0 0\n{text}")).expect_err("ambiguous");
    assert_eq!(e.line, 1);
}

fn entry() -> impl Strategy<Value = [f32; 3]> {
    prop::array::uniform3(-2.0f32..4.0)
}

fn domain() -> impl Strategy<Value = CubeDomain> {
    (-1.0f32..0.5, 0.1f32..3.0).prop_map(|(lo, span)| CubeDomain {
        min: [lo; 3],
        max: [lo + span; 3],
    })
}

fn cube_file() -> impl Strategy<Value = CubeFile> {
    let shaper = prop::option::of(
        (domain(), prop::collection::vec(entry(), 2..40))
            .prop_map(|(domain, data)| Cube1d { domain, data }),
    );
    let cube = prop::option::of((domain(), 2usize..5).prop_flat_map(|(domain, size)| {
        prop::collection::vec(entry(), size * size * size).prop_map(move |data| Cube3d {
            domain,
            size,
            data,
        })
    }));
    (prop::option::of("[A-Za-z0-9 ]{0,12}"), shaper, cube)
        .prop_filter("a file holds a LUT", |(_, s, c)| s.is_some() || c.is_some())
        .prop_map(|(title, shaper, cube)| CubeFile {
            title: title.map(|t| t.trim().to_string()),
            shaper,
            cube,
        })
}

proptest! {
    #[test]
    fn never_panics_on_garbage(text in "\\PC{0,400}") {
        let _ = CubeFile::parse(&text);
    }

    #[test]
    fn never_panics_on_cube_shaped_garbage(
        lines in prop::collection::vec(
            prop_oneof![
                Just("LUT_3D_SIZE 2".to_string()),
                Just("LUT_1D_SIZE 3".to_string()),
                Just("LUT_1D_INPUT_RANGE 0 1".to_string()),
                Just("DOMAIN_MAX 1 1 1".to_string()),
                Just("# comment".to_string()),
                "[-0-9. e]{0,20}",
                "(0|1|0.5) (0|1|-1) (0|1|2)",
            ],
            0..40,
        )
    ) {
        let _ = CubeFile::parse(&lines.join("\n"));
    }

    #[test]
    fn a_written_cube_reads_back(file in cube_file()) {
        let text = file.to_text();
        let back = CubeFile::parse(&text);
        prop_assert_eq!(back.as_ref().ok(), Some(&file), "{}", text);
    }
}
