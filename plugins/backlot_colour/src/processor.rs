//! From a config and a request (colour space → display/view, or colour space → colour space)
//! to the chain of ops that evaluates it, following OCIO's op builders
//! (`DisplayViewTransform.cpp`, `ColorSpaceTransform.cpp`): to the source's reference,
//! across references through the default view transform when they differ, through the view
//! transform, and out of the display colour space.

use crate::builtin;
use crate::config::{ColourSpace, Config, Reference, ViewTransform};
use crate::error::ColourError;
use crate::ops::{LogChannel, Op, invert4};
use crate::transform::{LogParams, Transform};

/// How deep transforms may nest through groups and colour space transforms (a config whose
/// colour spaces refer to each other in a loop stops here).
const MAX_NESTING: usize = 32;

/// Name a shared view uses for "the colour space named like the display".
const USE_DISPLAY_NAME: &str = "<USE_DISPLAY_NAME>";

/// A built transform: evaluate colours with [`Processor::apply`].
#[derive(Debug, Clone, PartialEq)]
pub struct Processor {
    ops: Vec<Op>,
}

impl Processor {
    /// Transforms one RGB triple.
    pub fn apply(&self, rgb: [f64; 3]) -> [f64; 3] {
        self.ops.iter().fold(rgb, |v, op| op.apply(v))
    }

    /// Whether the processor changes nothing (a data colour space, or the same space).
    pub fn is_identity(&self) -> bool {
        self.ops.is_empty()
    }
}

impl Config {
    /// The transform from colour space `src` to what `display`'s `view` shows (OCIO's
    /// `DisplayViewTransform`, data bypass on, looks refused).
    pub fn display_view(
        &self,
        src: &str,
        display: &str,
        view: &str,
    ) -> Result<Processor, ColourError> {
        let source = self.named_space(src)?;
        let shown = self.display(display).ok_or_else(|| {
            ColourError::NotFound(format!(
                "display `{display}` is not in the config (it has: {})",
                self.displays().join(", ")
            ))
        })?;
        let v = self.view(shown, view).ok_or_else(|| {
            ColourError::NotFound(format!(
                "display `{}` has no view `{view}` (it has: {})",
                shown.name,
                self.views(&shown.name).join(", ")
            ))
        })?;
        if let Some(looks) = &v.looks {
            return Err(ColourError::Unsupported {
                what: format!("view `{}` applies looks ({looks})", v.name),
                line: v.line,
                col: v.col,
            });
        }
        let cs_name = if v.colour_space == USE_DISPLAY_NAME {
            shown.name.as_str()
        } else {
            v.colour_space.as_str()
        };
        let target = self.colour_space(cs_name).ok_or_else(|| {
            ColourError::NotFound(format!(
                "view `{}` of display `{}` uses colour space `{cs_name}`, which is not in the \
                 config (named transforms are not supported)",
                v.name, shown.name
            ))
        })?;
        let mut b = Builder {
            config: self,
            ops: Vec::new(),
        };
        if source.is_data || target.is_data {
            return Ok(b.finish());
        }
        match &v.view_transform {
            None => b.colour_spaces(source, target, true, 0)?,
            Some(vt_name) => {
                let vt = self.view_transform(vt_name).ok_or_else(|| {
                    ColourError::NotFound(format!(
                        "view `{}` uses view transform `{vt_name}`, which is not in the config \
                         (named transforms are not supported)",
                        v.name
                    ))
                })?;
                b.push_to_reference(source, 0)?;
                b.reference_conversion(source.reference, vt.reference, 0)?;
                b.view_transform(vt, true, 0)?;
                b.push_from_reference(target, 0)?;
            }
        }
        Ok(b.finish())
    }

    /// The transform from colour space `src` to colour space `dst` (OCIO's
    /// `ColorSpaceTransform`, data bypass on).
    pub fn colour_space_conversion(&self, src: &str, dst: &str) -> Result<Processor, ColourError> {
        let (source, target) = (self.named_space(src)?, self.named_space(dst)?);
        let mut b = Builder {
            config: self,
            ops: Vec::new(),
        };
        b.colour_spaces(source, target, true, 0)?;
        Ok(b.finish())
    }

    fn named_space(&self, name: &str) -> Result<&ColourSpace, ColourError> {
        self.colour_space(name).ok_or_else(|| {
            ColourError::NotFound(format!(
                "colour space `{name}` is not in the config (names, aliases and roles are \
                 looked up)"
            ))
        })
    }
}

/// Appends ops for transforms.
struct Builder<'a> {
    config: &'a Config,
    ops: Vec<Op>,
}

fn log_op(params: &LogParams, to_linear: bool) -> Op {
    let channels = [0, 1, 2].map(|c| {
        let mut channel = LogChannel {
            log_slope: params.log_slope[c],
            log_offset: params.log_offset[c],
            lin_slope: params.lin_slope[c],
            lin_offset: params.lin_offset[c],
            linear: None,
        };
        if let Some(lin_break) = params.lin_break {
            let slope = params.linear_slope.map_or_else(
                || channel.continuous_slope(params.base, lin_break[c]),
                |s| s[c],
            );
            channel.linear = Some((lin_break[c], slope));
        }
        channel
    });
    Op::Log {
        base: params.base,
        channels,
        to_linear,
    }
}

impl Builder<'_> {
    fn finish(self) -> Processor {
        Processor { ops: self.ops }
    }

    fn nested(depth: usize) -> Result<usize, ColourError> {
        if depth >= MAX_NESTING {
            return Err(ColourError::NotFound(format!(
                "transforms nest deeper than {MAX_NESTING} (colour spaces referring to each \
                 other in a loop?)"
            )));
        }
        Ok(depth + 1)
    }

    /// Appends `t`, inverted when `inverse` (combined with its own direction).
    fn transform(&mut self, t: &Transform, inverse: bool, depth: usize) -> Result<(), ColourError> {
        let depth = Self::nested(depth)?;
        match t {
            Transform::Matrix {
                m44,
                offset,
                inverse: own,
            } => {
                let (m, o) = if inverse != *own {
                    let inv = invert4(m44).ok_or_else(|| {
                        ColourError::NotFound("a MatrixTransform to invert is singular".into())
                    })?;
                    let o = [0, 1, 2, 3]
                        .map(|i| -(0..4).map(|k| inv[i * 4 + k] * offset[k]).sum::<f64>());
                    (inv, o)
                } else {
                    (*m44, *offset)
                };
                // RGB pixels have alpha 1: the alpha column folds into the offset.
                self.ops.push(Op::Matrix {
                    m: [0, 1, 2].map(|i| [m[i * 4], m[i * 4 + 1], m[i * 4 + 2]]),
                    offset: [0, 1, 2].map(|i| o[i] + m[i * 4 + 3]),
                });
            }
            Transform::Exponent {
                value,
                negative,
                inverse: own,
            } => self.ops.push(Op::Power {
                exponent: if inverse != *own {
                    value.map(|v| 1.0 / v)
                } else {
                    *value
                },
                negative: *negative,
            }),
            Transform::ExponentWithLinear {
                gamma,
                offset,
                mirror,
                inverse: own,
            } => self.ops.push(Op::MonCurve {
                gamma: *gamma,
                offset: *offset,
                mirror: *mirror,
                // The forward ExponentWithLinear decodes (MONCURVE_FWD).
                to_linear: inverse == *own,
            }),
            Transform::Log { base, inverse: own } => {
                let params = LogParams {
                    base: *base,
                    log_slope: [1.0; 3],
                    log_offset: [0.0; 3],
                    lin_slope: [1.0; 3],
                    lin_offset: [0.0; 3],
                    lin_break: None,
                    linear_slope: None,
                };
                // The forward LogTransform encodes (lin → log).
                self.ops.push(log_op(&params, inverse != *own));
            }
            Transform::LogCurve {
                params,
                inverse: own,
            } => self.ops.push(log_op(params, inverse != *own)),
            Transform::Range {
                min_in,
                max_in,
                min_out,
                max_out,
                clamp,
                inverse: own,
            } => {
                let (lo_in, hi_in, lo_out, hi_out) = if inverse != *own {
                    (min_out, max_out, min_in, max_in)
                } else {
                    (min_in, max_in, min_out, max_out)
                };
                let (scale, offset) = match (lo_in, hi_in, lo_out, hi_out) {
                    (Some(a), Some(b), Some(c), Some(d)) => {
                        let scale = (d - c) / (b - a);
                        (scale, c - scale * a)
                    }
                    (Some(a), _, Some(c), _) => (1.0, c - a),
                    (_, Some(b), _, Some(d)) => (1.0, d - b),
                    _ => (1.0, 0.0),
                };
                self.ops.push(Op::Range {
                    scale,
                    offset,
                    low: if *clamp { *lo_out } else { None },
                    high: if *clamp { *hi_out } else { None },
                });
            }
            Transform::Group {
                children,
                inverse: own,
            } => {
                let inverse = inverse != *own;
                if inverse {
                    for child in children.iter().rev() {
                        self.transform(child, true, depth)?;
                    }
                } else {
                    for child in children {
                        self.transform(child, false, depth)?;
                    }
                }
            }
            Transform::Builtin {
                style,
                inverse: own,
                line,
                col,
            } => {
                let unsupported = || ColourError::Unsupported {
                    what: format!("BuiltinTransform `{style}`"),
                    line: *line,
                    col: *col,
                };
                let ops = builtin::ops(style).ok_or_else(unsupported)?;
                if inverse != *own {
                    for op in ops.iter().rev() {
                        self.ops.push(op.inverse().ok_or_else(unsupported)?);
                    }
                } else {
                    self.ops.extend(ops);
                }
            }
            Transform::ColourSpace {
                src,
                dst,
                inverse: own,
                data_bypass,
                line,
                col,
            } => {
                let (from, to) = if inverse != *own {
                    (dst, src)
                } else {
                    (src, dst)
                };
                let config = self.config;
                let find = move |name: &str| {
                    config.colour_space(name).ok_or_else(|| {
                        ColourError::at(
                            *line,
                            *col,
                            format!("ColorSpaceTransform names `{name}`, not in the config"),
                        )
                    })
                };
                let (a, b) = (find(from.as_str())?, find(to.as_str())?);
                self.colour_spaces(a, b, *data_bypass, depth)?;
            }
            Transform::Unsupported { kind, line, col } => {
                return Err(ColourError::Unsupported {
                    what: kind.clone(),
                    line: *line,
                    col: *col,
                });
            }
        }
        Ok(())
    }

    fn push_to_reference(&mut self, cs: &ColourSpace, depth: usize) -> Result<(), ColourError> {
        if let Some(t) = &cs.to_reference {
            self.transform(t, false, depth)
        } else if let Some(t) = &cs.from_reference {
            self.transform(t, true, depth)
        } else {
            Ok(())
        }
    }

    fn push_from_reference(&mut self, cs: &ColourSpace, depth: usize) -> Result<(), ColourError> {
        if let Some(t) = &cs.from_reference {
            self.transform(t, false, depth)
        } else if let Some(t) = &cs.to_reference {
            self.transform(t, true, depth)
        } else {
            Ok(())
        }
    }

    /// A view transform in its scene/display → display direction (`forward`) or back.
    fn view_transform(
        &mut self,
        vt: &ViewTransform,
        forward: bool,
        depth: usize,
    ) -> Result<(), ColourError> {
        let (primary, secondary) = if forward {
            (&vt.from_reference, &vt.to_reference)
        } else {
            (&vt.to_reference, &vt.from_reference)
        };
        match (primary, secondary) {
            (Some(t), _) => self.transform(t, false, depth),
            (None, Some(t)) => self.transform(t, true, depth),
            (None, None) => Err(ColourError::NotFound(format!(
                "view transform `{}` has no transform",
                vt.name
            ))),
        }
    }

    /// Between the scene and display references through the default view transform.
    fn reference_conversion(
        &mut self,
        from: Reference,
        to: Reference,
        depth: usize,
    ) -> Result<(), ColourError> {
        if from == to {
            return Ok(());
        }
        let vt = self.config.scene_to_display().ok_or_else(|| {
            ColourError::NotFound(
                "the config has no scene-referred view transform to reach the display \
                 reference"
                    .into(),
            )
        })?;
        self.view_transform(vt, from == Reference::Scene, depth)
    }

    fn colour_spaces(
        &mut self,
        src: &ColourSpace,
        dst: &ColourSpace,
        data_bypass: bool,
        depth: usize,
    ) -> Result<(), ColourError> {
        let same_group = !src.equality_group.is_empty() && src.equality_group == dst.equality_group;
        if src.name.eq_ignore_ascii_case(&dst.name) || same_group {
            return Ok(());
        }
        if data_bypass && (src.is_data || dst.is_data) {
            return Ok(());
        }
        self.push_to_reference(src, depth)?;
        self.reference_conversion(src.reference, dst.reference, depth)?;
        self.push_from_reference(dst, depth)
    }
}

#[cfg(test)]
#[path = "processor_tests.rs"]
mod tests;
