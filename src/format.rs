//! Number formatting for people, shared by the CLI and the GUI (std only).

/// Formats a count with thousands separators: `6919` → `6,919`.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A count and its noun, the noun in the plural unless the count is one: `counted(1, "reward")`
/// → `1 reward`, `counted(1200, "month")` → `1,200 months`.
pub fn counted(n: u64, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", count(n))
}

/// Formats a money amount with two decimals and thousands separators.
pub fn money(v: f64) -> String {
    let sign = if v < 0.0 { "-" } else { "" };
    let cents = (v.abs() * 100.0).round() as u64;
    format!("{sign}{}.{:02}", count(cents / 100), cents % 100)
}

/// A share as a percentage with one decimal (`0.125` → `12.5%`), or a dash when undefined.
pub fn percent(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |v| format!("{:.1}%", v * 100.0))
}

/// `v` with three significant digits and no exponent (`1234.6` → `1235`, `0.00018542` →
/// `0.000185`) down to 10⁻¹⁰ (12 decimals); below, where 12 decimals would show it as zero or
/// nearly, with an exponent (`2.05e-13`).
pub fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (2.0 - v.abs().log10().floor()).max(0.0);
    if digits > 12.0 {
        return format!("{v:.2e}");
    }
    let digits = digits as usize;
    format!("{v:.digits$}")
}

/// A parameter estimate with `decimals` decimals, or with three significant digits when those
/// would show fewer than two (`estimate(0.000185, 3)` → `0.000185`, not `0.000`).
pub fn estimate(v: f64, decimals: usize) -> String {
    // Below 10^(1 − decimals), fewer than two significant digits would show.
    if v != 0.0 && v.abs() < 10f64.powi(1 - decimals as i32) {
        significant(v)
    } else {
        format!("{v:.decimals$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(count(0), "0");
        assert_eq!(counted(0, "reward"), "0 rewards");
        assert_eq!(counted(1, "reward"), "1 reward");
        assert_eq!(counted(1200, "month"), "1,200 months");
        assert_eq!(count(6919), "6,919");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(money(-1234.5), "-1,234.50");
        assert_eq!(money(0.004), "0.00");
        assert_eq!(percent(Some(0.125)), "12.5%");
        assert_eq!(percent(None), "-");
        assert_eq!(significant(1234.6), "1235");
        assert_eq!(significant(11.8566), "11.9");
        assert_eq!(significant(0.000185417), "0.000185");
        assert_eq!(significant(-0.5), "-0.500");
        assert_eq!(significant(0.0), "0");
        assert_eq!(significant(1.0e-10), "0.000000000100");
        assert_eq!(significant(2.0497e-13), "2.05e-13");
        assert_eq!(significant(-9.99e-11), "-9.99e-11");
        assert_eq!(estimate(0.000185417, 3), "0.000185");
        assert_eq!(estimate(0.0123, 3), "0.012");
        assert_eq!(estimate(2.5638, 3), "2.564");
        assert_eq!(estimate(0.00123, 4), "0.0012");
        assert_eq!(estimate(0.000123, 4), "0.000123");
        assert_eq!(estimate(0.0, 3), "0.000");
    }
}
