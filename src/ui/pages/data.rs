//! The Data page: the transaction file, the columns used and the import report.

use eframe::egui;

use crate::format::{count, money};
use crate::ui::state::{AppState, Command};
use crate::ui::theme;

/// Draws the Data page.
pub fn data_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let Some(doc) = &state.doc else { return };
    ui.heading("Data");
    let mut cmd = None;
    ui.horizontal(|ui| {
        ui.label("Transaction file:");
        ui.monospace(if doc.project.data.path.is_empty() {
            "(none)"
        } else {
            &doc.project.data.path
        });
        if ui.button("Choose…").clicked() {
            cmd = Some(Command::ImportDialog);
        }
        if !doc.project.data.path.is_empty() {
            if ui
                .button("Columns and format…")
                .on_hover_text("preview the file, map its columns, set its date format")
                .clicked()
            {
                cmd = Some(Command::ImportSettings);
            }
            if ui.button("Re-import").clicked() {
                cmd = Some(Command::Reimport);
            }
        }
    });
    if let Some(e) = &doc.data_error {
        ui.colored_label(theme::ERROR, e);
    }
    if let Some(r) = &doc.report {
        ui.add_space(6.0);
        ui.strong("Import report");
        let date = |d: Option<crate::model::Date>| d.map_or("-".to_string(), |d| d.to_string());
        egui::Grid::new("import_report")
            .num_columns(2)
            .striped(true)
            .spacing([16.0, 4.0])
            .show(ui, |ui| {
                let rows: [(&str, String); 12] = [
                    ("Customers", count(r.customers as u64)),
                    ("Transactions", count(r.transactions as u64)),
                    ("Rows read", count(r.rows_read)),
                    ("Rows rejected", count(r.rejected)),
                    ("First date", date(r.first_date)),
                    ("Last date", date(r.last_date)),
                    (
                        "Revenue",
                        format!("{} {}", money(r.revenue), doc.project.currency),
                    ),
                    ("Refunds", count(r.refunds)),
                    (
                        "Columns",
                        format!(
                            "customer = {}, date = {}, amount = {}",
                            r.columns.customer, r.columns.date, r.columns.amount
                        ),
                    ),
                    (
                        "Category column",
                        r.columns.category.clone().unwrap_or_else(|| "-".into()),
                    ),
                    (
                        "Delimiter / date format",
                        format!("{} / {}", r.delimiter, r.date_format),
                    ),
                    (
                        "Decimal comma",
                        if r.decimal_comma { "yes" } else { "no" }.into(),
                    ),
                ];
                for (k, v) in rows {
                    ui.label(k);
                    ui.label(v);
                    ui.end_row();
                }
            });
        if r.rejected > 0 {
            ui.add_space(6.0);
            ui.colored_label(
                theme::WARNING,
                format!("{} rows were rejected:", r.rejected),
            );
            for (reason, n) in &r.rejects_by_reason {
                ui.label(format!("  {reason}: {n}"));
            }
            egui::Grid::new("rejects")
                .num_columns(3)
                .striped(true)
                .show(ui, |ui| {
                    ui.strong("Line");
                    ui.strong("Field");
                    ui.strong("Problem");
                    ui.end_row();
                    for rej in r.rejects.iter().take(200) {
                        ui.label(rej.line.to_string());
                        ui.label(&rej.field);
                        ui.label(&rej.detail);
                        ui.end_row();
                    }
                });
        }
    }
    if let Some(c) = cmd {
        state.command(c);
    }
}
