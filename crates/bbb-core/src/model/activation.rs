//! SiLU on burn tensors, in the two forms the passes made of burn's ops use: on a GPU burn's
//! own element-wise ops ([`silu`]); on the CPU backends the exponential taken on the host by
//! the vectorised kernel ([`silu_tracked_host`]), with the slope entering burn's graph as a
//! constant factor so autodiff still sees SiLU's exact gradient.

use burn::tensor::{Tensor, TensorData};

use crate::maths::kernels::{silu_and_slope, silu_in_place};

/// SiLU, `x·σ(x) = x / (1 + e^(−x))`.
///
/// Written out instead of burn's `silu` because on the CPU backends this form is about twice as
/// fast (one branch-free exponential per element); `e^(−x)` overflowing to ∞ for very negative
/// `x` still gives the right limit, `x / ∞ = −0`.
pub fn silu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    x.clone().neg().exp().add_scalar(1.0).recip() * x
}

/// SiLU of a tensor computed on the host: the values are read back, transformed and uploaded
/// again. Only for tensors already in host memory (the CPU backends) and not tracked for
/// gradients.
pub fn silu_host<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let device = x.device();
    let shape = x.shape();
    let mut values = x
        .into_data()
        .try_into_vec::<f32>()
        .expect("the network's activations are f32");
    silu_in_place(&mut values);
    Tensor::from_data(TensorData::new(values, shape), &device)
}

/// SiLU of a tensor that may be tracked for gradients, with the exponential on the host (the
/// CPU backends). The value and the slope `d` are computed from `x`'s values, and the result is
/// built as `silu(x̄) + (x − x̄)·d`, `x̄` being `x` cut from the graph: its value is exactly
/// `silu(x̄)` (`x − x̄` is zero) and its gradient with respect to `x` is exactly `d`. Three
/// element-wise ops forward and one backward, against burn's five and four with a scalar
/// exponential per element.
pub fn silu_tracked_host<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if !x.is_autodiff() {
        return silu_host(x);
    }
    let device = x.device();
    let shape = x.shape();
    let bare = x.clone().detach();
    let values = bare
        .clone()
        .into_data()
        .try_into_vec::<f32>()
        .expect("the network's activations are f32");
    let (value, slope) = silu_and_slope(&values);
    let value = Tensor::from_data(TensorData::new(value, shape.clone()), &device);
    let slope = Tensor::from_data(TensorData::new(slope, shape), &device);
    value + (x - bare) * slope
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backend::test_device;
    use crate::maths::reference;

    #[test]
    fn silu_matches_burns_and_its_limits() {
        let device = test_device();
        let x = Tensor::<1>::from_floats([-200.0, -20.0, -1.0, 0.0, 0.5, 3.0, 200.0], &device);
        let ours: Vec<f32> = silu(x.clone())
            .into_data()
            .try_into_vec_as::<f32>()
            .unwrap();
        let burns: Vec<f32> = burn::tensor::activation::silu(x)
            .into_data()
            .try_into_vec_as::<f32>()
            .unwrap();
        for (a, b) in ours.iter().zip(&burns) {
            assert!(
                a.is_finite() && (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                "{a} vs {b}"
            );
        }
        assert_eq!(ours[3], 0.0);
        assert_eq!(ours[6], 200.0);
    }

    #[test]
    fn silu_on_the_host_agrees_with_the_tensor_form() {
        let device = crate::config::backend::test_device();
        let x = Tensor::<3>::from_floats(
            [[[-30.0, -2.5, -0.1, 0.0], [0.7, 3.0, 15.0, 40.0]]],
            &device,
        );
        let ours: Vec<f32> = silu_host(x.clone()).into_data().try_into_vec().unwrap();
        let burns: Vec<f32> = silu(x).into_data().try_into_vec().unwrap();
        assert_eq!(ours.len(), 8);
        for (a, b) in ours.iter().zip(&burns) {
            assert!((a - b).abs() <= 4e-7 * b.abs().max(1e-6), "{a} vs {b}");
        }
    }

    /// The tracked host SiLU inside a graph: its value is SiLU's and the gradient that flows
    /// back through it is `w·silu'(x)`, against the exact function in f64 and against burn's
    /// autodiff of the tensor form.
    #[test]
    fn tracked_silu_on_the_host_has_silus_value_and_gradient() {
        let device = crate::config::backend::test_device();
        let xs = [-30.0f32, -4.0, -1.3, -0.2, 0.0, 0.4, 1.7, 5.0, 12.0];
        let ws = [0.3f32, -1.1, 2.0, 0.7, -0.4, 1.5, -2.2, 0.9, 1.0];
        let tensor =
            |v: &[f32]| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [3, 3]), &device);
        let values = |t: Tensor<2>| -> Vec<f32> { t.into_data().try_into_vec().unwrap() };
        let run = |f: fn(Tensor<2>) -> Tensor<2>| {
            let x = tensor(&xs).autodiff().require_grad();
            // Something before and after, so the gradient passes through the op.
            let y = f(x.clone().mul_scalar(2.0));
            let grads = (y.clone() * tensor(&ws)).sum().backward();
            (values(y), values(x.grad(&grads).unwrap()))
        };
        let (value, grad) = run(silu_tracked_host);
        let (burn_value, burn_grad) = run(silu);
        for i in 0..xs.len() {
            let u = 2.0 * f64::from(xs[i]);
            let exact_value = reference::silu(u);
            let exact_grad = 2.0 * f64::from(ws[i]) * reference::silu_slope(u);
            let close = |a: f32, b: f64| (f64::from(a) - b).abs() <= 1e-6 * b.abs().max(1e-3);
            assert!(close(value[i], exact_value), "silu({u}) = {}", value[i]);
            assert!(
                close(grad[i], exact_grad),
                "grad at {u}: {} vs {exact_grad}",
                grad[i]
            );
            assert!(
                close(burn_grad[i], exact_grad),
                "burn's grad at {u}: {}",
                burn_grad[i]
            );
            assert!(close(burn_value[i], exact_value));
        }
    }
}
