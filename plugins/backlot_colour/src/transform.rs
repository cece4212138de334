//! Transforms as a config writes them (`!<MatrixTransform> {...}` and friends), read with
//! OCIO's keys and defaults (`OCIOYaml.cpp`). Types backlot does not evaluate are kept as
//! [`Transform::Unsupported`] so that a config loads and only the chains that need them fail.

use crate::error::ColourError;
use crate::ops::Negative;
use crate::yaml::Node;

/// A log curve's parameters per channel (`LogAffineTransform` / `LogCameraTransform`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LogParams {
    pub base: f64,
    pub log_slope: [f64; 3],
    pub log_offset: [f64; 3],
    pub lin_slope: [f64; 3],
    pub lin_offset: [f64; 3],
    /// LogCamera only: where the linear segment ends.
    pub lin_break: Option<[f64; 3]>,
    /// LogCamera only: the linear segment's slope, when not derived for continuity.
    pub linear_slope: Option<[f64; 3]>,
}

/// One transform of a config, with its direction (`inverse`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Transform {
    Matrix {
        /// 4×4, rows first.
        m44: [f64; 16],
        offset: [f64; 4],
        inverse: bool,
    },
    Exponent {
        value: [f64; 3],
        negative: Negative,
        inverse: bool,
    },
    ExponentWithLinear {
        gamma: [f64; 3],
        offset: [f64; 3],
        mirror: bool,
        inverse: bool,
    },
    Log {
        base: f64,
        inverse: bool,
    },
    LogCurve {
        params: LogParams,
        inverse: bool,
    },
    Range {
        min_in: Option<f64>,
        max_in: Option<f64>,
        min_out: Option<f64>,
        max_out: Option<f64>,
        clamp: bool,
        inverse: bool,
    },
    Group {
        children: Vec<Transform>,
        inverse: bool,
    },
    Builtin {
        style: String,
        inverse: bool,
        line: usize,
        col: usize,
    },
    ColourSpace {
        src: String,
        dst: String,
        inverse: bool,
        data_bypass: bool,
        line: usize,
        col: usize,
    },
    /// A transform type outside backlot's subset, refused when a chain needs it.
    Unsupported {
        kind: String,
        line: usize,
        col: usize,
    },
}

/// The 4×4 identity, rows first.
const IDENTITY4: [f64; 16] = [
    1.0, 0.0, 0.0, 0.0, //
    0.0, 1.0, 0.0, 0.0, //
    0.0, 0.0, 1.0, 0.0, //
    0.0, 0.0, 0.0, 1.0,
];

/// Most transforms one group may hold.
const MAX_CHILDREN: usize = 256;

fn direction(node: &Node) -> Result<bool, ColourError> {
    match node.get("direction") {
        None => Ok(false),
        Some(d) => match d.string("direction")?.to_ascii_lowercase().as_str() {
            "forward" => Ok(false),
            "inverse" => Ok(true),
            other => Err(d.error(format!(
                "direction must be forward or inverse, not `{other}`"
            ))),
        },
    }
}

/// A number or a list of `n` (4 for RGBA-valued keys, whose alpha is ignored); a single
/// number applies to every channel.
fn channels(node: &Node, key: &str, n: usize, default: f64) -> Result<[f64; 3], ColourError> {
    let Some(v) = node.get(key) else {
        return Ok([default; 3]);
    };
    if v.as_str().is_some() {
        return Ok([v.number(key)?; 3]);
    }
    let list = v.numbers(key)?;
    if list.len() != n {
        return Err(v.error(format!("{key} needs {n} values, found {}", list.len())));
    }
    Ok([list[0], list[1], list[2]])
}

fn optional_number(node: &Node, key: &str) -> Result<Option<f64>, ColourError> {
    node.get(key).map(|v| v.number(key)).transpose()
}

impl Transform {
    /// Reads a tagged transform node.
    pub fn parse(node: &Node) -> Result<Transform, ColourError> {
        let Some(kind) = node.tag.as_deref() else {
            return Err(node.error("a transform needs its type tag, e.g. !<MatrixTransform>"));
        };
        let inverse = direction(node)?;
        Ok(match kind {
            "MatrixTransform" => {
                let mut m44 = IDENTITY4;
                if let Some(m) = node.get("matrix") {
                    let values = m.numbers("matrix")?;
                    m44 = values.try_into().map_err(|v: Vec<f64>| {
                        m.error(format!("matrix needs 16 values, found {}", v.len()))
                    })?;
                }
                let mut offset = [0.0; 4];
                if let Some(o) = node.get("offset") {
                    let values = o.numbers("offset")?;
                    offset = values.try_into().map_err(|v: Vec<f64>| {
                        o.error(format!("offset needs 4 values, found {}", v.len()))
                    })?;
                }
                Transform::Matrix {
                    m44,
                    offset,
                    inverse,
                }
            }
            "ExponentTransform" => {
                let negative = match node.get("style") {
                    None => Negative::Clamp,
                    Some(s) => match s.string("style")?.to_ascii_lowercase().as_str() {
                        "clamp" => Negative::Clamp,
                        "mirror" => Negative::Mirror,
                        "pass_thru" => Negative::PassThru,
                        other => {
                            return Err(s.error(format!(
                                "ExponentTransform style must be clamp, mirror or pass_thru, \
                                 not `{other}`"
                            )));
                        }
                    },
                };
                Transform::Exponent {
                    value: channels(node, "value", 4, 1.0)?,
                    negative,
                    inverse,
                }
            }
            "ExponentWithLinearTransform" => {
                let mirror = match node.get("style") {
                    None => false,
                    Some(s) => match s.string("style")?.to_ascii_lowercase().as_str() {
                        "linear" => false,
                        "mirror" => true,
                        other => {
                            return Err(s.error(format!(
                                "ExponentWithLinearTransform style must be linear or mirror, \
                                 not `{other}`"
                            )));
                        }
                    },
                };
                if node.get("gamma").is_none() || node.get("offset").is_none() {
                    return Err(node.error("ExponentWithLinearTransform needs gamma and offset"));
                }
                Transform::ExponentWithLinear {
                    gamma: channels(node, "gamma", 4, 1.0)?,
                    offset: channels(node, "offset", 4, 0.0)?,
                    mirror,
                    inverse,
                }
            }
            "LogTransform" => Transform::Log {
                base: optional_number(node, "base")?.unwrap_or(2.0),
                inverse,
            },
            "LogAffineTransform" | "LogCameraTransform" => {
                let camera = kind == "LogCameraTransform";
                let lin_break = if camera {
                    if node.get("lin_side_break").is_none() {
                        return Err(node.error("LogCameraTransform needs lin_side_break"));
                    }
                    Some(channels(node, "lin_side_break", 3, 0.0)?)
                } else {
                    None
                };
                let linear_slope = match node.get("linear_slope") {
                    Some(_) if camera => Some(channels(node, "linear_slope", 3, 1.0)?),
                    _ => None,
                };
                let params = LogParams {
                    base: optional_number(node, "base")?.unwrap_or(2.0),
                    log_slope: channels(node, "log_side_slope", 3, 1.0)?,
                    log_offset: channels(node, "log_side_offset", 3, 0.0)?,
                    lin_slope: channels(node, "lin_side_slope", 3, 1.0)?,
                    lin_offset: channels(node, "lin_side_offset", 3, 0.0)?,
                    lin_break,
                    linear_slope,
                };
                let degenerate = params.base <= 0.0
                    || params.base == 1.0
                    || params.log_slope.contains(&0.0)
                    || params.lin_slope.contains(&0.0)
                    || params.linear_slope.is_some_and(|s| s.contains(&0.0));
                if degenerate {
                    return Err(node.error(format!(
                        "{kind}: base must be positive and not 1, slopes must not be 0"
                    )));
                }
                Transform::LogCurve { params, inverse }
            }
            "RangeTransform" => {
                let clamp = match node.get("style") {
                    None => true,
                    Some(s) => match s.string("style")?.to_ascii_lowercase().as_str() {
                        "clamp" => true,
                        "noclamp" => false,
                        other => {
                            return Err(s.error(format!(
                                "RangeTransform style must be Clamp or noClamp, not `{other}`"
                            )));
                        }
                    },
                };
                let min_in = optional_number(node, "min_in_value")?;
                let max_in = optional_number(node, "max_in_value")?;
                let min_out = optional_number(node, "min_out_value")?;
                let max_out = optional_number(node, "max_out_value")?;
                let paired =
                    min_in.is_some() == min_out.is_some() && max_in.is_some() == max_out.is_some();
                let flat = matches!((min_in, max_in), (Some(a), Some(b)) if a == b);
                if !paired || flat {
                    return Err(node.error(
                        "RangeTransform needs min_in/min_out and max_in/max_out in pairs, \
                         with min_in_value != max_in_value",
                    ));
                }
                Transform::Range {
                    min_in,
                    max_in,
                    min_out,
                    max_out,
                    clamp,
                    inverse,
                }
            }
            "GroupTransform" => {
                let mut children = Vec::new();
                if let Some(list) = node.get("children") {
                    if list.items().len() > MAX_CHILDREN {
                        return Err(
                            list.error(format!("a group holds at most {MAX_CHILDREN} transforms"))
                        );
                    }
                    for child in list.items() {
                        children.push(Transform::parse(child)?);
                    }
                }
                Transform::Group { children, inverse }
            }
            "BuiltinTransform" => {
                let Some(style) = node.get("style") else {
                    return Err(node.error("BuiltinTransform needs a style"));
                };
                Transform::Builtin {
                    style: style.string("style")?,
                    inverse,
                    line: node.line,
                    col: node.col,
                }
            }
            "ColorSpaceTransform" => {
                let name = |key: &str| match node.get(key) {
                    Some(v) => v.string(key),
                    None => Err(node.error(format!("ColorSpaceTransform needs {key}"))),
                };
                Transform::ColourSpace {
                    src: name("src")?,
                    dst: name("dst")?,
                    inverse,
                    data_bypass: match node.get("data_bypass") {
                        Some(b) => b.boolean("data_bypass")?,
                        None => true,
                    },
                    line: node.line,
                    col: node.col,
                }
            }
            other => Transform::Unsupported {
                kind: other.to_string(),
                line: node.line,
                col: node.col,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn one(text: &str) -> Result<Transform, ColourError> {
        let doc = yaml::parse(&format!("t: {text}\n")).expect("YAML");
        Transform::parse(doc.get("t").expect("t"))
    }

    #[test]
    fn reads_ocio_keys_and_defaults() {
        let t = one("!<MatrixTransform> {}").expect("identity");
        let Transform::Matrix { m44, inverse, .. } = t else {
            panic!("matrix expected");
        };
        assert_eq!((m44[0], m44[1], m44[5], inverse), (1.0, 0.0, 1.0, false));
        let t = one("!<ExponentTransform> {value: 2.2, style: pass_thru, direction: inverse}")
            .expect("exponent");
        assert_eq!(
            t,
            Transform::Exponent {
                value: [2.2; 3],
                negative: Negative::PassThru,
                inverse: true
            }
        );
        let text = "!<LogCameraTransform> {base: 10, lin_side_break: .01, log_side_slope: [1,2,3]}";
        let t = one(text).expect("log camera");
        let Transform::LogCurve { params, .. } = t else {
            panic!("log expected");
        };
        assert_eq!(params.log_slope, [1.0, 2.0, 3.0]);
        assert_eq!(params.lin_break, Some([0.01; 3]));
        assert_eq!(params.base, 10.0);
    }

    #[test]
    fn refuses_bad_values_and_keeps_unknown_types_for_later() {
        let e = one("!<MatrixTransform> {matrix: [1, 0, 0]}").expect_err("short matrix");
        assert!(e.to_string().contains("16 values"), "{e}");
        let e = one("!<ExponentTransform> {value: 2.2, direction: sideways}").expect_err("dir");
        assert!(e.to_string().contains("forward or inverse"), "{e}");
        let e = one("!<LogCameraTransform> {base: 10}").expect_err("no break");
        assert!(e.to_string().contains("lin_side_break"), "{e}");
        let e = one("{value: 2}").expect_err("untagged");
        assert!(e.to_string().contains("type tag"), "{e}");
        let t = one("!<FileTransform> {src: lut.cube}").expect("kept");
        assert!(matches!(t, Transform::Unsupported { ref kind, .. } if kind == "FileTransform"));
    }
}
