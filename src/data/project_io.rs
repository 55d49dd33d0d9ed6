//! RON project files: load with precise errors, save atomically with a backup.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

use crate::data::import::{ImportError, ImportOptions, ImportReport, import_csv};
use crate::data::store::Transactions;
use crate::model::{FORMAT_VERSION, Project};

/// Why a project file could not be read or written.
#[derive(Debug, Error)]
pub enum ProjectError {
    /// The file could not be read or written.
    #[error("{action}: {reason}: {path}")]
    Io {
        /// What was being done ("cannot read", "cannot write", …).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: io::Error,
    },
    /// The file is not valid RON or does not fit the project format.
    #[error("line {line}, column {column}: {field}{message}: {path}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// Field path such as `scenarios[0].tiers[1].enter_threshold: `, or empty.
        field: String,
        /// The parser's message.
        message: String,
    },
    /// The file was written by a newer tierlab.
    #[error(
        "format_version {found} is newer than this build of tierlab reads (version {FORMAT_VERSION}); \
         update tierlab to open it: {path}"
    )]
    TooNew {
        /// The file.
        path: PathBuf,
        /// The version it declares.
        found: u32,
    },
    /// The file is not UTF-8 text.
    #[error(
        "not a text file: invalid UTF-8 at line {line} (byte {offset}); project files are \
         UTF-8 text: {path}"
    )]
    NotText {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// The project was serialised to RON incorrectly (a bug).
    #[error("cannot encode the project as RON: {0}")]
    Encode(String),
}

/// Just the version, read first so that a newer file is refused with a clear message instead of
/// a confusing field error.
#[derive(Deserialize)]
#[serde(rename = "Project")]
struct VersionProbe {
    #[serde(default)]
    format_version: u32,
}

/// Parses project text; `path` is only used in error messages.
pub fn parse_project(text: &str, path: &Path) -> Result<Project, ProjectError> {
    let parse_error = |e: ron::error::SpannedError, field: String| ProjectError::Parse {
        path: path.to_path_buf(),
        line: e.span.start.line,
        column: e.span.start.col,
        field,
        message: e.code.to_string(),
    };
    // A file that does not parse as a struct at all is reported by the full parse below.
    if let Ok(probe) = ron::from_str::<VersionProbe>(text)
        && probe.format_version > FORMAT_VERSION
    {
        let found = probe.format_version;
        return Err(ProjectError::TooNew {
            path: path.to_path_buf(),
            found,
        });
    }
    let mut de = ron::Deserializer::from_str(text).map_err(|e| parse_error(e, String::new()))?;
    let project: Project = match serde_path_to_error::deserialize(&mut de) {
        Ok(p) => p,
        Err(e) => {
            // serde_path_to_error writes `?` for a position it could not name (e.g. at the end of
            // a truncated file); drop it rather than show it.
            let field = e.path().to_string();
            let field = field
                .trim_end_matches(".?")
                .trim_end_matches('?')
                .to_string();
            let field = if field.is_empty() || field == "." {
                String::new()
            } else {
                format!("{field}: ")
            };
            return Err(parse_error(de.span_error(e.into_inner()), field));
        }
    };
    de.end()
        .map_err(|e| parse_error(de.span_error(e), String::new()))?;
    Ok(migrate(project))
}

/// Brings a project of an older format version up to [`FORMAT_VERSION`]. Each version's
/// changes are applied in turn; saving then writes the current version.
///
/// - 0 → 1: version 0 is the form written before files carried a version; its fields are
///   those of version 1, so only the version changes.
pub fn migrate(mut project: Project) -> Project {
    if project.format_version == 0 {
        project.format_version = 1;
    }
    project
}

/// Reads and parses a project file.
pub fn load_project(path: &Path) -> Result<Project, ProjectError> {
    let bytes = fs::read(path).map_err(|reason| ProjectError::Io {
        action: "cannot read",
        path: path.to_path_buf(),
        reason,
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|e| ProjectError::NotText {
        path: path.to_path_buf(),
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
        offset: e.valid_up_to(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    parse_project(text, path)
}

/// The project as pretty, diff-friendly RON text (stable field order, one field per line).
pub fn to_ron_string(project: &Project) -> Result<String, ProjectError> {
    let config = ron::ser::PrettyConfig::new()
        .indentor("    ")
        .struct_names(false)
        .separate_tuple_members(true);
    let mut text = ron::ser::to_string_pretty(project, config)
        .map_err(|e| ProjectError::Encode(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// Saves a project atomically: the text goes to a temporary file in the same folder, which is
/// flushed to disk and renamed over `path`; the previous file, if any, is kept as `NAME.ron.bak`.
/// If anything fails, `path` still holds the previous version.
pub fn save_project(path: &Path, project: &Project) -> Result<(), ProjectError> {
    let text = to_ron_string(project)?;
    write_atomically(path, text.as_bytes(), |file, bytes| file.write_all(bytes))
}

/// The recovery file of the project at `path`, where unsaved edits are autosaved:
/// `DIR/NAME.ron` → `DIR/.NAME.ron.recovery`.
pub fn recovery_path(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(".recovery");
    path.with_file_name(name)
}

/// Writes unsaved edits of the project at `path` to its recovery file (atomically, no backup).
pub fn write_recovery(path: &Path, project: &Project) -> Result<(), ProjectError> {
    let text = to_ron_string(project)?;
    write_file(
        &recovery_path(path),
        text.as_bytes(),
        false,
        |file, bytes| file.write_all(bytes),
    )
}

/// The autosaved edits of the project at `path`, if a recovery file is there (`Err` when it
/// cannot be read).
pub fn read_recovery(path: &Path) -> Option<Result<Project, ProjectError>> {
    let recovery = recovery_path(path);
    recovery.exists().then(|| load_project(&recovery))
}

/// Removes the recovery file of the project at `path` (nothing when there is none).
pub fn remove_recovery(path: &Path) {
    let _ = std::fs::remove_file(recovery_path(path));
}

/// Most never-saved projects autosaved at once (one per running tierlab window).
pub const MAX_UNTITLED_SLOTS: usize = 16;

/// Where one running tierlab autosaves a never-saved project: a path of its own, held by an
/// operating-system lock on a file beside it for as long as the slot lives. The lock goes when
/// the process ends, a crash included, so the next start can claim the slot and offer its edits
/// back.
#[derive(Debug)]
pub struct UntitledSlot {
    path: PathBuf,
    _lock: File,
}

impl UntitledSlot {
    /// The project path whose [`recovery_path`] holds the autosaved edits.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Claims a slot for a never-saved project in `dir` (created if missing): `untitled.ron`, else
/// `untitled-2.ron`, … up to [`MAX_UNTITLED_SLOTS`], the first whose lock no other running
/// tierlab holds; a free slot with autosaved edits comes before an empty one, so that edits a
/// crashed window left are found by the next one started. Two windows open at once never share
/// a slot, so neither overwrites the other's edits. `None` when `dir` cannot be written or every
/// slot is taken.
pub fn claim_untitled_slot(dir: &Path) -> Option<UntitledSlot> {
    fs::create_dir_all(dir).ok()?;
    let name = |k: usize| {
        if k == 1 {
            "untitled".to_string()
        } else {
            format!("untitled-{k}")
        }
    };
    let project = |k: usize| dir.join(format!("{}.ron", name(k)));
    let claim = |k: usize| -> Option<UntitledSlot> {
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(format!(".{}.lock", name(k))))
            .ok()?;
        lock.try_lock().ok()?;
        Some(UntitledSlot {
            path: project(k),
            _lock: lock,
        })
    };
    let slots = 1..=MAX_UNTITLED_SLOTS;
    let with_edits = slots
        .clone()
        .filter(|&k| recovery_path(&project(k)).exists());
    with_edits.chain(slots).find_map(claim)
}

/// The backup path of `path`: `NAME.ron` → `NAME.ron.bak`.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".bak");
    path.with_file_name(name)
}

/// Writes `bytes` to `path` atomically through `write` (a seam for tests that fail midway).
pub(crate) fn write_atomically(
    path: &Path,
    bytes: &[u8],
    write: impl FnOnce(&mut File, &[u8]) -> io::Result<()>,
) -> Result<(), ProjectError> {
    write_file(path, bytes, true, write)
}

/// [`write_atomically`], keeping the old file as `.bak` only when `backup` is set.
fn write_file(
    path: &Path,
    bytes: &[u8],
    backup: bool,
    write: impl FnOnce(&mut File, &[u8]) -> io::Result<()>,
) -> Result<(), ProjectError> {
    write_file_with(path, backup, |file, tmp| {
        write(file, bytes).map_err(|reason| ProjectError::Io {
            action: "cannot write",
            path: tmp.to_path_buf(),
            reason,
        })
    })
}

/// [`write_atomically`] with `write` streaming into the temporary file, for files too large to
/// hold in memory (bundles, pseudonymised copies). An error of `write` comes back as it is; the
/// temporary file is removed and `path` keeps what it had.
pub(crate) fn write_streaming<T, E: From<ProjectError>>(
    path: &Path,
    write: impl FnOnce(&mut File) -> Result<T, E>,
) -> Result<T, E> {
    write_file_with(path, true, |file, _| write(file))
}

/// The atomic write: `write` fills the temporary file (its path given for messages), which is
/// flushed to disk and renamed over `path`; the previous file is kept as `.bak` when `backup`.
fn write_file_with<T, E: From<ProjectError>>(
    path: &Path,
    backup: bool,
    write: impl FnOnce(&mut File, &Path) -> Result<T, E>,
) -> Result<T, E> {
    let io_err = |action: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |reason| {
            E::from(ProjectError::Io {
                action,
                path: p,
                reason,
            })
        }
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp_name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(io_err("cannot create", &tmp))?;
        let written = write(&mut file, &tmp)?;
        file.sync_all().map_err(io_err("cannot flush", &tmp))?;
        drop(file);
        if backup && path.exists() {
            let bak = backup_path(path);
            fs::copy(path, &bak).map_err(io_err("cannot back up to", &bak))?;
        }
        fs::rename(&tmp, path).map_err(io_err("cannot replace", path))?;
        // Make the rename itself durable; not every platform can open a folder, so best effort.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(written)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A project together with its imported transactions.
#[derive(Debug)]
pub struct LoadedProject {
    /// Where the project file is.
    pub path: PathBuf,
    /// The project.
    pub project: Project,
    /// The transactions, sorted by customer then day.
    pub transactions: Transactions,
    /// What the import accepted and rejected.
    pub report: ImportReport,
}

/// Resolves the project's data path against the project file's folder.
pub fn data_path(project_path: &Path, project: &Project) -> PathBuf {
    let data = Path::new(&project.data.path);
    if data.is_absolute() {
        data.to_path_buf()
    } else {
        project_path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(data)
    }
}

/// Why a project and its data could not be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    /// The project file itself.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// Its transaction data.
    #[error(transparent)]
    Import(#[from] ImportError),
}

/// Loads a project file and imports the transaction file it names.
pub fn load_project_with_data(path: &Path) -> Result<LoadedProject, LoadError> {
    let project = load_project(path)?;
    let csv = data_path(path, &project);
    let options = ImportOptions::from_project(&project);
    let (transactions, report) = import_csv(&csv, &options)?;
    Ok(LoadedProject {
        path: path.to_path_buf(),
        project,
        transactions,
        report,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_text_encoding_is_written_only_when_chosen() {
        let mut p = Project::default();
        assert!(!to_ron_string(&p).unwrap().contains("encoding"));
        p.data.options.encoding = crate::model::TextEncoding::Windows1252;
        let text = to_ron_string(&p).unwrap();
        assert!(text.contains("encoding: Windows1252"), "{text}");
        let back = parse_project(&text, Path::new("p.ron")).unwrap();
        assert_eq!(back.data.options.encoding, p.data.options.encoding);
    }

    #[test]
    fn windows_open_at_once_get_untitled_slots_of_their_own() {
        let dir = tempfile::tempdir().unwrap();
        let first = claim_untitled_slot(dir.path()).unwrap();
        let second = claim_untitled_slot(dir.path()).unwrap();
        assert_eq!(first.path(), dir.path().join("untitled.ron"));
        assert_eq!(second.path(), dir.path().join("untitled-2.ron"));
        // The first window's autosave is not the second's.
        write_recovery(first.path(), &Project::default()).unwrap();
        assert!(read_recovery(second.path()).is_none());
        // A slot whose window has gone is free again.
        drop(first);
        let third = claim_untitled_slot(dir.path()).unwrap();
        assert_eq!(third.path(), dir.path().join("untitled.ron"));
        assert!(read_recovery(third.path()).is_some());
    }

    #[test]
    fn a_free_slot_with_edits_comes_first() {
        let dir = tempfile::tempdir().unwrap();
        let project = Project {
            name: "left by a crashed second window".into(),
            ..Project::default()
        };
        write_recovery(&dir.path().join("untitled-3.ron"), &project).unwrap();
        let slot = claim_untitled_slot(dir.path()).unwrap();
        assert_eq!(slot.path(), dir.path().join("untitled-3.ron"));
        assert_eq!(
            read_recovery(slot.path()).unwrap().unwrap().name,
            project.name
        );
        // The next window takes the first empty slot.
        let next = claim_untitled_slot(dir.path()).unwrap();
        assert_eq!(next.path(), dir.path().join("untitled.ron"));
    }

    #[test]
    fn all_slots_taken_or_no_folder_gives_none() {
        let dir = tempfile::tempdir().unwrap();
        let held: Vec<UntitledSlot> = (0..MAX_UNTITLED_SLOTS)
            .map(|_| claim_untitled_slot(dir.path()).unwrap())
            .collect();
        assert_eq!(held.len(), MAX_UNTITLED_SLOTS);
        assert!(claim_untitled_slot(dir.path()).is_none());
        let file = dir.path().join("a file");
        std::fs::write(&file, "x").unwrap();
        assert!(claim_untitled_slot(&file.join("sub")).is_none());
    }

    use super::*;
    use crate::model::{Scenario, Tier};

    fn sample() -> Project {
        let mut p = Project {
            name: "Round trip".into(),
            description: "Line one\nline \"two\"".into(),
            ..Project::default()
        };
        p.data.path = "tx.csv".into();
        p.scenarios.push(Scenario {
            name: "Tiered".into(),
            tiers: vec![
                Tier::default(),
                Tier {
                    name: "Gold".into(),
                    enter_threshold: 1000.0,
                    retain_threshold: 800.0,
                    earn_multiplier: 1.5,
                    ..Tier::default()
                },
            ],
            ..Scenario::default()
        });
        p
    }

    #[test]
    fn load_save_load_is_identical() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.ron");
        let p = sample();
        save_project(&path, &p).unwrap();
        let first_text = fs::read_to_string(&path).unwrap();
        let loaded = load_project(&path).unwrap();
        assert_eq!(loaded, p);
        save_project(&path, &loaded).unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            first_text,
            "text is stable"
        );
        assert_eq!(fs::read_to_string(backup_path(&path)).unwrap(), first_text);
    }

    #[test]
    fn parse_error_has_line_column_and_field_path() {
        let text = "(\n    name: \"x\",\n    scenarios: [\n        (\n            name: \"A\",\n            tiers: [(enter_threshold: \"lots\")],\n        ),\n    ],\n)\n";
        let err = parse_project(text, Path::new("p.ron")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("line 6, column "), "{msg}");
        assert!(msg.ends_with(": p.ron"), "path last: {msg}");
        assert!(
            msg.contains("scenarios[0].tiers[0].enter_threshold"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_field_is_an_error() {
        let err = parse_project("(nmae: \"x\")", Path::new("p.ron")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("line 1, column "), "{msg}");
        assert!(msg.contains("nmae"), "{msg}");
    }

    #[test]
    fn truncated_and_empty_files_are_errors() {
        assert!(matches!(
            parse_project("(name: \"x\", scenarios: [", Path::new("p.ron")),
            Err(ProjectError::Parse { .. })
        ));
        assert!(matches!(
            parse_project("", Path::new("p.ron")),
            Err(ProjectError::Parse { .. })
        ));
        assert!(matches!(
            parse_project("(name: \"x\") trailing", Path::new("p.ron")),
            Err(ProjectError::Parse { .. })
        ));
    }

    #[test]
    fn newer_format_version_is_refused_with_the_version_we_read() {
        let text = format!(
            "(format_version: {}, name: \"x\", new_field: 3)",
            FORMAT_VERSION + 1
        );
        let err = parse_project(&text, Path::new("future.ron")).unwrap_err();
        assert!(matches!(err, ProjectError::TooNew { found, .. } if found == FORMAT_VERSION + 1));
        assert!(
            err.to_string()
                .contains(&format!("version {FORMAT_VERSION}"))
        );
        // A named struct is accepted too.
        let named = format!("Project(format_version: {})", FORMAT_VERSION + 5);
        assert!(matches!(
            parse_project(&named, Path::new("f.ron")),
            Err(ProjectError::TooNew { .. })
        ));
    }

    #[test]
    fn failed_write_leaves_previous_file_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.ron");
        let mut first = sample();
        first.name = "First".into();
        save_project(&path, &first).unwrap();
        let before = sample();
        save_project(&path, &before).unwrap();
        let before_text = fs::read_to_string(&path).unwrap();
        let mut after = before.clone();
        after.name = "Changed".into();
        let text = to_ron_string(&after).unwrap();
        // The writer dies after half the bytes, as on a full disk.
        let err = write_atomically(&path, text.as_bytes(), |f, b| {
            f.write_all(&b[..b.len() / 2])?;
            Err(io::Error::other("No space left on device"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("No space left"), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), before_text);
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp-"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "temporary file removed: {leftovers:?}"
        );
        assert_eq!(load_project(&path).unwrap(), before);
        // The backup of the save before is still there.
        assert_eq!(load_project(&backup_path(&path)).unwrap(), first);
    }

    #[test]
    fn older_format_versions_migrate_on_load() {
        let text = "(format_version: 0, name: \"old\", data: (path: \"d.csv\"))";
        let p = parse_project(text, Path::new("old.ron")).unwrap();
        assert_eq!(p.format_version, FORMAT_VERSION);
        assert!(to_ron_string(&p).unwrap().contains("format_version: 1"));
        assert!(
            p.validate()
                .iter()
                .all(|pr| pr.severity != crate::model::Severity::Error)
        );
    }

    #[test]
    fn save_into_missing_folder_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("p.ron");
        let err = save_project(&path, &sample()).unwrap_err();
        assert!(err.to_string().contains("cannot create"), "{err}");
    }

    #[test]
    fn non_utf8_project_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.ron");
        fs::write(&path, b"(\nname: \"\xff\")").unwrap();
        assert!(matches!(
            load_project(&path),
            Err(ProjectError::NotText {
                line: 2,
                offset: 9,
                ..
            })
        ));
    }
}
