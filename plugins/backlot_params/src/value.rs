//! Parameter values.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A live value. Colours are sRGB-encoded RGB in 0..1, as lighting people and colour
/// pickers think of them; owners convert to linear where they render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ParamValue {
    /// A number with a range and unit.
    Float(f32),
    /// A whole number.
    Int(i32),
    /// On or off.
    Bool(bool),
    /// sRGB red, green, blue in 0..1.
    Color([f32; 3]),
    /// Three numbers, e.g. a position in metres or rotation in degrees.
    Vec3([f32; 3]),
    /// A momentary action (reset, record…); carries no value.
    Trigger,
    /// One option of a fixed set, by name.
    Enum(String),
}

impl ParamValue {
    /// The type name used in listings and errors.
    pub fn type_name(&self) -> &'static str {
        match self {
            ParamValue::Float(_) => "float",
            ParamValue::Int(_) => "int",
            ParamValue::Bool(_) => "bool",
            ParamValue::Color(_) => "colour",
            ParamValue::Vec3(_) => "vec3",
            ParamValue::Trigger => "trigger",
            ParamValue::Enum(_) => "enum",
        }
    }

    /// The value as a float where that makes sense (bool → 0/1, int → itself).
    pub fn as_f32(&self) -> Option<f32> {
        match self {
            ParamValue::Float(v) => Some(*v),
            ParamValue::Int(v) => Some(*v as f32),
            ParamValue::Bool(v) => Some(if *v { 1.0 } else { 0.0 }),
            _ => None,
        }
    }

    /// The value as three floats (colour or vector).
    pub fn as_vec3(&self) -> Option<[f32; 3]> {
        match self {
            ParamValue::Color(v) | ParamValue::Vec3(v) => Some(*v),
            _ => None,
        }
    }

    /// The value as a bool (numbers: non-zero is true).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            ParamValue::Bool(v) => Some(*v),
            ParamValue::Float(v) => Some(*v >= 0.5),
            ParamValue::Int(v) => Some(*v != 0),
            _ => None,
        }
    }

    pub(crate) fn is_finite(&self) -> bool {
        match self {
            ParamValue::Float(v) => v.is_finite(),
            ParamValue::Color(v) | ParamValue::Vec3(v) => v.iter().all(|c| c.is_finite()),
            _ => true,
        }
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Float(v) => write!(f, "{v}"),
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::Bool(v) => write!(f, "{v}"),
            ParamValue::Color([r, g, b]) | ParamValue::Vec3([r, g, b]) => {
                write!(f, "({r}, {g}, {b})")
            }
            ParamValue::Trigger => f.write_str("trigger"),
            ParamValue::Enum(v) => f.write_str(v),
        }
    }
}
