//! The comparison's results as text, the same from `bbb-cli compare` and from the page:
//! `compare.csv`'s rows and HMC's mixing in words, with the one rule that reads R̂.

use super::hmc::chains::Mixing;
use crate::posterior::regions::{ByRegion, Region};

/// `compare.csv`'s header: one row per method (or the GP) and region.
pub const COMPARE_HEADER: &str = "method,region,points,doubt_width_95,total_width_95,coverage_95,rmse,nll,crps,seconds,parameters,gradient_evaluations";

/// Chains whose split-R̂ exceeds this disagree: their draws are not yet the posterior.
pub const RHAT_MIXED: f64 = 1.1;

/// What one entry of the comparison cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Numbers learnt or sampled.
    pub parameters: usize,
    /// Gradient evaluations in passes over the training data (none for the GP).
    pub passes: Option<f64>,
}

impl Cost {
    /// The exact GP's cost: its three hyperparameters, no gradient passes.
    pub fn gp(seconds: f64) -> Cost {
        Cost {
            seconds,
            parameters: 3,
            passes: None,
        }
    }
}

/// `compare.csv`'s rows for entry `name`: one per region with test points, numbers in Rust's
/// shortest round-trip form (seconds to the millisecond).
pub fn csv_rows(name: &str, regions: &ByRegion, cost: &Cost) -> String {
    let passes = cost.passes.map_or(String::new(), |p| format!("{p}"));
    Region::ALL
        .iter()
        .filter_map(|&r| regions[r as usize].map(|s| (r, s)))
        .map(|(r, s)| {
            format!(
                "{name},{},{},{},{},{},{},{},{},{:.3},{},{passes}\n",
                r.name(),
                s.points,
                s.doubt_width,
                s.total_width,
                s.coverage_95,
                s.rmse,
                s.nll,
                s.crps,
                cost.seconds,
                cost.parameters
            )
        })
        .collect()
}

/// Bands that widen less than this away from the data stay about as sure there as inside it.
const NARROW: f64 = 1.5;

/// One sentence on which bands widen away from the data, true of `entries` (each a name and its
/// scores): in the gap when the test points have one, else outside the data; `None` when no
/// entry has test points both inside the data and away from it.
pub fn widening(entries: &[(&str, &ByRegion)]) -> Option<String> {
    let away = if entries
        .iter()
        .any(|(_, r)| r[Region::Gap as usize].is_some())
    {
        (Region::Gap, "in the gap")
    } else {
        (Region::Outside, "outside the data")
    };
    let mut ratios: Vec<(&str, f64)> = entries
        .iter()
        .filter_map(|(name, r)| {
            let (d, a) = (r[Region::Data as usize]?, r[away.0 as usize]?);
            Some((*name, a.doubt_width / d.doubt_width))
        })
        .filter(|(_, x)| x.is_finite())
        .collect();
    if ratios.is_empty() {
        return None;
    }
    ratios.sort_by(|a, b| b.1.total_cmp(&a.1));
    let list: Vec<String> = ratios
        .iter()
        .map(|(n, x)| format!("{x:.1}× for {n}"))
        .collect();
    let narrow: Vec<String> = ratios
        .iter()
        .filter(|(_, x)| *x < NARROW)
        .map(|(n, _)| n.to_string())
        .collect();
    let mut where_ = away.1.to_string();
    where_[..1].make_ascii_uppercase();
    let mut out = format!(
        "{where_}, the model-doubt band is wider than inside the data by {}.",
        and_list(&list)
    );
    if !narrow.is_empty() {
        out += &format!(
            " {} {} about as sure {} as inside the data (under {NARROW}×).",
            and_list(&narrow),
            if narrow.len() == 1 { "stays" } else { "stay" },
            away.1
        );
    }
    Some(out)
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.join(""),
    }
}

impl Mixing {
    /// Whether the chains agree, in words: not mixed when they disagree inside the data
    /// (R̂ above [`RHAT_MIXED`]), and whether they agree away from it too.
    pub fn verdict(&self) -> &'static str {
        if self.rhat_max_data > RHAT_MIXED {
            "the chains disagree inside the data (R̂ > 1.1): not mixed, so this band is not the true posterior's"
        } else if self.rhat_max > RHAT_MIXED {
            "mixed inside the data, not everywhere (R̂ > 1.1 away from it)"
        } else {
            "mixed by R̂ ≤ 1.1 at every grid point"
        }
    }

    /// One line: acceptance, step size, divergences, R̂, ESS and the verdict.
    pub fn line(&self) -> String {
        format!(
            "HMC: acceptance {:.2}, step size {:.2e}, {} divergent | split-R̂ max {:.3} (inside the data {:.3}) | bulk ESS min {:.0}: {}",
            self.acceptance,
            self.step_size,
            self.divergences,
            self.rhat_max,
            self.rhat_max_data,
            self.ess_min,
            self.verdict()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::posterior::regions::RegionScore;

    #[test]
    fn a_row_per_region_with_points_under_the_header() {
        let score = RegionScore {
            points: 7,
            doubt_width: 0.25,
            total_width: 0.5,
            coverage_95: 1.0,
            rmse: 0.125,
            nll: -1.5,
            crps: 0.0625,
        };
        let regions: ByRegion = [Some(score), None, Some(score)];
        let cost = Cost {
            seconds: 1.23456,
            parameters: 42,
            passes: None,
        };
        let text = csv_rows("gp", &regions, &cost);
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(
            rows,
            [
                "gp,data,7,0.25,0.5,1,0.125,-1.5,0.0625,1.235,42,",
                "gp,outside,7,0.25,0.5,1,0.125,-1.5,0.0625,1.235,42,"
            ]
        );
        let columns = COMPARE_HEADER.split(',').count();
        assert!(rows.iter().all(|r| r.split(',').count() == columns));
    }

    #[test]
    fn the_widening_sentence_orders_the_bands_and_names_the_narrow_ones() {
        let score = |w: f64| RegionScore {
            points: 5,
            doubt_width: w,
            total_width: w + 0.1,
            coverage_95: 0.5,
            rmse: 0.1,
            nll: 0.0,
            crps: 0.1,
        };
        let a: ByRegion = [Some(score(0.1)), Some(score(0.12)), None];
        let b: ByRegion = [Some(score(0.05)), Some(score(3.0)), None];
        let c: ByRegion = [Some(score(0.2)), Some(score(0.4)), None];
        let text = widening(&[("bbb", &a), ("hmc", &b), ("gp", &c)]).unwrap();
        assert_eq!(
            text,
            "In the gap, the model-doubt band is wider than inside the data by 60.0× for hmc, 2.0× for gp and 1.2× for bbb. \
             bbb stays about as sure in the gap as inside the data (under 1.5×)."
        );
        let outside: ByRegion = [Some(score(0.1)), None, Some(score(0.3))];
        let text = widening(&[("gp", &outside)]).unwrap();
        assert_eq!(
            text,
            "Outside the data, the model-doubt band is wider than inside the data by 3.0× for gp."
        );
        assert_eq!(widening(&[("gp", &[Some(score(0.1)), None, None])]), None);
    }

    #[test]
    fn the_verdict_reads_r_hat_inside_the_data_first() {
        let m = |data: f64, all: f64| Mixing {
            rhat_max_data: data,
            rhat_max: all,
            ..Mixing::default()
        };
        assert!(m(1.11, 1.5).verdict().starts_with("the chains disagree"));
        assert!(m(1.09, 1.5).verdict().starts_with("mixed inside the data"));
        assert!(m(1.05, 1.09).verdict().starts_with("mixed by R̂ ≤ 1.1"));
        assert!(m(1.2, 1.2)
            .line()
            .contains("split-R̂ max 1.200 (inside the data 1.200)"));
    }
}
