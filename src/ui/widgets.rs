//! Small editing widgets shared by the pages: a date field, an optional date, a text field for
//! a table's cell, and the sliders of a behavioural response.

use eframe::egui;

use crate::model::{Date, RESPONSE_PARAMETERS, Response};
use crate::ui::theme;

/// The width of a date field: a `YYYY-MM-DD` date with room to spare.
const DATE_WIDTH_PX: f32 = 96.0;

/// A one-line text field `width_px` wide, also in a column of an [`egui::Grid`]. A grid gives a
/// cell the width its column had in the frame before, so a field that only asks for a width is
/// held to the header's and never widens (a tier named "Gold" showed as "Golc").
pub fn cell_text_edit(text: &mut String, width_px: f32) -> egui::TextEdit<'_> {
    egui::TextEdit::singleline(text)
        .desired_width(width_px)
        .min_size(egui::vec2(width_px, 0.0))
}

/// A `YYYY-MM-DD` field for `value`, named `label_id` for screen readers and tests. The text is
/// kept while it is being typed; `value` changes only when the text is a valid date, and a text
/// that is not one is shown in the error colour with the reason on hover. An outside change of
/// `value` (undo, reset) replaces the text.
pub fn date_ui(
    ui: &mut egui::Ui,
    id_salt: impl std::hash::Hash + std::fmt::Debug,
    label_id: egui::Id,
    value: &mut Date,
) -> egui::Response {
    let id = ui.make_persistent_id(id_salt);
    let (mut text, shown_for) = ui
        .data(|d| d.get_temp::<(String, Date)>(id))
        .unwrap_or_else(|| (value.to_string(), *value));
    if shown_for != *value {
        text = value.to_string();
    }
    let parsed = Date::parse_iso(text.trim());
    let mut edit = egui::TextEdit::singleline(&mut text)
        .id(id.with("text"))
        .desired_width(DATE_WIDTH_PX)
        .min_size(egui::vec2(DATE_WIDTH_PX, 0.0))
        .hint_text("YYYY-MM-DD");
    if parsed.is_err() {
        edit = edit.text_color(theme::ERROR);
    }
    let mut response = ui.add(edit).labelled_by(label_id);
    if response.changed()
        && let Ok(d) = Date::parse_iso(text.trim())
        && d != *value
    {
        *value = d;
        response.mark_changed();
    }
    if let Err(e) = Date::parse_iso(text.trim()) {
        response = response.on_hover_text(e.to_string());
    }
    ui.data_mut(|d| d.insert_temp(id, (text, *value)));
    response
}

/// An optional date: a checkbox `set_text` that, when ticked, shows a [`date_ui`] field (starting
/// at `default`); unticked means `None`, described by `unset_text`.
pub fn optional_date_ui(
    ui: &mut egui::Ui,
    id_salt: impl std::hash::Hash + std::fmt::Debug,
    label_id: egui::Id,
    value: &mut Option<Date>,
    default: Date,
    set_text: &str,
    unset_text: &str,
) {
    ui.horizontal(|ui| {
        let mut on = value.is_some();
        if ui.checkbox(&mut on, set_text).changed() {
            *value = on.then_some(value.unwrap_or(default));
        }
        match value {
            Some(d) => {
                date_ui(ui, id_salt, label_id, d);
            }
            None => {
                ui.weak(unset_text);
            }
        }
    });
}

/// What a response's reset buttons go back to.
pub enum ResetTo<'a> {
    /// The published defaults (a persona's own response), their sources on hover.
    Defaults,
    /// A persona's own response (a scenario's override of it).
    Persona(&'a Response),
}

/// Every parameter of `response` as a slider with its unit, its meaning and source on hover,
/// and a button that resets it as `reset` says; `id_salt` keeps two of these on one page
/// apart.
pub fn response_ui(
    ui: &mut egui::Ui,
    id_salt: impl std::hash::Hash + std::fmt::Debug,
    response: &mut Response,
    reset: ResetTo<'_>,
) {
    let defaults = Response::default();
    let reset_to = match reset {
        ResetTo::Defaults => &defaults,
        ResetTo::Persona(r) => r,
    };
    egui::Grid::new(id_salt)
        .num_columns(3)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            for param in RESPONSE_PARAMETERS {
                let l = ui
                    .label(param.label)
                    .on_hover_text(format!("{}\n\nDefault: {}", param.meaning, param.source));
                let mut v = (param.get)(response);
                let step = if param.max <= 1.0 { 0.01 } else { 0.5 };
                if ui
                    .add(
                        egui::Slider::new(&mut v, param.min..=param.max)
                            .suffix(format!(" {}", param.unit))
                            .step_by(step)
                            .clamping(egui::SliderClamping::Never),
                    )
                    .labelled_by(l.id)
                    .on_hover_text(param.meaning)
                    .changed()
                {
                    (param.set)(response, v);
                }
                let back_to = (param.get)(reset_to);
                if ui
                    .add_enabled(
                        (param.get)(response) != back_to,
                        egui::Button::new(format!("Reset to {back_to}")),
                    )
                    .on_hover_text(match reset {
                        ResetTo::Defaults => param.source,
                        ResetTo::Persona(_) => "Back to the persona's own response",
                    })
                    .clicked()
                {
                    (param.set)(response, back_to);
                }
                ui.end_row();
            }
        });
}
