//! What the trainer shows of its current model: the predictive (at once, a pass at a time,
//! or by the page's workers), fresh sampled networks, the weight space, the functions drawn
//! before training, and the noise level the loss implies.

use crate::posterior::draws::{key, DrawJob};
use crate::posterior::functions::{self, BeforeTraining};
use crate::posterior::predictive::{self, Predictive, PredictiveJob};
use crate::posterior::weights::{self, WeightSpace};
use crate::report::events::TrainError;
use crate::train::behind::flat_params;
use crate::train::trainer::Trainer;

impl Trainer {
    /// The posterior predictive of the current model at `points` inputs evenly spaced on
    /// [−3, 3], from `samples` independent weight draws (its own keyed noise, so the same
    /// whatever was drawn before), with the noise level estimated on the validation split and
    /// both bands scored on the test split. Natively its passes spread over the run's threads.
    pub async fn predictive(
        &self,
        samples: usize,
        points: usize,
    ) -> Result<Predictive, TrainError> {
        let noise = (self.predictive_keys, key::final_draws());
        predictive::predictive(
            self.model(),
            &self.data,
            &self.device,
            (samples, points),
            (noise, self.threads),
            None,
        )
        .await
    }

    /// The light predictive the page redraws while training (see
    /// [`start_predictive`](Self::start_predictive)), in one call.
    pub async fn live_predictive(
        &self,
        samples: usize,
        points: usize,
    ) -> Result<Predictive, TrainError> {
        let mut job = self.start_predictive(samples, points, true)?;
        while !job.step() {}
        self.finish_predictive(job).await
    }

    /// [`predictive`](Self::predictive), or (`live`) the light predictive redrawn while
    /// training, to be computed a pass at a time ([`PredictiveJob::step`] until it says done,
    /// then [`finish_predictive`](Self::finish_predictive)) or outside
    /// ([`predictive_outside`](Self::predictive_outside)). The live one takes the noise level
    /// from the latest epoch's validation RMSE (the same residual spread, already computed by
    /// the epoch's evaluation) once there is one, and its own draws for each epoch.
    pub fn start_predictive(
        &self,
        samples: usize,
        points: usize,
        live: bool,
    ) -> Result<PredictiveJob, TrainError> {
        let (key, noise_sigma) = if live {
            let latest = self.history.last().map(|r| r.val.rmse);
            (key::live(self.epochs_done), latest)
        } else {
            (key::final_draws(), None)
        };
        PredictiveJob::start(
            self.model(),
            &self.data,
            &self.device,
            (samples, points),
            (self.predictive_keys, key),
            noise_sigma,
        )
    }

    /// `job` for someone outside (the page's workers, which draw the same keyed noise), when
    /// the evaluations are computed outside too; `None` otherwise.
    pub async fn predictive_outside(
        &self,
        job: &PredictiveJob,
    ) -> Result<Option<DrawJob>, TrainError> {
        if !self.outside {
            return Ok(None);
        }
        let params = flat_params(self.model()).await.map_err(TrainError)?;
        Ok(Some(job.outside(params)))
    }

    /// The model's parameters flattened (the order an [`EvalWorker`](crate::train::behind::EvalWorker)
    /// reads) and the epochs trained: what a worker needs to read the gradient meter there.
    pub async fn meter_job(&self) -> Result<(Vec<f32>, usize), TrainError> {
        let params = flat_params(self.model()).await.map_err(TrainError)?;
        Ok((params, self.epochs_done))
    }

    /// Summarises a job whose every pass is done.
    pub async fn finish_predictive(&self, job: PredictiveJob) -> Result<Predictive, TrainError> {
        job.finish(&self.data).await
    }

    /// Summarises a job from the draws computed outside (every pass, in order).
    pub fn finish_predictive_with(
        &self,
        job: PredictiveJob,
        draws: Vec<f32>,
    ) -> Result<Predictive, TrainError> {
        job.finish_with(&self.data, draws)
    }

    /// Replaces the sampled networks of `p` by as many fresh ones (the predictive's noise, a
    /// new key each time).
    pub async fn resample(&mut self, p: &mut Predictive) -> Result<(), TrainError> {
        self.fresh_draws += 1;
        p.draws = predictive::sample_networks(
            self.model(),
            &self.data,
            &self.device,
            &p.x,
            p.draws.len(),
            (self.predictive_keys, key::fresh(self.fresh_draws)),
        )
        .await?;
        Ok(())
    }

    /// Every weight's σ and |μ|/σ of the current model, as histograms.
    pub async fn weight_space(&self) -> Result<WeightSpace, TrainError> {
        weights::weight_space(self.model(), &self.config).await
    }

    /// Functions from the prior and from the initial posterior on `points` grid inputs.
    pub async fn before_training(&self, points: usize) -> Result<BeforeTraining, TrainError> {
        functions::before_training(&self.config, &self.data, &self.device, points).await
    }

    /// The observation noise the loss assumes (original units; see
    /// [`implied_noise_sigma`](crate::posterior::calibration::implied_noise_sigma)).
    pub fn implied_noise_sigma(&self) -> f64 {
        crate::posterior::calibration::implied_noise_sigma(&self.config, self.data.scaler.y_std)
    }
}
