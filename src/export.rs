//! Result tables as CSV files, shared by `tierlab simulate --out DIR` and the GUI's
//! File → Export results…: `totals.csv`, `monthly.csv`, `by_segment.csv`, `by_persona.csv`,
//! `by_tier.csv` and, with a projection, `projection.csv`. Each file is written atomically.

use std::path::{Path, PathBuf};

use crate::data::project_io::ProjectError;
use crate::data::write::write_csv;
use crate::model::{NO_PERSONA, Project};
use crate::sim::projection::programme::Projection;
use crate::sim::replay::{Population, Replay, Totals};

/// The files [`write_result_tables`] writes without a projection, in order.
pub const REPLAY_FILES: [&str; 5] = [
    "totals.csv",
    "monthly.csv",
    "by_segment.csv",
    "by_persona.csv",
    "by_tier.csv",
];

/// Writes the result tables of `replays` (and `projection`, when given) as CSV files in `dir`,
/// creating it; returns the files written. The breakdowns are labelled from `project`: its
/// segments then Unassigned, its personas then "(no persona)", each replayed scenario's tiers.
pub fn write_result_tables(
    dir: &Path,
    project: &Project,
    replays: &[Replay],
    projection: Option<&Projection>,
) -> Result<Vec<PathBuf>, ProjectError> {
    std::fs::create_dir_all(dir).map_err(|reason| ProjectError::Io {
        action: "cannot create the folder",
        path: dir.to_path_buf(),
        reason,
    })?;
    let segment_names = Population::segment_labels(project);
    let mut personas: Vec<String> = project.personas.iter().map(|p| p.name.clone()).collect();
    personas.push(NO_PERSONA.to_string());
    let tier_names: Vec<Vec<String>> = replays
        .iter()
        .map(|r| {
            project.scenario(&r.scenario).map_or_else(Vec::new, |s| {
                s.tiers.iter().map(|t| t.name.clone()).collect()
            })
        })
        .collect();
    write_tables(dir, replays, &segment_names, &personas, &tier_names)?;
    let mut files: Vec<PathBuf> = REPLAY_FILES.iter().map(|f| dir.join(f)).collect();
    if let Some(p) = projection {
        write_projection(dir, p)?;
        files.push(dir.join("projection.csv"));
    }
    Ok(files)
}

const TOTALS_COLUMNS: [&str; 19] = [
    "members",
    "active_members",
    "revenue",
    "member_revenue",
    "points_issued",
    "points_redeemed",
    "points_expired",
    "points_outstanding",
    "points_clawed_back",
    "clawback_shortfall",
    "redemptions",
    "rewards_cost",
    "benefits_cost",
    "discount_cost",
    "total_cost",
    "cost_to_revenue",
    "redemption_rate",
    "upgrades",
    "downgrades",
];

fn totals_cells(t: &Totals) -> Vec<String> {
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    vec![
        t.members.to_string(),
        t.active_members.to_string(),
        format!("{:.2}", t.revenue),
        format!("{:.2}", t.member_revenue),
        t.points_issued.to_string(),
        t.points_redeemed.to_string(),
        t.points_expired.to_string(),
        t.points_outstanding.to_string(),
        t.points_clawed_back.to_string(),
        t.clawback_shortfall.to_string(),
        t.redemptions.to_string(),
        format!("{:.2}", t.rewards_cost),
        format!("{:.2}", t.benefits_cost),
        format!("{:.2}", t.discount_cost),
        format!("{:.2}", t.total_cost()),
        opt(t.cost_to_revenue()),
        opt(t.redemption_rate()),
        t.upgrades.to_string(),
        t.downgrades.to_string(),
    ]
}

fn header<'a>(first: &[&'a str]) -> Vec<&'a str> {
    let mut h = first.to_vec();
    h.extend(TOTALS_COLUMNS);
    h
}

/// Writes the replay tables as CSV files in `dir`.
fn write_tables(
    dir: &Path,
    replays: &[Replay],
    segment_names: &[String],
    personas: &[String],
    tier_names: &[Vec<String>],
) -> Result<(), ProjectError> {
    let mut totals_header = header(&["scenario"]);
    totals_header.extend(["breakage_rate", "liability", "eligible_customers"]);
    write_csv(
        &dir.join("totals.csv"),
        &totals_header,
        replays.iter().map(|r| {
            let mut row = vec![r.scenario.clone()];
            row.extend(totals_cells(&r.totals));
            row.push(r.breakage_rate.map_or(String::new(), |b| b.to_string()));
            row.push(format!("{:.2}", r.liability));
            row.push(r.eligible_customers.to_string());
            row
        }),
    )?;
    let mut monthly_header = header(&["scenario", "month"]);
    monthly_header.push("tier_members");
    write_csv(
        &dir.join("monthly.csv"),
        &monthly_header,
        replays.iter().zip(tier_names).flat_map(|(r, tiers)| {
            r.monthly.iter().map(move |m| {
                let mut row = vec![r.scenario.clone(), m.month.year_month()];
                row.extend(totals_cells(&m.totals));
                row.push(
                    tiers
                        .iter()
                        .zip(&m.tier_members)
                        .map(|(t, n)| format!("{t}={n}"))
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                row
            })
        }),
    )?;
    let n = replays.len();
    // One file per breakdown: the group names of each scenario, and its rows.
    type Pick = fn(&Replay) -> &[Totals];
    let groups: [(&str, &str, Vec<&[String]>, Pick); 3] = [
        ("by_segment.csv", "segment", vec![segment_names; n], |r| {
            &r.by_segment
        }),
        ("by_persona.csv", "persona", vec![personas; n], |r| {
            &r.by_persona
        }),
        (
            "by_tier.csv",
            "tier",
            tier_names.iter().map(Vec::as_slice).collect(),
            |r| &r.by_tier,
        ),
    ];
    for (file, column, names, pick) in groups {
        let mut rows = Vec::new();
        for (k, r) in replays.iter().enumerate() {
            for (name, t) in names[k].iter().zip(pick(r)) {
                let mut row = vec![r.scenario.clone(), name.clone()];
                row.extend(totals_cells(t));
                rows.push(row);
            }
        }
        write_csv(&dir.join(file), &header(&["scenario", column]), rows)?;
    }
    Ok(())
}

/// Writes the projection's monthly bands as `projection.csv` in `dir`: one row per scenario
/// (and the baseline) and month.
fn write_projection(dir: &Path, p: &Projection) -> Result<(), ProjectError> {
    let header = [
        "scenario",
        "month",
        "retention_p10",
        "retention_p50",
        "retention_p90",
        "active_customers_p50",
        "revenue_p10",
        "revenue_p50",
        "revenue_p90",
        "cost_p10",
        "cost_p50",
        "cost_p90",
        "liability_p50",
        "members",
        "cumulative_net",
        "retention_uplift_p10",
        "retention_uplift_p50",
        "retention_uplift_p90",
    ];
    let cell = |v: f64| format!("{v:.4}");
    let mut rows = Vec::new();
    let arms = std::iter::once((
        "(no programme)".to_string(),
        &p.baseline.retention,
        &p.baseline.active_customers,
        &p.baseline.revenue,
        None,
    ))
    .chain(p.scenarios.iter().map(|o| {
        (
            o.scenario.clone(),
            &o.retention,
            &o.active_customers,
            &o.revenue,
            Some(o),
        )
    }));
    for (name, retention, active, revenue, outlook) in arms {
        for (k, month) in p.months.iter().enumerate() {
            let mut row = vec![
                name.clone(),
                month.to_string(),
                cell(retention.p10[k]),
                cell(retention.p50[k]),
                cell(retention.p90[k]),
                cell(active.p50[k]),
                cell(revenue.p10[k]),
                cell(revenue.p50[k]),
                cell(revenue.p90[k]),
            ];
            match outlook {
                Some(o) => row.extend([
                    cell(o.monthly_cost.p10[k]),
                    cell(o.monthly_cost.p50[k]),
                    cell(o.monthly_cost.p90[k]),
                    cell(o.liability.p50[k]),
                    cell(o.members[k]),
                    cell(o.cumulative_net[k]),
                    cell(o.retention_uplift.p10[k]),
                    cell(o.retention_uplift.p50[k]),
                    cell(o.retention_uplift.p90[k]),
                ]),
                None => row.extend(std::iter::repeat_n(String::new(), 9)),
            }
            rows.push(row);
        }
    }
    write_csv(&dir.join("projection.csv"), &header, rows)
}
