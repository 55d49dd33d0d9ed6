//! The left navigator: pages, and the items of the open project.

use eframe::egui;

use super::state::{AppState, Page};
use super::theme;

/// Draws the navigator.
pub fn navigator_ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.add_space(4.0);
    let Some(doc) = &state.doc else {
        ui.label("No project open.");
        return;
    };
    let project = &doc.project;
    ui.strong(&project.name);
    ui.separator();
    for page in Page::ALL {
        let items: Vec<(String, Option<crate::model::Colour>)> = match page {
            Page::Segments => project
                .segments
                .iter()
                .map(|s| (s.name.clone(), Some(s.colour)))
                .collect(),
            Page::Personas => project
                .personas
                .iter()
                .map(|p| (p.name.clone(), Some(p.colour)))
                .collect(),
            Page::Scenarios => project
                .scenarios
                .iter()
                .map(|s| (s.name.clone(), None))
                .collect(),
            _ => Vec::new(),
        };
        let label = if items.is_empty() {
            page.label().to_string()
        } else {
            format!("{} ({})", page.label(), items.len())
        };
        if ui
            .selectable_label(state.settings.page == page, label)
            .clicked()
        {
            state.settings.page = page;
            state.selected = None;
        }
        for (i, (name, colour)) in items.iter().enumerate() {
            ui.horizontal(|ui| {
                ui.add_space(14.0);
                if let Some(c) = colour {
                    theme::colour_dot(ui, *c);
                }
                let selected = state.settings.page == page && state.selected == Some(i);
                if ui.selectable_label(selected, name).clicked() {
                    state.settings.page = page;
                    state.selected = Some(i);
                }
            });
        }
    }
}
