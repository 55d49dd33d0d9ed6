//! The columnar transaction store: what the engine reads.

use std::ops::Range;

use std::hash::BuildHasher;
use std::sync::LazyLock;

use hashbrown::{DefaultHashBuilder, HashTable};

use serde::Serialize;

use crate::model::Date;

/// Marks a transaction without a category in [`Transactions::category`].
pub const NO_CATEGORY: u32 = u32::MAX;

/// Transactions in columns, sorted by customer then day (ties keep file order).
///
/// Customer ids are interned: `customer[i]` indexes `customer_ids`. About 20 bytes per
/// transaction plus one id string and 8 bytes of offset per customer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transactions {
    /// Original customer ids, by interned index.
    pub customer_ids: Vec<String>,
    /// Category names, by interned index.
    pub categories: Vec<String>,
    /// Interned customer of each transaction.
    pub customer: Vec<u32>,
    /// Day of each transaction.
    pub day: Vec<Date>,
    /// Amount of each transaction in currency units (negative = refund).
    pub amount: Vec<f64>,
    /// Interned category of each transaction, or [`NO_CATEGORY`].
    pub category: Vec<u32>,
    /// `offsets[c]..offsets[c + 1]` are customer `c`'s transactions.
    pub offsets: Vec<usize>,
}

impl Transactions {
    /// Number of transactions.
    pub fn len(&self) -> usize {
        self.day.len()
    }

    /// True when there is no transaction.
    pub fn is_empty(&self) -> bool {
        self.day.is_empty()
    }

    /// Number of distinct customers.
    pub fn customer_count(&self) -> usize {
        self.customer_ids.len()
    }

    /// Index range of customer `c`'s transactions.
    pub fn range_of(&self, c: u32) -> Range<usize> {
        let c = c as usize;
        self.offsets[c]..self.offsets[c + 1]
    }

    /// Interned index of a customer id.
    pub fn find_customer(&self, id: &str) -> Option<u32> {
        self.customer_ids
            .iter()
            .position(|c| c == id)
            .map(|i| i as u32)
    }

    /// First and last transaction day.
    pub fn date_range(&self) -> Option<(Date, Date)> {
        // Each customer's days are sorted: their first and last bound the range.
        let mut range: Option<(Date, Date)> = None;
        for w in self.offsets.windows(2) {
            if w[0] < w[1] {
                let (a, b) = (self.day[w[0]], self.day[w[1] - 1]);
                range = Some(range.map_or((a, b), |(lo, hi)| (lo.min(a), hi.max(b))));
            }
        }
        range
    }

    /// Transactions, revenue and active customers in each calendar month from the first
    /// transaction's to the last's (months without a transaction included, at zero).
    pub fn monthly_activity(&self) -> Vec<MonthActivity> {
        let Some((first, last)) = self.date_range() else {
            return Vec::new();
        };
        let m0 = first.month_index();
        let mut out: Vec<MonthActivity> = (m0..=last.month_index())
            .map(|k| MonthActivity {
                month: Date::first_of_month_index(k).unwrap_or(first),
                transactions: 0,
                revenue: 0.0,
                active_customers: 0,
            })
            .collect();
        // Month starts, and the day after the last month, to place days without a calendar
        // computation each.
        let starts: Vec<Date> = out
            .iter()
            .map(|m| m.month)
            .chain(Date::first_of_month_index(last.month_index() + 1))
            .collect();
        for w in self.offsets.windows(2) {
            // A customer's days are sorted: the month only moves forward, and each month the
            // customer buys in is counted once.
            let mut k = usize::MAX;
            for i in w[0]..w[1] {
                let day = self.day[i];
                let same =
                    k < out.len() && day < starts.get(k + 1).copied().unwrap_or(Date(i32::MAX));
                if !same {
                    k = starts.partition_point(|&s| s <= day).saturating_sub(1);
                    if let Some(m) = out.get_mut(k) {
                        m.active_customers += 1;
                    }
                }
                if let Some(m) = out.get_mut(k) {
                    m.transactions += 1;
                    m.revenue += self.amount[i];
                }
            }
        }
        for m in &mut out {
            m.revenue = (m.revenue * 100.0).round() / 100.0;
        }
        out
    }

    /// Sum of all amounts (refunds subtract).
    pub fn revenue(&self) -> f64 {
        self.amount.iter().sum()
    }

    /// Approximate heap bytes held.
    pub fn heap_bytes(&self) -> usize {
        let strings: usize = self
            .customer_ids
            .iter()
            .chain(&self.categories)
            .map(|s| s.capacity() + std::mem::size_of::<String>())
            .sum();
        strings
            + self.customer.capacity() * 4
            + self.day.capacity() * 4
            + self.amount.capacity() * 8
            + self.category.capacity() * 4
            + self.offsets.capacity() * 8
    }
}

/// One calendar month of a transaction history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MonthActivity {
    /// The month's first day.
    pub month: Date,
    /// Transactions (refunds included).
    pub transactions: u64,
    /// Sum of the amounts, in currency units (refunds subtract).
    pub revenue: f64,
    /// Customers with at least one transaction in the month.
    pub active_customers: u64,
}

/// Builds a [`Transactions`] from rows in any order.
#[derive(Debug, Default)]
pub struct TransactionsBuilder {
    ids: Interner,
    cats: Interner,
    customer: Vec<u32>,
    day: Vec<Date>,
    amount: Vec<f64>,
    category: Vec<u32>,
}

/// The hasher of the interning tables (foldhash; its seed only affects speed, never the order
/// ids are numbered in, which is the file's).
static HASHER: LazyLock<DefaultHashBuilder> = LazyLock::new(DefaultHashBuilder::default);

fn hash_of(key: &str) -> u64 {
    HASHER.hash_one(key)
}

/// Numbers distinct strings in the order they first appear. Each string is stored once, in the
/// table itself (one memory access finds and compares it).
#[derive(Debug, Default)]
struct Interner {
    table: HashTable<(Box<str>, u32)>,
    /// The last string interned and its number, to skip the lookup on runs of the same one.
    last: Option<(String, u32)>,
}

impl Interner {
    fn intern(&mut self, key: &str) -> u32 {
        if let Some((last, i)) = &self.last
            && last == key
        {
            return *i;
        }
        let hash = hash_of(key);
        let i = match self.table.find(hash, |(k, _)| **k == *key) {
            Some(&(_, i)) => i,
            None => {
                let i = self.table.len() as u32;
                self.table
                    .insert_unique(hash, (key.into(), i), |(k, _)| hash_of(k));
                i
            }
        };
        // Reuse the buffer of the last string: no allocation per row.
        let (last, n) = self.last.get_or_insert_with(|| (String::new(), 0));
        last.clear();
        last.push_str(key);
        *n = i;
        i
    }

    /// The strings by number.
    fn into_list(self) -> Vec<String> {
        let mut list = vec![String::new(); self.table.len()];
        for (k, i) in self.table {
            list[i as usize] = k.into_string();
        }
        list
    }
}

impl TransactionsBuilder {
    /// Adds one transaction.
    pub fn push(&mut self, customer_id: &str, day: Date, amount: f64, category: Option<&str>) {
        let c = self.ids.intern(customer_id);
        let k = match category {
            Some(cat) if !cat.is_empty() => self.cats.intern(cat),
            _ => NO_CATEGORY,
        };
        self.customer.push(c);
        self.day.push(day);
        self.amount.push(amount);
        self.category.push(k);
    }

    /// Number of rows pushed.
    pub fn len(&self) -> usize {
        self.day.len()
    }

    /// True when no row was pushed.
    pub fn is_empty(&self) -> bool {
        self.day.is_empty()
    }

    /// Sorts by customer (counting sort, stable) then by day within each customer.
    pub fn finish(self) -> Transactions {
        let TransactionsBuilder {
            ids,
            cats,
            customer,
            day,
            amount,
            category,
        } = self;
        let id_list = ids.into_list();
        let cat_list = cats.into_list();
        let n = customer.len();
        let mut offsets = vec![0usize; id_list.len() + 1];
        for &c in &customer {
            offsets[c as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        // Destination of each row, then scatter one column at a time to bound peak memory. The
        // customer column is not moved but dropped and rebuilt from the offsets, so that the
        // peak of a 10M-row import holds only the day, amount and category columns, the
        // destinations and one scattered column.
        let mut next = offsets.clone();
        let mut dest = Vec::with_capacity(n);
        for &c in &customer {
            dest.push(next[c as usize] as u32);
            next[c as usize] += 1;
        }
        drop(next);
        drop(customer);
        fn scatter<T: Copy + Default>(src: Vec<T>, dest: &[u32]) -> Vec<T> {
            let mut out = vec![T::default(); src.len()];
            for (v, &d) in src.into_iter().zip(dest) {
                out[d as usize] = v;
            }
            out
        }
        let mut amount = scatter(amount, &dest);
        let mut day = scatter(day_raw(day), &dest);
        let mut category = scatter(category, &dest);
        drop(dest);
        let mut customer: Vec<u32> = Vec::with_capacity(n);
        for c in 0..id_list.len() {
            customer.extend(std::iter::repeat_n(c as u32, offsets[c + 1] - offsets[c]));
        }
        // Within each customer, order by day (stable: same-day rows keep file order).
        let mut perm: Vec<usize> = Vec::new();
        for c in 0..id_list.len() {
            let r = offsets[c]..offsets[c + 1];
            if day[r.clone()].is_sorted() {
                continue;
            }
            perm.clear();
            perm.extend(r.clone());
            perm.sort_by_key(|&i| day[i]);
            let d: Vec<i32> = perm.iter().map(|&i| day[i]).collect();
            let a: Vec<f64> = perm.iter().map(|&i| amount[i]).collect();
            let k: Vec<u32> = perm.iter().map(|&i| category[i]).collect();
            day[r.clone()].copy_from_slice(&d);
            amount[r.clone()].copy_from_slice(&a);
            category[r].copy_from_slice(&k);
        }
        Transactions {
            customer_ids: id_list,
            categories: cat_list,
            customer,
            day: day.into_iter().map(Date).collect(),
            amount,
            category,
            offsets,
        }
    }
}

fn day_raw(days: Vec<Date>) -> Vec<i32> {
    days.into_iter().map(|d| d.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_by_customer_then_day_keeping_file_order_on_ties() {
        let mut b = TransactionsBuilder::default();
        b.push("b", Date(5), 1.0, None);
        b.push("a", Date(9), 2.0, Some("x"));
        b.push("b", Date(1), 3.0, Some("y"));
        b.push("a", Date(9), 4.0, None);
        b.push("a", Date(2), 5.0, Some("x"));
        let t = b.finish();
        assert_eq!(t.customer_ids, vec!["b", "a"]);
        assert_eq!(t.customer, vec![0, 0, 1, 1, 1]);
        assert_eq!(t.day, vec![Date(1), Date(5), Date(2), Date(9), Date(9)]);
        assert_eq!(t.amount, vec![3.0, 1.0, 5.0, 2.0, 4.0]);
        assert_eq!(t.categories, vec!["x", "y"]);
        assert_eq!(t.category, vec![1, NO_CATEGORY, 0, 0, NO_CATEGORY]);
        assert_eq!(t.range_of(1), 2..5);
        assert_eq!(t.date_range(), Some((Date(1), Date(9))));
        assert_eq!(t.revenue(), 15.0);
        assert_eq!(t.find_customer("a"), Some(1));
    }

    #[test]
    fn monthly_activity_counts_each_customer_once_a_month_and_keeps_empty_months() {
        let d = |y, m, day| Date::from_ymd(y, m, day).unwrap();
        let mut b = TransactionsBuilder::default();
        b.push("a", d(2024, 1, 3), 10.0, None);
        b.push("a", d(2024, 1, 20), 5.0, None);
        b.push("b", d(2024, 1, 31), 7.5, None);
        b.push("a", d(2024, 3, 1), -2.0, None);
        let m = b.finish().monthly_activity();
        let months: Vec<String> = m.iter().map(|m| m.month.to_string()).collect();
        assert_eq!(months, ["2024-01-01", "2024-02-01", "2024-03-01"]);
        assert_eq!(
            m.iter()
                .map(|m| (m.transactions, m.revenue, m.active_customers))
                .collect::<Vec<_>>(),
            [(3, 22.5, 2), (0, 0.0, 0), (1, -2.0, 1)]
        );
        assert!(Transactions::default().monthly_activity().is_empty());
    }
}
