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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(count(0), "0");
        assert_eq!(count(6919), "6,919");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(money(-1234.5), "-1,234.50");
        assert_eq!(money(0.004), "0.00");
        assert_eq!(percent(Some(0.125)), "12.5%");
        assert_eq!(percent(None), "-");
    }
}
