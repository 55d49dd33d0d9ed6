//! Synthetic transaction histories: BG/NBD purchasing and dropout with Gamma-Gamma spend.
//!
//! Each customer gets a purchase rate λ ~ Gamma(r, r/mean) (per day), a dropout probability
//! p ~ Beta(a, b) with the group's mean, and a spend scale ν ~ Gamma(q, γ) so that each basket is
//! Gamma(p_s, ν) (Fader, Hardie & Lee 2005). Purchases follow a Poisson process thinned by weekday
//! and yearly seasonality; after each repeat purchase the customer drops out with probability p.
//! Customers arrive uniformly over the first 70% of the period. Customer `i` draws from its own
//! ChaCha8 stream, so results do not depend on the order of evaluation.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution, Exp, Gamma};

use crate::data::store::{Transactions, TransactionsBuilder};
use crate::model::{Date, Project};

/// One group of customers with shared behaviour (a persona or segment).
#[derive(Clone, Debug, PartialEq)]
pub struct GroupSpec {
    /// Name, for reporting.
    pub name: String,
    /// Relative share of customers.
    pub share: f64,
    /// Mean purchases per year while active.
    pub purchases_per_year: f64,
    /// Mean spend per purchase, in currency units.
    pub average_basket: f64,
    /// Mean probability of dropping out after a repeat purchase (0–1).
    pub dropout_per_purchase: f64,
    /// Categories with relative weights (empty = no category).
    pub categories: Vec<(String, f64)>,
}

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratorConfig {
    /// Number of customers.
    pub customers: usize,
    /// Seed of every draw.
    pub seed: u64,
    /// First possible transaction day.
    pub start: Date,
    /// Last possible transaction day (inclusive).
    pub end: Date,
    /// Customer groups.
    pub groups: Vec<GroupSpec>,
    /// Relative purchase intensity Monday..Sunday.
    pub weekday_weights: [f64; 7],
    /// Amplitude of the yearly cycle (0 = none), peaking mid-December.
    pub yearly_amplitude: f64,
}

impl GeneratorConfig {
    /// A general retail mix of three groups, used when no project is given.
    pub fn default_mix(customers: usize, seed: u64, start: Date, end: Date) -> GeneratorConfig {
        let cats = |names: &[(&str, f64)]| names.iter().map(|(n, w)| (n.to_string(), *w)).collect();
        GeneratorConfig {
            customers,
            seed,
            start,
            end,
            groups: vec![
                GroupSpec {
                    name: "Regulars".into(),
                    share: 25.0,
                    purchases_per_year: 18.0,
                    average_basket: 35.0,
                    dropout_per_purchase: 0.03,
                    categories: cats(&[("Grocery", 5.0), ("Home", 2.0), ("Gifts", 1.0)]),
                },
                GroupSpec {
                    name: "Occasionals".into(),
                    share: 50.0,
                    purchases_per_year: 5.0,
                    average_basket: 45.0,
                    dropout_per_purchase: 0.12,
                    categories: cats(&[("Grocery", 3.0), ("Home", 3.0), ("Gifts", 2.0)]),
                },
                GroupSpec {
                    name: "One-offs".into(),
                    share: 25.0,
                    purchases_per_year: 1.5,
                    average_basket: 60.0,
                    dropout_per_purchase: 0.4,
                    categories: cats(&[("Gifts", 3.0), ("Home", 1.0)]),
                },
            ],
            weekday_weights: [0.85, 0.85, 0.9, 0.95, 1.1, 1.35, 0.8],
            yearly_amplitude: 0.2,
        }
    }

    /// Groups from a project's personas that have a `synthetic` profile; `None` when none has.
    pub fn from_project(
        project: &Project,
        customers: usize,
        seed: u64,
        start: Date,
        end: Date,
    ) -> Option<GeneratorConfig> {
        let groups: Vec<GroupSpec> = project
            .personas
            .iter()
            .filter_map(|p| {
                let s = p.synthetic.as_ref()?;
                Some(GroupSpec {
                    name: p.name.clone(),
                    share: s.share_pct,
                    purchases_per_year: s.purchases_per_year,
                    average_basket: s.average_basket,
                    dropout_per_purchase: s.dropout_pct_per_purchase / 100.0,
                    categories: s
                        .categories
                        .iter()
                        .map(|c| (c.category.clone(), c.weight))
                        .collect(),
                })
            })
            .collect();
        if groups.is_empty() {
            return None;
        }
        Some(GeneratorConfig {
            groups,
            ..GeneratorConfig::default_mix(customers, seed, start, end)
        })
    }
}

/// One generated transaction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeneratedRow {
    /// Customer index (0-based).
    pub customer: u32,
    /// Day.
    pub day: Date,
    /// Amount in currency units, rounded to cents.
    pub amount: f64,
    /// Index into [`Generated::categories`].
    pub category: Option<u16>,
}

/// A generated history.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    /// Transactions sorted by day, then customer.
    pub rows: Vec<GeneratedRow>,
    /// Category names.
    pub categories: Vec<String>,
    /// Group index of each customer.
    pub group_of_customer: Vec<u16>,
}

impl Generated {
    /// Header of the CSV a generated history is written as.
    pub const CSV_HEADER: [&'static str; 4] = ["customer_id", "date", "amount", "category"];

    /// The id a customer index is written with: `C000001` for index 0.
    pub fn customer_id(customer: u32) -> String {
        format!("C{:06}", u64::from(customer) + 1)
    }

    /// The rows as CSV fields under [`Generated::CSV_HEADER`] (ISO dates, amounts in cents).
    pub fn csv_rows(&self) -> impl Iterator<Item = [String; 4]> + '_ {
        self.rows.iter().map(|r| {
            let cat = r
                .category
                .map_or("", |c| self.categories[c as usize].as_str());
            [
                Self::customer_id(r.customer),
                r.day.to_string(),
                format!("{:.2}", r.amount),
                cat.to_string(),
            ]
        })
    }

    /// The history as the engine's columnar store, as importing its CSV would give it.
    pub fn to_transactions(&self) -> Transactions {
        let mut b = TransactionsBuilder::default();
        for r in &self.rows {
            let cat = r.category.map(|c| self.categories[c as usize].as_str());
            b.push(&Self::customer_id(r.customer), r.day, r.amount, cat);
        }
        b.finish()
    }
}

/// Why a configuration cannot generate.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GenerateError {
    /// A parameter is out of range.
    #[error("{0}")]
    Invalid(String),
}

fn check(cfg: &GeneratorConfig) -> Result<(), GenerateError> {
    let bad = |m: String| Err(GenerateError::Invalid(m));
    if cfg.end < cfg.start {
        return bad(format!("end {} is before start {}", cfg.end, cfg.start));
    }
    if cfg.groups.is_empty() || cfg.groups.iter().map(|g| g.share).sum::<f64>() <= 0.0 {
        return bad("no customer group with a positive share".into());
    }
    if cfg.customers > u32::MAX as usize / 2 {
        return bad(format!(
            "{} customers is more than tierlab can generate",
            cfg.customers
        ));
    }
    for g in &cfg.groups {
        let ok = g.share >= 0.0
            && g.purchases_per_year > 0.0
            && g.purchases_per_year.is_finite()
            && g.average_basket > 0.0
            && g.average_basket.is_finite()
            && (0.0..=1.0).contains(&g.dropout_per_purchase)
            && g.categories.iter().all(|(_, w)| *w >= 0.0 && w.is_finite());
        if !ok {
            return bad(format!("group '{}' has a parameter out of range", g.name));
        }
    }
    Ok(())
}

/// Generates a history. Deterministic: the same config gives the same rows.
pub fn generate(cfg: &GeneratorConfig) -> Result<Generated, GenerateError> {
    check(cfg)?;
    // Category table across groups, in order of first mention.
    let mut categories: Vec<String> = Vec::new();
    let group_cats: Vec<Vec<(u16, f64)>> = cfg
        .groups
        .iter()
        .map(|g| {
            g.categories
                .iter()
                .map(|(name, w)| {
                    let i = categories
                        .iter()
                        .position(|c| c == name)
                        .unwrap_or_else(|| {
                            categories.push(name.clone());
                            categories.len() - 1
                        });
                    (i as u16, *w)
                })
                .collect()
        })
        .collect();
    let share_total: f64 = cfg.groups.iter().map(|g| g.share).sum();
    let max_weekday = cfg
        .weekday_weights
        .iter()
        .cloned()
        .fold(0.0, f64::max)
        .max(1e-9);
    let amp = cfg.yearly_amplitude.clamp(0.0, 0.95);
    let intensity = |day: Date| -> f64 {
        let w = cfg.weekday_weights[day.weekday() as usize] / max_weekday;
        let phase = 2.0 * std::f64::consts::PI * (f64::from(day.ordinal()) - 350.0) / 365.25;
        w * (1.0 + amp * phase.cos()) / (1.0 + amp)
    };
    let span_days = f64::from(cfg.end.0 - cfg.start.0 + 1);
    let arrival_span = (span_days * 0.7).max(1.0);
    // Heterogeneity shapes: purchase rate r, spend p and q (FHL 2005 orders of magnitude).
    let (r_shape, p_spend, q_spend) = (2.0, 6.0, 4.0);
    let mut rows = Vec::new();
    let mut group_of_customer = Vec::with_capacity(cfg.customers);
    for i in 0..cfg.customers {
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        rng.set_stream(i as u64);
        let mut u = rng.random::<f64>() * share_total;
        let mut gi = cfg.groups.len() - 1;
        for (k, g) in cfg.groups.iter().enumerate() {
            if u < g.share {
                gi = k;
                break;
            }
            u -= g.share;
        }
        group_of_customer.push(gi as u16);
        let g = &cfg.groups[gi];
        let mean_rate = g.purchases_per_year / 365.25;
        let lambda =
            Gamma::new(r_shape, mean_rate / r_shape).map_or(mean_rate, |d| d.sample(&mut rng));
        let p_drop = if g.dropout_per_purchase <= 0.0 {
            0.0
        } else if g.dropout_per_purchase >= 1.0 {
            1.0
        } else {
            let a = 1.5;
            let b = a * (1.0 - g.dropout_per_purchase) / g.dropout_per_purchase;
            Beta::new(a, b).map_or(g.dropout_per_purchase, |d| d.sample(&mut rng))
        };
        let gamma = g.average_basket * (q_spend - 1.0) / p_spend;
        let nu =
            Gamma::new(q_spend, 1.0 / gamma).map_or(1.0 / g.average_basket, |d| d.sample(&mut rng));
        let basket = Gamma::new(p_spend, 1.0 / nu).ok();
        let cats = &group_cats[gi];
        let cat_total: f64 = cats.iter().map(|c| c.1).sum();
        let emit = |rng: &mut ChaCha8Rng, day: Date, rows: &mut Vec<GeneratedRow>| {
            let raw = basket.map_or(g.average_basket, |d| d.sample(rng));
            let amount = (raw.max(0.5) * 100.0).round() / 100.0;
            let category = if cat_total > 0.0 {
                let mut v = rng.random::<f64>() * cat_total;
                let mut pick = cats[cats.len() - 1].0;
                for &(c, w) in cats {
                    if v < w {
                        pick = c;
                        break;
                    }
                    v -= w;
                }
                Some(pick)
            } else {
                None
            };
            rows.push(GeneratedRow {
                customer: i as u32,
                day,
                amount,
                category,
            });
        };
        let first = cfg
            .start
            .add_days((rng.random::<f64>() * arrival_span) as i32);
        emit(&mut rng, first, &mut rows);
        let Ok(gap) = Exp::new(lambda.max(1e-9)) else {
            continue;
        };
        let mut t = f64::from(first.0) + 0.5;
        loop {
            t += gap.sample(&mut rng);
            let day = Date(t.floor() as i32);
            if day > cfg.end {
                break;
            }
            if rng.random::<f64>() >= intensity(day) {
                continue;
            }
            emit(&mut rng, day, &mut rows);
            if rng.random::<f64>() < p_drop {
                break;
            }
        }
    }
    rows.sort_by_key(|r| (r.day, r.customer));
    Ok(Generated {
        rows,
        categories,
        group_of_customer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(seed: u64) -> GeneratorConfig {
        GeneratorConfig::default_mix(
            500,
            seed,
            Date::from_ymd(2022, 1, 1).unwrap(),
            Date::from_ymd(2023, 12, 31).unwrap(),
        )
    }

    #[test]
    fn deterministic_under_a_seed() {
        assert_eq!(generate(&cfg(7)).unwrap(), generate(&cfg(7)).unwrap());
        assert_ne!(
            generate(&cfg(7)).unwrap().rows,
            generate(&cfg(8)).unwrap().rows
        );
    }

    #[test]
    fn rows_are_in_range_and_sorted() {
        let c = cfg(1);
        let g = generate(&c).unwrap();
        assert!(g.rows.len() > 500, "every customer buys at least once");
        assert!(
            g.rows
                .iter()
                .all(|r| r.day >= c.start && r.day <= c.end && r.amount >= 0.5)
        );
        assert!(
            g.rows
                .windows(2)
                .all(|w| (w[0].day, w[0].customer) <= (w[1].day, w[1].customer))
        );
        let mut seen = vec![false; 500];
        for r in &g.rows {
            seen[r.customer as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn mean_basket_and_frequency_follow_the_group() {
        let mut c = cfg(3);
        c.customers = 4000;
        c.groups = vec![GroupSpec {
            name: "Only".into(),
            share: 1.0,
            purchases_per_year: 12.0,
            average_basket: 50.0,
            dropout_per_purchase: 0.0,
            categories: vec![],
        }];
        let g = generate(&c).unwrap();
        let mean = g.rows.iter().map(|r| r.amount).sum::<f64>() / g.rows.len() as f64;
        assert!((mean - 50.0).abs() < 2.5, "mean basket {mean}");
        assert!(g.rows.iter().all(|r| r.category.is_none()));
    }

    #[test]
    fn bad_configs_are_refused() {
        let mut c = cfg(1);
        c.end = Date(c.start.0 - 1);
        assert!(generate(&c).is_err());
        let mut c = cfg(1);
        c.groups[0].purchases_per_year = f64::NAN;
        assert!(generate(&c).is_err());
    }
}
