//! Condition intervals from state changes: runs of a bad state, minus the periods in which the
//! room system was silent, kept once they have lasted the rule's threshold.

use roomsight_models::alarm::Micros;

/// A period `[start, end)`; `end == None` means it still holds at the watermark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Interval {
    pub(crate) start: Micros,
    pub(crate) end: Option<Micros>,
}

/// The runs of the bad state in one entity's sorted `(time, is_bad)` changes.
pub(crate) fn bad_runs(changes: &[(Micros, bool)]) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut open: Option<Micros> = None;
    for &(t, bad) in changes {
        match (bad, open) {
            (true, None) => open = Some(t),
            (false, Some(s)) => {
                out.push(Interval {
                    start: s,
                    end: Some(t),
                });
                open = None;
            }
            _ => {}
        }
    }
    if let Some(s) = open {
        out.push(Interval {
            start: s,
            end: None,
        });
    }
    out
}

/// `run` without the sorted, disjoint `silences` (`[from, to)`), open runs ending at
/// `watermark`; pieces that reach the watermark stay open.
pub(crate) fn without(
    run: Interval,
    silences: &[(Micros, Micros)],
    watermark: Micros,
) -> Vec<Interval> {
    let end = run.end.unwrap_or(watermark).max(run.start);
    let mut pieces = Vec::new();
    let mut from = run.start;
    for &(a, b) in silences {
        if b <= from || a >= end {
            continue;
        }
        if a > from {
            pieces.push((from, a));
        }
        from = from.max(b);
    }
    if from < end {
        pieces.push((from, end));
    }
    pieces
        .into_iter()
        .map(|(s, e)| Interval {
            start: s,
            end: (run.end.is_some() || e < end).then_some(e),
        })
        .collect()
}

/// The part of `piece` after it has held for `after`, if it held that long (open pieces are
/// measured to the watermark).
pub(crate) fn held_for(piece: Interval, after: Micros, watermark: Micros) -> Option<Interval> {
    let end = piece.end.unwrap_or(watermark);
    (end - piece.start >= after).then_some(Interval {
        start: piece.start + after,
        end: piece.end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_the_bad_state() {
        let r = bad_runs(&[(0, false), (10, true), (15, true), (20, false), (30, true)]);
        assert_eq!(
            r,
            vec![
                Interval {
                    start: 10,
                    end: Some(20)
                },
                Interval {
                    start: 30,
                    end: None
                },
            ]
        );
    }

    #[test]
    fn silences_are_cut_out_and_open_runs_stay_open() {
        let run = Interval {
            start: 0,
            end: None,
        };
        let p = without(run, &[(10, 20), (40, 50)], 100);
        assert_eq!(
            p,
            vec![
                Interval {
                    start: 0,
                    end: Some(10)
                },
                Interval {
                    start: 20,
                    end: Some(40)
                },
                Interval {
                    start: 50,
                    end: None
                },
            ]
        );
        // A run that ends inside a silence.
        let p = without(
            Interval {
                start: 0,
                end: Some(15),
            },
            &[(10, 20)],
            100,
        );
        assert_eq!(
            p,
            vec![Interval {
                start: 0,
                end: Some(10)
            }]
        );
    }

    #[test]
    fn held_for_keeps_long_enough_pieces_from_when_the_threshold_was_met() {
        assert_eq!(
            held_for(
                Interval {
                    start: 0,
                    end: Some(4)
                },
                5,
                100
            ),
            None
        );
        assert_eq!(
            held_for(
                Interval {
                    start: 0,
                    end: Some(9)
                },
                5,
                100
            ),
            Some(Interval {
                start: 5,
                end: Some(9)
            })
        );
        assert_eq!(
            held_for(
                Interval {
                    start: 90,
                    end: None
                },
                5,
                100
            ),
            Some(Interval {
                start: 95,
                end: None
            })
        );
        assert_eq!(
            held_for(
                Interval {
                    start: 98,
                    end: None
                },
                5,
                100
            ),
            None
        );
    }
}
