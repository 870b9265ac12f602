//! The alarm policy: turns a peripheral's window scores into alarms with hysteresis.
//!
//! Raw window scores are noise (a dip, an error burst); an alarm needs the *smoothed* score
//! (an exponentially weighted moving average) to stay at or above the open threshold for a
//! minimum number of consecutive windows, and it clears only when the smoothed score falls below
//! a lower clear threshold. After an alarm clears, a cooldown keeps a flapping score from
//! opening again at once. A gap in the data longer than `max_gap` restarts the smoothing, so a
//! peripheral that was away is judged afresh.

use serde::{Deserialize, Serialize};

/// Microseconds since the Unix epoch (the lake's timestamp unit).
pub type Micros = i64;

/// The hysteresis settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlarmPolicy {
    /// Weight of the newest window in the moving average (0–1; 1 = no smoothing).
    pub alpha: f64,
    /// The smoothed score at or above which a window counts as over.
    pub open_threshold: f64,
    /// The smoothed score below which an open alarm clears.
    pub clear_threshold: f64,
    /// Consecutive windows over the open threshold before an alarm opens.
    pub min_windows: u32,
    /// Time after an alarm clears during which no new one opens.
    pub cooldown: Micros,
    /// A gap between windows longer than this restarts the smoothing.
    pub max_gap: Micros,
}

impl AlarmPolicy {
    /// The policy with another open threshold, the clear threshold kept at the same ratio.
    pub fn with_threshold(self, open: f64) -> Self {
        let ratio = if self.open_threshold > 0.0 {
            self.clear_threshold / self.open_threshold
        } else {
            0.5
        };
        AlarmPolicy {
            open_threshold: open,
            clear_threshold: open * ratio,
            ..self
        }
    }
}

impl Default for AlarmPolicy {
    fn default() -> Self {
        AlarmPolicy {
            alpha: 0.4,
            open_threshold: 10.0,
            clear_threshold: 5.0,
            min_windows: 3,
            cooldown: 6 * 3_600_000_000,
            max_gap: 2 * 3_600_000_000,
        }
    }
}

/// One window's score: the window's end (when the score is known) and the score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    /// The end of the window.
    pub at: Micros,
    /// The anomaly score (higher is worse).
    pub score: f64,
}

/// An alarm: when it opened and, if it has, when it cleared.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Alarm {
    /// The end of the window in which the policy opened it.
    pub start: Micros,
    /// The end of the window in which it cleared; `None` while it is still raised.
    pub end: Option<Micros>,
    /// The highest smoothed score while it was raised.
    pub peak: f64,
}

/// Runs the policy over one peripheral's scores, sorted by time.
pub fn alarms(policy: &AlarmPolicy, scores: &[Scored]) -> Vec<Alarm> {
    let mut out = Vec::new();
    let mut smooth: Option<f64> = None;
    let mut last_at: Option<Micros> = None;
    let mut over = 0u32;
    let mut open: Option<Alarm> = None;
    let mut quiet_until = Micros::MIN;
    for s in scores {
        if !s.score.is_finite() {
            continue;
        }
        let restart = last_at.is_none_or(|t| s.at - t > policy.max_gap);
        if restart {
            over = 0;
        }
        let v = match smooth {
            Some(prev) if !restart => policy.alpha * s.score + (1.0 - policy.alpha) * prev,
            _ => s.score,
        };
        smooth = Some(v);
        last_at = Some(s.at);
        if let Some(a) = open.as_mut() {
            a.peak = a.peak.max(v);
            if v < policy.clear_threshold {
                a.end = Some(s.at);
                out.push(*a);
                open = None;
                over = 0;
                quiet_until = s.at + policy.cooldown;
            }
            continue;
        }
        over = if v >= policy.open_threshold {
            over + 1
        } else {
            0
        };
        if over >= policy.min_windows.max(1) && s.at >= quiet_until {
            open = Some(Alarm {
                start: s.at,
                end: None,
                peak: v,
            });
        }
    }
    out.extend(open);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Micros = 900_000_000;

    fn series(values: &[f64]) -> Vec<Scored> {
        values
            .iter()
            .enumerate()
            .map(|(i, &score)| Scored {
                at: (i as Micros + 1) * W,
                score,
            })
            .collect()
    }

    fn policy() -> AlarmPolicy {
        AlarmPolicy {
            alpha: 1.0,
            open_threshold: 10.0,
            clear_threshold: 5.0,
            min_windows: 3,
            cooldown: 4 * W,
            max_gap: 4 * W,
        }
    }

    #[test]
    fn one_noisy_window_opens_nothing() {
        assert!(alarms(&policy(), &series(&[1.0, 50.0, 1.0, 1.0, 50.0, 50.0, 1.0])).is_empty());
    }

    #[test]
    fn opens_after_min_windows_and_clears_below_the_lower_threshold() {
        let a = alarms(
            &policy(),
            &series(&[1.0, 12.0, 12.0, 12.0, 7.0, 7.0, 4.0, 1.0]),
        );
        assert_eq!(
            a,
            vec![Alarm {
                start: 4 * W,
                end: Some(7 * W),
                peak: 12.0
            }]
        );
    }

    #[test]
    fn cooldown_keeps_a_flapping_score_from_reopening_at_once() {
        let v = [
            12.0, 12.0, 12.0, 1.0, 12.0, 12.0, 12.0, 12.0, 12.0, 1.0, 1.0,
        ];
        let a = alarms(&policy(), &series(&v));
        // Clears at window 4; the cooldown blocks until window 8; it reopens at window 8.
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].end, Some(4 * W));
        assert_eq!(a[1].start, 8 * W);
        assert_eq!(a[1].end, Some(10 * W));
    }

    #[test]
    fn an_alarm_still_raised_at_the_end_has_no_end() {
        let a = alarms(&policy(), &series(&[20.0, 20.0, 20.0, 20.0]));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].end, None);
    }

    #[test]
    fn smoothing_needs_a_sustained_rise() {
        let p = AlarmPolicy {
            alpha: 0.3,
            ..policy()
        };
        assert!(alarms(&p, &series(&[0.0, 30.0, 0.0, 0.0, 0.0, 0.0])).is_empty());
        assert_eq!(alarms(&p, &series(&[30.0; 8])).len(), 1);
    }

    #[test]
    fn a_gap_restarts_the_count() {
        let mut s = series(&[12.0, 12.0]);
        s.push(Scored {
            at: 20 * W,
            score: 12.0,
        });
        assert!(alarms(&policy(), &s).is_empty());
    }
}
