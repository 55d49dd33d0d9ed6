//! Special functions the models need: log-gamma, digamma (from statrs), log-sum-exp, and the
//! Gauss hypergeometric function by its series, with a log-space form for the Pareto/NBD.

pub use statrs::function::gamma::{digamma, ln_gamma};

/// `ln(e^a + e^b)` without overflow.
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// `ln(e^a − e^b)` for `a ≥ b`; `-inf` when they are equal.
pub fn log_sub_exp(a: f64, b: f64) -> f64 {
    if b == f64::NEG_INFINITY {
        return a;
    }
    let d = b - a;
    if d >= 0.0 {
        return f64::NEG_INFINITY;
    }
    // ln(1 − e^d), accurate near 0 and near −∞.
    a + if d > -std::f64::consts::LN_2 {
        (-d.exp_m1()).ln()
    } else {
        (-d.exp()).ln_1p()
    }
}

/// Most series terms summed before giving up.
const MAX_TERMS: usize = 200_000;

/// Gauss hypergeometric `₂F₁(a, b; c; z)` for `0 ≤ z < 1` by its power series. Returns `NaN`
/// when the series does not converge within the term budget.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    if z == 0.0 {
        return 1.0;
    }
    if !(0.0..1.0).contains(&z) {
        return f64::NAN;
    }
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for n in 0..MAX_TERMS {
        let nf = n as f64;
        term *= (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0)) * z;
        sum += term;
        if term.abs() <= 1e-16 * sum.abs() {
            return sum;
        }
        if !sum.is_finite() {
            return f64::NAN;
        }
    }
    f64::NAN
}

/// `ln ₂F₁(a, b; a + 1; z)` for `0 ≤ z < 1` and `b < a + 1`, stable for large parameters.
///
/// Euler's transformation gives `₂F₁(a, b; a+1; z) = (1−z)^{1−b} ₂F₁(1, a+1−b; a+1; z)`, and the
/// second series has positive terms whose ratio is below `z`: it is bounded by `1/(1−z)` and never
/// overflows, however large `a` and `b` are (they grow with a customer's frequency).
pub fn ln_hyp2f1_a1(a: f64, b: f64, z: f64) -> f64 {
    if z == 0.0 {
        return 0.0;
    }
    let c = a + 1.0;
    let b2 = c - b;
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for n in 0..MAX_TERMS {
        let nf = n as f64;
        term *= (b2 + nf) / (c + nf) * z;
        sum += term;
        if term <= 1e-17 * sum {
            break;
        }
    }
    (1.0 - b) * (-z).ln_1p() + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypergeometric_closed_forms() {
        // 2F1(1,1;2;z) = −ln(1−z)/z
        for z in [0.1, 0.5, 0.9, 0.99] {
            let want = -(1.0f64 - z).ln() / z;
            assert!(
                (hyp2f1(1.0, 1.0, 2.0, z) - want).abs() < 1e-12 * want,
                "z={z}"
            );
            assert!(
                (ln_hyp2f1_a1(1.0, 1.0, z) - want.ln()).abs() < 1e-12,
                "z={z}"
            );
        }
        // 2F1(a,b;b;z) = (1−z)^−a
        let want = (1.0f64 - 0.3).powf(-2.5);
        assert!((hyp2f1(2.5, 1.7, 1.7, 0.3) - want).abs() < 1e-12 * want);
        // ln form agrees with the direct series where both work, and stays finite for huge b.
        let (a, b, z) = (5.3, 2.2, 0.4);
        assert!((ln_hyp2f1_a1(a, b, z) - hyp2f1(a, b, a + 1.0, z).ln()).abs() < 1e-12);
        assert!(ln_hyp2f1_a1(2000.5, 1500.2, 0.7).is_finite());
    }

    #[test]
    fn log_sums() {
        assert!((log_add_exp(1.0, 2.0) - (1f64.exp() + 2f64.exp()).ln()).abs() < 1e-12);
        assert!((log_sub_exp(2.0, 1.0) - (2f64.exp() - 1f64.exp()).ln()).abs() < 1e-12);
        assert_eq!(log_sub_exp(1.0, 1.0), f64::NEG_INFINITY);
        assert_eq!(log_add_exp(f64::NEG_INFINITY, 3.0), 3.0);
        assert!((log_sub_exp(0.0, -1e-10) - (1e-10f64).ln()).abs() < 1e-6);
    }
}
