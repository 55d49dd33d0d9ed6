//! The Results page: the scenarios replayed side by side with their month-by-month cost and
//! outstanding points, then their projection against no programme.

use eframe::egui;
use egui_plot::{Line, PlotPoints};

use crate::sim::replay::{Replay, comparison_measures};
use crate::ui::state::AppState;
use crate::ui::theme;
use crate::ui::widgets::{Reading, month_axis, month_hover, placed_legend, plot};

/// Height of the page's plots, in points.
const PLOT_HEIGHT_PX: f32 = 200.0;

/// Draws the Results page.
pub fn results_ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.heading("Results: the programmes replayed on the history");
    if let Some(run) = &state.run {
        ui.add(egui::ProgressBar::new(run.progress() as f32).text("replaying and projecting…"));
    }
    let Some((_, replays)) = &state.results else {
        match state.doc.as_ref() {
            Some(d) if d.data.is_none() => ui.label("Import transactions to see results."),
            Some(d) if !d.project.is_valid() => ui.colored_label(
                theme::ERROR,
                "Fix the project's errors (Overview) to see results.",
            ),
            _ => ui.label("Working…"),
        };
        return;
    };
    if state.results_stale() {
        let valid = state.doc.as_ref().is_some_and(|d| d.project.is_valid());
        ui.colored_label(
            theme::WARNING,
            if valid {
                "These results are for an earlier version of the project; new ones are on the way."
            } else {
                "These results are for the last valid version of the project: fix its errors \
                 (shown on the Overview and at the fields) to see the effect of the edits."
            },
        );
    }
    comparison_ui(ui, replays);
    ui.add_space(10.0);
    ui.strong("Cumulative programme cost");
    monthly_plot_ui(ui, "cost_plot", replays, Reading::Money, |r| {
        let mut total = 0.0;
        r.monthly
            .iter()
            .enumerate()
            .map(|(k, m)| {
                total += m.totals.total_cost();
                [k as f64, total]
            })
            .collect()
    });
    ui.strong("Points outstanding at month end");
    monthly_plot_ui(
        ui,
        "outstanding_plot",
        replays,
        Reading::Count("point"),
        |r| {
            r.monthly
                .iter()
                .enumerate()
                .map(|(k, m)| [k as f64, m.totals.points_outstanding as f64])
                .collect()
        },
    );
    ui.add_space(16.0);
    super::projection::projection_ui(ui, state);
    super::ledger::ledger_ui(ui, state);
}

fn comparison_ui(ui: &mut egui::Ui, replays: &[Replay]) {
    egui::Grid::new("comparison")
        .num_columns(replays.len() + 1)
        .striped(true)
        .spacing([24.0, 4.0])
        .show(ui, |ui| {
            ui.label("");
            for r in replays {
                ui.strong(&r.scenario);
            }
            ui.end_row();
            for (label, show) in comparison_measures() {
                ui.label(label);
                for r in replays {
                    ui.label(show(r));
                }
                ui.end_row();
            }
        });
}

fn monthly_plot_ui(
    ui: &mut egui::Ui,
    id: &str,
    replays: &[Replay],
    reading: Reading,
    series: impl Fn(&Replay) -> Vec<[f64; 2]>,
) {
    let Some(first) = replays
        .first()
        .and_then(|r| r.monthly.first())
        .map(|m| m.month)
    else {
        return;
    };
    let lines: Vec<Vec<[f64; 2]>> = replays.iter().map(series).collect();
    let ink: Vec<[f64; 3]> = lines.iter().flatten().map(|&[x, y]| [x, y, y]).collect();
    let shown = ui.scope(|ui| {
        let plot = month_axis(plot(id), first);
        placed_legend(
            plot,
            theme::legend(),
            &ink,
            &[],
            replays.len(),
            PLOT_HEIGHT_PX,
        )
        .label_formatter(month_hover(first, reading))
        .show(ui, |plot| {
            // The same colour per scenario as in the projection's plots.
            for (k, (r, line)) in replays.iter().zip(lines).enumerate() {
                plot.line(
                    Line::new(r.scenario.clone(), PlotPoints::from(line)).color(theme::series(k)),
                );
            }
        })
    });
    crate::ui::plot_export::png_button_ui(ui, id, shown.response.rect);
}
