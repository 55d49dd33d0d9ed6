//! Forward projection: the programme against the no-programme baseline on a generated history.
//! Common random numbers (zero responses give the baseline draw for draw), determinism under a
//! seed, ordered bands, undefined ROI for a programme that costs nothing, and more frequency
//! uplift never lowering expected revenue.

use proptest::prelude::*;
use std::sync::atomic::AtomicBool;
use tierlab::data::store::Transactions;
use tierlab::model::*;
use tierlab::sim::generate::{GeneratorConfig, generate};
use tierlab::sim::projection::programme::{
    Band, Bands, Control, Fitted, OutlookCache, Projection, ProjectionBasis, ProjectionOptions,
    project, project_from, project_replaying, project_reusing,
};
use tierlab::sim::replay::{Population, Replay, replay};

fn history(customers: usize, seed: u64) -> Transactions {
    let cfg = GeneratorConfig::default_mix(
        customers,
        seed,
        Date::from_ymd(2022, 1, 1).unwrap(),
        Date::from_ymd(2023, 12, 31).unwrap(),
    );
    generate(&cfg).unwrap().to_transactions()
}

fn tiered() -> Scenario {
    let tier = |name: &str, enter: f64, mult: f64, benefit: f64| Tier {
        name: name.into(),
        metric: QualifyingMetric::Spend,
        enter_threshold: enter,
        retain_threshold: enter * 0.8,
        earn_multiplier: mult,
        annual_benefit_cost: benefit,
        ..Tier::default()
    };
    Scenario {
        name: "Tiered".into(),
        tiers: vec![
            tier("Member", 0.0, 1.0, 0.0),
            tier("Silver", 300.0, 1.5, 10.0),
            tier("Gold", 900.0, 2.0, 40.0),
        ],
        qualification: Qualification {
            window: QualificationWindow::Rolling12Months,
            ..Qualification::default()
        },
        rewards: vec![Reward {
            name: "Voucher".into(),
            points_cost: 300.0,
            cost: 3.0,
        }],
        expiry: Expiry::AfterEarning { months: 12 },
        enrolment_rate_pct: 100.0,
        ..Scenario::default()
    }
}

/// A project whose customers all belong to one persona with `response`.
fn project_with(response: Response, scenarios: Vec<Scenario>) -> Project {
    Project {
        segments: vec![Segment {
            name: "All".into(),
            ..Segment::default()
        }],
        personas: vec![Persona {
            name: "Everyone".into(),
            segment: "All".into(),
            response,
            ..Persona::default()
        }],
        scenarios,
        ..Project::default()
    }
}

fn run(p: &Project, tx: &Transactions, runs: usize, seed: u64) -> Projection {
    run_from(p, tx, runs, None, seed)
}

/// [`run`] with `futures` simulated per customer (`None`: the projection's choice).
fn run_from(
    p: &Project,
    tx: &Transactions,
    runs: usize,
    futures: Option<usize>,
    seed: u64,
) -> Projection {
    let pop = Population::from_project(p, tx);
    let scenarios: Vec<&Scenario> = p.scenarios.iter().collect();
    let breakage: Vec<Option<f64>> = scenarios
        .iter()
        .map(|s| replay(p, s, tx, &pop).breakage_rate)
        .collect();
    let options = ProjectionOptions {
        horizon_months: 12,
        runs,
        seed,
        futures,
        fast: false,
    };
    project(p, &scenarios, &breakage, tx, &pop, options).unwrap()
}

/// Progress ignored, stopped by `cancel`.
fn control(cancel: &AtomicBool) -> Control<'_> {
    Control {
        progress: &|_| {},
        cancel,
    }
}

fn still() -> Response {
    Response {
        frequency_uplift_pct: 0.0,
        basket_uplift_pct: 0.0,
        dropout_reduction_pct_per_tier: 0.0,
        goal_gradient_pct: 0.0,
        goal_gradient_distance_pct: 0.0,
        redemption_propensity: 0.7,
        enrolment_propensity: 1.0,
    }
}

fn ordered(b: &Band) -> bool {
    b.p10 <= b.p50 && b.p50 <= b.p90
}

fn all_ordered(b: &Bands) -> bool {
    (0..b.p50.len()).all(|k| b.p10[k] <= b.p50[k] && b.p50[k] <= b.p90[k])
}

#[test]
fn zero_responses_reproduce_the_baseline_draw_for_draw() {
    let tx = history(600, 3);
    let p = project_with(still(), vec![tiered()]);
    let proj = run(&p, &tx, 30, 11);
    let s = &proj.scenarios[0];
    assert_eq!(s.revenue, proj.baseline.revenue);
    assert_eq!(s.retention, proj.baseline.retention);
    // Run by run, not only in the bands: the uplift is zero in every run and month.
    for b in [&s.retention_uplift.p10, &s.retention_uplift.p90] {
        assert!(b.iter().all(|&v| v == 0.0), "{b:?}");
    }
    assert_eq!(s.active_customers, proj.baseline.active_customers);
    assert_eq!(s.incremental_revenue.p10, 0.0);
    assert_eq!(s.incremental_revenue.p90, 0.0);
    // The programme still ran: members earned and redeemed, so it cost something.
    assert!(s.total_cost.p50 > 0.0);
    assert!(s.roi.is_some_and(|r| r.p50 < 0.0));
    assert!(proj.baseline.revenue.p50.iter().sum::<f64>() > 0.0);
}

#[test]
fn responses_change_behaviour_and_bands_are_ordered() {
    let tx = history(600, 4);
    let p = project_with(
        Response {
            frequency_uplift_pct: 10.0,
            basket_uplift_pct: 5.0,
            dropout_reduction_pct_per_tier: 20.0,
            ..Response::default()
        },
        vec![tiered()],
    );
    let proj = run(&p, &tx, 40, 5);
    let s = &proj.scenarios[0];
    assert!(
        s.incremental_revenue.p10 > 0.0,
        "{:?}",
        s.incremental_revenue
    );
    let last = proj.months.len() - 1;
    assert!(s.retention.p50[last] >= proj.baseline.retention.p50[last]);
    assert_eq!(proj.months.len(), 12);
    assert_eq!(proj.months[0], Date::from_ymd(2024, 1, 1).unwrap());
    for b in [
        &s.incremental_revenue,
        &s.total_cost,
        &s.rewards_cost,
        &s.benefits_cost,
        &s.clv_per_customer,
        &proj.baseline.clv_per_customer,
    ] {
        assert!(ordered(b), "{b:?}");
    }
    for b in [
        &s.retention,
        &s.revenue,
        &s.liability,
        &s.monthly_cost,
        &proj.baseline.retention,
        &proj.baseline.active_customers,
    ] {
        assert!(all_ordered(b), "{b:?}");
        assert_eq!(b.p50.len(), 12);
    }
    // Retention starts at most 1 and never rises.
    assert!(s.retention.p50.windows(2).all(|w| w[1] <= w[0]));
    assert!(s.retention.p50[0] <= 1.0);
    // Tier counts add up to the members at each month end.
    for k in 0..12 {
        let tiers: f64 = s.tier_members.iter().map(|t| t[k]).sum();
        assert!(
            (tiers - s.members[k]).abs() < 1e-6,
            "{tiers} vs {}",
            s.members[k]
        );
    }
    // One segment, one persona: their outlook is the whole.
    assert_eq!(s.by_segment[0].customers, proj.customers);
    assert_eq!(s.by_persona[0].retention, s.retention);
    assert_eq!(s.by_segment[0].retention_uplift, s.retention_uplift);
    assert!(all_ordered(&s.retention_uplift));
}

#[test]
fn a_dropout_reduction_alone_never_lowers_retention_in_any_run() {
    // Only the dropout changes: each member buys as in the baseline's draw, and drops out at
    // the same purchase or a later one (BG/NBD), or later in time (Pareto/NBD).
    for model in [
        TransactionModel::BgNbd,
        TransactionModel::MbgNbd,
        TransactionModel::ParetoNbd,
    ] {
        let tx = history(600, 6);
        let mut p = project_with(
            Response {
                dropout_reduction_pct_per_tier: 30.0,
                ..still()
            },
            vec![tiered()],
        );
        p.settings.transaction_model = model;
        let proj = run(&p, &tx, 30, 9);
        let u = &proj.scenarios[0].retention_uplift;
        assert!(u.p10.iter().all(|&v| v >= 0.0), "{model:?}: {:?}", u.p10);
        // Members reach the upper tiers, so some do stay longer.
        let last = u.p90.len() - 1;
        assert!(u.p90[last] > 0.0, "{model:?}: {:?}", u.p90);
    }
}

#[test]
fn same_seed_same_projection() {
    let tx = history(400, 6);
    let p = project_with(Response::default(), vec![tiered()]);
    let a = run(&p, &tx, 20, 9);
    assert_eq!(a, run(&p, &tx, 20, 9));
    assert_ne!(a.baseline.revenue, run(&p, &tx, 20, 10).baseline.revenue);
}

#[test]
fn a_programme_that_costs_nothing_has_no_roi() {
    let tx = history(300, 7);
    let free = Scenario {
        name: "Free".into(),
        earning: EarningRules {
            points_per_currency_unit: 0.0,
            ..EarningRules::default()
        },
        cost_per_point: 0.0,
        enrolment_rate_pct: 100.0,
        ..Scenario::default()
    };
    let proj = run(&project_with(Response::default(), vec![free]), &tx, 10, 1);
    let s = &proj.scenarios[0];
    assert_eq!(s.total_cost.p90, 0.0);
    assert!(s.roi.is_none());
    assert!(s.payback_month.is_none());
}

/// Frequent buyers are persona A, the middle persona B, the rest have none; the tiered
/// scenario and a flat one.
fn three_groups() -> Project {
    let segment = |name: &str, min_frequency: Option<f64>| Segment {
        name: name.into(),
        rule: SegmentRule {
            combine: Combine::All,
            conditions: min_frequency
                .map(|v| Condition {
                    feature: Feature::Frequency,
                    op: Op::Ge,
                    value: v,
                })
                .into_iter()
                .collect(),
        },
        ..Segment::default()
    };
    let persona = |name: &str, segment: &str| Persona {
        name: name.into(),
        segment: segment.into(),
        ..Persona::default()
    };
    let flat = Scenario {
        name: "Flat".into(),
        rewards: tiered().rewards,
        enrolment_rate_pct: 80.0,
        ..Scenario::default()
    };
    Project {
        segments: vec![
            segment("Frequent", Some(6.0)),
            segment("Middle", Some(2.0)),
            segment("Rest", None),
        ],
        personas: vec![persona("A", "Frequent"), persona("B", "Middle")],
        scenarios: vec![tiered(), flat],
        ..Project::default()
    }
}

/// Customers are simulated, and their sums kept, by persona: editing one persona's response, or
/// a scenario's override for it, simulates that persona's customers alone, and the result is
/// still the full projection's.
#[test]
fn a_persona_edit_reprojects_only_that_personas_customers() {
    let tx = history(700, 14);
    let mut p = three_groups();
    let pop = Population::from_project(&p, &tx);
    let basis = ProjectionBasis::fit(&p, &tx).unwrap();
    // Customers projected in each segment.
    let in_segment = |g: u16| {
        basis
            .summary
            .rows
            .iter()
            .filter(|r| pop.segment_of[r.customer as usize] == g)
            .count() as u64
    };
    let (a, b, rest) = (in_segment(0), in_segment(1), in_segment(2));
    assert!(a > 0 && b > 0 && rest > 0, "{a} {b} {rest}");
    let options = ProjectionOptions {
        horizon_months: 12,
        runs: 8,
        seed: 5,
        futures: None,
        fast: true,
    };
    let (go, stop) = (AtomicBool::new(false), AtomicBool::new(true));
    let none = [None, None];
    let fitted = Fitted {
        basis: &basis,
        tx: &tx,
        pop: &pop,
    };
    let all = |p: &Project| {
        let chosen: Vec<&Scenario> = p.scenarios.iter().collect();
        project_from(fitted, p, &chosen, &none, options, control(&go))
            .unwrap()
            .unwrap()
    };
    let mut cache = OutlookCache::default();
    let mut reusing = |p: &Project, cancel: &AtomicBool| {
        let chosen: Vec<&Scenario> = p.scenarios.iter().collect();
        let out = project_reusing(
            &mut cache,
            fitted,
            p,
            &chosen,
            &none,
            options,
            control(cancel),
        )
        .unwrap();
        (out, cache.last_simulated())
    };
    let (first, simulated) = reusing(&p, &go);
    assert_eq!(first.as_ref(), Some(&all(&p)));
    assert_eq!(simulated, 2 * (a + b + rest));
    // Persona A buys more often: only A's customers are simulated again, under both scenarios.
    p.personas[0].response.frequency_uplift_pct += 10.0;
    assert!(reusing(&p, &stop).0.is_none());
    let (edited, simulated) = reusing(&p, &go);
    let edited = edited.unwrap();
    assert_eq!(edited, all(&p));
    assert_eq!(simulated, 2 * a);
    let first = first.unwrap();
    for s in 0..2 {
        let (before, after) = (&first.scenarios[s], &edited.scenarios[s]);
        assert!(after.by_persona[0].revenue.mean > before.by_persona[0].revenue.mean);
        assert_eq!(after.by_persona[1..], before.by_persona[1..]);
    }
    // An override of B's response in the flat scenario: B's customers under that one alone.
    p.scenarios[1].response_overrides.push(ResponseOverride {
        persona: "B".into(),
        response: Response {
            basket_uplift_pct: 15.0,
            ..Response::default()
        },
    });
    let (overridden, simulated) = reusing(&p, &go);
    assert_eq!(overridden.unwrap(), all(&p));
    assert_eq!(simulated, b);
    // Nothing changed: nothing is simulated.
    assert_eq!(reusing(&p, &go).1, 0);
}

/// A one-off cache (the CLI's) keeps no drawn futures, and gives what a kept cache gives.
#[test]
fn a_one_off_cache_keeps_no_drawn_futures() {
    let tx = history(400, 16);
    let p = three_groups();
    let pop = Population::from_project(&p, &tx);
    let basis = ProjectionBasis::fit(&p, &tx).unwrap();
    let options = ProjectionOptions {
        horizon_months: 6,
        runs: 4,
        seed: 2,
        futures: None,
        fast: true,
    };
    let go = AtomicBool::new(false);
    let chosen: Vec<&Scenario> = p.scenarios.iter().collect();
    let fitted = Fitted {
        basis: &basis,
        tx: &tx,
        pop: &pop,
    };
    let run = |cache: &mut OutlookCache| {
        let known = [None, None];
        project_replaying(cache, fitted, &p, &chosen, &known, options, control(&go))
            .unwrap()
            .unwrap()
    };
    let (mut kept, mut one_off) = (OutlookCache::default(), OutlookCache::one_off());
    let (a, b) = (run(&mut kept), run(&mut one_off));
    assert!(kept.holds_drawn_futures());
    assert!(!one_off.holds_drawn_futures());
    assert_eq!(a, b);
}

/// One pass gives the replays and the projection: a replay read off the projection's pass is the
/// replay's own, byte for byte; a scenario not simulated in full (only one persona's customers
/// after an edit of that persona) is replayed on its own; the projection is the full one with
/// the replays' breakage; and the replays the caller keeps are taken as they are.
#[test]
fn one_pass_gives_the_replays_and_the_projection() {
    let tx = history(600, 15);
    let mut p = three_groups();
    let pop = Population::from_project(&p, &tx);
    let basis = ProjectionBasis::fit(&p, &tx).unwrap();
    let options = ProjectionOptions {
        horizon_months: 12,
        runs: 8,
        seed: 6,
        futures: None,
        fast: true,
    };
    let go = AtomicBool::new(false);
    let mut cache = OutlookCache::default();
    let fitted = Fitted {
        basis: &basis,
        tx: &tx,
        pop: &pop,
    };
    let mut check = |p: &Project, known: &[Option<Replay>]| -> (Vec<Replay>, u64) {
        let chosen: Vec<&Scenario> = p.scenarios.iter().collect();
        let (projection, replays) =
            project_replaying(&mut cache, fitted, p, &chosen, known, options, control(&go))
                .unwrap()
                .unwrap();
        for (r, s) in replays.iter().zip(&p.scenarios) {
            assert_eq!(*r, replay(p, s, &tx, &pop), "{}", s.name);
        }
        let breakage: Vec<Option<f64>> = replays.iter().map(|r| r.breakage_rate).collect();
        let all = project_from(fitted, p, &chosen, &breakage, options, control(&go));
        assert_eq!(projection, all.unwrap().unwrap());
        (replays, cache.last_simulated())
    };
    let customers = basis.summary.rows.len() as u64;
    // Everything in one pass.
    let (first, simulated) = check(&p, &[None, None]);
    assert_eq!(simulated, 2 * customers);
    // One scenario edited: its replay off the pass, the other's as kept.
    p.scenarios[0].tiers[1].enter_threshold = 250.0;
    let (edited, _) = check(&p, &[None, Some(first[1].clone())]);
    assert_ne!(edited[0], first[0]);
    // A persona's redemption propensity: every replay changes, but only A's customers are
    // simulated, so the replays are made on their own.
    p.personas[0].response.redemption_propensity = 0.3;
    let (_, simulated) = check(&p, &[None, None]);
    assert!(simulated < 2 * customers);
    // The same scenario twice, under another name (after a change of seed, so that all is
    // simulated again): the second takes the first's replay under its own name.
    p.settings.seed += 1;
    let mut twin = p.scenarios[1].clone();
    twin.name = "Flat again".into();
    p.scenarios.push(twin);
    let (replays, _) = check(&p, &[None, None, None]);
    assert_eq!(replays[2].scenario, "Flat again");
    // Replays the caller keeps are taken as they are (nothing is replayed or simulated).
    let (again, simulated) = check(&p, &replays.iter().cloned().map(Some).collect::<Vec<_>>());
    assert_eq!((again, simulated), (replays, 0));
}

/// A projected purchase's category is drawn from the customer's own mix, not copied from their
/// last purchase: every customer's last purchase is made a gift here, and gifts earn triple, so
/// copying the last category would triple the projected points; drawing from the mix gives
/// 1 + 2 × the share of gifts.
#[test]
fn projected_purchases_take_their_categories_from_the_customers_mix() {
    let mut tx = history(800, 12);
    let gifts = tx.categories.iter().position(|c| c == "Gifts").unwrap() as u32;
    for c in 0..tx.customer_count() as u32 {
        let last = tx.range_of(c).last().unwrap();
        tx.category[last] = gifts;
    }
    let share_of_gifts =
        tx.category.iter().filter(|&&c| c == gifts).count() as f64 / tx.len() as f64;
    let plain = Scenario {
        name: "Plain".into(),
        expiry: Expiry::Never,
        redemption: RedemptionPolicy {
            min_balance_points: 1e12,
        },
        enrolment_rate_pct: 100.0,
        ..Scenario::default()
    };
    let triple_gifts = Scenario {
        name: "Triple gifts".into(),
        earning: EarningRules {
            category_multipliers: vec![CategoryMultiplier {
                category: "Gifts".into(),
                multiplier: 3.0,
            }],
            ..EarningRules::default()
        },
        ..plain.clone()
    };
    let p = project_with(still(), vec![plain, triple_gifts]);
    let pop = Population::from_project(&p, &tx);
    let proj = run(&p, &tx, 4, 3);
    // Points earned over the horizon: outstanding at its end minus at the end of the history
    // (nothing is redeemed or expires).
    let earned: Vec<f64> = p
        .scenarios
        .iter()
        .zip(&proj.scenarios)
        .map(|(s, o)| {
            let history = replay(&p, s, &tx, &pop).totals.points_outstanding as f64;
            o.points_outstanding.p50.last().unwrap() - history
        })
        .collect();
    assert!(earned[0] > 0.0);
    let ratio = earned[1] / earned[0];
    let expected = 1.0 + 2.0 * share_of_gifts;
    assert!(
        (ratio - expected).abs() < 0.3,
        "triple gifts earn {ratio:.3}× the points, expected about {expected:.3}× (gifts are \
         {share_of_gifts:.3} of the purchases)"
    );
}

/// Runs recombined from fewer futures per customer: the mean is the futures' own (the k-th
/// future of a customer is run k of a projection that simulates every run), the bands about as
/// wide as those of runs simulated one by one, and common random numbers still hold.
#[test]
fn runs_recombined_from_fewer_futures() {
    // Three chunks of customers (2,048 each), so that runs mix chunks' futures.
    let tx = history(5_000, 12);
    let p = project_with(Response::default(), vec![tiered()]);
    let recombined = run_from(&p, &tx, 40, Some(8), 3);
    assert_eq!((recombined.runs, recombined.futures), (40, 8));
    let futures = run_from(&p, &tx, 8, Some(8), 3);
    assert_eq!((futures.runs, futures.futures), (8, 8));
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
    let (r, f) = (&recombined.scenarios[0], &futures.scenarios[0]);
    for (a, b) in [
        (r.total_revenue.mean, f.total_revenue.mean),
        (r.total_cost.mean, f.total_cost.mean),
        (r.incremental_revenue.mean, f.incremental_revenue.mean),
        (
            recombined.baseline.total_revenue.mean,
            futures.baseline.total_revenue.mean,
        ),
    ] {
        assert!(close(a, b), "{a} vs {b}");
    }
    for k in 0..12 {
        assert!(close(r.members[k], f.members[k]));
    }
    // Every run simulated on its own, against runs recombined from 8 futures: the P10–P90 width
    // of the revenue agrees within the Monte Carlo noise of either.
    let exact = run_from(&p, &tx, 40, Some(40), 3);
    assert_eq!(exact.futures, 40);
    let width = |b: &Band| b.p90 - b.p10;
    for (a, b) in [
        (
            width(&recombined.baseline.total_revenue),
            width(&exact.baseline.total_revenue),
        ),
        (width(&r.total_cost), width(&exact.scenarios[0].total_cost)),
    ] {
        assert!(b > 0.0 && a / b > 0.6 && a / b < 1.6, "{a} vs {b}");
    }
    assert!(ordered(&r.incremental_revenue) && all_ordered(&r.retention));
    // Deterministic, and with zero responses still the baseline draw for draw.
    assert_eq!(recombined, run_from(&p, &tx, 40, Some(8), 3));
    let still = run_from(&project_with(still(), vec![tiered()]), &tx, 40, Some(8), 3);
    assert_eq!(still.scenarios[0].revenue, still.baseline.revenue);
    assert_eq!(still.scenarios[0].retention, still.baseline.retention);
}

/// Editing one scenario re-projects that one alone: the other scenarios' sums come from the
/// cache; editing the gross margin, the discount rate or a breakage rate simulates nothing; and
/// the result is always the one projecting every scenario gives.
#[test]
fn an_edit_reprojects_only_the_edited_scenario() {
    let tx = history(700, 13);
    let flat = Scenario {
        name: "Flat".into(),
        rewards: tiered().rewards,
        enrolment_rate_pct: 80.0,
        ..Scenario::default()
    };
    let mut p = project_with(Response::default(), vec![tiered(), flat]);
    let pop = Population::from_project(&p, &tx);
    let basis = ProjectionBasis::fit(&p, &tx).unwrap();
    let options = ProjectionOptions {
        horizon_months: 12,
        runs: 12,
        seed: 4,
        futures: None,
        fast: true,
    };
    let (go, stop) = (AtomicBool::new(false), AtomicBool::new(true));
    let fitted = Fitted {
        basis: &basis,
        tx: &tx,
        pop: &pop,
    };
    let all_with = |p: &Project, b: &[Option<f64>]| {
        let chosen: Vec<&Scenario> = p.scenarios.iter().collect();
        project_from(fitted, p, &chosen, b, options, control(&go))
            .unwrap()
            .unwrap()
    };
    let mut cache = OutlookCache::default();
    let mut reusing = |p: &Project, b: &[Option<f64>], cancel: &AtomicBool| {
        let chosen: Vec<&Scenario> = p.scenarios.iter().collect();
        project_reusing(&mut cache, fitted, p, &chosen, b, options, control(cancel)).unwrap()
    };
    let none = [None, None];
    let first = reusing(&p, &none, &go).unwrap();
    assert_eq!(first, all_with(&p, &none));
    // Nothing changed: nothing is projected (a cancelled projection would give `None`).
    assert_eq!(reusing(&p, &none, &stop).as_ref(), Some(&first));
    // One scenario edited: it must be projected, and the result is the full projection's.
    p.scenarios[0].tiers[1].enter_threshold = 250.0;
    assert!(reusing(&p, &none, &stop).is_none());
    let edited = reusing(&p, &none, &go).unwrap();
    assert_eq!(edited, all_with(&p, &none));
    assert_eq!(edited.scenarios[1], first.scenarios[1]);
    assert_ne!(edited.scenarios[0], first.scenarios[0]);
    // Texts are not simulated: renaming a scenario, editing its description or the project's
    // re-reads the sums kept, under the new name.
    p.scenarios[1].name = "Flat, renamed".into();
    p.scenarios[1].description = "edited".into();
    p.description = "edited".into();
    let renamed = reusing(&p, &none, &stop).unwrap();
    assert_eq!(renamed, all_with(&p, &none));
    assert_eq!(renamed.scenarios[1].scenario, "Flat, renamed");
    // The gross margin and the discount rate only change how the runs are read: nothing is
    // simulated again (the call would be cancelled otherwise), and the outlooks are those of a
    // full projection with the new settings, ROI and CLV moved with them.
    p.settings.gross_margin_pct += 5.0;
    p.settings.discount_rate_pct += 3.0;
    let resummarised = reusing(&p, &none, &stop).unwrap();
    assert_eq!(resummarised, all_with(&p, &none));
    assert_ne!(
        resummarised.scenarios[0].clv_per_customer,
        renamed.scenarios[0].clv_per_customer
    );
    assert_eq!(
        resummarised.scenarios[0].total_revenue,
        edited.scenarios[0].total_revenue
    );
    // So does a breakage rate: only the liability moves.
    let broken = reusing(&p, &[Some(0.4), None], &stop).unwrap();
    assert_eq!(broken, all_with(&p, &[Some(0.4), None]));
    assert_ne!(
        broken.scenarios[0].liability,
        resummarised.scenarios[0].liability
    );
    // A change the simulation depends on (here the project's seed, which draws who enrols and
    // redeems in every ledger) simulates every scenario again.
    p.settings.seed += 1;
    assert!(reusing(&p, &none, &stop).is_none());
    assert_eq!(reusing(&p, &none, &go).unwrap(), all_with(&p, &none));
    // The same scenario twice: the second reads the sums kept for the first.
    p.scenarios.push(p.scenarios[0].clone());
    let twice = reusing(&p, &none, &stop).unwrap();
    assert_eq!(twice, all_with(&p, &none));
    assert_eq!(twice.scenarios[2], twice.scenarios[0]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// More frequency uplift never lowers expected revenue.
    #[test]
    fn more_frequency_uplift_never_lowers_revenue(
        low in 0.0f64..30.0,
        extra in 1.0f64..40.0,
        basket in 0.0f64..10.0,
        seed in 0u64..1000,
    ) {
        let tx = history(250, 8);
        let response = |uplift: f64| Response {
            frequency_uplift_pct: uplift,
            basket_uplift_pct: basket,
            ..Response::default()
        };
        let lo = run(&project_with(response(low), vec![tiered()]), &tx, 20, seed);
        let hi = run(&project_with(response(low + extra), vec![tiered()]), &tx, 20, seed);
        let (lo, hi) = (lo.scenarios[0].total_revenue.mean, hi.scenarios[0].total_revenue.mean);
        prop_assert!(hi >= lo, "uplift {low} + {extra}: {hi} < {lo}");
    }
}
