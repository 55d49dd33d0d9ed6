//! The Overview page: the project's name, description, currency and engine settings.

use eframe::egui;

use crate::ui::state::AppState;

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
            ui.label("Projection horizon (months)");
            ui.add(egui::DragValue::new(&mut s.horizon_months).range(1..=120));
            ui.end_row();
            ui.label("Monte Carlo runs");
            ui.add(egui::DragValue::new(&mut s.monte_carlo_runs).range(1..=100_000));
            ui.end_row();
            ui.label("Seed");
            ui.add(egui::DragValue::new(&mut s.seed));
            ui.end_row();
            ui.label("Gross margin (%)");
            ui.add(
                egui::DragValue::new(&mut s.gross_margin_pct)
                    .range(0.0..=100.0)
                    .speed(0.5),
            );
            ui.end_row();
            ui.label("Discount rate (% a year)");
            ui.add(
                egui::DragValue::new(&mut s.discount_rate_pct)
                    .range(0.0..=100.0)
                    .speed(0.5),
            );
            ui.end_row();
            ui.label("Programme launch");
            ui.label(
                s.launch_date
                    .map_or("first transaction day".into(), |d| d.to_string()),
            );
            ui.end_row();
            ui.label("Calibration end");
            ui.label(
                s.calibration_end
                    .map_or("last transaction day".into(), |d| d.to_string()),
            );
            ui.end_row();
            ui.label("Customer model");
            ui.label(format!(
                "{} + Gamma-Gamma, fitted per {}",
                s.transaction_model.label(),
                s.model_period.label()
            ));
            ui.end_row();
        });
    ui.add_space(8.0);
    ui.heading("Validation");
    let problems = p.validate();
    if problems.is_empty() {
        ui.colored_label(crate::ui::theme::OK, "No problems found.");
    }
    super::problems_ui(ui, p, "");
}
