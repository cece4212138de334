//! CIEDE2000 and CIELAB computed in Rust (`backlot_calibrate::delta_e`) against the
//! `colour-science` Python package on the same seeded random inputs (`.ci/setup` installs it
//! beside the protocol peers).

use std::fmt::Write as _;
use std::process::Command;

use backlot_calibrate::{ciede2000, lab_from_linear};

use crate::control::python;
use crate::support::temp_dir;

/// Agreement asked of the two implementations, ΔE2000.
const TOLERANCE: f64 = 0.05;
/// Pairs (and colours) compared.
const COUNT: usize = 1000;

/// Prints ΔE2000 of each pair of Lab rows in argv[1], then "lab", then the CIELAB (D65) of
/// each linear sRGB row in argv[2].
const SCRIPT: &str = r#"
import sys, warnings
warnings.filterwarnings("ignore")
import numpy as np
import colour
pairs = np.loadtxt(sys.argv[1], ndmin=2)
for v in colour.delta_E(pairs[:, 0:3], pairs[:, 3:6], method="CIE 2000"):
    print(repr(float(v)))
print("lab")
cs = colour.RGB_COLOURSPACES["sRGB"]
rgb = np.loadtxt(sys.argv[2], ndmin=2)
xyz = colour.RGB_to_XYZ(rgb, cs, apply_cctf_decoding=False)
for row in colour.XYZ_to_Lab(xyz, illuminant=cs.whitepoint):
    print(" ".join(repr(float(x)) for x in row))
"#;

/// SplitMix64 → uniform in [lo, hi).
struct Seeded(u64);

impl Seeded {
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        lo + (hi - lo) * ((z >> 11) as f64 / (1u64 << 53) as f64)
    }

    fn lab(&mut self) -> [f64; 3] {
        [
            self.uniform(0.0, 100.0),
            self.uniform(-128.0, 128.0),
            self.uniform(-128.0, 128.0),
        ]
    }
}

fn numbers(line: &str) -> Vec<f64> {
    line.split_whitespace()
        .map(|w| w.parse::<f64>().expect("a number from Python"))
        .collect()
}

#[test]
fn delta_e_2000_agrees_with_colour_science() {
    let dir = temp_dir("colour-reference");
    let mut rng = Seeded(2005);
    let pairs: Vec<([f64; 3], [f64; 3])> = (0..COUNT).map(|_| (rng.lab(), rng.lab())).collect();
    let colours: Vec<[f64; 3]> = (0..COUNT)
        .map(|_| [0, 1, 2].map(|_| rng.uniform(0.0, 1.0)))
        .collect();
    let mut pair_text = String::new();
    for (a, b) in &pairs {
        let _ = writeln!(
            pair_text,
            "{:?} {:?} {:?} {:?} {:?} {:?}",
            a[0], a[1], a[2], b[0], b[1], b[2]
        );
    }
    let mut colour_text = String::new();
    for c in &colours {
        let _ = writeln!(colour_text, "{:?} {:?} {:?}", c[0], c[1], c[2]);
    }
    let (pair_file, colour_file, script) = (
        dir.join("pairs.txt"),
        dir.join("colours.txt"),
        dir.join("reference.py"),
    );
    std::fs::write(&pair_file, pair_text).expect("write pairs");
    std::fs::write(&colour_file, colour_text).expect("write colours");
    std::fs::write(&script, SCRIPT).expect("write script");

    let out = Command::new(python())
        .arg(&script)
        .arg(&pair_file)
        .arg(&colour_file)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "colour-science failed (run .ci/setup):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (de_text, lab_text) = stdout.split_once("lab\n").expect("two sections");

    let reference: Vec<f64> = de_text.lines().map(|l| numbers(l)[0]).collect();
    assert_eq!(reference.len(), COUNT);
    for ((a, b), want) in pairs.iter().zip(&reference) {
        let got = ciede2000(*a, *b);
        assert!(
            (got - want).abs() < TOLERANCE,
            "{a:?} vs {b:?}: {got} here, {want} in colour-science"
        );
    }

    let labs: Vec<Vec<f64>> = lab_text.lines().map(numbers).collect();
    assert_eq!(labs.len(), COUNT);
    for (rgb, want) in colours.iter().zip(&labs) {
        let want = [want[0], want[1], want[2]];
        let got = lab_from_linear(*rgb);
        let apart = ciede2000(got, want);
        assert!(
            apart < TOLERANCE,
            "{rgb:?}: Lab {got:?} here, {want:?} in colour-science"
        );
    }
}
