//! The lake: Arrow rows of each table, their Parquet encoding, and the commit protocol.

pub mod encode;
pub mod log;
pub mod rows;
pub mod store;
