use proptest::prelude::*;

use super::*;
use crate::robust::{RobustScale, mad, median_of};

const MIN: Micros = 60_000_000;

fn at_minutes(values: &[f64]) -> Vec<(Micros, f64)> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| (i as Micros * 5 * MIN, v))
        .collect()
}

fn noise(i: usize) -> f64 {
    // A deterministic wobble in [-1, 1].
    (((i * 7919) % 1000) as f64 / 500.0) - 1.0
}

#[test]
fn a_constant_series_scores_zero_everywhere() {
    let d = score_points(&DetectorConfig::default(), &at_minutes(&[30.0; 3000]));
    assert!(d.iter().all(|d| d.score == 0.0 && !d.anomaly));
}

/// Regression (issue 23): a counter pinned at 0 made the old detector divide by a spread of 0
/// and report scores of 4×10^16 at its first count.
#[test]
fn a_counter_at_zero_that_counts_once_scores_at_most_one() {
    let mut v = vec![0.0; 2000];
    v[1500] = 1.0;
    let d = score_points(&DetectorConfig::default(), &at_minutes(&v));
    assert_eq!(d[1500].score, 1.0);
    assert!(d[1500].anomaly);
    assert!(d.iter().all(|d| (0.0..=1.0).contains(&d.score)));
    assert_eq!(d.iter().filter(|d| d.anomaly).count(), 1);
}

#[test]
fn a_quantised_series_that_flips_between_steps_raises_nothing() {
    let v: Vec<f64> = (0..4000)
        .map(|i| if noise(i) > 0.6 { 29.0 } else { 30.0 })
        .collect();
    let d = score_points(&DetectorConfig::default(), &at_minutes(&v));
    assert_eq!(d.iter().filter(|d| d.anomaly).count(), 0);
}

#[test]
fn a_level_shift_in_a_noisy_series_is_flagged_once_near_its_start() {
    let v: Vec<f64> = (0..3000)
        .map(|i| 50.0 + 2.0 * noise(i) + if i >= 2000 { 8.0 } else { 0.0 })
        .collect();
    let d = score_points(&DetectorConfig::default(), &at_minutes(&v));
    let flagged: Vec<usize> = (0..d.len()).filter(|&i| d[i].anomaly).collect();
    assert!(
        !flagged.is_empty() && flagged[0] >= 2000 && flagged[0] < 2010,
        "{flagged:?}"
    );
    assert!(flagged.iter().all(|&i| i >= 2000));
    assert!(flagged.len() <= 3, "{flagged:?}");
}

#[test]
fn the_probation_reports_nothing() {
    let mut v: Vec<f64> = (0..1000).map(|i| 5.0 + noise(i)).collect();
    v[100] = 500.0;
    let d = score_points(&DetectorConfig::default(), &at_minutes(&v));
    assert!(d[..150].iter().all(|d| d.score == 0.0));
}

#[test]
fn a_daily_pattern_is_learnt_by_the_seasonal_part() {
    // Hourly-ish samples at irregular times, a daily square wave of 20 on noise of 1; one day
    // has the high phase missing.
    let mut points = Vec::new();
    let mut t: Micros = 0;
    let mut i = 0;
    while t < 20 * DAY {
        let hour = (t % DAY) / (60 * MIN);
        let high = (8..18).contains(&hour) && t / DAY != 15;
        points.push((t, if high { 20.0 } else { 0.0 } + noise(i)));
        t += 10 * MIN + (i as Micros % 7) * MIN;
        i += 1;
    }
    let cfg = DetectorConfig {
        parts: Parts::parse("seasonal").unwrap_or(Parts::ALL),
        ..DetectorConfig::default()
    };
    let d = score_points(&cfg, &points);
    let flagged: Vec<Micros> = (0..d.len())
        .filter(|&k| d[k].anomaly)
        .map(|k| points[k].0)
        .collect();
    assert!(!flagged.is_empty());
    assert!(
        flagged.iter().all(|&t| t / DAY == 15 || t / DAY == 16),
        "{:?}",
        flagged.iter().map(|t| t / DAY).collect::<Vec<_>>()
    );
}

#[test]
fn parts_parse_names_and_reject_unknown_ones() {
    assert_eq!(Parts::parse("all"), Ok(Parts::ALL));
    let p = Parts::parse("level, range").unwrap_or(Parts::ALL);
    assert!(p.level && p.range && !p.seasonal && !p.change && !p.discord);
    assert_eq!(Parts::parse("level,bogus"), Err("bogus".to_owned()));
}

#[test]
fn the_sorted_window_agrees_with_the_plain_median_and_mad() {
    let mut w = SortedWindow::new(37);
    let mut all = Vec::new();
    for i in 0..200 {
        let x = (noise(i) * 10.0).round() / 2.0;
        w.push(x);
        all.push(x);
        let last = &all[all.len().saturating_sub(37)..];
        let m = median_of(last).unwrap_or(f64::NAN);
        assert_eq!(w.median(), Some(m));
        let expect = mad(last, m).unwrap_or(f64::NAN) / MAD_TO_SIGMA;
        assert!(
            (w.mad(m) - expect).abs() < 1e-9,
            "{i}: {} {expect}",
            w.mad(m)
        );
    }
}

#[test]
fn the_tail_score_is_monotone_and_never_underflows() {
    let mut last = 0.0;
    for k in 0..400 {
        let z = f64::from(k) * 0.25 - 5.0;
        let s = tail_score(z, 10.0);
        assert!((0.0..=1.0).contains(&s) && s >= last, "{z}: {s}");
        last = s;
    }
    assert!((tail_score(3.891, 4.0) - 1.0).abs() < 1e-3); // 2Q(3.891) ≈ 1e-4
    assert_eq!(tail_score(0.0, 10.0), 0.0);
    assert!(ln_upper_tail(1000.0).is_finite());
}

/// A series of one of the awkward shapes the scaling must survive.
fn awkward_series() -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        // constant
        (
            any::<f64>().prop_filter("finite", |x| x.is_finite()),
            1usize..600
        )
            .prop_map(|(c, n)| vec![c; n]),
        // a step between two levels
        (-1e12f64..1e12, -1e12f64..1e12, 20usize..600, 0.0f64..1.0).prop_map(|(a, b, n, at)| {
            let k = (n as f64 * at) as usize;
            (0..n).map(|i| if i < k { a } else { b }).collect()
        }),
        // quantised noise (a few steps of a quantum)
        (1e-6f64..10.0, proptest::collection::vec(-3i32..=3, 20..600))
            .prop_map(|(q, steps)| steps.into_iter().map(|s| f64::from(s) * q).collect()),
        // sparse counts
        proptest::collection::vec(prop_oneof![9 => Just(0.0), 1 => 1.0f64..1e6], 20..600),
        // anything
        proptest::collection::vec(-1e300f64..1e300, 1..400),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn no_score_is_ever_outside_zero_to_one(v in awkward_series(), gaps in proptest::collection::vec(1i64..100_000_000_000, 1..10)) {
        // Irregular sampling: the steps between points cycle through `gaps`.
        let mut t = 0;
        let points: Vec<(Micros, f64)> = v.iter().enumerate().map(|(i, &x)| {
            t += gaps[i % gaps.len()];
            (t, x)
        }).collect();
        let cfg = DetectorConfig { probation: 0.0, ..DetectorConfig::default() };
        for d in score_points(&cfg, &points) {
            prop_assert!((0.0..=1.0).contains(&d.score), "score {}", d.score);
        }
    }

    #[test]
    fn no_robust_z_score_is_ever_beyond_z_max(v in awkward_series(), x in any::<f64>()) {
        if let Some(s) = RobustScale::of(&v, &SpreadFloor::default()) {
            prop_assert!(s.spread > 0.0);
            prop_assert!(s.z_sat(x).abs() <= Z_MAX);
            for &y in &v {
                prop_assert!(s.z_sat(y).abs() <= Z_MAX);
            }
        }
    }
}
