//! Writing CSV files (generated transactions, rejects, result tables) atomically.

use std::path::Path;

use crate::data::import::Reject;
use crate::data::project_io::{ProjectError, write_atomically};

/// Writes a CSV file with a header row, quoting fields as needed; atomic like project saves.
pub fn write_csv<R, F>(path: &Path, header: &[&str], rows: R) -> Result<(), ProjectError>
where
    R: IntoIterator<Item = F>,
    F: IntoIterator<Item = String>,
{
    let encode = |e: csv::Error| ProjectError::Encode(e.to_string());
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(header).map_err(encode)?;
    for row in rows {
        w.write_record(row).map_err(encode)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ProjectError::Encode(e.to_string()))?;
    write_atomically(path, &bytes, std::io::Write::write_all)
}

/// Writes a text file (a report, an SVG chart) atomically like project saves.
pub fn write_text_atomically(path: &Path, text: &str) -> Result<(), ProjectError> {
    write_atomically(path, text.as_bytes(), std::io::Write::write_all)
}

/// Writes rejected rows as `line,field,reason,detail`.
pub fn write_rejects_csv(path: &Path, rejects: &[Reject]) -> Result<(), ProjectError> {
    write_csv(
        path,
        &["line", "field", "reason", "detail"],
        rejects.iter().map(|r| {
            [
                r.line.to_string(),
                r.field.clone(),
                r.reason.key().to_string(),
                r.detail.clone(),
            ]
        }),
    )
}
