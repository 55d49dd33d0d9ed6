//! The customer ledger on the Results page: one customer's history under a scenario, line by
//! line (what `tierlab explain` prints), worked out on a worker thread.

use eframe::egui;

use crate::sim::replay::LedgerLine;
use crate::ui::state::{AppState, Command};
use crate::ui::theme;

/// What the ledger view asks for and shows.
#[derive(Clone, Debug, Default)]
pub struct LedgerView {
    /// The customer id typed.
    pub customer: String,
    /// The scenario chosen (index into the project's scenarios).
    pub scenario: usize,
    /// The last answer, or why there is none.
    pub result: Option<Result<Ledger, String>>,
}

/// One customer's ledger under one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Ledger {
    /// The customer id.
    pub customer: String,
    /// The scenario's name.
    pub scenario: String,
    /// The customer's segment.
    pub segment: String,
    /// The lines (`None`: the customer did not join, or bought nothing after the launch).
    pub lines: Option<Vec<LedgerLine>>,
}

/// Draws the customer ledger section.
pub fn ledger_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let Some(doc) = &state.doc else { return };
    let names: Vec<String> = doc
        .project
        .scenarios
        .iter()
        .map(|s| s.name.clone())
        .collect();
    if names.is_empty() || doc.data.is_none() {
        return;
    }
    ui.add_space(12.0);
    ui.strong("Customer ledger");
    ui.label("One customer's purchases, points, tier changes, redemptions and expiries under a scenario.");
    let view = &mut state.ledger;
    view.scenario = view.scenario.min(names.len() - 1);
    let mut show = false;
    ui.horizontal(|ui| {
        let l = ui.label("Customer id");
        let edit = ui
            .add(egui::TextEdit::singleline(&mut view.customer).desired_width(160.0))
            .labelled_by(l.id);
        show |= edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let l = ui.label("Scenario");
        egui::ComboBox::from_id_salt("ledger_scenario")
            .selected_text(names[view.scenario].as_str())
            .show_ui(ui, |ui| {
                for (k, name) in names.iter().enumerate() {
                    ui.selectable_value(&mut view.scenario, k, name.as_str());
                }
            })
            .response
            .labelled_by(l.id);
        show |= ui
            .add_enabled(
                !view.customer.trim().is_empty(),
                egui::Button::new("Show ledger"),
            )
            .clicked();
    });
    if show {
        let (customer, scenario) = (view.customer.trim().to_string(), view.scenario);
        state.command(Command::Explain(customer, scenario));
    }
    match &state.ledger.result {
        None => {}
        Some(Err(e)) => {
            ui.colored_label(theme::ERROR, e);
        }
        Some(Ok(l)) => ledger_table_ui(ui, l),
    }
}

fn ledger_table_ui(ui: &mut egui::Ui, l: &Ledger) {
    ui.label(format!(
        "Customer {} (segment {}) under \"{}\"",
        l.customer, l.segment, l.scenario
    ));
    let Some(lines) = &l.lines else {
        ui.label("Did not join the programme, or bought nothing after the launch.");
        return;
    };
    egui::ScrollArea::vertical()
        .id_salt("ledger_lines")
        .max_height(320.0)
        .show(ui, |ui| {
            egui::Grid::new("ledger_grid")
                .striped(true)
                .spacing([18.0, 3.0])
                .show(ui, |ui| {
                    for h in ["date", "event", "points", "balance", "tier"] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for line in lines {
                        ui.label(line.day.to_string());
                        ui.label(&line.event);
                        ui.label(if line.points == 0 {
                            String::new()
                        } else {
                            format!("{:+}", line.points)
                        });
                        ui.label(line.balance.to_string());
                        ui.label(line.tier.as_deref().unwrap_or(""));
                        ui.end_row();
                    }
                });
        });
}
