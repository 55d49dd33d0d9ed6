//! Date formats found in transaction exports, their fast parsers, and detection over a column.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime};

use crate::model::Date;

/// A date format of a transaction column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DateFormat {
    /// ISO 8601: `2024-03-31`, or a date-time such as `2024-03-31T14:05:00+02:00` or
    /// `2024-03-31 14:05`; the date is taken as written (no time-zone conversion).
    Iso,
    /// `%Y%m%d`, e.g. `20240331`.
    Compact,
    /// `%Y/%m/%d`, e.g. `2024/03/31`.
    YmdSlash,
    /// `%d/%m/%Y`, e.g. `31/03/2024` (one-digit day and month accepted).
    DmySlash,
    /// `%m/%d/%Y`, e.g. `03/31/2024` (one-digit day and month accepted).
    MdySlash,
    /// `%d.%m.%Y`, e.g. `31.03.2024`.
    DmyDot,
    /// An explicit chrono `strftime` format, given by the user.
    Custom(String),
}

/// The formats tried by detection, in order of preference.
pub const DETECTABLE: [DateFormat; 6] = [
    DateFormat::Iso,
    DateFormat::Compact,
    DateFormat::YmdSlash,
    DateFormat::DmySlash,
    DateFormat::MdySlash,
    DateFormat::DmyDot,
];

impl fmt::Display for DateFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateFormat::Iso => write!(f, "ISO 8601 ({})", self.strftime()),
            other => f.write_str(other.strftime()),
        }
    }
}

/// Why a date value was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateProblem {
    /// The text does not have the format's shape.
    Unparsable,
    /// The shape fits but no such day exists (e.g. 2023-02-30, month 13).
    Impossible,
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 4 {
        return None;
    }
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn ymd(y: u32, m: u32, d: u32) -> Result<Date, DateProblem> {
    Date::from_ymd(y as i32, m, d).ok_or(DateProblem::Impossible)
}

/// Splits `a SEP b SEP c` where a, b have 1–2 digits and c has 4 (or a has 4 and b, c 1–2).
fn three_parts(b: &[u8], sep: u8) -> Option<(&[u8], &[u8], &[u8])> {
    let mut it = b.splitn(3, |&c| c == sep);
    let (x, y, z) = (it.next()?, it.next()?, it.next()?);
    Some((x, y, z))
}

fn small(b: &[u8]) -> Option<u32> {
    if b.len() > 2 { None } else { digits(b) }
}

fn year(b: &[u8]) -> Option<u32> {
    if b.len() == 4 { digits(b) } else { None }
}

/// Checks an ISO time-of-day suffix: `HH:MM[:SS[.fff]]` then optional `Z` or `±HH[:]MM`.
fn iso_time_ok(t: &[u8]) -> bool {
    let n = t
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b':' || **c == b'.')
        .count();
    let (clock, zone) = t.split_at(n);
    let parts: Vec<&[u8]> = clock.split(|&c| c == b':').collect();
    if !(2..=3).contains(&parts.len()) {
        return false;
    }
    let (h, m) = (small(parts[0]), small(parts[1]));
    let sec_ok = parts.get(2).is_none_or(|s| {
        let whole = s.split(|&c| c == b'.').next().unwrap_or(s);
        small(whole).is_some_and(|v| v <= 60)
    });
    let zone = if zone.first() == Some(&b' ') {
        &zone[1..]
    } else {
        zone
    };
    let zone_ok = match zone {
        [] | [b'Z'] => true,
        [b'+' | b'-', rest @ ..] => {
            let rest: Vec<u8> = rest.iter().copied().filter(|&c| c != b':').collect();
            (rest.len() == 4 || rest.len() == 2) && digits(&rest).is_some()
        }
        _ => false,
    };
    matches!((h, m), (Some(h), Some(m)) if h < 24 && m < 60) && sec_ok && zone_ok
}

impl DateFormat {
    /// Parses one value (already trimmed).
    pub fn parse(&self, b: &[u8]) -> Result<Date, DateProblem> {
        use DateProblem::Unparsable;
        match self {
            DateFormat::Iso => {
                if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
                    return Err(Unparsable);
                }
                let (y, m, d) = (year(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]));
                let rest = &b[10..];
                if !rest.is_empty()
                    && !((rest[0] == b'T' || rest[0] == b' ') && iso_time_ok(&rest[1..]))
                {
                    return Err(Unparsable);
                }
                match (y, m, d) {
                    (Some(y), Some(m), Some(d)) => ymd(y, m, d),
                    _ => Err(Unparsable),
                }
            }
            DateFormat::Compact => {
                if b.len() != 8 {
                    return Err(Unparsable);
                }
                match (year(&b[0..4]), digits(&b[4..6]), digits(&b[6..8])) {
                    (Some(y), Some(m), Some(d)) => ymd(y, m, d),
                    _ => Err(Unparsable),
                }
            }
            DateFormat::YmdSlash => {
                let (y, m, d) = three_parts(b, b'/').ok_or(Unparsable)?;
                match (year(y), small(m), small(d)) {
                    (Some(y), Some(m), Some(d)) => ymd(y, m, d),
                    _ => Err(Unparsable),
                }
            }
            DateFormat::DmySlash | DateFormat::MdySlash | DateFormat::DmyDot => {
                let sep = if *self == DateFormat::DmyDot {
                    b'.'
                } else {
                    b'/'
                };
                let (p, q, y) = three_parts(b, sep).ok_or(Unparsable)?;
                // Allow a time after the year: "31/03/2024 14:05".
                let y = y.split(|&c| c == b' ').next().unwrap_or(y);
                let (p, q, y) = match (small(p), small(q), year(y)) {
                    (Some(p), Some(q), Some(y)) => (p, q, y),
                    _ => return Err(Unparsable),
                };
                if *self == DateFormat::MdySlash {
                    ymd(y, p, q)
                } else {
                    ymd(y, q, p)
                }
            }
            DateFormat::Custom(fmt) => {
                let text = std::str::from_utf8(b).map_err(|_| Unparsable)?;
                // Report the date-only parser's error: the later ones fail for lack of a time.
                let first = NaiveDate::parse_from_str(text, fmt);
                let naive = first
                    .or_else(|_| NaiveDateTime::parse_from_str(text, fmt).map(|dt| dt.date()))
                    .or_else(|_| DateTime::parse_from_str(text, fmt).map(|dt| dt.date_naive()))
                    .map_err(|e| first.err().unwrap_or(e));
                match naive {
                    Ok(d) => ymd(d.year() as u32, d.month(), d.day()),
                    Err(e)
                        if matches!(
                            e.kind(),
                            chrono::format::ParseErrorKind::OutOfRange
                                | chrono::format::ParseErrorKind::Impossible
                        ) =>
                    {
                        Err(DateProblem::Impossible)
                    }
                    Err(_) => Err(Unparsable),
                }
            }
        }
    }

    /// The format as a chrono `strftime` pattern (the ISO format also reads timestamps).
    pub fn strftime(&self) -> &str {
        match self {
            DateFormat::Iso => "%Y-%m-%d",
            DateFormat::Compact => "%Y%m%d",
            DateFormat::YmdSlash => "%Y/%m/%d",
            DateFormat::DmySlash => "%d/%m/%Y",
            DateFormat::MdySlash => "%m/%d/%Y",
            DateFormat::DmyDot => "%d.%m.%Y",
            DateFormat::Custom(s) => s,
        }
    }

    /// Checks that a user-given chrono format is usable: it must name a year, month and day. A
    /// pattern of one of the [`DETECTABLE`] formats gives that format.
    pub fn custom(format: &str) -> Result<DateFormat, String> {
        if let Some(known) = DETECTABLE.iter().find(|d| d.strftime() == format) {
            return Ok(known.clone());
        }
        let has = |spec: &[&str]| spec.iter().any(|s| format.contains(s));
        let ok = (has(&["%Y", "%y", "%F", "%D"])
            && has(&["%m", "%b", "%B", "%F", "%D"])
            && has(&["%d", "%e", "%F", "%D"]))
            || has(&["%F", "%D", "%+"]);
        if !ok {
            return Err(format!(
                "'{format}' does not name a year, month and day (e.g. \"%d/%m/%Y\")"
            ));
        }
        if chrono::format::StrftimeItems::new(format)
            .any(|i| matches!(i, chrono::format::Item::Error))
        {
            return Err(format!("'{format}' is not a valid strftime format"));
        }
        Ok(DateFormat::Custom(format.to_string()))
    }
}

/// Counts, over a column, how many values each detectable format parses.
#[derive(Clone, Debug, Default)]
pub struct Detector {
    /// Non-empty values seen.
    pub seen: u64,
    /// Successes per entry of [`DETECTABLE`].
    pub ok: [u64; 6],
    /// Up to 3 example values, for messages.
    pub examples: Vec<String>,
}

/// The verdict of a [`Detector`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detection {
    /// One format fits best.
    Format(DateFormat),
    /// Day-first and month-first fit equally well: the user must say which.
    Ambiguous,
    /// No format fits any value.
    None,
}

impl Detector {
    /// Feeds one value (trimmed).
    pub fn add(&mut self, value: &[u8]) {
        if value.is_empty() {
            return;
        }
        self.seen += 1;
        if self.examples.len() < 3 {
            self.examples
                .push(String::from_utf8_lossy(value).into_owned());
        }
        for (i, f) in DETECTABLE.iter().enumerate() {
            if f.parse(value).is_ok() {
                self.ok[i] += 1;
            }
        }
    }

    /// True once one format has fitted at least `min_values` values and strictly more than every
    /// other: more rows cannot make day-first and month-first tie again.
    pub fn settled(&self, min_values: u64) -> bool {
        let best = *self.ok.iter().max().unwrap_or(&0);
        best >= min_values && self.ok.iter().filter(|&&c| c == best).count() == 1
    }

    /// The best-fitting format.
    pub fn verdict(&self) -> Detection {
        let best = *self.ok.iter().max().unwrap_or(&0);
        if best == 0 {
            return Detection::None;
        }
        let (dmy, mdy) = (self.ok[3], self.ok[4]);
        if dmy == best && mdy == best {
            return Detection::Ambiguous;
        }
        let i = self.ok.iter().position(|&c| c == best).unwrap_or(0);
        Detection::Format(DETECTABLE[i].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::from_ymd(y, m, day).unwrap()
    }

    #[test]
    fn every_format_parses_its_own_shape() {
        let cases: [(DateFormat, &str, Date); 12] = [
            (DateFormat::Iso, "2024-03-31", d(2024, 3, 31)),
            (DateFormat::Iso, "2024-03-31T23:59:59", d(2024, 3, 31)),
            (DateFormat::Iso, "2024-03-31T23:59:59.123Z", d(2024, 3, 31)),
            (DateFormat::Iso, "2024-03-31T23:59:59+02:00", d(2024, 3, 31)),
            (DateFormat::Iso, "2024-03-31 08:15", d(2024, 3, 31)),
            (DateFormat::Compact, "20240331", d(2024, 3, 31)),
            (DateFormat::YmdSlash, "2024/3/31", d(2024, 3, 31)),
            (DateFormat::DmySlash, "31/03/2024", d(2024, 3, 31)),
            (DateFormat::DmySlash, "1/3/2024", d(2024, 3, 1)),
            (DateFormat::MdySlash, "03/31/2024", d(2024, 3, 31)),
            (DateFormat::DmyDot, "31.03.2024", d(2024, 3, 31)),
            (
                DateFormat::Custom("%d %b %Y".into()),
                "31 Mar 2024",
                d(2024, 3, 31),
            ),
        ];
        for (f, text, want) in cases {
            assert_eq!(f.parse(text.as_bytes()), Ok(want), "{f} on {text}");
        }
    }

    #[test]
    fn impossible_dates_are_told_apart_from_garbage() {
        assert_eq!(
            DateFormat::Iso.parse(b"2023-02-29"),
            Err(DateProblem::Impossible)
        );
        assert_eq!(
            DateFormat::Iso.parse(b"2023-13-01"),
            Err(DateProblem::Impossible)
        );
        assert_eq!(
            DateFormat::Iso.parse(b"yesterday"),
            Err(DateProblem::Unparsable)
        );
        assert_eq!(
            DateFormat::Iso.parse(b"2024-03-31T25:00"),
            Err(DateProblem::Unparsable)
        );
        assert_eq!(
            DateFormat::DmySlash.parse(b"31/02/2024"),
            Err(DateProblem::Impossible)
        );
        assert_eq!(
            DateFormat::Compact.parse(b"2024033"),
            Err(DateProblem::Unparsable)
        );
        assert_eq!(
            DateFormat::Custom("%d %b %Y".into()).parse(b"31 Feb 2024"),
            Err(DateProblem::Impossible)
        );
    }

    #[test]
    fn detection_over_the_column_not_per_row() {
        let mut det = Detector::default();
        for v in ["01/02/2024", "03/04/2024", "12/11/2024"] {
            det.add(v.as_bytes());
        }
        assert_eq!(det.verdict(), Detection::Ambiguous);
        // One day above 12 decides the whole column, including the earlier rows.
        det.add(b"25/12/2024");
        assert_eq!(det.verdict(), Detection::Format(DateFormat::DmySlash));
        let mut us = Detector::default();
        for v in ["01/02/2024", "12/31/2024"] {
            us.add(v.as_bytes());
        }
        assert_eq!(us.verdict(), Detection::Format(DateFormat::MdySlash));
        let mut none = Detector::default();
        none.add(b"soon");
        assert_eq!(none.verdict(), Detection::None);
    }

    #[test]
    fn detection_prefers_the_format_most_values_fit() {
        let mut det = Detector::default();
        for v in ["2024-01-05", "2024-01-06", "garbage", "2024-01-07"] {
            det.add(v.as_bytes());
        }
        assert_eq!(det.verdict(), Detection::Format(DateFormat::Iso));
        assert!(det.settled(3));
        assert!(!det.settled(4));
    }

    #[test]
    fn custom_formats_are_checked() {
        assert!(DateFormat::custom("%d/%m/%Y").is_ok());
        assert!(DateFormat::custom("%H:%M").is_err());
        assert!(DateFormat::custom("%Y-%m-%d %Q").is_err());
    }
}
