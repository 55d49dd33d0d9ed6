//! `tierlab backtest`: fit on the calibration window, project the baseline over the rest of the
//! data, and score the projection against what happened.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::{Value, json};

use super::Format;
use super::simulate::load;
use super::table::render;
use crate::format::{count, money};
use crate::model::Date;
use crate::sim::projection::{Backtest, Scored, backtest as run_backtest};

/// Runs `tierlab backtest`.
pub fn backtest(
    path: &Path,
    calibration_end: Date,
    runs: Option<u32>,
    seed: Option<u64>,
    format: Format,
) -> Result<ExitCode> {
    let loaded = load(path)?;
    let settings = &loaded.project.settings;
    let runs = runs.unwrap_or(settings.monte_carlo_runs).max(1) as usize;
    let seed = seed.unwrap_or(settings.seed);
    let result = run_backtest(
        &loaded.project,
        &loaded.transactions,
        calibration_end,
        runs,
        seed,
    )
    .with_context(|| format!("backtest of {}", path.display()))?;
    match format {
        Format::Json => {
            let doc = json!({
                "project": loaded.project.name,
                "backtest": to_json(&result),
            });
            outln!("{}", serde_json::to_string_pretty(&doc)?)?;
        }
        Format::Table => out!("{}", table(&result))?,
    }
    Ok(ExitCode::SUCCESS)
}

fn scored_json(s: &Scored) -> Value {
    json!({
        "actual": s.actual,
        "predicted": s.predicted,
        "p10": s.p10,
        "p90": s.p90,
        "error_pct": s.error_pct,
    })
}

/// The backtest as JSON (keys are a stable interface).
fn to_json(b: &Backtest) -> Value {
    json!({
        "calibration_end": b.calibration_end.to_string(),
        "holdout_end": b.holdout_end.to_string(),
        "model": b.model,
        "params": b.params,
        "spend_params": b.spend_params,
        "runs": b.runs,
        "customers": b.customers,
        "repeat_customers": b.repeat_customers,
        "notes": b.notes,
        "total": {
            "transactions": scored_json(&b.total.transactions),
            "revenue": scored_json(&b.total.revenue),
            "transactions_mape_pct": b.total.transactions_mape_pct,
            "revenue_mape_pct": b.total.revenue_mape_pct,
            "active_customers_mape_pct": b.total.active_customers_mape_pct,
        },
        "monthly": b.monthly.iter().map(|m| json!({
            "month": m.month.to_string(),
            "transactions": scored_json(&m.transactions),
            "revenue": scored_json(&m.revenue),
            "active_customers": scored_json(&m.active_customers),
        })).collect::<Vec<_>>(),
    })
}

fn error(e: Option<f64>) -> String {
    e.map_or("-".into(), |e| format!("{e:+.1}%"))
}

fn mape(e: Option<f64>) -> String {
    e.map_or("-".into(), |e| format!("{e:.1}%"))
}

/// The backtest for people: totals, then month by month.
fn table(b: &Backtest) -> String {
    let n = |v: f64| count(v.round().max(0.0) as u64);
    let mut out = format!(
        "Backtest: {} fitted on the history to {}, projected to {} ({} runs, {} customers)\n\n",
        b.model,
        b.calibration_end,
        b.holdout_end,
        b.runs,
        count(b.customers as u64)
    );
    let mut rows = vec![vec![
        "holdout".to_string(),
        "actual".into(),
        "predicted".into(),
        "P10–P90".into(),
        "error".into(),
        "monthly MAPE".into(),
    ]];
    let t = &b.total;
    rows.push(vec![
        "transactions".into(),
        n(t.transactions.actual),
        n(t.transactions.predicted),
        format!("{}–{}", n(t.transactions.p10), n(t.transactions.p90)),
        error(t.transactions.error_pct),
        mape(t.transactions_mape_pct),
    ]);
    rows.push(vec![
        "revenue".into(),
        money(t.revenue.actual),
        money(t.revenue.predicted),
        format!("{}–{}", money(t.revenue.p10), money(t.revenue.p90)),
        error(t.revenue.error_pct),
        mape(t.revenue_mape_pct),
    ]);
    rows.push(vec![
        "active customers / month".into(),
        "".into(),
        "".into(),
        "".into(),
        "".into(),
        mape(t.active_customers_mape_pct),
    ]);
    out.push_str(&render(&rows));
    out.push('\n');
    if !b.notes.is_empty() {
        out.push_str(&format!(
            "How far the fit can be trusted ({} customers by {}, {} of them with a repeat \
             purchase):\n",
            count(b.customers as u64),
            b.calibration_end,
            count(b.repeat_customers as u64)
        ));
        for note in &b.notes {
            out.push_str(&format!("- {note}\n"));
        }
        out.push('\n');
    }
    let mut rows = vec![vec![
        "month".to_string(),
        "transactions".into(),
        "predicted".into(),
        "error".into(),
        "revenue".into(),
        "predicted".into(),
        "error".into(),
        "active".into(),
        "predicted".into(),
        "error".into(),
    ]];
    for m in &b.monthly {
        rows.push(vec![
            m.month.to_string(),
            n(m.transactions.actual),
            n(m.transactions.predicted),
            error(m.transactions.error_pct),
            money(m.revenue.actual),
            money(m.revenue.predicted),
            error(m.revenue.error_pct),
            n(m.active_customers.actual),
            n(m.active_customers.predicted),
            error(m.active_customers.error_pct),
        ]);
    }
    out.push_str(&render(&rows));
    out
}
