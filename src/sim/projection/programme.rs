//! The programme projection: each scenario's future against the no-programme baseline.
//!
//! Every customer's future is drawn once per run from the fitted models conditioned on their
//! own history (see [`super`]). The baseline lives it as drawn. Under a scenario, a member
//! continues from their ledger at the end of the replayed history, and the persona's response
//! shifts the same draws: a member buys `1 + frequency_uplift` times as often (and
//! `1 + goal_gradient` times faster again while within the goal-gradient distance of the next
//! tier or reward), spends `1 + basket_uplift` times as much per purchase, and drops out with
//! the dropout probability (or rate) reduced by `dropout_reduction_per_tier` for each tier above
//! the entry tier. Every simulated purchase goes through the replay engine's rules — earning,
//! tiers, redemption, expiry — so costs and liability come from the same ledger as the replay;
//! where a category multiplier applies, a purchase's category is drawn from the customer's own
//! mix of categories in the history.
//!
//! Waiting times, spend and dropout come from separate per-customer, per-run streams, shared by
//! the baseline and every scenario (common random numbers): with every response at zero a
//! member's purchases are the baseline's draw for draw, and differences between scenarios are
//! the programme's, not noise. Customers who never join are the baseline exactly.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rand::RngCore;
use rayon::prelude::*;
use serde::Serialize;

use super::{
    Latent, Posterior, SplitMix, Steer, Streams, Tape, TapeState, Unsteered, fallback_spend, live,
    month_slots,
};
use crate::data::store::{NO_CATEGORY, Transactions};
use crate::format::counted;
use crate::model::{Date, Period, Project, Response, Scenario, Settings};
use crate::sim::models::{
    Compressed, FitError, GammaGammaParams, SpendFit, TransactionFit, TransactionParams,
    fit_gamma_gamma, fit_transactions, summarise,
};
use crate::sim::replay::{
    Agg, Engine, Member, Population, Replay, Scratch, Standing, Totals, chunk_size, finish_replay,
    replay_with, simulation_context, uniform_draw,
};

/// Chunk-futures processed in parallel before their sums are added to the total: chunks a group
/// holds at once is this over the futures per customer (between 2 and 64), which bounds memory.
const GROUP_FUTURES: usize = 256;

/// Customer-futures whose draws an [`OutlookCache`] keeps at most (about 250 bytes each): the fast
/// preview of up to 200k customers.
pub const MAX_KEPT_FUTURES: usize = 400_000;

/// One customer's simulated future as drawn: the latent state, where the tape of draws stood
/// after every arm had read it, the baseline's purchases and when the customer dropped out. The
/// draws and the purchases are kept in their chunk's arrays ([`DrawnChunk`]), so that keeping
/// a future allocates nothing of its own.
#[derive(Clone, Debug)]
struct DrawnFuture {
    latent: Latent,
    /// `None` for a customer gone today (nothing drawn).
    tape: Option<TapeState>,
    /// The tape's draws, in [`DrawnChunk::draws`].
    draws: std::ops::Range<u32>,
    /// The baseline's purchases, in [`DrawnChunk::baseline`].
    baseline: std::ops::Range<u32>,
    death: Option<f64>,
}

/// The futures of one chunk of customers (customer, then future), with their draws and
/// purchases one after another.
#[derive(Debug, Default)]
struct DrawnChunk {
    futures: Vec<DrawnFuture>,
    draws: Vec<[f64; 3]>,
    baseline: Vec<(Date, f64)>,
}

impl DrawnChunk {
    /// The baseline's purchases of `future`.
    fn baseline_of(&self, future: &DrawnFuture) -> &[(Date, f64)] {
        &self.baseline[future.baseline.start as usize..future.baseline.end as usize]
    }

    /// The tape's draws of `future`.
    fn draws_of(&self, future: &DrawnFuture) -> &[[f64; 3]] {
        &self.draws[future.draws.start as usize..future.draws.end as usize]
    }
}

/// The futures of every customer, chunk by chunk.
#[derive(Debug, Default)]
struct Drawn {
    chunks: Vec<DrawnChunk>,
}

/// Customer-futures a projection simulates at most when it chooses the number of futures per
/// customer itself (see [`ProjectionOptions::futures_for`]).
pub const FUTURE_BUDGET: usize = 1_000_000;

/// The same in fast mode, for live edits.
pub const FAST_FUTURE_BUDGET: usize = 200_000;

/// How far and how often to project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProjectionOptions {
    /// Months after the last day of the data.
    pub horizon_months: u32,
    /// Monte Carlo runs: the outcomes the bands are read from.
    pub runs: usize,
    /// Seed of every draw.
    pub seed: u64,
    /// Futures simulated per customer (`None`: chosen from the runs and the number of customers,
    /// see [`ProjectionOptions::futures_for`]). As many as the runs: every run is simulated on
    /// its own. Fewer: the runs are recombined from them, chunk of customers by chunk.
    pub futures: Option<usize>,
    /// Fast mode (live edits): a smaller budget of customer-futures.
    pub fast: bool,
}

impl ProjectionOptions {
    /// The project's settings.
    pub fn from_project(project: &Project) -> ProjectionOptions {
        ProjectionOptions {
            horizon_months: project.settings.horizon_months,
            runs: project.settings.monte_carlo_runs as usize,
            seed: project.settings.seed,
            futures: None,
            fast: false,
        }
    }

    /// Fewer runs for live what-if edits (at most 8), from fewer futures.
    pub fn fast(self) -> ProjectionOptions {
        ProjectionOptions {
            runs: self.runs.min(8),
            fast: true,
            ..self
        }
    }

    /// Futures simulated per customer for `customers` customers: the `futures` asked for, else
    /// one per run while runs × customers stays within the budget ([`FUTURE_BUDGET`], or
    /// [`FAST_FUTURE_BUDGET`] in fast mode), else as many as the budget allows but at least 4
    /// (2 in fast mode). Never more than the runs, and at least 2 when there are 2 runs or more
    /// (one future gives no spread).
    pub fn futures_for(&self, customers: usize) -> usize {
        let runs = self.runs.max(1);
        let (budget, fewest) = if self.fast {
            (FAST_FUTURE_BUDGET, 2)
        } else {
            (FUTURE_BUDGET, 4)
        };
        let chosen = self.futures.unwrap_or_else(|| {
            if runs.saturating_mul(customers) <= budget {
                runs
            } else {
                budget.div_ceil(customers.max(1)).max(fewest)
            }
        });
        chosen.clamp(runs.min(2), runs)
    }
}

/// Which simulated future of chunk `chunk` each run takes: with one future per run, run r's
/// own; with fewer, each future taken by as many runs as the others (give or take one), in an
/// order shuffled under the seed for each chunk, so that two runs share a chunk's future by
/// chance only. Chunks are independent (their customers' draws are), so each run's totals are
/// drawn exactly as a run simulated on its own would be; runs share parts, which is why the
/// spread is corrected by [`spread_factor`].
fn assignment(seed: u64, chunk: usize, runs: usize, futures: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..runs).map(|r| r % futures.max(1)).collect();
    if futures < runs {
        let mut rng = SplitMix::stream(seed ^ 0x7265_636f_6d62, chunk as u32, 0, 4);
        for i in (1..order.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
    }
    order
}

/// How much the runs' deviations from their mean are widened when `runs` are recombined from
/// `futures` per customer: the spread of runs that share chunks' futures is, in expectation,
/// that of `futures` independent runs, (1 − 1/futures) of the variance where `runs` independent
/// runs give (1 − 1/runs); the factor restores the latter. 1 when every run is its own.
pub fn spread_factor(runs: usize, futures: usize) -> f64 {
    if futures >= runs || futures < 2 {
        return 1.0;
    }
    ((1.0 - 1.0 / runs as f64) / (1.0 - 1.0 / futures as f64)).sqrt()
}

/// What a projection needs from the data that no scenario changes: the fitted models and every
/// customer's summary. Fit it once and keep it while the data and the model settings stay
/// (`settings.transaction_model`, `model_period`, `calibration_end`): the GUI re-projects from it
/// on every edit.
#[derive(Clone, Debug)]
pub struct ProjectionBasis {
    /// The transaction model, fitted up to the calibration end.
    pub fit: TransactionFit,
    /// The Gamma-Gamma model fitted there, or why it could not be (then each customer's mean
    /// spend is used).
    pub spend_fit: Result<SpendFit, FitError>,
    /// Every customer summarised over their whole history.
    pub summary: crate::sim::models::Summary,
    /// Spend per purchase of a customer without repeat purchases.
    pub fallback_spend: f64,
    /// Last day of the data.
    pub last: Date,
}

impl ProjectionBasis {
    /// Fits the project's models on `tx` (up to `settings.calibration_end`, default all of it).
    pub fn fit(project: &Project, tx: &Transactions) -> Result<ProjectionBasis, ProjectionError> {
        let (_, last) = tx.date_range().ok_or(ProjectionError::NoData)?;
        let settings = &project.settings;
        let period = settings.model_period;
        let calibration_end = settings.calibration_end.unwrap_or(last).min(last);
        let calibration = summarise(tx, calibration_end, None, period);
        let fit = fit_transactions(
            settings.transaction_model,
            &Compressed::from_summary(&calibration),
        )?;
        let spend_fit = fit_gamma_gamma(&calibration);
        // Every customer conditioned on their whole history.
        let summary = summarise(tx, last, None, period);
        let spend = spend_fit.as_ref().ok().map(|f| f.params);
        let fallback_spend = fallback_spend(&summary, spend.as_ref());
        Ok(ProjectionBasis {
            fit,
            spend_fit,
            summary,
            fallback_spend,
            last,
        })
    }

    /// The Gamma-Gamma parameters, if it could be fitted.
    pub fn spend(&self) -> Option<GammaGammaParams> {
        self.spend_fit.as_ref().ok().map(|f| f.params)
    }
}

/// P10, P50 and P90 of a quantity across runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Band {
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Mean.
    pub mean: f64,
}

impl Band {
    /// The band of `values` (one per run).
    pub fn of(values: &[f64]) -> Band {
        Band::widened(values, 1.0)
    }

    /// The band of `values` with their deviations from the mean widened by `factor` (see
    /// [`spread_factor`]; 1 leaves them as they are).
    pub fn widened(values: &[f64], factor: f64) -> Band {
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64 + 0.0;
        let at = |q: f64| {
            let v = super::percentile(values, q);
            if factor == 1.0 {
                v
            } else {
                mean + factor * (v - mean)
            }
        };
        Band {
            mean,
            p10: at(0.1),
            p50: at(0.5),
            p90: at(0.9),
        }
    }
}

/// P10, P50 and P90 of a monthly series across runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Bands {
    /// 10th percentile per month.
    pub p10: Vec<f64>,
    /// Median per month.
    pub p50: Vec<f64>,
    /// 90th percentile per month.
    pub p90: Vec<f64>,
}

impl Bands {
    /// Every value times `factor` (a share's bands in percentage points with 100).
    pub fn scaled(&self, factor: f64) -> Bands {
        let scale = |v: &[f64]| v.iter().map(|x| x * factor).collect();
        Bands {
            p10: scale(&self.p10),
            p50: scale(&self.p50),
            p90: scale(&self.p90),
        }
    }

    /// The bands of `runs` (one series per run, all of one length).
    pub fn of(runs: &[Vec<f64>]) -> Bands {
        Bands::widened(runs, 1.0)
    }

    /// [`Bands::of`] with each month's deviations from its mean widened by `factor`.
    pub fn widened(runs: &[Vec<f64>], factor: f64) -> Bands {
        let months = runs.first().map_or(0, Vec::len);
        let mut out = Bands::default();
        for k in 0..months {
            let column: Vec<f64> = runs.iter().map(|r| r[k]).collect();
            let b = Band::widened(&column, factor);
            out.p10.push(b.p10);
            out.p50.push(b.p50);
            out.p90.push(b.p90);
        }
        out
    }
}

/// A segment's or persona's projection under one scenario.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GroupOutlook {
    /// Customers projected (with a purchase in the history).
    pub customers: u64,
    /// Share of the group's customers alive today who are still alive at each month end.
    pub retention: Bands,
    /// The same without the programme.
    pub baseline_retention: Bands,
    /// Retention minus the baseline's, run by run on the same draws (a share, not points).
    pub retention_uplift: Bands,
    /// Revenue over the horizon.
    pub revenue: Band,
    /// Revenue over the horizon without the programme.
    pub baseline_revenue: Band,
    /// Revenue with the programme minus without, over the horizon.
    pub incremental_revenue: Band,
    /// Programme cost over the horizon.
    pub total_cost: Band,
}

/// The no-programme baseline.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BaselineOutlook {
    /// Share of today's alive customers still alive at each month end.
    pub retention: Bands,
    /// Customers with a purchase, per month.
    pub active_customers: Bands,
    /// Revenue per month.
    pub revenue: Bands,
    /// Revenue over the horizon.
    pub total_revenue: Band,
    /// Discounted gross margin over the horizon per customer.
    pub clv_per_customer: Band,
}

/// One scenario's projection.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ScenarioOutlook {
    /// Scenario name.
    pub scenario: String,
    /// Share of today's alive customers still alive at each month end.
    pub retention: Bands,
    /// Retention minus the baseline's at each month end, run by run: both arms live on the same
    /// draws, so the difference is the programme's and its band is narrower than either
    /// curve's (a share: 0.004 is 0.4 percentage points).
    pub retention_uplift: Bands,
    /// Customers with a purchase, per month.
    pub active_customers: Bands,
    /// Revenue per month.
    pub revenue: Bands,
    /// Revenue over the horizon.
    pub total_revenue: Band,
    /// Revenue minus the baseline's, over the horizon.
    pub incremental_revenue: Band,
    /// Gross margin on the incremental revenue.
    pub incremental_margin: Band,
    /// Rewards redeemed, over the horizon.
    pub rewards_cost: Band,
    /// Tier benefits, over the horizon.
    pub benefits_cost: Band,
    /// Tier discounts, over the horizon.
    pub discount_cost: Band,
    /// Rewards, benefits and discounts, over the horizon.
    pub total_cost: Band,
    /// Programme cost per month.
    pub monthly_cost: Bands,
    /// (incremental margin − cost) / cost, across runs; `None` when a run costs nothing.
    pub roi: Option<Band>,
    /// First month (1 = the first projected month) from which the mean cumulative incremental
    /// margin covers the mean cumulative cost; `None` within the horizon.
    pub payback_month: Option<u32>,
    /// Mean cumulative incremental margin minus cost, per month.
    pub cumulative_net: Vec<f64>,
    /// Points outstanding at each month end.
    pub points_outstanding: Bands,
    /// Outstanding points × (1 − breakage) × cost per point, at each month end.
    pub liability: Bands,
    /// Mean members per tier at each month end (tier, then month).
    pub tier_members: Vec<Vec<f64>>,
    /// Members at each month end (mean over runs).
    pub members: Vec<f64>,
    /// Discounted margin minus programme cost over the horizon, per customer.
    pub clv_per_customer: Band,
    /// Per segment, in the order of [`Population::segment_names`].
    pub by_segment: Vec<GroupOutlook>,
    /// Per persona, then customers of no persona.
    pub by_persona: Vec<GroupOutlook>,
}

/// The projection of every scenario and the baseline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Projection {
    /// First projected day: the day after the data ends.
    pub start: Date,
    /// Last projected day.
    pub end: Date,
    /// First day of each projected month (the first and last may be partial).
    pub months: Vec<Date>,
    /// Horizon in months.
    pub horizon_months: u32,
    /// Monte Carlo runs.
    pub runs: usize,
    /// Futures simulated per customer (as many as the runs, or fewer that the runs are
    /// recombined from: see [`ProjectionOptions::futures`]).
    pub futures: usize,
    /// Customers projected.
    pub customers: u64,
    /// The transaction model's name.
    pub model: String,
    /// Its parameters (fitted up to the project's calibration end).
    pub params: Option<TransactionParams>,
    /// Gamma-Gamma parameters (`None`: each customer's mean spend is used).
    pub spend_params: Option<GammaGammaParams>,
    /// Without a programme.
    pub baseline: BaselineOutlook,
    /// Each scenario, in the order given.
    pub scenarios: Vec<ScenarioOutlook>,
}

impl Projection {
    /// "100 runs", and the futures per customer they were recombined from when fewer.
    pub fn runs_text(&self) -> String {
        format!(
            "{}{}",
            counted(self.runs as u64, "run"),
            self.recombined_text()
        )
    }

    /// " recombined from 10 simulated futures per customer" when the runs were recombined from
    /// fewer futures; empty when every run was simulated on its own.
    pub fn recombined_text(&self) -> String {
        if self.futures < self.runs {
            format!(
                " recombined from {} per customer",
                counted(self.futures as u64, "simulated future")
            )
        } else {
            String::new()
        }
    }
}

impl Bands {
    /// The band at the last month (zeros when there is none).
    pub fn last(&self) -> Band {
        let at = |v: &[f64]| v.last().copied().unwrap_or(0.0);
        Band {
            p10: at(&self.p10),
            p50: at(&self.p50),
            p90: at(&self.p90),
            mean: f64::NAN,
        }
    }
}

/// `median (P10–P90)` of a band, each number shown by `show`.
pub fn band_text(b: &Band, show: fn(f64) -> String) -> String {
    format!("{} ({}–{})", show(b.p50), show(b.p10), show(b.p90))
}

/// A difference of shares in percentage points, signed: `0.0042` → `+0.42`.
fn points(v: f64) -> String {
    // No "-0.00" for a difference that rounds to nothing.
    let v = if (v * 100.0).abs() < 0.005 { 0.0 } else { v };
    format!("{:+.2}", v * 100.0)
}

fn share(v: f64) -> String {
    crate::format::percent(Some(v))
}

/// A measure of the projection comparison: its label and how to show it for a scenario.
pub type OutlookMeasure = (&'static str, fn(&Projection, &ScenarioOutlook) -> String);

/// The measures the projection comparison shows, in order: the CLI table and the GUI Results
/// page.
pub fn projection_measures() -> Vec<OutlookMeasure> {
    use crate::format::money;
    vec![
        ("Retention at the horizon", |_, o| {
            band_text(&o.retention.last(), share)
        }),
        ("  without the programme", |p, _| {
            band_text(&p.baseline.retention.last(), share)
        }),
        ("  uplift (points)", |_, o| {
            band_text(&o.retention_uplift.last(), points)
        }),
        ("Incremental revenue", |_, o| {
            band_text(&o.incremental_revenue, money)
        }),
        ("Incremental margin", |_, o| {
            band_text(&o.incremental_margin, money)
        }),
        ("Programme cost", |_, o| band_text(&o.total_cost, money)),
        ("ROI", |_, o| {
            o.roi.as_ref().map_or("-".into(), |r| band_text(r, share))
        }),
        ("Payback month", |_, o| {
            o.payback_month.map_or("-".into(), |m| m.to_string())
        }),
        ("CLV per customer", |_, o| {
            band_text(&o.clv_per_customer, money)
        }),
        ("  without the programme", |p, _| {
            band_text(&p.baseline.clv_per_customer, money)
        }),
        ("Liability at the horizon", |_, o| {
            band_text(&o.liability.last(), money)
        }),
    ]
}

/// Why a projection cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// No transactions.
    #[error("there is no data to project from")]
    NoData,
    /// Cancelled (never from [`project`], which cannot be cancelled).
    #[error("cancelled")]
    Cancelled,
    /// The model cannot be fitted.
    #[error(transparent)]
    Fit(#[from] FitError),
}

/// What a projection draws from besides the project: the models fitted on the data, the data
/// and its population. An [`OutlookCache`] serves one basis and its data; the project (and so
/// the population) may change from call to call.
#[derive(Clone, Copy)]
pub struct Fitted<'a> {
    /// The fitted models and the customers' summaries ([`ProjectionBasis::fit`] on `tx`).
    pub basis: &'a ProjectionBasis,
    /// The transactions the models were fitted on.
    pub tx: &'a Transactions,
    /// Each customer's segment and persona under the project ([`Population::from_project`]).
    pub pop: &'a Population,
}

/// How a worker thread follows a projection and stops it.
#[derive(Clone, Copy)]
pub struct Control<'a> {
    /// Called with the share done (0–1) as chunks of customers finish.
    pub progress: &'a (dyn Fn(f64) + Sync),
    /// Setting it stops the projection early: the call gives `Ok(None)`.
    pub cancel: &'a AtomicBool,
}

impl Control<'static> {
    /// No progress reported, never cancelled.
    pub fn none() -> Control<'static> {
        static NEVER: AtomicBool = AtomicBool::new(false);
        Control {
            progress: &|_| {},
            cancel: &NEVER,
        }
    }
}

/// The simulated sums of earlier projections, reused while nothing they depend on has changed.
/// The sums are kept per scenario and persona group (each persona's customers, then the customers
/// of no persona): a group's sums under a scenario depend on the scenario (but its name,
/// description and response overrides), on the group's response under it (the persona's, or the
/// scenario's override for it), and on what a simulation reads of the rest of the project
/// ([`simulation_context`] without the personas' responses: not its texts, colours, gross
/// margin, discount rate or the personas' responses), the options, the data and the fitted models; not on the other scenarios (each is
/// its own arm against the same baseline draws), the other groups (their customers' draws are
/// their own) nor the breakage rates. The outlooks are read from them on every call. Keep one
/// cache per [`ProjectionBasis`]; see [`project_reusing`].
#[derive(Clone, Debug, Default)]
pub struct OutlookCache {
    /// The project as far as the sums depend on it (`grouped_context`), and the options, of
    /// the sums kept.
    context: Option<(Project, ProjectionOptions)>,
    /// Every customer's futures as drawn under these options, when there are few enough of them
    /// ([`MAX_KEPT_FUTURES`]): re-projecting reads them instead of drawing again. They depend on
    /// the options (seed, horizon, futures) and the basis only, so they outlive edits of the rest
    /// of the project.
    draws: Option<(ProjectionOptions, Period, Arc<Drawn>)>,
    /// The baseline's sums of the last simulation made in that context.
    last: Option<Simulated>,
    /// Each scenario and group simulated in that context (each once), with its sums.
    scenarios: Vec<(GroupKey, SimulatedScenario)>,
    /// Customer-scenario pairs the last call simulated (0: every outlook was read from the sums
    /// kept).
    simulated: u64,
    /// Never keep the drawn futures ([`OutlookCache::one_off`]).
    one_off: bool,
}

impl OutlookCache {
    /// A cache for one call (the CLI's): it keeps no drawn futures, which only a next call
    /// would read (they can take ~100 MB).
    pub fn one_off() -> OutlookCache {
        OutlookCache {
            one_off: true,
            ..OutlookCache::default()
        }
    }

    /// Whether it holds drawn futures for the next call (never for [`OutlookCache::one_off`]).
    pub fn holds_drawn_futures(&self) -> bool {
        self.draws.is_some()
    }

    /// How many customers the last call simulated, counted once per scenario they were
    /// simulated under: 0 when every outlook was read from the sums kept.
    pub fn last_simulated(&self) -> u64 {
        self.simulated
    }
}

/// What one scenario's sums over one persona group depend on besides the context: the scenario
/// as [`simulated_scenario`] gives it, the group (a persona's index, or the number of personas
/// for customers of none) and the group's response under the scenario.
type GroupKey = (Scenario, usize, Response);

/// The scenario as far as its simulated sums depend on it besides each group's response:
/// without its name and description (the outlooks take the name from the scenario itself) and
/// without its response overrides (each group's key holds the response it was simulated with).
fn simulated_scenario(scenario: &Scenario) -> Scenario {
    Scenario {
        name: String::new(),
        description: String::new(),
        response_overrides: Vec::new(),
        ..scenario.clone()
    }
}

/// [`simulation_context`] without the personas' responses: what the sums of every scenario and
/// group depend on in the rest of the project (a group's own response is in its key).
fn grouped_context(project: &Project) -> Project {
    let mut context = simulation_context(project);
    for p in &mut context.personas {
        p.response = Response::default();
    }
    context
}

/// The response of persona group `group` under `scenario`: the persona's (or the scenario's
/// override for it); the defaults for customers of no persona.
fn group_response(project: &Project, scenario: &Scenario, group: usize) -> Response {
    project
        .personas
        .get(group)
        .map_or_else(Response::default, |p| scenario.response_for(p).clone())
}

/// One scenario's sums over all its groups: `parts` (each group's sums, in group order) added
/// up, the one group's taken as it is; `None` without any.
fn sum_groups<'s>(
    mut parts: impl Iterator<Item = &'s SimulatedScenario>,
) -> Option<Cow<'s, SimulatedScenario>> {
    let mut sum = Cow::Borrowed(parts.next()?);
    for part in parts {
        sum.to_mut().add(part);
    }
    Some(sum)
}

/// [`project_from`], simulating only the scenarios and persona groups whose sums `cache` does
/// not hold for this project and these options, and taking the rest from it: editing one
/// scenario simulates that one alone, editing a persona's response (or a scenario's override
/// for it) simulates that persona's customers alone, and editing the gross margin, the discount
/// rate, a breakage rate or a text simulates nothing (the outlooks are read again from the sums
/// kept). The result is the one [`project_from`] gives for all of them (a test checks it).
/// `cache` must be used with one basis (and its data) only.
pub fn project_reusing(
    cache: &mut OutlookCache,
    fitted: Fitted,
    project: &Project,
    scenarios: &[&Scenario],
    breakage: &[Option<f64>],
    options: ProjectionOptions,
    control: Control,
) -> Result<Option<Projection>, ProjectionError> {
    let Some((keys, _)) =
        simulate_missing(cache, fitted, project, scenarios, &[], options, control)?
    else {
        return Ok(None);
    };
    read_kept(cache, &keys, project, scenarios, breakage).map(Some)
}

/// [`project_reusing`] that also gives every scenario's replay ([`crate::sim::replay::replay`]):
/// `known[i]` is scenario `i`'s when the caller has it (kept from an earlier run); each other
/// one is read off the projection's own pass over the histories when the scenario is simulated
/// for every customer in this call (a scenario just edited, or every scenario after a change of
/// the seed), else replayed on its own. The projection's liability takes the breakage of these
/// replays. Replays and projection are the ones [`crate::sim::replay::replay`] and
/// [`project_from`] give (a test checks it); what the GUI calls on every edit.
pub fn project_replaying(
    cache: &mut OutlookCache,
    fitted: Fitted,
    project: &Project,
    scenarios: &[&Scenario],
    known: &[Option<Replay>],
    options: ProjectionOptions,
    control: Control,
) -> Result<Option<(Projection, Vec<Replay>)>, ProjectionError> {
    let unknown: Vec<bool> = (0..scenarios.len())
        .map(|i| known.get(i).is_none_or(Option::is_none))
        .collect();
    let Some((keys, read_off)) = simulate_missing(
        cache, fitted, project, scenarios, &unknown, options, control,
    )?
    else {
        return Ok(None);
    };
    let mut replays = Vec::with_capacity(scenarios.len());
    for (i, scenario) in scenarios.iter().enumerate() {
        let replay = match (known.get(i).cloned().flatten(), read_off[i].clone()) {
            (Some(r), _) => r,
            (None, Some(r)) => r,
            (None, None) => {
                // A scenario simulated as another (the same scenario twice) has that one's
                // replay under its own name; one not simulated in full here is replayed.
                let same = (0..scenarios.len())
                    .find(|&j| j != i && keys[j] == keys[i] && read_off[j].is_some());
                match same.and_then(|j| read_off[j].clone()) {
                    Some(r) => Replay {
                        scenario: scenario.name.clone(),
                        ..r
                    },
                    None => {
                        let Some(r) = replay_with(
                            project,
                            scenario,
                            fitted.tx,
                            fitted.pop,
                            &|_| {},
                            control.cancel,
                        ) else {
                            return Ok(None);
                        };
                        r
                    }
                }
            }
        };
        replays.push(replay);
    }
    let breakage: Vec<Option<f64>> = replays.iter().map(|r| r.breakage_rate).collect();
    let projection = read_kept(cache, &keys, project, scenarios, &breakage)?;
    Ok(Some((projection, replays)))
}

/// Each scenario's key for each persona group ([`GroupKey`]).
fn group_keys(project: &Project, scenarios: &[&Scenario]) -> Vec<Vec<GroupKey>> {
    let groups = project.personas.len() + 1;
    scenarios
        .iter()
        .map(|s| {
            let scenario = simulated_scenario(s);
            (0..groups)
                .map(|g| (scenario.clone(), g, group_response(project, s, g)))
                .collect()
        })
        .collect()
}

/// What [`simulate_missing`] gives: each scenario's keys ([`group_keys`]), and each scenario's
/// replay when it was asked for and read off the pass.
type KeysAndReplays = (Vec<Vec<GroupKey>>, Vec<Option<Replay>>);

/// Simulates into `cache` the scenarios and groups whose sums it does not hold for this project
/// and these options, each once, reading off the pass the replay of each scenario `i` with
/// `replays[i]` when it can; `None` when cancelled.
fn simulate_missing(
    cache: &mut OutlookCache,
    fitted: Fitted,
    project: &Project,
    scenarios: &[&Scenario],
    replays: &[bool],
    options: ProjectionOptions,
    control: Control,
) -> Result<Option<KeysAndReplays>, ProjectionError> {
    let keys = group_keys(project, scenarios);
    let context = (grouped_context(project), options);
    if cache.context.as_ref() != Some(&context) {
        *cache = OutlookCache {
            context: Some(context),
            draws: cache
                .draws
                .take()
                .filter(|(o, period, _)| *o == options && *period == project.settings.model_period),
            one_off: cache.one_off,
            ..OutlookCache::default()
        };
    }
    cache.simulated = 0;
    let groups = project.personas.len() + 1;
    let mut read_off: Vec<Option<Replay>> = (0..scenarios.len()).map(|_| None).collect();
    // The scenarios and groups to simulate: those whose sums are not kept, each once.
    let kept = |key: &GroupKey| cache.scenarios.iter().any(|(k, _)| k == key);
    let mut missing: Vec<(usize, usize)> = Vec::new();
    for (i, row) in keys.iter().enumerate() {
        for (g, key) in row.iter().enumerate() {
            if !kept(key) && !missing.iter().any(|&(j, h)| keys[j][h] == *key) {
                missing.push((i, g));
            }
        }
    }
    let baseline = cache.last.is_none();
    if !missing.is_empty() || baseline {
        // Each scenario with a group to simulate, once, and which of its groups.
        let mut chosen: Vec<usize> = Vec::new();
        for &(i, _) in &missing {
            if !chosen.contains(&i) {
                chosen.push(i);
            }
        }
        let wanted: Vec<Vec<bool>> = chosen
            .iter()
            .map(|&i| (0..groups).map(|g| missing.contains(&(i, g))).collect())
            .collect();
        let chosen_scenarios: Vec<&Scenario> = chosen.iter().map(|&i| scenarios[i]).collect();
        let chosen_replays: Vec<bool> = chosen
            .iter()
            .map(|&i| replays.get(i).copied().unwrap_or(false))
            .collect();
        let before = cache.draws.as_ref().map(|(_, _, d)| Arc::clone(d));
        let pass = Pass {
            scenarios: &chosen_scenarios,
            wanted: &wanted,
            with_baseline: baseline,
            replays: &chosen_replays,
            drawn: before.as_deref(),
            keep: !cache.one_off,
        };
        let Some(simulation) = project_drawn(fitted, project, pass, options, control)? else {
            return Ok(None);
        };
        if let Some(d) = simulation.drawn {
            cache.draws = Some((options, project.settings.model_period, Arc::new(d)));
        }
        for (&i, replay) in chosen.iter().zip(simulation.replays) {
            read_off[i] = replay;
        }
        cache.simulated = simulation.sim.simulated;
        if baseline {
            cache.last = Some(simulation.sim);
        }
        cache.scenarios.extend(
            simulation
                .parts
                .into_iter()
                .map(|(s, g, sums)| (keys[chosen[s]][g].clone(), sums)),
        );
    }
    // Keep the sums of this call's scenarios and groups only (older ones would only grow the
    // cache).
    cache
        .scenarios
        .retain(|(k, _)| keys.iter().any(|row| row.contains(k)));
    Ok(Some((keys, read_off)))
}

/// The projection read from the sums `cache` keeps for `keys` (each scenario's groups added up
/// in order, the one group's taken as it is when there are no personas).
fn read_kept(
    cache: &OutlookCache,
    keys: &[Vec<GroupKey>],
    project: &Project,
    scenarios: &[&Scenario],
    breakage: &[Option<f64>],
) -> Result<Projection, ProjectionError> {
    let sim = cache.last.as_ref().ok_or(ProjectionError::NoData)?;
    let mut combined: Vec<Cow<'_, SimulatedScenario>> = Vec::new();
    for row in keys {
        let parts = row
            .iter()
            .map(|key| {
                cache
                    .scenarios
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, s)| s)
                    .ok_or(ProjectionError::NoData)
            })
            .collect::<Result<Vec<_>, _>>()?;
        combined.push(sum_groups(parts.into_iter()).ok_or(ProjectionError::NoData)?);
    }
    let sums: Vec<&SimulatedScenario> = combined.iter().map(|c| c.as_ref()).collect();
    Ok(outlooks(sim, &sums, &project.settings, scenarios, breakage))
}

/// A persona's response as multipliers.
#[derive(Clone, Copy, Debug)]
struct Shift {
    rate: f64,
    basket: f64,
    dropout_cut_per_tier: f64,
    goal: f64,
    goal_distance: f64,
}

impl Shift {
    fn of(r: &Response) -> Shift {
        Shift {
            rate: (1.0 + r.frequency_uplift_pct / 100.0).max(0.0),
            basket: (1.0 + r.basket_uplift_pct / 100.0).max(0.0),
            dropout_cut_per_tier: r.dropout_reduction_pct_per_tier / 100.0,
            goal: (1.0 + r.goal_gradient_pct / 100.0).max(0.0),
            goal_distance: r.goal_gradient_distance_pct / 100.0,
        }
    }
}

/// Per-run sums of one arm (the baseline or a scenario) over a chunk of customers.
#[derive(Clone, Debug)]
struct Arm {
    /// Run × month.
    revenue: Vec<Vec<f64>>,
    /// Run × month.
    active: Vec<Vec<f64>>,
    /// Run × segment × month: customers alive today who drop out in that month.
    deaths: Vec<Vec<Vec<f64>>>,
    /// Run × segment.
    segment_revenue: Vec<Vec<f64>>,
}

impl Arm {
    fn new(runs: usize, months: usize, segments: usize) -> Arm {
        Arm {
            revenue: vec![vec![0.0; months]; runs],
            active: vec![vec![0.0; months]; runs],
            deaths: vec![vec![vec![0.0; months]; segments]; runs],
            segment_revenue: vec![vec![0.0; segments]; runs],
        }
    }

    /// Adds future `f` of `o` to run `run`.
    fn merge_run(&mut self, run: usize, o: &Arm, f: usize) {
        let add = |a: &mut [f64], b: &[f64]| {
            for (p, q) in a.iter_mut().zip(b) {
                *p += q;
            }
        };
        add(&mut self.revenue[run], &o.revenue[f]);
        add(&mut self.active[run], &o.active[f]);
        add(&mut self.segment_revenue[run], &o.segment_revenue[f]);
        for (a, b) in self.deaths[run].iter_mut().zip(&o.deaths[f]) {
            add(a, b);
        }
    }
}

/// One chunk's sums.
struct Acc {
    /// Run × segment: customers alive at the start.
    alive: Vec<Vec<f64>>,
    /// Baseline, then each scenario (and persona group) simulated.
    arms: Vec<Arm>,
    /// Each scenario (and persona group) × run: the programme's ledger.
    aggs: Vec<Vec<Agg>>,
    /// Whether each scenario (and persona group) had a customer in the chunk: the sums of one
    /// that had none are zeros, not added.
    used: Vec<bool>,
    /// Each scenario's replay of the chunk's history, when it is read off the pass.
    replays: Vec<Option<Agg>>,
}

impl Acc {
    /// Empty sums of `runs` runs (or futures) over `months` months and `segments` segments, for
    /// the baseline and each (scenario, group) pair of `pairs`, with each scenario's replay
    /// where `replaying` says it is read off the pass; `used` as given.
    fn new(
        runs: usize,
        months: usize,
        segments: usize,
        pairs: &[(usize, usize)],
        engines: &[Engine],
        replaying: &[bool],
        used: bool,
    ) -> Acc {
        Acc {
            alive: vec![vec![0.0; segments]; runs],
            arms: vec![Arm::new(runs, months, segments); pairs.len() + 1],
            aggs: pairs
                .iter()
                .map(|&(s, _)| (0..runs).map(|_| engines[s].agg()).collect())
                .collect(),
            used: vec![used; pairs.len()],
            replays: engines
                .iter()
                .zip(replaying)
                .map(|(e, &r)| r.then(|| e.replay_agg()))
                .collect(),
        }
    }
}

/// The projected days: when a purchase `t` periods after the end of the data falls, and in which
/// projected month.
struct Calendar {
    /// Last day of the data.
    base: Date,
    /// Days per model period.
    days: f64,
    /// Month slot of each projected day, from the day after `base`.
    day_slot: Vec<u16>,
}

impl Calendar {
    /// Days after `base` of a moment `t` periods after it: ⌈t · days⌉, at least 1. (An integer
    /// ceiling: `f64::ceil` is a library call on the baseline x86-64 target.)
    #[inline]
    fn days_after(&self, t: f64) -> i32 {
        let x = t * self.days;
        // Saturating; `x` is not negative.
        let i = x as i32;
        let up = if f64::from(i) < x {
            i.saturating_add(1)
        } else {
            i
        };
        up.max(1)
    }

    /// The day of a moment `t` periods after `base`.
    #[inline]
    fn day(&self, t: f64) -> Date {
        self.base.add_days(self.days_after(t))
    }

    /// Month slot of a projected day (`None` outside the projection).
    #[inline]
    fn slot(&self, day: Date) -> Option<usize> {
        let k = usize::try_from(day.0 - self.base.0 - 1).ok()?;
        self.day_slot.get(k).map(|&m| usize::from(m))
    }
}

/// One customer's future in one run, as the projection books it.
struct Book<'a> {
    calendar: &'a Calendar,
    revenue: &'a mut [f64],
    active: &'a mut [f64],
    segment_revenue: &'a mut f64,
    last_month: Option<usize>,
}

impl Book<'_> {
    fn day(&self, t: f64) -> Date {
        self.calendar.day(t)
    }

    fn record(&mut self, day: Date, amount: f64) {
        if let Some(k) = self.calendar.slot(day) {
            self.revenue[k] += amount;
            *self.segment_revenue += amount;
            if self.last_month != Some(k) {
                self.active[k] += 1.0;
                self.last_month = Some(k);
            }
        }
    }
}

/// Keys the draws of projected purchases' categories apart from the other draws of the seed.
const CATEGORY_STREAM: u64 = 0x6361_7465_676f_7279;

/// The categories a customer's projected purchases are drawn from: each category of their
/// history with its share of their purchases (refunds left out), as cumulative shares.
#[derive(Debug, Default)]
struct CategoryMix {
    /// (Interned category or [`NO_CATEGORY`], cumulative share), in the order first bought; the
    /// last share is 1.
    cumulative: Vec<(u32, f64)>,
}

impl CategoryMix {
    /// The mix of `categories` (one per purchase of the history, in order; empty: no category).
    fn set(&mut self, categories: impl Iterator<Item = u32>) {
        self.cumulative.clear();
        let mut n = 0usize;
        for c in categories {
            n += 1;
            match self.cumulative.iter_mut().find(|(k, _)| *k == c) {
                Some((_, count)) => *count += 1.0,
                None => self.cumulative.push((c, 1.0)),
            }
        }
        if n == 0 {
            self.cumulative.push((NO_CATEGORY, 1.0));
            return;
        }
        let mut sum = 0.0;
        for (_, share) in &mut self.cumulative {
            sum += *share;
            *share = sum / n as f64;
        }
        if let Some(last) = self.cumulative.last_mut() {
            last.1 = 1.0;
        }
    }

    /// Only `category` (every projected purchase in it).
    fn only(&mut self, category: u32) {
        self.cumulative.clear();
        self.cumulative.push((category, 1.0));
    }

    /// The category of a purchase whose draw is `u` (uniform in [0, 1)).
    #[inline]
    fn pick(&self, u: f64) -> u32 {
        match self.cumulative.as_slice() {
            [(only, _)] => *only,
            all => all
                .iter()
                .find(|&&(_, share)| u < share)
                .or(all.last())
                .map_or(NO_CATEGORY, |&(c, _)| c),
        }
    }

    /// Whether every purchase falls in one category (no draw is needed).
    #[inline]
    fn single(&self) -> bool {
        self.cumulative.len() <= 1
    }
}

/// A scenario steering one customer's future through the programme's ledger.
struct Programme<'e, 'b> {
    engine: &'e Engine<'e>,
    customer: u32,
    /// The simulated future (its redemption draws are its own).
    future: usize,
    /// Seed of the category draws.
    seed: u64,
    /// The categories the purchases are drawn from.
    categories: &'b CategoryMix,
    /// Purchases made so far in this future: the k-th purchase's category is the same draw in
    /// every scenario (as its timing and spend are the same draws).
    purchases: u64,
    /// The member this future continues (a copy of their history state, or that state itself
    /// for their last future), if they are one at its start.
    member: Option<&'b mut Member<'e, 'static>>,
    /// Where a customer who joins during this future is enrolled (empty at its start).
    joined: &'b mut Option<Member<'e, 'static>>,
    joins: bool,
    shift: Shift,
    agg: &'b mut Agg,
    scratch: &'b mut Scratch,
    last_active: Option<usize>,
    book: Book<'b>,
}

impl Steer for Programme<'_, '_> {
    fn rates(&self) -> [f64; 3] {
        match self.member.as_deref().or(self.joined.as_ref()) {
            None => [1.0; 3],
            Some(m) => {
                let s = self.shift;
                let goal = if s.goal != 1.0 && m.near_goal(s.goal_distance) {
                    s.goal
                } else {
                    1.0
                };
                let dropout = (1.0 - s.dropout_cut_per_tier * m.tier() as f64).max(0.0);
                [s.rate * goal, dropout, s.basket]
            }
        }
    }

    fn bought(&mut self, t: f64, amount: f64) {
        let day = self.book.day(t);
        if self.member.is_none() && self.joins && self.joined.is_none() {
            *self.joined = self
                .engine
                .enrol(self.customer, day, self.future, self.scratch);
        }
        // The member, borrowed apart from the fields the purchase books into.
        let member = match &mut self.member {
            Some(m) => Some(&mut **m),
            None => self.joined.as_mut(),
        };
        if let Some(m) = member {
            let category = if self.categories.single() {
                self.categories.pick(0.0)
            } else {
                let key = ((self.future as u64) << 32) | self.purchases;
                self.categories.pick(uniform_draw(
                    self.seed ^ CATEGORY_STREAM,
                    self.customer,
                    key,
                ))
            };
            m.purchase(self.agg, day, amount, category, &mut self.last_active);
        }
        self.purchases += 1;
        self.book.record(day, amount);
    }
}

/// Projects the baseline and each scenario `options.horizon_months` past the end of the data.
/// `breakage` holds each scenario's breakage rate from its replay (for the liability).
pub fn project(
    project: &Project,
    scenarios: &[&Scenario],
    breakage: &[Option<f64>],
    tx: &Transactions,
    pop: &Population,
    options: ProjectionOptions,
) -> Result<Projection, ProjectionError> {
    project_with(
        project,
        scenarios,
        breakage,
        tx,
        pop,
        options,
        Control::none(),
    )?
    .ok_or(ProjectionError::Cancelled)
}

/// [`project`] for a worker thread, followed and stopped through `control`.
pub fn project_with(
    project: &Project,
    scenarios: &[&Scenario],
    breakage: &[Option<f64>],
    tx: &Transactions,
    pop: &Population,
    options: ProjectionOptions,
    control: Control,
) -> Result<Option<Projection>, ProjectionError> {
    let basis = ProjectionBasis::fit(project, tx)?;
    let fitted = Fitted {
        basis: &basis,
        tx,
        pop,
    };
    project_from(fitted, project, scenarios, breakage, options, control)
}

/// [`project_with`] from models fitted before (`fitted.basis`, from [`ProjectionBasis::fit`] on
/// the same data and model settings).
pub fn project_from(
    fitted: Fitted,
    project: &Project,
    scenarios: &[&Scenario],
    breakage: &[Option<f64>],
    options: ProjectionOptions,
    control: Control,
) -> Result<Option<Projection>, ProjectionError> {
    let wanted = vec![vec![true; project.personas.len() + 1]; scenarios.len()];
    let pass = Pass {
        scenarios,
        wanted: &wanted,
        with_baseline: true,
        replays: &[],
        drawn: None,
        keep: false,
    };
    let Some(simulation) = project_drawn(fitted, project, pass, options, control)? else {
        return Ok(None);
    };
    // Each scenario's groups, in group order (as the pairs are simulated).
    let sums = (0..scenarios.len())
        .map(|s| {
            let parts = simulation.parts.iter().filter(|&&(t, _, _)| t == s);
            sum_groups(parts.map(|(_, _, part)| part)).ok_or(ProjectionError::NoData)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let sums: Vec<&SimulatedScenario> = sums.iter().map(|c| c.as_ref()).collect();
    Ok(Some(outlooks(
        &simulation.sim,
        &sums,
        &project.settings,
        scenarios,
        breakage,
    )))
}

/// The per-run sums of a projection's baseline before they are summarised ([`outlooks`]), with
/// what the outlooks of every scenario are read from besides their own sums
/// ([`SimulatedScenario`]); the gross margin and discount rate do not change them.
#[derive(Clone, Debug)]
struct Simulated {
    start: Date,
    end: Date,
    /// First day of each projected month.
    months: Vec<Date>,
    horizon_months: u32,
    runs: usize,
    futures: usize,
    customers: u64,
    model: String,
    params: TransactionParams,
    spend: Option<GammaGammaParams>,
    /// Factor the spread of the runs is widened by (see [`spread_factor`]).
    widen: f64,
    /// Customers per segment.
    group_customers: Vec<u64>,
    /// Segments of each persona (the last entry: segments of no persona).
    persona_segments: Vec<Vec<usize>>,
    /// Run × segment: customers alive at the start.
    alive: Vec<Vec<f64>>,
    /// The baseline's sums.
    baseline: Arm,
    /// Customer-scenario pairs simulated.
    simulated: u64,
}

/// One scenario's per-run sums (over one persona group, or all customers).
#[derive(Clone, Debug)]
struct SimulatedScenario {
    arm: Arm,
    /// Per run: the programme's ledger.
    aggs: Vec<Agg>,
    /// Month slot of the first projected month in the ledger's months.
    offset: usize,
}

impl SimulatedScenario {
    /// Adds the sums of the same scenario over other customers.
    fn add(&mut self, o: &SimulatedScenario) {
        for (run, agg) in self.aggs.iter_mut().enumerate() {
            self.arm.merge_run(run, &o.arm, run);
            if let Some(other) = o.aggs.get(run) {
                agg.merge(other);
            }
        }
    }
}

/// What [`project_drawn`] gives.
struct Simulation {
    /// The baseline's sums.
    sim: Simulated,
    /// The sums of each scenario and group asked for, as (scenario, group, sums).
    parts: Vec<(usize, usize, SimulatedScenario)>,
    /// The futures drawn, when asked to keep them.
    drawn: Option<Drawn>,
    /// Each scenario's replay read off the pass (`None`: not asked for, or the scenario was not
    /// simulated for every customer).
    replays: Vec<Option<Replay>>,
}

/// What one pass of [`project_drawn`] simulates.
#[derive(Clone, Copy)]
struct Pass<'p> {
    /// The scenarios.
    scenarios: &'p [&'p Scenario],
    /// `wanted[s]`: the persona groups simulated under scenario `s` (a persona's index, then
    /// the customers of no persona).
    wanted: &'p [Vec<bool>],
    /// Whether the baseline's sums are asked for: without it, customers of no group wanted are
    /// skipped, and the baseline's sums returned are not the baseline's.
    with_baseline: bool,
    /// `replays[s]`: read scenario `s`'s replay off the pass (when it is simulated for every
    /// group).
    replays: &'p [bool],
    /// Every customer's futures drawn before (with the same basis, project settings and
    /// options), read instead of drawing them.
    drawn: Option<&'p Drawn>,
    /// Return the futures as drawn (when there are at most [`MAX_KEPT_FUTURES`] and every
    /// customer is simulated).
    keep: bool,
}

/// [`project_from`] for what `pass` asks.
fn project_drawn(
    fitted: Fitted,
    project: &Project,
    pass: Pass,
    options: ProjectionOptions,
    control: Control,
) -> Result<Option<Simulation>, ProjectionError> {
    let Fitted { basis, tx, pop } = fitted;
    let Control { progress, cancel } = control;
    let Pass {
        scenarios,
        wanted,
        with_baseline,
        replays,
        drawn,
        keep,
    } = pass;
    let settings = &project.settings;
    let period = settings.model_period;
    let (params, spend, summary, last) =
        (basis.fit.params, basis.spend(), &basis.summary, basis.last);
    if summary.rows.is_empty() {
        return Err(ProjectionError::NoData);
    }
    let runs = options.runs.max(1);
    let start = last.add_days(1);
    let end = start
        .add_months(options.horizon_months as i32)
        .map_or(last, |d| d.add_days(-1));
    let slots = month_slots(last, end);
    let n = slots.len();
    let days = period.days();
    let horizon = f64::from(end.0 - last.0).max(0.0) / days;
    let first_month = start.month_index();
    let calendar = Calendar {
        base: last,
        days,
        day_slot: (start.0..=end.0)
            .map(|d| (Date(d).month_index() - first_month).clamp(0, i32::from(u16::MAX)) as u16)
            .collect(),
    };
    let fallback = basis.fallback_spend;
    let engines: Vec<Engine> = scenarios
        .iter()
        .map(|s| Engine::new(project, s, tx, pop, end))
        .collect();
    let offset: Vec<usize> = engines.iter().map(|e| e.slot(start)).collect();
    let uses_categories = engines.iter().any(Engine::uses_categories);
    let n_segments = pop.segment_names.len();
    let n_personas = pop.persona_names.len();
    let default_shift = Shift::of(&Response::default());
    let shifts: Vec<Vec<Shift>> = scenarios
        .iter()
        .map(|s| {
            project
                .personas
                .iter()
                .map(|p| Shift::of(s.response_for(p)))
                .chain(std::iter::once(default_shift))
                .collect()
        })
        .collect();
    let seed = options.seed;
    let futures = options.futures_for(summary.rows.len());
    let widen = spread_factor(runs, futures);
    // Customers per parallel chunk: a replay's (fixed by the number of customers, so results do
    // not depend on the number of threads), so that a replay read off this pass adds its chunks
    // up as a replay does.
    let chunk = chunk_size(summary.rows.len());
    let chunks: Vec<&[crate::sim::models::CustomerSummary]> = summary.rows.chunks(chunk).collect();
    let done = AtomicUsize::new(0);
    let drawn = drawn.filter(|d| d.chunks.len() == chunks.len());
    let keep = keep
        && with_baseline
        && drawn.is_none()
        && futures.saturating_mul(summary.rows.len()) <= MAX_KEPT_FUTURES;
    // The (scenario, group) pairs simulated, and each pair's index by scenario and group.
    let groups = n_personas + 1;
    let pairs: Vec<(usize, usize)> = (0..scenarios.len())
        .flat_map(|s| {
            (0..groups)
                .filter(move |&g| wanted.get(s).and_then(|w| w.get(g)).copied() == Some(true))
                .map(move |g| (s, g))
        })
        .collect();
    let mut pair_of = vec![vec![None; groups]; scenarios.len()];
    for (i, &(s, g)) in pairs.iter().enumerate() {
        pair_of[s][g] = Some(i);
    }
    // The groups whose customers are simulated at all.
    let needed: Vec<bool> = (0..groups)
        .map(|g| with_baseline || pair_of.iter().any(|p| p[g].is_some()))
        .collect();
    // The scenarios whose replay is read off this pass: asked for, simulated for every group,
    // and every customer summarised (then the rows are the customers in order, as a replay
    // takes them).
    let replaying: Vec<bool> = (0..scenarios.len())
        .map(|s| {
            replays.get(s).copied() == Some(true)
                && pair_of[s].iter().all(Option::is_some)
                && summary.rows.len() == tx.customer_count()
        })
        .collect();
    let simulated = AtomicUsize::new(0);
    let work = |ci: usize| -> Option<(Acc, Option<DrawnChunk>)> {
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let rows = chunks[ci];
        let drawn = drawn.map(|d| &d.chunks[ci]);
        let mut kept: Option<DrawnChunk> = keep.then(|| DrawnChunk {
            futures: Vec::with_capacity(rows.len() * futures),
            ..DrawnChunk::default()
        });
        let mut acc = Acc::new(futures, n, n_segments, &pairs, &engines, &replaying, false);
        let mut pairs_simulated = 0usize;
        let mut spare: Vec<Scratch> = engines.iter().map(|_| Scratch::default()).collect();
        let mut history_aggs: Vec<Agg> = engines.iter().map(Engine::agg).collect();
        let mut history_scratch: Vec<Scratch> =
            engines.iter().map(|_| Scratch::default()).collect();
        let mut scratch = Scratch::default();
        let mut tape = Tape::new(spend.as_ref());
        let mut baseline: Vec<(Date, f64)> = Vec::new();
        // Where the customer stands under each scenario (reused from customer to customer).
        let mut standings: Vec<Standing> = Vec::with_capacity(engines.len());
        // A member's future other than their last is a copy of their history state, made over
        // the copy of the future before; a customer who joins in a future is enrolled here.
        let mut forked: Option<Member> = None;
        let mut joined: Option<Member> = None;
        let mut categories = CategoryMix::default();
        for (j, row) in rows.iter().enumerate() {
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            let c = row.customer;
            let range = tx.range_of(c);
            let (segment, persona) = engines.first().map_or_else(
                || {
                    let seg = pop
                        .segment_of
                        .get(c as usize)
                        .map_or(n_segments.saturating_sub(1), |&s| s as usize);
                    (seg, n_personas)
                },
                |e| e.groups_of(c),
            );
            let group = persona.min(n_personas);
            if !needed[group] {
                continue;
            }
            // Where categories change the points, each projected purchase's category is drawn
            // from the customer's own mix; elsewhere it does not matter, and the last is taken.
            if uses_categories {
                categories.set(
                    range
                        .clone()
                        .filter(|&i| tx.amount[i] >= 0.0)
                        .map(|i| tx.category[i]),
                );
            } else {
                categories.only(range.clone().last().map_or(NO_CATEGORY, |i| tx.category[i]));
            }
            // Set up at the first future drawn here (none when they were drawn before).
            let mut posterior: Option<Posterior> = None;
            // The last customer's members give their buffers back for these histories.
            for (s, standing) in standings.drain(..).enumerate() {
                if let (Standing::Member(m), Some(scratch)) = (standing, history_scratch.get_mut(s))
                {
                    m.recycle(scratch);
                }
            }
            for (s, e) in engines.iter().enumerate() {
                standings.push(match (pair_of[s][group], &mut acc.replays[s]) {
                    (None, _) => Standing::Never,
                    (Some(_), Some(replay)) => {
                        e.history(c, replay, &mut history_scratch[s], Some(&mut spare[s]))
                    }
                    (Some(_), None) => {
                        e.history(c, &mut history_aggs[s], &mut history_scratch[s], None)
                    }
                });
            }
            for pair in pair_of.iter().filter_map(|p| p[group]) {
                acc.used[pair] = true;
                pairs_simulated += 1;
            }
            for future in 0..futures {
                let before = drawn.map(|d| (d, &d.futures[j * futures + future]));
                let latent = match before {
                    Some((_, d)) => d.latent,
                    None => posterior
                        .get_or_insert_with(|| {
                            let p_alive = params.p_alive(f64::from(row.x), row.t_x, row.age);
                            Posterior::new(&params, spend.as_ref(), row, p_alive, fallback)
                        })
                        .draw(&mut SplitMix::stream(seed, c, future, 0)),
                };
                if latent.alive {
                    acc.alive[future][segment] += 1.0;
                }
                // The baseline.
                baseline.clear();
                let arm = &mut acc.arms[0];
                let mut book = Book {
                    calendar: &calendar,
                    revenue: &mut arm.revenue[future],
                    active: &mut arm.active[future],
                    segment_revenue: &mut arm.segment_revenue[future][segment],
                    last_month: None,
                };
                let death = match before {
                    Some((chunk, d)) => {
                        // Drawn before: the same purchases, booked in the same order.
                        for &(day, amount) in chunk.baseline_of(d) {
                            book.record(day, amount);
                        }
                        if let Some(state) = &d.tape {
                            tape.resume(state, chunk.draws_of(d));
                        }
                        d.death
                    }
                    None => {
                        if latent.alive {
                            // A customer gone today draws nothing more (`live` returns at once).
                            tape.reset(Streams::new(seed, c, future));
                        }
                        live(
                            &latent,
                            horizon,
                            &mut tape,
                            &mut Unsteered(|t: f64, amount| {
                                let day = book.day(t);
                                book.record(day, amount);
                                baseline.push((day, amount));
                            }),
                        )
                    }
                };
                let bought: &[(Date, f64)] =
                    before.map_or(&baseline, |(chunk, d)| chunk.baseline_of(d));
                let death_slot = |death: Option<f64>| -> Option<usize> {
                    if !latent.alive {
                        return None;
                    }
                    calendar.slot(calendar.day(death?))
                };
                if let Some(k) = death_slot(death) {
                    arm.deaths[future][segment][k] += 1.0;
                }
                // Each scenario.
                let last_future = future + 1 == futures;
                for (s, standing) in standings.iter_mut().enumerate() {
                    let Some(pair) = pair_of[s][group] else {
                        continue;
                    };
                    let arm = &mut acc.arms[pair + 1];
                    let mut book = Book {
                        calendar: &calendar,
                        revenue: &mut arm.revenue[future],
                        active: &mut arm.active[future],
                        segment_revenue: &mut arm.segment_revenue[future][segment],
                        last_month: None,
                    };
                    // A future but the last is a copy of the history's state; the last (there is
                    // at least one) takes that state itself, which is not needed after.
                    let (member, joins) = match standing {
                        Standing::Never => {
                            // Never a member: the baseline, draw for draw.
                            for &(day, amount) in bought {
                                book.record(day, amount);
                            }
                            if let Some(k) = death_slot(death) {
                                arm.deaths[future][segment][k] += 1.0;
                            }
                            continue;
                        }
                        Standing::Joins => (None, true),
                        Standing::Member(m) if !last_future => {
                            m.fork_into(&mut forked, future);
                            (forked.as_mut(), false)
                        }
                        Standing::Member(m) => {
                            m.start_future(future);
                            (Some(m), false)
                        }
                    };
                    let agg = &mut acc.aggs[pair][future];
                    let mut steer = Programme {
                        engine: &engines[s],
                        customer: c,
                        future,
                        seed,
                        categories: &categories,
                        purchases: 0,
                        member,
                        joined: &mut joined,
                        joins,
                        shift: shifts[s][group],
                        agg,
                        scratch: &mut scratch,
                        last_active: None,
                        book,
                    };
                    let death = live(&latent, horizon, &mut tape, &mut steer);
                    match (steer.member, steer.joined.as_mut()) {
                        (Some(m), _) | (None, Some(m)) => m.close_in_place(steer.agg, persona),
                        (None, None) => {}
                    }
                    // One who joined gives their buffers back for the next to join.
                    if let Some(m) = joined.take() {
                        m.recycle(&mut scratch);
                    }
                    if let Some(k) = death_slot(death) {
                        arm.deaths[future][segment][k] += 1.0;
                    }
                }
                if let Some(kept) = &mut kept {
                    // Chunks hold at most a few thousand customers' futures: the indices fit.
                    let at = |n: usize| n as u32;
                    let (draws_from, baseline_from) =
                        (at(kept.draws.len()), at(kept.baseline.len()));
                    let state = latent.alive.then(|| tape.state(&mut kept.draws));
                    kept.baseline.extend_from_slice(&baseline);
                    kept.futures.push(DrawnFuture {
                        latent,
                        tape: state,
                        draws: draws_from..at(kept.draws.len()),
                        baseline: baseline_from..at(kept.baseline.len()),
                        death,
                    });
                }
            }
        }
        simulated.fetch_add(pairs_simulated, Ordering::Relaxed);
        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(finished as f64 / chunks.len().max(1) as f64);
        Some((acc, kept))
    };
    // Chunks run in parallel a group at a time and are added in chunk order, each run taking
    // its future of each chunk: the result does not depend on the number of threads, and only
    // one group's sums are held at once.
    let mut total = Acc::new(runs, n, n_segments, &pairs, &engines, &replaying, true);
    let group_size = (GROUP_FUTURES / futures).clamp(2, 64);
    let mut drawn_now = keep.then(Drawn::default);
    let indices: Vec<usize> = (0..chunks.len()).collect();
    for (g, group) in indices.chunks(group_size).enumerate() {
        let parts: Vec<Option<(Acc, Option<DrawnChunk>)>> =
            group.par_iter().map(|&ci| work(ci)).collect();
        for (i, part) in parts.into_iter().enumerate() {
            let Some((part, kept)) = part else {
                return Ok(None);
            };
            if let (Some(d), Some(k)) = (&mut drawn_now, kept) {
                d.chunks.push(k);
            }
            // The replays, chunk by chunk in order, as a replay adds them.
            for (a, b) in total.replays.iter_mut().zip(&part.replays) {
                if let (Some(a), Some(b)) = (a, b) {
                    a.merge(b);
                }
            }
            let order = assignment(seed, g * group_size + i, runs, futures);
            for (run, &f) in order.iter().enumerate() {
                for (x, y) in total.alive[run].iter_mut().zip(&part.alive[f]) {
                    *x += y;
                }
                total.arms[0].merge_run(run, &part.arms[0], f);
                for (i, _) in part.used.iter().enumerate().filter(|(_, used)| **used) {
                    total.arms[i + 1].merge_run(run, &part.arms[i + 1], f);
                    total.aggs[i][run].merge(&part.aggs[i][f]);
                }
            }
        }
    }
    for aggs in &mut total.aggs {
        for a in aggs {
            a.settle_stocks();
        }
    }
    let customers = summary.rows.len() as u64;
    let mut group_customers = vec![0u64; n_segments];
    for row in &summary.rows {
        let seg = pop
            .segment_of
            .get(row.customer as usize)
            .map_or(n_segments.saturating_sub(1), |&s| s as usize);
        if let Some(g) = group_customers.get_mut(seg) {
            *g += 1;
        }
    }
    // Segments of each persona (the last entry: segments of no persona).
    let persona_segments: Vec<Vec<usize>> = (0..=n_personas)
        .map(|p| {
            (0..n_segments)
                .filter(|&g| {
                    pop.persona_of_segment
                        .get(g)
                        .copied()
                        .flatten()
                        .map_or(n_personas, |q| q as usize)
                        == p
                })
                .collect()
        })
        .collect();
    let mut arms = total.arms.into_iter();
    let baseline = arms.next().ok_or(ProjectionError::NoData)?;
    Ok(Some(Simulation {
        sim: Simulated {
            start,
            end,
            months: slots.iter().map(|&(d, _)| d).collect(),
            horizon_months: options.horizon_months,
            runs,
            futures,
            customers,
            model: settings.transaction_model.label().to_string(),
            params,
            spend,
            widen,
            group_customers,
            persona_segments,
            alive: total.alive,
            baseline,
            simulated: simulated.into_inner() as u64,
        },
        parts: pairs
            .iter()
            .zip(arms.zip(total.aggs))
            .map(|(&(s, g), (arm, aggs))| {
                (
                    s,
                    g,
                    SimulatedScenario {
                        arm,
                        aggs,
                        offset: offset[s],
                    },
                )
            })
            .collect(),
        drawn: drawn_now,
        replays: total
            .replays
            .into_iter()
            .zip(scenarios)
            .map(|(agg, scenario)| agg.map(|a| finish_replay(a, scenario)))
            .collect(),
    }))
}

/// The outlooks of the baseline and of each scenario (`scenarios[i]` simulated as `runs_of[i]`,
/// with the breakage rate `breakage[i]` from its replay), read from the simulated runs with the
/// project's gross margin and discount rate: cheap, so that editing either re-reads the runs
/// kept instead of simulating again.
fn outlooks(
    sim: &Simulated,
    runs_of: &[&SimulatedScenario],
    settings: &Settings,
    scenarios: &[&Scenario],
    breakage: &[Option<f64>],
) -> Projection {
    let runs = sim.runs;
    let n = sim.months.len();
    let n_segments = sim.group_customers.len();
    let n_personas = sim.persona_segments.len().saturating_sub(1);
    let (customers, widen) = (sim.customers, sim.widen);
    let group_customers = &sim.group_customers;
    let persona_segments = &sim.persona_segments;
    // Every band below is read from the runs, widened when they were recombined.
    let band = |values: &[f64]| Band::widened(values, widen);
    let bands = |runs: &[Vec<f64>]| Bands::widened(runs, widen);
    let margin = settings.gross_margin_pct / 100.0;
    let monthly_discount: Vec<f64> = (0..n)
        .map(|k| (1.0 + settings.discount_rate_pct / 100.0).powf(-((k + 1) as f64) / 12.0))
        .collect();
    let per_customer = |v: f64| {
        if customers > 0 {
            v / customers as f64
        } else {
            0.0
        }
    };
    let sums = |m: &[Vec<f64>]| -> Vec<f64> { m.iter().map(|r| r.iter().sum()).collect() };
    // Retention of a set of segments in one arm, per run and month.
    let retention = |arm: &Arm, segments: &[usize]| -> Vec<Vec<f64>> {
        (0..runs)
            .map(|run| {
                let alive0: f64 = segments.iter().map(|&g| sim.alive[run][g]).sum();
                let mut alive = alive0;
                (0..n)
                    .map(|k| {
                        alive -= segments.iter().map(|&g| arm.deaths[run][g][k]).sum::<f64>();
                        if alive0 > 0.0 { alive / alive0 } else { 0.0 }
                    })
                    .collect()
            })
            .collect()
    };
    // A scenario's retention and its difference from the baseline's, run by run.
    let minus = |a: &[Vec<f64>], b: &[Vec<f64>]| -> Vec<Vec<f64>> {
        a.iter()
            .zip(b)
            .map(|(a, b)| a.iter().zip(b).map(|(a, b)| a - b).collect())
            .collect()
    };
    let all: Vec<usize> = (0..n_segments).collect();
    let base_arm = &sim.baseline;
    let base_revenue = sums(&base_arm.revenue);
    let base_retention = retention(base_arm, &all);
    let baseline = BaselineOutlook {
        retention: bands(&base_retention),
        active_customers: bands(&base_arm.active),
        revenue: bands(&base_arm.revenue),
        total_revenue: band(&base_revenue),
        clv_per_customer: band(
            &base_arm
                .revenue
                .iter()
                .map(|r| {
                    per_customer(
                        r.iter()
                            .zip(&monthly_discount)
                            .map(|(v, d)| v * margin * d)
                            .sum(),
                    )
                })
                .collect::<Vec<_>>(),
        ),
    };
    let mut outlooks = Vec::with_capacity(scenarios.len());
    for (s, (scenario, simulated)) in scenarios.iter().zip(runs_of).enumerate() {
        let arm = &simulated.arm;
        let aggs = &simulated.aggs;
        let off = simulated.offset;
        fn month_at(a: &Agg, slot: usize) -> Option<&Totals> {
            a.months.get(slot).map(|m| &m.totals)
        }
        let month = |a, k: usize| month_at(a, off + k);
        let revenue = sums(&arm.revenue);
        let incremental: Vec<f64> = revenue
            .iter()
            .zip(&base_revenue)
            .map(|(a, b)| a - b)
            .collect();
        let cost_of = |f: fn(&Totals) -> f64| -> Vec<f64> {
            aggs.iter()
                .map(|a| (0..n).filter_map(|k| month(a, k).map(f)).sum::<f64>() + 0.0)
                .collect()
        };
        let rewards = cost_of(|t| t.rewards_cost);
        let benefits = cost_of(|t| t.benefits_cost);
        let discounts = cost_of(|t| t.discount_cost);
        let cost: Vec<f64> = cost_of(|t| t.total_cost());
        let monthly_cost: Vec<Vec<f64>> = aggs
            .iter()
            .map(|a| {
                (0..n)
                    .map(|k| month(a, k).map_or(0.0, |t| t.total_cost()))
                    .collect()
            })
            .collect();
        let roi = cost.iter().all(|&c| c > 0.0).then(|| {
            band(
                &incremental
                    .iter()
                    .zip(&cost)
                    .map(|(inc, c)| (margin * inc - c) / c)
                    .collect::<Vec<_>>(),
            )
        });
        let mut cumulative = 0.0;
        let cumulative_net: Vec<f64> = (0..n)
            .map(|k| {
                let inc: f64 = (0..runs)
                    .map(|r| arm.revenue[r][k] - base_arm.revenue[r][k])
                    .sum::<f64>()
                    / runs as f64;
                let c: f64 = monthly_cost.iter().map(|m| m[k]).sum::<f64>() / runs as f64;
                cumulative += margin * inc - c;
                cumulative
            })
            .collect();
        let payback_month = cumulative_net
            .iter()
            .position(|&v| v >= 0.0)
            .filter(|_| cost.iter().any(|&c| c > 0.0))
            .map(|k| k as u32 + 1);
        let outstanding: Vec<Vec<f64>> = aggs
            .iter()
            .map(|a| {
                (0..n)
                    .map(|k| month(a, k).map_or(0.0, |t| t.points_outstanding as f64))
                    .collect()
            })
            .collect();
        let value =
            (1.0 - breakage.get(s).copied().flatten().unwrap_or(0.0)) * scenario.cost_per_point;
        let liability: Vec<Vec<f64>> = outstanding
            .iter()
            .map(|r| r.iter().map(|p| p * value).collect())
            .collect();
        let mean_over_runs = |f: &dyn Fn(&Agg, usize) -> f64| -> Vec<f64> {
            (0..n)
                .map(|k| aggs.iter().map(|a| f(a, k)).sum::<f64>() / runs as f64)
                .collect()
        };
        let tier_members = (0..scenario.tiers.len())
            .map(|t| {
                mean_over_runs(&|a, k| {
                    a.months
                        .get(off + k)
                        .and_then(|m| m.tier_members.get(t))
                        .map_or(0.0, |&v| v as f64)
                })
            })
            .collect();
        let members =
            mean_over_runs(&|a, k| month_at(a, off + k).map_or(0.0, |t| t.members as f64));
        let clv: Vec<f64> = (0..runs)
            .map(|r| {
                per_customer(
                    (0..n)
                        .map(|k| {
                            (arm.revenue[r][k] * margin - monthly_cost[r][k]) * monthly_discount[k]
                        })
                        .sum(),
                )
            })
            .collect();
        let group = |segments: &[usize], costs: &dyn Fn(&Agg) -> f64| -> GroupOutlook {
            let rev = |a: &Arm| -> Vec<f64> {
                (0..runs)
                    .map(|r| segments.iter().map(|&g| a.segment_revenue[r][g]).sum())
                    .collect()
            };
            let (with, without) = (rev(arm), rev(base_arm));
            let with_programme = retention(arm, segments);
            let without_programme = retention(base_arm, segments);
            GroupOutlook {
                customers: segments.iter().map(|&g| group_customers[g]).sum(),
                retention_uplift: bands(&minus(&with_programme, &without_programme)),
                retention: bands(&with_programme),
                baseline_retention: bands(&without_programme),
                revenue: band(&with),
                baseline_revenue: band(&without),
                incremental_revenue: band(
                    &with
                        .iter()
                        .zip(&without)
                        .map(|(a, b)| a - b)
                        .collect::<Vec<_>>(),
                ),
                total_cost: band(&aggs.iter().map(costs).collect::<Vec<_>>()),
            }
        };
        let by_segment = (0..n_segments)
            .map(|g| group(&[g], &|a: &Agg| a.by_segment[g].total_cost()))
            .collect();
        let by_persona = (0..=n_personas)
            .map(|p| {
                group(&persona_segments[p], &|a: &Agg| {
                    a.by_persona[p].total_cost()
                })
            })
            .collect();
        let with_programme = retention(arm, &all);
        outlooks.push(ScenarioOutlook {
            scenario: scenario.name.clone(),
            retention_uplift: bands(&minus(&with_programme, &base_retention)),
            retention: bands(&with_programme),
            active_customers: bands(&arm.active),
            revenue: bands(&arm.revenue),
            total_revenue: band(&revenue),
            incremental_margin: band(&incremental.iter().map(|v| v * margin).collect::<Vec<_>>()),
            incremental_revenue: band(&incremental),
            rewards_cost: band(&rewards),
            benefits_cost: band(&benefits),
            discount_cost: band(&discounts),
            total_cost: band(&cost),
            monthly_cost: bands(&monthly_cost),
            roi,
            payback_month,
            cumulative_net,
            points_outstanding: bands(&outstanding),
            liability: bands(&liability),
            tier_members,
            members,
            clv_per_customer: band(&clv),
            by_segment,
            by_persona,
        });
    }
    Projection {
        start: sim.start,
        end: sim.end,
        months: sim.months.clone(),
        horizon_months: sim.horizon_months,
        runs,
        futures: sim.futures,
        customers,
        model: sim.model.clone(),
        params: Some(sim.params),
        spend_params: sim.spend,
        baseline,
        scenarios: outlooks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uplift_reads_in_signed_points() {
        assert_eq!(points(0.0042), "+0.42");
        assert_eq!(points(-0.0123), "-1.23");
        // A difference that rounds to nothing has no sign to show.
        assert_eq!(points(-0.00001), "+0.00");
        assert_eq!(points(0.0), "+0.00");
        // The plots draw the same bands in points.
        let b = Bands {
            p10: vec![-0.001],
            p50: vec![0.0042],
            p90: vec![0.01],
        };
        let scaled = b.scaled(100.0);
        assert_eq!(scaled.p50, vec![0.42]);
        assert!((scaled.p10[0] + 0.1).abs() < 1e-12 && (scaled.p90[0] - 1.0).abs() < 1e-12);
    }

    fn options(runs: usize, futures: Option<usize>, fast: bool) -> ProjectionOptions {
        ProjectionOptions {
            horizon_months: 12,
            runs,
            seed: 1,
            futures,
            fast,
        }
    }

    #[test]
    fn projected_categories_follow_the_customers_own_mix() {
        let mut mix = CategoryMix::default();
        // Three purchases in category 4, one in 7.
        mix.set([4, 7, 4, 4].into_iter());
        assert!(!mix.single());
        let n = 20_000u64;
        let in_7 = (0..n)
            .filter(|&k| mix.pick(uniform_draw(3 ^ CATEGORY_STREAM, 11, k)) == 7)
            .count() as f64
            / n as f64;
        assert!((in_7 - 0.25).abs() < 0.01, "share of category 7: {in_7}");
        // Every draw lands in a category of the history, the highest draw too.
        assert!([4, 7].contains(&mix.pick(1.0 - f64::EPSILON)));
        // No purchase: no category; one category: no draw needed.
        mix.set(std::iter::empty());
        assert_eq!((mix.single(), mix.pick(0.5)), (true, NO_CATEGORY));
        mix.only(2);
        assert_eq!((mix.single(), mix.pick(0.99)), (true, 2));
    }

    #[test]
    fn futures_are_one_per_run_within_the_budget_and_fewer_beyond() {
        assert_eq!(options(100, None, false).futures_for(10_000), 100);
        assert_eq!(options(100, None, false).futures_for(100_000), 10);
        assert_eq!(options(100, None, false).futures_for(30_000), 34);
        // At least 4 however many customers, never more than the runs.
        assert_eq!(options(100, None, false).futures_for(10_000_000), 4);
        assert_eq!(options(3, None, false).futures_for(10_000_000), 3);
        // Fast mode: a fifth of the budget, at least 2.
        assert_eq!(options(8, None, true).futures_for(100_000), 2);
        assert_eq!(options(8, None, true).futures_for(20_000), 8);
        assert_eq!(options(100, None, false).fast().runs, 8);
        // Asked for: kept between 2 and the runs.
        assert_eq!(options(100, Some(20), false).futures_for(1_000_000), 20);
        assert_eq!(options(100, Some(1), false).futures_for(10), 2);
        assert_eq!(options(5, Some(50), false).futures_for(10), 5);
        assert_eq!(options(1, Some(1), false).futures_for(10), 1);
    }

    #[test]
    fn each_future_is_taken_by_as_many_runs_in_a_shuffled_order() {
        assert_eq!(assignment(7, 3, 5, 5), vec![0, 1, 2, 3, 4]);
        let a = assignment(7, 3, 100, 8);
        assert_eq!(a, assignment(7, 3, 100, 8));
        let mut counts = [0usize; 8];
        for &f in &a {
            counts[f] += 1;
        }
        assert!(counts.iter().all(|&c| c == 12 || c == 13), "{counts:?}");
        // Chunks and seeds order them differently.
        assert_ne!(a, assignment(7, 4, 100, 8));
        assert_ne!(a, assignment(8, 3, 100, 8));
    }

    #[test]
    fn the_spread_is_widened_only_for_recombined_runs() {
        assert_eq!(spread_factor(100, 100), 1.0);
        assert_eq!(spread_factor(1, 1), 1.0);
        let f = spread_factor(100, 10);
        assert!((f * f - 0.99 / 0.9).abs() < 1e-12);
        let b = Band::widened(&[1.0, 2.0, 3.0, 4.0, 5.0], 2.0);
        assert_eq!((b.mean, b.p10, b.p50, b.p90), (3.0, -1.0, 3.0, 7.0));
        assert_eq!(
            Band::of(&[1.0, 2.0, 3.0]),
            Band::widened(&[1.0, 2.0, 3.0], 1.0)
        );
    }

    /// A scenario of the property test below: its expiry, tiers (with their window and
    /// downgrade policy), catalogue and earning cap drawn.
    fn arb_scenario() -> impl proptest::strategy::Strategy<Value = Scenario> {
        use crate::model::{
            DowngradePolicy, EarningRules, Expiry, Qualification, QualificationWindow,
            QualifyingMetric, RedemptionPolicy, Reward, Tier,
        };
        use proptest::prelude::*;
        (
            0u8..3,
            1u32..18,
            0u8..5,
            any::<bool>(),
            0u32..60,
            any::<bool>(),
            prop::option::of(50.0f64..400.0),
        )
            .prop_map(
                |(expiry, months, window, recompute, grace_days, catalogue, cap)| {
                    let tier = |name: &str, metric, enter: f64, mult: f64| Tier {
                        name: name.into(),
                        metric,
                        enter_threshold: enter,
                        retain_threshold: enter * 0.7,
                        earn_multiplier: mult,
                        annual_benefit_cost: enter / 50.0,
                        ..Tier::default()
                    };
                    let window = match window {
                        0 => None,
                        1 => Some(QualificationWindow::Rolling12Months),
                        2 => Some(QualificationWindow::CalendarYear),
                        3 => Some(QualificationWindow::Anniversary),
                        _ => Some(QualificationWindow::Lifetime),
                    };
                    Scenario {
                        name: "drawn".into(),
                        tiers: window.map_or_else(Vec::new, |_| {
                            vec![
                                tier("Base", QualifyingMetric::Spend, 0.0, 1.0),
                                tier("Silver", QualifyingMetric::Spend, 150.0, 1.5),
                                tier("Gold", QualifyingMetric::Transactions, 12.0, 2.0),
                            ]
                        }),
                        qualification: Qualification {
                            window: window.unwrap_or(QualificationWindow::Rolling12Months),
                            downgrade: if recompute {
                                DowngradePolicy::Recompute
                            } else {
                                DowngradePolicy::OneStep
                            },
                            grace_days,
                        },
                        earning: EarningRules {
                            cap_points_per_month: cap,
                            ..EarningRules::default()
                        },
                        rewards: if catalogue {
                            vec![
                                Reward {
                                    name: "small".into(),
                                    points_cost: 60.0,
                                    cost: 1.0,
                                },
                                Reward {
                                    name: "large".into(),
                                    points_cost: 250.0,
                                    cost: 5.0,
                                },
                            ]
                        } else {
                            Vec::new()
                        },
                        redemption: RedemptionPolicy {
                            min_balance_points: if catalogue { 0.0 } else { 100.0 },
                        },
                        expiry: match expiry {
                            0 => Expiry::Never,
                            1 => Expiry::AfterEarning { months },
                            _ => Expiry::AfterInactivity { months },
                        },
                        enrolment_rate_pct: 70.0,
                        ..Scenario::default()
                    }
                },
            )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// The projected ledgers account for every point, run by run: the members' balances at
        /// the end of the history, plus the points issued, less those redeemed and expired
        /// after it, are the points outstanding at the horizon; every later month-end stock is
        /// the one before it plus that month's flows, never negative, and its tiers add up to
        /// its members.
        #[test]
        fn projected_ledgers_account_for_every_point(
            scenario in arb_scenario(),
            horizon_months in 1u32..24,
            runs in 2usize..5,
            seed in 0u64..1000,
        ) {
            use proptest::prelude::*;
            let start = Date::from_ymd(2022, 1, 1).unwrap();
            let end = Date::from_ymd(2023, 12, 31).unwrap();
            let cfg = crate::sim::generate::GeneratorConfig::default_mix(150, seed, start, end);
            let tx = crate::sim::generate::generate(&cfg).unwrap().to_transactions();
            let mut project = Project {
                scenarios: vec![scenario],
                ..Project::default()
            };
            project.settings.launch_date = Date::from_ymd(2022, 7, 1);
            project.settings.seed = seed;
            let pop = Population::from_project(&project, &tx);
            // The fit is another test's matter.
            let basis = ProjectionBasis::fit(&project, &tx);
            prop_assume!(basis.is_ok());
            let basis = basis.unwrap();
            let fitted = Fitted { basis: &basis, tx: &tx, pop: &pop };
            let options = ProjectionOptions {
                horizon_months,
                runs,
                seed,
                futures: None,
                fast: false,
            };
            let scenarios: Vec<&Scenario> = project.scenarios.iter().collect();
            let pass = Pass {
                scenarios: &scenarios,
                wanted: &[vec![true]],
                with_baseline: true,
                replays: &[],
                drawn: None,
                keep: false,
            };
            let sim = project_drawn(fitted, &project, pass, options, Control::none())
                .unwrap()
                .unwrap();
            // The members' balances where the projection takes them up.
            let engine = Engine::new(&project, scenarios[0], &tx, &pop, sim.sim.end);
            let mut history = engine.agg();
            let mut scratch = Scratch::default();
            let taken_up: i64 = basis
                .summary
                .rows
                .iter()
                .map(|row| match engine.history(row.customer, &mut history, &mut scratch, None) {
                    Standing::Member(m) => m.balance(),
                    _ => 0,
                })
                .sum();
            let [(0, 0, part)] = sim.parts.as_slice() else {
                panic!("one scenario and group: {} parts", sim.parts.len());
            };
            prop_assert_eq!(part.aggs.len(), runs);
            for agg in &part.aggs {
                let flow = |m: &crate::sim::replay::Month| {
                    let t = &m.totals;
                    t.points_issued - t.points_redeemed - t.points_expired
                };
                let flows: i64 = agg.months.iter().map(flow).sum();
                let last = agg.months.last().unwrap();
                prop_assert_eq!(taken_up + flows, last.totals.points_outstanding);
                // The first projected month can hold the history's last days, whose flows are
                // not the projection's: the stocks add up from the month after it.
                for k in (part.offset + 1)..agg.months.len() {
                    let (before, month) = (&agg.months[k - 1], &agg.months[k]);
                    prop_assert_eq!(
                        before.totals.points_outstanding + flow(month),
                        month.totals.points_outstanding,
                        "month {}", k
                    );
                    prop_assert!(month.totals.points_outstanding >= 0);
                    if !month.tier_members.is_empty() {
                        prop_assert_eq!(
                            month.tier_members.iter().sum::<u64>(),
                            month.totals.members
                        );
                    }
                }
            }
        }
    }
}
