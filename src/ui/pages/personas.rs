//! The Personas page: narrative and behavioural response of each persona.

use eframe::egui;

use crate::ui::state::AppState;
use crate::ui::theme;

/// Draws the Personas page.
pub fn personas_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let Some(doc) = &state.doc else { return };
    ui.heading("Personas");
    for (i, p) in doc.project.personas.iter().enumerate() {
        if state.selected.is_some_and(|sel| sel != i) {
            continue;
        }
        ui.add_space(6.0);
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.horizontal(|ui| {
                theme::colour_dot(ui, p.colour);
                ui.strong(&p.name);
                ui.label(format!("— segment: {}", if p.segment.is_empty() { "all customers" } else { &p.segment }));
            });
            let n = &p.narrative;
            for (label, text) in [
                ("Summary", &n.summary),
                ("Motivations", &n.motivations),
                ("Pain points", &n.pain_points),
                ("Preferred rewards", &n.preferred_rewards),
            ] {
                if !text.is_empty() {
                    ui.label(egui::RichText::new(label).italics());
                    ui.label(text);
                }
            }
            let r = &p.response;
            ui.label(format!(
                "Response: frequency +{}%, basket +{}%, dropout −{}% per tier, goal gradient +{}% within {}%, redemption propensity {}, enrolment propensity {}",
                r.frequency_uplift_pct,
                r.basket_uplift_pct,
                r.dropout_reduction_pct_per_tier,
                r.goal_gradient_pct,
                r.goal_gradient_distance_pct,
                r.redemption_propensity,
                r.enrolment_propensity
            ));
        });
    }
    super::problems_ui(ui, &doc.project, "personas");
}
