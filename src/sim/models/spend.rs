//! The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV").
//!
//! A customer's transaction values are Gamma(p, ν) around their own mean; ν varies across
//! customers as Gamma(q, γ). Fitted on repeat customers with a positive mean repeat spend.

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

    fn gradient(&self, x: f64, m: f64) -> [f64; 3] {
        let GammaGammaParams { p, q, gamma } = *self;
        let d = gamma + x * m;
        let common = digamma(p * x + q);
        [
            x * (common - digamma(p * x) + x.ln() + m.ln() - d.ln()),
            common - digamma(q) + gamma.ln() - d.ln(),
            q / gamma - (p * x + q) / d,
        ]
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

/// Fits the Gamma-Gamma model on the repeat customers of `summary` with positive mean spend.
pub fn fit_gamma_gamma(summary: &Summary) -> Result<SpendFit, FitError> {
    let model = "Gamma-Gamma";
    let data: Vec<(f64, f64)> = summary
        .rows
        .iter()
        .filter(|r| r.x > 0 && r.mean_repeat_spend > 0.0)
        .map(|r| (f64::from(r.x), r.mean_repeat_spend))
        .collect();
    if data.len() < 2 {
        return Err(FitError::Data {
            model,
            reason: format!(
                "needs at least 2 repeat customers with positive spend, found {}",
                data.len()
            ),
        });
    }
    let n = data.len() as f64;
    let mean_m = data.iter().map(|d| d.1).sum::<f64>() / n;
    let ll_total = |params: &GammaGammaParams| {
        data.iter()
            .map(|&(x, m)| params.log_likelihood(x, m))
            .sum::<f64>()
    };
    let grad_total = |params: &GammaGammaParams| {
        let mut g = [0.0; 3];
        for &(x, m) in &data {
            let gi = params.gradient(x, m);
            for j in 0..3 {
                g[j] += gi[j];
            }
        }
        g
    };
    let from = |t: &[f64]| GammaGammaParams {
        p: t[0],
        q: t[1],
        gamma: t[2],
    };
    let objective = |phi: &[f64]| {
        let theta: Vec<f64> = phi.iter().map(|v| v.exp()).collect();
        let params = from(&theta);
        let g = grad_total(&params);
        (
            -ll_total(&params) / n,
            (0..3).map(|j| -g[j] * theta[j] / n).collect(),
        )
    };
    // Start where the population mean spend pγ/(q−1) matches the data.
    let start = [1.0f64, 2.0, mean_m];
    let phi0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
    let min = bfgs(&objective, &phi0, 1e-9, 2000)
        .map_err(|source| FitError::Optimizer { model, source })?;
    let theta: Vec<f64> = min.x.iter().map(|v| v.exp()).collect();
    let params = from(&theta);
    let std_errors = standard_errors(&|t: &[f64]| grad_total(&from(t)).to_vec(), &theta);
    Ok(SpendFit {
        params,
        log_likelihood: ll_total(&params),
        std_errors,
        customers: data.len(),
        iterations: min.iterations,
    })
}
