//! The tutorial's figures, written once against plotters' `DrawingBackend` so the CLI draws
//! them into PNG files and the page into canvases: the data sanity plot, the three panels of
//! training curves, and the posterior predictive with its 95 % band.

mod curves;
mod data;
mod predictive;
mod style;

pub use curves::draw_curves;
pub use data::draw_data;
pub use predictive::draw_predictive;
pub use style::PlotError;
