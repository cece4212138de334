//! The one error type of the registry.

use thiserror::Error;

/// Why a registry operation was refused. Never a panic: callers log or show these.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ParamError {
    /// The text is not a well-formed address.
    #[error("invalid parameter address `{0}`")]
    InvalidAddress(String),
    /// No parameter is registered at this address.
    #[error("unknown parameter `{0}`")]
    UnknownAddress(String),
    /// A parameter with this address is already registered.
    #[error("parameter `{0}` is already registered")]
    Duplicate(String),
    /// The value's type does not fit the parameter's.
    #[error("parameter `{address}` is {expected}, got {got}")]
    WrongType {
        /// Where.
        address: String,
        /// The parameter's type.
        expected: String,
        /// What was offered.
        got: String,
    },
    /// The parameter is read-only (a status value).
    #[error("parameter `{0}` is read-only")]
    ReadOnly(String),
    /// A value is not finite (NaN or infinite).
    #[error("parameter `{0}` got a non-finite value")]
    NotFinite(String),
    /// An enum parameter was given an option it does not have.
    #[error("parameter `{address}` has no option `{option}`")]
    UnknownOption {
        /// Where.
        address: String,
        /// What was offered.
        option: String,
    },
}
