//! The projection part of the Results page: each scenario against the no-programme baseline —
//! the comparison table, retention curves with P10–P90 bands, cumulative net benefit, points
//! liability, tier mix over time and incremental revenue per segment and per persona.

use eframe::egui::{self, Color32};
use egui_plot::{Bar, BarChart, FilledArea, Line, LineStyle, PlotPoints};

use crate::format::counted;
use crate::sim::projection::programme::{
    Bands, GroupOutlook, Projection, ScenarioOutlook, projection_measures,
};
use crate::ui::state::AppState;
use crate::ui::theme;
use crate::ui::widgets::{
    Reading, axis_number, band_ink, bar_ink, bar_label_room, line_ink, month_axis, month_hover,
    placed_legend, plot,
};

/// Draws the projection section of the Results page.
pub fn projection_ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.heading("Projection: each programme against no programme");
    let full = state
        .doc
        .as_ref()
        .map_or(0, |d| d.project.settings.monte_carlo_runs);
    ui.checkbox(
        &mut state.all_runs,
        format!("All {full} Monte Carlo runs (slower; otherwise a fast preview)"),
    )
    .on_hover_text(
        "The fast preview follows every edit with a few runs; tick this for the project's full \
         number of runs and narrower P10–P90 bands.",
    );
    let Some((_, outcome)) = &state.projection else {
        ui.label("Projecting…");
        return;
    };
    let p = match outcome {
        Ok(p) => p,
        Err(e) => {
            ui.colored_label(theme::ERROR, format!("No projection: {e}"));
            return;
        }
    };
    ui.label(format!(
        "{} from {} to {}, {}, {} model; median (P10–P90)",
        counted(p.horizon_months.into(), "month"),
        p.start,
        p.end,
        p.runs_text(),
        p.model
    ));
    comparison_ui(ui, p);
    ui.add_space(10.0);
    ui.strong("Retention: share of today's customers still alive");
    retention_plot_ui(ui, p);
    ui.strong(
        "Retention against no programme: percentage points, run by run on the same draws \
         (median, P10–P90)",
    );
    retention_uplift_plot_ui(ui, p);
    ui.strong("Cumulative incremental margin minus programme cost (mean)");
    let ink: Vec<[f64; 3]> = p
        .scenarios
        .iter()
        .flat_map(|o| line_ink(&o.cumulative_net))
        .collect();
    let legend = (&ink[..], p.scenarios.len());
    month_plot_ui(ui, "net_plot", p, Reading::Money, legend, |plot| {
        for (k, o) in p.scenarios.iter().enumerate() {
            plot.line(
                Line::new(o.scenario.clone(), points(&o.cumulative_net)).color(theme::series(k)),
            );
        }
    });
    ui.strong("Points liability at month end (median)");
    let ink: Vec<[f64; 3]> = p
        .scenarios
        .iter()
        .flat_map(|o| line_ink(&o.liability.p50))
        .collect();
    let legend = (&ink[..], p.scenarios.len());
    month_plot_ui(ui, "liability_plot", p, Reading::Money, legend, |plot| {
        for (k, o) in p.scenarios.iter().enumerate() {
            plot.line(
                Line::new(o.scenario.clone(), points(&o.liability.p50)).color(theme::series(k)),
            );
        }
    });
    for o in p.scenarios.iter().filter(|o| !o.tier_members.is_empty()) {
        ui.strong(format!(
            "Tier mix of {} (mean members at month end)",
            o.scenario
        ));
        let names: Vec<String> = state
            .doc
            .as_ref()
            .and_then(|d| d.project.scenario(&o.scenario))
            .map(|s| s.tiers.iter().map(|t| t.name.clone()).collect())
            .unwrap_or_default();
        // Stacked: each tier's band (from, to) sits on the tiers below it.
        let mut layers: Vec<(Vec<f64>, Vec<f64>)> = Vec::with_capacity(o.tier_members.len());
        let mut below = vec![0.0; p.months.len()];
        for series in &o.tier_members {
            let top: Vec<f64> = below.iter().zip(series).map(|(b, v)| b + v).collect();
            layers.push((std::mem::replace(&mut below, top.clone()), top));
        }
        let ink: Vec<[f64; 3]> = line_ink(&below).map(|[x, _, top]| [x, 0.0, top]).collect();
        let id = format!("tiers_{}", o.scenario);
        let legend = (&ink[..], layers.len());
        month_plot_ui(ui, &id, p, Reading::Count("member"), legend, |plot| {
            let xs: Vec<f64> = (0..p.months.len()).map(|k| k as f64).collect();
            for (t, (from, to)) in layers.iter().enumerate() {
                let name = names.get(t).cloned().unwrap_or_else(|| format!("tier {t}"));
                plot.add(
                    FilledArea::new(name, &xs, from, to)
                        .fill_color(theme::series(t).gamma_multiply(0.6)),
                );
            }
        });
    }
    let Some(project) = state.doc.as_ref().map(|d| &d.project) else {
        return;
    };
    let segments = Grouping {
        names: project.segments.iter().map(|s| s.name.clone()).collect(),
        catch_all: crate::model::UNASSIGNED,
        groups_of: |o| &o.by_segment,
    };
    let personas = Grouping {
        names: project.personas.iter().map(|p| p.name.clone()).collect(),
        catch_all: crate::model::NO_PERSONA,
        groups_of: |o| &o.by_persona,
    };
    let revenue = Measure {
        value: |g| g.incremental_revenue.p50,
        show: crate::format::money,
    };
    let uplift = Measure {
        value: |g| g.retention_uplift.last().p50 * 100.0,
        show: |v| format!("{v:+.2} points"),
    };
    ui.strong("Incremental revenue per segment (median)");
    group_bars_ui(ui, "segment_bars", p, &segments, revenue);
    ui.strong("Retention uplift at the horizon per segment (median, percentage points)");
    group_bars_ui(ui, "segment_uplift_bars", p, &segments, uplift);
    ui.strong("Incremental revenue per persona (median)");
    group_bars_ui(ui, "persona_bars", p, &personas, revenue);
    ui.strong("Retention uplift at the horizon per persona (median, percentage points)");
    group_bars_ui(ui, "persona_uplift_bars", p, &personas, uplift);
}

fn comparison_ui(ui: &mut egui::Ui, p: &Projection) {
    egui::Grid::new("projection_comparison")
        .num_columns(p.scenarios.len() + 1)
        .striped(true)
        .spacing([24.0, 4.0])
        .show(ui, |ui| {
            ui.label("");
            for o in &p.scenarios {
                ui.strong(&o.scenario);
            }
            ui.end_row();
            for (label, show) in projection_measures() {
                ui.label(label);
                for o in &p.scenarios {
                    ui.label(show(p, o));
                }
                ui.end_row();
            }
        });
}

fn points(series: &[f64]) -> PlotPoints<'static> {
    PlotPoints::from(
        series
            .iter()
            .enumerate()
            .map(|(k, v)| [k as f64, *v])
            .collect::<Vec<_>>(),
    )
}

/// A band (P10–P90 filled) and its median line.
fn band_ui(plot: &mut egui_plot::PlotUi, name: &str, b: &Bands, colour: Color32, dashed: bool) {
    let xs: Vec<f64> = (0..b.p50.len()).map(|k| k as f64).collect();
    let mut line = Line::new(name.to_string(), points(&b.p50)).color(colour);
    if dashed {
        line = line.style(LineStyle::dashed_loose());
    }
    plot.line(line);
    plot.add(
        // The same name as the median line: one legend entry shows or hides both.
        FilledArea::new(name.to_string(), &xs, &b.p10, &b.p90)
            .fill_color(colour.gamma_multiply(0.2)),
    );
}

fn retention_plot_ui(ui: &mut egui::Ui, p: &Projection) {
    let ink: Vec<[f64; 3]> = std::iter::once(&p.baseline.retention)
        .chain(p.scenarios.iter().map(|o| &o.retention))
        .flat_map(|b| band_ink(&b.p10, &b.p90))
        .collect();
    let legend = (&ink[..], p.scenarios.len() + 1);
    month_plot_ui(ui, "retention_plot", p, Reading::Share, legend, |plot| {
        band_ui(
            plot,
            "no programme",
            &p.baseline.retention,
            theme::BASELINE,
            true,
        );
        for (k, o) in p.scenarios.iter().enumerate() {
            band_ui(plot, &o.scenario, &o.retention, theme::series(k), false);
        }
    });
}

/// Each scenario's retention minus the baseline's, run by run, in percentage points, against
/// the baseline's zero.
fn retention_uplift_plot_ui(ui: &mut egui::Ui, p: &Projection) {
    let uplifts: Vec<Bands> = p
        .scenarios
        .iter()
        .map(|o| o.retention_uplift.scaled(100.0))
        .collect();
    // A point each month, so that hovering names the month under the mouse.
    let zero = vec![0.0; p.months.len()];
    let ink: Vec<[f64; 3]> = line_ink(&zero)
        .chain(uplifts.iter().flat_map(|b| band_ink(&b.p10, &b.p90)))
        .collect();
    let (reading, legend) = (Reading::PercentagePoints, (&ink[..], p.scenarios.len() + 1));
    month_plot_ui(ui, "retention_uplift_plot", p, reading, legend, |plot| {
        plot.line(
            Line::new("no programme", points(&zero))
                .color(theme::BASELINE)
                .style(LineStyle::dashed_loose()),
        );
        for (k, (o, uplift)) in p.scenarios.iter().zip(&uplifts).enumerate() {
            band_ui(plot, &o.scenario, uplift, theme::series(k), false);
        }
    });
}

/// Height of the projection's bar charts, in points.
const BARS_HEIGHT_PX: f32 = 220.0;

/// Height of the projection's plots over months, in points.
const MONTH_PLOT_HEIGHT_PX: f32 = 220.0;

/// A plot over the projected months of what `add` draws, whose `ink` (see [`placed_legend`])
/// decides where its legend of `rows` entries goes; hovering shows the month and the value
/// read as `reading` says (a [`Reading::Share`] is a percentage on the axis too).
fn month_plot_ui(
    ui: &mut egui::Ui,
    id: &str,
    p: &Projection,
    reading: Reading,
    (ink, rows): (&[[f64; 3]], usize),
    add: impl FnOnce(&mut egui_plot::PlotUi),
) {
    let legend = theme::band_legend();
    let mut plot = placed_legend(
        month_axis(plot(id), p.start),
        legend,
        ink,
        &[],
        rows,
        MONTH_PLOT_HEIGHT_PX,
    )
    .label_formatter(month_hover(p.start, reading));
    if reading == Reading::Share {
        plot = plot.y_axis_formatter(|mark, _| {
            format!(
                "{}%",
                axis_number(mark.value * 100.0, mark.step_size * 100.0)
            )
        });
    }
    let shown = ui.scope(|ui| plot.show(ui, add));
    crate::ui::plot_export::png_button_ui(ui, id, shown.response.rect);
}

/// The labels of the groups' bars: `names`, then `catch_all` (the group after them in
/// `groups`) unless nobody is in it.
fn bar_labels(mut names: Vec<String>, catch_all: &str, groups: &[GroupOutlook]) -> Vec<String> {
    if groups.get(names.len()).is_some_and(|g| g.customers > 0) {
        names.push(catch_all.to_string());
    }
    names
}

/// One way of grouping the customers, segments or personas: their names, in the order
/// `groups_of` lists their outlooks, then the group `catch_all` (Unassigned, no persona).
struct Grouping {
    names: Vec<String>,
    catch_all: &'static str,
    groups_of: fn(&ScenarioOutlook) -> &Vec<GroupOutlook>,
}

/// What a group's bar shows: its height and how that reads in its hover label.
#[derive(Clone, Copy)]
struct Measure {
    value: fn(&GroupOutlook) -> f64,
    show: fn(f64) -> String,
}

/// Bars of `measure` of each group, one colour per scenario; the catch-all group is left out
/// when nobody is in it. A hovered bar is labelled with its scenario, its group and its value.
fn group_bars_ui(
    ui: &mut egui::Ui,
    id: &str,
    p: &Projection,
    grouping: &Grouping,
    measure: Measure,
) {
    let Measure { value, show } = measure;
    let groups_of = grouping.groups_of;
    let groups = p.scenarios.first().map_or(&[][..], |o| groups_of(o));
    let names = bar_labels(grouping.names.clone(), grouping.catch_all, groups);
    let groups = names.len().max(1) as f64;
    let width = 0.8 / p.scenarios.len().max(1) as f64;
    let labels = names.clone();
    let [low, high] = bar_label_room(
        p.scenarios
            .iter()
            .flat_map(|o| groups_of(o).iter().take(names.len()).map(value)),
    );
    // Each group's bars side by side, one per scenario, around the group's x.
    let bar_x = move |g: usize, s: usize| g as f64 - 0.4 + width * (s as f64 + 0.5);
    let ink: Vec<[f64; 3]> = p
        .scenarios
        .iter()
        .enumerate()
        .flat_map(|(s, o)| {
            groups_of(o)
                .iter()
                .take(names.len())
                .enumerate()
                .flat_map(move |(g, out)| bar_ink(bar_x(g, s), width, value(out)))
        })
        .collect();
    let rows = p.scenarios.len();
    let shown = ui.scope(|ui| {
        placed_legend(
            plot(id),
            theme::legend(),
            &ink,
            &[low, high],
            rows,
            BARS_HEIGHT_PX,
        )
        .include_y(low)
        .include_y(high)
        .x_axis_formatter(move |mark, _| {
            let k = mark.value.round();
            if (mark.value - k).abs() < 1e-6 && k >= 0.0 {
                labels.get(k as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            for (s, o) in p.scenarios.iter().enumerate() {
                let bars: Vec<Bar> = groups_of(o)
                    .iter()
                    .enumerate()
                    .filter(|(g, _)| (*g as f64) < groups)
                    .map(|(g, out)| {
                        Bar::new(bar_x(g, s), value(out))
                            .width(width)
                            .name(names.get(g).cloned().unwrap_or_default())
                    })
                    .collect();
                let scenario = o.scenario.clone();
                plot.bar_chart(
                    BarChart::new(o.scenario.clone(), bars)
                        .color(theme::series(s))
                        .element_formatter(Box::new(move |bar, _| {
                            format!("{scenario}\n{}: {}", bar.name, show(bar.value))
                        })),
                );
            }
        })
    });
    crate::ui::plot_export::png_button_ui(ui, id, shown.response.rect);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catch_all_group_is_labelled_only_when_someone_is_in_it() {
        let group = |customers| GroupOutlook {
            customers,
            ..GroupOutlook::default()
        };
        let names = || vec!["Regulars".to_string(), "Lapsing".to_string()];
        let labels = bar_labels(names(), "Unassigned", &[group(5), group(0), group(0)]);
        assert_eq!(labels, ["Regulars", "Lapsing"]);
        let labels = bar_labels(names(), "Unassigned", &[group(5), group(0), group(3)]);
        assert_eq!(labels, ["Regulars", "Lapsing", "Unassigned"]);
        // A named group stays, empty or not; without groups there is no catch-all.
        assert_eq!(
            bar_labels(names(), "Unassigned", &[]),
            ["Regulars", "Lapsing"]
        );
    }
}
