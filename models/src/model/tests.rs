use super::*;
use crate::features::Window;

const W: Micros = 900_000_000;

/// Deterministic noise in [-0.5, 0.5).
fn noise(k: u64) -> f64 {
    let s = k
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let s = (s ^ (s >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
}

/// A camera over `n` windows; `drift(i)` lowers its fps and adds errors.
fn camera(id: u64, n: usize, drift: impl Fn(usize) -> f64) -> PeripheralSeries {
    PeripheralSeries {
        peripheral_id: format!("p{id}"),
        device_id: format!("d{id}"),
        room_id: format!("r{id}"),
        kind: "room_camera".into(),
        make: "Acme".into(),
        model: "Cam".into(),
        firmwares: vec!["1.0".into()],
        windows: (0..n)
            .map(|i| {
                let k = id * 1_000_003 + i as u64;
                let d = drift(i);
                Window {
                    start: i as Micros * W,
                    firmware: 0,
                    reports: 3,
                    connected: 3,
                    disconnects: 0,
                    errors: u32::from(noise(k * 3) > 0.49) + (d * 10.0) as u32,
                    metrics: [
                        (29.8 + 0.3 * noise(k) - 15.0 * d) as f32,
                        (0.4 + 0.3 * noise(k * 7).abs() + 20.0 * d) as f32,
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

fn healthy_fleet() -> Vec<PeripheralSeries> {
    (0..30).map(|k| camera(k, 7 * 96, |_| 0.0)).collect()
}

fn small_config() -> ModelConfig {
    ModelConfig {
        max_train_rows: 5_000,
        ..ModelConfig::default()
    }
}

#[test]
fn trained_on_a_healthy_fleet_it_alarms_the_drifting_peripheral_only() {
    let model = Model::train(&healthy_fleet(), &small_config()).unwrap();
    assert!(model.training.alarms_at_threshold as f64 <= model.training.alarms_allowed);
    let mut fleet: Vec<PeripheralSeries> = (100..110).map(|k| camera(k, 7 * 96, |_| 0.0)).collect();
    // Drifts from window 400 on (progress grows to 0.3 over 100 windows).
    fleet.push(camera(200, 7 * 96, |i| {
        ((i as f64 - 400.0) / 100.0).clamp(0.0, 1.0) * 0.3
    }));
    let alarms = model.detect(&fleet);
    assert!(!alarms.is_empty());
    assert!(alarms.iter().all(|a| a.series == 10), "{alarms:?}");
    let first = alarms[0].alarm.start;
    assert!(
        first > 400 * W && first < 450 * W,
        "opened at window {}",
        first / W
    );
    assert_eq!(alarms[0].reason, Reason::Degrading);
    assert_eq!(alarms[0].details["reason"], "degrading");
}

#[test]
fn a_saved_model_scores_new_data_the_same_without_retraining() {
    let model = Model::train(&healthy_fleet(), &small_config()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    model.save(&path).unwrap();
    let back = Model::load(&path).unwrap();
    assert_eq!(back, model);
    let fleet = vec![camera(300, 300, |i| if i > 200 { 0.2 } else { 0.0 })];
    assert_eq!(back.detect(&fleet), model.detect(&fleet));
    std::fs::write(&path, "{\"format\": \"something else\"}").unwrap();
    assert!(matches!(Model::load(&path), Err(Error::ParseModel { .. })));
}

#[test]
fn training_on_too_little_data_says_so() {
    let tiny = vec![camera(1, 5, |_| 0.0)];
    assert!(matches!(
        Model::train(&tiny, &small_config()),
        Err(Error::TooLittleData { .. })
    ));
}
