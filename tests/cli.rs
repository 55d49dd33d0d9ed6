//! Integration tests: the real `tierlab` binary on real files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(rel: &str) -> PathBuf {
    root().join("tests/data").join(rel)
}

fn tierlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tierlab"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs and checks the exit code; never a panic.
fn run(args: &[&str], code: i32) -> Output {
    let o = tierlab(args);
    assert!(
        !stderr(&o).contains("panicked"),
        "panic in {args:?}: {}",
        stderr(&o)
    );
    assert_eq!(
        o.status.code(),
        Some(code),
        "{args:?}\nstdout: {}\nstderr: {}",
        stdout(&o),
        stderr(&o)
    );
    o
}

fn json(args: &[&str]) -> serde_json::Value {
    let o = run(args, 0);
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", stdout(&o)))
}

#[test]
fn every_sample_project_validates() {
    let mut samples: Vec<String> = std::fs::read_dir(root().join("projects"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    samples.sort();
    assert!(samples.len() >= 3, "{samples:?}");
    let mut args = vec!["validate"];
    args.extend(samples.iter().map(String::as_str));
    let out = stdout(&run(&args, 0));
    for s in &samples {
        assert!(out.contains(&format!("{s}: ok")), "{out}");
    }
    assert_eq!(
        out.matches(": 0 errors, 0 warnings").count(),
        samples.len(),
        "samples are clean: {out}"
    );
}

#[test]
fn cdnow_sample_imports_whole() {
    // The repository copy and the shared reference file are the same data.
    let shared = root().join("../shared/data/cdnow_sample.csv");
    let mut files = vec![root().join("projects/cdnow_sample.csv")];
    if shared.exists() {
        files.push(shared);
    }
    for f in files {
        let doc = json(&["import", f.to_str().unwrap(), "--format", "json"]);
        assert_eq!(doc["customers"], 2357);
        assert_eq!(doc["transactions"], 6919);
        assert_eq!(doc["rows_read"], 6919);
        assert_eq!(doc["rejected"], 0);
        assert_eq!(doc["first_date"], "1997-01-01");
        assert_eq!(doc["last_date"], "1998-06-30");
        assert!(doc["rejects_by_reason"].as_object().unwrap().is_empty());
        assert!(doc["revenue"].as_f64().unwrap() > 200_000.0);
        // 18 months, January 1997 to June 1998, adding up to the totals.
        let monthly = doc["monthly"].as_array().unwrap();
        assert_eq!(monthly.len(), 18);
        assert_eq!(monthly[0]["month"], "1997-01-01");
        let sum = |key: &str| -> f64 { monthly.iter().map(|m| m[key].as_f64().unwrap()).sum() };
        assert_eq!(sum("transactions"), 6919.0);
        assert!((sum("revenue") - doc["revenue"].as_f64().unwrap()).abs() < 0.5);
        assert!(
            monthly
                .iter()
                .all(|m| m["active_customers"].as_u64().unwrap() > 0)
        );
    }
}

#[test]
fn bad_date_on_line_4_is_reported_as_line_4() {
    let f = fixture("import/bad_date_line4.csv");
    let doc = json(&["import", f.to_str().unwrap(), "--format", "json"]);
    assert_eq!(doc["transactions"], 3);
    assert_eq!(doc["rejected"], 1);
    assert_eq!(doc["rejects_by_reason"]["impossible_date"], 1);
    assert_eq!(doc["rejects_sample"][0]["line"], 4);
    assert_eq!(doc["rejects_sample"][0]["field"], "date");
    let table = stdout(&run(&["import", f.to_str().unwrap()], 0));
    assert!(table.contains("line 4, field 'date'"), "{table}");

    // --strict turns the bad row into an error naming line, field and file (file last).
    let o = run(&["import", f.to_str().unwrap(), "--strict"], 1);
    let err = stderr(&o);
    assert!(err.contains("line 4, field 'date'"), "{err}");
    assert!(err.trim_end().ends_with("bad_date_line4.csv"), "{err}");
    assert_eq!(err.lines().count(), 1, "printed once: {err}");
}

#[test]
fn rejects_file_lists_every_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rejects.csv");
    let f = fixture("import/ragged_and_bad.csv");
    let doc = json(&[
        "import",
        f.to_str().unwrap(),
        "--rejects",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(doc["rows_read"], 7);
    assert_eq!(doc["transactions"], 2);
    assert_eq!(doc["rejected"], 5);
    assert_eq!(doc["rejects_by_reason"]["wrong_field_count"], 2);
    assert_eq!(doc["rejects_by_reason"]["bad_amount"], 2);
    assert_eq!(doc["rejects_by_reason"]["missing_customer"], 1);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "line,field,reason,detail");
    assert_eq!(lines.len(), 6);
    assert!(lines[1].starts_with("3,,wrong_field_count,"), "{text}");
    assert!(lines[3].starts_with("5,value,bad_amount,"), "{text}");
}

#[test]
fn exported_formats_import() {
    let german = json(&[
        "import",
        fixture("import/german_bom_crlf.csv").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(german["transactions"], 3);
    assert_eq!(german["decimal_comma"], true);
    assert_eq!(german["delimiter"], ";");
    assert_eq!(german["columns"]["customer"], "Kunde");
    assert_eq!(german["columns"]["category"], "Kategorie");
    assert_eq!(german["revenue"], 1244.0);
    assert_eq!(german["first_date"], "2024-03-05");

    let us = json(&[
        "import",
        fixture("import/us_dates.tsv").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(us["delimiter"], "tab");
    assert_eq!(us["date_format"], "%m/%d/%Y");
    assert_eq!(us["last_date"], "2024-12-24");

    let pipes = json(&[
        "import",
        fixture("import/pipes_datetimes.csv").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(pipes["transactions"], 2);
    assert_eq!(pipes["first_date"], "2024-03-31");

    // Explicit mapping and options override detection.
    let forced = json(&[
        "import",
        fixture("import/ambiguous_dates.csv").to_str().unwrap(),
        "--date-format",
        "%d/%m/%Y",
        "--customer",
        "CUSTOMER",
        "--delimiter",
        ",",
        "--format",
        "json",
    ]);
    assert_eq!(forced["first_date"], "2024-02-01");
    assert_eq!(forced["last_date"], "2024-04-03");
}

#[test]
fn unusable_files_fail_with_exit_1_and_a_clear_message() {
    let cases = [
        ("import/empty.csv", "empty"),
        ("import/header_only.csv", "no usable rows"),
        (
            "import/unknown_columns.csv",
            "no customer id column recognised",
        ),
        ("import/ambiguous_dates.csv", "--date-format"),
        ("import/no-such-file.csv", "No such file"),
        ("import", "is a folder"),
    ];
    for (rel, want) in cases {
        let f = fixture(rel);
        let o = run(&["import", f.to_str().unwrap()], 1);
        let err = stderr(&o);
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains(want), "{rel}: {err}");
        assert!(
            err.trim_end().ends_with(f.to_str().unwrap()),
            "path last: {err}"
        );
    }
}

#[test]
fn broken_projects_fail_validation_with_field_paths() {
    let cases = [
        (
            "projects/future_version.ron",
            vec!["format_version 99", "reads (version 1)"],
        ),
        (
            "projects/truncated.ron",
            vec!["line 6, column", "scenarios[0]: Unexpected end of RON"],
        ),
        (
            "projects/wrong_type.ron",
            vec!["line 7, column", "scenarios[0].tiers[0].enter_threshold"],
        ),
        (
            "projects/impossible_programme.ron",
            vec![
                "scenarios[0].tiers[2].enter_threshold: must be greater than tiers[1] (500)",
                "scenarios[0].rewards[0].points_cost",
                "scenarios[0].expiry.months",
                "scenarios[0].cost_per_point",
            ],
        ),
        (
            "projects/missing_data.ron",
            vec!["data.path", "no-such-file.csv"],
        ),
    ];
    for (rel, wants) in cases {
        let o = run(&["validate", fixture(rel).to_str().unwrap()], 1);
        let out = stdout(&o);
        for want in wants {
            assert!(out.contains(want), "{rel}: missing {want:?} in {out}");
        }
    }
    // One bad project among good ones still fails the run, and the good ones are still checked.
    let o = run(
        &[
            "validate",
            "projects/cdnow.ron",
            fixture("projects/truncated.ron").to_str().unwrap(),
        ],
        1,
    );
    assert!(stdout(&o).contains("projects/cdnow.ron: ok"));
}

#[test]
fn minimal_old_project_still_loads() {
    let o = run(
        &[
            "validate",
            fixture("projects/minimal_v1.ron").to_str().unwrap(),
        ],
        0,
    );
    let out = stdout(&o);
    assert!(
        out.contains(": ok (3 customers, 3 transactions, 1 row rejected)"),
        "{out}"
    );
    assert!(out.contains("warning: data: 1 row rejected"), "{out}");
}

#[test]
fn validate_warns_of_a_calibration_end_past_the_data() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["fashion-retailer.ron", "fashion-retailer.csv"] {
        std::fs::copy(root().join("projects").join(f), dir.path().join(f)).unwrap();
    }
    let project = dir.path().join("fashion-retailer.ron");
    let text = std::fs::read_to_string(&project).unwrap();
    assert!(text.contains(r#"calibration_end: Some("2024-12-31")"#));
    let moved = text.replace(
        r#"calibration_end: Some("2024-12-31")"#,
        r#"calibration_end: Some("2030-12-31")"#,
    );
    std::fs::write(&project, moved).unwrap();
    // A warning, not an error: the models are fitted on all the data.
    let out = stdout(&run(&["validate", project.to_str().unwrap()], 0));
    assert!(
        out.contains(
            "warning: settings.calibration_end: 2030-12-31 is after the last transaction \
             (2025-06-30)"
        ),
        "{out}"
    );
    assert!(out.contains(": 0 errors, 1 warning\n"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    run(&["import"], 2);
    run(&["import", "x.csv", "--format", "yaml"], 2);
    run(&["import", "x.csv", "--delimiter", "ab"], 2);
    run(
        &[
            "generate",
            "--customers",
            "10",
            "--start",
            "2024-02-30",
            "--end",
            "2024-03-01",
            "--out",
            "x.csv",
        ],
        2,
    );
    // No customers to generate: a usage error, not an empty file.
    let o = run(
        &[
            "generate",
            "--customers",
            "0",
            "--start",
            "2024-01-01",
            "--end",
            "2024-03-01",
            "--out",
            "x.csv",
        ],
        2,
    );
    assert!(stderr(&o).contains("--customers"), "{}", stderr(&o));
    assert!(!root().join("x.csv").exists());
    run(&["frobnicate"], 2);
    let help = stdout(&run(&["--help"], 0));
    for cmd in ["validate", "import", "generate", "fit"] {
        assert!(help.contains(cmd), "{help}");
    }
}

#[test]
fn generate_is_deterministic_and_imports_back() {
    let dir = tempfile::tempdir().unwrap();
    let gen_to = |name: &str, seed: &str| {
        let out = dir.path().join(name);
        let o = run(
            &[
                "generate",
                "--customers",
                "300",
                "--seed",
                seed,
                "--start",
                "2023-01-01",
                "--end",
                "2024-12-31",
                "--out",
                out.to_str().unwrap(),
                "--project",
                "projects/fashion-retailer.ron",
            ],
            0,
        );
        assert!(stdout(&o).contains("300 customers"), "{}", stdout(&o));
        out
    };
    let a = gen_to("a.csv", "5");
    let b = gen_to("b.csv", "5");
    let c = gen_to("c.csv", "6");
    let bytes = |p: &Path| std::fs::read(p).unwrap();
    assert_eq!(bytes(&a), bytes(&b), "same seed, same file");
    assert_ne!(bytes(&a), bytes(&c), "another seed, another file");
    let doc = json(&["import", a.to_str().unwrap(), "--format", "json"]);
    assert_eq!(doc["customers"], 300);
    assert_eq!(doc["rejected"], 0);
    assert!(doc["first_date"].as_str().unwrap() >= "2023-01-01");
    assert!(doc["last_date"].as_str().unwrap() <= "2024-12-31");
    assert!(doc["columns"]["category"].is_string());

    // A project without synthetic profiles cannot drive the generator.
    let o = run(
        &[
            "generate",
            "--customers",
            "5",
            "--start",
            "2023-01-01",
            "--end",
            "2023-12-31",
            "--out",
            dir.path().join("d.csv").to_str().unwrap(),
            "--project",
            "projects/cdnow.ron",
        ],
        1,
    );
    assert!(stderr(&o).contains("synthetic"), "{}", stderr(&o));
}

#[test]
fn fit_reproduces_the_cdnow_estimates_as_json() {
    let doc = json(&[
        "fit",
        "projects/cdnow_sample.csv",
        "--calibration-end",
        "1997-09-30",
        "--holdout-end",
        "1998-06-30",
        "--period",
        "week",
        "--model",
        "all",
        "--format",
        "json",
    ]);
    let d = &doc["data"];
    assert_eq!(d["customers"], 2357);
    assert_eq!(d["repeat_customers"], 946);
    assert_eq!(d["calibration_repeat_transactions"], 2457);
    assert_eq!(d["holdout_repeat_transactions"], 1882);
    let m = &doc["models"];
    let close = |v: &serde_json::Value, want: f64, places: i32| {
        let f = 10f64.powi(places);
        assert_eq!((v.as_f64().unwrap() * f).round() / f, want, "{v}");
    };
    close(&m["bgnbd"]["params"]["r"], 0.243, 3);
    close(&m["bgnbd"]["params"]["alpha"], 4.414, 3);
    close(&m["bgnbd"]["params"]["a"], 0.793, 3);
    close(&m["bgnbd"]["params"]["b"], 2.426, 3);
    close(&m["bgnbd"]["log_likelihood"], -9582.4, 1);
    close(&m["pareto_nbd"]["params"]["r"], 0.553, 3);
    close(&m["pareto_nbd"]["params"]["alpha"], 10.578, 3);
    close(&m["pareto_nbd"]["params"]["s"], 0.606, 3);
    close(&m["pareto_nbd"]["params"]["beta"], 11.669, 3);
    close(&m["pareto_nbd"]["log_likelihood"], -9595.0, 1);
    close(&m["gamma_gamma"]["params"]["p"], 6.25, 2);
    close(&m["gamma_gamma"]["params"]["q"], 3.74, 2);
    close(&m["gamma_gamma"]["params"]["gamma"], 15.44, 2);
    assert_eq!(m["gamma_gamma"]["at_bound"], serde_json::json!([]));
    for key in ["bgnbd", "mbgnbd", "pareto_nbd"] {
        assert!(
            m[key]["holdout_predicted"].as_f64().unwrap() > 1000.0,
            "{key}"
        );
        assert!(m[key]["std_errors"]["r"].as_f64().unwrap() > 0.0, "{key}");
        assert_eq!(m[key]["at_bound"], serde_json::json!([]), "{key}");
    }
    // One model alone, and the table.
    let one = json(&[
        "fit",
        "projects/cdnow_sample.csv",
        "--calibration-end",
        "1997-09-30",
        "--model",
        "gamma-gamma",
        "--format",
        "json",
    ]);
    assert_eq!(one["models"].as_object().unwrap().len(), 1);
    assert!(one["data"]["holdout_repeat_transactions"].is_null());
    let table = stdout(&run(
        &[
            "fit",
            "projects/cdnow_sample.csv",
            "--calibration-end",
            "1997-09-30",
            "--model",
            "bgnbd",
        ],
        0,
    ));
    assert!(
        table.contains("BG/NBD") && table.contains("r 0.243"),
        "{table}"
    );
    // A calibration or holdout end past the data's last day (1998-06-30) is an error: the
    // fit would read the months without data as months without purchases.
    for args in [
        &["--calibration-end", "1998-07-01"][..],
        &[
            "--calibration-end",
            "1997-09-30",
            "--holdout-end",
            "2030-01-01",
        ],
    ] {
        let mut all = vec!["fit", "projects/cdnow_sample.csv"];
        all.extend(args);
        let o = run(&all, 1);
        assert!(
            stderr(&o).contains("after the last transaction (1998-06-30)"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    // Up to the last day itself, it fits.
    run(
        &[
            "fit",
            "projects/cdnow_sample.csv",
            "--calibration-end",
            "1998-06-30",
        ],
        0,
    );
}

/// `tierlab ARGS` with `--format json` and with `--format table`, both exiting 0.
fn json_and_table(args: &[&str]) -> (serde_json::Value, String) {
    let with = |format| {
        let mut all = args.to_vec();
        all.extend(["--format", format]);
        all
    };
    (json(&with("json")), stdout(&run(&with("table"), 0)))
}

/// A fitted model `m` of the fit JSON names `held[0]` alone in `at_bound`, and gives no
/// standard error for it or for `held[1]` (the parameter the data pin down with it), but one
/// for `free`.
fn assert_held_at_bound(m: &serde_json::Value, held: [&str; 2], free: &str) {
    assert_eq!(m["at_bound"], serde_json::json!([held[0]]), "{m}");
    for name in held {
        assert!(m["std_errors"][name].is_null(), "{name}: {m}");
    }
    assert!(m["std_errors"][free].as_f64().unwrap() > 0.0, "{m}");
}

/// `table` has a line starting with `start` (a note on a parameter at its bound) that gives
/// `expected` after `key`, to three significant digits, and ends saying the two parameters
/// have no standard errors.
fn assert_bound_note(table: &str, start: &str, key: &str, expected: f64) {
    let note = table
        .lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("{table}"));
    let shown: f64 = note
        .split(key)
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("{note}"));
    assert!(
        (shown - expected).abs() <= 0.005 * expected,
        "{shown} vs {expected}"
    );
    assert!(note.ends_with("no standard errors."), "{note}");
}

/// The fashion-retailer sample fitted to 2024-09-30 puts the Pareto/NBD's dropout shape at its
/// bound: the JSON names it, the table explains it under the estimates.
#[test]
fn fit_names_and_explains_a_shape_at_its_bound() {
    let (doc, table) = json_and_table(&[
        "fit",
        "projects/fashion-retailer.csv",
        "--calibration-end",
        "2024-09-30",
        "--period",
        "week",
        "--model",
        "pareto-nbd",
    ]);
    let m = &doc["models"]["pareto_nbd"];
    assert_held_at_bound(m, ["s", "beta"], "r");
    let ratio = m["params"]["s"].as_f64().unwrap() / m["params"]["beta"].as_f64().unwrap();
    // The rate the data pin down.
    assert_bound_note(
        &table,
        "Pareto/NBD: s is at its bound (100000)",
        "s/beta = ",
        ratio,
    );
    // Neither s nor beta has a standard error in the table; r and alpha do.
    let row = table
        .lines()
        .find(|l| l.starts_with("Pareto/NBD  r "))
        .unwrap_or_else(|| panic!("{table}"));
    let cells: Vec<&str> = row.split("  ").filter(|c| !c.is_empty()).collect();
    for (name, estimated) in [
        ("r ", true),
        ("alpha ", true),
        ("s ", false),
        ("beta ", false),
    ] {
        let cell = cells
            .iter()
            .find(|c| c.starts_with(name))
            .unwrap_or_else(|| panic!("{row}"));
        assert_eq!(!cell.ends_with("(-)"), estimated, "{row}");
    }
}

/// The coffee-chain sample fitted to 2024-12-31 (the project's calibration end) puts the
/// Gamma-Gamma's p at its bound: the JSON names it, the table explains it under the estimates
/// with the product pγ the data pin down.
#[test]
fn fit_names_and_explains_a_spend_shape_at_its_bound() {
    let (doc, table) = json_and_table(&[
        "fit",
        "projects/coffee-chain.csv",
        "--calibration-end",
        "2024-12-31",
        "--model",
        "gamma-gamma",
    ]);
    let m = &doc["models"]["gamma_gamma"];
    assert_held_at_bound(m, ["p", "gamma"], "q");
    let p = m["params"]["p"].as_f64().unwrap();
    assert!(p <= 1e5 && p > 0.98e5, "{m}");
    let scale = p * m["params"]["gamma"].as_f64().unwrap();
    assert_bound_note(
        &table,
        "Gamma-Gamma: p is at its bound (100000)",
        "pγ = ",
        scale,
    );
    let row = table
        .lines()
        .find(|l| l.starts_with("Gamma-Gamma  p "))
        .unwrap_or_else(|| panic!("{table}"));
    // γ, below 0.01, with three significant digits rather than as 0.000.
    let gamma = tierlab::format::significant(m["params"]["gamma"].as_f64().unwrap());
    assert!(gamma.starts_with("0.000") && gamma != "0.000", "{gamma}");
    assert!(
        row.contains("(-)  q ") && row.contains(&format!("gamma {gamma} (-)")),
        "{row}"
    );
}

#[test]
fn fit_reports_models_it_cannot_fit() {
    let f = fixture("import/one_time_buyers.csv");
    let o = run(
        &[
            "fit",
            f.to_str().unwrap(),
            "--calibration-end",
            "2024-01-03",
            "--format",
            "json",
        ],
        1,
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        doc["models"]["bgnbd"]["error"]
            .as_str()
            .unwrap()
            .contains("no customer made a repeat purchase")
    );
    assert!(doc["models"]["gamma_gamma"]["error"].is_string());
    let o = run(
        &[
            "fit",
            f.to_str().unwrap(),
            "--calibration-end",
            "2023-01-01",
        ],
        1,
    );
    assert!(
        stderr(&o).contains("no customer made a first purchase on or before 2023-01-01"),
        "{}",
        stderr(&o)
    );
    run(&["fit", f.to_str().unwrap()], 2);
    run(
        &[
            "fit",
            f.to_str().unwrap(),
            "--calibration-end",
            "2024-01-03",
            "--model",
            "nbd",
        ],
        2,
    );
    let o = run(
        &[
            "fit",
            f.to_str().unwrap(),
            "--calibration-end",
            "2024-01-03",
            "--holdout-end",
            "2024-01-01",
        ],
        1,
    );
    assert!(stderr(&o).contains("must be after"), "{}", stderr(&o));
}

#[test]
fn simulate_compares_scenarios_as_table_json_and_csv() {
    let table = stdout(&run(&["simulate", "projects/coffee-chain.ron"], 0));
    for name in [
        "Stamp card",
        "Bean tiers",
        "Spend tiers, rolling",
        "Points issued",
        "Breakage",
        "Liability",
    ] {
        assert!(table.contains(name), "{name}: {table}");
    }
    let doc = json(&[
        "simulate",
        "projects/fashion-retailer.ron",
        "--format",
        "json",
    ]);
    assert_eq!(doc["project"], "Maison Lune fashion retailer");
    let scenarios = doc["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 3);
    for s in scenarios {
        let t = &s["replay"]["totals"];
        for key in [
            "members",
            "revenue",
            "points_issued",
            "points_redeemed",
            "points_expired",
            "points_outstanding",
            "rewards_cost",
            "benefits_cost",
            "discount_cost",
            "total_cost",
            "cost_to_revenue",
            "redemption_rate",
            "breakage_rate",
            "liability",
        ] {
            assert!(t.get(key).is_some(), "{key} missing in {t}");
        }
        let n = |k: &str| t[k].as_i64().unwrap();
        assert_eq!(
            n("points_issued"),
            n("points_redeemed") + n("points_expired") + n("points_outstanding")
        );
        assert!(s["replay"]["monthly"].as_array().unwrap().len() >= 24);
        assert!(s["replay"]["by_segment"]["VIP"].is_object());
        assert!(s["replay"]["by_persona"]["Trend-setter Tess"].is_object());
        assert!(s["replay"]["by_tier"].is_object());
    }
    assert!(
        scenarios[0]["replay"]["by_tier"]["Platinum"]["members"]
            .as_u64()
            .is_some()
    );
    // --scenario picks; the same seed gives byte-identical output.
    let one = |_: ()| {
        stdout(&run(
            &[
                "simulate",
                "projects/cdnow.ron",
                "--scenario",
                "CD club points",
                "--format",
                "json",
            ],
            0,
        ))
    };
    assert_eq!(one(()), one(()));
    let doc: serde_json::Value = serde_json::from_str(&one(())).unwrap();
    assert_eq!(doc["scenarios"].as_array().unwrap().len(), 1);
    let csv = stdout(&run(
        &["simulate", "projects/cdnow.ron", "--format", "csv"],
        0,
    ));
    assert!(
        csv.lines().next().unwrap().contains("CD club points"),
        "{csv}"
    );
    let o = run(&["simulate", "projects/cdnow.ron", "--scenario", "Nope"], 1);
    assert!(
        stderr(&o).contains("no scenario is called 'Nope'"),
        "{}",
        stderr(&o)
    );
    let o = run(
        &[
            "simulate",
            fixture("projects/impossible_programme.ron")
                .to_str()
                .unwrap(),
        ],
        1,
    );
    assert!(
        stderr(&o).contains("tiers[2].enter_threshold"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn simulate_writes_spreadsheet_tables() {
    let dir = tempfile::tempdir().unwrap();
    run(
        &[
            "simulate",
            "projects/coffee-chain.ron",
            "--out",
            dir.path().to_str().unwrap(),
            "--format",
            "json",
        ],
        0,
    );
    for file in [
        "totals.csv",
        "monthly.csv",
        "by_segment.csv",
        "by_persona.csv",
        "by_tier.csv",
    ] {
        let path = dir.path().join(file);
        let mut rdr = csv::Reader::from_path(&path).unwrap();
        let header = rdr.headers().unwrap().clone();
        assert!(
            header.iter().any(|h| h == "points_issued"),
            "{file}: {header:?}"
        );
        let rows: Vec<_> = rdr.records().map(|r| r.unwrap()).collect();
        assert!(!rows.is_empty(), "{file}");
        assert!(
            rows.iter().all(|r| r.len() == header.len()),
            "{file}: ragged"
        );
    }
}

#[test]
fn explain_prints_a_customers_ledger() {
    let out = stdout(&run(
        &[
            "explain",
            "projects/coffee-chain.ron",
            "--customer",
            "C000007",
            "--scenario",
            "Bean tiers",
        ],
        0,
    ));
    assert!(out.contains("customer C000007"), "{out}");
    assert!(
        out.contains("enrolled") || out.contains("did not join"),
        "{out}"
    );
    let o = run(
        &[
            "explain",
            "projects/coffee-chain.ron",
            "--customer",
            "nobody",
        ],
        1,
    );
    assert!(
        stderr(&o).contains("no customer 'nobody'"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn segment_reports_sizes_profiles_and_migration_as_json() {
    let v = json(&["segment", "projects/coffee-chain.ron", "--format", "json"]);
    let customers = v["customers"].as_u64().unwrap();
    assert!(customers > 0);
    let segments = v["segments"].as_array().unwrap();
    // The project's segments in order, then Unassigned only when it is not empty.
    let names: Vec<&str> = segments
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Daily regulars", "Weekly visitors", "Lapsing", "Occasional"]
    );
    let sizes: u64 = segments
        .iter()
        .map(|s| s["customers"].as_u64().unwrap())
        .sum();
    assert_eq!(sizes, customers);
    let shares: f64 = segments
        .iter()
        .map(|s| s["revenue_share"].as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-9, "{shares}");
    for s in segments {
        let p = &s["profile"];
        for key in [
            "frequency",
            "average_basket",
            "recency_days",
            "recency_distribution",
        ] {
            assert!(!p[key].is_null(), "{key} missing in {p}");
        }
        // The fitted model's P(alive) is a probability.
        let alive = p["p_alive"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&alive));
    }
    // The RFM grid: 5 × 5 cells holding every customer once.
    let grid = v["rfm_grid"]["customers"].as_array().unwrap();
    assert_eq!(grid.len(), 5);
    let in_grid: u64 = grid
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .map(|c| c.as_u64().unwrap())
        .sum();
    assert_eq!(in_grid, customers);
    let m = &v["migration"];
    let periods = m["periods"].as_array().unwrap();
    assert!(periods.len() >= 2);
    assert_eq!(periods.last().unwrap(), "2025-06-30");
    let matrix = m["matrix"].as_array().unwrap();
    // Rows: every segment, Unassigned and new customers; columns: segments and Unassigned.
    assert_eq!(matrix.len(), 6);
    assert!(matrix.iter().all(|r| r.as_array().unwrap().len() == 5));
    // Everybody at the last period end came from somewhere.
    let moved: u64 = matrix
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .map(|c| c.as_u64().unwrap())
        .sum();
    assert_eq!(moved, customers);

    // An earlier as-of date sees fewer customers; the table names the segments.
    let early = json(&[
        "segment",
        "projects/coffee-chain.ron",
        "--as-of",
        "2023-06-30",
        "--no-model",
        "--format",
        "json",
    ]);
    assert!(early["customers"].as_u64().unwrap() < customers);
    assert!(early["segments"][0]["profile"]["p_alive"].is_null());
    // A date outside the data is an error, not a table of empty or all-lapsed segments, for
    // the segments and for a suggestion alike.
    for (date, why) in [
        ("2022-12-31", "before the first transaction (2023-01-01)"),
        ("2025-07-01", "after the last transaction (2025-06-30)"),
    ] {
        for command in [&["segment"][..], &["segment", "suggest"]] {
            let mut args = command.to_vec();
            args.extend(["projects/coffee-chain.ron", "--as-of", date]);
            let o = run(&args, 1);
            assert!(stderr(&o).contains(why), "{args:?}: {}", stderr(&o));
        }
    }
    let table = stdout(&run(&["segment", "projects/coffee-chain.ron"], 0));
    assert!(table.contains("Daily regulars") && table.contains("Migration from"));
}

#[test]
fn segment_lists_unassigned_customers() {
    // The CDNOW project's rules leave nobody out; ABC with a tiny A leaves nobody out either,
    // so build a project whose only segment takes a few customers.
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(root().join("projects/cdnow.ron")).unwrap();
    let csv = root().join("projects/cdnow_sample.csv");
    std::fs::copy(&csv, dir.path().join("cdnow_sample.csv")).unwrap();
    let project = dir.path().join("p.ron");
    std::fs::write(&project, &src).unwrap();
    run(
        &[
            "segment",
            "suggest",
            project.to_str().unwrap(),
            "--preset",
            "abc",
            "--write",
        ],
        0,
    );
    let text = std::fs::read_to_string(&project).unwrap();
    assert!(text.contains("ValueRankPct"));
    assert!(dir.path().join("p.ron.bak").exists());
    // Drop the catch-all C class: its customers are then Unassigned, and listed.
    let cut = text.find("\"C customers\"").unwrap();
    let start = text[..cut].rfind("        (").unwrap();
    let end = start + text[start..].find("\n        ),\n").unwrap() + "\n        ),\n".len();
    std::fs::write(&project, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let v = json(&[
        "segment",
        project.to_str().unwrap(),
        "--no-model",
        "--format",
        "json",
    ]);
    let names: Vec<&str> = v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["A customers", "B customers", "Unassigned"]);
    let sizes: u64 = v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["customers"].as_u64().unwrap())
        .sum();
    assert_eq!(sizes, v["customers"].as_u64().unwrap());
    // A is the top 80% of revenue.
    let a_share = v["segments"][0]["revenue_share"].as_f64().unwrap();
    assert!((0.79..0.81).contains(&a_share), "{a_share}");
}

/// Copies the fashion-retailer sample's CSV into `dir`, beside a project to write there.
fn copy_fashion_data(dir: &std::path::Path) {
    std::fs::copy(
        root().join("projects/fashion-retailer.csv"),
        dir.join("fashion-retailer.csv"),
    )
    .unwrap();
}

#[test]
fn segment_suggest_clusters_deterministically_and_writes_rules() {
    let dir = tempfile::tempdir().unwrap();
    copy_fashion_data(dir.path());
    let project = dir.path().join("fashion.ron");
    std::fs::copy(root().join("projects/fashion-retailer.ron"), &project).unwrap();
    let p = project.to_str().unwrap();
    let a = json(&["segment", "suggest", p, "--k", "4", "--format", "json"]);
    let b = json(&["segment", "suggest", p, "--k", "4", "--format", "json"]);
    assert_eq!(a, b, "same seed, same clusters");
    assert_eq!(a["k"], 4);
    let clusters = a["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 4);
    let in_clusters: u64 = clusters
        .iter()
        .map(|c| c["customers"].as_u64().unwrap())
        .sum();
    assert_eq!(in_clusters, a["customers"].as_u64().unwrap());
    assert!(
        clusters[0]["description"]
            .as_str()
            .unwrap()
            .contains("purchase days")
    );
    let agreement = a["agreement"].as_f64().unwrap();
    assert!((0.5..=1.0).contains(&agreement), "{agreement}");
    // auto tries k = 2..10 and reports each silhouette.
    let auto = json(&["segment", "suggest", p, "--format", "json"]);
    assert_eq!(auto["silhouette_by_k"].as_array().unwrap().len(), 9);
    // --write puts the rules in the project, which still validates and segments everybody.
    let o = run(&["segment", "suggest", p, "--k", "4", "--write"], 0);
    assert!(stdout(&o).contains("Wrote 4 segments"), "{}", stdout(&o));
    // The personas' segments are gone: they are detached, and named in a warning.
    assert!(stderr(&o).contains("VIP"), "{}", stderr(&o));
    run(&["validate", p], 0);
    let v = json(&["segment", p, "--no-model", "--format", "json"]);
    let names: Vec<&str> = v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        4,
        "the catch-all leaves nobody unassigned: {names:?}"
    );
}

#[test]
fn segment_usage_errors() {
    let o = run(&["segment", "suggest", "projects/cdnow.ron", "--k", "0"], 2);
    assert!(stderr(&o).contains("number of clusters"), "{}", stderr(&o));
    let o = run(
        &[
            "segment",
            "suggest",
            "projects/cdnow.ron",
            "--preset",
            "abc",
            "--abc-split",
            "95,80",
        ],
        2,
    );
    assert!(stderr(&o).contains("0 < A < B < 100"), "{}", stderr(&o));
    run(
        &[
            "segment",
            "suggest",
            "projects/cdnow.ron",
            "--preset",
            "rfm",
            "--k",
            "3",
        ],
        2,
    );
    let o = run(&["segment", "tests/data/projects/truncated.ron"], 1);
    assert!(stderr(&o).contains("truncated.ron"), "{}", stderr(&o));
    run(&["segment"], 2);
}

/// The backtest scores the projected baseline against the holdout: its actual counts are the
/// data's, its prediction agrees with the fitted model's closed-form holdout expectation, and the
/// same seed gives the same document.
#[test]
fn backtest_scores_the_baseline_on_the_cdnow_holdout() {
    let args = [
        "backtest",
        "projects/cdnow.ron",
        "--calibration-end",
        "1997-09-30",
        "--runs",
        "300",
        "--format",
        "json",
    ];
    let doc = json(&args);
    let b = &doc["backtest"];
    assert_eq!(b["customers"], 2357);
    assert_eq!(b["holdout_end"], "1998-06-30");
    assert_eq!(b["runs"], 300);
    let fit = json(&[
        "fit",
        "projects/cdnow_sample.csv",
        "--calibration-end",
        "1997-09-30",
        "--holdout-end",
        "1998-06-30",
        "--model",
        "bgnbd",
        "--format",
        "json",
    ]);
    // What happened: the same count of holdout purchase days as `fit` reports.
    assert_eq!(
        b["total"]["transactions"]["actual"].as_f64(),
        fit["data"]["holdout_repeat_transactions"].as_f64()
    );
    // The simulation agrees with the closed-form conditional expectation.
    let closed = fit["models"]["bgnbd"]["holdout_predicted"]
        .as_f64()
        .unwrap();
    let predicted = b["total"]["transactions"]["predicted"].as_f64().unwrap();
    assert!(
        (predicted - closed).abs() < 0.02 * closed,
        "simulated {predicted} vs closed form {closed}"
    );
    let (p10, p90) = (
        b["total"]["transactions"]["p10"].as_f64().unwrap(),
        b["total"]["transactions"]["p90"].as_f64().unwrap(),
    );
    assert!(
        p10 < predicted && predicted < p90,
        "{p10} {predicted} {p90}"
    );
    // Nine months, October to June, each scored; monthly actuals add up to the total.
    let monthly = b["monthly"].as_array().unwrap();
    assert_eq!(monthly.len(), 9);
    assert_eq!(monthly[0]["month"], "1997-10-01");
    let sum: f64 = monthly
        .iter()
        .map(|m| m["revenue"]["actual"].as_f64().unwrap())
        .sum();
    let total = b["total"]["revenue"]["actual"].as_f64().unwrap();
    assert!((sum - total).abs() < 1e-6 * total);
    let err = b["total"]["revenue"]["error_pct"].as_f64().unwrap();
    let predicted_rev = b["total"]["revenue"]["predicted"].as_f64().unwrap();
    assert!((err - 100.0 * (predicted_rev - total) / total).abs() < 1e-9);
    assert!(b["total"]["active_customers_mape_pct"].as_f64().unwrap() > 0.0);
    // Deterministic under the seed; another seed draws differently.
    assert_eq!(stdout(&run(&args, 0)), stdout(&run(&args, 0)));
    let mut other = args.to_vec();
    other.extend(["--seed", "7"]);
    assert_ne!(json(&other)["backtest"]["total"], b["total"]);
    // The table names the model and the holdout.
    let table = stdout(&run(
        &[
            "backtest",
            "projects/cdnow.ron",
            "--calibration-end",
            "1997-09-30",
        ],
        0,
    ));
    assert!(table.contains("BG/NBD"), "{table}");
    assert!(table.contains("1998-06-01"), "{table}");
    // The customers the models learn from are `fit`'s; a fit with every estimate determined
    // and inside its bounds has nothing to note.
    assert_eq!(b["repeat_customers"], fit["data"]["repeat_customers"]);
    assert_eq!(b["notes"], serde_json::json!([]));
    assert!(!table.contains("How far the fit can be trusted"), "{table}");
}

/// A backtest fitted on a short calibration window says which estimates its data hardly
/// determine: exactly the parameters whose standard error `fit` reports as missing or larger
/// than the estimate, each note named by its model, in the JSON and in the table.
#[test]
fn backtest_notes_the_estimates_a_short_calibration_window_leaves_undetermined() {
    let end = "2023-01-15";
    let backtest = [
        "backtest",
        "projects/coffee-chain.ron",
        "--calibration-end",
        end,
    ];
    let (doc, table) = json_and_table(&backtest);
    let b = &doc["backtest"];
    let (fit, fit_table) = json_and_table(&[
        "fit",
        "projects/coffee-chain.csv",
        "--calibration-end",
        end,
        "--model",
        "bgnbd",
    ]);
    assert_eq!(b["customers"], fit["data"]["customers"]);
    assert_eq!(b["repeat_customers"], fit["data"]["repeat_customers"]);
    let notes: Vec<&str> = b["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let model = &fit["models"]["bgnbd"];
    assert_eq!(model["at_bound"], serde_json::json!([]));
    let undetermined: Vec<&str> = ["r", "alpha", "a", "b"]
        .into_iter()
        .filter(|&name| {
            let value = model["params"][name].as_f64().unwrap();
            model["std_errors"][name]
                .as_f64()
                .is_none_or(|se| se > value.abs())
        })
        .collect();
    assert!(!undetermined.is_empty(), "{model}");
    let noted: Vec<&str> = notes
        .iter()
        .filter_map(|n| n.strip_prefix("BG/NBD: "))
        .filter_map(|n| n.split(" = ").next())
        .collect();
    assert_eq!(noted, undetermined, "{notes:?}");
    assert!(
        notes
            .iter()
            .all(|n| n.starts_with("BG/NBD: ") || n.starts_with("Gamma-Gamma: ")),
        "{notes:?}"
    );
    assert!(table.contains("How far the fit can be trusted"), "{table}");
    for note in &notes {
        assert!(table.contains(&format!("- {note}\n")), "{note} in {table}");
    }
    // `fit`'s table notes the same estimates under its own.
    for note in notes.iter().filter(|n| n.starts_with("BG/NBD: ")) {
        assert!(
            fit_table.lines().any(|l| l == format!("{note}.")),
            "{note} in {fit_table}"
        );
    }
}

#[test]
fn backtest_refuses_a_calibration_end_without_holdout() {
    let o = run(
        &[
            "backtest",
            "projects/cdnow.ron",
            "--calibration-end",
            "1998-06-30",
        ],
        1,
    );
    assert!(stderr(&o).contains("leaves no holdout"), "{}", stderr(&o));
    assert!(stderr(&o).contains("cdnow.ron"), "{}", stderr(&o));
    let o = run(
        &[
            "backtest",
            "projects/cdnow.ron",
            "--calibration-end",
            "1990-01-01",
        ],
        1,
    );
    assert!(
        stderr(&o).contains("before the first transaction"),
        "{}",
        stderr(&o)
    );
    run(
        &[
            "backtest",
            "projects/cdnow.ron",
            "--calibration-end",
            "1997-13-01",
        ],
        2,
    );
    run(&["backtest", "projects/cdnow.ron"], 2);
}

/// `simulate` projects each scenario against the baseline: the documented JSON keys, bands in
/// order, determinism under `--seed`, the flags overriding the project, and `--replay-only`.
#[test]
fn simulate_projects_scenarios_against_the_baseline() {
    let args = [
        "simulate",
        "projects/cdnow.ron",
        "--runs",
        "30",
        "--horizon",
        "9",
        "--seed",
        "5",
        "--format",
        "json",
    ];
    let doc = json(&args);
    for s in doc["scenarios"].as_array().unwrap() {
        let p = &s["projection"];
        assert_eq!(p["horizon_months"], 9, "{p}");
        assert_eq!(p["runs"], 30);
        // 2,357 customers × 30 runs is within the budget: every run simulated on its own.
        assert_eq!(p["futures"], 30);
        for key in ["retention", "baseline_retention"] {
            let b = &p[key];
            let (p10, p50, p90) = (
                b["p10"].as_array().unwrap(),
                b["p50"].as_array().unwrap(),
                b["p90"].as_array().unwrap(),
            );
            assert_eq!(p50.len(), 9, "{key}");
            for k in 0..9 {
                let (a, m, z) = (
                    p10[k].as_f64().unwrap(),
                    p50[k].as_f64().unwrap(),
                    p90[k].as_f64().unwrap(),
                );
                assert!(
                    a <= m && m <= z && z <= 1.0 && a >= 0.0,
                    "{key} {k}: {a} {m} {z}"
                );
            }
        }
        for key in ["incremental_revenue", "total_cost", "roi"] {
            let b = &p[key];
            let (a, m, z) = (
                b["p10"].as_f64().unwrap(),
                b["p50"].as_f64().unwrap(),
                b["p90"].as_f64().unwrap(),
            );
            assert!(a <= m && m <= z, "{key}: {b}");
        }
        // The uplift: ordered monthly bands of a difference of shares.
        let u = &p["retention_uplift"];
        let at = |q: &str, k: usize| u[q][k].as_f64().unwrap();
        assert_eq!(u["p50"].as_array().unwrap().len(), 9, "{u}");
        for k in 0..9 {
            assert!(
                at("p10", k) <= at("p50", k) && at("p50", k) <= at("p90", k),
                "{u}"
            );
            assert!(at("p10", k) > -1.0 && at("p90", k) < 1.0, "{u}");
        }
        assert!(p.get("payback_month").is_some());
        assert!(p["by_segment"]["Collectors"]["retention"]["p50"].is_array());
        assert!(p["by_segment"]["Collectors"]["retention_uplift"]["p50"].is_array());
        assert!(p["by_persona"].is_object());
        assert!(p["total_cost"]["p50"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(stdout(&run(&args, 0)), stdout(&run(&args, 0)));
    // Replay only: no projection, and the projection flags make no sense with it.
    let doc = json(&[
        "simulate",
        "projects/cdnow.ron",
        "--replay-only",
        "--format",
        "json",
    ]);
    assert!(doc["scenarios"][0].get("projection").is_none());
    run(
        &[
            "simulate",
            "projects/cdnow.ron",
            "--replay-only",
            "--runs",
            "5",
        ],
        2,
    );
    run(&["simulate", "projects/cdnow.ron", "--horizon", "0"], 2);
}

/// The replays `simulate` reads off the projection's pass over the histories are the ones
/// `--replay-only` gives, to the byte (a project with segments, personas and category
/// multipliers).
#[test]
fn simulate_replays_the_same_with_or_without_the_projection() {
    let projected = [
        "simulate",
        "projects/coffee-chain.ron",
        "--runs",
        "8",
        "--horizon",
        "6",
        "--format",
        "json",
    ];
    let mut with = json(&projected);
    let alone = json(&[
        "simulate",
        "projects/coffee-chain.ron",
        "--replay-only",
        "--format",
        "json",
    ]);
    let scenarios = with["scenarios"].as_array_mut().unwrap();
    assert!(scenarios.len() >= 2, "{scenarios:?}");
    for s in scenarios.iter_mut() {
        let s = s.as_object_mut().unwrap();
        assert!(s.remove("projection").is_some(), "{s:?}");
        assert!(
            s["replay"]["totals"]["members"].as_u64().unwrap() > 0,
            "{s:?}"
        );
    }
    assert_eq!(with, alone);
}

/// `--futures N`: the runs are recombined from N simulated futures per customer, which the JSON
/// and the table say; it goes with a projection only, and takes 1 or more.
#[test]
fn simulate_recombines_runs_from_fewer_futures() {
    let (doc, table) = json_and_table(&[
        "simulate",
        "projects/cdnow.ron",
        "--runs",
        "12",
        "--futures",
        "3",
        "--horizon",
        "6",
    ]);
    let p = &doc["scenarios"][0]["projection"];
    assert_eq!(
        (p["runs"].as_u64(), p["futures"].as_u64()),
        (Some(12), Some(3))
    );
    let b = &p["incremental_revenue"];
    assert!(b["p10"].as_f64() <= b["p90"].as_f64(), "{b}");
    assert!(
        table.contains("12 runs recombined from 3 simulated futures per customer"),
        "{table}"
    );
    run(
        &[
            "simulate",
            "projects/cdnow.ron",
            "--replay-only",
            "--futures",
            "3",
        ],
        2,
    );
    run(&["simulate", "projects/cdnow.ron", "--futures", "0"], 2);
}

/// A programme that costs nothing has no ROI: `null` in JSON, a dash in the table.
#[test]
fn simulate_reports_no_roi_for_a_free_programme() {
    let project = fixture("projects/free_programme.ron");
    let project = project.to_str().unwrap();
    let doc = json(&["simulate", project, "--format", "json"]);
    let free = &doc["scenarios"][0]["projection"];
    assert_eq!(doc["scenarios"][0]["name"], "Free");
    assert!(free["roi"].is_null(), "{}", free["roi"]);
    assert!(free["payback_month"].is_null());
    assert_eq!(free["total_cost"]["p90"], 0.0);
    assert!(doc["scenarios"][1]["projection"]["roi"]["p50"].is_number());
    let table = stdout(&run(&["simulate", project], 0));
    let roi = table
        .lines()
        .find(|l| l.starts_with("ROI"))
        .unwrap_or_else(|| panic!("no ROI row: {table}"));
    let cells: Vec<&str> = roi.split("  ").filter(|c| !c.trim().is_empty()).collect();
    assert_eq!(cells[1].trim(), "-", "{roi}");
    assert!(cells[2].contains('%'), "{roi}");
}

#[test]
fn report_is_one_self_contained_html_file_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec![
            "report",
            "projects/coffee-chain.ron",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = run(&args, 0);
        assert!(stdout(&o).contains("wrote "), "{}", stdout(&o));
        std::fs::read_to_string(out).unwrap()
    };
    let charts = dir.path().join("charts");
    let html = write(
        "a.html",
        &["--runs", "4", "--charts", charts.to_str().unwrap()],
    );
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    // Offline: nothing fetched from anywhere, no scripts.
    for banned in [
        "http:", "https:", "<script", "<link", "src=", "@import", "url(",
    ] {
        assert!(!html.contains(banned), "{banned} in the report");
    }
    let project = tierlab::data::load_project(&root().join("projects/coffee-chain.ron")).unwrap();
    for s in &project.scenarios {
        assert!(html.contains(&s.name), "scenario {}", s.name);
        for t in &s.tiers {
            assert!(
                html.contains(&format!("<td>{}</td>", t.name)),
                "tier {}",
                t.name
            );
        }
    }
    for p in &project.personas {
        assert!(html.contains(&p.name), "persona {}", p.name);
    }
    assert!(
        html.contains("coffee-chain.csv"),
        "provenance names the file"
    );
    assert!(html.contains("Backtest:"), "the backtest score");
    assert!(
        html.contains("decimal point, text UTF-8"),
        "how the data was read"
    );
    assert!(html.contains("with 4 Monte Carlo runs"));
    // The sample's Gamma-Gamma p is at its bound (fitted to 2024-12-31, as `fit` fits it):
    // the customer-model paragraph gives the estimates and says what that means.
    let fit = json(&[
        "fit",
        "projects/coffee-chain.csv",
        "--calibration-end",
        "2024-12-31",
        "--model",
        "gamma-gamma",
        "--format",
        "json",
    ]);
    let params = &fit["models"]["gamma_gamma"]["params"];
    let shown = |key: &str| tierlab::format::estimate(params[key].as_f64().unwrap(), 3);
    let spend = format!(
        "Spend per purchase: Gamma-Gamma, p = {}, q = {}, &gamma; = {}.",
        shown("p"),
        shown("q"),
        shown("gamma")
    );
    assert!(
        html.contains(&spend)
            && html.contains(" p is at its bound (100000): customers&#39; mean spends vary"),
        "{spend} in {html}"
    );
    // The backtest is fitted to the same day: its fit is the one just noted, not noted again.
    assert!(!html.contains("How far that fit can be trusted"), "{html}");
    let svgs = html.matches("<svg").count();
    assert!(svgs >= 7, "{svgs} charts");
    assert_eq!(html.matches("</svg>").count(), svgs);
    // The same charts as files.
    let files: Vec<_> = std::fs::read_dir(&charts)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), svgs);
    for f in &files {
        let svg = std::fs::read_to_string(f).unwrap();
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{f:?}"
        );
    }
    // Same project and seed, same bytes; another seed, another projection.
    assert_eq!(html, write("b.html", &["--runs", "4"]));
    assert_ne!(html, write("c.html", &["--runs", "4", "--seed", "99"]));
    // History only: no outlook section.
    let replay = write("d.html", &["--replay-only", "--scenario", "Bean tiers"]);
    assert!(!replay.contains("Outlook") && replay.contains("Bean tiers"));
    assert!(!replay.contains("Stamp card"));
}

/// The fashion-retailer sample as a Pareto/NBD project in `dir` (its data copied beside it),
/// with `calibration_end` (RON: `None` or `Some("YYYY-MM-DD")`) in place of the sample's.
fn fashion_pareto_project(dir: &std::path::Path, calibration_end: &str) -> std::path::PathBuf {
    copy_fashion_data(dir);
    let ron = std::fs::read_to_string(root().join("projects/fashion-retailer.ron")).unwrap();
    let setting = format!("calibration_end: {calibration_end}");
    let edited = ron
        .replace("transaction_model: BgNbd", "transaction_model: ParetoNbd")
        .replace("calibration_end: Some(\"2024-12-31\")", &setting);
    assert!(edited.contains("ParetoNbd") && edited.contains(&setting));
    let project = dir.join("pareto.ron");
    std::fs::write(&project, edited).unwrap();
    project
}

/// The report's customer-model paragraph says so when a shape is at its bound (the
/// fashion-retailer sample's Pareto/NBD fitted to 2024-09-30).
#[test]
fn report_explains_a_shape_at_its_bound() {
    let dir = tempfile::tempdir().unwrap();
    let project = fashion_pareto_project(dir.path(), "Some(\"2024-09-30\")");
    let out = dir.path().join("report.html");
    run(
        &[
            "report",
            project.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--runs",
            "2",
        ],
        0,
    );
    let html = std::fs::read_to_string(out).unwrap();
    assert!(
        html.contains("Pareto/NBD fitted on the history of 6,000 customers up to 2024-09-30")
            && html.contains(" s is at its bound (100000): the dropout rates hardly differ"),
        "{html}"
    );
}

/// Without a calibration end the report's models are fitted on the whole history and its
/// backtest on two thirds of it: the backtest's paragraph then gives that fit's own notes, the
/// ones `tierlab backtest` gives for the same day.
#[test]
fn report_notes_the_backtest_fit_on_its_own_window() {
    let dir = tempfile::tempdir().unwrap();
    let project = fashion_pareto_project(dir.path(), "None");
    let p = project.to_str().unwrap();
    let out = dir.path().join("report.html");
    let html_path = out.to_str().unwrap();
    run(&["report", p, "--out", html_path, "--runs", "2"], 0);
    let html = std::fs::read_to_string(&out).unwrap();
    let lead = "<p>Backtest: fitted on the data to ";
    let at = html.find(lead).expect("a backtest paragraph") + lead.len();
    let day = &html[at..at + 10];
    let b = json(&[
        "backtest",
        p,
        "--calibration-end",
        day,
        "--runs",
        "2",
        "--format",
        "json",
    ]);
    let notes = b["backtest"]["notes"].as_array().unwrap();
    assert!(
        !notes.is_empty(),
        "the Pareto/NBD holds s at its bound on {day}"
    );
    let paragraph = &html[html
        .find("<p>How far that fit can be trusted:")
        .expect("noted")..];
    let paragraph = &paragraph[..paragraph.find("</p>").unwrap()];
    for note in notes {
        let shown = tierlab::report::svg::escape(note.as_str().unwrap());
        assert!(
            paragraph.contains(&format!(" {shown}.")),
            "{shown} in {paragraph}"
        );
    }
}

#[test]
fn report_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/folder/r.html");
    let o = run(
        &[
            "report",
            "projects/coffee-chain.ron",
            "--replay-only",
            "--out",
            missing.to_str().unwrap(),
        ],
        1,
    );
    assert!(stderr(&o).contains("cannot create"), "{}", stderr(&o));
    let o = run(
        &[
            "report",
            "projects/coffee-chain.ron",
            "--scenario",
            "Nope",
            "--out",
            dir.path().join("r.html").to_str().unwrap(),
        ],
        1,
    );
    assert!(stderr(&o).contains("no scenario is called 'Nope'"));
    run(&["report", "projects/coffee-chain.ron"], 2);
}

/// One case of `tests/data/bad/expected.txt`.
struct BadCase {
    file: String,
    args: Vec<String>,
    code: i32,
    texts: Vec<String>,
}

fn bad_cases() -> Vec<BadCase> {
    let manifest = std::fs::read_to_string(fixture("bad/expected.txt")).unwrap();
    manifest
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let parts: Vec<&str> = l.split(" | ").collect();
            assert_eq!(parts.len(), 4, "malformed case: {l}");
            BadCase {
                file: parts[0].trim().to_string(),
                args: parts[1].split_whitespace().map(String::from).collect(),
                code: parts[2].trim().parse().unwrap(),
                texts: parts[3]
                    .split(" && ")
                    .map(|t| t.trim().to_string())
                    .collect(),
            }
        })
        .collect()
}

/// Runs `args` then `file`; checks the exit code, that the messages contain `texts`, and that
/// a failure names the file.
fn check_bad(args: &[String], file: &str, code: i32, texts: &[String]) {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.push(file);
    let o = run(&all, code);
    let out = format!("{}{}", stdout(&o), stderr(&o));
    for t in texts {
        assert!(out.contains(t.as_str()), "{all:?}: '{t}' not in\n{out}");
    }
    if code == 1 {
        assert!(
            out.contains(file),
            "{all:?}: the message names the file:\n{out}"
        );
    }
}

#[test]
fn every_bad_input_in_the_corpus_gives_its_error_and_never_a_panic() {
    let cases = bad_cases();
    for c in &cases {
        let file = format!("tests/data/bad/{}", c.file);
        check_bad(&c.args, &file, c.code, &c.texts);
    }
    // Every file of the corpus has a case.
    for entry in std::fs::read_dir(fixture("bad")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name == "expected.txt" || name == "README.md" {
            continue;
        }
        assert!(cases.iter().any(|c| c.file == name), "{name} has no case");
    }
    // Too big for git: a 20 MB customer id and a 20 MB amount, made here.
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("long_line.csv");
    let mut text = String::from("customer,date,amount\nC1,2024-01-05,1.00\n");
    text.push_str(&"X".repeat(20_000_000));
    text.push_str(",2024-01-06,3.00\nC3,2024-01-07,");
    text.push_str(&"9".repeat(20_000_000));
    text.push_str("\nC4,2024-01-08,4.00\n");
    std::fs::write(&long, text).unwrap();
    let long = long.to_str().unwrap();
    let texts = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    check_bad(
        &texts(&["import"]),
        long,
        0,
        &texts(&[
            "transactions   2",
            "line 3, field 'customer': 20000000 bytes, more than the 256",
            "line 4, field 'amount': '999999",
            "is not a finite number",
        ]),
    );
    check_bad(
        &texts(&["import", "--strict"]),
        long,
        1,
        &texts(&["bad row at line 3, field 'customer'"]),
    );
    let missing = dir.path().join("nowhere.csv");
    check_bad(
        &texts(&["import"]),
        missing.to_str().unwrap(),
        1,
        &texts(&["cannot read transactions: No such file"]),
    );
    let missing = dir.path().join("nowhere.ron");
    check_bad(
        &texts(&["validate"]),
        missing.to_str().unwrap(),
        1,
        &texts(&["cannot read", "No such file"]),
    );
}

#[test]
fn pseudonymised_imports_copies_and_bundles_hold_no_real_id() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("secret.key");
    let key_arg = key.to_str().unwrap();
    let data = "projects/coffee-chain.csv";
    let real: Vec<String> = std::fs::read_to_string(root().join(data))
        .unwrap()
        .lines()
        .skip(1)
        .take(50)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    // Import: the ids are pseudonyms, the numbers do not change.
    let plain = json(&["import", data, "--format", "json"]);
    let pseudo = json(&[
        "import",
        data,
        "--pseudonymise",
        "--key-file",
        key_arg,
        "--format",
        "json",
    ]);
    assert_eq!(pseudo["pseudonymised"], true);
    assert_eq!(plain["pseudonymised"], false);
    for k in [
        "customers",
        "transactions",
        "revenue",
        "first_date",
        "last_date",
    ] {
        assert_eq!(plain[k], pseudo[k], "{k}");
    }
    assert!(key.is_file(), "the key file is made on first use");
    // A pseudonymised copy: same rows, no real id, the same pseudonyms with the same key.
    let copy = dir.path().join("copy.csv");
    let o = run(
        &[
            "pseudonymise",
            data,
            "--key-file",
            key_arg,
            "--out",
            copy.to_str().unwrap(),
        ],
        0,
    );
    assert!(
        stdout(&o).contains("81,463 rows of 3,000 customers"),
        "{}",
        stdout(&o)
    );
    let text = std::fs::read_to_string(&copy).unwrap();
    for id in &real {
        assert!(!text.contains(&format!("{id},")), "{id} leaked");
    }
    let again = dir.path().join("again.csv");
    run(
        &[
            "pseudonymise",
            data,
            "--key-file",
            key_arg,
            "--out",
            again.to_str().unwrap(),
        ],
        0,
    );
    assert_eq!(
        text,
        std::fs::read_to_string(&again).unwrap(),
        "same key, same copy"
    );
    let other_key = dir.path().join("other.key");
    let other = dir.path().join("other.csv");
    run(
        &[
            "pseudonymise",
            data,
            "--key-file",
            other_key.to_str().unwrap(),
            "--out",
            other.to_str().unwrap(),
        ],
        0,
    );
    assert_ne!(
        text,
        std::fs::read_to_string(&other).unwrap(),
        "another key, other ids"
    );
    // A bundle: unpacks into a project that loads, with the key nowhere in it.
    let zip = dir.path().join("b.zip");
    let o = run(
        &[
            "bundle",
            "projects/coffee-chain.ron",
            "--out",
            zip.to_str().unwrap(),
            "--pseudonymise",
            "--key-file",
            key_arg,
        ],
        0,
    );
    assert!(stdout(&o).contains("customer ids pseudonymised"));
    let into = dir.path().join("unpacked");
    let o = run(
        &[
            "unbundle",
            zip.to_str().unwrap(),
            "--into",
            into.to_str().unwrap(),
        ],
        0,
    );
    assert!(
        stdout(&o).contains("81,463 transactions of 3,000 customers"),
        "{}",
        stdout(&o)
    );
    let key_text = std::fs::read_to_string(&key).unwrap();
    for f in ["project.ron", "data.csv", "README.txt"] {
        let body = std::fs::read_to_string(into.join(f)).unwrap();
        assert!(!body.contains(key_text.trim()), "the key is not in {f}");
        for id in &real {
            assert!(!body.contains(&format!("{id},")), "{id} in {f}");
        }
    }
    assert_eq!(
        std::fs::read_to_string(into.join("data.csv")).unwrap(),
        text
    );
    let bundled = json(&[
        "simulate",
        into.join("project.ron").to_str().unwrap(),
        "--replay-only",
        "--format",
        "json",
    ]);
    let original = json(&[
        "simulate",
        "projects/coffee-chain.ron",
        "--replay-only",
        "--format",
        "json",
    ]);
    assert_eq!(
        bundled["scenarios"], original["scenarios"],
        "the same results"
    );
    // Unpacking again never overwrites; a file that is not a bundle says so.
    let o = run(
        &[
            "unbundle",
            zip.to_str().unwrap(),
            "--into",
            into.to_str().unwrap(),
        ],
        1,
    );
    assert!(stderr(&o).contains("will not overwrite"), "{}", stderr(&o));
    let o = run(
        &[
            "unbundle",
            data,
            "--into",
            dir.path().join("x").to_str().unwrap(),
        ],
        1,
    );
    assert!(
        stderr(&o).contains("not a tierlab bundle"),
        "{}",
        stderr(&o)
    );
    // A plain bundle keeps the ids and says it may hold personal data.
    let plain_zip = dir.path().join("plain.zip");
    let o = run(
        &[
            "bundle",
            "projects/coffee-chain.ron",
            "--out",
            plain_zip.to_str().unwrap(),
        ],
        0,
    );
    assert!(stdout(&o).contains("may hold personal data"));
}
