//! Fuzzing of the CSV import and the project loader: arbitrary bytes, and mutations of real files
//! (the sample data and projects, the import fixtures and the bad-input corpus), must give a
//! result or an error, never a panic; what is accepted must add up.
//!
//! The proptest cases run with every `cargo test`. `scripts/fuzz.sh SECONDS` runs the ignored
//! `fuzz_for_a_while` test, which mutates inputs until the time is up and saves any input that
//! panics to `target/fuzz-crashes/` (to be added to `tests/data/bad/` with its expected error).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tierlab::data::import::{ImportOptions, import_csv, preview};
use tierlab::data::{load_project, to_ron_string};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The starting inputs: every small file under `tests/data` and the samples' first 8 KiB.
fn seeds(ext: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [
        "tests/data/import",
        "tests/data/bad",
        "tests/data/projects",
        "projects",
    ] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = entry.unwrap().path();
            if p.is_file() && p.extension().is_some_and(|e| e == ext) {
                files.push(p);
            }
        }
    }
    files.sort();
    files
        .iter()
        .map(|p| {
            let mut b = std::fs::read(p).unwrap();
            b.truncate(8192);
            b
        })
        .collect()
}

/// Bytes that matter to the parsers.
const SPECIAL: &[u8] = b",;\t|\"'\n\r\0\xff\xfe\xef-+.eE:()[]{}/ 0123456789";

/// One random change to `input`: flip, insert, delete, duplicate, truncate or splice.
fn mutate(rng: &mut StdRng, input: &mut Vec<u8>, other: &[u8]) {
    let n = input.len();
    let at = |rng: &mut StdRng| if n == 0 { 0 } else { rng.random_range(0..=n) };
    match rng.random_range(0..7) {
        0 if n > 0 => {
            let i = rng.random_range(0..n);
            input[i] = SPECIAL[rng.random_range(0..SPECIAL.len())];
        }
        1 if n > 0 => {
            let i = rng.random_range(0..n);
            input[i] ^= 1 << rng.random_range(0..8);
        }
        2 => {
            let i = at(rng);
            let b = SPECIAL[rng.random_range(0..SPECIAL.len())];
            let k = rng.random_range(1..4);
            input.splice(i..i, std::iter::repeat_n(b, k));
        }
        3 if n > 0 => {
            let i = rng.random_range(0..n);
            let j = (i + rng.random_range(1..32)).min(n);
            input.drain(i..j);
        }
        4 if n > 0 => {
            let i = rng.random_range(0..n);
            let j = (i + rng.random_range(1..64)).min(n);
            let copy = input[i..j].to_vec();
            let k = at(rng);
            input.splice(k..k, copy);
        }
        5 => input.truncate(at(rng)),
        _ if !other.is_empty() => {
            let i = rng.random_range(0..other.len());
            let j = (i + rng.random_range(1..256)).min(other.len());
            let k = at(rng);
            input.splice(k..k, other[i..j].iter().copied());
        }
        _ => input.push(SPECIAL[rng.random_range(0..SPECIAL.len())]),
    }
}

/// Imports `bytes` as a CSV (detected and strict) and previews it; what is accepted adds up.
fn check_csv(dir: &Path, bytes: &[u8]) {
    let path = dir.join("fuzz.csv");
    std::fs::write(&path, bytes).unwrap();
    for strict in [false, true] {
        let options = ImportOptions {
            strict,
            ..ImportOptions::default()
        };
        if let Ok((tx, report)) = import_csv(&path, &options) {
            assert_eq!(report.transactions, tx.len());
            assert_eq!(
                report.transactions as u64 + report.rejected,
                report.rows_read,
                "every row read is accepted or rejected"
            );
            assert!(report.revenue.is_finite());
            assert!(!strict || report.rejected == 0);
        }
    }
    let _ = preview(&path, &ImportOptions::default(), 20);
}

/// Loads `bytes` as a project file; one that loads validates and saves back to itself.
fn check_ron(dir: &Path, bytes: &[u8]) {
    let path = dir.join("fuzz.ron");
    std::fs::write(&path, bytes).unwrap();
    if let Ok(project) = load_project(&path) {
        let _ = project.validate();
        let text = to_ron_string(&project).expect("a loaded project encodes");
        std::fs::write(&path, text).unwrap();
        assert_eq!(load_project(&path).expect("a saved project loads"), project);
    }
}

/// A mutated seed: `steps` changes to seed `k`, drawn from `rng_seed`.
fn mutated(seeds: &[Vec<u8>], k: usize, rng_seed: u64, steps: usize) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(rng_seed);
    let mut input = seeds[k % seeds.len()].clone();
    for _ in 0..steps {
        let other = &seeds[rng.random_range(0..seeds.len())];
        mutate(&mut rng, &mut input, other);
    }
    input
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_bytes_import_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let dir = tempfile::tempdir().unwrap();
        check_csv(dir.path(), &bytes);
        check_ron(dir.path(), &bytes);
    }

    #[test]
    fn mutated_csv_files_import_or_fail_cleanly(k in 0usize..64, seed in any::<u64>(), steps in 1usize..12) {
        let dir = tempfile::tempdir().unwrap();
        check_csv(dir.path(), &mutated(&seeds("csv"), k, seed, steps));
    }

    #[test]
    fn mutated_project_files_load_or_fail_cleanly(k in 0usize..64, seed in any::<u64>(), steps in 1usize..12) {
        let dir = tempfile::tempdir().unwrap();
        check_ron(dir.path(), &mutated(&seeds("ron"), k, seed, steps));
    }
}

/// Mutates inputs for `TIERLAB_FUZZ_SECONDS` (default 30) from `TIERLAB_FUZZ_SEED` (default:
/// the clock); an input that panics is saved to `target/fuzz-crashes/` and the test fails.
#[test]
#[ignore = "long: run by scripts/fuzz.sh"]
fn fuzz_for_a_while() {
    let seconds: u64 = std::env::var("TIERLAB_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let seed: u64 = std::env::var("TIERLAB_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        });
    println!("fuzzing for {seconds} s from seed {seed}");
    let csv = seeds("csv");
    let ron = seeds("ron");
    let dir = tempfile::tempdir().unwrap();
    let crashes = root().join("target/fuzz-crashes");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut runs, mut failed) = (0u64, Vec::new());
    while std::time::Instant::now() < deadline {
        let is_csv = rng.random_bool(0.5);
        let seeds = if is_csv { &csv } else { &ron };
        let k = rng.random_range(0..seeds.len());
        let steps = rng.random_range(1..24);
        let input = mutated(seeds, k, rng.random(), steps);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if is_csv {
                check_csv(dir.path(), &input);
            } else {
                check_ron(dir.path(), &input);
            }
        }));
        runs += 1;
        if outcome.is_err() {
            std::fs::create_dir_all(&crashes).unwrap();
            let name = format!("crash-{seed}-{runs}.{}", if is_csv { "csv" } else { "ron" });
            std::fs::write(crashes.join(&name), &input).unwrap();
            failed.push(name);
        }
    }
    println!("{runs} inputs, {} crashes", failed.len());
    assert!(
        failed.is_empty(),
        "inputs that panic, saved in {}: {failed:?}",
        crashes.display()
    );
}
