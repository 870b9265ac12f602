//! How the shell prints results: an aligned table for people, CSV or JSON for programs.

use std::io::Write;

use datafusion::arrow::csv::WriterBuilder as CsvWriterBuilder;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::json::ArrayWriter;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::common::arrow::datatypes::SchemaRef;

/// The output formats of `roomsight sql --format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputFormat {
    /// An aligned table with a row count, for people.
    #[default]
    Table,
    /// CSV with a header line.
    Csv,
    /// A JSON array of objects, one per row.
    Json,
}

/// Writes one statement's result to `out` in `format`. A result with no rows still shows its
/// columns (table and CSV) or `[]` (JSON).
pub fn write_result(
    out: &mut dyn Write,
    format: OutputFormat,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<(), ArrowError> {
    match format {
        OutputFormat::Table => {
            let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
            if rows == 0 {
                let empty = RecordBatch::new_empty(schema.clone());
                writeln!(out, "{}", pretty_format_batches(&[empty])?)?;
            } else {
                writeln!(out, "{}", pretty_format_batches(batches)?)?;
            }
            writeln!(out, "({rows} row{})", if rows == 1 { "" } else { "s" })?;
        }
        OutputFormat::Csv => {
            let mut writer = CsvWriterBuilder::new().with_header(true).build(&mut *out);
            if batches.is_empty() {
                writer.write(&RecordBatch::new_empty(schema.clone()))?;
            }
            for batch in batches {
                writer.write(batch)?;
            }
        }
        OutputFormat::Json => {
            let mut buffer = Vec::new();
            {
                let mut writer = ArrayWriter::new(&mut buffer);
                for batch in batches {
                    writer.write(batch)?;
                }
                writer.finish()?;
            }
            if buffer.is_empty() {
                buffer.extend_from_slice(b"[]");
            }
            out.write_all(&buffer)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {

    use std::sync::Arc;

    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn sample() -> (SchemaRef, RecordBatch) {
        let schema = Arc::new(Schema::new(vec![
            Field::new("room_id", DataType::Utf8, false),
            Field::new("n", DataType::Int64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec!["r1", "r2"])),
                Arc::new(Int64Array::from(vec![3, 4])),
            ],
        )
        .unwrap();
        (schema, batch)
    }

    fn render(format: OutputFormat, with_rows: bool) -> String {
        let (schema, batch) = sample();
        let batches = if with_rows { vec![batch] } else { vec![] };
        let mut out = Vec::new();
        write_result(&mut out, format, &schema, &batches).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn each_format_prints_the_rows() {
        let table = render(OutputFormat::Table, true);
        assert!(table.contains("| room_id | n |"), "{table}");
        assert!(table.contains("| r2      | 4 |"), "{table}");
        assert!(table.ends_with("(2 rows)\n"), "{table}");
        assert_eq!(render(OutputFormat::Csv, true), "room_id,n\nr1,3\nr2,4\n");
        assert_eq!(
            render(OutputFormat::Json, true),
            "[{\"room_id\":\"r1\",\"n\":3},{\"room_id\":\"r2\",\"n\":4}]\n"
        );
    }

    #[test]
    fn empty_results_keep_their_columns() {
        let table = render(OutputFormat::Table, false);
        assert!(table.contains("| room_id | n |"), "{table}");
        assert!(table.ends_with("(0 rows)\n"), "{table}");
        assert_eq!(render(OutputFormat::Csv, false), "room_id,n\n");
        assert_eq!(render(OutputFormat::Json, false), "[]\n");
    }
}
