//! `Project::validate`: every problem at once, each with the path of the field it concerns.

use std::collections::BTreeSet;
use std::fmt;

use super::project::*;

/// How serious a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; the project still runs.
    Warning,
    /// The project cannot run as it is.
    Error,
}

/// One problem found in a project, e.g.
/// `scenarios[1].tiers[2].enter_threshold: must be greater than tiers[1] (500)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Warning or error.
    pub severity: Severity,
    /// Path of the field, e.g. `scenarios[0].tiers[1].discount_pct`.
    pub path: String,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{kind}: {}: {}", self.path, self.message)
    }
}

/// The largest magnitude accepted for amounts, thresholds and points (beyond it sums lose
/// precision and the numbers are surely a typo).
pub const MAX_VALUE: f64 = 1e12;

/// Collects problems under a path prefix.
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn push(&mut self, severity: Severity, path: String, message: impl Into<String>) {
        self.problems.push(Problem {
            severity,
            path,
            message: message.into(),
        });
    }

    fn error(&mut self, path: String, message: impl Into<String>) {
        self.push(Severity::Error, path, message);
    }

    fn warn(&mut self, path: String, message: impl Into<String>) {
        self.push(Severity::Warning, path, message);
    }

    /// `value` must be finite and within `min..=max`.
    fn range(&mut self, path: String, value: f64, min: f64, max: f64) {
        if !value.is_finite() {
            self.error(path, "must be a finite number");
        } else if value < min || value > max {
            self.error(
                path,
                format!(
                    "must be between {} and {} (is {})",
                    number(min),
                    number(max),
                    number(value)
                ),
            );
        }
    }

    /// `value` must be finite, ≥ 0 and at most [`MAX_VALUE`].
    fn non_negative(&mut self, path: String, value: f64) {
        self.range(path, value, 0.0, MAX_VALUE);
    }

    /// Names must be non-empty and unique within their list.
    fn names<'a>(&mut self, list: &str, names: impl Iterator<Item = &'a str>) {
        let mut seen = BTreeSet::new();
        for (i, name) in names.enumerate() {
            if name.trim().is_empty() {
                self.error(format!("{list}[{i}].name"), "must not be empty");
            } else if !seen.insert(name) {
                self.error(
                    format!("{list}[{i}].name"),
                    format!("'{name}' is used twice"),
                );
            }
        }
    }
}

impl Project {
    /// Checks the whole project and returns every problem found, errors and warnings, in the
    /// order of the file. An empty list means the project is ready to run.
    pub fn validate(&self) -> Vec<Problem> {
        let mut c = Checker {
            problems: Vec::new(),
        };
        if self.format_version != FORMAT_VERSION {
            c.error(
                "format_version".into(),
                format!(
                    "is {}, this build reads {FORMAT_VERSION}",
                    self.format_version
                ),
            );
        }
        if self.name.trim().is_empty() {
            c.error("name".into(), "must not be empty");
        }
        let cur = self.currency.as_bytes();
        if cur.len() != 3 || !cur.iter().all(u8::is_ascii_uppercase) {
            c.warn(
                "currency".into(),
                format!("'{}' is not an ISO 4217 code such as EUR", self.currency),
            );
        }
        if self.data.path.trim().is_empty() {
            c.error("data.path".into(), "must name the transaction CSV file");
        }
        if let Some(d) = self.data.options.delimiter
            && (!d.is_ascii() || d == '"' || d == '\n' || d == '\r')
        {
            c.error(
                "data.options.delimiter".into(),
                format!("{d:?} cannot separate fields (use an ASCII character other than a quote)"),
            );
        }
        self.validate_settings(&mut c);
        self.validate_segments(&mut c);
        self.validate_personas(&mut c);
        if self.scenarios.is_empty() {
            c.warn("scenarios".into(), "no scenario to simulate");
        }
        c.names("scenarios", self.scenarios.iter().map(|s| s.name.as_str()));
        for (i, s) in self.scenarios.iter().enumerate() {
            validate_scenario(&mut c, &format!("scenarios[{i}]"), s);
            for (j, o) in s.response_overrides.iter().enumerate() {
                let at = format!("scenarios[{i}].response_overrides[{j}]");
                if !self.personas.iter().any(|p| p.name == o.persona) {
                    c.error(
                        format!("{at}.persona"),
                        format!("no persona is called '{}'", o.persona),
                    );
                }
                check_response(&mut c, &format!("{at}.response"), &o.response);
            }
        }
        c.problems
    }

    /// True when [`Project::validate`] finds no error (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.validate()
            .iter()
            .all(|p| p.severity != Severity::Error)
    }

    fn validate_settings(&self, c: &mut Checker) {
        let s = &self.settings;
        c.range(
            "settings.horizon_months".into(),
            s.horizon_months.into(),
            1.0,
            120.0,
        );
        c.range(
            "settings.monte_carlo_runs".into(),
            s.monte_carlo_runs.into(),
            1.0,
            100_000.0,
        );
        c.range(
            "settings.gross_margin_pct".into(),
            s.gross_margin_pct,
            0.0,
            100.0,
        );
        c.range(
            "settings.discount_rate_pct".into(),
            s.discount_rate_pct,
            0.0,
            100.0,
        );
    }

    fn validate_segments(&self, c: &mut Checker) {
        c.names("segments", self.segments.iter().map(|s| s.name.as_str()));
        for (i, seg) in self.segments.iter().enumerate() {
            if seg.name == UNASSIGNED {
                c.error(
                    format!("segments[{i}].name"),
                    format!("'{UNASSIGNED}' is reserved for customers no segment matches"),
                );
            }
            for (j, cond) in seg.rule.conditions.iter().enumerate() {
                c.range(
                    format!("segments[{i}].rule.conditions[{j}].value"),
                    cond.value,
                    -MAX_VALUE,
                    MAX_VALUE,
                );
            }
        }
    }

    fn validate_personas(&self, c: &mut Checker) {
        c.names("personas", self.personas.iter().map(|p| p.name.as_str()));
        let mut share_total = 0.0;
        let mut any_synthetic = false;
        for (i, p) in self.personas.iter().enumerate() {
            let at = |field: &str| format!("personas[{i}].{field}");
            if !p.segment.is_empty() && !self.segments.iter().any(|s| s.name == p.segment) {
                c.error(
                    at("segment"),
                    format!("no segment is called '{}'", p.segment),
                );
            }
            // Customers are a segment's first persona's: a later one on it stands for nobody.
            if let Some(first) = self.personas[..i]
                .iter()
                .find(|q| !p.segment.is_empty() && q.segment == p.segment)
            {
                c.warn(
                    at("segment"),
                    format!(
                        "'{}' is already on the segment '{}': this persona stands for no customers",
                        first.name, p.segment
                    ),
                );
            }
            check_response(c, &at("response"), &p.response);
            if let Some(syn) = &p.synthetic {
                any_synthetic = true;
                share_total += syn.share_pct;
                c.range(at("synthetic.share_pct"), syn.share_pct, 0.0, 100.0);
                c.range(
                    at("synthetic.purchases_per_year"),
                    syn.purchases_per_year,
                    0.01,
                    1000.0,
                );
                c.range(
                    at("synthetic.average_basket"),
                    syn.average_basket,
                    0.01,
                    MAX_VALUE,
                );
                c.range(
                    at("synthetic.dropout_pct_per_purchase"),
                    syn.dropout_pct_per_purchase,
                    0.0,
                    100.0,
                );
                for (j, cw) in syn.categories.iter().enumerate() {
                    c.range(
                        at(&format!("synthetic.categories[{j}].weight")),
                        cw.weight,
                        0.0,
                        1e6,
                    );
                }
            }
        }
        if any_synthetic && (share_total - 100.0).abs() > 0.5 {
            c.warn(
                "personas".into(),
                format!("synthetic shares add up to {share_total}%, not 100% (they are rescaled)"),
            );
        }
    }
}

/// Range checks of a behavioural response at `prefix` (e.g. `personas[0].response`).
fn check_response(c: &mut Checker, prefix: &str, r: &crate::model::Response) {
    let at = |field: &str| format!("{prefix}.{field}");
    c.range(
        at("frequency_uplift_pct"),
        r.frequency_uplift_pct,
        -100.0,
        1000.0,
    );
    c.range(at("basket_uplift_pct"), r.basket_uplift_pct, -100.0, 1000.0);
    c.range(
        at("dropout_reduction_pct_per_tier"),
        r.dropout_reduction_pct_per_tier,
        0.0,
        100.0,
    );
    c.range(at("goal_gradient_pct"), r.goal_gradient_pct, 0.0, 500.0);
    c.range(
        at("goal_gradient_distance_pct"),
        r.goal_gradient_distance_pct,
        0.0,
        100.0,
    );
    c.range(
        at("redemption_propensity"),
        r.redemption_propensity,
        0.0,
        1.0,
    );
    c.range(at("enrolment_propensity"), r.enrolment_propensity, 0.0, 1.0);
}

/// A number as people read it in a message: plain up to a trillion, in scientific notation
/// beyond (`1e300`, not three hundred digits).
fn number(v: f64) -> String {
    if v.abs() >= 1e13 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// The segment every customer lands in when no rule matches.
pub const UNASSIGNED: &str = "Unassigned";

/// The label of customers whose segment no persona names, in per-persona breakdowns.
pub const NO_PERSONA: &str = "(no persona)";

fn validate_scenario(c: &mut Checker, at: &str, s: &Scenario) {
    c.names(
        &format!("{at}.tiers"),
        s.tiers.iter().map(|t| t.name.as_str()),
    );
    for (j, t) in s.tiers.iter().enumerate() {
        let tp = |field: &str| format!("{at}.tiers[{j}].{field}");
        c.non_negative(tp("enter_threshold"), t.enter_threshold);
        c.non_negative(tp("retain_threshold"), t.retain_threshold);
        if j == 0 && t.enter_threshold != 0.0 {
            c.error(
                tp("enter_threshold"),
                format!(
                    "the entry tier must have enter_threshold 0, as every member starts in it (is {})",
                    t.enter_threshold
                ),
            );
        }
        if j > 0 {
            let prev = &s.tiers[j - 1];
            if prev.metric == t.metric && t.enter_threshold <= prev.enter_threshold {
                c.error(
                    tp("enter_threshold"),
                    format!(
                        "must be greater than tiers[{}] ({})",
                        j - 1,
                        prev.enter_threshold
                    ),
                );
            }
        }
        if t.retain_threshold > t.enter_threshold {
            c.error(
                tp("retain_threshold"),
                format!(
                    "must not exceed enter_threshold ({}): retaining cannot be harder than entering",
                    t.enter_threshold
                ),
            );
        }
        c.range(tp("earn_multiplier"), t.earn_multiplier, 0.0, 100.0);
        c.non_negative(tp("annual_benefit_cost"), t.annual_benefit_cost);
        c.range(tp("discount_pct"), t.discount_pct, 0.0, 99.0);
    }
    c.range(
        format!("{at}.qualification.grace_days"),
        s.qualification.grace_days.into(),
        0.0,
        366.0,
    );
    let e = &s.earning;
    c.range(
        format!("{at}.earning.points_per_currency_unit"),
        e.points_per_currency_unit,
        0.0,
        1e6,
    );
    for (j, m) in e.category_multipliers.iter().enumerate() {
        c.range(
            format!("{at}.earning.category_multipliers[{j}].multiplier"),
            m.multiplier,
            0.0,
            100.0,
        );
        if m.category.trim().is_empty() {
            c.error(
                format!("{at}.earning.category_multipliers[{j}].category"),
                "must not be empty",
            );
        }
    }
    for (j, p) in e.promotions.iter().enumerate() {
        c.range(
            format!("{at}.earning.promotions[{j}].multiplier"),
            p.multiplier,
            0.0,
            100.0,
        );
        if p.end < p.start {
            c.error(
                format!("{at}.earning.promotions[{j}].end"),
                format!("{} is before the start {}", p.end, p.start),
            );
        }
    }
    c.non_negative(format!("{at}.earning.min_spend"), e.min_spend);
    for (name, cap) in [
        ("cap_points_per_transaction", e.cap_points_per_transaction),
        ("cap_points_per_month", e.cap_points_per_month),
    ] {
        if let Some(cap) = cap {
            c.range(format!("{at}.earning.{name}"), cap, 1.0, MAX_VALUE);
        }
    }
    c.names(
        &format!("{at}.rewards"),
        s.rewards.iter().map(|r| r.name.as_str()),
    );
    for (j, r) in s.rewards.iter().enumerate() {
        c.range(
            format!("{at}.rewards[{j}].points_cost"),
            r.points_cost,
            1.0,
            MAX_VALUE,
        );
        c.non_negative(format!("{at}.rewards[{j}].cost"), r.cost);
    }
    c.non_negative(
        format!("{at}.redemption.min_balance_points"),
        s.redemption.min_balance_points,
    );
    match s.expiry {
        Expiry::Never => {}
        Expiry::AfterEarning { months } | Expiry::AfterInactivity { months } => {
            c.range(format!("{at}.expiry.months"), months.into(), 1.0, 240.0);
        }
    }
    c.range(format!("{at}.cost_per_point"), s.cost_per_point, 0.0, 1e6);
    c.range(
        format!("{at}.enrolment_rate_pct"),
        s.enrolment_rate_pct,
        0.0,
        100.0,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(name: &str, enter: f64) -> Tier {
        Tier {
            name: name.into(),
            enter_threshold: enter,
            retain_threshold: enter,
            ..Tier::default()
        }
    }

    fn project_with(scenario: Scenario) -> Project {
        Project {
            data: DataSource {
                path: "data.csv".into(),
                ..DataSource::default()
            },
            scenarios: vec![Scenario::default(), scenario],
            ..Project::default()
        }
    }

    #[test]
    fn default_project_with_data_is_valid() {
        let p = project_with(Scenario {
            name: "B".into(),
            ..Scenario::default()
        });
        assert_eq!(p.validate(), vec![]);
        assert!(p.is_valid());
    }

    #[test]
    fn decreasing_threshold_is_reported_with_its_path() {
        let s = Scenario {
            name: "Tiered".into(),
            tiers: vec![
                tier("Base", 0.0),
                tier("Silver", 500.0),
                tier("Gold", 400.0),
            ],
            ..Scenario::default()
        };
        let problems = project_with(s).validate();
        let texts: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            texts,
            vec![
                "error: scenarios[1].tiers[2].enter_threshold: must be greater than tiers[1] (500)"
            ]
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut s = Scenario {
            name: "Broken".into(),
            tiers: vec![tier("Base", 10.0), tier("Base", 5.0)],
            rewards: vec![Reward {
                name: "Free".into(),
                points_cost: 0.0,
                cost: -1.0,
            }],
            expiry: Expiry::AfterEarning { months: 0 },
            enrolment_rate_pct: 150.0,
            ..Scenario::default()
        };
        s.tiers[1].retain_threshold = 8.0;
        s.earning.points_per_currency_unit = f64::NAN;
        let problems = project_with(s).validate();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        for expected in [
            "scenarios[1].tiers[1].name",
            "scenarios[1].tiers[0].enter_threshold",
            "scenarios[1].tiers[1].enter_threshold",
            "scenarios[1].tiers[1].retain_threshold",
            "scenarios[1].earning.points_per_currency_unit",
            "scenarios[1].rewards[0].points_cost",
            "scenarios[1].rewards[0].cost",
            "scenarios[1].expiry.months",
            "scenarios[1].enrolment_rate_pct",
        ] {
            assert!(paths.contains(&expected), "missing {expected} in {paths:?}");
        }
        assert!(problems.iter().all(|p| p.severity == Severity::Error));
    }

    #[test]
    fn response_overrides_name_a_persona_and_stay_in_range() {
        let mut p = project_with(Scenario {
            name: "B".into(),
            ..Scenario::default()
        });
        p.personas.push(Persona {
            name: "Ann".into(),
            ..Persona::default()
        });
        p.scenarios[0].response_overrides = vec![
            ResponseOverride {
                persona: "Ann".into(),
                response: Response {
                    redemption_propensity: 1.5,
                    ..Response::default()
                },
            },
            ResponseOverride {
                persona: "Nobody".into(),
                response: Response::default(),
            },
        ];
        let paths: Vec<String> = p.validate().into_iter().map(|x| x.path).collect();
        assert!(paths.contains(
            &"scenarios[0].response_overrides[0].response.redemption_propensity".to_string()
        ));
        assert!(paths.contains(&"scenarios[0].response_overrides[1].persona".to_string()));
        assert_eq!(paths.len(), 2, "{paths:?}");
    }

    #[test]
    fn persona_must_name_an_existing_segment() {
        let mut p = project_with(Scenario {
            name: "B".into(),
            ..Scenario::default()
        });
        p.personas.push(Persona {
            name: "Ann".into(),
            segment: "Nowhere".into(),
            ..Persona::default()
        });
        let problems = p.validate();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "personas[0].segment");
    }

    #[test]
    fn tiers_on_different_metrics_are_not_compared() {
        let mut gold = tier("Gold", 5.0);
        gold.metric = QualifyingMetric::Transactions;
        let s = Scenario {
            name: "Mixed".into(),
            tiers: vec![tier("Base", 0.0), tier("Silver", 500.0), gold],
            ..Scenario::default()
        };
        assert!(project_with(s).is_valid());
    }

    #[test]
    fn missing_data_path_and_bad_settings() {
        let mut p = Project::default();
        p.settings.gross_margin_pct = 120.0;
        p.settings.horizon_months = 0;
        let paths: Vec<String> = p.validate().into_iter().map(|p| p.path).collect();
        assert!(paths.contains(&"data.path".to_string()));
        assert!(paths.contains(&"settings.gross_margin_pct".to_string()));
        assert!(paths.contains(&"settings.horizon_months".to_string()));
    }

    #[test]
    fn a_second_persona_on_a_segment_is_warned_about() {
        let mut p = Project::default();
        p.segments.push(Segment {
            name: "Regulars".into(),
            ..Segment::default()
        });
        let persona = |name: &str, segment: &str| Persona {
            name: name.into(),
            segment: segment.into(),
            ..Persona::default()
        };
        p.personas = vec![
            persona("Ann", "Regulars"),
            persona("Bob", "Regulars"),
            persona("Cy", ""),
            persona("Di", ""),
        ];
        let problems = p.validate();
        let on_segment: Vec<&Problem> = problems
            .iter()
            .filter(|q| q.path.ends_with(".segment"))
            .collect();
        assert_eq!(on_segment.len(), 1, "{problems:?}");
        assert_eq!(on_segment[0].path, "personas[1].segment");
        assert_eq!(on_segment[0].severity, Severity::Warning);
        assert!(
            on_segment[0].message.contains("'Ann'"),
            "{}",
            on_segment[0].message
        );
        // Two personas on no segment share nothing: no warning for them, and no error at all.
        assert!(
            problems
                .iter()
                .all(|q| !q.path.starts_with("personas") || q.severity == Severity::Warning),
            "{problems:?}"
        );
    }
}
