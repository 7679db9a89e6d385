//! Constructors for the workspace's tests: one way to write a day.

use crate::Day;

/// A day from its date (`YYYY-MM-DD`; a bad one panics, as a test's typo should) and counts.
pub fn day(date: &str, cases: u64, deaths: u64, recovered: Option<u64>) -> Day {
    Day {
        date: date
            .parse()
            .unwrap_or_else(|_| panic!("{date:?} is not a date")),
        cases,
        deaths: Some(deaths),
        recovered,
    }
}
