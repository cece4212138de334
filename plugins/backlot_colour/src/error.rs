//! Why a config was refused or a transform could not be built.

/// What went wrong, with the config line and column (1-based) where there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColourError {
    /// The text is not YAML, or not an OCIO config of the shape expected.
    #[error("line {line}:{col}: {message}")]
    Config {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What is wrong.
        message: String,
    },
    /// The config needs a transform backlot does not implement; `what` names its type (and
    /// for built-ins, the style).
    #[error(
        "line {line}:{col}: {what} is not supported by backlot's OCIO subset \
         (see docs/colour.md for what is)"
    )]
    Unsupported {
        /// The transform type, e.g. `FileTransform` or `BuiltinTransform "ACES-OUTPUT - …"`.
        what: String,
        /// 1-based line of the transform in the config.
        line: usize,
        /// 1-based column.
        col: usize,
    },
    /// A colour space, display, view or view transform the request names is not in the config.
    #[error("{0}")]
    NotFound(String),
    /// The config file could not be read.
    #[error("{0}")]
    Io(String),
}

impl ColourError {
    /// A [`ColourError::Config`] at a position.
    pub(crate) fn at(line: usize, col: usize, message: impl Into<String>) -> Self {
        Self::Config {
            line,
            col,
            message: message.into(),
        }
    }
}
