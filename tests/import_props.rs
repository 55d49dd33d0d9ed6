//! Property tests of the CSV import: whatever the dialect, every row written comes back.

use std::collections::BTreeMap;
use std::io::Write;

use proptest::prelude::*;
use tierlab::data::import::{ImportOptions, import_csv};
use tierlab::model::Date;

#[derive(Clone, Debug)]
struct Row {
    customer: u8,
    day: i32,
    cents: i64,
}

fn format_date(d: Date, style: usize) -> String {
    let (y, m, day) = d.ymd();
    match style {
        0 => format!("{y:04}-{m:02}-{day:02}"),
        1 => format!("{y:04}-{m:02}-{day:02}T12:30:00Z"),
        2 => format!("{y:04}{m:02}{day:02}"),
        3 => format!("{day:02}/{m:02}/{y:04}"),
        4 => format!("{m:02}/{day:02}/{y:04}"),
        _ => format!("{day:02}.{m:02}.{y:04}"),
    }
}

const EXPLICIT: [&str; 6] = [
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y%m%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
];

fn rows() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(
        (0u8..20, 0i32..1500, -5_000i64..500_000).prop_map(|(customer, day, cents)| Row {
            customer,
            day,
            cents,
        }),
        1..80,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_row_comes_back(
        rows in rows(),
        delim in prop::sample::select(vec![b',', b';', b'\t', b'|']),
        style in 0usize..6,
        decimal_comma in any::<bool>(),
        bom in any::<bool>(),
        crlf in any::<bool>(),
        explicit in any::<bool>(),
    ) {
        let start = Date::from_ymd(2021, 1, 1).unwrap();
        // A decimal comma cannot share the comma delimiter unquoted: quote every amount then.
        let eol = if crlf { "\r\n" } else { "\n" };
        let d = delim as char;
        let mut text = String::new();
        if bom {
            text.push('\u{feff}');
        }
        text.push_str(&format!("customer{d}date{d}amount{eol}"));
        for r in &rows {
            let mut amount = format!("{}.{:02}", r.cents / 100, (r.cents % 100).abs());
            if r.cents < 0 && r.cents > -100 {
                amount = format!("-0.{:02}", -r.cents);
            }
            if decimal_comma {
                amount = format!("\"{}\"", amount.replace('.', ","));
            }
            let date = format_date(start.add_days(r.day), style);
            text.push_str(&format!("cust-{}{d}{date}{d}{amount}{eol}", r.customer));
        }
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        let opts = ImportOptions {
            date_format: explicit.then(|| EXPLICIT[style].to_string()),
            decimal_comma: Some(decimal_comma),
            ..ImportOptions::default()
        };
        let result = import_csv(f.path(), &opts);
        // Day-first and month-first can be ambiguous over a short column; then the import must
        // say so instead of guessing, and an explicit format must resolve it.
        let (tx, report) = match result {
            Err(tierlab::data::ImportError::AmbiguousDates { .. }) => {
                prop_assert!(!explicit && (style == 3 || style == 4));
                return Ok(());
            }
            other => other.unwrap(),
        };
        prop_assert_eq!(report.rejected, 0, "{:?}", report.rejects.first());
        prop_assert_eq!(report.transactions, rows.len());
        prop_assert_eq!(report.rows_read, rows.len() as u64);
        let mut want: BTreeMap<String, (i64, usize)> = BTreeMap::new();
        for r in &rows {
            let e = want.entry(format!("cust-{}", r.customer)).or_default();
            e.0 += r.cents;
            e.1 += 1;
        }
        prop_assert_eq!(report.customers, want.len());
        for (id, (cents, n)) in &want {
            let c = tx.find_customer(id).unwrap();
            let range = tx.range_of(c);
            prop_assert_eq!(range.len(), *n);
            let sum: f64 = tx.amount[range.clone()].iter().sum();
            prop_assert!((sum - *cents as f64 / 100.0).abs() < 1e-6, "{} vs {}", sum, cents);
            prop_assert!(tx.day[range].is_sorted());
        }
        let total: i64 = rows.iter().map(|r| r.cents).sum();
        prop_assert!((report.revenue - total as f64 / 100.0).abs() < 0.011);
    }
}
