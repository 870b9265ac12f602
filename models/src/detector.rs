//! The general series detector behind `roomsight models score`: needs no training, reads points
//! in time order once (each point is judged only by the points before it), and returns for each
//! point a score in `[0, 1]` and a 0/1 decision.
//!
//! ## Parts
//! Each part turns a point into a raw *surprise* (an absolute robust z-score, saturated at
//! [`Z_MAX`]); all robust scales use the crate's one spread floor ([`SpreadFloor`]):
//! - **level**: the value against the median and MAD of the previous `history` points;
//! - **seasonal**: the value minus its seasonal baseline (the median of the values at the same
//!   time 1, 2 and 3 days and 1 week earlier, found by timestamp, so irregular sampling is
//!   fine), against the median and MAD of the previous residuals; off while no earlier day is
//!   found;
//! - **change**: a two-sided CUSUM of the level z-score (clipped to ±`cusum_clip`, slack
//!   `cusum_k`): evidence that accumulates over a sustained shift that a single point hides;
//! - **discord**: the distance from the last `discord_window` points (as 4 piecewise means) to
//!   their nearest neighbour among the `discord_candidates` earlier, non-overlapping windows, in
//!   units of the level spread: a shape never seen recently.
//!
//! ## From surprise to score
//! A raw surprise is not comparable across series (a noisy CPU metric is surprised every hour),
//! so each part's surprise becomes an **anomaly likelihood**, as in Numenta's HTM detector: the
//! mean surprise over the last `short` points is compared with the distribution (mean and
//! standard deviation) of that mean over the previous `long` points, and its Gaussian upper tail
//! probability `q` is mapped to `ln(q + 1e-10) / ln(1e-10)`, 0 for a usual surprise and 1 for a
//! tail of 10^-10 or less. The point's score is the largest of the parts' likelihoods, raised to
//! 1 by the **range** part when the value leaves the range seen so far by more than
//! `range_tolerance` of that range.
//!
//! ## Decisions
//! - A point's score is 0 during the **probation** (the first `probation` fraction of the
//!   series), while the parts learn.
//! - **Suppression**: after a point is reported with score `s`, the following `suppress` points
//!   report 0 unless their score exceeds `s` (which restarts the suppression). So one event
//!   gives one high point, whatever threshold is later put on the scores.
//! - A point is an **anomaly** when its reported score is at least `threshold`.
//!
//! The maximum score is 1 by construction (every part saturates); `score_points` never
//! returns a value outside `[0, 1]`.

use std::collections::VecDeque;

use crate::robust::{MAD_TO_SIGMA, SpreadFloor, Z_MAX};

/// Microseconds since the Unix epoch.
type Micros = i64;

const DAY: Micros = 86_400_000_000;
const WEEK: Micros = 7 * DAY;

/// The parts of the detector that are on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parts {
    /// The level z-score.
    pub level: bool,
    /// The seasonal residual.
    pub seasonal: bool,
    /// The CUSUM change evidence.
    pub change: bool,
    /// The nearest-neighbour discord distance.
    pub discord: bool,
    /// The range break.
    pub range: bool,
}

impl Parts {
    /// The part names, as `--parts` takes them.
    pub const NAMES: [&'static str; 5] = ["level", "seasonal", "change", "discord", "range"];

    /// Every part on.
    pub const ALL: Parts = Parts {
        level: true,
        seasonal: true,
        change: true,
        discord: true,
        range: true,
    };

    /// Parses a comma-separated list of part names; `None` names the first unknown one.
    pub fn parse(list: &str) -> Result<Parts, String> {
        let mut p = Parts {
            level: false,
            seasonal: false,
            change: false,
            discord: false,
            range: false,
        };
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match name {
                "level" => p.level = true,
                "seasonal" => p.seasonal = true,
                "change" => p.change = true,
                "discord" => p.discord = true,
                "range" => p.range = true,
                "all" => p = Parts::ALL,
                other => return Err(other.to_owned()),
            }
        }
        Ok(p)
    }
}

/// How the detector runs (one configuration for every series).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DetectorConfig {
    /// Points of history the level and seasonal scales are taken over.
    pub history: usize,
    /// Points of history needed before any part speaks.
    pub min_history: usize,
    /// The spread floor of every robust scale.
    pub floor: SpreadFloor,
    /// The parts that are on.
    pub parts: Parts,
    /// Points in the short mean of a part's surprise.
    pub short: usize,
    /// Points in the distribution the short mean is judged against.
    pub long: usize,
    /// The lowest standard deviation assumed for that distribution (z units).
    pub min_sigma: f64,
    /// The tail probability `10^-digits` at which a part's score reaches 1.
    pub digits: f64,
    /// Clip of the z-score fed to the CUSUM.
    pub cusum_clip: f64,
    /// Slack of the CUSUM per point (z units).
    pub cusum_k: f64,
    /// Points in a discord window (a multiple of 4).
    pub discord_window: usize,
    /// Earlier windows a discord window is compared with.
    pub discord_candidates: usize,
    /// How far (as a fraction of the range seen) a value must leave that range to break it.
    pub range_tolerance: f64,
    /// Fraction of the series (from its start) that reports no score.
    pub probation: f64,
    /// Points after a reported score during which only a higher score is reported.
    pub suppress: usize,
    /// The reported score at or above which a point is an anomaly.
    pub threshold: f64,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            history: 400,
            min_history: 16,
            floor: SpreadFloor::default(),
            parts: Parts::ALL,
            short: 10,
            long: 2000,
            min_sigma: 0.1,
            digits: 10.0,
            cusum_clip: 3.0,
            cusum_k: 0.5,
            discord_window: 16,
            discord_candidates: 400,
            range_tolerance: 0.0,
            probation: 0.15,
            suppress: 100,
            threshold: 1.0,
        }
    }
}

/// One point's result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detection {
    /// The reported score, in `[0, 1]`.
    pub score: f64,
    /// Whether the point is an anomaly.
    pub anomaly: bool,
}

/// Scores points `(time, value)` in time order (see the module doc). Non-finite values are
/// scored 0 and left out of every history.
pub fn score_points(cfg: &DetectorConfig, points: &[(Micros, f64)]) -> Vec<Detection> {
    let n = points.len();
    let times: Vec<Micros> = points.iter().map(|p| p.0).collect();
    let values: Vec<f64> = points.iter().map(|p| p.1).collect();
    let tolerance = seasonal_tolerance(&times);
    let history = cfg.history.max(2);
    let mut level = SortedWindow::new(history);
    let mut magnitude = SortedWindow::new(history);
    let mut steps = SortedWindow::new(history);
    let mut residuals = SortedWindow::new(history);
    let mut lik: [Likelihood; 4] = std::array::from_fn(|_| Likelihood::new(cfg));
    let (mut cusum_hi, mut cusum_lo) = (0.0_f64, 0.0_f64);
    let discord = Discord::new(&values, cfg.discord_window);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let probation = (cfg.probation.clamp(0.0, 1.0) * n as f64).floor() as usize;
    let (mut held, mut held_until) = (0.0_f64, 0_usize);
    let mut prev: Option<f64> = None;
    let mut seen = 0_usize;
    let mut out = Vec::with_capacity(n);
    for (i, &x) in values.iter().enumerate() {
        if !x.is_finite() {
            out.push(Detection {
                score: 0.0,
                anomaly: false,
            });
            continue;
        }
        let ready = seen >= cfg.min_history.max(2);
        let mut raw: [Option<f64>; 4] = [None; 4];
        let mut range_break = false;
        if ready {
            let floor = cfg.floor.floor(
                magnitude.median().unwrap_or(0.0),
                steps.median().unwrap_or(0.0),
            );
            let centre = level.median().unwrap_or(x);
            let spread = (level.mad(centre) * MAD_TO_SIGMA).max(floor);
            let z = saturate((x - centre) / spread);
            if cfg.parts.level {
                raw[0] = Some(z.abs());
            }
            if cfg.parts.seasonal
                && let Some(base) = seasonal_baseline(&times, &values, i, tolerance)
            {
                let r = x - base;
                if residuals.len() >= cfg.min_history.max(2) {
                    let c = residuals.median().unwrap_or(0.0);
                    let s = (residuals.mad(c) * MAD_TO_SIGMA).max(floor);
                    raw[1] = Some(saturate((r - c) / s).abs());
                }
                residuals.push(r);
            }
            if cfg.parts.change {
                let zc = z.clamp(-cfg.cusum_clip, cfg.cusum_clip);
                cusum_hi = (cusum_hi + zc - cfg.cusum_k).max(0.0);
                cusum_lo = (cusum_lo - zc - cfg.cusum_k).max(0.0);
                raw[2] = Some(saturate(cusum_hi.max(cusum_lo)));
            }
            if cfg.parts.discord {
                raw[3] = discord
                    .distance(i, cfg.discord_candidates)
                    .map(|d| saturate(d / spread));
            }
            if cfg.parts.range && hi > lo {
                let tol = if cfg.range_tolerance > 0.0 {
                    cfg.range_tolerance * (hi - lo)
                } else {
                    0.0
                };
                range_break = x > hi + tol || x < lo - tol;
            }
        }
        let mut score = 0.0_f64;
        for (l, r) in lik.iter_mut().zip(raw) {
            if let Some(r) = r {
                score = score.max(l.push(r));
            }
        }
        if range_break {
            score = 1.0;
        }
        // Learn from the point only after judging it.
        level.push(x);
        magnitude.push(x.abs());
        if let Some(p) = prev {
            let d = (x - p).abs();
            if d > 0.0 {
                steps.push(d);
            }
        }
        prev = Some(x);
        lo = lo.min(x);
        hi = hi.max(x);
        seen += 1;
        let score = if i < probation {
            0.0
        } else if i >= held_until || score > held {
            if score > 0.0 {
                held = score;
                held_until = i + 1 + cfg.suppress;
            }
            score
        } else {
            0.0
        };
        let score = score.clamp(0.0, 1.0);
        out.push(Detection {
            score,
            anomaly: score > 0.0 && score >= cfg.threshold,
        });
    }
    out
}

fn saturate(z: f64) -> f64 {
    if z.is_nan() {
        0.0
    } else {
        z.clamp(-Z_MAX, Z_MAX)
    }
}

/// Half the median sampling step: how far from `t − period` a point may be to stand for it.
fn seasonal_tolerance(times: &[Micros]) -> Micros {
    let mut d: Vec<Micros> = times
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0)
        .collect();
    if d.is_empty() {
        return 0;
    }
    let mid = d.len() / 2;
    let (_, m, _) = d.select_nth_unstable(mid);
    *m / 2
}

/// The median of the values at `t − 1, 2, 3 days` and `t − 1 week` (those found), or `None`
/// when the sampling is coarser than 8 points a day or no earlier day is found.
fn seasonal_baseline(times: &[Micros], values: &[f64], i: usize, tol: Micros) -> Option<f64> {
    if tol <= 0 || tol * 16 > DAY {
        return None;
    }
    let t = times[i];
    let mut found: Vec<f64> = [t - DAY, t - 2 * DAY, t - 3 * DAY, t - WEEK]
        .iter()
        .filter_map(|&at| nearest(&times[..i], at, tol))
        .map(|j| values[j])
        .filter(|v| v.is_finite())
        .collect();
    if found.is_empty() {
        return None;
    }
    found.sort_unstable_by(f64::total_cmp);
    let m = found.len() / 2;
    Some(if found.len() % 2 == 1 {
        found[m]
    } else {
        (found[m - 1] + found[m]) / 2.0
    })
}

/// The index of the time nearest to `at` within `tol`, in sorted `times`.
fn nearest(times: &[Micros], at: Micros, tol: Micros) -> Option<usize> {
    let k = times.partition_point(|&t| t < at);
    [k.checked_sub(1), Some(k)]
        .into_iter()
        .flatten()
        .filter(|&j| j < times.len())
        .min_by_key(|&j| (times[j] - at).abs())
        .filter(|&j| (times[j] - at).abs() <= tol)
}

/// The last `cap` values, also kept sorted (median and MAD in O(cap)).
struct SortedWindow {
    cap: usize,
    ring: VecDeque<f64>,
    sorted: Vec<f64>,
}

impl SortedWindow {
    fn new(cap: usize) -> Self {
        SortedWindow {
            cap,
            ring: VecDeque::with_capacity(cap),
            sorted: Vec::with_capacity(cap),
        }
    }

    fn len(&self) -> usize {
        self.sorted.len()
    }

    fn push(&mut self, x: f64) {
        if self.ring.len() == self.cap
            && let Some(old) = self.ring.pop_front()
        {
            let k = self.sorted.partition_point(|v| v.total_cmp(&old).is_lt());
            if k < self.sorted.len() {
                self.sorted.remove(k);
            }
        }
        self.ring.push_back(x);
        let k = self.sorted.partition_point(|v| v.total_cmp(&x).is_lt());
        self.sorted.insert(k, x);
    }

    fn median(&self) -> Option<f64> {
        let s = &self.sorted;
        let n = s.len();
        if n == 0 {
            return None;
        }
        Some(if n % 2 == 1 {
            s[n / 2]
        } else {
            (s[n / 2 - 1] + s[n / 2]) / 2.0
        })
    }

    /// The median absolute deviation around `c` (unscaled), merging outwards from `c`.
    fn mad(&self, c: f64) -> f64 {
        let s = &self.sorted;
        let n = s.len();
        if n == 0 {
            return 0.0;
        }
        let mut right = s.partition_point(|v| *v < c);
        let mut left = right; // s[..left] are below c, taken from left - 1 downwards
        let mut take = || {
            let dl = left.checked_sub(1).map(|k| c - s[k]);
            let dr = s.get(right).map(|v| v - c);
            match (dl, dr) {
                (Some(a), Some(b)) if a <= b => {
                    left -= 1;
                    a
                }
                (_, Some(b)) => {
                    right += 1;
                    b
                }
                (Some(a), None) => {
                    left -= 1;
                    a
                }
                (None, None) => 0.0,
            }
        };
        let mut last = 0.0;
        for _ in 0..n / 2 {
            last = take();
        }
        let next = take();
        if n % 2 == 1 {
            next
        } else {
            (last + next) / 2.0
        }
    }
}

/// The nearest-neighbour distance of each window to earlier windows, as piecewise means.
struct Discord {
    window: usize,
    paa: Vec<[f64; 4]>,
}

impl Discord {
    fn new(values: &[f64], window: usize) -> Self {
        let window = window.max(4) / 4 * 4;
        let seg = window / 4;
        let mut prefix = Vec::with_capacity(values.len() + 1);
        prefix.push(0.0);
        let mut acc = 0.0;
        for v in values {
            acc += if v.is_finite() { *v } else { 0.0 };
            prefix.push(acc);
        }
        let paa = (0..values.len())
            .map(|e| {
                let mut p = [0.0; 4];
                if e + 1 >= window {
                    let start = e + 1 - window;
                    for (s, slot) in p.iter_mut().enumerate() {
                        let a = start + s * seg;
                        *slot = (prefix[a + seg] - prefix[a]) / seg as f64;
                    }
                }
                p
            })
            .collect();
        Discord { window, paa }
    }

    /// The distance (root mean square over the 4 means) of the window ending at `i` to its
    /// nearest non-overlapping earlier window among the last `candidates`.
    fn distance(&self, i: usize, candidates: usize) -> Option<f64> {
        let w = self.window;
        let last = i.checked_sub(w)?;
        if last + 1 < w {
            return None;
        }
        let first = last.saturating_sub(candidates).max(w - 1);
        let q = self.paa[i];
        let mut best = f64::INFINITY;
        for p in &self.paa[first..=last] {
            let d: f64 = q.iter().zip(p).map(|(a, b)| (a - b) * (a - b)).sum();
            best = best.min(d);
        }
        best.is_finite().then(|| (best / 4.0).sqrt())
    }
}

/// A part's anomaly likelihood (see the module doc).
struct Likelihood {
    short: usize,
    long: usize,
    min_sigma: f64,
    digits: f64,
    recent: VecDeque<f64>,
    recent_sum: f64,
    means: VecDeque<f64>,
    sum: f64,
    sum_sq: f64,
}

impl Likelihood {
    fn new(cfg: &DetectorConfig) -> Self {
        Likelihood {
            short: cfg.short.max(1),
            long: cfg.long.max(2),
            min_sigma: cfg.min_sigma.max(1e-6),
            digits: cfg.digits,
            recent: VecDeque::new(),
            recent_sum: 0.0,
            means: VecDeque::new(),
            sum: 0.0,
            sum_sq: 0.0,
        }
    }

    /// Adds a surprise and returns the likelihood score of the current short mean, in [0, 1].
    fn push(&mut self, raw: f64) -> f64 {
        self.recent.push_back(raw);
        self.recent_sum += raw;
        if self.recent.len() > self.short {
            self.recent_sum -= self.recent.pop_front().unwrap_or(0.0);
        }
        let mean = self.recent_sum / self.recent.len() as f64;
        let k = self.means.len() as f64;
        let score = if self.means.len() >= self.short * 2 {
            let mu = self.sum / k;
            let var = (self.sum_sq / k - mu * mu).max(0.0);
            let sigma = var.sqrt().max(self.min_sigma);
            tail_score((mean - mu) / sigma, self.digits)
        } else {
            0.0
        };
        self.means.push_back(mean);
        self.sum += mean;
        self.sum_sq += mean * mean;
        if self.means.len() > self.long {
            let old = self.means.pop_front().unwrap_or(0.0);
            self.sum -= old;
            self.sum_sq -= old * old;
        }
        score
    }
}

/// The score of a standardised short mean `z`: the digits of its one-sided Gaussian tail
/// probability, `−log10 2Q(z)` (0 at the mean, so an ordinary point scores 0), divided by
/// `digits` and clipped to [0, 1].
fn tail_score(z: f64, digits: f64) -> f64 {
    if z.is_nan() || z <= 0.0 {
        return 0.0;
    }
    let ln_2q = ln_upper_tail(z) + std::f64::consts::LN_2;
    (-ln_2q / (digits.max(1e-3) * std::f64::consts::LN_10)).clamp(0.0, 1.0)
}

/// `ln Q(z)`, the log of the standard normal's upper tail, without underflow for large `z`.
fn ln_upper_tail(z: f64) -> f64 {
    let x = z / std::f64::consts::SQRT_2;
    if x >= 0.0 {
        std::f64::consts::LN_2.mul_add(-1.0, ln_erfc(x))
    } else {
        (1.0 - 0.5 * ln_erfc(-x).exp()).ln()
    }
}

/// `ln erfc(x)` for `x ≥ 0` (Numerical Recipes' Chebyshev fit of erfc, relative error below
/// 1.2e-7 everywhere; taken in log form, so it never underflows).
fn ln_erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    t.ln()
        + (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
}

#[cfg(test)]
mod tests;
