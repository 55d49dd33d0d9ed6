//! The subcommands' bodies: load, compute, print. Errors travel up as `anyhow` with context.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::table::render;
use super::{Format, MappingArgs};
use crate::data::import::{ImportOptions, ImportReport, import_csv};
use crate::data::project_io::{data_path, load_project};
use crate::data::write::{write_csv, write_rejects_csv};
use crate::format::{count, counted, money};
use crate::model::{ColumnMapping, Date, Severity};
use crate::sim::generate::{Generated, GeneratorConfig, generate as run_generator};

impl MappingArgs {
    /// Import options from the flags.
    pub fn to_options(&self) -> ImportOptions {
        ImportOptions {
            columns: ColumnMapping {
                customer: self.customer.clone(),
                date: self.date.clone(),
                amount: self.amount.clone(),
                category: self.category.clone(),
                ..ColumnMapping::default()
            },
            delimiter: self.delimiter,
            date_format: self.date_format.clone(),
            decimal_comma: self.decimal_comma.then_some(true),
            strict: self.strict,
            pseudonymise: self.pseudonymise,
            key_file: self.key_file.clone(),
            encoding: self.encoding.map(Into::into).unwrap_or_default(),
        }
    }
}

/// `tierlab validate`: every problem of every project; exit 1 if any is an error.
pub fn validate(projects: &[std::path::PathBuf]) -> Result<ExitCode> {
    let mut failed = false;
    for path in projects {
        let shown = path.display();
        let project = match load_project(path) {
            Ok(p) => p,
            Err(e) => {
                outln!("{shown}: error: {e}")?;
                failed = true;
                continue;
            }
        };
        let mut problems = project.validate();
        let mut data_summary = String::new();
        if !project.data.path.trim().is_empty() {
            let csv = data_path(path, &project);
            match import_csv(&csv, &ImportOptions::from_project(&project)) {
                Ok((tx, report)) => {
                    data_summary = format!(
                        " ({}, {}, {} rejected)",
                        counted(report.customers as u64, "customer"),
                        counted(report.transactions as u64, "transaction"),
                        counted(report.rejected, "row")
                    );
                    problems.extend(crate::data::checks::problems_with_data(
                        &project, &tx, &report,
                    ));
                }
                Err(e) => problems.push(crate::model::Problem {
                    severity: Severity::Error,
                    path: "data.path".into(),
                    message: format!("{e}"),
                }),
            }
        }
        let errors = problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        if errors > 0 {
            failed = true;
        }
        let warnings = problems.len() - errors;
        let verdict = if errors > 0 { "invalid" } else { "ok" };
        let (errors, warnings) = (
            counted(errors as u64, "error"),
            counted(warnings as u64, "warning"),
        );
        outln!("{shown}: {verdict}{data_summary}: {errors}, {warnings}")?;
        for p in &problems {
            outln!("  {p}")?;
        }
    }
    Ok(ExitCode::from(u8::from(failed)))
}

/// `tierlab import`: the import report as a table or JSON.
pub fn import(
    csv: &Path,
    mapping: &MappingArgs,
    rejects: Option<&Path>,
    format: Format,
) -> Result<ExitCode> {
    let (_, report) = import_csv(csv, &mapping.to_options())?;
    if let Some(out) = rejects {
        write_rejects_csv(out, &report.rejects)?;
    }
    match format {
        Format::Json => {
            let mut doc = serde_json::to_value(&report).context("encoding the report")?;
            let sample: Vec<_> = report.rejects.iter().take(100).collect();
            doc["rejects_sample"] = serde_json::to_value(sample).context("encoding the report")?;
            outln!(
                "{}",
                serde_json::to_string_pretty(&doc).context("encoding the report")?
            )?;
        }
        Format::Table => out!("{}", import_table(&report))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The import report for people.
pub fn import_table(r: &ImportReport) -> String {
    let date = |d: Option<Date>| d.map_or("-".to_string(), |d| d.to_string());
    let c = &r.columns;
    let mut mapped = format!(
        "customer={} date={} amount={}",
        c.customer, c.date, c.amount
    );
    for (role, col) in [
        ("category", &c.category),
        ("store", &c.store),
        ("channel", &c.channel),
        ("quantity", &c.quantity),
    ] {
        if let Some(col) = col {
            mapped.push_str(&format!(" {role}={col}"));
        }
    }
    let rows = vec![
        vec!["file".into(), r.file.display().to_string()],
        vec!["customers".into(), count(r.customers as u64)],
        vec!["transactions".into(), count(r.transactions as u64)],
        vec!["rows read".into(), count(r.rows_read)],
        vec!["rejected".into(), count(r.rejected)],
        vec!["first date".into(), date(r.first_date)],
        vec!["last date".into(), date(r.last_date)],
        vec!["revenue".into(), money(r.revenue)],
        vec!["refunds".into(), count(r.refunds)],
        vec![
            "customer ids".into(),
            if r.pseudonymised {
                "pseudonymised (keyed hashes)"
            } else {
                "as in the file"
            }
            .into(),
        ],
        vec!["columns".into(), mapped],
        vec!["delimiter".into(), r.delimiter.clone()],
        vec!["date format".into(), r.date_format.clone()],
        vec![
            "decimal comma".into(),
            if r.decimal_comma { "yes" } else { "no" }.into(),
        ],
        vec!["text encoding".into(), r.encoding_text()],
    ];
    let mut out = render(&rows);
    if r.rejected > 0 {
        out.push_str("\nrejected rows by reason:\n");
        for (k, n) in &r.rejects_by_reason {
            out.push_str(&format!("  {k:<18} {}\n", count(*n)));
        }
        out.push_str("\nfirst rejected rows:\n");
        for rej in r.rejects.iter().take(10) {
            out.push_str(&format!("  {rej}\n"));
        }
        if r.rejected > 10 {
            out.push_str("  … (write them all with --rejects FILE)\n");
        }
    }
    out
}

/// `tierlab generate`: a synthetic transaction file.
pub fn generate(
    customers: usize,
    seed: u64,
    start: Date,
    end: Date,
    out: &Path,
    project: Option<&Path>,
) -> Result<ExitCode> {
    let cfg = match project {
        Some(p) => {
            let project = load_project(p)?;
            match GeneratorConfig::from_project(&project, customers, seed, start, end) {
                Some(cfg) => cfg,
                None => bail!(
                    "no persona has a `synthetic` profile to generate from: {}",
                    p.display()
                ),
            }
        }
        None => GeneratorConfig::default_mix(customers, seed, start, end),
    };
    let data = run_generator(&cfg)?;
    write_csv(out, &Generated::CSV_HEADER, data.csv_rows())?;
    outln!(
        "wrote {} transactions of {} customers ({} to {}) to {}",
        count(data.rows.len() as u64),
        count(customers as u64),
        start,
        end,
        out.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `tierlab pseudonymise`: a copy of a transaction CSV with every customer id replaced by its
/// keyed hash.
pub fn pseudonymise(csv: &Path, mapping: &MappingArgs, out: &Path) -> Result<ExitCode> {
    use crate::data::bundle::pseudonymise_csv;
    use crate::data::pseudonym::Key;
    let options = mapping.to_options();
    let key_file = Key::location(options.key_file.as_deref())?;
    let key = Key::load_or_create(&key_file)?;
    let copy = crate::data::project_io::write_streaming(out, |file| {
        pseudonymise_csv(csv, &options, &key, std::io::BufWriter::new(file))
    })?;
    outln!(
        "wrote {} rows of {} customers with pseudonymised ids to {} (key: {})",
        count(copy.rows),
        count(copy.customers),
        out.display(),
        key_file.display()
    )?;
    if !copy.dropped_lines.is_empty() {
        let lines: Vec<String> = copy
            .dropped_lines
            .iter()
            .take(20)
            .map(u64::to_string)
            .collect();
        outln!(
            "left out {} rows without a customer field (lines {}{})",
            count(copy.dropped_lines.len() as u64),
            lines.join(", "),
            if copy.dropped_lines.len() > 20 {
                ", …"
            } else {
                ""
            }
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `tierlab bundle`: the project and its data in one zip.
pub fn bundle(
    project: &Path,
    out: &Path,
    pseudonymise: bool,
    key_file: Option<&Path>,
) -> Result<ExitCode> {
    let summary = crate::data::bundle::write_bundle(project, out, pseudonymise, key_file)?;
    outln!(
        "wrote {} ({}, customer ids {})",
        summary.path.display(),
        project.display(),
        if summary.pseudonymised {
            "pseudonymised"
        } else {
            "as in the data: the bundle may hold personal data"
        }
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `tierlab unbundle`: unpacks a bundle into a new folder and checks the project loads.
pub fn unbundle(zip: &Path, into: &Path) -> Result<ExitCode> {
    let project = crate::data::bundle::open_bundle(zip, into)?;
    let loaded = crate::data::project_io::load_project_with_data(&project)?;
    outln!(
        "unpacked {} into {}: open {} ({} transactions of {} customers)",
        zip.display(),
        into.display(),
        project.display(),
        count(loaded.transactions.len() as u64),
        count(loaded.transactions.customer_count() as u64)
    )?;
    Ok(ExitCode::SUCCESS)
}
