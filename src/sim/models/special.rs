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

/// [`ln_hyp2f1_a1`] with its partial derivatives in `a`, `b` and `z`: `(F, ∂F/∂a, ∂F/∂b, ∂F/∂z)`.
///
/// With `c = a + 1` and `b₂ = c − b`, `F = (1−b)·ln(1−z) + ln S` where `S = Σ Tₙ`,
/// `Tₙ₊₁ = Tₙ (b₂+n)/(c+n) z`; the derivatives of `ln S` are accumulated term by term:
/// `∂Tₙ/∂b₂ = Tₙ Σ_{k<n} 1/(b₂+k)`, `∂Tₙ/∂c = −Tₙ Σ_{k<n} 1/(c+k)`, `∂Tₙ/∂z = n Tₙ / z`.
pub fn ln_hyp2f1_a1_grad(a: f64, b: f64, z: f64) -> (f64, f64, f64, f64) {
    let c = a + 1.0;
    let b2 = c - b;
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    // Running Σ 1/(b₂+k) and Σ 1/(c+k) over k < n, and the derivative sums.
    let (mut hb, mut hc) = (0.0f64, 0.0f64);
    let (mut d_b2, mut d_c, mut d_z) = (0.0f64, 0.0f64, 0.0f64);
    // uₙ = Tₙ / z, kept without dividing so that z = 0 is fine.
    let mut u = 1.0f64;
    for n in 0..MAX_TERMS {
        let nf = n as f64;
        let ratio = (b2 + nf) / (c + nf);
        hb += 1.0 / (b2 + nf);
        hc += 1.0 / (c + nf);
        u = if n == 0 { ratio } else { u * ratio * z };
        term *= ratio * z;
        sum += term;
        d_b2 += term * hb;
        d_c -= term * hc;
        d_z += (nf + 1.0) * u;
        if term <= 1e-17 * sum && u * (nf + 1.0) <= 1e-17 * sum.max(d_z) {
            break;
        }
    }
    let ln1mz = (-z).ln_1p();
    let f = (1.0 - b) * ln1mz + sum.ln();
    let (d_b2, d_c, d_z) = (d_b2 / sum, d_c / sum, d_z / sum);
    (f, d_b2 + d_c, -ln1mz - d_b2, -(1.0 - b) / (1.0 - z) + d_z)
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
    fn hypergeometric_derivatives_match_finite_differences() {
        for &(a, b, z) in &[
            (2.5, 1.6, 0.3),
            (40.0, 3.0, 0.05),
            (7.0, 6.5, 0.8),
            (3.0, 1.2, 0.0),
        ] {
            let (f, da, db, dz) = ln_hyp2f1_a1_grad(a, b, z);
            assert!((f - ln_hyp2f1_a1(a, b, z)).abs() < 1e-12);
            let h = 1e-6;
            let num = |fa: f64, fb: f64| (fa - fb) / (2.0 * h);
            let na = num(ln_hyp2f1_a1(a + h, b, z), ln_hyp2f1_a1(a - h, b, z));
            let nb = num(ln_hyp2f1_a1(a, b + h, z), ln_hyp2f1_a1(a, b - h, z));
            let nz = if z > 0.0 {
                num(ln_hyp2f1_a1(a, b, z + h), ln_hyp2f1_a1(a, b, z - h))
            } else {
                (ln_hyp2f1_a1(a, b, h) - f) / h
            };
            assert!((da - na).abs() < 1e-6, "a {a} {b} {z}: {da} vs {na}");
            assert!((db - nb).abs() < 1e-6, "b {a} {b} {z}: {db} vs {nb}");
            assert!(
                (dz - nz).abs() < 1e-4 * nz.abs().max(1.0),
                "z {a} {b} {z}: {dz} vs {nz}"
            );
        }
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
