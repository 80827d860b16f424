//! The page's and the CLI's figures, written once against plotters' `DrawingBackend` so the CLI
//! draws them into PNG files and the page into canvases: the data, the training curves, the
//! posterior predictive with its bands and sampled networks, the functions before training, the
//! calibration of the bands, and the weights' spreads.

mod before;
mod calibration;
mod curves;
mod data;
mod predictive;
mod style;
mod weights;

pub use before::draw_before_training;
pub use calibration::draw_calibration;
pub use curves::draw_curves;
pub use data::draw_data;
pub use predictive::draw_predictive;
pub use style::{Frame, PlotError, BAND_OPACITY, BLUE, PURPLE, RED, TEAL};
pub use weights::draw_weights;
