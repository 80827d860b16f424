//! How a run learns its weights: the `method` setting. The three gradient estimators of
//! Bayes-by-Backprop, which learn the same mean-field posterior and differ in how noisy their
//! gradient is (`model/estimator.rs` has the maths), and the three other ways to a band that
//! the comparison sets beside them on the same network (`baselines/`).

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
    /// MC dropout on the deterministic network.
    Dropout,
    /// A deep ensemble of deterministic networks.
    Ensemble,
    /// Hamiltonian Monte Carlo on the posterior the ELBO approximates.
    Hmc,
}

impl Method {
    /// Every method, in the order of [`NAMES`](Self::NAMES).
    pub const ALL: [Method; 6] = [
        Method::Bbb,
        Method::BbbLrt,
        Method::BbbFlipout,
        Method::Dropout,
        Method::Ensemble,
        Method::Hmc,
    ];
    /// Bayes-by-Backprop's three estimators: the methods the two-stage trainer runs.
    pub const BBB: [Method; 3] = [Method::Bbb, Method::BbbLrt, Method::BbbFlipout];
    /// Their names (the setting's values).
    pub const NAMES: &'static [&'static str] = &[
        "bbb",
        "bbb-lrt",
        "bbb-flipout",
        "dropout",
        "ensemble",
        "hmc",
    ];

    /// Whether the two-stage trainer runs it (one of Bayes-by-Backprop's estimators).
    pub fn is_bbb(self) -> bool {
        Self::BBB.contains(&self)
    }

    /// The method called `name`.
    pub fn parse(name: &str) -> Option<Method> {
        Self::NAMES
            .iter()
            .position(|n| *n == name.trim())
            .map(|i| Self::ALL[i])
    }

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
