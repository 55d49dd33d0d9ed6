//! The project model: plain data that a project file holds, and its validation.
//!
//! This layer depends on std and serde only. Everything here is `Clone + PartialEq + Serialize +
//! Deserialize`; collections are `Vec`s so that files keep a stable, diff-friendly order. Each
//! struct is `#[serde(default)]`, so a hand-written project may leave out any field that has a
//! sensible default, and `deny_unknown_fields`, so a misspelt field is an error, not silently lost.

pub mod colour;
mod date;
mod project;
mod validate;

pub use colour::Colour;
pub use date::{Date, DateError, days_in_month, is_leap_year};
pub use project::*;
pub use validate::{MAX_VALUE, NO_PERSONA, Problem, Severity, UNASSIGNED};
