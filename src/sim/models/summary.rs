//! Per-customer recency-frequency summaries, the input of the buy-till-you-die models.

use rayon::slice::ParallelSliceMut;
use serde::Serialize;

use crate::data::store::Transactions;
use crate::model::{Date, Period};

/// One customer's calibration summary (FHL 2005 notation).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CustomerSummary {
    /// Interned customer index in the [`Transactions`].
    pub customer: u32,
    /// Day of the first purchase.
    pub first_day: Date,
    /// Repeat transactions in the calibration period (purchase days after the first).
    pub x: u32,
    /// Time of the last purchase since the first, in periods.
    pub t_x: f64,
    /// Age at the calibration end since the first purchase, in periods (`T`).
    pub age: f64,
    /// Mean spend per repeat purchase day in the calibration period (0 when `x = 0`).
    pub mean_repeat_spend: f64,
    /// Repeat purchase days in the holdout period (0 without one).
    pub holdout_x: u32,
    /// Spend in the holdout period.
    pub holdout_spend: f64,
}

/// Summaries of every customer whose first purchase is on or before the calibration end.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Time unit of `t_x` and `age`.
    pub period: Period,
    /// Last day of calibration.
    pub calibration_end: Date,
    /// Last day of the holdout, if any.
    pub holdout_end: Option<Date>,
    /// One row per customer, in customer order.
    pub rows: Vec<CustomerSummary>,
}

impl Summary {
    /// Customers with at least one repeat purchase.
    pub fn repeat_customers(&self) -> usize {
        self.rows.iter().filter(|r| r.x > 0).count()
    }

    /// Total repeat transactions in calibration.
    pub fn calibration_repeat_transactions(&self) -> u64 {
        self.rows.iter().map(|r| u64::from(r.x)).sum()
    }

    /// Total repeat transactions in the holdout.
    pub fn holdout_repeat_transactions(&self) -> u64 {
        self.rows.iter().map(|r| u64::from(r.holdout_x)).sum()
    }

    /// Length of the holdout in periods (0 without one).
    pub fn holdout_periods(&self) -> f64 {
        self.holdout_end.map_or(0.0, |h| {
            f64::from(h.0 - self.calibration_end.0).max(0.0) / self.period.days()
        })
    }
}

/// Summarises `tx` at `calibration_end`, with repeat purchases counted per day (several purchases
/// on one day are one transaction, their amounts summed). Customers whose first purchase is after
/// the calibration end are left out.
pub fn summarise(
    tx: &Transactions,
    calibration_end: Date,
    holdout_end: Option<Date>,
    period: Period,
) -> Summary {
    let days = period.days();
    let mut rows = Vec::with_capacity(tx.customer_count());
    for c in 0..tx.customer_count() as u32 {
        let range = tx.range_of(c);
        if range.is_empty() || tx.day[range.start] > calibration_end {
            continue;
        }
        let first = tx.day[range.start];
        let (mut x, mut last, mut spend) = (0u32, first, 0.0);
        let (mut hx, mut hspend) = (0u32, 0.0);
        let mut i = range.start;
        // Skip the first purchase day (all its rows).
        while i < range.end && tx.day[i] == first {
            i += 1;
        }
        while i < range.end {
            let day = tx.day[i];
            let mut amount = 0.0;
            while i < range.end && tx.day[i] == day {
                amount += tx.amount[i];
                i += 1;
            }
            if day <= calibration_end {
                x += 1;
                last = day;
                spend += amount;
            } else if holdout_end.is_some_and(|h| day <= h) {
                hx += 1;
                hspend += amount;
            }
        }
        rows.push(CustomerSummary {
            customer: c,
            first_day: first,
            x,
            t_x: f64::from(last.0 - first.0) / days,
            age: f64::from(calibration_end.0 - first.0) / days,
            mean_repeat_spend: if x > 0 { spend / f64::from(x) } else { 0.0 },
            holdout_x: hx,
            holdout_spend: hspend,
        });
    }
    Summary {
        period,
        calibration_end,
        holdout_end,
        rows,
    }
}

/// Identical `(x, t_x, T)` rows merged, with their counts as weights: the likelihood of the
/// transaction models depends on nothing else.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Compressed {
    /// Repeat transactions.
    pub x: Vec<f64>,
    /// Recency in periods.
    pub t_x: Vec<f64>,
    /// Age in periods.
    pub age: Vec<f64>,
    /// Number of customers with this row.
    pub weight: Vec<f64>,
    /// Index ranges of rows sharing one `x` (rows are sorted by `x`), cut into chunks of at most
    /// [`CHUNK_ROWS`] rows for parallel evaluation.
    pub chunks: Vec<(usize, usize)>,
}

/// Most rows in one chunk of [`Compressed::chunks`].
pub const CHUNK_ROWS: usize = 8192;

impl Compressed {
    /// Compresses the summary's rows.
    pub fn from_summary(s: &Summary) -> Compressed {
        // Sorted by x, then recency, then age: rows of one x and t_x sit together (the Pareto/NBD
        // reuses its term at t_x along them). Non-negative floats sort like their bit patterns.
        let mut keys: Vec<(u32, u64, u64)> = s
            .rows
            .iter()
            .map(|r| (r.x, r.t_x.to_bits(), r.age.to_bits()))
            .collect();
        keys.par_sort_unstable();
        let mut out = Compressed::default();
        for k in keys {
            let same = out.x.last().is_some_and(|&x| x == f64::from(k.0))
                && out.t_x.last().is_some_and(|&t| t.to_bits() == k.1)
                && out.age.last().is_some_and(|&t| t.to_bits() == k.2);
            if same {
                if let Some(w) = out.weight.last_mut() {
                    *w += 1.0;
                }
            } else {
                out.x.push(f64::from(k.0));
                out.t_x.push(f64::from_bits(k.1));
                out.age.push(f64::from_bits(k.2));
                out.weight.push(1.0);
            }
        }
        let mut start = 0;
        while start < out.x.len() {
            let x = out.x[start];
            let mut end = start;
            while end < out.x.len() && out.x[end] == x && end - start < CHUNK_ROWS {
                end += 1;
            }
            out.chunks.push((start, end));
            start = end;
        }
        out
    }

    /// Number of distinct rows.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Total weight (customers).
    pub fn customers(&self) -> f64 {
        self.weight.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::store::TransactionsBuilder;

    fn d(m: u32, day: u32) -> Date {
        Date::from_ymd(2024, m, day).unwrap()
    }

    #[test]
    fn same_day_purchases_are_one_transaction_and_late_starters_are_left_out() {
        let mut b = TransactionsBuilder::default();
        b.push("a", d(1, 1), 10.0, None);
        b.push("a", d(1, 8), 5.0, None);
        b.push("a", d(1, 8), 7.0, None);
        b.push("a", d(1, 22), 8.0, None);
        b.push("a", d(2, 5), 100.0, None); // holdout
        b.push("a", d(2, 5), 1.0, None);
        b.push("b", d(1, 15), 3.0, None);
        b.push("c", d(2, 1), 3.0, None); // first purchase after calibration
        let tx = b.finish();
        let s = summarise(&tx, d(1, 29), Some(d(2, 29)), Period::Week);
        assert_eq!(s.rows.len(), 2);
        let a = s.rows[0];
        assert_eq!((a.x, a.holdout_x), (2, 1));
        assert_eq!(a.t_x, 3.0);
        assert_eq!(a.age, 4.0);
        assert_eq!(a.mean_repeat_spend, 10.0);
        assert_eq!(a.holdout_spend, 101.0);
        let b = s.rows[1];
        assert_eq!((b.x, b.t_x, b.age, b.mean_repeat_spend), (0, 0.0, 2.0, 0.0));
        assert_eq!(s.repeat_customers(), 1);
        assert_eq!(s.calibration_repeat_transactions(), 2);
        assert_eq!(s.holdout_repeat_transactions(), 1);
        assert!((s.holdout_periods() - 31.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn compression_keeps_weights() {
        let mut b = TransactionsBuilder::default();
        for id in ["a", "b", "c"] {
            b.push(id, d(1, 1), 1.0, None);
        }
        b.push("c", d(1, 8), 1.0, None);
        let s = summarise(&b.finish(), d(1, 29), None, Period::Day);
        let c = Compressed::from_summary(&s);
        assert_eq!(c.len(), 2);
        assert_eq!(c.weight, vec![2.0, 1.0]);
        assert_eq!(c.customers(), 3.0);
    }
}
