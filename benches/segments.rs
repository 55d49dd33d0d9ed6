//! Segment benchmarks on 1M customers: every feature (with RFM scores and value ranks), rule
//! evaluation of the eleven RFM segments on ready features and from the transactions, k-means
//! with a given k and with k chosen by silhouette.
//!
//! Run with `cargo bench --bench segments`; results go in the README's performance table.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tierlab::model::Date;
use tierlab::sim::generate::{GeneratorConfig, generate};
use tierlab::sim::segments::kmeans::{K, kmeans, standardise, suggest};
use tierlab::sim::segments::presets::rfm_segments;
use tierlab::sim::segments::{FeatureTable, assign, assign_table};

fn bench(c: &mut Criterion) {
    let cfg = GeneratorConfig::default_mix(
        1_000_000,
        5,
        Date::from_ymd(2021, 1, 1).unwrap(),
        Date::from_ymd(2024, 12, 31).unwrap(),
    );
    let tx = generate(&cfg).unwrap().to_transactions();
    let as_of = Date::from_ymd(2024, 12, 31).unwrap();
    let table = FeatureTable::compute(&tx, as_of);
    eprintln!(
        "{} transactions of {} customers ({} present at {as_of})",
        tx.len(),
        tx.customer_count(),
        table.customers()
    );
    let segments = rfm_segments();
    let mut g = c.benchmark_group("segments_1m_customers");
    g.sample_size(10);
    g.bench_function("features", |b| {
        b.iter(|| FeatureTable::compute(black_box(&tx), as_of))
    });
    g.bench_function("assign_rfm_segments", |b| {
        b.iter(|| assign_table(black_box(&segments), black_box(&table)))
    });
    g.bench_function("evaluate_rfm_segments", |b| {
        b.iter(|| assign(black_box(&segments), black_box(&tx), as_of))
    });
    let (points, _) = standardise(&table);
    g.bench_function("kmeans_k6", |b| {
        b.iter(|| kmeans(black_box(&points), 6, 42))
    });
    g.bench_function("suggest_auto", |b| {
        b.iter(|| suggest(black_box(&table), K::Auto, 42))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
