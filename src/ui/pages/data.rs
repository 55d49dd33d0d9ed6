//! The Data page: the transaction file, the columns used, the import report with the rejected
//! rows, revenue and active customers per month, and the synthetic-data generator.

use eframe::egui;

use egui_plot::{Bar, BarChart, Line, PlotPoints};

use crate::data::store::MonthActivity;
use crate::format::{count, money};
use crate::ui::plot_export::png_button_ui;
use crate::ui::state::{AppState, Command};
use crate::ui::theme;
use crate::ui::widgets::{
    Reading, bar_label_room, date_ui, month_axis, month_hover, month_label, plot,
};

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
                let per = |a: f64, b: usize| if b > 0 { a / b as f64 } else { 0.0 };
                let rows: [(&str, String); 15] = [
                    ("Customers", count(r.customers as u64)),
                    ("Transactions", count(r.transactions as u64)),
                    (
                        "Transactions per customer",
                        format!("{:.1}", per(r.transactions as f64, r.customers)),
                    ),
                    (
                        "Average transaction",
                        format!(
                            "{} {}",
                            money(per(r.revenue, r.transactions)),
                            doc.project.currency
                        ),
                    ),
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
                    ("Text encoding", r.encoding_text()),
                ];
                for (k, v) in rows {
                    ui.label(k);
                    ui.label(v);
                    ui.end_row();
                }
            });
        monthly_ui(ui, &r.monthly, &doc.project.currency);
        if r.rejected > 0 {
            ui.add_space(6.0);
            ui.colored_label(theme::WARNING, {
                let verb = if r.rejected == 1 { "was" } else { "were" };
                format!(
                    "{} {verb} rejected:",
                    crate::format::counted(r.rejected, "row")
                )
            });
            for (reason, n) in &r.rejects_by_reason {
                ui.label(format!("  {reason}: {}", crate::format::count(*n)));
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
    synthetic_ui(ui, state, &mut cmd);
    if let Some(c) = cmd {
        state.command(c);
    }
}

/// The generator's settings on the Data page.
#[derive(Clone, Debug)]
pub struct SyntheticForm {
    /// Customers to draw.
    pub customers: usize,
    /// First day of the history.
    pub start: crate::model::Date,
    /// Last day of the history.
    pub end: crate::model::Date,
    /// Seed: the same seed gives the same file.
    pub seed: u64,
}

impl Default for SyntheticForm {
    fn default() -> Self {
        SyntheticForm {
            customers: 2000,
            start: crate::model::Date::from_ymd(2023, 1, 1).unwrap_or(crate::model::Date(0)),
            end: crate::model::Date::from_ymd(2024, 12, 31).unwrap_or(crate::model::Date(730)),
            seed: 42,
        }
    }
}

/// The synthetic-data generator (what `tierlab generate` does): a transaction file drawn from the
/// personas' `synthetic` profiles, or from a default mix when none has one.
fn synthetic_ui(ui: &mut egui::Ui, state: &mut AppState, cmd: &mut Option<Command>) {
    let Some(doc) = &state.doc else { return };
    let from_personas = doc.project.personas.iter().any(|p| p.synthetic.is_some());
    ui.add_space(10.0);
    egui::CollapsingHeader::new("Synthetic data")
        .default_open(doc.project.data.path.is_empty())
        .show(ui, |ui| {
            ui.label(if from_personas {
                "Draw a transaction history from the personas' synthetic profiles (BG/NBD \
                 purchasing, Gamma-Gamma spend), to try programmes before real data arrives."
            } else {
                "Draw a transaction history from a default mix of customers (no persona has a \
                 synthetic profile), to try programmes before real data arrives."
            });
            let form = &mut state.synthetic;
            egui::Grid::new("synthetic_form")
                .num_columns(2)
                .spacing([12.0, 4.0])
                .show(ui, |ui| {
                    let l = ui.label("Customers");
                    ui.add(egui::DragValue::new(&mut form.customers).range(1..=2_000_000))
                        .labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("First day");
                    date_ui(ui, "synthetic_start", l.id, &mut form.start);
                    ui.end_row();
                    let l = ui.label("Last day");
                    date_ui(ui, "synthetic_end", l.id, &mut form.end);
                    ui.end_row();
                    let l = ui.label("Seed");
                    ui.add(egui::DragValue::new(&mut form.seed))
                        .labelled_by(l.id);
                    ui.end_row();
                });
            let ok = form.end > form.start;
            if ui
                .add_enabled(ok, egui::Button::new("Generate…"))
                .on_hover_text("choose where to write the CSV; the project then uses it")
                .on_disabled_hover_text("the last day must come after the first")
                .clicked()
            {
                *cmd = Some(Command::GenerateDialog);
            }
        });
}

/// Revenue and active customers per month of the imported history, side by side.
fn monthly_ui(ui: &mut egui::Ui, monthly: &[MonthActivity], currency: &str) {
    let Some(first) = monthly.first().map(|m| m.month) else {
        return;
    };
    ui.add_space(8.0);
    let [low, high] = bar_label_room(monthly.iter().map(|m| m.revenue));
    ui.columns(2, |cols| {
        cols[0].strong(format!("Revenue per month ({currency})"));
        let shown = cols[0].scope(|ui| {
            month_axis(plot("data_revenue_plot"), first)
                .height(200.0)
                .include_y(low)
                .include_y(high)
                .show(ui, |plot| {
                    let bars: Vec<Bar> = monthly
                        .iter()
                        .enumerate()
                        .map(|(k, m)| {
                            Bar::new(k as f64, m.revenue)
                                .width(0.8)
                                .name(month_label(first, k as f64))
                        })
                        .collect();
                    plot.bar_chart(
                        BarChart::new("revenue", bars)
                            .color(theme::series(0))
                            .element_formatter(Box::new(|bar, _| {
                                format!("{}: {}", bar.name, crate::format::money(bar.value))
                            })),
                    );
                })
        });
        png_button_ui(&mut cols[0], "data_revenue_plot", shown.response.rect);
        cols[1].strong("Active customers per month");
        let shown = cols[1].scope(|ui| {
            month_axis(plot("data_active_plot"), first)
                .height(200.0)
                .include_y(0.0)
                .label_formatter(month_hover(first, Reading::Count("customer")))
                .show(ui, |plot| {
                    let points: Vec<[f64; 2]> = monthly
                        .iter()
                        .enumerate()
                        .map(|(k, m)| [k as f64, m.active_customers as f64])
                        .collect();
                    plot.line(
                        Line::new("active customers", PlotPoints::from(points))
                            .color(theme::series(1)),
                    );
                })
        });
        png_button_ui(&mut cols[1], "data_active_plot", shown.response.rect);
    });
}
