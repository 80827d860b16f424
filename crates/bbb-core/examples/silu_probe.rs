use bbb_core::burn::tensor::{activation::silu, Device, Distribution, Tensor};
use std::time::Instant;
fn main() {
    let device = Device::flex();
    let x = Tensor::<3>::random([38, 128, 72], Distribution::Normal(0.0, 1.0), &device);
    let reps = 200;
    let time = |name: &str, f: &dyn Fn(Tensor<3>) -> Tensor<3>| {
        let _ = f(x.clone()).sum().into_scalar::<f32>();
        let t = Instant::now();
        let mut acc = 0.0f32;
        for _ in 0..reps { acc += f(x.clone()).sum().into_scalar::<f32>(); }
        println!("{name:10} {:7.3} ms  ({acc})", t.elapsed().as_secs_f64() * 1e3 / reps as f64);
    };
    time("silu", &|x| silu(x));
    time("exp-recip", &|x| x.clone().neg().exp().add_scalar(1.0).recip() * x);
    time("tanh", &|x| (x.clone().mul_scalar(0.5).tanh().mul_scalar(0.5).add_scalar(0.5)) * x);
    time("exp", &|x| x.exp());
    time("mul", &|x| x.clone() * x);
    time("sum", &|x| x);
    let w = Tensor::<3>::random([38, 72, 72], Distribution::Normal(0.0, 1.0), &device);
    time("matmul", &|x| x.matmul(w.clone()));
}
