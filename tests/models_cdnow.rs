//! Golden test: the published CDNOW estimates (see ../shared/data/README.md) are reproduced to
//! the printed precision.

use std::path::Path;

use tierlab::data::import::{ImportOptions, import_csv};
use tierlab::data::store::Transactions;
use tierlab::model::{Date, Period, TransactionModel};
use tierlab::sim::models::diagnostics::{holdout_predicted, tracking};
use tierlab::sim::models::{Compressed, Summary, fit_gamma_gamma, fit_transactions, summarise};

fn tx() -> Transactions {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/cdnow_sample.csv");
    import_csv(&path, &ImportOptions::default()).unwrap().0
}

fn cdnow() -> Summary {
    summarise(
        &tx(),
        Date::from_ymd(1997, 9, 30).unwrap(),
        Some(Date::from_ymd(1998, 6, 30).unwrap()),
        Period::Week,
    )
}

/// The four estimates agree with the published ones to the printed three decimals.
fn assert_params(v: &[f64], published: [f64; 4]) {
    let rounded: Vec<f64> = v.iter().map(|&x| round(x, 3)).collect();
    assert_eq!(rounded, published, "{v:?}");
}

fn round(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

#[test]
fn summary_counts() {
    let s = cdnow();
    assert_eq!(s.rows.len(), 2357);
    assert_eq!(s.repeat_customers(), 946);
    assert_eq!(s.calibration_repeat_transactions(), 2457);
    assert_eq!(s.holdout_repeat_transactions(), 1882);
}

#[test]
fn bgnbd_reproduces_fader_hardie_lee_2005() {
    let s = cdnow();
    let fit = fit_transactions(TransactionModel::BgNbd, &Compressed::from_summary(&s)).unwrap();
    assert_params(&fit.params.to_vec(), [0.243, 4.414, 0.793, 2.426]);
    assert_eq!(round(fit.log_likelihood, 1), -9582.4);
    assert!(
        fit.std_errors
            .iter()
            .all(|e| e.is_some_and(|e| e > 0.0 && e < 1.0)),
        "{:?}",
        fit.std_errors
    );
    // The holdout prediction from each customer's history agrees with the population tracking
    // curve, and stays within 15% of the 1,882 transactions that happened.
    let predicted = holdout_predicted(&fit.params, &s);
    let track = tracking(&fit.params, &tx(), &s, Date::from_ymd(1998, 6, 30).unwrap());
    let week_39 = &track[38];
    let last = track.last().unwrap();
    assert_eq!(week_39.period_end, Date::from_ymd(1997, 9, 30).unwrap());
    let unconditional = last.expected - week_39.expected;
    assert!(
        (predicted - unconditional).abs() / unconditional < 0.02,
        "{predicted} vs {unconditional}"
    );
    assert!((predicted - 1882.0).abs() / 1882.0 < 0.15, "{predicted}");
    assert_eq!(last.actual - week_39.actual, 1882.0);
}

#[test]
fn pareto_nbd_reproduces_the_published_table() {
    let s = cdnow();
    let fit = fit_transactions(TransactionModel::ParetoNbd, &Compressed::from_summary(&s)).unwrap();
    assert_params(&fit.params.to_vec(), [0.553, 10.578, 0.606, 11.669]);
    assert_eq!(round(fit.log_likelihood, 1), -9595.0);
    // Inside its bounds: every parameter estimated, nothing to explain.
    assert!(fit.at_bound.is_empty() && fit.bound_notes(tierlab::model::Period::Week).is_empty());
    assert!(fit.std_errors.iter().all(Option::is_some), "{fit:?}");
}

#[test]
fn gamma_gamma_reproduces_fader_hardie_lee_2005() {
    let s = cdnow();
    let fit = fit_gamma_gamma(&s).unwrap();
    assert_eq!(fit.customers, 946);
    let p = fit.params;
    assert_eq!(
        [round(p.p, 2), round(p.q, 2), round(p.gamma, 2)],
        [6.25, 3.74, 15.44],
        "{p:?}"
    );
}

#[test]
fn diagnostics_are_consistent() {
    use tierlab::sim::models::diagnostics::{
        calibration_histogram, clv, conditional_by_frequency, p_alive_grid,
    };
    let s = cdnow();
    let fit = fit_transactions(TransactionModel::BgNbd, &Compressed::from_summary(&s)).unwrap();
    let p = fit.params;
    // The histogram counts every customer, actual and expected.
    let hist = calibration_histogram(&p, &s, 7);
    let actual: f64 = hist.iter().map(|b| b.actual).sum();
    let expected: f64 = hist.iter().map(|b| b.expected).sum();
    assert_eq!(actual, 2357.0);
    assert!((expected - 2357.0).abs() < 1e-6, "{expected}");
    assert_eq!(hist[0].actual, 1411.0, "one-time buyers");
    // FHL (2005, fig. 2): the BG/NBD fits the calibration histogram closely.
    for b in &hist {
        assert!((b.expected - b.actual).abs() < 0.1 * 2357.0, "{b:?}");
    }
    // Conditional expectations by frequency add up to the holdout prediction.
    let bins = conditional_by_frequency(&p, &s, 7);
    let total: f64 = bins.iter().map(|b| b.expected * b.customers as f64).sum();
    assert!((total - holdout_predicted(&p, &s)).abs() < 1e-6);
    assert!(
        bins.windows(2).all(|w| w[0].expected < w[1].expected),
        "more past purchases, more future ones"
    );
    // P(alive): 1 for one-time buyers; higher with a more recent last purchase.
    let grid = p_alive_grid(&p, 39.0, 5, 10);
    assert!(grid[0].iter().all(|&v| v == 1.0));
    assert!(grid[3].windows(2).all(|w| w[0] <= w[1]));
    // CLV grows with the horizon, shrinks with the discount rate, and favours active buyers.
    let gg = fit_gamma_gamma(&s).unwrap().params;
    let loyal = s
        .rows
        .iter()
        .find(|r| r.x >= 5 && r.age - r.t_x < 2.0)
        .unwrap();
    let lapsed = s
        .rows
        .iter()
        .find(|r| r.x >= 1 && r.t_x < 2.0 && r.age > 35.0)
        .unwrap();
    let v = |r, h, d| clv(&p, &gg, r, h, 0.3, d);
    assert!(v(loyal, 52, 0.002) > v(loyal, 26, 0.002));
    assert!(v(loyal, 52, 0.002) > v(loyal, 52, 0.01));
    assert!(v(loyal, 52, 0.002) > 5.0 * v(lapsed, 52, 0.002));
    assert_eq!(v(loyal, 0, 0.002), 0.0);
}
