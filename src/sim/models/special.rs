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

/// Most series terms [`hyp2f1`] sums before giving up.
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

/// Terms of the `ln ₂F₁(a, b; a+1; z)` series worth summing: past them Euler's integral (a few
/// hundred nodes, see [`ln_hyp2f1_a1_integral`]) is cheaper.
const SERIES_TERMS: f64 = 1_500.0;

/// Most terms summed: the estimate in [`series_is_short`] is rough.
const SERIES_CAP: usize = 4_000;

/// Whether the series of [`ln_hyp2f1_a1`] reaches full precision within about
/// [`SERIES_TERMS`] terms. The ratio of its terms is `z (1 − b/(a+1+k))`, so the `n`-th term is
/// about `zⁿ (1 + n/(a+1))^{−b}`; near `z = 1` it would otherwise need some `40 / (1 − z)`
/// terms (800,000 at a Pareto/NBD fit's `z = 0.99995`).
///
/// Below `z = 0.97` it holds whatever `a` and `b` are (`1,500 ln 0.97 < −45`), so the logarithms
/// are skipped there, where nearly every call is.
#[inline]
fn series_is_short(a: f64, b: f64, z: f64) -> bool {
    z < 0.97 || SERIES_TERMS * z.ln() - b * (SERIES_TERMS / (a + 1.0)).ln_1p() < -40.0
}

/// `ln ₂F₁(a, b; a + 1; z)` for `a > 0`, `b > 0` and `0 ≤ z < 1`, stable for large parameters
/// and for `z` close to 1.
///
/// Euler's transformation gives `₂F₁(a, b; a+1; z) = (1−z)^{1−b} ₂F₁(1, a+1−b; a+1; z)`, and the
/// second series has positive terms whose ratio is below `z`: it is bounded by `1/(1−z)` and never
/// overflows, however large `a` and `b` are (they grow with a customer's frequency). Where it
/// converges slowly (`z` near 1), the value comes from Euler's integral instead
/// ([`ln_hyp2f1_a1_integral`]).
pub fn ln_hyp2f1_a1(a: f64, b: f64, z: f64) -> f64 {
    if z == 0.0 {
        return 0.0;
    }
    if !series_is_short(a, b, z) {
        return ln_hyp2f1_a1_integral(a, b, z, false).0;
    }
    let c = a + 1.0;
    let b2 = c - b;
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for n in 0..SERIES_CAP {
        let nf = n as f64;
        term *= (b2 + nf) / (c + nf) * z;
        sum += term;
        if term <= 1e-17 * sum {
            return (1.0 - b) * (-z).ln_1p() + sum.ln();
        }
    }
    ln_hyp2f1_a1_integral(a, b, z, false).0
}

/// [`ln_hyp2f1_a1`] with its partial derivatives in `a`, `b` and `z`: `(F, ∂F/∂a, ∂F/∂b, ∂F/∂z)`.
///
/// With `c = a + 1` and `b₂ = c − b`, `F = (1−b)·ln(1−z) + ln S` where `S = Σ Tₙ`,
/// `Tₙ₊₁ = Tₙ (b₂+n)/(c+n) z`; the derivatives of `ln S` are accumulated term by term:
/// `∂Tₙ/∂b₂ = Tₙ Σ_{k<n} 1/(b₂+k)`, `∂Tₙ/∂c = −Tₙ Σ_{k<n} 1/(c+k)`, `∂Tₙ/∂z = n Tₙ / z`.
/// Where the series converges slowly, all four come from Euler's integral
/// ([`ln_hyp2f1_a1_integral`]).
pub fn ln_hyp2f1_a1_grad(a: f64, b: f64, z: f64) -> (f64, f64, f64, f64) {
    if !series_is_short(a, b, z) {
        return ln_hyp2f1_a1_integral(a, b, z, true);
    }
    let c = a + 1.0;
    let b2 = c - b;
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    // Running Σ 1/(b₂+k) and Σ 1/(c+k) over k < n, and the derivative sums.
    let (mut hb, mut hc) = (0.0f64, 0.0f64);
    let (mut d_b2, mut d_c, mut d_z) = (0.0f64, 0.0f64, 0.0f64);
    // uₙ = Tₙ / z, kept without dividing so that z = 0 is fine.
    let mut u = 1.0f64;
    for n in 0..SERIES_CAP {
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
            let ln1mz = (-z).ln_1p();
            let f = (1.0 - b) * ln1mz + sum.ln();
            let (d_b2, d_c, d_z) = (d_b2 / sum, d_c / sum, d_z / sum);
            return (f, d_b2 + d_c, -ln1mz - d_b2, -(1.0 - b) / (1.0 - z) + d_z);
        }
    }
    ln_hyp2f1_a1_integral(a, b, z, true)
}

/// Step of the trapezoidal rule in `y = ln w` (see [`ln_hyp2f1_a1_integral`]).
const INTEGRAL_STEP: f64 = 0.25;

/// `ln ₂F₁(a, b; a+1; z)` from Euler's integral, with its derivatives in `a`, `b` and `z` when
/// `with_grad` (else those are 0): `(F, ∂F/∂a, ∂F/∂b, ∂F/∂z)`.
///
/// `₂F₁(a, b; a+1; z) = a ∫₀¹ t^{a−1} (1−zt)^{−b} dt`; with `t = e^{−w/a}` this is
/// `∫₀^∞ e^{−w} (1 − z e^{−w/a})^{−b} dw`, whose integrand decreases in `w` (for `b > 0`) and
/// near `z = 1` changes on the scale `w ~ a(1−z)`, however small. With `w = e^y` it is the integral
/// over the whole line of a function analytic in the strip `|Im y| < π/2`, falling off as `e^y`
/// to the left and as `e^{−e^y}` to the right: the trapezoidal rule with step ¼ is accurate to
/// about `e^{−2π·(π/2)/¼} = e^{−4π²} ≈ 10⁻¹⁷` (its error falls geometrically in 1/step).
///
/// It is summed in log space. The derivatives are averages under the integrand:
/// `∂F/∂a = (1 − E[w]) / a`, `∂F/∂b = −E[ln(1 − zt)]`, `∂F/∂z = b E[t / (1 − zt)]`.
#[inline(never)]
pub fn ln_hyp2f1_a1_integral(a: f64, b: f64, z: f64, with_grad: bool) -> (f64, f64, f64, f64) {
    // 1 − z t = (1 − z) + z (1 − t), with 1 − t = −expm1(−w/a): no cancellation near z = 1.
    let eps = 1.0 - z;
    // The integrand's scale near 0; the rule starts 40 e-folds below it.
    let scale = (a * eps / z.max(f64::MIN_POSITIVE)).clamp(1e-30, 1.0);
    let y_lo = scale.ln() - 40.0;
    // e^{−w} is below 10⁻²¹ of its start past w = 50.
    let y_hi = 50f64.ln();
    let nodes = ((y_hi - y_lo) / INTEGRAL_STEP).ceil() as usize;
    // One pass, in log space: the sums are kept relative to the largest term so far.
    let mut peak = f64::NEG_INFINITY;
    let (mut sum, mut e_w, mut e_l, mut e_t) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for k in 0..=nodes {
        let y = y_lo + k as f64 * INTEGRAL_STEP;
        let w = y.exp();
        let one_minus_t = -(-w / a).exp_m1();
        let one_minus_zt = eps + z * one_minus_t;
        let ln_one_minus_zt = one_minus_zt.ln();
        // ln of the integrand times dw/dy.
        let lg = y - w - b * ln_one_minus_zt;
        let g = if lg > peak {
            let rescale = (peak - lg).exp();
            sum *= rescale;
            e_w *= rescale;
            e_l *= rescale;
            e_t *= rescale;
            peak = lg;
            1.0
        } else {
            (lg - peak).exp()
        };
        sum += g;
        if with_grad {
            e_w += g * w;
            e_l += g * ln_one_minus_zt;
            e_t += g * (1.0 - one_minus_t) / one_minus_zt;
        }
    }
    let f = peak + (sum * INTEGRAL_STEP).ln();
    if !with_grad {
        return (f, 0.0, 0.0, 0.0);
    }
    let (e_w, e_l, e_t) = (e_w / sum, e_l / sum, e_t / sum);
    (f, (1.0 - e_w) / a, -e_l, b * e_t)
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

    /// `(a, b, z, ln ₂F₁(a, b; a+1; z), ∂/∂a, ∂/∂b, ∂/∂z)` from mpmath (`hyp2f1` at 50 digits,
    /// derivatives by `mp.diff`), near `z = 1` where the series is slow: the Pareto/NBD fit's
    /// case first (a = r + s + x with s ≈ 2,360, z = (β − α)/(β + T) ≈ 0.99995).
    const NEAR_ONE: [(f64, f64, f64, f64, f64, f64, f64); 8] = [
        (
            2363.5,
            4.2,
            0.99995,
            38.24534096021208,
            0.00040277969739818524,
            9.611807267907116,
            64959.27419203528,
        ),
        (
            2363.5,
            4.2,
            0.98,
            16.348514017756816,
            3.2733947380787975e-05,
            3.893255173276526,
            206.05120468592588,
        ),
        (
            3.5,
            1.2,
            0.999,
            3.7985349763591283,
            0.24834123715371575,
            4.69805198147137,
            308.97473415176927,
        ),
        (
            40.0,
            3.0,
            0.9999999,
            35.23191977669196,
            0.024999900008380694,
            15.618099550259426,
            20000038.00730302,
        ),
        (
            12.0,
            11.5,
            0.99999,
            121.01924719591574,
            0.08333228070504588,
            11.417688588569185,
            1050000.1578988358,
        ),
        (
            1.5,
            0.3,
            0.995,
            0.422051145026834,
            0.14634804569105453,
            1.5922973160790297,
            3.3373386179929363,
        ),
        (
            100000.0,
            2.0,
            1.0 - 1e-9,
            32.23532755660226,
            9.992358440990743e-06,
            19.727078290866096,
            1000764176.0632944,
        ),
        (
            2363.5,
            2361.0,
            0.99995,
            23372.232105863553,
            0.00042308013734943244,
            9.903063844949546,
            47200000.00148888,
        ),
    ];

    #[test]
    fn euler_integral_matches_reference_values_near_one() {
        let close = |got: f64, want: f64, rel: f64| (got - want).abs() <= rel * want.abs().max(1.0);
        for &(a, b, z, f, da, db, dz) in &NEAR_ONE {
            // The integral itself, and the public functions (series or integral, whichever
            // converges).
            let (qf, qa, qb, qz) = ln_hyp2f1_a1_integral(a, b, z, true);
            let (gf, ga, gb, gz) = ln_hyp2f1_a1_grad(a, b, z);
            for (got, want, what) in [
                (qf, f, "integral F"),
                (gf, f, "F"),
                (ln_hyp2f1_a1(a, b, z), f, "value"),
            ] {
                assert!(
                    close(got, want, 1e-13),
                    "{what} ({a}, {b}, {z}): {got} vs {want}"
                );
            }
            for (got, want, what) in [
                (qa, da, "integral ∂a"),
                (qb, db, "integral ∂b"),
                (qz, dz, "integral ∂z"),
                (ga, da, "∂a"),
                (gb, db, "∂b"),
                (gz, dz, "∂z"),
            ] {
                assert!(
                    close(got, want, 1e-9),
                    "{what} ({a}, {b}, {z}): {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn series_and_integral_agree_where_both_work() {
        for &(a, b, z) in &[
            (2.5, 1.6, 0.3),
            (40.0, 3.0, 0.05),
            (7.0, 6.5, 0.8),
            (300.0, 2.5, 0.97),
        ] {
            let (sf, sa, sb, sz) = ln_hyp2f1_a1_grad(a, b, z);
            let (qf, qa, qb, qz) = ln_hyp2f1_a1_integral(a, b, z, true);
            assert!(
                (sf - qf).abs() < 1e-13 * sf.abs().max(1.0),
                "F {a} {b} {z}: {sf} vs {qf}"
            );
            for (s, q) in [(sa, qa), (sb, qb), (sz, qz)] {
                assert!(
                    (s - q).abs() < 1e-10 * s.abs().max(1.0),
                    "{a} {b} {z}: {s} vs {q}"
                );
            }
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
