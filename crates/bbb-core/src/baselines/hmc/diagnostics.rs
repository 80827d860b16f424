//! Whether chains mixed, as Vehtari et al. (2021) measure it: the rank-normalised split-R̂ and
//! the bulk effective sample size.
//!
//! Each chain is cut in half (so that a chain drifting on its own shows as two that disagree),
//! the draws of all halves are replaced by the normal quantiles of their pooled ranks (so that
//! heavy tails do not hide), and R̂ compares the spread between halves with the spread within:
//! `R̂ = √(((n−1)/n·W + B/n) / W)`. The rank-normalised split-R̂ is the larger of that of the
//! draws and that of their distance from the median (which sees halves that differ in scale).
//! The bulk ESS is `m·n/τ` for the same rank-normalised halves, `τ = −1 + 2·Σ P_k` summing
//! Geyer's pairs of autocorrelations `P_k = ρ_{2k} + ρ_{2k+1}` while positive, made monotone,
//! with `ρ_t = 1 − (W − mean acov_t)/var⁺` combining the chains as Stan does.

use crate::posterior::calibration::normal_cdf;

/// Rank-normalised split-R̂ of `chains` (each at least 4 draws long, all the same length).
pub fn split_rhat(chains: &[Vec<f64>]) -> f64 {
    let halves = split(chains);
    let bulk = rhat(&rank_normalise(&halves));
    let median = median(halves.iter().flatten().copied().collect());
    let folded: Vec<Vec<f64>> = halves
        .iter()
        .map(|c| c.iter().map(|x| (x - median).abs()).collect())
        .collect();
    bulk.max(rhat(&rank_normalise(&folded)))
}

/// Bulk effective sample size of `chains` (as for [`split_rhat`]).
pub fn bulk_ess(chains: &[Vec<f64>]) -> f64 {
    ess(&rank_normalise(&split(chains)))
}

/// Each chain's two halves (the middle draw of an odd chain dropped).
fn split(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    chains
        .iter()
        .flat_map(|c| {
            let half = c.len() / 2;
            [c[..half].to_vec(), c[c.len() - half..].to_vec()]
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The draws replaced by `Φ⁻¹((r − 3/8)/(S + 1/4))` of their pooled ranks `r` (ties share
/// their mean rank), `S` draws in all.
fn rank_normalise(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut all: Vec<(f64, usize, usize)> = chains
        .iter()
        .enumerate()
        .flat_map(|(c, v)| v.iter().enumerate().map(move |(i, &x)| (x, c, i)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let s = all.len() as f64;
    let mut out: Vec<Vec<f64>> = chains.iter().map(|c| vec![0.0; c.len()]).collect();
    let mut start = 0;
    while start < all.len() {
        let mut end = start + 1;
        while end < all.len() && all[end].0 == all[start].0 {
            end += 1;
        }
        let rank = (start + 1 + end) as f64 / 2.0;
        let z = normal_quantile((rank - 0.375) / (s + 0.25));
        for &(_, c, i) in &all[start..end] {
            out[c][i] = z;
        }
        start = end;
    }
    out
}

/// Within-chain variance `W` (each chain's with `n − 1`), `var⁺ = (n−1)/n·W + B/n`.
fn variances(chains: &[Vec<f64>]) -> (f64, f64) {
    let m = chains.len() as f64;
    let n = chains[0].len() as f64;
    let means: Vec<f64> = chains.iter().map(|c| c.iter().sum::<f64>() / n).collect();
    let grand = means.iter().sum::<f64>() / m;
    let w = chains
        .iter()
        .zip(&means)
        .map(|(c, mu)| c.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1.0))
        .sum::<f64>()
        / m;
    let b_over_n = means.iter().map(|mu| (mu - grand).powi(2)).sum::<f64>() / (m - 1.0);
    (w, (n - 1.0) / n * w + b_over_n)
}

fn rhat(chains: &[Vec<f64>]) -> f64 {
    let (w, var_plus) = variances(chains);
    (var_plus / w).sqrt()
}

fn ess(chains: &[Vec<f64>]) -> f64 {
    let (m, n) = (chains.len(), chains[0].len());
    let (w, var_plus) = variances(chains);
    // Each chain's autocovariance at lag t, divided by n.
    let acov = |c: &Vec<f64>, t: usize| {
        let mu = c.iter().sum::<f64>() / n as f64;
        (0..n - t)
            .map(|i| (c[i] - mu) * (c[i + t] - mu))
            .sum::<f64>()
            / n as f64
    };
    let rho = |t: usize| {
        let mean_acov = chains.iter().map(|c| acov(c, t)).sum::<f64>() / m as f64;
        1.0 - (w - mean_acov) / var_plus
    };
    let mut tau = -1.0;
    let mut previous = f64::INFINITY;
    let mut t = 0;
    while t + 1 < n {
        let pair = if t == 0 {
            1.0 + rho(1)
        } else {
            rho(t) + rho(t + 1)
        };
        if pair < 0.0 {
            break;
        }
        let pair = pair.min(previous);
        tau += 2.0 * pair;
        previous = pair;
        t += 2;
    }
    let total = (m * n) as f64;
    total / tau.max(1.0 / total.log10())
}

/// `Φ⁻¹(p)`, the standard normal quantile: Acklam's rational approximation, then one Halley
/// step on [`normal_cdf`].
pub fn normal_quantile(p: f64) -> f64 {
    assert!(p > 0.0 && p < 1.0, "a probability strictly between 0 and 1");
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let poly = |coef: &[f64], x: f64| coef.iter().fold(0.0, |acc, c| acc * x + c);
    let tail = |q: f64| poly(&C, q) / (poly(&D, q) * q + 1.0);
    let low = 0.024_25;
    let x = if p < low {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - low {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        poly(&A, r) * q / (poly(&B, r) * r + 1.0)
    };
    let e = normal_cdf(x) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (0.5 * x * x).exp();
    x - u / (1.0 + 0.5 * x * u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maths::rng::Rng;

    /// `m` chains of `n` draws of an AR(1) process `x ← φ·x + √(1−φ²)·z` (stationary N(0, 1)),
    /// each shifted by its `shift`.
    fn ar1(m: usize, n: usize, phi: f64, shift: impl Fn(usize, usize) -> f64) -> Vec<Vec<f64>> {
        let mut rng = Rng::new(7);
        (0..m)
            .map(|c| {
                let mut x = rng.normal();
                (0..n)
                    .map(|i| {
                        x = phi * x + (1.0 - phi * phi).sqrt() * rng.normal();
                        x + shift(c, i)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_quantile_inverts_the_distribution_function() {
        for p in [1e-6, 0.001, 0.02, 0.024_25, 0.2, 0.5, 0.8, 0.975, 0.999_9] {
            let x = normal_quantile(p);
            assert!((normal_cdf(x) - p).abs() < 1e-12 * p.max(1e-3), "{p}: {x}");
        }
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-9);
    }

    #[test]
    fn independent_chains_have_rhat_one_and_every_draw_effective() {
        let chains = ar1(4, 1000, 0.0, |_, _| 0.0);
        let r = split_rhat(&chains);
        assert!(r < 1.01, "R̂ {r}");
        let ess = bulk_ess(&chains);
        assert!(
            (3400.0..4600.0).contains(&ess),
            "ESS {ess} of 4000 independent draws"
        );
    }

    #[test]
    fn autocorrelated_chains_have_the_ess_of_their_process() {
        // An AR(1) chain's ESS is n·(1 − φ)/(1 + φ): 4000·0.1/1.9 = 211.
        let chains = ar1(4, 1000, 0.9, |_, _| 0.0);
        let ess = bulk_ess(&chains);
        assert!(
            (211.0 * 0.75..211.0 * 1.25).contains(&ess),
            "ESS {ess}, expected about 211"
        );
        assert!(split_rhat(&chains) < 1.05);
    }

    #[test]
    fn chains_that_disagree_or_drift_are_caught() {
        // One chain 1.5 standard deviations off the others (one sd gives R̂ ≈ 1.09 by hand).
        let apart = ar1(4, 500, 0.0, |c, _| if c == 0 { 1.5 } else { 0.0 });
        assert!(split_rhat(&apart) > 1.1, "{}", split_rhat(&apart));
        // Every chain drifting the same way: the halves disagree, whole chains would not.
        let drift = ar1(4, 500, 0.0, |_, i| 2.0 * i as f64 / 500.0);
        assert!(split_rhat(&drift) > 1.1, "{}", split_rhat(&drift));
        // Chains with the same centre but different spread: only the folded draws see it.
        let mut spread = ar1(4, 500, 0.0, |_, _| 0.0);
        for x in &mut spread[0] {
            *x *= 3.0;
        }
        assert!(split_rhat(&spread) > 1.1, "{}", split_rhat(&spread));
    }
}
