//! Forward projection of the customer base from the fitted models, and its backtest.
//!
//! Every customer's future is drawn from the models conditioned on their own history
//! `(x, t_x, T)`: alive at the calibration end with probability P(alive); if alive, the purchase
//! rate and dropout are drawn from their posterior given alive — BG/NBD: λ ~ Gamma(r + x, α + T),
//! p ~ Beta(a, b + x); MBG/NBD: the same with p ~ Beta(a, b + x + 1); Pareto/NBD:
//! λ ~ Gamma(r + x, α + T), μ ~ Gamma(s, β + T) — and purchases follow until dropout. Each
//! purchase's spend is Gamma(p, ν) with ν from its Gamma-Gamma posterior Gamma(q + p·x, γ + x·m̄).
//! Monte Carlo runs give bands. Each customer has one seeded stream for all runs, so the result
//! does not depend on the number of threads.

pub mod programme;

use rand::{Rng, RngCore};
use rand_distr::{Beta, Distribution, Exp1, Gamma};
use rayon::prelude::*;
use serde::Serialize;

use crate::data::store::Transactions;
use crate::model::{Date, Period, Project};
use crate::sim::models::{
    Compressed, CustomerSummary, FitError, GammaGammaParams, Summary, TransactionParams,
    fit_gamma_gamma, fit_transactions, summarise,
};

/// Customers per parallel chunk.
const CHUNK: usize = 1024;

/// One future purchase: when (periods after the calibration end) and how much.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Purchase {
    /// Time after the calibration end, in model periods.
    pub t: f64,
    /// Spend, in currency units.
    pub amount: f64,
}

/// A small, fast generator for one customer's stream of one run (SplitMix64): seeding costs
/// nothing, so every (customer, run, purpose) has its own stream and draws never depend on the
/// order customers are processed in or on how many draws another purpose took.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix(u64);

impl SplitMix {
    /// The stream of `purpose` for `customer` in `run` under `seed`.
    pub(crate) fn stream(seed: u64, customer: u32, run: usize, purpose: u64) -> SplitMix {
        let mut s = SplitMix(seed ^ 0x7072_6f6a_6563_7421);
        let a = s.next_u64();
        let mut s = SplitMix(a ^ u64::from(customer).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let b = s.next_u64();
        let mut s = SplitMix(b ^ (run as u64).wrapping_mul(0xd1b5_4a32_d192_ed03));
        let c = s.next_u64();
        SplitMix(c ^ purpose.wrapping_mul(0xbf58_476d_1ce4_e5b9))
    }
}

impl rand::RngCore for SplitMix {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// One customer's latent state in one run, drawn from the posterior given their history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Latent {
    /// Alive at the end of the history.
    pub alive: bool,
    /// Purchase rate, per model period.
    pub lambda: f64,
    /// BG/NBD and MBG/NBD: dropout probability after each purchase; Pareto/NBD: dropout rate
    /// per period.
    pub dropout: f64,
    /// Whether the dropout is a rate (Pareto/NBD) rather than a per-purchase probability.
    pub continuous: bool,
    /// Gamma-Gamma scale of the customer's spend (`None`: each purchase is worth `mean_spend`).
    pub nu: Option<f64>,
    /// Spend per purchase without a spend model.
    pub mean_spend: f64,
}

/// A purchase rate or dropout distribution, or its mean when the parameters admit none.
#[derive(Clone, Copy, Debug)]
enum Draw<D> {
    From(D),
    Mean(f64),
}

impl<D: Distribution<f64>> Draw<D> {
    fn sample(&self, rng: &mut impl Rng) -> f64 {
        match self {
            Draw::From(d) => d.sample(rng),
            Draw::Mean(m) => *m,
        }
    }
}

/// A Gamma(shape, rate) draw.
fn gamma_of(shape: f64, rate: f64) -> Draw<Gamma<f64>> {
    Gamma::new(shape, 1.0 / rate).map_or(Draw::Mean(shape / rate), Draw::From)
}

/// One customer's posterior given their history, set up once and drawn from in every run
/// (the same draws, in the same order, as setting the distributions up for each run).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Posterior {
    p_alive: f64,
    mean_spend: f64,
    continuous: bool,
    lambda: Draw<Gamma<f64>>,
    /// BG/NBD and MBG/NBD: the dropout probability's Beta; Pareto/NBD: the dropout rate's Gamma.
    dropout: DropoutDraw,
    nu: Option<Draw<Gamma<f64>>>,
}

#[derive(Clone, Copy, Debug)]
enum DropoutDraw {
    Beta(Draw<Beta<f64>>),
    Gamma(Draw<Gamma<f64>>),
}

impl Posterior {
    /// The posterior of `row` under the fitted models; `p_alive` is P(alive) given the row.
    pub(crate) fn new(
        params: &TransactionParams,
        spend: Option<&GammaGammaParams>,
        row: &CustomerSummary,
        p_alive: f64,
        fallback_spend: f64,
    ) -> Posterior {
        let (x, age) = (f64::from(row.x), row.age);
        let beta = |a: f64, b: f64| {
            DropoutDraw::Beta(Beta::new(a, b).map_or(Draw::Mean(a / (a + b)), Draw::From))
        };
        let (lambda, dropout, continuous) = match *params {
            TransactionParams::BgNbd { r, alpha, a, b } => {
                (gamma_of(r + x, alpha + age), beta(a, b + x), false)
            }
            TransactionParams::MbgNbd { r, alpha, a, b } => {
                (gamma_of(r + x, alpha + age), beta(a, b + x + 1.0), false)
            }
            TransactionParams::ParetoNbd { r, alpha, s, beta } => (
                gamma_of(r + x, alpha + age),
                DropoutDraw::Gamma(gamma_of(s, beta + age)),
                true,
            ),
        };
        Posterior {
            p_alive,
            mean_spend: if row.x > 0 {
                row.mean_repeat_spend
            } else {
                fallback_spend
            },
            continuous,
            lambda,
            dropout,
            nu: spend.map(|g| gamma_of(g.q + g.p * x, g.gamma + x * row.mean_repeat_spend)),
        }
    }

    /// The customer's latent state in one run.
    pub(crate) fn draw(&self, rng: &mut impl Rng) -> Latent {
        let alive = rng.random::<f64>() < self.p_alive;
        if !alive {
            // Nothing more to draw for a customer who is gone.
            return Latent {
                alive,
                lambda: 0.0,
                dropout: 1.0,
                continuous: self.continuous,
                nu: None,
                mean_spend: self.mean_spend,
            };
        }
        let lambda = self.lambda.sample(rng);
        let dropout = match &self.dropout {
            DropoutDraw::Beta(d) => d.sample(rng),
            DropoutDraw::Gamma(d) => d.sample(rng),
        };
        Latent {
            alive,
            lambda,
            dropout,
            continuous: self.continuous,
            nu: self.nu.map(|d| d.sample(rng)),
            mean_spend: self.mean_spend,
        }
    }
}

/// How a programme shifts a customer's behaviour from one purchase to the next.
pub(crate) trait Steer {
    /// Multipliers of the purchase rate, the dropout (per unit of time) and the basket for the
    /// next purchase.
    fn rates(&self) -> [f64; 3];
    /// A purchase `t` periods after the start, worth `amount`.
    fn bought(&mut self, t: f64, amount: f64);
}

/// No programme: the baseline behaviour.
pub(crate) struct Unsteered<F: FnMut(f64, f64)>(pub F);

impl<F: FnMut(f64, f64)> Steer for Unsteered<F> {
    fn rates(&self) -> [f64; 3] {
        [1.0; 3]
    }
    fn bought(&mut self, t: f64, amount: f64) {
        (self.0)(t, amount)
    }
}

/// The streams one customer's future is drawn from in one run: waiting times, spend, dropout.
/// A programme that changes how often a customer buys leaves the spend of their k-th purchase
/// and the dropout draw after it as they were: common random numbers.
#[derive(Clone, Debug)]
pub(crate) struct Streams {
    /// Exponential waiting times.
    pub gap: SplitMix,
    /// Spend.
    pub spend: SplitMix,
    /// Dropout.
    pub dropout: SplitMix,
}

impl Streams {
    /// The streams of `customer` in `run`.
    pub(crate) fn new(seed: u64, customer: u32, run: usize) -> Streams {
        Streams {
            gap: SplitMix::stream(seed, customer, run, 1),
            spend: SplitMix::stream(seed, customer, run, 2),
            dropout: SplitMix::stream(seed, customer, run, 3),
        }
    }
}

/// The draws of one customer's run, made once from its [`Streams`] and read by every arm (the
/// baseline and each scenario): the k-th waiting time (in units of 1 / rate), the k-th spend
/// (in units of 1 / ν) and the k-th dropout uniform, plus the Pareto/NBD lifetime.
pub(crate) struct Tape {
    streams: Streams,
    spend: Option<Gamma<f64>>,
    life: f64,
    draws: Vec<[f64; 3]>,
}

/// Where a [`Tape`] stands, without its draws (kept apart, see [`Tape::state`]): its streams and
/// the Pareto/NBD lifetime.
#[derive(Clone, Debug)]
pub(crate) struct TapeState {
    streams: Streams,
    life: f64,
}

impl Tape {
    /// Where the tape stands, to be taken up again by [`Tape::resume`] with the draws made so far
    /// (appended to `draws`, which may hold other tapes' draws before them): the same draws
    /// follow.
    pub(crate) fn state(&self, draws: &mut Vec<[f64; 3]>) -> TapeState {
        draws.extend_from_slice(&self.draws);
        TapeState {
            streams: self.streams.clone(),
            life: self.life,
        }
    }

    /// Takes up a customer-run where [`Tape::state`] left it, `draws` being the draws it kept.
    pub(crate) fn resume(&mut self, state: &TapeState, draws: &[[f64; 3]]) {
        self.streams.clone_from(&state.streams);
        self.life = state.life;
        self.draws.clear();
        self.draws.extend_from_slice(draws);
    }

    /// An empty tape; `spend` is the Gamma-Gamma model, if any.
    pub(crate) fn new(spend: Option<&GammaGammaParams>) -> Tape {
        Tape {
            streams: Streams::new(0, 0, 0),
            spend: spend.and_then(|g| Gamma::new(g.p, 1.0).ok()),
            life: 0.0,
            draws: Vec::new(),
        }
    }

    /// Starts the tape of a new customer-run.
    pub(crate) fn reset(&mut self, streams: Streams) {
        self.streams = streams;
        self.life = Exp1.sample(&mut self.streams.dropout);
        self.draws.clear();
    }

    fn at(&mut self, k: usize) -> [f64; 3] {
        while self.draws.len() <= k {
            let s = &mut self.streams;
            let gap: f64 = Exp1.sample(&mut s.gap);
            let spend = self.spend.as_ref().map_or(1.0, |g| g.sample(&mut s.spend));
            let u = s.dropout.random::<f64>();
            self.draws.push([gap, spend, u]);
        }
        self.draws[k]
    }
}

/// Lives a customer's future up to `horizon` periods: purchases go to `steer`; returns when
/// they drop out (`None`: still alive at the horizon; `Some(0)`: not alive at the start).
pub(crate) fn live(
    latent: &Latent,
    horizon: f64,
    tape: &mut Tape,
    steer: &mut impl Steer,
) -> Option<f64> {
    if !latent.alive {
        return Some(0.0);
    }
    let mut t = 0.0;
    // Pareto/NBD: the remaining lifetime in units of cumulative hazard.
    let mut life = if latent.continuous {
        tape.life
    } else {
        f64::INFINITY
    };
    for k in 0.. {
        let [rate, dropout, basket] = steer.rates();
        let [gap, spend, u] = tape.at(k);
        let wait = gap / (latent.lambda * rate).max(1e-300);
        if latent.continuous {
            let mu = latent.dropout * dropout;
            if mu * wait >= life {
                let death = t + life / mu.max(1e-300);
                return (death <= horizon).then_some(death);
            }
            life -= mu * wait;
        }
        t += wait;
        if t > horizon {
            return None;
        }
        let amount = match latent.nu {
            Some(nu) if tape.spend.is_some() => spend / nu,
            _ => latent.mean_spend,
        } * basket;
        steer.bought(t, amount);
        // Per purchase, the dropout chance is divided by the rate multiplier: buying more often
        // does not shorten a customer's life (the dropout per unit of time stays the model's).
        if !latent.continuous && u < latent.dropout * dropout / rate.max(1e-9) {
            return Some(t);
        }
    }
    None
}

/// Draws one customer's purchases in `(0, horizon]` periods after the calibration end,
/// conditioned on their history; `spend` draws the amounts (without it, each purchase is worth
/// the customer's mean repeat spend, or `fallback_spend` when they have none).
pub fn draw_future(
    params: &TransactionParams,
    spend: Option<&GammaGammaParams>,
    row: &CustomerSummary,
    horizon: f64,
    fallback_spend: f64,
    rng: &mut impl Rng,
    out: &mut Vec<Purchase>,
) {
    out.clear();
    let p_alive = params.p_alive(f64::from(row.x), row.t_x, row.age);
    let latent = Posterior::new(params, spend, row, p_alive, fallback_spend).draw(rng);
    let mut tape = Tape::new(spend);
    tape.reset(Streams {
        gap: SplitMix(rng.next_u64()),
        spend: SplitMix(rng.next_u64()),
        dropout: SplitMix(rng.next_u64()),
    });
    live(
        &latent,
        horizon,
        &mut tape,
        &mut Unsteered(|t, amount| out.push(Purchase { t, amount })),
    );
}

/// The mean spend per purchase of a customer without repeat purchases: the spend model's
/// population mean, or the mean of the repeat buyers' means.
pub(crate) fn fallback_spend(summary: &Summary, spend: Option<&GammaGammaParams>) -> f64 {
    spend.map_or_else(
        || {
            let (s, n) = summary
                .rows
                .iter()
                .filter(|r| r.x > 0)
                .fold((0.0, 0.0), |(s, n), r| (s + r.mean_repeat_spend, n + 1.0));
            if n > 0.0 { s / n } else { 0.0 }
        },
        |g| g.expected_spend(0.0, 0.0),
    )
}

/// Monthly totals of every Monte Carlo run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Runs {
    /// First day of each month (the first may start after the 1st: the day after the
    /// calibration end).
    pub months: Vec<Date>,
    /// Purchase days per run and month.
    pub transactions: Vec<Vec<f64>>,
    /// Spend per run and month.
    pub revenue: Vec<Vec<f64>>,
    /// Customers with a purchase, per run and month.
    pub active_customers: Vec<Vec<f64>>,
}

/// Month slots from the day after `start` to `end`: (first day, last day) of each.
fn month_slots(start: Date, end: Date) -> Vec<(Date, Date)> {
    let mut out = Vec::new();
    let mut from = start.add_days(1);
    while from <= end {
        let last = Date::first_of_month_index(from.month_index() + 1)
            .map_or(end, |d| d.add_days(-1))
            .min(end);
        out.push((from, last));
        from = last.add_days(1);
    }
    out
}

/// Simulates the summarised customers from the calibration end to `end`, `runs` times.
pub fn simulate_runs(
    params: &TransactionParams,
    spend: Option<&GammaGammaParams>,
    summary: &Summary,
    end: Date,
    runs: usize,
    seed: u64,
) -> Runs {
    let slots = month_slots(summary.calibration_end, end);
    let n_months = slots.len();
    let days = summary.period.days();
    let horizon = f64::from(end.0 - summary.calibration_end.0).max(0.0) / days;
    let fallback = fallback_spend(summary, spend);
    let first_slot_day = summary.calibration_end.add_days(1);
    let slot_of = |day: Date| -> Option<usize> {
        if day < first_slot_day || day > end {
            return None;
        }
        let k = (day.month_index() - first_slot_day.month_index()) as usize;
        (k < n_months).then_some(k)
    };
    let empty = || vec![vec![0.0; n_months]; runs];
    let partial: Vec<[Vec<Vec<f64>>; 3]> = summary
        .rows
        .par_chunks(CHUNK)
        .map(|rows| {
            let mut acc = [empty(), empty(), empty()];
            let mut active = vec![false; n_months];
            let mut tape = Tape::new(spend);
            for row in rows {
                let p_alive = params.p_alive(f64::from(row.x), row.t_x, row.age);
                let posterior = Posterior::new(params, spend, row, p_alive, fallback);
                let [transactions, revenue, actives] = &mut acc;
                let cells = transactions.iter_mut().zip(revenue).zip(actives);
                for (run, ((tr, rv), ac)) in cells.enumerate() {
                    let mut latent_rng = SplitMix::stream(seed, row.customer, run, 0);
                    let latent = posterior.draw(&mut latent_rng);
                    active.iter_mut().for_each(|a| *a = false);
                    if latent.alive {
                        // A customer gone today draws nothing more (`live` returns at once).
                        tape.reset(Streams::new(seed, row.customer, run));
                    }
                    live(
                        &latent,
                        horizon,
                        &mut tape,
                        &mut Unsteered(|t: f64, amount| {
                            // A purchase at t periods falls on the day ⌈t·days⌉ after the end.
                            let day = summary
                                .calibration_end
                                .add_days((t * days).ceil().max(1.0) as i32);
                            if let Some(k) = slot_of(day) {
                                tr[k] += 1.0;
                                rv[k] += amount;
                                active[k] = true;
                            }
                        }),
                    );
                    for (a, c) in active.iter().zip(ac.iter_mut()) {
                        if *a {
                            *c += 1.0;
                        }
                    }
                }
            }
            acc
        })
        .collect();
    let mut total = [empty(), empty(), empty()];
    for part in &partial {
        for (t, p) in total.iter_mut().zip(part) {
            for (tr, pr) in t.iter_mut().zip(p) {
                for (a, b) in tr.iter_mut().zip(pr) {
                    *a += b;
                }
            }
        }
    }
    let [transactions, revenue, active_customers] = total;
    Runs {
        months: slots.iter().map(|&(from, _)| from).collect(),
        transactions,
        revenue,
        active_customers,
    }
}

/// A predicted quantity against what happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Scored {
    /// What happened.
    pub actual: f64,
    /// Mean over the runs.
    pub predicted: f64,
    /// 10th percentile over the runs.
    pub p10: f64,
    /// 90th percentile over the runs.
    pub p90: f64,
    /// (predicted − actual) / actual, in percent (`None` when nothing happened).
    pub error_pct: Option<f64>,
}

impl Scored {
    fn new(actual: f64, runs: &[f64]) -> Scored {
        let predicted = runs.iter().sum::<f64>() / runs.len().max(1) as f64;
        Scored {
            actual,
            predicted,
            p10: percentile(runs, 0.1),
            p90: percentile(runs, 0.9),
            error_pct: (actual != 0.0).then(|| 100.0 * (predicted - actual) / actual),
        }
    }
}

/// Nearest-rank percentile (0 for no values).
pub fn percentile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    v[rank]
}

/// One month of a backtest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BacktestMonth {
    /// First day of the month (or of the holdout, for its first month).
    pub month: Date,
    /// Purchase days.
    pub transactions: Scored,
    /// Spend.
    pub revenue: Scored,
    /// Customers with a purchase.
    pub active_customers: Scored,
}

/// A backtest: the baseline projected from the calibration window against the rest of the data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Backtest {
    /// Last day of the calibration window.
    pub calibration_end: Date,
    /// Last day of the data.
    pub holdout_end: Date,
    /// The transaction model's name.
    pub model: String,
    /// Its fitted parameters.
    pub params: TransactionParams,
    /// The fitted Gamma-Gamma parameters (`None`: could not be fitted; each customer's own mean
    /// spend was used).
    pub spend_params: Option<GammaGammaParams>,
    /// Monte Carlo runs.
    pub runs: usize,
    /// Customers scored: those with a purchase by the calibration end.
    pub customers: usize,
    /// Those of them with a repeat purchase by the calibration end (what the models learn from).
    pub repeat_customers: usize,
    /// What limits how far the fit on the calibration window can be trusted, one sentence
    /// each: shapes at their bound, estimates the data hardly determine, a spend model that
    /// could not be fitted. Empty for a fit without such limits.
    pub notes: Vec<String>,
    /// Month by month.
    pub monthly: Vec<BacktestMonth>,
    /// The whole holdout: purchase days and spend.
    pub total: BacktestTotal,
}

/// Holdout totals of a backtest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BacktestTotal {
    /// Purchase days.
    pub transactions: Scored,
    /// Spend.
    pub revenue: Scored,
    /// Mean absolute monthly error of transactions, in percent.
    pub transactions_mape_pct: Option<f64>,
    /// Mean absolute monthly error of revenue, in percent.
    pub revenue_mape_pct: Option<f64>,
    /// Mean absolute monthly error of active customers, in percent.
    pub active_customers_mape_pct: Option<f64>,
}

/// Why a backtest cannot run.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// The calibration end leaves no holdout or no calibration data.
    #[error("calibration end {calibration_end}: {reason}")]
    Window {
        /// The date given.
        calibration_end: Date,
        /// What is wrong with it.
        reason: String,
    },
    /// The model cannot be fitted on the calibration window.
    #[error(transparent)]
    Fit(#[from] FitError),
}

/// Fits the project's models on the history up to `calibration_end`, projects the baseline to
/// the end of the data, and scores it against what happened (customers who first bought after
/// the calibration end are left out on both sides: the models do not predict acquisition).
pub fn backtest(
    project: &Project,
    tx: &Transactions,
    calibration_end: Date,
    runs: usize,
    seed: u64,
) -> Result<Backtest, BacktestError> {
    let window = |reason: &str| BacktestError::Window {
        calibration_end,
        reason: reason.into(),
    };
    let (first, last) = tx.date_range().ok_or_else(|| window("there is no data"))?;
    if calibration_end < first {
        return Err(window(&format!("before the first transaction ({first})")));
    }
    if calibration_end >= last {
        return Err(window(&format!("leaves no holdout: the data ends {last}")));
    }
    let period: Period = project.settings.model_period;
    let summary = summarise(tx, calibration_end, Some(last), period);
    let fit = fit_transactions(
        project.settings.transaction_model,
        &Compressed::from_summary(&summary),
    )?;
    let spend_fit = fit_gamma_gamma(&summary);
    // Each note named by its model: the backtest's reader sees no table of estimates.
    let model = project.settings.transaction_model.label();
    let mut notes: Vec<String> = fit
        .notes(period)
        .into_iter()
        .map(|n| format!("{model}: {n}"))
        .collect();
    match &spend_fit {
        Ok(f) => notes.extend(f.notes().into_iter().map(|n| format!("Gamma-Gamma: {n}"))),
        Err(e) => notes.push(format!("{e}: each customer's own average spend is used")),
    }
    let spend = spend_fit.ok().map(|f| f.params);
    let runs = runs.max(1);
    let sim = simulate_runs(&fit.params, spend.as_ref(), &summary, last, runs, seed);
    // What happened, by the same months, for the same customers.
    let n = sim.months.len();
    let mut actual = [vec![0.0; n], vec![0.0; n], vec![0.0; n]];
    let start = calibration_end.add_days(1);
    for row in &summary.rows {
        let mut last_day = None;
        let mut last_month = None;
        for i in tx.range_of(row.customer) {
            let day = tx.day[i];
            if day < start {
                continue;
            }
            let k = (day.month_index() - start.month_index()) as usize;
            if k >= n {
                break;
            }
            if last_day != Some(day) {
                actual[0][k] += 1.0;
                last_day = Some(day);
            }
            actual[1][k] += tx.amount[i];
            if last_month != Some(k) {
                actual[2][k] += 1.0;
                last_month = Some(k);
            }
        }
    }
    let column = |m: &[Vec<f64>], k: usize| -> Vec<f64> { m.iter().map(|r| r[k]).collect() };
    let monthly: Vec<BacktestMonth> = (0..n)
        .map(|k| BacktestMonth {
            month: sim.months[k],
            transactions: Scored::new(actual[0][k], &column(&sim.transactions, k)),
            revenue: Scored::new(actual[1][k], &column(&sim.revenue, k)),
            active_customers: Scored::new(actual[2][k], &column(&sim.active_customers, k)),
        })
        .collect();
    let totals = |m: &[Vec<f64>]| -> Vec<f64> { m.iter().map(|r| r.iter().sum()).collect() };
    let mape = |get: fn(&BacktestMonth) -> &Scored| -> Option<f64> {
        let errors: Vec<f64> = monthly
            .iter()
            .filter_map(|m| get(m).error_pct.map(f64::abs))
            .collect();
        (!errors.is_empty()).then(|| errors.iter().sum::<f64>() / errors.len() as f64)
    };
    let total = BacktestTotal {
        transactions: Scored::new(actual[0].iter().sum(), &totals(&sim.transactions)),
        revenue: Scored::new(actual[1].iter().sum(), &totals(&sim.revenue)),
        transactions_mape_pct: mape(|m| &m.transactions),
        revenue_mape_pct: mape(|m| &m.revenue),
        active_customers_mape_pct: mape(|m| &m.active_customers),
    };
    Ok(Backtest {
        calibration_end,
        holdout_end: last,
        model: model.to_string(),
        params: fit.params,
        spend_params: spend,
        runs,
        customers: summary.rows.len(),
        repeat_customers: summary.repeat_customers(),
        notes,
        monthly,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// The conditional draws reproduce the closed-form conditional expectation of each model.
    #[test]
    fn conditional_draws_match_the_closed_form_expectation() {
        let rows: Vec<CustomerSummary> = [(0, 0.0, 30.0), (2, 10.0, 30.0), (6, 28.0, 30.0)]
            .iter()
            .enumerate()
            .map(|(i, &(x, t_x, age))| CustomerSummary {
                customer: i as u32,
                first_day: Date(0),
                x,
                t_x,
                age,
                mean_repeat_spend: 20.0,
                holdout_x: 0,
                holdout_spend: 0.0,
            })
            .collect();
        for params in [
            TransactionParams::BgNbd {
                r: 0.8,
                alpha: 6.0,
                a: 0.8,
                b: 2.5,
            },
            TransactionParams::MbgNbd {
                r: 0.8,
                alpha: 6.0,
                a: 1.5,
                b: 5.0,
            },
            TransactionParams::ParetoNbd {
                r: 0.8,
                alpha: 6.0,
                s: 0.7,
                beta: 12.0,
            },
        ] {
            for row in &rows {
                let mut rng = ChaCha8Rng::seed_from_u64(5);
                let mut buf = Vec::new();
                let n = 40_000;
                let mut total = 0usize;
                for _ in 0..n {
                    draw_future(&params, None, row, 26.0, 20.0, &mut rng, &mut buf);
                    total += buf.len();
                }
                let simulated = total as f64 / n as f64;
                let expected =
                    params.expected_conditional(26.0, f64::from(row.x), row.t_x, row.age);
                assert!(
                    (simulated - expected).abs() < 0.03 * expected.max(0.3),
                    "{params:?} x={}: simulated {simulated:.4}, closed form {expected:.4}",
                    row.x
                );
            }
        }
    }

    /// Buying more often does not shorten a life: with the purchase rate multiplied (as a
    /// frequency uplift does), the share still alive at each time is the model's closed form,
    /// exp(−p·λ·t) for a per-purchase dropout chance p (BG/NBD) and exp(−μ·t) for a dropout
    /// rate μ (Pareto/NBD), as without the uplift. Without the per-purchase chance divided by
    /// the rate, the BG/NBD customers buying 1.5 times as often would die 1.5 times as fast.
    #[test]
    fn a_faster_purchase_rate_leaves_the_survival_curve_as_it_was() {
        struct Faster(f64);
        impl Steer for Faster {
            fn rates(&self) -> [f64; 3] {
                [self.0, 1.0, 1.0]
            }
            fn bought(&mut self, _: f64, _: f64) {}
        }
        let (lambda, n, horizon) = (0.5, 40_000u32, 40.0);
        for (continuous, dropout, hazard) in [(false, 0.1, 0.1 * lambda), (true, 0.04, 0.04)] {
            let latent = Latent {
                alive: true,
                lambda,
                dropout,
                continuous,
                nu: None,
                mean_spend: 10.0,
            };
            for rate in [1.0, 1.5] {
                let mut tape = Tape::new(None);
                let deaths: Vec<f64> = (0..n)
                    .map(|c| {
                        tape.reset(Streams::new(11, c, 0));
                        live(&latent, horizon, &mut tape, &mut Faster(rate)).unwrap_or(f64::MAX)
                    })
                    .collect();
                for t in [5.0, 10.0, 20.0, 40.0] {
                    let alive = deaths.iter().filter(|&&d| d > t).count() as f64 / f64::from(n);
                    let expected = (-hazard * t).exp();
                    // Four standard errors of a share of 40,000.
                    let tolerance = 4.0 * (expected * (1.0 - expected) / f64::from(n)).sqrt();
                    assert!(
                        (alive - expected).abs() < tolerance,
                        "continuous {continuous}, rate ×{rate}, t {t}: {alive:.4} alive, \
                         closed form {expected:.4}"
                    );
                }
            }
        }
    }

    #[test]
    fn spend_draws_follow_the_gamma_gamma_posterior() {
        let g = GammaGammaParams {
            p: 6.0,
            q: 4.0,
            gamma: 15.0,
        };
        let row = CustomerSummary {
            customer: 0,
            first_day: Date(0),
            x: 4,
            t_x: 20.0,
            age: 21.0,
            mean_repeat_spend: 30.0,
            holdout_x: 0,
            holdout_spend: 0.0,
        };
        let params = TransactionParams::BgNbd {
            r: 2.0,
            alpha: 2.0,
            a: 0.1,
            b: 20.0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let (mut sum, mut n) = (0.0, 0.0);
        let mut buf = Vec::new();
        for _ in 0..20_000 {
            draw_future(&params, Some(&g), &row, 52.0, 0.0, &mut rng, &mut buf);
            sum += buf.iter().map(|p| p.amount).sum::<f64>();
            n += buf.len() as f64;
        }
        let expected = g.expected_spend(4.0, 30.0);
        assert!(
            ((sum / n) - expected).abs() < 0.02 * expected,
            "{} vs {expected}",
            sum / n
        );
    }

    #[test]
    fn month_slots_cover_the_holdout() {
        let d = |y, m, dd| Date::from_ymd(y, m, dd).unwrap();
        assert_eq!(
            month_slots(d(2023, 1, 15), d(2023, 3, 10)),
            vec![
                (d(2023, 1, 16), d(2023, 1, 31)),
                (d(2023, 2, 1), d(2023, 2, 28)),
                (d(2023, 3, 1), d(2023, 3, 10))
            ]
        );
        assert!(month_slots(d(2023, 1, 15), d(2023, 1, 15)).is_empty());
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 0.5), 2.0);
    }
}
