//! Every line is a valid v1 event; resends and late lines behave as the contract describes.

use std::collections::{BTreeSet, HashMap};

use roomsight_datasets::{Fleet, ROOMS_HEADER, SimConfig};
use roomsight_ingest::Timestamp;

use crate::{Sim, faulty, healthy, start};

/// The validator's clock: after the last line the run can emit (late lines up to a day on).
fn now(fleet: &Fleet) -> Timestamp {
    fleet.end().add_secs(2 * 86_400)
}

fn assert_valid(sim: &Sim) {
    let now = now(&sim.fleet);
    for (i, line) in sim.lines.iter().enumerate() {
        if let Err(r) = roomsight_ingest::validate(line, now) {
            panic!(
                "line {} is invalid: {r}\n{}",
                i + 1,
                String::from_utf8_lossy(line)
            );
        }
    }
}

#[test]
fn every_line_of_a_faulty_fleet_is_valid() {
    assert_valid(faulty());
}

#[test]
fn every_line_of_a_healthy_fleet_is_valid() {
    assert_valid(healthy());
}

#[test]
fn every_event_type_is_present() {
    let sim = faulty();
    for ty in [
        "heartbeat",
        "peripheral",
        "meeting",
        "booking",
        "update",
        "enrollment",
        "log",
    ] {
        assert!(sim.events.iter().any(|e| e.ty == ty), "no {ty} events");
    }
    let ids: BTreeSet<&str> = sim.events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(
        ids.len(),
        sim.events.len(),
        "event ids repeat without duplicates on"
    );
}

#[test]
fn lines_come_in_timestamp_order_without_late_events() {
    let sim = faulty();
    assert!(sim.events.windows(2).all(|w| w[0].t <= w[1].t));
    assert!(
        sim.events
            .iter()
            .all(|e| e.t >= sim.fleet.start().secs() * 1000)
    );
    assert!(
        sim.events
            .iter()
            .all(|e| e.t < sim.fleet.end().secs() * 1000)
    );
}

#[test]
fn duplicates_and_late_lines_resend_the_same_events() {
    let mut config = SimConfig::new(5, 2, start(), 3);
    config.fault_rate = 0.5;
    let plain = Sim::run(&config);
    config.duplicates = 0.05;
    config.late = 0.05;
    let noisy = Sim::run(&config);
    assert_valid(&noisy);

    // The same distinct events, whatever the order and repeats.
    let distinct = |s: &Sim| s.lines.iter().cloned().collect::<BTreeSet<_>>();
    assert_eq!(distinct(&plain), distinct(&noisy));
    assert_eq!(plain.lines.len(), distinct(&plain).len());

    // Repeats share event_id and payload, byte for byte.
    let mut by_id: HashMap<&str, &Vec<u8>> = HashMap::new();
    let mut repeats = 0;
    for (e, line) in noisy.events.iter().zip(&noisy.lines) {
        if let Some(first) = by_id.insert(&e.event_id, line) {
            assert_eq!(first, line);
            repeats += 1;
        }
    }
    let n = plain.lines.len() as f64;
    assert!(
        (n * 0.03..n * 0.07).contains(&f64::from(repeats)),
        "{repeats} repeats of {n}"
    );

    // Late lines arrive after later events.
    let out_of_order = noisy.events.windows(2).filter(|w| w[1].t < w[0].t).count() as f64;
    assert!(out_of_order > n * 0.02, "{out_of_order} lines out of order");
}

#[test]
fn rooms_csv_parses_with_the_contract_header() {
    let sim = faulty();
    let mut csv = Vec::new();
    sim.fleet.rooms_csv(&mut csv).unwrap();
    let text = String::from_utf8(csv.clone()).unwrap();
    assert_eq!(text.lines().next(), Some(ROOMS_HEADER.join(",").as_str()));
    assert_eq!(
        ROOMS_HEADER.join(","),
        "room_id,name,site,building,floor,capacity,country,timezone,room_group,ring"
    );
    let dir = roomsight_ingest::rooms::read_rooms(csv.as_slice()).unwrap();
    assert!(dir.rejected.is_empty(), "{:?}", dir.rejected);
    assert_eq!(dir.rooms.len(), sim.fleet.rooms().len());
    let zones: BTreeSet<&str> = dir.rooms.iter().map(|r| r.timezone.as_str()).collect();
    assert!(zones.len() >= 6, "{zones:?}");
    for r in &dir.rooms {
        assert!((2..=20).contains(&r.capacity));
        assert!(["validation", "pilot", "general"].contains(&r.ring.as_str()));
        assert!(sim.events.iter().any(|e| e.room_id == r.room_id));
    }
}

#[test]
fn a_large_fleet_has_the_documented_mix() {
    let fleet = Fleet::new(&SimConfig::new(2000, 1, start(), 8)).unwrap();
    let rooms = fleet.rooms();
    let share = |f: &dyn Fn(&roomsight_datasets::Room) -> bool| {
        rooms.iter().filter(|r| f(r)).count() as f64 / rooms.len() as f64
    };
    use roomsight_datasets::Ring;
    let validation = share(&|r| r.ring == Ring::Validation);
    let pilot = share(&|r| r.ring == Ring::Pilot);
    assert!((0.03..0.07).contains(&validation), "{validation}");
    assert!((0.12..0.18).contains(&pilot), "{pilot}");
    let huddle = share(&|r| r.room_group == "huddle");
    let board = share(&|r| r.room_group.ends_with("boardrooms"));
    assert!(
        huddle > 0.3 && board < 0.08 && board > 0.02,
        "{huddle} {board}"
    );
    let mut ids = BTreeSet::new();
    for r in rooms {
        for p in &r.peripherals {
            assert!(
                ids.insert(p.peripheral_id.as_str()),
                "{} repeats",
                p.peripheral_id
            );
        }
    }
}
