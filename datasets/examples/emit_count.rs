//! Times generation alone: emits a fleet into a byte counter (no file I/O).
//!
//! `cargo run --release -p roomsight-datasets --example emit_count -- ROOMS DAYS`

use std::time::Instant;

use roomsight_datasets::{Fleet, SimConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rooms = args.next().map_or(Ok(200), |s| s.parse())?;
    let days = args.next().map_or(Ok(7), |s| s.parse())?;
    let config = SimConfig {
        rooms,
        days,
        ..SimConfig::default()
    };
    let started = Instant::now();
    let fleet = Fleet::new(&config)?;
    let planned = started.elapsed().as_secs_f64();
    let mut bytes = 0u64;
    let summary = fleet.emit(|line: &[u8]| -> Result<(), std::convert::Infallible> {
        bytes += line.len() as u64 + 1;
        Ok(())
    })?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} lines, {bytes} bytes: planned in {planned:.2} s, emitted in {secs:.2} s ({:.0} lines/s)",
        summary.lines,
        summary.lines as f64 / secs
    );
    Ok(())
}
