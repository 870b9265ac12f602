//! Simulator throughput: events generated and serialized per second.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use roomsight_benches::fixed_config;
use roomsight_datasets::Fleet;

fn bench_simulate(c: &mut Criterion) {
    let config = fixed_config(10, 1);
    let count = |config| {
        let fleet = Fleet::new(config).expect("the fixed config is valid");
        let mut n = 0u64;
        fleet
            .emit(|_line: &[u8]| -> Result<(), std::convert::Infallible> {
                n += 1;
                Ok(())
            })
            .expect("counting cannot fail");
        n
    };
    let events = count(&config);

    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events));
    group.bench_function("10_rooms_1_day", |b| b.iter(|| count(&config)));
    group.finish();
}

criterion_group!(benches, bench_simulate);
criterion_main!(benches);
