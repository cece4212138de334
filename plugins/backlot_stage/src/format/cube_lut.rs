//! `.cube` LUTs: the last step of an output's colour pipeline.
//!
//! Read as the Adobe Cube LUT Specification 1.0 and DaVinci Resolve's extension of it
//! (Blackmagic's "Resolve LUT Info", quoted in OpenColorIO's `FileFormatResolveCube.cpp`):
//! - header lines before the data: `TITLE "…"`, `LUT_1D_SIZE n` (2..65536), `LUT_3D_SIZE n`
//!   (2..256), `LUT_1D_INPUT_RANGE lo hi` / `LUT_3D_INPUT_RANGE lo hi` (Resolve), and
//!   `DOMAIN_MIN r g b` / `DOMAIN_MAX r g b` (Adobe; the domain of the file's only LUT);
//! - then one `r g b` line per entry, red varying fastest for 3D;
//! - a file may hold a 1D LUT, a 3D LUT, or both: then the 1D is a shaper applied first and
//!   its entries come before the 3D's (Resolve);
//! - `#` comment lines and blank lines anywhere, a leading UTF-8 byte-order mark, CRLF ends.
//!
//! Inputs outside a LUT's domain clamp to it; between entries the 1D interpolates linearly
//! and the 3D trilinearly. The warp samples one 3D texture over 0..1, so a shaper or a
//! domain other than 0..1 is baked into one 3D LUT at load ([`CubeFile::bake`], in
//! `lut_bake.rs`).

use std::fmt;

/// A 3D LUT over [0, 1]³ as the warp samples it: `size`³ RGB entries, red varying fastest.
#[derive(Debug, Clone, PartialEq)]
pub struct CubeLut {
    /// Entries per axis (2..=256).
    pub size: usize,
    /// `size`³ RGB triples.
    pub data: Vec<[f32; 3]>,
}

/// The input range of one LUT, per channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CubeDomain {
    /// Input mapped to the first entry.
    pub min: [f32; 3],
    /// Input mapped to the last entry.
    pub max: [f32; 3],
}

impl Default for CubeDomain {
    fn default() -> Self {
        Self {
            min: [0.0; 3],
            max: [1.0; 3],
        }
    }
}

/// A 1D LUT: one RGB triple per entry, evenly spaced over its domain.
#[derive(Debug, Clone, PartialEq)]
pub struct Cube1d {
    /// Input range.
    pub domain: CubeDomain,
    /// The entries (2..=65536).
    pub data: Vec<[f32; 3]>,
}

/// A 3D LUT with its domain.
#[derive(Debug, Clone, PartialEq)]
pub struct Cube3d {
    /// Input range.
    pub domain: CubeDomain,
    /// Entries per axis.
    pub size: usize,
    /// `size`³ RGB triples, red fastest.
    pub data: Vec<[f32; 3]>,
}

/// Everything a `.cube` file holds: a 1D LUT, a 3D LUT, or a 1D shaper then a 3D LUT.
#[derive(Debug, Clone, PartialEq)]
pub struct CubeFile {
    /// `TITLE`, when given.
    pub title: Option<String>,
    /// The 1D LUT (a shaper when a 3D LUT follows).
    pub shaper: Option<Cube1d>,
    /// The 3D LUT.
    pub cube: Option<Cube3d>,
}

/// Why a `.cube` file was refused, with the line and column (1-based) of the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CubeLutError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CubeLutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}:{}: {}", self.line, self.col, self.message)
    }
}

/// Largest `LUT_1D_SIZE` (Resolve's limit).
pub const MAX_CUBE_1D_SIZE: usize = 65536;
/// Largest `LUT_3D_SIZE` (Adobe's limit).
pub const MAX_CUBE_3D_SIZE: usize = 256;

impl CubeLut {
    /// The identity LUT of a given size.
    pub fn identity(size: usize) -> Self {
        let n = size.max(2);
        let s = (n - 1) as f32;
        let mut data = Vec::with_capacity(n * n * n);
        for b in 0..n {
            for g in 0..n {
                for r in 0..n {
                    data.push([r as f32 / s, g as f32 / s, b as f32 / s]);
                }
            }
        }
        Self { size: n, data }
    }

    /// Parses `.cube` text and bakes it into the 3D LUT the warp samples.
    pub fn parse(text: &str) -> Result<Self, CubeLutError> {
        CubeFile::parse(text).map(|file| file.bake())
    }
}

/// Where the parser stands in a line: the line number and the text.
struct Line<'a> {
    number: usize,
    text: &'a str,
}

impl Line<'_> {
    /// An error at the `word`-th whitespace-separated token (0-based) of the line.
    fn error(&self, word: usize, message: String) -> CubeLutError {
        CubeLutError {
            line: self.number,
            col: word_column(self.text, word),
            message,
        }
    }
}

/// 1-based character column of the `word`-th token of `text` (the line's end when absent).
fn word_column(text: &str, word: usize) -> usize {
    let mut seen = 0;
    let mut in_word = false;
    for (col, c) in text.chars().enumerate() {
        if c.is_whitespace() {
            in_word = false;
        } else if !in_word {
            if seen == word {
                return col + 1;
            }
            seen += 1;
            in_word = true;
        }
    }
    text.chars().count() + 1
}

/// The header as it is read.
#[derive(Default)]
struct Header {
    title: Option<String>,
    size_1d: Option<usize>,
    size_3d: Option<usize>,
    range_1d: Option<(f32, f32)>,
    range_3d: Option<(f32, f32)>,
    domain_min: Option<[f32; 3]>,
    domain_max: Option<[f32; 3]>,
    /// Where DOMAIN_MIN/MAX were given, for the error when a shaper makes them ambiguous.
    domain_at: Option<(usize, usize)>,
}

fn parse_size(line: &Line<'_>, words: &[&str], max: usize) -> Result<usize, CubeLutError> {
    let keyword = words[0];
    if words.len() != 2 {
        return Err(line.error(0, format!("{keyword} takes one size")));
    }
    words[1]
        .parse::<usize>()
        .ok()
        .filter(|n| (2..=max).contains(n))
        .ok_or_else(|| line.error(1, format!("{keyword} must be 2..{max}")))
}

fn parse_numbers<const N: usize>(
    line: &Line<'_>,
    words: &[&str],
    first: usize,
    what: &str,
) -> Result<[f32; N], CubeLutError> {
    if words.len() != first + N {
        return Err(line.error(
            first.min(words.len()),
            format!("{what} needs {N} numbers, found {}", words.len() - first),
        ));
    }
    let mut out = [0.0; N];
    for (i, v) in out.iter_mut().enumerate() {
        *v = words[first + i]
            .parse::<f32>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                line.error(
                    first + i,
                    format!("`{}` is not a finite number", words[first + i]),
                )
            })?;
    }
    Ok(out)
}

fn parse_range(line: &Line<'_>, words: &[&str]) -> Result<(f32, f32), CubeLutError> {
    let [lo, hi] = parse_numbers::<2>(line, words, 1, words[0])?;
    if lo >= hi {
        return Err(line.error(1, format!("{} needs min < max", words[0])));
    }
    Ok((lo, hi))
}

impl Header {
    /// Reads one header line; false when the line is not a keyword (data starts).
    fn read(&mut self, line: &Line<'_>, words: &[&str]) -> Result<bool, CubeLutError> {
        match words[0] {
            "TITLE" => {
                let rest = line.text.trim_start()["TITLE".len()..].trim();
                self.title = Some(rest.trim_matches('"').to_string());
            }
            "LUT_1D_SIZE" | "LUT_3D_SIZE" => {
                let is_1d = words[0] == "LUT_1D_SIZE";
                let (slot, max) = if is_1d {
                    (&mut self.size_1d, MAX_CUBE_1D_SIZE)
                } else {
                    (&mut self.size_3d, MAX_CUBE_3D_SIZE)
                };
                if slot.is_some() {
                    return Err(line.error(0, format!("{} given twice", words[0])));
                }
                *slot = Some(parse_size(line, words, max)?);
            }
            "LUT_1D_INPUT_RANGE" => self.range_1d = Some(parse_range(line, words)?),
            "LUT_3D_INPUT_RANGE" => self.range_3d = Some(parse_range(line, words)?),
            "DOMAIN_MIN" => {
                self.domain_min = Some(parse_numbers::<3>(line, words, 1, "DOMAIN_MIN")?);
                self.domain_at = Some((line.number, 1));
            }
            "DOMAIN_MAX" => {
                self.domain_max = Some(parse_numbers::<3>(line, words, 1, "DOMAIN_MAX")?);
                self.domain_at = Some((line.number, 1));
            }
            first => {
                if first.parse::<f32>().is_ok() {
                    return Ok(false);
                }
                return Err(line.error(0, format!("unknown keyword `{first}`")));
            }
        }
        Ok(true)
    }

    /// How many entries the sizes declare.
    fn entries(&self) -> usize {
        self.size_1d.unwrap_or(0) + self.size_3d.map_or(0, |n| n * n * n)
    }

    /// The domain of the file's 1D or 3D LUT.
    fn domain(&self, range: Option<(f32, f32)>) -> Result<CubeDomain, CubeLutError> {
        if let Some((lo, hi)) = range {
            return Ok(CubeDomain {
                min: [lo; 3],
                max: [hi; 3],
            });
        }
        let domain = CubeDomain {
            min: self.domain_min.unwrap_or([0.0; 3]),
            max: self.domain_max.unwrap_or([1.0; 3]),
        };
        if domain.min.iter().zip(domain.max).any(|(lo, hi)| *lo >= hi) {
            let (line, col) = self.domain_at.unwrap_or((1, 1));
            return Err(CubeLutError {
                line,
                col,
                message: "DOMAIN_MIN must be below DOMAIN_MAX in every channel".into(),
            });
        }
        Ok(domain)
    }
}

impl CubeFile {
    /// Parses `.cube` text.
    pub fn parse(text: &str) -> Result<Self, CubeLutError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut header = Header::default();
        let mut data: Vec<[f32; 3]> = Vec::new();
        let mut expected = None;
        let mut last_line = 1;
        for (i, raw) in text.lines().enumerate() {
            let line = Line {
                number: i + 1,
                text: raw,
            };
            last_line = line.number;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = trimmed.split_whitespace().collect();
            if expected.is_none() {
                if header.read(&line, &words)? {
                    continue;
                }
                if header.entries() == 0 {
                    return Err(line.error(0, "data before LUT_1D_SIZE or LUT_3D_SIZE".into()));
                }
                // Entries are stored as they arrive, never reserved from the header's word.
                expected = Some(header.entries());
            }
            if words[0].parse::<f32>().is_err() {
                return Err(line.error(0, format!("keyword `{}` after the data", words[0])));
            }
            let rgb = parse_numbers::<3>(&line, &words, 0, "an entry")?;
            if Some(data.len()) == expected {
                return Err(line.error(
                    0,
                    format!("more entries than the {} the header declares", data.len()),
                ));
            }
            data.push(rgb);
        }
        let expected = expected.unwrap_or(header.entries());
        if expected == 0 {
            return Err(CubeLutError {
                line: 1,
                col: 1,
                message: "no LUT_1D_SIZE or LUT_3D_SIZE".into(),
            });
        }
        if data.len() != expected {
            return Err(CubeLutError {
                line: last_line,
                col: 1,
                message: format!("expected {expected} entries, found {}", data.len()),
            });
        }
        let both = header.size_1d.is_some() && header.size_3d.is_some();
        if both && let Some((line, col)) = header.domain_at {
            return Err(CubeLutError {
                line,
                col,
                message: "DOMAIN_MIN/MAX is ambiguous with a shaper: use LUT_1D_INPUT_RANGE \
                          and LUT_3D_INPUT_RANGE"
                    .into(),
            });
        }
        let cube_data = data.split_off(header.size_1d.unwrap_or(0));
        let shaper = match header.size_1d {
            Some(_) => Some(Cube1d {
                domain: header.domain(header.range_1d)?,
                data,
            }),
            None => None,
        };
        let cube = match header.size_3d {
            Some(size) => Some(Cube3d {
                domain: header.domain(header.range_3d)?,
                size,
                data: cube_data,
            }),
            None => None,
        };
        Ok(Self {
            title: header.title,
            shaper,
            cube,
        })
    }

    /// Writes the file back as `.cube` text that [`CubeFile::parse`] reads to the same value
    /// (numbers in Rust's shortest round-trip form). A domain that differs per channel is
    /// written as DOMAIN_MIN/MAX, which only a single-LUT file can carry.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if let Some(title) = &self.title {
            out.push_str(&format!("TITLE \"{title}\"\n"));
        }
        let both = self.shaper.is_some() && self.cube.is_some();
        let domain = |out: &mut String, keyword: &str, d: &CubeDomain| {
            let uniform =
                d.min.iter().all(|v| *v == d.min[0]) && d.max.iter().all(|v| *v == d.max[0]);
            if uniform && (both || *d != CubeDomain::default()) {
                out.push_str(&format!("{keyword} {} {}\n", d.min[0], d.max[0]));
            } else if !uniform {
                let [a, b, c] = d.min;
                let [x, y, z] = d.max;
                out.push_str(&format!("DOMAIN_MIN {a} {b} {c}\nDOMAIN_MAX {x} {y} {z}\n"));
            }
        };
        if let Some(s) = &self.shaper {
            out.push_str(&format!("LUT_1D_SIZE {}\n", s.data.len()));
            domain(&mut out, "LUT_1D_INPUT_RANGE", &s.domain);
        }
        if let Some(c) = &self.cube {
            out.push_str(&format!("LUT_3D_SIZE {}\n", c.size));
            domain(&mut out, "LUT_3D_INPUT_RANGE", &c.domain);
        }
        let entries = self.shaper.iter().flat_map(|s| &s.data);
        for [r, g, b] in entries.chain(self.cube.iter().flat_map(|c| &c.data)) {
            out.push_str(&format!("{r} {g} {b}\n"));
        }
        out
    }
}

#[cfg(test)]
#[path = "cube_lut_tests.rs"]
mod tests;
