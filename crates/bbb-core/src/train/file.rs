//! A finished run saved as a posterior file, and a trainer rebuilt from one: the same data and
//! settings, the saved μ and ρ as the best state, the saved history, and nothing left but the
//! test. Stepping it scores the test split (a batch per step on one thread) with the run's own
//! keyed noise, so the summary is the one the run ended with.

use burn::tensor::{Device, Tensor, TensorData};

use crate::config::{Config, Preset};
use crate::model::noise::NoiseSource;
use crate::report::events::{Phase, TrainError};
use crate::report::posterior_file::{settings_of, tensor_names, PosteriorFile};
use crate::train::behind::flat_params;
use crate::train::trainer::{Best, Trainer};

impl Trainer {
    /// The finished run's posterior (the best state, restored for the test) as a file's
    /// contents; `preset` is the preset the settings started from.
    pub async fn posterior_file(&self, preset: Preset) -> Result<PosteriorFile, TrainError> {
        let Some(summary) = self.summary.as_ref() else {
            return Err(TrainError(
                "the posterior can be saved once the run has finished".into(),
            ));
        };
        let flat = flat_params(self.model()).await.map_err(TrainError)?;
        let mut at = 0;
        let tensors = tensor_names(self.config.depth)
            .into_iter()
            .zip(self.model().params())
            .map(|(name, p)| {
                let [r, c] = p.dims();
                at += r * c;
                (name, [r, c], flat[at - r * c..at].to_vec())
            })
            .collect();
        Ok(PosteriorFile {
            settings: settings_of(preset, &self.config),
            own_data: self.config.own_data.is_some(),
            train_points: self.data.train.len(),
            best_epoch: summary.best_epoch,
            history: self.history.clone(),
            tensors,
        })
    }

    /// A trainer holding `file`'s posterior, ready for the test ([`step`](Self::step) until
    /// [`Event::Finished`](crate::Event::Finished)). `config` is the file's (with the person's own data attached when the file
    /// says the run had them).
    pub fn from_posterior(
        file: &PosteriorFile,
        config: Config,
        device: Device,
        noise: NoiseSource,
    ) -> Result<Self, TrainError> {
        if file.own_data != config.own_data.is_some() {
            return Err(TrainError(if file.own_data {
                "this posterior was trained on a data file of your own: load it together with \
                 that file (bbb-cli --data FILE)"
                    .into()
            } else {
                "this posterior was trained on a scenario's data, not on a data file".into()
            }));
        }
        let mut trainer =
            Self::new(config, device, noise).map_err(|e| TrainError(e.to_string()))?;
        let points = trainer.data.train.len();
        if points != file.train_points {
            return Err(TrainError(format!(
                "the posterior was trained on {} points; these data have {points}",
                file.train_points
            )));
        }
        let params = file
            .tensors
            .iter()
            .map(|(_, shape, values)| {
                Tensor::from_data(TensorData::new(values.clone(), *shape), &trainer.device)
            })
            .collect();
        let model = trainer.model().with_params(params);
        let best = &file.history[file.best_epoch - 1];
        trainer.best = Some(Best {
            model: model.clone(),
            epoch: file.best_epoch,
            val_rmse: best.val.rmse,
        });
        trainer.engine.set_model(model);
        trainer.history = file.history.clone();
        trainer.epochs_done = trainer.config.total_epochs();
        trainer.phase = Phase::Test;
        Ok(trainer)
    }
}
