//! Same config, same bytes; another seed, other bytes.

use roomsight_datasets::{Fleet, SimConfig, write_to_dir};

use crate::start;

/// FNV-1a over every line and its position, and the number of lines.
fn digest(config: &SimConfig) -> (u64, u64) {
    let fleet = Fleet::new(config).expect("a valid config");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut n = 0;
    fleet
        .emit(|line: &[u8]| -> Result<(), std::convert::Infallible> {
            for &b in line.iter().chain(b"\n") {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
            n += 1;
            Ok(())
        })
        .expect("hashing cannot fail");
    (h, n)
}

#[test]
fn the_same_config_gives_the_same_events() {
    let mut config = SimConfig::new(6, 2, start(), 42);
    config.duplicates = 0.02;
    config.late = 0.02;
    config.fault_rate = 1.0;
    assert_eq!(digest(&config), digest(&config));
}

#[test]
fn another_seed_gives_other_events() {
    let a = SimConfig::new(4, 1, start(), 1);
    let b = SimConfig {
        seed: 2,
        ..a.clone()
    };
    assert_ne!(digest(&a).0, digest(&b).0);
}

#[test]
fn directories_are_byte_identical() {
    let mut config = SimConfig::new(5, 2, start(), 9);
    config.fault_rate = 2.0;
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut days = Vec::new();
    let sa = write_to_dir(&config, a.path(), &mut |p| days.push(p.days_done)).unwrap();
    let sb = write_to_dir(&config, b.path(), &mut |_| {}).unwrap();
    assert_eq!(sa, sb);
    assert_eq!(days, vec![1, 2]);
    for name in ["rooms.csv", "events.ndjson", "faults.csv"] {
        let x = std::fs::read(a.path().join(name)).unwrap();
        let y = std::fs::read(b.path().join(name)).unwrap();
        assert!(!x.is_empty(), "{name} is empty");
        assert!(x == y, "{name} differs between two runs of the same config");
    }
    let events = std::fs::read(a.path().join("events.ndjson")).unwrap();
    assert_eq!(events.len() as u64, sa.bytes);
    assert_eq!(
        events.iter().filter(|&&b| b == b'\n').count() as u64,
        sa.lines
    );
}

#[test]
fn a_larger_fleet_keeps_the_rooms_of_a_smaller_one() {
    let small = Fleet::new(&SimConfig::new(3, 1, start(), 4)).unwrap();
    let large = Fleet::new(&SimConfig::new(8, 1, start(), 4)).unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    small.rooms_csv(&mut a).unwrap();
    large.rooms_csv(&mut b).unwrap();
    let a = String::from_utf8(a).unwrap();
    let b = String::from_utf8(b).unwrap();
    assert!(
        b.starts_with(a.as_str()),
        "the first rooms changed:\n{a}\n{b}"
    );
}

#[test]
fn nonsense_configs_are_refused() {
    let bad = SimConfig {
        rooms: 0,
        ..SimConfig::default()
    };
    let err = Fleet::new(&bad).unwrap_err().to_string();
    assert!(err.contains("rooms"), "{err}");
    let bad = SimConfig {
        late: 2.0,
        ..SimConfig::default()
    };
    assert!(Fleet::new(&bad).is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 6, ..Default::default() })]

    /// Any small config: deterministic, and every line valid.
    #[test]
    fn any_small_config_is_deterministic_and_valid(
        rooms in 1usize..5,
        days in 1u32..3,
        seed in proptest::prelude::any::<u64>(),
        day_offset in 0u64..400,
        duplicates in 0.0f64..0.1,
        late in 0.0f64..0.1,
        fault_rate in 0.0f64..3.0,
    ) {
        let start = start() + chrono::Days::new(day_offset);
        let config = SimConfig { rooms, days, start, seed, duplicates, late, fault_rate };
        let sim = crate::Sim::run(&config);
        let again = crate::Sim::run(&config);
        proptest::prop_assert!(sim.lines == again.lines);
        let now = sim.fleet.end().add_secs(2 * 86_400);
        for line in &sim.lines {
            if let Err(r) = roomsight_ingest::validate(line, now) {
                proptest::prop_assert!(false, "{r}: {}", String::from_utf8_lossy(line));
            }
        }
    }
}
