//! tierlab: design tiered loyalty programmes on real transaction history.
//!
//! Layers, each depending only on those before it:
//! [`model`] (plain data and validation) → [`data`] (files) → [`sim`] (pure engine) →
//! `ui` (the GUI, behind the `gui` feature) and [`cli`]. Nothing depends on `ui`.
//! [`format`](mod@format) holds number formatting, [`export`] the result tables as CSV files and
//! [`report`] the HTML client report and SVG charts, shared by the two front ends.

pub mod cli;
pub mod data;
pub mod export;
pub mod format;
pub mod model;
pub mod report;
pub mod sim;
#[cfg(feature = "gui")]
pub mod ui;
