//! Maximum likelihood by BFGS on log-parameters, and standard errors from the Hessian.

/// The outcome of a minimisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Minimum {
    /// Point found (log-parameters).
    pub x: Vec<f64>,
    /// Objective there.
    pub f: f64,
    /// Iterations used.
    pub iterations: usize,
}

/// Why a minimisation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OptimizeError {
    /// The objective is not finite at the start.
    #[error("the likelihood cannot be evaluated at the starting point")]
    BadStart,
    /// No convergence within the iteration budget.
    #[error("the optimiser did not converge in {0} iterations")]
    NoConvergence(usize),
    /// Parameters ran off to zero or infinity: the data do not identify the model.
    #[error("the parameters diverge: the data do not identify the model")]
    Diverged,
}

/// An objective: value and gradient at a point.
pub type Objective<'a> = &'a dyn Fn(&[f64]) -> (f64, Vec<f64>);

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimises `f` (returning value and gradient) from `x0` with BFGS and a backtracking line
/// search. Converges when the largest gradient component is below `gtol`.
pub fn bfgs(
    f: Objective<'_>,
    x0: &[f64],
    gtol: f64,
    max_iter: usize,
) -> Result<Minimum, OptimizeError> {
    bfgs_bounded(f, x0, &vec![f64::INFINITY; x0.len()], gtol, 0.0, max_iter)
}

/// [`bfgs`] with `x[i] ≤ upper[i]`: a step is cut back to the bound, and at the bound the
/// gradient's part that would take `x[i]` beyond it counts as zero (the objective is taken as
/// flat there), for the search and for convergence; a parameter held there so stays while the
/// others move. It also converges when a step lowers the
/// objective by less than `ftol` of it while the gradient is below 10⁴ `gtol`: for an
/// objective whose precision (rather than `gtol`) limits how far the search can go. With no
/// bound (`f64::INFINITY`) and `ftol` 0, exactly [`bfgs`].
pub fn bfgs_bounded(
    f: Objective<'_>,
    x0: &[f64],
    upper: &[f64],
    gtol: f64,
    ftol: f64,
    max_iter: usize,
) -> Result<Minimum, OptimizeError> {
    let n = x0.len();
    // At a bound, no push beyond it.
    let held = |x: &[f64], mut g: Vec<f64>| -> Vec<f64> {
        for ((gi, xi), ui) in g.iter_mut().zip(x).zip(upper) {
            if *xi >= *ui && *gi < 0.0 {
                *gi = 0.0;
            }
        }
        g
    };
    let mut x: Vec<f64> = x0.iter().zip(upper).map(|(v, u)| v.min(*u)).collect();
    let (mut fx, g0) = f(&x);
    if !fx.is_finite() || g0.iter().any(|v| !v.is_finite()) {
        return Err(OptimizeError::BadStart);
    }
    let mut g = held(&x, g0);
    // Inverse Hessian approximation, starting as the identity.
    let mut h = vec![0.0; n * n];
    identity(&mut h, n);
    // How often the search got stuck.
    let mut stuck = Stuck::default();
    // Steps in a row that lowered the objective by rounding errors only.
    let mut crawl = 0;
    for iter in 0..max_iter {
        if g.iter().all(|v| v.abs() < gtol) {
            return Ok(Minimum {
                x,
                f: fx,
                iterations: iter,
            });
        }
        if x.iter().any(|v| v.abs() > 40.0) {
            return Err(OptimizeError::Diverged);
        }
        let mut p: Vec<f64> = (0..n)
            .map(|i| {
                if x[i] >= upper[i] && g[i] == 0.0 {
                    // Held at its bound (the objective would fall beyond it): it stays there,
                    // rather than move back in along the other parameters' curvature, to be
                    // cut back to the bound by the next step, less far each time (BG/NBD fits
                    // whose b reached its bound stalled so: `small_histories_that_used_to_stall_
                    // the_optimiser_fit` in tests/models_recovery.rs).
                    return 0.0;
                }
                let pi = -dot(&h[i * n..(i + 1) * n], &g);
                // Nothing moves beyond its bound.
                if x[i] >= upper[i] { pi.min(0.0) } else { pi }
            })
            .collect();
        let mut slope = dot(&p, &g);
        if slope >= 0.0 {
            // Not a descent direction: restart from steepest descent.
            identity(&mut h, n);
            p = g.iter().map(|v| -v).collect();
            slope = dot(&p, &g);
        }
        // Keep steps in log-space moderate.
        let max_step = p.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut t = if max_step > 2.0 { 2.0 / max_step } else { 1.0 };
        // No further than the first bound in the way: the search stops there, and goes on
        // along it from the next iteration.
        for ((xi, pi), ui) in x.iter().zip(&p).zip(upper) {
            if *pi > 0.0 && xi + t * pi > *ui {
                t = (ui - xi) / pi;
            }
        }
        let mut accepted = None;
        for _ in 0..60 {
            let xn: Vec<f64> = x
                .iter()
                .zip(&p)
                .zip(upper)
                .map(|((xi, pi), ui)| (xi + t * pi).min(*ui))
                .collect();
            let (fn_, gn) = f(&xn);
            if fn_.is_finite() && gn.iter().all(|v| v.is_finite()) && fn_ <= fx + 1e-4 * t * slope {
                accepted = Some((held(&xn, gn), xn, fn_));
                break;
            }
            t *= 0.5;
        }
        let Some((gn, xn, fn_)) = accepted else {
            // No further decrease is possible: accept the point if the gradient is small enough
            // for the precision of the objective.
            if g.iter().all(|v| v.abs() < gtol * 1e3) {
                return Ok(Minimum {
                    x,
                    f: fx,
                    iterations: iter,
                });
            }
            match stuck.again(&mut h, n, &g, gtol) {
                Some(true) => {
                    return Ok(Minimum {
                        x,
                        f: fx,
                        iterations: iter,
                    });
                }
                Some(false) => return Err(OptimizeError::NoConvergence(iter)),
                None => continue,
            }
        };
        let s: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 {
            let hy: Vec<f64> = (0..n).map(|i| dot(&h[i * n..(i + 1) * n], &y)).collect();
            let yhy = dot(&y, &hy);
            for i in 0..n {
                for j in 0..n {
                    h[i * n + j] +=
                        ((sy + yhy) * s[i] * s[j]) / (sy * sy) - (hy[i] * s[j] + s[i] * hy[j]) / sy;
                }
            }
        }
        let small_change = (fx - fn_).abs() <= 1e-15 * fx.abs().max(1.0);
        // A step that lowers the objective by rounding errors only (at most 10⁻¹³ of it).
        crawl = if fn_ >= fx - 1e-13 * fx.abs().max(1.0) {
            crawl + 1
        } else {
            0
        };
        let fx_before = fx;
        x = xn;
        fx = fn_;
        g = gn;
        let below_ftol = fx_before - fx < ftol * fx_before.abs().max(1.0);
        if (small_change && g.iter().all(|v| v.abs() < gtol * 1e3))
            || (below_ftol && g.iter().all(|v| v.abs() < gtol * 1e4))
        {
            return Ok(Minimum {
                x,
                f: fx,
                iterations: iter + 1,
            });
        }
        if crawl == CRAWL_STEPS {
            // The next ones would do no better.
            crawl = 0;
            match stuck.again(&mut h, n, &g, gtol) {
                Some(true) => {
                    return Ok(Minimum {
                        x,
                        f: fx,
                        iterations: iter + 1,
                    });
                }
                Some(false) => return Err(OptimizeError::NoConvergence(iter + 1)),
                None => {}
            }
        }
    }
    Err(OptimizeError::NoConvergence(max_iter))
}

/// Sets `h` (row-major, `n × n`) to the identity: the inverse Hessian of a search that starts,
/// or starts again, from steepest descent.
fn identity(h: &mut [f64], n: usize) {
    for i in 0..n {
        for j in 0..n {
            h[i * n + j] = if i == j { 1.0 } else { 0.0 };
        }
    }
}

/// Steps in a row that lower the objective by rounding errors only, after which [`bfgs`] is
/// stuck.
const CRAWL_STEPS: usize = 10;

/// Restarts from steepest descent [`bfgs`] makes at most after it got stuck.
const MAX_RESTARTS: usize = 3;

/// Where [`bfgs`] got stuck: no step lowers the objective by more than rounding errors (none
/// is found, or [`CRAWL_STEPS`] in a row do no better), and the gradient is not small enough
/// to stop.
#[derive(Default)]
struct Stuck {
    /// Restarts from steepest descent so far.
    restarts: usize,
}

impl Stuck {
    /// What to do, stuck with gradient `g`: stop, converged (`Some(true)`), when the gradient
    /// is below 10⁴ `gtol`, as a likelihood flat along a ridge to the edge of the parameter
    /// space leaves it (the search cannot climb further at the precision of the objective);
    /// else restart from steepest descent (`h` back to the identity; `None`: go on),
    /// [`MAX_RESTARTS`] times at most; then stop, converged if the gradient is below √`gtol`
    /// (rounding errors in it, as near the edge of the parameters), else failed
    /// (`Some(false)`).
    fn again(&mut self, h: &mut [f64], n: usize, g: &[f64], gtol: f64) -> Option<bool> {
        if g.iter().all(|v| v.abs() < gtol * 1e4) {
            return Some(true);
        }
        if self.restarts == MAX_RESTARTS {
            return Some(g.iter().all(|v| v.abs() < gtol.sqrt()));
        }
        self.restarts += 1;
        identity(h, n);
        None
    }
}

/// Inverts a symmetric positive-definite matrix (row-major, `n × n`) by Gauss-Jordan elimination
/// with partial pivoting. `None` when singular.
pub fn invert(m: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut a = m.to_vec();
    let mut inv = vec![0.0; n * n];
    for i in 0..n {
        inv[i * n + i] = 1.0;
    }
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))?;
        if a[pivot * n + col].abs() < 1e-300 {
            return None;
        }
        for k in 0..n {
            a.swap(col * n + k, pivot * n + k);
            inv.swap(col * n + k, pivot * n + k);
        }
        let d = a[col * n + col];
        for k in 0..n {
            a[col * n + k] /= d;
            inv[col * n + k] /= d;
        }
        for row in 0..n {
            if row != col {
                let factor = a[row * n + col];
                if factor != 0.0 {
                    for k in 0..n {
                        a[row * n + k] -= factor * a[col * n + k];
                        inv[row * n + k] -= factor * inv[col * n + k];
                    }
                }
            }
        }
    }
    Some(inv)
}

/// How close (in log-parameters, 1%) a fitted parameter is to its bound to count as at it.
const AT_BOUND: f64 = 0.01;

/// The indices, ascending, of the parameters of `x` at their bound in `upper` (within 1% in
/// log-parameters; an infinite bound is never reached).
pub fn at_bound(x: &[f64], upper: &[f64]) -> Vec<usize> {
    (0..x.len().min(upper.len()))
        .filter(|&i| upper[i].is_finite() && x[i] >= upper[i] - AT_BOUND)
        .collect()
}

/// [`standard_errors`] with the parameters `held` fixed where they are (at a bound): those of
/// the others from the Hessian in them alone, `None` for the held ones.
pub fn standard_errors_held(
    grad: &dyn Fn(&[f64]) -> Vec<f64>,
    theta: &[f64],
    held: &[usize],
) -> Vec<Option<f64>> {
    if held.is_empty() {
        return standard_errors(grad, theta);
    }
    let free: Vec<usize> = (0..theta.len()).filter(|i| !held.contains(i)).collect();
    let at = |t: &[f64]| {
        let mut full = theta.to_vec();
        for (&i, &v) in free.iter().zip(t) {
            full[i] = v;
        }
        full
    };
    let part: Vec<f64> = free.iter().map(|&i| theta[i]).collect();
    let ses = standard_errors(
        &|t: &[f64]| {
            let g = grad(&at(t));
            free.iter().map(|&i| g[i]).collect()
        },
        &part,
    );
    let mut out = vec![None; theta.len()];
    for (&i, se) in free.iter().zip(ses) {
        out[i] = se;
    }
    out
}

/// Standard errors of parameters `theta` from the Hessian of the total log-likelihood, taken by
/// forward differences of its gradient `grad` (with respect to `theta` itself).
/// `None` for a parameter whose variance is not positive (a flat or ill-conditioned optimum).
pub fn standard_errors(grad: &dyn Fn(&[f64]) -> Vec<f64>, theta: &[f64]) -> Vec<Option<f64>> {
    let n = theta.len();
    let mut hess = vec![0.0; n * n];
    // Forward differences of the analytic gradient: one gradient per parameter, at the optimum.
    let g0 = grad(theta);
    for j in 0..n {
        let h = 1e-6 * theta[j].abs().max(1e-3);
        let mut up = theta.to_vec();
        up[j] += h;
        let gu = grad(&up);
        for i in 0..n {
            hess[i * n + j] = (gu[i] - g0[i]) / h;
        }
    }
    // Symmetrise, then invert the observed information (minus the Hessian).
    let info: Vec<f64> = (0..n * n)
        .map(|k| {
            let (i, j) = (k / n, k % n);
            -(hess[i * n + j] + hess[j * n + i]) / 2.0
        })
        .collect();
    match invert(&info, n) {
        Some(cov) => (0..n)
            .map(|i| {
                let v = cov[i * n + i];
                (v.is_finite() && v > 0.0).then(|| v.sqrt())
            })
            .collect(),
        None => vec![None; n],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Rosenbrock function and its gradient: a curved valley, minimum 0 at (1, 1).
    fn rosenbrock(x: &[f64]) -> (f64, Vec<f64>) {
        let (a, b) = (x[0], x[1]);
        let v = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
        let g = vec![
            -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
            200.0 * (b - a * a),
        ];
        (v, g)
    }

    #[test]
    fn minimises_the_rosenbrock_function() {
        let f = rosenbrock;
        let m = bfgs(&f, &[-1.2, 1.0], 1e-9, 500).unwrap();
        assert!(
            (m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6,
            "{:?}",
            m
        );
    }

    #[test]
    fn reports_failure_instead_of_nan() {
        let f = |_: &[f64]| (f64::NAN, vec![0.0]);
        assert_eq!(bfgs(&f, &[0.0], 1e-8, 10), Err(OptimizeError::BadStart));
        // Unbounded below along x: diverges.
        let g = |x: &[f64]| (-x[0], vec![-1.0]);
        assert!(bfgs(&g, &[0.0], 1e-8, 10_000).is_err());
    }

    #[test]
    fn a_point_no_step_improves_is_the_minimum_at_the_precision_of_the_objective() {
        // The gradient is off by 2·10⁻⁵ (as rounding leaves a likelihood's near the edge of
        // its parameters): at x = 0 no step along it lowers x², yet it is above the tolerance.
        let f = |x: &[f64]| (x[0] * x[0], vec![2.0 * x[0] + 2e-5]);
        let m = bfgs(&f, &[1.0], 1e-9, 2000).unwrap();
        assert!(m.x[0].abs() < 1e-4, "{m:?}");
        assert!(m.iterations < 100, "{m:?}");
        // Far from any minimum, a search that cannot step still fails.
        let cliff = |x: &[f64]| (if x[0] < 1.0 { 1.0 } else { x[0] }, vec![1.0]);
        assert!(matches!(
            bfgs(&cliff, &[2.0], 1e-9, 2000),
            Err(OptimizeError::NoConvergence(_))
        ));
    }

    #[test]
    fn a_bound_stops_a_search_whose_minimum_is_at_infinity() {
        // f = e^{−x₀} + (x₁ − x₀/2)²: lower and lower as x₀ grows (with x₁ = x₀/2), a valley
        // with no minimum, as a likelihood heading for the edge of its parameters.
        let f = |x: &[f64]| {
            let d = x[1] - x[0] / 2.0;
            ((-x[0]).exp() + d * d, vec![-(-x[0]).exp() - d, 2.0 * d])
        };
        let m = bfgs_bounded(&f, &[0.0, 0.0], &[5.0, f64::INFINITY], 1e-9, 0.0, 2000).unwrap();
        assert_eq!(m.x[0], 5.0, "{m:?}");
        assert!((m.x[1] - 2.5).abs() < 1e-6, "{m:?}");
        assert!(m.iterations < 100, "{m:?}");
        // Without the bound the search walks on, until the slope is below the tolerance.
        let free = bfgs(&f, &[0.0, 0.0], 1e-9, 2000).unwrap();
        assert!(free.x[0] > 15.0, "{free:?}");
    }

    #[test]
    fn bounds_not_reached_and_no_ftol_change_nothing() {
        let f = rosenbrock;
        let free = bfgs(&f, &[-1.2, 1.0], 1e-9, 500).unwrap();
        let bounded = bfgs_bounded(&f, &[-1.2, 1.0], &[3.0, 3.0], 1e-9, 0.0, 500).unwrap();
        assert_eq!(free, bounded);
        // A bound in the way is held: the minimum along it.
        let held = bfgs_bounded(&f, &[-1.2, 1.0], &[0.5, 3.0], 1e-9, 0.0, 500).unwrap();
        assert_eq!(held.x[0], 0.5, "{held:?}");
        assert!((held.x[1] - 0.25).abs() < 1e-6, "{held:?}");
    }

    #[test]
    fn ftol_stops_where_steps_only_shave_rounding_off_the_objective() {
        // x⁴: a flat minimum that BFGS nears ever more slowly, each step lowering the objective
        // by less than the one before. With ftol it stops once the steps are below it.
        let f = |x: &[f64]| (x[0].powi(4), vec![4.0 * x[0].powi(3)]);
        let on = bfgs_bounded(&f, &[0.7], &[f64::INFINITY], 1e-13, 0.0, 2000).unwrap();
        let stopped = bfgs_bounded(&f, &[0.7], &[f64::INFINITY], 1e-13, 1e-10, 2000).unwrap();
        assert!(stopped.x[0].abs() < 1e-3, "{stopped:?}");
        assert!(stopped.f < 1e-10, "{stopped:?}");
        assert!(stopped.iterations < on.iterations, "{stopped:?} {on:?}");
    }

    #[test]
    fn inverse_and_standard_errors_of_a_gaussian() {
        let m = [4.0, 1.0, 1.0, 3.0];
        let inv = invert(&m, 2).unwrap();
        let id = [m[0] * inv[0] + m[1] * inv[2], m[0] * inv[1] + m[1] * inv[3]];
        assert!((id[0] - 1.0).abs() < 1e-12 && id[1].abs() < 1e-12);
        // ll = −(θ−1)²/(2σ²) with σ = 0.5: standard error 0.5.
        let grad = |t: &[f64]| vec![-(t[0] - 1.0) / 0.25];
        let se = standard_errors(&grad, &[1.0]);
        assert!((se[0].unwrap() - 0.5).abs() < 1e-6);
    }

    #[test]
    fn standard_errors_with_a_parameter_held_are_conditional_ones() {
        // ll = −(a x² + 2b x y + c y²)/2: information [[a, b], [b, c]].
        let (a, b, c) = (4.0, 1.5, 2.0);
        let grad = |t: &[f64]| vec![-(a * t[0] + b * t[1]), -(b * t[0] + c * t[1])];
        let theta = [0.3, -0.2];
        // Both free: the marginal variance of x, c/(ac − b²).
        let both = standard_errors_held(&grad, &theta, &[]);
        assert!((both[0].unwrap() - (c / (a * c - b * b)).sqrt()).abs() < 1e-6);
        assert_eq!(both, standard_errors(&grad, &theta));
        // y held: x's variance given y, 1/a; none for y.
        let held = standard_errors_held(&grad, &theta, &[1]);
        assert!(
            (held[0].unwrap() - (1.0 / a).sqrt()).abs() < 1e-6,
            "{held:?}"
        );
        assert_eq!(held[1], None);
    }
}
