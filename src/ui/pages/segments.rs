//! The Segments page: each segment's rule, in precedence order.

use eframe::egui;

use crate::model::Combine;
use crate::ui::state::AppState;
use crate::ui::theme;

/// Draws the Segments page.
pub fn segments_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let Some(doc) = &state.doc else { return };
    ui.heading("Segments");
    ui.label(
        "Evaluated top to bottom: a customer belongs to the first segment whose rule matches.",
    );
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
