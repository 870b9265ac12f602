//! The intermittent-disconnect rule: repeated short drop-outs within a day.
//!
//! A flaky cable or port shows as several disconnect/reconnect cycles a day, each too short to
//! open `peripheral_disconnected` (5 minutes) and too rare to move a 15-minute window's score.
//! A longer window would dilute them further, so they get their own rule: the condition holds
//! while at least `min_disconnects` drop-outs fall within the trailing `within` (24 hours by
//! default). Healthy peripherals drop out about once in weeks (and once per firmware update),
//! so three in a day is rare without a fault.
//!
//! Drop-outs during an update are not evidence: a firmware flash drops the peripheral and it
//! re-enumerates once or twice after the step, which would look like three drop-outs within
//! minutes. Detection leaves the windows inside a peripheral's update and maintenance windows
//! out of its series before any detector sees them
//! ([`crate::features::leave_out_excused`]); a peripheral still away when the window ends is
//! `peripheral_disconnected`'s to report.

use serde::{Deserialize, Serialize};

use crate::alarm::{Alarm, Micros};
use crate::features::PeripheralSeries;

/// The rule's settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntermittentConfig {
    /// Drop-outs needed within `within`.
    pub min_disconnects: u32,
    /// The trailing period.
    pub within: Micros,
}

impl Default for IntermittentConfig {
    fn default() -> Self {
        IntermittentConfig {
            min_disconnects: 3,
            within: 24 * 3_600_000_000,
        }
    }
}

/// The rule's alarms for one series; `window` is the window length (a drop-out is known at
/// the end of its window).
pub fn intermittent_alarms(
    s: &PeripheralSeries,
    window: Micros,
    cfg: &IntermittentConfig,
) -> Vec<Alarm> {
    let mut times: Vec<Micros> = Vec::new();
    for w in &s.windows {
        for _ in 0..w.disconnects {
            times.push(w.start + window);
        }
    }
    let data_end = s.windows.last().map_or(Micros::MIN, |w| w.start + window);
    sweep(&times, data_end, cfg)
}

/// The condition's intervals over sorted event times, evaluated up to `data_end`.
fn sweep(times: &[Micros], data_end: Micros, cfg: &IntermittentConfig) -> Vec<Alarm> {
    let need = cfg.min_disconnects.max(1) as usize;
    let mut out = Vec::new();
    let mut open: Option<Alarm> = None;
    for (i, &t) in times.iter().enumerate() {
        // Does the open alarm run out before this event?
        if let Some(mut a) = open.take() {
            let ends = times[i - need] + cfg.within;
            if ends <= t {
                a.end = Some(ends);
                out.push(a);
            } else {
                open = Some(a);
            }
        }
        let first = times.partition_point(|&x| x <= t - cfg.within);
        let count = i + 1 - first;
        if let Some(a) = open.as_mut() {
            a.peak = a.peak.max(count as f64);
        } else if count >= need {
            open = Some(Alarm {
                start: t,
                end: None,
                peak: count as f64,
            });
        }
    }
    if let Some(mut a) = open {
        let ends = times[times.len() - need] + cfg.within;
        if ends <= data_end {
            a.end = Some(ends);
        }
        out.push(a);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Micros = 3_600_000_000;

    fn cfg() -> IntermittentConfig {
        IntermittentConfig::default()
    }

    #[test]
    fn three_dropouts_in_a_day_open_at_the_third_and_clear_a_day_after_the_first_of_the_last_three()
    {
        let a = sweep(&[H, 5 * H, 9 * H], 100 * H, &cfg());
        assert_eq!(
            a,
            vec![Alarm {
                start: 9 * H,
                end: Some(25 * H),
                peak: 3.0
            }]
        );
    }

    /// A series of `n` connected 15-minute windows with drop-outs in the windows listed.
    fn series_with_dropouts(n: usize, dropouts: &[usize]) -> PeripheralSeries {
        PeripheralSeries {
            peripheral_id: "cam-1".into(),
            device_id: "dev-1".into(),
            room_id: "room-1".into(),
            kind: "room_camera".into(),
            make: "Acme".into(),
            model: "Cam".into(),
            firmwares: vec!["1.0".into()],
            windows: (0..n)
                .map(|i| crate::features::Window {
                    start: i as Micros * W15,
                    firmware: 0,
                    reports: 3,
                    connected: 3,
                    disconnects: u32::from(dropouts.contains(&i)),
                    errors: 0,
                    metrics: [f32::NAN; 7],
                })
                .collect(),
        }
    }

    const W15: Micros = 900_000_000;

    #[test]
    fn a_firmware_flash_and_its_reenumerations_are_not_an_intermittent_peripheral() {
        // The flash drops the camera in window 40 and it re-enumerates in windows 41 and 42,
        // all inside the update's window (40 × 15 min to 42 × 15 min + 5 min).
        let mut s = series_with_dropouts(96, &[40, 41, 42]);
        assert_eq!(
            intermittent_alarms(&s, W15, &cfg()).len(),
            1,
            "counted, the update's drop-outs look intermittent"
        );
        let left_out = crate::features::leave_out_excused(
            &mut s,
            &[(40 * W15 + 60_000_000, 42 * W15 + 300_000_000)],
            W15,
        );
        assert_eq!(left_out, 3);
        assert!(intermittent_alarms(&s, W15, &cfg()).is_empty());
    }

    #[test]
    fn dropouts_outside_the_update_window_still_count() {
        // Two drop-outs during the update, three of a real fault later the same day.
        let mut s = series_with_dropouts(96, &[40, 41, 60, 64, 70]);
        crate::features::leave_out_excused(&mut s, &[(40 * W15, 41 * W15 + 1)], W15);
        let a = intermittent_alarms(&s, W15, &cfg());
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].start, 71 * W15);
        assert_eq!(a[0].peak, 3.0);
    }

    #[test]
    fn dropouts_spread_over_days_open_nothing() {
        assert!(sweep(&[H, 20 * H, 40 * H, 60 * H], 100 * H, &cfg()).is_empty());
    }

    #[test]
    fn a_continuing_run_extends_the_alarm_and_a_late_one_opens_anew() {
        let a = sweep(
            &[H, 2 * H, 3 * H, 20 * H, 200 * H, 201 * H, 202 * H],
            210 * H,
            &cfg(),
        );
        assert_eq!(a.len(), 2);
        assert_eq!((a[0].start, a[0].end), (3 * H, Some(26 * H)));
        assert_eq!(a[0].peak, 4.0);
        assert_eq!((a[1].start, a[1].end), (202 * H, None));
    }
}
