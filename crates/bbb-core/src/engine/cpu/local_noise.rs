//! The CPU engine's steps for the two estimators whose noise differs from example to example
//! (the maths is in `model/estimator.rs`): the local reparameterisation and Flipout. Each is a
//! layer of the host network (`network.rs`) with its own way back (`backprop.rs`'s
//! [`Backward`]); the chain rule on to (μ, ρ) and the KL's share are those of whole draws
//! (`step.rs`, [`kl_chain`]).
//!
//! - Local reparameterisation, `out = x·μ_W + μ_b + a∘z` with `a = √(x²·σ_W² + σ_b²)`: back
//!   from `g = ∂L/∂out`, `∂μ_W = xᵀ·g`, `∂μ_b = Σ g`; with `v = g∘z/(2a)`, `∂σ_W² = (x²)ᵀ·v`,
//!   `∂σ_b² = Σ v`; `∂x = g·μ_Wᵀ + 2x∘(v·σ_W²ᵀ)`; and `∂σ = 2σ·∂σ²`.
//! - Flipout, `out = x·μ_W + μ_b + ((x∘s)·ΔW + Δb)∘r` with `ΔW = σ_W∘E`: with `g' = g∘r`,
//!   `∂ΔW = (x∘s)ᵀ·g'`, `∂Δb = Σ g'`, `∂x = g·μ_Wᵀ + (g'·ΔWᵀ)∘s`; and `∂σ = Σ_draws ∂ΔW∘E`.
//!
//! The normals are consumed in burn's order (per layer, every draw's at once: for the local
//! reparameterisation `z [S, batch, out]`; for Flipout `E [S, in, out]`, `e [S, 1, out]`, then
//! the signs `s [S, batch, in]` and `r [S, batch, out]` of further normals), so a test holds
//! these gradients to burn's autodiff of `elbo_step_by` from the same seed.

use std::cell::RefCell;

use crate::engine::cpu::backprop::{squared_error_grads, Backward};
use crate::engine::cpu::network::{Dense, Layer};
use crate::engine::cpu::step::{kl_chain, HostGrad, HostParams, KlSlope};
use crate::maths::kernels::softplus_and_slope;
use crate::maths::normals::Normals;
use crate::model::elbo::ElboSettings;

/// A layer with the local reparameterisation trick.
struct Lrt<'a> {
    /// `μ_W`, `μ_b`.
    mean: Dense<'a>,
    /// `σ_W²`, `σ_b²`.
    var: Dense<'a>,
    /// This draw's normals, `[batch, out]`.
    z: &'a [f32],
    /// `a = √variance` of the last pass, `[batch, out]`, and its input squared, `[batch, in]`,
    /// kept for the way back.
    root: RefCell<Vec<f32>>,
    squared: RefCell<Vec<f32>>,
}

fn squares(x: &[f32]) -> Vec<f32> {
    x.iter().map(|v| v * v).collect()
}

impl Layer for Lrt<'_> {
    fn d_in(&self) -> usize {
        self.mean.d_in()
    }

    fn d_out(&self) -> usize {
        self.mean.d_out()
    }

    fn apply(&self, input: &[f32], out: &mut [f32]) {
        self.mean.apply(input, out);
        let mut root = self.root.borrow_mut();
        root.resize(out.len(), 0.0);
        let squared = squares(input);
        self.var.apply(&squared, &mut root);
        *self.squared.borrow_mut() = squared;
        for ((o, a), &z) in out.iter_mut().zip(root.iter_mut()).zip(self.z) {
            *a = a.sqrt();
            *o += *a * z;
        }
    }
}

impl Backward for Lrt<'_> {
    /// `[[∂μ_W, ∂μ_b], [∂σ_W², ∂σ_b²]]`.
    type Grad = [[Vec<f32>; 2]; 2];

    fn backward(
        &self,
        input: &[f32],
        g_out: &[f32],
        [g_mean, g_var]: &mut Self::Grad,
        want_input: bool,
    ) -> Vec<f32> {
        self.mean.add_grads(input, g_out, g_mean);
        let root = self.root.borrow();
        let v: Vec<f32> = g_out
            .iter()
            .zip(root.iter())
            .zip(self.z)
            .map(|((g, a), z)| if *a > 0.0 { g * z / (2.0 * a) } else { 0.0 })
            .collect();
        self.var.add_grads(&self.squared.borrow(), &v, g_var);
        if !want_input {
            return Vec::new();
        }
        let mut g_in = self.mean.input_grad(g_out);
        for ((g, t), x) in g_in.iter_mut().zip(self.var.input_grad(&v)).zip(input) {
            *g += 2.0 * x * t;
        }
        g_in
    }
}

/// A layer with Flipout.
struct Flipout<'a> {
    /// `μ_W`, `μ_b`.
    mean: Dense<'a>,
    /// This draw's `ΔW = σ_W∘E`, `Δb = σ_b∘e`.
    delta: Dense<'a>,
    /// The input signs, `[batch, in]`, and the output signs, `[batch, out]`.
    s: &'a [f32],
    r: &'a [f32],
    /// The last pass's input with its signs, `x∘s`, kept for the way back.
    signed: RefCell<Vec<f32>>,
}

fn times(a: &[f32], b: &[f32]) -> Vec<f32> {
    a.iter().zip(b).map(|(a, b)| a * b).collect()
}

impl Layer for Flipout<'_> {
    fn d_in(&self) -> usize {
        self.mean.d_in()
    }

    fn d_out(&self) -> usize {
        self.mean.d_out()
    }

    fn apply(&self, input: &[f32], out: &mut [f32]) {
        self.mean.apply(input, out);
        let mut t = vec![0.0f32; out.len()];
        let signed = times(input, self.s);
        self.delta.apply(&signed, &mut t);
        *self.signed.borrow_mut() = signed;
        for ((o, t), r) in out.iter_mut().zip(t).zip(self.r) {
            *o += t * r;
        }
    }
}

impl Backward for Flipout<'_> {
    /// `[[∂μ_W, ∂μ_b], [∂ΔW, ∂Δb]]`.
    type Grad = [[Vec<f32>; 2]; 2];

    fn backward(
        &self,
        input: &[f32],
        g_out: &[f32],
        [g_mean, g_delta]: &mut Self::Grad,
        want_input: bool,
    ) -> Vec<f32> {
        self.mean.add_grads(input, g_out, g_mean);
        let flipped = times(g_out, self.r);
        self.delta
            .add_grads(&self.signed.borrow(), &flipped, g_delta);
        if !want_input {
            return Vec::new();
        }
        let mut g_in = self.mean.input_grad(g_out);
        for ((g, t), s) in g_in
            .iter_mut()
            .zip(self.delta.input_grad(&flipped))
            .zip(self.s)
        {
            *g += t * s;
        }
        g_in
    }
}

/// One layer's posterior during a step: the values and, for weights then biases, `σ` and
/// `dσ/dρ`.
struct Spread<'a> {
    mu: [&'a [f32]; 2],
    sigma: [Vec<f32>; 2],
    slope: [Vec<f32>; 2],
}

impl<'a> Spread<'a> {
    fn new(layer: &'a [Vec<f32>]) -> Self {
        let [w_mu, w_rho, b_mu, b_rho] = layer else {
            panic!("four tensors per layer");
        };
        let spread = |rho: &[f32]| {
            let (mut sigma, mut slope) = (vec![0.0; rho.len()], vec![0.0; rho.len()]);
            softplus_and_slope(rho, &mut sigma, &mut slope);
            (sigma, slope)
        };
        let ((sw, dw), (sb, db)) = (spread(w_rho), spread(b_rho));
        Self {
            mu: [w_mu, b_mu],
            sigma: [sw, sb],
            slope: [dw, db],
        }
    }

    fn mean(&self) -> Dense<'a> {
        Dense {
            w: self.mu[0],
            b: self.mu[1],
        }
    }

    fn d_out(&self) -> usize {
        self.mu[1].len()
    }

    /// The four gradients `(∂μ_W, ∂ρ_W, ∂μ_b, ∂ρ_b)` from the sums over the draws of the
    /// network's gradients with respect to the means and the spreads.
    fn finish(&self, g_mu: [Vec<f32>; 2], g_sigma: [Vec<f32>; 2], kl: KlSlope) -> [HostGrad; 4] {
        let [mw, mb] = g_mu;
        let [sw, sb] = g_sigma;
        let (w_mu, w_rho) = kl_chain(self.mu[0], &self.sigma[0], &self.slope[0], mw, sw, kl);
        let (b_mu, b_rho) = kl_chain(self.mu[1], &self.sigma[1], &self.slope[1], mb, sb, kl);
        [Some(w_mu), Some(w_rho), Some(b_mu), Some(b_rho)]
    }
}

/// `[[zeros like μ_W, zeros like μ_b]; 2]` per layer.
fn zeros(spreads: &[Spread]) -> Vec<[[Vec<f32>; 2]; 2]> {
    spreads
        .iter()
        .map(|l| {
            let pair = || [vec![0.0; l.mu[0].len()], vec![0.0; l.mu[1].len()]];
            [pair(), pair()]
        })
        .collect()
}

/// `n` normals from `normals`.
fn drawn(normals: &mut Normals, n: usize) -> Vec<f32> {
    let mut v = vec![0.0; n];
    normals.fill(&mut v);
    v
}

/// `±1`: the signs of `n` normals (a zero counts as +1, as on burn's side).
fn signs(normals: &mut Normals, n: usize) -> Vec<f32> {
    let mut v = drawn(normals, n);
    v.iter_mut()
        .for_each(|z| *z = if *z >= 0.0 { 1.0 } else { -1.0 });
    v
}

impl HostParams {
    /// Gradients of the ELBO loss with the local reparameterisation, for `s.mc_samples` draws.
    ///
    /// # Shapes
    /// - x: `[batch, 9]` row-major, y: `[batch]`
    pub fn lrt_grads(
        &self,
        x: &[f32],
        y: &[f32],
        s: &ElboSettings,
        normals: &mut Normals,
    ) -> Vec<HostGrad> {
        let (draws, batch) = (s.mc_samples, y.len());
        let spreads: Vec<Spread> = self.values.chunks_exact(4).map(Spread::new).collect();
        let vars: Vec<[Vec<f32>; 2]> = spreads
            .iter()
            .map(|l| l.sigma.clone().map(|s| squares(&s)))
            .collect();
        let z: Vec<Vec<f32>> = spreads
            .iter()
            .map(|l| drawn(normals, draws * batch * l.d_out()))
            .collect();
        let mut grads = zeros(&spreads);
        let scale = 1.0 / (draws * batch) as f32;
        for draw in 0..draws {
            let layers: Vec<Lrt> = spreads
                .iter()
                .zip(&vars)
                .zip(&z)
                .map(|((l, [vw, vb]), z)| {
                    let n = batch * l.d_out();
                    Lrt {
                        mean: l.mean(),
                        var: Dense { w: vw, b: vb },
                        z: &z[draw * n..(draw + 1) * n],
                        root: RefCell::default(),
                        squared: RefCell::default(),
                    }
                })
                .collect();
            squared_error_grads(x, y, &layers, scale, &mut grads);
        }
        let kl = KlSlope::of(s);
        spreads
            .iter()
            .zip(grads)
            .flat_map(|(l, [g_mu, g_var])| {
                // ∂σ = 2σ·∂σ².
                let [gw, gb] = g_var;
                let g_sigma = [times(&gw, &l.sigma[0]), times(&gb, &l.sigma[1])]
                    .map(|g| g.iter().map(|v| 2.0 * v).collect());
                l.finish(g_mu, g_sigma, kl)
            })
            .collect()
    }

    /// Gradients of the ELBO loss with Flipout, for `s.mc_samples` draws.
    ///
    /// # Shapes
    /// - x: `[batch, 9]` row-major, y: `[batch]`
    pub fn flipout_grads(
        &self,
        x: &[f32],
        y: &[f32],
        s: &ElboSettings,
        normals: &mut Normals,
    ) -> Vec<HostGrad> {
        let (draws, batch) = (s.mc_samples, y.len());
        let spreads: Vec<Spread> = self.values.chunks_exact(4).map(Spread::new).collect();
        // Per layer: E, e, the input signs, the output signs, each for every draw.
        let noise: Vec<[Vec<f32>; 4]> = spreads
            .iter()
            .map(|l| {
                let (d_in, d_out) = (l.mu[0].len() / l.d_out(), l.d_out());
                [
                    drawn(normals, draws * d_in * d_out),
                    drawn(normals, draws * d_out),
                    signs(normals, draws * batch * d_in),
                    signs(normals, draws * batch * d_out),
                ]
            })
            .collect();
        let mut g_mu: Vec<[Vec<f32>; 2]> = zeros(&spreads).into_iter().map(|[m, _]| m).collect();
        let mut g_sigma = g_mu.clone();
        let scale = 1.0 / (draws * batch) as f32;
        for draw in 0..draws {
            let part = |v: &[f32], n: usize| v[draw * n..(draw + 1) * n].to_vec();
            // This draw's E, e and ΔW, Δb per layer.
            let eps: Vec<[Vec<f32>; 2]> = spreads
                .iter()
                .zip(&noise)
                .map(|(l, [e_w, e_b, ..])| [part(e_w, l.mu[0].len()), part(e_b, l.d_out())])
                .collect();
            let deltas: Vec<[Vec<f32>; 2]> = spreads
                .iter()
                .zip(&eps)
                .map(|(l, [e_w, e_b])| [times(&l.sigma[0], e_w), times(&l.sigma[1], e_b)])
                .collect();
            let layers: Vec<Flipout> = spreads
                .iter()
                .zip(&deltas)
                .zip(&noise)
                .map(|((l, [dw, db]), [_, _, s_in, r_out])| {
                    let (n_in, n_out) = (batch * l.mu[0].len() / l.d_out(), batch * l.d_out());
                    Flipout {
                        mean: l.mean(),
                        delta: Dense { w: dw, b: db },
                        s: &s_in[draw * n_in..(draw + 1) * n_in],
                        r: &r_out[draw * n_out..(draw + 1) * n_out],
                        signed: RefCell::default(),
                    }
                })
                .collect();
            let mut grads = zeros(&spreads);
            squared_error_grads(x, y, &layers, scale, &mut grads);
            for (((total_mu, total_sigma), [gm, gd]), e) in
                g_mu.iter_mut().zip(&mut g_sigma).zip(grads).zip(&eps)
            {
                for k in 0..2 {
                    total_mu[k]
                        .iter_mut()
                        .zip(&gm[k])
                        .for_each(|(t, g)| *t += g);
                    for ((t, g), e) in total_sigma[k].iter_mut().zip(&gd[k]).zip(&e[k]) {
                        *t += g * e;
                    }
                }
            }
        }
        let kl = KlSlope::of(s);
        spreads
            .iter()
            .zip(g_mu.into_iter().zip(g_sigma))
            .flat_map(|(l, (m, sg))| l.finish(m, sg, kl))
            .collect()
    }
}
