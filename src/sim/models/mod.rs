//! Buy-till-you-die customer models fitted on the history: BG/NBD, MBG/NBD and Pareto/NBD for
//! purchasing and dropout, Gamma-Gamma for spend; per-customer predictions, CLV and the data of
//! the standard diagnostic plots.

pub mod diagnostics;
pub mod optimize;
pub mod report;
pub mod simulate;
pub mod special;
pub mod spend;
pub mod summary;
pub mod transaction;

pub use spend::{GAMMA_GAMMA_MAX_SHAPE, GammaGammaParams, SpendFit, fit_gamma_gamma};
pub use summary::{Compressed, CustomerSummary, Summary, summarise};
pub use transaction::{FitError, TransactionFit, TransactionParams, fit_transactions};

use crate::format::significant;

/// One sentence for each estimate the data hardly determine: one without a standard
/// error (the likelihood is flat in it, or its curvature could not be inverted) or with a
/// standard error larger than the estimate itself. `names`, `values` and `std_errors` are in
/// the same order; the indices in `held` (parameters at a bound, which their own note explains)
/// are left out.
pub fn weak_estimate_notes(
    names: &[&str],
    values: &[f64],
    std_errors: &[Option<f64>],
    held: &[usize],
) -> Vec<String> {
    names
        .iter()
        .zip(values)
        .zip(std_errors)
        .enumerate()
        .filter(|(i, _)| !held.contains(i))
        .filter_map(|(_, ((name, &value), se))| {
            let shown = significant(value);
            match *se {
                None => Some(format!(
                    "{name} = {shown} has no standard error: the likelihood is flat \
                     there, so the data do not determine it"
                )),
                Some(se) if se > value.abs() => Some(format!(
                    "{name} = {shown} ± {}: the data hardly determine it (a standard \
                     error larger than the estimate)",
                    significant(se)
                )),
                Some(_) => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An estimate is noted when it has no standard error or one larger than itself (either
    /// sign), never when it is held at a bound, and the notes keep the parameters' order.
    #[test]
    fn weak_estimates_are_those_without_a_standard_error_or_with_one_above_them() {
        let names = ["r", "alpha", "a", "b", "c"];
        let values = [2.0, -3.0, 0.5, 7.0, 1.0];
        let std_errors = [Some(1.9), Some(3.5), None, None, Some(1.0)];
        let notes = weak_estimate_notes(&names, &values, &std_errors, &[3]);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].starts_with("alpha = -3.00 ± 3.50: "), "{notes:?}");
        assert!(notes[0].contains("hardly determine"), "{notes:?}");
        assert!(
            notes[1].starts_with("a = 0.500 has no standard error"),
            "{notes:?}"
        );
        assert!(weak_estimate_notes(&names, &values, &[Some(0.1); 5], &[]).is_empty());
    }
}
