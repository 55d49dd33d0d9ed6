//! The Overview page: the project's name, description, currency and engine settings.

use eframe::egui;

use crate::model::{Date, Period, TransactionModel};
use crate::ui::state::AppState;
use crate::ui::widgets;

/// Draws the Overview page.
pub fn overview_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let Some(doc) = &mut state.doc else { return };
    let p = &mut doc.project;
    ui.heading("Project");
    egui::Grid::new("overview_grid")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let label = ui.label("Name");
            ui.add(
                egui::TextEdit::singleline(&mut p.name)
                    .id_salt("project_name")
                    .desired_width(360.0),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Description");
            ui.add(
                egui::TextEdit::multiline(&mut p.description)
                    .id_salt("project_description")
                    .desired_width(360.0)
                    .desired_rows(3),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Currency");
            ui.add(
                egui::TextEdit::singleline(&mut p.currency)
                    .id_salt("project_currency")
                    .desired_width(60.0),
            )
            .labelled_by(label.id);
            ui.end_row();
            ui.label("File");
            ui.label(
                doc.path
                    .as_ref()
                    .map_or("not saved yet".to_string(), |p| p.display().to_string()),
            );
            ui.end_row();
        });
    ui.add_space(8.0);
    ui.heading("Settings");
    let s = &mut p.settings;
    egui::Grid::new("settings_grid")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let l = ui.label("Projection horizon (months)");
            ui.add(egui::DragValue::new(&mut s.horizon_months).range(1..=120))
                .labelled_by(l.id);
            ui.end_row();
            let l = ui.label("Monte Carlo runs");
            ui.add(egui::DragValue::new(&mut s.monte_carlo_runs).range(1..=100_000))
                .labelled_by(l.id);
            ui.end_row();
            let l = ui.label("Seed");
            ui.add(egui::DragValue::new(&mut s.seed)).labelled_by(l.id);
            ui.end_row();
            let l = ui.label("Gross margin (%)");
            ui.add(
                egui::DragValue::new(&mut s.gross_margin_pct)
                    .range(0.0..=100.0)
                    .speed(0.5),
            )
            .labelled_by(l.id);
            ui.end_row();
            let l = ui.label("Discount rate (% a year)");
            ui.add(
                egui::DragValue::new(&mut s.discount_rate_pct)
                    .range(0.0..=100.0)
                    .speed(0.5),
            )
            .labelled_by(l.id);
            ui.end_row();
            let (first, last) = doc
                .report
                .as_ref()
                .map_or((None, None), |r| (r.first_date, r.last_date));
            let fallback = Date::from_ymd(2024, 1, 1).unwrap_or(Date(0));
            let l = ui.label("Programme launch");
            widgets::optional_date_ui(
                ui,
                "launch_date",
                l.id,
                &mut s.launch_date,
                first.unwrap_or(fallback),
                "on",
                "the first transaction day",
            );
            ui.end_row();
            let l = ui.label("Calibration end");
            widgets::optional_date_ui(
                ui,
                "calibration_end",
                l.id,
                &mut s.calibration_end,
                last.unwrap_or(fallback),
                "on",
                "the last transaction day",
            );
            ui.end_row();
            let l = ui.label("Customer model");
            egui::ComboBox::from_id_salt("transaction_model")
                .selected_text(format!("{} + Gamma-Gamma", s.transaction_model.label()))
                .show_ui(ui, |ui| {
                    for m in [
                        TransactionModel::BgNbd,
                        TransactionModel::MbgNbd,
                        TransactionModel::ParetoNbd,
                    ] {
                        ui.selectable_value(
                            &mut s.transaction_model,
                            m,
                            format!("{} + Gamma-Gamma", m.label()),
                        );
                    }
                })
                .response
                .labelled_by(l.id);
            ui.end_row();
            let l = ui.label("Fitted per");
            egui::ComboBox::from_id_salt("model_period")
                .selected_text(s.model_period.label())
                .show_ui(ui, |ui| {
                    for period in [Period::Day, Period::Week, Period::Month] {
                        ui.selectable_value(&mut s.model_period, period, period.label());
                    }
                })
                .response
                .labelled_by(l.id);
            ui.end_row();
        });
    ui.add_space(8.0);
    ui.heading("Validation");
    // The project's own problems, then what its data shows (as `tierlab validate` lists them).
    let mut problems = p.validate();
    if let (Some(tx), Some(report)) = (&doc.data, &doc.report) {
        problems.extend(crate::data::checks::problems_with_data(p, tx, report));
    }
    if problems.is_empty() {
        ui.colored_label(crate::ui::theme::OK, "No problems found.");
    }
    super::problems_ui(ui, &problems, "");
}
