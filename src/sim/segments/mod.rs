//! Customer features at an as-of date, rule-segment assignment, and the segment tools built on
//! them: RFM and ABC starting sets ([`presets`]), k-means suggestions ([`kmeans`]) and the
//! segment report with migration over time ([`report`]).
//!
//! Every customer with a purchase on or before the as-of date lands in exactly one segment: the
//! first whose rule matches, or [`UNASSIGNED`](crate::model::UNASSIGNED) (index `segments.len()`).

pub mod kmeans;
pub mod presets;
pub mod report;

use rayon::prelude::*;
use serde::Serialize;

use crate::data::store::Transactions;
use crate::model::{Combine, Date, Feature, Segment, SegmentRule};

/// Behavioural features of one customer at an as-of date.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Features {
    /// Days since the last purchase.
    pub recency_days: f64,
    /// Number of purchase days.
    pub frequency: f64,
    /// Total spend, in currency units.
    pub monetary_total: f64,
    /// Mean spend per purchase day, in currency units.
    pub average_basket: f64,
    /// Days since the first purchase.
    pub tenure_days: f64,
    /// Mean days between purchase days; NaN with a single purchase day.
    pub interpurchase_days: f64,
    /// RFM scores 1–5 (recency, frequency, monetary) among all customers at the as-of date; 0
    /// until [`FeatureTable`] scores them.
    pub rfm: [u8; 3],
    /// Share of all revenue (percent) of the customers who spent more.
    pub value_rank_pct: f64,
}

impl Features {
    /// The value of one feature (NaN where the customer has none: no condition holds on it).
    pub fn get(&self, f: Feature) -> f64 {
        match f {
            Feature::RecencyDays => self.recency_days,
            Feature::Frequency => self.frequency,
            Feature::MonetaryTotal => self.monetary_total,
            Feature::AverageBasket => self.average_basket,
            Feature::TenureDays => self.tenure_days,
            Feature::InterpurchaseDays => self.interpurchase_days,
            Feature::RecencyScore => f64::from(self.rfm[0]),
            Feature::FrequencyScore => f64::from(self.rfm[1]),
            Feature::MonetaryScore => f64::from(self.rfm[2]),
            Feature::ValueRankPct => self.value_rank_pct,
        }
    }
}

/// Features of customer `c` from its transactions on or before `as_of`; `None` when it had none.
/// The population-relative features (RFM scores, value rank) are left at zero.
pub fn features(tx: &Transactions, c: u32, as_of: Date) -> Option<Features> {
    let range = tx.range_of(c);
    let (mut first, mut last, mut days, mut total) = (None, None, 0u32, 0.0);
    for i in range {
        let d = tx.day[i];
        if d > as_of {
            break;
        }
        if last != Some(d) {
            days += 1;
        }
        first.get_or_insert(d);
        last = Some(d);
        total += tx.amount[i];
    }
    let (first, last) = (first?, last?);
    Some(Features {
        recency_days: f64::from(as_of.0 - last.0),
        frequency: f64::from(days),
        monetary_total: total,
        average_basket: total / f64::from(days),
        tenure_days: f64::from(as_of.0 - first.0),
        interpurchase_days: if days > 1 {
            f64::from(last.0 - first.0) / f64::from(days - 1)
        } else {
            f64::NAN
        },
        rfm: [0; 3],
        value_rank_pct: 0.0,
    })
}

/// Every customer's features at one as-of date, with RFM scores and value ranks among the
/// customers present then.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureTable {
    /// The as-of date.
    pub as_of: Date,
    /// Features by interned customer; `None` for customers with no purchase yet.
    pub rows: Vec<Option<Features>>,
    /// Quintile cut points (20th, 40th, 60th, 80th percentiles) of recency, frequency and
    /// monetary total, from which the RFM scores were given.
    pub rfm_cuts: [[f64; 4]; 3],
}

impl FeatureTable {
    /// Computes the table (customers in parallel; the result does not depend on the threads).
    pub fn compute(tx: &Transactions, as_of: Date) -> FeatureTable {
        Self::compute_with(tx, as_of, true, true)
    }

    /// The table with just what `segments`' rules use: the population-relative features (RFM
    /// scores, value ranks) cost a sort and are skipped, left at zero, when no rule tests them.
    pub fn compute_for(tx: &Transactions, as_of: Date, segments: &[Segment]) -> FeatureTable {
        let uses = |fs: &[Feature]| {
            segments
                .iter()
                .flat_map(|s| &s.rule.conditions)
                .any(|c| fs.contains(&c.feature))
        };
        Self::compute_with(
            tx,
            as_of,
            uses(&[
                Feature::RecencyScore,
                Feature::FrequencyScore,
                Feature::MonetaryScore,
            ]),
            uses(&[Feature::ValueRankPct]),
        )
    }

    fn compute_with(tx: &Transactions, as_of: Date, rfm: bool, rank: bool) -> FeatureTable {
        let mut rows: Vec<Option<Features>> = (0..tx.customer_count() as u32)
            .into_par_iter()
            .map(|c| features(tx, c, as_of))
            .collect();
        let mut rfm_cuts = [[0.0; 4]; 3];
        if rfm {
            rfm_cuts = Self::score_rfm(&mut rows);
        }
        if rank {
            Self::rank_values(&mut rows);
        }
        FeatureTable {
            as_of,
            rows,
            rfm_cuts,
        }
    }

    /// Gives the RFM scores; returns the quintile cuts.
    fn score_rfm(rows: &mut [Option<Features>]) -> [[f64; 4]; 3] {
        let present: Vec<&Features> = rows.iter().flatten().collect();
        let getters: [fn(&Features) -> f64; 3] =
            [|f| f.recency_days, |f| f.frequency, |f| f.monetary_total];
        let cuts: Vec<[f64; 4]> = getters
            .par_iter()
            .map(|value| {
                let mut v: Vec<f64> = present.iter().map(|f| value(f)).collect();
                quintile_cuts(&mut v)
            })
            .collect();
        let rfm_cuts = [cuts[0], cuts[1], cuts[2]];
        rows.par_iter_mut().flatten().for_each(|f| {
            f.rfm = [
                6 - score(f.recency_days, &rfm_cuts[0]),
                score(f.frequency, &rfm_cuts[1]),
                score(f.monetary_total, &rfm_cuts[2]),
            ];
        });
        rfm_cuts
    }

    /// Gives the value ranks.
    fn rank_values(rows: &mut [Option<Features>]) {
        // Value rank: customers by total spend, largest first (ties by index, for
        // determinism); the key orders as `f64::total_cmp` does, reversed.
        let mut order: Vec<(u64, u32, f64)> = rows
            .iter()
            .enumerate()
            .filter_map(|(c, f)| {
                f.map(|f| {
                    let m = f.monetary_total;
                    let bits = m.to_bits() as i64;
                    let key = (bits ^ ((((bits >> 63) as u64) >> 1) as i64)) as u64 ^ (1 << 63);
                    (!key, c as u32, m)
                })
            })
            .collect();
        order.par_sort_unstable_by_key(|&(key, c, _)| (key, c));
        let revenue: f64 = order.iter().map(|&(_, _, m)| m.max(0.0)).sum();
        // Scatter into a compact array (cheap random writes), then fill the rows in order.
        let mut rank_pct = vec![0.0; rows.len()];
        let mut before = 0.0;
        for &(_, c, m) in &order {
            rank_pct[c as usize] = if revenue > 0.0 {
                (100.0 * before / revenue).min(100.0)
            } else {
                0.0
            };
            before += m.max(0.0);
        }
        rows.par_iter_mut()
            .zip(rank_pct.par_iter())
            .for_each(|(f, &pct)| {
                if let Some(f) = f {
                    f.value_rank_pct = pct;
                }
            });
    }

    /// Customers present at the as-of date.
    pub fn customers(&self) -> usize {
        self.rows.iter().flatten().count()
    }
}

/// 1 plus the number of cut points `value` exceeds: 1–5, ties on a cut point scoring low.
fn score(value: f64, cuts: &[f64; 4]) -> u8 {
    1 + cuts.iter().filter(|&&q| value > q).count() as u8
}

/// The 20th, 40th, 60th and 80th percentiles (nearest rank) of `v`, which is reordered.
fn quintile_cuts(v: &mut [f64]) -> [f64; 4] {
    let mut out = [0.0; 4];
    if v.is_empty() {
        return out;
    }
    for (k, q) in out.iter_mut().enumerate() {
        let rank = ((v.len() * (k + 1)).div_ceil(5)).clamp(1, v.len()) - 1;
        let (_, x, _) = v.select_nth_unstable_by(rank, f64::total_cmp);
        *q = *x;
    }
    out
}

/// Does a rule match these features?
pub fn matches(rule: &SegmentRule, f: &Features) -> bool {
    let mut results = rule
        .conditions
        .iter()
        .map(|c| c.op.holds(f.get(c.feature), c.value));
    match rule.combine {
        Combine::All => results.all(|b| b),
        Combine::Any => results.any(|b| b),
    }
}

/// Segment index of one customer: the first matching segment, or `segments.len()` (Unassigned).
pub fn segment_of(segments: &[Segment], f: &Features) -> u16 {
    segments
        .iter()
        .position(|s| matches(&s.rule, f))
        .unwrap_or(segments.len()) as u16
}

/// Segment index of every customer of `table`: the first matching segment, `segments.len()`
/// for Unassigned, and `None` for customers with no purchase yet.
pub fn assign_table(segments: &[Segment], table: &FeatureTable) -> Vec<Option<u16>> {
    table
        .rows
        .par_iter()
        .map(|f| f.as_ref().map(|f| segment_of(segments, f)))
        .collect()
}

/// [`assign_table`] on the features of `tx` at `as_of` (just those the rules use).
pub fn assign(segments: &[Segment], tx: &Transactions, as_of: Date) -> Vec<Option<u16>> {
    assign_table(segments, &FeatureTable::compute_for(tx, as_of, segments))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::store::TransactionsBuilder;
    use crate::model::{Condition, Op};

    fn seg(name: &str, combine: Combine, conditions: Vec<Condition>) -> Segment {
        Segment {
            name: name.into(),
            rule: SegmentRule {
                combine,
                conditions,
            },
            ..Segment::default()
        }
    }

    #[test]
    fn features_and_first_match_wins() {
        let mut b = TransactionsBuilder::default();
        b.push("a", Date(0), 10.0, None);
        b.push("a", Date(0), 5.0, None);
        b.push("a", Date(10), 15.0, None);
        b.push("a", Date(50), 100.0, None); // after as-of
        b.push("b", Date(5), 1.0, None);
        b.push("c", Date(40), 1.0, None); // first purchase after as-of
        let tx = b.finish();
        let f = features(&tx, 0, Date(20)).unwrap();
        assert_eq!(
            f,
            Features {
                recency_days: 10.0,
                frequency: 2.0,
                monetary_total: 30.0,
                average_basket: 15.0,
                tenure_days: 20.0,
                interpurchase_days: 10.0,
                rfm: [0; 3],
                value_rank_pct: 0.0,
            }
        );
        let segments = vec![
            seg(
                "Big",
                Combine::All,
                vec![Condition {
                    feature: Feature::MonetaryTotal,
                    op: Op::Ge,
                    value: 20.0,
                }],
            ),
            seg(
                "Either",
                Combine::Any,
                vec![
                    Condition {
                        feature: Feature::Frequency,
                        op: Op::Ge,
                        value: 2.0,
                    },
                    Condition {
                        feature: Feature::RecencyDays,
                        op: Op::Gt,
                        value: 100.0,
                    },
                ],
            ),
        ];
        assert_eq!(
            assign(&segments, &tx, Date(20)),
            vec![Some(0), Some(2), None]
        );
        // An empty "All" rule matches everybody; an empty "Any" rule nobody.
        let all = vec![seg("Everyone", Combine::All, vec![])];
        assert_eq!(assign(&all, &tx, Date(20)), vec![Some(0), Some(0), None]);
        let none = vec![seg("Nobody", Combine::Any, vec![])];
        assert_eq!(assign(&none, &tx, Date(20)), vec![Some(1), Some(1), None]);
    }

    #[test]
    fn rfm_scores_and_value_ranks_on_hand_built_data() {
        // Ten customers: customer k bought k + 1 times (days 0..=k) for 10 × (k + 1) each time.
        let mut b = TransactionsBuilder::default();
        for k in 0..10u32 {
            for d in 0..=k {
                b.push(
                    &format!("c{k}"),
                    Date(d as i32 * 10),
                    10.0 * f64::from(k + 1),
                    None,
                );
            }
        }
        let tx = b.finish();
        let table = FeatureTable::compute(&tx, Date(100));
        let f = |k: usize| table.rows[k].unwrap();
        // Quintiles of frequency 1..10: cuts at 2, 4, 6, 8.
        assert_eq!(table.rfm_cuts[1], [2.0, 4.0, 6.0, 8.0]);
        assert_eq!(
            (0..10).map(|k| f(k).rfm[1]).collect::<Vec<_>>(),
            [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
        );
        // Recency: customer k last bought on day 10k, 100 − 10k days before the as-of date;
        // the most recent score 5.
        assert_eq!(f(9).rfm[0], 5);
        assert_eq!(f(0).rfm[0], 1);
        assert_eq!(f(9).rfm[2], 5);
        assert_eq!(f(4).interpurchase_days, 10.0);
        assert!(f(0).interpurchase_days.is_nan());
        // Value rank: totals 10·(k+1)²; the top customer has nobody above it.
        let total: f64 = (1..=10).map(|k| 10.0 * f64::from(k * k)).sum();
        assert_eq!(f(9).value_rank_pct, 0.0);
        assert!((f(8).value_rank_pct - 100.0 * 1000.0 / total).abs() < 1e-9);
        assert!(f(0).value_rank_pct > f(1).value_rank_pct);
        // A condition on a missing value holds for nobody.
        let rule = SegmentRule {
            combine: Combine::All,
            conditions: vec![Condition {
                feature: Feature::InterpurchaseDays,
                op: Op::Ge,
                value: 0.0,
            }],
        };
        assert!(!matches(&rule, &f(0)));
        assert!(matches(&rule, &f(1)));
    }
}
