//! The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV").
//!
//! A customer's transaction values are Gamma(p, ν) around their own mean; ν varies across
//! customers as Gamma(q, γ). Fitted on repeat customers with a positive mean repeat spend.

use rayon::prelude::*;
use serde::Serialize;

use super::optimize::{at_bound, bfgs_bounded, standard_errors_held};
use super::special::{digamma, ln_gamma};
use super::summary::Summary;
use super::transaction::FitError;
use crate::format::{estimate, significant};

/// Gamma-Gamma parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct GammaGammaParams {
    /// Shape of the transaction-value distribution.
    pub p: f64,
    /// Shape of the distribution of ν across customers.
    pub q: f64,
    /// Scale of the distribution of ν across customers.
    pub gamma: f64,
}

impl GammaGammaParams {
    /// Parameter names in vector order.
    pub const NAMES: [&'static str; 3] = ["p", "q", "gamma"];

    /// Log-likelihood of one customer's mean repeat spend `m` over `x` repeat transactions.
    pub fn log_likelihood(&self, x: f64, m: f64) -> f64 {
        let GammaGammaParams { p, q, gamma } = *self;
        ln_gamma(p * x + q) - ln_gamma(p * x) - ln_gamma(q)
            + q * gamma.ln()
            + p * x * x.ln()
            + (p * x - 1.0) * m.ln()
            - (p * x + q) * (gamma + x * m).ln()
    }

    /// Expected spend per transaction of a customer with `x` repeat purchases averaging `m`
    /// (the population mean `pγ/(q−1)` when `x = 0`).
    pub fn expected_spend(&self, x: f64, m: f64) -> f64 {
        let GammaGammaParams { p, q, gamma } = *self;
        (gamma + x * m) * p / (p * x + q - 1.0)
    }
}

/// A fitted Gamma-Gamma model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpendFit {
    /// The parameters.
    pub params: GammaGammaParams,
    /// Total log-likelihood.
    pub log_likelihood: f64,
    /// Standard errors of p, q, γ.
    pub std_errors: Vec<Option<f64>>,
    /// Customers the model was fitted on.
    pub customers: usize,
    /// Optimiser iterations.
    pub iterations: usize,
    /// The parameters held at their bound, as indices in [`GammaGammaParams::NAMES`] order:
    /// `[0]` when p is at [`GAMMA_GAMMA_MAX_SHAPE`] (then p and γ are not estimated apart and
    /// have no standard errors; q's is taken with p held there), else empty.
    pub at_bound: Vec<usize>,
}

/// The largest p the Gamma-Gamma fit takes. Where customers' mean spends vary hardly less
/// among those with many purchases than among those with few, the likelihood rises without
/// end as p grows (a customer's transaction values scattering less and less around their own
/// mean) while γ falls, pγ staying put: the search would stop anywhere on that ridge (p ≈ 10⁷
/// on the coffee-chain sample fitted to 2024-12-31), with standard errors that mean nothing.
/// At 10⁵ (the Pareto/NBD's bound too) a customer's transaction values vary by 0.3% (1/√p)
/// around their mean: the limit for every purpose; on that sample the log-likelihood there is
/// within 2·10⁻³ of its supremum (−9164.035 against −9164.034 at p ≈ 10⁷) and the population
/// mean spend within 10⁻⁵.
pub const GAMMA_GAMMA_MAX_SHAPE: f64 = 1e5;

impl SpendFit {
    /// One sentence for p at its bound ([`SpendFit::at_bound`]), for a reader of the
    /// estimates: what the bound means and what the data do pin down. Empty inside the bound.
    pub fn bound_notes(&self) -> Vec<String> {
        if !self.at_bound.contains(&0) {
            return Vec::new();
        }
        let GammaGammaParams { p, gamma, .. } = self.params;
        let scale = p * gamma;
        let mean = self.params.expected_spend(0.0, 0.0);
        vec![format!(
            "p is at its bound ({GAMMA_GAMMA_MAX_SHAPE:.0}): customers' mean spends vary hardly \
             less among those with many purchases than among those with few, which the model reads as \
             each customer's spend hardly varying around their own mean (by {:.1}%, 1/√p); p and \
             gamma are not estimated apart (their product pγ = {} is: the scale of the \
             customers' mean spends, whose population mean pγ/(q − 1) is {}) and have no \
             standard errors",
            100.0 / p.sqrt(),
            significant(scale),
            significant(mean)
        )]
    }

    /// Every note for a reader of the estimates: [`SpendFit::bound_notes`], then
    /// [`SpendFit::weak_estimate_notes`].
    pub fn notes(&self) -> Vec<String> {
        let mut notes = self.bound_notes();
        notes.extend(self.weak_estimate_notes());
        notes
    }

    /// One sentence for each estimate the data hardly determine (see
    /// [`super::weak_estimate_notes`]); p and γ at p's bound, which
    /// [`SpendFit::bound_notes`] explains, are left out.
    pub fn weak_estimate_notes(&self) -> Vec<String> {
        let held: &[usize] = if self.at_bound.contains(&0) {
            &[0, 2]
        } else {
            &[]
        };
        let GammaGammaParams { p, q, gamma } = self.params;
        super::weak_estimate_notes(
            &GammaGammaParams::NAMES,
            &[p, q, gamma],
            &self.std_errors,
            held,
        )
    }
}

/// Repeat customers' `(x, m)` sorted by `x`, with precomputed logs, in chunks of equal `x`.
struct SpendData {
    x: Vec<f64>,
    m: Vec<f64>,
    ln_m: Vec<f64>,
    chunks: Vec<(usize, usize)>,
}

impl SpendData {
    fn new(mut pairs: Vec<(f64, f64)>) -> SpendData {
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut chunks = Vec::new();
        let mut start = 0;
        while start < pairs.len() {
            let mut end = start;
            while end < pairs.len()
                && pairs[end].0 == pairs[start].0
                && end - start < super::summary::CHUNK_ROWS
            {
                end += 1;
            }
            chunks.push((start, end));
            start = end;
        }
        SpendData {
            x: pairs.iter().map(|p| p.0).collect(),
            m: pairs.iter().map(|p| p.1).collect(),
            ln_m: pairs.iter().map(|p| p.1.ln()).collect(),
            chunks,
        }
    }

    /// Total log-likelihood and gradient in (p, q, γ). Terms of `x` alone are computed once per
    /// chunk; chunks run in parallel and are summed in order (deterministic).
    fn totals(&self, params: &GammaGammaParams, want_grad: bool) -> (f64, [f64; 3]) {
        let GammaGammaParams { p, q, gamma } = *params;
        let (ln_gamma_q, ln_g, dg_q) = (
            ln_gamma(q),
            gamma.ln(),
            if want_grad { digamma(q) } else { 0.0 },
        );
        let parts: Vec<(f64, [f64; 3])> = self
            .chunks
            .par_iter()
            .map(|&(start, end)| {
                let x = self.x[start];
                let (px, ln_x) = (p * x, x.ln());
                let head = ln_gamma(px + q) - ln_gamma(px) - ln_gamma_q + q * ln_g + px * ln_x;
                let (dpq, dpx) = if want_grad {
                    (digamma(px + q), digamma(px))
                } else {
                    (0.0, 0.0)
                };
                let mut ll = 0.0;
                let mut g = [0.0; 3];
                for i in start..end {
                    let d = gamma + x * self.m[i];
                    let ln_d = d.ln();
                    ll += head + (px - 1.0) * self.ln_m[i] - (px + q) * ln_d;
                    if want_grad {
                        g[0] += x * (dpq - dpx + ln_x + self.ln_m[i] - ln_d);
                        g[1] += dpq - dg_q + ln_g - ln_d;
                        g[2] += q / gamma - (px + q) / d;
                    }
                }
                (ll, g)
            })
            .collect();
        parts.iter().fold((0.0, [0.0; 3]), |(ll, g), (pl, pg)| {
            (ll + pl, [g[0] + pg[0], g[1] + pg[1], g[2] + pg[2]])
        })
    }
}

/// Fits the Gamma-Gamma model on the repeat customers of `summary` with positive mean spend.
pub fn fit_gamma_gamma(summary: &Summary) -> Result<SpendFit, FitError> {
    let model = "Gamma-Gamma";
    let pairs: Vec<(f64, f64)> = summary
        .rows
        .iter()
        .filter(|r| r.x > 0 && r.mean_repeat_spend > 0.0)
        .map(|r| (f64::from(r.x), r.mean_repeat_spend))
        .collect();
    if pairs.len() < 2 {
        return Err(FitError::Data {
            model,
            reason: format!(
                "needs at least 2 repeat customers with positive spend, found {}",
                pairs.len()
            ),
        });
    }
    let n = pairs.len() as f64;
    let mean_m = pairs.iter().map(|d| d.1).sum::<f64>() / n;
    let data = SpendData::new(pairs);
    let from = |t: &[f64]| GammaGammaParams {
        p: t[0],
        q: t[1],
        gamma: t[2],
    };
    let objective = |phi: &[f64]| {
        let theta: Vec<f64> = phi.iter().map(|v| v.exp()).collect();
        let (ll, g) = data.totals(&from(&theta), true);
        (-ll / n, (0..3).map(|j| -g[j] * theta[j] / n).collect())
    };
    // Start where the population mean spend pγ/(q−1) matches the data.
    let start = [1.0f64, 2.0, mean_m];
    let phi0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
    // p is held at most `GAMMA_GAMMA_MAX_SHAPE` (see there).
    let upper = [GAMMA_GAMMA_MAX_SHAPE.ln(), f64::INFINITY, f64::INFINITY];
    let min = bfgs_bounded(&objective, &phi0, &upper, 1e-9, 0.0, 2000)
        .map_err(|source| FitError::Optimizer { model, source })?;
    let theta: Vec<f64> = min.x.iter().map(|v| v.exp()).collect();
    let params = from(&theta);
    if params.q <= 1.0 {
        // ν's shape at most 1: the customers' mean spends (inverse gamma in ν) have no finite
        // mean, and neither would a projection's spend of customers without a repeat purchase.
        return Err(FitError::Data {
            model,
            reason: format!(
                "the fit has q = {} ≤ 1: customers' mean spends are spread with a heavier \
                 tail than the model can give a finite mean for",
                estimate(params.q, 3)
            ),
        });
    }
    let at_bound = at_bound(&min.x, &upper);
    // p at its bound and γ are not estimated apart: q's standard error with p held there.
    let mut std_errors = standard_errors_held(
        &|t: &[f64]| data.totals(&from(t), true).1.to_vec(),
        &theta,
        &at_bound,
    );
    if !at_bound.is_empty() {
        std_errors[2] = None;
    }
    Ok(SpendFit {
        params,
        log_likelihood: data.totals(&params, false).0,
        std_errors,
        customers: data.x.len(),
        iterations: min.iterations,
        at_bound,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Date, Period};
    use crate::sim::models::summary::CustomerSummary;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Gamma};

    /// A summary of customers with `(x, mean repeat spend)`.
    fn summary(customers: impl IntoIterator<Item = (u32, f64)>) -> Summary {
        Summary {
            period: Period::Week,
            calibration_end: Date(0),
            holdout_end: None,
            rows: customers
                .into_iter()
                .map(|(x, m)| CustomerSummary {
                    customer: 0,
                    first_day: Date(0),
                    x,
                    t_x: 1.0,
                    age: 2.0,
                    mean_repeat_spend: m,
                    holdout_x: 0,
                    holdout_spend: 0.0,
                })
                .collect(),
        }
    }

    /// 120 customers with 1, 9, 17, 25 or 33 repeat purchases, whose mean spends spread
    /// around 12 the wider the more purchases they made: as the powers `1 + x/per` of six
    /// spends between 4 and 30 (in ratio to 12).
    fn spreading(per: f64) -> Vec<(u32, f64)> {
        (0..20u32)
            .flat_map(|i| {
                let x = 1 + i % 5 * 8;
                let widen = 1.0 + f64::from(x) / per;
                [4.0, 6.5, 9.0, 12.0, 18.0, 30.0].map(|v: f64| (x, 12.0 * (v / 12.0).powf(widen)))
            })
            .collect()
    }

    #[test]
    fn a_fit_inside_the_bound_recovers_its_parameters_with_standard_errors() {
        // Spends drawn from the model: p = 4, q = 3, γ = 10 (ν ~ Gamma(q, rate γ), each
        // transaction ~ Gamma(p, rate ν)).
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let nu = Gamma::new(3.0, 1.0 / 10.0).unwrap();
        let customers: Vec<(u32, f64)> = (0..4000)
            .map(|i| {
                let x = 1 + i % 12;
                let z = Gamma::new(4.0 * f64::from(x), 1.0).unwrap();
                // The mean of x transactions: Gamma(p·x, rate x·ν).
                let m = z.sample(&mut rng) / (f64::from(x) * nu.sample(&mut rng));
                (x, m)
            })
            .collect();
        let fit = fit_gamma_gamma(&summary(customers)).unwrap();
        assert!(
            fit.at_bound.is_empty() && fit.bound_notes().is_empty(),
            "{fit:?}"
        );
        assert!(fit.std_errors.iter().all(Option::is_some), "{fit:?}");
        let GammaGammaParams { p, q, gamma } = fit.params;
        assert!((p - 4.0).abs() < 0.5 && (q - 3.0).abs() < 0.5, "{fit:?}");
        assert!((gamma - 10.0).abs() < 2.5, "{fit:?}");
    }

    #[test]
    fn a_fit_without_a_finite_mean_spend_is_an_error() {
        // Mean spends spreading much wider among customers with more purchases: q falls below
        // 1, where the customers' mean spends have no finite mean.
        let err = fit_gamma_gamma(&summary(spreading(16.0))).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot fit Gamma-Gamma: the fit has q = 0."),
            "{err}"
        );
    }

    #[test]
    fn mean_spends_that_do_not_settle_with_more_purchases_hold_p_at_its_bound() {
        // Mean spends spread wider among customers with more purchases, where the model has
        // them settle: it reads that as no variation around each customer's own mean (the
        // likelihood rising without end in p).
        let customers = spreading(64.0);
        let fit = fit_gamma_gamma(&summary(customers.clone())).unwrap();
        assert_eq!(fit.at_bound, vec![0], "{fit:?}");
        assert!(fit.params.p <= GAMMA_GAMMA_MAX_SHAPE, "{fit:?}");
        assert!(fit.params.p > 0.98 * GAMMA_GAMMA_MAX_SHAPE, "{fit:?}");
        // p and γ are not estimated apart; q is, with p held at the bound.
        assert_eq!(fit.std_errors[0], None);
        assert_eq!(fit.std_errors[2], None);
        let se_q = fit.std_errors[1].expect("q's standard error");
        assert!(se_q > 0.0 && se_q < fit.params.q, "{fit:?}");
        // Along the ridge (pγ and q kept), the likelihood rises towards the bound.
        let data = SpendData::new(customers.iter().map(|&(x, m)| (f64::from(x), m)).collect());
        let along = |shrink: f64| {
            let GammaGammaParams { p, q, gamma } = fit.params;
            let params = GammaGammaParams {
                p: p / shrink,
                q,
                gamma: gamma * shrink,
            };
            data.totals(&params, false).0
        };
        assert!(along(1.0) > along(10.0) && along(10.0) > along(1000.0));
        let notes = fit.bound_notes();
        assert_eq!(notes.len(), 1);
        let scale = crate::format::significant(fit.params.p * fit.params.gamma);
        assert!(
            notes[0].starts_with("p is at its bound (100000): "),
            "{}",
            notes[0]
        );
        assert!(
            notes[0].contains(&format!("pγ = {scale} is")),
            "{}",
            notes[0]
        );
        assert!(notes[0].contains("(by 0.3%, 1/√p)"), "{}", notes[0]);
    }

    #[test]
    fn analytic_gradient_matches_finite_differences() {
        let data = SpendData::new(vec![
            (1.0, 20.0),
            (1.0, 35.5),
            (3.0, 12.0),
            (7.0, 48.0),
            (2.0, 5.0),
        ]);
        let theta = [4.0, 3.0, 12.0];
        let (_, g) = data.totals(
            &GammaGammaParams {
                p: theta[0],
                q: theta[1],
                gamma: theta[2],
            },
            true,
        );
        for j in 0..3 {
            let h = 1e-6 * theta[j];
            let mut up = theta;
            let mut down = theta;
            up[j] += h;
            down[j] -= h;
            let f = |t: [f64; 3]| {
                data.totals(
                    &GammaGammaParams {
                        p: t[0],
                        q: t[1],
                        gamma: t[2],
                    },
                    false,
                )
                .0
            };
            let numeric = (f(up) - f(down)) / (2.0 * h);
            assert!(
                (numeric - g[j]).abs() < 1e-5 * numeric.abs().max(1.0),
                "{j}: {numeric} vs {}",
                g[j]
            );
        }
        // The grouped sum equals the per-customer likelihood.
        let params = GammaGammaParams {
            p: 4.0,
            q: 3.0,
            gamma: 12.0,
        };
        let direct: f64 = (0..data.x.len())
            .map(|i| params.log_likelihood(data.x[i], data.m[i]))
            .sum();
        assert!((direct - data.totals(&params, false).0).abs() < 1e-9);
    }
}
