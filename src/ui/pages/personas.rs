//! The Personas page: narrative and behavioural response of each persona.

use eframe::egui;

use crate::format::{count, money, percent};
use crate::model::UNASSIGNED;
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
            profile_ui(ui, state, &p.segment);
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

/// The measured profile of the persona's segment (all customers when it has none).
fn profile_ui(ui: &mut egui::Ui, state: &AppState, segment: &str) {
    let Some((_, report)) = &state.segment_report else {
        return;
    };
    let row = report.segments.iter().find(|s| s.name == segment);
    let (customers, share, revenue_share, p) = match row {
        Some(r) => (r.customers, r.share, r.revenue_share, Some(&r.profile)),
        None if segment.is_empty() => (report.customers, 1.0, 1.0, None),
        None => return,
    };
    ui.add_space(4.0);
    ui.label(egui::RichText::new("Measured").italics());
    ui.label(format!(
        "{} customers ({} of all), {} of revenue",
        count(customers),
        percent(Some(share)),
        percent(Some(revenue_share)),
    ));
    let Some(p) = p else { return };
    ui.label(format!(
        "{:.1} purchase days, {} per purchase, median recency {:.0} days{}{}",
        p.frequency,
        money(p.average_basket),
        p.recency_days.p50,
        p.p_alive.map_or(String::new(), |a| format!(
            ", P(alive) {}",
            percent(Some(a))
        )),
        if segment == UNASSIGNED {
            " (unassigned)"
        } else {
            ""
        },
    ));
    ui.horizontal_wrapped(|ui| {
        ui.label("Recency:");
        for b in &p.recency_distribution {
            ui.add(
                egui::ProgressBar::new(b.share as f32)
                    .desired_width(150.0)
                    .text(format!("{} {}", b.label, percent(Some(b.share)))),
            );
        }
    });
}
