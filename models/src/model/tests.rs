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
    // Everything but the floats' last bit (serde_json parses to within one ulp) survives.
    assert_eq!(back.config, model.config);
    assert_eq!(back.training, model.training);
    let (a, b) = (
        serde_json::to_value(&model.mixture).unwrap(),
        serde_json::to_value(&back.mixture).unwrap(),
    );
    assert_close(&a, &b);
    // The loaded model raises the same alarms at the same times.
    let fleet = vec![camera(300, 300, |i| if i > 200 { 0.2 } else { 0.0 })];
    let (ours, theirs) = (model.detect(&fleet), back.detect(&fleet));
    assert!(!ours.is_empty(), "the fault should raise an alarm");
    assert_eq!(ours.len(), theirs.len());
    for (x, y) in ours.iter().zip(&theirs) {
        assert_eq!(
            (x.series, x.reason, x.alarm.start, x.alarm.end),
            (y.series, y.reason, y.alarm.start, y.alarm.end)
        );
        assert!((x.alarm.peak - y.alarm.peak).abs() < 1e-9);
    }
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

/// Two JSON documents equal up to floats within a relative 1e-12.
fn assert_close(a: &serde_json::Value, b: &serde_json::Value) {
    use serde_json::Value;
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len());
            x.iter().zip(y).for_each(|(x, y)| assert_close(x, y));
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.len(), y.len());
            x.iter().for_each(|(k, v)| assert_close(v, &y[k]));
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() <= 1e-12 * x.abs().max(1.0), "{x} vs {y}");
        }
        _ => assert_eq!(a, b),
    }
}

#[test]
fn the_builtin_model_loads_and_has_a_budgeted_threshold() {
    let m = Model::builtin();
    assert_eq!(m.features, FEATURE_NAMES);
    assert!(m.config.policy.open_threshold > m.config.policy.clear_threshold);
    assert!(m.training.alarms_at_threshold as f64 <= m.training.alarms_allowed);
}
