//! The Segments page: each segment's rule in precedence order with its measured size and revenue
//! share, ready-made starting sets (RFM, ABC, k-means suggestions), segment sizes over time and
//! the migration matrix.

use eframe::egui;
use egui_plot::{FilledArea, Legend, Plot};

use crate::format::{count, money, percent};
use crate::model::{Combine, UNASSIGNED};
use crate::sim::segments::presets::{abc_segments, rfm_segments};
use crate::sim::segments::report::Migration;
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
    if let Some((_, report)) = &state.segment_report {
        migration_ui(ui, &report.migration, state);
    }
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

/// Segment sizes at each period end (stacked) and the moves between the last two period ends
/// as a heat map: each row is where the customers of a segment were, each column where they are.
fn migration_ui(ui: &mut egui::Ui, m: &Migration, state: &AppState) {
    if m.periods.len() < 2 {
        return;
    }
    let colours: Vec<egui::Color32> = m
        .segments
        .iter()
        .enumerate()
        .map(|(k, name)| {
            state
                .doc
                .as_ref()
                .and_then(|d| d.project.segments.iter().find(|s| &s.name == name))
                .map_or(theme::series(k), |s| theme::colour(s.colour))
        })
        .collect();
    ui.add_space(8.0);
    ui.strong("Segment sizes over time");
    let periods = m.periods.clone();
    Plot::new("segment_sizes_plot")
        .height(200.0)
        .legend(Legend::default().position(egui_plot::Corner::LeftTop))
        .allow_scroll(false)
        .x_axis_formatter(move |mark, _| {
            let k = mark.value.round();
            if (mark.value - k).abs() > 1e-6 || k < 0.0 {
                return String::new();
            }
            periods
                .get(k as usize)
                .map_or(String::new(), |d| d.to_string())
        })
        .show(ui, |plot| {
            let xs: Vec<f64> = (0..m.periods.len()).map(|k| k as f64).collect();
            let mut below = vec![0.0; m.periods.len()];
            for (j, name) in m.segments.iter().enumerate() {
                let top: Vec<f64> = below
                    .iter()
                    .zip(&m.sizes)
                    .map(|(b, row)| b + row.get(j).copied().unwrap_or(0) as f64)
                    .collect();
                plot.add(
                    FilledArea::new(name.clone(), &xs, &below, &top)
                        .fill_color(colours[j].gamma_multiply(0.7)),
                );
                below = top;
            }
        });
    let (Some(from), Some(to)) = (m.periods.get(m.periods.len() - 2), m.periods.last()) else {
        return;
    };
    ui.strong(format!("Moves between segments, {from} to {to}"));
    ui.small("Row: the segment at the start (or new customers); column: the segment at the end; shading: share of the row.");
    egui::Grid::new("migration_matrix")
        .striped(false)
        .spacing([10.0, 4.0])
        .show(ui, |ui| {
            ui.label("");
            for name in &m.segments {
                ui.strong(name);
            }
            ui.end_row();
            for (row, name) in m.matrix.iter().zip(&m.from) {
                ui.strong(name);
                let total: u64 = row.iter().sum();
                for &n in row {
                    let share = if total > 0 {
                        n as f32 / total as f32
                    } else {
                        0.0
                    };
                    let fill = theme::series(0).gamma_multiply(0.15 + 0.85 * share);
                    egui::Frame::new()
                        .fill(if n > 0 {
                            fill
                        } else {
                            egui::Color32::TRANSPARENT
                        })
                        .inner_margin(egui::Margin::symmetric(6, 2))
                        .show(ui, |ui| {
                            ui.label(count(n));
                        });
                }
                ui.end_row();
            }
        });
}
