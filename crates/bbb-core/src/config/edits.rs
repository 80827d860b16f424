//! A person's changes to the training points: points added (clicked onto the data figure) and
//! points removed (by their place in the generated training split). Both travel in a link's
//! address in a short, readable form: `add=x_y_x_y…` (two decimals) and `remove=i_j…`, using
//! only characters an address keeps as they are.

use crate::config::ConfigError;

/// Most points a person may add.
pub const MAX_ADDED: usize = 200;
/// Most points a person may remove.
pub const MAX_REMOVED: usize = 400;
/// Largest |x| of an added point (the widest input range shown).
pub const MAX_ABS_X: f64 = 20.0;
/// Largest |y| of an added point.
pub const MAX_ABS_Y: f64 = 1000.0;
/// Longest text accepted for either list, before any parsing.
const MAX_TEXT: usize = 4096;

/// Points added to and removed from the training split.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Edits {
    /// Added points `(x, y)`, in the order they were added, rounded to two decimals.
    pub added: Vec<(f64, f64)>,
    /// Indices of removed points in the generated training split, ascending.
    pub removed: Vec<usize>,
}

fn fault(key: &'static str, message: String) -> ConfigError {
    ConfigError::new(Some(key), message)
}

/// `v` to two decimals, as the address writes it.
pub fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

impl Edits {
    /// Whether nothing was changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }

    /// Reads the two lists of an address (either may be empty).
    pub fn parse(add: &str, remove: &str) -> Result<Self, ConfigError> {
        if add.len() > MAX_TEXT || remove.len() > MAX_TEXT {
            return Err(fault(
                "add",
                format!("the link's point data are too long (at most {MAX_TEXT} characters)"),
            ));
        }
        let parts = |text: &str| -> Vec<String> {
            let t = text.trim();
            if t.is_empty() {
                vec![]
            } else {
                t.split('_').map(str::to_string).collect()
            }
        };
        let values = parts(add);
        if values.len() % 2 == 1 {
            return Err(fault(
                "add",
                "the link's added points need an x and a y each (the list has an odd count)".into(),
            ));
        }
        let mut edits = Edits::default();
        for pair in values.chunks(2) {
            let number = |t: &str| {
                t.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        let t: String = t.chars().take(12).collect();
                        fault(
                            "add",
                            format!("the link's added point '{t}' is not a finite number"),
                        )
                    })
            };
            edits.add((number(&pair[0])?, number(&pair[1])?))?;
        }
        for t in parts(remove) {
            let i = t.parse::<usize>().map_err(|_| {
                let t: String = t.chars().take(12).collect();
                fault(
                    "remove",
                    format!("the link's removed point '{t}' is not a point number"),
                )
            })?;
            if edits.removed.contains(&i) {
                return Err(fault("remove", format!("the link removes point {i} twice")));
            }
            if edits.removed.len() == MAX_REMOVED {
                return Err(fault(
                    "remove",
                    format!("a link may remove at most {MAX_REMOVED} points"),
                ));
            }
            edits.removed.push(i);
        }
        edits.removed.sort_unstable();
        Ok(edits)
    }

    /// The two lists as an address writes them (`add`, `remove`).
    pub fn encode(&self) -> (String, String) {
        let add = self
            .added
            .iter()
            .flat_map(|&(x, y)| [x, y])
            .map(|v| format!("{}", round2(v)))
            .collect::<Vec<_>>()
            .join("_");
        let remove = self
            .removed
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("_");
        (add, remove)
    }

    /// Adds a point (rounded to two decimals) after checking its place and the count.
    pub fn add(&mut self, (x, y): (f64, f64)) -> Result<(), ConfigError> {
        if self.added.len() == MAX_ADDED {
            return Err(fault(
                "add",
                format!("at most {MAX_ADDED} points can be added"),
            ));
        }
        if !(x.abs() <= MAX_ABS_X && y.abs() <= MAX_ABS_Y) {
            return Err(fault(
                "add",
                format!(
                    "an added point must lie within |x| ≤ {MAX_ABS_X} and |y| ≤ {MAX_ABS_Y} (got {}, {})",
                    round2(x),
                    round2(y)
                ),
            ));
        }
        self.added.push((round2(x), round2(y)));
        Ok(())
    }

    /// Removes the `i`-th point of the edited training split of `n` generated points: an added
    /// one leaves the added list, a generated one joins the removed list.
    pub fn remove_at(&mut self, i: usize, n: usize) -> Result<(), ConfigError> {
        let kept: Vec<usize> = (0..n).filter(|j| !self.removed.contains(j)).collect();
        if let Some(&original) = kept.get(i) {
            if self.removed.len() == MAX_REMOVED {
                return Err(fault(
                    "remove",
                    format!("at most {MAX_REMOVED} points can be removed"),
                ));
            }
            self.removed.push(original);
            self.removed.sort_unstable();
        } else if i - kept.len() < self.added.len() {
            self.added.remove(i - kept.len());
        }
        Ok(())
    }

    /// Whether the edits fit a training split of `n` generated points.
    pub fn check(&self, n: usize) -> Result<(), ConfigError> {
        if let Some(&i) = self.removed.iter().find(|&&i| i >= n) {
            return Err(fault(
                "remove",
                format!("the link removes point {i}, but the training split has {n} points"),
            ));
        }
        if n - self.removed.len() + self.added.len() < 2 {
            return Err(fault(
                "remove",
                "at least two training points must remain".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_form_round_trips() {
        let mut e = Edits::default();
        e.add((0.514, -1.126)).unwrap();
        e.add((-2.0, 3.3)).unwrap();
        e.removed = vec![3, 17];
        let (add, remove) = e.encode();
        assert_eq!(
            (add.as_str(), remove.as_str()),
            ("0.51_-1.13_-2_3.3", "3_17")
        );
        // Only characters an address keeps unescaped.
        assert!((add.clone() + &remove)
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)));
        assert_eq!(Edits::parse(&add, &remove).unwrap(), e);
        assert_eq!(Edits::parse("", "").unwrap(), Edits::default());
    }

    #[test]
    fn hostile_point_data_get_a_message() {
        let long = "1_".repeat(3000);
        let cases = [
            ("1_2_3", "", "odd count"),
            ("1_NaN", "", "not a finite number"),
            ("1_inf", "", "not a finite number"),
            ("<script>_1", "", "'<script>' is not a finite"),
            ("99_1", "", "within |x| ≤ 20"),
            ("1_1e9", "", "within |x| ≤ 20"),
            ("", "-1", "not a point number"),
            ("", "2_2", "removes point 2 twice"),
            (long.as_str(), "", "too long"),
        ];
        for (add, remove, needle) in cases {
            let e = Edits::parse(add, remove).expect_err(add);
            assert!(e.message.contains(needle), "{add} {remove}: {e}");
            assert!(e.message.chars().count() < 120, "{e}");
        }
        let many = "0_0_".repeat(MAX_ADDED) + "0_0";
        assert!(Edits::parse(&many, "")
            .unwrap_err()
            .message
            .contains("at most 200"));
        let e = Edits::parse("", "5_900").unwrap();
        assert!(e.check(800).unwrap_err().message.contains("point 900"));
        assert!(e.check(1000).is_ok());
        let e = Edits::parse("", "0_1").unwrap();
        assert!(e
            .check(3)
            .unwrap_err()
            .message
            .contains("two training points"));
    }
}
