//! A person's own data: a CSV file of `x,y` rows (an optional header line naming the columns
//! `x` and `y`). Every fault is reported with its line number, so the file can be mended.

use crate::config::scenario::MIN_OWN_POINTS;

/// Most points a file may hold (a split of the tutorial's size is 800).
pub const MAX_OWN_POINTS: usize = 20_000;
/// Largest file read, in bytes.
pub const MAX_OWN_BYTES: u64 = 2_000_000;
/// Largest |x| or |y| accepted.
const MAX_ABS: f64 = 1e6;

/// Reads `x,y` rows from CSV text; the message names the line at fault.
pub fn parse_csv(text: &str) -> Result<Vec<(f64, f64)>, String> {
    let mut points = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if points.is_empty() && cells.len() == 2 && cells[0].eq_ignore_ascii_case("x") {
            if !cells[1].eq_ignore_ascii_case("y") {
                return Err(format!("line {line_no}: the header must be 'x,y'"));
            }
            continue;
        }
        if cells.len() != 2 {
            return Err(format!(
                "line {line_no}: expected two values 'x,y', found {}",
                cells.len()
            ));
        }
        let value = |t: &str, name: &str| -> Result<f64, String> {
            let shown: String = t.chars().take(20).collect();
            let v: f64 = t
                .parse()
                .map_err(|_| format!("line {line_no}: {name} '{shown}' is not a number"))?;
            if !v.is_finite() {
                return Err(format!(
                    "line {line_no}: {name} is {shown}; every value must be finite"
                ));
            }
            if v.abs() > MAX_ABS {
                return Err(format!(
                    "line {line_no}: {name} = {shown} is beyond ±{MAX_ABS:e}"
                ));
            }
            Ok(v)
        };
        points.push((value(cells[0], "x")?, value(cells[1], "y")?));
        if points.len() > MAX_OWN_POINTS {
            return Err(format!(
                "line {line_no}: more than {MAX_OWN_POINTS} points; use a smaller file"
            ));
        }
    }
    if points.len() < MIN_OWN_POINTS {
        return Err(format!(
            "{} points found; at least {MIN_OWN_POINTS} are needed (a sixth each is kept for validation and test)",
            points.len()
        ));
    }
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.0), b.max(p.0))
        });
    if hi - lo < 1e-9 {
        return Err("every x is the same; the inputs need some spread".into());
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize) -> String {
        (0..n).map(|i| format!("{i},{}\n", i * 2)).collect()
    }

    #[test]
    fn reads_rows_with_or_without_a_header() {
        let p = parse_csv(&format!("x,y\n{}", rows(12))).unwrap();
        assert_eq!(p.len(), 12);
        assert_eq!(p[3], (3.0, 6.0));
        let p = parse_csv(&format!("# comment\n\n{}", rows(13).replace(',', " , "))).unwrap();
        assert_eq!((p.len(), p[12]), (13, (12.0, 24.0)));
    }

    #[test]
    fn each_fault_names_its_line() {
        let cases = [
            (
                format!("x,y\n{}1,2,3\n", rows(12)),
                "line 14: expected two values",
            ),
            (
                format!("{}0.5,abc\n", rows(12)),
                "line 13: y 'abc' is not a number",
            ),
            (format!("{}NaN,1\n", rows(12)), "line 13: x is NaN"),
            (format!("{}1,inf\n", rows(12)), "line 13: y is inf"),
            (
                format!("{}1,1e300\n", rows(12)),
                "line 13: y = 1e300 is beyond",
            ),
            (
                format!("a,b\n{}", rows(12)),
                "line 1: x 'a' is not a number",
            ),
            (
                format!("x,z\n{}", rows(12)),
                "line 1: the header must be 'x,y'",
            ),
            (rows(11), "11 points found; at least 12"),
            ("1,1\n".repeat(12), "every x is the same"),
            (
                rows(MAX_OWN_POINTS + 1),
                "line 20001: more than 20000 points",
            ),
        ];
        for (text, needle) in cases {
            let e = parse_csv(&text).unwrap_err();
            assert!(e.contains(needle), "{needle}: {e}");
        }
    }
}
