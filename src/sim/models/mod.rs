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
