//! The `dead_letters` rows: rejected messages with their reason, the field at fault, the
//! scrubbed raw bytes and where they came from.

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::ArrowError;

use super::{BYTES_PER_CELL, KafkaColumns, Origin, put, put_opt, timestamp_builder};
use crate::reason::Reason;
use crate::schema::Table;
use crate::timestamp::Timestamp;

/// A rejected message, as it lands in `dead_letters`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadLetter<'a> {
    /// Why it was rejected.
    pub reason: Reason,
    /// The field at fault, if the reason names one.
    pub field: Option<&'a str>,
    /// What exactly is wrong, for people.
    pub detail: &'a str,
    /// The message bytes, already scrubbed (and possibly truncated) by the caller.
    pub raw: &'a [u8],
    /// The size of the original message in bytes.
    pub raw_bytes: i64,
    /// Where the message came from.
    pub origin: Origin<'a>,
    /// When the pipeline received it.
    pub received_at: Timestamp,
}

/// Rows of `dead_letters` being buffered, in the exact schema of `Table::DeadLetters.schema()`.
#[derive(Debug)]
pub struct DeadLetterRows {
    reason: StringBuilder,
    field: StringBuilder,
    detail: StringBuilder,
    raw: BinaryBuilder,
    raw_bytes: Int64Builder,
    source: StringBuilder,
    kafka: KafkaColumns,
    line: Int64Builder,
    received_at: TimestampMicrosecondBuilder,
    len: usize,
    bytes: usize,
    bytes_per_row: usize,
}

impl Default for DeadLetterRows {
    fn default() -> Self {
        Self::new()
    }
}

impl DeadLetterRows {
    /// Empty dead-letter rows.
    pub fn new() -> Self {
        DeadLetterRows {
            reason: StringBuilder::new(),
            field: StringBuilder::new(),
            detail: StringBuilder::new(),
            raw: BinaryBuilder::new(),
            raw_bytes: Int64Builder::new(),
            source: StringBuilder::new(),
            kafka: KafkaColumns::default(),
            line: Int64Builder::new(),
            received_at: timestamp_builder(),
            len: 0,
            bytes: 0,
            bytes_per_row: Table::DeadLetters.schema().fields().len() * BYTES_PER_CELL,
        }
    }

    /// Appends one rejected message.
    pub fn push(&mut self, letter: &DeadLetter<'_>) {
        let mut bytes = self.bytes_per_row;
        bytes += put(&mut self.reason, letter.reason.as_str());
        bytes += put_opt(&mut self.field, letter.field);
        bytes += put(&mut self.detail, letter.detail);
        self.raw.append_value(letter.raw);
        bytes += letter.raw.len();
        self.raw_bytes.append_value(letter.raw_bytes);
        bytes += put(&mut self.source, letter.origin.source());
        bytes += self.kafka.push(&letter.origin);
        self.line.append_option(match letter.origin {
            Origin::File { line, .. } => Some(i64::try_from(line).unwrap_or(i64::MAX)),
            Origin::Kafka { .. } => None,
        });
        self.received_at.append_value(letter.received_at.micros());
        self.len += 1;
        self.bytes += bytes;
    }

    /// Number of rows buffered.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no rows are buffered.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Approximate heap bytes held by the buffered rows, raw bytes included; O(1).
    pub fn approx_bytes(&self) -> usize {
        self.bytes
    }

    /// Takes the rows as a [`RecordBatch`] with exactly `Table::DeadLetters.schema()`, leaving
    /// the builder empty and reusable.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.reason.finish()),
            Arc::new(self.field.finish()),
            Arc::new(self.detail.finish()),
            Arc::new(self.raw.finish()),
            Arc::new(self.raw_bytes.finish()),
            Arc::new(self.source.finish()),
        ];
        self.kafka.finish(&mut columns);
        columns.push(Arc::new(self.line.finish()));
        columns.push(Arc::new(self.received_at.finish()));
        self.len = 0;
        self.bytes = 0;
        RecordBatch::try_new(Table::DeadLetters.schema(), columns)
    }
}
