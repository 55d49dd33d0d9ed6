//! `tierlab simulate` and `tierlab explain`: replay the history under each scenario.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};

use super::table::render;
use crate::data::project_io::{LoadError, LoadedProject, load_project_with_data};
use crate::data::store::Transactions;
use crate::export::write_result_tables;
use crate::format::{count, counted};
use crate::model::{Date, Project, Scenario, Severity};
use crate::report::{ReportInput, write_charts, write_report};
use crate::sim::models::report::{ModelReport, model_report, model_report_from};
use crate::sim::projection::programme::{
    Control, Fitted, GroupOutlook, OutlookCache, Projection, ProjectionBasis, ProjectionError,
    ProjectionOptions, ScenarioOutlook, project_replaying, projection_measures,
};
use crate::sim::replay::{
    Population, Replay, Totals, comparison_measures, explain as explain_customer, replay,
};

/// Output format of `simulate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SimFormat {
    /// Scenarios side by side.
    Table,
    /// One JSON document.
    Json,
    /// The totals table as CSV on standard output.
    Csv,
}

/// Loads a project and its data, refusing one with validation errors.
pub(super) fn load(path: &Path) -> Result<LoadedProject> {
    let loaded = load_project_with_data(path).map_err(|e| match e {
        // The data file is named last; say which project wanted it first.
        LoadError::Import(e) => {
            anyhow::Error::new(e).context(format!("the data of {}", path.display()))
        }
        e => e.into(),
    })?;
    let errors: Vec<String> = loaded
        .project
        .validate()
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.to_string())
        .collect();
    if !errors.is_empty() {
        bail!(
            "the project has {} errors (run `tierlab validate`):\n  {}\nin {}",
            errors.len(),
            errors.join("\n  "),
            path.display()
        );
    }
    Ok(loaded)
}

/// The totals with the derived measures, as JSON (keys are a stable interface).
fn totals_json(
    t: &Totals,
    breakage: Option<f64>,
    liability: Option<f64>,
    eligible: Option<u64>,
) -> Value {
    let mut v = json!({
        "members": t.members,
        "active_members": t.active_members,
        "revenue": t.revenue,
        "member_revenue": t.member_revenue,
        "points_issued": t.points_issued,
        "points_redeemed": t.points_redeemed,
        "points_expired": t.points_expired,
        "points_outstanding": t.points_outstanding,
        "points_clawed_back": t.points_clawed_back,
        "clawback_shortfall": t.clawback_shortfall,
        "redemptions": t.redemptions,
        "rewards_cost": t.rewards_cost,
        "benefits_cost": t.benefits_cost,
        "discount_cost": t.discount_cost,
        "total_cost": t.total_cost(),
        "cost_to_revenue": t.cost_to_revenue(),
        "redemption_rate": t.redemption_rate(),
        "upgrades": t.upgrades,
        "downgrades": t.downgrades,
    });
    // Breakage and liability are estimated for a scenario as a whole.
    if let Some(l) = liability {
        v["breakage_rate"] = json!(breakage);
        v["liability"] = json!(l);
    }
    if let Some(e) = eligible {
        v["enrolment_rate"] = json!((e > 0).then(|| t.members as f64 / e as f64));
        v["active_participation"] =
            json!((t.members > 0).then(|| t.active_members as f64 / t.members as f64));
    }
    v
}

fn keyed(names: &[String], rows: &[Totals]) -> Value {
    Value::Object(
        names
            .iter()
            .zip(rows)
            .map(|(n, t)| (n.clone(), totals_json(t, None, None, None)))
            .collect::<Map<String, Value>>(),
    )
}

fn replay_json(r: &Replay, pop: &Population, tier_names: &[String]) -> Value {
    let personas = pop.persona_labels();
    let monthly: Vec<Value> = r
        .monthly
        .iter()
        .map(|m| {
            let mut v = totals_json(&m.totals, None, None, None);
            v["month"] = json!(m.month.year_month());
            v["tier_members"] = Value::Object(
                tier_names
                    .iter()
                    .cloned()
                    .zip(m.tier_members.iter().map(|n| json!(n)))
                    .collect(),
            );
            v
        })
        .collect();
    json!({
        "totals": totals_json(&r.totals, r.breakage_rate, Some(r.liability), Some(r.eligible_customers)),
        "eligible_customers": r.eligible_customers,
        "monthly": monthly,
        "by_segment": keyed(&pop.segment_names, &r.by_segment),
        "by_persona": keyed(&personas, &r.by_persona),
        "by_tier": keyed(tier_names, &r.by_tier),
    })
}

/// The rows of the comparison table: a header of scenario names, then one row per measure.
fn comparison(replays: &[Replay]) -> Vec<Vec<String>> {
    let header = std::iter::once(String::new()).chain(replays.iter().map(|r| r.scenario.clone()));
    std::iter::once(header.collect())
        .chain(comparison_measures().into_iter().map(|(label, show)| {
            std::iter::once(label.to_string())
                .chain(replays.iter().map(show))
                .collect()
        }))
        .collect()
}

/// Overrides of the project's projection settings from the command line.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProjectionArgs {
    /// Replay only: no projection.
    pub replay_only: bool,
    /// Monte Carlo runs.
    pub runs: Option<u32>,
    /// Horizon in months.
    pub horizon_months: Option<u32>,
    /// Seed.
    pub seed: Option<u64>,
    /// Futures simulated per customer (`None`: chosen by the projection).
    pub futures: Option<u32>,
}

fn group_json(names: &[String], groups: &[GroupOutlook]) -> Value {
    Value::Object(
        names
            .iter()
            .zip(groups)
            .map(|(n, g)| (n.clone(), json!(g)))
            .collect::<Map<String, Value>>(),
    )
}

/// One scenario's projection as JSON (keys are a stable interface).
fn projection_json(
    p: &Projection,
    o: &ScenarioOutlook,
    pop: &Population,
    tiers: &[String],
) -> Value {
    json!({
        "horizon_months": p.horizon_months,
        "runs": p.runs,
        "futures": p.futures,
        "months": p.months.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        "retention": o.retention,
        "baseline_retention": p.baseline.retention,
        "retention_uplift": o.retention_uplift,
        "active_customers": o.active_customers,
        "baseline_active_customers": p.baseline.active_customers,
        "revenue": o.revenue,
        "baseline_revenue": p.baseline.revenue,
        "total_revenue": o.total_revenue,
        "baseline_total_revenue": p.baseline.total_revenue,
        "incremental_revenue": o.incremental_revenue,
        "incremental_margin": o.incremental_margin,
        "rewards_cost": o.rewards_cost,
        "benefits_cost": o.benefits_cost,
        "discount_cost": o.discount_cost,
        "total_cost": o.total_cost,
        "monthly_cost": o.monthly_cost,
        "roi": o.roi,
        "payback_month": o.payback_month,
        "cumulative_net": o.cumulative_net,
        "points_outstanding": o.points_outstanding,
        "liability": o.liability,
        "members": o.members,
        "tier_members": Value::Object(
            tiers
                .iter()
                .cloned()
                .zip(o.tier_members.iter().map(|v| json!(v)))
                .collect(),
        ),
        "clv_per_customer": {
            "with_programme": o.clv_per_customer,
            "without_programme": p.baseline.clv_per_customer,
        },
        "by_segment": group_json(&pop.segment_names, &o.by_segment),
        "by_persona": group_json(&pop.persona_labels(), &o.by_persona),
    })
}

/// Rows of the projection under the comparison table.
fn projection_rows(p: &Projection) -> Vec<Vec<String>> {
    let mut header = vec![format!(
        "Projection: {} to {}, {}, median (P10–P90)",
        counted(p.horizon_months.into(), "month"),
        p.end,
        p.runs_text()
    )];
    header.extend(p.scenarios.iter().map(|_| String::new()));
    std::iter::once(header)
        .chain(projection_measures().into_iter().map(|(label, show)| {
            std::iter::once(label.to_string())
                .chain(p.scenarios.iter().map(|o| show(p, o)))
                .collect()
        }))
        .collect()
}

/// A project's replays and projection, as `simulate` and `report` compute them.
pub(super) struct Computed {
    /// The project and its data.
    pub loaded: LoadedProject,
    /// Its customers' segments and personas.
    pub pop: Population,
    /// One replay per chosen scenario.
    pub replays: Vec<Replay>,
    /// The tier names of each chosen scenario.
    pub tier_names: Vec<Vec<String>>,
    /// The projection (`None` with `--replay-only`, or when it cannot run: a warning says why).
    pub projection: Option<Projection>,
    /// The models the projection was made with (`None` without a projection).
    pub basis: Option<ProjectionBasis>,
}

/// Loads the project at `path`, replays the chosen `scenarios` (all when empty) and projects
/// them forward unless `args.replay_only`.
pub(super) fn compute(path: &Path, scenarios: &[String], args: ProjectionArgs) -> Result<Computed> {
    let loaded = load(path)?;
    let project = &loaded.project;
    for name in scenarios {
        if project.scenario(name).is_none() {
            let known: Vec<&str> = project.scenarios.iter().map(|s| s.name.as_str()).collect();
            bail!(
                "no scenario is called '{name}' (the project has: {}): {}",
                known.join(", "),
                path.display()
            );
        }
    }
    let chosen: Vec<_> = project
        .scenarios
        .iter()
        .filter(|s| scenarios.is_empty() || scenarios.contains(&s.name))
        .collect();
    let pop = Population::from_project(project, &loaded.transactions);
    let tier_names: Vec<Vec<String>> = chosen
        .iter()
        .map(|s| s.tiers.iter().map(|t| t.name.clone()).collect())
        .collect();
    let projected = if args.replay_only {
        None
    } else {
        let mut options = ProjectionOptions::from_project(project);
        options.runs = args.runs.map_or(options.runs, |r| r as usize);
        options.horizon_months = args.horizon_months.unwrap_or(options.horizon_months);
        options.seed = args.seed.unwrap_or(options.seed);
        options.futures = args.futures.map(|f| f as usize);
        // One pass: each scenario's replay is read off the projection's own pass over the
        // histories (the same as `replay` gives).
        match project_and_replay(project, &chosen, &loaded.transactions, &pop, options) {
            Ok(both) => Some(both),
            Err(e) => {
                eprintln!(
                    "warning: no projection ({e:#}); the replay follows: {}",
                    path.display()
                );
                None
            }
        }
    };
    let (replays, projection, basis) = match projected {
        Some((projection, replays, basis)) => (replays, Some(projection), Some(basis)),
        None => (
            chosen
                .iter()
                .map(|s| replay(project, s, &loaded.transactions, &pop))
                .collect(),
            None,
            None,
        ),
    };
    Ok(Computed {
        loaded,
        pop,
        replays,
        tier_names,
        projection,
        basis,
    })
}

/// The projection of `scenarios` and their replays, in one pass ([`project_replaying`] with
/// nothing kept and nothing to cancel), and the models it was made with.
fn project_and_replay(
    project: &Project,
    scenarios: &[&Scenario],
    tx: &Transactions,
    pop: &Population,
    options: ProjectionOptions,
) -> Result<(Projection, Vec<Replay>, ProjectionBasis), ProjectionError> {
    let basis = ProjectionBasis::fit(project, tx)?;
    let known: Vec<Option<Replay>> = scenarios.iter().map(|_| None).collect();
    let fitted = Fitted {
        basis: &basis,
        tx,
        pop,
    };
    let (projection, replays) = project_replaying(
        &mut OutlookCache::one_off(),
        fitted,
        project,
        scenarios,
        &known,
        options,
        Control::none(),
    )?
    .ok_or(ProjectionError::Cancelled)?;
    Ok((projection, replays, basis))
}

impl Computed {
    /// The report's view of these results.
    pub fn report_input<'a>(
        &'a self,
        model: Option<Result<&'a ModelReport, &'a str>>,
    ) -> ReportInput<'a> {
        ReportInput {
            project: &self.loaded.project,
            import: &self.loaded.report,
            replays: &self.replays,
            projection: self.projection.as_ref(),
            model,
        }
    }
}

/// Runs `tierlab simulate`.
pub fn simulate(
    path: &Path,
    scenarios: &[String],
    format: SimFormat,
    out: Option<&Path>,
    args: ProjectionArgs,
) -> Result<ExitCode> {
    let computed = compute(path, scenarios, args)?;
    let Computed {
        loaded,
        pop,
        replays,
        tier_names,
        projection,
        ..
    } = &computed;
    let project = &loaded.project;
    if let Some(dir) = out {
        write_result_tables(dir, project, replays, projection.as_ref())?;
        write_charts(dir, &computed.report_input(None))?;
    }
    match format {
        SimFormat::Json => {
            let doc = json!({
                "project": project.name,
                "scenarios": replays.iter().zip(tier_names).enumerate().map(|(k, (r, t))| {
                    let mut v = json!({
                        "name": r.scenario,
                        "replay": replay_json(r, pop, t),
                    });
                    if let Some(p) = &projection {
                        v["projection"] = projection_json(p, &p.scenarios[k], pop, t);
                    }
                    v
                }).collect::<Vec<_>>(),
            });
            outln!(
                "{}",
                serde_json::to_string_pretty(&doc).context("encoding the result")?
            )?;
        }
        SimFormat::Csv => {
            let mut rows = comparison(replays);
            if let Some(p) = &projection {
                rows.extend(projection_rows(p));
            }
            let mut w = csv::Writer::from_writer(Vec::new());
            for r in rows {
                w.write_record(&r).context("encoding CSV")?;
            }
            let bytes = w.into_inner().context("encoding CSV")?;
            out!("{}", String::from_utf8_lossy(&bytes))?;
        }
        SimFormat::Table => {
            let (first, last) = loaded
                .transactions
                .date_range()
                .unwrap_or((Date(0), Date(0)));
            outln!(
                "{} — replay of {} transactions of {} customers, {} to {}, programme from {}",
                project.name,
                count(loaded.transactions.len() as u64),
                count(loaded.transactions.customer_count() as u64),
                first,
                last,
                project.settings.launch_date.unwrap_or(first)
            )?;
            outln!("")?;
            let mut rows = comparison(replays);
            if let Some(p) = &projection {
                rows.push(Vec::new());
                rows.extend(projection_rows(p));
            }
            out!("{}", render(&rows))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `tierlab report`: the HTML client report of the chosen scenarios (and their charts as
/// SVG files into `charts`, when given).
pub fn report(
    path: &Path,
    scenarios: &[String],
    out: &Path,
    charts: Option<&Path>,
    args: ProjectionArgs,
) -> Result<ExitCode> {
    let computed = compute(path, scenarios, args)?;
    let project = &computed.loaded.project;
    let runs = args
        .runs
        .map_or(project.settings.monte_carlo_runs as usize, |r| r as usize)
        .max(1);
    // The projection's models, when it made some, are the report's: not fitted twice.
    let tx = &computed.loaded.transactions;
    let model = match &computed.basis {
        Some(basis) => model_report_from(project, tx, basis, runs),
        None => model_report(project, tx, runs),
    }
    .map_err(|e| e.to_string());
    let input = computed.report_input(Some(model.as_ref().map_err(String::as_str)));
    write_report(out, &input)?;
    let mut written = vec![out.to_path_buf()];
    if let Some(dir) = charts {
        written.extend(write_charts(dir, &input)?);
    }
    for file in written {
        outln!("wrote {}", file.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `tierlab explain`.
pub fn explain(path: &Path, customer: &str, scenario: Option<&str>) -> Result<ExitCode> {
    let loaded = load(path)?;
    let project = &loaded.project;
    let s = match scenario {
        Some(name) => project
            .scenario(name)
            .with_context(|| format!("no scenario is called '{name}': {}", path.display()))?,
        None => project
            .scenarios
            .first()
            .with_context(|| format!("the project has no scenario: {}", path.display()))?,
    };
    let Some(c) = loaded.transactions.find_customer(customer) else {
        bail!("no customer '{customer}' in the data of {}", path.display());
    };
    let pop = Population::from_project(project, &loaded.transactions);
    let segment = pop.segment_names[pop.segment_of[c as usize] as usize].clone();
    outln!(
        "customer {customer} (segment {segment}) under \"{}\"",
        s.name
    )?;
    match explain_customer(project, s, &loaded.transactions, &pop, c) {
        None => outln!(
            "did not join the programme (enrolment rate {}%), or bought nothing after the launch",
            s.enrolment_rate_pct
        )?,
        Some(lines) => {
            let mut rows = vec![vec![
                "date".to_string(),
                "event".into(),
                "points".into(),
                "balance".into(),
                "tier".into(),
            ]];
            for l in lines {
                rows.push(vec![
                    l.day.to_string(),
                    l.event,
                    if l.points == 0 {
                        String::new()
                    } else {
                        format!("{:+}", l.points)
                    },
                    l.balance.to_string(),
                    l.tier.unwrap_or_default(),
                ]);
            }
            out!("{}", render(&rows))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
