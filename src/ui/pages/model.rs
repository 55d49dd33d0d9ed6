//! The Model page: the fitted customer model's parameters, its diagnostic plots (calibration
//! histogram, tracking plot, P(alive) by recency) and the backtest score.

use eframe::egui;
use egui_plot::{Bar, BarChart, FilledArea, Line, LineStyle, PlotPoints};

use crate::format::{count, estimate, money};
use crate::model::Date;
use crate::sim::models::SpendFit;
use crate::sim::models::report::ModelReport;
use crate::sim::projection::{Backtest, Scored};
use crate::ui::state::AppState;
use crate::ui::theme;
use crate::ui::widgets::{
    Reading, band_ink, bar_ink, bar_label_room, day_axis, month_axis, month_hover, placed_legend,
    plot,
};

/// Height of the page's plots, in points.
const PLOT_HEIGHT_PX: f32 = 200.0;

/// Draws the Model page.
pub fn model_ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.heading("Model: how customers buy and drop out");
    let Some((_, report)) = &state.model_report else {
        match state.doc.as_ref() {
            Some(d) if d.data.is_none() => ui.label("Import transactions to fit the model."),
            _ => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Fitting the model and backtesting it…");
                })
                .response
            }
        };
        return;
    };
    if state.model_stale() {
        ui.colored_label(
            theme::WARNING,
            "This fit is for earlier settings or data; a new one is on the way.",
        );
    }
    let r = match report {
        Ok(r) => r,
        Err(e) => {
            ui.colored_label(theme::ERROR, format!("The model cannot be fitted: {e}"));
            return;
        }
    };
    parameters_ui(ui, r);
    ui.add_space(10.0);
    backtest_ui(ui, &r.backtest, r.calibration_end);
    ui.add_space(10.0);
    ui.strong("Customers by repeat purchases in the calibration window");
    histogram_ui(ui, r);
    ui.strong("Cumulative repeat purchases: actual and model");
    tracking_ui(ui, r);
    ui.strong(format!(
        "P(alive) by recency, at the median customer age ({:.0} periods)",
        r.p_alive_age
    ));
    p_alive_ui(ui, r);
}

fn parameters_ui(ui: &mut egui::Ui, r: &ModelReport) {
    ui.label(format!(
        "{} fitted on {} customers' history to {} (log-likelihood {:.1})",
        r.model,
        count(r.customers as u64),
        r.calibration_end,
        r.fit.log_likelihood
    ));
    egui::Grid::new("model_params")
        .striped(true)
        .spacing([24.0, 4.0])
        .show(ui, |ui| {
            ui.strong("parameter");
            ui.strong("estimate");
            ui.strong("standard error");
            ui.end_row();
            for ((name, value), se) in r
                .param_names
                .iter()
                .zip(r.fit.params.to_vec())
                .zip(&r.fit.std_errors)
            {
                ui.label(*name);
                ui.label(estimate(value, 4));
                ui.label(se.map_or("-".into(), |s| format!("{s:.4}")));
                ui.end_row();
            }
            match &r.spend {
                Ok(s) => {
                    for ((name, value), se) in ["Gamma-Gamma p", "Gamma-Gamma q", "Gamma-Gamma γ"]
                        .iter()
                        .zip([s.params.p, s.params.q, s.params.gamma])
                        .zip(&s.std_errors)
                    {
                        ui.label(*name);
                        ui.label(estimate(value, 4));
                        ui.label(se.map_or("-".into(), |s| format!("{s:.4}")));
                        ui.end_row();
                    }
                }
                Err(e) => {
                    ui.label("Gamma-Gamma");
                    ui.label(format!("not fitted: {e}"));
                    ui.end_row();
                }
            }
        });
    let spend_notes = r.spend.as_ref().map(SpendFit::notes).unwrap_or_default();
    for note in r.fit.notes(r.period).into_iter().chain(spend_notes) {
        ui.label(format!("Note: {note}."));
    }
}

fn error_text(s: &Scored) -> String {
    s.error_pct.map_or("-".into(), |e| format!("{e:+.1}%"))
}

/// The backtest; its notes unless it was fitted to `fitted_to`, the page's own fit.
fn backtest_ui(ui: &mut egui::Ui, backtest: &Result<Backtest, String>, fitted_to: Date) {
    let b = match backtest {
        Ok(b) => b,
        Err(e) => {
            ui.label(format!("No backtest: {e}"));
            return;
        }
    };
    ui.strong(format!(
        "Backtest: fitted to {}, projected to {} ({} runs)",
        b.calibration_end, b.holdout_end, b.runs
    ));
    egui::Grid::new("backtest")
        .striped(true)
        .spacing([24.0, 4.0])
        .show(ui, |ui| {
            for h in ["holdout", "actual", "predicted", "error", "monthly MAPE"] {
                ui.strong(h);
            }
            ui.end_row();
            let mape = |m: Option<f64>| m.map_or("-".into(), |m| format!("{m:.1}%"));
            let t = &b.total;
            ui.label("transactions");
            ui.label(count(t.transactions.actual.round() as u64));
            ui.label(count(t.transactions.predicted.round().max(0.0) as u64));
            ui.label(error_text(&t.transactions));
            ui.label(mape(t.transactions_mape_pct));
            ui.end_row();
            ui.label("revenue");
            ui.label(money(t.revenue.actual));
            ui.label(money(t.revenue.predicted));
            ui.label(error_text(&t.revenue));
            ui.label(mape(t.revenue_mape_pct));
            ui.end_row();
            ui.label("active customers per month");
            ui.label("");
            ui.label("");
            ui.label("");
            ui.label(mape(t.active_customers_mape_pct));
            ui.end_row();
        });
    // Fitted on the page's own window, the backtest's fit is the one noted above.
    if b.calibration_end != fitted_to {
        for note in &b.notes {
            ui.label(format!("Backtest note: {note}."));
        }
    }
    let xs: Vec<f64> = (0..b.monthly.len()).map(|k| k as f64).collect();
    let lo: Vec<f64> = b.monthly.iter().map(|m| m.transactions.p10).collect();
    let hi: Vec<f64> = b.monthly.iter().map(|m| m.transactions.p90).collect();
    let series = |f: fn(&crate::sim::projection::BacktestMonth) -> f64| -> PlotPoints<'static> {
        PlotPoints::from(
            b.monthly
                .iter()
                .enumerate()
                .map(|(k, m)| [k as f64, f(m)])
                .collect::<Vec<_>>(),
        )
    };
    ui.strong(
        "Transactions (purchase days) per month in the holdout: actual and predicted (P10–P90)",
    );
    let first = b.monthly.first().map_or(b.calibration_end, |m| m.month);
    let ink: Vec<[f64; 3]> = band_ink(&lo, &hi)
        .chain(b.monthly.iter().enumerate().map(|(k, m)| {
            let v = m.transactions.actual;
            [k as f64, v, v]
        }))
        .collect();
    let shown = ui.scope(|ui| {
        let plot = month_axis(plot("backtest_plot"), first);
        placed_legend(plot, theme::band_legend(), &ink, &[], 2, PLOT_HEIGHT_PX)
            .label_formatter(month_hover(first, Reading::Count("purchase day")))
            .show(ui, |plot| {
                plot.line(
                    Line::new("predicted", series(|m| m.transactions.predicted))
                        .color(theme::series(0)),
                );
                plot.add(
                    FilledArea::new("predicted", &xs, &lo, &hi)
                        .fill_color(theme::series(0).gamma_multiply(0.2)),
                );
                plot.line(
                    Line::new("actual", series(|m| m.transactions.actual)).color(theme::series(1)),
                );
            })
    });
    crate::ui::plot_export::png_button_ui(ui, "backtest_plot", shown.response.rect);
}

/// Width of a histogram bar, and how far the actual (left) and the model's (right) bars of a
/// bin sit from its middle.
const BIN_BAR_WIDTH: f64 = 0.38;
const BIN_OFFSET: f64 = 0.2;

/// The label egui_plot writes over a hovered bar of a chart.
type BarLabel = Box<dyn Fn(&Bar, &BarChart) -> String>;

fn histogram_ui(ui: &mut egui::Ui, r: &ModelReport) {
    let last = r.histogram.len().saturating_sub(1);
    let [_, high] = bar_label_room(r.histogram.iter().flat_map(|b| [b.actual, b.expected]));
    let ink: Vec<[f64; 3]> = r
        .histogram
        .iter()
        .flat_map(|b| {
            let x = f64::from(b.x);
            bar_ink(x - BIN_OFFSET, BIN_BAR_WIDTH, b.actual)
                .into_iter()
                .chain(bar_ink(x + BIN_OFFSET, BIN_BAR_WIDTH, b.expected))
        })
        .collect();
    let shown = ui.scope(|ui| {
        placed_legend(
            plot("histogram_plot"),
            theme::legend(),
            &ink,
            &[high],
            2,
            PLOT_HEIGHT_PX,
        )
        .x_axis_formatter(move |mark, _| {
            let k = mark.value.round();
            if (mark.value - k).abs() > 1e-6 || k < 0.0 {
                String::new()
            } else if k as usize == last {
                format!("{k}+")
            } else {
                format!("{k}")
            }
        })
        .include_y(high)
        .show(ui, |plot| {
            let bars = |f: fn(&crate::sim::models::diagnostics::FrequencyBin) -> f64,
                        offset: f64| {
                r.histogram
                    .iter()
                    .map(|b| {
                        let name = if b.x as usize == last {
                            format!("{}+ repeat purchases", b.x)
                        } else {
                            crate::format::counted(b.x.into(), "repeat purchase")
                        };
                        Bar::new(f64::from(b.x) + offset, f(b))
                            .width(BIN_BAR_WIDTH)
                            .name(name)
                    })
                    .collect::<Vec<_>>()
            };
            // The label of a hovered bar: whose count, its bin and its customers (the
            // model's expected count with one decimal).
            let label = |who: &'static str, decimals: usize| -> BarLabel {
                Box::new(move |bar, _| {
                    format!("{who}\n{}: {:.decimals$} customers", bar.name, bar.value)
                })
            };
            plot.bar_chart(
                BarChart::new("actual", bars(|b| b.actual, -BIN_OFFSET))
                    .color(theme::series(1))
                    .element_formatter(label("actual", 0)),
            );
            plot.bar_chart(
                BarChart::new("model", bars(|b| b.expected, BIN_OFFSET))
                    .color(theme::series(0))
                    .element_formatter(label("the model expects", 1)),
            );
        })
    });
    crate::ui::plot_export::png_button_ui(ui, "histogram_plot", shown.response.rect);
}

fn tracking_ui(ui: &mut egui::Ui, r: &ModelReport) {
    let calibration_end = f64::from(r.calibration_end.0);
    let points = |f: fn(&crate::sim::models::diagnostics::TrackingPoint) -> f64| {
        PlotPoints::from(
            r.tracking
                .iter()
                .map(|p| [f64::from(p.period_end.0), f(p)])
                .collect::<Vec<_>>(),
        )
    };
    let ink: Vec<[f64; 3]> = r
        .tracking
        .iter()
        .flat_map(|p| {
            let x = f64::from(p.period_end.0);
            [[x, p.actual, p.actual], [x, p.expected, p.expected]]
        })
        .collect();
    let shown = ui.scope(|ui| {
        let plot = day_axis(plot("tracking_plot"));
        placed_legend(plot, theme::legend(), &ink, &[], 3, PLOT_HEIGHT_PX)
            .label_formatter(|pos| match pos {
                egui_plot::HoverPosition::NearDataPoint {
                    plot_name,
                    position,
                    ..
                } => Some(format!(
                    "{plot_name}\nto {}: {}",
                    Date(position.x.round() as i32),
                    Reading::Count("repeat purchase").show(position.y)
                )),
                egui_plot::HoverPosition::Elsewhere { .. } => None,
            })
            .show(ui, |plot| {
                plot.line(Line::new("actual", points(|p| p.actual)).color(theme::series(1)));
                plot.line(Line::new("model", points(|p| p.expected)).color(theme::series(0)));
                plot.vline(
                    egui_plot::VLine::new("calibration end", calibration_end)
                        .color(theme::BASELINE)
                        .style(LineStyle::dashed_loose()),
                );
            })
    });
    crate::ui::plot_export::png_button_ui(ui, "tracking_plot", shown.response.rect);
}

fn p_alive_ui(ui: &mut egui::Ui, r: &ModelReport) {
    let curves: Vec<(String, Vec<[f64; 2]>)> = r
        .p_alive_curves
        .iter()
        .map(|(x, curve)| {
            let n = curve.len().saturating_sub(1).max(1) as f64;
            let points = curve
                .iter()
                .enumerate()
                .map(|(i, p)| [i as f64 / n, *p])
                .collect();
            (
                crate::format::counted(u64::from(*x), "repeat purchase"),
                points,
            )
        })
        .collect();
    let ink: Vec<[f64; 3]> = curves
        .iter()
        .flat_map(|(_, points)| points.iter().map(|&[x, y]| [x, y, y]))
        .collect();
    let rows = curves.len();
    let shown = ui.scope(|ui| {
        let plot = plot("p_alive_plot");
        placed_legend(
            plot,
            theme::legend(),
            &ink,
            &[0.0, 1.0],
            rows,
            PLOT_HEIGHT_PX,
        )
        .x_axis_label("recency: last purchase, as a share of the customer's age")
        .include_y(0.0)
        .include_y(1.0)
        .show(ui, |plot| {
            for (k, (name, points)) in curves.into_iter().enumerate() {
                plot.line(Line::new(name, PlotPoints::from(points)).color(theme::series(k)));
            }
        })
    });
    crate::ui::plot_export::png_button_ui(ui, "p_alive_plot", shown.response.rect);
}
