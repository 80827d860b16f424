//! A run continued on another device from its last epoch's checkpoint: when a WebGPU device is
//! lost mid-run (a driver reset, the GPU taken away), the run goes on on the CPU from its last
//! finished epoch, its history kept.
//!
//! The checkpoint (`checkpoint.rs`) holds what the next epochs depend on: the parameters,
//! AdamW's moments and step counts, the shuffling stream and this epoch's order, the evaluated
//! epochs, the best state, and how many predictive draws were taken. Everything else (the
//! data, the evaluations' keyed noise) follows from the configuration. The training noise
//! continues where it stood when the run stays on the same kind of noise; burn's device noise
//! cannot be carried to the host, so a run leaving it draws from a host stream keyed by its
//! epoch.

use burn::tensor::{Device, Tensor, TensorData};

use crate::engine::EngineState;
use crate::maths::normals::Normals;
use crate::maths::rng::{keyed_seed, stream_seed, Stream};
use crate::model::noise::{Noise, NoiseSource};
use crate::report::events::{Phase, TrainError};
use crate::train::checkpoint::{split, Checkpoint, KeptBest, Moved};
use crate::train::trainer::{Best, Trainer};

impl Trainer {
    /// Whether the run stands between two epochs with every evaluation recorded (a
    /// checkpoint can be taken here).
    pub fn between_epochs(&self) -> bool {
        matches!(self.phase, Phase::Train { batch: 0 } | Phase::Test)
            && self.pending.is_empty()
            && self.evaluation.is_none()
            && self.testing.is_none()
            && self.history.len() == self.epochs_done
    }

    /// The last checkpoint kept.
    pub fn checkpoint(&self) -> Option<&Checkpoint> {
        self.checkpoint.as_ref()
    }

    /// Keeps the run's state at this epoch's end on the host: one read-back of the parameters
    /// and AdamW's moments (and of the best state, when it is older than the last checkpoint's).
    /// Does nothing between the epochs' ends or when this epoch is already kept. Says whether
    /// a checkpoint was taken.
    pub async fn keep_checkpoint(&mut self) -> Result<bool, TrainError> {
        let kept = self.checkpoint.as_ref().map(|c| c.epochs_done);
        if !self.between_epochs() || kept == Some(self.epochs_done) {
            return Ok(false);
        }
        let state = self.engine.state();
        let n_params = state.tensors.len() / 3;
        let sizes: Vec<usize> = state
            .tensors
            .iter()
            .map(|t| t.dims().iter().product())
            .collect();
        let best = self.best.as_ref();
        let best_from_before = self
            .checkpoint
            .as_ref()
            .and_then(|c| c.best.clone())
            .filter(|b| best.is_some_and(|now| now.epoch == b.epoch));
        let read_best =
            best.is_some_and(|b| b.epoch != self.epochs_done) && best_from_before.is_none();
        let mut tensors = state.tensors;
        if read_best {
            tensors.extend(self.best.as_ref().expect("checked").model.params());
        }
        let flat: Vec<Tensor<1>> = tensors.into_iter().map(|t| t.flatten(0, 1)).collect();
        let data = Tensor::cat(flat, 0)
            .into_data_async()
            .await
            .map_err(|e| TrainError(format!("could not read the run's state back: {e:?}")))?;
        let values = data
            .try_into_vec_as::<f32>()
            .map_err(|e| TrainError(format!("unexpected state data: {e:?}")))?;
        let mut parts = split(
            &values,
            sizes.iter().copied().chain(if read_best {
                sizes[..n_params].to_vec()
            } else {
                Vec::new()
            }),
        );
        let best_params = read_best.then(|| parts.split_off(3 * n_params));
        let v = parts.split_off(2 * n_params);
        let m = parts.split_off(n_params);
        let best = self.best.as_ref().map(|b| KeptBest {
            params: if b.epoch == self.epochs_done {
                parts.clone()
            } else if let Some(p) = &best_params {
                p.clone()
            } else {
                best_from_before.clone().expect("kept before").params
            },
            epoch: b.epoch,
            val_rmse: b.val_rmse,
        });
        self.checkpoint = Some(Checkpoint {
            epochs_done: self.epochs_done,
            engine: EngineState {
                params: parts,
                m,
                v,
                steps: state.steps,
                noise: state.noise,
            },
            shuffle: self.shuffle.clone(),
            order: self.order.clone(),
            best,
            fresh_draws: self.fresh_draws,
        });
        Ok(true)
    }

    /// Whether the run's device still computes (a one-number read-back: a lost WebGPU device
    /// fails it).
    pub async fn device_answers(&self) -> bool {
        Tensor::<1>::zeros([1], &self.device)
            .into_data_async()
            .await
            .is_ok()
    }

    /// After a failed step: when the run's device no longer answers, the run continued on the
    /// CPU `cpu` (host noise) from its last checkpoint, and where it moved; `None` when the
    /// device answers (the failure is the run's own, a diverged loss say).
    pub async fn after_failure(&self, cpu: Device) -> Result<Option<(Trainer, Moved)>, TrainError> {
        if self.device_answers().await {
            return Ok(None);
        }
        let lost_in = self.epochs_done + 1;
        let next = self.continue_on(cpu, NoiseSource::Host)?;
        let from = next.epochs_done;
        Ok(Some((next, Moved { lost_in, from })))
    }

    /// The run continued from its last checkpoint on `device`, drawing its weights from
    /// `noise`: the same configuration, data and epochs so far; the training goes on from the
    /// checkpoint's epoch. An error when no checkpoint was kept.
    pub fn continue_on(&self, device: Device, noise: NoiseSource) -> Result<Trainer, TrainError> {
        let Some(c) = &self.checkpoint else {
            return Err(TrainError(
                "no epoch's state was kept to continue from".into(),
            ));
        };
        let mut next = Trainer::new(self.config.clone(), device, noise)
            .map_err(|e| TrainError(e.to_string()))?;
        let mut state = c.engine.clone();
        match (&state.noise, noise) {
            (Noise::Host(_), NoiseSource::Host) | (Noise::Device, NoiseSource::Device) => {}
            (_, NoiseSource::Host) => {
                let stream = stream_seed(self.config.seed, Stream::TrainNoise);
                let seed = keyed_seed(stream, &[c.epochs_done as u64]);
                state.noise = Noise::Host(Box::new(Normals::new(seed)));
            }
            (_, NoiseSource::Device) => state.noise = Noise::Device,
        }
        next.engine.restore(state);
        let like = next.model().clone();
        next.best = c.best.as_ref().map(|b| Best {
            model: like.with_params(
                b.params
                    .iter()
                    .zip(like.params())
                    .map(|(v, p)| {
                        Tensor::from_data(TensorData::new(v.clone(), p.dims()), &next.device)
                    })
                    .collect(),
            ),
            epoch: b.epoch,
            val_rmse: b.val_rmse,
        });
        next.shuffle = c.shuffle.clone();
        next.order = c.order.clone();
        next.epochs_done = c.epochs_done;
        next.history = self.history[..c.epochs_done].to_vec();
        next.fresh_draws = c.fresh_draws;
        next.threads = self.threads;
        next.phase = if c.epochs_done < self.config.total_epochs() {
            Phase::Train { batch: 0 }
        } else {
            Phase::Test
        };
        next.checkpoint = Some(c.clone());
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::backend::test_device;
    use crate::config::Config;
    use crate::engine::EngineKind;
    use crate::report::events::Event;
    use pollster::block_on;

    /// Two warmup and three VI epochs of a small network at a raised learning rate, lightly
    /// evaluated.
    fn config() -> Config {
        Config {
            lr: 0.01,
            lr_min: 0.001,
            width: 16,
            depth: 1,
            warmup_epochs: 2,
            vi_epochs: 3,
            eval_mc_elbo: 1,
            eval_mc_rmse: 2,
            ..Config::quick()
        }
    }

    /// Steps until `epochs` epochs are trained and recorded.
    fn train_to(t: &mut Trainer, epochs: usize) {
        while t.history().len() < epochs {
            block_on(t.step()).unwrap();
        }
        assert!(t.between_epochs());
    }

    /// Every parameter of the model, flattened.
    fn values(t: &Trainer) -> Vec<f32> {
        let flat: Vec<Tensor<1>> = t
            .model()
            .params()
            .into_iter()
            .map(|p| p.flatten(0, 1))
            .collect();
        Tensor::cat(flat, 0)
            .into_data()
            .try_into_vec_as::<f32>()
            .unwrap()
    }

    /// A run stopped mid-epoch and continued from the last epoch's checkpoint (on the same
    /// engine and noise) is the run that was never stopped, to the last bit: the checkpoint
    /// holds everything the later epochs depend on.
    #[test]
    fn a_run_continued_from_its_checkpoint_is_the_uninterrupted_run() {
        let device = test_device();
        let mut whole = Trainer::new(config(), device.clone(), NoiseSource::Host).unwrap();
        let whole_summary = block_on(whole.run_to_end()).unwrap();

        let mut stopped = Trainer::new(config(), device.clone(), NoiseSource::Host).unwrap();
        assert_eq!(stopped.engine_kind(), EngineKind::Cpu);
        train_to(&mut stopped, 3);
        assert!(block_on(stopped.keep_checkpoint()).unwrap());
        assert!(
            !block_on(stopped.keep_checkpoint()).unwrap(),
            "kept once per epoch"
        );
        // Part of the next epoch trains, then the run is lost.
        for _ in 0..3 {
            assert!(matches!(
                block_on(stopped.step()).unwrap(),
                Event::Trained { .. }
            ));
        }
        let mut continued = stopped.continue_on(device, NoiseSource::Host).unwrap();
        assert_eq!(continued.history(), &whole.history()[..3]);
        let summary = block_on(continued.run_to_end()).unwrap();
        assert_eq!(continued.history(), whole.history());
        assert_eq!(summary.test, whole_summary.test);
        assert_eq!(summary.best_epoch, whole_summary.best_epoch);
        assert_eq!(
            values(&continued),
            values(&whole),
            "the best state restored"
        );
        assert_eq!(continued.optimizer_steps(), whole.optimizer_steps());
    }

    /// A run on burn's device engine (the WebGPU path, here on a CPU backend with burn's
    /// noise) continues on the CPU engine from its checkpoint: the parameters, AdamW's steps,
    /// the epochs recorded and the best state carry over, and the run finishes.
    #[test]
    fn a_device_run_continues_on_the_cpu_engine() {
        let device = test_device();
        let mut t = Trainer::new(config(), device.clone(), NoiseSource::Device).unwrap();
        assert_eq!(t.engine_kind(), EngineKind::Device);
        train_to(&mut t, 3);
        block_on(t.keep_checkpoint()).unwrap();
        let (at, steps, best) = (values(&t), t.optimizer_steps(), t.best());
        block_on(t.step()).unwrap();
        assert_ne!(values(&t), at, "the lost epoch had moved on");

        let mut cpu = t.continue_on(device, NoiseSource::Host).unwrap();
        assert_eq!(cpu.engine_kind(), EngineKind::Cpu);
        assert_eq!(values(&cpu), at);
        assert_eq!(cpu.optimizer_steps(), steps);
        assert_eq!(cpu.best(), best);
        assert_eq!(cpu.history(), &t.history()[..3]);
        assert_eq!(cpu.progress().epochs_done, 3);
        let summary = block_on(cpu.run_to_end()).unwrap();
        assert_eq!(cpu.history().len(), 5);
        assert!(
            summary.test.rmse.is_finite() && summary.test.rmse < 0.5,
            "{summary:?}"
        );
        // AdamW went on counting from the checkpoint: three more epochs of every step.
        let per_epoch = cpu.config().num_batches() as u32;
        assert_eq!(cpu.optimizer_steps()[0], steps[0] + 2 * per_epoch);
    }

    /// The best state a continued run holds is the one the run held, however the checkpoint
    /// came by it: the parameters read at the best epoch itself, kept from the checkpoint
    /// before, or read back with a later checkpoint when none was kept at the time.
    #[test]
    fn the_best_state_carries_over_whichever_epoch_it_came_from() {
        let device = test_device();
        let params = |m: &crate::model::Regressor| -> Vec<Vec<f32>> {
            m.params()
                .iter()
                .map(|p| p.to_data().try_into_vec_as::<f32>().unwrap())
                .collect()
        };
        let continued_best = |t: &Trainer| {
            let next = t.continue_on(test_device(), NoiseSource::Host).unwrap();
            let best = next.best.clone().unwrap();
            (best.epoch, params(&best.model))
        };
        // The best epoch is the one just recorded and kept; the next epoch scores worse (made
        // so here), so the next checkpoint keeps the earlier one's best parameters.
        let mut t = Trainer::new(config(), device.clone(), NoiseSource::Host).unwrap();
        train_to(&mut t, 2);
        let at_2 = Best {
            model: t.model().clone(),
            epoch: 2,
            val_rmse: 0.0,
        };
        t.best = Some(at_2.clone());
        block_on(t.keep_checkpoint()).unwrap();
        assert_eq!(continued_best(&t), (2, params(&at_2.model)));
        train_to(&mut t, 3);
        t.best = Some(at_2.clone());
        block_on(t.keep_checkpoint()).unwrap();
        assert_ne!(params(t.model()), params(&at_2.model));
        assert_eq!(continued_best(&t), (2, params(&at_2.model)));
        // No checkpoint at the best epoch: the later one reads the best state back itself.
        let mut u = Trainer::new(config(), device, NoiseSource::Host).unwrap();
        train_to(&mut u, 2);
        let at_2 = Best {
            model: u.model().clone(),
            epoch: 2,
            val_rmse: 0.0,
        };
        train_to(&mut u, 3);
        u.best = Some(at_2.clone());
        block_on(u.keep_checkpoint()).unwrap();
        assert_eq!(continued_best(&u), (2, params(&at_2.model)));
    }
}
