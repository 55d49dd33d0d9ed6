//! The central editor's pages, one file each. Each page is a `fn(&mut Ui, …)`.

pub mod data;
pub mod import;
pub mod ledger;
mod model;
mod overview;
mod personas;
mod projection;
mod results;
mod scenarios;
mod segments;

use eframe::egui;

use super::state::{AppState, Command, Page};

/// Draws the current page, or a welcome screen when no project is open.
pub fn page_ui(ui: &mut egui::Ui, state: &mut AppState) {
    if state.doc.is_none() {
        welcome_ui(ui, state);
        return;
    }
    match state.settings.page {
        Page::Overview => overview::overview_ui(ui, state),
        Page::Data => data::data_ui(ui, state),
        Page::Segments => segments::segments_ui(ui, state),
        Page::Personas => personas::personas_ui(ui, state),
        Page::Scenarios => scenarios::scenarios_ui(ui, state),
        Page::Results => results::results_ui(ui, state),
        Page::Model => model::model_ui(ui, state),
    }
}

fn welcome_ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.heading("tierlab");
    ui.label("Design tiered loyalty programmes on your customers' real transaction history.");
    ui.add_space(8.0);
    if state.is_busy() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("loading…");
        });
        return;
    }
    ui.horizontal(|ui| {
        if ui.button("New project").clicked() {
            state.command(Command::New);
        }
        if ui.button("Open project…").clicked() {
            state.command(Command::OpenDialog);
        }
    });
    ui.label("or drop a .ron project or a transaction .csv onto this window.");
    if !state.settings.recent.is_empty() {
        ui.add_space(8.0);
        ui.strong("Recent projects");
        for path in state.settings.recent.clone() {
            if ui.link(path.display().to_string()).clicked() {
                state.command(Command::Open(path));
            }
        }
    }
}

/// Shows those of `problems` (a project's validation) whose path starts with `prefix`.
pub fn problems_ui(ui: &mut egui::Ui, problems: &[crate::model::Problem], prefix: &str) {
    for p in problems.iter().filter(|p| p.path.starts_with(prefix)) {
        let colour = match p.severity {
            crate::model::Severity::Error => super::theme::ERROR,
            crate::model::Severity::Warning => super::theme::WARNING,
        };
        ui.colored_label(colour, format!("{}: {}", p.path, p.message));
    }
}

/// `base`, or else `base 2`, `base 3`, …: the first name `taken` says is free, for a new or
/// copied segment, persona or scenario.
fn unique_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|k| format!("{base} {k}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_string())
}

/// The first of the data's `categories` that `taken` says is not used yet, or else an empty
/// one (to be typed): the category of a new category multiplier or synthetic category weight.
fn first_unused(categories: &[String], taken: impl Fn(&str) -> bool) -> String {
    categories
        .iter()
        .find(|c| !taken(c))
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_new_category_is_the_first_of_the_datas_not_used_yet() {
        let data = ["coffee".to_string(), "food".to_string()];
        assert_eq!(super::first_unused(&data, |c| c == "coffee"), "food");
        assert_eq!(super::first_unused(&data, |_| true), "");
        assert_eq!(super::first_unused(&[], |_| false), "");
    }

    #[test]
    fn a_unique_name_counts_on_from_two() {
        let taken = ["New", "New 2"];
        assert_eq!(super::unique_name("New", |n| taken.contains(&n)), "New 3");
        assert_eq!(super::unique_name("Other", |n| taken.contains(&n)), "Other");
    }
}
