//! The engine: pure and deterministic. No clock, no files, no global state; every random draw
//! comes from a seeded generator, so the same inputs and seed give the same outputs.

pub mod generate;
pub mod models;
pub mod projection;
pub mod replay;
pub mod segments;
