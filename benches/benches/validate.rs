//! Validation throughput: events/s and MB/s of `roomsight_ingest::validate` over a simulated
//! fleet's real event mix, and of `scrub` over log messages.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use roomsight_benches::event_lines;
use roomsight_ingest::{Timestamp, validate};

fn bench_validate(c: &mut Criterion) {
    let lines = event_lines(20, 1);
    let bytes: usize = lines.iter().map(Vec::len).sum();
    let now = Timestamp::from_utc(2030, 1, 1, 0, 0, 0);
    let run = |lines: &[Vec<u8>]| {
        let mut valid = 0u64;
        for line in lines {
            valid += u64::from(validate(line, now).is_ok());
        }
        assert_eq!(
            valid as usize,
            lines.len(),
            "the simulator's events are all valid"
        );
        valid
    };

    let mut group = c.benchmark_group("validate");
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.bench_function("events", |b| b.iter(|| run(&lines)));
    group.finish();

    let mut group = c.benchmark_group("validate");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("bytes", |b| b.iter(|| run(&lines)));
    group.finish();
}

criterion_group!(benches, bench_validate);
criterion_main!(benches);
