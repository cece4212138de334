//! Take files: every tracking sample of every camera as a CSV row, for post-production,
//! and their replay as a live source.

mod replay;
mod row;
mod writer;

pub use replay::{Take, parse_take, read_take};
pub use row::{HEADER, TakeRow};
pub use writer::{ClosingTake, ROW_QUEUE, TakeWriter};

#[cfg(test)]
pub(crate) mod tests;
