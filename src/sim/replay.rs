//! The replay engine: what a programme would have done on the real history.
//!
//! Each customer's transactions are replayed in time order under a scenario's rules — enrolment,
//! earning, tiers and their qualification windows, redemptions, expiry, refunds — and every point
//! and every cost is accounted for. Customers are independent, so they are processed in parallel
//! in fixed chunks whose results are combined in chunk order: the output does not depend on the
//! number of threads. All randomness (enrolment, redemption choices) comes from counter-based
//! draws keyed by the project seed, the customer and the draw's number, the same for every
//! scenario (common random numbers).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::Serialize;

use crate::data::store::{NO_CATEGORY, Transactions};
use crate::model::{
    Colour, Date, DowngradePolicy, Expiry, Project, QualificationWindow, QualifyingMetric,
    Response, Scenario, Settings,
};

/// Customers per parallel chunk: small histories are cut finely enough to keep both cores busy,
/// large ones coarsely enough that merging chunks costs nothing. Fixed by the customer count
/// alone, so results never depend on the number of threads.
pub(crate) fn chunk_size(customers: usize) -> usize {
    (customers / 32).clamp(256, 4096)
}

/// Who each customer is, for the breakdowns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Population {
    /// Segment index per customer (`segments.len()` = Unassigned).
    pub segment_of: Vec<u16>,
    /// Persona index per segment index (`None`: no persona for that segment).
    pub persona_of_segment: Vec<Option<u16>>,
    /// Segment names, Unassigned last.
    pub segment_names: Vec<String>,
    /// Persona names.
    pub persona_names: Vec<String>,
}

impl Population {
    /// Labels of the per-persona breakdown: the persona names, then "(no persona)".
    pub fn persona_labels(&self) -> Vec<String> {
        let mut labels = self.persona_names.clone();
        labels.push(crate::model::NO_PERSONA.into());
        labels
    }

    /// Labels of the per-segment breakdown of `project`: its segment names, then Unassigned.
    pub fn segment_labels(project: &Project) -> Vec<String> {
        let mut names: Vec<String> = project.segments.iter().map(|s| s.name.clone()).collect();
        names.push(crate::model::UNASSIGNED.to_string());
        names
    }

    /// Segments at the last transaction day and the persona of each segment (the first persona
    /// naming it).
    pub fn from_project(project: &Project, tx: &Transactions) -> Population {
        let as_of = tx.date_range().map_or(Date(0), |(_, last)| last);
        let n = project.segments.len();
        let segment_of = super::segments::assign(&project.segments, tx, as_of)
            .into_iter()
            .map(|s| s.unwrap_or(n as u16))
            .collect();
        let segment_names = Population::segment_labels(project);
        let persona_of_segment = segment_names
            .iter()
            .map(|name| {
                project
                    .personas
                    .iter()
                    .position(|p| &p.segment == name)
                    .map(|i| i as u16)
            })
            .collect();
        Population {
            segment_of,
            persona_of_segment,
            segment_names,
            persona_names: project.personas.iter().map(|p| p.name.clone()).collect(),
        }
    }
}

/// Flows and stocks of a programme over some period and group of customers.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Members (enrolled customers).
    pub members: u64,
    /// Members with at least one transaction in the period.
    pub active_members: u64,
    /// Revenue of all customers, programme period only, in currency units.
    pub revenue: f64,
    /// Revenue of members after enrolment.
    pub member_revenue: f64,
    /// Points earned, net of clawbacks.
    pub points_issued: i64,
    /// Points redeemed.
    pub points_redeemed: i64,
    /// Points expired.
    pub points_expired: i64,
    /// Points still on members' balances at the end.
    pub points_outstanding: i64,
    /// Points taken back because of refunds.
    pub points_clawed_back: i64,
    /// Points a refund should have taken back but the balance did not hold.
    pub clawback_shortfall: i64,
    /// Redemptions.
    pub redemptions: u64,
    /// Cost of rewards redeemed.
    pub rewards_cost: f64,
    /// Cost of tier benefits, accrued per member per day in tier.
    pub benefits_cost: f64,
    /// Cost of tier discounts on members' spend.
    pub discount_cost: f64,
    /// Tier upgrades.
    pub upgrades: u64,
    /// Tier downgrades.
    pub downgrades: u64,
}

impl Totals {
    fn add(&mut self, o: &Totals) {
        self.members += o.members;
        self.active_members += o.active_members;
        self.revenue += o.revenue;
        self.member_revenue += o.member_revenue;
        self.points_issued += o.points_issued;
        self.points_redeemed += o.points_redeemed;
        self.points_expired += o.points_expired;
        self.points_outstanding += o.points_outstanding;
        self.points_clawed_back += o.points_clawed_back;
        self.clawback_shortfall += o.clawback_shortfall;
        self.redemptions += o.redemptions;
        self.rewards_cost += o.rewards_cost;
        self.benefits_cost += o.benefits_cost;
        self.discount_cost += o.discount_cost;
        self.upgrades += o.upgrades;
        self.downgrades += o.downgrades;
    }

    /// Rewards, benefits and discounts.
    pub fn total_cost(&self) -> f64 {
        self.rewards_cost + self.benefits_cost + self.discount_cost
    }

    /// Points redeemed per point issued (`None` when nothing was issued).
    pub fn redemption_rate(&self) -> Option<f64> {
        (self.points_issued > 0).then(|| self.points_redeemed as f64 / self.points_issued as f64)
    }

    /// Programme cost per unit of revenue (`None` without revenue).
    pub fn cost_to_revenue(&self) -> Option<f64> {
        (self.revenue > 0.0).then(|| self.total_cost() / self.revenue)
    }
}

/// One calendar month of a replay.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Month {
    /// First day of the month.
    pub month: Date,
    /// Flows in the month; `members` and `points_outstanding` are stocks at the month end.
    pub totals: Totals,
    /// Members per tier at the month end.
    pub tier_members: Vec<u64>,
}

/// What one scenario did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Replay {
    /// Scenario name.
    pub scenario: String,
    /// Whole programme period.
    pub totals: Totals,
    /// Customers with a transaction on or after the launch (who could have joined).
    pub eligible_customers: u64,
    /// Month by month, from the launch month to the last transaction month.
    pub monthly: Vec<Month>,
    /// Per segment (Unassigned last), in the order of [`Population::segment_names`].
    pub by_segment: Vec<Totals>,
    /// Per persona, then customers of no persona last.
    pub by_persona: Vec<Totals>,
    /// Per tier (members = at the end, flows = while in the tier); empty for a flat programme.
    pub by_tier: Vec<Totals>,
    /// Estimated share of issued points that will never be redeemed.
    pub breakage_rate: Option<f64>,
    /// Outstanding points × (1 − breakage) × cost per point, in currency units.
    pub liability: f64,
}

impl Replay {
    /// Members per customer who bought after the launch.
    pub fn enrolment_rate(&self) -> Option<f64> {
        (self.eligible_customers > 0)
            .then(|| self.totals.members as f64 / self.eligible_customers as f64)
    }

    /// Members who bought in the last 12 months of the history, per member.
    pub fn active_participation(&self) -> Option<f64> {
        (self.totals.members > 0)
            .then(|| self.totals.active_members as f64 / self.totals.members as f64)
    }
}

/// A measure of the scenario comparison: its label and how to show it.
pub type Measure = (&'static str, fn(&Replay) -> String);

/// The measures a scenario comparison shows, in order: the CLI table and the GUI Results page.
pub fn comparison_measures() -> Vec<Measure> {
    use crate::format::{count, money, percent};
    vec![
        ("Members", |r| count(r.totals.members)),
        ("Enrolment rate", |r| percent(r.enrolment_rate())),
        ("Active participation", |r| {
            percent(r.active_participation())
        }),
        ("Revenue", |r| money(r.totals.revenue)),
        ("Points issued", |r| {
            count(r.totals.points_issued.max(0) as u64)
        }),
        ("Points redeemed", |r| {
            count(r.totals.points_redeemed.max(0) as u64)
        }),
        ("Points expired", |r| {
            count(r.totals.points_expired.max(0) as u64)
        }),
        ("Points outstanding", |r| {
            count(r.totals.points_outstanding.max(0) as u64)
        }),
        ("Rewards cost", |r| money(r.totals.rewards_cost)),
        ("Benefits cost", |r| money(r.totals.benefits_cost)),
        ("Discount cost", |r| money(r.totals.discount_cost)),
        ("Total cost", |r| money(r.totals.total_cost())),
        ("Cost / revenue", |r| percent(r.totals.cost_to_revenue())),
        ("Redemption rate", |r| percent(r.totals.redemption_rate())),
        ("Breakage", |r| percent(r.breakage_rate)),
        ("Liability", |r| money(r.liability)),
        ("Upgrades", |r| count(r.totals.upgrades)),
        ("Downgrades", |r| count(r.totals.downgrades)),
    ]
}

/// One line of a customer's ledger, for `tierlab explain`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LedgerLine {
    /// When.
    pub day: Date,
    /// What happened, in words.
    pub event: String,
    /// Points added (+) or removed (−) from the balance.
    pub points: i64,
    /// Balance after the event.
    pub balance: i64,
    /// Tier after the event (name), if tiered.
    pub tier: Option<String>,
}

#[derive(Clone, Copy, Debug)]
struct Lot {
    earned: Date,
    expiry: Date,
    remaining: i64,
}

/// Accumulators of one chunk of customers.
#[derive(Clone, Debug)]
pub(crate) struct Agg {
    totals: Totals,
    eligible: u64,
    pub(crate) months: Vec<Month>,
    pub(crate) by_segment: Vec<Totals>,
    pub(crate) by_persona: Vec<Totals>,
    pub(crate) by_tier: Vec<Totals>,
    /// Month-end stocks as difference arrays over month slots (a member's unchanged state is
    /// added to a whole run of months at once): members, outstanding points, members per tier.
    members_diff: Vec<i64>,
    outstanding_diff: Vec<i64>,
    tier_diff: Vec<Vec<i64>>,
    /// Points issued per issuance month, and redeemed by (issuance month, age in months).
    cohort_issued: Vec<i64>,
    cohort_redeemed: Vec<Vec<i64>>,
}

impl Agg {
    fn new(months: usize, first_month: i32, segments: usize, personas: usize, tiers: usize) -> Agg {
        Agg {
            totals: Totals::default(),
            eligible: 0,
            months: (0..months)
                .map(|k| Month {
                    month: Date::first_of_month_index(first_month + k as i32).unwrap_or(Date(0)),
                    totals: Totals::default(),
                    tier_members: vec![0; tiers],
                })
                .collect(),
            by_segment: vec![Totals::default(); segments],
            by_persona: vec![Totals::default(); personas + 1],
            by_tier: vec![Totals::default(); tiers],
            members_diff: vec![0; months + 1],
            outstanding_diff: vec![0; months + 1],
            tier_diff: vec![vec![0; months + 1]; tiers],
            cohort_issued: vec![0; months],
            cohort_redeemed: vec![vec![0; months]; months],
        }
    }

    /// Turns the difference arrays into the months' stocks.
    pub(crate) fn settle_stocks(&mut self) {
        let (mut members, mut outstanding) = (0i64, 0i64);
        let mut tiers = vec![0i64; self.tier_diff.len()];
        for (k, m) in self.months.iter_mut().enumerate() {
            members += self.members_diff[k];
            outstanding += self.outstanding_diff[k];
            m.totals.members = members.max(0) as u64;
            m.totals.points_outstanding = outstanding;
            for (t, diff) in tiers.iter_mut().zip(&self.tier_diff) {
                *t += diff[k];
            }
            for (slot, t) in m.tier_members.iter_mut().zip(&tiers) {
                *slot = (*t).max(0) as u64;
            }
        }
    }

    pub(crate) fn merge(&mut self, o: &Agg) {
        self.totals.add(&o.totals);
        self.eligible += o.eligible;
        for (a, b) in self.months.iter_mut().zip(&o.months) {
            a.totals.add(&b.totals);
            for (x, y) in a.tier_members.iter_mut().zip(&b.tier_members) {
                *x += y;
            }
        }
        for (a, b) in self.by_segment.iter_mut().zip(&o.by_segment) {
            a.add(b);
        }
        for (a, b) in self.by_persona.iter_mut().zip(&o.by_persona) {
            a.add(b);
        }
        for (a, b) in self.by_tier.iter_mut().zip(&o.by_tier) {
            a.add(b);
        }
        for (a, b) in self.members_diff.iter_mut().zip(&o.members_diff) {
            *a += b;
        }
        for (a, b) in self.outstanding_diff.iter_mut().zip(&o.outstanding_diff) {
            *a += b;
        }
        for (ra, rb) in self.tier_diff.iter_mut().zip(&o.tier_diff) {
            for (a, b) in ra.iter_mut().zip(rb) {
                *a += b;
            }
        }
        for (a, b) in self.cohort_issued.iter_mut().zip(&o.cohort_issued) {
            *a += b;
        }
        for (ra, rb) in self.cohort_redeemed.iter_mut().zip(&o.cohort_redeemed) {
            for (a, b) in ra.iter_mut().zip(rb) {
                *a += b;
            }
        }
    }
}

/// Everything fixed for one replay.
struct Ctx<'a> {
    scenario: &'a Scenario,
    tx: &'a Transactions,
    pop: &'a Population,
    launch: Date,
    end: Date,
    first_month: i32,
    seed: u64,
    enrol_propensity: Vec<f64>,
    redeem_propensity: Vec<f64>,
    /// Category multiplier per interned category.
    category_multiplier: Vec<f64>,
    /// Earn multiplier and discount rate (share of spend) per tier, worked out once.
    tier_rates: Vec<(f64, f64)>,
    /// First day of the first month: the origin of the day tables.
    day0: i32,
    /// Month slot of each day from `day0` to the end of the history.
    slot_of: Vec<u16>,
    /// The day 12 months earlier, for each day of the tables.
    year_ago: Vec<i32>,
    /// For expiry after N months (of earning or of inactivity): each day of the tables plus N
    /// months.
    expiry_of: Vec<i32>,
    /// Snapshot day of each month slot: its last day, or the history's last day.
    slot_end: Vec<Date>,
    /// Members with a transaction after this day (12 months before the end) are active.
    active_after: Option<Date>,
    /// No redemption below this balance: the minimum balance to redeem, or the cheapest
    /// reward's points when they are more (NaN costs left out, as no balance affords them).
    redeem_from: f64,
}

fn context<'a>(
    project: &'a Project,
    scenario: &'a Scenario,
    tx: &'a Transactions,
    pop: &'a Population,
    launch: Date,
    end: Date,
    first_month: i32,
) -> Ctx<'a> {
    let persona_param = |f: &dyn Fn(&crate::model::Response) -> f64, default: f64| -> Vec<f64> {
        pop.persona_of_segment
            .iter()
            .map(|p| {
                p.map_or(default, |i| {
                    f(scenario.response_for(&project.personas[i as usize]))
                })
            })
            .collect()
    };
    let day0 = Date::first_of_month_index(first_month).map_or(launch.0, |d| d.0);
    let days = (end.0 - day0 + 2).max(1) as usize;
    let slot_of = (0..days)
        .map(|k| {
            (Date(day0 + k as i32).month_index() - first_month).clamp(0, i32::from(u16::MAX)) as u16
        })
        .collect();
    let year_ago = (0..days)
        .map(|k| {
            let d = Date(day0 + k as i32);
            d.add_months(-12).unwrap_or(d).0
        })
        .collect();
    let expiry_of = match scenario.expiry {
        Expiry::AfterEarning { months } | Expiry::AfterInactivity { months } => (0..days)
            .map(|k| {
                Date(day0 + k as i32)
                    .add_months(months as i32)
                    .map_or(i32::MAX, |d| d.0)
            })
            .collect(),
        _ => Vec::new(),
    };
    let slot_end = (0..=(end.month_index() - first_month).max(0))
        .map(|k| {
            Date::first_of_month_index(first_month + k + 1)
                .map_or(end, |d| d.add_days(-1))
                .min(end)
        })
        .collect();
    let min_balance = scenario.redemption.min_balance_points;
    let redeem_from = if scenario.rewards.is_empty() {
        min_balance
    } else {
        let cheapest = scenario
            .rewards
            .iter()
            .map(|r| r.points_cost)
            .fold(f64::INFINITY, f64::min);
        min_balance.max(cheapest)
    };
    Ctx {
        redeem_from,
        tier_rates: scenario
            .tiers
            .iter()
            .map(|t| (t.earn_multiplier, t.discount_pct / 100.0))
            .collect(),
        scenario,
        tx,
        pop,
        launch,
        end,
        first_month,
        day0,
        slot_of,
        year_ago,
        expiry_of,
        slot_end,
        active_after: end.add_months(-12),
        seed: project.settings.seed,
        enrol_propensity: persona_param(&|r| r.enrolment_propensity, 1.0),
        redeem_propensity: persona_param(&|r| r.redemption_propensity, 0.8),
        category_multiplier: tx
            .categories
            .iter()
            .map(|c| {
                scenario
                    .earning
                    .category_multipliers
                    .iter()
                    .find(|m| &m.category == c)
                    .map_or(1.0, |m| m.multiplier)
            })
            .collect(),
    }
}

impl Ctx<'_> {
    /// The customer's segment and persona indices (Unassigned and "no persona" last).
    fn groups_of(&self, c: u32) -> (usize, usize) {
        let unassigned = self.pop.segment_names.len().saturating_sub(1);
        let segment = self
            .pop
            .segment_of
            .get(c as usize)
            .map_or(unassigned, |&s| s as usize);
        let persona = self
            .pop
            .persona_of_segment
            .get(segment)
            .copied()
            .flatten()
            .map_or(self.pop.persona_names.len(), |p| p as usize);
        (segment, persona)
    }

    /// Whether the customer joins the programme at their first purchase after the launch
    /// (the enrolment draw against the rate and the persona's propensity).
    fn joins(&self, c: u32, segment: usize) -> bool {
        let p_enrol = self.scenario.enrolment_rate_pct / 100.0 * self.enrol_propensity[segment];
        enrolment_draw(self.seed, c) < p_enrol
    }
}

/// Keys the redemption draws apart from the enrolment draws of the same seed.
const REDEMPTION_STREAM: u64 = 0x7265_6465_656d;

/// The `k`-th uniform draw in [0, 1) of a customer's stream under `seed`: a pure function of the
/// three (counter-based, so no generator state is kept or seeded per customer), the same in every
/// scenario. Two rounds of the SplitMix64 finaliser over the mixed key.
pub(crate) fn uniform_draw(seed: u64, customer: u32, k: u64) -> f64 {
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let z =
        mix(seed ^ 0x656e_726f_6c6c_6d65 ^ u64::from(customer).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let z = mix(z ^ k.wrapping_mul(0xd1b5_4a32_d192_ed03));
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// A customer's enrolment draw: the first of their stream under the seed.
fn enrolment_draw(seed: u64, customer: u32) -> f64 {
    uniform_draw(seed, customer, 0)
}

/// `project` without what no replay or projection of its scenarios reads: the scenarios
/// themselves, the project's and its personas' and segments' texts and colours, the currency,
/// the personas' synthetic-data profiles (generated data is new data), and the gross margin and
/// discount rate (which only the projection's outlooks read). Two projects with the same
/// context give every scenario the same replay and the same simulated projection, on the same
/// data.
pub fn simulation_context(project: &Project) -> Project {
    let mut context = Project {
        scenarios: Vec::new(),
        name: String::new(),
        description: String::new(),
        currency: String::new(),
        ..project.clone()
    };
    context.settings.gross_margin_pct = 0.0;
    context.settings.discount_rate_pct = 0.0;
    for p in &mut context.personas {
        p.narrative = Default::default();
        p.colour = Colour([0; 3]);
        p.synthetic = None;
    }
    for s in &mut context.segments {
        s.description = String::new();
        s.colour = Colour([0; 3]);
    }
    context
}

/// The response as far as a replay reads it: the enrolment and redemption propensities (the
/// other responses act on projected futures only).
fn replayed_response(r: &Response) -> Response {
    Response {
        frequency_uplift_pct: 0.0,
        basket_uplift_pct: 0.0,
        dropout_reduction_pct_per_tier: 0.0,
        goal_gradient_pct: 0.0,
        goal_gradient_distance_pct: 0.0,
        ..r.clone()
    }
}

/// What a replay reads of `project` besides the scenario, to tell whether a replay kept from an
/// earlier edit still holds: the [`simulation_context`] with the settings only the projection
/// reads left out and the personas' responses reduced to what a replay reads. With
/// [`replayed_scenario`], equal keys give equal replays (a test checks it).
pub fn replay_context(project: &Project) -> Project {
    let mut context = simulation_context(project);
    let kept = &project.settings;
    context.settings = Settings {
        seed: kept.seed,
        launch_date: kept.launch_date,
        ..Settings::default()
    };
    for p in &mut context.personas {
        p.response = replayed_response(&p.response);
    }
    context
}

/// What a replay reads of `scenario` (see [`replay_context`]): all of it but its name (which a
/// replay only carries: [`Replay::scenario`]) and description, with its persona overrides
/// reduced to what a replay reads.
pub fn replayed_scenario(scenario: &Scenario) -> Scenario {
    let mut scenario = Scenario {
        name: String::new(),
        description: String::new(),
        ..scenario.clone()
    };
    for o in &mut scenario.response_overrides {
        o.response = replayed_response(&o.response);
    }
    scenario
}

/// Replays every customer under `scenario` (the programme starts at `settings.launch_date`, or
/// the first transaction day).
pub fn replay(
    project: &Project,
    scenario: &Scenario,
    tx: &Transactions,
    pop: &Population,
) -> Replay {
    let never = AtomicBool::new(false);
    replay_with(project, scenario, tx, pop, &|_| {}, &never).unwrap_or_else(|| Replay {
        scenario: scenario.name.clone(),
        ..Replay::default()
    })
}

/// [`replay`] for a worker thread: `progress` is called with the share done (0–1) as chunks of
/// customers finish, and setting `cancel` stops the replay early with `None`.
pub fn replay_with(
    project: &Project,
    scenario: &Scenario,
    tx: &Transactions,
    pop: &Population,
    progress: &(dyn Fn(f64) + Sync),
    cancel: &AtomicBool,
) -> Option<Replay> {
    let Some((first_day, last_day)) = tx.date_range() else {
        return Some(Replay {
            scenario: scenario.name.clone(),
            ..Replay::default()
        });
    };
    let launch = project.settings.launch_date.unwrap_or(first_day);
    let first_month = launch.min(last_day).month_index();
    let months = (last_day.month_index() - first_month + 1).max(1) as usize;
    let n_personas = project.personas.len();
    let ctx = context(project, scenario, tx, pop, launch, last_day, first_month);
    let n_segments = pop.segment_names.len();
    let n_tiers = scenario.tiers.len();
    let customers = tx.customer_count();
    let chunk = chunk_size(customers);
    let n_chunks = customers.div_ceil(chunk);
    let done = AtomicUsize::new(0);
    let chunks: Vec<Option<Agg>> = (0..n_chunks)
        .into_par_iter()
        .map(|k| {
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            let mut agg = Agg::new(months, first_month, n_segments, n_personas, n_tiers);
            let mut scratch = Scratch::default();
            for c in k * chunk..((k + 1) * chunk).min(customers) {
                replay_customer(&ctx, c as u32, &mut agg, &mut scratch, None);
            }
            let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(finished as f64 / n_chunks as f64);
            Some(agg)
        })
        .collect();
    let mut agg = Agg::new(months, first_month, n_segments, n_personas, n_tiers);
    for a in &chunks {
        agg.merge(a.as_ref()?);
    }
    Some(finish_replay(agg, scenario))
}

/// The replay of `scenario` from its accumulators, every chunk of customers merged in order.
pub(crate) fn finish_replay(mut agg: Agg, scenario: &Scenario) -> Replay {
    agg.settle_stocks();
    let breakage_rate =
        estimate_breakage(&agg.cohort_issued, &agg.cohort_redeemed, &scenario.expiry);
    let liability = agg.totals.points_outstanding as f64
        * (1.0 - breakage_rate.unwrap_or(0.0))
        * scenario.cost_per_point;
    Replay {
        scenario: scenario.name.clone(),
        totals: agg.totals,
        eligible_customers: agg.eligible,
        monthly: agg.months,
        by_segment: agg.by_segment,
        by_persona: agg.by_persona,
        by_tier: agg.by_tier,
        breakage_rate,
        liability,
    }
}

/// A scenario's rules over the history and on into a projected future, for the projection to
/// drive customer by customer: each member's state at the end of the history, then one copy of
/// it per projected future, fed the simulated purchases.
pub(crate) struct Engine<'a> {
    ctx: Ctx<'a>,
    /// The same rules over the history alone, to its last day, as [`replay`] applies them: each
    /// customer's history is replayed on it (so that the replay can be read off the same pass),
    /// then their standing continues on `ctx`.
    history_ctx: Ctx<'a>,
    months: usize,
    /// Months of the history alone (a replay's).
    history_months: usize,
    first_month: i32,
    personas: usize,
}

/// Where a customer stands at the end of the history under a scenario.
// Unboxed: a projection holds one per scenario for one customer at a time, in a reused vector,
// and boxing would allocate once per member and scenario.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Standing<'e> {
    /// A member, with their ledger state.
    Member(Member<'e, 'static>),
    /// Not a member yet, but joins at their next purchase on or after the launch.
    Joins,
    /// Never joins.
    Never,
}

impl<'a> Engine<'a> {
    /// The scenario's rules from the launch (or the first transaction day) to `end`, the last
    /// projected day.
    pub(crate) fn new(
        project: &'a Project,
        scenario: &'a Scenario,
        tx: &'a Transactions,
        pop: &'a Population,
        end: Date,
    ) -> Engine<'a> {
        let (first_day, last_day) = tx.date_range().unwrap_or((end, end));
        let launch = project.settings.launch_date.unwrap_or(first_day);
        let first_month = launch.min(last_day).min(end).month_index();
        let months = (end.month_index() - first_month + 1).max(1) as usize;
        let last_day = last_day.min(end);
        Engine {
            ctx: context(project, scenario, tx, pop, launch, end, first_month),
            history_ctx: context(project, scenario, tx, pop, launch, last_day, first_month),
            months,
            history_months: (last_day.month_index() - first_month + 1).max(1) as usize,
            first_month,
            personas: project.personas.len(),
        }
    }

    /// Empty accumulators for the engine's months (without the issuance cohorts).
    pub(crate) fn agg(&self) -> Agg {
        let mut agg = Agg::new(
            self.months,
            self.first_month,
            self.ctx.pop.segment_names.len(),
            self.personas,
            self.ctx.scenario.tiers.len(),
        );
        agg.cohort_issued = Vec::new();
        agg.cohort_redeemed = Vec::new();
        agg
    }

    /// Empty accumulators of a replay of the history (as [`replay`] keeps them per chunk).
    pub(crate) fn replay_agg(&self) -> Agg {
        Agg::new(
            self.history_months,
            self.first_month,
            self.ctx.pop.segment_names.len(),
            self.personas,
            self.ctx.scenario.tiers.len(),
        )
    }

    /// Month slot of `day` in the engine's accumulators.
    pub(crate) fn slot(&self, day: Date) -> usize {
        month_slot(&self.ctx, day)
    }

    /// The customer's segment and persona indices.
    pub(crate) fn groups_of(&self, c: u32) -> (usize, usize) {
        self.ctx.groups_of(c)
    }

    /// Whether a purchase's category changes what it earns: some category multiplier is not 1.
    pub(crate) fn uses_categories(&self) -> bool {
        self.ctx.category_multiplier.iter().any(|&m| m != 1.0)
    }

    /// The customer replayed to the end of the history, and where they stand then, ready to
    /// continue into a projected future. The flows are booked into `agg`; with `replay` (a spare
    /// set of buffers), `agg` is a replay's ([`Engine::replay_agg`]) and gets everything
    /// [`replay`] books of the customer, their close at the end of the history included, in the
    /// same order, so that the chunk's replay is read off this pass. The standing is the same
    /// either way.
    pub(crate) fn history(
        &self,
        c: u32,
        agg: &mut Agg,
        scratch: &mut Scratch,
        replay: Option<&mut Scratch>,
    ) -> Standing<'_> {
        let ctx = &self.history_ctx;
        let m = match replay_history(ctx, c, agg, scratch, None, replay.is_some()) {
            Begun::Member(m) => m,
            Begun::Joins => return Standing::Joins,
            Begun::Never => return Standing::Never,
        };
        let mut m = match replay {
            Some(spare) => {
                // The replay closes the member at the end of the history; the projection goes
                // on from a copy of the state before.
                let copy = m.duplicate(spare);
                m.close(agg, ctx.groups_of(c).1, spare);
                copy
            }
            None => m,
        };
        m.rebind(&self.ctx);
        Standing::Member(m)
    }

    /// A customer who joins on `day` of projected future `run` (on or after the launch; `None`
    /// before it).
    pub(crate) fn enrol(
        &self,
        c: u32,
        day: Date,
        run: usize,
        scratch: &mut Scratch,
    ) -> Option<Member<'_, 'static>> {
        if day < self.ctx.launch {
            return None;
        }
        let (segment, _) = self.ctx.groups_of(c);
        let mut m = Member::enrol(&self.ctx, c, segment, day, scratch, None);
        // Redemption draws of its own for each projected future, as in `Member::fork`.
        m.draws = (run as u64 + 1) << 40;
        Some(m)
    }
}

/// Breakage from the burn curves of monthly issuance cohorts (chain ladder): each cohort's
/// cumulative redemptions are developed to their ultimate value with the average month-to-month
/// development of older cohorts; breakage = 1 − ultimate redeemed / issued.
fn estimate_breakage(issued: &[i64], redeemed: &[Vec<i64>], expiry: &Expiry) -> Option<f64> {
    let n = issued.len();
    let total_issued: i64 = issued.iter().sum();
    if total_issued <= 0 {
        return None;
    }
    // Cumulative redeemed of cohort m at age k (observed while m + k < n).
    let cum = |m: usize, k: usize| -> f64 { redeemed[m][..=k].iter().sum::<i64>() as f64 };
    // With expiry after N months, nothing can be redeemed from a cohort beyond age N.
    let max_age = match expiry {
        Expiry::AfterEarning { months } => (*months as usize).min(n.saturating_sub(1)),
        _ => n.saturating_sub(1),
    };
    let mut factors = vec![1.0; n];
    for (k, factor) in factors.iter_mut().enumerate().take(max_age) {
        let (mut num, mut den) = (0.0, 0.0);
        for m in 0..n {
            if m + k + 1 < n {
                num += cum(m, k + 1);
                den += cum(m, k);
            }
        }
        *factor = if den > 0.0 { (num / den).max(1.0) } else { 1.0 };
    }
    let mut ultimate = 0.0;
    for m in 0..n {
        let last = (n - 1 - m).min(redeemed[m].len() - 1);
        let mut v = cum(m, last);
        for f in factors.iter().take(max_age).skip(last) {
            v *= f;
        }
        ultimate += v.min(issued[m].max(0) as f64);
    }
    Some((1.0 - ultimate / total_issued as f64).clamp(0.0, 1.0))
}

/// Per-customer state while replaying.
pub(crate) struct Member<'a, 'l> {
    ctx: &'a Ctx<'a>,
    customer: u32,
    segment: usize,
    tier: usize,
    /// When the current tier's benefit accrual started.
    tier_since: Date,
    enrolled: Date,
    lots: VecDeque<Lot>,
    balance: i64,
    /// Qualifying metrics of the current window: spend, points, transactions.
    window: [f64; 3],
    /// Rolling window: (day, spend, points, transactions) of the last 12 months.
    rolling: VecDeque<(Date, [f64; 3])>,
    /// Last day of the current calendar-year or anniversary window.
    window_end: Option<Date>,
    /// A downgrade decided at a window end: (effective day, target tier).
    pending_downgrade: Option<(Date, usize)>,
    last_tx: Date,
    /// Day of the last timed event processed: later events come on or after it.
    clock: Date,
    /// No timed event is due before this day (a lower bound: [`Member::advance`] looks for
    /// events only from it on). State changes that can bring an event earlier lower it.
    next_due: Date,
    /// The next month end at which a rolling window is checked.
    next_month_end: Date,
    /// First month slot whose month-end snapshot is not yet booked.
    snap_from: usize,
    month_points: (i32, f64),
    /// Redemption draws taken so far.
    draws: u64,
    /// This customer's flows and stocks, added to the totals, segment and persona at the end.
    local: Totals,
    ledger: Option<&'l mut Vec<LedgerLine>>,
}

/// The month-end snapshot day after `day`: the next calendar month end, or the last day of the
/// history for the last month; never again after that.
fn month_end_after(ctx: &Ctx, day: Date) -> Date {
    if day >= ctx.end {
        return Date(i32::MAX);
    }
    if let Some(&end) = ctx.slot_end.get(month_slot(ctx, day.add_days(1))) {
        return end;
    }
    month_end_beyond_table(ctx, day)
}

/// [`month_end_after`] past the month table (cold, see [`slot_beyond_table`]).
#[cold]
#[inline(never)]
fn month_end_beyond_table(ctx: &Ctx, day: Date) -> Date {
    let next = Date::first_of_month_index(day.add_days(1).month_index() + 1)
        .map_or(ctx.end, |d| d.add_days(-1));
    next.min(ctx.end)
}

fn month_slot(ctx: &Ctx, day: Date) -> usize {
    let k = day.0 - ctx.day0;
    match ctx.slot_of.get(k.max(0) as usize) {
        Some(&slot) if k >= 0 => usize::from(slot),
        _ if k < 0 => 0,
        _ => slot_beyond_table(ctx, day),
    }
}

/// [`month_slot`] of a day past the day table. Cold and out of line: otherwise the compiler
/// hoists this calendar arithmetic out of hot loops, where it is never needed.
#[cold]
#[inline(never)]
fn slot_beyond_table(ctx: &Ctx, day: Date) -> usize {
    (day.month_index() - ctx.first_month).max(0) as usize
}

/// `day` moved by `months` calendar months, for days past the day tables (cold, see
/// [`slot_beyond_table`]).
#[cold]
#[inline(never)]
fn add_months_beyond_table(day: Date, months: i32) -> Option<Date> {
    day.add_months(months)
}

/// When points earned on `day` expire (table lookup within the history); never without
/// `AfterEarning` expiry.
fn expiry_of(ctx: &Ctx, day: Date) -> Date {
    match ctx.scenario.expiry {
        Expiry::AfterEarning { months } => months_later(ctx, day, months),
        _ => Date(i32::MAX),
    }
}

/// `day` plus the expiry's months (table lookup within the replayed days).
fn months_later(ctx: &Ctx, day: Date, months: u32) -> Date {
    let k = day.0 - ctx.day0;
    match ctx.expiry_of.get(k.max(0) as usize) {
        Some(&d) if k >= 0 => Date(d),
        _ => add_months_beyond_table(day, months as i32).unwrap_or(Date(i32::MAX)),
    }
}

/// The day 12 months before `day` (table lookup within the history).
fn year_ago(ctx: &Ctx, day: Date) -> Date {
    let k = day.0 - ctx.day0;
    match ctx.year_ago.get(k.max(0) as usize) {
        Some(&d) if k >= 0 => Date(d),
        _ => add_months_beyond_table(day, -12).unwrap_or(day),
    }
}

/// Where a qualifying metric is kept in a member's window: spend, points, transactions.
fn metric_index(m: QualifyingMetric) -> usize {
    match m {
        QualifyingMetric::Spend => 0,
        QualifyingMetric::Points => 1,
        QualifyingMetric::Transactions => 2,
    }
}

/// The kinds of timed events, in the order they happen within a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Timed {
    /// Start of day: lots due expire.
    Expiry,
    /// Start of day: the whole balance expires after inactivity.
    Inactivity,
    /// Start of day: a downgrade decided earlier takes effect.
    Downgrade,
    /// End of day: the month-end snapshot of stocks.
    MonthEnd,
    /// End of day: a calendar-year or anniversary window closes.
    WindowEnd,
}

impl Member<'_, '_> {
    /// Writes a ledger line when a ledger is being kept; `event` is only called then.
    fn log(&mut self, day: Date, event: impl FnOnce() -> String, points: i64) {
        if self.ledger.is_none() {
            return;
        }
        let event = event();
        let tier = self
            .ctx
            .scenario
            .tiers
            .get(self.tier)
            .map(|t| t.name.clone());
        let balance = self.balance;
        if let Some(l) = self.ledger.as_deref_mut() {
            l.push(LedgerLine {
                day,
                event,
                points,
                balance,
                tier,
            });
        }
    }

    fn metric(&self, m: QualifyingMetric) -> f64 {
        self.window[metric_index(m)]
    }

    /// Books a flow in the month of `day`, the totals, and the member's segment and persona.
    fn book(&mut self, agg: &mut Agg, day: Date, f: impl Fn(&mut Totals)) {
        self.book_in(agg, month_slot(self.ctx, day), f);
    }

    /// [`Member::book`] with the month slot known.
    fn book_in(&mut self, agg: &mut Agg, slot: usize, f: impl Fn(&mut Totals)) {
        if let Some(m) = agg.months.get_mut(slot) {
            f(&mut m.totals);
        }
        f(&mut self.local);
    }

    /// Accrues the current tier's benefit cost from `tier_since` to `until` (exclusive).
    fn accrue(&mut self, agg: &mut Agg, until: Date) {
        let daily = self
            .ctx
            .scenario
            .tiers
            .get(self.tier)
            .map_or(0.0, |t| t.annual_benefit_cost / 365.0);
        let mut from = self.tier_since;
        if from < until && daily > 0.0 {
            // Month by month: each stop is the first day of the next slot's month, so the slot
            // is counted on rather than looked up again.
            let mut slot = month_slot(self.ctx, from);
            while from < until {
                let next_month = self.ctx.slot_end.get(slot).map_or(until, |e| e.add_days(1));
                let stop = next_month.min(until);
                let cost = daily * f64::from(stop.0 - from.0);
                self.book_in(agg, slot, |t| t.benefits_cost += cost);
                agg.by_tier[self.tier].benefits_cost += cost;
                from = stop;
                slot += 1;
            }
        }
        self.tier_since = self.tier_since.max(until);
    }

    fn set_tier(&mut self, agg: &mut Agg, day: Date, tier: usize, why: impl FnOnce() -> String) {
        if tier == self.tier {
            return;
        }
        self.accrue(agg, day);
        let up = tier > self.tier;
        self.tier = tier;
        // The tier decides which timed events are pending; its retain threshold is checked from
        // the next month end.
        self.next_due = Date(i32::MIN);
        self.next_month_end = Date(i32::MIN);
        self.book(agg, day, |t| {
            if up {
                t.upgrades += 1
            } else {
                t.downgrades += 1
            }
        });
        let name = &self.ctx.scenario.tiers[tier].name;
        self.log(
            day,
            || {
                format!(
                    "{} to {name}: {}",
                    if up { "upgrade" } else { "downgrade" },
                    why()
                )
            },
            0,
        );
    }

    /// The next timed event on or after the clock.
    fn next_event(&self) -> Option<(Date, Timed)> {
        let scenario = self.ctx.scenario;
        let mut best: Option<(Date, Timed)> = None;
        let mut consider = |day: Date, kind: Timed| {
            if day >= self.clock && best.is_none_or(|b| (day, kind) < b) {
                best = Some((day, kind));
            }
        };
        match scenario.expiry {
            Expiry::AfterEarning { .. } => {
                if let Some(lot) = self.lots.front() {
                    consider(lot.expiry, Timed::Expiry);
                }
            }
            Expiry::AfterInactivity { months } if self.balance > 0 => {
                consider(
                    months_later(self.ctx, self.last_tx, months),
                    Timed::Inactivity,
                );
            }
            _ => {}
        }
        if let Some((when, _)) = self.pending_downgrade {
            consider(when, Timed::Downgrade);
        }
        if let Some(end) = self.window_end {
            consider(end, Timed::WindowEnd);
        }
        if self.tier > 0 && scenario.qualification.window == QualificationWindow::Rolling12Months {
            // Month ends passed while in the entry tier were not checked; the next one is.
            let next = if self.next_month_end < self.clock {
                month_end_after(self.ctx, self.clock.add_days(-1))
            } else {
                self.next_month_end
            };
            consider(next, Timed::MonthEnd);
        }
        best
    }

    /// Brings the member to the start of `until`'s transactions: every timed event before them.
    #[inline]
    fn advance_to(&mut self, agg: &mut Agg, until: Date) {
        if self.next_due > until {
            // Nothing can be due: the common case, kept out of the event loop.
            self.clock = self.clock.max(until);
            return;
        }
        self.advance(agg, until, true);
    }

    /// Processes every timed event up to the end of `last_day`.
    fn finish_day(&mut self, agg: &mut Agg, last_day: Date) {
        self.advance(agg, last_day.add_days(1), false);
    }

    fn advance(&mut self, agg: &mut Agg, until: Date, start_of_until: bool) {
        while self.next_due <= until {
            let Some((day, kind)) = self.next_event() else {
                self.next_due = Date(i32::MAX);
                break;
            };
            // Start-of-day events on `until` itself are due; end-of-day events on it are not.
            let due = day < until || (start_of_until && day == until && kind < Timed::MonthEnd);
            if !due {
                self.next_due = day;
                break;
            }
            self.clock = day;
            if kind < Timed::MonthEnd {
                self.snapshot_before(agg, day);
            }
            match kind {
                Timed::Expiry => self.expire_lots(agg, day),
                Timed::Inactivity => {
                    let pts = self.balance;
                    self.lots.clear();
                    self.balance = 0;
                    self.book(agg, day, |t| t.points_expired += pts);
                    self.log(
                        day,
                        {
                            let last = self.last_tx;
                            move || format!("{pts} points expired: no purchase since {last}")
                        },
                        -pts,
                    );
                }
                Timed::Downgrade => {
                    if let Some((_, target)) = self.pending_downgrade.take() {
                        self.set_tier(agg, day, target, || "after the grace period".into());
                    }
                }
                Timed::MonthEnd => {
                    self.drop_rolling(year_ago(self.ctx, day));
                    self.evaluate_window(day);
                    self.next_month_end = self.next_check_after(day);
                }
                Timed::WindowEnd => {
                    self.evaluate_window(day);
                    self.window = [0.0; 3];
                    self.window_end = self.next_window_end(day);
                    self.log(day, || "qualification window closed".into(), 0);
                }
            }
        }
        self.clock = self.clock.max(until);
    }

    fn expire_lots(&mut self, agg: &mut Agg, day: Date) {
        while let Some(lot) = self.lots.front().copied() {
            if lot.expiry > day {
                break;
            }
            self.lots.pop_front();
            self.balance -= lot.remaining;
            let pts = lot.remaining;
            self.book(agg, day, |t| t.points_expired += pts);
            self.log(
                day,
                || format!("{pts} points earned {} expired", lot.earned),
                -pts,
            );
        }
    }

    /// At the end of a window: keep the tier if its retain threshold is met, else schedule the
    /// downgrade for the next day (or after the grace days).
    fn evaluate_window(&mut self, end: Date) {
        let tiers = &self.ctx.scenario.tiers;
        if self.tier == 0 || self.pending_downgrade.is_some() {
            return;
        }
        let cur = &tiers[self.tier];
        let metric = self.metric(cur.metric);
        if metric >= cur.retain_threshold {
            return;
        }
        let target = match self.ctx.scenario.qualification.downgrade {
            DowngradePolicy::OneStep => self.tier - 1,
            DowngradePolicy::Recompute => (0..self.tier)
                .rev()
                .find(|&i| self.metric(tiers[i].metric) >= tiers[i].enter_threshold)
                .unwrap_or(0),
        };
        let grace = self.ctx.scenario.qualification.grace_days as i32;
        self.pending_downgrade = Some((end.add_days(1 + grace), target));
        let (label, retain, name) = (cur.metric.label(), cur.retain_threshold, &cur.name);
        let on = end.add_days(1 + grace);
        self.log(
            end,
            || {
                format!(
                    "{metric} {label} by {end}, below {retain} to keep {name}: downgrade on {on}"
                )
            },
            0,
        );
    }

    /// The next month end after `day` at which the rolling window can fall below the current
    /// tier's retain threshold. Between purchases the window only loses its oldest entries, one
    /// month end at a time, so the month ends before the one at which enough of them have left
    /// would keep the tier: they are stepped over (a member in a high tier is otherwise visited
    /// every month). A purchase only raises the window; what lowers it (a refund) or changes the
    /// threshold (a new tier) brings the check back to the next month end.
    fn next_check_after(&self, day: Date) -> Date {
        let next = month_end_after(self.ctx, day);
        let tiers = &self.ctx.scenario.tiers;
        if self.tier == 0 || self.pending_downgrade.is_some() {
            return next;
        }
        let Some(cur) = tiers.get(self.tier) else {
            return next;
        };
        let k = metric_index(cur.metric);
        // Checked a little early rather than late: the window is a float sum kept in another
        // order than this walk's.
        let margin = 1e-9 * (self.window[k].abs() + cur.retain_threshold.abs() + 1.0);
        let mut left = self.window[k];
        for &(earned, v) in &self.rolling {
            left -= v[k];
            if left < cur.retain_threshold + margin {
                // `earned` leaves the window at the first month end a year or more after it:
                // the end of its month twelve months on (or the next one, for a 29 February).
                // Past the last month end there is nothing more to check.
                let leaves = self
                    .ctx
                    .slot_end
                    .get(month_slot(self.ctx, earned) + 12)
                    .copied()
                    .unwrap_or(Date(i32::MAX));
                return leaves.max(next);
            }
        }
        // The window can no longer fall below the threshold without a refund or a new tier.
        Date(i32::MAX)
    }

    fn next_window_end(&self, after: Date) -> Option<Date> {
        match self.ctx.scenario.qualification.window {
            QualificationWindow::CalendarYear => Date::from_ymd(after.year() + 1, 12, 31),
            QualificationWindow::Anniversary => (1..).find_map(|k| {
                let e = self.enrolled.add_months(12 * k)?.add_days(-1);
                (e > after).then_some(e)
            }),
            QualificationWindow::Rolling12Months | QualificationWindow::Lifetime => None,
        }
    }

    /// Drops rolling-window events on or before `cutoff`.
    fn drop_rolling(&mut self, cutoff: Date) {
        while let Some(&(d, v)) = self.rolling.front() {
            if d > cutoff {
                break;
            }
            self.rolling.pop_front();
            for (w, d) in self.window.iter_mut().zip(v) {
                *w -= d;
            }
        }
    }

    /// Books the member's current state (membership, balance, tier) as the month-end stock of every
    /// month whose snapshot comes before `day` starts: call it before the state changes on `day`.
    #[inline]
    fn snapshot_before(&mut self, agg: &mut Agg, day: Date) {
        let slots = &self.ctx.slot_end;
        if slots.get(self.snap_from).is_none_or(|&end| end >= day) {
            return;
        }
        self.snapshot_months(agg, day);
    }

    /// The booking part of [`Member::snapshot_before`], once a month end has passed.
    fn snapshot_months(&mut self, agg: &mut Agg, day: Date) {
        let slots = &self.ctx.slot_end;
        // Every month before `day`'s own has ended before it: start there, then step over a
        // last month cut short by the end of the history.
        let mut to = month_slot(self.ctx, day)
            .min(slots.len())
            .max(self.snap_from);
        while to < slots.len() && slots[to] < day {
            to += 1;
        }
        if to > self.snap_from {
            let from = self.snap_from;
            agg.members_diff[from] += 1;
            agg.members_diff[to] -= 1;
            agg.outstanding_diff[from] += self.balance;
            agg.outstanding_diff[to] -= self.balance;
            if let Some(diff) = agg.tier_diff.get_mut(self.tier) {
                diff[from] += 1;
                diff[to] -= 1;
            }
            self.snap_from = to;
        }
    }

    /// Takes `points` from the earliest-expiring lots, recording redemptions by issuance cohort.
    fn spend_points(&mut self, agg: &mut Agg, day: Date, mut points: i64) {
        let slot = month_slot(self.ctx, day);
        while points > 0 {
            let Some(lot) = self.lots.front_mut() else {
                break;
            };
            let take = lot.remaining.min(points);
            lot.remaining -= take;
            points -= take;
            self.balance -= take;
            let cohort = month_slot(self.ctx, lot.earned);
            if let Some(cell) = agg
                .cohort_redeemed
                .get_mut(cohort)
                .and_then(|r| r.get_mut(slot.saturating_sub(cohort)))
            {
                *cell += take;
            }
            if lot.remaining == 0 {
                self.lots.pop_front();
            }
        }
    }
}

/// Replays one customer into `agg`; writes their ledger when `ledger` is given.
/// Buffers reused from customer to customer, so that replaying allocates per chunk, not per
/// customer or transaction.
#[derive(Default)]
pub(crate) struct Scratch {
    lots: VecDeque<Lot>,
    rolling: VecDeque<(Date, [f64; 3])>,
}

/// Books the revenue of a customer who does not join, transactions `range` (those of the
/// programme period): it counts every customer, member or not (members' is booked with their
/// purchases).
fn book_non_member(
    ctx: &Ctx,
    agg: &mut Agg,
    range: std::ops::Range<usize>,
    segment: usize,
    persona: usize,
) {
    let tx = ctx.tx;
    for i in range {
        let amount = tx.amount[i];
        if let Some(m) = agg.months.get_mut(month_slot(ctx, tx.day[i])) {
            m.totals.revenue += amount;
        }
        agg.totals.revenue += amount;
        agg.by_segment[segment].revenue += amount;
        agg.by_persona[persona].revenue += amount;
    }
}

fn replay_customer(
    ctx: &Ctx,
    c: u32,
    agg: &mut Agg,
    scratch: &mut Scratch,
    ledger: Option<&mut Vec<LedgerLine>>,
) {
    if let Begun::Member(m) = replay_history(ctx, c, agg, scratch, ledger, true) {
        m.close(agg, ctx.groups_of(c).1, scratch);
    }
}

/// How a customer's history under a scenario ends, before the close.
// Unboxed, as `Standing`: one is returned per customer and moved on at once; boxing would
// allocate once per member.
#[allow(clippy::large_enum_variant)]
enum Begun<'a, 'l> {
    /// A member, after their last transaction.
    Member(Member<'a, 'l>),
    /// Joins, but bought nothing since the launch.
    Joins,
    /// Never joins.
    Never,
}

/// Customer `c`'s history on `ctx` up to their last transaction: a member's flows are booked
/// into `agg`; with `replaying`, so is everything else a replay books of them before the close
/// (whether they are eligible, the revenue of a customer who does not join).
fn replay_history<'a, 'l>(
    ctx: &'a Ctx<'a>,
    c: u32,
    agg: &mut Agg,
    scratch: &mut Scratch,
    ledger: Option<&'l mut Vec<LedgerLine>>,
    replaying: bool,
) -> Begun<'a, 'l> {
    let tx = ctx.tx;
    let range = tx.range_of(c);
    let (segment, persona) = ctx.groups_of(c);
    // A customer's days are sorted: the programme period starts at `first`.
    let first = range.start + tx.day[range.clone()].partition_point(|&d| d < ctx.launch);
    if replaying && first < range.end {
        agg.eligible += 1;
    }
    if !ctx.joins(c, segment) {
        if replaying {
            book_non_member(ctx, agg, first..range.end, segment, persona);
        }
        return Begun::Never;
    }
    if first == range.end {
        return Begun::Joins;
    }
    let mut m = Member::enrol(ctx, c, segment, tx.day[first], scratch, ledger);
    let mut last_active_month = None;
    for i in first..range.end {
        m.purchase(
            agg,
            tx.day[i],
            tx.amount[i],
            tx.category[i],
            &mut last_active_month,
        );
    }
    Begun::Member(m)
}

impl<'a, 'l> Member<'a, 'l> {
    /// A new member who joins on `enrolled`, with buffers taken from `scratch`.
    fn enrol(
        ctx: &'a Ctx<'a>,
        customer: u32,
        segment: usize,
        enrolled: Date,
        scratch: &mut Scratch,
        ledger: Option<&'l mut Vec<LedgerLine>>,
    ) -> Member<'a, 'l> {
        let scenario = ctx.scenario;
        let mut m = Member {
            ctx,
            customer,
            segment,
            tier: 0,
            tier_since: enrolled,
            enrolled,
            lots: {
                scratch.lots.clear();
                std::mem::take(&mut scratch.lots)
            },
            balance: 0,
            window: [0.0; 3],
            rolling: {
                scratch.rolling.clear();
                std::mem::take(&mut scratch.rolling)
            },
            window_end: None,
            pending_downgrade: None,
            last_tx: enrolled,
            clock: enrolled,
            next_due: enrolled,
            next_month_end: month_end_after(ctx, enrolled.add_days(-1)),
            snap_from: month_slot(ctx, enrolled),
            month_points: (i32::MIN, 0.0),
            draws: 0,
            local: Totals {
                members: 1,
                ..Totals::default()
            },
            ledger,
        };
        if !scenario.tiers.is_empty() {
            m.window_end = match scenario.qualification.window {
                QualificationWindow::CalendarYear => Date::from_ymd(enrolled.year(), 12, 31),
                QualificationWindow::Anniversary => enrolled.add_months(12).map(|d| d.add_days(-1)),
                _ => None,
            };
        }
        m.log(enrolled, || "enrolled".into(), 0);
        m
    }

    /// The member's points balance.
    #[cfg(test)]
    pub(crate) fn balance(&self) -> i64 {
        self.balance
    }

    /// The member's tier (0 = the entry tier, or no tiers).
    pub(crate) fn tier(&self) -> usize {
        self.tier
    }

    /// Whether the member is within `distance` (a share, 0–1) of the next tier's threshold or of
    /// the next reward they cannot afford yet: the goal-gradient zone.
    pub(crate) fn near_goal(&self, distance: f64) -> bool {
        let scenario = self.ctx.scenario;
        if let Some(t) = scenario.tiers.get(self.tier + 1) {
            let (have, need) = (self.metric(t.metric), t.enter_threshold);
            if need > 0.0 && have < need && need - have <= distance * need {
                return true;
            }
        }
        let balance = self.balance as f64;
        let goal = if scenario.rewards.is_empty() {
            Some(scenario.redemption.min_balance_points).filter(|&g| g > balance)
        } else {
            scenario
                .rewards
                .iter()
                .map(|r| r.points_cost)
                .filter(|&c| c > balance)
                .min_by(f64::total_cmp)
        };
        goal.is_some_and(|g| g - balance <= distance * g)
    }

    /// Starts projected future number `run` from this state: redemption draws of its own (the
    /// same in every scenario of that run), no flows booked yet (membership only), no ledger.
    /// Applied to the history state itself for a member's last future (whose history state is
    /// not needed after), and to the copies [`Member::fork`] and [`Member::fork_into`] make.
    pub(crate) fn start_future(&mut self, run: usize) {
        self.draws += (run as u64 + 1) << 40;
        self.local = Totals {
            members: 1,
            ..Totals::default()
        };
        self.ledger = None;
    }

    /// [`Member::fork`] into `slot`: the member there (from an earlier fork) is overwritten in
    /// place, its buffers reused, rather than a new one built and moved there.
    pub(crate) fn fork_into(&self, slot: &mut Option<Member<'a, 'static>>, run: usize) {
        let Some(m) = slot else {
            *slot = Some(self.fork(&mut Scratch::default(), run));
            return;
        };
        // Every field, so that a field added to `Member` is not forgotten here.
        let Member {
            ctx,
            customer,
            segment,
            tier,
            tier_since,
            enrolled,
            lots,
            balance,
            window,
            rolling,
            window_end,
            pending_downgrade,
            last_tx,
            clock,
            next_due,
            next_month_end,
            snap_from,
            month_points,
            draws,
            local: _,
            ledger: _,
        } = self;
        m.ctx = ctx;
        m.customer = *customer;
        m.segment = *segment;
        m.tier = *tier;
        m.tier_since = *tier_since;
        m.enrolled = *enrolled;
        m.lots.clone_from(lots);
        m.balance = *balance;
        m.window = *window;
        m.rolling.clone_from(rolling);
        m.window_end = *window_end;
        m.pending_downgrade = *pending_downgrade;
        m.last_tx = *last_tx;
        m.clock = *clock;
        m.next_due = *next_due;
        m.next_month_end = *next_month_end;
        m.snap_from = *snap_from;
        m.month_points = *month_points;
        m.draws = *draws;
        m.start_future(run);
    }

    /// An exact copy of this member's state (without the ledger), its buffers taken from
    /// `scratch`.
    fn duplicate(&self, scratch: &mut Scratch) -> Member<'a, 'static> {
        let mut lots = std::mem::take(&mut scratch.lots);
        lots.clone_from(&self.lots);
        let mut rolling = std::mem::take(&mut scratch.rolling);
        rolling.clone_from(&self.rolling);
        Member {
            ctx: self.ctx,
            customer: self.customer,
            segment: self.segment,
            tier: self.tier,
            tier_since: self.tier_since,
            enrolled: self.enrolled,
            lots,
            balance: self.balance,
            window: self.window,
            rolling,
            window_end: self.window_end,
            pending_downgrade: self.pending_downgrade,
            last_tx: self.last_tx,
            clock: self.clock,
            next_due: self.next_due,
            next_month_end: self.next_month_end,
            snap_from: self.snap_from,
            month_points: self.month_points,
            draws: self.draws,
            local: self.local.clone(),
            ledger: None,
        }
    }

    /// Moves the member onto `ctx`: the same rules on a longer calendar (the history's own
    /// ends at its last day, a projection's goes on). What was worked out from the old calendar
    /// is forgotten: the next event is looked for again, and the rolling window is checked
    /// from the next month end (a check that finds the window above the threshold changes
    /// nothing, so the outcome is the same).
    fn rebind(&mut self, ctx: &'a Ctx<'a>) {
        self.ctx = ctx;
        self.next_due = Date(i32::MIN);
        self.next_month_end = Date(i32::MIN);
    }

    /// A copy of this member's state with no ledger and no flows booked yet (membership only),
    /// its buffers taken from `scratch`: the start of projected future number `run`, whose
    /// redemption draws are its own (the same in every scenario of that run).
    pub(crate) fn fork(&self, scratch: &mut Scratch, run: usize) -> Member<'a, 'static> {
        let mut m = self.duplicate(scratch);
        m.start_future(run);
        m
    }

    /// Applies one transaction of `amount` on `day` (a refund when negative): timed events
    /// before it, earning or clawback, tier upgrade, then redemptions.
    pub(crate) fn purchase(
        &mut self,
        agg: &mut Agg,
        day: Date,
        amount: f64,
        cat: u32,
        last_active_month: &mut Option<usize>,
    ) {
        let m = self;
        let ctx = m.ctx;
        let scenario = ctx.scenario;
        let earning = &scenario.earning;
        m.advance_to(agg, day);
        m.snapshot_before(agg, day);
        let slot = month_slot(ctx, day);
        if *last_active_month != Some(slot) {
            *last_active_month = Some(slot);
            if let Some(month) = agg.months.get_mut(slot) {
                month.totals.active_members += 1;
            }
        }
        if scenario.qualification.window == QualificationWindow::Rolling12Months {
            m.drop_rolling(year_ago(ctx, day));
        }
        let tier_idx = m.tier;
        let tier = scenario.tiers.get(tier_idx);
        let (tier_mult, discount_rate) =
            ctx.tier_rates.get(tier_idx).copied().unwrap_or((1.0, 0.0));
        let discount = discount_rate * amount;
        m.book_in(agg, slot, |t| {
            t.revenue += amount;
            t.member_revenue += amount;
            t.discount_cost += discount;
        });
        if let Some(t) = agg.by_tier.get_mut(tier_idx) {
            t.member_revenue += amount;
            t.discount_cost += discount;
        }
        let cat_mult = if cat == NO_CATEGORY {
            1.0
        } else {
            ctx.category_multiplier[cat as usize]
        };
        let promo_mult = earning
            .promotions
            .iter()
            .filter(|p| p.start <= day && day <= p.end)
            .map(|p| p.multiplier)
            .fold(1.0, f64::max);
        let raw =
            amount.abs() * earning.points_per_currency_unit * tier_mult * cat_mult * promo_mult;
        let mut delta = [amount, 0.0, 0.0];
        if amount >= 0.0 {
            delta[2] = 1.0;
            // `raw` is not negative here: truncation is its floor.
            let mut pts = if amount < earning.min_spend {
                0.0
            } else {
                (raw as i64) as f64
            };
            if let Some(cap) = earning.cap_points_per_transaction {
                pts = pts.min(cap.floor());
            }
            if let Some(cap) = earning.cap_points_per_month {
                let month_key = slot as i32;
                if m.month_points.0 != month_key {
                    m.month_points = (month_key, 0.0);
                }
                pts = pts.min((cap.floor() - m.month_points.1).max(0.0));
                m.month_points.1 += pts;
            }
            let pts = pts as i64;
            if pts > 0 {
                let expiry = expiry_of(ctx, day);
                if m.lots.is_empty() {
                    // A first lot brings its expiry (or the inactivity deadline) into play.
                    m.next_due = Date(i32::MIN);
                }
                m.lots.push_back(Lot {
                    earned: day,
                    expiry,
                    remaining: pts,
                });
                m.balance += pts;
                m.book_in(agg, slot, |t| t.points_issued += pts);
                if let Some(t) = agg.by_tier.get_mut(tier_idx) {
                    t.points_issued += pts;
                }
                if let Some(c) = agg.cohort_issued.get_mut(slot) {
                    *c += pts;
                }
                delta[1] = pts as f64;
            }
            let below_min = amount < earning.min_spend;
            m.log(
                day,
                || {
                    format!(
                        "purchase {amount:.2}: {pts} points ({})",
                        earn_reason(tier, cat_mult, promo_mult, below_min)
                    )
                },
                pts,
            );
        } else {
            // A refund takes back what it would have earned, newest points first; the balance
            // never goes below zero and what could not be taken back is recorded.
            let want = raw.floor() as i64;
            let take = want.min(m.balance);
            let mut left = take;
            while left > 0 {
                let Some(lot) = m.lots.back_mut() else { break };
                let t = lot.remaining.min(left);
                lot.remaining -= t;
                left -= t;
                let cohort = month_slot(ctx, lot.earned);
                if lot.remaining == 0 {
                    m.lots.pop_back();
                }
                if let Some(c) = agg.cohort_issued.get_mut(cohort) {
                    *c -= t;
                }
            }
            m.balance -= take;
            // The window goes down: the retain threshold is checked from the next month end.
            m.next_month_end = Date(i32::MIN);
            m.next_due = Date(i32::MIN);
            let shortfall = want - take;
            m.book(agg, day, |t| {
                t.points_issued -= take;
                t.points_clawed_back += take;
                t.clawback_shortfall += shortfall;
            });
            delta[1] = -(take as f64);
            m.log(
                day,
                || format!("refund {amount:.2}: {take} points clawed back, {shortfall} short"),
                -take,
            );
        }
        for (w, d) in m.window.iter_mut().zip(delta) {
            *w += d;
        }
        if scenario.qualification.window == QualificationWindow::Rolling12Months {
            m.rolling.push_back((day, delta));
        }
        m.last_tx = day;
        // Upgrade the moment a higher tier's threshold is reached.
        if let Some(target) = (m.tier + 1..scenario.tiers.len())
            .rev()
            .find(|&j| m.metric(scenario.tiers[j].metric) >= scenario.tiers[j].enter_threshold)
        {
            let t = &scenario.tiers[target];
            let reached = m.metric(t.metric);
            let why = move || {
                format!(
                    "{reached} {} reached {}",
                    t.metric.label(),
                    t.enter_threshold
                )
            };
            m.pending_downgrade = None;
            m.set_tier(agg, day, target, why);
        } else if let Some((_, target)) = m.pending_downgrade
            && let Some(t) = scenario.tiers.get(m.tier)
            && m.metric(t.metric) >= t.retain_threshold
        {
            // Requalified during the grace period.
            let _ = target;
            m.pending_downgrade = None;
            m.next_month_end = Date(i32::MIN);
            m.next_due = Date(i32::MIN);
            m.log(
                day,
                || format!("requalified for {} during the grace period", t.name),
                0,
            );
        }
        redeem(m, agg, day);
    }

    /// Brings the member to the end of the replay and books their flows and end stocks;
    /// returns the buffers to `scratch`.
    pub(crate) fn close(mut self, agg: &mut Agg, persona: usize, scratch: &mut Scratch) {
        self.close_in_place(agg, persona);
        self.recycle(scratch);
    }

    /// Gives the member's buffers back to `scratch` (for the next member to take).
    pub(crate) fn recycle(mut self, scratch: &mut Scratch) {
        scratch.lots = std::mem::take(&mut self.lots);
        scratch.rolling = std::mem::take(&mut self.rolling);
    }

    /// [`Member::close`], keeping the member (and their buffers) where they are: a close
    /// changes the state (the clock, the snapshots booked, the accrual), so the member is not
    /// to be closed or continued again.
    pub(crate) fn close_in_place(&mut self, agg: &mut Agg, persona: usize) {
        let ctx = self.ctx;
        let m = self;
        m.finish_day(agg, ctx.end);
        m.snapshot_before(agg, ctx.end.add_days(1));
        m.accrue(agg, ctx.end.add_days(1));
        // Stocks at the end: outstanding points, the tier, and whether the member is still active
        // (a transaction in the last 12 months of the history).
        let balance = m.balance;
        let active = u64::from(ctx.active_after.is_none_or(|d| m.last_tx > d));
        m.local.points_outstanding += balance;
        m.local.active_members += active;
        agg.totals.add(&m.local);
        agg.by_segment[m.segment].add(&m.local);
        agg.by_persona[persona].add(&m.local);
        if let Some(t) = agg.by_tier.get_mut(m.tier) {
            t.members += 1;
            t.active_members += active;
            t.points_outstanding += balance;
        }
    }
}

fn earn_reason(tier: Option<&crate::model::Tier>, cat: f64, promo: f64, below_min: bool) -> String {
    if below_min {
        return "below the minimum spend".into();
    }
    let mut parts = vec!["base".to_string()];
    if let Some(t) = tier {
        parts.push(format!("{} ×{}", t.name, t.earn_multiplier));
    }
    if cat != 1.0 {
        parts.push(format!("category ×{cat}"));
    }
    if promo != 1.0 {
        parts.push(format!("promotion ×{promo}"));
    }
    parts.join(", ")
}

/// After a transaction: redeem the most valuable affordable reward, again while affordable, each
/// time with the persona's redemption propensity. Without a catalogue, the whole balance is used
/// as payment at the cost per point.
fn redeem(m: &mut Member, agg: &mut Agg, day: Date) {
    let scenario = m.ctx.scenario;
    let propensity = m.ctx.redeem_propensity[m.segment];
    loop {
        // Below `redeem_from` no reward is affordable (or the balance is under the minimum):
        // the catalogue is not searched.
        if m.balance <= 0 || (m.balance as f64) < m.ctx.redeem_from {
            return;
        }
        let choice = scenario
            .rewards
            .iter()
            .filter(|r| r.points_cost <= m.balance as f64)
            .max_by(|a, b| a.points_cost.total_cmp(&b.points_cost));
        // `what` is borrowed: redeeming allocates nothing.
        let (points, cost, what): (i64, f64, &str) = match (scenario.rewards.is_empty(), choice) {
            (true, _) => (
                m.balance,
                m.balance as f64 * scenario.cost_per_point,
                "points as payment",
            ),
            (false, Some(r)) => (r.points_cost.ceil() as i64, r.cost, &r.name),
            (false, None) => return,
        };
        let u = uniform_draw(m.ctx.seed ^ REDEMPTION_STREAM, m.customer, m.draws);
        m.draws += 1;
        if u >= propensity {
            return;
        }
        m.spend_points(agg, day, points);
        m.book(agg, day, |t| {
            t.points_redeemed += points;
            t.redemptions += 1;
            t.rewards_cost += cost;
        });
        m.log(
            day,
            || format!("redeemed {points} points for {what} (cost {cost:.2})"),
            -points,
        );
    }
}

/// One customer's ledger under `scenario`, line by line (for `tierlab explain`). `None` when the
/// customer did not join.
pub fn explain(
    project: &Project,
    scenario: &Scenario,
    tx: &Transactions,
    pop: &Population,
    customer: u32,
) -> Option<Vec<LedgerLine>> {
    let (first_day, last_day) = tx.date_range()?;
    let launch = project.settings.launch_date.unwrap_or(first_day);
    let first_month = launch.min(last_day).month_index();
    let months = (last_day.month_index() - first_month + 1).max(1) as usize;
    let ctx = context(project, scenario, tx, pop, launch, last_day, first_month);
    let mut agg = Agg::new(
        months,
        first_month,
        pop.segment_names.len(),
        project.personas.len(),
        scenario.tiers.len(),
    );
    let mut lines = Vec::new();
    replay_customer(
        &ctx,
        customer,
        &mut agg,
        &mut Scratch::default(),
        Some(&mut lines),
    );
    (!lines.is_empty()).then_some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of a member's state but the ledger (and the context by address), to compare.
    fn state(m: &Member) -> String {
        format!(
            "{:?}",
            (
                (m.ctx as *const Ctx, m.customer, m.segment, m.tier),
                (
                    m.tier_since,
                    m.enrolled,
                    &m.lots,
                    m.balance,
                    m.window,
                    &m.rolling
                ),
                (
                    m.window_end,
                    m.pending_downgrade,
                    m.last_tx,
                    m.clock,
                    m.next_due
                ),
                (
                    m.next_month_end,
                    m.snap_from,
                    m.month_points,
                    m.draws,
                    &m.local
                ),
                m.ledger.is_some(),
            )
        )
    }

    /// A projected future made over an earlier future's copy of another member
    /// ([`Member::fork_into`], its buffers reused) is the one made afresh ([`Member::fork`]),
    /// field for field; so is one started on the history state itself, but for the copy.
    #[test]
    fn a_fork_over_an_earlier_copy_is_a_fresh_fork() {
        let (start, end) = (
            Date::from_ymd(2022, 1, 1).unwrap(),
            Date::from_ymd(2024, 12, 31).unwrap(),
        );
        let cfg = crate::sim::generate::GeneratorConfig::default_mix(400, 7, start, end);
        let tx = crate::sim::generate::generate(&cfg)
            .unwrap()
            .to_transactions();
        let tier = |name: &str, enter: f64| crate::model::Tier {
            name: name.into(),
            enter_threshold: enter,
            retain_threshold: enter * 0.8,
            ..crate::model::Tier::default()
        };
        let mut project = Project {
            scenarios: vec![Scenario {
                name: "Rolling tiers".into(),
                tiers: vec![
                    tier("Member", 0.0),
                    tier("Silver", 300.0),
                    tier("Gold", 800.0),
                ],
                qualification: crate::model::Qualification {
                    window: QualificationWindow::Rolling12Months,
                    downgrade: DowngradePolicy::OneStep,
                    grace_days: 30,
                },
                expiry: Expiry::AfterEarning { months: 12 },
                enrolment_rate_pct: 100.0,
                ..Scenario::default()
            }],
            ..Project::default()
        };
        project.settings.launch_date = Date::from_ymd(2023, 1, 1);
        let pop = Population::from_project(&project, &tx);
        let engine = Engine::new(
            &project,
            &project.scenarios[0],
            &tx,
            &pop,
            Date::from_ymd(2026, 12, 31).unwrap(),
        );
        let (mut agg, mut scratch) = (engine.agg(), Scratch::default());
        let members: Vec<Member> = (0..tx.customer_count() as u32)
            .filter_map(|c| match engine.history(c, &mut agg, &mut scratch, None) {
                Standing::Member(m) => Some(m),
                _ => None,
            })
            .collect();
        // Members with several lots, a rolling window and a tier above the first among them.
        assert!(members.len() > 100, "{}", members.len());
        assert!(
            members
                .iter()
                .any(|m| m.lots.len() > 3 && m.rolling.len() > 3)
        );
        assert!(members.iter().any(|m| m.tier > 0));
        let mut slot = None;
        for (i, m) in members.iter().enumerate() {
            let run = i % 3;
            m.fork_into(&mut slot, run);
            let fresh = m.fork(&mut Scratch::default(), run);
            let forked = slot.as_ref().expect("filled");
            assert_eq!(state(forked), state(&fresh), "member {i}");
            let mut itself = m.duplicate(&mut Scratch::default());
            itself.start_future(run);
            assert_eq!(state(&itself), state(&fresh), "member {i}");
        }
    }

    #[test]
    fn enrolment_draws_are_uniform_and_fixed() {
        let draws: Vec<f64> = (0..100_000).map(|c| enrolment_draw(42, c)).collect();
        assert!(draws.iter().all(|&u| (0.0..1.0).contains(&u)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
        let below = draws.iter().filter(|&&u| u < 0.3).count() as f64 / draws.len() as f64;
        assert!((below - 0.3).abs() < 0.005, "{below}");
        assert_eq!(enrolment_draw(42, 7), enrolment_draw(42, 7));
        assert_ne!(enrolment_draw(42, 7), enrolment_draw(43, 7));
    }

    #[test]
    fn successive_draws_of_a_stream_are_uniform_and_uncorrelated() {
        let n = 200_000u64;
        let draws: Vec<f64> = (0..n).map(|k| uniform_draw(9, 3, k)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
        // Lag-1 correlation of a uniform stream: 0 within sampling error (sd ≈ 1/√n).
        let var = draws.iter().map(|u| (u - mean).powi(2)).sum::<f64>();
        let cov = draws
            .windows(2)
            .map(|w| (w[0] - mean) * (w[1] - mean))
            .sum::<f64>();
        assert!((cov / var).abs() < 0.01, "{}", cov / var);
        // Streams of neighbouring customers differ.
        assert_ne!(uniform_draw(9, 3, 1), uniform_draw(9, 4, 1));
        assert_ne!(
            uniform_draw(9, 3, 1),
            uniform_draw(9 ^ REDEMPTION_STREAM, 3, 1)
        );
    }
}
