use super::*;
use crate::features::Window;

const W: Micros = 900_000_000;

/// A camera with `n` windows of fps from `fps(i)` and no errors.
fn camera(id: &str, n: usize, fps: impl Fn(usize) -> f32) -> PeripheralSeries {
    PeripheralSeries {
        peripheral_id: id.into(),
        device_id: format!("d-{id}"),
        room_id: format!("r-{id}"),
        kind: "room_camera".into(),
        make: "Acme".into(),
        model: "Cam".into(),
        firmwares: vec!["1.0".into()],
        windows: (0..n)
            .map(|i| Window {
                start: i as Micros * W,
                firmware: 0,
                reports: 3,
                connected: 3,
                disconnects: 0,
                errors: 0,
                metrics: [
                    fps(i),
                    0.3,
                    f32::NAN,
                    f32::NAN,
                    f32::NAN,
                    f32::NAN,
                    f32::NAN,
                ],
            })
            .collect(),
    }
}

fn wobble(i: usize) -> f32 {
    29.8 + ((i * 7) % 5) as f32 * 0.05
}

#[test]
fn a_drifting_peripheral_scores_high_and_its_healthy_cohort_does_not() {
    let mut fleet: Vec<PeripheralSeries> = (0..4)
        .map(|k| camera(&format!("p{k}"), 200, wobble))
        .collect();
    fleet.push(camera("bad", 200, |i| {
        if i >= 180 { wobble(i) - 3.0 } else { wobble(i) }
    }));
    let z = scale(&fleet, &ScaleConfig::default());
    let bad = &z[4];
    assert!(bad[190].unwrap()[1] > 10.0, "{:?}", bad[190]);
    assert!(bad[100].unwrap()[1].abs() < 3.0);
    assert!(z[0][190].unwrap()[1].abs() < 3.0);
    // The unused second slot is the flat dropped-frames metric: 0.
    assert_eq!(bad[190].unwrap()[2], 0.0);
}

#[test]
fn a_fleet_wide_dip_is_removed_by_the_cohort_median() {
    let dip = |i: usize| {
        if (150..160).contains(&i) {
            wobble(i) - 3.0
        } else {
            wobble(i)
        }
    };
    let fleet: Vec<PeripheralSeries> = (0..5).map(|k| camera(&format!("p{k}"), 200, dip)).collect();
    let z = scale(&fleet, &ScaleConfig::default());
    for s in &z {
        assert!(s[155].unwrap()[1].abs() < 1.0, "{:?}", s[155]);
    }
    // Alone (no cohort), the same dip is an anomaly.
    let z = scale(&fleet[..1], &ScaleConfig::default());
    assert!(z[0][155].unwrap()[1] >= 12.0);
}

#[test]
fn errors_are_judged_against_the_peripherals_own_rate_and_disconnected_windows_are_skipped() {
    let mut s = camera("p", 300, wobble);
    s.windows[250].errors = 12;
    s.windows[260].connected = 0;
    let z = scale(&[s], &ScaleConfig::default());
    assert!(z[0][250].unwrap()[0] > 5.0);
    assert!(z[0][10].unwrap()[0].abs() < 0.1);
    assert_eq!(z[0][260], None);
}

#[test]
fn compute_modules_are_not_scored() {
    let mut s = camera("c", 10, wobble);
    s.kind = "compute".into();
    assert!(!is_scored("compute"));
    assert!(
        scale(&[s], &ScaleConfig::default())[0]
            .iter()
            .all(Option::is_none)
    );
}
