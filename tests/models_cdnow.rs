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
    let v = fit.params.to_vec();
    assert_eq!(
        [
            round(v[0], 3),
            round(v[1], 3),
            round(v[2], 3),
            round(v[3], 3)
        ],
        [0.243, 4.414, 0.793, 2.426],
        "{v:?}"
    );
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
    let v = fit.params.to_vec();
    assert_eq!(
        [
            round(v[0], 3),
            round(v[1], 3),
            round(v[2], 3),
            round(v[3], 3)
        ],
        [0.553, 10.578, 0.606, 11.669],
        "{v:?}"
    );
    assert_eq!(round(fit.log_likelihood, 1), -9595.0);
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
