use super::*;

const H: Micros = 60 * MIN;

fn fault(t: &str, p: Option<&str>, start: Micros, end: Micros) -> LabelledFault {
    LabelledFault {
        peripheral_id: p.map(str::to_owned),
        device_id: "dev-1".into(),
        fault_type: t.into(),
        start,
        end,
    }
}

fn inc(kind: &str, p: Option<&str>, at: Micros, reason: Option<&str>) -> JudgedIncident {
    JudgedIncident {
        kind: kind.into(),
        device_id: "dev-1".into(),
        peripheral_id: p.map(str::to_owned),
        opened_at: at,
        reason: reason.map(str::to_owned),
    }
}

fn row<'a>(e: &'a Evaluation, t: &str) -> &'a TypeScore {
    e.types.iter().find(|r| r.fault_type == t).unwrap()
}

#[test]
fn the_matching_window_is_ten_minutes_before_to_sixty_after() {
    let f = [fault("sudden_failure", Some("p1"), 10 * H, 12 * H)];
    for (at, hit) in [
        (10 * H - 10 * MIN, true),
        (10 * H - 11 * MIN, false),
        (13 * H, true),
        (13 * H + MIN, false),
    ] {
        let e = evaluate(&f, &[inc("peripheral_disconnected", Some("p1"), at, None)]);
        assert_eq!(row(&e, "sudden_failure").detected == 1, hit, "at {at}");
    }
}

#[test]
fn device_faults_match_device_incidents_only() {
    let f = [fault("device_offline", None, 10 * H, 11 * H)];
    let e = evaluate(
        &f,
        &[
            inc("peripheral_disconnected", Some("p1"), 10 * H, None),
            inc("device_offline", None, 10 * H + 10 * MIN, None),
        ],
    );
    let r = row(&e, "device_offline");
    assert_eq!((r.detected, r.true_incidents), (1, 1));
    assert_eq!(row(&e, "sudden_failure").false_incidents, 1);
    assert_eq!(r.delay_median_min, Some(10.0));
}

#[test]
fn a_fault_counts_once_and_false_incidents_count_against_the_claimed_type() {
    let f = [
        fault("gradual_degradation", Some("p1"), 0, 10 * H),
        fault("gradual_degradation", Some("p2"), 0, 10 * H),
    ];
    let e = evaluate(
        &f,
        &[
            inc("peripheral_degrading", Some("p1"), 4 * H, None),
            inc("peripheral_degrading", Some("p1"), 6 * H, None),
            inc(
                "peripheral_degrading",
                Some("p9"),
                6 * H,
                Some("intermittent_disconnects"),
            ),
            inc("signed_out", None, 6 * H, None),
        ],
    );
    let g = row(&e, "gradual_degradation");
    assert_eq!((g.faults, g.detected, g.true_incidents), (2, 1, 2));
    assert_eq!(g.recall, Some(0.5));
    assert_eq!(g.precision, Some(1.0));
    assert_eq!(g.lead_median_min, Some(360.0));
    let i = row(&e, "intermittent_disconnects");
    assert_eq!(
        (i.false_incidents, i.precision, i.recall),
        (1, Some(0.0), None)
    );
    assert_eq!(e.false_model_incidents, 1);
    assert_eq!(e.unjudged.get("signed_out"), Some(&1));
}

#[test]
fn quantiles_by_nearest_rank() {
    let v: Vec<f64> = (1..=10).map(f64::from).collect();
    assert_eq!(quantile(&v, 0.5), Some(5.0));
    assert_eq!(quantile(&v, 0.9), Some(9.0));
    assert_eq!(quantile(&[], 0.5), None);
}

#[test]
fn reads_the_simulators_faults_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("faults.csv");
    std::fs::write(
        &path,
        "peripheral_id,device_id,room_id,fault_type,start,end\n\
         ,dev-1,room-1,device_offline,2026-11-02T10:00:00Z,2026-11-02T11:00:00Z\n\
         p1,dev-1,room-1,sudden_failure,2026-11-02T10:00:00.500Z,2026-11-02T12:00:00Z\n",
    )
    .unwrap();
    let f = read_faults(&path).unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].peripheral_id, None);
    assert_eq!(f[1].peripheral_id.as_deref(), Some("p1"));
    assert_eq!(f[1].start - f[0].start, 500_000);
    std::fs::write(
        &path,
        "peripheral_id,device_id,room_id,fault_type,start,end\n,d,r,x,yesterday,now\n",
    )
    .unwrap();
    let err = read_faults(&path).unwrap_err().to_string();
    assert!(err.contains("line 2"), "{err}");
}
