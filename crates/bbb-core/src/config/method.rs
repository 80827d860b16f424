//! How a run learns its weights: the `method` setting. Today the three gradient estimators of
//! Bayes-by-Backprop, which learn the same mean-field posterior and differ in how noisy their
//! gradient is (`model/estimator.rs` has the maths).

/// How a run learns its weights.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// Bayes-by-Backprop as the tutorial runs it: one draw of every weight per step.
    #[default]
    Bbb,
    /// Bayes-by-Backprop with the local reparameterisation trick: each example's
    /// pre-activations drawn from their Gaussian.
    BbbLrt,
    /// Bayes-by-Backprop with Flipout: one draw per step, sign-flipped per example.
    BbbFlipout,
}

impl Method {
    /// Every method, in the order of [`NAMES`](Self::NAMES).
    pub const ALL: [Method; 3] = [Method::Bbb, Method::BbbLrt, Method::BbbFlipout];
    /// Their names (the setting's values).
    pub const NAMES: &'static [&'static str] = &["bbb", "bbb-lrt", "bbb-flipout"];

    /// The method's name.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_order_of_all() {
        for (i, m) in Method::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i);
            assert_eq!(m.name(), Method::NAMES[i]);
        }
    }
}
