//! Adobe/Resolve `.cube` 3D LUTs: the last step of an output's colour pipeline.

use std::fmt;

/// A parsed 3D LUT: `size`³ RGB entries, red varying fastest (the `.cube` order).
#[derive(Debug, Clone, PartialEq)]
pub struct CubeLut {
    /// Entries per axis (2..=256).
    pub size: usize,
    /// `size`³ RGB triples.
    pub data: Vec<[f32; 3]>,
}

/// Why a `.cube` file was refused, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CubeLutError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CubeLutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

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

    /// Parses `.cube` text (TITLE, DOMAIN_MIN/MAX of 0..1, LUT_3D_SIZE, then the table).
    pub fn parse(text: &str) -> Result<Self, CubeLutError> {
        let mut size = None;
        let mut data = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            let err = |message: String| CubeLutError {
                line: i + 1,
                message,
            };
            if line.is_empty() || line.starts_with('#') || line.starts_with("TITLE") {
                continue;
            }
            let mut words = line.split_whitespace();
            match words.next() {
                Some("LUT_3D_SIZE") => {
                    let n: usize = words
                        .next()
                        .and_then(|w| w.parse().ok())
                        .filter(|n| (2..=256).contains(n))
                        .ok_or_else(|| err("LUT_3D_SIZE must be 2..256".into()))?;
                    size = Some(n);
                }
                Some("LUT_1D_SIZE") => {
                    return Err(err("1D LUTs are not supported; use a 3D LUT".into()));
                }
                Some("DOMAIN_MIN") | Some("DOMAIN_MAX") => {
                    let want = if line.starts_with("DOMAIN_MIN") {
                        0.0
                    } else {
                        1.0
                    };
                    let ok = words
                        .map(|w| w.parse::<f32>().ok())
                        .all(|v| v == Some(want));
                    if !ok {
                        return Err(err("only the 0..1 domain is supported".into()));
                    }
                }
                Some(_) => {
                    let values: Vec<f32> = line
                        .split_whitespace()
                        .map(|w| w.parse::<f32>().ok().filter(|v| v.is_finite()))
                        .collect::<Option<_>>()
                        .ok_or_else(|| err(format!("`{line}` is not three numbers")))?;
                    let rgb: [f32; 3] = values
                        .try_into()
                        .map_err(|_| err(format!("`{line}` is not three numbers")))?;
                    if size.is_none() {
                        return Err(err("table before LUT_3D_SIZE".into()));
                    }
                    data.push(rgb);
                }
                None => {}
            }
        }
        let size = size.ok_or(CubeLutError {
            line: 1,
            message: "no LUT_3D_SIZE".into(),
        })?;
        if data.len() != size * size * size {
            return Err(CubeLutError {
                line: text.lines().count(),
                message: format!(
                    "expected {} entries for size {size}, found {}",
                    size * size * size,
                    data.len()
                ),
            });
        }
        Ok(Self { size, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let text = "TITLE \"swap\"\nLUT_3D_SIZE 2\n0 0 0\n0 0 1\n0 1 0\n0 1 1\n1 0 0\n1 0 1\n1 1 0\n1 1 1\n";
        let lut = CubeLut::parse(text).unwrap();
        assert_eq!(lut.size, 2);
        assert_eq!(lut.data[1], [0.0, 0.0, 1.0]);
        assert_eq!(CubeLut::identity(2).data[1], [1.0, 0.0, 0.0]);
        assert!(CubeLut::parse("LUT_3D_SIZE 2\n0 0 0\n").is_err());
        assert_eq!(
            CubeLut::parse("LUT_3D_SIZE 2\n0 0 x\n").unwrap_err().line,
            2
        );
        assert!(CubeLut::parse("0 0 0\n").is_err());
        assert!(CubeLut::parse("LUT_1D_SIZE 4\n").is_err());
    }
}
