//! Ready-made rule segments: the standard named RFM segments and an ABC value analysis.
//!
//! Both are ordinary rule segments over the features of [`super::Features`], so a project keeps
//! them as editable rules, evaluated in precedence order like any other.

use crate::model::{Colour, Combine, Condition, Feature, Op, Segment, SegmentRule};

/// The standard named RFM segments on recency (R) and frequency (F) scores, 1–5:
///
/// | segment | R | F |
/// |---|---|---|
/// | Champions | 5 | 4–5 |
/// | Loyal | 3–4 | 4–5 |
/// | Potential loyalist | 4–5 | 2–3 |
/// | New | 5 | 1 |
/// | Promising | 4 | 1 |
/// | Need attention | 3 | 3 |
/// | About to sleep | 3 | 1–2 |
/// | Can't lose them | 1–2 | 5 |
/// | At risk | 1–2 | 3–4 |
/// | Lost | 1 | 1 |
/// | Hibernating | 1–2 | 1–2 (but not Lost) |
///
/// The grid is the widely used R×F segment map (as in Putler's and the common open-source RFM
/// recipes), with Lost split off Hibernating; every (R, F) cell belongs to exactly one segment,
/// so nobody with a purchase is left unassigned.
pub fn rfm_segments() -> Vec<Segment> {
    /// Name, description, R range, F range, colour.
    type Cell = (&'static str, &'static str, (u8, u8), (u8, u8), &'static str);
    let cells: [Cell; 11] = [
        (
            "Champions",
            "Bought recently, buy often.",
            (5, 5),
            (4, 5),
            "#1b9e77",
        ),
        (
            "Loyal",
            "Buy often; not the most recent.",
            (3, 4),
            (4, 5),
            "#66a61e",
        ),
        (
            "Potential loyalist",
            "Recent customers with a few purchases.",
            (4, 5),
            (2, 3),
            "#a6d854",
        ),
        (
            "New",
            "Bought for the first time, very recently.",
            (5, 5),
            (1, 1),
            "#7570b3",
        ),
        (
            "Promising",
            "Recent first-time buyers.",
            (4, 4),
            (1, 1),
            "#8da0cb",
        ),
        (
            "Need attention",
            "Average recency and frequency.",
            (3, 3),
            (3, 3),
            "#e6ab02",
        ),
        (
            "About to sleep",
            "Below-average recency, few purchases.",
            (3, 3),
            (1, 2),
            "#fdb462",
        ),
        (
            "Can't lose them",
            "Bought very often, but long ago.",
            (1, 2),
            (5, 5),
            "#d95f02",
        ),
        (
            "At risk",
            "Bought often, but long ago.",
            (1, 2),
            (3, 4),
            "#e7298a",
        ),
        (
            "Lost",
            "Lowest recency and frequency.",
            (1, 1),
            (1, 1),
            "#666666",
        ),
        (
            "Hibernating",
            "Last purchase long ago, few purchases.",
            (1, 2),
            (1, 2),
            "#999999",
        ),
    ];
    cells
        .iter()
        .map(|&(name, description, r, f, colour)| Segment {
            name: name.into(),
            colour: Colour::parse(colour).unwrap_or_default(),
            description: format!(
                "{description} RFM recency score {}, frequency score {}.",
                range_words(r),
                range_words(f)
            ),
            rule: SegmentRule {
                combine: Combine::All,
                conditions: [(Feature::RecencyScore, r), (Feature::FrequencyScore, f)]
                    .into_iter()
                    .flat_map(|(feature, (lo, hi))| {
                        // Scores run 1–5: bounds at the ends exclude nobody and are left out.
                        let lower = (lo > 1).then(|| cond(feature, Op::Ge, lo));
                        let upper = (hi < 5).then(|| cond(feature, Op::Le, hi));
                        lower.into_iter().chain(upper)
                    })
                    .collect(),
            },
        })
        .collect()
}

/// ABC analysis by cumulative value: A = the customers who make up the top `a_pct` percent of
/// revenue, B the next ones up to `b_pct`, C the rest (the classic split is 80 / 95).
pub fn abc_segments(a_pct: f64, b_pct: f64) -> Vec<Segment> {
    let class = |name: &str, description: String, colour: &str, below: Option<f64>| Segment {
        name: name.into(),
        colour: Colour::parse(colour).unwrap_or_default(),
        description,
        rule: SegmentRule {
            combine: Combine::All,
            conditions: below
                .map(|v| Condition {
                    feature: Feature::ValueRankPct,
                    op: Op::Lt,
                    value: v,
                })
                .into_iter()
                .collect(),
        },
    };
    vec![
        class(
            "A customers",
            format!("The biggest spenders, together {a_pct}% of revenue."),
            "#1b9e77",
            Some(a_pct),
        ),
        class(
            "B customers",
            format!("The next {}% of revenue.", b_pct - a_pct),
            "#e6ab02",
            Some(b_pct),
        ),
        class(
            "C customers",
            format!("The remaining {}% of revenue.", 100.0 - b_pct),
            "#999999",
            None,
        ),
    ]
}

fn cond(feature: Feature, op: Op, value: u8) -> Condition {
    Condition {
        feature,
        op,
        value: f64::from(value),
    }
}

fn range_words((lo, hi): (u8, u8)) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}–{hi}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::segments::{Features, segment_of};

    #[test]
    fn every_rfm_cell_has_exactly_one_named_segment() {
        let segments = rfm_segments();
        let mut seen = std::collections::BTreeSet::new();
        for r in 1..=5u8 {
            for f in 1..=5u8 {
                let feats = Features {
                    rfm: [r, f, 3],
                    ..Features::default()
                };
                let matching: Vec<&str> = segments
                    .iter()
                    .filter(|s| crate::sim::segments::matches(&s.rule, &feats))
                    .map(|s| s.name.as_str())
                    .collect();
                let first = segment_of(&segments, &feats) as usize;
                assert!(first < segments.len(), "R{r} F{f} unassigned");
                seen.insert(segments[first].name.clone());
                // Only Lost overlaps (with Hibernating), and it comes first.
                if (r, f) == (1, 1) {
                    assert_eq!(matching, ["Lost", "Hibernating"]);
                } else {
                    assert_eq!(matching.len(), 1, "R{r} F{f}: {matching:?}");
                }
            }
        }
        assert_eq!(seen.len(), 11);
        assert_eq!(
            segment_of(
                &segments,
                &Features {
                    rfm: [5, 5, 1],
                    ..Features::default()
                }
            ),
            0
        );
    }

    #[test]
    fn abc_classes_follow_the_value_rank() {
        let segments = abc_segments(80.0, 95.0);
        let class = |pct: f64| {
            segment_of(
                &segments,
                &Features {
                    value_rank_pct: pct,
                    ..Features::default()
                },
            )
        };
        assert_eq!(class(0.0), 0);
        assert_eq!(class(79.9), 0);
        assert_eq!(class(80.0), 1);
        assert_eq!(class(94.9), 1);
        assert_eq!(class(95.0), 2);
        assert_eq!(class(100.0), 2);
    }
}
