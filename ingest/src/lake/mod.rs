//! The lake: Arrow rows of each table, their Parquet encoding, the commit protocol, and its
//! upkeep (compaction, vacuum, status).

pub mod compact;
pub mod directory;
pub mod encode;
pub mod history;
pub mod log;
pub mod rows;
pub mod s3;
pub mod status;
pub mod store;
pub mod vacuum;
