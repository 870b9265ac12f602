//! `lake status`: what the lake holds, from its commit log.
//!
//! Files, rows and bytes per table and date partition come from the newest snapshot of the
//! commit log alone (no data file is opened), so the numbers are exactly what a reader going
//! through the log sees. Dead letters by reason read only the `reason` column of the live
//! `dead_letters` files. The last committed offsets are the lake's next offset per source
//! partition: where a restarted ingest resumes. Gaps are the offsets Kafka no longer had when
//! the ingest read past them (retention, compaction, deleted records, transaction markers), per
//! source partition, as the commits recorded them.
//!
//! [`LakeStatus`] serializes to JSON for scripts and renders as aligned text for people
//! (its `Display`).

use std::collections::BTreeMap;
use std::fmt;

use arrow_array::cast::AsArray;
use parquet::errors::ParquetError;
use serde::Serialize;

use super::encode;
use super::log::{self, LogError};
use super::store::{Lake, LakeError};
use crate::schema::Table;

/// Failures reading the lake's status.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// The lake's storage or commit log failed.
    #[error(transparent)]
    Lake(#[from] LakeError),
    /// A live `dead_letters` file has no readable `reason` column (the lake's fault).
    #[error(
        "{path} is not a readable `dead_letters` file: the lake is damaged; restore the file from \
         a backup"
    )]
    Decode {
        /// The file.
        path: String,
        /// The reader's error.
        source: ParquetError,
    },
    /// A worker thread failed (a bug, or the runtime is shutting down).
    #[error("internal error: a worker thread reading dead letters failed")]
    Worker {
        /// The join error.
        source: tokio::task::JoinError,
    },
}

impl From<LogError> for StatusError {
    fn from(e: LogError) -> Self {
        StatusError::Lake(LakeError::Log(e))
    }
}

/// The lake at one version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LakeStatus {
    /// The lake's URL.
    pub lake: String,
    /// The newest commit's version (0: nothing committed yet).
    pub version: u64,
    /// The newest commit, if any.
    pub last_commit: Option<LastCommit>,
    /// Every table with live files, by name.
    pub tables: Vec<TableStatus>,
    /// Rows of `dead_letters` per rejection reason.
    pub dead_letters_by_reason: BTreeMap<String, u64>,
    /// The next offset of each source partition, by source and partition.
    pub offsets: Vec<SourceOffset>,
    /// The source partitions with recorded gaps, by source and partition.
    pub gaps: Vec<SourceGaps>,
}

/// The gaps recorded in one source partition: offsets whose messages are not in the lake
/// because Kafka no longer had them when the ingest read past them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceGaps {
    /// `kafka:<topic>`.
    pub source: String,
    /// The partition.
    pub partition: i32,
    /// How many gaps.
    pub gaps: u64,
    /// Offsets skipped in all of them.
    pub offsets: u64,
    /// The newest gap, `[from, to)`.
    pub last: [i64; 2],
}

/// The newest commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LastCommit {
    /// Its version.
    pub version: u64,
    /// What wrote it (`ingest`, `compact`, …).
    pub operation: String,
    /// The writer's id.
    pub writer: String,
    /// When, RFC 3339.
    pub committed_at: String,
}

/// Totals of one table, and its partitions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TableStatus {
    /// The table's name.
    pub table: String,
    /// Live files.
    pub files: u64,
    /// Rows in them.
    pub rows: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Each date partition, oldest first.
    pub partitions: Vec<PartitionStatus>,
}

/// One date partition of a table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PartitionStatus {
    /// The partition date, `YYYY-MM-DD`.
    pub date: String,
    /// Live files.
    pub files: u64,
    /// Rows in them.
    pub rows: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// Where a source partition stands in the lake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceOffset {
    /// `kafka:<topic>` or `file:<path>`.
    pub source: String,
    /// The partition.
    pub partition: i32,
    /// The next offset to consume (one past the last committed).
    pub next_offset: i64,
}

/// Reads the lake's status from its newest commit.
pub async fn status(lake: &Lake) -> Result<LakeStatus, StatusError> {
    let state = lake.state().await?;
    let last_commit = match state.version {
        0 => None,
        version => log::read_commit(lake.store(), version)
            .await?
            .map(|c| LastCommit {
                version,
                operation: c.operation,
                writer: c.writer,
                committed_at: c.committed_at,
            }),
    };

    let mut tables: BTreeMap<&str, BTreeMap<&str, PartitionStatus>> = BTreeMap::new();
    for file in state.files.values() {
        let partition = tables
            .entry(&file.table)
            .or_default()
            .entry(&file.date)
            .or_insert_with(|| PartitionStatus {
                date: file.date.clone(),
                ..PartitionStatus::default()
            });
        partition.files += 1;
        partition.rows += file.rows;
        partition.bytes += file.bytes;
    }
    let tables = tables
        .into_iter()
        .map(|(name, partitions)| {
            let partitions: Vec<PartitionStatus> = partitions.into_values().collect();
            TableStatus {
                table: name.to_owned(),
                files: partitions.iter().map(|p| p.files).sum(),
                rows: partitions.iter().map(|p| p.rows).sum(),
                bytes: partitions.iter().map(|p| p.bytes).sum(),
                partitions,
            }
        })
        .collect();

    let mut dead_letters_by_reason = BTreeMap::new();
    let dead = Table::DeadLetters.name();
    for file in state.files.values().filter(|f| f.table == dead) {
        let bytes = lake.read_live(file).await?;
        let path = file.path.clone();
        let counts = tokio::task::spawn_blocking(move || reasons(bytes, path))
            .await
            .map_err(|source| StatusError::Worker { source })??;
        for (reason, n) in counts {
            *dead_letters_by_reason.entry(reason).or_insert(0) += n;
        }
    }

    let offsets = state
        .offsets
        .iter()
        .map(|((source, partition), next)| SourceOffset {
            source: source.clone(),
            partition: *partition,
            next_offset: *next,
        })
        .collect();
    let gaps = state
        .gaps
        .iter()
        .map(|((source, partition), g)| SourceGaps {
            source: source.clone(),
            partition: *partition,
            gaps: g.count,
            offsets: g.offsets,
            last: [g.last_from, g.last_to],
        })
        .collect();
    Ok(LakeStatus {
        lake: lake.url().to_owned(),
        version: state.version,
        last_commit,
        tables,
        dead_letters_by_reason,
        offsets,
        gaps,
    })
}

/// Rows per `reason` in one `dead_letters` file.
fn reasons(bytes: bytes::Bytes, path: String) -> Result<BTreeMap<String, u64>, StatusError> {
    let decode_error = |source| StatusError::Decode {
        path: path.clone(),
        source,
    };
    let mut counts = BTreeMap::new();
    for batch in encode::decode(bytes, Some(&["reason"])).map_err(decode_error)? {
        let reasons = batch.column(0).as_string_opt::<i32>().ok_or_else(|| {
            decode_error(ParquetError::General(
                "`reason` is not a string column".into(),
            ))
        })?;
        for reason in reasons {
            *counts
                .entry(reason.unwrap_or("(none)").to_owned())
                .or_insert(0) += 1;
        }
    }
    Ok(counts)
}

impl fmt::Display for LakeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "lake {}", self.lake)?;
        match &self.last_commit {
            None => return writeln!(f, "no commits yet: the lake is empty"),
            Some(c) => writeln!(
                f,
                "version {}, last commit {} by {} ({}) at {}",
                self.version, c.version, c.operation, c.writer, c.committed_at
            )?,
        }

        writeln!(f, "\ntables")?;
        let mut rows = vec![row(["table", "date", "files", "rows", "bytes"])];
        for table in &self.tables {
            for p in &table.partitions {
                rows.push(row([
                    &table.table,
                    &p.date,
                    &p.files.to_string(),
                    &p.rows.to_string(),
                    &format_bytes(p.bytes),
                ]));
            }
            rows.push(row([
                &table.table,
                "total",
                &table.files.to_string(),
                &table.rows.to_string(),
                &format_bytes(table.bytes),
            ]));
        }
        if self.tables.is_empty() {
            rows.push(row(["(no live files)", "", "", "", ""]));
        }
        write_table(f, &rows, &[false, false, true, true, true])?;

        writeln!(f, "\ndead letters by reason")?;
        let mut rows = vec![row(["reason", "rows"])];
        for (reason, n) in &self.dead_letters_by_reason {
            rows.push(row([reason, &n.to_string()]));
        }
        let total: u64 = self.dead_letters_by_reason.values().sum();
        rows.push(row(["total", &total.to_string()]));
        write_table(f, &rows, &[false, true])?;

        writeln!(f, "\nlast committed offsets (next offset to read)")?;
        let mut rows = vec![row(["source", "partition", "next offset"])];
        for o in &self.offsets {
            rows.push(row([
                &o.source,
                &o.partition.to_string(),
                &o.next_offset.to_string(),
            ]));
        }
        if self.offsets.is_empty() {
            rows.push(row(["(none)", "", ""]));
        }
        write_table(f, &rows, &[false, true, true])?;

        writeln!(
            f,
            "\ngaps (offsets Kafka no longer had when the ingest read past them; not in the lake)"
        )?;
        let mut rows = vec![row(["source", "partition", "gaps", "offsets", "last gap"])];
        for g in &self.gaps {
            rows.push(row([
                &g.source,
                &g.partition.to_string(),
                &g.gaps.to_string(),
                &g.offsets.to_string(),
                &format!("[{}, {})", g.last[0], g.last[1]),
            ]));
        }
        if self.gaps.is_empty() {
            rows.push(row(["(none)", "", "", "", ""]));
        }
        write_table(f, &rows, &[false, true, true, true, false])
    }
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// Writes rows as columns padded to their widest cell, indented by two spaces.
fn write_table(f: &mut fmt::Formatter<'_>, rows: &[Vec<String>], right: &[bool]) -> fmt::Result {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let mut line = String::from(" ");
        for (c, cell) in r.iter().enumerate() {
            let width = widths[c];
            if right.get(c).copied().unwrap_or(false) {
                line.push_str(&format!(" {cell:>width$}"));
            } else {
                line.push_str(&format!(" {cell:<width$}"));
            }
        }
        writeln!(f, "{}", line.trim_end())?;
    }
    Ok(())
}

/// A byte count for people: `512 B`, `1.5 KiB`, `12.0 MiB`, `3.2 GiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_as_people_write_them() {
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(1023), "1023 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(5 << 30), "5.0 GiB");
    }

    #[test]
    fn text_columns_line_up_and_tables_have_totals() {
        let status = LakeStatus {
            lake: "/l".into(),
            version: 2,
            last_commit: Some(LastCommit {
                version: 2,
                operation: "ingest".into(),
                writer: "w".into(),
                committed_at: "2026-11-24T10:00:00Z".into(),
            }),
            tables: vec![TableStatus {
                table: "heartbeats".into(),
                files: 3,
                rows: 1200,
                bytes: 2048,
                partitions: vec![
                    PartitionStatus {
                        date: "2026-11-24".into(),
                        files: 1,
                        rows: 200,
                        bytes: 1024,
                    },
                    PartitionStatus {
                        date: "2026-11-25".into(),
                        files: 2,
                        rows: 1000,
                        bytes: 1024,
                    },
                ],
            }],
            dead_letters_by_reason: BTreeMap::from([("malformed".into(), 4)]),
            offsets: vec![SourceOffset {
                source: "kafka:t".into(),
                partition: 0,
                next_offset: 42,
            }],
            gaps: vec![SourceGaps {
                source: "kafka:t".into(),
                partition: 0,
                gaps: 1,
                offsets: 403,
                last: [47_562, 47_965],
            }],
        };
        let text = status.to_string();
        let lines: Vec<&str> = text.lines().collect();
        let header = lines
            .iter()
            .position(|l| l.contains("table") && l.contains("rows"))
            .unwrap();
        // Right-aligned numbers end in the same column as their header.
        let end = |l: &str, word: &str| l.find(word).map(|i| i + word.len());
        let rows_end = end(lines[header], "rows").unwrap();
        assert_eq!(end(lines[header + 1], "200"), Some(rows_end), "{text}");
        assert_eq!(end(lines[header + 2], "1000"), Some(rows_end), "{text}");
        assert!(
            lines[header + 3].contains("total") && lines[header + 3].contains("1200"),
            "{text}"
        );
        assert!(text.contains("malformed"), "{text}");
        assert!(
            lines
                .iter()
                .any(|l| l.contains("kafka:t") && l.ends_with("42")),
            "{text}"
        );
        assert!(
            lines.iter().any(|l| l.contains("kafka:t")
                && l.contains("403")
                && l.ends_with("[47562, 47965)")),
            "{text}"
        );
    }
}
