//! Streaming import of transaction CSVs as businesses export them.
//!
//! The file is read twice at most: a detection pass settles the date format and decimal mark over
//! the column (stopping as soon as the answer cannot change), then the import pass parses every
//! row. A bad row never stops the import (unless `strict`): it is recorded with its line number
//! (the header is line 1), field and reason.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::data::dates::{DateFormat, DateProblem, Detection, Detector};
use crate::data::pseudonym::{Key, KeyError};
use crate::data::store::{MonthActivity, Transactions, TransactionsBuilder};
use crate::model::{ColumnMapping, DataSource, Date, Project, TextEncoding};

/// How to read a transaction file. Everything left `None` is detected.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Column names; unnamed columns are detected from the header.
    pub columns: ColumnMapping,
    /// Field delimiter byte.
    pub delimiter: Option<u8>,
    /// chrono `strftime` date format.
    pub date_format: Option<String>,
    /// Decimal comma in amounts.
    pub decimal_comma: Option<bool>,
    /// Fail on the first bad row.
    pub strict: bool,
    /// Replace customer ids by keyed hashes (see [`crate::data::pseudonym`]).
    pub pseudonymise: bool,
    /// The key file for `pseudonymise` (default: [`Key::location`]).
    pub key_file: Option<PathBuf>,
    /// How the file's text is encoded.
    pub encoding: TextEncoding,
}

impl ImportOptions {
    /// The options a project file states for its data.
    pub fn from_project(project: &Project) -> ImportOptions {
        ImportOptions::from_source(&project.data)
    }

    /// The options a data source states.
    pub fn from_source(source: &DataSource) -> ImportOptions {
        let o = &source.options;
        ImportOptions {
            columns: source.columns.clone(),
            delimiter: o.delimiter.and_then(|c| u8::try_from(c).ok()),
            date_format: o.date_format.clone(),
            decimal_comma: o.decimal_comma,
            strict: o.strict,
            pseudonymise: o.pseudonymise,
            key_file: None,
            encoding: o.encoding,
        }
    }
}

/// Why a row was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The date does not fit the column's format.
    BadDate,
    /// The date has the right shape but no such day exists.
    ImpossibleDate,
    /// The amount is not a finite number.
    BadAmount,
    /// The customer id is empty.
    MissingCustomer,
    /// The row has more or fewer fields than the header.
    WrongFieldCount,
    /// A field needed is not valid UTF-8 text.
    InvalidUtf8,
    /// A customer id or category is longer than [`MAX_TEXT_BYTES`].
    TooLong,
}

/// The longest customer id or category accepted, in bytes.
pub const MAX_TEXT_BYTES: usize = 256;

/// The largest amount accepted, in currency units (either sign): larger ones are typing or
/// export errors, and would swamp every total.
pub const MAX_AMOUNT: f64 = 1e12;

impl RejectReason {
    /// The snake_case key used in reports and JSON.
    pub fn key(self) -> &'static str {
        match self {
            RejectReason::BadDate => "bad_date",
            RejectReason::ImpossibleDate => "impossible_date",
            RejectReason::BadAmount => "bad_amount",
            RejectReason::MissingCustomer => "missing_customer",
            RejectReason::WrongFieldCount => "wrong_field_count",
            RejectReason::InvalidUtf8 => "invalid_utf8",
            RejectReason::TooLong => "field_too_long",
        }
    }
}

/// One rejected row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reject {
    /// Line where the row starts (header = line 1).
    pub line: u64,
    /// Header name of the offending column (empty for a whole-row problem).
    pub field: String,
    /// Why.
    pub reason: RejectReason,
    /// The offending value or a description, for people.
    pub detail: String,
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}", self.line)?;
        if !self.field.is_empty() {
            write!(f, ", field '{}'", self.field)?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// The columns an import used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ResolvedColumns {
    /// Customer id column.
    pub customer: String,
    /// Date column.
    pub date: String,
    /// Amount column.
    pub amount: String,
    /// Category column, if any.
    pub category: Option<String>,
    /// Store column, if any (recognised; not used by the engine yet).
    pub store: Option<String>,
    /// Channel column, if any (recognised; not used by the engine yet).
    pub channel: Option<String>,
    /// Quantity column, if any (recognised; not used by the engine yet).
    pub quantity: Option<String>,
}

/// What an import read, accepted and rejected.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// The file imported.
    pub file: PathBuf,
    /// Distinct customers among accepted rows.
    pub customers: usize,
    /// Accepted rows.
    pub transactions: usize,
    /// Data rows read (header excluded).
    pub rows_read: u64,
    /// Rejected rows.
    pub rejected: u64,
    /// Rejected rows per reason key.
    pub rejects_by_reason: BTreeMap<String, u64>,
    /// First transaction day.
    pub first_date: Option<Date>,
    /// Last transaction day.
    pub last_date: Option<Date>,
    /// Sum of accepted amounts, refunds included, in currency units.
    pub revenue: f64,
    /// Accepted rows with a negative amount.
    pub refunds: u64,
    /// Customer ids were replaced by keyed hashes.
    pub pseudonymised: bool,
    /// Delimiter used.
    pub delimiter: String,
    /// Date format used.
    pub date_format: String,
    /// Whether amounts were read with a decimal comma.
    pub decimal_comma: bool,
    /// The text encoding read: `UTF-8`, `Windows-1252`, or `UTF-8 and Windows-1252` when some
    /// fields were not UTF-8 and were read as Windows-1252.
    pub encoding: String,
    /// Ids and categories with bytes beyond ASCII read as Windows-1252 (with
    /// [`TextEncoding::Auto`]: those that were not UTF-8).
    pub windows_1252_fields: u64,
    /// Columns used.
    pub columns: ResolvedColumns,
    /// Transactions, revenue and active customers per calendar month of the accepted rows.
    pub monthly: Vec<MonthActivity>,
    /// The first [`MAX_REJECTS_KEPT`] rejects, in file order.
    #[serde(skip)]
    pub rejects: Vec<Reject>,
}

impl ImportReport {
    /// The encoding read, with how many fields fell back to Windows-1252.
    pub fn encoding_text(&self) -> String {
        if self.windows_1252_fields > 0 && self.encoding != "Windows-1252" {
            format!(
                "{} ({} fields not UTF-8, read as Windows-1252)",
                self.encoding,
                crate::format::count(self.windows_1252_fields)
            )
        } else {
            self.encoding.clone()
        }
    }
}

/// How many rejects a report keeps in full (all are counted).
pub const MAX_REJECTS_KEPT: usize = 100_000;

/// Why a file could not be imported at all.
#[derive(Debug, Error)]
pub enum ImportError {
    /// Reading failed.
    #[error("cannot read transactions: {reason}: {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        reason: io::Error,
    },
    /// The path is a folder.
    #[error("is a folder, not a transaction file: {path}")]
    IsDir {
        /// The path.
        path: PathBuf,
    },
    /// The file is empty.
    #[error("the transaction file is empty: {path}")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file is not text (or is text in UTF-16, which CSV tools rarely read).
    #[error(
        "not a text file: {what} at line {line} (byte {offset}); a CSV export is text \
         (UTF-16 text must be saved as UTF-8 first): {path}"
    )]
    Binary {
        /// The file.
        path: PathBuf,
        /// What was found, e.g. `byte 0x00`.
        what: String,
        /// 1-based line of the first such byte.
        line: u64,
        /// Its byte offset.
        offset: usize,
    },
    /// A required column is missing.
    #[error("{message} (the header has: {header}): {path}")]
    Column {
        /// The file.
        path: PathBuf,
        /// What is missing.
        message: String,
        /// The header fields, comma-separated.
        header: String,
    },
    /// Dates fit both day-first and month-first.
    #[error(
        "dates in column '{column}' read as both %d/%m/%Y and %m/%d/%Y (e.g. {examples}); \
         pass --date-format to say which: {path}"
    )]
    AmbiguousDates {
        /// The file.
        path: PathBuf,
        /// The date column.
        column: String,
        /// Example values.
        examples: String,
    },
    /// The date format given is unusable.
    #[error("{0}")]
    BadDateFormat(String),
    /// Pseudonymisation was asked for and its key cannot be had.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// No row could be used.
    #[error("no usable rows: {rows_read} data rows read, {rejected} rejected{first}: {path}")]
    NoUsableRows {
        /// The file.
        path: PathBuf,
        /// Data rows read.
        rows_read: u64,
        /// Rows rejected.
        rejected: u64,
        /// The first reject, as ` (first: …)`.
        first: String,
    },
    /// Strict mode met a bad row.
    #[error("bad row at {reject} (strict mode stops at the first bad row): {path}")]
    Strict {
        /// The file.
        path: PathBuf,
        /// The row.
        reject: Reject,
    },
}

const CUSTOMER_NAMES: &[&str] = &[
    "customer",
    "customerid",
    "custid",
    "memberid",
    "member",
    "client",
    "clientid",
    "customerno",
    "customernumber",
    "userid",
    "accountid",
    "kunde",
    "kundennummer",
    "kundenid",
    "klant",
    "cliente",
];
const DATE_NAMES: &[&str] = &[
    "date",
    "orderdate",
    "transactiondate",
    "timestamp",
    "purchasedate",
    "invoicedate",
    "txdate",
    "datetime",
    "saledate",
    "datum",
    "fecha",
    "data",
];
const AMOUNT_NAMES: &[&str] = &[
    "amount",
    "value",
    "revenue",
    "total",
    "sales",
    "dollarvalue",
    "totalamount",
    "netamount",
    "spend",
    "ordervalue",
    "umsatz",
    "betrag",
    "montant",
    "bedrag",
    "importe",
    "importo",
];
const CATEGORY_NAMES: &[&str] = &[
    "category",
    "productcategory",
    "department",
    "categoryname",
    "kategorie",
    "categorie",
    "categoria",
];
const STORE_NAMES: &[&str] = &["store", "storeid", "shop", "location", "branch"];
const CHANNEL_NAMES: &[&str] = &["channel", "saleschannel"];
const QUANTITY_NAMES: &[&str] = &["quantity", "qty", "units", "items"];

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Finds a column: by explicit name (case-insensitive) or among known header names.
fn find_column(
    header: &[String],
    explicit: Option<&str>,
    known: &[&str],
) -> Result<Option<usize>, String> {
    if let Some(name) = explicit {
        let want = name.trim().to_lowercase();
        return header
            .iter()
            .position(|h| h.trim().to_lowercase() == want)
            .map(Some)
            .ok_or_else(|| format!("no column named '{name}'"));
    }
    let norm: Vec<String> = header.iter().map(|h| normalise(h)).collect();
    Ok(known.iter().find_map(|k| norm.iter().position(|h| h == k)))
}

/// Guesses the delimiter from the first lines: the candidate giving the same field count (> 1)
/// on the most lines wins; ties go to the earlier of `,` `;` tab `|`.
pub fn sniff_delimiter(sample: &[u8]) -> u8 {
    let lines: Vec<&[u8]> = sample
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && *l != b"\r")
        .take(50)
        .collect();
    // The last line may be cut off by the sample's end.
    let lines = if lines.len() > 1 && !sample.ends_with(b"\n") {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    let mut best = (b',', 0usize, 0usize);
    for cand in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| {
                let mut quoted = false;
                let mut n = 1;
                for &b in *l {
                    if b == b'"' {
                        quoted = !quoted;
                    } else if b == cand && !quoted {
                        n += 1;
                    }
                }
                n
            })
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first < 2 {
            continue;
        }
        let agree = counts.iter().filter(|&&n| n == first).count();
        if (agree, first) > (best.1, best.2) {
            best = (cand, agree, first);
        }
    }
    best.0
}

/// Why an amount was not accepted.
/// Parses an amount: a finite number of at most [`MAX_AMOUNT`] in size.
fn parse_amount(raw: &[u8], decimal_comma: bool) -> Result<f64, String> {
    let v = parse_number(raw, decimal_comma)?;
    let shown = || truncate(&String::from_utf8_lossy(raw.trim_ascii()));
    if !v.is_finite() {
        return Err(format!("'{}' is not a finite number", shown()));
    }
    if v.abs() > MAX_AMOUNT {
        return Err(format!(
            "'{}' is larger than the {} an amount may be",
            shown(),
            crate::format::count(MAX_AMOUNT as u64)
        ));
    }
    Ok(v)
}

fn parse_number(raw: &[u8], decimal_comma: bool) -> Result<f64, String> {
    // Fast path, no allocation: a plain decimal such as `-12.50` (or `-12,50` with a decimal comma).
    let plain = raw.trim_ascii();
    let mark = if decimal_comma { b',' } else { b'.' };
    let body = plain.strip_prefix(b"-").unwrap_or(plain);
    if !body.is_empty()
        && body[0].is_ascii_digit()
        && body.iter().all(|&b| b.is_ascii_digit() || b == mark)
        && body.iter().filter(|&&b| b == mark).count() <= 1
        && body.last() != Some(&mark)
        && let Ok(text) = std::str::from_utf8(plain)
    {
        let parsed = if decimal_comma {
            text.replace(',', ".").parse()
        } else {
            text.parse()
        };
        if let Ok(v) = parsed {
            return Ok(v);
        }
    }
    let text = std::str::from_utf8(raw).map_err(|_| "not UTF-8 text".to_string())?;
    let mut s = text.trim();
    let mut negative = false;
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        negative = true;
        s = inner.trim();
    }
    for sym in ["$", "€", "£", "¥", "USD", "EUR", "GBP"] {
        s = s.strip_prefix(sym).unwrap_or(s).trim();
        s = s.strip_suffix(sym).unwrap_or(s).trim();
    }
    if s.is_empty() {
        return Err("empty amount".into());
    }
    let (thousands, decimal) = if decimal_comma {
        ('.', ',')
    } else {
        (',', '.')
    };
    let mut cleaned = String::with_capacity(s.len());
    // Thousands separators are dropped only where they group digits by three.
    let int_part = s.split(decimal).next().unwrap_or(s);
    let grouped = int_part.contains(thousands) && {
        let groups: Vec<&str> = int_part
            .trim_start_matches(['-', '+'])
            .split(thousands)
            .collect();
        groups.len() > 1
            && (1..=3).contains(&groups[0].len())
            && groups[1..]
                .iter()
                .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
    };
    for ch in s.chars() {
        if ch == thousands && grouped || ch == ' ' || ch == '\u{a0}' || ch == '\'' {
            continue;
        }
        cleaned.push(if ch == decimal { '.' } else { ch });
    }
    let bad = || format!("'{}' is not a number", truncate(text));
    let lower = cleaned.trim_start_matches(['-', '+']).to_ascii_lowercase();
    if matches!(lower.as_str(), "nan" | "inf" | "infinity") {
        return Err(format!("'{}' is not a finite number", truncate(text)));
    }
    if !cleaned
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return Err(bad());
    }
    let v: f64 = cleaned.parse().map_err(|_| bad())?;
    if !v.is_finite() {
        return Err(format!("'{}' is not a finite number", truncate(text)));
    }
    Ok(if negative { -v } else { v })
}

/// Shortens a value for messages.
fn truncate(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}…")
    }
}

fn trim_bytes(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

/// Opens the file for csv reading, past a UTF-8 byte-order mark; also returns a sample of the
/// first bytes for sniffing.
fn open(path: &Path) -> Result<(BufReader<File>, Vec<u8>), ImportError> {
    let io_err = |reason| ImportError::Io {
        path: path.to_path_buf(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(io_err)?;
    if meta.is_dir() {
        return Err(ImportError::IsDir {
            path: path.to_path_buf(),
        });
    }
    let file = File::open(path).map_err(io_err)?;
    let mut reader = BufReader::with_capacity(1 << 18, file);
    let buf = reader.fill_buf().map_err(io_err)?;
    if buf.is_empty() {
        return Err(ImportError::Empty {
            path: path.to_path_buf(),
        });
    }
    if let Some((offset, what)) = binary_content(buf) {
        let line = 1 + buf[..offset].iter().filter(|&&b| b == b'\n').count() as u64;
        return Err(ImportError::Binary {
            path: path.to_path_buf(),
            what,
            line,
            offset,
        });
    }
    let bom = buf.starts_with(b"\xEF\xBB\xBF");
    let sample = buf[if bom { 3 } else { 0 }..].to_vec();
    if bom {
        reader.consume(3);
    }
    Ok((reader, sample))
}

/// Where the start of a file shows it is not text: a UTF-16 byte-order mark, or control bytes
/// (NUL and the like, never in text exports) in more than 1 in 200 of the first 64 KiB.
/// Returns the first offending byte's offset and a description.
fn binary_content(buf: &[u8]) -> Option<(usize, String)> {
    if buf.starts_with(b"\xFF\xFE") || buf.starts_with(b"\xFE\xFF") {
        return Some((0, "a UTF-16 byte-order mark".into()));
    }
    let head = &buf[..buf.len().min(1 << 16)];
    let control = |b: u8| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c) || b == 0x7f;
    let first = head.iter().position(|&b| control(b))?;
    let n = head.iter().filter(|&&b| control(b)).count();
    (n * 200 > head.len() || head[first] == 0)
        .then(|| (first, format!("byte 0x{:02x}", head[first])))
}

fn csv_reader<R: io::Read>(reader: R, delimiter: u8) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(reader)
}

struct Layout {
    delimiter: u8,
    header: Vec<String>,
    customer: usize,
    date: usize,
    amount: usize,
    category: Option<usize>,
    columns: ResolvedColumns,
}

/// The delimiter and the customer column's index of the CSV at `path`, as an import would find
/// them.
pub fn layout_of(path: &Path, options: &ImportOptions) -> Result<(u8, usize), ImportError> {
    let lay = layout(path, options)?;
    Ok((lay.delimiter, lay.customer))
}

/// Opens `path`, settles the delimiter (the one given, else sniffed from the start of the file)
/// and reads the header row. `wrap` wraps the file's reader (the preview reads a bounded prefix).
fn read_header<R: io::Read>(
    path: &Path,
    options: &ImportOptions,
    wrap: impl FnOnce(BufReader<File>) -> R,
) -> Result<(csv::Reader<R>, u8, Vec<String>), ImportError> {
    let (reader, sample) = open(path)?;
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| sniff_delimiter(&sample));
    let mut rdr = csv_reader(wrap(reader), delimiter);
    let mut rec = csv::ByteRecord::new();
    let got = rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_io(path, e))?;
    if !got {
        return Err(ImportError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok((rdr, delimiter, header_of(&rec, options.encoding)))
}

fn layout(path: &Path, options: &ImportOptions) -> Result<Layout, ImportError> {
    let (_, delimiter, header) = read_header(path, options, |r| r)?;
    match resolve_columns(&header, &options.columns) {
        Ok(found) => Ok(Layout::new(delimiter, header, found)),
        Err(problem) => Err(ImportError::Column {
            path: path.to_path_buf(),
            message: problem.message(|role| format!("name it with --{}", role.flag)),
            header: header
                .iter()
                .map(|h| truncate(h))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// The header fields of a record, trimmed.
fn header_of(rec: &csv::ByteRecord, encoding: TextEncoding) -> Vec<String> {
    rec.iter()
        .map(|f| field_text(f, encoding).trim().to_string())
        .collect()
}

/// A field's text in `encoding`; `None` when it is not valid in it (only for
/// [`TextEncoding::Utf8`]). The flag says it was read as Windows-1252 and has bytes beyond ASCII.
fn decode(raw: &[u8], encoding: TextEncoding) -> Option<(Cow<'_, str>, bool)> {
    let legacy = |raw| {
        let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(raw);
        let converted = matches!(text, Cow::Owned(_));
        (text, converted)
    };
    match encoding {
        TextEncoding::Utf8 => std::str::from_utf8(raw)
            .ok()
            .map(|t| (Cow::Borrowed(t), false)),
        TextEncoding::Auto => Some(
            std::str::from_utf8(raw).map_or_else(|_| legacy(raw), |t| (Cow::Borrowed(t), false)),
        ),
        TextEncoding::Windows1252 => Some(legacy(raw)),
    }
}

/// A field's text as the import reads it in `encoding`, invalid bytes replaced (for showing,
/// and for the pseudonymised copy, which must hash the ids the import sees).
pub(crate) fn field_text(raw: &[u8], encoding: TextEncoding) -> Cow<'_, str> {
    decode(raw, encoding).map_or_else(|| String::from_utf8_lossy(raw), |(t, _)| t)
}

/// A column an import can use.
struct Role {
    /// The role in words.
    name: &'static str,
    /// The CLI flag naming it (without `--`).
    flag: &'static str,
    /// Header names recognised for it (normalised).
    known: &'static [&'static str],
    /// Whether an import needs it.
    required: bool,
}

/// The roles in [`ColumnMapping`] order: customer, date, amount, category, store, channel,
/// quantity.
const ROLES: [Role; 7] = [
    Role {
        name: "customer id",
        flag: "customer",
        known: CUSTOMER_NAMES,
        required: true,
    },
    Role {
        name: "date",
        flag: "date",
        known: DATE_NAMES,
        required: true,
    },
    Role {
        name: "amount",
        flag: "amount",
        known: AMOUNT_NAMES,
        required: true,
    },
    Role {
        name: "category",
        flag: "category",
        known: CATEGORY_NAMES,
        required: false,
    },
    Role {
        name: "store",
        flag: "store",
        known: STORE_NAMES,
        required: false,
    },
    Role {
        name: "channel",
        flag: "channel",
        known: CHANNEL_NAMES,
        required: false,
    },
    Role {
        name: "quantity",
        flag: "quantity",
        known: QUANTITY_NAMES,
        required: false,
    },
];

/// Why the columns of a header cannot be used.
enum ColumnProblem {
    /// A required role matches no known header name.
    Unrecognised(&'static Role),
    /// The column named for a role is not in the header.
    NoSuchColumn(&'static Role, String),
}

impl ColumnProblem {
    /// The problem in words; `hint` says how to name a column for a role.
    fn message(&self, hint: impl Fn(&Role) -> String) -> String {
        match self {
            ColumnProblem::Unrecognised(role) => {
                format!("no {} column recognised; {}", role.name, hint(role))
            }
            ColumnProblem::NoSuchColumn(role, name) => {
                format!("no column named '{name}' for the {}", role.name)
            }
        }
    }
}

/// Finds each role's column in `header`: by the mapping's name, else among the known names.
fn resolve_columns(
    header: &[String],
    m: &ColumnMapping,
) -> Result<[Option<usize>; 7], ColumnProblem> {
    let explicit = [
        &m.customer,
        &m.date,
        &m.amount,
        &m.category,
        &m.store,
        &m.channel,
        &m.quantity,
    ];
    let mut found = [None; 7];
    for ((role, name), slot) in ROLES.iter().zip(explicit).zip(&mut found) {
        *slot = find_column(header, name.as_deref(), role.known)
            .map_err(|_| ColumnProblem::NoSuchColumn(role, name.clone().unwrap_or_default()))?;
        if role.required && slot.is_none() {
            return Err(ColumnProblem::Unrecognised(role));
        }
    }
    Ok(found)
}

impl Layout {
    /// The layout of a header whose columns were resolved (required roles found).
    fn new(delimiter: u8, header: Vec<String>, found: [Option<usize>; 7]) -> Layout {
        let name = |i: Option<usize>| i.map(|i| header[i].clone());
        let columns = ResolvedColumns {
            customer: name(found[0]).unwrap_or_default(),
            date: name(found[1]).unwrap_or_default(),
            amount: name(found[2]).unwrap_or_default(),
            category: name(found[3]),
            store: name(found[4]),
            channel: name(found[5]),
            quantity: name(found[6]),
        };
        Layout {
            delimiter,
            customer: found[0].unwrap_or(0),
            date: found[1].unwrap_or(0),
            amount: found[2].unwrap_or(0),
            category: found[3],
            header,
            columns,
        }
    }
}

/// How many bytes of a file [`preview`] reads at most.
pub const PREVIEW_BYTES: u64 = 1 << 20;

/// A first look at a transaction file, for the import wizard: its header, its first rows, and
/// what an import with the given options would use. Reads at most [`PREVIEW_BYTES`].
#[derive(Clone, Debug, PartialEq)]
pub struct Preview {
    /// The delimiter: the one given, else the one sniffed from the first lines.
    pub delimiter: u8,
    /// The header fields, trimmed.
    pub header: Vec<String>,
    /// The first data rows, as text in the encoding asked for (invalid bytes replaced), each as
    /// many fields as it has.
    pub rows: Vec<Vec<String>>,
    /// The line each of [`Preview::rows`] starts on (the header is line 1).
    pub lines: Vec<u64>,
    /// The columns an import would use, or why it could not.
    pub columns: Result<ResolvedColumns, String>,
    /// The column each role would use, role by role, even when another role's is missing
    /// (`None`: none found).
    pub found: ColumnMapping,
    /// The date format: the one given, else the one detected over the previewed rows; or why
    /// there is none.
    pub date_format: Result<String, String>,
    /// Whether amounts are read with a decimal comma (given, or detected over the previewed rows).
    pub decimal_comma: bool,
}

/// Reads the header and up to `max_rows` data rows of `path` and says what an import with
/// `options` would use. Fails only when the file cannot be read at all (missing, a folder, empty).
pub fn preview(
    path: &Path,
    options: &ImportOptions,
    max_rows: usize,
) -> Result<Preview, ImportError> {
    let (mut rdr, delimiter, header) =
        read_header(path, options, |r| io::Read::take(r, PREVIEW_BYTES))?;
    let mut rec = csv::ByteRecord::new();
    let mut raw: Vec<csv::ByteRecord> = Vec::new();
    let mut lines = Vec::new();
    while raw.len() < max_rows {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {
                lines.push(rec.position().map_or(0, |p| p.line()));
                raw.push(rec.clone());
            }
            Ok(false) => {
                // At the byte limit the last row may be cut short: leave it out.
                if rdr.get_ref().limit() == 0 {
                    raw.pop();
                    lines.pop();
                }
                break;
            }
            // A row the csv reader cannot read ends the preview; the import reports it.
            Err(_) => break,
        }
    }
    let rows = raw
        .iter()
        .map(|r| {
            r.iter()
                .map(|f| field_text(f, options.encoding).into_owned())
                .collect()
        })
        .collect();
    let m = &options.columns;
    let each = |explicit: &Option<String>, role: usize| {
        find_column(&header, explicit.as_deref(), ROLES[role].known)
            .ok()
            .flatten()
            .map(|i| header[i].clone())
    };
    let found = ColumnMapping {
        customer: each(&m.customer, 0),
        date: each(&m.date, 1),
        amount: each(&m.amount, 2),
        category: each(&m.category, 3),
        store: each(&m.store, 4),
        channel: each(&m.channel, 5),
        quantity: each(&m.quantity, 6),
    };
    let (columns, date_format, decimal_comma) = match resolve_columns(&header, &options.columns) {
        Err(problem) => (
            Err(problem.message(|_| "choose its column".to_string())),
            Err("choose the columns first".to_string()),
            options.decimal_comma.unwrap_or(false),
        ),
        Ok(found) => {
            let lay = Layout::new(delimiter, header.clone(), found);
            let fits = |r: &&csv::ByteRecord| r.len() == header.len();
            let date_format = match &options.date_format {
                Some(f) => DateFormat::custom(f).map(|f| f.to_string()),
                None => {
                    let mut dates = Detector::default();
                    for r in raw.iter().filter(fits) {
                        dates.add(trim_bytes(&r[lay.date]));
                    }
                    match dates.verdict() {
                        Detection::Format(f) => Ok(f.to_string()),
                        Detection::Ambiguous => Err(format!(
                            "the dates read both day-first and month-first (e.g. {}): choose the \
                             date format",
                            dates.examples.join(", ")
                        )),
                        Detection::None => Err(format!(
                            "no known date format fits column '{}': choose the date format",
                            lay.columns.date
                        )),
                    }
                }
            };
            let decimal_comma = options.decimal_comma.unwrap_or_else(|| {
                let (mut dot, mut comma) = (0, 0);
                for r in raw.iter().filter(fits) {
                    let a = trim_bytes(&r[lay.amount]);
                    if !a.is_empty() {
                        dot += u32::from(parse_amount(a, false).is_ok());
                        comma += u32::from(parse_amount(a, true).is_ok());
                    }
                }
                comma > dot
            });
            (Ok(lay.columns), date_format, decimal_comma)
        }
    };
    Ok(Preview {
        delimiter,
        header,
        rows,
        lines,
        columns,
        found,
        date_format,
        decimal_comma,
    })
}

fn csv_io(path: &Path, e: csv::Error) -> ImportError {
    ImportError::Io {
        path: path.to_path_buf(),
        reason: io::Error::other(e.to_string()),
    }
}

/// Detects the date format and the decimal mark over the columns.
fn detect(
    path: &Path,
    lay: &Layout,
    options: &ImportOptions,
) -> Result<(DateFormat, bool), ImportError> {
    let explicit_date = match &options.date_format {
        Some(f) => Some(DateFormat::custom(f).map_err(ImportError::BadDateFormat)?),
        None => None,
    };
    if let (Some(f), Some(dc)) = (&explicit_date, options.decimal_comma) {
        return Ok((f.clone(), dc));
    }
    let (reader, _) = open(path)?;
    let mut rdr = csv_reader(reader, lay.delimiter);
    let mut rec = csv::ByteRecord::new();
    let mut dates = Detector::default();
    let (mut dot_ok, mut comma_ok, mut amounts) = (0u64, 0u64, 0u64);
    let mut first = true;
    const AMOUNT_SAMPLE: u64 = 10_000;
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_io(path, e))?
    {
        if std::mem::take(&mut first) {
            continue;
        }
        if rec.len() != lay.header.len() {
            continue;
        }
        if explicit_date.is_none() {
            dates.add(trim_bytes(&rec[lay.date]));
        }
        if options.decimal_comma.is_none() && amounts < AMOUNT_SAMPLE {
            let a = trim_bytes(&rec[lay.amount]);
            if !a.is_empty() {
                amounts += 1;
                dot_ok += u64::from(parse_amount(a, false).is_ok());
                comma_ok += u64::from(parse_amount(a, true).is_ok());
            }
        }
        let dates_done = explicit_date.is_some() || dates.settled(50);
        let amounts_done = options.decimal_comma.is_some() || amounts >= AMOUNT_SAMPLE;
        if dates_done && amounts_done {
            break;
        }
    }
    let format = match explicit_date {
        Some(f) => f,
        None => match dates.verdict() {
            Detection::Format(f) => f,
            // Every row will be rejected as a bad date, which the import reports.
            Detection::None => DateFormat::Iso,
            Detection::Ambiguous => {
                return Err(ImportError::AmbiguousDates {
                    path: path.to_path_buf(),
                    column: lay.columns.date.clone(),
                    examples: dates.examples.join(", "),
                });
            }
        },
    };
    let decimal_comma = options.decimal_comma.unwrap_or(comma_ok > dot_ok);
    Ok((format, decimal_comma))
}

/// Imports a transaction CSV. Returns the sorted columnar store and the report; an error only when
/// the file cannot be used at all (or, in strict mode, at the first bad row).
pub fn import_csv(
    path: &Path,
    options: &ImportOptions,
) -> Result<(Transactions, ImportReport), ImportError> {
    let key = if options.pseudonymise {
        Some(Key::load_or_create(&Key::location(
            options.key_file.as_deref(),
        )?)?)
    } else {
        None
    };
    let lay = layout(path, options)?;
    let (format, decimal_comma) = detect(path, &lay, options)?;
    let (reader, _) = open(path)?;
    let mut rdr = csv_reader(reader, lay.delimiter);
    let mut rec = csv::ByteRecord::new();
    let mut builder = TransactionsBuilder::default();
    let mut report = ImportReport {
        file: path.to_path_buf(),
        delimiter: match lay.delimiter {
            b'\t' => "tab".into(),
            d => (d as char).to_string(),
        },
        date_format: format.to_string(),
        decimal_comma,
        columns: lay.columns.clone(),
        ..ImportReport::default()
    };
    let mut by_reason: BTreeMap<RejectReason, u64> = BTreeMap::new();
    let mut first = true;
    let expected = lay.header.len();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_io(path, e))?
    {
        if std::mem::take(&mut first) {
            continue;
        }
        report.rows_read += 1;
        let line = rec.position().map_or(0, |p| p.line());
        let outcome = parse_row(
            &rec,
            &lay,
            expected,
            &format,
            decimal_comma,
            options.encoding,
        );
        match outcome {
            Ok(row) => {
                report.windows_1252_fields += u64::from(row.windows_1252);
                report.revenue += row.amount;
                if row.amount < 0.0 {
                    report.refunds += 1;
                }
                builder.push(&row.customer, row.day, row.amount, row.category.as_deref());
            }
            Err((field, reason, detail)) => {
                let reject = Reject {
                    line,
                    field: field.map(|i| lay.header[i].clone()).unwrap_or_default(),
                    reason,
                    detail,
                };
                if options.strict {
                    return Err(ImportError::Strict {
                        path: path.to_path_buf(),
                        reject,
                    });
                }
                report.rejected += 1;
                *by_reason.entry(reason).or_default() += 1;
                if report.rejects.len() < MAX_REJECTS_KEPT {
                    report.rejects.push(reject);
                }
            }
        }
    }
    report.rejects_by_reason = by_reason
        .into_iter()
        .map(|(r, n)| (r.key().to_string(), n))
        .collect();
    if builder.is_empty() {
        return Err(ImportError::NoUsableRows {
            path: path.to_path_buf(),
            rows_read: report.rows_read,
            rejected: report.rejected,
            first: report
                .rejects
                .first()
                .map(|r| format!(" (first: {r})"))
                .unwrap_or_default(),
        });
    }
    let mut tx = builder.finish();
    if let Some(key) = &key {
        // Once per customer, after the rows are in: the real ids leave memory with the builder.
        for id in &mut tx.customer_ids {
            *id = key.pseudonym(id);
        }
        report.pseudonymised = true;
    }
    report.encoding = match options.encoding {
        TextEncoding::Windows1252 => "Windows-1252",
        _ if report.windows_1252_fields > 0 => "UTF-8 and Windows-1252",
        _ => "UTF-8",
    }
    .into();
    report.revenue = (report.revenue * 100.0).round() / 100.0;
    report.customers = tx.customer_count();
    report.transactions = tx.len();
    if let Some((a, b)) = tx.date_range() {
        report.first_date = Some(a);
        report.last_date = Some(b);
    }
    report.monthly = tx.monthly_activity();
    Ok((tx, report))
}

type RowError = (Option<usize>, RejectReason, String);

/// A row accepted.
struct Row<'r> {
    customer: Cow<'r, str>,
    day: Date,
    amount: f64,
    category: Option<Cow<'r, str>>,
    /// Fields read as Windows-1252.
    windows_1252: u8,
}

fn parse_row<'r>(
    rec: &'r csv::ByteRecord,
    lay: &Layout,
    expected: usize,
    format: &DateFormat,
    decimal_comma: bool,
    encoding: TextEncoding,
) -> Result<Row<'r>, RowError> {
    if rec.len() != expected {
        // A quote that never closes swallows the following lines into one field.
        let hint = if rec.iter().any(|f| f.contains(&b'\n')) {
            " (a quoted field runs over several lines: is a closing quote missing?)"
        } else {
            ""
        };
        return Err((
            None,
            RejectReason::WrongFieldCount,
            format!("expected {expected} fields, found {}{hint}", rec.len()),
        ));
    }
    if let Some(i) = [Some(lay.customer), lay.category]
        .into_iter()
        .flatten()
        .find(|&i| rec[i].len() > MAX_TEXT_BYTES)
    {
        return Err((
            Some(i),
            RejectReason::TooLong,
            format!(
                "{} bytes, more than the {MAX_TEXT_BYTES} an id or category may have",
                rec[i].len()
            ),
        ));
    }
    let mut windows_1252 = 0u8;
    let mut text = |i: usize| -> Result<Cow<'r, str>, RowError> {
        let (text, legacy) = decode(trim_bytes(&rec[i]), encoding).ok_or_else(|| {
            (
                Some(i),
                RejectReason::InvalidUtf8,
                "not valid UTF-8 text".to_string(),
            )
        })?;
        windows_1252 += u8::from(legacy);
        Ok(text)
    };
    let customer = text(lay.customer)?;
    if customer.is_empty() {
        return Err((
            Some(lay.customer),
            RejectReason::MissingCustomer,
            "customer id is empty".into(),
        ));
    }
    let raw_date = trim_bytes(&rec[lay.date]);
    let day = format.parse(raw_date).map_err(|p| {
        let shown = truncate(&String::from_utf8_lossy(raw_date));
        match p {
            DateProblem::Unparsable if raw_date.is_empty() => (
                Some(lay.date),
                RejectReason::BadDate,
                "date is empty".to_string(),
            ),
            DateProblem::Unparsable => (
                Some(lay.date),
                RejectReason::BadDate,
                format!("'{shown}' is not a date in the format {format}"),
            ),
            DateProblem::Impossible => (
                Some(lay.date),
                RejectReason::ImpossibleDate,
                format!("'{shown}' is not a day of the calendar"),
            ),
        }
    })?;
    let amount = parse_amount(&rec[lay.amount], decimal_comma)
        .map_err(|detail| (Some(lay.amount), RejectReason::BadAmount, detail))?;
    let category = match lay.category {
        Some(i) => Some(text(i)?),
        None => None,
    };
    Ok(Row {
        customer,
        day,
        amount,
        category,
        windows_1252,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(content: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(content).unwrap();
        f
    }

    fn import(content: &[u8]) -> Result<(Transactions, ImportReport), ImportError> {
        let f = write(content);
        import_csv(f.path(), &ImportOptions::default())
    }

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::from_ymd(y, m, day).unwrap()
    }

    #[test]
    fn a_preview_shows_the_first_rows_and_what_an_import_would_use() {
        let f = write(
            "Kunde;Datum;Betrag;Kategorie\nA;03.01.2024;12,50;food\nB;14.01.2024;7,00;toys\n\
             C;20.01.2024;1.234,00;food\n"
                .as_bytes(),
        );
        let p = preview(f.path(), &ImportOptions::default(), 2).unwrap();
        assert_eq!(p.delimiter, b';');
        assert_eq!(p.header, ["Kunde", "Datum", "Betrag", "Kategorie"]);
        assert_eq!(p.rows.len(), 2, "capped at max_rows");
        assert_eq!(p.rows[1], ["B", "14.01.2024", "7,00", "toys"]);
        assert_eq!(p.lines, [2, 3]);
        let cols = p.columns.unwrap();
        assert_eq!(
            (
                cols.customer.as_str(),
                cols.date.as_str(),
                cols.amount.as_str()
            ),
            ("Kunde", "Datum", "Betrag")
        );
        assert_eq!(cols.category.as_deref(), Some("Kategorie"));
        assert_eq!(p.date_format.unwrap(), "%d.%m.%Y");
        let iso = write(b"customer,date,amount\nA,2024-01-02T10:00:00,3\n");
        let given = ImportOptions {
            date_format: Some("%Y-%m-%d".into()),
            ..ImportOptions::default()
        };
        let (tx, _) = import_csv(iso.path(), &given).unwrap();
        assert_eq!(tx.len(), 1, "the ISO pattern still reads timestamps");
        assert!(p.decimal_comma);
    }

    #[test]
    fn a_preview_says_which_column_or_format_is_missing() {
        let f = write(b"who,when,paid\nA,01/02/2024,3\nB,03/04/2024,4\n");
        let p = preview(f.path(), &ImportOptions::default(), 10).unwrap();
        assert_eq!(p.rows.len(), 2);
        let err = p.columns.unwrap_err();
        assert!(err.contains("no customer id column recognised"), "{err}");
        assert!(
            !err.contains("--customer"),
            "GUI wording, not a CLI flag: {err}"
        );
        let mapped = ImportOptions {
            columns: ColumnMapping {
                customer: Some("who".into()),
                date: Some("when".into()),
                amount: Some("paid".into()),
                ..ColumnMapping::default()
            },
            ..ImportOptions::default()
        };
        let p = preview(f.path(), &mapped, 10).unwrap();
        assert_eq!(p.columns.unwrap().amount, "paid");
        let err = p.date_format.unwrap_err();
        assert!(err.contains("day-first and month-first"), "{err}");
        let wrong = ImportOptions {
            columns: ColumnMapping {
                amount: Some("total".into()),
                ..mapped.columns.clone()
            },
            ..mapped.clone()
        };
        let err = preview(f.path(), &wrong, 10).unwrap().columns.unwrap_err();
        assert_eq!(err, "no column named 'total' for the amount");
        let p = preview(f.path(), &wrong, 10).unwrap();
        assert_eq!(p.found.date.as_deref(), Some("when"), "found role by role");
        assert_eq!(p.found.amount, None);
        let given = ImportOptions {
            date_format: Some("%m/%d/%Y".into()),
            ..mapped
        };
        assert_eq!(
            preview(f.path(), &given, 10).unwrap().date_format.unwrap(),
            "%m/%d/%Y"
        );
    }

    #[test]
    fn a_preview_stops_at_its_byte_limit_without_a_cut_row() {
        let mut content = b"customer,date,amount\n".to_vec();
        let row = b"customer-with-a-long-id,2024-01-01,10.00\n";
        while (content.len() as u64) < PREVIEW_BYTES * 2 {
            content.extend_from_slice(row);
        }
        let f = write(&content);
        let p = preview(f.path(), &ImportOptions::default(), usize::MAX).unwrap();
        let expected = ((PREVIEW_BYTES as usize) - 21) / row.len();
        assert_eq!(p.rows.len(), expected);
        assert!(p.rows.iter().all(|r| r.len() == 3 && r[2] == "10.00"));
    }

    #[test]
    fn a_preview_of_nothing_is_an_error_naming_the_file() {
        let f = write(b"");
        let err = preview(f.path(), &ImportOptions::default(), 10).unwrap_err();
        assert!(matches!(err, ImportError::Empty { .. }), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let err = preview(dir.path(), &ImportOptions::default(), 10).unwrap_err();
        assert!(matches!(err, ImportError::IsDir { .. }), "{err}");
    }

    #[test]
    fn every_date_format_is_detected() {
        let cases = [
            ("2024-03-05", "2024-03-31"),
            ("2024-03-05T10:00:00Z", "2024-03-31T23:59:59+01:00"),
            ("2024-03-05 10:00", "2024-03-31 23:59"),
            ("20240305", "20240331"),
            ("05/03/2024", "31/03/2024"),
            ("03/05/2024", "03/31/2024"),
            ("05.03.2024", "31.03.2024"),
            ("2024/03/05", "2024/03/31"),
        ];
        for (a, b) in cases {
            let csv = format!("customer,date,amount\nc1,{a},10\nc1,{b},5\n");
            let (t, r) = import(csv.as_bytes()).unwrap_or_else(|e| panic!("{a}: {e}"));
            assert_eq!(
                t.day,
                vec![d(2024, 3, 5), d(2024, 3, 31)],
                "{a} / {b} read as {}",
                r.date_format
            );
        }
    }

    #[test]
    fn explicit_date_format() {
        let f = write(b"customer,date,amount\nc1,5 Mar 2024,10\nc1,03/04/2024,1\n");
        let opts = ImportOptions {
            date_format: Some("%d %b %Y".into()),
            ..ImportOptions::default()
        };
        let (t, r) = import_csv(f.path(), &opts).unwrap();
        assert_eq!(t.day, vec![d(2024, 3, 5)]);
        assert_eq!(r.rejects[0].line, 3);
        assert_eq!(r.rejects[0].reason, RejectReason::BadDate);
        let opts = ImportOptions {
            date_format: Some("%d/%m/%Y".into()),
            ..ImportOptions::default()
        };
        let f = write(b"customer,date,amount\nc1,01/02/2024,10\n");
        let (t, _) = import_csv(f.path(), &opts).unwrap();
        assert_eq!(t.day, vec![d(2024, 2, 1)]);
    }

    #[test]
    fn ambiguous_day_month_column_is_an_error_not_a_guess() {
        let err = import(b"customer,date,amount\nc1,01/02/2024,10\nc2,03/04/2024,5\n").unwrap_err();
        assert!(matches!(err, ImportError::AmbiguousDates { .. }), "{err}");
        assert!(err.to_string().contains("--date-format"));
    }

    #[test]
    fn delimiters_are_sniffed() {
        for delim in [",", ";", "\t", "|"] {
            let csv = format!("customer{delim}date{delim}amount\nc1{delim}2024-01-02{delim}10\n");
            let (t, r) = import(csv.as_bytes()).unwrap();
            assert_eq!(t.len(), 1, "delimiter {delim:?}");
            assert_eq!(r.rejected, 0);
        }
    }

    #[test]
    fn bom_crlf_and_quoted_fields() {
        let csv = b"\xEF\xBB\xBFcustomer,date,amount,category\r\n\"Smith, J\",2024-01-02,\"1,234.50\",\"Shoes \"\"fancy\"\"\"\r\nc2,2024-01-03,2,\r\n";
        let (t, r) = import(csv).unwrap();
        assert_eq!(
            r.columns.customer, "customer",
            "BOM stripped from the first header"
        );
        assert_eq!(t.customer_ids, vec!["Smith, J", "c2"]);
        assert_eq!(t.amount, vec![1234.5, 2.0]);
        assert_eq!(t.categories, vec!["Shoes \"fancy\""]);
        assert_eq!(r.rejected, 0);
    }

    #[test]
    fn decimal_comma_is_detected_and_can_be_forced() {
        let csv = b"kunde;datum;betrag\nk1;2024-01-02;1.234,50\nk2;2024-01-03;12,5\n";
        let f = write(csv);
        let opts = ImportOptions {
            columns: ColumnMapping {
                customer: Some("Kunde".into()),
                date: Some("datum".into()),
                amount: Some("BETRAG".into()),
                ..ColumnMapping::default()
            },
            ..ImportOptions::default()
        };
        let (t, r) = import_csv(f.path(), &opts).unwrap();
        assert!(r.decimal_comma);
        assert_eq!(t.amount, vec![1234.5, 12.5]);
        let forced = ImportOptions {
            decimal_comma: Some(true),
            ..opts
        };
        let f = write(b"kunde;datum;betrag\nk1;2024-01-02;7\n");
        let (t, r) = import_csv(f.path(), &forced).unwrap();
        assert!(r.decimal_comma);
        assert_eq!(t.amount, vec![7.0]);
    }

    #[test]
    fn bad_rows_are_reported_with_line_field_and_reason() {
        let csv = b"customer,date,amount\n\
c1,2024-01-01,10\n\
c1,2024-01-02,NaN\n\
c1,2024-02-30,5\n\
c1,2024-01-04,inf\n\
,2024-01-05,3\n\
c2,2024-01-06\n\
c2,2024-01-07,abc\n\
c2,not a date,1\n\
c3,2024-01-08,0\n\
c3,2024-01-09,-4.5\n";
        let (t, r) = import(csv).unwrap();
        assert_eq!(r.rows_read, 10);
        assert_eq!(r.transactions, 3);
        assert_eq!(r.rejected, 7);
        let got: Vec<(u64, &str, RejectReason)> = r
            .rejects
            .iter()
            .map(|x| (x.line, x.field.as_str(), x.reason))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "amount", RejectReason::BadAmount),
                (4, "date", RejectReason::ImpossibleDate),
                (5, "amount", RejectReason::BadAmount),
                (6, "customer", RejectReason::MissingCustomer),
                (7, "", RejectReason::WrongFieldCount),
                (8, "amount", RejectReason::BadAmount),
                (9, "date", RejectReason::BadDate),
            ]
        );
        assert!(
            r.rejects[0].detail.contains("finite"),
            "{}",
            r.rejects[0].detail
        );
        assert_eq!(r.rejects_by_reason["bad_amount"], 3);
        assert_eq!(r.refunds, 1);
        assert_eq!(
            t.amount,
            vec![10.0, 0.0, -4.5],
            "amount 0 is valid, refunds kept"
        );
        assert!((r.revenue - 5.5).abs() < 1e-9);
    }

    #[test]
    fn strict_mode_fails_on_the_first_bad_row() {
        let f =
            write(b"customer,date,amount\nc1,2024-01-01,10\nc1,2024-01-02,x\nc1,2024-13-01,1\n");
        let opts = ImportOptions {
            strict: true,
            ..ImportOptions::default()
        };
        let err = import_csv(f.path(), &opts).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("line 3, field 'amount'"), "{msg}");
        assert!(
            msg.ends_with(&f.path().display().to_string()),
            "path last: {msg}"
        );
    }

    #[test]
    fn unusable_files_are_errors() {
        assert!(matches!(import(b""), Err(ImportError::Empty { .. })));
        assert!(matches!(
            import(b"customer,date,amount\n"),
            Err(ImportError::NoUsableRows { rows_read: 0, .. })
        ));
        let err = import(b"who,when,howmuch\na,2024-01-01,1\n").unwrap_err();
        assert!(
            err.to_string().contains("no customer id column recognised"),
            "{err}"
        );
        assert!(err.to_string().contains("who, when, howmuch"), "{err}");
        let err = import(b"customer,date,amount\nc1,soon,1\n").unwrap_err();
        assert!(
            err.to_string().contains("first: line 2, field 'date'"),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            import_csv(dir.path(), &ImportOptions::default()),
            Err(ImportError::IsDir { .. })
        ));
        assert!(matches!(
            import_csv(&dir.path().join("missing.csv"), &ImportOptions::default()),
            Err(ImportError::Io { .. })
        ));
        let f = write(b"customer,date,amount\nc1,2024-01-01,1\n");
        let opts = ImportOptions {
            columns: ColumnMapping {
                amount: Some("price".into()),
                ..ColumnMapping::default()
            },
            ..ImportOptions::default()
        };
        let err = import_csv(f.path(), &opts).unwrap_err();
        assert!(
            err.to_string()
                .contains("no column named 'price' for the amount"),
            "{err}"
        );
    }

    #[test]
    fn windows_1252_text_is_read_when_not_utf8() {
        // Saved by a spreadsheet on Windows: ids, a category and the header in Windows-1252.
        let bytes = b"Kunde;Datum;Betrag;Kategorie\nM\xfcller;03.01.2024;12,50;Caf\xe9\n\
                      M\xe4ller;04.01.2024;3,00;\x80-Gutschein\nplain;05.01.2024;1,00;tea\n";
        let f = write(bytes);
        let (t, r) = import_csv(f.path(), &ImportOptions::default()).unwrap();
        assert_eq!(r.rejected, 0);
        assert_eq!(
            (t.len(), t.customer_count()),
            (3, 3),
            "two ids, not one mangled one"
        );
        assert!(t.find_customer("M\u{fc}ller").is_some());
        assert!(t.find_customer("M\u{e4}ller").is_some());
        assert_eq!(r.windows_1252_fields, 4);
        assert_eq!(r.encoding, "UTF-8 and Windows-1252");
        assert!(
            r.encoding_text().contains("4 fields not UTF-8"),
            "{}",
            r.encoding_text()
        );
        let categories: Vec<&str> = t.categories.iter().map(String::as_str).collect();
        assert!(categories.contains(&"Caf\u{e9}"), "{categories:?}");
        assert!(categories.contains(&"\u{20ac}-Gutschein"), "{categories:?}");
        // The preview shows the same text, header included.
        let header = b"K\xe4ufer,date,amount\nM\xfcller,2024-01-01,1\n";
        let f = write(header);
        let p = preview(f.path(), &ImportOptions::default(), 5).unwrap();
        assert_eq!(p.header[0], "K\u{e4}ufer");
        assert_eq!(p.rows[0][0], "M\u{fc}ller");
        // UTF-8 stays UTF-8; asking for Windows-1252 reads its bytes as such.
        let f = write("customer,date,amount\nMüller,2024-01-01,1\n".as_bytes());
        let (t, r) = import_csv(f.path(), &ImportOptions::default()).unwrap();
        assert!(t.find_customer("Müller").is_some());
        assert_eq!((r.windows_1252_fields, r.encoding.as_str()), (0, "UTF-8"));
        let legacy = ImportOptions {
            encoding: TextEncoding::Windows1252,
            ..ImportOptions::default()
        };
        let (t, r) = import_csv(f.path(), &legacy).unwrap();
        assert!(t.find_customer("M\u{c3}\u{bc}ller").is_some());
        assert_eq!(r.encoding, "Windows-1252");
    }

    #[test]
    fn invalid_utf8_is_rejected_in_strict_utf8_and_nul_bytes_mean_binary() {
        let f = write(b"customer,date,amount\nM\xfcller,2024-01-01,1\nc2,2024-01-01,2\n");
        let utf8 = ImportOptions {
            encoding: TextEncoding::Utf8,
            ..ImportOptions::default()
        };
        let (t, r) = import_csv(f.path(), &utf8).unwrap();
        assert_eq!(r.rejects[0].reason, RejectReason::InvalidUtf8);
        assert_eq!(r.rejects[0].line, 2);
        assert_eq!(t.len(), 1);
        assert_eq!(r.encoding, "UTF-8");
        // Text exports never hold NUL bytes: the file is refused, naming where.
        let err =
            import(b"customer,date,amount\nc1,2024-01-01,1\nc\x002,2024-01-01,2\n").unwrap_err();
        assert!(
            matches!(
                err,
                ImportError::Binary {
                    line: 3,
                    offset: 38,
                    ..
                }
            ),
            "{err}"
        );
        assert!(matches!(
            import(b"\x00\x01\x02\xff\xfe\n\x03\x04"),
            Err(ImportError::Binary { line: 1, .. })
        ));
        assert!(matches!(
            import(b"\xff\xfec\x00,\x00"),
            Err(ImportError::Binary { offset: 0, .. })
        ));
    }

    #[test]
    fn amounts_beyond_a_trillion_and_long_ids_are_rejected() {
        let long = "x".repeat(MAX_TEXT_BYTES + 1);
        let csv = format!(
            "customer,date,amount\nc1,2024-01-01,1e13\n{long},2024-01-01,1\nc2,2024-01-01,-2e12\nc3,2024-01-01,999999999999\n"
        );
        let (t, r) = import(csv.as_bytes()).unwrap();
        let reasons: Vec<_> = r.rejects.iter().map(|j| (j.line, j.reason)).collect();
        assert_eq!(
            reasons,
            vec![
                (2, RejectReason::BadAmount),
                (3, RejectReason::TooLong),
                (4, RejectReason::BadAmount)
            ]
        );
        assert_eq!(t.len(), 1);
        assert_eq!(r.rejects_by_reason["field_too_long"], 1);
    }

    #[test]
    fn header_aliases_are_recognised() {
        let (t, r) =
            import(b"Member ID;Order Date;Sales;Product Category;Qty\nm1;2024-01-01;3;Food;1\n")
                .unwrap();
        assert_eq!(r.columns.customer, "Member ID");
        assert_eq!(r.columns.category.as_deref(), Some("Product Category"));
        assert_eq!(r.columns.quantity.as_deref(), Some("Qty"));
        assert_eq!(t.categories, vec!["Food"]);
    }

    #[test]
    fn amount_parser() {
        assert_eq!(parse_amount(b"1,234.50", false), Ok(1234.5));
        assert_eq!(parse_amount(b"$12.00", false), Ok(12.0));
        assert_eq!(parse_amount(b"(5.25)", false), Ok(-5.25));
        assert_eq!(parse_amount(b"-3", false), Ok(-3.0));
        assert_eq!(parse_amount(b"1.234,5", true), Ok(1234.5));
        assert_eq!(parse_amount(b"12,5", true), Ok(12.5));
        assert!(
            parse_amount(b"12,5", false).is_err(),
            "a lone comma is not a thousands separator"
        );
        assert!(parse_amount(b"NaN", false).is_err());
        assert!(parse_amount(b"-inf", false).is_err());
        assert!(parse_amount(b"1e400", false).is_err());
        assert!(parse_amount(b"0x10", false).is_err());
        assert!(parse_amount(b"", false).is_err());
    }
}
