//! Hamiltonian Monte Carlo on a potential `U(θ) = −log p(θ | data)` (up to a constant), in the
//! shape BlackJAX gives every sampler: a chain's state, and one transition that returns the next
//! state with what it saw (acceptance, energy error, divergence).
//!
//! A transition draws a momentum `p ~ N(0, M)` (diagonal mass `M`, kept as its inverse), runs
//! `L` leapfrog steps of size `ε` on `H = U(θ) + pᵀM⁻¹p/2`, and keeps the end point with
//! probability `min(1, exp(−ΔH))`. During warm-up, dual averaging (Hoffman and Gelman, 2014)
//! moves `log ε` until the mean acceptance reaches the target; a window in the middle of the
//! warm-up estimates each coordinate's variance, which becomes `M⁻¹` (regularised as Stan
//! does), after which the step size is searched and adapted again.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::maths::rng::Rng;

/// A log density to sample, as its potential.
pub trait Potential: Sync {
    /// Coordinates of `θ`.
    fn dim(&self) -> usize;
    /// `U(θ)`, with `∂U/∂θ` written into `grad`.
    fn value_and_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64;
}

/// How a chain runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HmcSettings {
    /// Warm-up transitions (adapting ε and the mass), not kept.
    pub warmup: usize,
    /// Transitions kept.
    pub samples: usize,
    /// Leapfrog steps per transition.
    pub leapfrog: usize,
    /// The mean acceptance the step size is adapted to.
    pub target_accept: f64,
}

/// What a chain saw while sampling (after its warm-up).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ChainInfo {
    /// Mean acceptance probability of the kept transitions.
    pub acceptance: f64,
    /// The step size after warm-up.
    pub step_size: f64,
    /// Kept transitions whose energy error exceeded [`DIVERGENCE`].
    pub divergences: usize,
    /// Evaluations of `U` and its gradient, warm-up included.
    pub gradient_evaluations: usize,
}

/// An energy error past this counts as a divergent trajectory.
pub const DIVERGENCE: f64 = 1000.0;

/// A point of the chain with its potential and gradient.
#[derive(Clone, Debug)]
pub struct State {
    pub theta: Vec<f64>,
    pub u: f64,
    pub grad: Vec<f64>,
}

impl State {
    /// The state at `theta`.
    pub fn at<P: Potential>(pot: &P, theta: Vec<f64>) -> Self {
        let mut grad = vec![0.0; theta.len()];
        let u = pot.value_and_grad(&theta, &mut grad);
        Self { theta, u, grad }
    }
}

/// `L` leapfrog steps of size `eps` from `(state, p)` under inverse mass `minv`, in place;
/// returns the energy `H` at the end.
pub fn leapfrog<P: Potential>(
    pot: &P,
    state: &mut State,
    p: &mut [f64],
    (eps, steps): (f64, usize),
    minv: &[f64],
) -> f64 {
    for (p, g) in p.iter_mut().zip(&state.grad) {
        *p -= 0.5 * eps * g;
    }
    for step in 0..steps {
        for ((t, p), m) in state.theta.iter_mut().zip(p.iter()).zip(minv) {
            *t += eps * m * p;
        }
        state.u = pot.value_and_grad(&state.theta, &mut state.grad);
        let kick = if step + 1 == steps { 0.5 } else { 1.0 };
        for (p, g) in p.iter_mut().zip(&state.grad) {
            *p -= kick * eps * g;
        }
    }
    energy(state.u, p, minv)
}

/// `U + pᵀM⁻¹p/2`.
pub fn energy(u: f64, p: &[f64], minv: &[f64]) -> f64 {
    u + 0.5 * p.iter().zip(minv).map(|(p, m)| p * p * m).sum::<f64>()
}

/// One transition's outcome.
#[derive(Clone, Copy, Debug)]
struct Step {
    accept_prob: f64,
    divergent: bool,
}

/// One HMC transition from `state`, in place.
fn transition<P: Potential>(
    pot: &P,
    state: &mut State,
    (eps, steps): (f64, usize),
    minv: &[f64],
    rng: &mut Rng,
) -> Step {
    let mut p: Vec<f64> = minv.iter().map(|m| rng.normal() / m.sqrt()).collect();
    let h0 = energy(state.u, &p, minv);
    let mut proposal = state.clone();
    let h1 = leapfrog(pot, &mut proposal, &mut p, (eps, steps), minv);
    let dh = h1 - h0;
    let divergent = !dh.is_finite() || dh > DIVERGENCE;
    let accept_prob = if divergent { 0.0 } else { (-dh).exp().min(1.0) };
    if rng.uniform() < accept_prob {
        *state = proposal;
    }
    Step {
        accept_prob,
        divergent,
    }
}

/// A step size whose single leapfrog step is accepted with probability near one half (Hoffman
/// and Gelman's heuristic), halving or doubling from `eps`.
fn reasonable_step(
    pot: &impl Potential,
    state: &State,
    minv: &[f64],
    mut eps: f64,
    rng: &mut Rng,
) -> f64 {
    let log_half = 0.5f64.ln();
    let log_accept = |eps: f64, rng: &mut Rng| {
        let mut p: Vec<f64> = minv.iter().map(|m| rng.normal() / m.sqrt()).collect();
        let h0 = energy(state.u, &p, minv);
        let h1 = leapfrog(pot, &mut state.clone(), &mut p, (eps, 1), minv);
        let d = h0 - h1;
        if d.is_finite() {
            d
        } else {
            f64::NEG_INFINITY
        }
    };
    let up = log_accept(eps, rng) > log_half;
    for _ in 0..60 {
        let next = if up { eps * 2.0 } else { eps / 2.0 };
        if (log_accept(next, rng) > log_half) != up {
            return if up { eps } else { next };
        }
        eps = next;
    }
    eps
}

/// Dual averaging of `log ε` towards a mean acceptance (Hoffman and Gelman, 2014, with their
/// constants γ = 0.05, t₀ = 10, κ = 0.75).
struct DualAveraging {
    mu: f64,
    target: f64,
    h_bar: f64,
    log_eps_bar: f64,
    t: f64,
}

impl DualAveraging {
    fn new(eps: f64, target: f64) -> Self {
        Self {
            mu: (10.0 * eps).ln(),
            target,
            h_bar: 0.0,
            log_eps_bar: 0.0,
            t: 0.0,
        }
    }

    /// The next step size after a transition accepted with probability `accept`.
    fn update(&mut self, accept: f64) -> f64 {
        self.t += 1.0;
        let w = 1.0 / (self.t + 10.0);
        self.h_bar = (1.0 - w) * self.h_bar + w * (self.target - accept);
        let log_eps = self.mu - self.t.sqrt() / 0.05 * self.h_bar;
        let eta = self.t.powf(-0.75);
        self.log_eps_bar = eta * log_eps + (1.0 - eta) * self.log_eps_bar;
        log_eps.exp()
    }

    /// The step size to sample with.
    fn settled(&self) -> f64 {
        self.log_eps_bar.exp()
    }
}

/// Each coordinate's running mean and variance (Welford).
struct Spread {
    n: f64,
    mean: Vec<f64>,
    m2: Vec<f64>,
}

impl Spread {
    fn add(&mut self, theta: &[f64]) {
        self.n += 1.0;
        for ((m, s), &x) in self.mean.iter_mut().zip(self.m2.iter_mut()).zip(theta) {
            let d = x - *m;
            *m += d / self.n;
            *s += d * (x - *m);
        }
    }

    /// The inverse mass: each variance shrunk towards 10⁻³ as Stan does, `(n·v + 5·10⁻³)/(n + 5)`.
    fn inverse_mass(&self) -> Vec<f64> {
        let n = self.n;
        self.m2
            .iter()
            .map(|s| (n / (n + 5.0)) * (s / (n - 1.0).max(1.0)) + 1e-3 * 5.0 / (n + 5.0))
            .collect()
    }
}

/// One chain from `start`: warm-up, then `samples` transitions, each kept state handed to
/// `keep`. Draws every momentum and acceptance from `rng`.
pub fn run_chain<P: Potential>(
    pot: &P,
    start: Vec<f64>,
    s: &HmcSettings,
    rng: &mut Rng,
    mut keep: impl FnMut(&[f64]),
) -> ChainInfo {
    let pot = &Counted {
        pot,
        n: AtomicUsize::new(0),
    };
    let d = pot.dim();
    let mut state = State::at(pot, start);
    let mut minv = vec![1.0; d];
    let mut eps = reasonable_step(pot, &state, &minv, 0.1, rng);
    let mut adapt = DualAveraging::new(eps, s.target_accept);
    // Stan's windows: step size alone for the first 15 %, the mass from the next 70 %, step
    // size alone again at the end.
    let (slow_start, slow_end) = (s.warmup * 15 / 100, s.warmup * 85 / 100);
    let mut spread = Spread {
        n: 0.0,
        mean: vec![0.0; d],
        m2: vec![0.0; d],
    };
    let mut info = ChainInfo::default();
    let mut accept_sum = 0.0;
    for i in 0..s.warmup + s.samples {
        let step = transition(pot, &mut state, (eps, s.leapfrog), &minv, rng);
        if i < s.warmup {
            eps = adapt.update(step.accept_prob);
            if (slow_start..slow_end).contains(&i) {
                spread.add(&state.theta);
            }
            if i + 1 == slow_end && spread.n >= 2.0 {
                minv = spread.inverse_mass();
                eps = reasonable_step(pot, &state, &minv, eps, rng);
                adapt = DualAveraging::new(eps, s.target_accept);
            }
            if i + 1 == s.warmup {
                eps = adapt.settled();
            }
        } else {
            accept_sum += step.accept_prob;
            info.divergences += usize::from(step.divergent);
            keep(&state.theta);
        }
    }
    info.acceptance = accept_sum / s.samples.max(1) as f64;
    info.step_size = eps;
    info.gradient_evaluations = pot.n.load(Ordering::Relaxed);
    info
}

/// A potential that counts its evaluations.
struct Counted<'p, P> {
    pot: &'p P,
    n: AtomicUsize,
}

impl<P: Potential> Potential for Counted<'_, P> {
    fn dim(&self) -> usize {
        self.pot.dim()
    }

    fn value_and_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        self.n.fetch_add(1, Ordering::Relaxed);
        self.pot.value_and_grad(theta, grad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bayesian linear regression `y = Φθ + N(0, s²)` with prior N(0, σp²·I): a potential
    /// whose posterior is Gaussian in closed form.
    struct Linear {
        phi: Vec<[f64; 3]>,
        y: Vec<f64>,
        s: f64,
        prior: f64,
    }

    impl Potential for Linear {
        fn dim(&self) -> usize {
            3
        }

        fn value_and_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
            let mut u = 0.0;
            for (g, t) in grad.iter_mut().zip(theta) {
                *g = t / self.prior.powi(2);
                u += t * t / (2.0 * self.prior.powi(2));
            }
            for (row, y) in self.phi.iter().zip(&self.y) {
                let r = row.iter().zip(theta).map(|(a, t)| a * t).sum::<f64>() - y;
                u += r * r / (2.0 * self.s * self.s);
                for (g, a) in grad.iter_mut().zip(row) {
                    *g += r * a / (self.s * self.s);
                }
            }
            u
        }
    }

    fn linear() -> Linear {
        let mut rng = Rng::new(3);
        let phi: Vec<[f64; 3]> = (0..20)
            .map(|_| {
                let x = rng.uniform_in(-1.0, 1.0);
                [1.0, x, x * x]
            })
            .collect();
        let y = phi
            .iter()
            .map(|r| 0.5 - r[1] + 2.0 * r[2] + 0.3 * rng.normal())
            .collect();
        Linear {
            phi,
            y,
            s: 0.3,
            prior: 1.0,
        }
    }

    /// The exact posterior: covariance `(ΦᵀΦ/s² + I/σp²)⁻¹`, mean `Σ·Φᵀy/s²`.
    #[allow(clippy::needless_range_loop)] // the matrix algebra reads best with its indices
    fn exact(l: &Linear) -> ([f64; 3], [[f64; 3]; 3]) {
        let mut a = [[0.0; 3]; 3];
        let mut b = [0.0; 3];
        for (i, row) in a.iter_mut().enumerate() {
            row[i] = 1.0 / l.prior.powi(2);
        }
        for (row, y) in l.phi.iter().zip(&l.y) {
            for i in 0..3 {
                b[i] += row[i] * y / l.s.powi(2);
                for j in 0..3 {
                    a[i][j] += row[i] * row[j] / l.s.powi(2);
                }
            }
        }
        // Inverse by Gauss–Jordan.
        let mut inv = [[0.0; 3]; 3];
        for (i, row) in inv.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        for c in 0..3 {
            let pivot = a[c][c];
            for j in 0..3 {
                a[c][j] /= pivot;
                inv[c][j] /= pivot;
            }
            for r in 0..3 {
                if r != c {
                    let f = a[r][c];
                    for j in 0..3 {
                        a[r][j] -= f * a[c][j];
                        inv[r][j] -= f * inv[c][j];
                    }
                }
            }
        }
        let mean = [0, 1, 2].map(|i| (0..3).map(|j| inv[i][j] * b[j]).sum());
        (mean, inv)
    }

    #[test]
    fn chains_on_a_linear_model_find_its_exact_posterior() {
        let l = linear();
        let (mean, cov) = exact(&l);
        let s = HmcSettings {
            warmup: 400,
            samples: 2000,
            leapfrog: 8,
            target_accept: 0.8,
        };
        let mut draws: Vec<Vec<f64>> = Vec::new();
        let mut acceptance = 0.0;
        for c in 0..4 {
            let info = run_chain(&l, vec![0.0; 3], &s, &mut Rng::new(100 + c), |t| {
                draws.push(t.to_vec())
            });
            acceptance += info.acceptance / 4.0;
            assert_eq!(info.divergences, 0);
        }
        assert!(
            (0.65..0.95).contains(&acceptance),
            "acceptance {acceptance}"
        );
        let n = draws.len() as f64;
        for i in 0..3 {
            let m = draws.iter().map(|d| d[i]).sum::<f64>() / n;
            let sd = cov[i][i].sqrt();
            // HMC draws here are close to independent; 8000 of them, with room for
            // autocorrelation: within 4 standard errors of 2000 effective draws.
            assert!(
                (m - mean[i]).abs() < 4.0 * sd / 2000f64.sqrt(),
                "mean {i}: {m} vs {}",
                mean[i]
            );
            for j in 0..3 {
                let mj = draws.iter().map(|d| d[j]).sum::<f64>() / n;
                let c = draws.iter().map(|d| (d[i] - m) * (d[j] - mj)).sum::<f64>() / n;
                let scale = (cov[i][i] * cov[j][j]).sqrt();
                assert!(
                    (c - cov[i][j]).abs() < 0.1 * scale,
                    "cov {i}{j}: {c} vs {}",
                    cov[i][j]
                );
            }
        }
    }

    #[test]
    fn the_leapfrogs_energy_error_shrinks_as_the_step_squared() {
        let l = linear();
        let (mean, _) = exact(&l);
        let minv = [0.01f64, 0.02, 0.05];
        let error = |eps: f64, steps: usize| {
            let mut rng = Rng::new(9);
            (0..20)
                .map(|_| {
                    let start: Vec<f64> = mean.iter().map(|m| m + 0.05 * rng.normal()).collect();
                    let mut state = State::at(&l, start);
                    let mut p: Vec<f64> = minv.iter().map(|m| rng.normal() / m.sqrt()).collect();
                    let h0 = energy(state.u, &p, &minv);
                    (leapfrog(&l, &mut state, &mut p, (eps, steps), &minv) - h0).abs()
                })
                .sum::<f64>()
        };
        // The same trajectory length, the step halved twice.
        let (e1, e2, e4) = (error(0.02, 10), error(0.01, 20), error(0.005, 40));
        for (big, small) in [(e1, e2), (e2, e4)] {
            let ratio = big / small;
            assert!(
                (3.2..4.8).contains(&ratio),
                "ratio {ratio} ({big} / {small})"
            );
        }
    }
}
