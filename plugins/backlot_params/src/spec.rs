//! What a parameter is: its address, type, range, unit and default.

use std::fmt;

use crate::{ParamAddress, ParamError, ParamValue};

/// The type of a parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    /// `f32`, clamped to the range.
    Float,
    /// `i32`, clamped to the range.
    Int,
    /// On/off.
    Bool,
    /// sRGB colour, each channel clamped to the range (default 0..1).
    Color,
    /// Three floats, each clamped to the range.
    Vec3,
    /// A momentary action.
    Trigger,
    /// One of these options.
    Enum(Vec<String>),
}

impl ParamKind {
    /// The name used in listings.
    pub fn name(&self) -> &'static str {
        match self {
            ParamKind::Float => "float",
            ParamKind::Int => "int",
            ParamKind::Bool => "bool",
            ParamKind::Color => "colour",
            ParamKind::Vec3 => "vec3",
            ParamKind::Trigger => "trigger",
            ParamKind::Enum(_) => "enum",
        }
    }
}

/// Everything the registry, the UI and controllers need to know about one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// Stable address, e.g. `/scene/lights/key/intensity`.
    pub address: ParamAddress,
    /// Its type.
    pub kind: ParamKind,
    /// Inclusive range for numeric kinds (per component for colour/vec3).
    pub range: Option<(f32, f32)>,
    /// Unit shown beside the value (`lm`, `lx`, `m`, `deg`, `K`…); empty when unitless.
    pub unit: String,
    /// The value the scene file gives it.
    pub default: ParamValue,
    /// One line for tooltips and OSCQuery.
    pub description: String,
    /// Status values that only their owner may write.
    pub read_only: bool,
}

impl ParamSpec {
    /// A float parameter.
    pub fn float(address: ParamAddress, default: f32, min: f32, max: f32, unit: &str) -> Self {
        Self::new(address, ParamKind::Float, ParamValue::Float(default))
            .with_range(min, max)
            .with_unit(unit)
    }

    /// An sRGB colour parameter.
    pub fn color(address: ParamAddress, default: [f32; 3]) -> Self {
        Self::new(address, ParamKind::Color, ParamValue::Color(default)).with_range(0.0, 1.0)
    }

    /// A three-float parameter.
    pub fn vec3(address: ParamAddress, default: [f32; 3], min: f32, max: f32, unit: &str) -> Self {
        Self::new(address, ParamKind::Vec3, ParamValue::Vec3(default))
            .with_range(min, max)
            .with_unit(unit)
    }

    /// A bool parameter.
    pub fn bool(address: ParamAddress, default: bool) -> Self {
        Self::new(address, ParamKind::Bool, ParamValue::Bool(default))
    }

    /// A trigger parameter.
    pub fn trigger(address: ParamAddress) -> Self {
        Self::new(address, ParamKind::Trigger, ParamValue::Trigger)
    }

    /// Any parameter, no range, no unit.
    pub fn new(address: ParamAddress, kind: ParamKind, default: ParamValue) -> Self {
        Self {
            address,
            kind,
            range: None,
            unit: String::new(),
            default,
            description: String::new(),
            read_only: false,
        }
    }

    /// Sets the inclusive range.
    pub fn with_range(mut self, min: f32, max: f32) -> Self {
        self.range = Some((min.min(max), max.max(min)));
        self
    }

    /// Sets the unit.
    pub fn with_unit(mut self, unit: &str) -> Self {
        self.unit = unit.to_string();
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Marks it read-only.
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// Converts `value` to this parameter's type where the conversion is lossless in intent
    /// (int ↔ float, number → bool, vec3 ↔ colour), then clamps it to the range.
    pub fn coerce(&self, value: ParamValue) -> Result<ParamValue, ParamError> {
        let wrong = |value: &ParamValue| ParamError::WrongType {
            address: self.address.to_string(),
            expected: self.kind.name().to_string(),
            got: value.type_name().to_string(),
        };
        if !value.is_finite() {
            return Err(ParamError::NotFinite(self.address.to_string()));
        }
        let clamp = |v: f32| match self.range {
            Some((lo, hi)) => v.clamp(lo, hi),
            None => v,
        };
        Ok(match (&self.kind, &value) {
            (ParamKind::Float, _) => {
                ParamValue::Float(clamp(value.as_f32().ok_or_else(|| wrong(&value))?))
            }
            (ParamKind::Int, ParamValue::Int(v)) => {
                ParamValue::Int(clamp(*v as f32).round() as i32)
            }
            (ParamKind::Int, ParamValue::Float(v)) => ParamValue::Int(clamp(v.round()) as i32),
            (ParamKind::Int, ParamValue::Bool(v)) => ParamValue::Int(i32::from(*v)),
            (ParamKind::Bool, _) => ParamValue::Bool(value.as_bool().ok_or_else(|| wrong(&value))?),
            (ParamKind::Color, _) => {
                ParamValue::Color(value.as_vec3().ok_or_else(|| wrong(&value))?.map(clamp))
            }
            (ParamKind::Vec3, _) => {
                ParamValue::Vec3(value.as_vec3().ok_or_else(|| wrong(&value))?.map(clamp))
            }
            (ParamKind::Trigger, _) => ParamValue::Trigger,
            (ParamKind::Enum(options), ParamValue::Enum(option)) => {
                if options.iter().any(|o| o == option) {
                    value
                } else {
                    return Err(ParamError::UnknownOption {
                        address: self.address.to_string(),
                        option: option.clone(),
                    });
                }
            }
            (ParamKind::Enum(options), ParamValue::Int(i)) => options
                .get(usize::try_from(*i).map_err(|_| wrong(&value))?)
                .map(|o| ParamValue::Enum(o.clone()))
                .ok_or_else(|| wrong(&value))?,
            _ => return Err(wrong(&value)),
        })
    }
}

impl ParamSpec {
    /// This spec with its default coerced like any write, so that a live value never starts
    /// out as something no write could set: a NaN or infinite default (or a NaN range bound,
    /// on which clamping would panic) is refused with [`ParamError::NotFinite`]; a default of
    /// the wrong type is refused too; one outside the range is clamped into it, with a
    /// warning, because the file asked for more than the parameter holds.
    pub fn with_checked_default(mut self) -> Result<Self, ParamError> {
        if self
            .range
            .is_some_and(|(lo, hi)| lo.is_nan() || hi.is_nan())
        {
            return Err(ParamError::NotFinite(self.address.to_string()));
        }
        let default = self.coerce(self.default.clone())?;
        if default != self.default {
            tracing::warn!(
                "parameter `{}`: default {} is outside its range or type; using {default}",
                self.address,
                self.default
            );
            self.default = default;
        }
        Ok(self)
    }

    /// Parses text as a value of this parameter (`0.5`, `true`, `1,0.5,0`, an option name),
    /// then coerces and clamps it like [`ParamSpec::coerce`]. For command lines and files.
    pub fn parse_value(&self, text: &str) -> Result<ParamValue, ParamError> {
        let text = text.trim();
        let wrong = || ParamError::WrongType {
            address: self.address.to_string(),
            expected: self.kind.name().to_string(),
            got: format!("`{text}`"),
        };
        let number = |t: &str| t.trim().parse::<f32>().map_err(|_| wrong());
        let value = match &self.kind {
            ParamKind::Float | ParamKind::Int => ParamValue::Float(number(text)?),
            ParamKind::Bool => match text {
                "true" | "on" | "1" => ParamValue::Bool(true),
                "false" | "off" | "0" => ParamValue::Bool(false),
                _ => return Err(wrong()),
            },
            ParamKind::Color | ParamKind::Vec3 => {
                let parts: Vec<f32> = text.split(',').map(number).collect::<Result<_, _>>()?;
                let v: [f32; 3] = parts.try_into().map_err(|_| wrong())?;
                ParamValue::Vec3(v)
            }
            ParamKind::Trigger => ParamValue::Trigger,
            ParamKind::Enum(_) => ParamValue::Enum(text.to_string()),
        };
        self.coerce(value)
    }
}

impl fmt::Display for ParamSpec {
    /// One line: `address type range unit default` — the format `backlot params` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let range = match (&self.kind, self.range) {
            (ParamKind::Enum(options), _) => options.join("|"),
            (_, Some((lo, hi))) => format!("{lo}..{hi}"),
            _ => "-".to_string(),
        };
        let unit = if self.unit.is_empty() {
            "-"
        } else {
            &self.unit
        };
        write!(
            f,
            "{}\t{}\t{}\t{}\t{}",
            self.address,
            self.kind.name(),
            range,
            unit,
            self.default
        )?;
        if self.read_only {
            f.write_str("\tread-only")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_by_kind() {
        let a = |s: &str| ParamAddress::new(s).unwrap();
        let f = ParamSpec::float(a("/f"), 1.0, 0.0, 2.0, "");
        assert_eq!(f.parse_value("1.5"), Ok(ParamValue::Float(1.5)));
        assert_eq!(f.parse_value("9"), Ok(ParamValue::Float(2.0)));
        assert!(f.parse_value("x").is_err());
        let c = ParamSpec::color(a("/c"), [0.0; 3]);
        assert_eq!(
            c.parse_value("1, 0.5,0"),
            Ok(ParamValue::Color([1.0, 0.5, 0.0]))
        );
        assert!(c.parse_value("1,2").is_err());
        let b = ParamSpec::bool(a("/b"), false);
        assert_eq!(b.parse_value("on"), Ok(ParamValue::Bool(true)));
        let e = ParamSpec::new(
            a("/e"),
            ParamKind::Enum(vec!["x".into(), "y".into()]),
            ParamValue::Enum("x".into()),
        );
        assert_eq!(e.parse_value("y"), Ok(ParamValue::Enum("y".into())));
        assert!(e.parse_value("z").is_err());
    }
}
