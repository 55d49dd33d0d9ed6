//! The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV").
//!
//! A customer's transaction values are Gamma(p, ν) around their own mean; ν varies across
//! customers as Gamma(q, γ). Fitted on repeat customers with a positive mean repeat spend.

use rayon::prelude::*;
use serde::Serialize;

use super::optimize::{bfgs, standard_errors};
use super::special::{digamma, ln_gamma};
use super::summary::Summary;
use super::transaction::FitError;

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
    let min = bfgs(&objective, &phi0, 1e-9, 2000)
        .map_err(|source| FitError::Optimizer { model, source })?;
    let theta: Vec<f64> = min.x.iter().map(|v| v.exp()).collect();
    let params = from(&theta);
    let std_errors = standard_errors(&|t: &[f64]| data.totals(&from(t), true).1.to_vec(), &theta);
    Ok(SpendFit {
        params,
        log_likelihood: data.totals(&params, false).0,
        std_errors,
        customers: data.x.len(),
        iterations: min.iterations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
