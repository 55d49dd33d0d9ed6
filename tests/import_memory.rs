//! The transaction store stays within 40 bytes per transaction (issue: foundation, §4).

use tierlab::data::import::{ImportOptions, import_csv};
use tierlab::data::write::write_csv;
use tierlab::model::Date;
use tierlab::sim::generate::{Generated, GeneratorConfig, generate};

#[test]
fn store_uses_at_most_40_bytes_per_transaction() {
    let cfg = GeneratorConfig::default_mix(
        20_000,
        3,
        Date::from_ymd(2022, 1, 1).unwrap(),
        Date::from_ymd(2024, 12, 31).unwrap(),
    );
    let data = generate(&cfg).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tx.csv");
    write_csv(&path, &Generated::CSV_HEADER, data.csv_rows()).unwrap();
    let (tx, report) = import_csv(&path, &ImportOptions::default()).unwrap();
    assert_eq!(report.transactions, data.rows.len());
    assert!(tx.len() > 100_000, "a realistic size: {}", tx.len());
    let per_tx = tx.heap_bytes() as f64 / tx.len() as f64;
    assert!(per_tx <= 40.0, "{per_tx:.1} bytes per transaction");
}
