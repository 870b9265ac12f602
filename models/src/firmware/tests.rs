use super::*;

const W: Micros = 900_000_000;

/// A camera updated from 1.0 to `to` at window `at`; after the update its fps drops by `drop`
/// until it goes back to 1.0 at window `back` (if any).
fn camera(id: usize, at: usize, to: &str, drop: f32, back: Option<usize>) -> PeripheralSeries {
    peripheral("room_camera", id, at, to, drop, back)
}

/// The same for any kind whose first metric slot is a worse-when-lower one (`fps`) or, for a
/// microphone, `snr_db`: `drop` lowers the first metric of its kind.
fn peripheral(
    kind: &str,
    id: usize,
    at: usize,
    to: &str,
    drop: f32,
    back: Option<usize>,
) -> PeripheralSeries {
    let slot = metric_slots(kind)[0].0;
    PeripheralSeries {
        peripheral_id: format!("p{id}"),
        device_id: format!("d{id}"),
        room_id: format!("r{id}"),
        kind: kind.into(),
        make: "Acme".into(),
        model: "Cam".into(),
        firmwares: vec!["1.0".into(), to.into()],
        windows: (0..400)
            .map(|i| {
                let on_new = i >= at && back.is_none_or(|b| i < b);
                let base = 29.8 + ((i * 7 + id) % 5) as f32 * 0.05;
                Window {
                    start: i as Micros * W,
                    firmware: u16::from(on_new),
                    reports: 3,
                    connected: 3,
                    disconnects: 0,
                    errors: 0,
                    metrics: {
                        let mut m = [f32::NAN; 7];
                        m[slot] = if on_new { base - drop } else { base };
                        if slot == 0 {
                            m[1] = 0.3;
                        }
                        m
                    },
                }
            })
            .collect(),
    }
}

#[test]
fn a_cohort_that_regressed_alarms_every_member_until_its_rollback() {
    let fleet = vec![
        camera(0, 100, "2.0", 4.0, Some(300)),
        camera(1, 120, "2.0", 4.0, None),
        camera(2, 140, "2.0", 4.0, Some(130)),
    ];
    let a = regressions(&fleet, W, &FirmwareConfig::default());
    assert_eq!(a.len(), 2, "{a:?}");
    assert_eq!(a[0].series, 0);
    // Known 2 h (8 windows) after the change.
    assert_eq!(a[0].alarm.start, 108 * W);
    assert_eq!(a[0].alarm.end, Some(300 * W));
    assert_eq!((a[0].from.as_str(), a[0].to.as_str()), ("1.0", "2.0"));
    assert!(a[0].cohort_step >= 6.0);
    assert_eq!(a[1].series, 1);
    assert_eq!(a[1].alarm.end, None);
}

#[test]
fn a_harmless_update_alarms_nothing() {
    let fleet: Vec<_> = (0..4)
        .map(|k| camera(k, 100 + 10 * k, "2.1", 0.0, None))
        .collect();
    assert!(regressions(&fleet, W, &FirmwareConfig::default()).is_empty());
}

#[test]
fn one_peripheral_with_a_moderate_step_is_not_a_verdict_on_the_release() {
    // A step between the threshold and twice it: alone, it alarms nothing.
    let one = vec![camera(0, 100, "2.0", 0.6, None)];
    let step = step(&one[0], 100, W, &FirmwareConfig::default()).unwrap();
    let cfg = FirmwareConfig::default();
    assert!(
        step >= cfg.threshold && step < LONE_STEP_FACTOR * cfg.threshold,
        "the fixture's step {step} should be moderate"
    );
    assert!(regressions(&one, W, &cfg).is_empty());
    // A second peripheral on the release with the same step confirms it.
    let two = vec![
        camera(0, 100, "2.0", 0.6, None),
        camera(1, 110, "2.0", 0.6, None),
    ];
    let a = regressions(&two, W, &cfg);
    assert_eq!(a.len(), 2, "{a:?}");
    assert_eq!(a[0].cohort_size, 2);
}

#[test]
fn the_kinds_of_one_product_are_one_cohort_whatever_firmware_they_came_from() {
    // The camera regressed a lot, the microphone a little (and it came from another firmware):
    // the release's median step is high, so both are alarmed.
    let mut mic = peripheral("microphone", 1, 104, "2.0", 0.0, None);
    mic.firmwares[0] = "0.9".into();
    let fleet = vec![
        camera(0, 100, "2.0", 4.0, None),
        mic,
        camera(2, 102, "2.0", 4.0, None),
    ];
    let a = regressions(&fleet, W, &FirmwareConfig::default());
    let alarmed: Vec<usize> = a.iter().map(|a| a.series).collect();
    assert_eq!(alarmed, vec![0, 1, 2], "{a:?}");
    assert_eq!(a[1].from, "0.9");
    assert!(a[1].step < a[1].cohort_step);
}
