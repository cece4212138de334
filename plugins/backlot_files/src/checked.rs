//! Value types that validate themselves while being parsed, so that ron reports the
//! exact line and column of a bad value (ron positions custom errors at the value).

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer};

/// What the parser needs to know beyond the text: where assets live and which names exist.
#[derive(Default)]
pub(crate) struct ParseContext {
    pub asset_root: Option<PathBuf>,
    pub names: HashSet<String>,
}

thread_local! {
    // Set for the duration of one `parse_scene` call on this thread; serde gives no other
    // way to hand context to a nested `Deserialize` while keeping ron's error positions.
    pub(crate) static CONTEXT: RefCell<Option<ParseContext>> = const { RefCell::new(None) };
}

macro_rules! checked_f32 {
    ($name:ident, $doc:literal, $check:expr, $what:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Default)]
        #[serde(transparent)]
        pub struct $name(pub f32);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = f32::deserialize(d)?;
                let check: fn(f32) -> bool = $check;
                if v.is_finite() && check(v) {
                    Ok(Self(v))
                } else {
                    Err(de::Error::custom(format!(concat!($what, ", got {}"), v)))
                }
            }
        }

        impl $name {
            /// The number.
            pub fn get(self) -> f32 {
                self.0
            }
        }
    };
}

checked_f32!(
    Positive,
    "A number greater than zero (sizes, radii, masses).",
    |v| v > 0.0,
    "value must be greater than 0"
);
checked_f32!(
    NonNegative,
    "A number of zero or more (intensities, strengths).",
    |v| v >= 0.0,
    "value must be 0 or more"
);
checked_f32!(
    UnitInterval,
    "A number in 0..=1 (metallic, roughness, restitution).",
    |v| (0.0..=1.0).contains(&v),
    "value must be between 0 and 1"
);

/// A name for a light or entity: unique in its file and usable as an address segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EntityName(pub String);

impl<'de> Deserialize<'de> for EntityName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        if name.is_empty() {
            return Err(de::Error::custom("name must not be empty"));
        }
        if let Some(c) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        {
            return Err(de::Error::custom(format!(
                "name `{name}` has `{c}`; use letters, digits, `_`, `-` or `.` so it can be a parameter address"
            )));
        }
        let duplicate = CONTEXT.with(|ctx| {
            ctx.borrow_mut()
                .as_mut()
                .is_some_and(|ctx| !ctx.names.insert(name.clone()))
        });
        if duplicate {
            return Err(de::Error::custom(format!("duplicate name `{name}`")));
        }
        Ok(Self(name))
    }
}

impl fmt::Display for EntityName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A path to a file under `assets/`, checked to exist when the parser knows the asset root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AssetRef(pub String);

impl<'de> Deserialize<'de> for AssetRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let path = String::deserialize(d)?;
        if path.is_empty() {
            return Err(de::Error::custom("asset path must not be empty"));
        }
        if path.split(['/', '\\']).any(|s| s == "..") || path.starts_with('/') {
            return Err(de::Error::custom(format!(
                "asset path `{path}` must stay inside the assets folder"
            )));
        }
        let missing = CONTEXT.with(|ctx| {
            ctx.borrow().as_ref().and_then(|ctx| {
                let root = ctx.asset_root.as_ref()?;
                let file = path.split('#').next().unwrap_or(&path);
                let full = root.join(file);
                (!full.is_file()).then(|| full.display().to_string())
            })
        });
        if let Some(full) = missing {
            return Err(de::Error::custom(format!(
                "missing asset file `{path}` (looked for {full})"
            )));
        }
        Ok(Self(path))
    }
}
