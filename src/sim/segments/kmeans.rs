//! K-means segment suggestions: clusters of customers on standardised log features, described
//! in plain words and turned into editable rule segments.
//!
//! Features: recency, frequency, average basket and tenure (total spend is frequency × basket,
//! so it would add nothing in log space), each as `ln(1 + x)`, standardised to mean 0 and
//! standard deviation 1. Lloyd's algorithm from a k-means++ start, seeded; the parallel
//! reductions run over fixed chunks in order, so results do not depend on the number of threads.
//! With `k` left to choose, k = 2…10 are fitted on a seeded sample and scored by the silhouette
//! (computed on a sub-sample); the best is then fitted on every customer.

use rand::SeedableRng;
use rand::distr::{Distribution, Uniform};
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::{FeatureTable, Features, segment_of};
use crate::model::{Colour, Combine, Condition, Feature, Op, Segment, SegmentRule};

/// The features clustered on, in order.
pub const FEATURES: [Feature; 4] = [
    Feature::RecencyDays,
    Feature::Frequency,
    Feature::AverageBasket,
    Feature::TenureDays,
];
const D: usize = FEATURES.len();
/// Points per parallel chunk.
const CHUNK: usize = 16_384;
/// Largest sample the choice of k is made on.
const CHOICE_SAMPLE: usize = 20_000;
/// Largest sample the silhouette is computed on.
const SILHOUETTE_SAMPLE: usize = 2_000;
const MAX_ITERATIONS: usize = 100;

/// The result of Lloyd's algorithm.
#[derive(Clone, Debug, PartialEq)]
pub struct Clustering {
    /// Cluster centres in standardised space.
    pub centres: Vec<[f64; D]>,
    /// Cluster of each point.
    pub labels: Vec<u16>,
    /// Iterations run.
    pub iterations: usize,
}

/// Clusters `points` into `k` groups (k-means++ start, Lloyd iterations until no point moves).
pub fn kmeans(points: &[[f64; D]], k: usize, seed: u64) -> Clustering {
    let k = k.clamp(1, points.len().max(1));
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6b6d_6561_6e73);
    let mut centres = plus_plus(points, k, &mut rng);
    let mut labels = vec![0u16; points.len()];
    let mut iterations = 0;
    while iterations < MAX_ITERATIONS {
        iterations += 1;
        // Assign and accumulate per chunk; reduce in chunk order.
        let partial: Vec<(usize, Vec<[f64; D]>, Vec<f64>)> = labels
            .par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(ci, chunk)| {
                let mut moved = 0;
                let mut sums = vec![[0.0; D]; k];
                let mut counts = vec![0.0; k];
                for (j, label) in chunk.iter_mut().enumerate() {
                    let p = &points[ci * CHUNK + j];
                    let (best, _) = nearest(&centres, p);
                    if *label != best as u16 {
                        moved += 1;
                        *label = best as u16;
                    }
                    for (s, x) in sums[best].iter_mut().zip(p) {
                        *s += x;
                    }
                    counts[best] += 1.0;
                }
                (moved, sums, counts)
            })
            .collect();
        let mut moved = 0;
        let mut sums = vec![[0.0; D]; k];
        let mut counts = vec![0.0; k];
        for (m, s, c) in &partial {
            moved += m;
            for j in 0..k {
                for d in 0..D {
                    sums[j][d] += s[j][d];
                }
                counts[j] += c[j];
            }
        }
        for j in 0..k {
            if counts[j] > 0.0 {
                for d in 0..D {
                    centres[j][d] = sums[j][d] / counts[j];
                }
            }
        }
        if moved == 0 && iterations > 1 {
            break;
        }
    }
    Clustering {
        centres,
        labels,
        iterations,
    }
}

/// k-means++: the first centre uniformly, each next one with probability proportional to the
/// squared distance to the nearest centre chosen so far.
fn plus_plus(points: &[[f64; D]], k: usize, rng: &mut ChaCha8Rng) -> Vec<[f64; D]> {
    let mut centres = Vec::with_capacity(k);
    if points.is_empty() {
        return vec![[0.0; D]; k];
    }
    let first = Uniform::new(0, points.len()).map_or(0, |u| u.sample(rng));
    centres.push(points[first]);
    let mut d2: Vec<f64> = points.par_iter().map(|p| dist2(p, &centres[0])).collect();
    while centres.len() < k {
        let total: f64 = d2.iter().sum();
        let next = if total > 0.0 {
            let target = Uniform::new(0.0, total).map_or(0.0, |u| u.sample(rng));
            let mut acc = 0.0;
            d2.iter()
                .position(|&d| {
                    acc += d;
                    acc > target
                })
                .unwrap_or(points.len() - 1)
        } else {
            // Fewer distinct points than k: repeat one.
            0
        };
        let c = points[next];
        centres.push(c);
        d2.par_iter_mut()
            .zip(points.par_iter())
            .for_each(|(d, p)| *d = d.min(dist2(p, &c)));
    }
    centres
}

fn dist2(a: &[f64; D], b: &[f64; D]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn nearest(centres: &[[f64; D]], p: &[f64; D]) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centres.iter().enumerate() {
        let d = dist2(p, c);
        if d < best.1 {
            best = (j, d);
        }
    }
    best
}

/// Mean silhouette of `points` labelled `labels` into `k` clusters (exact, O(n²): call it on a
/// sample).
pub fn silhouette(points: &[[f64; D]], labels: &[u16], k: usize) -> f64 {
    let n = points.len();
    if n < 2 || k < 2 {
        return 0.0;
    }
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l as usize] += 1;
    }
    let total: f64 = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut sum = vec![0.0; k];
            for j in 0..n {
                if i != j {
                    sum[labels[j] as usize] += dist2(&points[i], &points[j]).sqrt();
                }
            }
            let own = labels[i] as usize;
            if sizes[own] <= 1 {
                return 0.0;
            }
            let a = sum[own] / (sizes[own] - 1) as f64;
            let b = (0..k)
                .filter(|&c| c != own && sizes[c] > 0)
                .map(|c| sum[c] / sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            if !b.is_finite() {
                return 0.0;
            }
            let m = a.max(b);
            if m > 0.0 { (b - a) / m } else { 0.0 }
        })
        .sum();
    total / n as f64
}

/// Standardised log features of the customers present in `table`, with their customer indices.
pub fn standardise(table: &FeatureTable) -> (Vec<[f64; D]>, Vec<u32>) {
    let ids: Vec<u32> = table
        .rows
        .iter()
        .enumerate()
        .filter_map(|(c, f)| f.map(|_| c as u32))
        .collect();
    let mut points: Vec<[f64; D]> = ids
        .iter()
        .filter_map(|&c| table.rows[c as usize].as_ref())
        .map(|f| FEATURES.map(|feat| f.get(feat).max(0.0).ln_1p()))
        .collect();
    let n = points.len().max(1) as f64;
    for d in 0..D {
        let mean = points.iter().map(|p| p[d]).sum::<f64>() / n;
        let var = points.iter().map(|p| (p[d] - mean).powi(2)).sum::<f64>() / n;
        let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
        for p in &mut points {
            p[d] = (p[d] - mean) / sd;
        }
    }
    (points, ids)
}

/// How many clusters to suggest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum K {
    /// Exactly this many.
    Fixed(usize),
    /// Chosen by silhouette over 2–10.
    Auto,
}

/// One suggested cluster, measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterProfile {
    /// A descriptive name ("Recent frequent big-basket buyers").
    pub name: String,
    /// Customers in the cluster.
    pub customers: u64,
    /// Share of all customers.
    pub share: f64,
    /// Share of all revenue (total spend to the as-of date).
    pub revenue_share: f64,
    /// Median days since the last purchase.
    pub recency_days: f64,
    /// Median purchase days.
    pub frequency: f64,
    /// Median spend per purchase day.
    pub average_basket: f64,
    /// Median total spend.
    pub monetary_total: f64,
    /// Median days since the first purchase.
    pub tenure_days: f64,
    /// The profile in one plain sentence.
    pub description: String,
}

/// K-means suggestions: the clusters, and rule segments that approximate them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suggestion {
    /// Clusters, largest revenue share first.
    pub clusters: Vec<ClusterProfile>,
    /// Number of clusters.
    pub k: usize,
    /// Silhouette of each k tried (empty when k was given).
    pub silhouette_by_k: Vec<(usize, f64)>,
    /// Share of customers whose rule segment is their own cluster.
    pub agreement: f64,
    /// Rule segments, one per cluster, in precedence order (the largest cluster last, as the
    /// catch-all, so nobody is left unassigned).
    pub segments: Vec<Segment>,
}

/// Suggests segments for the customers of `table`.
pub fn suggest(table: &FeatureTable, k: K, seed: u64) -> Suggestion {
    let (points, ids) = standardise(table);
    let mut silhouette_by_k = Vec::new();
    let k = match k {
        K::Fixed(k) => k.clamp(1, points.len().max(1)),
        K::Auto => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7361_6d70_6c65);
            let m = points.len().min(CHOICE_SAMPLE);
            let mut idx = sample(&mut rng, points.len(), m).into_vec();
            idx.sort_unstable();
            let sub: Vec<[f64; D]> = idx.iter().map(|&i| points[i]).collect();
            let s = sub.len().min(SILHOUETTE_SAMPLE);
            let mut best = (1, f64::NEG_INFINITY);
            for k in 2..=10usize.min(sub.len().saturating_sub(1)) {
                let c = kmeans(&sub, k, seed);
                let score = silhouette(&sub[..s], &c.labels[..s], k);
                silhouette_by_k.push((k, score));
                if score > best.1 {
                    best = (k, score);
                }
            }
            best.0
        }
    };
    let clustering = kmeans(&points, k, seed);
    describe(table, &ids, &clustering, k, silhouette_by_k)
}

fn describe(
    table: &FeatureTable,
    ids: &[u32],
    clustering: &Clustering,
    k: usize,
    silhouette_by_k: Vec<(usize, f64)>,
) -> Suggestion {
    let mut members: Vec<Vec<&Features>> = vec![Vec::new(); k];
    for (&c, &l) in ids.iter().zip(&clustering.labels) {
        if let Some(f) = table.rows[c as usize].as_ref() {
            members[l as usize].push(f);
        }
    }
    let all: Vec<&Features> = members.iter().flatten().copied().collect();
    let n = all.len().max(1) as f64;
    let revenue: f64 = all.iter().map(|f| f.monetary_total.max(0.0)).sum();
    let overall = Medians::of(&all);
    // Each feature's range over everybody: box bounds beyond it are left out of the rules.
    let ranges = FEATURES.map(|feat| {
        all.iter()
            .map(|f| f.get(feat))
            .filter(|v| !v.is_nan())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
    });
    let mut order: Vec<usize> = (0..k).filter(|&j| !members[j].is_empty()).collect();
    let revenue_of =
        |j: usize| -> f64 { members[j].iter().map(|f| f.monetary_total.max(0.0)).sum() };
    order.sort_by(|&a, &b| revenue_of(b).total_cmp(&revenue_of(a)).then(a.cmp(&b)));
    let mut used = std::collections::BTreeSet::new();
    let mut clusters = Vec::new();
    let mut boxes = Vec::new();
    for &j in &order {
        let m = Medians::of(&members[j]);
        let mut name = m.name(&overall);
        let base = name.clone();
        let mut i = 2;
        while !used.insert(name.clone()) {
            name = format!("{base} ({i})");
            i += 1;
        }
        let customers = members[j].len() as u64;
        let revenue_share = if revenue > 0.0 {
            revenue_of(j) / revenue
        } else {
            0.0
        };
        clusters.push(ClusterProfile {
            description: format!(
                "{} customers ({:.0}% of customers, {:.0}% of revenue): typically {} purchase days, \
                 the last {} days ago, {} per purchase, {} in total, customers for {} days.",
                crate::format::count(customers),
                100.0 * customers as f64 / n,
                100.0 * revenue_share,
                nice(m.frequency),
                nice(m.recency_days),
                nice(m.average_basket),
                nice(m.monetary_total),
                nice(m.tenure_days),
            ),
            name,
            customers,
            share: customers as f64 / n,
            revenue_share,
            recency_days: m.recency_days,
            frequency: m.frequency,
            average_basket: m.average_basket,
            monetary_total: m.monetary_total,
            tenure_days: m.tenure_days,
        });
        boxes.push(box_rule(&members[j], &ranges));
    }
    // Precedence: tightest boxes first; the largest cluster last, as the catch-all.
    let largest = (0..clusters.len()).max_by_key(|&i| (clusters[i].customers, usize::MAX - i));
    let mut precedence: Vec<usize> = (0..clusters.len())
        .filter(|&i| Some(i) != largest)
        .collect();
    precedence.sort_by(|&a, &b| boxes[a].1.total_cmp(&boxes[b].1).then(a.cmp(&b)));
    precedence.extend(largest);
    let palette = [
        "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
        "#1f78b4", "#b2df8a",
    ];
    let segments: Vec<Segment> = precedence
        .iter()
        .map(|&i| Segment {
            name: clusters[i].name.clone(),
            colour: Colour::parse(palette[i % palette.len()]).unwrap_or_default(),
            description: format!("Suggested by k-means. {}", clusters[i].description),
            rule: SegmentRule {
                combine: Combine::All,
                conditions: if Some(i) == largest {
                    Vec::new()
                } else {
                    boxes[i].0.clone()
                },
            },
        })
        .collect();
    // Agreement of the rules with the clusters.
    let cluster_to_segment: Vec<usize> = {
        let mut v = vec![usize::MAX; k];
        for (seg, &i) in precedence.iter().enumerate() {
            v[order[i]] = seg;
        }
        v
    };
    let agree = ids
        .par_iter()
        .zip(clustering.labels.par_iter())
        .filter(|&(&c, &l)| {
            table.rows[c as usize].as_ref().is_some_and(|f| {
                segment_of(&segments, f) as usize == cluster_to_segment[l as usize]
            })
        })
        .count();
    Suggestion {
        clusters,
        k,
        silhouette_by_k,
        agreement: agree as f64 / n,
        segments,
    }
}

/// Medians of the clustered features.
struct Medians {
    recency_days: f64,
    frequency: f64,
    average_basket: f64,
    monetary_total: f64,
    tenure_days: f64,
}

impl Medians {
    fn of(fs: &[&Features]) -> Medians {
        let med = |get: fn(&Features) -> f64| quantile(fs.iter().map(|f| get(f)).collect(), 0.5);
        Medians {
            recency_days: med(|f| f.recency_days),
            frequency: med(|f| f.frequency),
            average_basket: med(|f| f.average_basket),
            monetary_total: med(|f| f.monetary_total),
            tenure_days: med(|f| f.tenure_days),
        }
    }

    /// A name from how the cluster differs from everybody.
    fn name(&self, all: &Medians) -> String {
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 1.0 };
        let recency = ratio(self.recency_days, all.recency_days);
        let status = if recency >= 2.0 {
            "Lapsed"
        } else if recency <= 0.5 {
            "Active"
        } else {
            "Steady"
        };
        let freq = if self.frequency <= 1.0 {
            "one-time"
        } else if ratio(self.frequency, all.frequency) >= 2.0 {
            "frequent"
        } else {
            "occasional"
        };
        let basket = ratio(self.average_basket, all.average_basket);
        let size = if basket >= 1.5 {
            " big-basket"
        } else if basket <= 0.67 {
            " small-basket"
        } else {
            ""
        };
        let tenure = if ratio(self.tenure_days, all.tenure_days) <= 0.5 {
            " newcomers"
        } else {
            " buyers"
        };
        format!("{status} {freq}{size}{tenure}")
    }
}

/// A box of conditions around a cluster: its 5th–95th percentile on each clustered feature,
/// rounded outwards to readable numbers, leaving out bounds that exclude nobody (at or beyond
/// `ranges`, everybody's minimum and maximum); with its volume in log space (for precedence).
fn box_rule(fs: &[&Features], ranges: &[(f64, f64); D]) -> (Vec<Condition>, f64) {
    let mut conditions = Vec::new();
    let mut volume = 1.0;
    for (feat, &(min, max)) in FEATURES.into_iter().zip(ranges) {
        let values: Vec<f64> = fs.iter().map(|f| f.get(feat)).collect();
        let lo = round_down(quantile(values.clone(), 0.05));
        let hi = round_up(quantile(values, 0.95));
        volume *= (hi.min(max).max(0.0).ln_1p() - lo.max(min).max(0.0).ln_1p()).max(1e-3);
        if lo > min {
            conditions.push(Condition {
                feature: feat,
                op: Op::Ge,
                value: lo,
            });
        }
        if hi < max {
            conditions.push(Condition {
                feature: feat,
                op: Op::Le,
                value: hi,
            });
        }
    }
    (conditions, volume)
}

/// Nearest-rank quantile (NaN for no values).
fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
    v.retain(|x| !x.is_nan());
    if v.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    *v.select_nth_unstable_by(rank, f64::total_cmp).1
}

/// Two significant digits, for sentences.
fn nice(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let r = round_sig(x, 2);
    if r.abs() >= 100.0 || r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r}")
    }
}

fn round_sig(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

fn step(x: f64) -> f64 {
    if x.abs() < 10.0 {
        1.0
    } else {
        10f64.powi(x.abs().log10().floor() as i32 - 1)
    }
}

fn round_down(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let s = step(x);
    (x / s).floor() * s
}

fn round_up(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let s = step(x);
    (x / s).ceil() * s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blobs() -> Vec<[f64; D]> {
        // Three well-separated groups of 50 points.
        let mut pts = Vec::new();
        for (g, centre) in [[0.0; D], [10.0; D], [-10.0, 10.0, -10.0, 10.0]]
            .iter()
            .enumerate()
        {
            for i in 0..50 {
                let jitter = ((i * 7 + g * 13) % 11) as f64 / 11.0 - 0.5;
                pts.push(centre.map(|c| c + jitter));
            }
        }
        pts
    }

    #[test]
    fn separates_obvious_groups_and_is_deterministic() {
        let pts = blobs();
        let a = kmeans(&pts, 3, 7);
        let b = kmeans(&pts, 3, 7);
        assert_eq!(a, b);
        for g in 0..3 {
            let labels = &a.labels[g * 50..(g + 1) * 50];
            assert!(labels.iter().all(|&l| l == labels[0]), "group {g} split");
        }
        let distinct: std::collections::BTreeSet<u16> = a.labels.iter().copied().collect();
        assert_eq!(distinct.len(), 3);
        // The silhouette prefers the true k.
        let s3 = silhouette(&pts, &a.labels, 3);
        let two = kmeans(&pts, 2, 7);
        let s2 = silhouette(&pts, &two.labels, 2);
        assert!(s3 > 0.9 && s3 > s2, "{s3} vs {s2}");
    }

    #[test]
    fn rounding_is_outwards_and_readable() {
        assert_eq!(round_down(3.7), 3.0);
        assert_eq!(round_up(3.2), 4.0);
        assert_eq!(round_down(1234.0), 1200.0);
        assert_eq!(round_up(1234.0), 1300.0);
        assert_eq!(nice(0.1234), "0.12");
        assert_eq!(nice(1234.0), "1200");
        assert_eq!(quantile(vec![3.0, 1.0, 2.0, f64::NAN], 0.5), 2.0);
    }
}
