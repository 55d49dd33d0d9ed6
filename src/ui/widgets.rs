//! Small widgets shared by the pages: a date field, an optional date, a text field for a
//! table's cell, the sliders of a behavioural response, the room a bar chart leaves for its
//! hover labels, and the plots' axes (every plot is made by [`plot`]).

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

/// A plot named `id` as every plot of the GUI is: the mouse wheel scrolls the page, not the
/// plot (dragging pans, double-click resets), and the y axis is divided into steps of 1, 2 or 5
/// times a power of ten chosen for about five labels ([`nice_steps`]); egui_plot's own steps
/// of powers of ten left a 200-point plot from 0 to 10,000 with only its two ends labelled.
pub fn plot(id: &str) -> egui_plot::Plot<'static> {
    egui_plot::Plot::new(id)
        .allow_scroll(false)
        .y_grid_spacer(egui_plot::uniform_grid_spacer(|input| {
            nice_steps(input.bounds)
        }))
        .y_axis_formatter(|mark, _| axis_number(mark.value, mark.step_size))
}

/// A tick label: `value` with as many decimals as its grid `step` needs (0.5 → one, 0.05 →
/// two; egui_plot's own rounding of the step's logarithm wrote 0.5 as "0"), thousands
/// separated, and a tick at zero never "-0".
pub fn axis_number(value: f64, step: f64) -> String {
    let decimals = if step > 0.0 && step.is_finite() {
        (-step.log10() - 1e-9).ceil().max(0.0) as usize
    } else {
        0
    };
    let value = if value.abs() <= step.abs() * 1e-6 {
        0.0
    } else {
        value
    };
    if decimals == 0 {
        let sign = if value.round() < 0.0 { "-" } else { "" };
        format!("{sign}{}", crate::format::count(value.round().abs() as u64))
    } else {
        format!("{value:.decimals$}")
    }
}

/// Labels an axis over `bounds` aims at: its steps are the span over this, made nice.
const AXIS_LABELS: f64 = 5.0;

/// Grid steps of an axis over `bounds` (fine lines, labelled lines, heavy lines): the labelled
/// step is the report's (1, 2 or 5 × 10ᵏ for about [`AXIS_LABELS`] intervals,
/// [`crate::report::svg::nice_step`]), so that a plot and its chart in the report step alike;
/// the fine step divides it (by 5, 2 and 5) and the heavy one is a power of ten it divides.
pub fn nice_steps(bounds: (f64, f64)) -> [f64; 3] {
    let step = crate::report::svg::nice_step(bounds.1 - bounds.0, AXIS_LABELS);
    let power = 10f64.powf((step.log10() + 1e-9).floor());
    let mantissa = (step / power).round();
    if mantissa == 2.0 {
        [step / 2.0, step, step * 5.0]
    } else if mantissa == 5.0 {
        [step / 5.0, step, step * 2.0]
    } else {
        [step / 5.0, step, step * 10.0]
    }
}

/// The month `x` months after the month of `first` as `YYYY-MM` (`x` rounded to the nearest
/// month); empty before it.
pub fn month_label(first: Date, x: f64) -> String {
    let k = x.round();
    if k < 0.0 || !k.is_finite() {
        return String::new();
    }
    Date::first_of_month_index(first.month_index() + k as i32)
        .map_or(String::new(), Date::year_month)
}

/// `plot`, whose x is months after the month of `first` (0 for that month), with the months
/// themselves on its x axis (`YYYY-MM`) and grid lines every month, quarter and year counted
/// from it (every year, five and ten when zoomed far out) instead of egui_plot's steps of 1, 5
/// and 10, which labelled months ten apart.
pub fn month_axis(plot: egui_plot::Plot<'_>, first: Date) -> egui_plot::Plot<'_> {
    plot.x_grid_spacer(egui_plot::uniform_grid_spacer(|input| {
        if input.base_step_size > 4.0 {
            [12.0, 60.0, 120.0]
        } else {
            [1.0, 3.0, 12.0]
        }
    }))
    .x_axis_formatter(move |mark, _| {
        if (mark.value - mark.value.round()).abs() > 1e-6 {
            String::new()
        } else {
            month_label(first, mark.value)
        }
    })
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

    #[test]
    fn an_axis_is_labelled_in_steps_of_one_two_or_five_times_a_power_of_ten() {
        // 0 to 10,000: labels every 2,000, lines every 1,000, heavy lines every 10,000.
        assert_eq!(nice_steps((0.0, 10_000.0)), [1_000.0, 2_000.0, 10_000.0]);
        // Two to five steps whatever the span: each labelled step divides the heavy one, and
        // the fine one divides it.
        for (lo, hi) in [
            (0.0, 1.0),
            (-0.3, 0.25),
            (0.0, 742.0),
            (0.82, 0.99),
            (3.0, 3.0001),
        ] {
            let [fine, step, heavy] = nice_steps((lo, hi));
            let labels = (hi - lo) / step;
            assert!(
                (2.0 - 1e-9..=5.0 + 1e-9).contains(&labels),
                "{lo}..{hi}: {labels} labels"
            );
            let divides = |a: f64, b: f64| ((b / a) - (b / a).round()).abs() < 1e-9;
            assert!(
                divides(fine, step) && divides(step, heavy),
                "{fine} {step} {heavy}"
            );
        }
        // A degenerate span still gives steps.
        assert_eq!(nice_steps((1.0, 1.0)), [0.2, 1.0, 10.0]);
    }

    #[test]
    fn tick_labels_have_the_decimals_their_step_needs() {
        assert_eq!(axis_number(0.5, 0.5), "0.5");
        assert_eq!(axis_number(-0.5, 0.5), "-0.5");
        assert_eq!(axis_number(0.15, 0.05), "0.15");
        assert_eq!(axis_number(20_000.0, 2_000.0), "20,000");
        assert_eq!(axis_number(-4_000.0, 2_000.0), "-4,000");
        // A tick at zero, even one computed as a tiny negative, has no minus sign.
        assert_eq!(axis_number(-1e-12, 0.5), "0.0");
        assert_eq!(axis_number(-1e-9, 1_000.0), "0");
    }

    #[test]
    fn a_month_axis_names_the_months_counted_from_the_first() {
        let first = Date::from_ymd(2025, 7, 15).unwrap();
        assert_eq!(month_label(first, 0.0), "2025-07");
        assert_eq!(month_label(first, 6.0), "2026-01");
        assert_eq!(month_label(first, 23.6), "2027-07");
        assert_eq!(month_label(first, -1.0), "");
        assert_eq!(month_label(first, f64::NAN), "");
    }
}
