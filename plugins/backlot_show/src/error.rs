//! Why a show command or look edit was refused: logged, never a panic.

use thiserror::Error;

use crate::pattern::PatternError;

/// A refused command or edit.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ShowError {
    /// No show is loaded.
    #[error("no show is loaded")]
    NoShow,
    /// No list by this name.
    #[error("the show has no cue list `{0}`")]
    UnknownList(String),
    /// No cue by this name or number in the list.
    #[error("cue list `{list}` has no cue {cue}")]
    UnknownCue {
        /// The list.
        list: String,
        /// The cue as asked for.
        cue: String,
    },
    /// No look by this name.
    #[error("the show has no look `{0}`")]
    UnknownLook(String),
    /// The look has fewer versions.
    #[error("look `{look}` has no version {back} back")]
    UnknownVersion {
        /// The look.
        look: String,
        /// How far back was asked for.
        back: usize,
    },
    /// GO on the last cue (and it names no next one).
    #[error("cue list `{0}` is at its end: nothing to GO to")]
    EndOfList(String),
    /// BACK on the first cue or before any.
    #[error("cue list `{0}` has no cue before the current one")]
    NothingBefore(String),
    /// TOGGLE without a COMPARE.
    #[error("cue list `{0}` is not comparing two looks")]
    NotComparing(String),
    /// A command that plays a look was sent to no list.
    #[error("{0} needs a cue list to play on")]
    NeedsList(&'static str),
    /// Storing a new look past the limit.
    #[error("the show holds {0} looks, the most it keeps; store over one instead")]
    TooManyLooks(usize),
    /// A cue edit that would leave a show its file could not hold.
    #[error("cue edit refused: {0}")]
    BadCueEdit(String),
    /// A look's store pattern is bad.
    #[error(transparent)]
    Pattern(#[from] PatternError),
}
