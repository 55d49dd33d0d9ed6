//! The segment report: each segment's size, revenue share and measured profile at an as-of
//! date, and how customers moved between segments over the history (dynamic segmentation).

use serde::Serialize;

use super::{FeatureTable, Features, assign_table};
use crate::data::store::{NO_CATEGORY, Transactions};
use crate::model::{Date, Project, UNASSIGNED};
use crate::sim::models::{Compressed, fit_gamma_gamma, fit_transactions, summarise};

/// Row label of customers who had not bought yet at the start of a migration step.
pub const NEW_CUSTOMERS: &str = "(new customers)";

/// Recency buckets of the profiles: upper bounds in days (the last is open).
pub const RECENCY_BUCKETS: [(f64, &str); 5] = [
    (30.0, "0–30 days"),
    (90.0, "31–90 days"),
    (180.0, "91–180 days"),
    (365.0, "181–365 days"),
    (f64::INFINITY, "over 365 days"),
];

/// How often segment membership is taken for the migration view.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationPeriod {
    /// At each calendar month end.
    Month,
    /// At each calendar quarter end.
    #[default]
    Quarter,
}

/// Options of [`segment_report`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportOptions {
    /// Period of the migration view.
    pub period: MigrationPeriod,
    /// Fit the project's customer model for P(alive) and expected value.
    pub with_model: bool,
}

/// The segment report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentReport {
    /// The as-of date.
    pub as_of: Date,
    /// Customers with a purchase on or before the as-of date.
    pub customers: u64,
    /// The project's segments in precedence order, then Unassigned when it is not empty: their
    /// sizes add up to `customers`.
    pub segments: Vec<SegmentRow>,
    /// Segment membership over time.
    pub migration: Migration,
    /// The customer model behind `p_alive_mean` and `expected_value_12m`.
    pub model: ModelNote,
    /// Customers by RFM recency and frequency score.
    pub rfm_grid: RfmGrid,
}

/// Customers by RFM recency score (rows, 1–5) and frequency score (columns, 1–5) at the as-of
/// date: the classic RFM grid.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RfmGrid {
    /// Customers in each cell: `customers[r - 1][f - 1]`.
    pub customers: [[u64; 5]; 5],
    /// Their total spend to the as-of date, in currency units.
    pub revenue: [[f64; 5]; 5],
    /// The segment most of the cell's customers belong to ("" for an empty cell).
    pub segment: [[String; 5]; 5],
}

/// The RFM grid of the scored `table`, with `assigned` segments named by `names`.
fn rfm_grid(table: &FeatureTable, assigned: &[Option<u16>], names: &[String]) -> RfmGrid {
    let mut grid = RfmGrid::default();
    let mut members = vec![[[0u64; 5]; 5]; names.len()];
    for (f, s) in table.rows.iter().zip(assigned) {
        let Some(f) = f else { continue };
        let (r, fr) = (usize::from(f.rfm[0]), usize::from(f.rfm[1]));
        if !(1..=5).contains(&r) || !(1..=5).contains(&fr) {
            continue;
        }
        grid.customers[r - 1][fr - 1] += 1;
        grid.revenue[r - 1][fr - 1] += f.monetary_total;
        if let Some(cell) = s.and_then(|s| members.get_mut(usize::from(s))) {
            cell[r - 1][fr - 1] += 1;
        }
    }
    for (r, row) in grid.segment.iter_mut().enumerate() {
        for (c, cell) in row.iter_mut().enumerate() {
            // The first segment wins a tie: precedence order.
            let best = members
                .iter()
                .enumerate()
                .filter(|(_, m)| m[r][c] > 0)
                .max_by_key(|(k, m)| (m[r][c], std::cmp::Reverse(*k)));
            if let Some((k, _)) = best {
                *cell = names[k].clone();
            }
        }
    }
    grid
}

/// One segment at the as-of date.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentRow {
    /// Segment name.
    pub name: String,
    /// Customers in the segment.
    pub customers: u64,
    /// Share of all customers.
    pub share: f64,
    /// Share of all revenue to the as-of date.
    pub revenue_share: f64,
    /// The measured profile.
    pub profile: Profile,
}

/// A segment's measured profile (means per customer unless said otherwise).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Profile {
    /// Purchase days.
    pub frequency: f64,
    /// Spend per purchase day.
    pub average_basket: f64,
    /// Total spend.
    pub monetary_total: f64,
    /// Days since the first purchase.
    pub tenure_days: f64,
    /// Days between purchase days, over customers with two or more (`None`: nobody has).
    pub interpurchase_days: Option<f64>,
    /// Days since the last purchase: 10th, 50th and 90th percentiles.
    pub recency_days: Quantiles,
    /// Share of the segment's customers in each recency bucket ([`RECENCY_BUCKETS`]).
    pub recency_distribution: Vec<Bucket>,
    /// Mean RFM scores (recency, frequency, monetary).
    pub rfm_scores: [f64; 3],
    /// Share of the segment's spend by category, largest first (empty without categories).
    pub category_shares: Vec<CategoryShare>,
    /// Mean probability of being alive (`None` without a fitted model).
    pub p_alive: Option<f64>,
    /// Mean expected purchase days over the next 12 months (`None` without a fitted model).
    pub expected_transactions_12m: Option<f64>,
    /// Mean expected spend over the next 12 months (`None` without fitted models).
    pub expected_value_12m: Option<f64>,
}

/// Three percentiles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Quantiles {
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
}

/// A share of customers in a bucket.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bucket {
    /// The bucket.
    pub label: String,
    /// Share of the segment's customers.
    pub share: f64,
}

/// A category's share of spend.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CategoryShare {
    /// Category name.
    pub category: String,
    /// Share of the segment's spend.
    pub share: f64,
}

/// Whether the customer model was fitted, and how.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ModelNote {
    /// Fitted and used.
    pub fitted: bool,
    /// Which model, or why none.
    pub note: String,
}

/// Segment membership at period ends, and the moves between them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Migration {
    /// The period.
    pub period: MigrationPeriod,
    /// Period ends (the as-of date last).
    pub periods: Vec<Date>,
    /// Column labels of `matrix`: the segments, Unassigned last.
    pub segments: Vec<String>,
    /// Row labels of `matrix`: the segments, Unassigned, then [`NEW_CUSTOMERS`].
    pub from: Vec<String>,
    /// Customers per segment (columns as `segments`) at each period end.
    pub sizes: Vec<Vec<u64>>,
    /// Moves from the second-last period end to the last: `matrix[from][to]` customers.
    pub matrix: Vec<Vec<u64>>,
    /// The same for every consecutive pair of period ends, in order.
    pub matrices: Vec<Vec<Vec<u64>>>,
}

impl Migration {
    /// Whether the Unassigned column (the last of `segments`) never held a customer: at no
    /// period end and in none of the moves, to it or from it. The segment sizes leave such an
    /// Unassigned out; a view of the migration may too.
    pub fn unassigned_is_empty(&self) -> bool {
        let Some(u) = self.segments.iter().position(|s| s == UNASSIGNED) else {
            return true;
        };
        let column_empty =
            |rows: &Vec<Vec<u64>>| rows.iter().all(|r| r.get(u).is_none_or(|&n| n == 0));
        column_empty(&self.sizes)
            && self
                .matrices
                .iter()
                .all(|m| column_empty(m) && m.get(u).is_none_or(|row| row.iter().all(|&n| n == 0)))
    }
}

/// Builds the segment report of `project` on `tx` at `as_of`.
pub fn segment_report(
    project: &Project,
    tx: &Transactions,
    as_of: Date,
    options: ReportOptions,
) -> SegmentReport {
    let segments = &project.segments;
    let table = FeatureTable::compute(tx, as_of);
    let assigned = assign_table(segments, &table);
    let n_seg = segments.len() + 1;
    let (model, predictions) = if options.with_model {
        predict(project, tx, as_of)
    } else {
        (
            ModelNote {
                fitted: false,
                note: "not requested".into(),
            },
            None,
        )
    };
    // Category spend per segment, in one pass.
    let n_cat = tx.categories.len();
    let mut category_spend = vec![vec![0.0; n_cat]; n_seg];
    for (c, s) in assigned.iter().enumerate() {
        let Some(s) = *s else { continue };
        for i in tx.range_of(c as u32) {
            if tx.day[i] > as_of {
                break;
            }
            if tx.category[i] != NO_CATEGORY {
                category_spend[s as usize][tx.category[i] as usize] += tx.amount[i];
            }
        }
    }
    let mut groups: Vec<Vec<(usize, &Features)>> = vec![Vec::new(); n_seg];
    for (c, (s, f)) in assigned.iter().zip(&table.rows).enumerate() {
        if let (Some(s), Some(f)) = (s, f) {
            groups[*s as usize].push((c, f));
        }
    }
    let customers = table.customers() as u64;
    let revenue: f64 = table.rows.iter().flatten().map(|f| f.monetary_total).sum();
    let mut names: Vec<String> = segments.iter().map(|s| s.name.clone()).collect();
    names.push(UNASSIGNED.to_string());
    let rows = groups
        .iter()
        .enumerate()
        .filter(|(i, g)| *i < segments.len() || !g.is_empty())
        .map(|(i, g)| {
            let seg_revenue: f64 = g.iter().map(|(_, f)| f.monetary_total).sum();
            SegmentRow {
                name: names[i].clone(),
                customers: g.len() as u64,
                share: ratio(g.len() as f64, customers as f64),
                revenue_share: ratio(seg_revenue, revenue),
                profile: profile(
                    g,
                    &category_spend[i],
                    &tx.categories,
                    predictions.as_deref(),
                ),
            }
        })
        .collect();
    SegmentReport {
        as_of,
        customers,
        segments: rows,
        rfm_grid: rfm_grid(&table, &assigned, &names),
        migration: migration(project, tx, as_of, options.period, names),
        model,
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    // `+ 0.0` turns the −0 of an empty sum into 0.
    if b != 0.0 { a / b + 0.0 } else { 0.0 }
}

/// Per customer: P(alive), expected purchase days and expected spend over the next 12 months.
type Prediction = Option<(f64, f64, Option<f64>)>;

fn predict(
    project: &Project,
    tx: &Transactions,
    as_of: Date,
) -> (ModelNote, Option<Vec<Prediction>>) {
    let settings = &project.settings;
    let summary = summarise(tx, as_of, None, settings.model_period);
    let compressed = Compressed::from_summary(&summary);
    let kind = settings.transaction_model;
    let fit = match fit_transactions(kind, &compressed) {
        Ok(f) => f,
        Err(e) => {
            return (
                ModelNote {
                    fitted: false,
                    note: format!("{e:#}"),
                },
                None,
            );
        }
    };
    let spend = fit_gamma_gamma(&summary).ok();
    let horizon = 365.25 / settings.model_period.days();
    let mut out = vec![None; tx.customer_count()];
    for r in &summary.rows {
        let x = f64::from(r.x);
        let expected = fit.params.expected_conditional(horizon, x, r.t_x, r.age);
        out[r.customer as usize] = Some((
            fit.params.p_alive(x, r.t_x, r.age),
            expected,
            spend
                .as_ref()
                .map(|s| expected * s.params.expected_spend(x, r.mean_repeat_spend)),
        ));
    }
    let note = format!(
        "{} fitted at {as_of} in {} periods{}",
        kind.label(),
        settings.model_period.label(),
        if spend.is_some() {
            ", with Gamma-Gamma spend"
        } else {
            "; Gamma-Gamma spend could not be fitted"
        }
    );
    (ModelNote { fitted: true, note }, Some(out))
}

fn profile(
    g: &[(usize, &Features)],
    category_spend: &[f64],
    categories: &[String],
    predictions: Option<&[Prediction]>,
) -> Profile {
    let n = g.len() as f64;
    if g.is_empty() {
        return Profile {
            recency_distribution: RECENCY_BUCKETS
                .iter()
                .map(|(_, label)| Bucket {
                    label: (*label).into(),
                    share: 0.0,
                })
                .collect(),
            ..Profile::default()
        };
    }
    let mean = |get: fn(&Features) -> f64| g.iter().map(|(_, f)| get(f)).sum::<f64>() / n;
    let gaps: Vec<f64> = g
        .iter()
        .map(|(_, f)| f.interpurchase_days)
        .filter(|d| !d.is_nan())
        .collect();
    let mut recency: Vec<f64> = g.iter().map(|(_, f)| f.recency_days).collect();
    recency.sort_unstable_by(f64::total_cmp);
    let pct = |q: f64| {
        let rank = ((q * recency.len() as f64).ceil() as usize).clamp(1, recency.len()) - 1;
        recency[rank]
    };
    let mut lower = f64::NEG_INFINITY;
    let recency_distribution = RECENCY_BUCKETS
        .iter()
        .map(|&(upper, label)| {
            let count = recency.iter().filter(|&&r| r > lower && r <= upper).count();
            lower = upper;
            Bucket {
                label: label.into(),
                share: count as f64 / n,
            }
        })
        .collect();
    let spend: f64 = category_spend.iter().sum();
    let mut category_shares: Vec<CategoryShare> = categories
        .iter()
        .zip(category_spend)
        .filter(|&(_, &v)| v != 0.0)
        .map(|(c, &v)| CategoryShare {
            category: c.clone(),
            share: ratio(v, spend),
        })
        .collect();
    category_shares.sort_by(|a, b| {
        b.share
            .total_cmp(&a.share)
            .then_with(|| a.category.cmp(&b.category))
    });
    let preds: Vec<(f64, f64, Option<f64>)> = predictions
        .map(|p| g.iter().filter_map(|&(c, _)| p[c]).collect())
        .unwrap_or_default();
    let pm = preds.len() as f64;
    let have = predictions.is_some() && !preds.is_empty();
    Profile {
        frequency: mean(|f| f.frequency),
        average_basket: mean(|f| f.average_basket),
        monetary_total: mean(|f| f.monetary_total),
        tenure_days: mean(|f| f.tenure_days),
        interpurchase_days: (!gaps.is_empty())
            .then(|| gaps.iter().sum::<f64>() / gaps.len() as f64),
        recency_days: Quantiles {
            p10: pct(0.1),
            p50: pct(0.5),
            p90: pct(0.9),
        },
        recency_distribution,
        rfm_scores: [0, 1, 2].map(|k| g.iter().map(|(_, f)| f64::from(f.rfm[k])).sum::<f64>() / n),
        category_shares,
        p_alive: have.then(|| preds.iter().map(|p| p.0).sum::<f64>() / pm),
        expected_transactions_12m: have.then(|| preds.iter().map(|p| p.1).sum::<f64>() / pm),
        expected_value_12m: if have && preds.iter().all(|p| p.2.is_some()) {
            Some(preds.iter().filter_map(|p| p.2).sum::<f64>() / pm)
        } else {
            None
        },
    }
}

/// Period ends from the first one after the first purchase to the as-of date (which is always
/// the last).
pub fn period_ends(first: Date, as_of: Date, period: MigrationPeriod) -> Vec<Date> {
    let step = match period {
        MigrationPeriod::Month => 1,
        MigrationPeriod::Quarter => 3,
    };
    let mut ends = Vec::new();
    // The month index of the first period end at or after `first`.
    let mut m = first.month_index();
    if step == 3 {
        m += (2 - m.rem_euclid(3)).rem_euclid(3);
    }
    while let Some(end) = Date::first_of_month_index(m + 1).map(|d| d.add_days(-1)) {
        if end >= as_of {
            break;
        }
        ends.push(end);
        m += step;
    }
    ends.push(as_of);
    ends
}

fn migration(
    project: &Project,
    tx: &Transactions,
    as_of: Date,
    period: MigrationPeriod,
    names: Vec<String>,
) -> Migration {
    let n_seg = names.len();
    let Some((first, _)) = tx.date_range() else {
        return Migration {
            period,
            segments: names,
            ..Migration::default()
        };
    };
    let periods = if first > as_of {
        Vec::new()
    } else {
        period_ends(first, as_of, period)
    };
    let memberships: Vec<Vec<Option<u16>>> = periods
        .iter()
        .map(|&d| super::assign(&project.segments, tx, d))
        .collect();
    let sizes = memberships
        .iter()
        .map(|m| {
            let mut v = vec![0u64; n_seg];
            for s in m.iter().flatten() {
                v[*s as usize] += 1;
            }
            v
        })
        .collect();
    let matrices: Vec<Vec<Vec<u64>>> = memberships
        .windows(2)
        .map(|w| {
            let mut m = vec![vec![0u64; n_seg]; n_seg + 1];
            for (a, b) in w[0].iter().zip(&w[1]) {
                if let Some(to) = b {
                    let from = a.map_or(n_seg, usize::from);
                    m[from][*to as usize] += 1;
                }
            }
            m
        })
        .collect();
    let mut from = names.clone();
    from.push(NEW_CUSTOMERS.into());
    Migration {
        period,
        periods,
        matrix: matrices.last().cloned().unwrap_or_default(),
        matrices,
        sizes,
        from,
        segments: names,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::store::TransactionsBuilder;
    use crate::model::{Combine, Condition, Feature, Op, Segment, SegmentRule};

    #[test]
    fn quarter_ends_run_to_the_as_of_date() {
        let d = |y, m, dd| Date::from_ymd(y, m, dd).unwrap();
        assert_eq!(
            period_ends(d(2023, 2, 10), d(2023, 11, 15), MigrationPeriod::Quarter),
            vec![
                d(2023, 3, 31),
                d(2023, 6, 30),
                d(2023, 9, 30),
                d(2023, 11, 15)
            ]
        );
        assert_eq!(
            period_ends(d(2023, 3, 31), d(2023, 6, 30), MigrationPeriod::Quarter),
            vec![d(2023, 3, 31), d(2023, 6, 30)]
        );
        assert_eq!(
            period_ends(d(2023, 1, 5), d(2023, 3, 2), MigrationPeriod::Month),
            vec![d(2023, 1, 31), d(2023, 2, 28), d(2023, 3, 2)]
        );
    }

    #[test]
    fn sizes_add_up_and_moves_are_counted() {
        let d = |y, m, dd| Date::from_ymd(y, m, dd).unwrap();
        let mut b = TransactionsBuilder::default();
        // a: buys twice in Q1, then again in Q2 (2 → 3 purchase days): "Regular" from Q1.
        b.push("a", d(2023, 1, 5), 10.0, Some("Coffee"));
        b.push("a", d(2023, 2, 5), 30.0, Some("Beans"));
        b.push("a", d(2023, 4, 5), 10.0, Some("Coffee"));
        // b: one purchase in Q1: Unassigned, then Regular after a second one in Q2.
        b.push("b", d(2023, 3, 1), 5.0, None);
        b.push("b", d(2023, 5, 1), 5.0, None);
        // c: first purchase in Q2: new.
        b.push("c", d(2023, 6, 1), 8.0, None);
        let tx = b.finish();
        let project = Project {
            segments: vec![Segment {
                name: "Regular".into(),
                rule: SegmentRule {
                    combine: Combine::All,
                    conditions: vec![Condition {
                        feature: Feature::Frequency,
                        op: Op::Ge,
                        value: 2.0,
                    }],
                },
                ..Segment::default()
            }],
            ..Project::default()
        };
        let r = segment_report(&project, &tx, d(2023, 6, 30), ReportOptions::default());
        assert_eq!(r.customers, 3);
        let names: Vec<&str> = r.segments.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Regular", UNASSIGNED]);
        assert_eq!(r.segments.iter().map(|s| s.customers).sum::<u64>(), 3);
        assert_eq!(r.segments[0].customers, 2);
        assert!((r.segments[0].revenue_share - 60.0 / 68.0).abs() < 1e-12);
        let p = &r.segments[0].profile;
        assert_eq!(p.frequency, 2.5);
        // a spent 30 on beans and 20 on coffee; b's purchases have no category.
        assert_eq!(p.category_shares[0].category, "Beans");
        assert!((p.category_shares[0].share - 0.6).abs() < 1e-12);
        assert_eq!(p.category_shares[1].category, "Coffee");
        assert_eq!(
            p.recency_distribution.iter().map(|b| b.share).sum::<f64>(),
            1.0
        );
        assert_eq!(p.p_alive, None);
        let m = &r.migration;
        assert_eq!(m.periods, vec![d(2023, 3, 31), d(2023, 6, 30)]);
        assert_eq!(m.sizes, vec![vec![1, 1], vec![2, 1]]);
        // From Regular: a stays; from Unassigned: b moves up; new: c arrives Unassigned.
        assert_eq!(m.matrix, vec![vec![1, 0], vec![1, 0], vec![0, 1]]);
        assert_eq!(m.from.last().map(String::as_str), Some(NEW_CUSTOMERS));
        assert!(!m.unassigned_is_empty());
        // The RFM grid holds every customer once; a and b are Regular, c is not.
        let g = &r.rfm_grid;
        assert_eq!(g.customers.iter().flatten().sum::<u64>(), 3);
        assert!((g.revenue.iter().flatten().sum::<f64>() - 68.0).abs() < 1e-9);
        let table = FeatureTable::compute(&tx, d(2023, 6, 30));
        for (c, f) in table.rows.iter().enumerate() {
            let f = f.unwrap();
            let cell = &g.segment[usize::from(f.rfm[0]) - 1][usize::from(f.rfm[1]) - 1];
            let expected = if c == 2 { UNASSIGNED } else { "Regular" };
            // A cell shared by two customers of different segments names the first segment.
            assert!(
                cell == expected || cell == "Regular",
                "customer {c}: {cell}"
            );
        }
    }

    #[test]
    fn an_empty_unassigned_is_left_out_but_empty_segments_stay() {
        let mut b = TransactionsBuilder::default();
        b.push("a", Date(10), 10.0, None);
        let tx = b.finish();
        let seg = |name: &str, combine| Segment {
            name: name.into(),
            rule: SegmentRule {
                combine,
                conditions: vec![],
            },
            ..Segment::default()
        };
        let project = Project {
            segments: vec![seg("Nobody", Combine::Any), seg("Everyone", Combine::All)],
            ..Project::default()
        };
        let r = segment_report(&project, &tx, Date(10), ReportOptions::default());
        let names: Vec<&str> = r.segments.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Nobody", "Everyone"]);
        assert_eq!(r.segments[0].customers, 0);
        assert_eq!(r.segments[1].customers, 1);
        // The migration keeps its Unassigned column, and knows it is empty.
        assert_eq!(
            r.migration.segments.last().map(String::as_str),
            Some(UNASSIGNED)
        );
        assert!(r.migration.unassigned_is_empty());
    }
}
