//! The patch set: `patches.csv` (`id,r,g,b`, signal values 0..1 in the output's encoding,
//! i.e. after its transfer function and before its LUT), and which patches the fit leaves
//! out to judge itself by.
//!
//! Held-out rule (from the values alone, so it holds for any hand-made CSV too): a patch is
//! an *anchor* when every channel is 0 or 1 (black, white, primaries, secondaries), when its
//! three channels are equal (the grey ramp), or when two channels are 0 (the primary ramps).
//! Anchors are always fitted; of the other patches, in file order, every fifth (the 5th,
//! 10th, …) is held out.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::CalibrateError;
use crate::transfer::Transfer;

/// The fewest patches `generate_patches` writes: the anchors, skin tones and a few spread.
pub const MIN_COUNT: usize = 64;
/// The most patches a set may have: each is a capture someone has to shoot.
pub const MAX_COUNT: usize = 4096;
/// The default patch count.
pub const DEFAULT_COUNT: usize = 200;
/// Largest `patches.csv` read, bytes (4096 rows need well under 200 KiB).
const MAX_FILE_BYTES: u64 = 4 << 20;
/// Longest patch id: ids become file names (`capture-<id>.png`).
const MAX_ID_LEN: usize = 64;
/// The CSV header.
pub const HEADER: &str = "id,r,g,b";

/// Steps of the grey ramp (levels k/16 for k = 1..15).
const GREY_STEPS: u32 = 16;
/// Steps of each primary's ramp (levels k/8 for k = 1..7).
const PRIMARY_STEPS: u32 = 8;

/// Skin tones as 8-bit sRGB: the ten Monk Skin Tone Scale swatches, then the ColorChecker's
/// dark and light skin.
const SKIN_SRGB8: [[u8; 3]; 12] = [
    [0xf6, 0xed, 0xe4],
    [0xf3, 0xe7, 0xdb],
    [0xf7, 0xea, 0xd0],
    [0xea, 0xda, 0xba],
    [0xd7, 0xbd, 0x96],
    [0xa0, 0x7e, 0x56],
    [0x82, 0x5c, 0x43],
    [0x60, 0x41, 0x34],
    [0x3a, 0x31, 0x2a],
    [0x29, 0x24, 0x20],
    [0x73, 0x52, 0x44],
    [0xc2, 0x96, 0x82],
];

/// One patch: its id (used in capture file names) and the signal shown full-field.
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    /// `[A-Za-z0-9_-]`, 1 to 64 characters.
    pub id: String,
    /// Signal per channel, 0..1, in the output's encoding.
    pub signal: [f64; 3],
}

impl Patch {
    fn new(id: usize, signal: [f64; 3]) -> Self {
        Self {
            id: id.to_string(),
            signal,
        }
    }

    /// Whether this patch is an anchor (always fitted, never held out; see the module docs).
    pub fn is_anchor(&self) -> bool {
        let [r, g, b] = self.signal;
        let binary = self.signal.iter().all(|&v| v == 0.0 || v == 1.0);
        let grey = r == g && g == b;
        let zeros = self.signal.iter().filter(|&&v| v == 0.0).count();
        binary || grey || zeros >= 2
    }

    /// Black (0, 0, 0).
    pub fn is_black(&self) -> bool {
        self.signal == [0.0; 3]
    }

    /// White (1, 1, 1).
    pub fn is_white(&self) -> bool {
        self.signal == [1.0; 3]
    }
}

/// Which patches are held out from the fit (see the module docs), one flag per patch.
pub fn held_out(patches: &[Patch]) -> Vec<bool> {
    let mut others = 0usize;
    patches
        .iter()
        .map(|p| {
            if p.is_anchor() {
                return false;
            }
            others += 1;
            others.is_multiple_of(5)
        })
        .collect()
}

/// The patch set of `count` patches (`MIN_COUNT..=MAX_COUNT`) for an output whose signal is
/// encoded with `transfer`: black, white, primaries, secondaries, a grey ramp, a ramp of each
/// primary, skin tones, then a low-discrepancy spread over the signal cube (the R3 sequence,
/// so the set is the same on every run and any prefix of the spread covers the cube evenly).
pub fn generate_patches(count: usize, transfer: Transfer) -> Result<Vec<Patch>, CalibrateError> {
    if !(MIN_COUNT..=MAX_COUNT).contains(&count) {
        return Err(CalibrateError::other(format!(
            "--count {count} is outside {MIN_COUNT}..{MAX_COUNT}"
        )));
    }
    let mut signals: Vec<[f64; 3]> = vec![
        [0.0, 0.0, 0.0],
        [1.0, 1.0, 1.0],
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
        [0.0, 1.0, 1.0],
        [1.0, 0.0, 1.0],
        [1.0, 1.0, 0.0],
    ];
    for k in 1..GREY_STEPS {
        signals.push([f64::from(k) / f64::from(GREY_STEPS); 3]);
    }
    for channel in 0..3 {
        for k in 1..PRIMARY_STEPS {
            let mut s = [0.0; 3];
            s[channel] = f64::from(k) / f64::from(PRIMARY_STEPS);
            signals.push(s);
        }
    }
    for skin in SKIN_SRGB8 {
        // Defined as colours, so re-encoded for the output's transfer.
        let linear = skin.map(|v| Transfer::Srgb.decode(f64::from(v) / 255.0));
        signals.push(linear.map(|v| round6(transfer.encode(v))));
    }
    // R3: x_n = frac(0.5 + n·α), α = (1/φ, 1/φ², 1/φ³), φ the real root of x⁴ = x + 1.
    let phi: f64 = 1.2207440846057596;
    let alpha = [1.0 / phi, 1.0 / (phi * phi), 1.0 / (phi * phi * phi)];
    let mut n = 1.0;
    while signals.len() < count {
        signals.push(alpha.map(|a| round6((0.5 + n * a).fract())));
        n += 1.0;
    }
    Ok(signals
        .into_iter()
        .enumerate()
        .map(|(id, s)| Patch::new(id, s))
        .collect())
}

/// Rounded to the six decimals the CSV holds, so a written set reads back identical.
fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// The CSV text of a patch set.
pub fn patches_csv(patches: &[Patch]) -> String {
    let mut text = String::with_capacity(patches.len() * 32 + 16);
    text.push_str(HEADER);
    text.push('\n');
    for p in patches {
        let [r, g, b] = p.signal;
        text.push_str(&format!("{},{r:.6},{g:.6},{b:.6}\n", p.id));
    }
    text
}

/// Writes `dir/patches.csv` (creating `dir`); its path.
pub fn write_patches(dir: &Path, patches: &[Patch]) -> Result<PathBuf, CalibrateError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CalibrateError::file(dir, format!("cannot create the folder: {e}")))?;
    let path = dir.join("patches.csv");
    std::fs::write(&path, patches_csv(patches))
        .map_err(|e| CalibrateError::file(&path, format!("cannot write: {e}")))?;
    Ok(path)
}

/// Reads and parses a `patches.csv`.
pub fn read_patches(path: &Path) -> Result<Vec<Patch>, CalibrateError> {
    let size = std::fs::metadata(path)
        .map_err(|e| CalibrateError::file(path, format!("cannot read: {e}")))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(CalibrateError::file(
            path,
            format!("{size} bytes: larger than any patch set ({MAX_FILE_BYTES} bytes at most)"),
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| CalibrateError::file(path, format!("cannot read: {e}")))?;
    parse_patches(&text, path)
}

/// Parses `patches.csv` text; `path` only names the file in errors. Blank lines and lines
/// starting with `#` are skipped.
pub fn parse_patches(text: &str, path: &Path) -> Result<Vec<Patch>, CalibrateError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let Some((line, header)) = lines.next() else {
        return Err(CalibrateError::file(path, "empty: no header, no patches"));
    };
    let fields: Vec<&str> = header.split(',').map(str::trim).collect();
    if fields != ["id", "r", "g", "b"] {
        return Err(CalibrateError::at_line(
            path,
            line,
            format!("the header must be `{HEADER}`, found `{header}`"),
        ));
    }
    let mut patches = Vec::new();
    let mut ids = HashSet::new();
    for (line, row) in lines {
        if patches.len() == MAX_COUNT {
            return Err(CalibrateError::at_line(
                path,
                line,
                format!("more than {MAX_COUNT} patches"),
            ));
        }
        let at = |message: String| CalibrateError::at_line(path, line, message);
        let fields: Vec<&str> = row.split(',').map(str::trim).collect();
        let [id, r, g, b] = fields.as_slice() else {
            return Err(at(format!(
                "`{row}` has {} fields; expected 4 (`{HEADER}`)",
                fields.len()
            )));
        };
        let id_ok = !id.is_empty()
            && id.len() <= MAX_ID_LEN
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !id_ok {
            return Err(at(format!(
                "id `{id}` must be 1 to {MAX_ID_LEN} characters of A-Z, a-z, 0-9, _ and -"
            )));
        }
        if !ids.insert(id.to_string()) {
            return Err(at(format!("id `{id}` appears twice")));
        }
        let mut signal = [0.0; 3];
        for ((slot, text), column) in signal.iter_mut().zip([r, g, b]).zip(["r", "g", "b"]) {
            let v: f64 = text
                .parse()
                .map_err(|_| at(format!("`{text}` in column {column} is not a number")))?;
            if !(0.0..=1.0).contains(&v) {
                return Err(at(format!(
                    "`{text}` in column {column} is out of range 0..1 (signal values)"
                )));
            }
            *slot = v;
        }
        patches.push(Patch {
            id: id.to_string(),
            signal,
        });
    }
    if patches.is_empty() {
        return Err(CalibrateError::file(path, "no patches after the header"));
    }
    Ok(patches)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path() -> &'static Path {
        Path::new("patches.csv")
    }

    #[test]
    fn generated_sets_cover_what_the_issue_asks() {
        let set = generate_patches(DEFAULT_COUNT, Transfer::Srgb).expect("default count");
        assert_eq!(set.len(), DEFAULT_COUNT);
        assert!(set[0].is_black() && set[1].is_white());
        for s in [
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 1.0],
            [0.5, 0.5, 0.5],
            [0.0, 0.0, 0.25],
        ] {
            assert!(set.iter().any(|p| p.signal == s), "{s:?} missing");
        }
        // The ColorChecker's light skin, 8-bit sRGB 194,150,130.
        assert!(set.iter().any(|p| {
            (p.signal[0] - 194.0 / 255.0).abs() < 1e-6 && (p.signal[2] - 130.0 / 255.0).abs() < 1e-6
        }));
        // The spread fills every octant of the cube.
        let mut octants = [0usize; 8];
        for p in set.iter().skip(56) {
            let o = p
                .signal
                .iter()
                .enumerate()
                .map(|(i, &v)| usize::from(v >= 0.5) << i);
            octants[o.sum::<usize>()] += 1;
        }
        assert!(octants.iter().all(|&n| n >= 10), "{octants:?}");
        let held = held_out(&set);
        let held_count = held.iter().filter(|&&h| h).count();
        assert_eq!(held_count, (DEFAULT_COUNT - 44) / 5);
        assert!(set.iter().zip(&held).all(|(p, &h)| !(h && p.is_anchor())));
        assert_eq!(
            generate_patches(DEFAULT_COUNT, Transfer::Srgb).expect("again"),
            set
        );
    }

    #[test]
    fn counts_are_bounded() {
        assert!(generate_patches(MIN_COUNT - 1, Transfer::Srgb).is_err());
        assert!(generate_patches(MAX_COUNT + 1, Transfer::Srgb).is_err());
        assert_eq!(
            generate_patches(MIN_COUNT, Transfer::Linear)
                .expect("min")
                .len(),
            MIN_COUNT
        );
    }

    #[test]
    fn csv_round_trips() {
        let set = generate_patches(100, Transfer::Gamma24).expect("set");
        let back = parse_patches(&patches_csv(&set), path()).expect("parses");
        assert_eq!(back, set);
        let crlf = "\u{feff}id,r,g,b\r\n# comment\r\n\r\nA-1, 0.5 ,0,1\r\n";
        let back = parse_patches(crlf, path()).expect("BOM, CRLF, comments, spaces");
        assert_eq!(back[0].signal, [0.5, 0.0, 1.0]);
    }

    #[test]
    fn bad_csvs_say_where_and_why() {
        let err = |text: &str| {
            parse_patches(text, path())
                .expect_err("refused")
                .to_string()
        };
        assert_eq!(
            err("id,red,green,blue\n0,0,0,0\n"),
            "patches.csv:1: the header must be `id,r,g,b`, found `id,red,green,blue`"
        );
        assert_eq!(
            err("id,r,g,b\n0,0,0,0\n1,0.5,1.2,0\n"),
            "patches.csv:3: `1.2` in column g is out of range 0..1 (signal values)"
        );
        assert!(err("id,r,g,b\n0,0,0,-0.1\n").contains("out of range"));
        assert!(err("id,r,g,b\n0,0,x,0\n").contains("`x` in column g is not a number"));
        assert!(err("id,r,g,b\n0,0,NaN,0\n").contains("out of range"));
        assert!(err("id,r,g,b\n0,0,0\n").contains("has 3 fields"));
        assert!(
            err("id,r,g,b\n0,0,0,0\n0,1,1,1\n").starts_with("patches.csv:3: id `0` appears twice")
        );
        assert!(err("id,r,g,b\n../x,0,0,0\n").contains("id `../x`"));
        assert_eq!(
            err("id,r,g,b\n"),
            "patches.csv: no patches after the header"
        );
        assert_eq!(err(""), "patches.csv: empty: no header, no patches");
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(text in "\\PC{0,200}") {
            let _ = parse_patches(&text, path());
        }

        #[test]
        fn every_parsed_signal_is_in_range(rows in proptest::collection::vec(
            (0.0f64..=1.0, -1.0f64..2.0, 0.0f64..=1.0), 1..20)
        ) {
            let mut text = String::from("id,r,g,b\n");
            for (i, (r, g, b)) in rows.iter().enumerate() {
                text.push_str(&format!("{i},{r},{g},{b}\n"));
            }
            let in_range = rows.iter().all(|(_, g, _)| (0.0..=1.0).contains(g));
            match parse_patches(&text, path()) {
                Ok(set) => {
                    proptest::prop_assert!(in_range);
                    proptest::prop_assert_eq!(set.len(), rows.len());
                }
                Err(e) => proptest::prop_assert!(!in_range && e.message.contains("out of range")),
            }
        }
    }
}
