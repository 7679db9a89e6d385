//! Test data shared by the native tests of the chart model.

use chrono::{Duration, NaiveDate};
use covid_model::Day;

/// 60 days from 2020-11-20: recoveries reported until 2020-12-13, then not.
pub fn days() -> Vec<Day> {
    let start: NaiveDate = "2020-11-20".parse().unwrap();
    (0..60u64)
        .map(|i| {
            let date = start + Duration::days(i as i64);
            Day {
                date,
                cases: 1000 + i * i * 10,
                deaths: Some(10 + i),
                recovered: (date < "2020-12-14".parse().unwrap()).then_some(500 + i),
            }
        })
        .collect()
}
