//! Daily changes and 7-day averages of a cumulative series, absolute and per 100,000
//! residents: the one implementation the API serves and the site draws.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Day;

/// One day's change from the day before, with 7-day averages.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyPoint {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, example = "2021-03-16"))]
    pub date: NaiveDate,
    /// New cases since the day before (negative when the source revised down); `null` on the first day.
    pub new_cases: Option<i64>,
    /// `null` on the first day, and when either day's deaths were not reported.
    pub new_deaths: Option<i64>,
    /// `null` when either day's recoveries were not reported.
    pub new_recovered: Option<i64>,
    /// Mean of `new_cases` over the 7 days ending on `date`; `null` until 7 values exist.
    pub avg7_cases: Option<f64>,
    pub avg7_deaths: Option<f64>,
    pub avg7_recovered: Option<f64>,
    /// The 7-day average of new cases per 100,000 residents, unrounded; `null` where the
    /// average or the population is missing.
    #[serde(default)]
    pub avg7_cases_per_100k: Option<f64>,
    #[serde(default)]
    pub avg7_deaths_per_100k: Option<f64>,
}

/// Daily changes and 7-day averages of a cumulative series (sorted by date, one entry per day).
pub fn daily(days: &[Day]) -> Vec<DailyPoint> {
    daily_per_100k(days, None)
}

/// [`daily`], with the 7-day averages per 100,000 of `population` residents.
pub fn daily_per_100k(days: &[Day], population: Option<u64>) -> Vec<DailyPoint> {
    fn diff(a: Option<u64>, b: Option<u64>) -> Option<i64> {
        Some(b? as i64 - a? as i64)
    }
    /// The exact mean of the 7 values ending at `i`.
    fn mean7(values: &[Option<i64>], i: usize) -> Option<f64> {
        if i < 6 {
            return None;
        }
        let sum = values[i - 6..=i]
            .iter()
            .try_fold(0i64, |acc, v| Some(acc + (*v)?))?;
        Some(sum as f64 / 7.0)
    }
    fn avg7(values: &[Option<i64>], i: usize) -> Option<f64> {
        mean7(values, i).map(|m| (m * 10.0).round() / 10.0)
    }
    let per_100k = |values: &[Option<i64>], i: usize| {
        let people = population.filter(|p| *p > 0)? as f64;
        Some(mean7(values, i)? * 100_000.0 / people)
    };
    let change = |f: fn(&Day) -> Option<u64>| -> Vec<Option<i64>> {
        (0..days.len())
            .map(|i| {
                if i == 0 {
                    None
                } else {
                    diff(f(&days[i - 1]), f(&days[i]))
                }
            })
            .collect()
    };
    let cases = change(|d| Some(d.cases));
    let deaths = change(|d| d.deaths);
    let recovered = change(|d| d.recovered);
    (0..days.len())
        .map(|i| DailyPoint {
            date: days[i].date,
            new_cases: cases[i],
            new_deaths: deaths[i],
            new_recovered: recovered[i],
            avg7_cases: avg7(&cases, i),
            avg7_deaths: avg7(&deaths, i),
            avg7_recovered: avg7(&recovered, i),
            avg7_cases_per_100k: per_100k(&cases, i),
            avg7_deaths_per_100k: per_100k(&deaths, i),
        })
        .collect()
}
