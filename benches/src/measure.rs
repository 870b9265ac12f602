//! What a macro benchmark measures about its own process: CPU time (all threads, librdkafka's
//! and the encoders' included), resident memory and its peak, and the table row it prints.
//!
//! CPU time comes from `/proc/self/stat` (`utime + stime`: user and system time of every
//! thread, what `getrusage(RUSAGE_SELF)` sums, in clock ticks of 1/100 s, Linux's fixed
//! `USER_HZ`); reading files keeps the crate free of `unsafe` and of a vDSO parser (which
//! valgrind's callgrind does not survive). Memory comes from `/proc/self/status`: `VmRSS` now, `VmHWM` the peak. The peak can be reset
//! ([`reset_peak_rss`]) so a phase that sets things up (producing a backlog into an in-process
//! broker, say) does not count toward the peak of the phase measured after it.

use std::fmt;
use std::time::Duration;

/// Clock ticks per second of `/proc/<pid>/stat` (`USER_HZ`, 100 on every Linux architecture
/// Rust supports).
const USER_HZ: f64 = 100.0;

/// CPU seconds this process has used so far, every thread counted (0 off Linux).
pub fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| stat_cpu_ticks(&stat))
        .map_or(0.0, |ticks| ticks as f64 / USER_HZ)
}

/// `utime + stime` (fields 14 and 15) of a `/proc/<pid>/stat` line. The command name (field
/// 2) is in parentheses and may hold spaces, so fields are counted after its closing one.
fn stat_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// Resident memory now, in bytes (`VmRSS`); `None` off Linux.
pub fn rss_bytes() -> Option<u64> {
    status_kib("VmRSS:").map(|kib| kib * 1024)
}

/// Peak resident memory since start or the last [`reset_peak_rss`], in bytes (`VmHWM`, what
/// `getrusage`'s `ru_maxrss` and GNU time's `%M` report); `None` off Linux.
pub fn peak_rss_bytes() -> Option<u64> {
    status_kib("VmHWM:").map(|kib| kib * 1024)
}

/// Sets the peak to the current resident memory (writes `5` to `/proc/self/clear_refs`, Linux
/// 4.0+); `false` when the kernel refused.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status_field_kib(&status, key)
}

fn status_field_kib(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// CPU time and wall time from a starting point.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch {
    wall: std::time::Instant,
    cpu: f64,
}

impl Stopwatch {
    /// Starts now.
    pub fn start() -> Self {
        Stopwatch {
            wall: std::time::Instant::now(),
            cpu: cpu_seconds(),
        }
    }

    /// Wall time and CPU seconds since the start.
    pub fn elapsed(&self) -> (Duration, f64) {
        (self.wall.elapsed(), cpu_seconds() - self.cpu)
    }
}

/// One row of an ingest benchmark's table.
#[derive(Clone, Debug)]
pub struct IngestRow {
    /// What was measured (`file`, `mock backlog`, …).
    pub name: String,
    /// Messages read.
    pub messages: u64,
    /// Bytes of message payload read.
    pub bytes: u64,
    /// Wall time.
    pub wall: Duration,
    /// CPU seconds of the whole process over the same span.
    pub cpu: f64,
    /// Peak resident memory over the span, bytes.
    pub peak_rss: u64,
}

impl IngestRow {
    /// The Markdown header matching [`IngestRow`]'s `Display`.
    pub const HEADER: &'static str = "| run | messages | MiB | seconds | events/s | MiB/s | CPU s | events/CPU-s | MiB/CPU-s | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

    /// Messages per second of wall time.
    pub fn events_per_sec(&self) -> f64 {
        self.messages as f64 / self.wall.as_secs_f64()
    }

    /// Messages per CPU second (per core fully used).
    pub fn events_per_cpu_sec(&self) -> f64 {
        self.messages as f64 / self.cpu
    }
}

impl fmt::Display for IngestRow {
    /// One Markdown table row.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mib = self.bytes as f64 / f64::from(1 << 20);
        let secs = self.wall.as_secs_f64();
        write!(
            f,
            "| {} | {} | {:.0} | {:.2} | {:.0} | {:.1} | {:.2} | {:.0} | {:.1} | {:.0} |",
            self.name,
            self.messages,
            mib,
            secs,
            self.events_per_sec(),
            mib / secs,
            self.cpu,
            self.events_per_cpu_sec(),
            mib / self.cpu,
            self.peak_rss as f64 / f64::from(1 << 20),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_fields_in_kib() {
        let status = "Name:\tx\nVmHWM:\t  123456 kB\nVmRSS:\t    2048 kB\n";
        assert_eq!(status_field_kib(status, "VmHWM:"), Some(123_456));
        assert_eq!(status_field_kib(status, "VmRSS:"), Some(2048));
        assert_eq!(status_field_kib(status, "VmSwap:"), None);
    }

    #[test]
    fn reads_cpu_ticks_after_the_command_name() {
        let stat = "4242 (ingest (x) y) R 1 4242 4242 0 -1 4194304 100 0 0 0 250 37 0 0 20 0 3";
        assert_eq!(stat_cpu_ticks(stat), Some(287));
        assert_eq!(stat_cpu_ticks("4242 (x) R 1"), None);
    }

    #[test]
    fn cpu_time_advances_with_work() {
        let before = cpu_seconds();
        let mut x = 0u64;
        for i in 0..200_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        assert!(cpu_seconds() > before, "{x}");
    }

    #[test]
    fn row_rates_follow_counts() {
        let row = IngestRow {
            name: "t".into(),
            messages: 1000,
            bytes: 2 << 20,
            wall: Duration::from_secs(2),
            cpu: 4.0,
            peak_rss: 10 << 20,
        };
        assert_eq!(row.events_per_sec(), 500.0);
        assert_eq!(row.events_per_cpu_sec(), 250.0);
        assert_eq!(
            row.to_string(),
            "| t | 1000 | 2 | 2.00 | 500 | 1.0 | 4.00 | 250 | 0.5 | 10 |"
        );
    }
}
