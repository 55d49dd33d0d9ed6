//! Customer-model benchmarks: summary of 10M transactions, fits on the summary of 1M customers.
//!
//! Run with `cargo bench --bench models`; results go in the README's performance table.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tierlab::model::{Date, Period, TransactionModel};
use tierlab::sim::generate::{GeneratorConfig, generate};
use tierlab::sim::models::{
    Compressed, CustomerSummary, Summary, TransactionParams, fit_gamma_gamma, fit_transactions,
    summarise,
};

/// One million customers drawn from a BG/NBD at day resolution (ages 0–104 weeks), as a summary.
fn million_customers() -> Summary {
    let truth = TransactionParams::BgNbd {
        r: 0.5,
        alpha: 5.0,
        a: 0.8,
        b: 2.5,
    };
    let ages: Vec<f64> = (0..1_000_000i64)
        .map(|i| ((i * 7919) % 729) as f64 / 7.0)
        .collect();
    let sims = truth.simulate(&ages, 0.0, 1);
    let rows = sims
        .iter()
        .enumerate()
        .map(|(i, c)| CustomerSummary {
            customer: i as u32,
            first_day: Date(0),
            x: c.x,
            // Purchases land on whole days.
            t_x: (c.t_x * 7.0).floor() / 7.0,
            age: c.age,
            mean_repeat_spend: if c.x > 0 { 20.0 + (i % 97) as f64 } else { 0.0 },
            holdout_x: 0,
            holdout_spend: 0.0,
        })
        .collect();
    Summary {
        period: Period::Week,
        calibration_end: Date(729),
        holdout_end: None,
        rows,
    }
}

fn models(c: &mut Criterion) {
    let summary = million_customers();
    let data = Compressed::from_summary(&summary);
    eprintln!("1M customers → {} distinct (x, t_x, T) rows", data.len());
    let mut g = c.benchmark_group("fit_1m_customers");
    g.sample_size(10);
    g.bench_function("compress", |b| {
        b.iter(|| Compressed::from_summary(black_box(&summary)))
    });
    for kind in [
        TransactionModel::BgNbd,
        TransactionModel::MbgNbd,
        TransactionModel::ParetoNbd,
    ] {
        g.bench_function(kind.label(), |b| {
            b.iter(|| fit_transactions(kind, black_box(&data)).unwrap())
        });
    }
    g.bench_function("Gamma-Gamma", |b| {
        b.iter(|| fit_gamma_gamma(black_box(&summary)).unwrap())
    });
    g.finish();
}

fn summary_10m(c: &mut Criterion) {
    let cfg = GeneratorConfig::default_mix(
        1_250_000,
        5,
        Date::from_ymd(2021, 1, 1).unwrap(),
        Date::from_ymd(2024, 12, 31).unwrap(),
    );
    let tx = generate(&cfg).unwrap().to_transactions();
    eprintln!(
        "{} transactions of {} customers",
        tx.len(),
        tx.customer_count()
    );
    let end = Date::from_ymd(2024, 6, 30).unwrap();
    let mut g = c.benchmark_group("summary");
    g.sample_size(10);
    g.bench_function("10m_transactions", |bch| {
        bch.iter(|| {
            summarise(
                black_box(&tx),
                end,
                Some(Date::from_ymd(2024, 12, 31).unwrap()),
                Period::Week,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, models, summary_10m);
criterion_main!(benches);
