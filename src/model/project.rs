//! The types a project file is made of.

use serde::{Deserialize, Serialize};

use super::{Colour, Date};

/// The project file format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A tierlab project: where the transactions are, who the customers are, and the programmes to
/// compare.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Project {
    /// Version of the file format ([`FORMAT_VERSION`] when written by this build).
    pub format_version: u32,
    /// Short name shown in titles and reports.
    pub name: String,
    /// Free text: the client, the question, the assumptions.
    pub description: String,
    /// ISO 4217 currency code of the transaction amounts, e.g. `"EUR"`.
    pub currency: String,
    /// The transaction file and how to read it.
    pub data: DataSource,
    /// Engine settings shared by all scenarios.
    pub settings: Settings,
    /// Customer segments, evaluated in order: the first matching segment wins.
    pub segments: Vec<Segment>,
    /// Personas: narratives and behavioural responses attached to segments.
    pub personas: Vec<Persona>,
    /// Programme scenarios to replay and compare.
    pub scenarios: Vec<Scenario>,
}

impl Default for Project {
    fn default() -> Self {
        Project {
            format_version: FORMAT_VERSION,
            name: "Untitled project".into(),
            description: String::new(),
            currency: "EUR".into(),
            data: DataSource::default(),
            settings: Settings::default(),
            segments: Vec::new(),
            personas: Vec::new(),
            scenarios: Vec::new(),
        }
    }
}

impl Project {
    /// The scenario called `name`, if any.
    pub fn scenario(&self, name: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.name == name)
    }
}

/// Where the transactions come from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataSource {
    /// Path of the transaction CSV, relative to the project file's folder (or absolute).
    pub path: String,
    /// Which column holds what; a column left out is detected from the header names.
    pub columns: ColumnMapping,
    /// How to parse the file.
    pub options: ParseOptions,
}

/// Names of the CSV columns (header names, matched case-insensitively). `None` = auto-detect.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ColumnMapping {
    /// Customer identifier column.
    pub customer: Option<String>,
    /// Transaction date column.
    pub date: Option<String>,
    /// Transaction amount column (currency units; negative = refund).
    pub amount: Option<String>,
    /// Optional product category column.
    pub category: Option<String>,
    /// Optional store column.
    pub store: Option<String>,
    /// Optional sales channel column.
    pub channel: Option<String>,
    /// Optional quantity (units) column.
    pub quantity: Option<String>,
}

/// Options for reading a transaction CSV. `None` = detect from the file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParseOptions {
    /// Field delimiter; detected among `,` `;` tab `|` when `None`.
    pub delimiter: Option<char>,
    /// A chrono `strftime` date format such as `"%d/%m/%Y"`; detected over the column when `None`.
    pub date_format: Option<String>,
    /// Amounts use a decimal comma (`1.234,56`); detected from the amount column when `None`.
    pub decimal_comma: Option<bool>,
    /// Fail on the first bad row instead of skipping and reporting it.
    pub strict: bool,
    /// Replace customer ids by keyed hashes on import; the key stays in a key file on this
    /// machine, never in the project (written only when set).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pseudonymise: bool,
    /// How the file's text is encoded (written only when not [`TextEncoding::Auto`]).
    #[serde(skip_serializing_if = "TextEncoding::is_auto")]
    pub encoding: TextEncoding,
}

/// How the text of a transaction file (ids, categories, header) is encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TextEncoding {
    /// UTF-8; a field that is not valid UTF-8 is read as Windows-1252 instead (what spreadsheet
    /// programs save on Western-European Windows) and counted in the import report.
    #[default]
    Auto,
    /// UTF-8 only: a field that is not valid UTF-8 rejects its row.
    Utf8,
    /// Windows-1252 (a superset of Latin-1, ISO-8859-1) for every field.
    Windows1252,
}

impl TextEncoding {
    /// Every choice, in the order the GUI offers them.
    pub const ALL: [TextEncoding; 3] = [
        TextEncoding::Auto,
        TextEncoding::Utf8,
        TextEncoding::Windows1252,
    ];

    /// Whether this is the default, [`TextEncoding::Auto`].
    pub fn is_auto(&self) -> bool {
        *self == TextEncoding::Auto
    }

    /// The name users see.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Auto => "UTF-8, else Windows-1252",
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Windows1252 => "Windows-1252 (Latin-1)",
        }
    }
}

/// Which buy-till-you-die model drives retention forecasts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransactionModel {
    /// Beta-geometric / negative binomial distribution (Fader, Hardie & Lee 2005).
    #[default]
    BgNbd,
    /// Modified BG/NBD (Batislam, Denizel & Filiztekin 2007).
    MbgNbd,
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
    ParetoNbd,
}

impl TransactionModel {
    /// The model's usual name.
    pub fn label(self) -> &'static str {
        match self {
            TransactionModel::BgNbd => "BG/NBD",
            TransactionModel::MbgNbd => "MBG/NBD",
            TransactionModel::ParetoNbd => "Pareto/NBD",
        }
    }
}

/// Time unit in which customer models are fitted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Period {
    /// One day.
    Day,
    /// Seven days.
    #[default]
    Week,
    /// One calendar month (30.4375 days on average).
    Month,
}

impl Period {
    /// Name of the period, e.g. "week".
    pub fn label(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// Length of the period in days.
    pub fn days(self) -> f64 {
        match self {
            Period::Day => 1.0,
            Period::Week => 7.0,
            Period::Month => 365.25 / 12.0,
        }
    }
}

/// Engine settings shared by every scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Last day of the calibration period for model fitting; `None` = the last transaction day.
    pub calibration_end: Option<Date>,
    /// How far the projection looks ahead, in months.
    pub horizon_months: u32,
    /// Number of Monte Carlo runs of the projection.
    pub monte_carlo_runs: u32,
    /// Seed of every random draw: the same project and seed give the same results.
    pub seed: u64,
    /// Gross margin on revenue, in percent (0–100).
    pub gross_margin_pct: f64,
    /// Day the programme starts; `None` = the first transaction day.
    pub launch_date: Option<Date>,
    /// Purchase model used by the projection.
    pub transaction_model: TransactionModel,
    /// Time unit of the customer models.
    pub model_period: Period,
    /// Annual discount rate for customer lifetime value, in percent.
    pub discount_rate_pct: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            calibration_end: None,
            horizon_months: 24,
            monte_carlo_runs: 200,
            seed: 42,
            gross_margin_pct: 40.0,
            launch_date: None,
            transaction_model: TransactionModel::BgNbd,
            model_period: Period::Week,
            discount_rate_pct: 10.0,
        }
    }
}

/// A customer segment: a named rule over customer features.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Segment {
    /// Unique name.
    pub name: String,
    /// Colour in plots.
    pub colour: Colour,
    /// Free text: who these customers are.
    pub description: String,
    /// Which customers belong.
    pub rule: SegmentRule,
}

impl Default for Segment {
    fn default() -> Self {
        Segment {
            name: "New segment".into(),
            colour: Colour::default(),
            description: String::new(),
            rule: SegmentRule::default(),
        }
    }
}

/// How a segment's conditions combine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Combine {
    /// Every condition must hold (an empty list matches everybody).
    #[default]
    All,
    /// At least one condition must hold (an empty list matches nobody).
    Any,
}

/// A segment's membership rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SegmentRule {
    /// All or any of the conditions.
    pub combine: Combine,
    /// The conditions.
    pub conditions: Vec<Condition>,
}

/// A customer feature that segment rules can test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Feature {
    /// Days since the last purchase.
    RecencyDays,
    /// Number of purchase days.
    Frequency,
    /// Total spend, in currency units.
    MonetaryTotal,
    /// Mean spend per purchase day, in currency units.
    AverageBasket,
    /// Days since the first purchase.
    TenureDays,
    /// Mean days between purchase days (customers with one purchase day have none, and no
    /// condition on it holds for them).
    InterpurchaseDays,
    /// RFM recency score, 1–5 (5 = the most recent fifth of customers).
    RecencyScore,
    /// RFM frequency score, 1–5 (5 = the most frequent fifth).
    FrequencyScore,
    /// RFM monetary score, 1–5 (5 = the highest-spending fifth).
    MonetaryScore,
    /// Share of all revenue, in percent, of the customers who spent more than this one: 0 for
    /// the top customer; ABC analysis puts A below 80, B below 95.
    ValueRankPct,
}

impl Feature {
    /// Every feature, in display order.
    pub const ALL: [Feature; 10] = [
        Feature::RecencyDays,
        Feature::Frequency,
        Feature::MonetaryTotal,
        Feature::AverageBasket,
        Feature::TenureDays,
        Feature::InterpurchaseDays,
        Feature::RecencyScore,
        Feature::FrequencyScore,
        Feature::MonetaryScore,
        Feature::ValueRankPct,
    ];

    /// Human-readable name with unit.
    pub fn label(self) -> &'static str {
        match self {
            Feature::RecencyDays => "recency (days)",
            Feature::Frequency => "frequency (purchase days)",
            Feature::MonetaryTotal => "total spend",
            Feature::AverageBasket => "average basket",
            Feature::TenureDays => "tenure (days)",
            Feature::InterpurchaseDays => "days between purchases",
            Feature::RecencyScore => "RFM recency score (1–5)",
            Feature::FrequencyScore => "RFM frequency score (1–5)",
            Feature::MonetaryScore => "RFM monetary score (1–5)",
            Feature::ValueRankPct => "revenue share of bigger spenders (%)",
        }
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    /// The operator's symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }

    /// Applies the comparison `lhs op rhs`.
    pub fn holds(self, lhs: f64, rhs: f64) -> bool {
        match self {
            Op::Lt => lhs < rhs,
            Op::Le => lhs <= rhs,
            Op::Gt => lhs > rhs,
            Op::Ge => lhs >= rhs,
        }
    }
}

/// One test of a customer feature against a value, e.g. `recency_days <= 90`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The feature tested.
    pub feature: Feature,
    /// The comparison.
    pub op: Op,
    /// The value compared against, in the feature's unit.
    pub value: f64,
}

/// Narrative of a persona, for people reading and presenting the project.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Narrative {
    /// One-paragraph portrait.
    pub summary: String,
    /// What drives this customer.
    pub motivations: String,
    /// What frustrates them.
    pub pain_points: String,
    /// Which rewards they value.
    pub preferred_rewards: String,
}

/// How a persona responds to a loyalty programme. Defaults and their sources are documented in
/// the README (section "Behavioural response defaults").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Response {
    /// Increase of members' purchase rate, in percent (default 5).
    pub frequency_uplift_pct: f64,
    /// Increase of members' spend per purchase, in percent (default 2).
    pub basket_uplift_pct: f64,
    /// Reduction of the dropout probability per tier above the entry tier, in percent (default 5).
    pub dropout_reduction_pct_per_tier: f64,
    /// Purchase-rate acceleration when close to the next tier or reward, in percent (default 20).
    pub goal_gradient_pct: f64,
    /// How close counts as close: within this share of the goal, in percent (default 20).
    pub goal_gradient_distance_pct: f64,
    /// Probability (0–1) that a member who can afford a reward redeems it (default 0.8).
    pub redemption_propensity: f64,
    /// Multiplier (0–1) on the programme's enrolment rate for this persona (default 1).
    pub enrolment_propensity: f64,
}

impl Default for Response {
    fn default() -> Self {
        Response {
            frequency_uplift_pct: 5.0,
            basket_uplift_pct: 2.0,
            dropout_reduction_pct_per_tier: 5.0,
            goal_gradient_pct: 20.0,
            goal_gradient_distance_pct: 20.0,
            redemption_propensity: 0.8,
            enrolment_propensity: 1.0,
        }
    }
}

/// One behavioural response parameter, described for editors and reports: what it means, its
/// unit and range, and where its default comes from.
#[derive(Clone, Copy, Debug)]
pub struct ResponseParameter {
    /// Field name in the project file.
    pub key: &'static str,
    /// Label for people.
    pub label: &'static str,
    /// Unit shown after the value.
    pub unit: &'static str,
    /// Smallest sensible value.
    pub min: f64,
    /// Largest sensible value.
    pub max: f64,
    /// What the parameter does.
    pub meaning: &'static str,
    /// The published basis of its default.
    pub source: &'static str,
    /// Reads it from a response.
    pub get: fn(&Response) -> f64,
    /// Writes it into a response.
    pub set: fn(&mut Response, f64),
}

/// Every behavioural response parameter, in the order editors show them.
pub const RESPONSE_PARAMETERS: [ResponseParameter; 7] = [
    ResponseParameter {
        key: "frequency_uplift_pct",
        label: "Frequency uplift",
        unit: "%",
        min: -50.0,
        max: 100.0,
        meaning: "How much more often a member buys than they would without the programme.",
        source: "Taylor & Neslin (2005, J. Retailing): a short-term sales lift of a few percent \
                 from a points programme; 5 is a middle value.",
        get: |r| r.frequency_uplift_pct,
        set: |r, v| r.frequency_uplift_pct = v,
    },
    ResponseParameter {
        key: "basket_uplift_pct",
        label: "Basket uplift",
        unit: "%",
        min: -50.0,
        max: 100.0,
        meaning: "How much more a member spends per purchase.",
        source: "Lal & Bell (2003, QME): spend-based programmes mostly lift light shoppers; \
                 average basket effects are small.",
        get: |r| r.basket_uplift_pct,
        set: |r, v| r.basket_uplift_pct = v,
    },
    ResponseParameter {
        key: "dropout_reduction_pct_per_tier",
        label: "Dropout reduction per tier",
        unit: "%",
        min: 0.0,
        max: 100.0,
        meaning: "How much lower a member's dropout is for each tier above the entry tier.",
        source: "Verhoef (2003, J. Marketing): programme membership has a positive but modest \
                 effect on retention.",
        get: |r| r.dropout_reduction_pct_per_tier,
        set: |r, v| r.dropout_reduction_pct_per_tier = v,
    },
    ResponseParameter {
        key: "goal_gradient_pct",
        label: "Goal-gradient acceleration",
        unit: "%",
        min: 0.0,
        max: 200.0,
        meaning: "How much faster a member buys when close to the next tier or reward.",
        source: "Kivetz, Urminsky & Zheng (2006, JMR): purchase intervals shortened by about 20% \
                 approaching a coffee-card reward.",
        get: |r| r.goal_gradient_pct,
        set: |r, v| r.goal_gradient_pct = v,
    },
    ResponseParameter {
        key: "goal_gradient_distance_pct",
        label: "Goal-gradient distance",
        unit: "% of the goal",
        min: 0.0,
        max: 100.0,
        meaning: "How close counts as close: within this share of the goal.",
        source: "The last part of the card in Kivetz, Urminsky & Zheng (2006).",
        get: |r| r.goal_gradient_distance_pct,
        set: |r, v| r.goal_gradient_distance_pct = v,
    },
    ResponseParameter {
        key: "redemption_propensity",
        label: "Redemption propensity",
        unit: "probability",
        min: 0.0,
        max: 1.0,
        meaning: "Chance that a member who can afford a reward redeems it.",
        source: "Industry breakage estimates of 20–30% of points never redeemed.",
        get: |r| r.redemption_propensity,
        set: |r, v| r.redemption_propensity = v,
    },
    ResponseParameter {
        key: "enrolment_propensity",
        label: "Enrolment propensity",
        unit: "× enrolment rate",
        min: 0.0,
        max: 1.0,
        meaning: "Multiplier on the programme's enrolment rate for this persona.",
        source: "Neutral default (1).",
        get: |r| r.enrolment_propensity,
        set: |r, v| r.enrolment_propensity = v,
    },
];

/// How `tierlab generate --project` draws synthetic customers for a persona.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyntheticProfile {
    /// Share of generated customers drawn from this persona, in percent.
    pub share_pct: f64,
    /// Mean purchases per year of an active customer.
    pub purchases_per_year: f64,
    /// Mean spend per purchase, in currency units.
    pub average_basket: f64,
    /// Probability of dropping out after any purchase, in percent.
    pub dropout_pct_per_purchase: f64,
    /// Categories bought, with relative weights.
    pub categories: Vec<CategoryWeight>,
}

impl Default for SyntheticProfile {
    fn default() -> Self {
        SyntheticProfile {
            share_pct: 100.0,
            purchases_per_year: 6.0,
            average_basket: 40.0,
            dropout_pct_per_purchase: 10.0,
            categories: Vec::new(),
        }
    }
}

/// A category and its relative weight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryWeight {
    /// Category name as it appears in the data.
    pub category: String,
    /// Relative weight (any positive scale).
    pub weight: f64,
}

/// A persona: a narrative and behavioural response attached to a segment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Persona {
    /// Unique name.
    pub name: String,
    /// Colour in plots.
    pub colour: Colour,
    /// Name of the segment whose customers this persona stands for.
    pub segment: String,
    /// Who they are.
    pub narrative: Narrative,
    /// How they respond to a programme.
    pub response: Response,
    /// How to draw synthetic customers like them (for `tierlab generate --project`).
    pub synthetic: Option<SyntheticProfile>,
}

impl Default for Persona {
    fn default() -> Self {
        Persona {
            name: "New persona".into(),
            colour: Colour::default(),
            segment: String::new(),
            narrative: Narrative::default(),
            response: Response::default(),
            synthetic: None,
        }
    }
}

/// What a tier's thresholds count within the qualification window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum QualifyingMetric {
    /// Spend, in currency units.
    #[default]
    Spend,
    /// Points earned.
    Points,
    /// Number of transactions.
    Transactions,
}

impl QualifyingMetric {
    /// Human-readable name with unit.
    pub fn label(self) -> &'static str {
        match self {
            QualifyingMetric::Spend => "spend",
            QualifyingMetric::Points => "points",
            QualifyingMetric::Transactions => "transactions",
        }
    }
}

/// A tier of a programme.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tier {
    /// Name, e.g. "Gold".
    pub name: String,
    /// What the thresholds count.
    pub metric: QualifyingMetric,
    /// Metric within the window needed to enter the tier.
    pub enter_threshold: f64,
    /// Metric within the window needed to stay at the window's end (soft landing: ≤ enter).
    pub retain_threshold: f64,
    /// Multiplier on base points earned in this tier.
    pub earn_multiplier: f64,
    /// Cost of the tier's benefits per member per year, in currency units.
    pub annual_benefit_cost: f64,
    /// Discount on members' spend in this tier, in percent (a cost to the business).
    pub discount_pct: f64,
}

impl Default for Tier {
    fn default() -> Self {
        Tier {
            name: "New tier".into(),
            metric: QualifyingMetric::Spend,
            enter_threshold: 0.0,
            retain_threshold: 0.0,
            earn_multiplier: 1.0,
            annual_benefit_cost: 0.0,
            discount_pct: 0.0,
        }
    }
}

/// Over which period the qualifying metric is counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum QualificationWindow {
    /// 1 January to 31 December.
    #[default]
    CalendarYear,
    /// The last 12 months, re-evaluated continuously.
    Rolling12Months,
    /// Years counted from each member's enrolment date.
    Anniversary,
    /// Since enrolment, never reset.
    Lifetime,
}

impl QualificationWindow {
    /// Human-readable name.
    pub fn label(self) -> &'static str {
        match self {
            QualificationWindow::CalendarYear => "calendar year",
            QualificationWindow::Rolling12Months => "rolling 12 months",
            QualificationWindow::Anniversary => "anniversary year",
            QualificationWindow::Lifetime => "lifetime",
        }
    }
}

/// What happens to a member who misses the retain threshold at a window's end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DowngradePolicy {
    /// Down one tier at most.
    #[default]
    OneStep,
    /// Straight to the tier the window's metric qualifies for.
    Recompute,
}

impl DowngradePolicy {
    /// Human-readable name.
    pub fn label(self) -> &'static str {
        match self {
            DowngradePolicy::OneStep => "one tier at a time",
            DowngradePolicy::Recompute => "recompute from the window",
        }
    }
}

/// Tier qualification rules.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Qualification {
    /// Window over which the metric is counted.
    pub window: QualificationWindow,
    /// Downgrade rule at the window's end.
    pub downgrade: DowngradePolicy,
    /// Days after a window's end before a downgrade takes effect.
    pub grace_days: u32,
}

/// Extra earning for one product category.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryMultiplier {
    /// Category as it appears in the data.
    pub category: String,
    /// Multiplier on base points.
    pub multiplier: f64,
}

/// A promotion: extra earning between two dates (inclusive).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    /// Name, e.g. "Double points week".
    pub name: String,
    /// First day.
    pub start: Date,
    /// Last day (inclusive).
    pub end: Date,
    /// Multiplier on base points.
    pub multiplier: f64,
}

/// How points are earned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EarningRules {
    /// Base points per currency unit spent.
    pub points_per_currency_unit: f64,
    /// Category multipliers.
    pub category_multipliers: Vec<CategoryMultiplier>,
    /// Promotion windows.
    pub promotions: Vec<Promotion>,
    /// Transactions below this amount earn nothing, in currency units.
    pub min_spend: f64,
    /// Most points one transaction can earn.
    pub cap_points_per_transaction: Option<f64>,
    /// Most points a member can earn in one calendar month.
    pub cap_points_per_month: Option<f64>,
}

impl Default for EarningRules {
    fn default() -> Self {
        EarningRules {
            points_per_currency_unit: 1.0,
            category_multipliers: Vec::new(),
            promotions: Vec::new(),
            min_spend: 0.0,
            cap_points_per_transaction: None,
            cap_points_per_month: None,
        }
    }
}

/// A reward in the catalogue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Reward {
    /// Name, e.g. "Free coffee".
    pub name: String,
    /// Points it costs the member.
    pub points_cost: f64,
    /// What it costs the business, in currency units.
    pub cost: f64,
}

impl Default for Reward {
    fn default() -> Self {
        Reward {
            name: "New reward".into(),
            points_cost: 100.0,
            cost: 1.0,
        }
    }
}

/// When members redeem.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedemptionPolicy {
    /// Balance a member needs before redeeming, in points.
    pub min_balance_points: f64,
}

/// When points expire.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Expiry {
    /// Points never expire.
    #[default]
    Never,
    /// Each lot expires this many months after it was earned.
    AfterEarning {
        /// Months of validity.
        months: u32,
    },
    /// The whole balance expires after this many months without a transaction.
    AfterInactivity {
        /// Months without a transaction.
        months: u32,
    },
}

/// A programme scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Unique name.
    pub name: String,
    /// Free text: the idea behind this design.
    pub description: String,
    /// Tiers from the entry tier upwards. Empty = a flat points programme.
    pub tiers: Vec<Tier>,
    /// Qualification window, downgrade and grace.
    pub qualification: Qualification,
    /// Earning rules.
    pub earning: EarningRules,
    /// Rewards catalogue.
    pub rewards: Vec<Reward>,
    /// Redemption policy.
    pub redemption: RedemptionPolicy,
    /// Points expiry.
    pub expiry: Expiry,
    /// Cost of one point to the business when redeemed without a catalogue reward, in currency
    /// units; also values the outstanding liability.
    pub cost_per_point: f64,
    /// Share of customers who join, in percent.
    pub enrolment_rate_pct: f64,
    /// Personas who respond differently to this scenario than their own response says.
    pub response_overrides: Vec<ResponseOverride>,
}

/// A persona's response to one scenario, in place of the persona's own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResponseOverride {
    /// Name of the persona.
    pub persona: String,
    /// The response under this scenario.
    pub response: Response,
}

impl Scenario {
    /// How `persona` responds to this scenario: its override here, or its own response.
    pub fn response_for<'a>(&'a self, persona: &'a Persona) -> &'a Response {
        self.response_overrides
            .iter()
            .find(|o| o.persona == persona.name)
            .map_or(&persona.response, |o| &o.response)
    }
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: "New scenario".into(),
            description: String::new(),
            tiers: Vec::new(),
            qualification: Qualification::default(),
            earning: EarningRules::default(),
            rewards: Vec::new(),
            redemption: RedemptionPolicy::default(),
            expiry: Expiry::Never,
            cost_per_point: 0.01,
            enrolment_rate_pct: 60.0,
            response_overrides: Vec::new(),
        }
    }
}
