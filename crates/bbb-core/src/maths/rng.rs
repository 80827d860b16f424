//! A small seeded generator for everything the project draws on the host: the data set, the
//! initial weights, the shuffles and (on the CPU backends) the weight noise. Same seed, same
//! numbers, on every platform.
//!
//! The generator is `rand_xoshiro`'s xoshiro256++ (seeded through SplitMix64): `bbb-cli bench`
//! measured a hand-written copy no faster. Normals by the Box–Muller transform. A run's seed
//! forks one independent [`Stream`] per purpose, so drawing more of one (say, extra predictive
//! draws on the page) never shifts another (the training noise).

/// The separate random streams of a run, each forked from the run's seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// The data set: inputs, observation noise, the split.
    Data,
    /// The initial means of the weights.
    Init,
    /// The order of the mini-batches in each epoch.
    Shuffle,
    /// Weight draws of the training steps.
    TrainNoise,
    /// Weight draws of the per-epoch evaluation and the test.
    EvalNoise,
    /// Weight draws of the posterior predictive (the plots).
    PredictiveNoise,
    /// Weight draws of the functions shown before training (prior and initial posterior).
    FunctionNoise,
    /// Inputs a scenario draws again (outside its intervals) and the test inputs of a wider view.
    Scenario,
    /// Weight draws of the gradient's spread (`model/gradient_variance.rs`).
    GradientNoise,
    /// MC dropout's initial weights, shuffles and masks.
    Dropout,
    /// Each deep-ensemble member's initial weights and shuffles.
    Ensemble,
    /// Each HMC chain's start, momenta and acceptance draws.
    Hmc,
}

use rand_xoshiro::rand_core::{Rng as _, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// SplitMix64's output function: a bijection that scatters nearby inputs.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of `stream` under the run seed `seed`.
pub fn stream_seed(seed: u64, stream: Stream) -> u64 {
    mix(seed ^ mix(0x9E37_79B9_7F4A_7C15 ^ (stream as u64 + 1)))
}

/// The seed of one piece of work under a stream seed, fixed by the piece's `key` (say epoch,
/// split and batch) alone: whichever thread or worker draws it, and in whatever order, it draws
/// the same numbers.
pub fn keyed_seed(stream_seed: u64, key: &[u64]) -> u64 {
    key.iter().fold(mix(stream_seed), |s, &k| {
        mix(s ^ mix(k.wrapping_add(0x9E37_79B9_7F4A_7C15)))
    })
}

/// Seeded pseudo-random generator (xoshiro256++).
#[derive(Clone, Debug)]
pub struct Rng {
    inner: Xoshiro256PlusPlus,
    spare_normal: Option<f64>,
}

impl Rng {
    /// A generator whose whole stream is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            inner: Xoshiro256PlusPlus::seed_from_u64(seed),
            spare_normal: None,
        }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// The generator of `stream` for the run seed `seed`.
    pub fn stream(seed: u64, stream: Stream) -> Self {
        Self::new(stream_seed(seed, stream))
    }

    /// Uniform on `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform on `[low, high)`.
    pub fn uniform_in(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// Standard normal draw.
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        // 1 - u lies in (0, 1], so the log is finite.
        let r = (-2.0 * (1.0 - self.uniform()).ln()).sqrt();
        let theta = std::f64::consts::TAU * self.uniform();
        self.spare_normal = Some(r * theta.sin());
        r * theta.cos()
    }

    /// Uniform integer in `0..n` (Lemire's nearly-divisionless method, unbiased).
    pub fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        loop {
            let m = (self.next_u64() as u128) * (n as u128);
            let low = m as u64;
            if low >= n.wrapping_neg() % n {
                return (m >> 64) as usize;
            }
        }
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    /// A random permutation of `0..n`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        self.shuffle(&mut p);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let (mut a, mut b) = (Rng::new(13), Rng::new(13));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(13).next_u64(), Rng::new(14).next_u64());
    }

    /// Every stream, walked through a match that must name each one: a new variant does not
    /// compile until its arm says which stream follows it.
    fn every_stream() -> Vec<Stream> {
        use Stream::*;
        let mut all = vec![Data];
        loop {
            let next = match all[all.len() - 1] {
                Data => Init,
                Init => Shuffle,
                Shuffle => TrainNoise,
                TrainNoise => EvalNoise,
                EvalNoise => PredictiveNoise,
                PredictiveNoise => FunctionNoise,
                FunctionNoise => Scenario,
                Scenario => GradientNoise,
                GradientNoise => Dropout,
                Dropout => Ensemble,
                Ensemble => Hmc,
                Hmc => return all,
            };
            all.push(next);
        }
    }

    #[test]
    fn streams_of_one_seed_are_distinct() {
        use Stream::*;
        let all = every_stream();
        // The walk visits the streams in declaration order, none twice.
        for (i, &s) in all.iter().enumerate() {
            assert_eq!(s as usize, i, "{s:?} out of place");
        }
        let firsts: Vec<u64> = all.iter().map(|&s| Rng::stream(13, s).next_u64()).collect();
        for (i, a) in firsts.iter().enumerate() {
            assert!(firsts[i + 1..].iter().all(|b| b != a), "{firsts:?}");
        }
        assert_ne!(stream_seed(13, Data), stream_seed(14, Data));
        assert_eq!(
            Rng::stream(13, EvalNoise).next_u64(),
            Rng::stream(13, EvalNoise).next_u64()
        );
    }

    #[test]
    fn keyed_seeds_differ_by_every_part_of_the_key() {
        let base = stream_seed(13, Stream::EvalNoise);
        let mut seen = std::collections::HashSet::new();
        for epoch in 0..20u64 {
            for split in 0..3u64 {
                for batch in 0..10u64 {
                    assert!(seen.insert(keyed_seed(base, &[epoch, split, batch])));
                }
            }
        }
        // Swapped parts are different keys, and the stream matters.
        assert_ne!(keyed_seed(base, &[1, 2, 3]), keyed_seed(base, &[3, 2, 1]));
        assert_ne!(
            keyed_seed(base, &[1, 0, 0]),
            keyed_seed(stream_seed(14, Stream::EvalNoise), &[1, 0, 0])
        );
        assert_eq!(keyed_seed(base, &[4, 1, 2]), keyed_seed(base, &[4, 1, 2]));
    }

    #[test]
    fn moments_of_uniform_and_normal() {
        let mut rng = Rng::new(1);
        let n = 200_000;
        let (mut su, mut sn, mut sn2) = (0.0, 0.0, 0.0);
        for _ in 0..n {
            su += rng.uniform();
            let z = rng.normal();
            sn += z;
            sn2 += z * z;
        }
        let n = n as f64;
        assert!((su / n - 0.5).abs() < 0.005);
        assert!((sn / n).abs() < 0.01);
        assert!((sn2 / n - 1.0).abs() < 0.01);
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut p = Rng::new(5).permutation(1000);
        assert_ne!(p, (0..1000).collect::<Vec<_>>());
        p.sort_unstable();
        assert_eq!(p, (0..1000).collect::<Vec<_>>());
    }
}
