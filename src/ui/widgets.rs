//! Small widgets shared by the pages: a date field, an optional date, a text field for a
//! table's cell, the sliders of a behavioural response, and the room a bar chart leaves for
//! its hover labels.

use eframe::egui;

use crate::model::{Date, RESPONSE_PARAMETERS, Response};
use crate::ui::theme;

/// The width of a date field: a `YYYY-MM-DD` date with room to spare.
const DATE_WIDTH_PX: f32 = 96.0;

/// Share of a bar chart's tallest bar added above it (and below its lowest, when one is
/// negative): egui_plot writes a hovered bar's label over its top corner, inside the plot, so
/// a label of the tallest bar would be cut off at the plot's edge.
const BAR_LABEL_ROOM: f64 = 0.25;

/// The values of `y` a bar chart of `values` is to take in (`Plot::include_y`): zero, and room
/// above the tallest bar and below the lowest for the hover label (see [`BAR_LABEL_ROOM`]).
pub fn bar_label_room(values: impl IntoIterator<Item = f64>) -> [f64; 2] {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let span = hi - lo;
    [
        if lo < 0.0 {
            lo - BAR_LABEL_ROOM * span
        } else {
            0.0
        },
        hi + BAR_LABEL_ROOM * span,
    ]
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_charts_leave_room_for_the_label_of_their_tallest_and_lowest_bars() {
        // All positive: from zero to a quarter above the tallest.
        assert_eq!(bar_label_room([10.0, 40.0, 25.0]), [0.0, 50.0]);
        // Some negative: a quarter of the span below the lowest as well.
        assert_eq!(bar_label_room([-1.0, 3.0]), [-2.0, 4.0]);
        // Nothing to show, or nothing finite: just zero.
        assert_eq!(bar_label_room([]), [0.0, 0.0]);
        assert_eq!(bar_label_room([f64::NAN, f64::INFINITY]), [0.0, 0.0]);
    }
}
