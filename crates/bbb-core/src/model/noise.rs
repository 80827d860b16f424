//! Where the `eps ~ N(0, 1)` of the reparameterisation comes from.
//!
//! Evaluation draws a fresh weight matrix for every MC sample of every batch — millions of
//! normals per epoch — so their cost matters. On the CPU backends they come from a seeded
//! vectorised sampler on the host ([`Normals`]: fast and reproducible); on a GPU they are drawn
//! on the device by burn, so nothing crosses the bus.

use burn::tensor::{Device, Distribution, Tensor, TensorData};

use crate::maths::normals::Normals;
use crate::maths::rng::{keyed_seed, stream_seed, Stream};

/// Where a run's standard normals come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoiseSource {
    /// A seeded sampler on the host (the CPU backends): reproducible, one stream per purpose.
    Host,
    /// burn's generator on the device (WebGPU): nothing crosses the bus.
    Device,
}

/// A source of standard-normal tensors.
#[derive(Clone, Debug)]
pub enum Noise {
    /// Drawn on the host by a seeded vectorised sampler ([`Normals`]), then uploaded.
    Host(Box<Normals>),
    /// Drawn on the device by burn's own generator (seed it with `Device::seed`).
    Device,
}

impl Noise {
    /// Host-side noise with its own seeded stream.
    pub fn host(seed: u64) -> Self {
        Noise::Host(Box::new(Normals::new(seed)))
    }

    /// The noise of `stream` for the run seed `seed`, from `source`.
    pub fn for_stream(source: NoiseSource, seed: u64, stream: Stream) -> Self {
        match source {
            NoiseSource::Host => Noise::host(stream_seed(seed, stream)),
            NoiseSource::Device => Noise::Device,
        }
    }

    /// A tensor of independent standard normals.
    pub fn normal(&mut self, shape: [usize; 3], device: &Device) -> Tensor<3> {
        match self {
            Noise::Host(z) => {
                let n = shape.iter().product();
                let mut v = vec![0.0f32; n];
                z.fill(&mut v);
                Tensor::from_data(TensorData::new(v, shape), device)
            }
            Noise::Device => Tensor::random(shape, Distribution::Normal(0.0, 1.0), device),
        }
    }
}

/// The noise of keyed pieces of work (the batches of an evaluation): each piece's normals are
/// fixed by the run's seed, the stream and the piece's key, so the pieces can be computed on
/// any number of threads or workers, in any order, with the same numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoiseKeys {
    source: NoiseSource,
    stream_seed: u64,
}

impl NoiseKeys {
    /// The keyed noise of `stream` for the run seed `seed`, from `source`.
    pub fn new(source: NoiseSource, seed: u64, stream: Stream) -> Self {
        Self {
            source,
            stream_seed: stream_seed(seed, stream),
        }
    }

    /// The noise of the piece `key`. On the device it is burn's shared generator (the GPU path
    /// computes its pieces in order, on one device).
    pub fn noise(&self, key: &[u64]) -> Noise {
        match self.source {
            NoiseSource::Host => Noise::host(keyed_seed(self.stream_seed, key)),
            NoiseSource::Device => Noise::Device,
        }
    }

    /// Whether the pieces' numbers are independent of who computes them (host noise).
    pub fn is_keyed(&self) -> bool {
        self.source == NoiseSource::Host
    }
}
