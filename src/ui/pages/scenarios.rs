//! The Scenarios page: each programme's tiers, earning, rewards and expiry.

use eframe::egui;

use crate::model::Expiry;
use crate::ui::state::AppState;

/// Draws the Scenarios page.
pub fn scenarios_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let Some(doc) = &state.doc else { return };
    ui.heading("Scenarios");
    for (i, s) in doc.project.scenarios.iter().enumerate() {
        if state.selected.is_some_and(|sel| sel != i) {
            continue;
        }
        ui.add_space(6.0);
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.strong(&s.name);
            if !s.description.is_empty() {
                ui.label(&s.description);
            }
            if s.tiers.is_empty() {
                ui.label("Flat points programme (no tiers).");
            } else {
                egui::Grid::new(("tiers", i)).num_columns(7).striped(true).show(ui, |ui| {
                    for h in ["Tier", "Metric", "Enter at", "Retain at", "Earn ×", "Benefit cost / year", "Discount %"] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for t in &s.tiers {
                        ui.label(&t.name);
                        ui.label(t.metric.label());
                        ui.label(t.enter_threshold.to_string());
                        ui.label(t.retain_threshold.to_string());
                        ui.label(t.earn_multiplier.to_string());
                        ui.label(t.annual_benefit_cost.to_string());
                        ui.label(t.discount_pct.to_string());
                        ui.end_row();
                    }
                });
            }
            let q = &s.qualification;
            ui.label(format!(
                "Window: {}; downgrade: {}; grace {} days. Earning {} point(s) per {}; enrolment {}%.",
                q.window.label(),
                q.downgrade.label(), q.grace_days, s.earning.points_per_currency_unit, doc.project.currency, s.enrolment_rate_pct
            ));
            let expiry = match s.expiry {
                Expiry::Never => "points never expire".to_string(),
                Expiry::AfterEarning { months } => format!("points expire {months} months after earning"),
                Expiry::AfterInactivity { months } => format!("points expire after {months} months without a purchase"),
            };
            ui.label(format!("Rewards: {}; {expiry}.", s.rewards.len()));
        });
    }
    super::problems_ui(ui, &doc.project, "scenarios");
}
