//! The purchase-and-dropout models: BG/NBD, MBG/NBD and Pareto/NBD.
//!
//! Likelihoods follow the papers: Fader, Hardie & Lee (2005) "Counting your customers the easy
//! way" (BG/NBD), Batislam, Denizel & Filiztekin (2007) (MBG/NBD), Schmittlein, Morrison & Colombo
//! (1987) with Fader & Hardie's (2005) note on the Pareto/NBD (its likelihood with the Gauss
//! hypergeometric taken in log space). All are on the papers' scale: raw periods, no rescaling.

use rayon::prelude::*;
use serde::Serialize;

use super::optimize::{OptimizeError, at_bound, bfgs_bounded, standard_errors_held};
use super::special::{digamma, hyp2f1, ln_gamma, ln_hyp2f1_a1, log_add_exp, log_sub_exp};
use super::summary::Compressed;
use crate::format::significant;
use crate::model::{Period, TransactionModel};

/// Fitted parameters of a transaction model.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TransactionParams {
    /// BG/NBD: purchase rate λ ~ Gamma(r, α); dropout after a repeat purchase p ~ Beta(a, b).
    BgNbd {
        /// Shape of the purchase-rate distribution.
        r: f64,
        /// Scale (rate) of the purchase-rate distribution, in periods.
        alpha: f64,
        /// Beta shape a of the dropout probability.
        a: f64,
        /// Beta shape b of the dropout probability.
        b: f64,
    },
    /// MBG/NBD: as BG/NBD, but a customer may also drop out right after the first purchase.
    MbgNbd {
        /// Shape of the purchase-rate distribution.
        r: f64,
        /// Scale of the purchase-rate distribution.
        alpha: f64,
        /// Beta shape a.
        a: f64,
        /// Beta shape b.
        b: f64,
    },
    /// Pareto/NBD: λ ~ Gamma(r, α); lifetime exponential with rate μ ~ Gamma(s, β).
    ParetoNbd {
        /// Shape of the purchase-rate distribution.
        r: f64,
        /// Scale of the purchase-rate distribution.
        alpha: f64,
        /// Shape of the dropout-rate distribution.
        s: f64,
        /// Scale of the dropout-rate distribution.
        beta: f64,
    },
}

impl TransactionParams {
    /// Which model these are parameters of.
    pub fn kind(&self) -> TransactionModel {
        match self {
            TransactionParams::BgNbd { .. } => TransactionModel::BgNbd,
            TransactionParams::MbgNbd { .. } => TransactionModel::MbgNbd,
            TransactionParams::ParetoNbd { .. } => TransactionModel::ParetoNbd,
        }
    }

    /// The parameters as a vector, in the order of [`TransactionParams::names`].
    pub fn to_vec(&self) -> Vec<f64> {
        match *self {
            TransactionParams::BgNbd { r, alpha, a, b }
            | TransactionParams::MbgNbd { r, alpha, a, b } => {
                vec![r, alpha, a, b]
            }
            TransactionParams::ParetoNbd { r, alpha, s, beta } => vec![r, alpha, s, beta],
        }
    }

    /// The parameter names, as in the papers and the JSON output.
    pub fn names(kind: TransactionModel) -> [&'static str; 4] {
        match kind {
            TransactionModel::BgNbd | TransactionModel::MbgNbd => ["r", "alpha", "a", "b"],
            TransactionModel::ParetoNbd => ["r", "alpha", "s", "beta"],
        }
    }

    /// Parameters of `kind` from a vector in [`TransactionParams::names`] order.
    pub fn from_vec(kind: TransactionModel, v: &[f64]) -> TransactionParams {
        let (p0, p1, p2, p3) = (v[0], v[1], v[2], v[3]);
        match kind {
            TransactionModel::BgNbd => TransactionParams::BgNbd {
                r: p0,
                alpha: p1,
                a: p2,
                b: p3,
            },
            TransactionModel::MbgNbd => TransactionParams::MbgNbd {
                r: p0,
                alpha: p1,
                a: p2,
                b: p3,
            },
            TransactionModel::ParetoNbd => TransactionParams::ParetoNbd {
                r: p0,
                alpha: p1,
                s: p2,
                beta: p3,
            },
        }
    }

    /// Log-likelihood of one customer with `x` repeat purchases, the last at `t_x`, observed for `age`.
    pub fn log_likelihood(&self, x: f64, t_x: f64, age: f64) -> f64 {
        match *self {
            TransactionParams::BgNbd { r, alpha, a, b } => {
                beta_geometric_ll(false, [r, alpha, a, b], x, t_x, age)
            }
            TransactionParams::MbgNbd { r, alpha, a, b } => {
                beta_geometric_ll(true, [r, alpha, a, b], x, t_x, age)
            }
            TransactionParams::ParetoNbd { r, alpha, s, beta } => {
                // Every term is shifted by `s ln β` (see `pareto_shifted_ln_a0`).
                let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
                let alive = -(r + x) * (alpha + age).ln() - s * (age / beta).ln_1p();
                let ln_a0 = pareto_shifted_ln_a0(r, alpha, s, beta, x, t_x, age);
                a1 + log_add_exp(alive, s.ln() + ln_a0 - (r + s + x).ln())
            }
        }
    }

    /// Probability that a customer with this history is still active at `age`.
    pub fn p_alive(&self, x: f64, t_x: f64, age: f64) -> f64 {
        match *self {
            TransactionParams::BgNbd { r, alpha, a, b } => {
                if x == 0.0 {
                    return 1.0;
                }
                let ln_odds = a.ln() - (b + x - 1.0).ln()
                    + (r + x) * ((alpha + age).ln() - (alpha + t_x).ln());
                1.0 / (1.0 + ln_odds.exp())
            }
            TransactionParams::MbgNbd { r, alpha, a, b } => {
                let ln_odds =
                    a.ln() - (b + x).ln() + (r + x) * ((alpha + age).ln() - (alpha + t_x).ln());
                1.0 / (1.0 + ln_odds.exp())
            }
            TransactionParams::ParetoNbd { r, alpha, s, beta } => {
                let ln_odds = s.ln() - (r + s + x).ln()
                    + (r + x) * (alpha + age).ln()
                    + s * (age / beta).ln_1p()
                    + pareto_shifted_ln_a0(r, alpha, s, beta, x, t_x, age);
                1.0 / (1.0 + ln_odds.exp())
            }
        }
    }

    /// Expected repeat transactions in the next `t` periods of a customer with this history
    /// (the conditional expectation of each paper).
    pub fn expected_conditional(&self, t: f64, x: f64, t_x: f64, age: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        match *self {
            TransactionParams::BgNbd { r, alpha, a, b } => {
                let z = t / (alpha + age + t);
                let f = hyp2f1(r + x, b + x, a + b + x - 1.0, z);
                let head = (a + b + x - 1.0) / (a - 1.0);
                let inner = 1.0 - ((alpha + age) / (alpha + age + t)).powf(r + x) * f;
                head * inner * self.p_alive(x, t_x, age)
            }
            TransactionParams::MbgNbd { r, alpha, a, b } => {
                let z = t / (alpha + age + t);
                let f = hyp2f1(r + x, b + x + 1.0, a + b + x, z);
                let head = (a + b + x) / (a - 1.0);
                let inner = 1.0 - ((alpha + age) / (alpha + age + t)).powf(r + x) * f;
                head * inner * self.p_alive(x, t_x, age)
            }
            TransactionParams::ParetoNbd { r, alpha, s, beta } => {
                let rate = (r + x) * (beta + age) / (alpha + age);
                let life = if (s - 1.0).abs() < 1e-9 {
                    ((beta + age + t) / (beta + age)).ln()
                } else {
                    (1.0 - ((beta + age) / (beta + age + t)).powf(s - 1.0)) / (s - 1.0)
                };
                rate * life * self.p_alive(x, t_x, age)
            }
        }
    }

    /// Expected repeat transactions in the first `t` periods after a new customer's first purchase.
    pub fn expected_unconditional(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        match *self {
            TransactionParams::BgNbd { r, alpha, a, b } => {
                let z = t / (alpha + t);
                (a + b - 1.0) / (a - 1.0)
                    * (1.0 - (alpha / (alpha + t)).powf(r) * hyp2f1(r, b, a + b - 1.0, z))
            }
            TransactionParams::MbgNbd { r, alpha, a, b } => {
                let z = t / (alpha + t);
                b / (a - 1.0) * (1.0 - (alpha / (alpha + t)).powf(r) * hyp2f1(r, b + 1.0, a + b, z))
            }
            TransactionParams::ParetoNbd { r, alpha, s, beta } => {
                if (s - 1.0).abs() < 1e-9 {
                    r * beta / alpha * ((beta + t) / beta).ln()
                } else {
                    r * beta / (alpha * (s - 1.0)) * (1.0 - (beta / (beta + t)).powf(s - 1.0))
                }
            }
        }
    }
}

/// One customer's BG/NBD (`modified = false`) or MBG/NBD log-likelihood; the same terms as
/// [`beta_geometric_totals`], which splits them for speed.
fn beta_geometric_ll(modified: bool, theta: [f64; 4], x: f64, t_x: f64, age: f64) -> f64 {
    let [r, alpha, a, b] = theta;
    let m = if modified { 1.0 } else { 0.0 };
    let head =
        ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + ln_gamma(a + b) + ln_gamma(b + x + m)
            - ln_gamma(b)
            - ln_gamma(a + b + x + m);
    let a3 = -(r + x) * (alpha + age).ln();
    let a4 = if modified || x > 0.0 {
        a.ln() - (b + x + m - 1.0).ln() - (r + x) * (alpha + t_x).ln()
    } else {
        f64::NEG_INFINITY
    };
    head + log_add_exp(a3, a4)
}

/// `ln A₀ + s ln β` of the Pareto/NBD likelihood (Fader & Hardie 2005, eq. 19–20), stable in
/// log space.
///
/// The likelihood's terms each hold `±s ln β` (`s ln β` in the first, `−s ln(β + T)` and
/// `−(r + s + x) ln(max(α, β) + t)` in the others), which cancel: near the homogeneous-dropout
/// limit (s and β growing together, s in the millions) they are 10¹³ and more, and adding them
/// up left the log-likelihood and its gradient with errors larger than the optimiser's
/// tolerance (fits wandered for seconds). Every term is shifted by `s ln β` instead, which
/// leaves `s ln(1 + t/β)` or `s ln(q/β)`, computed as such.
fn pareto_shifted_ln_a0(r: f64, alpha: f64, s: f64, beta: f64, x: f64, t_x: f64, age: f64) -> f64 {
    let rsx = r + s + x;
    let (max_ab, min_ab, second) = if alpha >= beta {
        (alpha, beta, s + 1.0)
    } else {
        (beta, alpha, r + x)
    };
    let diff = max_ab - min_ab;
    let part = |t: f64| {
        let q = max_ab + t;
        ln_hyp2f1_a1(rsx, second, diff / q) - (r + x) * q.ln() - s * ln_over_beta(max_ab, beta, t)
    };
    log_sub_exp(part(t_x), part(age))
}

/// `ln((M + t)/β)` for `M = max(α, β)`, accurate when it is small (M = β, t ≪ β).
fn ln_over_beta(max_ab: f64, beta: f64, t: f64) -> f64 {
    (((max_ab - beta) + t) / beta).ln_1p()
}

/// Pareto/NBD log-likelihood of one row and its gradient in (r, α, s, β).
/// One part of the Pareto/NBD `ln A₀`: its value and gradient in (r, α, s, β).
type APart = (f64, [f64; 4]);

/// `lnΓ(r+x) − lnΓ(r)` and `ψ(r+x) − ψ(r)`: the Pareto/NBD terms of `x` alone.
fn gamma_terms(r: f64, x: f64) -> (f64, f64) {
    (ln_gamma(r + x) - ln_gamma(r), digamma(r + x) - digamma(r))
}

/// `x_terms` are [`gamma_terms`]`(r, x)`, shared by the rows of one `x`.
///
/// `cache` remembers the last `ln A₀` part at `t_x` and at `T` by their time: consecutive rows of
/// one `x` share their recency (rows are sorted by `x`, `t_x`, `T`), so the series at `t_x` is
/// computed once per run of equal recency.
fn pareto_ll_grad(
    theta: [f64; 4],
    x: f64,
    t_x: f64,
    age: f64,
    x_terms: (f64, f64),
    cache: &mut [Option<(f64, APart)>; 2],
) -> (f64, [f64; 4]) {
    let [r, alpha, s, beta] = theta;
    let a = r + s + x;
    // Every term shifted by `s ln β`, as in `pareto_shifted_ln_a0` (and its derivatives,
    // `ln β` in s and `s/β` in β, with it).
    let a1 = x_terms.0 + r * alpha.ln();
    let g_a1 = [x_terms.1 + alpha.ln(), r / alpha, 0.0, 0.0];
    let alive = -(r + x) * (alpha + age).ln() - s * (age / beta).ln_1p();
    let g_alive = [
        -(alpha + age).ln(),
        -(r + x) / (alpha + age),
        -(age / beta).ln_1p(),
        s * age / (beta * (beta + age)),
    ];
    // ln A₀ + s ln β = ln(e^{l₁} − e^{l₂}), l = F(a, b, z) − (r + x) ln q − s ln(q/β) with
    // q = M + t, z = (M − m)/q.
    let alpha_is_max = alpha >= beta;
    let (big, small) = if alpha_is_max {
        (alpha, beta)
    } else {
        (beta, alpha)
    };
    let b = if alpha_is_max { s + 1.0 } else { r + x };
    // ∂a/∂θ, ∂b/∂θ, and which parameter is M (the larger) and m.
    let da = [1.0, 0.0, 1.0, 0.0];
    let db = if alpha_is_max {
        [0.0, 0.0, 1.0, 0.0]
    } else {
        [1.0, 0.0, 0.0, 0.0]
    };
    let (i_big, i_small) = if alpha_is_max { (1, 3) } else { (3, 1) };
    let part = |t: f64| -> (f64, [f64; 4]) {
        let q = big + t;
        let z = (big - small) / q;
        let (f, fa, fb, fz) = super::special::ln_hyp2f1_a1_grad(a, b, z);
        let mut dz = [0.0; 4];
        dz[i_big] = (small + t) / (q * q);
        dz[i_small] = -1.0 / q;
        let (ln_q, ln_q_beta) = (q.ln(), ln_over_beta(big, beta, t));
        let mut g = [0.0; 4];
        for j in 0..4 {
            g[j] = fa * da[j] + fb * db[j] + fz * dz[j];
        }
        g[0] -= ln_q;
        g[2] -= ln_q_beta;
        g[i_big] -= (r + x) / q;
        // The derivatives of −s ln(q/β): −s/q in M, s/β in β; where β = M, s/β − s/q is
        // s(q − β)/(qβ), taken as such (no cancellation).
        if alpha_is_max {
            g[1] -= s / q;
            g[3] += s / beta;
        } else {
            g[3] += s * t / (q * beta);
        }
        (f - (r + x) * ln_q - s * ln_q_beta, g)
    };
    let mut cached = |slot: usize, t: f64| match cache[slot] {
        Some((key, value)) if key == t => value,
        _ => {
            let value = part(t);
            cache[slot] = Some((t, value));
            value
        }
    };
    let (l1, g1) = cached(0, t_x);
    let (l2, g2) = cached(1, age);
    let ln_a0 = log_sub_exp(l1, l2);
    if ln_a0 == f64::NEG_INFINITY {
        // t_x = T: the customer is certainly alive now; only the first term remains.
        let mut g = [0.0; 4];
        for j in 0..4 {
            g[j] = g_a1[j] + g_alive[j];
        }
        return (a1 + alive, g);
    }
    let w1 = 1.0 / (-(l2 - l1).exp_m1());
    let w2 = w1 - 1.0;
    let ls = s.ln() + ln_a0 - a.ln();
    let tail = log_add_exp(alive, ls);
    let v = (ls - tail).exp();
    let u = 1.0 - v;
    let mut g = [0.0; 4];
    for j in 0..4 {
        let d_ls = w1 * g1[j] - w2 * g2[j] - da[j] / a + if j == 2 { 1.0 / s } else { 0.0 };
        g[j] = g_a1[j] + u * g_alive[j] + v * d_ls;
    }
    (a1 + tail, g)
}

/// A fitted transaction model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TransactionFit {
    /// The parameters.
    pub params: TransactionParams,
    /// Total log-likelihood at the optimum.
    pub log_likelihood: f64,
    /// Standard errors in [`TransactionParams::names`] order (`None` where the Hessian gives none).
    pub std_errors: Vec<Option<f64>>,
    /// Optimiser iterations.
    pub iterations: usize,
    /// The shapes held at their bound ([`MAX_SHAPE`]), as indices in
    /// [`TransactionParams::names`] order, ascending: the data are at that shape's homogeneous
    /// limit, only the shape's ratio to its partner (its scale, or the other of the BG/NBD's
    /// `a` and `b`) is estimated, and neither has a standard error (the others' are taken with
    /// the shape held there). Empty for a fit inside its bounds.
    pub at_bound: Vec<usize>,
}

impl TransactionFit {
    /// One sentence for each shape at its bound ([`TransactionFit::at_bound`]; one for the
    /// BG/NBD's `a` and `b` together), for a reader of the estimates: what the bound means and
    /// the rate (per `period`, the models' time unit) or dropout probability the data do pin
    /// down.
    pub fn bound_notes(&self, period: Period) -> Vec<String> {
        let kind = self.params.kind();
        let names = TransactionParams::names(kind);
        let values = self.params.to_vec();
        let beta_dropout = kind != TransactionModel::ParetoNbd;
        self.at_bound
            .iter()
            .filter_map(|&shape| {
                let name = *names.get(shape)?;
                let other = *names.get(partner(shape))?;
                if beta_dropout && shape >= 2 {
                    // a and b: the dropout probability a/(a + b) after each purchase.
                    if shape == 3 && self.at_bound.contains(&2) {
                        return None; // noted with a
                    }
                    let held = if self.at_bound.contains(&3) && shape == 2 {
                        "a and b are at their bound".to_string()
                    } else {
                        format!("{name} is at its bound")
                    };
                    let (a, b) = (*values.get(2)?, *values.get(3)?);
                    let p = significant(a / (a + b));
                    return Some(format!(
                        "{held} ({MAX_SHAPE:.0}): the dropout probabilities hardly differ \
                         between customers (each about a/(a + b) = {p} after a purchase); a and \
                         b are not estimated apart and have no standard errors"
                    ));
                }
                let rates = if shape == 0 { "purchase" } else { "dropout" };
                let rate = significant(values.get(shape)? / values.get(partner(shape))?);
                Some(format!(
                    "{name} is at its bound ({MAX_SHAPE:.0}): the {rates} rates hardly \
                     differ between customers (each about {name}/{other} = {rate} per \
                     {}); {name} and {other} are not estimated apart and have no standard errors",
                    period.label()
                ))
            })
            .collect()
    }

    /// Every note for a reader of the estimates: [`TransactionFit::bound_notes`], then
    /// [`TransactionFit::weak_estimate_notes`].
    pub fn notes(&self, period: Period) -> Vec<String> {
        let mut notes = self.bound_notes(period);
        notes.extend(self.weak_estimate_notes());
        notes
    }

    /// One sentence for each estimate the data hardly determine (see
    /// [`super::weak_estimate_notes`]); the shapes at their bound and their scales, which
    /// [`TransactionFit::bound_notes`] explains, are left out.
    pub fn weak_estimate_notes(&self) -> Vec<String> {
        let kind = self.params.kind();
        let held: Vec<usize> = self
            .at_bound
            .iter()
            .flat_map(|&i| [i, partner(i)])
            .collect();
        super::weak_estimate_notes(
            &TransactionParams::names(kind),
            &self.params.to_vec(),
            &self.std_errors,
            &held,
        )
    }
}

/// Why a model could not be fitted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FitError {
    /// Not enough data for the model.
    #[error("cannot fit {model}: {reason}")]
    Data {
        /// The model.
        model: &'static str,
        /// What is missing.
        reason: String,
    },
    /// The optimiser failed.
    #[error("cannot fit {model}: {source}")]
    Optimizer {
        /// The model.
        model: &'static str,
        /// How it failed.
        source: OptimizeError,
    },
}

/// Total log-likelihood of the compressed data.
pub fn total_log_likelihood(params: &TransactionParams, data: &Compressed) -> f64 {
    match *params {
        TransactionParams::BgNbd { r, alpha, a, b } => {
            beta_geometric_totals(false, [r, alpha, a, b], data, false).0
        }
        TransactionParams::MbgNbd { r, alpha, a, b } => {
            beta_geometric_totals(true, [r, alpha, a, b], data, false).0
        }
        TransactionParams::ParetoNbd { .. } => {
            // Collected in chunk order and summed sequentially: the same result on any thread count.
            let parts: Vec<f64> = data
                .chunks
                .par_iter()
                .map(|&(start, end)| {
                    (start..end)
                        .map(|i| {
                            data.weight[i]
                                * params.log_likelihood(data.x[i], data.t_x[i], data.age[i])
                        })
                        .sum::<f64>()
                })
                .collect();
            parts.iter().sum()
        }
    }
}

/// Log-likelihood (and gradient) of the BG/NBD (`modified = false`) or MBG/NBD summed over the
/// data. Terms that depend on `x` alone are computed once per chunk of equal `x`; chunks run in
/// parallel and are summed in a fixed order, so the result does not depend on the thread count.
fn beta_geometric_totals(
    modified: bool,
    theta: [f64; 4],
    data: &Compressed,
    want_grad: bool,
) -> (f64, [f64; 4]) {
    let [r, alpha, a, b] = theta;
    let m = if modified { 1.0 } else { 0.0 };
    let ln_alpha = alpha.ln();
    let parts: Vec<(f64, [f64; 4])> = data
        .chunks
        .par_iter()
        .map(|&(start, end)| {
            let x = data.x[start];
            let head = ln_gamma(r + x) - ln_gamma(r)
                + r * ln_alpha
                + ln_gamma(a + b)
                + ln_gamma(b + x + m)
                - ln_gamma(b)
                - ln_gamma(a + b + x + m);
            let has_a4 = modified || x > 0.0;
            let c4 = if has_a4 {
                a.ln() - (b + x + m - 1.0).ln()
            } else {
                0.0
            };
            let (dr0, da0, db0) = if want_grad {
                let dab = digamma(a + b) - digamma(a + b + x + m);
                (
                    digamma(r + x) - digamma(r) + ln_alpha,
                    dab,
                    dab + digamma(b + x + m) - digamma(b),
                )
            } else {
                (0.0, 0.0, 0.0)
            };
            let mut ll = 0.0;
            let mut g = [0.0; 4];
            for i in start..end {
                let w = data.weight[i];
                let (la_t, la_tx) = ((alpha + data.age[i]).ln(), (alpha + data.t_x[i]).ln());
                let a3 = -(r + x) * la_t;
                let a4 = if has_a4 {
                    c4 - (r + x) * la_tx
                } else {
                    f64::NEG_INFINITY
                };
                let tail = log_add_exp(a3, a4);
                ll += w * (head + tail);
                if want_grad {
                    let w4 = (a4 - tail).exp();
                    let w3 = 1.0 - w4;
                    g[0] += w * (dr0 - w3 * la_t - w4 * la_tx);
                    g[1] += w
                        * (r / alpha
                            - w3 * (r + x) / (alpha + data.age[i])
                            - w4 * (r + x) / (alpha + data.t_x[i]));
                    g[2] += w * (da0 + w4 / a);
                    g[3] += w * (db0 - if has_a4 { w4 / (b + x + m - 1.0) } else { 0.0 });
                }
            }
            (ll, g)
        })
        .collect();
    parts.iter().fold((0.0, [0.0; 4]), |(ll, g), (pll, pg)| {
        (
            ll + pll,
            [g[0] + pg[0], g[1] + pg[1], g[2] + pg[2], g[3] + pg[3]],
        )
    })
}

/// Total log-likelihood and its gradient in the parameters `theta`.
fn totals(kind: TransactionModel, theta: &[f64], data: &Compressed) -> (f64, Vec<f64>) {
    match kind {
        TransactionModel::BgNbd | TransactionModel::MbgNbd => {
            let modified = kind == TransactionModel::MbgNbd;
            let (ll, g) = beta_geometric_totals(
                modified,
                [theta[0], theta[1], theta[2], theta[3]],
                data,
                true,
            );
            (ll, g.to_vec())
        }
        TransactionModel::ParetoNbd => {
            let th = [theta[0], theta[1], theta[2], theta[3]];
            // Chunks in parallel, summed in chunk order (deterministic).
            let parts: Vec<(f64, [f64; 4])> = data
                .chunks
                .par_iter()
                .map(|&(start, end)| {
                    let mut ll = 0.0;
                    let mut g = [0.0; 4];
                    let x_terms = gamma_terms(th[0], data.x[start]);
                    let mut cache = [None, None];
                    for i in start..end {
                        let (li, gi) = pareto_ll_grad(
                            th,
                            data.x[i],
                            data.t_x[i],
                            data.age[i],
                            x_terms,
                            &mut cache,
                        );
                        ll += data.weight[i] * li;
                        for j in 0..4 {
                            g[j] += data.weight[i] * gi[j];
                        }
                    }
                    (ll, g)
                })
                .collect();
            let (ll, g) = parts.iter().fold((0.0, [0.0; 4]), |(ll, g), (pl, pg)| {
                (
                    ll + pl,
                    [g[0] + pg[0], g[1] + pg[1], g[2] + pg[2], g[3] + pg[3]],
                )
            });
            (ll, g.to_vec())
        }
    }
}

/// The largest shape a fit takes: the Pareto/NBD's `r` (of the purchase rates) and `s` (of the
/// dropout rates), the BG/NBD's and MBG/NBD's `r` and the `a` and `b` of their dropout
/// probabilities. Where the data have little spread in purchase rates (or dropout), the
/// likelihood keeps rising, ever more slowly, as a shape and its scale grow together towards the
/// homogeneous limit (every customer with the same rate, `r/α`, `s/β`, or dropout probability
/// `a/(a + b)`); it has no maximum, and the search would walk along that ridge for seconds (and,
/// past 10⁷ or so, into shapes where the Pareto/NBD's hypergeometric terms lose their
/// precision; a BG/NBD fitted on the coffee chain's first three months reached a ≈ 8.9·10⁶,
/// b ≈ 9.2·10⁸). At 10⁵ the rates' coefficient of variation is 0.3%: the limit for every
/// purpose; on the fashion-retailer sample (6,000 customers, fitted to 2024-09-30) the
/// Pareto/NBD's log-likelihood there is within 10⁻⁴ of its supremum. With `b` at 10⁵ the dropout
/// probabilities' is about 1/√a (3% on those three months of the coffee chain, a ≈ 970), and
/// the log-likelihood within 10⁻³ of its supremum.
pub const MAX_SHAPE: f64 = 1e5;

/// Whether parameter `j` (in [`TransactionParams::names`] order) of `kind` is a shape, held at
/// most [`MAX_SHAPE`]: `r` for every model, `s` of the Pareto/NBD, `a` and `b` of the BG/NBD
/// and MBG/NBD.
fn is_shape(kind: TransactionModel, j: usize) -> bool {
    match kind {
        TransactionModel::ParetoNbd => j == 0 || j == 2,
        TransactionModel::BgNbd | TransactionModel::MbgNbd => j != 1,
    }
}

/// The parameter that grows with parameter `j` along the ridge to a homogeneous limit: a
/// shape's scale (`r` and `alpha`, `s` and `beta`), or the other of the BG/NBD's `a` and `b`.
/// Only their ratio is estimated once `j` is held at its bound.
fn partner(j: usize) -> usize {
    j ^ 1
}

/// Fits `kind` by maximum likelihood on compressed `(x, t_x, T)` data.
pub fn fit_transactions(
    kind: TransactionModel,
    data: &Compressed,
) -> Result<TransactionFit, FitError> {
    let model = kind.label();
    let n = data.customers();
    if n < 1.0 {
        return Err(FitError::Data {
            model,
            reason: "no customers".into(),
        });
    }
    let repeaters: f64 = (0..data.len())
        .filter(|&i| data.x[i] > 0.0)
        .map(|i| data.weight[i])
        .sum();
    if repeaters == 0.0 {
        return Err(FitError::Data {
            model,
            reason: "no customer made a repeat purchase in the calibration period".into(),
        });
    }
    let mean_age = (0..data.len())
        .map(|i| data.weight[i] * data.age[i])
        .sum::<f64>()
        / n;
    let mean_x = (0..data.len())
        .map(|i| data.weight[i] * data.x[i])
        .sum::<f64>()
        / n;
    let alpha0 = (mean_age / (1.0 + mean_x)).max(1e-3);
    let start = [
        1.0f64,
        alpha0,
        1.0,
        if kind == TransactionModel::ParetoNbd {
            alpha0
        } else {
            1.0
        },
    ];
    let phi0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
    // Minimise −LL per customer over log-parameters.
    let objective = |phi: &[f64]| {
        let theta: Vec<f64> = phi.iter().map(|v| v.exp()).collect();
        let (ll, g) = totals(kind, &theta, data);
        let grad: Vec<f64> = (0..4).map(|j| -g[j] * theta[j] / n).collect();
        (-ll / n, grad)
    };
    // The Pareto/NBD's likelihood (its hypergeometric terms) is precise to about 10⁻¹¹ where
    // its argument nears 1: steps that lower it by less are rounding, and the search stops
    // there rather than crawl on (seconds, near the homogeneous-dropout limit).
    let (gtol, ftol) = if kind == TransactionModel::ParetoNbd {
        (1e-7, 1e-11)
    } else {
        (1e-9, 0.0)
    };
    // The shapes are held at most `MAX_SHAPE` (see there); the scales are not bounded.
    let upper: Vec<f64> = (0..4)
        .map(|j| {
            if is_shape(kind, j) {
                MAX_SHAPE.ln()
            } else {
                f64::INFINITY
            }
        })
        .collect();
    let min = bfgs_bounded(&objective, &phi0, &upper, gtol, ftol, 2000)
        .map_err(|source| FitError::Optimizer { model, source })?;
    let theta: Vec<f64> = min.x.iter().map(|v| v.exp()).collect();
    let params = TransactionParams::from_vec(kind, &theta);
    // Only the shapes have a bound.
    let at_bound = at_bound(&min.x, &upper);
    // The others' standard errors with a shape at its bound held there; that shape and its
    // partner are not estimated apart (only their ratio is): none for them.
    let mut std_errors =
        standard_errors_held(&|t: &[f64]| totals(kind, t, data).1, &theta, &at_bound);
    for &shape in &at_bound {
        std_errors[partner(shape)] = None;
    }
    Ok(TransactionFit {
        params,
        // The objective at the optimum is −LL per customer: no extra pass over the data.
        log_likelihood: -min.f * n,
        std_errors,
        iterations: min.iterations,
        at_bound,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::models::summary::{CustomerSummary, Summary};

    fn data() -> Compressed {
        let rows = [
            (0, 0.0, 30.0),
            (0, 0.0, 12.0),
            (1, 3.0, 30.0),
            (4, 25.5, 30.0),
            (12, 10.0, 40.0),
            (1, 0.0, 0.0),
        ]
        .iter()
        .map(|&(x, t_x, age)| CustomerSummary {
            customer: 0,
            first_day: crate::model::Date(0),
            x,
            t_x,
            age,
            mean_repeat_spend: 0.0,
            holdout_x: 0,
            holdout_spend: 0.0,
        })
        .collect();
        Compressed::from_summary(&Summary {
            period: crate::model::Period::Week,
            calibration_end: crate::model::Date(0),
            holdout_end: None,
            rows,
        })
    }

    /// The analytic gradient `g` of `f` at `theta` agrees with central differences.
    fn assert_gradient(f: impl Fn([f64; 4]) -> f64, theta: [f64; 4], g: &[f64]) {
        for j in 0..4 {
            let h = 1e-6 * theta[j];
            let (mut up, mut down) = (theta, theta);
            up[j] += h;
            down[j] -= h;
            let numeric = (f(up) - f(down)) / (2.0 * h);
            assert!(
                (numeric - g[j]).abs() < 1e-5 * numeric.abs().max(1.0),
                "{theta:?} {j}: {numeric} vs {}",
                g[j]
            );
        }
    }

    #[test]
    fn pareto_likelihood_stays_precise_on_the_way_to_the_homogeneous_dropout_limit() {
        // s and β growing together (s/β fixed): the log-likelihood converges, like 1/s, to that
        // of a common dropout rate. Each tenfold step must change it less than the one before,
        // up to a hundred times the largest shape a fit takes (`MAX_SHAPE`); further
        // on, the hypergeometric terms lose their precision (past 10⁷ here).
        let d = data();
        let (r, alpha, mu) = (0.8, 12.0, 0.05);
        let ll = |s: f64| {
            let p =
                TransactionParams::from_vec(TransactionModel::ParetoNbd, &[r, alpha, s, s / mu]);
            total_log_likelihood(&p, &d)
        };
        let lls: Vec<f64> = (2..=7).map(|k| ll(10f64.powi(k))).collect();
        for w in lls.windows(3) {
            let (before, after) = ((w[1] - w[0]).abs(), (w[2] - w[1]).abs());
            assert!(after <= 0.2 * before + 1e-12, "{lls:?}");
        }
        // The gradient too: the analytic one agrees with differences of the likelihood.
        assert_pareto_gradient([r, alpha, 1e4, 1e4 / mu], &d);
        // And P(alive) stays a probability, converging as well.
        let p = |s: f64| {
            TransactionParams::from_vec(TransactionModel::ParetoNbd, &[r, alpha, s, s / mu])
                .p_alive(3.0, 10.0, 30.0)
        };
        let (near, far) = (p(1e6), p(1e9));
        assert!(
            (0.0..=1.0).contains(&far) && (near - far).abs() < 1e-5,
            "{near} {far}"
        );
    }

    #[test]
    fn pareto_gradient_matches_finite_differences() {
        let d = data();
        for theta in [
            [0.55, 10.6, 0.6, 11.7],
            [0.8, 12.0, 1.4, 5.0],
            [1.2, 3.0, 0.9, 3.0],
        ] {
            let params = TransactionParams::from_vec(TransactionModel::ParetoNbd, &theta);
            let (ll, _) = totals(TransactionModel::ParetoNbd, &theta, &d);
            assert!((ll - total_log_likelihood(&params, &d)).abs() < 1e-9);
            assert_pareto_gradient(theta, &d);
        }
    }

    /// The Pareto/NBD's analytic gradient at `theta` agrees with central differences of its
    /// log-likelihood on `d`.
    fn assert_pareto_gradient(theta: [f64; 4], d: &Compressed) {
        let (_, g) = totals(TransactionModel::ParetoNbd, &theta, d);
        assert_gradient(
            |t| {
                total_log_likelihood(
                    &TransactionParams::from_vec(TransactionModel::ParetoNbd, &t),
                    d,
                )
            },
            theta,
            &g,
        );
    }

    /// A fit of `params` with the shapes `at_bound` held at their bound, for its notes: no
    /// standard errors.
    fn held_fit(params: TransactionParams, at_bound: Vec<usize>) -> TransactionFit {
        TransactionFit {
            params,
            log_likelihood: -1.0,
            std_errors: vec![None; 4],
            iterations: 1,
            at_bound,
        }
    }

    #[test]
    fn a_shape_at_its_bound_is_explained_with_the_rate_the_data_pin_down() {
        let params = TransactionParams::ParetoNbd {
            r: MAX_SHAPE,
            alpha: 4.0e7,
            s: MAX_SHAPE,
            beta: 2.0e7,
        };
        let fit = |at_bound: Vec<usize>| held_fit(params, at_bound);
        assert!(fit(Vec::new()).bound_notes(Period::Week).is_empty());
        let notes = fit(vec![0, 2]).bound_notes(Period::Day);
        assert_eq!(notes.len(), 2, "{notes:?}");
        // r/α = 0.0025 and s/β = 0.005, to three significant digits.
        assert!(
            notes[0].starts_with("r is at its bound (100000): the purchase rates")
                && notes[0].contains("r/alpha = 0.00250 per day)"),
            "{}",
            notes[0]
        );
        assert!(
            notes[1].starts_with("s is at its bound (100000): the dropout rates")
                && notes[1].contains("s/beta = 0.00500 per day)")
                && notes[1]
                    .ends_with("s and beta are not estimated apart and have no standard errors"),
            "{}",
            notes[1]
        );
    }

    #[test]
    fn bg_nbd_dropout_shapes_at_their_bound_are_explained_once_with_the_dropout_probability() {
        let fit = |kind: TransactionModel, at_bound: Vec<usize>| {
            let values = [MAX_SHAPE, 2.0e5, 2.5e3, MAX_SHAPE];
            held_fit(TransactionParams::from_vec(kind, &values), at_bound)
        };
        for kind in [TransactionModel::BgNbd, TransactionModel::MbgNbd] {
            // r/α = 0.5 per week; a/(a + b) = 2500/102500 = 0.0244.
            let notes = fit(kind, vec![0, 3]).bound_notes(Period::Week);
            assert_eq!(notes.len(), 2, "{notes:?}");
            assert!(
                notes[0].starts_with("r is at its bound (100000): the purchase rates")
                    && notes[0].contains("r/alpha = 0.500 per week)"),
                "{}",
                notes[0]
            );
            assert_eq!(
                notes[1],
                "b is at its bound (100000): the dropout probabilities hardly differ between \
                 customers (each about a/(a + b) = 0.0244 after a purchase); a and b are not \
                 estimated apart and have no standard errors"
            );
            // Both at the bound: one note for the pair.
            let notes = fit(kind, vec![2, 3]).bound_notes(Period::Week);
            assert_eq!(notes.len(), 1, "{notes:?}");
            assert!(
                notes[0].starts_with("a and b are at their bound (100000)"),
                "{notes:?}"
            );
            // Neither a nor b has a standard error in the notes on weak estimates.
            let mut held = fit(kind, vec![3]);
            held.std_errors = vec![Some(1.0), Some(1.0), None, None];
            assert!(held.weak_estimate_notes().is_empty(), "{held:?}");
        }
    }

    #[test]
    fn grouped_sums_and_gradients_agree_with_the_per_customer_formulas() {
        let d = data();
        for kind in [TransactionModel::BgNbd, TransactionModel::MbgNbd] {
            let theta = [0.7, 5.0, 0.9, 2.5];
            let params = TransactionParams::from_vec(kind, &theta);
            let direct: f64 = (0..d.len())
                .map(|i| d.weight[i] * params.log_likelihood(d.x[i], d.t_x[i], d.age[i]))
                .sum();
            let (ll, g) = totals(kind, &theta, &d);
            assert!((ll - direct).abs() < 1e-9, "{kind:?}");
            assert_gradient(|t| totals(kind, &t, &d).0, theta, &g);
        }
    }
}
