//! `tierlab segment` (the segments at a date, their profiles and migration) and `tierlab segment
//! suggest` (k-means, RFM or ABC starting sets, optionally written into the project).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use serde_json::json;

use super::Format;
use super::simulate::load;
use super::table::render;
use crate::data::project_io::save_project;
use crate::format::{count, money, percent};
use crate::model::Date;
use crate::sim::segments::FeatureTable;
use crate::sim::segments::kmeans::{K, Suggestion, suggest as kmeans_suggest};
use crate::sim::segments::presets::{abc_segments, rfm_segments};
use crate::sim::segments::report::{MigrationPeriod, ReportOptions, segment_report};

/// Period of the migration view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PeriodArg {
    /// Month ends.
    Month,
    /// Quarter ends.
    Quarter,
}

/// A ready-made segment set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// The eleven named RFM segments.
    Rfm,
    /// ABC by cumulative value.
    Abc,
}

/// Parses `--k`: a number of clusters (1–20) or `auto`.
pub fn parse_k(s: &str) -> Result<K, String> {
    if s == "auto" {
        return Ok(K::Auto);
    }
    match s.parse::<usize>() {
        Ok(k) if (1..=20).contains(&k) => Ok(K::Fixed(k)),
        _ => Err(format!(
            "'{s}' is not a number of clusters from 1 to 20, or \"auto\""
        )),
    }
}

/// Parses `--abc-split A,B`: two increasing percentages of revenue.
pub fn parse_split(s: &str) -> Result<(f64, f64), String> {
    let parts: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("'{s}' is not two percentages like 80,95"))?;
    match parts[..] {
        [a, b] if 0.0 < a && a < b && b < 100.0 => Ok((a, b)),
        _ => Err(format!(
            "'{s}': give two percentages of revenue with 0 < A < B < 100, like 80,95"
        )),
    }
}

/// The date segments are taken at: `as_of`, which must lie within the data (before its first
/// day nobody had bought; after its last, the data cannot tell who bought since and everybody
/// would look lapsed), else the last transaction day.
fn as_of_or_last(tx: &crate::data::store::Transactions, as_of: Option<Date>) -> Result<Date> {
    match (as_of, tx.date_range()) {
        (_, None) => bail!("the transaction file has no transactions"),
        (Some(d), Some((first, _))) if d < first => {
            bail!("--as-of {d} is before the first transaction ({first}): nobody had bought yet")
        }
        (Some(d), Some((_, last))) if d > last => bail!(
            "--as-of {d} is after the last transaction ({last}): the data cannot tell who \
             bought since, so everybody would look lapsed; take a date up to {last}"
        ),
        (Some(d), Some(_)) => Ok(d),
        (None, Some((_, last))) => Ok(last),
    }
}

/// `tierlab segment PROJECT`.
pub fn segment(
    path: &Path,
    as_of: Option<Date>,
    period: PeriodArg,
    with_model: bool,
    format: Format,
) -> Result<ExitCode> {
    let loaded = load(path)?;
    let tx = &loaded.transactions;
    let as_of = as_of_or_last(tx, as_of)?;
    let report = segment_report(
        &loaded.project,
        tx,
        as_of,
        ReportOptions {
            period: match period {
                PeriodArg::Month => MigrationPeriod::Month,
                PeriodArg::Quarter => MigrationPeriod::Quarter,
            },
            with_model,
        },
    );
    match format {
        Format::Json => {
            let mut v = serde_json::to_value(&report)?;
            v["project"] = json!(loaded.project.name);
            outln!("{}", serde_json::to_string_pretty(&v)?)?;
        }
        Format::Table => {
            outln!(
                "Segments of {} at {}: {} customers",
                loaded.project.name,
                report.as_of,
                count(report.customers)
            )?;
            let mut rows = vec![
                [
                    "segment",
                    "customers",
                    "share",
                    "revenue share",
                    "frequency",
                    "basket",
                    "recency p50 (days)",
                    "RFM",
                    "P(alive)",
                    "value next 12m",
                ]
                .map(String::from)
                .to_vec(),
            ];
            for s in &report.segments {
                let p = &s.profile;
                rows.push(vec![
                    s.name.clone(),
                    count(s.customers),
                    percent(Some(s.share)),
                    percent(Some(s.revenue_share)),
                    format!("{:.1}", p.frequency),
                    money(p.average_basket),
                    format!("{:.0}", p.recency_days.p50),
                    format!(
                        "{:.1}/{:.1}/{:.1}",
                        p.rfm_scores[0], p.rfm_scores[1], p.rfm_scores[2]
                    ),
                    percent(p.p_alive),
                    p.expected_value_12m.map_or("-".into(), money),
                ]);
            }
            out!("{}", render(&rows))?;
            outln!("Model: {}", report.model.note)?;
            let m = &report.migration;
            if m.periods.len() >= 2 {
                let n = m.periods.len();
                outln!(
                    "\nMigration from {} to {} (rows: from, columns: to):",
                    m.periods[n - 2],
                    m.periods[n - 1]
                )?;
                let mut rows = vec![
                    std::iter::once("from \\ to".to_string())
                        .chain(m.segments.iter().cloned())
                        .collect::<Vec<_>>(),
                ];
                for (label, row) in m.from.iter().zip(&m.matrix) {
                    if row.iter().all(|&c| c == 0) {
                        continue;
                    }
                    rows.push(
                        std::iter::once(label.clone())
                            .chain(row.iter().map(|&c| count(c)))
                            .collect(),
                    );
                }
                out!("{}", render(&rows))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What `segment suggest` proposes.
pub enum Proposal {
    /// k-means clusters.
    Clusters(K),
    /// A preset.
    Preset(Preset, (f64, f64)),
}

/// `tierlab segment suggest PROJECT`.
pub fn suggest(
    path: &Path,
    proposal: Proposal,
    as_of: Option<Date>,
    write: bool,
    format: Format,
) -> Result<ExitCode> {
    let mut loaded = load(path)?;
    let tx = &loaded.transactions;
    let as_of = as_of_or_last(tx, as_of)?;
    let (segments, clusters) = match proposal {
        Proposal::Clusters(k) => {
            let table = FeatureTable::compute(tx, as_of);
            if table.customers() == 0 {
                bail!("nobody had bought by {as_of}: nothing to cluster");
            }
            let s = kmeans_suggest(&table, k, loaded.project.settings.seed);
            (s.segments.clone(), Some(s))
        }
        Proposal::Preset(Preset::Rfm, _) => (rfm_segments(), None),
        Proposal::Preset(Preset::Abc, (a, b)) => (abc_segments(a, b), None),
    };
    // Measure the proposal as it would stand in the project.
    let mut proposed = loaded.project.clone();
    proposed.segments = segments.clone();
    let report = segment_report(&proposed, tx, as_of, ReportOptions::default());
    match format {
        Format::Json => {
            let v = json!({
                "as_of": as_of,
                "customers": report.customers,
                "k": clusters.as_ref().map(|c| c.k),
                "silhouette_by_k": clusters.as_ref().map(|c| &c.silhouette_by_k),
                "agreement": clusters.as_ref().map(|c| c.agreement),
                "clusters": clusters.as_ref().map(|c| &c.clusters),
                "segments": report.segments.iter().zip(segments.iter().map(Some).chain(std::iter::repeat(None))).map(|(row, seg)| json!({
                    "name": row.name,
                    "customers": row.customers,
                    "revenue_share": row.revenue_share,
                    "rule": seg.map(rule_words),
                })).collect::<Vec<_>>(),
                "written": write,
            });
            outln!("{}", serde_json::to_string_pretty(&v)?)?;
        }
        Format::Table => print_suggestion(as_of, clusters.as_ref(), &report, &segments)?,
    }
    if write {
        // Personas on a segment that is gone are detached (the project stays valid) and named.
        let mut detached = Vec::new();
        for p in &mut loaded.project.personas {
            if !p.segment.is_empty() && !segments.iter().any(|s| s.name == p.segment) {
                detached.push(format!("{} (was on {})", p.name, p.segment));
                p.segment.clear();
            }
        }
        loaded.project.segments = segments;
        save_project(path, &loaded.project)?;
        if format == Format::Table {
            outln!(
                "\nWrote {} segments into {} (the previous file is kept as .bak).",
                loaded.project.segments.len(),
                path.display()
            )?;
        }
        if !detached.is_empty() {
            eprintln!(
                "warning: these personas were on segments that are gone and are now on none; \
                 attach them again: {}",
                detached.join(", ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn rule_words(s: &crate::model::Segment) -> String {
    let joiner = match s.rule.combine {
        crate::model::Combine::All => " and ",
        crate::model::Combine::Any => " or ",
    };
    if s.rule.conditions.is_empty() {
        return match s.rule.combine {
            crate::model::Combine::All => "everybody else".into(),
            crate::model::Combine::Any => "nobody".into(),
        };
    }
    s.rule
        .conditions
        .iter()
        .map(|c| format!("{} {} {}", c.feature.label(), c.op.symbol(), c.value))
        .collect::<Vec<_>>()
        .join(joiner)
}

fn print_suggestion(
    as_of: Date,
    clusters: Option<&Suggestion>,
    report: &crate::sim::segments::report::SegmentReport,
    segments: &[crate::model::Segment],
) -> Result<()> {
    if let Some(s) = clusters {
        outln!(
            "{} clusters of {} customers at {as_of}{}:",
            s.k,
            count(report.customers),
            if s.silhouette_by_k.is_empty() {
                String::new()
            } else {
                format!(
                    " (chosen by silhouette: {})",
                    s.silhouette_by_k
                        .iter()
                        .map(|(k, v)| format!("k={k} {v:.3}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        )?;
        for c in &s.clusters {
            outln!("\n{}\n  {}", c.name, c.description)?;
        }
        outln!(
            "\nAs rule segments (first match wins); the rules place {} of customers in their own cluster:",
            percent(Some(s.agreement))
        )?;
    } else {
        outln!(
            "{} segments at {as_of}, {} customers (first match wins):",
            segments.len(),
            count(report.customers)
        )?;
    }
    let mut rows = vec![
        ["segment", "customers", "revenue share", "rule"]
            .map(String::from)
            .to_vec(),
    ];
    for row in &report.segments {
        rows.push(vec![
            row.name.clone(),
            count(row.customers),
            percent(Some(row.revenue_share)),
            segments
                .iter()
                .find(|s| s.name == row.name)
                .map_or(String::new(), rule_words),
        ]);
    }
    out!("{}", render(&rows))?;
    Ok(())
}
