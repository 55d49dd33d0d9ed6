//! Reading and writing files: transaction CSV import, RON project files, CSV export.
//!
//! Depends on `model`. Every error names the file; import errors also name line and field.

pub mod bundle;
pub mod checks;
pub mod dates;
pub mod import;
pub mod project_io;
pub mod pseudonym;
pub mod store;
pub mod write;

pub use import::{ImportError, ImportOptions, ImportReport, Reject, RejectReason, import_csv};
pub use project_io::{
    LoadedProject, ProjectError, load_project, load_project_with_data, parse_project, save_project,
    to_ron_string,
};
pub use store::Transactions;
