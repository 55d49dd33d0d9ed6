//! The Scenarios page: the list of programmes (add, duplicate, remove) and the editor of the
//! selected one — tiers as an editable table, qualification, earning, rewards, expiry — with
//! validation errors shown at the field.

use eframe::egui;

use crate::format::counted;
use crate::model::{
    CategoryMultiplier, Date, DowngradePolicy, Expiry, Persona, Problem, Project, Promotion,
    QualificationWindow, QualifyingMetric, ResponseOverride, Reward, Scenario, Severity, Tier,
};
use crate::ui::state::AppState;
use crate::ui::{theme, widgets};

/// What the list of scenarios asked for, applied after it is drawn.
enum ListAction {
    Edit(usize),
    Duplicate(usize),
    Remove(usize),
    Add,
}

/// Draws the Scenarios page.
pub fn scenarios_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let selected = state.selected;
    let Some(doc) = &mut state.doc else { return };
    let problems = doc.project.validate();
    match selected {
        Some(i) if i < doc.project.scenarios.len() => {
            if ui.button("Back to all scenarios").clicked() {
                state.selected = None;
                return;
            }
            let data = DataFacts {
                categories: doc.data.as_deref().map_or(&[], |t| &t.categories),
                // As the import found it (`Transactions::date_range` walks every customer).
                range: doc
                    .report
                    .as_ref()
                    .and_then(|r| r.first_date.zip(r.last_date)),
            };
            // The scenario is edited while the project's currency and personas are read.
            let project = &mut doc.project;
            let scenario = &mut project.scenarios[i];
            editor_ui(
                ui,
                scenario,
                i,
                &project.currency,
                &data,
                &project.personas,
                &problems,
            );
        }
        _ => {
            let mut action = None;
            list_ui(ui, &doc.project, &problems, &mut action);
            match action {
                Some(ListAction::Edit(i)) => state.selected = Some(i),
                Some(ListAction::Duplicate(i)) => {
                    let mut copy = doc.project.scenarios[i].clone();
                    copy.name = unique_name(&doc.project, &format!("{} (copy)", copy.name));
                    doc.project.scenarios.insert(i + 1, copy);
                }
                Some(ListAction::Remove(i)) => {
                    doc.project.scenarios.remove(i);
                }
                Some(ListAction::Add) => {
                    let name = unique_name(&doc.project, "New scenario");
                    doc.project.scenarios.push(Scenario {
                        name,
                        ..Scenario::default()
                    });
                    state.selected = Some(doc.project.scenarios.len() - 1);
                }
                None => {}
            }
        }
    }
}

/// `base`, or the first of `base 2`, `base 3`, … no scenario is called.
fn unique_name(project: &Project, base: &str) -> String {
    super::unique_name(base, |n| project.scenarios.iter().any(|s| s.name == n))
}

fn list_ui(
    ui: &mut egui::Ui,
    project: &Project,
    problems: &[Problem],
    action: &mut Option<ListAction>,
) {
    ui.heading("Scenarios");
    for (i, s) in project.scenarios.iter().enumerate() {
        ui.add_space(6.0);
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.strong(&s.name);
                if ui.button("Edit").clicked() {
                    *action = Some(ListAction::Edit(i));
                }
                if ui.button("Duplicate").clicked() {
                    *action = Some(ListAction::Duplicate(i));
                }
                if ui.button("Remove").clicked() {
                    *action = Some(ListAction::Remove(i));
                }
            });
            if !s.description.is_empty() {
                ui.label(&s.description);
            }
            ui.label(summary(s, &project.currency));
        });
    }
    ui.add_space(6.0);
    if ui.button("Add scenario").clicked() {
        *action = Some(ListAction::Add);
    }
    super::problems_ui(ui, problems, "scenarios");
}

/// The programme in one line.
fn summary(s: &Scenario, currency: &str) -> String {
    let tiers = if s.tiers.is_empty() {
        "flat points (no tiers)".to_string()
    } else {
        let names: Vec<&str> = s.tiers.iter().map(|t| t.name.as_str()).collect();
        format!("tiers {}", names.join(" > "))
    };
    let expiry = match s.expiry {
        Expiry::Never => "points never expire".to_string(),
        Expiry::AfterEarning { months } => {
            format!(
                "points expire {} after earning",
                counted(months.into(), "month")
            )
        }
        Expiry::AfterInactivity { months } => {
            format!(
                "points expire after {} without a purchase",
                counted(months.into(), "month")
            )
        }
    };
    let per_unit = s.earning.points_per_currency_unit;
    let points = if per_unit == 1.0 { "point" } else { "points" };
    format!(
        "{tiers}; {per_unit} {points} per {currency}; {}; {expiry}; enrolment {}%",
        counted(s.rewards.len() as u64, "reward"),
        s.enrolment_rate_pct
    )
}

/// Shows the problems at `path` (and below it) in their colours, right at the field.
fn field_problems_ui(ui: &mut egui::Ui, problems: &[Problem], path: &str) {
    for p in problems.iter().filter(|p| {
        p.path == path
            || p.path
                .strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    }) {
        let (colour, kind) = match p.severity {
            Severity::Error => (theme::ERROR, "Error"),
            Severity::Warning => (theme::WARNING, "Warning"),
        };
        ui.colored_label(colour, format!("{kind}: {}", p.message));
    }
}

/// A number field labelled `label` (shown and used as its accessible name).
fn number_ui(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut f64,
    range: std::ops::RangeInclusive<f64>,
    hint: &str,
) {
    let l = ui.label(label);
    ui.add(egui::DragValue::new(value).range(range).speed(0.1))
        .labelled_by(l.id)
        .on_hover_text(hint);
}

/// What the editor shows of the imported data (borrowed from it): its categories and date
/// range.
struct DataFacts<'d> {
    categories: &'d [String],
    range: Option<(Date, Date)>,
}

fn editor_ui(
    ui: &mut egui::Ui,
    s: &mut Scenario,
    i: usize,
    currency: &str,
    data: &DataFacts<'_>,
    personas: &[Persona],
    problems: &[Problem],
) {
    let at = format!("scenarios[{i}]");
    ui.heading(format!("Scenario: {}", s.name));
    egui::Grid::new("scenario_basics")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let l = ui.label("Name");
            ui.text_edit_singleline(&mut s.name).labelled_by(l.id);
            ui.end_row();
            let l = ui.label("Description");
            ui.add(egui::TextEdit::multiline(&mut s.description).desired_rows(2))
                .labelled_by(l.id);
            ui.end_row();
            number_ui(
                ui,
                "Enrolment rate %",
                &mut s.enrolment_rate_pct,
                0.0..=100.0,
                "Share of customers who join (times each persona's enrolment propensity).",
            );
            ui.end_row();
            number_ui(
                ui,
                &format!("Cost per point ({currency})"),
                &mut s.cost_per_point,
                0.0..=1e6,
                "What one point costs when redeemed without a catalogue reward; also values the \
                 outstanding liability.",
            );
            ui.end_row();
        });
    field_problems_ui(ui, problems, &format!("{at}.name"));
    field_problems_ui(ui, problems, &format!("{at}.enrolment_rate_pct"));
    field_problems_ui(ui, problems, &format!("{at}.cost_per_point"));

    ui.add_space(8.0);
    ui.strong("Tiers");
    tiers_ui(ui, s, &at, problems);

    ui.add_space(8.0);
    ui.strong("Qualification");
    let tiered = !s.tiers.is_empty();
    if !tiered {
        ui.weak("How status is earned and kept, once the programme has tiers.");
    }
    ui.add_enabled_ui(tiered, |ui| qualification_ui(ui, s));
    field_problems_ui(ui, problems, &format!("{at}.qualification"));

    ui.add_space(8.0);
    ui.strong("Earning");
    ui.horizontal(|ui| {
        number_ui(
            ui,
            &format!("Points per {currency}"),
            &mut s.earning.points_per_currency_unit,
            0.0..=1e6,
            "Base points per currency unit spent, before tier, category and promotion multipliers.",
        );
        number_ui(
            ui,
            "Minimum spend",
            &mut s.earning.min_spend,
            0.0..=1e9,
            "Purchases below this amount earn nothing.",
        );
        optional_cap_ui(
            ui,
            "Cap per purchase",
            &mut s.earning.cap_points_per_transaction,
        );
        optional_cap_ui(ui, "Cap per month", &mut s.earning.cap_points_per_month);
    });
    category_multipliers_ui(ui, s, data);
    promotions_ui(ui, s, data);
    field_problems_ui(ui, problems, &format!("{at}.earning"));

    ui.add_space(8.0);
    ui.strong("Rewards");
    rewards_ui(ui, s, &at, problems);
    ui.horizontal(|ui| {
        number_ui(
            ui,
            "Redeem from (points)",
            &mut s.redemption.min_balance_points,
            0.0..=1e9,
            "Balance a member needs before redeeming.",
        );
    });
    field_problems_ui(ui, problems, &format!("{at}.redemption"));

    ui.add_space(8.0);
    ui.strong("Expiry");
    expiry_ui(ui, &mut s.expiry);
    field_problems_ui(ui, problems, &format!("{at}.expiry"));

    ui.add_space(8.0);
    ui.strong("Persona responses to this programme");
    overrides_ui(ui, s, personas);
    field_problems_ui(ui, problems, &format!("{at}.response_overrides"));
}

/// Each persona's response to this scenario: its own (from the Personas page) unless an
/// override is ticked, which starts from its own and is edited with the same sliders.
fn overrides_ui(ui: &mut egui::Ui, s: &mut Scenario, personas: &[Persona]) {
    if personas.is_empty() {
        ui.label("No personas: every customer responds with the defaults.");
    }
    let overrides = &mut s.response_overrides;
    for persona in personas {
        let at = overrides.iter().position(|o| o.persona == persona.name);
        let mut on = at.is_some();
        if ui
            .checkbox(
                &mut on,
                format!("{} responds differently here", persona.name),
            )
            .on_hover_text(
                "Unticked, the persona responds to this programme as its own response says",
            )
            .changed()
        {
            match at {
                None => overrides.push(ResponseOverride {
                    persona: persona.name.clone(),
                    response: persona.response.clone(),
                }),
                Some(k) => {
                    overrides.remove(k);
                }
            }
        }
        if let Some(o) = overrides.iter_mut().find(|o| o.persona == persona.name) {
            ui.indent(("override", &persona.name), |ui| {
                widgets::response_ui(
                    ui,
                    ("override_response", &persona.name),
                    &mut o.response,
                    widgets::ResetTo::Persona(&persona.response),
                );
            });
        }
    }
    // Overrides for a persona that is not in the project (a file edited by hand): shown so
    // that they can go; the validation names them.
    let mut remove = None;
    for (k, o) in overrides.iter().enumerate() {
        if !personas.iter().any(|p| p.name == o.persona) {
            ui.horizontal(|ui| {
                ui.colored_label(
                    theme::ERROR,
                    format!("An override for '{}', who is not a persona", o.persona),
                );
                if ui.button("Remove override").clicked() {
                    remove = Some(k);
                }
            });
        }
    }
    if let Some(k) = remove {
        overrides.remove(k);
    }
}

/// Extra earning per product category: the category (one of the data's, or typed) and its
/// multiplier.
fn category_multipliers_ui(ui: &mut egui::Ui, s: &mut Scenario, data: &DataFacts<'_>) {
    let list = &mut s.earning.category_multipliers;
    let headers = ["Category", "Category multiplier"];
    widgets::rows_ui(
        ui,
        "category_multipliers",
        &headers,
        "Remove category",
        list,
        |ui, j, m, ids| {
            ui.horizontal(|ui| {
                ui.add(widgets::cell_text_edit(&mut m.category, 140.0))
                    .labelled_by(ids[0]);
                if !data.categories.is_empty() {
                    egui::ComboBox::from_id_salt(("category_pick", j))
                        .selected_text("from the data")
                        .show_ui(ui, |ui| {
                            for c in data.categories {
                                ui.selectable_value(&mut m.category, c.clone(), c);
                            }
                        });
                }
            });
            ui.add(points_multiplier(&mut m.multiplier))
                .labelled_by(ids[1]);
        },
    );
    if ui
        .button("Add category multiplier")
        .on_hover_text("earn more (or less) on one product category")
        .clicked()
    {
        let unused = super::first_unused(data.categories, |c| list.iter().any(|m| m.category == c));
        list.push(CategoryMultiplier {
            category: unused,
            multiplier: 2.0,
        });
    }
}

/// The editor of a points multiplier (0–100, shown as `×2`) of a category or a promotion.
fn points_multiplier(value: &mut f64) -> egui::DragValue<'_> {
    egui::DragValue::new(value)
        .range(0.0..=100.0)
        .speed(0.05)
        .prefix("×")
}

/// Promotion windows: name, first and last day, multiplier.
fn promotions_ui(ui: &mut egui::Ui, s: &mut Scenario, data: &DataFacts<'_>) {
    let list = &mut s.earning.promotions;
    let headers = ["Promotion", "From", "To", "Promotion multiplier"];
    widgets::rows_ui(
        ui,
        "promotions",
        &headers,
        "Remove promotion",
        list,
        |ui, j, p, ids| {
            ui.add(widgets::cell_text_edit(&mut p.name, 160.0))
                .labelled_by(ids[0]);
            widgets::date_ui(ui, ("promotion_start", j), ids[1], &mut p.start);
            widgets::date_ui(ui, ("promotion_end", j), ids[2], &mut p.end);
            ui.add(points_multiplier(&mut p.multiplier))
                .labelled_by(ids[3]);
        },
    );
    if ui
        .button("Add promotion")
        .on_hover_text("extra points between two dates, e.g. a double points week")
        .clicked()
    {
        // The last week of the data, where its effect shows in the replay.
        let end = data.range.map_or(Date(0), |(_, last)| last);
        list.push(Promotion {
            name: "Double points week".into(),
            start: end.add_days(-6),
            end,
            multiplier: 2.0,
        });
    }
}

fn optional_cap_ui(ui: &mut egui::Ui, label: &str, cap: &mut Option<f64>) {
    let mut on = cap.is_some();
    if ui.checkbox(&mut on, label).changed() {
        *cap = on.then_some(cap.unwrap_or(1000.0));
    }
    if let Some(v) = cap {
        ui.add(egui::DragValue::new(v).range(0.0..=1e9));
    }
}

/// The qualification window, downgrade policy and grace days of a tiered scenario, in a row.
fn qualification_ui(ui: &mut egui::Ui, s: &mut Scenario) {
    ui.horizontal(|ui| {
        let l = ui.label("Window");
        egui::ComboBox::from_id_salt("window")
            .selected_text(s.qualification.window.label())
            .show_ui(ui, |ui| {
                for w in [
                    QualificationWindow::CalendarYear,
                    QualificationWindow::Rolling12Months,
                    QualificationWindow::Anniversary,
                    QualificationWindow::Lifetime,
                ] {
                    ui.selectable_value(&mut s.qualification.window, w, w.label());
                }
            })
            .response
            .labelled_by(l.id);
        let l = ui.label("Downgrade");
        egui::ComboBox::from_id_salt("downgrade")
            .selected_text(s.qualification.downgrade.label())
            .show_ui(ui, |ui| {
                for d in [DowngradePolicy::OneStep, DowngradePolicy::Recompute] {
                    ui.selectable_value(&mut s.qualification.downgrade, d, d.label());
                }
            })
            .response
            .labelled_by(l.id);
        let l = ui.label("Grace days");
        ui.add(egui::DragValue::new(&mut s.qualification.grace_days).range(0..=3650))
            .labelled_by(l.id);
    });
}

fn tiers_ui(ui: &mut egui::Ui, s: &mut Scenario, at: &str, problems: &[Problem]) {
    if s.tiers.is_empty() {
        ui.label("A flat points programme: no tiers.");
    }
    let n = s.tiers.len();
    let mut remove = None;
    let mut swap = None;
    egui::Grid::new("tiers_editor")
        .num_columns(9)
        .striped(true)
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            if n == 0 {
                return;
            }
            let headers = [
                "Tier",
                "Metric",
                "Enter at",
                "Retain at",
                "Earn ×",
                "Benefit cost / year",
                "Discount %",
            ];
            let ids: Vec<egui::Id> = headers.iter().map(|h| ui.strong(*h).id).collect();
            ui.label("");
            ui.end_row();
            for (j, t) in s.tiers.iter_mut().enumerate() {
                ui.add(widgets::cell_text_edit(&mut t.name, 120.0))
                    .labelled_by(ids[0]);
                egui::ComboBox::from_id_salt(("metric", j))
                    .selected_text(t.metric.label())
                    .show_ui(ui, |ui| {
                        for m in [
                            QualifyingMetric::Spend,
                            QualifyingMetric::Points,
                            QualifyingMetric::Transactions,
                        ] {
                            ui.selectable_value(&mut t.metric, m, m.label());
                        }
                    })
                    .response
                    .labelled_by(ids[1]);
                for (k, v) in [
                    &mut t.enter_threshold,
                    &mut t.retain_threshold,
                    &mut t.earn_multiplier,
                    &mut t.annual_benefit_cost,
                    &mut t.discount_pct,
                ]
                .into_iter()
                .enumerate()
                {
                    ui.add(egui::DragValue::new(v).range(0.0..=1e9).speed(1.0))
                        .labelled_by(ids[k + 2]);
                }
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(j > 0, egui::Button::new("Up"))
                        .on_hover_text("Move this tier up")
                        .clicked()
                    {
                        swap = Some(j - 1);
                    }
                    if ui
                        .add_enabled(j + 1 < n, egui::Button::new("Down"))
                        .on_hover_text("Move this tier down")
                        .clicked()
                    {
                        swap = Some(j);
                    }
                    if ui.button("Remove tier").clicked() {
                        remove = Some(j);
                    }
                });
                ui.end_row();
            }
        });
    field_problems_ui(ui, problems, &format!("{at}.tiers"));
    if let Some(j) = swap {
        s.tiers.swap(j, j + 1);
    }
    if let Some(j) = remove {
        s.tiers.remove(j);
    }
    if ui.button("Add tier").clicked() {
        let last = s.tiers.last().map_or(0.0, |t| t.enter_threshold);
        s.tiers.push(Tier {
            name: format!("Tier {}", s.tiers.len() + 1),
            enter_threshold: if s.tiers.is_empty() {
                0.0
            } else {
                (last * 2.0).max(100.0)
            },
            retain_threshold: if s.tiers.is_empty() {
                0.0
            } else {
                (last * 1.6).max(80.0)
            },
            ..Tier::default()
        });
    }
}

fn rewards_ui(ui: &mut egui::Ui, s: &mut Scenario, at: &str, problems: &[Problem]) {
    if s.rewards.is_empty() {
        ui.label("No catalogue: the balance is used as payment at the cost per point.");
    }
    let headers = ["Reward", "Points", "Cost to the business"];
    widgets::rows_ui(
        ui,
        "rewards_editor",
        &headers,
        "Remove reward",
        &mut s.rewards,
        |ui, _, r, ids| {
            ui.add(widgets::cell_text_edit(&mut r.name, 180.0))
                .labelled_by(ids[0]);
            ui.add(egui::DragValue::new(&mut r.points_cost).range(0.0..=1e9))
                .labelled_by(ids[1]);
            ui.add(
                egui::DragValue::new(&mut r.cost)
                    .range(0.0..=1e9)
                    .speed(0.1),
            )
            .labelled_by(ids[2]);
        },
    );
    field_problems_ui(ui, problems, &format!("{at}.rewards"));
    if ui.button("Add reward").clicked() {
        s.rewards.push(Reward::default());
    }
}

fn expiry_ui(ui: &mut egui::Ui, expiry: &mut Expiry) {
    let months = match *expiry {
        Expiry::Never => 12,
        Expiry::AfterEarning { months } | Expiry::AfterInactivity { months } => months,
    };
    ui.horizontal(|ui| {
        ui.radio_value(expiry, Expiry::Never, "Never");
        ui.radio_value(
            expiry,
            Expiry::AfterEarning { months },
            "N months after earning",
        );
        ui.radio_value(
            expiry,
            Expiry::AfterInactivity { months },
            "After N months without a purchase",
        );
        if let Expiry::AfterEarning { months } | Expiry::AfterInactivity { months } = expiry {
            let l = ui.label("N (months)");
            ui.add(egui::DragValue::new(months).range(1..=240))
                .labelled_by(l.id);
        }
    });
}
