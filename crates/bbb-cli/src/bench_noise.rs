//! `bbb-cli bench`'s last table: the project's own normal sampler (Box–Muller on sixteen
//! xoshiro128++ generators side by side, vectorised) against `rand_distr`'s `StandardNormal` (a
//! ziggurat on `rand_xoshiro`'s xoshiro256++), filling the `f32` buffers the CPU backends use as
//! weight noise. The project keeps its own sampler only while it is faster here. (Its hand-written
//! xoshiro256++ went the same way: measured here no faster than `rand_xoshiro`, it was replaced.)

use bbb_core::maths::normals::Normals;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use std::time::Instant;

use crate::say::say;

/// Normals per fill: about one evaluation batch's weight noise at the full preset.
const DRAWS: usize = 1 << 20;
const REPS: usize = 40;

fn time(mut fill: impl FnMut(&mut [f32])) -> f64 {
    let mut buf = vec![0.0f32; DRAWS];
    fill(&mut buf); // warm-up
    let t = Instant::now();
    for _ in 0..REPS {
        fill(&mut buf);
        black_box(&buf);
    }
    t.elapsed().as_secs_f64() / (REPS * DRAWS) as f64 * 1e9
}

/// Times both samplers; prints ns per draw and the ratio.
pub fn bench_noise() {
    let mut ours = Normals::new(1);
    let own = time(|b| ours.fill(b));
    let mut theirs = Xoshiro256PlusPlus::seed_from_u64(1);
    let distr = time(|b| {
        for v in b.iter_mut() {
            *v = StandardNormal.sample(&mut theirs);
        }
    });
    say!("\nnoise for the CPU backends ({DRAWS} f32 draws per fill, {REPS} fills)");
    say!("sampler                                   ns/draw   vs rand crates");
    say!(
        "own vectorised Box–Muller                 {own:7.2}   {:.2}x faster",
        distr / own
    );
    say!("rand_distr StandardNormal, rand_xoshiro   {distr:7.2}   1.00x");
}
