//! Small widgets shared by the pages: a date field, an optional date, a text field for a
//! table's cell, an editable table with a Remove button per row, the sliders of a behavioural response, and what every plot shares (each is
//! made by [`plot`]): its axes (months, days, nice y steps), its hover labels in its units
//! ([`Reading`]), its legend's place clear of what it draws ([`placed_legend`]) and the room a
//! bar chart leaves for its hover labels.

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
/// themselves on its x axis (`YYYY-MM`) and grid lines every month, calendar quarter and year
/// ([`month_marks`]) instead of egui_plot's steps of 1, 5 and 10, which labelled months ten
/// apart.
pub fn month_axis(plot: egui_plot::Plot<'_>, first: Date) -> egui_plot::Plot<'_> {
    plot.x_grid_spacer(move |input| month_marks(first, input))
        .x_axis_formatter(move |mark, _| {
            if (mark.value - mark.value.round()).abs() > 1e-6 {
                String::new()
            } else {
                month_label(first, mark.value)
            }
        })
}

/// Months an axis shows grid lines for at most (about 170 years); beyond, none.
const MOST_MONTH_MARKS: f64 = 2_000.0;

/// The grid marks of a month axis over `input` (x in months after the month of `first`): a
/// line each month, heavier at each calendar quarter (January, April, July, October) and
/// heaviest each January, so that the labels fall on quarters and years whichever month the
/// axis starts in. Zoomed far out (months under 4 points apart), Januaries only, heavier every
/// fifth and tenth year.
pub fn month_marks(first: Date, input: egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    let (lo, hi) = input.bounds;
    if !(lo.is_finite() && hi.is_finite()) || hi < lo || hi - lo > MOST_MONTH_MARKS * 12.0 {
        return Vec::new();
    }
    let years_only = input.base_step_size > 4.0;
    if !years_only && hi - lo > MOST_MONTH_MARKS {
        return Vec::new();
    }
    let base = i64::from(first.month_index());
    let (from, to) = (lo.ceil() as i64, hi.floor() as i64);
    (from..=to)
        .filter_map(|k| {
            let (year, month) = ((base + k).div_euclid(12), (base + k).rem_euclid(12));
            let step = match month {
                0 if years_only && year % 10 == 0 => 120.0,
                0 if years_only && year % 5 == 0 => 60.0,
                0 => 12.0,
                _ if years_only => return None,
                3 | 6 | 9 => 3.0,
                _ => 1.0,
            };
            Some(egui_plot::GridMark {
                value: k as f64,
                step_size: step,
            })
        })
        .collect()
}

/// `plot`, whose x is a day ([`Date`]'s day number), with the months on its x axis
/// (`YYYY-MM` at the first of a month) and grid lines on the first of every month, heavier at
/// calendar quarters and years ([`day_marks`]); egui_plot's own steps put labels on days such
/// as 2023-05-23.
pub fn day_axis(plot: egui_plot::Plot<'_>) -> egui_plot::Plot<'_> {
    plot.x_grid_spacer(day_marks).x_axis_formatter(|mark, _| {
        let day = Date(mark.value.round() as i32);
        if (mark.value - mark.value.round()).abs() > 1e-6 || day.ymd().2 != 1 {
            String::new()
        } else {
            day.year_month()
        }
    })
}

/// The grid marks of a [`day_axis`] over `input`: the first of each month, weighted as
/// [`month_marks`] weights its months (a month's step taken as its mean length in days).
pub fn day_marks(input: egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    /// Mean length of a month, in days.
    const MONTH_DAYS: f64 = 365.25 / 12.0;
    let (lo, hi) = input.bounds;
    if !(lo.is_finite() && hi.is_finite()) || hi < lo || lo.abs().max(hi.abs()) > 1e8 {
        return Vec::new();
    }
    // The same marks as a month axis from the month of `lo`, moved to the first of each month.
    let first = Date(lo.floor() as i32);
    let months = egui_plot::GridInput {
        bounds: (0.0, (hi - lo) / MONTH_DAYS + 1.0),
        base_step_size: input.base_step_size / MONTH_DAYS,
    };
    month_marks(first, months)
        .into_iter()
        .filter_map(|m| {
            let day = Date::first_of_month_index(first.month_index() + m.value as i32)?;
            let x = f64::from(day.0);
            (lo..=hi).contains(&x).then_some(egui_plot::GridMark {
                value: x,
                step_size: m.step_size * MONTH_DAYS,
            })
        })
        .collect()
}

/// How a plot's values read in its hover labels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reading {
    /// An amount of money, in the project's currency.
    Money,
    /// A count of what the noun names, in the singular ("member", "point", "purchase day"):
    /// the plural is made unless the count is one.
    Count(&'static str),
    /// A share (0–1), shown as a percentage.
    Share,
    /// A difference of shares, in signed percentage points.
    PercentagePoints,
}

impl Reading {
    /// `value` as this reading writes it ("12,345.60", "1,204 members", "86.4%", "+0.19
    /// points").
    pub fn show(self, value: f64) -> String {
        match self {
            Reading::Money => crate::format::money(value),
            Reading::Count(noun) => {
                let sign = if value.round() < 0.0 { "-" } else { "" };
                let n = value.round().abs() as u64;
                format!("{sign}{}", crate::format::counted(n, noun))
            }
            Reading::Share => format!("{:.1}%", value * 100.0),
            Reading::PercentagePoints => format!("{value:+.2} points"),
        }
    }
}

/// The hover label of a plot over months after the month of `first`: the series nearest the
/// mouse, its month and its value read as `reading` says; nothing away from the data.
pub fn month_hover(
    first: Date,
    reading: Reading,
) -> impl Fn(&egui_plot::HoverPosition<'_>) -> Option<String> {
    move |pos| match pos {
        egui_plot::HoverPosition::NearDataPoint {
            plot_name,
            position,
            ..
        } => Some(format!(
            "{plot_name}\n{}: {}",
            month_label(first, position.x),
            reading.show(position.y)
        )),
        egui_plot::HoverPosition::Elsewhere { .. } => None,
    }
}

/// Share of a plot's width its legend is taken to cover, for [`legend_place`].
const LEGEND_WIDTH_SHARE: f64 = 0.3;
/// Height of a legend's entry, and of its frame's margins, in points, for [`legend_place`].
const LEGEND_ROW_PX: f64 = 18.0;
const LEGEND_MARGIN_PX: f64 = 12.0;
/// Share of a plot's height a legend is given room in at most (a legend of more entries than
/// that holds may cover some of what is drawn).
const MOST_LEGEND_HEIGHT_SHARE: f64 = 0.5;

/// Where a plot's legend goes, by [`legend_place`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LegendPlace {
    /// The corner.
    pub corner: egui_plot::Corner,
    /// A value of `y` the plot is to take in (`Plot::include_y`) to make room for the legend
    /// above what is drawn, when every corner would hide some of it.
    pub room_y: Option<f64>,
}

/// Where a plot `height_px` high puts its legend of `rows` entries so as to hide none of what it
/// draws. `ink` is what is drawn: at `x`, from one `y` to another (`[x, y, y]`
/// for a line's point, `[x, p10, p90]` for a band, `[x, 0, top]` for a filled area);
/// `include_y` are values the plot takes in besides. The corner that hides nothing is taken,
/// ties going to the top right (egui_plot's own place), then the top left, the bottom right
/// and the bottom left: a rising cost curve gets its legend at the top left, a falling
/// retention curve at the top right. When every corner would hide something (a stacked area
/// filling the plot), the legend goes at the top right with room made for it above the ink.
pub fn legend_place(
    ink: &[[f64; 3]],
    include_y: &[f64],
    rows: usize,
    height_px: f32,
) -> LegendPlace {
    use egui_plot::Corner;
    let default = LegendPlace {
        corner: Corner::RightTop,
        room_y: None,
    };
    let finite = |v: &f64| v.is_finite();
    let xs = ink.iter().map(|i| i[0]).filter(finite);
    let ys = ink
        .iter()
        .flat_map(|i| [i[1], i[2]])
        .chain(include_y.iter().copied())
        .filter(finite);
    fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
    }
    let ((lo_x, hi_x), (lo_y, hi_y)) = (span(xs), span(ys));
    if !(lo_x < hi_x && lo_y < hi_y) {
        return default;
    }
    // egui_plot's bounds: the data's, with 5% of their span added on each side.
    let with_margin = |lo: f64, hi: f64| (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo));
    let ((x0, x1), (y0, y1)) = (with_margin(lo_x, hi_x), with_margin(lo_y, hi_y));
    let width = LEGEND_WIDTH_SHARE * (x1 - x0);
    let height_share = ((rows as f64 * LEGEND_ROW_PX + LEGEND_MARGIN_PX)
        / f64::from(height_px.max(1.0)))
    .min(MOST_LEGEND_HEIGHT_SHARE);
    let height = height_share * (y1 - y0);
    let hidden = |corner: &Corner| {
        let (left, top) = match corner {
            Corner::LeftTop => (true, true),
            Corner::RightTop => (false, true),
            Corner::LeftBottom => (true, false),
            Corner::RightBottom => (false, false),
        };
        let (bx0, bx1) = if left {
            (x0, x0 + width)
        } else {
            (x1 - width, x1)
        };
        let (by0, by1) = if top {
            (y1 - height, y1)
        } else {
            (y0, y0 + height)
        };
        ink.iter()
            .filter(|&&[x, a, b]| (bx0..=bx1).contains(&x) && a.min(b) <= by1 && a.max(b) >= by0)
            .count()
    };
    let corners = [
        Corner::RightTop,
        Corner::LeftTop,
        Corner::RightBottom,
        Corner::LeftBottom,
    ];
    if let Some(corner) = corners.into_iter().find(|c| hidden(c) == 0) {
        return LegendPlace {
            corner,
            room_y: None,
        };
    }
    // Room above: a top `y` such that the legend's share of the plot's height, at the top of
    // the bounds it gives (5% margins included), is above the highest ink.
    //   top + 0.05 u − share × 1.1 u ≥ hi_y, with u = top − lo_y.
    // With 0.5% more, so that the legend's edge is clear of the ink, not on it.
    let u = 1.005 * (hi_y - lo_y) / (1.05 - 1.1 * height_share);
    LegendPlace {
        corner: Corner::RightTop,
        room_y: Some(lo_y + u),
    }
}

/// `plot` `height_px` high with `legend` placed by [`legend_place`] (its room made).
pub fn placed_legend<'a>(
    plot: egui_plot::Plot<'a>,
    legend: egui_plot::Legend,
    ink: &[[f64; 3]],
    include_y: &[f64],
    rows: usize,
    height_px: f32,
) -> egui_plot::Plot<'a> {
    let place = legend_place(ink, include_y, rows, height_px);
    let plot = plot.height(height_px).legend(legend.position(place.corner));
    match place.room_y {
        Some(y) => plot.include_y(y),
        None => plot,
    }
}

/// What a line over `values` draws at x = 0, 1, 2…, for [`legend_place`].
pub fn line_ink(values: &[f64]) -> impl Iterator<Item = [f64; 3]> + '_ {
    values.iter().enumerate().map(|(k, &v)| [k as f64, v, v])
}

/// What a bar at `x`, `width` wide, from 0 to `value` draws, for [`legend_place`]: its two
/// edges and its middle.
pub fn bar_ink(x: f64, width: f64, value: f64) -> [[f64; 3]; 3] {
    [-0.5, 0.0, 0.5].map(|side| [x + side * width, 0.0, value])
}

/// What a band from `low` to `high` draws at x = 0, 1, 2…, for [`legend_place`].
pub fn band_ink<'v>(low: &'v [f64], high: &'v [f64]) -> impl Iterator<Item = [f64; 3]> + 'v {
    low.iter()
        .zip(high)
        .enumerate()
        .map(|(k, (&a, &b))| [k as f64, a, b])
}

/// An editable table of `rows` (a scenario's rewards, category multipliers or promotions, a
/// persona's categories): a header row of `headers`, then a row per item drawn by `row_ui`
/// (given the item's index, the item and the headers' ids, to label its fields by for screen
/// readers and tests), each ended by a `remove_text` button that removes its item. Nothing is
/// drawn while `rows` is empty.
pub fn rows_ui<T>(
    ui: &mut egui::Ui,
    id_salt: impl std::hash::Hash + std::fmt::Debug,
    headers: &[&str],
    remove_text: &str,
    rows: &mut Vec<T>,
    mut row_ui: impl FnMut(&mut egui::Ui, usize, &mut T, &[egui::Id]),
) {
    if rows.is_empty() {
        return;
    }
    let mut remove = None;
    egui::Grid::new(id_salt)
        .num_columns(headers.len() + 1)
        .striped(true)
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            let ids: Vec<egui::Id> = headers.iter().map(|h| ui.strong(*h).id).collect();
            ui.label("");
            ui.end_row();
            for (j, row) in rows.iter_mut().enumerate() {
                row_ui(ui, j, row, &ids);
                if ui.button(remove_text).clicked() {
                    remove = Some(j);
                }
                ui.end_row();
            }
        });
    if let Some(j) = remove {
        rows.remove(j);
    }
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
        // About five steps whatever the span (3.1 to 8): each labelled step divides the
        // heavy one, and the fine one divides it.
        for (lo, hi) in [
            (0.0, 1.0),
            (-0.3, 0.25),
            (0.0, 742.0),
            (0.82, 0.99),
            (3.0, 3.0001),
        ] {
            let [fine, step, heavy] = nice_steps((lo, hi));
            let labels = (hi - lo) / step;
            assert!((3.1..8.0).contains(&labels), "{lo}..{hi}: {labels} labels");
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

    #[test]
    fn month_grid_lines_fall_on_calendar_quarters_and_years_whatever_the_first_month() {
        use egui_plot::GridInput;
        // From February 2025: x = 0 is February, so the quarters are at 2 (April), 5, 8 and
        // January at 11; the other months have the finest lines.
        let first = Date::from_ymd(2025, 2, 10).unwrap();
        let marks = month_marks(
            first,
            GridInput {
                bounds: (-0.4, 12.3),
                base_step_size: 0.05,
            },
        );
        let steps: Vec<(f64, f64)> = marks.iter().map(|m| (m.value, m.step_size)).collect();
        assert_eq!(steps.first(), Some(&(0.0, 1.0)));
        assert_eq!(steps.len(), 13);
        for (x, step) in &steps {
            let month = month_label(first, *x);
            let expected = match &month[5..] {
                "01" => 12.0,
                "04" | "07" | "10" => 3.0,
                _ => 1.0,
            };
            assert_eq!(*step, expected, "{month}");
        }
        // Zoomed far out: Januaries alone, every fifth and tenth year heavier.
        let marks = month_marks(
            first,
            GridInput {
                bounds: (0.0, 240.0),
                base_step_size: 6.0,
            },
        );
        assert!(
            marks
                .iter()
                .all(|m| month_label(first, m.value).ends_with("-01"))
        );
        assert_eq!(marks.len(), 20);
        let heavy: Vec<String> = marks
            .iter()
            .filter(|m| m.step_size > 12.0)
            .map(|m| format!("{} {}", month_label(first, m.value), m.step_size))
            .collect();
        assert_eq!(
            heavy,
            ["2030-01 120", "2035-01 60", "2040-01 120", "2045-01 60"]
        );
        // Nothing sensible to mark: no marks rather than millions.
        let none = |bounds| {
            month_marks(
                first,
                GridInput {
                    bounds,
                    base_step_size: 0.05,
                },
            )
        };
        assert!(none((f64::NAN, 3.0)).is_empty());
        assert!(none((0.0, 1e9)).is_empty());
    }

    #[test]
    fn hover_labels_read_values_in_the_plots_units() {
        assert_eq!(Reading::Money.show(12_345.6), "12,345.60");
        assert_eq!(Reading::Count("member").show(1_204.4), "1,204 members");
        assert_eq!(Reading::Count("point").show(-2_500.0), "-2,500 points");
        assert_eq!(
            Reading::Count("repeat purchase").show(1.2),
            "1 repeat purchase"
        );
        assert_eq!(Reading::Share.show(0.8642), "86.4%");
        assert_eq!(Reading::PercentagePoints.show(0.19), "+0.19 points");
        let label = month_hover(Date::from_ymd(2025, 7, 1).unwrap(), Reading::Money);
        let near = egui_plot::HoverPosition::NearDataPoint {
            plot_name: "Flat points",
            position: egui_plot::PlotPoint::new(6.0, 1_500.0),
            index: 6,
        };
        assert_eq!(
            label(&near).as_deref(),
            Some("Flat points\n2026-01: 1,500.00")
        );
        let elsewhere = egui_plot::HoverPosition::Elsewhere {
            position: egui_plot::PlotPoint::new(6.0, 1_500.0),
        };
        assert_eq!(label(&elsewhere), None);
    }

    #[test]
    fn a_legend_goes_where_it_hides_nothing_of_the_plot() {
        use egui_plot::Corner;
        let corner = |ink: &[[f64; 3]], include_y: &[f64], rows| {
            let place = legend_place(ink, include_y, rows, 200.0);
            assert_eq!(place.room_y, None, "{ink:?}");
            place.corner
        };
        let line = |values: &[f64]| line_ink(values).collect::<Vec<_>>();
        let rising: Vec<f64> = (0..24).map(f64::from).collect();
        let falling: Vec<f64> = rising.iter().rev().copied().collect();
        // A rising cost curve leaves the top left empty (and the bottom right, which comes
        // later in the order of preference).
        assert_eq!(corner(&line(&rising), &[], 3), Corner::LeftTop);
        // A falling retention curve: the top right, egui_plot's own place.
        assert_eq!(corner(&line(&falling), &[], 3), Corner::RightTop);
        // A dip in the middle leaves the top corners full: a bottom one, the right first, then
        // the left when a line runs along the bottom on the right.
        let valley: Vec<f64> = (0..24)
            .map(|k| if (8..16).contains(&k) { 0.0 } else { 100.0 })
            .collect();
        assert_eq!(corner(&line(&valley), &[], 3), Corner::RightBottom);
        let mut both = line(&valley);
        both.extend(line_ink(&[0.0; 6]).map(|[x, y, _]| [x + 18.0, y, y]));
        assert_eq!(corner(&both, &[], 3), Corner::LeftBottom);
        // A band counts where it spans, not only at its ends: filled from 0 up to a rising top,
        // only the top left is free; filled up to a falling one, the top right.
        let area: Vec<[f64; 3]> = line(&rising).iter().map(|&[x, _, y]| [x, 0.0, y]).collect();
        assert_eq!(corner(&area, &[], 2), Corner::LeftTop);
        let low = vec![0.0; 24];
        let filled: Vec<[f64; 3]> = band_ink(&low, &falling).collect();
        assert_eq!(corner(&filled, &[], 2), Corner::RightTop);
        // Values the plot takes in besides move the bounds: a flat line at 1 with 0 and 10
        // taken in sits low, out of the top corners' way.
        assert_eq!(corner(&line(&[1.0; 24]), &[0.0, 10.0], 3), Corner::RightTop);
        // Nothing drawn: the default place.
        assert_eq!(corner(&[], &[], 3), Corner::RightTop);
    }

    #[test]
    fn a_plot_filled_to_every_corner_makes_room_for_its_legend_above() {
        // A stacked area from 0 to 100 all along, under a legend of 4 entries (84 of 200
        // points: 42% of the height).
        let full: Vec<[f64; 3]> = (0..24).map(|k| [f64::from(k), 0.0, 100.0]).collect();
        let place = legend_place(&full, &[], 4, 200.0);
        assert_eq!(place.corner, egui_plot::Corner::RightTop);
        let top = place.room_y.expect("room made");
        // With that taken in, the legend's share of the bounds (5% margins) is just above 100.
        let (y0, y1) = (-0.05 * top, top * 1.05);
        let legend_bottom = y1 - 0.42 * (y1 - y0);
        assert!(
            (100.0..101.0).contains(&legend_bottom),
            "{top}: {legend_bottom}"
        );
        // And, taken in, the legend then hides nothing.
        let again = legend_place(&full, &[top], 4, 200.0);
        assert_eq!(again.room_y, None);
        assert_eq!(again.corner, egui_plot::Corner::RightTop);
    }

    #[test]
    fn a_day_axis_marks_the_first_of_each_month() {
        let day = |y, m, d| f64::from(Date::from_ymd(y, m, d).unwrap().0);
        let marks = day_marks(egui_plot::GridInput {
            bounds: (day(2023, 2, 12), day(2023, 8, 20)),
            base_step_size: 0.5,
        });
        let shown: Vec<(String, f64)> = marks
            .iter()
            .map(|m| {
                (
                    Date(m.value as i32).to_string(),
                    (m.step_size / 30.0).round(),
                )
            })
            .collect();
        let expected = [
            ("2023-03-01", 1.0),
            ("2023-04-01", 3.0),
            ("2023-05-01", 1.0),
            ("2023-06-01", 1.0),
            ("2023-07-01", 3.0),
            ("2023-08-01", 1.0),
        ];
        assert_eq!(shown, expected.map(|(d, s)| (d.to_string(), s)).to_vec());
        // Januaries the heaviest.
        let marks = day_marks(egui_plot::GridInput {
            bounds: (day(2023, 12, 1), day(2024, 2, 1)),
            base_step_size: 0.5,
        });
        let january = marks.iter().find(|m| m.value == day(2024, 1, 1)).unwrap();
        assert!(marks.iter().all(|m| m.step_size <= january.step_size));
        assert!(
            day_marks(egui_plot::GridInput {
                bounds: (f64::NAN, 1.0),
                base_step_size: 1.0
            })
            .is_empty()
        );
    }
}
