//! The Personas page: each persona's card (add, duplicate, remove) and its editor: narrative,
//! segment, behavioural response and the profile synthetic customers are drawn from.

use eframe::egui;

use crate::format::{count, money, percent};
use crate::model::colour::series_colour;
use crate::model::{CategoryWeight, Persona, Project, SyntheticProfile, UNASSIGNED};
use crate::ui::state::AppState;
use crate::ui::{theme, widgets};

/// How the segment choice shows a persona on no segment (who stands for no customers).
const NO_SEGMENT: &str = "(no segment)";

/// Draws the Personas page: every persona's card, or the editor of the selected one.
pub fn personas_ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.heading("Personas");
    let selected = state.selected;
    let Some(doc) = &state.doc else { return };
    match selected {
        Some(i) if i < doc.project.personas.len() => {
            if ui.button("Back to all personas").clicked() {
                state.selected = None;
                return;
            }
            editor_ui(ui, state, i);
        }
        _ => {
            let mut action = None;
            for (i, p) in doc.project.personas.iter().enumerate() {
                ui.add_space(6.0);
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.horizontal(|ui| {
                        theme::colour_dot(ui, p.colour);
                        ui.strong(&p.name);
                        ui.label(if p.segment.is_empty() {
                            "— no segment".to_string()
                        } else {
                            format!("— segment: {}", p.segment)
                        });
                        if ui.button("Edit").clicked() {
                            action = Some(ListAction::Edit(i));
                        }
                        if ui.button("Duplicate").clicked() {
                            action = Some(ListAction::Duplicate(i));
                        }
                        if ui
                            .button("Remove")
                            .on_hover_text(
                                "Remove this persona and the scenarios' overrides for it",
                            )
                            .clicked()
                        {
                            action = Some(ListAction::Remove(i));
                        }
                    });
                    if !p.narrative.summary.is_empty() {
                        ui.label(&p.narrative.summary);
                    }
                    profile_ui(ui, state, &p.segment);
                    let r = &p.response;
                    ui.label(format!(
                        "Response: frequency +{}%, basket +{}%, dropout −{}% per tier, goal \
                         gradient +{}% within {}%, redemption propensity {}, enrolment \
                         propensity {}",
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
            ui.add_space(6.0);
            if ui
                .button("Add persona")
                .on_hover_text("A new persona on the first segment that has none")
                .clicked()
            {
                action = Some(ListAction::Add);
            }
            super::problems_ui(ui, &doc.project.validate(), "personas");
            if let Some(action) = action {
                apply(state, action);
            }
        }
    }
}

/// A change to the list of personas asked for by the list page.
enum ListAction {
    Edit(usize),
    Duplicate(usize),
    Remove(usize),
    Add,
}

fn apply(state: &mut AppState, action: ListAction) {
    let Some(doc) = &mut state.doc else { return };
    let project = &mut doc.project;
    match action {
        ListAction::Edit(i) => state.selected = Some(i),
        ListAction::Duplicate(i) => {
            let mut copy = project.personas[i].clone();
            copy.name = unique_name(project, &format!("{} (copy)", copy.name));
            project.personas.insert(i + 1, copy);
        }
        ListAction::Remove(i) => {
            let gone = project.personas.remove(i).name;
            for s in &mut project.scenarios {
                s.response_overrides.retain(|o| o.persona != gone);
            }
        }
        ListAction::Add => {
            let free = project
                .segments
                .iter()
                .find(|s| !project.personas.iter().any(|p| p.segment == s.name))
                .map(|s| s.name.clone())
                .unwrap_or_default();
            let persona = Persona {
                name: unique_name(project, "New persona"),
                colour: series_colour(project.personas.len()),
                segment: free,
                ..Persona::default()
            };
            project.personas.push(persona);
            state.selected = Some(project.personas.len() - 1);
        }
    }
}

/// `base`, or the first of `base 2`, `base 3`, … no persona is called.
fn unique_name(project: &Project, base: &str) -> String {
    super::unique_name(base, |n| project.personas.iter().any(|p| p.name == n))
}

/// The editor of persona `i`: name, colour, segment, narrative, every response parameter as a
/// slider with its unit, meaning, source and a reset to the default, and the synthetic profile;
/// a rename carries the scenarios' overrides for the persona along.
fn editor_ui(ui: &mut egui::Ui, state: &mut AppState, i: usize) {
    let Some(doc) = &mut state.doc else { return };
    let segments: Vec<String> = doc
        .project
        .segments
        .iter()
        .map(|s| s.name.clone())
        .collect();
    // Read beside the persona edited: the data's categories and the project's currency.
    let categories: &[String] = doc.data.as_ref().map_or(&[], |t| &t.categories);
    let currency = &doc.project.currency;
    let old_name = doc.project.personas[i].name.clone();
    let p = &mut doc.project.personas[i];
    egui::Grid::new("persona_basics")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let l = ui.label("Name");
            ui.text_edit_singleline(&mut p.name).labelled_by(l.id);
            ui.end_row();
            let l = ui.label("Colour");
            ui.color_edit_button_srgb(&mut p.colour.0).labelled_by(l.id);
            ui.end_row();
            let l = ui.label("Segment");
            let shown = if p.segment.is_empty() {
                NO_SEGMENT.to_string()
            } else {
                p.segment.clone()
            };
            egui::ComboBox::from_id_salt("persona_segment")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut p.segment, String::new(), NO_SEGMENT);
                    for s in &segments {
                        ui.selectable_value(&mut p.segment, s.clone(), s);
                    }
                })
                .response
                .labelled_by(l.id);
            ui.end_row();
            let n = &mut p.narrative;
            for (label, text) in [
                ("Summary", &mut n.summary),
                ("Motivations", &mut n.motivations),
                ("Pain points", &mut n.pain_points),
                ("Preferred rewards", &mut n.preferred_rewards),
            ] {
                let l = ui.label(label);
                ui.add(
                    egui::TextEdit::multiline(text)
                        .desired_rows(2)
                        .desired_width(520.0),
                )
                .labelled_by(l.id);
                ui.end_row();
            }
        });
    ui.add_space(8.0);
    ui.strong("Response to a programme");
    widgets::response_ui(
        ui,
        "persona_response",
        &mut p.response,
        widgets::ResetTo::Defaults,
    );
    ui.add_space(8.0);
    ui.strong("Synthetic customers like this persona");
    synthetic_ui(ui, &mut p.synthetic, categories, currency);
    // A renamed persona keeps the scenarios' overrides for it.
    if p.name != old_name {
        let name = p.name.clone();
        for s in &mut doc.project.scenarios {
            for o in s
                .response_overrides
                .iter_mut()
                .filter(|o| o.persona == old_name)
            {
                o.persona = name.clone();
            }
        }
    }
    let segment = doc.project.personas[i].segment.clone();
    profile_ui(ui, state, &segment);
    if let Some(doc) = &state.doc {
        super::problems_ui(ui, &doc.project.validate(), &format!("personas[{i}]"));
    }
}

/// How the synthetic-data generator (the Data page's, `tierlab generate --project`) draws
/// customers like this persona: unticked, it draws none from it.
fn synthetic_ui(
    ui: &mut egui::Ui,
    synthetic: &mut Option<SyntheticProfile>,
    categories: &[String],
    currency: &str,
) {
    let mut on = synthetic.is_some();
    if ui
        .checkbox(&mut on, "Draw synthetic customers from this persona")
        .on_hover_text(
            "The Data page's synthetic data (and `tierlab generate --project`) mixes the \
             personas that have a profile, each by its share; with none, a default mix",
        )
        .changed()
    {
        *synthetic = on.then(SyntheticProfile::default);
    }
    let Some(syn) = synthetic else { return };
    egui::Grid::new("persona_synthetic")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            for (label, value, range, unit) in [
                ("Share of customers", &mut syn.share_pct, 0.0..=100.0, "%"),
                (
                    "Purchases per year",
                    &mut syn.purchases_per_year,
                    0.01..=1000.0,
                    "",
                ),
                (
                    "Average basket",
                    &mut syn.average_basket,
                    0.01..=1e6,
                    currency,
                ),
                (
                    "Dropout per purchase",
                    &mut syn.dropout_pct_per_purchase,
                    0.0..=100.0,
                    "%",
                ),
            ] {
                let l = ui.label(label);
                ui.add(
                    egui::DragValue::new(value)
                        .range(range)
                        .speed(0.1)
                        .suffix(format!(" {unit}")),
                )
                .labelled_by(l.id);
                ui.end_row();
            }
        });
    let headers = ["Category bought", "Weight"];
    let rows = &mut syn.categories;
    widgets::rows_ui(
        ui,
        "persona_synthetic_categories",
        &headers,
        "Remove category",
        rows,
        |ui, _, c, ids| {
            ui.add(widgets::cell_text_edit(&mut c.category, 140.0))
                .labelled_by(ids[0]);
            ui.add(
                egui::DragValue::new(&mut c.weight)
                    .range(0.0..=1e6)
                    .speed(0.1),
            )
            .labelled_by(ids[1]);
        },
    );
    if ui
        .button("Add category")
        .on_hover_text("a category these customers buy, with its relative weight")
        .clicked()
    {
        let unused = super::first_unused(categories, |c| {
            syn.categories.iter().any(|w| w.category == c)
        });
        syn.categories.push(CategoryWeight {
            category: unused,
            weight: 1.0,
        });
    }
}

/// The measured profile of the persona's segment (all customers when it has none).
fn profile_ui(ui: &mut egui::Ui, state: &AppState, segment: &str) {
    let Some((_, report)) = &state.segment_report else {
        return;
    };
    let row = report.segments.iter().find(|s| s.name == segment);
    let (customers, share, revenue_share, p) = match row {
        Some(r) => (r.customers, r.share, r.revenue_share, Some(&r.profile)),
        None if segment.is_empty() => {
            ui.colored_label(
                theme::WARNING,
                "No segment: this persona stands for no customers in the replay and the \
                 projection until you choose the segment it describes.",
            );
            return;
        }
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
                    // Square-ish ends: a round bar is never thinner than its height, so a
                    // share of 0% showed as a filled dot.
                    .corner_radius(2.0)
                    .text(format!("{} {}", b.label, percent(Some(b.share)))),
            );
        }
    });
}
