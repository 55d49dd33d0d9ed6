//! Replay benchmarks: a 4-tier programme with a rolling 12-month window and expiry, on
//! 10M transactions of 1M+ customers and on 100k transactions (the GUI's re-run on every edit).
//!
//! Run with `cargo bench --bench replay`; results go in the README's performance table.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tierlab::data::store::Transactions;
use tierlab::model::*;
use tierlab::sim::generate::{GeneratorConfig, generate};
use tierlab::sim::replay::{Population, replay};

fn history(customers: usize) -> Transactions {
    let cfg = GeneratorConfig::default_mix(
        customers,
        5,
        Date::from_ymd(2021, 1, 1).unwrap(),
        Date::from_ymd(2024, 12, 31).unwrap(),
    );
    generate(&cfg).unwrap().to_transactions()
}

fn project() -> Project {
    let tier = |name: &str, enter: f64, mult: f64, benefit: f64| Tier {
        name: name.into(),
        metric: QualifyingMetric::Spend,
        enter_threshold: enter,
        retain_threshold: enter * 0.8,
        earn_multiplier: mult,
        annual_benefit_cost: benefit,
        ..Tier::default()
    };
    let scenario = Scenario {
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
        rewards: vec![
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
        ],
        redemption: RedemptionPolicy {
            min_balance_points: 500.0,
        },
        expiry: Expiry::AfterEarning { months: 12 },
        enrolment_rate_pct: 70.0,
        ..Scenario::default()
    };
    let mut p = Project {
        scenarios: vec![scenario],
        ..Project::default()
    };
    p.settings.launch_date = Date::from_ymd(2021, 6, 1);
    p
}

fn bench(c: &mut Criterion) {
    let p = project();
    let mut g = c.benchmark_group("replay_4_tiers_rolling_expiry");
    g.sample_size(10);
    for customers in [12_000usize, 1_250_000] {
        let tx = history(customers);
        let pop = Population::from_project(&p, &tx);
        eprintln!(
            "{} transactions of {} customers",
            tx.len(),
            tx.customer_count()
        );
        g.bench_function(format!("{}k_transactions", tx.len() / 1000), |b| {
            b.iter(|| replay(black_box(&p), &p.scenarios[0], black_box(&tx), &pop))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
