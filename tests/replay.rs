//! Replay engine: hand-computed histories for each window and downgrade policy, edge cases, and
//! property tests of the accounting invariants.

use proptest::prelude::*;
use tierlab::data::store::{Transactions, TransactionsBuilder};
use tierlab::model::*;
use tierlab::sim::replay::{Population, Replay, explain, replay};

fn d(s: &str) -> Date {
    Date::parse_iso(s).unwrap()
}

fn history(rows: &[(&str, &str, f64)]) -> Transactions {
    let mut b = TransactionsBuilder::default();
    for (c, day, amount) in rows {
        b.push(c, d(day), *amount, None);
    }
    b.finish()
}

fn tier(name: &str, metric: QualifyingMetric, enter: f64, retain: f64, mult: f64) -> Tier {
    Tier {
        name: name.into(),
        metric,
        enter_threshold: enter,
        retain_threshold: retain,
        earn_multiplier: mult,
        ..Tier::default()
    }
}

/// Everyone enrols, always redeems what they can, one segment with one persona.
fn project(scenario: Scenario, launch: Option<&str>) -> Project {
    let mut p = Project {
        segments: vec![Segment {
            name: "All".into(),
            ..Segment::default()
        }],
        personas: vec![Persona {
            name: "Everyone".into(),
            segment: "All".into(),
            response: Response {
                redemption_propensity: 1.0,
                ..Response::default()
            },
            ..Persona::default()
        }],
        scenarios: vec![Scenario {
            enrolment_rate_pct: 100.0,
            ..scenario
        }],
        ..Project::default()
    };
    p.settings.launch_date = launch.map(d);
    p
}

fn run(p: &Project, tx: &Transactions) -> Replay {
    let pop = Population::from_project(p, tx);
    replay(p, &p.scenarios[0], tx, &pop)
}

fn ledger(p: &Project, tx: &Transactions, customer: &str) -> Vec<String> {
    let pop = Population::from_project(p, tx);
    let c = tx.find_customer(customer).unwrap();
    explain(p, &p.scenarios[0], tx, &pop, c)
        .unwrap()
        .iter()
        .map(|l| {
            format!(
                "{} {} [{}] {}",
                l.day,
                l.event,
                l.balance,
                l.tier.clone().unwrap_or_default()
            )
        })
        .collect()
}

fn no_redemption() -> RedemptionPolicy {
    RedemptionPolicy {
        min_balance_points: 1e9,
    }
}

fn three_tiers(
    window: QualificationWindow,
    downgrade: DowngradePolicy,
    grace_days: u32,
) -> Scenario {
    Scenario {
        name: "Three tiers".into(),
        tiers: vec![
            tier("Base", QualifyingMetric::Spend, 0.0, 0.0, 1.0),
            tier("Silver", QualifyingMetric::Spend, 100.0, 80.0, 2.0),
            tier("Gold", QualifyingMetric::Spend, 300.0, 250.0, 3.0),
        ],
        qualification: Qualification {
            window,
            downgrade,
            grace_days,
        },
        redemption: no_redemption(),
        ..Scenario::default()
    }
}

fn month<'a>(r: &'a Replay, first_day: &str) -> &'a tierlab::sim::replay::Month {
    r.monthly.iter().find(|m| m.month == d(first_day)).unwrap()
}

#[test]
fn calendar_year_one_step() {
    let tx = history(&[
        ("a", "2023-03-01", 60.0),
        ("a", "2023-06-01", 50.0),  // 110 in the year: Silver from now
        ("a", "2023-09-01", 20.0),  // earns at Silver ×2
        ("a", "2024-05-01", 70.0),  // new year: 70 < 80 to keep Silver
        ("a", "2025-02-01", 10.0),  // back at Base from 2025-01-01
        ("b", "2023-02-01", 350.0), // straight to Gold
        ("b", "2024-03-01", 50.0),  // 50 in 2024: one step down to Silver
        ("b", "2025-02-01", 10.0),
    ]);
    let p = project(
        three_tiers(
            QualificationWindow::CalendarYear,
            DowngradePolicy::OneStep,
            0,
        ),
        None,
    );
    let r = run(&p, &tx);
    // a: 60 + 50 + 40 + 140 + 10; b: 350 + 150 (Gold ×3) + 20 (Silver ×2)
    assert_eq!(r.totals.points_issued, 300 + 520);
    assert_eq!(r.totals.points_outstanding, 820);
    assert_eq!((r.totals.upgrades, r.totals.downgrades), (2, 2));
    assert_eq!(r.totals.members, 2);
    assert_eq!(month(&r, "2024-12-01").tier_members, vec![0, 1, 1]);
    assert_eq!(month(&r, "2025-01-01").tier_members, vec![1, 1, 0]);
    let a = ledger(&p, &tx, "a");
    assert!(
        a.iter()
            .any(|l| l.starts_with("2023-06-01 upgrade to Silver")),
        "{a:#?}"
    );
    assert!(
        a.iter()
            .any(|l| l.starts_with("2025-01-01 downgrade to Base")),
        "{a:#?}"
    );
    assert!(
        a.iter()
            .any(|l| l.starts_with("2023-09-01 purchase 20.00: 40 points (base, Silver ×2)")),
        "{a:#?}"
    );
}

#[test]
fn calendar_year_recompute_drops_to_what_the_year_earned() {
    let tx = history(&[
        ("b", "2023-02-01", 350.0),
        ("b", "2024-03-01", 50.0),
        ("b", "2025-02-01", 10.0),
    ]);
    let p = project(
        three_tiers(
            QualificationWindow::CalendarYear,
            DowngradePolicy::Recompute,
            0,
        ),
        None,
    );
    let r = run(&p, &tx);
    assert_eq!(month(&r, "2025-01-01").tier_members, vec![1, 0, 0]);
    assert_eq!(r.totals.points_issued, 350 + 150 + 10);
    assert_eq!(r.totals.downgrades, 1);
}

#[test]
fn grace_days_delay_the_downgrade_and_requalifying_cancels_it() {
    let rows = [
        ("a", "2023-06-01", 110.0),
        ("a", "2024-05-01", 70.0),
        ("a", "2025-02-01", 10.0),
    ];
    // 31 days of grace: the downgrade lands on 2025-02-01, before that day's purchase.
    let p = project(
        three_tiers(
            QualificationWindow::CalendarYear,
            DowngradePolicy::OneStep,
            31,
        ),
        None,
    );
    let r = run(&p, &history(&rows));
    assert_eq!(r.totals.points_issued, 110 + 140 + 10);
    // 40 days: the purchase on 2025-02-01 still earns at Silver; the one on 2025-03-01 at Base.
    let p = project(
        three_tiers(
            QualificationWindow::CalendarYear,
            DowngradePolicy::OneStep,
            40,
        ),
        None,
    );
    let mut later = rows.to_vec();
    later.push(("a", "2025-03-01", 1.0));
    let r = run(&p, &history(&later));
    assert_eq!(r.totals.points_issued, 110 + 140 + 20 + 1);
    assert_eq!(
        r.totals.downgrades, 1,
        "the downgrade still happens on 2025-02-10"
    );
    // Requalifying within the grace period (80 in the new window) keeps the tier.
    let rows = [
        ("a", "2023-06-01", 110.0),
        ("a", "2024-05-01", 70.0),
        ("a", "2025-01-15", 85.0),
        ("a", "2025-03-01", 1.0),
    ];
    let r = run(&p, &history(&rows));
    assert_eq!(r.totals.downgrades, 0);
}

#[test]
fn anniversary_windows_from_a_leap_day() {
    let tx = history(&[
        ("a", "2024-02-29", 120.0), // enrols and reaches Silver at once
        ("a", "2025-01-10", 10.0),  // first membership year ends 2025-02-27: 130 keeps Silver
        ("a", "2025-03-10", 30.0),  // second year (from 2025-02-28): 30 < 80
        ("a", "2026-03-10", 1.0),
    ]);
    let p = project(
        three_tiers(
            QualificationWindow::Anniversary,
            DowngradePolicy::OneStep,
            0,
        ),
        None,
    );
    let r = run(&p, &tx);
    assert_eq!(r.totals.upgrades, 1);
    assert_eq!(r.totals.downgrades, 1);
    let a = ledger(&p, &tx, "a");
    assert!(
        a.iter()
            .any(|l| l.starts_with("2026-02-28 downgrade to Base")),
        "{a:#?}"
    );
}

#[test]
fn rolling_window_is_checked_at_month_ends() {
    let tx = history(&[
        ("a", "2023-01-10", 120.0),
        ("a", "2023-12-20", 5.0),
        ("a", "2024-03-05", 5.0),
    ]);
    let p = project(
        three_tiers(
            QualificationWindow::Rolling12Months,
            DowngradePolicy::OneStep,
            0,
        ),
        None,
    );
    let r = run(&p, &tx);
    // The 120 leaves the trailing year at the end of January 2024: 5 < 80.
    let a = ledger(&p, &tx, "a");
    assert!(
        a.iter()
            .any(|l| l.starts_with("2024-02-01 downgrade to Base")),
        "{a:#?}"
    );
    assert_eq!(r.totals.points_issued, 120 + 10 + 5);
}

#[test]
fn rolling_window_downgrades_at_the_month_end_its_entries_leave() {
    let tx = history(&[
        // Gold, then idle: the 200 leaves at the end of March 2024 (210 < 250), the 150 at the
        // end of May 2024 (60 < 80).
        ("a", "2023-03-15", 200.0),
        ("a", "2023-05-10", 150.0),
        ("a", "2023-08-01", 60.0),
        ("a", "2025-06-01", 1.0),
        // A refund lowers the window at once: checked at the next month end, not a year later.
        ("b", "2023-01-05", 400.0),
        ("b", "2023-06-10", -200.0),
        ("b", "2023-09-01", 1.0),
        // Earned on a leap day: still in the window on 2025-02-28, gone on 2025-03-31.
        ("d", "2024-02-29", 300.0),
    ]);
    let p = project(
        three_tiers(
            QualificationWindow::Rolling12Months,
            DowngradePolicy::OneStep,
            0,
        ),
        None,
    );
    let downgrades = |c: &str| -> Vec<String> {
        ledger(&p, &tx, c)
            .into_iter()
            .filter(|l| l.contains(" downgrade to "))
            .map(|l| l.split(':').next().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(
        downgrades("a"),
        [
            "2024-04-01 downgrade to Silver",
            "2024-06-01 downgrade to Base"
        ]
    );
    assert_eq!(
        downgrades("b"),
        [
            "2023-07-01 downgrade to Silver",
            "2024-02-01 downgrade to Base"
        ]
    );
    assert_eq!(
        downgrades("d"),
        [
            "2025-04-01 downgrade to Silver",
            "2025-05-01 downgrade to Base"
        ]
    );
    assert_eq!(run(&p, &tx).totals.downgrades, 6);
}

#[test]
fn lifetime_window_never_downgrades() {
    let tx = history(&[("a", "2020-01-10", 120.0), ("a", "2024-12-20", 5.0)]);
    let p = project(
        three_tiers(QualificationWindow::Lifetime, DowngradePolicy::OneStep, 0),
        None,
    );
    let r = run(&p, &tx);
    assert_eq!((r.totals.upgrades, r.totals.downgrades), (1, 0));
}

#[test]
fn expiry_after_earning_and_after_inactivity() {
    let tx = history(&[
        ("a", "2023-01-15", 100.0),
        ("a", "2023-06-01", 10.0),
        ("a", "2024-01-15", 5.0),
    ]);
    let s = Scenario {
        name: "Expiring".into(),
        expiry: Expiry::AfterEarning { months: 12 },
        redemption: no_redemption(),
        ..Scenario::default()
    };
    let p = project(s, None);
    let r = run(&p, &tx);
    // The 100 expire on 2024-01-15, before that day's purchase.
    assert_eq!(r.totals.points_expired, 100);
    assert_eq!(month(&r, "2024-01-01").totals.points_expired, 100);
    assert_eq!(r.totals.points_outstanding, 15);
    let tx = history(&[("c", "2023-01-10", 100.0), ("c", "2023-08-01", 10.0)]);
    let s = Scenario {
        name: "Inactivity".into(),
        expiry: Expiry::AfterInactivity { months: 6 },
        redemption: no_redemption(),
        ..Scenario::default()
    };
    let p = project(s, None);
    let r = run(&p, &tx);
    assert_eq!(r.totals.points_expired, 100);
    assert_eq!(month(&r, "2023-07-01").totals.points_expired, 100);
    assert!(
        ledger(&p, &tx, "c")
            .iter()
            .any(|l| l.starts_with("2023-07-10 100 points expired"))
    );
}

#[test]
fn refunds_claw_back_without_going_negative() {
    let tx = history(&[
        ("d", "2023-01-05", 100.0),
        ("d", "2023-01-06", -150.0),
        ("d", "2023-02-01", 10.0),
    ]);
    let s = Scenario {
        name: "Flat".into(),
        redemption: no_redemption(),
        ..Scenario::default()
    };
    let r = run(&project(s, None), &tx);
    assert_eq!(r.totals.points_clawed_back, 100);
    assert_eq!(r.totals.clawback_shortfall, 50);
    assert_eq!(r.totals.points_issued, 10);
    assert_eq!(r.totals.points_outstanding, 10);
}

#[test]
fn purchases_before_launch_earn_nothing() {
    let tx = history(&[
        ("a", "2023-01-15", 100.0),
        ("a", "2023-02-10", 10.0),
        ("b", "2023-01-20", 5.0),
    ]);
    let s = Scenario {
        name: "Flat".into(),
        redemption: no_redemption(),
        ..Scenario::default()
    };
    let r = run(&project(s, Some("2023-02-01")), &tx);
    assert_eq!(r.totals.points_issued, 10);
    assert_eq!(r.totals.members, 1, "b never came back after the launch");
    assert_eq!(r.eligible_customers, 1);
    assert_eq!(r.totals.revenue, 10.0, "programme-period revenue");
}

/// Two rewards, redeemable from 100 points.
fn catalogue() -> Scenario {
    Scenario {
        name: "Catalogue".into(),
        rewards: vec![
            Reward {
                name: "Small".into(),
                points_cost: 100.0,
                cost: 1.0,
            },
            Reward {
                name: "Big".into(),
                points_cost: 250.0,
                cost: 3.0,
            },
        ],
        redemption: RedemptionPolicy {
            min_balance_points: 100.0,
        },
        ..Scenario::default()
    }
}

#[test]
fn redemptions_take_the_best_affordable_reward_from_the_oldest_points() {
    let tx = history(&[
        ("a", "2023-01-05", 200.0),
        ("a", "2023-02-05", 100.0),
        ("a", "2023-03-05", 1.0),
    ]);
    let s = catalogue();
    let r = run(&project(s, None), &tx);
    // 200: Small twice (100 + 100); 100: Small; 1: nothing.
    assert_eq!(r.totals.redemptions, 3);
    assert_eq!(r.totals.points_redeemed, 300);
    assert_eq!(r.totals.rewards_cost, 3.0);
    let tx = history(&[("a", "2023-01-05", 300.0)]);
    let s = catalogue();
    let r = run(&project(s, None), &tx);
    assert_eq!(
        (
            r.totals.redemptions,
            r.totals.points_redeemed,
            r.totals.points_outstanding
        ),
        (1, 250, 50)
    );
}

#[test]
fn flat_programme_without_rewards_pays_with_points() {
    let tx = history(&[("a", "2023-01-05", 150.0), ("a", "2023-01-06", 50.0)]);
    let s = Scenario {
        name: "Cash back".into(),
        cost_per_point: 0.01,
        redemption: RedemptionPolicy {
            min_balance_points: 100.0,
        },
        ..Scenario::default()
    };
    let r = run(&project(s, None), &tx);
    assert_eq!(r.totals.points_redeemed, 150);
    assert!((r.totals.rewards_cost - 1.5).abs() < 1e-12);
    assert_eq!(r.totals.points_outstanding, 50);
}

#[test]
fn threshold_zero_same_day_and_one_transaction_customers() {
    let tx = history(&[
        ("a", "2023-01-05", 10.0),
        ("a", "2023-01-05", 10.0),
        ("z", "2023-01-07", 3.0),
    ]);
    let mut s = three_tiers(
        QualificationWindow::CalendarYear,
        DowngradePolicy::OneStep,
        0,
    );
    s.tiers[1].enter_threshold = 15.0;
    s.tiers[1].retain_threshold = 0.0;
    let r = run(&project(s, None), &tx);
    assert_eq!(r.totals.members, 2);
    assert_eq!(
        r.totals.upgrades, 1,
        "the second same-day purchase crosses 15"
    );
    // The upgrade comes after the purchase that crosses the threshold: both earn at Base.
    assert_eq!(r.totals.points_issued, 10 + 10 + 3);
}

#[test]
fn caps_and_promotions() {
    let tx = history(&[
        ("a", "2023-03-05", 100.0),
        ("a", "2023-03-06", 100.0),
        ("a", "2023-03-20", 100.0),
        ("a", "2023-04-01", 1.0),
    ]);
    let s = Scenario {
        name: "Capped".into(),
        earning: EarningRules {
            promotions: vec![Promotion {
                name: "Double".into(),
                start: d("2023-03-05"),
                end: d("2023-03-05"),
                multiplier: 2.0,
            }],
            cap_points_per_transaction: Some(150.0),
            cap_points_per_month: Some(300.0),
            ..EarningRules::default()
        },
        redemption: no_redemption(),
        ..Scenario::default()
    };
    let r = run(&project(s, None), &tx);
    // 200 capped to 150; 100; then the month cap leaves 50; April: 1.
    assert_eq!(r.totals.points_issued, 150 + 100 + 50 + 1);
}

// ---------------------------------------------------------------------------------------------
// Property tests over random programmes and histories.

fn arb_scenario() -> impl Strategy<Value = Scenario> {
    (
        0usize..4,
        prop::sample::select(vec![
            QualificationWindow::CalendarYear,
            QualificationWindow::Rolling12Months,
            QualificationWindow::Anniversary,
            QualificationWindow::Lifetime,
        ]),
        prop::bool::ANY,
        0u32..60,
        0u32..3,
        1u32..18,
        prop::collection::vec((1.0f64..500.0, 0.0f64..20.0), 0..3),
        0.0f64..300.0,
        prop::option::of(50.0f64..500.0),
    )
        .prop_map(
            |(
                n_tiers,
                window,
                recompute,
                grace,
                expiry_kind,
                months,
                rewards,
                min_balance,
                cap,
            )| {
                let metrics = [
                    QualifyingMetric::Spend,
                    QualifyingMetric::Points,
                    QualifyingMetric::Transactions,
                ];
                let tiers = (0..n_tiers)
                    .map(|i| {
                        let enter = if i == 0 { 0.0 } else { 40.0 * (i * i) as f64 };
                        tier(
                            &format!("T{i}"),
                            metrics[n_tiers % 3],
                            enter,
                            enter * 0.8,
                            1.0 + i as f64 * 0.5,
                        )
                    })
                    .collect();
                Scenario {
                    name: "Random".into(),
                    tiers,
                    qualification: Qualification {
                        window,
                        downgrade: if recompute {
                            DowngradePolicy::Recompute
                        } else {
                            DowngradePolicy::OneStep
                        },
                        grace_days: grace,
                    },
                    earning: EarningRules {
                        cap_points_per_month: cap,
                        ..EarningRules::default()
                    },
                    rewards: rewards
                        .into_iter()
                        .enumerate()
                        .map(|(i, (pts, cost))| Reward {
                            name: format!("R{i}"),
                            points_cost: pts.ceil(),
                            cost,
                        })
                        .collect(),
                    redemption: RedemptionPolicy {
                        min_balance_points: min_balance,
                    },
                    expiry: match expiry_kind {
                        0 => Expiry::Never,
                        1 => Expiry::AfterEarning { months },
                        _ => Expiry::AfterInactivity { months },
                    },
                    enrolment_rate_pct: 80.0,
                    ..Scenario::default()
                }
            },
        )
}

fn arb_history() -> impl Strategy<Value = Vec<(u8, i32, f64)>> {
    prop::collection::vec((0u8..6, 0i32..1200, -60.0f64..400.0), 1..120)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_point_is_accounted_for(scenario in arb_scenario(), rows in arb_history(), seed in 0u64..1000) {
        let start = d("2022-01-01");
        let mut b = TransactionsBuilder::default();
        for (c, day, amount) in &rows {
            b.push(&format!("c{c}"), start.add_days(*day), (amount * 100.0).round() / 100.0, None);
        }
        let tx = b.finish();
        let mut p = project(scenario, Some("2022-03-01"));
        p.scenarios[0].enrolment_rate_pct = 80.0;
        p.settings.seed = seed;
        let pop = Population::from_project(&p, &tx);
        let r = replay(&p, &p.scenarios[0], &tx, &pop);
        let t = &r.totals;
        prop_assert_eq!(t.points_issued, t.points_redeemed + t.points_expired + t.points_outstanding);
        prop_assert!(t.points_outstanding >= 0);
        // Months add up to the totals, and the last month's stock is the final one.
        let sum = |f: fn(&tierlab::sim::replay::Totals) -> i64| r.monthly.iter().map(|m| f(&m.totals)).sum::<i64>();
        prop_assert_eq!(sum(|t| t.points_issued), t.points_issued);
        prop_assert_eq!(sum(|t| t.points_redeemed), t.points_redeemed);
        prop_assert_eq!(sum(|t| t.points_expired), t.points_expired);
        let last = r.monthly.last().unwrap();
        prop_assert_eq!(last.totals.points_outstanding, t.points_outstanding);
        prop_assert_eq!(last.totals.members, t.members);
        // Tier counts add up to members at every month end.
        if !p.scenarios[0].tiers.is_empty() {
            for m in &r.monthly {
                prop_assert_eq!(m.tier_members.iter().sum::<u64>(), m.totals.members);
            }
            prop_assert_eq!(r.by_tier.iter().map(|t| t.members).sum::<u64>(), t.members);
        }
        // Segments and personas partition the totals.
        prop_assert_eq!(r.by_segment.iter().map(|s| s.points_issued).sum::<i64>(), t.points_issued);
        prop_assert_eq!(r.by_persona.iter().map(|s| s.members).sum::<u64>(), t.members);
        // Per customer: the ledger never goes negative and ends at the outstanding balance.
        let mut outstanding = 0;
        for c in 0..tx.customer_count() as u32 {
            if let Some(lines) = explain(&p, &p.scenarios[0], &tx, &pop, c) {
                let mut balance = 0;
                for l in &lines {
                    balance += l.points;
                    prop_assert!(l.balance >= 0, "{:?}", l);
                    prop_assert_eq!(l.balance, balance, "{:?}", l);
                }
                outstanding += balance;
            }
        }
        prop_assert_eq!(outstanding, t.points_outstanding);
        // Same project and seed: byte-identical output.
        let again = replay(&p, &p.scenarios[0], &tx, &pop);
        prop_assert_eq!(serde_json::to_string(&r).unwrap(), serde_json::to_string(&again).unwrap());
    }
}

#[test]
fn points_expiring_after_the_history_are_still_outstanding() {
    // Found by the property test: a lot expiring the day after the last transaction day.
    let tx = history(&[("a", "2024-12-27", 100.0), ("b", "2025-02-26", 1.0)]);
    let s = Scenario {
        name: "Two months".into(),
        expiry: Expiry::AfterEarning { months: 2 },
        redemption: no_redemption(),
        ..Scenario::default()
    };
    let r = run(&project(s, None), &tx);
    assert_eq!(r.totals.points_expired, 0);
    assert_eq!(r.totals.points_outstanding, 101);
    assert_eq!(r.monthly.last().unwrap().totals.points_outstanding, 101);
}

#[test]
fn progress_is_reported_and_cancel_stops_the_replay() {
    use std::sync::Mutex;
    use std::sync::atomic::AtomicBool;
    use tierlab::sim::replay::replay_with;
    let rows: Vec<(String, String, f64)> = (0..5000)
        .map(|i| {
            (
                format!("c{i}"),
                format!("2023-0{}-1{}", 1 + i % 9, i % 10),
                10.0 + (i % 7) as f64,
            )
        })
        .collect();
    let refs: Vec<(&str, &str, f64)> = rows
        .iter()
        .map(|(c, d, a)| (c.as_str(), d.as_str(), *a))
        .collect();
    let tx = history(&refs);
    let p = project(
        Scenario {
            name: "Flat".into(),
            ..Scenario::default()
        },
        None,
    );
    let pop = Population::from_project(&p, &tx);
    let seen = Mutex::new(Vec::new());
    let keep_going = AtomicBool::new(false);
    let r = replay_with(
        &p,
        &p.scenarios[0],
        &tx,
        &pop,
        &|f| seen.lock().unwrap().push(f),
        &keep_going,
    )
    .unwrap();
    let seen = seen.into_inner().unwrap();
    assert!(seen.len() >= 2, "one call per chunk: {seen:?}");
    assert_eq!(seen.iter().cloned().fold(0.0, f64::max), 1.0);
    assert_eq!(r, replay(&p, &p.scenarios[0], &tx, &pop));
    let stop = AtomicBool::new(true);
    assert!(replay_with(&p, &p.scenarios[0], &tx, &pop, &|_| {}, &stop).is_none());
}
