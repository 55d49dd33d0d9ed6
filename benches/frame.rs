//! GUI frame time while a large simulation runs on the worker threads (target: under 16 ms, so
//! the window stays smooth). The coffee-chain sample gets a generated history of 100k customers;
//! with "All 200 Monte Carlo runs" ticked, its replay and projection keep both cores busy for
//! many seconds, and each measured iteration is one frame of the Results page (egui_kittest
//! runs the app's real `ui` without a GPU: layout, widgets and plots, not rasterising).
//!
//! Run with `cargo bench --bench frame`; results go in the README's performance table.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use egui_kittest::Harness;
use tierlab::model::Date;
use tierlab::sim::generate::{GeneratorConfig, generate};
use tierlab::ui::state::{AppState, Command, Page};

fn bench(c: &mut Criterion) {
    let mut h = Harness::builder()
        .with_size(eframe::egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, state: &mut AppState| state.ui(ui), AppState::default());
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("projects/coffee-chain.ron");
    h.state_mut().command(Command::Open(project));
    let start = Instant::now();
    h.step();
    while h.state().is_busy() || h.state().doc.is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "project did not load"
        );
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    // The first results (of the sample's own data) arrive: the page has plots to draw.
    h.state_mut().settings.page = Page::Results;
    while h.state().results.is_none() || h.state().is_busy() {
        assert!(start.elapsed() < Duration::from_secs(120), "no results");
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    let cfg = GeneratorConfig::default_mix(
        100_000,
        7,
        Date::from_ymd(2023, 1, 1).unwrap_or(Date(0)),
        Date::from_ymd(2024, 12, 31).unwrap_or(Date(0)),
    );
    let tx = generate(&cfg).expect("generated history").to_transactions();
    eprintln!(
        "{} transactions of {} customers",
        tx.len(),
        tx.customer_count()
    );
    if let Some(doc) = h.state_mut().doc.as_mut() {
        doc.data = Some(Arc::new(tx));
    }
    h.state_mut().all_runs = true;
    // This frame starts the run on the worker threads.
    h.step();
    assert!(h.state().run.is_some(), "a run started");
    c.bench_function("frame_while_simulating_100k_customers", |b| {
        b.iter(|| {
            h.step();
        })
    });
    assert!(
        h.state().run.is_some(),
        "the simulation was still running when the last frame was measured"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
