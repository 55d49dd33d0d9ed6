//! The command line: `tierlab [PROJECT]` opens the GUI; subcommands reach every engine result
//! headlessly as tables or JSON.
//!
//! Exit codes: 0 success, 1 bad input (a message naming file, line and field), 2 usage.

/// Like `println!`, but through [`emit`]: `outln!("…")?`.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::emit(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// Like `print!`, but through [`emit`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::emit(&format!($($arg)*))
    };
}

mod backtest;
mod commands;
mod fit;
mod segment;
mod simulate;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::Date;
use crate::sim::segments::kmeans as sim_k;

/// Design tiered loyalty programmes on real transaction history.
#[derive(Debug, Parser)]
#[command(
    name = "tierlab",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Project file to open in the GUI (default: projects/coffee-chain.ron when it exists).
    project: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load projects and their data; print every problem. Exit 1 on any error.
    Validate(ValidateArgs),
    /// Import a transaction CSV and report what was accepted and rejected.
    Import(ImportArgs),
    /// Write a synthetic transaction CSV (BG/NBD purchasing, Gamma-Gamma spend).
    Generate(GenerateArgs),
    /// Fit the customer models (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma) on a transaction CSV.
    Fit(FitArgs),
    /// Replay the history under each scenario and compare them.
    Simulate(SimulateArgs),
    /// One customer's ledger under a scenario, line by line.
    Explain(ExplainArgs),
    /// Write a copy of a transaction CSV with every customer id replaced by a keyed hash.
    Pseudonymise(PseudonymiseArgs),
    /// Pack a project and its data into one zip (pseudonymised on request).
    Bundle(BundleArgs),
    /// Unpack a bundle into a new folder.
    Unbundle(UnbundleArgs),
    /// Write the client report: one self-contained HTML file (inline SVG charts, no network)
    /// with each programme in plain words, the assumptions, the comparison and the data's
    /// provenance.
    Report(ReportArgs),
    /// Segments at a date: sizes, revenue shares, profiles and migration over time; `segment
    /// suggest` proposes segments (k-means clusters, RFM or ABC).
    Segment(SegmentArgs),
    /// Fit the customer model on the history up to a date, project the baseline over the rest
    /// of the data, and score it against what happened.
    Backtest(BacktestArgs),
}

#[derive(Debug, Args)]
struct BacktestArgs {
    /// The project file.
    project: PathBuf,
    /// Last day of the calibration window (YYYY-MM-DD); the rest of the data is the holdout.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    calibration_end: Date,
    /// Monte Carlo runs (default: the project's `monte_carlo_runs`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    runs: Option<u32>,
    /// Seed (default: the project's seed).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct SegmentArgs {
    #[command(subcommand)]
    action: Option<SegmentAction>,
    /// The project file.
    #[arg(required = true)]
    project: Option<PathBuf>,
    /// Date the segments are taken at (default: the last transaction day).
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    as_of: Option<Date>,
    /// Period of the migration view.
    #[arg(long, value_enum, default_value = "quarter")]
    period: segment::PeriodArg,
    /// Skip fitting the customer model (no P(alive) or expected value in the profiles).
    #[arg(long)]
    no_model: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Subcommand)]
enum SegmentAction {
    /// Proposes segments: k-means clusters (default), or the RFM or ABC starting set.
    Suggest(SuggestArgs),
}

#[derive(Debug, Args)]
struct SuggestArgs {
    /// The project file.
    project: PathBuf,
    /// Number of clusters (1–20), or `auto` to choose 2–10 by silhouette.
    #[arg(long, value_parser = segment::parse_k, default_value = "auto", conflicts_with = "preset")]
    k: sim_k::K,
    /// A ready-made set instead of clusters.
    #[arg(long, value_enum)]
    preset: Option<segment::Preset>,
    /// ABC split: cumulative revenue percentages closing A and B.
    #[arg(long, value_parser = segment::parse_split, default_value = "80,95", value_name = "A,B")]
    abc_split: (f64, f64),
    /// Date the customers are measured at (default: the last transaction day).
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    as_of: Option<Date>,
    /// Replace the project's segments with the suggestion (the old file is kept as `.bak`).
    #[arg(long)]
    write: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Which scenarios to run, and the projection's settings: shared by `simulate` and `report`.
#[derive(Debug, Args)]
struct RunArgs {
    /// Only this scenario (repeatable); all when left out.
    #[arg(long = "scenario", value_name = "NAME")]
    scenarios: Vec<String>,
    /// Replay the history only, without the forward projection.
    #[arg(long, conflicts_with_all = ["runs", "horizon", "seed", "futures"])]
    replay_only: bool,
    /// Monte Carlo runs of the projection (default: the project's `monte_carlo_runs`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    runs: Option<u32>,
    /// Projection horizon in months (default: the project's `horizon_months`).
    #[arg(long, value_name = "MONTHS", value_parser = clap::value_parser!(u32).range(1..=240))]
    horizon: Option<u32>,
    /// Seed of the projection's draws (default: the project's seed).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Futures simulated per customer, that the runs are recombined from (default: one per run
    /// up to 1M customer-futures, then fewer, at least 4; as many as --runs: every run
    /// simulated on its own).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    futures: Option<u32>,
}

impl RunArgs {
    fn projection(&self) -> simulate::ProjectionArgs {
        simulate::ProjectionArgs {
            replay_only: self.replay_only,
            runs: self.runs,
            horizon_months: self.horizon,
            seed: self.seed,
            futures: self.futures,
        }
    }
}

#[derive(Debug, Args)]
struct SimulateArgs {
    /// The project file.
    project: PathBuf,
    #[command(flatten)]
    run: RunArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: simulate::SimFormat,
    /// Also write the tables as CSV files into this folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct PseudonymiseArgs {
    /// The transaction CSV.
    csv: PathBuf,
    #[command(flatten)]
    mapping: MappingArgs,
    /// The copy to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct BundleArgs {
    /// The project file.
    project: PathBuf,
    /// The zip to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Pseudonymise the customer ids of the bundled data (always done when the project's data
    /// options ask for it).
    #[arg(long)]
    pseudonymise: bool,
    /// The pseudonymisation key file (see `tierlab import --help`).
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct UnbundleArgs {
    /// The bundle (.zip).
    zip: PathBuf,
    /// The folder to unpack into (created; existing files are never overwritten).
    #[arg(long, value_name = "DIR")]
    into: PathBuf,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// The project file.
    project: PathBuf,
    /// The HTML file to write (replaced atomically).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    run: RunArgs,
    /// Also write each chart as an SVG file into this folder.
    #[arg(long, value_name = "DIR")]
    charts: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ExplainArgs {
    /// The project file.
    project: PathBuf,
    /// Customer id as in the data.
    #[arg(long)]
    customer: String,
    /// Scenario name (default: the first).
    #[arg(long)]
    scenario: Option<String>,
}

#[derive(Debug, Args)]
struct FitArgs {
    /// The transaction CSV.
    csv: PathBuf,
    #[command(flatten)]
    mapping: MappingArgs,
    /// Last day of the calibration period (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    calibration_end: Date,
    /// Last day of the holdout period, to score predictions against what happened.
    #[arg(long, value_parser = parse_date)]
    holdout_end: Option<Date>,
    /// Time unit of the models.
    #[arg(long, value_enum, default_value = "week")]
    period: fit::PeriodChoice,
    /// Which models to fit.
    #[arg(long, value_enum, default_value = "all")]
    model: fit::ModelChoice,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// `--encoding`: the text encoding of a transaction CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EncodingArg {
    /// UTF-8, else Windows-1252 field by field.
    Auto,
    /// UTF-8 only: a field that is not UTF-8 rejects its row.
    #[value(name = "utf-8")]
    Utf8,
    /// Windows-1252 (Latin-1) throughout.
    #[value(name = "windows-1252", alias = "latin-1")]
    Windows1252,
}

impl From<EncodingArg> for crate::model::TextEncoding {
    fn from(e: EncodingArg) -> Self {
        match e {
            EncodingArg::Auto => Self::Auto,
            EncodingArg::Utf8 => Self::Utf8,
            EncodingArg::Windows1252 => Self::Windows1252,
        }
    }
}

/// Output format of a report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    #[default]
    Table,
    /// One JSON document for scripts.
    Json,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// Project files (.ron).
    #[arg(required = true)]
    projects: Vec<PathBuf>,
}

/// How to read a transaction CSV: columns and parsing options (all detected when left out).
#[derive(Debug, Clone, Args)]
pub struct MappingArgs {
    /// Customer id column (header name).
    #[arg(long, value_name = "COL")]
    customer: Option<String>,
    /// Date column.
    #[arg(long, value_name = "COL")]
    date: Option<String>,
    /// Amount column.
    #[arg(long, value_name = "COL")]
    amount: Option<String>,
    /// Category column.
    #[arg(long, value_name = "COL")]
    category: Option<String>,
    /// Date format in chrono strftime syntax, e.g. "%d/%m/%Y".
    #[arg(long, value_name = "FMT")]
    date_format: Option<String>,
    /// Field delimiter: one character, or "tab".
    #[arg(long, value_name = "C", value_parser = parse_delimiter)]
    delimiter: Option<u8>,
    /// Amounts use a decimal comma (1.234,56).
    #[arg(long)]
    decimal_comma: bool,
    /// Fail on the first bad row instead of skipping and reporting it.
    #[arg(long)]
    strict: bool,
    /// Text encoding of ids, categories and the header: "auto" reads UTF-8 and falls back to
    /// Windows-1252 (Latin-1) for a field that is not UTF-8.
    #[arg(long, value_enum, value_name = "ENC")]
    encoding: Option<EncodingArg>,
    /// Replace customer ids by keyed hashes (the key stays in the key file).
    #[arg(long)]
    pseudonymise: bool,
    /// The pseudonymisation key file (default: $TIERLAB_KEY_FILE, else
    /// ~/.config/tierlab/pseudonym.key; created with a random key when missing).
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The transaction CSV.
    csv: PathBuf,
    #[command(flatten)]
    mapping: MappingArgs,
    /// Write every rejected row (line, field, reason, detail) to this CSV.
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// Number of customers (at least 1).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    customers: u32,
    /// Seed: the same seed gives the same file.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// First day (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    start: Date,
    /// Last day (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    end: Date,
    /// Output CSV.
    #[arg(long)]
    out: PathBuf,
    /// Draw customers from this project's personas (their `synthetic` profiles).
    #[arg(long)]
    project: Option<PathBuf>,
}

/// Writes to standard output. A closed pipe (as in `tierlab … | head`) ends the program quietly
/// with success, as other command-line tools do, instead of an error or a panic.
pub(crate) fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        r => Ok(r?),
    }
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse_iso(s).map_err(|e| e.to_string())
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && s != "\"" => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "'{s}' is not a one-character delimiter (or \"tab\")"
        )),
    }
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        None => match cli.project {
            Some(p) if !p.exists() => {
                eprintln!(
                    "error: no such project file or subcommand: {} (see `tierlab --help`)",
                    p.display()
                );
                return ExitCode::from(2);
            }
            project => open_gui(project),
        },
        Some(Command::Validate(a)) => commands::validate(&a.projects),
        Some(Command::Import(a)) => {
            commands::import(&a.csv, &a.mapping, a.rejects.as_deref(), a.format)
        }
        Some(Command::Fit(a)) => fit::fit(
            &a.csv,
            &a.mapping,
            a.calibration_end,
            a.holdout_end,
            a.period.into(),
            a.model,
            a.format,
        ),
        Some(Command::Simulate(a)) => simulate::simulate(
            &a.project,
            &a.run.scenarios,
            a.format,
            a.out.as_deref(),
            a.run.projection(),
        ),
        Some(Command::Pseudonymise(a)) => commands::pseudonymise(&a.csv, &a.mapping, &a.out),
        Some(Command::Bundle(a)) => {
            commands::bundle(&a.project, &a.out, a.pseudonymise, a.key_file.as_deref())
        }
        Some(Command::Unbundle(a)) => commands::unbundle(&a.zip, &a.into),
        Some(Command::Report(a)) => simulate::report(
            &a.project,
            &a.run.scenarios,
            &a.out,
            a.charts.as_deref(),
            a.run.projection(),
        ),
        Some(Command::Explain(a)) => {
            simulate::explain(&a.project, &a.customer, a.scenario.as_deref())
        }
        Some(Command::Segment(a)) => match (a.action, a.project) {
            (Some(SegmentAction::Suggest(s)), _) => segment::suggest(
                &s.project,
                match s.preset {
                    Some(p) => segment::Proposal::Preset(p, s.abc_split),
                    None => segment::Proposal::Clusters(s.k),
                },
                s.as_of,
                s.write,
                s.format,
            ),
            (None, Some(project)) => {
                segment::segment(&project, a.as_of, a.period, !a.no_model, a.format)
            }
            (None, None) => {
                eprintln!(
                    "error: `tierlab segment` needs a project file (see `tierlab segment --help`)"
                );
                return ExitCode::from(2);
            }
        },
        Some(Command::Backtest(a)) => {
            backtest::backtest(&a.project, a.calibration_end, a.runs, a.seed, a.format)
        }
        Some(Command::Generate(a)) => commands::generate(
            a.customers as usize,
            a.seed,
            a.start,
            a.end,
            &a.out,
            a.project.as_deref(),
        ),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

#[cfg(feature = "gui")]
fn open_gui(project: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let default = PathBuf::from("projects/coffee-chain.ron");
    let fallback = default.exists().then_some(default);
    crate::ui::run(project, fallback)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "gui"))]
fn open_gui(_project: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    eprintln!(
        "error: this build of tierlab has no GUI (built without the `gui` feature); see `tierlab --help`"
    );
    Ok(ExitCode::from(2))
}
