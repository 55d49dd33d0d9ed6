//! The Segments page: each segment's rule in precedence order with its measured size and revenue
//! share, and ready-made starting sets (RFM, ABC, k-means suggestions).

use eframe::egui;

use crate::format::{count, money, percent};
use crate::model::{Combine, UNASSIGNED};
use crate::sim::segments::presets::{abc_segments, rfm_segments};
use crate::ui::state::AppState;
use crate::ui::theme;

/// Draws the Segments page.
pub fn segments_ui(ui: &mut egui::Ui, state: &mut AppState) {
    if state.doc.is_none() {
        return;
    }
    ui.heading("Segments");
    ui.label(
        "Evaluated top to bottom: a customer belongs to the first segment whose rule matches.",
    );
    starting_sets_ui(ui, state);
    sizes_ui(ui, state);
    let Some(doc) = &state.doc else { return };
    for (i, s) in doc.project.segments.iter().enumerate() {
        if state.selected.is_some_and(|sel| sel != i) {
            continue;
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            theme::colour_dot(ui, s.colour);
            ui.strong(format!("{}. {}", i + 1, s.name));
        });
        if !s.description.is_empty() {
            ui.label(&s.description);
        }
        let joiner = match s.rule.combine {
            Combine::All => " and ",
            Combine::Any => " or ",
        };
        let rule: Vec<String> = s
            .rule
            .conditions
            .iter()
            .map(|c| format!("{} {} {}", c.feature.label(), c.op.symbol(), c.value))
            .collect();
        ui.label(if rule.is_empty() {
            match s.rule.combine {
                Combine::All => "every customer".to_string(),
                Combine::Any => "no customer".to_string(),
            }
        } else {
            rule.join(joiner)
        });
    }
    super::problems_ui(ui, &doc.project, "segments");
}

/// Buttons that replace the segments with a ready-made set.
fn starting_sets_ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Start from:");
        if ui
            .button("RFM segments")
            .on_hover_text("The eleven named RFM segments (Champions … Lost) on recency and frequency scores 1–5")
            .clicked()
        {
            state.replace_segments(rfm_segments(), "the RFM segments");
        }
        if ui
            .button("ABC analysis")
            .on_hover_text("A = customers making the top 80% of revenue, B the next 15%, C the rest")
            .clicked()
        {
            state.replace_segments(abc_segments(80.0, 95.0), "ABC classes");
        }
        let data = state.doc.as_ref().and_then(|d| d.data.clone());
        let seed = state.doc.as_ref().map_or(42, |d| d.project.settings.seed);
        if ui
            .add_enabled(data.is_some(), egui::Button::new("k-means suggestions"))
            .on_hover_text("Clusters of customers on recency, frequency, basket and tenure; k chosen by silhouette (2–10)")
            .clicked()
            && let Some(tx) = data
        {
            let ctx = ui.ctx().clone();
            state.worker.suggest_segments(&ctx, seed, tx);
            state.status = "clustering customers…".into();
        }
    });
    ui.small("Replacing the segments detaches personas from segments that are gone; the file on disk changes only when you save.");
}

/// The measured sizes of the segments.
fn sizes_ui(ui: &mut egui::Ui, state: &AppState) {
    let Some((_, report)) = &state.segment_report else {
        if state.doc.as_ref().is_some_and(|d| d.data.is_some()) {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("measuring segments…");
            });
        }
        return;
    };
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        ui.strong(format!(
            "{} customers at {}",
            count(report.customers),
            report.as_of
        ));
        if state.segments_stale() {
            ui.colored_label(theme::WARNING, "(updating…)");
        }
    });
    egui::Grid::new("segment_sizes")
        .striped(true)
        .num_columns(6)
        .show(ui, |ui| {
            for h in [
                "segment",
                "customers",
                "revenue share",
                "frequency",
                "basket",
                "median recency (days)",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for s in &report.segments {
                let p = &s.profile;
                if s.name == UNASSIGNED {
                    ui.colored_label(theme::WARNING, &s.name);
                } else {
                    ui.label(&s.name);
                }
                ui.label(format!(
                    "{} ({})",
                    count(s.customers),
                    percent(Some(s.share))
                ));
                ui.label(percent(Some(s.revenue_share)));
                ui.label(format!("{:.1}", p.frequency));
                ui.label(money(p.average_basket));
                ui.label(format!("{:.0}", p.recency_days.p50));
                ui.end_row();
            }
        });
}
