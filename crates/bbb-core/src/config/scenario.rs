//! Where a run's data come from: the scenario (where the synthetic inputs lie) and how many
//! points each split gets, from the recipe or from a person's own points. The data themselves
//! are drawn in `data/`; the counts live here so that a configuration can be checked without
//! drawing them.

/// The input domain of the data and of the predictive grid.
pub const X_RANGE: (f64, f64) = (-3.0, 3.0);

/// Where the synthetic inputs lie.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scenario {
    /// The tutorial's recipe: every input uniform on [−3, 3].
    #[default]
    Tutorial,
    /// No training or validation inputs in [−1, 0.5].
    Gap,
    /// Training and validation inputs in [−2.5, −1.5] and [1.5, 2.5] only.
    TwoClusters,
    /// The tutorial's recipe with 60 training and 20 validation points.
    Few,
}

impl Scenario {
    /// Every scenario, in the order of [`NAMES`](Self::NAMES).
    pub const ALL: [Scenario; 4] = [
        Scenario::Tutorial,
        Scenario::Gap,
        Scenario::TwoClusters,
        Scenario::Few,
    ];
    /// Their names (the setting's values).
    pub const NAMES: &'static [&'static str] = &["tutorial", "gap", "two-clusters", "few"];

    /// The scenario's name.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The intervals the training and validation inputs are drawn from (uniformly over their
    /// union).
    pub fn intervals(self) -> &'static [(f64, f64)] {
        match self {
            Scenario::Tutorial | Scenario::Few => &[X_RANGE],
            Scenario::Gap => &[(-3.0, -1.0), (0.5, 3.0)],
            Scenario::TwoClusters => &[(-2.5, -1.5), (1.5, 2.5)],
        }
    }

    /// Training and validation points of the scenario, given the configured counts.
    pub fn counts(self, n_train: usize, n_val: usize) -> (usize, usize) {
        match self {
            Scenario::Few => (FEW.0.min(n_train), FEW.1.min(n_val)),
            _ => (n_train, n_val),
        }
    }
}

/// Training and validation points of the `few` scenario.
pub const FEW: (usize, usize) = (60, 20);

/// Fewest points a person's own data may have (8 to train on, 2 to validate, 2 to test).
pub const MIN_OWN_POINTS: usize = 12;

/// How a person's own `n` points are split: a sixth to validation and a sixth to test (at
/// least two each), the rest to training, as the tutorial splits its 1,200.
pub fn own_split(n: usize) -> (usize, usize, usize) {
    let held = (n / 6).max(2);
    (n.saturating_sub(2 * held), held, held)
}
