//! A calendar date as a day number, with no dependency beyond std.
//!
//! The engine works on whole days: `Date` is the count of days since 1970-01-01 (negative before),
//! so comparing, subtracting and storing dates is integer arithmetic. Conversions to and from the
//! civil calendar use Howard Hinnant's `days_from_civil` / `civil_from_days` algorithms (proleptic
//! Gregorian calendar). In project files a date is written `"YYYY-MM-DD"`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar day: days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

/// Why a text is not a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateError(pub String);

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DateError {}

/// Is `year` a leap year in the Gregorian calendar?
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` (1..=12) of `year`; 0 for a month out of range.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// The date `year-month-day`, or `None` when it does not exist (e.g. 2023-02-29) or is out of
    /// the supported range (years 1..=9999).
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        // days_from_civil (Hinnant).
        let y = if month <= 2 { year - 1 } else { year };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = month as i32;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Date(era * 146_097 + doe - 719_468))
    }

    /// This day's month as `YYYY-MM` (a month's label in tables, exports and plots).
    pub fn year_month(self) -> String {
        let (y, m, _) = self.ymd();
        format!("{y:04}-{m:02}")
    }

    /// The civil date `(year, month, day)` of this day.
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        (if m <= 2 { y + 1 } else { y }, m, d)
    }

    /// Calendar year of this day.
    pub fn year(self) -> i32 {
        self.ymd().0
    }

    /// Months since year 0 (`year * 12 + month - 1`): a month index for grouping and arithmetic.
    pub fn month_index(self) -> i32 {
        let (y, m, _) = self.ymd();
        y * 12 + m as i32 - 1
    }

    /// The first day of the month with index `month_index` (see [`Date::month_index`]).
    pub fn first_of_month_index(month_index: i32) -> Option<Date> {
        Date::from_ymd(
            month_index.div_euclid(12),
            month_index.rem_euclid(12) as u32 + 1,
            1,
        )
    }

    /// The same day `months` months later (or earlier when negative); the day is clamped to the
    /// end of a shorter month (Jan 31 + 1 month = Feb 28/29). `None` out of the supported range.
    pub fn add_months(self, months: i32) -> Option<Date> {
        let (y, m, d) = self.ymd();
        let idx = y * 12 + m as i32 - 1 + months;
        let (ny, nm) = (idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1);
        Date::from_ymd(ny, nm, d.min(days_in_month(ny, nm)))
    }

    /// This date plus `days` days.
    pub fn add_days(self, days: i32) -> Date {
        Date(self.0 + days)
    }

    /// Day of the week, 0 = Monday .. 6 = Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        (self.0 + 3).rem_euclid(7) as u32
    }

    /// Day of the year, 1..=366.
    pub fn ordinal(self) -> u32 {
        let (y, _, _) = self.ymd();
        match Date::from_ymd(y, 1, 1) {
            Some(first) => (self.0 - first.0 + 1) as u32,
            None => 1,
        }
    }

    /// Parses `YYYY-MM-DD` strictly (four-digit year, two-digit month and day).
    pub fn parse_iso(text: &str) -> Result<Date, DateError> {
        let b = text.as_bytes();
        let bad = || DateError(format!("'{text}' is not a date of the form YYYY-MM-DD"));
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |s: &[u8]| -> Option<u32> {
            s.iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let (y, m, d) = match (num(&b[0..4]), num(&b[5..7]), num(&b[8..10])) {
            (Some(y), Some(m), Some(d)) => (y as i32, m, d),
            _ => return Err(bad()),
        };
        Date::from_ymd(y, m, d)
            .ok_or_else(|| DateError(format!("'{text}' is not a day of the calendar")))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl FromStr for Date {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse_iso(s)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Date::parse_iso(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_reads_as_year_and_month() {
        assert_eq!(Date::from_ymd(2025, 7, 31).unwrap().year_month(), "2025-07");
        assert_eq!(Date::from_ymd(999, 12, 1).unwrap().year_month(), "0999-12");
    }

    #[test]
    fn epoch_and_round_trip_over_four_centuries() {
        assert_eq!(Date::from_ymd(1970, 1, 1), Some(Date(0)));
        assert_eq!(Date(0).weekday(), 3, "1970-01-01 was a Thursday");
        let start = Date::from_ymd(1900, 1, 1).unwrap().0;
        let mut prev: Option<(i32, u32, u32)> = None;
        for n in start..start + 146_097 * 2 {
            let (y, m, d) = Date(n).ymd();
            assert_eq!(Date::from_ymd(y, m, d), Some(Date(n)));
            if let Some(p) = prev {
                assert!((y, m, d) > p, "dates must increase");
            }
            prev = Some((y, m, d));
        }
    }

    #[test]
    fn leap_days() {
        assert!(Date::from_ymd(2024, 2, 29).is_some());
        assert!(Date::from_ymd(2023, 2, 29).is_none());
        assert!(Date::from_ymd(1900, 2, 29).is_none());
        assert!(Date::from_ymd(2000, 2, 29).is_some());
        assert_eq!(Date::from_ymd(2024, 12, 31).unwrap().ordinal(), 366);
    }

    #[test]
    fn add_months_clamps_to_month_end() {
        let d = Date::from_ymd(2024, 1, 31).unwrap();
        assert_eq!(d.add_months(1), Date::from_ymd(2024, 2, 29));
        assert_eq!(d.add_months(13), Date::from_ymd(2025, 2, 28));
        let leap = Date::from_ymd(2024, 2, 29).unwrap();
        assert_eq!(leap.add_months(12), Date::from_ymd(2025, 2, 28));
        assert_eq!(leap.add_months(-1), Date::from_ymd(2024, 1, 29));
    }

    #[test]
    fn parse_iso_is_strict() {
        assert_eq!(
            Date::parse_iso("1997-09-30"),
            Ok(Date::from_ymd(1997, 9, 30).unwrap())
        );
        assert!(Date::parse_iso("1997-9-30").is_err());
        assert!(Date::parse_iso("1997-02-30").is_err());
        assert!(Date::parse_iso("abcd-ef-gh").is_err());
        assert_eq!(
            Date::from_ymd(1997, 1, 1).unwrap().to_string(),
            "1997-01-01"
        );
    }

    #[test]
    fn month_index_round_trip() {
        let d = Date::from_ymd(1998, 6, 15).unwrap();
        assert_eq!(
            Date::first_of_month_index(d.month_index()),
            Date::from_ymd(1998, 6, 1)
        );
    }
}
