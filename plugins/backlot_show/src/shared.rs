//! Serde for values shared behind an `Arc` (a look's values, a fade's ends), written and
//! read as the plain value. By hand rather than serde's `rc` feature: that feature changes
//! serde for every crate of the workspace and rebuilds them all.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `#[serde(with = "crate::shared")]` on an `Arc<T>`.
pub(crate) fn serialize<T: Serialize, S: Serializer>(
    value: &Arc<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    T::serialize(value, s)
}

/// `#[serde(with = "crate::shared")]` on an `Arc<T>`.
pub(crate) fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Arc<T>, D::Error> {
    T::deserialize(d).map(Arc::new)
}

/// `#[serde(with = "crate::shared::option")]` on an `Option<Arc<T>>`.
pub(crate) mod option {
    use super::*;

    pub(crate) fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Arc<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        value.as_deref().serialize(s)
    }

    pub(crate) fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Arc<T>>, D::Error> {
        Option::<T>::deserialize(d).map(|v| v.map(Arc::new))
    }
}
