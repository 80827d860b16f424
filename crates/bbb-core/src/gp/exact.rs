//! Exact Gaussian-process regression in one input dimension, the non-parametric baseline for
//! Bayes-by-Backprop: y = m + f(x) + ε with m the mean of y, f ~ GP(0, k),
//! k(a, b) = σf² exp(−(a − b)² / (2ℓ²)) and ε ~ N(0, σn²). With K the kernel matrix of the
//! training inputs, L the Cholesky factor of K + σn² I and α = (K + σn² I)⁻¹ (y − m), the
//! prediction at x* has mean m + k*ᵀα, latent variance k(x*, x*) − ‖L⁻¹k*‖² (clamped at 0) and
//! total variance latent + σn², and log p(y | x) = −½ (y − m)ᵀα − Σ log Lᵢᵢ − (n/2) log 2π.

use std::f64::consts::PI;
use std::fmt;

use nalgebra::{Cholesky, DMatrix, DVector, Dyn};

/// Most points the hyperparameter search evaluates the marginal likelihood on.
pub const SUBSAMPLE: usize = 120;

/// Jitter added to the diagonal of K + σn² I, relative to σf², for numerical safety only: it
/// keeps the Cholesky factorisation stable when the noise is tiny next to the signal.
const JITTER: f64 = 1e-10;

/// The search grid: lengthscales from 0.05·R to 2·R (R the range of x), log-spaced.
const LENGTHSCALE_GRID: (f64, f64, usize) = (0.05, 2.0, 16);
/// The search grid: noise sds from 0.003·s to 1·s (s the population sd of y), log-spaced.
const NOISE_GRID: (f64, f64, usize) = (0.003, 1.0, 10);

/// Kernel and noise hyperparameters, in the units of x and y.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hyper {
    /// RBF lengthscale ℓ, in units of x.
    pub lengthscale: f64,
    /// Prior sd σf of the latent function, in units of y.
    pub signal_sd: f64,
    /// Observation-noise sd σn, in units of y.
    pub noise_sd: f64,
}

impl Hyper {
    /// Err unless every hyperparameter is finite and positive.
    fn check(&self) -> Result<(), GpError> {
        for (name, value) in [
            ("lengthscale", self.lengthscale),
            ("signal_sd", self.signal_sd),
            ("noise_sd", self.noise_sd),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(GpError(format!(
                    "the GP hyperparameter {name} must be finite and positive, but it is {value}"
                )));
            }
        }
        Ok(())
    }

    /// k(a, b) = σf² exp(−(a − b)² / (2ℓ²)).
    fn kernel(&self, a: f64, b: f64) -> f64 {
        let d = (a - b) / self.lengthscale;
        self.signal_sd * self.signal_sd * (-0.5 * d * d).exp()
    }

    /// The matrix k(a_i, b_j), a.len() × b.len().
    fn kernel_matrix(&self, a: &[f64], b: &[f64]) -> DMatrix<f64> {
        DMatrix::from_fn(a.len(), b.len(), |i, j| self.kernel(a[i], b[j]))
    }
}

/// How the hyperparameters were chosen (for the page and the CLI to state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chosen {
    /// The caller gave them ([`Gp::fit`]).
    Given,
    /// The best of a fixed grid by log marginal likelihood ([`Gp::fit_marginal_likelihood`]).
    MarginalLikelihood,
}

/// An exact GP posterior, fitted to training points.
#[derive(Clone, Debug)]
pub struct Gp {
    /// Training inputs.
    x: Vec<f64>,
    /// Lower Cholesky factor L of K + (σn² + jitter) I.
    l: DMatrix<f64>,
    /// α = (K + σn² I)⁻¹ (y − m).
    alpha: DVector<f64>,
    /// The constant prior mean m, the mean of the training y.
    y_mean: f64,
    hyper: Hyper,
    chosen: Chosen,
    /// log p(y | x, hyper) of the training points.
    lml: f64,
}

/// Predictions at test inputs, one entry per input.
#[derive(Clone, Debug, PartialEq)]
pub struct GpPrediction {
    /// Posterior predictive mean m + k*ᵀα.
    pub mean: Vec<f64>,
    /// Posterior sd of the latent function f(x*).
    pub latent_sd: Vec<f64>,
    /// Predictive sd of a new observation y*: sqrt(latent variance + σn²).
    pub total_sd: Vec<f64>,
}

/// Why a GP could not be fitted, in words for a person.
#[derive(Debug, Clone, PartialEq)]
pub struct GpError(pub String);

impl fmt::Display for GpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GpError {}

/// Err unless x and y are equally long, non-empty and finite.
fn check_data(x: &[f64], y: &[f64]) -> Result<(), GpError> {
    if x.len() != y.len() {
        return Err(GpError(format!(
            "x and y must have the same length, but x has {} points and y has {}",
            x.len(),
            y.len()
        )));
    }
    if x.is_empty() {
        return Err(GpError(
            "a GP needs at least 1 training point, but none were given".into(),
        ));
    }
    for (name, values) in [("x", x), ("y", y)] {
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(GpError(format!(
                "every {name} must be a finite number, but {name}[{i}] is {}",
                values[i]
            )));
        }
    }
    Ok(())
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// What one factorisation of K + σn² I yields.
struct Factored {
    l: DMatrix<f64>,
    alpha: DVector<f64>,
    lml: f64,
}

/// Factorises `k` + (σn² + jitter) I and solves for α against the centred targets `r`.
fn factorise(mut k: DMatrix<f64>, r: &DVector<f64>, hyper: Hyper) -> Result<Factored, GpError> {
    let n = r.len();
    let diagonal = hyper.noise_sd.powi(2) + JITTER * hyper.signal_sd.powi(2);
    for i in 0..n {
        k[(i, i)] += diagonal;
    }
    let not_pd =
        || GpError("the kernel matrix is not positive definite; try a larger noise".into());
    let chol: Cholesky<f64, Dyn> = Cholesky::new(k).ok_or_else(not_pd)?;
    let alpha = chol.solve(r);
    let l = chol.unpack();
    let log_det_half: f64 = l.diagonal().iter().map(|d| d.ln()).sum();
    let lml = -0.5 * r.dot(&alpha) - log_det_half - 0.5 * n as f64 * (2.0 * PI).ln();
    if !lml.is_finite() {
        return Err(not_pd());
    }
    Ok(Factored { l, alpha, lml })
}

/// y − m as a vector, with m the mean of y.
fn centred(y: &[f64]) -> (f64, DVector<f64>) {
    let m = mean(y);
    (m, DVector::from_iterator(y.len(), y.iter().map(|v| v - m)))
}

/// `count` values log-spaced from `lo` to `hi` inclusive; the `i`-th of them.
fn log_spaced(lo: f64, hi: f64, count: usize, i: usize) -> f64 {
    (lo.ln() + (hi / lo).ln() * i as f64 / (count - 1) as f64).exp()
}

/// log p(y | x, hyper) under the model of this module (prior mean = mean of y).
pub fn log_marginal_likelihood(x: &[f64], y: &[f64], hyper: Hyper) -> Result<f64, GpError> {
    check_data(x, y)?;
    hyper.check()?;
    let (_, r) = centred(y);
    Ok(factorise(hyper.kernel_matrix(x, x), &r, hyper)?.lml)
}

impl Gp {
    /// Exact GP with the given hyperparameters; the prior mean is the mean of y (a constant).
    pub fn fit(x: &[f64], y: &[f64], hyper: Hyper) -> Result<Gp, GpError> {
        check_data(x, y)?;
        hyper.check()?;
        let (y_mean, r) = centred(y);
        let Factored { l, alpha, lml } = factorise(hyper.kernel_matrix(x, x), &r, hyper)?;
        Ok(Gp {
            x: x.to_vec(),
            l,
            alpha,
            y_mean,
            hyper,
            chosen: Chosen::Given,
            lml,
        })
    }

    /// Hyperparameters by maximising the log marginal likelihood over a fixed grid, evaluated on an evenly strided subsample of at most [`SUBSAMPLE`] points (every ceil(n / SUBSAMPLE)-th point in the given order), then the exact fit on all points.
    pub fn fit_marginal_likelihood(x: &[f64], y: &[f64]) -> Result<Gp, GpError> {
        check_data(x, y)?;
        // Grid scales from all the data: s = population sd of y, R = range of x.
        let m = mean(y);
        let s = (y.iter().map(|v| (v - m).powi(2)).sum::<f64>() / y.len() as f64)
            .sqrt()
            .max(1e-12);
        let (lo, hi) = x
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let range = (hi - lo).max(1e-6);

        let stride = x.len().div_ceil(SUBSAMPLE);
        let xs: Vec<f64> = x.iter().step_by(stride).copied().collect();
        let ys: Vec<f64> = y.iter().step_by(stride).copied().collect();
        let (_, r) = centred(&ys);

        let (l_lo, l_hi, l_count) = LENGTHSCALE_GRID;
        let (n_lo, n_hi, n_count) = NOISE_GRID;
        let mut best: Option<(f64, Hyper)> = None;
        for i in 0..l_count {
            let lengthscale = log_spaced(l_lo * range, l_hi * range, l_count, i);
            // K depends on the lengthscale and signal only: build it once per lengthscale.
            let k = Hyper {
                lengthscale,
                signal_sd: s,
                noise_sd: 1.0,
            }
            .kernel_matrix(&xs, &xs);
            for j in 0..n_count {
                let hyper = Hyper {
                    lengthscale,
                    signal_sd: s,
                    noise_sd: log_spaced(n_lo * s, n_hi * s, n_count, j),
                };
                // A grid point whose matrix is not positive definite is simply skipped.
                if let Ok(f) = factorise(k.clone(), &r, hyper) {
                    if best.is_none_or(|(lml, _)| f.lml > lml) {
                        best = Some((f.lml, hyper));
                    }
                }
            }
        }
        let (_, hyper) = best.ok_or_else(|| {
            GpError(
                "no hyperparameters on the search grid gave a positive-definite kernel matrix"
                    .into(),
            )
        })?;
        let mut gp = Gp::fit(x, y, hyper)?;
        gp.chosen = Chosen::MarginalLikelihood;
        Ok(gp)
    }

    /// Posterior mean, latent sd and total sd at each of `xs` (all solved at once).
    pub fn predict(&self, xs: &[f64]) -> GpPrediction {
        // The n × m cross-kernel K*, column j = k* of xs[j].
        let mut cross = self.hyper.kernel_matrix(&self.x, xs);
        let mean: Vec<f64> = cross
            .tr_mul(&self.alpha)
            .iter()
            .map(|v| self.y_mean + v)
            .collect();
        // One triangular solve for every test point: cross ← L⁻¹ K*.
        let solved = self.l.solve_lower_triangular_mut(&mut cross);
        assert!(solved, "a Cholesky factor has a positive diagonal");
        let prior_var = self.hyper.signal_sd.powi(2);
        let noise_var = self.hyper.noise_sd.powi(2);
        let latent_var: Vec<f64> = cross
            .column_iter()
            .map(|v| (prior_var - v.norm_squared()).max(0.0))
            .collect();
        GpPrediction {
            mean,
            latent_sd: latent_var.iter().map(|v| v.sqrt()).collect(),
            total_sd: latent_var.iter().map(|v| (v + noise_var).sqrt()).collect(),
        }
    }

    /// The hyperparameters of this fit.
    pub fn hyper(&self) -> Hyper {
        self.hyper
    }

    /// How the hyperparameters were chosen.
    pub fn chosen(&self) -> Chosen {
        self.chosen
    }

    /// log p(y | x, hyper) of the points it was fitted on.
    pub fn log_marginal_likelihood(&self) -> f64 {
        self.lml
    }

    /// Number of training points.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether there are no training points (never, for a fitted GP).
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_xoshiro::rand_core::{Rng as _, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Uniform in (0, 1], from the top 53 bits.
    fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
        ((rng.next_u64() >> 11) as f64 + 1.0) * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal by Box–Muller.
    fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
        let (u1, u2) = (uniform(rng), uniform(rng));
        (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
    }

    /// `n` points of y = sin(x) + 0.1·N(0, 1), x uniform on [−4, 4].
    fn sine_data(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let x: Vec<f64> = (0..n).map(|_| -4.0 + 8.0 * uniform(&mut rng)).collect();
        let y = x.iter().map(|v| v.sin() + 0.1 * normal(&mut rng)).collect();
        (x, y)
    }

    #[test]
    fn two_points_match_the_closed_form() {
        // By hand: x = [0, 1], y = [2, 0], ℓ = 1, σf = 1, σn = 0.5.
        //   m = 1, r = y − m = [1, −1].
        //   c = k(0, 1) = e^{−1/2} ≈ 0.6065306597; K = [[1, c], [c, 1]].
        //   A = K + (σn² + jitter) I = [[d, c], [c, d]] with d = 1 + 0.25 + 1e-10 (the jitter is
        //   1e-10·σf², part of the model as implemented).
        //   det A = d² − c² ≈ 1.5625 − e^{−1} ≈ 1.1946205588; adj A = [[d, −c], [−c, d]];
        //   A⁻¹ = adj A / det A.
        //   α = A⁻¹ r = [d + c, −c − d] / det = [1, −1] / (d − c) ≈ [1.554075, −1.554075].
        //   At x* = 0.5: k* = [e^{−1/8}, e^{−1/8}], mean = m + k*ᵀα = 1 (symmetry),
        //     latent var = 1 − k*ᵀA⁻¹k* = 1 − e^{−1/4}·2(d − c)/det = 1 − 2e^{−1/4}/(d + c)
        //     ≈ 1 − 0.838985 = 0.161015.
        //   At x* = 3: k* = [e^{−9/2}, e^{−2}] ≈ [0.0111090, 0.1353353],
        //     mean = 1 + (k₁ − k₂)/(d − c) ≈ 1 − 0.193057 = 0.806943,
        //     latent var = 1 − (d k₁² + d k₂² − 2c k₁k₂)/det ≈ 0.982233.
        //   log p(y) = −½ rᵀA⁻¹r − ½ log det A − log 2π
        //     = −½·(2d + 2c)/det − ½ log det − log 2π ≈ −1.554076 − 0.088914 − 1.837877.
        let hyper = Hyper {
            lengthscale: 1.0,
            signal_sd: 1.0,
            noise_sd: 0.5,
        };
        let gp = Gp::fit(&[0.0, 1.0], &[2.0, 0.0], hyper).unwrap();

        let m = 1.0;
        let r = [1.0, -1.0];
        let c = (-0.5f64).exp();
        let d = 1.0 + 0.25 + 1e-10;
        let det = d * d - c * c;
        // uᵀ A⁻¹ v with A⁻¹ = adj A / det.
        let quad = |u: [f64; 2], v: [f64; 2]| {
            (u[0] * (d * v[0] - c * v[1]) + u[1] * (-c * v[0] + d * v[1])) / det
        };
        let k_star = |xs: f64| {
            [
                (-0.5 * xs * xs).exp(),
                (-0.5 * (xs - 1.0) * (xs - 1.0)).exp(),
            ]
        };

        let pred = gp.predict(&[0.5, 3.0]);
        for (j, xs) in [0.5, 3.0].into_iter().enumerate() {
            let ks = k_star(xs);
            let want_mean = m + quad(ks, r);
            let want_var = 1.0 - quad(ks, ks);
            assert!((pred.mean[j] - want_mean).abs() < 1e-12, "{xs}: {pred:?}");
            let var = pred.latent_sd[j].powi(2);
            assert!((var - want_var).abs() < 1e-12, "{xs}: {var} vs {want_var}");
            let total = pred.total_sd[j].powi(2);
            assert!((total - (want_var + 0.25)).abs() < 1e-12, "{xs}: {total}");
        }
        // The rounded hand values, as a sanity check on the closed form itself.
        assert!((pred.mean[1] - 0.806943).abs() < 1e-6);
        assert!((pred.latent_sd[0].powi(2) - 0.161015).abs() < 1e-6);

        let want_lml = -0.5 * quad(r, r) - 0.5 * det.ln() - (2.0 * PI).ln();
        assert!((gp.log_marginal_likelihood() - want_lml).abs() < 1e-12);
        let free = log_marginal_likelihood(&[0.0, 1.0], &[2.0, 0.0], hyper).unwrap();
        assert!((free - want_lml).abs() < 1e-12);
        assert_eq!((gp.len(), gp.is_empty()), (2, false));
        assert_eq!((gp.hyper(), gp.chosen()), (hyper, Chosen::Given));
    }

    #[test]
    fn far_from_the_data_it_returns_to_the_prior() {
        let (x, y) = sine_data(50, 7);
        let hyper = Hyper {
            lengthscale: 1.0,
            signal_sd: 0.8,
            noise_sd: 0.1,
        };
        let gp = Gp::fit(&x, &y, hyper).unwrap();
        let pred = gp.predict(&[50.0, 0.0]);
        assert!((pred.mean[0] - mean(&y)).abs() < 1e-12, "{pred:?}");
        assert!((pred.latent_sd[0] - 0.8).abs() < 1e-12, "{pred:?}");
        let total = (0.8f64.powi(2) + 0.1f64.powi(2)).sqrt();
        assert!((pred.total_sd[0] - total).abs() < 1e-12, "{pred:?}");
        // Near the data it is much more certain than the prior.
        assert!(pred.latent_sd[1] < 0.2, "{pred:?}");
    }

    #[test]
    fn with_tiny_noise_the_mean_interpolates() {
        let x = [0.0, 0.7, 1.5, 2.0, 3.1, 4.0];
        let y = [0.3, -1.2, 0.8, 2.5, 1.0, -0.4];
        let hyper = Hyper {
            lengthscale: 1.0,
            signal_sd: 1.5,
            noise_sd: 1e-6,
        };
        let gp = Gp::fit(&x, &y, hyper).unwrap();
        let pred = gp.predict(&x);
        for (i, yi) in y.iter().enumerate() {
            assert!((pred.mean[i] - yi).abs() < 1e-6, "{i}: {pred:?}");
            assert!(pred.latent_sd[i] < 1e-4, "{i}: {pred:?}");
        }
        // Between the points it is uncertain again.
        assert!(gp.predict(&[5.5]).latent_sd[0] > 0.3);
    }

    #[test]
    fn marginal_likelihood_finds_the_noise_and_lengthscale() {
        let (x, y) = sine_data(300, 42);
        let gp = Gp::fit_marginal_likelihood(&x, &y).unwrap();
        let h = gp.hyper();
        assert_eq!(gp.chosen(), Chosen::MarginalLikelihood);
        assert_eq!(gp.len(), 300);
        assert!(h.noise_sd > 0.05 && h.noise_sd < 0.2, "{h:?}");
        assert!(h.lengthscale > 0.3 && h.lengthscale < 3.0, "{h:?}");

        let range = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
            - x.iter().cloned().fold(f64::INFINITY, f64::min);
        let wiggly = Hyper {
            lengthscale: 0.05 * range,
            ..h
        };
        let noisy = Hyper { noise_sd: 1.0, ..h };
        let best = gp.log_marginal_likelihood();
        assert!(best > log_marginal_likelihood(&x, &y, wiggly).unwrap() + 1.0);
        assert!(best > log_marginal_likelihood(&x, &y, noisy).unwrap() + 1.0);
    }

    #[test]
    fn bad_input_is_an_error_that_says_why() {
        let hyper = Hyper {
            lengthscale: 1.0,
            signal_sd: 1.0,
            noise_sd: 0.1,
        };
        let err = Gp::fit(&[0.0, 1.0], &[1.0], hyper).unwrap_err();
        assert!(err.to_string().contains("same length"), "{err}");
        let err = Gp::fit(&[0.0, 1.0], &[1.0, f64::NAN], hyper).unwrap_err();
        assert!(err.to_string().contains("y[1] is NaN"), "{err}");
        let zero = Hyper {
            lengthscale: 0.0,
            ..hyper
        };
        let err = Gp::fit(&[0.0, 1.0], &[1.0, 2.0], zero).unwrap_err();
        assert!(err.to_string().contains("lengthscale"), "{err}");
        let err = Gp::fit_marginal_likelihood(&[], &[]).unwrap_err();
        assert!(err.to_string().contains("at least 1"), "{err}");
        let err = log_marginal_likelihood(&[f64::INFINITY], &[1.0], hyper).unwrap_err();
        assert!(err.to_string().contains("x[0] is inf"), "{err}");
    }

    /// Native timings (run with `--ignored --nocapture`); no assertions on time.
    #[test]
    #[ignore]
    fn timing() {
        for n in [200, 800] {
            let (x, y) = sine_data(n, 1);
            let grid: Vec<f64> = (0..100).map(|i| -4.0 + 0.08 * i as f64).collect();
            let test: Vec<f64> = x.iter().take(200).map(|v| v + 0.01).collect();
            let all: Vec<f64> = grid.iter().chain(&test).copied().collect();
            let t = std::time::Instant::now();
            let gp = Gp::fit_marginal_likelihood(&x, &y).unwrap();
            let fit_ms = t.elapsed().as_secs_f64() * 1e3;
            let t = std::time::Instant::now();
            let _ = Gp::fit(&x, &y, gp.hyper()).unwrap();
            let exact_ms = t.elapsed().as_secs_f64() * 1e3;
            let t = std::time::Instant::now();
            let pred = gp.predict(&all);
            let predict_ms = t.elapsed().as_secs_f64() * 1e3;
            println!(
                "n = {n}: fit_marginal_likelihood {fit_ms:.1} ms (of which exact fit {exact_ms:.1} ms), predict {} points {predict_ms:.1} ms",
                pred.mean.len()
            );
        }
    }
}
