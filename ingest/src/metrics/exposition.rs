//! [`Metrics::render`]: the Prometheus text exposition format, version 0.0.4.
//!
//! Each metric is a `# HELP` line, a `# TYPE` line and its samples, one per line:
//! `name{label="value",…} value`. Label values escape `\`, `"` and newline; help text escapes
//! `\` and newline.

use std::fmt::{Display, Write as _};
use std::sync::atomic::Ordering;

use super::{Counters, FLUSH_BUCKETS, Metrics, N_TABLES, Source, TABLES};
use crate::reason::Reason;
use crate::schema::Table;

/// Tables the "in" metrics (`events`, `duplicates`) always show.
const IN_TABLES: &[Table] = &Table::TELEMETRY;

/// Tables the "out" metrics (`rows_committed`, `files_written`, `bytes_written`) always show.
const OUT_TABLES: &[Table] = &Table::PARTITIONED;

impl Metrics {
    /// The metrics in the Prometheus text exposition format 0.0.4, the body of `/metrics`.
    ///
    /// Metrics come in a fixed order and series in label order (see the [module
    /// docs](super)), so two renders of the same values are the same text.
    pub fn render(&self) -> String {
        let mut out = Exposition(String::with_capacity(8 * 1024));

        out.header(
            "roomsight_ingest_messages_total",
            "counter",
            "Messages (Kafka records or file lines) read.",
        );
        for source in Source::ALL {
            out.sample(
                "roomsight_ingest_messages_total",
                &[("source", source.as_str())],
                self.messages_total(source),
            );
        }

        out.by_table(
            "roomsight_ingest_events_total",
            "Valid events accepted, by telemetry table.",
            &self.events,
            IN_TABLES,
        );
        out.by_table(
            "roomsight_ingest_duplicates_total",
            "Resent events dropped because their event_id was already seen.",
            &self.duplicates,
            IN_TABLES,
        );
        out.by_table(
            "roomsight_ingest_rows_committed_total",
            "Rows committed to the lake, by table.",
            &self.rows_committed,
            OUT_TABLES,
        );

        out.header(
            "roomsight_ingest_dead_letters_total",
            "counter",
            "Messages rejected, by the contract's reason name.",
        );
        for &reason in Reason::ALL {
            out.sample(
                "roomsight_ingest_dead_letters_total",
                &[("reason", reason.as_str())],
                self.dead_letters_total(reason),
            );
        }

        out.scalar(
            "roomsight_ingest_redactions_total",
            "counter",
            "Personal data redacted from log messages.",
            self.redactions_total(),
        );
        out.by_table(
            "roomsight_ingest_files_written_total",
            "Parquet files written, by table.",
            &self.files_written,
            OUT_TABLES,
        );
        out.by_table(
            "roomsight_ingest_bytes_written_total",
            "Bytes of Parquet files written, by table.",
            &self.bytes_written,
            OUT_TABLES,
        );
        out.scalar(
            "roomsight_ingest_commits_total",
            "counter",
            "Lake commits that succeeded.",
            self.commits_total(),
        );
        out.scalar(
            "roomsight_ingest_commit_conflicts_total",
            "counter",
            "Lake commits that conflicted with another writer's.",
            self.commit_conflicts_total(),
        );
        out.header(
            "roomsight_ingest_gap_messages_total",
            "counter",
            "Offsets skipped because Kafka no longer had them (retention, compaction, deleted records, transaction markers), by partition.",
        );
        for (topic, partition, n) in self.gap_series() {
            out.sample(
                "roomsight_ingest_gap_messages_total",
                &[("topic", &topic), ("partition", &partition.to_string())],
                n,
            );
        }

        let flush = self.flush_histogram();
        out.header(
            "roomsight_ingest_flush_seconds",
            "histogram",
            "Time to flush buffered rows to the lake, in seconds.",
        );
        for (bound, count) in FLUSH_BUCKETS.iter().zip(flush.cumulative) {
            out.sample(
                "roomsight_ingest_flush_seconds_bucket",
                &[("le", &bound.to_string())],
                count,
            );
        }
        out.sample(
            "roomsight_ingest_flush_seconds_bucket",
            &[("le", "+Inf")],
            flush.count,
        );
        out.sample("roomsight_ingest_flush_seconds_sum", &[], flush.sum);
        out.sample("roomsight_ingest_flush_seconds_count", &[], flush.count);

        let partitions = self.partitions.snapshot();
        out.header(
            "roomsight_ingest_partition_assigned",
            "gauge",
            "1 for each partition this process owns in the consumer group.",
        );
        for (topic, partition, gauges) in &partitions {
            if gauges.assigned {
                out.sample(
                    "roomsight_ingest_partition_assigned",
                    &[("topic", topic), ("partition", &partition.to_string())],
                    1,
                );
            }
        }
        out.header(
            "roomsight_ingest_consumer_lag",
            "gauge",
            "Messages between the high watermark and the consumer's position, by partition.",
        );
        for (topic, partition, gauges) in &partitions {
            if let Some(lag) = gauges.lag {
                out.sample(
                    "roomsight_ingest_consumer_lag",
                    &[("topic", topic), ("partition", &partition.to_string())],
                    lag,
                );
            }
        }
        out.header(
            "roomsight_ingest_committed_offset",
            "gauge",
            "The next offset to read per the lake's last commit, by partition.",
        );
        for (topic, partition, gauges) in &partitions {
            if let Some(offset) = gauges.committed_offset {
                out.sample(
                    "roomsight_ingest_committed_offset",
                    &[("topic", topic), ("partition", &partition.to_string())],
                    offset,
                );
            }
        }

        out.scalar(
            "roomsight_ingest_buffered_bytes",
            "gauge",
            "Bytes of rows buffered and not yet flushed.",
            self.buffered_bytes.load(Ordering::Relaxed),
        );
        out.scalar(
            "roomsight_ingest_buffered_rows",
            "gauge",
            "Rows buffered and not yet flushed.",
            self.buffered_rows.load(Ordering::Relaxed),
        );
        out.0
    }
}

/// The exposition text being written.
struct Exposition(String);

impl Exposition {
    /// Appends `value` (`Display` into a `String` cannot fail).
    fn display(&mut self, value: impl Display) {
        let _ = write!(self.0, "{value}");
    }

    /// The `# HELP` and `# TYPE` lines of a metric.
    fn header(&mut self, name: &str, kind: &str, help: &str) {
        self.0.push_str("# HELP ");
        self.0.push_str(name);
        self.0.push(' ');
        escape_into(&mut self.0, help, false);
        self.0.push_str("\n# TYPE ");
        self.0.push_str(name);
        self.0.push(' ');
        self.0.push_str(kind);
        self.0.push('\n');
    }

    /// One sample line.
    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Display) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (label, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                self.0.push_str(label);
                self.0.push_str("=\"");
                escape_into(&mut self.0, value, true);
                self.0.push('"');
            }
            self.0.push('}');
        }
        self.0.push(' ');
        self.display(value);
        self.0.push('\n');
    }

    /// A metric with a single unlabelled sample.
    fn scalar(&mut self, name: &str, kind: &str, help: &str, value: impl Display) {
        self.header(name, kind, help);
        self.sample(name, &[], value);
    }

    /// A counter labelled by `table`: the tables in `always`, and any other that was counted.
    fn by_table(
        &mut self,
        name: &str,
        help: &str,
        counters: &Counters<N_TABLES>,
        always: &[Table],
    ) {
        self.header(name, "counter", help);
        for (i, table) in TABLES.into_iter().enumerate() {
            let value = counters.get(i);
            if value > 0 || always.contains(&table) {
                self.sample(name, &[("table", table.name())], value);
            }
        }
    }
}

/// Appends `s` escaped: `\` → `\\`, newline → `\n`, and in label values `"` → `\"`.
fn escape_into(out: &mut String, s: &str, label_value: bool) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if label_value => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}
