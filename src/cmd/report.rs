//! `roomsight report NAME`: one report of docs/reports.md over the lake, printed or exported, and
//! written into the lake's report outputs.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, Utc};
use roomsight_pipeline::report::{self, Format, ReportRun, WrittenPartition};
use roomsight_queries::reports::{self, Report, ReportParams, Window};
use roomsight_queries::{Catalog, CatalogOptions};

use crate::cli::{BusinessHoursArgs, LakeArgs};
use crate::cmd::lake::{open_existing, runtime};

/// Flags of `roomsight report`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The report: usage_daily, utilization_daily, call_quality_daily, … (see docs/reports.md).
    #[arg(value_name = "NAME", value_parser = parse_report)]
    pub(crate) name: &'static Report,

    #[command(flatten)]
    pub(crate) lake: LakeArgs,

    /// First local date of a date-range report (default: six days before --to).
    #[arg(long, env = "ROOMSIGHT_FROM", value_name = "YYYY-MM-DD")]
    pub(crate) from: Option<NaiveDate>,

    /// Last local date of a date-range report, inclusive (default: yesterday, UTC).
    #[arg(long, env = "ROOMSIGHT_TO", value_name = "YYYY-MM-DD")]
    pub(crate) to: Option<NaiveDate>,

    /// The moment of a snapshot report: RFC 3339 (`2026-11-24T12:00:00Z`) or a UTC date-time
    /// without offset (default: now).
    #[arg(long, env = "ROOMSIGHT_AS_OF", value_name = "TS", value_parser = parse_moment)]
    pub(crate) as_of: Option<DateTime<Utc>>,

    /// How to print the rows; `parquet` needs --out DIR.
    #[arg(long, env = "ROOMSIGHT_FORMAT", value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) format: OutputFormat,

    /// Write the rows to this file (table, csv, json) or directory (parquet) instead of stdout.
    #[arg(long, env = "ROOMSIGHT_OUT", value_name = "PATH")]
    pub(crate) out: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) business: BusinessHoursArgs,

    /// Only print: do not write the outputs into the lake's `reports/<report>/` partitions.
    #[arg(long, env = "ROOMSIGHT_NO_WRITE")]
    pub(crate) no_write: bool,
}

/// The `--format` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    /// An aligned table.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
    /// A Parquet directory (with --out).
    Parquet,
}

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Format {
        match f {
            OutputFormat::Table => Format::Table,
            OutputFormat::Csv => Format::Csv,
            OutputFormat::Json => Format::Json,
            OutputFormat::Parquet => Format::Parquet,
        }
    }
}

fn parse_report(s: &str) -> Result<&'static Report, String> {
    reports::find(s).ok_or_else(|| {
        format!(
            "there is no report `{s}`; use one of {}",
            reports::names().collect::<Vec<_>>().join(", ")
        )
    })
}

fn parse_moment(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .map(|t| t.and_utc())
    .ok_or_else(|| format!("`{s}` is not a moment; write it as 2026-11-24T12:00:00Z"))
}

impl Args {
    /// The window asked for, with the defaults filled in; `Err` is a command-line mistake.
    fn window(&self, now: DateTime<Utc>) -> Result<Window, String> {
        let report = self.name;
        if report.kind.is_range() {
            if self.as_of.is_some() {
                return Err(format!(
                    "`{}` is a date-range report: give --from/--to, not --as-of",
                    report.name
                ));
            }
            let yesterday = now.date_naive() - Days::new(1);
            let to = self.to.unwrap_or(yesterday);
            let from = self.from.unwrap_or(to - Days::new(6));
            if from > to {
                return Err(format!(
                    "--from {from} is after --to {to}: give a range that ends on or after it starts"
                ));
            }
            Ok(Window::Range { from, to })
        } else {
            if self.from.is_some() || self.to.is_some() {
                return Err(format!(
                    "`{}` is a snapshot report: give --as-of, not --from/--to",
                    report.name
                ));
            }
            Ok(Window::AsOf(self.as_of.unwrap_or(now)))
        }
    }
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let window = match args.window(Utc::now()) {
        Ok(w) => w,
        Err(msg) => {
            eprintln!("error: {msg}");
            return Ok(ExitCode::from(2));
        }
    };
    let format = Format::from(args.format);
    if format == Format::Parquet && args.out.is_none() {
        eprintln!("error: --format parquet writes a directory: give --out DIR");
        return Ok(ExitCode::from(2));
    }
    let params = ReportParams {
        window,
        business_hours: args.business.hours(),
    };
    let lake = open_existing(&args.lake.lake)?;
    let name = args.name.name;
    tracing::info!(lake = lake.url(), report = name, ?params, "running report");
    let runtime = runtime()?;
    let spinner = spinner(name);
    let (run, written) = runtime.block_on(async {
        let catalog = Catalog::open(lake.url(), CatalogOptions::default())
            .await
            .with_context(|| format!("cannot open the lake at {} for SQL", lake.url()))?;
        let run = report::run_report(&catalog, name, &params).await?;
        let written = if args.no_write {
            Vec::new()
        } else {
            report::write_outputs(&catalog, &run)
                .await
                .with_context(|| format!("writing the outputs of `{name}` into the lake failed"))?
        };
        anyhow::Ok((run, written))
    })?;
    spinner.finish_and_clear();

    match &args.out {
        Some(path) if format == Format::Parquet => {
            let parts = runtime
                .block_on(report::write_parquet_dir(&run, path))
                .with_context(|| format!("exporting `{name}` to {} failed", path.display()))?;
            println!("wrote {} partitions to {}", parts.len(), path.display());
        }
        Some(path) => report::write_file(&run, format, path)
            .with_context(|| format!("cannot write {}: check the --out path", path.display()))?,
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            report::write_text(&run, format, &mut out, "standard output")?;
        }
    }
    let summary = summary(&run, &written, lake.url());
    if args.out.is_some() {
        println!("{summary}");
    } else {
        let _ = writeln!(std::io::stderr(), "{summary}");
    }
    Ok(ExitCode::SUCCESS)
}

fn spinner(name: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(format!("running {name}"));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn summary(run: &ReportRun, written: &[WrittenPartition], lake: &str) -> String {
    let mut text = format!(
        "{}: {} rows in {:.2} s",
        run.report.name,
        run.rows(),
        run.elapsed.as_secs_f64()
    );
    if !written.is_empty() {
        let removed = written
            .iter()
            .filter(|p| p.rows == 0 && p.bytes == 0)
            .count();
        text.push_str(&format!(
            "; {} partitions replaced under {}/reports/{}/",
            written.len() - removed,
            lake.trim_end_matches('/'),
            run.report.name
        ));
        if removed > 0 {
            text.push_str(&format!(" ({removed} emptied dates removed)"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> Args {
        let mut argv = vec!["roomsight", "report"];
        argv.extend_from_slice(extra);
        argv.extend_from_slice(&["--lake", "x"]);
        let cli = crate::config::parse_args(argv.into_iter().map(Into::into))
            .map_err(|e| format!("{e:?}"))
            .expect("parses");
        match cli.command {
            crate::cli::Command::Report(args) => args,
            other => panic!("not report: {other:?}"),
        }
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn a_range_defaults_to_the_seven_days_before_today() {
        let now = parse_moment("2026-12-02T15:00:00Z").expect("a moment");
        let w = args(&["usage_daily"]).window(now).expect("a window");
        assert_eq!(
            w,
            Window::Range {
                from: date("2026-11-25"),
                to: date("2026-12-01")
            }
        );
        let w = args(&["usage_daily", "--to", "2026-11-24"])
            .window(now)
            .expect("a window");
        assert_eq!(
            w,
            Window::Range {
                from: date("2026-11-18"),
                to: date("2026-11-24")
            }
        );
    }

    #[test]
    fn a_moment_for_a_range_report_or_a_backwards_range_is_a_command_line_error() {
        let now = Utc::now();
        assert!(
            args(&["usage_daily", "--as-of", "2026-11-24T00:00:00Z"])
                .window(now)
                .is_err()
        );
        assert!(
            args(&["usage_daily", "--from", "2026-11-25", "--to", "2026-11-24"])
                .window(now)
                .is_err()
        );
    }

    #[test]
    fn business_hours_and_moments_parse_as_people_write_them() {
        use crate::cli::parse_minute;
        assert_eq!(parse_minute("08:30"), Ok(510));
        assert_eq!(parse_minute("24:00"), Ok(1440));
        assert!(parse_minute("24:30").is_err());
        assert!(parse_minute("8").is_err());
        assert_eq!(
            parse_moment("2026-11-24T12:00:00+01:00").map(|t| t.to_rfc3339()),
            Ok("2026-11-24T11:00:00+00:00".to_owned())
        );
        assert!(parse_moment("2026-11-24T12:00:00").is_ok());
        assert!(parse_moment("yesterday").is_err());
    }
}
