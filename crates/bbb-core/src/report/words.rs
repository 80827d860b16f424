//! Numbers as the page's sentences write them: counts with thousands separated, small counts
//! as words, powers of ten with superscripts, intervals with true minus signs.

/// `1,200`: a count with thousands separated.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A small count as a word (`eight`), a larger one as digits.
pub fn word(n: usize) -> String {
    const WORDS: [&str; 13] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    WORDS.get(n).map_or_else(|| count(n), |w| w.to_string())
}

/// `n thing` or `n things`, the count as a word.
pub fn counted(n: usize, thing: &str) -> String {
    format!("{} {thing}{}", word(n), if n == 1 { "" } else { "s" })
}

/// A number as it is read, with a true minus sign: `−3`, `0.5`, `0.08`.
pub fn plain(v: f64) -> String {
    format!("{v}").replace('-', "−")
}

/// A positive number in powers of ten with superscripts: `10⁻⁴`, `4·10⁻⁴`, `2.5·10⁻³`.
pub fn power(v: f64) -> String {
    if !(v.is_finite() && v > 0.0) {
        return plain(v);
    }
    let mut e = v.log10().floor() as i32;
    let mut m = (v / 10f64.powi(e) * 100.0).round() / 100.0;
    if m >= 10.0 {
        (m, e) = (m / 10.0, e + 1);
    }
    const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let sign = if e < 0 { "⁻" } else { "" };
    let digits: String = e
        .unsigned_abs()
        .to_string()
        .chars()
        .map(|d| SUP[d.to_digit(10).unwrap() as usize])
        .collect();
    let mantissa = if m == 1.0 {
        String::new()
    } else {
        format!("{m}·")
    };
    format!("{mantissa}10{sign}{digits}")
}

/// Two significant figures: `0.011`.
pub fn two_figures(v: f64) -> String {
    if !(v.is_finite() && v > 0.0) {
        return plain(v);
    }
    let decimals = (1 - v.log10().floor() as i32).max(0) as usize;
    format!("{v:.decimals$}")
}

/// `[−3, 3]`, or `[−3, −1] and [0.5, 3]`.
pub fn intervals(list: &[(f64, f64)]) -> String {
    let each: Vec<String> = list
        .iter()
        .map(|(a, b)| format!("[{}, {}]", plain(*a), plain(*b)))
        .collect();
    each.join(" and ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_the_page_writes_them() {
        assert_eq!(count(32_329), "32,329");
        assert_eq!(count(800), "800");
        assert_eq!(count(1_200), "1,200");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(word(8), "eight");
        assert_eq!(word(40), "40");
        assert_eq!(counted(1, "residual block"), "one residual block");
        assert_eq!(counted(3, "residual block"), "three residual blocks");
        assert_eq!(power(1e-4), "10⁻⁴");
        assert_eq!(power(4e-4), "4·10⁻⁴");
        assert_eq!(power(0.005), "5·10⁻³");
        assert_eq!(power(0.0025), "2.5·10⁻³");
        assert_eq!(power(0.01), "10⁻²");
        assert_eq!(power(1000.0), "10³");
        assert_eq!(two_figures(0.011_04), "0.011");
        assert_eq!(two_figures(0.048), "0.048");
        assert_eq!(plain(-3.0), "−3");
        assert_eq!(plain(0.08), "0.08");
        assert_eq!(
            intervals(&[(-3.0, -1.0), (0.5, 3.0)]),
            "[−3, −1] and [0.5, 3]"
        );
    }
}
