//! Project bundles: one zip holding a project file and its transaction data, so that a colleague
//! opens exactly what you saw, and pseudonymised copies of transaction files.
//!
//! A bundle holds `project.ron` (its data path rewritten to the data entry), the data file
//! (`data.csv`) and a `README.txt` saying what is inside. With pseudonymisation, or whenever the
//! project itself asks for it, the customer ids in the bundled data are keyed hashes and the key
//! stays on this machine. Opening a bundle writes its files into a new folder and never
//! overwrites anything.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::data::import::{ImportError, ImportOptions, layout_of};
use crate::data::project_io::{
    ProjectError, data_path, load_project, to_ron_string, write_streaming,
};
use crate::data::pseudonym::Key;
use crate::model::Project;

/// The project entry of a bundle.
pub const PROJECT_ENTRY: &str = "project.ron";
/// The data entry of a bundle.
pub const DATA_ENTRY: &str = "data.csv";
/// The note entry of a bundle.
pub const README_ENTRY: &str = "README.txt";
/// The largest entry a bundle may unpack to (a guard against zip bombs).
pub const MAX_ENTRY_BYTES: u64 = 4 << 30;

/// Why a bundle or a pseudonymised copy could not be made or opened.
#[derive(Debug, Error)]
pub enum BundleError {
    /// The project file.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// Its data file.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// A file could not be read or written.
    #[error("{action}: {reason}: {path}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The reason.
        reason: io::Error,
    },
    /// The zip is not a tierlab bundle.
    #[error("not a tierlab bundle ({reason}): {path}")]
    NotABundle {
        /// The zip.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Opening would overwrite a file.
    #[error("will not overwrite an existing file: {path}")]
    Exists {
        /// The file that is there.
        path: PathBuf,
    },
}

/// What a pseudonymised copy did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PseudonymisedCopy {
    /// Data rows written, with the customer id replaced.
    pub rows: u64,
    /// Distinct customers.
    pub customers: u64,
    /// Lines (1-based) of rows left out because they have no customer field to replace.
    pub dropped_lines: Vec<u64>,
}

/// Streams the CSV at `input` to `out` with every customer id replaced by its pseudonym under
/// `key`; the header and the other fields are kept as they are. Rows too short to have a
/// customer field are left out (they could hold an id elsewhere) and their lines reported.
pub fn pseudonymise_csv(
    input: &Path,
    options: &ImportOptions,
    key: &Key,
    out: impl Write,
) -> Result<PseudonymisedCopy, BundleError> {
    let (delimiter, customer) = layout_of(input, options)?;
    let io_err = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |reason| BundleError::Io {
            action,
            path,
            reason,
        }
    };
    let file = File::open(input).map_err(io_err("cannot read", input))?;
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(io::BufReader::new(file));
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_writer(out);
    let mut seen: HashMap<Vec<u8>, String> = HashMap::new();
    let mut copy = PseudonymisedCopy::default();
    let mut rec = csv::ByteRecord::new();
    let mut row = csv::ByteRecord::new();
    let mut first = true;
    let csv_err = |e: csv::Error| BundleError::Io {
        action: "cannot copy",
        path: input.to_path_buf(),
        reason: io::Error::other(e.to_string()),
    };
    while rdr.read_byte_record(&mut rec).map_err(csv_err)? {
        if std::mem::take(&mut first) {
            w.write_byte_record(&rec).map_err(csv_err)?;
            continue;
        }
        let Some(id) = rec.get(customer) else {
            copy.dropped_lines
                .push(rec.position().map_or(0, |p| p.line()));
            continue;
        };
        // Looked up by the raw bytes: one hash per customer, no allocation per row.
        let id = id.trim_ascii();
        if !seen.contains_key(id) {
            let text = crate::data::import::field_text(id, options.encoding);
            seen.insert(id.to_vec(), key.pseudonym(&text));
        }
        let pseudonym = &seen[id];
        row.clear();
        for (i, field) in rec.iter().enumerate() {
            row.push_field(if i == customer {
                pseudonym.as_bytes()
            } else {
                field
            });
        }
        w.write_byte_record(&row).map_err(csv_err)?;
        copy.rows += 1;
    }
    w.flush().map_err(io_err("cannot write", input))?;
    copy.customers = seen.len() as u64;
    Ok(copy)
}

/// What a bundle holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleSummary {
    /// The zip written.
    pub path: PathBuf,
    /// Its customer ids are pseudonyms.
    pub pseudonymised: bool,
    /// Data rows of a pseudonymised copy (`None`: the file was copied as it is).
    pub copy: Option<PseudonymisedCopy>,
}

/// Writes the project at `project_path` and its data into the zip `out` (atomically). The data
/// is pseudonymised with the key in `key_file` (see [`Key::location`]) when `pseudonymise` is set
/// or the project asks for it.
pub fn write_bundle(
    project_path: &Path,
    out: &Path,
    pseudonymise: bool,
    key_file: Option<&Path>,
) -> Result<BundleSummary, BundleError> {
    let project = load_project(project_path)?;
    let csv = data_path(project_path, &project);
    write_bundle_of(project, &csv, out, pseudonymise, key_file)
}

/// [`write_bundle`] of a project in memory (the GUI's, saved or not) whose data is `csv`.
pub fn write_bundle_of(
    mut project: Project,
    csv: &Path,
    out: &Path,
    pseudonymise: bool,
    key_file: Option<&Path>,
) -> Result<BundleSummary, BundleError> {
    let csv = csv.to_path_buf();
    let pseudonymise = pseudonymise || project.data.options.pseudonymise;
    let key = if pseudonymise {
        let location = Key::location(key_file).map_err(ImportError::from)?;
        Some(Key::load_or_create(&location).map_err(ImportError::from)?)
    } else {
        None
    };
    let mut options = ImportOptions::from_project(&project);
    options.pseudonymise = false;
    project.data.path = DATA_ENTRY.to_string();
    // The bundled ids are already pseudonyms: hashing them again would only rename them.
    project.data.options.pseudonymise = false;
    let ron = to_ron_string(&project)?;
    let readme = format!(
        "A tierlab project bundle: open {PROJECT_ENTRY} with tierlab (File > Open bundle..., or \
         `tierlab unbundle THIS.zip --into DIR`).\n\
         {PROJECT_ENTRY}  the project \"{}\"\n{DATA_ENTRY}     its transactions\n\
         Customer ids: {}.\n",
        project.name,
        if pseudonymise {
            "pseudonymised (keyed hashes; the key is not in this bundle)"
        } else {
            "as in the original data: this bundle may hold personal data"
        }
    );
    let zip_err = |e: zip::result::ZipError| BundleError::Io {
        action: "cannot write",
        path: out.to_path_buf(),
        reason: io::Error::other(e.to_string()),
    };
    let write_err = |reason| BundleError::Io {
        action: "cannot write",
        path: out.to_path_buf(),
        reason,
    };
    let copy = write_streaming(out, |file| {
        let mut zip = zip::ZipWriter::new(BufWriter::new(file));
        let deflate = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file(README_ENTRY, deflate).map_err(zip_err)?;
        zip.write_all(readme.as_bytes()).map_err(write_err)?;
        zip.start_file(PROJECT_ENTRY, deflate).map_err(zip_err)?;
        zip.write_all(ron.as_bytes()).map_err(write_err)?;
        zip.start_file(DATA_ENTRY, deflate).map_err(zip_err)?;
        let copy = match &key {
            Some(key) => Some(pseudonymise_csv(&csv, &options, key, &mut zip)?),
            None => {
                let mut data = File::open(&csv).map_err(|reason| BundleError::Io {
                    action: "cannot read",
                    path: csv.clone(),
                    reason,
                })?;
                io::copy(&mut data, &mut zip).map_err(write_err)?;
                None
            }
        };
        zip.finish().map_err(zip_err)?.flush().map_err(write_err)?;
        Ok::<_, BundleError>(copy)
    })?;
    Ok(BundleSummary {
        path: out.to_path_buf(),
        pseudonymised: pseudonymise,
        copy,
    })
}

/// Unpacks the bundle `zip` into the folder `into` (created if missing) and returns the path of
/// its project file. Only the bundle's own entries are written, under their plain names, and no
/// existing file is overwritten.
pub fn open_bundle(zip_path: &Path, into: &Path) -> Result<PathBuf, BundleError> {
    let not_bundle = |reason: String| BundleError::NotABundle {
        path: zip_path.to_path_buf(),
        reason,
    };
    let file = File::open(zip_path).map_err(|reason| BundleError::Io {
        action: "cannot read",
        path: zip_path.to_path_buf(),
        reason,
    })?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| not_bundle(e.to_string()))?;
    let names: Vec<String> = archive.file_names().map(String::from).collect();
    for needed in [PROJECT_ENTRY, DATA_ENTRY] {
        if !names.iter().any(|n| n == needed) {
            return Err(not_bundle(format!("it has no {needed}")));
        }
    }
    for name in [PROJECT_ENTRY, DATA_ENTRY, README_ENTRY] {
        let target = into.join(name);
        if names.iter().any(|n| n == name) && target.exists() {
            return Err(BundleError::Exists { path: target });
        }
    }
    fs::create_dir_all(into).map_err(|reason| BundleError::Io {
        action: "cannot create the folder",
        path: into.to_path_buf(),
        reason,
    })?;
    for name in [README_ENTRY, DATA_ENTRY, PROJECT_ENTRY] {
        let Ok(mut entry) = archive.by_name(name) else {
            continue;
        };
        if entry.size() > MAX_ENTRY_BYTES {
            return Err(not_bundle(format!(
                "{name} would unpack to {} bytes",
                entry.size()
            )));
        }
        let target = into.join(name);
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| not_bundle(format!("{name}: {e}")))?;
        if bytes.len() as u64 > MAX_ENTRY_BYTES {
            return Err(not_bundle(format!("{name} unpacks to more than it says")));
        }
        write_new(&target, &bytes)?;
    }
    Ok(into.join(PROJECT_ENTRY))
}

/// Writes a file that must not exist yet.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), BundleError> {
    let io_err = |action| {
        move |reason| BundleError::Io {
            action,
            path: path.to_path_buf(),
            reason,
        }
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io_err("cannot create"))?;
    file.write_all(bytes).map_err(io_err("cannot write"))?;
    file.sync_all().map_err(io_err("cannot flush"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(entries: &[(&str, &str)]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        let mut zip = zip::ZipWriter::new(f.reopen().unwrap());
        for (name, body) in entries {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        f
    }

    #[test]
    fn only_the_bundles_own_entries_are_unpacked() {
        let dir = tempfile::tempdir().unwrap();
        let zip = zip_of(&[
            ("../escape.txt", "outside"),
            ("/etc/evil", "absolute"),
            (PROJECT_ENTRY, "(name: \"x\")"),
            (DATA_ENTRY, "customer,date,amount\n"),
        ]);
        let into = dir.path().join("in");
        let project = open_bundle(zip.path(), &into).unwrap();
        assert_eq!(project, into.join(PROJECT_ENTRY));
        let mut names: Vec<String> = fs::read_dir(&into)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, vec![DATA_ENTRY, PROJECT_ENTRY]);
        assert!(!dir.path().join("escape.txt").exists());
    }

    #[test]
    fn a_zip_without_project_or_data_is_not_a_bundle() {
        let dir = tempfile::tempdir().unwrap();
        let zip = zip_of(&[(PROJECT_ENTRY, "(name: \"x\")")]);
        let err = open_bundle(zip.path(), dir.path()).unwrap_err();
        assert!(err.to_string().contains("it has no data.csv"), "{err}");
        assert!(
            fs::read_dir(dir.path()).unwrap().next().is_none(),
            "nothing written"
        );
    }

    #[test]
    fn rows_without_a_customer_field_are_left_out_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("t.csv");
        fs::write(
            &csv,
            "date,amount,customer\n2024-01-01,1,alice\n2024-01-02\n2024-01-03,2,bob\n2024-01-04,3,alice\n",
        )
        .unwrap();
        let key = Key::from_bytes([7; crate::data::pseudonym::KEY_BYTES]);
        let mut out = Vec::new();
        let copy = pseudonymise_csv(&csv, &ImportOptions::default(), &key, &mut out).unwrap();
        assert_eq!(copy.rows, 3);
        assert_eq!(copy.customers, 2);
        assert_eq!(copy.dropped_lines, vec![3]);
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("alice") && !text.contains("bob"));
        assert!(text.starts_with("date,amount,customer\n2024-01-01,1,P"));
        assert_eq!(text.matches(&key.pseudonym("alice")).count(), 2);
    }

    #[test]
    fn windows_1252_ids_get_the_pseudonyms_the_import_gives_them() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("t.csv");
        // Two ids that differ only in a byte that is not UTF-8: two customers, two pseudonyms.
        fs::write(
            &csv,
            b"customer,date,amount\nM\xfcller,2024-01-01,1\nM\xe4ller,2024-01-02,2\n",
        )
        .unwrap();
        let key = Key::from_bytes([7; crate::data::pseudonym::KEY_BYTES]);
        let mut out = Vec::new();
        let copy = pseudonymise_csv(&csv, &ImportOptions::default(), &key, &mut out).unwrap();
        assert_eq!(copy.customers, 2);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(&key.pseudonym("M\u{fc}ller")), "{text}");
        assert!(text.contains(&key.pseudonym("M\u{e4}ller")), "{text}");
    }
}
