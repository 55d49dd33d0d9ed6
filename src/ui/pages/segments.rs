//! The Segments page: ready-made starting sets (RFM, ABC, k-means suggestions), each segment's
//! measured size and revenue share, the RFM grid, segment sizes over time and the migration
//! matrix, and the rule editor: segments in precedence order (add, remove, move), each with its
//! name, colour, description and conditions. A segment chosen in the navigator shows alone: its
//! editor first, then the sizes the rules give.

use eframe::egui;
use egui_plot::FilledArea;

use crate::format::{count, money, percent};
use crate::model::{Combine, Condition, Feature, Op, Segment, SegmentRule, UNASSIGNED};
use crate::sim::segments::presets::{abc_segments, rfm_segments};
use crate::sim::segments::report::{Migration, RfmGrid};
use crate::ui::state::AppState;
use crate::ui::theme;
use crate::ui::widgets::plot;

/// Draws the Segments page.
pub fn segments_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let Some(doc) = &state.doc else { return };
    let selected = state.selected.filter(|&i| i < doc.project.segments.len());
    if let Some(i) = selected {
        // One segment, from the navigator: its editor first, then the sizes its rule gives.
        if ui.button("Back to all segments").clicked() {
            state.selected = None;
            return;
        }
        ui.heading(format!("Segment: {}", doc.project.segments[i].name));
        rules_ui(ui, state, Some(i));
        sizes_ui(ui, state);
        return;
    }
    ui.heading("Segments");
    ui.label(
        "Evaluated top to bottom: a customer belongs to the first segment whose rule matches.",
    );
    starting_sets_ui(ui, state);
    suggestion_ui(ui, state);
    sizes_ui(ui, state);
    if let Some((_, report)) = &state.segment_report {
        rfm_grid_ui(ui, &report.rfm_grid, state);
        migration_ui(ui, &report.migration, state);
    }
    ui.add_space(8.0);
    ui.strong("Rules");
    rules_ui(ui, state, None);
}

/// The editors of every segment's rule, or of the `selected` one alone, with "Add segment"
/// under the whole list.
fn rules_ui(ui: &mut egui::Ui, state: &mut AppState, selected: Option<usize>) {
    let Some(doc) = &mut state.doc else { return };
    let project = &mut doc.project;
    let old_names: Vec<String> = project.segments.iter().map(|s| s.name.clone()).collect();
    let n = project.segments.len();
    let mut action = None;
    for (i, seg) in project.segments.iter_mut().enumerate() {
        if selected.is_some_and(|sel| sel != i) {
            continue;
        }
        ui.add_space(6.0);
        egui::Frame::group(ui.style()).show(ui, |ui| {
            segment_editor_ui(ui, seg, i, n, &mut action);
        });
    }
    // A renamed segment keeps its personas.
    for (old, seg) in old_names.iter().zip(&project.segments) {
        if *old != seg.name {
            for p in project.personas.iter_mut().filter(|p| &p.segment == old) {
                p.segment = seg.name.clone();
            }
        }
    }
    // A segment moved while it is the one shown stays shown.
    let follow = |to: usize| selected.map(|_| to);
    match action {
        Some(SegmentAction::Up(i)) if i > 0 => {
            project.segments.swap(i, i - 1);
            state.selected = follow(i - 1);
        }
        Some(SegmentAction::Down(i)) if i + 1 < n => {
            project.segments.swap(i, i + 1);
            state.selected = follow(i + 1);
        }
        Some(SegmentAction::Remove(i)) => {
            project.segments.remove(i);
            state.selected = None;
        }
        _ => {}
    }
    if selected.is_none() && ui.button("Add segment").clicked() {
        let name = super::unique_name("New segment", |n| {
            project.segments.iter().any(|s| s.name == n)
        });
        project.segments.push(Segment {
            name,
            rule: SegmentRule {
                combine: Combine::All,
                conditions: vec![Condition {
                    feature: Feature::Frequency,
                    op: Op::Ge,
                    value: 2.0,
                }],
            },
            ..Segment::default()
        });
    }
    super::problems_ui(ui, &project.validate(), "segments");
}

/// A change to the list of segments asked for by a segment's editor.
enum SegmentAction {
    Up(usize),
    Down(usize),
    Remove(usize),
}

/// The editor of segment `i` of `n`: name, colour, description and its rule.
fn segment_editor_ui(
    ui: &mut egui::Ui,
    seg: &mut Segment,
    i: usize,
    n: usize,
    action: &mut Option<SegmentAction>,
) {
    ui.horizontal(|ui| {
        ui.strong(format!("{}.", i + 1));
        let l = ui.label("Segment name");
        ui.add(egui::TextEdit::singleline(&mut seg.name).desired_width(180.0))
            .labelled_by(l.id);
        let l = ui.label("Colour");
        ui.color_edit_button_srgb(&mut seg.colour.0)
            .labelled_by(l.id);
        if ui
            .add_enabled(i > 0, egui::Button::new("Move up"))
            .on_hover_text("evaluated earlier: takes precedence over the segments below")
            .clicked()
        {
            *action = Some(SegmentAction::Up(i));
        }
        if ui
            .add_enabled(i + 1 < n, egui::Button::new("Move down"))
            .clicked()
        {
            *action = Some(SegmentAction::Down(i));
        }
        if ui.button("Remove segment").clicked() {
            *action = Some(SegmentAction::Remove(i));
        }
    });
    ui.horizontal(|ui| {
        let l = ui.label("Description");
        ui.add(egui::TextEdit::singleline(&mut seg.description).desired_width(480.0))
            .labelled_by(l.id);
    });
    let rule = &mut seg.rule;
    ui.horizontal(|ui| {
        let l = ui.label("Customers matching");
        egui::ComboBox::from_id_salt(("combine", i))
            .selected_text(combine_label(rule.combine))
            .show_ui(ui, |ui| {
                for c in [Combine::All, Combine::Any] {
                    ui.selectable_value(&mut rule.combine, c, combine_label(c));
                }
            })
            .response
            .labelled_by(l.id);
        ui.label(match (rule.combine, rule.conditions.is_empty()) {
            (Combine::All, true) => "(no condition: every customer)",
            (Combine::Any, true) => "(no condition: no customer)",
            _ => "",
        });
    });
    let mut remove = None;
    egui::Grid::new(("conditions", i))
        .num_columns(4)
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            if rule.conditions.is_empty() {
                return;
            }
            let ids: Vec<egui::Id> = ["Feature", "Comparison", "Value"]
                .iter()
                .map(|h| ui.weak(*h).id)
                .collect();
            ui.end_row();
            for (j, c) in rule.conditions.iter_mut().enumerate() {
                egui::ComboBox::from_id_salt(("feature", i, j))
                    .selected_text(c.feature.label())
                    .width(260.0)
                    .show_ui(ui, |ui| {
                        for f in Feature::ALL {
                            ui.selectable_value(&mut c.feature, f, f.label());
                        }
                    })
                    .response
                    .labelled_by(ids[0]);
                egui::ComboBox::from_id_salt(("op", i, j))
                    .selected_text(c.op.symbol())
                    .width(50.0)
                    .show_ui(ui, |ui| {
                        for op in [Op::Lt, Op::Le, Op::Gt, Op::Ge] {
                            ui.selectable_value(&mut c.op, op, op.symbol());
                        }
                    })
                    .response
                    .labelled_by(ids[1]);
                ui.add(egui::DragValue::new(&mut c.value).speed(0.5))
                    .labelled_by(ids[2]);
                if ui.button("Remove condition").clicked() {
                    remove = Some(j);
                }
                ui.end_row();
            }
        });
    if let Some(j) = remove {
        rule.conditions.remove(j);
    }
    if ui.button("Add condition").clicked() {
        rule.conditions.push(Condition {
            feature: Feature::RecencyDays,
            op: Op::Le,
            value: 90.0,
        });
    }
}

fn combine_label(c: Combine) -> &'static str {
    match c {
        Combine::All => "all of these conditions",
        Combine::Any => "any of these conditions",
    }
}

/// Width of a cell of the migration matrix, in points.
const MIGRATION_CELL_WIDTH: f32 = 72.0;

/// The RFM grid: customers by recency score (rows, 5 = most recent on top) and frequency score
/// (columns), shaded by count and labelled with the segment most of them are in.
fn rfm_grid_ui(ui: &mut egui::Ui, g: &RfmGrid, state: &AppState) {
    let total: u64 = g.customers.iter().flatten().sum();
    if total == 0 {
        return;
    }
    let max = g
        .customers
        .iter()
        .flatten()
        .copied()
        .max()
        .unwrap_or(1)
        .max(1);
    let currency = state
        .doc
        .as_ref()
        .map_or("", |d| d.project.currency.as_str());
    ui.add_space(8.0);
    ui.strong("RFM grid: customers by recency and frequency score");
    ui.small("Rows: recency score (5 = bought most recently); columns: frequency score (5 = buys most often); shading: customers; the name is the segment most of them are in.");
    egui::Grid::new("rfm_grid")
        .spacing([4.0, 4.0])
        .show(ui, |ui| {
            ui.label("");
            for f in 1..=5 {
                ui.strong(format!("F{f}"));
            }
            ui.end_row();
            for r in (0..5).rev() {
                ui.strong(format!("R{}", r + 1));
                for f in 0..5 {
                    let n = g.customers[r][f];
                    let fill = theme::heat(n as f32 / max as f32, 0.1);
                    egui::Frame::new()
                        .fill(fill)
                        .inner_margin(egui::Margin::symmetric(6, 3))
                        .show(ui, |ui| {
                            let background = ui.visuals().panel_fill;
                            ui.visuals_mut().override_text_color =
                                Some(theme::text_on(fill, background));
                            ui.set_min_width(110.0);
                            ui.vertical(|ui| {
                                ui.label(format!(
                                    "{} ({})",
                                    count(n),
                                    percent(Some(n as f64 / total as f64))
                                ));
                                ui.small(&g.segment[r][f]);
                            });
                        })
                        .response
                        .on_hover_text(format!(
                            "R{} F{}: {} customers, {} {currency} spent",
                            r + 1,
                            f + 1,
                            count(n),
                            money(g.revenue[r][f])
                        ));
                }
                ui.end_row();
            }
        });
}

/// Buttons that replace the segments with a ready-made set.
fn starting_sets_ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Start from:");
        if ui
            .button("RFM segments")
            .on_hover_text("The eleven named RFM segments (Champions … Lost) on recency and frequency scores 1–5")
            .clicked()
        {
            state.replace_segments(rfm_segments(), "the RFM segments");
        }
        if ui
            .button("ABC analysis")
            .on_hover_text("A = customers making the top 80% of revenue, B the next 15%, C the rest")
            .clicked()
        {
            state.replace_segments(abc_segments(80.0, 95.0), "ABC classes");
        }
        let data = state.doc.as_ref().and_then(|d| d.data.clone());
        let seed = state.doc.as_ref().map_or(42, |d| d.project.settings.seed);
        if ui
            .add_enabled(data.is_some(), egui::Button::new("k-means suggestions"))
            .on_hover_text("Clusters of customers on recency, frequency, basket and tenure; k chosen by silhouette (2–10)")
            .clicked()
            && let Some(tx) = data
        {
            let ctx = ui.ctx().clone();
            state.worker.suggest_segments(&ctx, seed, tx);
            state.status = "clustering customers…".into();
        }
    });
    ui.small("Replacing the segments detaches personas from segments that are gone; the file on disk changes only when you save.");
}

/// The k-means suggestions, when they have arrived: the clusters measured, the rule segments
/// that approximate them, and the choice to accept or dismiss them.
fn suggestion_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let Some(s) = &state.suggestion else { return };
    let mut decision = None;
    ui.add_space(6.0);
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.strong(format!("k-means suggestion: {} clusters", s.k));
        if !s.silhouette_by_k.is_empty() {
            let scores: Vec<String> = s
                .silhouette_by_k
                .iter()
                .map(|(k, v)| format!("{k}: {v:.2}"))
                .collect();
            ui.small(format!(
                "k chosen by the silhouette (higher is better): {}",
                scores.join(", ")
            ));
        }
        ui.small(format!(
            "The rules below put {} of customers in their own cluster; the largest cluster comes last and takes everyone else.",
            percent(Some(s.agreement))
        ));
        egui::Grid::new("suggested_clusters")
            .striped(true)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                for h in [
                    "suggested segment",
                    "customers",
                    "revenue share",
                    "recency (days)",
                    "frequency",
                    "basket",
                    "rule",
                ] {
                    ui.strong(h);
                }
                ui.end_row();
                for (c, seg) in s.clusters.iter().zip(&s.segments) {
                    ui.label(&c.name).on_hover_text(&c.description);
                    ui.label(format!("{} ({})", count(c.customers), percent(Some(c.share))));
                    ui.label(percent(Some(c.revenue_share)));
                    ui.label(format!("{:.0}", c.recency_days));
                    ui.label(format!("{:.1}", c.frequency));
                    ui.label(money(c.average_basket));
                    ui.label(rule_text(&seg.rule));
                    ui.end_row();
                }
            });
        ui.horizontal(|ui| {
            if ui.button("Accept these segments").clicked() {
                decision = Some(true);
            }
            if ui.button("Dismiss").clicked() {
                decision = Some(false);
            }
        });
    });
    match decision {
        Some(true) => {
            if let Some(s) = state.suggestion.take() {
                let n = s.segments.len();
                state.replace_segments(s.segments, &format!("{n} k-means suggestions"));
            }
        }
        Some(false) => state.suggestion = None,
        None => {}
    }
}

/// A rule in words: "frequency (purchase days) >= 2 and recency (days) <= 90".
fn rule_text(rule: &SegmentRule) -> String {
    if rule.conditions.is_empty() {
        return match rule.combine {
            Combine::All => "every customer".into(),
            Combine::Any => "no customer".into(),
        };
    }
    let joiner = match rule.combine {
        Combine::All => " and ",
        Combine::Any => " or ",
    };
    rule.conditions
        .iter()
        .map(|c| format!("{} {} {}", c.feature.label(), c.op.symbol(), c.value))
        .collect::<Vec<_>>()
        .join(joiner)
}

/// The measured sizes of the segments.
fn sizes_ui(ui: &mut egui::Ui, state: &AppState) {
    let Some((_, report)) = &state.segment_report else {
        if state.doc.as_ref().is_some_and(|d| d.data.is_some()) {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("measuring segments…");
            });
        }
        return;
    };
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        ui.strong(format!(
            "{} customers at {}",
            count(report.customers),
            report.as_of
        ));
        if state.segments_stale() {
            ui.colored_label(theme::WARNING, "(updating…)");
        }
    });
    egui::Grid::new("segment_sizes")
        .striped(true)
        .num_columns(6)
        .show(ui, |ui| {
            for h in [
                "segment",
                "customers",
                "revenue share",
                "frequency",
                "basket",
                "median recency (days)",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for s in &report.segments {
                let p = &s.profile;
                if s.name == UNASSIGNED {
                    ui.colored_label(theme::WARNING, &s.name);
                } else {
                    ui.label(&s.name);
                }
                ui.label(format!(
                    "{} ({})",
                    count(s.customers),
                    percent(Some(s.share))
                ));
                ui.label(percent(Some(s.revenue_share)));
                ui.label(format!("{:.1}", p.frequency));
                ui.label(money(p.average_basket));
                ui.label(format!("{:.0}", p.recency_days.p50));
                ui.end_row();
            }
        });
}

/// Segment sizes at each period end (stacked) and the moves between the last two period ends
/// as a heat map: each row is where the customers of a segment were, each column where they are.
fn migration_ui(ui: &mut egui::Ui, m: &Migration, state: &AppState) {
    if m.periods.len() < 2 {
        return;
    }
    let colours: Vec<egui::Color32> = m
        .segments
        .iter()
        .enumerate()
        .map(|(k, name)| {
            state
                .doc
                .as_ref()
                .and_then(|d| d.project.segments.iter().find(|s| &s.name == name))
                .map_or(theme::series(k), |s| theme::colour(s.colour))
        })
        .collect();
    // An Unassigned that never held anyone is left out, as the sizes table leaves it out.
    let columns = if m.unassigned_is_empty() {
        m.segments.len().saturating_sub(1)
    } else {
        m.segments.len()
    };
    ui.add_space(8.0);
    ui.strong("Segment sizes over time");
    let periods = m.periods.clone();
    let shown = ui.scope(|ui| {
        plot("segment_sizes_plot")
            .height(200.0)
            .legend(theme::legend().position(egui_plot::Corner::LeftTop))
            .x_axis_formatter(move |mark, _| {
                let k = mark.value.round();
                if (mark.value - k).abs() > 1e-6 || k < 0.0 {
                    return String::new();
                }
                periods
                    .get(k as usize)
                    .map_or(String::new(), |d| d.to_string())
            })
            .show(ui, |plot| {
                let xs: Vec<f64> = (0..m.periods.len()).map(|k| k as f64).collect();
                let mut below = vec![0.0; m.periods.len()];
                for (j, name) in m.segments.iter().enumerate().take(columns) {
                    let top: Vec<f64> = below
                        .iter()
                        .zip(&m.sizes)
                        .map(|(b, row)| b + row.get(j).copied().unwrap_or(0) as f64)
                        .collect();
                    plot.add(
                        FilledArea::new(name.clone(), &xs, &below, &top)
                            .fill_color(colours[j].gamma_multiply(0.7)),
                    );
                    below = top;
                }
            })
    });
    crate::ui::plot_export::png_button_ui(ui, "segment_sizes_plot", shown.response.rect);
    let (Some(from), Some(to)) = (m.periods.get(m.periods.len() - 2), m.periods.last()) else {
        return;
    };
    ui.strong(format!("Moves between segments, {from} to {to}"));
    ui.small("Row: the segment at the start (or new customers); column: the segment at the end; shading: share of the row.");
    egui::Grid::new("migration_matrix")
        .striped(false)
        .spacing([10.0, 4.0])
        .show(ui, |ui| {
            ui.label("");
            for name in m.segments.iter().take(columns) {
                ui.strong(name);
            }
            ui.end_row();
            for (i, (row, name)) in m.matrix.iter().zip(&m.from).enumerate() {
                if i >= columns && i < m.segments.len() {
                    continue;
                }
                ui.strong(name);
                let total: u64 = row.iter().sum();
                for &n in row.iter().take(columns) {
                    let share = if total > 0 {
                        n as f32 / total as f32
                    } else {
                        0.0
                    };
                    let fill = if n > 0 {
                        theme::heat(share, 0.15)
                    } else {
                        egui::Color32::TRANSPARENT
                    };
                    egui::Frame::new()
                        .fill(fill)
                        .inner_margin(egui::Margin::symmetric(6, 2))
                        .show(ui, |ui| {
                            let background = ui.visuals().panel_fill;
                            ui.visuals_mut().override_text_color =
                                Some(theme::text_on(fill, background));
                            // Cells of one width, so that the shading reads as a grid.
                            ui.set_min_width(MIGRATION_CELL_WIDTH);
                            ui.label(count(n));
                        });
                }
                ui.end_row();
            }
        });
}
