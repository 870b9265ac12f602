//! `roomsight compact`: merges each partition's small files into a few large ones, sorted and
//! deduplicated, swapped in by one commit per partition; then deletes retired files.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDate;
use roomsight_ingest::lake::compact::{
    COMPACTABLE, CompactOptions, CompactProgress, compact, compactable_table,
};
use roomsight_ingest::schema::Table;

use crate::cli::LakeArgs;
use crate::cmd::lake::{open_existing, runtime};
use crate::progress;

const MIB: u64 = 1 << 20;

/// Flags of `roomsight compact`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) lake: LakeArgs,

    /// Only this table: a telemetry table (`heartbeats`, `peripheral_states`, …) or
    /// `dead_letters`.
    #[arg(long, env = "ROOMSIGHT_TABLE", value_parser = parse_table, value_name = "T")]
    pub(crate) table: Option<Table>,

    /// Only this date partition (UTC).
    #[arg(long, env = "ROOMSIGHT_DATE", value_name = "YYYY-MM-DD")]
    pub(crate) date: Option<NaiveDate>,

    /// Size each output file aims at, in MiB.
    #[arg(long, env = "ROOMSIGHT_TARGET_FILE_MB", default_value_t = 256, value_name = "MIB",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) target_file_mb: u64,

    /// Most rows in one output file.
    #[arg(long, env = "ROOMSIGHT_TARGET_FILE_ROWS", default_value_t = 20_000_000,
          value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) target_file_rows: u64,

    /// Most Parquet MiB read for one commit; bigger partitions are compacted in groups of files
    /// (memory use is a few times this).
    #[arg(long, env = "ROOMSIGHT_MAX_INPUT_MB", default_value_t = 512, value_name = "MIB",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max_input_mb: u64,

    /// Minutes to keep retired and orphaned files before deleting them; longer than your
    /// longest query.
    #[arg(
        long,
        env = "ROOMSIGHT_VACUUM_GRACE_MINS",
        default_value_t = 60,
        value_name = "MIN"
    )]
    pub(crate) vacuum_grace_mins: u64,
}

/// Parses `--table`: the name of a table compaction handles.
fn parse_table(s: &str) -> Result<Table, String> {
    compactable_table(s).ok_or_else(|| {
        let names: Vec<&str> = COMPACTABLE.iter().map(|t| t.name()).collect();
        format!(
            "`{s}` is not a table compaction handles; use one of {}",
            names.join(", ")
        )
    })
}

impl Args {
    fn options(&self) -> CompactOptions {
        CompactOptions {
            table: self.table,
            date: self.date,
            target_file_bytes: self.target_file_mb.saturating_mul(MIB),
            target_file_rows: self.target_file_rows,
            max_input_bytes: self.max_input_mb.saturating_mul(MIB),
            vacuum_grace: Duration::from_secs(self.vacuum_grace_mins.saturating_mul(60)),
            ..CompactOptions::default()
        }
    }
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let lake = open_existing(&args.lake.lake)?;
    let options = args.options();
    tracing::info!(lake = lake.url(), ?options, "compacting");
    let bar = progress::bytes(0, "compact");
    let mut on_progress = |p: &CompactProgress| {
        bar.set_length(p.bytes_total);
        bar.set_position(p.bytes_done);
    };
    let summary = runtime()?
        .block_on(compact(&lake, &options, &mut on_progress))
        .with_context(|| format!("compacting the lake at {} failed", lake.url()))?;
    bar.finish_and_clear();
    println!("{summary}");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_defaults_are_the_library_defaults() {
        let cli =
            crate::config::parse_args(["roomsight", "compact", "--lake", "x"].map(Into::into))
                .map_err(|e| format!("{e:?}"))
                .unwrap();
        let crate::cli::Command::Compact(args) = cli.command else {
            panic!("not compact");
        };
        let options = args.options();
        let defaults = CompactOptions::default();
        assert_eq!(
            (options.target_file_bytes, options.target_file_rows),
            (defaults.target_file_bytes, defaults.target_file_rows)
        );
        assert_eq!(options.max_input_bytes, defaults.max_input_bytes);
        assert_eq!(options.vacuum_grace, defaults.vacuum_grace);
    }

    #[test]
    fn only_compactable_tables_are_accepted() {
        assert_eq!(parse_table("heartbeats"), Ok(Table::Heartbeats));
        let err = parse_table("rooms").unwrap_err();
        assert!(err.contains("dead_letters"), "{err}");
    }
}
