//! `tierlab fit`: fit the customer models on a transaction file and print their estimates.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::ValueEnum;
use serde_json::{Map, Value, json};

use super::table::render;
use super::{Format, MappingArgs};
use crate::data::import::import_csv;
use crate::format::{count, estimate};
use crate::model::{Date, Period, TransactionModel};
use crate::sim::models::diagnostics::holdout_predicted;
use crate::sim::models::{
    Compressed, GammaGammaParams, TransactionParams, fit_gamma_gamma, fit_transactions, summarise,
};

/// Which models `fit` estimates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelChoice {
    /// BG/NBD.
    Bgnbd,
    /// MBG/NBD.
    Mbgnbd,
    /// Pareto/NBD.
    ParetoNbd,
    /// Gamma-Gamma spend.
    GammaGamma,
    /// All of them.
    All,
}

/// Time unit of the models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PeriodChoice {
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Months.
    Month,
}

impl From<PeriodChoice> for Period {
    fn from(p: PeriodChoice) -> Period {
        match p {
            PeriodChoice::Day => Period::Day,
            PeriodChoice::Week => Period::Week,
            PeriodChoice::Month => Period::Month,
        }
    }
}

fn json_key(kind: TransactionModel) -> &'static str {
    match kind {
        TransactionModel::BgNbd => "bgnbd",
        TransactionModel::MbgNbd => "mbgnbd",
        TransactionModel::ParetoNbd => "pareto_nbd",
    }
}

fn named(names: &[&str], values: impl IntoIterator<Item = Value>) -> Value {
    Value::Object(
        names
            .iter()
            .map(|n| n.to_string())
            .zip(values)
            .collect::<Map<String, Value>>(),
    )
}

/// The names of the parameters at `indices`.
fn names_of(names: &[&str], indices: &[usize]) -> Value {
    json!(
        indices
            .iter()
            .filter_map(|&i| names.get(i))
            .collect::<Vec<_>>()
    )
}

fn opt(v: Option<f64>) -> Value {
    v.map_or(Value::Null, |v| json!(v))
}

/// Runs `tierlab fit`.
pub fn fit(
    csv: &Path,
    mapping: &MappingArgs,
    calibration_end: Date,
    holdout_end: Option<Date>,
    period: Period,
    choice: ModelChoice,
    format: Format,
) -> Result<ExitCode> {
    if let Some(h) = holdout_end
        && h <= calibration_end
    {
        anyhow::bail!("--holdout-end {h} must be after --calibration-end {calibration_end}");
    }
    let (tx, _) = import_csv(csv, &mapping.to_options())?;
    // Past the last transaction, the customers' ages (and a holdout) would run on beyond the
    // data, as if nobody had bought since: the fit would read the missing data as dropout.
    if let Some((_, last)) = tx.date_range() {
        for (flag, date) in [
            ("--calibration-end", Some(calibration_end)),
            ("--holdout-end", holdout_end),
        ] {
            if let Some(d) = date.filter(|&d| d > last) {
                anyhow::bail!(
                    "{flag} {d} is after the last transaction ({last}) of {}: the data cannot \
                     tell who bought since; take a date up to {last}",
                    csv.display()
                );
            }
        }
    }
    let summary = summarise(&tx, calibration_end, holdout_end, period);
    if summary.rows.is_empty() {
        anyhow::bail!(
            "no customer made a first purchase on or before {calibration_end}: {}",
            csv.display()
        );
    }
    let data = Compressed::from_summary(&summary);
    let kinds: Vec<TransactionModel> = match choice {
        ModelChoice::Bgnbd => vec![TransactionModel::BgNbd],
        ModelChoice::Mbgnbd => vec![TransactionModel::MbgNbd],
        ModelChoice::ParetoNbd => vec![TransactionModel::ParetoNbd],
        ModelChoice::GammaGamma => vec![],
        ModelChoice::All => vec![
            TransactionModel::BgNbd,
            TransactionModel::MbgNbd,
            TransactionModel::ParetoNbd,
        ],
    };
    let with_spend = matches!(choice, ModelChoice::GammaGamma | ModelChoice::All);
    let mut models = Map::new();
    let mut rows = vec![vec![
        "model".to_string(),
        "parameters (standard errors)".into(),
        "log-likelihood".into(),
        "holdout predicted".into(),
    ]];
    let mut failed = false;
    // What a reader of the table should know of estimates at a bound, under it.
    let mut notes: Vec<String> = Vec::new();
    let describe = |names: &[&str], values: &[f64], ses: &[Option<f64>]| {
        names
            .iter()
            .zip(values)
            .zip(ses)
            .map(|((n, v), se)| {
                let v = estimate(*v, 3);
                match se {
                    Some(se) => format!("{n} {v} ({se:.3})"),
                    None => format!("{n} {v} (-)"),
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    for kind in kinds {
        let names = TransactionParams::names(kind);
        match fit_transactions(kind, &data) {
            Ok(f) => {
                let values = f.params.to_vec();
                let predicted = holdout_end.map(|_| holdout_predicted(&f.params, &summary));
                models.insert(
                    json_key(kind).into(),
                    json!({
                        "params": named(&names, values.iter().map(|v| json!(v))),
                        "log_likelihood": f.log_likelihood,
                        "std_errors": named(&names, f.std_errors.iter().map(|e| opt(*e))),
                        "holdout_predicted": opt(predicted),
                        "iterations": f.iterations,
                        "at_bound": names_of(&names, &f.at_bound),
                    }),
                );
                notes.extend(
                    f.notes(period)
                        .into_iter()
                        .map(|n| format!("{}: {n}.", kind.label())),
                );
                rows.push(vec![
                    kind.label().into(),
                    describe(&names, &values, &f.std_errors),
                    format!("{:.1}", f.log_likelihood),
                    predicted.map_or("-".into(), |p| format!("{p:.1}")),
                ]);
            }
            Err(e) => {
                failed = true;
                models.insert(json_key(kind).into(), json!({ "error": e.to_string() }));
                rows.push(vec![
                    kind.label().into(),
                    format!("error: {e}"),
                    "-".into(),
                    "-".into(),
                ]);
            }
        }
    }
    if with_spend {
        match fit_gamma_gamma(&summary) {
            Ok(f) => {
                let values = [f.params.p, f.params.q, f.params.gamma];
                let population_mean = f.params.expected_spend(0.0, 0.0);
                models.insert(
                    "gamma_gamma".into(),
                    json!({
                        "params": named(&GammaGammaParams::NAMES, values.iter().map(|v| json!(v))),
                        "log_likelihood": f.log_likelihood,
                        "std_errors": named(&GammaGammaParams::NAMES, f.std_errors.iter().map(|e| opt(*e))),
                        "customers": f.customers,
                        "population_mean_spend": population_mean,
                        "iterations": f.iterations,
                        "at_bound": names_of(&GammaGammaParams::NAMES, &f.at_bound),
                    }),
                );
                notes.extend(f.notes().into_iter().map(|n| format!("Gamma-Gamma: {n}.")));
                rows.push(vec![
                    "Gamma-Gamma".into(),
                    describe(&GammaGammaParams::NAMES, &values, &f.std_errors),
                    format!("{:.1}", f.log_likelihood),
                    "-".into(),
                ]);
            }
            Err(e) => {
                failed = true;
                models.insert("gamma_gamma".into(), json!({ "error": e.to_string() }));
                rows.push(vec![
                    "Gamma-Gamma".into(),
                    format!("error: {e}"),
                    "-".into(),
                    "-".into(),
                ]);
            }
        }
    }
    let holdout_total = holdout_end.map(|_| summary.holdout_repeat_transactions());
    match format {
        Format::Json => {
            let doc = json!({
                "data": {
                    "customers": summary.rows.len(),
                    "repeat_customers": summary.repeat_customers(),
                    "calibration_repeat_transactions": summary.calibration_repeat_transactions(),
                    "holdout_repeat_transactions": holdout_total,
                    "period": period.label(),
                    "calibration_end": calibration_end.to_string(),
                    "holdout_end": holdout_end.map(|d| d.to_string()),
                },
                "models": models,
            });
            outln!(
                "{}",
                serde_json::to_string_pretty(&doc).context("encoding the result")?
            )?;
        }
        Format::Table => {
            outln!(
                "{} customers ({} repeat), {} repeat transactions in calibration to {calibration_end}{}; time unit: {}",
                count(summary.rows.len() as u64),
                count(summary.repeat_customers() as u64),
                count(summary.calibration_repeat_transactions()),
                holdout_total.map_or(String::new(), |h| format!(", {} in the holdout", count(h))),
                period.label()
            )?;
            outln!("")?;
            out!("{}", render(&rows))?;
            if !notes.is_empty() {
                outln!("")?;
                for n in &notes {
                    outln!("{n}")?;
                }
            }
        }
    }
    Ok(ExitCode::from(u8::from(failed)))
}
