//! The simulator's own random numbers: SplitMix64 for seeding, xoshiro256++ for streams.
//!
//! The output of a seeded simulation must never change with a dependency upgrade, so the
//! generator and every distribution live here. Each concern of each room draws from its own
//! stream, derived from `(seed, room index, stream)`, so adding a draw in one place (or
//! generating rooms in another order, or on other threads) does not ripple into the rest.

/// What a random stream is used for; part of the key a stream is derived from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stream {
    /// Room attributes, room system and peripherals.
    Estate,
    /// Reboots, offline periods, sign-outs, enrollment.
    Power,
    /// Injected peripheral faults and noise disconnects.
    Faults,
    /// Fleet-wide choices: rollout timing, the regressing firmware.
    Rollouts,
    /// Per-target update outcomes.
    Updates,
    /// Bookings and meetings.
    Calendar,
    /// Log lines.
    Logs,
    /// A site's network trouble windows.
    SiteNetwork,
    /// Heartbeat jitter.
    Heartbeat,
    /// One peripheral's metric jitter and errors (by its slot in the room).
    Peripheral(u32),
    /// One peripheral's benign noise bursts (by its slot; kept apart from its jitter so the
    /// rest of a fleet does not change with them).
    NoiseBurst(u32),
    /// Late and duplicate decisions.
    Emit,
    /// Whether a room leaves management.
    Lifecycle,
    /// What an applied update does to its target (update-time disconnects, a bad release's
    /// failures); separate from [`Stream::Updates`] so step outcomes stay as they were.
    UpdateEffects,
    /// The estate's bad day: when it falls (fleet-wide) and which room systems it takes offline.
    EstateOutage,
}

impl Stream {
    const fn code(self) -> u64 {
        match self {
            Stream::Estate => 1,
            Stream::Power => 2,
            Stream::Faults => 3,
            Stream::Rollouts => 4,
            Stream::Updates => 5,
            Stream::Calendar => 6,
            Stream::Logs => 7,
            Stream::SiteNetwork => 8,
            Stream::Heartbeat => 9,
            Stream::Emit => 10,
            Stream::Lifecycle => 11,
            Stream::UpdateEffects => 12,
            Stream::EstateOutage => 13,
            Stream::Peripheral(slot) => 0x1_0000 + slot as u64,
            Stream::NoiseBurst(slot) => 0x2_0000 + slot as u64,
        }
    }
}

/// The SplitMix64 finalizer: a bijection on `u64` with good avalanche.
pub(crate) const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// SplitMix64, used only to expand a key into xoshiro state.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.0)
    }
}

/// A xoshiro256++ generator with the distributions the simulator needs.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    s: [u64; 4],
    spare_normal: Option<f64>,
}

impl Rng {
    /// A generator seeded from one number.
    pub(crate) fn seeded(seed: u64) -> Self {
        let mut sm = SplitMix64(seed);
        let s = [sm.next(), sm.next(), sm.next(), sm.next()];
        Rng {
            s,
            spare_normal: None,
        }
    }

    /// The independent stream for `(seed, index, stream)`; `index` is a room or site index.
    pub(crate) fn stream(seed: u64, index: u64, stream: Stream) -> Self {
        let key = mix64(seed ^ 0x5851_f42d_4c95_7f2d);
        let key = mix64(key ^ mix64(index.wrapping_add(0x1405_7b7e_f767_814f)));
        let key = mix64(key ^ mix64(stream.code().wrapping_mul(0x2545_f491_4f6c_dd1d)));
        Rng::seeded(key)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[0]
            .wrapping_add(self.s[3])
            .rotate_left(23)
            .wrapping_add(self.s[0]);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    pub(crate) fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)`.
    pub(crate) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// Uniform integer in `[lo, hi]` (inclusive); `lo` when `hi < lo`.
    pub(crate) fn range_i64(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u64 + 1;
        // Lemire's multiply-high; the tiny bias is irrelevant for simulation.
        let r = ((u128::from(self.next_u64()) * u128::from(span)) >> 64) as u64;
        lo + r as i64
    }

    /// Uniform index in `[0, n)`; `n` must be positive.
    pub(crate) fn index(&mut self, n: usize) -> usize {
        self.range_i64(0, n as i64 - 1) as usize
    }

    /// True with probability `p`.
    pub(crate) fn bernoulli(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Standard normal by Box–Muller, keeping the second value for the next call.
    pub(crate) fn std_normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        let u1 = 1.0 - self.f64(); // (0, 1]: ln is finite
        let u2 = self.f64();
        let r = (-2.0 * u1.ln()).sqrt();
        let theta = std::f64::consts::TAU * u2;
        self.spare_normal = Some(r * theta.sin());
        r * theta.cos()
    }

    /// Normal with mean `mean` and standard deviation `sd`.
    pub(crate) fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        mean + sd * self.std_normal()
    }

    /// Exponential with mean `mean`.
    pub(crate) fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.f64()).ln()
    }

    /// Log-uniform in `[lo, hi)` (both positive): as many short as long values per decade.
    pub(crate) fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (self.uniform(lo.ln(), hi.ln())).exp()
    }

    /// Poisson with mean `mean` (Knuth's method, split for large means).
    pub(crate) fn poisson(&mut self, mean: f64) -> u64 {
        if mean <= 0.0 {
            return 0;
        }
        if mean > 30.0 {
            let x = self.normal(mean, mean.sqrt()).round();
            return if x < 0.0 { 0 } else { x as u64 };
        }
        let limit = (-mean).exp();
        let mut k = 0;
        let mut p = self.f64();
        while p > limit {
            k += 1;
            p *= self.f64();
        }
        k
    }

    /// One element of a non-empty slice, uniformly.
    pub(crate) fn choose<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// An index drawn with the given non-negative weights (the last one if all are zero).
    pub(crate) fn weighted_index(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// One element of a non-empty slice of `(item, weight)` pairs, by weight.
    pub(crate) fn choose_weighted<'a, T>(&mut self, items: &'a [(T, f64)]) -> &'a T {
        let mut total = 0.0;
        for (_, w) in items {
            total += w;
        }
        let mut x = self.f64() * total;
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoshiro_matches_the_reference_sequence() {
        // Reference: xoshiro256++ seeded with state [1, 2, 3, 4].
        let mut r = Rng {
            s: [1, 2, 3, 4],
            spare_normal: None,
        };
        // Worked by hand: rotl(1 + 4, 23) + 1, then rotl(7 + rotl(6, 45), 23) + 7.
        let got: Vec<u64> = (0..2).map(|_| r.next_u64()).collect();
        assert_eq!(got, vec![41_943_041, 58_720_359]);
    }

    #[test]
    fn streams_are_deterministic_and_independent() {
        let a: Vec<u64> = (0..4)
            .map(|_| Rng::stream(7, 3, Stream::Calendar).next_u64())
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut x = Rng::stream(7, 3, Stream::Calendar);
        let mut y = Rng::stream(7, 3, Stream::Logs);
        let mut z = Rng::stream(7, 4, Stream::Calendar);
        let mut w = Rng::stream(8, 3, Stream::Calendar);
        let first = x.next_u64();
        assert_ne!(first, y.next_u64());
        assert_ne!(first, z.next_u64());
        assert_ne!(first, w.next_u64());
        assert_ne!(
            Rng::stream(1, 0, Stream::Peripheral(0)).next_u64(),
            Rng::stream(1, 0, Stream::Peripheral(1)).next_u64()
        );
    }

    #[test]
    fn distributions_have_their_moments() {
        let mut r = Rng::seeded(42);
        let n = 200_000;
        let (mut s, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let x = r.normal(10.0, 2.0);
            s += x;
            s2 += x * x;
        }
        let mean = s / n as f64;
        let sd = (s2 / n as f64 - mean * mean).sqrt();
        assert!((mean - 10.0).abs() < 0.03, "{mean}");
        assert!((sd - 2.0).abs() < 0.03, "{sd}");

        let m: f64 = (0..n).map(|_| r.exponential(5.0)).sum::<f64>() / n as f64;
        assert!((m - 5.0).abs() < 0.1, "{m}");
        let p: f64 = (0..n).map(|_| r.poisson(3.0) as f64).sum::<f64>() / n as f64;
        assert!((p - 3.0).abs() < 0.05, "{p}");
        let b = (0..n).filter(|_| r.bernoulli(0.25)).count() as f64 / n as f64;
        assert!((b - 0.25).abs() < 0.01, "{b}");
        for _ in 0..1000 {
            let u = r.uniform(2.0, 3.0);
            assert!((2.0..3.0).contains(&u));
            let k = r.range_i64(-2, 2);
            assert!((-2..=2).contains(&k));
        }
    }

    #[test]
    fn weighted_choice_follows_weights() {
        let mut r = Rng::seeded(1);
        let items = [("a", 1.0), ("b", 0.0), ("c", 3.0)];
        let mut counts = [0; 3];
        for _ in 0..40_000 {
            match *r.choose_weighted(&items) {
                "a" => counts[0] += 1,
                "b" => counts[1] += 1,
                _ => counts[2] += 1,
            }
        }
        assert_eq!(counts[1], 0);
        let ratio = f64::from(counts[2]) / f64::from(counts[0]);
        assert!((ratio - 3.0).abs() < 0.2, "{ratio}");
        assert_eq!(r.weighted_index(&[0.0, 0.0]), 1);
    }
}
