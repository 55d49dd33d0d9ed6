//! Projection benchmarks: 100k customers × 24 months × 100 runs × 3 scenarios (target ≤ 2 s),
//! from the data to the result (the models fitted too), and the GUI's fast mode (8 runs) on the
//! same customers (target ≤ 100 ms): `fast_mode` projects all three scenarios from the models
//! fitted for an earlier run ([`ProjectionBasis`]); `fast_mode_after_an_edit` is what the GUI
//! does when one scenario is edited (the four-tier rolling one, the dearest to project): the
//! other two scenarios' sums are kept ([`OutlookCache`]) and the edited one is projected;
//! `fast_mode_one_future` is `fast_mode` with one run (one future per customer, no bands);
//! `fast_mode_after_a_margin_edit` is an edit of the gross margin, which simulates nothing (the
//! outlooks are read again from the sums kept); `fast_mode_after_a_persona_edit` edits one
//! persona's frequency uplift in the same project with three segments and a persona for each
//! (the frequent, middle and occasional buyers): that persona's customers alone are simulated
//! again, under all three scenarios;
//! `replay_of_the_edited_scenario` is the replay the projection's pass used to be followed by
//! for the GUI's Results page; `gui_after_an_edit` is what the GUI runs now after an edit of that
//! scenario: the projection and the scenario's replay read off the same pass
//! ([`project_replaying`], the other replays kept); `gui_from_scratch` is its first run of a
//! project: every scenario projected and replayed in one pass, nothing kept.
//!
//! Run with `cargo bench --bench projection`; results go in the README's performance table.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tierlab::model::*;
use tierlab::sim::generate::{GeneratorConfig, generate};
use tierlab::sim::projection::programme::{
    Control, Fitted, OutlookCache, ProjectionBasis, ProjectionOptions, project, project_from,
    project_replaying, project_reusing,
};
use tierlab::sim::replay::{Population, replay};

fn scenarios() -> Vec<Scenario> {
    let tier = |name: &str, enter: f64, mult: f64, benefit: f64| Tier {
        name: name.into(),
        metric: QualifyingMetric::Spend,
        enter_threshold: enter,
        retain_threshold: enter * 0.8,
        earn_multiplier: mult,
        annual_benefit_cost: benefit,
        ..Tier::default()
    };
    let rewards = vec![
        Reward {
            name: "5".into(),
            points_cost: 500.0,
            cost: 5.0,
        },
        Reward {
            name: "12".into(),
            points_cost: 1000.0,
            cost: 12.0,
        },
    ];
    vec![
        Scenario {
            name: "Flat points".into(),
            rewards: rewards.clone(),
            expiry: Expiry::AfterEarning { months: 12 },
            enrolment_rate_pct: 60.0,
            ..Scenario::default()
        },
        Scenario {
            name: "Four tiers, rolling".into(),
            tiers: vec![
                tier("Member", 0.0, 1.0, 0.0),
                tier("Silver", 300.0, 1.25, 5.0),
                tier("Gold", 800.0, 1.5, 20.0),
                tier("Platinum", 2000.0, 2.0, 60.0),
            ],
            qualification: Qualification {
                window: QualificationWindow::Rolling12Months,
                downgrade: DowngradePolicy::OneStep,
                grace_days: 30,
            },
            rewards: rewards.clone(),
            expiry: Expiry::AfterEarning { months: 12 },
            enrolment_rate_pct: 70.0,
            ..Scenario::default()
        },
        Scenario {
            name: "Two tiers, calendar year".into(),
            tiers: vec![
                tier("Member", 0.0, 1.0, 0.0),
                tier("Gold", 600.0, 2.0, 25.0),
            ],
            rewards,
            expiry: Expiry::AfterInactivity { months: 12 },
            enrolment_rate_pct: 70.0,
            ..Scenario::default()
        },
    ]
}

fn bench(c: &mut Criterion) {
    let cfg = GeneratorConfig::default_mix(
        100_000,
        5,
        Date::from_ymd(2022, 1, 1).unwrap(),
        Date::from_ymd(2024, 12, 31).unwrap(),
    );
    let tx = generate(&cfg).unwrap().to_transactions();
    let mut p = Project {
        scenarios: scenarios(),
        ..Project::default()
    };
    p.settings.launch_date = Date::from_ymd(2023, 1, 1);
    let pop = Population::from_project(&p, &tx);
    let chosen: Vec<&Scenario> = p.scenarios.iter().collect();
    let breakage: Vec<Option<f64>> = chosen
        .iter()
        .map(|s| replay(&p, s, &tx, &pop).breakage_rate)
        .collect();
    eprintln!(
        "{} transactions of {} customers",
        tx.len(),
        tx.customer_count()
    );
    let full = ProjectionOptions {
        horizon_months: 24,
        runs: 100,
        seed: 1,
        futures: None,
        fast: false,
    };
    let basis = ProjectionBasis::fit(&p, &tx).unwrap();
    let fitted = Fitted {
        basis: &basis,
        tx: &tx,
        pop: &pop,
    };
    let mut g = c.benchmark_group("projection_100k_customers_24_months_3_scenarios");
    g.sample_size(10);
    g.bench_function("100_runs", |b| {
        b.iter(|| {
            project(
                black_box(&p),
                &chosen,
                &breakage,
                black_box(&tx),
                &pop,
                full,
            )
            .unwrap()
        })
    });
    // The projection alone, from the fitted models, under `options`.
    let preview = |options: ProjectionOptions| {
        project_from(
            black_box(fitted),
            black_box(&p),
            &chosen,
            &breakage,
            options,
            Control::none(),
        )
        .unwrap()
        .unwrap()
    };
    g.bench_function("fast_mode", |b| b.iter(|| preview(full.fast())));
    // The smallest preview there could be: one run, so one future per customer (a median line
    // without bands), from the fitted models as `fast_mode`: what a first preview would cost
    // if it left the bands to a later pass.
    g.bench_function("fast_mode_one_future", |b| {
        b.iter(|| {
            preview(ProjectionOptions {
                runs: 1,
                ..full.fast()
            })
        })
    });
    // The GUI's call after an edit: what `cache` keeps of earlier calls is reused.
    let reproject = |cache: &mut OutlookCache, edited: &Project| {
        let chosen: Vec<&Scenario> = edited.scenarios.iter().collect();
        project_reusing(
            cache,
            black_box(fitted),
            black_box(edited),
            &chosen,
            &breakage,
            full.fast(),
            Control::none(),
        )
        .unwrap()
        .unwrap()
    };
    // Each iteration edits the four-tier scenario's Silver threshold (alternating between two
    // values, so that the kept sums never fit) and re-projects.
    let mut cache = OutlookCache::default();
    let mut edited = p.clone();
    let mut flip = false;
    g.bench_function("fast_mode_after_an_edit", |b| {
        b.iter(|| {
            flip = !flip;
            edited.scenarios[1].tiers[1].enter_threshold = if flip { 300.0 } else { 310.0 };
            reproject(&mut cache, &edited)
        })
    });
    // Each iteration edits the gross margin (alternating between two values): the outlooks of
    // all three scenarios are read again from the sums kept, nothing is simulated.
    let mut cache = OutlookCache::default();
    let mut edited = p.clone();
    g.bench_function("fast_mode_after_a_margin_edit", |b| {
        b.iter(|| {
            flip = !flip;
            edited.settings.gross_margin_pct = if flip { 40.0 } else { 41.0 };
            reproject(&mut cache, &edited)
        })
    });
    // The same customers in three segments by purchase frequency, a persona for each; each
    // iteration edits the middle persona's frequency uplift (alternating between two values).
    let segment = |name: &str, min_frequency: Option<f64>| Segment {
        name: name.into(),
        rule: SegmentRule {
            combine: Combine::All,
            conditions: min_frequency
                .map(|value| Condition {
                    feature: Feature::Frequency,
                    op: Op::Ge,
                    value,
                })
                .into_iter()
                .collect(),
        },
        ..Segment::default()
    };
    let persona = |name: &str| Persona {
        name: name.into(),
        segment: name.into(),
        ..Persona::default()
    };
    let mut with_personas = p.clone();
    with_personas.segments = vec![
        segment("Frequent", Some(12.0)),
        segment("Middle", Some(5.0)),
        segment("Occasional", None),
    ];
    with_personas.personas = ["Frequent", "Middle", "Occasional"].map(persona).to_vec();
    let persona_pop = Population::from_project(&with_personas, &tx);
    let persona_fitted = Fitted {
        basis: &basis,
        tx: &tx,
        pop: &persona_pop,
    };
    let mut cache = OutlookCache::default();
    g.bench_function("fast_mode_after_a_persona_edit", |b| {
        b.iter(|| {
            flip = !flip;
            with_personas.personas[1].response.frequency_uplift_pct = if flip { 5.0 } else { 6.0 };
            let chosen: Vec<&Scenario> = with_personas.scenarios.iter().collect();
            project_reusing(
                &mut cache,
                black_box(persona_fitted),
                black_box(&with_personas),
                &chosen,
                &breakage,
                full.fast(),
                Control::none(),
            )
            .unwrap()
            .unwrap()
        })
    });
    // What the GUI does besides, after an edit of that scenario: it replays it for the Results
    // page (the projection replays the history again for the members' ledgers).
    g.bench_function("replay_of_the_edited_scenario", |b| {
        b.iter(|| replay(black_box(&p), &p.scenarios[1], black_box(&tx), &pop))
    });
    // The GUI's runs: the projection and the replays not kept, in one pass.
    let replays: Vec<_> = chosen.iter().map(|s| replay(&p, s, &tx, &pop)).collect();
    let gui = |cache: &mut OutlookCache, edited: &Project, known: &[Option<_>]| {
        let chosen: Vec<&Scenario> = edited.scenarios.iter().collect();
        project_replaying(
            cache,
            black_box(fitted),
            black_box(edited),
            &chosen,
            known,
            full.fast(),
            Control::none(),
        )
        .unwrap()
        .unwrap()
    };
    let mut cache = OutlookCache::default();
    let mut edited = p.clone();
    let known = [Some(replays[0].clone()), None, Some(replays[2].clone())];
    g.bench_function("gui_after_an_edit", |b| {
        b.iter(|| {
            flip = !flip;
            edited.scenarios[1].tiers[1].enter_threshold = if flip { 300.0 } else { 310.0 };
            gui(&mut cache, &edited, &known)
        })
    });
    g.bench_function("gui_from_scratch", |b| {
        b.iter(|| gui(&mut OutlookCache::default(), &p, &[None, None, None]))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
