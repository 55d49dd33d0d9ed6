//! GUI tests: egui_kittest drives the real app state by widget labels (no rendering needed).
#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tierlab::ui::state::{AppState, Command};

fn project(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("projects")
        .join(name)
}

fn harness() -> Harness<'static, AppState> {
    harness_of_height(800.0)
}

/// The app in a 1280-wide window of `height` points: tall enough that a page's every widget is
/// laid out.
fn harness_of_height(height: f32) -> Harness<'static, AppState> {
    Harness::builder()
        .with_size(eframe::egui::vec2(1280.0, height))
        .build_ui_state(|ui, state: &mut AppState| state.ui(ui), AppState::default())
}

/// A new project with the import wizard open on `csv`.
fn wizard_on(csv: &Path) -> Harness<'static, AppState> {
    let mut h = harness_of_height(1000.0);
    h.state_mut().command(Command::New);
    h.run_steps(2);
    h.state_mut().command(Command::Import(csv.to_path_buf()));
    settle(&mut h);
    h
}

/// Steps frames until the background jobs are done (the loader runs on a worker thread).
fn settle(h: &mut Harness<'static, AppState>) {
    let start = Instant::now();
    h.run_steps(2);
    while h.state().is_busy() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "background job did not finish"
        );
        std::thread::sleep(Duration::from_millis(10));
        h.step();
    }
    h.run_steps(3);
}

fn open(h: &mut Harness<'static, AppState>, path: PathBuf) {
    h.state_mut().command(Command::Open(path));
    settle(h);
    assert!(
        h.state().errors.is_empty(),
        "errors: {:?}",
        h.state().errors
    );
}

/// The product categories of the data of the project open in `h`.
fn data_categories(h: &Harness<'static, AppState>) -> Vec<String> {
    h.state()
        .doc
        .as_ref()
        .unwrap()
        .data
        .as_ref()
        .unwrap()
        .categories
        .clone()
}

/// The settings of the project open in `h`.
fn project_settings<'a>(h: &'a mut Harness<'static, AppState>) -> &'a mut tierlab::model::Settings {
    &mut h.state_mut().doc.as_mut().unwrap().project.settings
}

#[test]
fn open_navigate_edit_save_and_reload() {
    let mut h = harness();
    open(&mut h, project("coffee-chain.ron"));
    let doc = h.state().doc.as_ref().expect("project opened");
    assert_eq!(doc.project.scenarios.len(), 3);
    assert!(
        doc.report.as_ref().is_some_and(|r| r.transactions > 1000),
        "data imported"
    );

    // Navigator lists the project's items; clicking a page shows it.
    h.get_by_label("Scenarios (3)").click();
    h.run_steps(2);
    assert!(
        h.query_all_by_label("Bean tiers").count() >= 2,
        "navigator item and page card"
    );
    h.get_by_label("Data").click();
    h.run_steps(2);
    h.get_by_label("Import report");
    h.get_by_label("Transactions per customer");
    h.get_by_label("Revenue per month (EUR)");
    h.get_by_label("Active customers per month");
    let months = h
        .state()
        .doc
        .as_ref()
        .unwrap()
        .report
        .as_ref()
        .unwrap()
        .monthly
        .len();
    assert_eq!(months, 30, "January 2023 to June 2025");

    // Edit the name through the UI: the title gets a dirty marker.
    h.get_by_label("Overview").click();
    h.run_steps(2);
    h.get_by_label("Name").click();
    h.run_steps(2);
    h.get_by_label("Name").type_text(" (draft)");
    h.run_steps(2);
    let doc = h.state().doc.as_ref().unwrap();
    assert_eq!(doc.project.name, "Bean & Co coffee chain (draft)");
    assert!(doc.is_dirty());
    assert!(h.state().title().starts_with("● "), "{}", h.state().title());

    // Save elsewhere, then reopen: the edit and the data come back.
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("copy.ron");
    h.state_mut().command(Command::SaveAs(saved.clone()));
    h.run_steps(2);
    assert!(!h.state().doc.as_ref().unwrap().is_dirty());
    assert!(!h.state().title().starts_with("● "));
    open(&mut h, saved.clone());
    let doc = h.state().doc.as_ref().unwrap();
    assert_eq!(doc.path.as_deref(), Some(saved.as_path()));
    assert_eq!(doc.project.name, "Bean & Co coffee chain (draft)");
    assert!(
        doc.report.is_some(),
        "data path was rebased for the new folder: {:?}",
        doc.data_error
    );
    assert_eq!(
        h.state()
            .settings
            .recent
            .first()
            .and_then(|p| p.file_name()),
        saved.file_name()
    );
}

#[test]
fn the_overview_warns_of_what_only_the_data_shows() {
    let mut h = harness();
    open(&mut h, project("fashion-retailer.ron"));
    h.get_by_label("Overview").click();
    h.run_steps(2);
    assert!(h.query_by_label("No problems found.").is_some());
    // A calibration end past the data's last day (2025-06-30): the models use all of it.
    project_settings(&mut h).calibration_end = tierlab::model::Date::from_ymd(2030, 12, 31);
    h.run_steps(2);
    assert!(h.query_by_label("No problems found.").is_none());
    let warning = h.get_by_label_contains("settings.calibration_end: 2030-12-31 is after the last");
    // A label's text is its accesskit value.
    let text = warning.accesskit_node().value().unwrap_or_default();
    assert!(
        text.contains("(2025-06-30)"),
        "names the data's last day: {text}"
    );
}

#[test]
fn unsaved_changes_are_confirmed_before_they_are_lost() {
    let mut h = harness();
    open(&mut h, project("fashion-retailer.ron"));
    h.state_mut().doc.as_mut().unwrap().project.name = "Edited".into();
    h.state_mut().command(Command::New);
    h.run_steps(3);
    assert!(h.state().confirm.is_some(), "asks first");
    h.get_by_label("Cancel").click();
    h.run_steps(3);
    assert_eq!(
        h.state().doc.as_ref().unwrap().project.name,
        "Edited",
        "nothing lost on cancel"
    );

    h.state_mut().command(Command::New);
    h.run_steps(3);
    h.get_by_label("Discard changes").click();
    h.run_steps(3);
    let doc = h.state().doc.as_ref().unwrap();
    assert_eq!(doc.project.name, "Untitled project");
    assert!(doc.path.is_none());
}

#[test]
fn a_broken_project_shows_an_error_and_keeps_the_open_one() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.ron");
    std::fs::write(
        &bad,
        "(name: \"x\", scenarios: [(tiers: [(enter_threshold: \"lots\")])])",
    )
    .unwrap();
    let mut h = harness();
    open(&mut h, project("cdnow.ron"));
    h.state_mut().command(Command::Open(bad));
    settle(&mut h);
    assert_eq!(h.state().errors.len(), 1);
    assert!(
        h.state().errors[0].contains("line 1"),
        "{}",
        h.state().errors[0]
    );
    assert_eq!(
        h.state().doc.as_ref().unwrap().project.name,
        "CDNOW 1997 cohort"
    );
    h.get_by_label("Dismiss").click();
    h.run_steps(2);
    assert!(h.state().errors.is_empty());
}

#[test]
fn every_page_of_every_sample_renders() {
    for sample in ["coffee-chain.ron", "fashion-retailer.ron", "cdnow.ron"] {
        let mut h = harness();
        open(&mut h, project(sample));
        for page in tierlab::ui::state::Page::ALL {
            h.state_mut().settings.page = page;
            h.run_steps(2);
        }
        // Each navigator item opens on its own.
        let n = h.state().doc.as_ref().unwrap().project.personas.len();
        h.state_mut().settings.page = tierlab::ui::state::Page::Personas;
        for i in 0..n {
            h.state_mut().selected = Some(i);
            h.run_steps(1);
        }
    }
}

#[test]
fn each_page_keeps_its_own_scroll_position() {
    let mut h = harness();
    open(&mut h, project("coffee-chain.ron"));
    // The model fitted first, so that its page is long when it is opened again below.
    h.get_by_label("Model").click();
    settle(&mut h);
    h.get_by_label("Results").click();
    settle(&mut h);
    let results = "Results: the programmes replayed on the history";
    let top = h.get_by_label(results).rect().min.y;
    for _ in 0..5 {
        h.get_by_label("Total cost").scroll_down();
        h.run_steps(2);
    }
    // Let the scrolling animation finish.
    h.run_steps(30);
    let scrolled = h.get_by_label(results).rect().min.y;
    assert!(scrolled < top - 300.0, "scrolled from {top} to {scrolled}");
    // Another page opens at its top, not at the depth the Results page was left at.
    h.get_by_label("Model").click();
    h.run_steps(3);
    let model = h
        .get_by_label("Model: how customers buy and drop out")
        .rect()
        .min
        .y;
    assert_eq!(model, top);
    // Back on the Results page, it is where it was left.
    h.get_by_label("Results").click();
    h.run_steps(3);
    assert_eq!(h.get_by_label(results).rect().min.y, scrolled);
}

#[test]
fn results_page_replays_every_scenario_and_follows_edits() {
    let mut h = harness();
    open(&mut h, project("coffee-chain.ron"));
    h.get_by_label("Results").click();
    settle(&mut h);
    let (_, replays) = h
        .state()
        .results
        .as_ref()
        .expect("replayed in the background");
    assert_eq!(replays.len(), 3);
    let members_before = replays[1].totals.members;
    assert!(
        h.query_all_by_label("Bean tiers").count() >= 2,
        "comparison column"
    );
    h.get_by_label("Total cost");
    // The status bar says how long the run took.
    let (seconds, _, _) = h.state().last_run.clone().expect("a finished run");
    assert!(seconds > 0.0);
    h.get_by_label_contains("last run ");
    // An edit makes the results stale, then fresh again.
    h.state_mut().doc.as_mut().unwrap().project.scenarios[1].enrolment_rate_pct = 30.0;
    h.run_steps(1);
    assert!(h.state().results_stale() || h.state().run.is_some());
    settle(&mut h);
    assert!(!h.state().results_stale());
    let (_, replays) = h.state().results.as_ref().unwrap();
    assert!(
        replays[1].totals.members < members_before,
        "fewer members at a lower enrolment rate"
    );
}

#[test]
fn segments_are_measured_and_ready_made_sets_replace_them() {
    let mut h = harness();
    open(&mut h, project("coffee-chain.ron"));
    h.get_by_label("Segments (4)").click();
    settle(&mut h);
    // The measured sizes arrive from the worker and add up to every customer.
    let (_, report) = h
        .state()
        .segment_report
        .as_ref()
        .expect("segments measured");
    let sizes: u64 = report.segments.iter().map(|s| s.customers).sum();
    assert_eq!(sizes, report.customers);
    h.get_by_label("median recency (days)");

    // Personas show their segment's measured profile next to the narrative.
    h.get_by_label("Personas (3)").click();
    h.run_steps(2);
    assert!(h.query_all_by_label("Measured").count() >= 3);

    // One click starts from the RFM segments; the personas' old segments are gone.
    h.get_by_label("Segments (4)").click();
    h.run_steps(2);
    h.get_by_label("RFM segments").click();
    h.run_steps(2);
    settle(&mut h);
    let doc = h.state().doc.as_ref().unwrap();
    assert_eq!(doc.project.segments.len(), 11);
    assert!(doc.project.personas.iter().all(|p| p.segment.is_empty()));
    assert!(doc.is_dirty());
    assert!(h.state().status.contains("RFM"), "{}", h.state().status);
    let (_, report) = h.state().segment_report.as_ref().unwrap();
    assert_eq!(report.segments[0].name, "Champions");
    assert!(report.segments[0].customers > 0);
    assert!(!h.state().segments_stale());
    // A persona on no segment says it stands for nobody (not for every customer).
    h.get_by_label("Personas (3)").click();
    h.run_steps(2);
    assert_eq!(h.get_all_by_label("— no segment").count(), 3);
    assert_eq!(
        h.get_all_by_label_contains("stands for no customers")
            .count(),
        3
    );
}

#[test]
fn results_page_projects_each_programme_fast_then_with_all_runs() {
    // Tall enough to show the whole page without scrolling.
    let mut h = harness_of_height(4000.0);
    open(&mut h, project("cdnow.ron"));
    h.get_by_label("Results").click();
    settle(&mut h);
    let fast = h.state().projection_runs();
    {
        let (runs, outcome) = h.state().projection.as_ref().expect("projected");
        assert_eq!(*runs, fast);
        let p = outcome.as_ref().expect("the model fits");
        assert_eq!(p.scenarios.len(), 2);
        assert_eq!(p.runs, fast);
        // 2,357 customers: every run is simulated on its own, even in the fast preview.
        assert_eq!(p.futures, fast);
        assert!(h.state().projection_fast);
    }
    h.get_by_label("Retention at the horizon");
    h.get_by_label("  uplift (points)");
    h.get_by_label_contains("Retention against no programme: percentage points");
    h.get_by_label("ROI");
    h.get_by_label("Incremental revenue per segment (median)");
    h.get_by_label("Incremental revenue per persona (median)");
    h.get_by_label("Retention uplift at the horizon per segment (median, percentage points)");
    h.get_by_label("Retention uplift at the horizon per persona (median, percentage points)");
    // Ticking "all runs" projects again with the project's full number.
    h.get_by_label_contains("All 200 Monte Carlo runs").click();
    h.run_steps(1);
    assert!(h.state().all_runs, "the checkbox is ticked");
    settle(&mut h);
    let (runs, outcome) = h.state().projection.as_ref().unwrap();
    assert_eq!(*runs, 200);
    assert_eq!(outcome.as_ref().unwrap().runs, 200);
    assert_eq!(outcome.as_ref().unwrap().futures, 200);
    assert!(!h.state().projection_fast);
    assert!(fast < 200);
}

#[test]
fn model_page_shows_the_fit_its_diagnostics_and_backtest() {
    let mut h = harness();
    open(&mut h, project("cdnow.ron"));
    assert!(h.state().model_report.is_none(), "fitted only when shown");
    h.get_by_label("Model").click();
    h.run_steps(2);
    settle(&mut h);
    let (_, report) = h.state().model_report.as_ref().expect("fitted");
    let r = report.as_ref().expect("BG/NBD fits the CDNOW sample");
    // The project's calibration end (1997-09-30) is the backtest's too.
    let b = r.backtest.as_ref().expect("a holdout is left");
    assert_eq!(b.calibration_end.to_string(), "1997-09-30");
    assert_eq!(r.customers, 2357);
    h.get_by_label("alpha");
    h.get_by_label("Gamma-Gamma p");
    h.get_by_label_contains("Backtest: fitted to 1997-09-30");
    // A settings edit makes it stale, then it is fitted again.
    project_settings(&mut h).transaction_model = tierlab::model::TransactionModel::ParetoNbd;
    h.run_steps(1);
    settle(&mut h);
    assert!(!h.state().model_stale());
    let (_, report) = h.state().model_report.as_ref().unwrap();
    assert_eq!(report.as_ref().unwrap().model, "Pareto/NBD");
    h.get_by_label("beta");
}

/// The fashion-retailer sample's Pareto/NBD, fitted to 2024-09-30, holds its dropout shape at
/// the bound: the Model page says what that means under the estimates.
#[test]
fn model_page_explains_a_shape_at_its_bound() {
    let mut h = harness();
    open(&mut h, project("fashion-retailer.ron"));
    let settings = project_settings(&mut h);
    settings.transaction_model = tierlab::model::TransactionModel::ParetoNbd;
    settings.calibration_end = tierlab::model::Date::from_ymd(2024, 9, 30);
    h.get_by_label("Model").click();
    h.run_steps(2);
    settle(&mut h);
    let (_, report) = h.state().model_report.as_ref().expect("fitted");
    assert_eq!(report.as_ref().unwrap().fit.at_bound, vec![2]);
    h.get_by_label_contains("Note: s is at its bound (100000): the dropout rates");
}

/// The coffee-chain sample's Gamma-Gamma, fitted to 2024-12-31, holds p at its bound: the
/// Model page says what that means under the estimates, and shows p and γ without standard
/// errors.
#[test]
fn model_page_explains_a_spend_shape_at_its_bound() {
    let mut h = harness();
    open(&mut h, project("coffee-chain.ron"));
    h.get_by_label("Model").click();
    h.run_steps(2);
    settle(&mut h);
    let (_, report) = h.state().model_report.as_ref().expect("fitted");
    let spend = report.as_ref().unwrap().spend.as_ref().unwrap();
    assert_eq!(spend.at_bound, vec![0]);
    assert_eq!((spend.std_errors[0], spend.std_errors[2]), (None, None));
    h.get_by_label_contains("Note: p is at its bound (100000): customers' mean spends vary");
    // The backtest is fitted to the same day: its fit, the same bound noted, is the one above.
    let b = report.as_ref().unwrap().backtest.as_ref().unwrap();
    assert_eq!(b.calibration_end, report.as_ref().unwrap().calibration_end);
    assert_eq!(b.notes.len(), 1, "{:?}", b.notes);
    assert!(
        h.query_by_label_contains("Backtest note:").is_none(),
        "noted once"
    );
}

/// Without a calibration end the models are fitted on the whole history and the backtest two
/// thirds into it: the backtest's own fit is noted under its table, named by its model.
#[test]
fn model_page_notes_the_backtest_fit_on_its_own_window() {
    let mut h = harness();
    open(&mut h, project("coffee-chain.ron"));
    project_settings(&mut h).calibration_end = None;
    h.get_by_label("Model").click();
    h.run_steps(2);
    settle(&mut h);
    let (_, report) = h.state().model_report.as_ref().expect("fitted");
    let r = report.as_ref().unwrap();
    let b = r.backtest.as_ref().unwrap();
    assert!(b.calibration_end < r.calibration_end);
    assert!(
        !b.notes.is_empty(),
        "the sample's spend shape is at its bound there too"
    );
    for note in &b.notes {
        h.get_by_label(&format!("Backtest note: {note}."));
    }
}

/// Fitted on the coffee chain's first two weeks, the estimates are hardly determined: the
/// Model page notes each one under the estimates (the backtest, fitted to the same day, does
/// not repeat them), named as the backtest names them.
#[test]
fn model_page_notes_estimates_a_short_window_leaves_undetermined() {
    let mut h = harness();
    open(&mut h, project("coffee-chain.ron"));
    project_settings(&mut h).calibration_end = tierlab::model::Date::from_ymd(2023, 1, 15);
    h.get_by_label("Model").click();
    h.run_steps(2);
    settle(&mut h);
    let (_, report) = h.state().model_report.as_ref().expect("fitted");
    let r = report.as_ref().unwrap();
    let weak = r.fit.weak_estimate_notes();
    assert!(!weak.is_empty(), "two weeks determine little");
    let b = r.backtest.as_ref().unwrap();
    for note in &weak {
        h.get_by_label(&format!("Note: {note}."));
        assert!(
            b.notes.contains(&format!("BG/NBD: {note}")),
            "{:?}",
            b.notes
        );
    }
    assert!(h.query_by_label_contains("Backtest note:").is_none());
}

#[test]
fn a_tier_threshold_edited_in_the_ui_changes_the_results_and_undoes() {
    let mut h = harness_of_height(2000.0);
    open(&mut h, project("coffee-chain.ron"));
    settle(&mut h);
    let upgrades_before = h.state().results.as_ref().expect("replayed").1[1]
        .totals
        .upgrades;
    // The scenario's editor, from the navigator.
    h.get_by_label("Bean tiers").click();
    h.run_steps(2);
    h.get_by_label("Scenario: Bean tiers");
    let before = h.state().doc.as_ref().unwrap().project.scenarios[1].tiers[1].enter_threshold;
    // The second tier's "Enter at" field.
    h.get_all_by_label("Enter at")
        .nth(1)
        .expect("a second tier")
        .set_value_accesskit(before * 2.0);
    h.run_steps(2);
    let doc = h.state().doc.as_ref().unwrap();
    assert_eq!(
        doc.project.scenarios[1].tiers[1].enter_threshold,
        before * 2.0
    );
    assert!(doc.is_dirty());
    // The results follow: fewer members reach a tier twice as far away.
    settle(&mut h);
    assert!(!h.state().results_stale());
    let upgrades_after = h.state().results.as_ref().unwrap().1[1].totals.upgrades;
    assert!(
        upgrades_after < upgrades_before,
        "{upgrades_after} upgrades, {upgrades_before} before"
    );
    // Undo from the Edit menu brings the threshold back; redo takes it again.
    h.get_by_label("Edit").click();
    h.run_steps(2);
    h.get_by_label_contains("Undo").click();
    h.run_steps(2);
    let doc = h.state().doc.as_ref().unwrap();
    assert_eq!(doc.project.scenarios[1].tiers[1].enter_threshold, before);
    assert!(!doc.is_dirty());
    h.get_by_label("Edit").click();
    h.run_steps(2);
    h.get_by_label_contains("Redo").click();
    h.run_steps(2);
    assert_eq!(
        h.state().doc.as_ref().unwrap().project.scenarios[1].tiers[1].enter_threshold,
        before * 2.0
    );
    // Save and reload: the edit is in the file.
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("edited.ron");
    h.state_mut().command(Command::SaveAs(saved.clone()));
    h.run_steps(2);
    open(&mut h, saved);
    assert_eq!(
        h.state().doc.as_ref().unwrap().project.scenarios[1].tiers[1].enter_threshold,
        before * 2.0
    );
}

#[test]
fn scenarios_are_added_duplicated_and_removed_with_inline_errors() {
    let mut h = harness_of_height(2000.0);
    open(&mut h, project("cdnow.ron"));
    h.get_by_label("Scenarios (2)").click();
    h.run_steps(2);
    h.get_all_by_label("Duplicate").next().unwrap().click();
    h.run_steps(2);
    let names: Vec<String> = h
        .state()
        .doc
        .as_ref()
        .unwrap()
        .project
        .scenarios
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(names[1], "CD club points (copy)");
    h.get_by_label("Add scenario").click();
    h.run_steps(2);
    // The new scenario opens in the editor, a flat programme: no tier table, and its
    // qualification settings greyed out until there is a tier.
    assert_eq!(h.query_all_by_label("Retain at").count(), 0);
    assert!(h.get_by_label("Grace days").accesskit_node().is_disabled());
    // A tier added above a zero first tier is valid, a decreasing threshold is shown as an
    // error at the tiers.
    h.get_by_label("Add tier").click();
    h.run_steps(2);
    assert_eq!(h.query_all_by_label("Retain at").count(), 1);
    assert!(!h.get_by_label("Grace days").accesskit_node().is_disabled());
    h.get_by_label("Add tier").click();
    h.run_steps(2);
    h.get_all_by_label("Enter at")
        .nth(1)
        .unwrap()
        .set_value_accesskit(0.0);
    h.run_steps(2);
    assert!(
        h.query_all_by_label_contains("Error:").count() > 0,
        "an inline validation message"
    );
    // Undo takes the edit back, and the message goes with it.
    h.state_mut().command(Command::Undo);
    h.run_steps(2);
    assert_eq!(h.query_all_by_label_contains("Error:").count(), 0);
    h.get_by_label("Back to all scenarios").click();
    h.run_steps(2);
    let n = h.state().doc.as_ref().unwrap().project.scenarios.len();
    assert_eq!(n, 4);
    h.get_all_by_label("Remove").next().unwrap().click();
    h.run_steps(2);
    assert_eq!(h.state().doc.as_ref().unwrap().project.scenarios.len(), 3);
}

#[test]
fn persona_responses_are_edited_with_sliders_and_reset() {
    let mut h = harness_of_height(2000.0);
    open(&mut h, project("coffee-chain.ron"));
    h.get_by_label("Commuter Chloe").click();
    h.run_steps(2);
    h.get_by_role_and_label(eframe::egui::accesskit::Role::Slider, "Frequency uplift")
        .set_value_accesskit(12.5);
    h.run_steps(2);
    let uplift = |h: &Harness<'static, AppState>| {
        h.state().doc.as_ref().unwrap().project.personas[0]
            .response
            .frequency_uplift_pct
    };
    assert_eq!(uplift(&h), 12.5);
    assert!(h.state().doc.as_ref().unwrap().is_dirty());
    // Each parameter resets to its published default (frequency uplift's button comes first).
    h.get_all_by_label("Reset to 5").next().unwrap().click();
    h.run_steps(2);
    assert_eq!(uplift(&h), 5.0);
    // The narrative is editable too.
    let summary = || eframe::egui::accesskit::Role::MultilineTextInput;
    h.get_by_role_and_label(summary(), "Summary").click();
    h.run_steps(1);
    h.get_by_role_and_label(summary(), "Summary")
        .type_text(" Loves oat milk.");
    h.run_steps(2);
    assert!(
        h.state().doc.as_ref().unwrap().project.personas[0]
            .narrative
            .summary
            .contains("Loves oat milk.")
    );
    // So is the profile synthetic customers are drawn from.
    let synthetic = |h: &Harness<'static, AppState>| {
        h.state().doc.as_ref().unwrap().project.personas[0]
            .synthetic
            .clone()
    };
    let before = synthetic(&h).expect("the sample's persona has a profile");
    h.get_by_label("Purchases per year")
        .set_value_accesskit(120.0);
    h.run_steps(2);
    assert_eq!(synthetic(&h).unwrap().purchases_per_year, 120.0);
    h.get_by_label("Add category").click();
    h.run_steps(2);
    let added = synthetic(&h).unwrap().categories;
    assert_eq!(added.len(), before.categories.len() + 1);
    let new = &added[before.categories.len()].category;
    assert!(
        before.categories.iter().all(|c| &c.category != new),
        "{new}"
    );
    let in_data = data_categories(&h);
    assert!(in_data.len() > before.categories.len(), "{in_data:?}");
    assert!(
        in_data.contains(new),
        "{new} is one of the data's categories"
    );
    // Unticked, the persona draws nobody; ticked again, it starts from the defaults.
    let tick = "Draw synthetic customers from this persona";
    h.get_by_label(tick).click();
    h.run_steps(2);
    assert_eq!(synthetic(&h), None);
    h.get_by_label(tick).click();
    h.run_steps(2);
    assert_eq!(
        synthetic(&h),
        Some(tierlab::model::SyntheticProfile::default())
    );
}

#[test]
fn personas_are_added_duplicated_and_removed_and_scenario_overrides_follow_them() {
    use eframe::egui::accesskit::Role;
    let mut h = harness_of_height(2400.0);
    open(&mut h, project("coffee-chain.ron"));
    let project = |h: &Harness<'static, AppState>| h.state().doc.as_ref().unwrap().project.clone();
    let before = project(&h);
    let n = before.personas.len();
    // A new persona takes the first segment that has none, and opens in the editor.
    h.get_by_label(&format!("Personas ({n})")).click();
    h.run_steps(2);
    h.get_by_label("Add persona").click();
    h.run_steps(2);
    let free = before
        .segments
        .iter()
        .find(|s| !before.personas.iter().any(|p| p.segment == s.name))
        .expect("a segment without a persona")
        .name
        .clone();
    let added = project(&h).personas[n].clone();
    assert_eq!(
        (added.name.as_str(), added.segment.as_str()),
        ("New persona", free.as_str())
    );
    assert_eq!(h.state().selected, Some(n));
    h.get_by_label("Back to all personas");
    h.get_by_label(&format!("Personas ({})", n + 1));

    // A scenario's override starts from the persona's own response and is edited on its own.
    let chloe = before.personas[0].clone();
    h.get_by_label("Bean tiers").click();
    h.run_steps(2);
    h.get_by_label(&format!("{} responds differently here", chloe.name))
        .click();
    h.run_steps(2);
    let overrides =
        |h: &Harness<'static, AppState>| project(h).scenarios[1].response_overrides.clone();
    assert_eq!(overrides(&h).len(), 1);
    assert_eq!(overrides(&h)[0].persona, chloe.name);
    assert_eq!(overrides(&h)[0].response, chloe.response);
    h.get_by_role_and_label(Role::Slider, "Frequency uplift")
        .set_value_accesskit(12.0);
    h.run_steps(2);
    assert_eq!(overrides(&h)[0].response.frequency_uplift_pct, 12.0);
    assert_eq!(project(&h).personas[0].response, chloe.response);
    // Reset goes back to the persona's own value.
    h.get_by_label(&format!("Reset to {}", chloe.response.frequency_uplift_pct))
        .click();
    h.run_steps(2);
    assert_eq!(overrides(&h)[0].response, chloe.response);
    // Another persona's override, ticked then unticked, is gone again.
    let wanda = &before.personas[2].name;
    let tick = format!("{wanda} responds differently here");
    h.get_by_label(&tick).click();
    h.run_steps(2);
    assert_eq!(overrides(&h).len(), 2);
    h.get_by_label(&tick).click();
    h.run_steps(2);
    assert_eq!(overrides(&h).len(), 1);

    // Renaming the persona keeps its override attached.
    h.get_by_label(&chloe.name).click();
    h.run_steps(2);
    h.get_by_role_and_label(Role::TextInput, "Name").click();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Name")
        .type_text(" (renamed)");
    h.run_steps(2);
    let renamed = format!("{} (renamed)", chloe.name);
    assert_eq!(project(&h).personas[0].name, renamed);
    assert_eq!(overrides(&h)[0].persona, renamed);
    assert!(project(&h).is_valid());

    // Duplicated, then removed: the removed persona's overrides go with it.
    h.get_by_label("Back to all personas").click();
    h.run_steps(2);
    h.get_all_by_label("Duplicate").nth(1).unwrap().click();
    h.run_steps(2);
    let raj = &before.personas[1].name;
    assert_eq!(project(&h).personas[2].name, format!("{raj} (copy)"));
    // The copy shares its original's segment, which is the original's: the page says so.
    h.get_by_label_contains("is already on the segment");
    h.get_all_by_label("Remove").next().unwrap().click();
    h.run_steps(2);
    let after = project(&h);
    assert_eq!(after.personas.len(), n + 1);
    assert!(after.personas.iter().all(|p| p.name != renamed));
    assert!(overrides(&h).is_empty());
    assert!(after.is_valid());
}

#[test]
fn presentation_mode_shows_only_the_results_in_large_type() {
    let mut h = harness();
    open(&mut h, project("cdnow.ron"));
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("Presentation mode").click();
    h.run_steps(3);
    assert!(h.state().settings.presentation);
    assert_eq!(h.state().settings.page, tierlab::ui::state::Page::Results);
    assert!(
        h.query_by_label("Overview").is_none(),
        "the navigator is hidden"
    );
    h.key_press(eframe::egui::Key::Escape);
    h.run_steps(3);
    assert!(!h.state().settings.presentation);
    h.get_by_label("Overview");
    // F5 toggles it too.
    h.key_press(eframe::egui::Key::F5);
    h.run_steps(3);
    assert!(h.state().settings.presentation);
}

/// Copies a sample project and its data into a fresh folder.
fn sample_copy(dir: &Path) -> PathBuf {
    for f in ["cdnow.ron", "cdnow_sample.csv"] {
        std::fs::copy(project(f), dir.join(f)).unwrap();
    }
    dir.join("cdnow.ron")
}

#[test]
fn unsaved_edits_are_autosaved_and_offered_back_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample_copy(dir.path());
    let recovery = tierlab::data::project_io::recovery_path(&path);
    {
        let mut h = harness();
        open(&mut h, path.clone());
        h.state_mut().doc.as_mut().unwrap().project.name = "Edited, not saved".into();
        h.run_steps(1);
        h.state_mut()
            .autosave(tierlab::ui::state::AUTOSAVE_SECONDS * 10.0);
        assert!(recovery.exists(), "autosaved");
        // The app "crashes": dropped without saving or quitting.
    }
    let mut h = harness();
    open(&mut h, path.clone());
    assert_eq!(
        h.state().recovered.as_ref().map(|p| p.name.as_str()),
        Some("Edited, not saved")
    );
    h.get_by_label("Restore changes").click();
    h.run_steps(2);
    let doc = h.state().doc.as_ref().unwrap();
    assert_eq!(doc.project.name, "Edited, not saved");
    assert!(doc.is_dirty(), "restored edits still need saving");
    // Saving them ends the recovery; the project file has them.
    h.state_mut().command(Command::Save);
    h.run_steps(2);
    assert!(!recovery.exists());
    let saved = tierlab::data::project_io::load_project(&path).unwrap();
    assert_eq!(saved.name, "Edited, not saved");
}

#[test]
fn keyboard_shortcuts_undo_redo_and_save() {
    use eframe::egui::{Key, Modifiers};
    let dir = tempfile::tempdir().unwrap();
    let path = sample_copy(dir.path());
    let mut h = harness();
    open(&mut h, path.clone());
    let original = h.state().doc.as_ref().unwrap().project.name.clone();
    h.get_by_label("Name").click();
    h.run_steps(2);
    h.get_by_label("Name").type_text(" (draft)");
    h.run_steps(2);
    // Out of the field (whose own Ctrl+Z would undo the typing inside it), onto another page.
    h.get_by_label("Data").click();
    h.run_steps(2);
    let name =
        |h: &Harness<'static, AppState>| h.state().doc.as_ref().unwrap().project.name.clone();
    let draft = format!("{original} (draft)");
    assert_eq!(name(&h), draft);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(name(&h), original, "Ctrl+Z undoes");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Y);
    h.run_steps(2);
    assert_eq!(name(&h), draft, "Ctrl+Y redoes");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::Z);
    h.run_steps(2);
    assert_eq!(name(&h), draft, "Ctrl+Shift+Z redoes too");
    assert!(h.state().doc.as_ref().unwrap().is_dirty());
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.run_steps(2);
    assert!(!h.state().doc.as_ref().unwrap().is_dirty(), "Ctrl+S saves");
    let saved = tierlab::data::project_io::load_project(&path).unwrap();
    assert_eq!(saved.name, draft);
    // The File and Edit menus name the same keys (egui adds them to the item's label, as the
    // platform writes them: "Ctrl+S" here, "⌘S" on a Mac).
    let keys = |modifiers, key| {
        h.ctx
            .format_shortcut(&eframe::egui::KeyboardShortcut::new(modifiers, key))
    };
    let shift = Modifiers::COMMAND.plus(Modifiers::SHIFT);
    if cfg!(not(target_os = "macos")) {
        assert_eq!(keys(shift, Key::S), "Ctrl+Shift+S");
    }
    let file = [
        format!("New {}", keys(Modifiers::COMMAND, Key::N)),
        format!("Open… {}", keys(Modifiers::COMMAND, Key::O)),
        format!("Save {}", keys(Modifiers::COMMAND, Key::S)),
        format!("Save As… {}", keys(shift, Key::S)),
    ];
    let edit = [
        format!("Undo {}", keys(Modifiers::COMMAND, Key::Z)),
        format!("Redo {}", keys(Modifiers::COMMAND, Key::Y)),
    ];
    h.get_by_label("File").click();
    h.run_steps(2);
    for item in &file {
        assert!(h.query_by_label(item).is_some(), "{item}");
    }
    h.key_press(Key::Escape);
    h.get_by_label("Edit").click();
    h.run_steps(2);
    for item in &edit {
        assert!(h.query_by_label(item).is_some(), "{item}");
    }
}

#[test]
fn recovered_edits_can_be_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let path = sample_copy(dir.path());
    let mut edited = tierlab::data::project_io::load_project(&path).unwrap();
    edited.name = "Half-finished".into();
    tierlab::data::project_io::write_recovery(&path, &edited).unwrap();
    let mut h = harness();
    open(&mut h, path.clone());
    h.get_by_label("Discard them").click();
    h.run_steps(2);
    assert!(h.state().recovered.is_none());
    assert!(!tierlab::data::project_io::recovery_path(&path).exists());
    assert_eq!(
        h.state().doc.as_ref().unwrap().project.name,
        "CDNOW 1997 cohort"
    );
}

#[test]
fn the_import_wizard_reads_windows_1252_and_keeps_the_encoding_chosen() {
    use eframe::egui::accesskit::Role;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("excel.csv");
    // Saved by a spreadsheet on Windows: not UTF-8.
    std::fs::write(
        &csv,
        b"customer,date,amount,category\nM\xfcller,2024-01-03,12.50,Caf\xe9\n\
          M\xe4ller,2024-01-04,7.00,tea\n",
    )
    .unwrap();
    let mut h = wizard_on(&csv);
    // The preview shows the names as they are meant, not replacement characters.
    h.get_by_label("M\u{fc}ller");
    h.get_by_label("Caf\u{e9}");
    h.get_by_role_and_label(Role::ComboBox, "Text encoding")
        .click();
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Windows-1252 (Latin-1)")
        .click();
    h.run_steps(2);
    h.get_by_label("Import").click();
    settle(&mut h);
    let doc = h.state().doc.as_ref().unwrap();
    assert_eq!(
        doc.project.data.options.encoding,
        tierlab::model::TextEncoding::Windows1252,
        "kept in the project"
    );
    let report = doc.report.as_ref().expect("imported");
    assert_eq!((report.transactions, report.rejected), (2, 0));
    assert_eq!(report.encoding, "Windows-1252");
    let data = doc.data.as_ref().unwrap();
    assert!(data.find_customer("M\u{e4}ller").is_some());
    // The Data page says how the file was read.
    h.state_mut().settings.page = tierlab::ui::state::Page::Data;
    h.run_steps(2);
    h.get_by_label("Text encoding");
    h.get_by_label("Windows-1252");
}

#[test]
fn the_import_wizard_previews_a_file_and_maps_its_columns() {
    use eframe::egui::accesskit::Role;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("export.csv");
    // Semicolons, day-first dates, decimal commas, and headers tierlab does not know.
    std::fs::write(
        &csv,
        "Kunde;Tag;Wert;Abteilung\nA;03/01/2024;12,50;food\nB;14/01/2024;7,00;toys\n\
         A;20/02/2024;1.234,00;food\nC;21/02/2024;oops;food\n",
    )
    .unwrap();
    let mut h = wizard_on(&csv);
    h.get_by_label("Import transactions");
    h.get_by_value("Detect (found: Semicolon (;))");
    h.get_by_value("Detect (found: Kunde)");
    h.get_by_label_contains("Error: no date column recognised");
    assert!(
        h.get_by_label("Import").accesskit_node().is_disabled(),
        "columns missing"
    );

    // Map the date and amount columns by their labels.
    assert!(h.query_all_by_value("Detect (none found)").count() >= 3);
    for (role, column) in [
        ("Date *", "Tag"),
        ("Amount *", "Wert"),
        ("Category", "Abteilung"),
    ] {
        h.get_by_role_and_label(Role::ComboBox, role).click();
        h.run_steps(2);
        h.get_by_role_and_label(Role::Button, column).click();
        h.run_steps(2);
    }
    h.get_by_value("Detect (found: %d/%m/%Y)");
    h.get_by_value("Detect (found: Comma (1234,56))");
    assert!(h.query_by_label_contains("Error:").is_none());
    h.get_by_label("Import").click();
    settle(&mut h);

    let doc = h.state().doc.as_ref().unwrap();
    assert!(h.state().wizard.is_none(), "the wizard closes");
    let columns = &doc.project.data.columns;
    assert_eq!(columns.date.as_deref(), Some("Tag"));
    assert_eq!(columns.amount.as_deref(), Some("Wert"));
    assert_eq!(columns.customer, None, "detected columns stay detected");
    let report = doc.report.as_ref().expect("imported");
    assert_eq!(report.transactions, 3);
    assert_eq!(report.rejected, 1, "the bad amount is reported, not fatal");
    assert!(report.decimal_comma);
    assert_eq!(report.columns.category.as_deref(), Some("Abteilung"));

    // The Data page reopens the wizard with the mapping as saved.
    h.state_mut().settings.page = tierlab::ui::state::Page::Data;
    h.run_steps(2);
    h.get_by_label("Columns and format…").click();
    h.run_steps(2);
    h.get_by_label("Import transactions");
    h.get_by_role_and_label(Role::ComboBox, "Date *");
    assert_eq!(
        h.state().wizard.as_ref().unwrap().columns.date.as_deref(),
        Some("Tag")
    );
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(h.state().wizard.is_none());
}

/// The sample project `name` open on the Results page, its results in, with the File menu
/// open and its `item` enabled.
fn results_with_file_menu(name: &str, item: &str) -> Harness<'static, AppState> {
    let mut h = harness();
    open(&mut h, project(name));
    h.get_by_label("Results").click();
    settle(&mut h);
    h.get_by_label("File").click();
    h.run_steps(2);
    let node = h.get_by_label(item);
    assert!(!node.accesskit_node().is_disabled(), "results are there");
    h
}

#[test]
fn results_are_exported_as_the_same_tables_as_the_cli_writes() {
    let mut h = results_with_file_menu("cdnow.ron", "Export results…");
    // The folder dialog is the platform's; the command it leads to is tested here.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exported");
    h.state_mut().command(Command::Export(out.clone()));
    h.run_steps(2);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    let (project, replays) = h.state().results.clone().unwrap();
    for file in tierlab::export::REPLAY_FILES
        .iter()
        .chain(&["projection.csv"])
    {
        assert!(out.join(file).is_file(), "{file} written");
    }
    let totals = std::fs::read_to_string(out.join("totals.csv")).unwrap();
    assert_eq!(totals.lines().count(), 1 + replays.len());
    assert!(
        totals
            .lines()
            .nth(1)
            .unwrap()
            .starts_with(&project.scenarios[0].name)
    );
    let by_persona = std::fs::read_to_string(out.join("by_persona.csv")).unwrap();
    assert_eq!(
        by_persona.lines().count(),
        1 + replays.len() * (project.personas.len() + 1)
    );
    assert!(
        h.state().status.starts_with("exported 6 tables (CSV) and "),
        "{}",
        h.state().status
    );
    // The projection's monthly bands: the uplift's last, empty for the baseline.
    let mut projection = csv::Reader::from_path(out.join("projection.csv")).unwrap();
    let uplift_p50 = projection
        .headers()
        .unwrap()
        .iter()
        .position(|c| c == "retention_uplift_p50")
        .expect("an uplift column");
    let rows: Vec<csv::StringRecord> = projection.records().map(Result::unwrap).collect();
    assert!(rows.iter().any(|r| &r[0] == "(no programme)"));
    for row in &rows {
        let baseline = &row[0] == "(no programme)";
        assert_eq!(row[uplift_p50].is_empty(), baseline, "{row:?}");
    }
    // The charts of the report come along as SVG files.
    for chart in [
        "retention",
        "retention_uplift",
        "liability",
        "net_value",
        "data_revenue",
    ] {
        let svg = std::fs::read_to_string(out.join(format!("{chart}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg xmlns=") && svg.ends_with("</svg>"),
            "{chart}"
        );
    }
    // A folder that cannot be made is an error in the panel, not a crash.
    let blocked = dir.path().join("a-file");
    std::fs::write(&blocked, "x").unwrap();
    h.state_mut().command(Command::Export(blocked.join("sub")));
    h.run_steps(2);
    assert_eq!(h.state().errors.len(), 1);
    assert!(h.state().errors[0].contains("cannot create the folder"));
}

#[test]
fn the_client_report_is_exported_from_the_file_menu() {
    let mut h = results_with_file_menu("coffee-chain.ron", "Export report…");
    // The save dialog is the platform's; the command it leads to is tested here.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("for the client");
    h.state_mut().command(Command::Report(out.clone()));
    h.run_steps(2);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    let html = std::fs::read_to_string(out.with_extension("html")).unwrap();
    let (project, replays) = h.state().results.clone().unwrap();
    assert!(html.contains(&project.name.replace('&', "&amp;")));
    for r in &replays {
        assert!(html.contains(&r.scenario), "{} in the report", r.scenario);
    }
    // What the Results page shows: the projection of the runs on screen.
    let runs = h
        .state()
        .projection
        .as_ref()
        .unwrap()
        .1
        .as_ref()
        .unwrap()
        .runs;
    assert!(
        html.contains(&format!("with {runs} Monte Carlo runs")),
        "runs shown"
    );
    assert!(!html.contains("<script") && !html.contains("http"));
    assert!(h.state().status.starts_with("wrote the report"));
    // A folder that does not exist is an error in the panel, not a crash.
    h.state_mut()
        .command(Command::Report(dir.path().join("missing/r.html")));
    h.run_steps(2);
    assert_eq!(h.state().errors.len(), 1, "{:?}", h.state().errors);
}

#[test]
fn category_multipliers_promotions_and_settings_are_edited_in_the_ui() {
    use eframe::egui::accesskit::Role;
    use eframe::egui::{Key, Modifiers};
    let mut h = harness_of_height(2000.0);
    open(&mut h, project("coffee-chain.ron"));
    h.get_by_label("Bean tiers").click();
    h.run_steps(2);
    let earning = |h: &Harness<'static, AppState>| {
        h.state().doc.as_ref().unwrap().project.scenarios[1]
            .earning
            .clone()
    };
    // The multiplier of the Beans category.
    h.get_by_label("Category multiplier")
        .set_value_accesskit(3.0);
    h.run_steps(2);
    assert_eq!(earning(&h).category_multipliers[0].multiplier, 3.0);
    // A new multiplier starts on a category of the data that has none yet.
    h.get_by_label("Add category multiplier").click();
    h.run_steps(2);
    let added = earning(&h).category_multipliers[1].category.clone();
    let categories = data_categories(&h);
    assert!(categories.contains(&added) && added != "Beans", "{added}");

    // The promotion's last day, typed: a valid date is taken, an impossible one is not.
    let set_text = |h: &mut Harness<'static, AppState>, label: &str, text: &str| {
        h.get_by_role_and_label(Role::TextInput, label).click();
        h.run_steps(1);
        h.key_press_modifiers(Modifiers::COMMAND, Key::A);
        h.run_steps(1);
        h.get_by_role_and_label(Role::TextInput, label)
            .type_text(text);
        h.run_steps(2);
    };
    set_text(&mut h, "To", "2024-03-17");
    assert_eq!(earning(&h).promotions[0].end.to_string(), "2024-03-17");
    set_text(&mut h, "To", "2024-02-30");
    assert_eq!(
        earning(&h).promotions[0].end.to_string(),
        "2024-03-17",
        "an impossible day is not taken"
    );
    h.get_by_label("Add promotion").click();
    h.run_steps(2);
    assert_eq!(earning(&h).promotions.len(), 2);
    h.get_all_by_label("Remove promotion")
        .next()
        .unwrap()
        .click();
    h.run_steps(2);
    assert_eq!(earning(&h).promotions[0].name, "Double points week");
    assert_eq!(earning(&h).promotions.len(), 1);

    // Settings on the Overview page: the launch date and the customer model.
    h.get_by_label("Overview").click();
    h.run_steps(2);
    let settings =
        |h: &Harness<'static, AppState>| h.state().doc.as_ref().unwrap().project.settings.clone();
    assert_eq!(settings(&h).launch_date.unwrap().to_string(), "2024-01-01");
    let launch_checkbox = |h: &Harness<'static, AppState>| {
        h.get_all_by_label("on")
            .next()
            .expect("launch date checkbox")
            .click();
    };
    launch_checkbox(&h);
    h.run_steps(2);
    assert_eq!(
        settings(&h).launch_date,
        None,
        "unticked: the first transaction day"
    );
    h.get_by_label("the first transaction day");
    launch_checkbox(&h);
    h.run_steps(2);
    let first_day = h
        .state()
        .doc
        .as_ref()
        .unwrap()
        .report
        .as_ref()
        .unwrap()
        .first_date;
    assert_eq!(
        settings(&h).launch_date,
        first_day,
        "ticked: from the data's first day"
    );
    set_text(&mut h, "Programme launch", "2024-02-01");
    assert_eq!(settings(&h).launch_date.unwrap().to_string(), "2024-02-01");
    h.get_by_role_and_label(Role::ComboBox, "Customer model")
        .click();
    h.run_steps(2);
    h.get_by_label("Pareto/NBD + Gamma-Gamma").click();
    h.run_steps(2);
    assert_eq!(
        settings(&h).transaction_model,
        tierlab::model::TransactionModel::ParetoNbd
    );
}

#[test]
fn segment_rules_are_edited_and_the_rfm_grid_follows_the_data() {
    let mut h = harness_of_height(4000.0);
    open(&mut h, project("coffee-chain.ron"));
    h.get_by_label("Segments (4)").click();
    settle(&mut h);
    // The RFM grid counts every measured customer once.
    h.get_by_label("RFM grid: customers by recency and frequency score");
    let (_, report) = h.state().segment_report.as_ref().unwrap();
    let in_grid: u64 = report.rfm_grid.customers.iter().flatten().sum();
    assert_eq!(in_grid, report.customers);
    h.get_by_label("R5");
    h.get_by_label("F1");

    let segments =
        |h: &Harness<'static, AppState>| h.state().doc.as_ref().unwrap().project.segments.clone();
    let first = segments(&h)[0].name.clone();
    let persona_of_first = h
        .state()
        .doc
        .as_ref()
        .unwrap()
        .project
        .personas
        .iter()
        .position(|p| p.segment == first)
        .expect("a persona on the first segment");
    // Renaming a segment keeps its persona attached.
    h.get_all_by_label("Segment name").next().unwrap().click();
    h.run_steps(1);
    h.get_all_by_label("Segment name")
        .next()
        .unwrap()
        .type_text(" (renamed)");
    h.run_steps(2);
    let renamed = format!("{first} (renamed)");
    assert_eq!(segments(&h)[0].name, renamed);
    assert_eq!(
        h.state().doc.as_ref().unwrap().project.personas[persona_of_first].segment,
        renamed
    );
    // A new segment, with a condition edited by its Value field, then moved up and removed.
    let n = segments(&h).len();
    h.get_by_label("Add segment").click();
    h.run_steps(2);
    assert_eq!(segments(&h).len(), n + 1);
    assert_eq!(segments(&h)[n].name, "New segment");
    h.get_all_by_label("Add condition").last().unwrap().click();
    h.run_steps(2);
    assert_eq!(segments(&h)[n].rule.conditions.len(), 2);
    h.get_all_by_label("Value")
        .last()
        .unwrap()
        .set_value_accesskit(30.0);
    h.run_steps(2);
    assert_eq!(segments(&h)[n].rule.conditions[1].value, 30.0);
    h.get_all_by_label("Move up").last().unwrap().click();
    h.run_steps(2);
    assert_eq!(segments(&h)[n - 1].name, "New segment");
    // The measured sizes follow the new rules.
    settle(&mut h);
    let (_, report) = h.state().segment_report.as_ref().unwrap();
    assert!(report.segments.iter().any(|s| s.name == "New segment"));
    h.get_all_by_label("Remove segment")
        .nth(n - 1)
        .unwrap()
        .click();
    h.run_steps(2);
    assert_eq!(segments(&h).len(), n);
    assert!(segments(&h).iter().all(|s| s.name != "New segment"));
}

#[test]
fn a_segment_chosen_in_the_navigator_opens_alone_with_its_editor_first() {
    let mut h = harness_of_height(1200.0);
    open(&mut h, project("coffee-chain.ron"));
    let segments =
        |h: &Harness<'static, AppState>| h.state().doc.as_ref().unwrap().project.segments.clone();
    let first = segments(&h)[0].name.clone();
    h.get_by_label(&first).click();
    settle(&mut h);
    h.get_by_label(&format!("Segment: {first}"));
    // Its editor alone, and the sizes the rules give; not the list's RFM grid.
    assert_eq!(h.get_all_by_label("Segment name").count(), 1);
    assert!(
        h.query_by_label("RFM grid: customers by recency and frequency score")
            .is_none()
    );
    h.get_by_label_contains("customers at");
    // Moved down, it stays the one shown.
    h.get_by_label("Move down").click();
    h.run_steps(2);
    assert_eq!(segments(&h)[1].name, first);
    h.get_by_label(&format!("Segment: {first}"));
    // Back to the list: every segment's editor under the overview.
    h.get_by_label("Back to all segments").click();
    h.run_steps(2);
    h.get_by_label("Segments");
    assert_eq!(
        h.get_all_by_label("Segment name").count(),
        segments(&h).len()
    );
}

#[test]
fn an_empty_unassigned_is_left_out_of_the_segment_sizes_and_the_migration() {
    let mut h = harness_of_height(4000.0);
    open(&mut h, project("coffee-chain.ron"));
    // The sample's last segment takes everyone, so nobody is Unassigned.
    h.get_by_label("Segments (4)").click();
    settle(&mut h);
    let (_, report) = h.state().segment_report.as_ref().unwrap();
    assert!(report.migration.unassigned_is_empty());
    h.get_by_label("Segment sizes over time");
    h.get_by_label_contains("Moves between segments");
    assert!(h.query_by_label("Unassigned").is_none());
    // A condition on the catch-all segment leaves some customers Unassigned, shown so.
    h.get_by_label("Segments (4)").click();
    h.run_steps(2);
    h.get_all_by_label("Add condition").nth(3).unwrap().click();
    settle(&mut h);
    assert!(
        !h.state()
            .segment_report
            .as_ref()
            .unwrap()
            .1
            .migration
            .unassigned_is_empty()
    );
    assert!(h.get_all_by_label("Unassigned").count() >= 2);
}

#[test]
fn the_scenario_editors_tables_show_names_and_dates_in_full() {
    use eframe::egui::accesskit::Role;
    let mut h = harness_of_height(2000.0);
    open(&mut h, project("coffee-chain.ron"));
    h.get_by_label("Bean tiers").click();
    h.run_steps(3);
    // A grid column is as wide as its widest cell: a field that only asked for a width used to
    // shrink to its header's (the tier "Gold" showed as "Golc", a date as "2024").
    for (label, fields) in [
        ("Tier", 3),
        ("Reward", 3),
        ("Promotion", 1),
        ("From", 1),
        ("To", 1),
    ] {
        let widths: Vec<f32> = h
            .get_all_by_role_and_label(Role::TextInput, label)
            .map(|n| n.rect().width())
            .collect();
        assert_eq!(widths.len(), fields, "{label}");
        assert!(widths.iter().all(|&w| w >= 90.0), "{label}: {widths:?}");
    }
}

#[test]
fn a_never_saved_project_is_autosaved_and_offered_back_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let untitled = dir.path().join("untitled.ron");
    let recovery = tierlab::data::project_io::recovery_path(&untitled);
    {
        let mut h = harness();
        h.state_mut().untitled_path = Some(untitled.clone());
        h.state_mut().command(Command::New);
        h.run_steps(2);
        h.state_mut().doc.as_mut().unwrap().project.name = "Typed, never saved".into();
        h.run_steps(1);
        h.state_mut()
            .autosave(tierlab::ui::state::AUTOSAVE_SECONDS * 10.0);
        assert!(recovery.exists(), "autosaved without a project file");
        // The app "crashes".
    }
    // The next start offers it back instead of opening the fallback project.
    let mut h = harness();
    h.state_mut().untitled_path = Some(untitled.clone());
    let ctx = h.ctx.clone();
    h.state_mut()
        .start(&ctx, None, Some(project("coffee-chain.ron")));
    settle(&mut h);
    assert_eq!(
        h.state().recovered.as_ref().map(|p| p.name.as_str()),
        Some("Typed, never saved")
    );
    h.get_by_label("Restore changes").click();
    h.run_steps(2);
    let doc = h.state().doc.as_ref().unwrap();
    assert_eq!(doc.project.name, "Typed, never saved");
    assert!(doc.path.is_none() && doc.is_dirty());
    // Saving it for the first time ends the recovery.
    let saved = dir.path().join("kept.ron");
    h.state_mut().command(Command::SaveAs(saved.clone()));
    h.run_steps(2);
    assert!(saved.exists());
    assert!(!recovery.exists());
    // With nothing to recover, a start opens the fallback.
    let mut h = harness();
    h.state_mut().untitled_path = Some(untitled);
    let ctx = h.ctx.clone();
    h.state_mut()
        .start(&ctx, None, Some(project("coffee-chain.ron")));
    settle(&mut h);
    assert!(h.state().recovered.is_none());
    assert_eq!(
        h.state().doc.as_ref().unwrap().project.name,
        "Bean & Co coffee chain"
    );
}

#[test]
fn a_plot_is_saved_as_a_png_of_its_own_rectangle() {
    let mut h = harness_of_height(4000.0);
    open(&mut h, project("cdnow.ron"));
    h.get_by_label("Results").click();
    settle(&mut h);
    // Every plot of the page has its button.
    assert!(h.query_all_by_label("Save PNG…").count() >= 6);
    // The file dialog is the platform's; the command it leads to is tested here.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retention.png");
    h.state_mut()
        .command(Command::SavePlot("retention_plot".into(), path.clone()));
    // The plot asks for a screenshot when it is next drawn; this harness does not render, so
    // the test answers with a window-sized image of one colour.
    let mut callback = None;
    for _ in 0..5 {
        h.step();
        callback = h.output().viewport_output.values().find_map(|v| {
            v.commands.iter().find_map(|c| match c {
                eframe::egui::ViewportCommand::Screenshot(cb) => Some(cb.clone()),
                _ => None,
            })
        });
        if callback.is_some() {
            break;
        }
    }
    let callback = callback.expect("the plot asked for a screenshot");
    let ppp = h.ctx.pixels_per_point();
    let size = [(1280.0 * ppp) as usize, (4000.0 * ppp) as usize];
    let colour = eframe::egui::Color32::from_rgb(10, 200, 30);
    callback.complete(std::sync::Arc::new(eframe::egui::ColorImage::new(
        size,
        vec![colour; size[0] * size[1]],
    )));
    settle(&mut h);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    assert!(
        h.state().status.starts_with("saved the plot"),
        "{}",
        h.state().status
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    let reader = decoder.read_info().unwrap();
    let (w, hgt) = (reader.info().width, reader.info().height);
    // The retention plot is 220 points high and most of the page wide.
    assert_eq!(hgt, (220.0 * ppp).round() as u32);
    assert!(w > 600 && w <= 1280, "{w}");

    // A save whose plot is not on screen is reported, not left hanging.
    h.get_by_label("Overview").click();
    h.run_steps(2);
    h.state_mut()
        .command(Command::SavePlot("retention_plot".into(), path));
    h.run_steps(3);
    assert!(!h.state().is_busy());
    assert!(h.state().errors[0].contains("no longer on screen"));
}

#[test]
fn k_means_suggestions_are_reviewed_before_they_replace_the_segments() {
    let mut h = harness_of_height(3000.0);
    open(&mut h, project("coffee-chain.ron"));
    h.get_by_label("Segments (4)").click();
    settle(&mut h);
    h.get_by_label("k-means suggestions").click();
    settle(&mut h);
    let k = h.state().suggestion.as_ref().expect("clusters suggested").k;
    assert!((2..=10).contains(&k));
    let doc = h.state().doc.as_ref().unwrap();
    assert_eq!(
        doc.project.segments.len(),
        4,
        "nothing replaced before accepting"
    );
    assert!(!doc.is_dirty());
    h.get_by_label(&format!("k-means suggestion: {k} clusters"));
    // Dismissing leaves the segments as they were.
    h.get_by_label("Dismiss").click();
    h.run_steps(2);
    assert!(h.state().suggestion.is_none());
    assert_eq!(h.state().doc.as_ref().unwrap().project.segments.len(), 4);
    // Accepting replaces them with the suggested rules.
    h.get_by_label("k-means suggestions").click();
    settle(&mut h);
    h.get_by_label("Accept these segments").click();
    h.run_steps(2);
    let doc = h.state().doc.as_ref().unwrap();
    assert_eq!(doc.project.segments.len(), k);
    assert!(doc.is_dirty());
    assert!(h.state().suggestion.is_none());
}

#[test]
fn bad_inputs_of_the_corpus_show_an_error_and_leave_the_open_project_untouched() {
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad");
    let mut h = harness();
    open(&mut h, project("coffee-chain.ron"));
    let before = h.state().doc.as_ref().unwrap().project.clone();
    let rows = h.state().doc.as_ref().unwrap().data.as_ref().unwrap().len();
    for file in [
        "empty.ron",
        "truncated.ron",
        "garbled.ron",
        "binary_garbage.ron",
        "not_utf8.ron",
        "overflowing_integer.ron",
        "future_version.ron",
    ] {
        h.state_mut().command(Command::Open(bad.join(file)));
        settle(&mut h);
        assert_eq!(h.state().errors.len(), 1, "{file}: {:?}", h.state().errors);
        assert!(h.state().errors[0].contains(file), "{file} named");
        let doc = h.state().doc.as_ref().unwrap();
        assert_eq!(doc.project, before, "{file}: the open project is untouched");
        assert!(!doc.is_dirty());
        h.get_by_label("Dismiss").click();
        h.run_steps(2);
    }
    // Bad transaction files: the import wizard says why and imports nothing.
    for (file, why) in [
        ("binary_garbage.csv", "not a text file"),
        ("utf16.csv", "UTF-16"),
        ("empty.csv", "is empty"),
        ("folder.csv", "is a folder"),
        ("no_amount_column.csv", "no amount column"),
    ] {
        h.state_mut().command(Command::Import(bad.join(file)));
        h.run_steps(3);
        assert!(h.state().wizard.is_some(), "{file}: the wizard opens");
        assert!(
            h.query_by_label_contains(why).is_some(),
            "{file}: '{why}' shown"
        );
        let import = h.get_by_label("Import");
        assert!(
            import.accesskit_node().is_disabled(),
            "{file}: nothing to import"
        );
        h.get_by_label("Cancel").click();
        h.run_steps(2);
        assert!(h.state().wizard.is_none());
        let doc = h.state().doc.as_ref().unwrap();
        assert_eq!(doc.project, before, "{file}: the project is untouched");
        assert_eq!(
            doc.data.as_ref().unwrap().len(),
            rows,
            "{file}: the data too"
        );
    }
}

#[test]
fn a_pseudonymised_bundle_is_exported_and_opened_from_the_file_menu() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    h.state_mut().worker.key_file = Some(dir.path().join("test.key"));
    open(&mut h, project("coffee-chain.ron"));
    h.get_by_label("Results").click();
    settle(&mut h);
    h.get_by_label("File").click();
    h.run_steps(2);
    for item in [
        "Export bundle…",
        "Export pseudonymised bundle…",
        "Open bundle…",
    ] {
        assert!(
            !h.get_by_label(item).accesskit_node().is_disabled(),
            "{item}"
        );
    }
    // The dialogs are the platform's; the commands they lead to are tested here.
    let zip = dir.path().join("for a colleague");
    h.state_mut().command(Command::Bundle(zip.clone(), true));
    settle(&mut h);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    assert!(
        h.state().status.contains("pseudonymised"),
        "{}",
        h.state().status
    );
    let zip = zip.with_extension("zip");
    assert!(zip.is_file());
    assert!(
        dir.path().join("test.key").is_file(),
        "the key made where asked"
    );
    let before = h.state().doc.as_ref().unwrap().project.scenarios.clone();
    h.state_mut().command(Command::OpenBundle(zip.clone()));
    settle(&mut h);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    let doc = h.state().doc.as_ref().unwrap();
    assert_eq!(
        doc.path.as_deref(),
        Some(dir.path().join("for a colleague/project.ron").as_path())
    );
    assert_eq!(doc.project.scenarios, before, "exactly what was bundled");
    let data = doc.data.as_ref().unwrap();
    assert_eq!(data.customer_count(), 3000);
    assert!(
        data.customer_ids
            .iter()
            .all(|id| id.starts_with('P') && id.len() == 17),
        "no real id in the bundle: {:?}",
        &data.customer_ids[..3]
    );
    // Opening it again unpacks beside the first copy, never over it.
    h.state_mut().command(Command::OpenBundle(zip));
    settle(&mut h);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    assert!(dir.path().join("for a colleague 2/project.ron").is_file());
}

#[test]
fn ids_pseudonymised_on_import_stay_pseudonymised_in_every_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_of_height(1400.0);
    h.state_mut().worker.key_file = Some(dir.path().join("k.key"));
    open(&mut h, project("coffee-chain.ron"));
    h.state_mut().command(Command::ImportSettings);
    settle(&mut h);
    // In the harness a pointer click does not reach the wizard modal's checkboxes (under Xvfb
    // the real window ticks them with xdotool); the accessibility action does.
    h.get_by_label("Pseudonymise customer ids")
        .click_accesskit();
    h.run_steps(2);
    assert!(
        h.state().wizard.as_ref().unwrap().options.pseudonymise,
        "ticked"
    );
    h.get_by_label("Import").click();
    settle(&mut h);
    let doc = h.state().doc.as_ref().unwrap();
    assert!(doc.project.data.options.pseudonymise, "kept in the project");
    let data = doc.data.as_ref().unwrap();
    assert_eq!(data.customer_count(), 3000);
    assert!(data.customer_ids.iter().all(|id| id.starts_with('P')));
    // A plain bundle of this project is pseudonymised all the same.
    let zip = dir.path().join("plain.zip");
    h.state_mut().command(Command::Bundle(zip.clone(), false));
    settle(&mut h);
    assert!(
        h.state().status.contains("pseudonymised"),
        "{}",
        h.state().status
    );
    let into = dir.path().join("out");
    tierlab::data::bundle::open_bundle(&zip, &into).unwrap();
    let text = std::fs::read_to_string(into.join("data.csv")).unwrap();
    assert!(!text.contains("\nC0"), "no real id (C0…) in the bundle");
}

#[test]
fn a_customers_ledger_is_shown_on_the_results_page() {
    use eframe::egui::accesskit::Role;
    let mut h = harness_of_height(6000.0);
    open(&mut h, project("coffee-chain.ron"));
    h.get_by_label("Results").click();
    settle(&mut h);
    h.get_by_role_and_label(Role::TextInput, "Customer id")
        .click();
    h.run_steps(2);
    h.get_by_role_and_label(Role::TextInput, "Customer id")
        .type_text("C000007");
    h.run_steps(2);
    // The navigator and the plots' legends name the scenario too: the drop-down's option is
    // the one that appears when it opens.
    let shown = |h: &Harness<'static, AppState>| -> Vec<_> {
        h.get_all_by_role_and_label(Role::Button, "Bean tiers")
            .map(|n| n.accesskit_node().id())
            .collect()
    };
    let before = shown(&h);
    h.get_by_role_and_label(Role::ComboBox, "Scenario").click();
    h.run_steps(2);
    let option = shown(&h)
        .into_iter()
        .find(|id| !before.contains(id))
        .expect("the drop-down's option");
    h.get_all_by_role_and_label(Role::Button, "Bean tiers")
        .find(|n| n.accesskit_node().id() == option)
        .unwrap()
        .click();
    h.run_steps(2);
    assert_eq!(h.state().ledger.scenario, 1);
    h.get_by_label("Show ledger").click();
    settle(&mut h);
    let ledger = match &h.state().ledger.result {
        Some(Ok(l)) => l.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(ledger.scenario, "Bean tiers");
    // The same lines as `tierlab explain` prints.
    let project = h.state().doc.as_ref().unwrap().project.clone();
    let tx = h.state().doc.as_ref().unwrap().data.clone().unwrap();
    let pop = tierlab::sim::replay::Population::from_project(&project, &tx);
    let c = tx.find_customer("C000007").unwrap();
    let expected = tierlab::sim::replay::explain(&project, &project.scenarios[1], &tx, &pop, c);
    assert_eq!(ledger.lines, expected);
    let lines = expected.unwrap();
    h.get_by_label(&lines[0].event);
    h.get_by_label_contains("Customer C000007 (segment");
    // An id not in the data says so.
    h.get_by_role_and_label(Role::TextInput, "Customer id")
        .click();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "Customer id")
        .type_text("X");
    h.run_steps(2);
    h.get_by_label("Show ledger").click();
    settle(&mut h);
    h.get_by_label("no customer 'C000007X' in the data");
}

#[test]
fn synthetic_data_is_generated_from_the_personas_and_imported() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_of_height(2400.0);
    open(&mut h, project("coffee-chain.ron"));
    h.get_by_label("Data").click();
    h.run_steps(2);
    h.get_by_label("Synthetic data").click();
    h.run_steps(2);
    assert!(!h.get_by_label("Generate…").accesskit_node().is_disabled());
    h.get_by_label_contains("personas' synthetic profiles");
    h.state_mut().synthetic.customers = 300;
    // The save dialog is the platform's; the command it leads to is tested here.
    let out = dir.path().join("synthetic");
    h.state_mut().command(Command::Generate(out.clone()));
    settle(&mut h);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
    let out = out.with_extension("csv");
    assert!(out.is_file());
    let doc = h.state().doc.as_ref().unwrap();
    assert_eq!(doc.data.as_ref().unwrap().customer_count(), 300);
    assert!(doc.project.data.path.ends_with("synthetic.csv"));
    assert!(doc.is_dirty(), "the project now names the new file");
    // The same settings give the same file, as `tierlab generate` does.
    let first = std::fs::read(&out).unwrap();
    h.state_mut().command(Command::Generate(out.clone()));
    settle(&mut h);
    assert_eq!(std::fs::read(&out).unwrap(), first);
    // An impossible period cannot be generated.
    h.state_mut().synthetic.end = h.state().synthetic.start;
    h.run_steps(2);
    assert!(h.get_by_label("Generate…").accesskit_node().is_disabled());
}
