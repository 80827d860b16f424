//! The end of the run: the best epoch's state restored and scored on the test split (a few
//! passes per step on one thread, or all at once on several), then the summary.

use crate::report::events::{Event, Phase, Summary, TrainError};
use crate::report::metrics::Diagnostics;
use crate::train::epoch_end::Collected;
use crate::train::evaluate::McSamples;
use crate::train::test_scoring::TestScoring;
use crate::train::trainer::Trainer;

impl Trainer {
    pub(crate) async fn test(&mut self) -> Result<Event, TrainError> {
        // The last epoch's evaluation may still be running behind: report it first.
        match self.collect().await? {
            Collected::Waiting(epoch) => return Ok(Event::Waiting { epoch }),
            Collected::Record(record) => return Ok(Event::Epoch(record)),
            Collected::Nothing => {}
        }
        // The best epoch's state comes back once, when the test starts.
        if self.testing.is_none() {
            let best = self.best.as_ref().expect("at least one evaluated epoch");
            self.engine.set_model(best.model.clone());
            self.testing = Some(TestScoring::new(self.engine.model()));
        }
        let testing = self.testing.as_mut().expect("the test has started");
        let mc = McSamples {
            elbo: self.config.test_mc_elbo,
            rmse: self.config.test_mc_rmse,
        };
        let mc = (mc, self.data.scaler.y_std);
        if self.threads <= 1 {
            // A few passes per step, so that no step of the page runs long.
            if !testing.step(&self.eval_test, mc, &self.eval_keys) {
                return Ok(Event::Tested {
                    batches: testing.scored(),
                });
            }
        } else {
            testing.rest(&self.eval_test, mc, (&self.eval_keys, self.threads));
        }
        let testing = self.testing.take().expect("the test has started");
        let test = testing
            .finish(&self.eval_test, &self.config)
            .await
            .map_err(TrainError)?;
        let best = self.best.as_ref().expect("at least one evaluated epoch");
        let diagnostics = Diagnostics::compute(&self.history, self.config.ema_alpha)
            .expect("the VI stage has at least one epoch");
        let summary = Summary {
            best_epoch: best.epoch,
            best_val_rmse: best.val_rmse,
            test,
            diagnostics,
        };
        self.summary = Some(summary);
        self.phase = Phase::Done;
        Ok(Event::Finished(summary))
    }
}
