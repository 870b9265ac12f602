use super::*;

const W: Micros = 900_000_000;

/// A camera updated from 1.0 to `to` at window `at`; after the update its fps drops by `drop`
/// until it goes back to 1.0 at window `back` (if any).
fn camera(id: usize, at: usize, to: &str, drop: f32, back: Option<usize>) -> PeripheralSeries {
    PeripheralSeries {
        peripheral_id: format!("p{id}"),
        device_id: format!("d{id}"),
        room_id: format!("r{id}"),
        kind: "room_camera".into(),
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
                    metrics: [
                        if on_new { base - drop } else { base },
                        0.3,
                        f32::NAN,
                        f32::NAN,
                        f32::NAN,
                        f32::NAN,
                        f32::NAN,
                    ],
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
