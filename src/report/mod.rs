//! The client report: one self-contained HTML file (inline CSS and SVG charts, no scripts, no
//! links to the network) with each scenario's programme in plain words, the assumptions, the
//! comparison table, the charts and the data's provenance. Shared by `tierlab report` and the
//! GUI's File → Export report…; the charts are also written as `.svg` files by the result export.
//!
//! The text depends only on its inputs (no clock, no paths beyond the data file's name), so the
//! same project, data and seed give the same bytes.

pub mod svg;

use std::fmt::Write as _;
use std::path::Path;

use crate::data::import::ImportReport;
use crate::format::{count, counted, estimate, money};
use crate::model::colour::{BASELINE_COLOUR, series_colour};
use crate::model::{Expiry, Project, QualifyingMetric, RESPONSE_PARAMETERS, Scenario};
use crate::sim::models::report::ModelReport;
use crate::sim::projection::programme::{Bands, Projection, ScenarioOutlook, projection_measures};
use crate::sim::replay::{Replay, comparison_measures};
use svg::{Chart, Line, escape};

/// What a report is made of: the project, its data and the results computed on it.
#[derive(Clone, Copy, Debug)]
pub struct ReportInput<'a> {
    /// The project (scenarios, personas, settings).
    pub project: &'a Project,
    /// The import of its data: provenance, rejects and monthly activity.
    pub import: &'a ImportReport,
    /// The replay of each scenario reported, in order.
    pub replays: &'a [Replay],
    /// The projection of those scenarios (`None`: history only).
    pub projection: Option<&'a Projection>,
    /// The fitted customer model and its backtest (`Err` says why there is none).
    pub model: Option<Result<&'a ModelReport, &'a str>>,
}

/// One chart of a report: a file-friendly name and its SVG text.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedChart {
    /// Short name, usable as a file name stem (`retention`, `tier_mix_gold_rush`).
    pub name: String,
    /// The chart as SVG.
    pub svg: String,
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#222;\
max-width:980px;margin:2em auto;padding:0 1em;line-height:1.45}\
h1{margin-bottom:0.1em}h2{border-bottom:2px solid #1f77b4;padding-bottom:0.2em;margin-top:2em}\
.sub{color:#666;margin-top:0}table{border-collapse:collapse;margin:0.6em 0 1.2em}\
th,td{border:1px solid #ddd;padding:0.3em 0.6em;text-align:right;vertical-align:top}\
th:first-child,td:first-child{text-align:left}th{background:#f3f5f8}\
tr.section td{background:#fafafa;font-weight:bold}.swatch{display:inline-block;width:0.8em;\
height:0.8em;border-radius:50%;margin-right:0.4em}.chart{margin:0.8em 0}\
.chart svg{max-width:100%;height:auto;border:1px solid #eee}.note{color:#666;font-size:0.9em}\
.card{border:1px solid #ddd;border-radius:6px;padding:0.6em 1em;margin:1em 0}\
@media print{h2{page-break-before:auto}.chart{page-break-inside:avoid}}";

/// A value with a k/M suffix for axes: `12 300` → `12.3k`.
fn compact(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 || a == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn share_axis(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn points_axis(v: f64) -> String {
    format!("{v:+.1}")
}

fn banded(name: &str, k: Option<usize>, bands: &Bands) -> Line {
    Line {
        name: name.to_string(),
        colour: k.map_or(BASELINE_COLOUR, series_colour),
        values: bands.p50.clone(),
        band: Some((bands.p10.clone(), bands.p90.clone())),
        dashed: k.is_none(),
    }
}

/// A file-name stem from a scenario name: lower case, runs of other characters as `_`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        "scenario".into()
    } else {
        trimmed.to_string()
    }
}

/// The report's charts, in the order they appear: the projection's (retention, its uplift, net value,
/// cost, liability, tier mix per tiered scenario) when there is one, then the replayed history
/// (points outstanding) and the data (monthly revenue, active customers). `standalone` adds
/// the SVG namespace, for `.svg` files.
pub fn charts(input: &ReportInput, standalone: bool) -> Vec<NamedChart> {
    let currency = &input.project.currency;
    let mut out = Vec::new();
    // One line chart: its file name, title, months, y-axis format and lines.
    let lines_chart = |name: &str,
                       title: String,
                       months: &[crate::model::Date],
                       y_format: fn(f64) -> String,
                       lines: &[Line],
                       from_zero: bool| {
        let chart = Chart {
            title,
            months: months.to_vec(),
            y_format,
        };
        NamedChart {
            name: name.to_string(),
            svg: svg::line_chart(&chart, lines, from_zero, standalone),
        }
    };
    if let Some(p) = input.projection {
        let months = p.months.clone();
        let per_scenario = |bands: fn(&ScenarioOutlook) -> &Bands| -> Vec<Line> {
            p.scenarios
                .iter()
                .enumerate()
                .map(|(k, s)| banded(&s.scenario, Some(k), bands(s)))
                .collect()
        };
        let mut retention = vec![banded("No programme", None, &p.baseline.retention)];
        retention.extend(per_scenario(|s| &s.retention));
        out.push(lines_chart(
            "retention",
            "Retention: share of today's active customers still active (P10-P90)".into(),
            &months,
            share_axis,
            &retention,
            false,
        ));
        // The uplift in percentage points, against the baseline's zero.
        let mut uplift = vec![Line {
            name: "No programme".into(),
            colour: BASELINE_COLOUR,
            values: vec![0.0; p.months.len()],
            band: None,
            dashed: true,
        }];
        uplift.extend(p.scenarios.iter().enumerate().map(|(k, s)| {
            let b = s.retention_uplift.scaled(100.0);
            Line {
                band: Some((b.p10, b.p90)),
                ..Line::plain(&s.scenario, k, b.p50)
            }
        }));
        out.push(lines_chart(
            "retention_uplift",
            "Retention uplift against no programme, percentage points (P10-P90)".into(),
            &months,
            points_axis,
            &uplift,
            false,
        ));
        let net: Vec<Line> = p
            .scenarios
            .iter()
            .enumerate()
            .map(|(k, s)| Line::plain(&s.scenario, k, s.cumulative_net.clone()))
            .collect();
        out.push(lines_chart(
            "net_value",
            format!("Cumulative incremental margin minus programme cost ({currency})"),
            &months,
            compact,
            &net,
            true,
        ));
        out.push(lines_chart(
            "monthly_cost",
            format!("Programme cost per month ({currency})"),
            &months,
            compact,
            &per_scenario(|s| &s.monthly_cost),
            true,
        ));
        out.push(lines_chart(
            "liability",
            format!("Points liability at month end ({currency})"),
            &months,
            compact,
            &per_scenario(|s| &s.liability),
            true,
        ));
        let mut tier_mix_names: Vec<String> = Vec::new();
        for (s, outlook) in input.project.scenarios.iter().filter_map(|s| {
            p.scenarios
                .iter()
                .find(|o| o.scenario == s.name)
                .map(|o| (s, o))
        }) {
            if s.tiers.is_empty() || outlook.tier_members.is_empty() {
                continue;
            }
            let layers: Vec<(String, crate::model::Colour, Vec<f64>)> = s
                .tiers
                .iter()
                .zip(&outlook.tier_members)
                .enumerate()
                .map(|(k, (t, v))| (t.name.clone(), series_colour(k), v.clone()))
                .collect();
            // Two scenario names may make the same slug: number the later ones.
            let base = format!("tier_mix_{}", slug(&s.name));
            let mut name = base.clone();
            let mut k = 1;
            while tier_mix_names.contains(&name) {
                k += 1;
                name = format!("{base}_{k}");
            }
            tier_mix_names.push(name.clone());
            let chart = Chart {
                title: format!("{}: members per tier (mean)", s.name),
                months: months.clone(),
                y_format: compact,
            };
            let svg = svg::stacked_chart(&chart, &layers, standalone);
            out.push(NamedChart { name, svg });
        }
    }
    if let Some(first) = input.replays.first() {
        let months: Vec<_> = first.monthly.iter().map(|m| m.month).collect();
        let lines: Vec<Line> = input
            .replays
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let outstanding = r.monthly.iter().map(|m| m.totals.points_outstanding as f64);
                Line::plain(&r.scenario, k, outstanding.collect())
            })
            .collect();
        out.push(lines_chart(
            "history_points_outstanding",
            "Replayed history: points outstanding at month end".into(),
            &months,
            compact,
            &lines,
            true,
        ));
    }
    let monthly = &input.import.monthly;
    if !monthly.is_empty() {
        let months: Vec<_> = monthly.iter().map(|m| m.month).collect();
        let revenue = monthly.iter().map(|m| m.revenue).collect();
        out.push(lines_chart(
            "data_revenue",
            format!("Revenue per month in the data ({currency})"),
            &months,
            compact,
            &[Line::plain("history", 0, revenue)],
            true,
        ));
        let active = monthly.iter().map(|m| m.active_customers as f64).collect();
        out.push(lines_chart(
            "data_active_customers",
            "Active customers per month in the data".into(),
            &months,
            compact,
            &[Line::plain("history", 0, active)],
            true,
        ));
    }
    out
}

fn table(out: &mut String, header: &[String], rows: &[Vec<String>]) {
    out.push_str("<table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        if row.len() == 1 {
            let _ = write!(
                out,
                "<tr class=\"section\"><td colspan=\"{}\">{}</td></tr>",
                header.len(),
                escape(&row[0])
            );
            continue;
        }
        out.push_str("<tr>");
        for cell in row {
            // A label indented by spaces qualifies the row above it ("  without the programme").
            let indent = if cell.starts_with("  ") {
                " style=\"padding-left:1.8em\""
            } else {
                ""
            };
            let _ = write!(out, "<td{indent}>{}</td>", escape(cell.trim_start()));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn threshold(metric: QualifyingMetric, value: f64, currency: &str) -> String {
    match metric {
        QualifyingMetric::Spend => format!("{} {currency} spent", money(value)),
        QualifyingMetric::Points => format!("{} points", count(value.max(0.0) as u64)),
        QualifyingMetric::Transactions => format!("{value} transactions"),
    }
}

/// A scenario's rules in plain words, as HTML.
fn programme_html(out: &mut String, s: &Scenario, currency: &str) {
    let e = &s.earning;
    let _ = write!(out, "<div class=\"card\"><h3>{}</h3>", escape(&s.name));
    if !s.description.is_empty() {
        let _ = write!(out, "<p>{}</p>", escape(&s.description));
    }
    out.push_str("<ul>");
    let _ = write!(
        out,
        "<li>About {}% of customers are expected to join (each persona's enrolment propensity \
         applies on top).</li>",
        s.enrolment_rate_pct
    );
    let mut earning = format!(
        "Members earn {} point{} per {currency} 1 spent",
        e.points_per_currency_unit,
        if e.points_per_currency_unit == 1.0 {
            ""
        } else {
            "s"
        }
    );
    if e.min_spend > 0.0 {
        let _ = write!(
            earning,
            ", on purchases of at least {currency} {}",
            money(e.min_spend)
        );
    }
    if let Some(cap) = e.cap_points_per_transaction {
        let _ = write!(earning, ", at most {cap} points per purchase");
    }
    if let Some(cap) = e.cap_points_per_month {
        let _ = write!(earning, ", at most {cap} points per calendar month");
    }
    let _ = write!(out, "<li>{}.</li>", escape(&earning));
    for c in &e.category_multipliers {
        let _ = write!(
            out,
            "<li>Points &times; {} on {}.</li>",
            c.multiplier,
            escape(&c.category)
        );
    }
    for p in &e.promotions {
        let _ = write!(
            out,
            "<li>Promotion {}: points &times; {} from {} to {}.</li>",
            escape(&p.name),
            p.multiplier,
            p.start,
            p.end
        );
    }
    if s.tiers.is_empty() {
        out.push_str("<li>A flat programme: no tiers.</li>");
    } else {
        let q = &s.qualification;
        let _ = write!(
            out,
            "<li>Status is earned over the {}; at the end of each window, members below the \
             threshold to keep their tier are moved down ({}) after {} days of grace.</li>",
            q.window.label(),
            q.downgrade.label(),
            q.grace_days
        );
    }
    match s.expiry {
        Expiry::Never => out.push_str("<li>Points never expire.</li>"),
        Expiry::AfterEarning { months } => {
            let _ = write!(
                out,
                "<li>Points expire {} after they are earned.</li>",
                counted(months.into(), "month")
            );
        }
        Expiry::AfterInactivity { months } => {
            let _ = write!(
                out,
                "<li>The whole balance expires after {} without a purchase.</li>",
                counted(months.into(), "month")
            );
        }
    }
    if s.rewards.is_empty() {
        let _ = write!(
            out,
            "<li>No rewards catalogue: redeemed points cost {currency} {} each.</li>",
            s.cost_per_point
        );
    } else {
        let _ = write!(
            out,
            "<li>Members redeem once their balance reaches {} points; each point outstanding is \
             valued at {currency} {} for the liability.</li>",
            count(s.redemption.min_balance_points.max(0.0) as u64),
            s.cost_per_point
        );
    }
    out.push_str("</ul>");
    if !s.tiers.is_empty() {
        let header: Vec<String> = [
            "Tier",
            "Qualifies at",
            "Keeps it at",
            "Points multiplier",
            "Discount",
            &format!("Benefits cost per member per year ({currency})"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let rows: Vec<Vec<String>> = s
            .tiers
            .iter()
            .map(|t| {
                vec![
                    t.name.clone(),
                    threshold(t.metric, t.enter_threshold, currency),
                    threshold(t.metric, t.retain_threshold, currency),
                    format!("x {}", t.earn_multiplier),
                    format!("{}%", t.discount_pct),
                    money(t.annual_benefit_cost),
                ]
            })
            .collect();
        table(out, &header, &rows);
    }
    if !s.rewards.is_empty() {
        let header = vec![
            "Reward".to_string(),
            "Points".to_string(),
            format!("Cost to the business ({currency})"),
        ];
        let rows: Vec<Vec<String>> = s
            .rewards
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    count(r.points_cost.max(0.0) as u64),
                    money(r.cost),
                ]
            })
            .collect();
        table(out, &header, &rows);
    }
    out.push_str("</div>");
}

fn assumptions_html(out: &mut String, input: &ReportInput) {
    let project = input.project;
    let settings = &project.settings;
    out.push_str("<h2>Assumptions</h2>");
    if let Some(p) = input.projection {
        let _ = write!(
            out,
            "<p>The forward projection covers {} from {} to {}, with {}{} \
             (seed {}) over {} customers. Gross margin {}%, annual discount rate {}%. Bands are \
             the 10th to 90th percentiles across runs; the no-programme baseline uses the same \
             random draws as every scenario.</p>",
            counted(p.horizon_months.into(), "month"),
            p.start,
            p.end,
            counted(p.runs as u64, "Monte Carlo run"),
            p.recombined_text(),
            settings.seed,
            count(p.customers),
            settings.gross_margin_pct,
            settings.discount_rate_pct
        );
    } else {
        out.push_str("<p>History replay only: no forward projection.</p>");
    }
    out.push_str("<h3>Customer model</h3>");
    match input.model {
        Some(Ok(m)) => {
            let params: Vec<String> = m
                .param_names
                .iter()
                .zip(m.fit.params.to_vec())
                .map(|(n, v)| format!("{n} = {v:.4}"))
                .collect();
            let _ = write!(
                out,
                "<p>{} fitted on the history of {} customers up to {}: {}.",
                escape(&m.model),
                count(m.customers as u64),
                m.calibration_end,
                params.join(", ")
            );
            for note in m.fit.notes(m.period) {
                let _ = write!(out, " {}.", escape(&note));
            }
            match &m.spend {
                Ok(s) => {
                    let _ = write!(
                        out,
                        " Spend per purchase: Gamma-Gamma, p = {}, q = {}, &gamma; = {}.",
                        estimate(s.params.p, 3),
                        estimate(s.params.q, 3),
                        estimate(s.params.gamma, 3)
                    );
                    for note in s.notes() {
                        let _ = write!(out, " {}.", escape(&note));
                    }
                }
                Err(e) => {
                    let _ = write!(
                        out,
                        " Spend per purchase: each customer's own average (Gamma-Gamma: {}).",
                        escape(e)
                    );
                }
            }
            out.push_str("</p>");
            match &m.backtest {
                Ok(b) => {
                    let pct = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1}%"));
                    let _ = write!(
                        out,
                        "<p>Backtest: fitted on the data to {}, the baseline projected to {} \
                         predicted {} purchases against {} that happened ({}), and revenue of \
                         {} against {} ({}). Mean absolute error per month: transactions {}, \
                         revenue {}, active customers {}.</p>",
                        b.calibration_end,
                        b.holdout_end,
                        count(b.total.transactions.predicted.round().max(0.0) as u64),
                        count(b.total.transactions.actual.round().max(0.0) as u64),
                        pct(b.total.transactions.error_pct),
                        money(b.total.revenue.predicted),
                        money(b.total.revenue.actual),
                        pct(b.total.revenue.error_pct),
                        pct(b.total.transactions_mape_pct),
                        pct(b.total.revenue_mape_pct),
                        pct(b.total.active_customers_mape_pct)
                    );
                    // Fitted to the model paragraph's own day, its fit is the one noted there.
                    if !b.notes.is_empty() && b.calibration_end != m.calibration_end {
                        out.push_str("<p>How far that fit can be trusted:");
                        for note in &b.notes {
                            let _ = write!(out, " {}.", escape(note));
                        }
                        out.push_str("</p>");
                    }
                }
                Err(e) => {
                    let _ = write!(out, "<p>No backtest: {}.</p>", escape(e));
                }
            }
        }
        Some(Err(e)) => {
            let _ = write!(out, "<p>The model could not be fitted: {}.</p>", escape(e));
        }
        None => out.push_str("<p>The model was not fitted for this report.</p>"),
    }
    out.push_str("<h3>Personas and how they respond to a programme</h3>");
    if project.personas.is_empty() {
        out.push_str("<p>No personas: every customer responds with the default values.</p>");
    } else {
        for persona in &project.personas {
            let _ = write!(
                out,
                "<p><span class=\"swatch\" style=\"background:{}\"></span><b>{}</b> \
                 ({}): {}</p>",
                persona.colour,
                escape(&persona.name),
                escape(&if persona.segment.is_empty() {
                    "on no segment".to_string()
                } else {
                    format!("segment {}", persona.segment)
                }),
                escape(&persona.narrative.summary)
            );
        }
        let mut header = vec!["Response".to_string()];
        header.extend(project.personas.iter().map(|p| p.name.clone()));
        let rows: Vec<Vec<String>> = RESPONSE_PARAMETERS
            .iter()
            .map(|param| {
                let mut row = vec![format!("{} ({})", param.label, param.unit)];
                row.extend(
                    project
                        .personas
                        .iter()
                        .map(|p| format!("{}", (param.get)(&p.response))),
                );
                row
            })
            .collect();
        table(out, &header, &rows);
    }
    for s in &project.scenarios {
        for o in &s.response_overrides {
            let changed: Vec<String> = RESPONSE_PARAMETERS
                .iter()
                .filter_map(|param| {
                    let base = project
                        .personas
                        .iter()
                        .find(|p| p.name == o.persona)
                        .map(|p| (param.get)(&p.response));
                    let v = (param.get)(&o.response);
                    (base != Some(v)).then(|| format!("{} {} {}", param.label, v, param.unit))
                })
                .collect();
            if !changed.is_empty() {
                let _ = write!(
                    out,
                    "<p class=\"note\">In {}, {} responds differently: {}.</p>",
                    escape(&s.name),
                    escape(&o.persona),
                    escape(&changed.join(", "))
                );
            }
        }
    }
}

fn provenance_html(out: &mut String, input: &ReportInput) {
    let r = input.import;
    out.push_str("<h2>Data</h2>");
    let file = r.file.file_name().map_or_else(
        || r.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let range = match (r.first_date, r.last_date) {
        (Some(a), Some(b)) => format!("{a} to {b}"),
        _ => "no dates".into(),
    };
    let rows = vec![
        vec!["File".into(), file],
        vec!["Rows read".into(), count(r.rows_read)],
        vec!["Transactions accepted".into(), count(r.transactions as u64)],
        vec!["Rows rejected".into(), count(r.rejected)],
        vec!["Customers".into(), count(r.customers as u64)],
        vec!["Dates".into(), range],
        vec![
            format!("Revenue ({})", input.project.currency),
            money(r.revenue),
        ],
        vec!["Refunds".into(), count(r.refunds)],
        vec![
            "Read as".into(),
            format!(
                "delimiter \"{}\", dates {}, decimal {}, text {}",
                r.delimiter,
                r.date_format,
                if r.decimal_comma { "comma" } else { "point" },
                r.encoding_text()
            ),
        ],
    ];
    table(out, &["What".into(), "Value".into()], &rows);
    if !r.rejects_by_reason.is_empty() {
        let rows: Vec<Vec<String>> = r
            .rejects_by_reason
            .iter()
            .map(|(reason, n)| vec![reason.clone(), count(*n)])
            .collect();
        table(out, &["Rejected because".into(), "Rows".into()], &rows);
    }
}

/// The whole report as one HTML document.
pub fn html_report(input: &ReportInput) -> String {
    let project = input.project;
    let mut out = String::with_capacity(256 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{name} - loyalty programme scenarios</title><style>{CSS}</style></head><body>\
         <h1>{name}</h1><p class=\"sub\">Loyalty programme scenarios, prepared with tierlab {v}</p>",
        name = escape(&project.name),
        v = env!("CARGO_PKG_VERSION"),
    );
    if !project.description.is_empty() {
        let _ = write!(out, "<p>{}</p>", escape(&project.description));
    }
    let charts = charts(input, false);
    let chart = |out: &mut String, name: &str| {
        if let Some(c) = charts.iter().find(|c| c.name == name) {
            let _ = write!(out, "<div class=\"chart\">{}</div>", c.svg);
        }
    };
    out.push_str("<h2>Scenarios compared</h2>");
    let mut header = vec![String::new()];
    header.extend(input.replays.iter().map(|r| r.scenario.clone()));
    let mut rows = vec![vec!["The programme replayed on the history".to_string()]];
    rows.extend(comparison_measures().into_iter().map(|(label, show)| {
        std::iter::once(label.to_string())
            .chain(input.replays.iter().map(show))
            .collect()
    }));
    if let Some(p) = input.projection {
        rows.push(vec![format!(
            "The next {}: median (P10-P90)",
            counted(p.horizon_months.into(), "month")
        )]);
        rows.extend(projection_measures().into_iter().map(|(label, show)| {
            std::iter::once(label.to_string())
                .chain(p.scenarios.iter().map(|o| show(p, o)))
                .collect()
        }));
    }
    table(&mut out, &header, &rows);
    out.push_str(
        "<p class=\"note\">Money in the project's currency; ROI = (incremental margin - cost) / \
         cost, a dash where the programme costs nothing; payback is the first month the \
         cumulative incremental margin covers the cumulative cost.</p>",
    );
    if input.projection.is_some() {
        out.push_str("<h2>Outlook</h2>");
        for name in [
            "retention",
            "retention_uplift",
            "net_value",
            "monthly_cost",
            "liability",
        ] {
            chart(&mut out, name);
        }
        for c in charts.iter().filter(|c| c.name.starts_with("tier_mix_")) {
            let _ = write!(out, "<div class=\"chart\">{}</div>", c.svg);
        }
    }
    out.push_str("<h2>The programmes</h2>");
    for s in project
        .scenarios
        .iter()
        .filter(|s| input.replays.iter().any(|r| r.scenario == s.name))
    {
        programme_html(&mut out, s, &project.currency);
    }
    chart(&mut out, "history_points_outstanding");
    assumptions_html(&mut out, input);
    provenance_html(&mut out, input);
    chart(&mut out, "data_revenue");
    chart(&mut out, "data_active_customers");
    out.push_str(
        "<p class=\"note\">This report is one self-contained file: it needs no network and \
         holds no customer identifiers, only totals.</p></body></html>\n",
    );
    out
}

/// Writes the report atomically to `path` (a temporary file renamed over it).
pub fn write_report(path: &Path, input: &ReportInput) -> Result<(), crate::data::ProjectError> {
    crate::data::write::write_text_atomically(path, &html_report(input))
}

/// Writes every chart of the report into `dir` as `NAME.svg` (created if missing); returns the
/// files written, sorted.
pub fn write_charts(
    dir: &Path,
    input: &ReportInput,
) -> Result<Vec<std::path::PathBuf>, crate::data::ProjectError> {
    std::fs::create_dir_all(dir).map_err(|reason| crate::data::ProjectError::Io {
        action: "cannot create the folder",
        path: dir.to_path_buf(),
        reason,
    })?;
    let mut written = Vec::new();
    for chart in charts(input, true) {
        let path = dir.join(format!("{}.svg", chart.name));
        crate::data::write::write_text_atomically(&path, &chart.svg)?;
        written.push(path);
    }
    written.sort();
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(slug("Spend tiers, rolling"), "spend_tiers_rolling");
        assert_eq!(slug("  Été / 2025 "), "t_2025");
        assert_eq!(slug("!!!"), "scenario");
    }

    #[test]
    fn compact_numbers_for_axes() {
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(2.5), "2.50");
        assert_eq!(compact(1234.0), "1.2k");
        assert_eq!(compact(-45_000.0), "-45k");
        assert_eq!(compact(3_400_000.0), "3.4M");
    }
}
