//! Predictions and the data of the standard diagnostic plots: holdout predictions, expected vs
//! actual calibration frequencies, conditional expectations by frequency, the tracking plot,
//! P(alive) grids, and customer lifetime value.

use serde::Serialize;

use super::special::ln_gamma;
use super::spend::GammaGammaParams;
use super::summary::Summary;
use super::transaction::TransactionParams;
use crate::data::store::Transactions;
use crate::model::Date;

/// Expected repeat transactions of every customer over the holdout, summed.
pub fn holdout_predicted(params: &TransactionParams, summary: &Summary) -> f64 {
    let t = summary.holdout_periods();
    summary
        .rows
        .iter()
        .map(|r| params.expected_conditional(t, f64::from(r.x), r.t_x, r.age))
        .sum()
}

/// One bar of a diagnostic by calibration frequency (the last bar collects `x ≥` its value).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FrequencyBin {
    /// Repeat transactions in calibration (the last bin: this many or more).
    pub x: u32,
    /// Customers in the bin.
    pub customers: usize,
    /// Actual value (count of customers, or mean holdout transactions).
    pub actual: f64,
    /// The model's expectation of the same.
    pub expected: f64,
}

fn empty_bins(max_x: u32) -> Vec<FrequencyBin> {
    (0..=max_x)
        .map(|x| FrequencyBin {
            x,
            customers: 0,
            actual: 0.0,
            expected: 0.0,
        })
        .collect()
}

/// Conditional expectations: mean holdout repeat transactions by calibration frequency, actual
/// and predicted (FHL 2005, figure 5).
pub fn conditional_by_frequency(
    params: &TransactionParams,
    summary: &Summary,
    max_x: u32,
) -> Vec<FrequencyBin> {
    let t = summary.holdout_periods();
    let mut bins = empty_bins(max_x);
    for r in &summary.rows {
        let b = &mut bins[r.x.min(max_x) as usize];
        b.customers += 1;
        b.actual += f64::from(r.holdout_x);
        b.expected += params.expected_conditional(t, f64::from(r.x), r.t_x, r.age);
    }
    for b in &mut bins {
        if b.customers > 0 {
            b.actual /= b.customers as f64;
            b.expected /= b.customers as f64;
        }
    }
    bins
}

/// `P(X(t) = x)` for `x = 0..=max_x` for a new customer observed for `t` periods.
pub fn frequency_distribution(params: &TransactionParams, t: f64, max_x: u32) -> Vec<f64> {
    let nbd = |r: f64, alpha: f64, t: f64, x: u32| -> f64 {
        let x = f64::from(x);
        (ln_gamma(r + x) - ln_gamma(r) - ln_gamma(x + 1.0)
            + r * (alpha / (alpha + t)).ln()
            + if x > 0.0 {
                x * (t / (alpha + t)).ln()
            } else {
                0.0
            })
        .exp()
    };
    let ln_beta = |p: f64, q: f64| ln_gamma(p) + ln_gamma(q) - ln_gamma(p + q);
    match *params {
        TransactionParams::BgNbd { r, alpha, a, b }
        | TransactionParams::MbgNbd { r, alpha, a, b } => {
            let modified = matches!(params, TransactionParams::MbgNbd { .. });
            let mut cdf_below = 0.0f64; // P_NB(X < x)
            (0..=max_x)
                .map(|x| {
                    let xf = f64::from(x);
                    let p_nb = nbd(r, alpha, t, x);
                    // Alive after the x-th repeat purchase, and exactly x purchases by t; or dropped
                    // out right after the x-th (a-th coin), which happened before t.
                    let (alive_exp, died_exp) = if modified {
                        (xf + 1.0, Some(xf))
                    } else {
                        (xf, (x > 0).then_some(xf - 1.0))
                    };
                    let alive = (ln_beta(a, b + alive_exp) - ln_beta(a, b)).exp() * p_nb;
                    let died = died_exp.map_or(0.0, |k| {
                        (ln_beta(a + 1.0, b + k) - ln_beta(a, b)).exp() * (1.0 - cdf_below).max(0.0)
                    });
                    cdf_below += p_nb;
                    alive + died
                })
                .collect()
        }
        TransactionParams::ParetoNbd { r, alpha, s, beta } => {
            // Integrate over the dropout time τ (Pareto II) with Gauss-Legendre quadrature.
            let (nodes, weights) = gauss_legendre_64();
            let survive = (beta / (beta + t)).powf(s);
            (0..=max_x)
                .map(|x| {
                    let mut integral = 0.0;
                    for k in 0..nodes.len() {
                        let tau = 0.5 * t * (nodes[k] + 1.0);
                        let density = s * beta.powf(s) / (beta + tau).powf(s + 1.0);
                        integral += 0.5 * t * weights[k] * density * nbd(r, alpha, tau, x);
                    }
                    survive * nbd(r, alpha, t, x) + integral
                })
                .collect()
        }
    }
}

/// Calibration-period frequency histogram: customers with each number of repeat transactions,
/// actual and expected (FHL 2005, figure 2). The last bin collects `x ≥ max_x`.
pub fn calibration_histogram(
    params: &TransactionParams,
    summary: &Summary,
    max_x: u32,
) -> Vec<FrequencyBin> {
    let mut bins = empty_bins(max_x);
    // Customers with the same age share one distribution.
    let mut ages: Vec<u64> = summary.rows.iter().map(|r| r.age.to_bits()).collect();
    ages.sort_unstable();
    let mut i = 0;
    while i < ages.len() {
        let j = ages[i..]
            .iter()
            .position(|&a| a != ages[i])
            .map_or(ages.len(), |k| i + k);
        let count = (j - i) as f64;
        let dist = frequency_distribution(params, f64::from_bits(ages[i]), max_x);
        let below: f64 = dist[..max_x as usize].iter().sum();
        for (x, p) in dist.iter().enumerate().take(max_x as usize) {
            bins[x].expected += count * p;
        }
        bins[max_x as usize].expected += count * (1.0 - below).max(0.0);
        i = j;
    }
    for r in &summary.rows {
        let b = &mut bins[r.x.min(max_x) as usize];
        b.customers += 1;
        b.actual += 1.0;
    }
    bins
}

/// One point of the tracking plot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrackingPoint {
    /// End of the period.
    pub period_end: Date,
    /// Actual cumulative repeat transactions (purchase days after each customer's first).
    pub actual: f64,
    /// Expected cumulative repeat transactions.
    pub expected: f64,
}

/// Cumulative repeat transactions per period, actual and expected, for the customers of
/// `summary` (FHL 2005, figure 3). Periods are aligned so that one ends exactly on the calibration
/// end; the first ends within a period of the earliest first purchase, the last at or after `end`.
pub fn tracking(
    params: &TransactionParams,
    tx: &Transactions,
    summary: &Summary,
    end: Date,
) -> Vec<TrackingPoint> {
    let days = summary.period.days();
    let Some(start) = summary.rows.iter().map(|r| r.first_day).min() else {
        return Vec::new();
    };
    let cal = f64::from(summary.calibration_end.0);
    let j0 = -((cal - f64::from(start.0)) / days).floor() as i64;
    let j1 = ((f64::from(end.0) - cal) / days).ceil().max(0.0) as i64;
    let ends: Vec<f64> = (j0..=j1).map(|j| (cal + j as f64 * days).floor()).collect();
    let mut actual = vec![0.0; ends.len()];
    // Repeat purchase days, each counted in the first period whose end is on or after it.
    for r in &summary.rows {
        let mut prev = r.first_day;
        for i in tx.range_of(r.customer) {
            let d = tx.day[i];
            if d != prev && d > r.first_day && d <= end {
                let k = ends.partition_point(|&e| e < f64::from(d.0));
                if let Some(slot) = actual.get_mut(k) {
                    *slot += 1.0;
                }
            }
            prev = d;
        }
    }
    // Customers with the same first day share the expectation.
    let mut firsts: Vec<i32> = summary.rows.iter().map(|r| r.first_day.0).collect();
    firsts.sort_unstable();
    let mut cohorts: Vec<(i32, f64)> = Vec::new();
    for f in firsts {
        match cohorts.last_mut() {
            Some((d, n)) if *d == f => *n += 1.0,
            _ => cohorts.push((f, 1.0)),
        }
    }
    let mut cum_actual = 0.0;
    ends.iter()
        .zip(&actual)
        .map(|(&e, &a)| {
            cum_actual += a;
            let expected = cohorts
                .iter()
                .map(|&(first, n)| n * params.expected_unconditional((e - f64::from(first)) / days))
                .sum();
            TrackingPoint {
                period_end: Date(e as i32),
                actual: cum_actual,
                expected,
            }
        })
        .collect()
}

/// P(alive) at `age` for each frequency `0..=max_x` (rows) and recency `t_x` in `steps` equal
/// steps from 0 to `age` (columns): the data of the P(alive) heat map.
pub fn p_alive_grid(
    params: &TransactionParams,
    age: f64,
    max_x: u32,
    steps: usize,
) -> Vec<Vec<f64>> {
    (0..=max_x)
        .map(|x| {
            (0..=steps)
                .map(|k| {
                    let t_x = if x == 0 {
                        0.0
                    } else {
                        age * k as f64 / steps as f64
                    };
                    params.p_alive(f64::from(x), t_x, age)
                })
                .collect()
        })
        .collect()
}

/// Customer lifetime value over `horizon` periods: expected margin of each period's expected
/// transactions at the Gamma-Gamma expected spend, discounted at `discount_per_period`.
pub fn clv(
    params: &TransactionParams,
    spend: &GammaGammaParams,
    row: &super::summary::CustomerSummary,
    horizon: usize,
    margin: f64,
    discount_per_period: f64,
) -> f64 {
    let (x, t_x, age) = (f64::from(row.x), row.t_x, row.age);
    let value = spend.expected_spend(x, row.mean_repeat_spend) * margin;
    let mut prev = 0.0;
    let mut total = 0.0;
    for k in 1..=horizon {
        let cum = params.expected_conditional(k as f64, x, t_x, age);
        total += (cum - prev) * value / (1.0 + discount_per_period).powi(k as i32);
        prev = cum;
    }
    total
}

/// Nodes and weights of 64-point Gauss-Legendre quadrature on [−1, 1], computed once by Newton's
/// method on the Legendre polynomial.
fn gauss_legendre_64() -> (Vec<f64>, Vec<f64>) {
    const N: usize = 64;
    let mut nodes = vec![0.0; N];
    let mut weights = vec![0.0; N];
    for i in 0..N {
        let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (N as f64 + 0.5)).cos();
        for _ in 0..100 {
            let (mut p1, mut p2) = (1.0, 0.0);
            for j in 0..N {
                let p3 = p2;
                p2 = p1;
                p1 = ((2.0 * j as f64 + 1.0) * z * p2 - j as f64 * p3) / (j as f64 + 1.0);
            }
            let pp = N as f64 * (z * p1 - p2) / (z * z - 1.0);
            let dz = p1 / pp;
            z -= dz;
            if dz.abs() < 1e-15 {
                let w = 2.0 / ((1.0 - z * z) * pp * pp);
                nodes[i] = z;
                weights[i] = w;
                break;
            }
        }
    }
    (nodes, weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrature_integrates_polynomials() {
        let (x, w) = gauss_legendre_64();
        let integral: f64 = x.iter().zip(&w).map(|(x, w)| w * x.powi(4)).sum();
        assert!((integral - 0.4).abs() < 1e-13);
        assert!((w.iter().sum::<f64>() - 2.0).abs() < 1e-13);
    }

    #[test]
    fn frequency_distributions_sum_to_one() {
        for params in [
            TransactionParams::BgNbd {
                r: 0.243,
                alpha: 4.414,
                a: 0.793,
                b: 2.426,
            },
            TransactionParams::MbgNbd {
                r: 0.5,
                alpha: 5.0,
                a: 0.9,
                b: 3.0,
            },
            TransactionParams::ParetoNbd {
                r: 0.553,
                alpha: 10.578,
                s: 0.606,
                beta: 11.669,
            },
        ] {
            let dist = frequency_distribution(&params, 39.0, 400);
            let total: f64 = dist.iter().sum();
            assert!((total - 1.0).abs() < 1e-6, "{params:?}: {total}");
            assert!(dist.iter().all(|p| *p >= 0.0));
            // The mean of the distribution is the unconditional expectation.
            let mean: f64 = dist.iter().enumerate().map(|(x, p)| x as f64 * p).sum();
            let want = params.expected_unconditional(39.0);
            assert!(
                (mean - want).abs() < 1e-4 * want.max(1.0),
                "{params:?}: {mean} vs {want}"
            );
        }
    }
}
