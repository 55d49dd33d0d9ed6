//! Checks of a project against its imported data: what [`Project::validate`] cannot see from
//! the project alone (rows the import rejected, categories the data does not have, a
//! calibration end outside the data). Shared by `tierlab validate` and the GUI's Overview.

use crate::data::{ImportReport, Transactions};
use crate::model::{Problem, Project, Severity};

/// The warnings about `project` given its data `tx`, imported with `report` (whose first and
/// last dates are the data's), in the order of the project's fields (the data, then the
/// settings, then the scenarios).
pub fn problems_with_data(
    project: &Project,
    tx: &Transactions,
    report: &ImportReport,
) -> Vec<Problem> {
    let warning = |path: String, message: String| Problem {
        severity: Severity::Warning,
        path,
        message,
    };
    let mut problems = Vec::new();
    if report.rejected > 0 {
        let reasons: Vec<String> = report
            .rejects_by_reason
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        problems.push(warning(
            "data".into(),
            format!(
                "{} rejected ({}); the Data page and `tierlab import` on the file list them",
                crate::format::counted(report.rejected, "row"),
                reasons.join(", ")
            ),
        ));
    }
    // The data's range as the import found it (the GUI checks every frame: `tx.date_range()`
    // would walk every customer).
    let range = report.first_date.zip(report.last_date);
    if let (Some(end), Some((first, last))) = (project.settings.calibration_end, range) {
        if end < first {
            problems.push(warning(
                "settings.calibration_end".into(),
                format!(
                    "{end} is before the first transaction ({first}): nobody had bought by \
                     then, so there is nothing to fit the customer models on"
                ),
            ));
        } else if end > last {
            problems.push(warning(
                "settings.calibration_end".into(),
                format!(
                    "{end} is after the last transaction ({last}): the customer models are \
                     fitted on all the data, to {last}"
                ),
            ));
        }
    }
    for (i, s) in project.scenarios.iter().enumerate() {
        for (j, m) in s.earning.category_multipliers.iter().enumerate() {
            if !tx.categories.contains(&m.category) {
                problems.push(warning(
                    format!("scenarios[{i}].earning.category_multipliers[{j}].category"),
                    format!("no transaction has category '{}'", m.category),
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::store::TransactionsBuilder;
    use crate::model::{CategoryMultiplier, Date, Scenario};

    fn day(y: i32, m: u32, d: u32) -> Date {
        Date::from_ymd(y, m, d).unwrap()
    }

    /// Two customers' purchases from 2024-01-05 to 2024-06-30, of coffee and food.
    fn data() -> Transactions {
        let mut b = TransactionsBuilder::default();
        b.push("a", day(2024, 1, 5), 4.0, Some("coffee"));
        b.push("b", day(2024, 3, 1), 9.0, Some("food"));
        b.push("a", day(2024, 6, 30), 4.5, Some("coffee"));
        b.finish()
    }

    /// The import report of `tx` as far as the checks read it: its first and last days.
    fn report_of(tx: &Transactions) -> ImportReport {
        let (first, last) = tx.date_range().unzip();
        ImportReport {
            first_date: first,
            last_date: last,
            ..ImportReport::default()
        }
    }

    fn paths(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.path.as_str()).collect()
    }

    #[test]
    fn a_project_that_fits_its_data_has_nothing_to_say() {
        let mut project = Project::default();
        project.settings.calibration_end = Some(day(2024, 6, 30));
        let problems = problems_with_data(&project, &data(), &report_of(&data()));
        assert_eq!(problems, []);
    }

    #[test]
    fn rejected_rows_unknown_categories_and_a_calibration_end_outside_the_data_are_warned_of() {
        let mut project = Project::default();
        project.settings.calibration_end = Some(day(2024, 7, 1));
        project.scenarios = vec![Scenario::default()];
        project.scenarios[0].earning.category_multipliers = vec![
            CategoryMultiplier {
                category: "coffee".into(),
                multiplier: 2.0,
            },
            CategoryMultiplier {
                category: "tea".into(),
                multiplier: 2.0,
            },
        ];
        let report = ImportReport {
            rejected: 1_234,
            rejects_by_reason: [("bad_amount".to_string(), 1_234)].into(),
            ..report_of(&data())
        };
        let problems = problems_with_data(&project, &data(), &report);
        assert_eq!(
            paths(&problems),
            [
                "data",
                "settings.calibration_end",
                "scenarios[0].earning.category_multipliers[1].category"
            ]
        );
        assert!(problems.iter().all(|p| p.severity == Severity::Warning));
        assert!(
            problems[0]
                .message
                .starts_with("1,234 rows rejected (bad_amount: 1234)")
        );
        assert!(
            problems[1]
                .message
                .contains("after the last transaction (2024-06-30)"),
            "{}",
            problems[1].message
        );
        assert!(problems[2].message.contains("'tea'"));
        // Before the first purchase: nothing to fit on.
        project.settings.calibration_end = Some(day(2024, 1, 4));
        let problems = problems_with_data(&project, &data(), &report_of(&data()));
        assert!(
            problems[0]
                .message
                .contains("before the first transaction (2024-01-05)"),
            "{}",
            problems[0].message
        );
    }
}
