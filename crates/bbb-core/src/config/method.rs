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
    /// Their names (the setting's values): the comparison's entries but the GP.
    pub const NAMES: &'static [&'static str] = COMPARED.split_at(Self::ALL.len()).0;

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

/// What a comparison runs, in its order: every method, then the exact Gaussian process (a row
/// of the comparison, not a method). The `compare` setting's names.
pub const COMPARED: &[&str] = &[
    "bbb",
    "bbb-lrt",
    "bbb-flipout",
    "dropout",
    "ensemble",
    "hmc",
    "gp",
];

/// The entries of [`COMPARED`] a comparison runs, one bit each (bit `i` for `COMPARED[i]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compared(pub u32);

impl Default for Compared {
    fn default() -> Self {
        Self::ALL
    }
}

impl Compared {
    /// Every method and the GP.
    pub const ALL: Compared = Compared((1 << COMPARED.len()) - 1);

    /// Whether the entry called `name` is run.
    pub fn has(self, name: &str) -> bool {
        COMPARED
            .iter()
            .position(|n| *n == name)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }

    /// The names run, in the comparison's order.
    pub fn names(self) -> Vec<&'static str> {
        COMPARED.iter().copied().filter(|n| self.has(n)).collect()
    }

    /// The methods run, in their order.
    pub fn methods(self) -> Vec<Method> {
        Method::ALL
            .into_iter()
            .filter(|m| self.has(m.name()))
            .collect()
    }

    /// Whether the Gaussian process is one of them.
    pub fn gp(self) -> bool {
        self.has("gp")
    }

    /// Without the entry called `name`.
    pub fn without(self, name: &str) -> Compared {
        match COMPARED.iter().position(|n| *n == name) {
            Some(i) => Compared(self.0 & !(1 << i)),
            None => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compared_are_every_method_then_the_gp() {
        assert_eq!(COMPARED.len(), Method::ALL.len() + 1);
        assert_eq!(COMPARED[Method::ALL.len()], "gp");
        assert_eq!(Compared::ALL.methods(), Method::ALL);
        let some = Compared::ALL.without("hmc").without("bbb-lrt");
        assert_eq!(
            some.names(),
            ["bbb", "bbb-flipout", "dropout", "ensemble", "gp"]
        );
        assert!(some.gp() && !some.without("gp").gp());
    }

    #[test]
    fn names_follow_the_order_of_all() {
        for (i, m) in Method::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i);
            assert_eq!(m.name(), Method::NAMES[i]);
        }
    }
}
