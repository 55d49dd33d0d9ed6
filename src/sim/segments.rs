//! Customer features at an as-of date and rule-segment assignment.
//!
//! Every customer with a purchase on or before the as-of date lands in exactly one segment: the
//! first whose rule matches, or [`UNASSIGNED`](crate::model::UNASSIGNED) (index `segments.len()`).

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
}

impl Features {
    /// The value of one feature.
    pub fn get(&self, f: Feature) -> f64 {
        match f {
            Feature::RecencyDays => self.recency_days,
            Feature::Frequency => self.frequency,
            Feature::MonetaryTotal => self.monetary_total,
            Feature::AverageBasket => self.average_basket,
            Feature::TenureDays => self.tenure_days,
        }
    }
}

/// Features of customer `c` from its transactions on or before `as_of`; `None` when it had none.
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
    })
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

/// Segment index of every customer at `as_of`: the first matching segment, `segments.len()` for
/// Unassigned, and `None` for customers with no purchase yet.
pub fn assign(segments: &[Segment], tx: &Transactions, as_of: Date) -> Vec<Option<u16>> {
    (0..tx.customer_count() as u32)
        .map(|c| {
            let f = features(tx, c, as_of)?;
            let i = segments
                .iter()
                .position(|s| matches(&s.rule, &f))
                .unwrap_or(segments.len());
            Some(i as u16)
        })
        .collect()
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
                tenure_days: 20.0
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
}
