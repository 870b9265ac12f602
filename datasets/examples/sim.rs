//! Writes a simulated fleet to a directory and prints what it wrote and how long it took.
//!
//! `cargo run --release -p roomsight-datasets --example sim -- --rooms 200 --days 7 --out DIR`
//! (also `--seed S`, `--start YYYY-MM-DD`, `--duplicates P`, `--late P`, `--fault-rate R`).

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use roomsight_datasets::{SimConfig, write_to_dir};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = SimConfig::default();
    let mut out = std::env::temp_dir().join("roomsight-sim");
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--rooms" => config.rooms = value.parse()?,
            "--days" => config.days = value.parse()?,
            "--seed" => config.seed = value.parse()?,
            "--start" => config.start = value.parse::<NaiveDate>()?,
            "--duplicates" => config.duplicates = value.parse()?,
            "--late" => config.late = value.parse()?,
            "--fault-rate" => config.fault_rate = value.parse()?,
            "--out" => out = PathBuf::from(value),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let started = Instant::now();
    let summary = write_to_dir(&config, &out, &mut |_| {})?;
    let secs = started.elapsed().as_secs_f64();
    println!("{summary}");
    println!(
        "wrote {} in {secs:.2} s ({:.0} events/s, {:.0} MB/s)",
        out.display(),
        summary.lines as f64 / secs,
        summary.bytes as f64 / 1e6 / secs
    );
    Ok(())
}
