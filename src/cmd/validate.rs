//! `roomsight validate FILE…`: judges NDJSON files against the telemetry contract.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use roomsight_ingest::tally::{CheckOptions, Tally, check_ndjson};
use roomsight_ingest::vocab::EventType;
use roomsight_ingest::{Reason, Timestamp};
use serde_json::json;

use crate::progress;

/// Flags of `roomsight validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// NDJSON files to check (one event per line; `-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// How many invalid lines to show, first ones first.
    #[arg(long, env = "ROOMSIGHT_SHOW", default_value_t = 10, value_name = "N")]
    show: usize,

    /// Judge `future_ts` against this instant (RFC 3339) instead of the clock.
    #[arg(long, env = "ROOMSIGHT_NOW", value_parser = parse_timestamp, value_name = "TS")]
    now: Option<Timestamp>,

    /// Output format.
    #[arg(long, env = "ROOMSIGHT_FORMAT", value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// How `validate` prints its findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Aligned text for people.
    Table,
    /// One JSON document for scripts.
    Json,
}

/// Parses an RFC 3339 timestamp flag.
pub(crate) fn parse_timestamp(s: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(s).map_err(|e| format!("`{s}` {e}"))
}

struct FileReport {
    path: PathBuf,
    tally: Tally,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let now = args.now.unwrap_or_else(Timestamp::now);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let options = CheckOptions {
        now,
        samples: args.show,
        threads,
    };
    let mut reports = Vec::new();
    for path in &args.files {
        let tally = if path.as_os_str() == "-" {
            let stdin = std::io::stdin().lock();
            check_ndjson(stdin, "standard input", options, &mut |_| {})?
        } else {
            let file = File::open(path).with_context(|| {
                format!(
                    "could not open {}: check the path and permissions",
                    path.display()
                )
            })?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            let bar = progress::bytes(size, "validate");
            let reader = BufReader::with_capacity(1 << 20, file);
            let what = path.display().to_string();
            let tally = check_ndjson(reader, &what, options, &mut |n| bar.set_position(n))?;
            bar.finish_and_clear();
            tally
        };
        reports.push(FileReport {
            path: path.clone(),
            tally,
        });
    }
    let mut total = Tally::default();
    for r in &reports {
        total.merge(r.tally.clone(), 0);
    }
    match args.format {
        Format::Table => print_table(&reports, &total, args.show),
        Format::Json => print_json(&reports, &total),
    }
    Ok(if total.invalid_total() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_table(reports: &[FileReport], total: &Tally, show: usize) {
    for r in reports {
        println!(
            "{}: {} events, {} valid, {} invalid",
            r.path.display(),
            r.tally.lines,
            r.tally.valid_total(),
            r.tally.invalid_total()
        );
    }
    println!("\nvalid events by type");
    for t in EventType::ALL {
        println!("  {:<12} {:>12}", t.as_str(), total.valid_of(*t));
    }
    println!("  {:<12} {:>12}", "total", total.valid_total());
    println!("\ninvalid events by reason");
    for r in Reason::ALL {
        println!("  {:<16} {:>8}", r.as_str(), total.invalid_for(*r));
    }
    println!("  {:<16} {:>8}", "total", total.invalid_total());
    let mut shown = 0;
    for r in reports {
        for s in &r.tally.samples {
            if shown == 0 {
                println!("\nfirst invalid lines");
            }
            if shown == show {
                break;
            }
            println!("  {}:{}: {}", r.path.display(), s.line, s.rejection);
            shown += 1;
        }
    }
}

fn print_json(reports: &[FileReport], total: &Tally) {
    let counts = |t: &Tally| {
        let valid: serde_json::Map<_, _> = EventType::ALL
            .iter()
            .map(|e| (e.as_str().to_string(), json!(t.valid_of(*e))))
            .collect();
        let invalid: serde_json::Map<_, _> = Reason::ALL
            .iter()
            .map(|r| (r.as_str().to_string(), json!(t.invalid_for(*r))))
            .collect();
        json!({
            "events": t.lines,
            "valid": t.valid_total(),
            "invalid": t.invalid_total(),
            "valid_by_type": valid,
            "invalid_by_reason": invalid,
        })
    };
    let files: Vec<_> = reports
        .iter()
        .map(|r| {
            let samples: Vec<_> = r
                .tally
                .samples
                .iter()
                .map(|s| {
                    json!({
                        "line": s.line,
                        "reason": s.rejection.reason.as_str(),
                        "field": s.rejection.field,
                        "detail": s.rejection.detail,
                    })
                })
                .collect();
            let mut v = counts(&r.tally);
            v["file"] = json!(r.path.display().to_string());
            v["first_invalid"] = json!(samples);
            v
        })
        .collect();
    let mut doc = counts(total);
    doc["files"] = json!(files);
    println!("{doc:#}");
}
