//! The model report: the project's customer models fitted on its calibration window, their
//! diagnostics and a backtest — what the GUI's Model page shows.

use serde::Serialize;

use super::diagnostics::{FrequencyBin, TrackingPoint, calibration_histogram, tracking};
use super::{
    Compressed, FitError, SpendFit, Summary, TransactionFit, TransactionParams, fit_gamma_gamma,
    fit_transactions, summarise,
};
use crate::data::store::Transactions;
use crate::model::{Date, Period, Project};
use crate::sim::projection::programme::ProjectionBasis;
use crate::sim::projection::{Backtest, backtest};

/// The last frequency bar of the calibration histogram (it collects this many or more).
const MAX_X: u32 = 7;

/// The fitted models and how well they describe the data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelReport {
    /// Last day of the calibration window the models were fitted on.
    pub calibration_end: Date,
    /// Customers in the calibration window.
    pub customers: usize,
    /// The transaction model's name.
    pub model: String,
    /// Its parameter names.
    pub param_names: [&'static str; 4],
    /// The models' time unit (the rates are per period).
    pub period: Period,
    /// The transaction model's fit.
    pub fit: TransactionFit,
    /// The Gamma-Gamma fit, or why there is none.
    pub spend: Result<SpendFit, String>,
    /// Customers by repeat purchases in calibration, actual and expected.
    pub histogram: Vec<FrequencyBin>,
    /// Cumulative repeat purchases by period, actual and expected, to the end of the data.
    pub tracking: Vec<TrackingPoint>,
    /// Age (in model periods) of the P(alive) curves: the customers' median age.
    pub p_alive_age: f64,
    /// P(alive) by recency (share of `p_alive_age`, 0–1 in 20 steps) for 1, 2, 4 and 8 repeat
    /// purchases: (frequency, curve).
    pub p_alive_curves: Vec<(u32, Vec<f64>)>,
    /// The baseline projected from a calibration window against the rest of the data (`Err`
    /// says why there is none).
    pub backtest: Result<Backtest, String>,
}

/// The day the backtest's calibration window ends: the project's calibration end when it leaves
/// a holdout, else two thirds of the way through the data (at a month end).
pub fn backtest_calibration_end(project: &Project, tx: &Transactions) -> Option<Date> {
    let (first, last) = tx.date_range()?;
    if let Some(end) = project.settings.calibration_end
        && end >= first
        && end < last
    {
        return Some(end);
    }
    let at = Date(first.0 + (last.0 - first.0) * 2 / 3);
    let month_end = Date::first_of_month_index(at.month_index() + 1)?.add_days(-1);
    (month_end >= first && month_end < last).then_some(month_end)
}

/// Fits the project's models on its calibration window (`settings.calibration_end`, default the
/// whole history) and gathers their diagnostics and a backtest of `runs` runs.
pub fn model_report(
    project: &Project,
    tx: &Transactions,
    runs: usize,
) -> Result<ModelReport, FitError> {
    let window = calibration(project, tx)?;
    let fit = fit_transactions(
        project.settings.transaction_model,
        &Compressed::from_summary(&window.summary),
    )?;
    let spend = fit_gamma_gamma(&window.summary).map_err(|e| e.to_string());
    Ok(report_of(project, tx, window, fit, spend, runs))
}

/// [`model_report`] with the models a projection fitted (`basis`, from
/// [`ProjectionBasis::fit`] on the same `project` settings and `tx`): the same fits, not made
/// again (the backtest fits its own, on its shorter window).
pub fn model_report_from(
    project: &Project,
    tx: &Transactions,
    basis: &ProjectionBasis,
    runs: usize,
) -> Result<ModelReport, FitError> {
    let window = calibration(project, tx)?;
    let spend = basis.spend_fit.clone().map_err(|e| e.to_string());
    Ok(report_of(
        project,
        tx,
        window,
        basis.fit.clone(),
        spend,
        runs,
    ))
}

/// The calibration window: its last day and the customers summarised there.
struct Calibration {
    end: Date,
    last: Date,
    summary: Summary,
}

fn calibration(project: &Project, tx: &Transactions) -> Result<Calibration, FitError> {
    let settings = &project.settings;
    let (_, last) = tx.date_range().ok_or_else(|| FitError::Data {
        model: settings.transaction_model.label(),
        reason: "there is no data".into(),
    })?;
    let end = settings.calibration_end.unwrap_or(last).min(last);
    Ok(Calibration {
        end,
        last,
        summary: summarise(tx, end, None, settings.model_period),
    })
}

/// The report of models fitted on `window`.
fn report_of(
    project: &Project,
    tx: &Transactions,
    window: Calibration,
    fit: TransactionFit,
    spend: Result<SpendFit, String>,
    runs: usize,
) -> ModelReport {
    let settings = &project.settings;
    let Calibration { end, last, summary } = window;
    let params: TransactionParams = fit.params;
    let mut ages: Vec<f64> = summary.rows.iter().map(|r| r.age).collect();
    ages.sort_unstable_by(f64::total_cmp);
    let p_alive_age = ages.get(ages.len() / 2).copied().unwrap_or(1.0).max(1e-9);
    let p_alive_curves = [1u32, 2, 4, 8]
        .iter()
        .map(|&x| {
            let curve = (0..=20)
                .map(|k| params.p_alive(f64::from(x), p_alive_age * k as f64 / 20.0, p_alive_age))
                .collect();
            (x, curve)
        })
        .collect();
    let backtest = match backtest_calibration_end(project, tx) {
        Some(end) => backtest(project, tx, end, runs, settings.seed).map_err(|e| e.to_string()),
        None => Err("the data is too short to keep a holdout".into()),
    };
    ModelReport {
        calibration_end: end,
        customers: summary.rows.len(),
        model: settings.transaction_model.label().to_string(),
        param_names: TransactionParams::names(settings.transaction_model),
        period: settings.model_period,
        histogram: calibration_histogram(&params, &summary, MAX_X),
        tracking: tracking(&params, tx, &summary, last),
        spend,
        fit,
        p_alive_age,
        p_alive_curves,
        backtest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TransactionModel;

    fn history() -> Transactions {
        let cfg = crate::sim::generate::GeneratorConfig::default_mix(
            600,
            3,
            Date::from_ymd(2022, 1, 1).unwrap(),
            Date::from_ymd(2023, 12, 31).unwrap(),
        );
        crate::sim::generate::generate(&cfg)
            .unwrap()
            .to_transactions()
    }

    #[test]
    fn report_fits_and_backtests_two_thirds_in() {
        let tx = history();
        let project = Project::default();
        let (first, last) = tx.date_range().unwrap();
        let end = backtest_calibration_end(&project, &tx).unwrap();
        assert!(end > first && end < last);
        assert_eq!(end.add_days(1).ymd().2, 1, "a month end");
        let r = model_report(&project, &tx, 20).unwrap();
        assert_eq!(r.customers, tx.customer_count());
        assert_eq!(r.histogram.len(), MAX_X as usize + 1);
        let counted: usize = r.histogram.iter().map(|b| b.customers).sum();
        assert_eq!(counted, tx.customer_count());
        assert!(r.tracking.windows(2).all(|w| w[1].actual >= w[0].actual));
        assert!(r.p_alive_curves.iter().all(|(_, c)| c.len() == 21));
        let b = r.backtest.as_ref().unwrap();
        assert_eq!(b.calibration_end, end);
        assert!(r.spend.is_ok());
    }

    #[test]
    fn the_report_from_a_projections_models_is_the_report() {
        // `tierlab report` and the GUI's Model page take the projection's fits instead of
        // fitting again: the same report, to the bit.
        let tx = history();
        let mut project = Project::default();
        for model in [TransactionModel::BgNbd, TransactionModel::ParetoNbd] {
            project.settings.transaction_model = model;
            let basis = ProjectionBasis::fit(&project, &tx).unwrap();
            assert_eq!(
                model_report_from(&project, &tx, &basis, 10).unwrap(),
                model_report(&project, &tx, 10).unwrap()
            );
        }
    }

    #[test]
    fn a_calibration_end_that_leaves_a_holdout_is_the_backtests() {
        let tx = history();
        let mut project = Project::default();
        let (first, _) = tx.date_range().unwrap();
        project.settings.calibration_end = Some(first.add_days(300));
        assert_eq!(
            backtest_calibration_end(&project, &tx),
            Some(first.add_days(300))
        );
    }
}
