//! The end of an epoch: the Monte-Carlo evaluation of both splits, step by step or behind the
//! training (on threads, or by someone outside: the page's workers), the row it records, the
//! best state kept, and the move to the next epoch or to the test.

use crate::model::Regressor;
use crate::report::events::{Event, Phase, TrainError};
use crate::report::metrics::{EpochRecord, SplitMetrics};
use crate::train::behind::{evaluation_from_sums, flat_params, Behind, EvalJob, Pending, BEHIND};
use crate::train::evaluate::Evaluation;
use crate::train::trainer::{Best, Trainer};

/// What collecting the evaluation running behind gave.
pub(crate) enum Collected {
    /// None was running.
    Nothing,
    /// Its result has not been delivered yet.
    Waiting(usize),
    /// The epoch's row.
    Record(EpochRecord),
}

impl Trainer {
    /// Steps until an epoch (or the run) completes, or an evaluation outside is awaited.
    ///
    /// An epoch is over when its evaluation is in: with evaluations behind the training, this
    /// collects every evaluation still behind, down to the epoch it trained (waiting for the
    /// threads, or saying it waits for an outside delivery; call again once delivered) instead
    /// of going on to train the next epoch. So each call trains at most one epoch and ends with
    /// that epoch's row.
    pub async fn run_epoch(&mut self) -> Result<Event, TrainError> {
        loop {
            if !self.pending.is_empty() && self.phase == (Phase::Train { batch: 0 }) {
                match self.collect().await? {
                    Collected::Waiting(epoch) => return Ok(Event::Waiting { epoch }),
                    Collected::Record(record) if self.pending.is_empty() => {
                        return Ok(Event::Epoch(record))
                    }
                    Collected::Record(_) | Collected::Nothing => continue,
                }
            }
            let event = self.step().await?;
            match event {
                Event::Finished(_) | Event::Waiting { .. } => return Ok(event),
                // A row from before (an evaluation handed off earlier): the epoch just trained
                // is collected at the top of the loop.
                Event::Epoch(_) if self.pending.is_empty() => return Ok(event),
                _ => {}
            }
        }
    }

    /// Lets the evaluations use up to `threads` threads (at least 1). With more than one (and
    /// host noise, natively) each epoch's evaluation runs on those threads while the next
    /// epochs train, and its row arrives up to two epochs later. The numbers do not change:
    /// every evaluation batch draws from its own keyed noise and the batches' sums are added in
    /// order. With device noise (the GPU), or in a browser module, evaluations stay one batch
    /// per step.
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// Threads the evaluations may use.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Hands each epoch's evaluation to someone outside (the page's Web Workers: see
    /// [`take_evaluation_job`](Self::take_evaluation_job)) while the next epochs train. Only
    /// with host noise, whose keyed draws make the outside result the same as this trainer's;
    /// says whether it is on. Turned off, an evaluation already handed out and not delivered is
    /// computed here when it is needed.
    pub fn set_outside_evaluation(&mut self, on: bool) -> bool {
        self.outside = on && self.eval_keys.is_keyed();
        if !self.outside {
            self.jobs.clear();
        }
        self.outside
    }

    /// The oldest evaluation to compute outside (one per epoch) that has not been taken yet.
    pub fn take_evaluation_job(&mut self) -> Option<EvalJob> {
        self.jobs.pop_front()
    }

    /// Delivers the outside result of epoch `epoch`'s evaluation: two sums per batch, in the
    /// order of the batches. Refused if no such evaluation is waiting or the sums do not fit.
    pub fn deliver_evaluation(&mut self, epoch: usize, sums: Vec<f32>) -> Result<(), TrainError> {
        let batches = Evaluation::len((&*self.eval_train, &*self.eval_val));
        match self.pending.iter_mut().find(|p| p.epoch == epoch) {
            Some(Pending {
                behind: Behind::Outside(slot @ None),
                ..
            }) => {
                if sums.len() != 2 * batches {
                    return Err(TrainError(format!(
                        "the evaluation of epoch {epoch} needs {} sums, not {}",
                        2 * batches,
                        sums.len()
                    )));
                }
                *slot = Some(sums);
                Ok(())
            }
            _ => Err(TrainError(format!(
                "no evaluation of epoch {epoch} is waiting for a result"
            ))),
        }
    }

    pub(crate) async fn evaluate(&mut self, index: usize) -> Result<Event, TrainError> {
        let epoch = self.epochs_done + 1;
        if self.evaluation.is_none() {
            if self.pipelined() {
                return self.evaluate_behind(epoch).await;
            }
            // An evaluation left behind when that was turned off comes first, in order.
            if let Collected::Record(record) = self.collect().await? {
                return Ok(Event::Epoch(record));
            }
        }
        let sets = (&*self.eval_train, &*self.eval_val);
        let y_std = self.data.scaler.y_std;
        let evaluation = self
            .evaluation
            .get_or_insert_with(|| Evaluation::new(self.engine.model(), epoch));
        if evaluation.batch(index, sets, &self.config, y_std, &self.eval_keys) {
            self.phase = Phase::Evaluate { index: index + 1 };
            return Ok(Event::Evaluated { epoch });
        }
        let evaluation = self.evaluation.take().expect("inserted above");
        let recorded = match evaluation.finish(sets, &self.config).await {
            Ok((train, val)) => self.record_epoch(epoch, self.model().clone(), train, val),
            Err(e) => Err(TrainError(e)),
        };
        let record = recorded.inspect_err(|_| self.phase = Phase::Evaluate { index: 0 })?;
        self.next_epoch();
        Ok(Event::Epoch(record))
    }

    /// Whether evaluations run behind the training: outside, or natively on several threads
    /// (with keyed host noise).
    pub(crate) fn pipelined(&self) -> bool {
        self.outside
            || (cfg!(not(target_arch = "wasm32")) && self.threads > 1 && self.eval_keys.is_keyed())
    }

    /// Starts the evaluation of epoch `epoch` on other threads and moves on to the next epoch's
    /// training; reports an earlier epoch whose evaluation it collects first: the oldest one
    /// behind if it is in, or if [`BEHIND`] are running (then waiting for it). The numbers are
    /// those of the step-by-step evaluation (keyed noise, sums added in batch order), and the
    /// snapshot evaluated is the one kept if it scores best.
    pub(crate) async fn evaluate_behind(&mut self, epoch: usize) -> Result<Event, TrainError> {
        let oldest_in = self.pending.front().is_some_and(|p| p.behind.is_in());
        let previous = if self.pending.len() >= BEHIND || oldest_in {
            match self.collect().await? {
                Collected::Waiting(e) => return Ok(Event::Waiting { epoch: e }),
                Collected::Nothing => None,
                Collected::Record(r) => Some(r),
            }
        } else {
            None
        };
        let behind = if self.outside {
            let params = flat_params(self.model()).await.map_err(TrainError)?;
            let batches = Evaluation::len((&*self.eval_train, &*self.eval_val));
            self.jobs.push_back(EvalJob {
                epoch,
                params,
                batches,
            });
            Behind::Outside(None)
        } else {
            let mut evaluation = Evaluation::new(self.engine.model(), epoch);
            let (train, val) = (self.eval_train.clone(), self.eval_val.clone());
            let (config, y_std) = (self.config.clone(), self.data.scaler.y_std);
            let (keys, threads) = (self.eval_keys, self.threads);
            Behind::Thread(std::thread::spawn(move || {
                evaluation.rest(0, (&train, &val), &config, y_std, (&keys, threads));
                evaluation
            }))
        };
        self.pending.push_back(Pending {
            epoch,
            model: self.model().clone(),
            behind,
        });
        self.next_epoch();
        Ok(previous.map_or(Event::Evaluated { epoch }, Event::Epoch))
    }

    /// Collects the oldest evaluation running behind, if any, and records its epoch: waits for
    /// its threads, takes the delivered outside result, or (outside evaluation turned off
    /// since) computes it here.
    pub(crate) async fn collect(&mut self) -> Result<Collected, TrainError> {
        let Some(pending) = self.pending.pop_front() else {
            return Ok(Collected::Nothing);
        };
        let sets = (&*self.eval_train, &*self.eval_val);
        let evaluation = match pending.behind {
            Behind::Thread(job) => job
                .join()
                .map_err(|_| TrainError("an evaluation thread stopped with an error".into()))?,
            Behind::Outside(Some(sums)) => {
                evaluation_from_sums(&pending.model, pending.epoch, &sums, sets.0.batches.len())
            }
            Behind::Outside(None) if self.outside => {
                let epoch = pending.epoch;
                self.pending.push_front(pending);
                return Ok(Collected::Waiting(epoch));
            }
            Behind::Outside(None) => {
                let mut evaluation = Evaluation::new(&pending.model, pending.epoch);
                let y_std = self.data.scaler.y_std;
                evaluation.rest(0, sets, &self.config, y_std, (&self.eval_keys, 1));
                evaluation
            }
        };
        let (train, val) = evaluation
            .finish(sets, &self.config)
            .await
            .map_err(TrainError)?;
        self.record_epoch(pending.epoch, pending.model, train, val)
            .map(Collected::Record)
    }

    /// Records epoch `epoch` (1-based), whose model was `model`: its row, and the best state
    /// if its validation RMSE is the lowest so far. A metric that is not a number is an error.
    pub(crate) fn record_epoch(
        &mut self,
        epoch: usize,
        model: Regressor,
        train: SplitMetrics,
        val: SplitMetrics,
    ) -> Result<EpochRecord, TrainError> {
        let record = EpochRecord {
            epoch,
            stage: self.stage_of(epoch - 1),
            next_lr: self.lr_during(epoch),
            train,
            val,
        };
        if !train.is_finite() || !val.is_finite() {
            return Err(TrainError(format!(
                "training diverged at epoch {epoch} (a metric is not a number): \
                 lower the learning rate or reset"
            )));
        }
        if self.best.as_ref().is_none_or(|b| val.rmse < b.val_rmse) {
            self.best = Some(Best {
                model,
                epoch,
                val_rmse: val.rmse,
            });
        }
        self.history.push(record);
        Ok(record)
    }

    /// Counts the epoch as trained and moves to the next one's training, or to the test.
    pub(crate) fn next_epoch(&mut self) {
        self.epochs_done += 1;
        self.phase = if self.epochs_done < self.config.total_epochs() {
            self.order = self.shuffle.permutation(self.config.n_train);
            Phase::Train { batch: 0 }
        } else {
            Phase::Test
        };
    }
}
