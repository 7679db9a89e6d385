//! Community transmission levels: CDC's bands on new cases per 100,000 residents over the last
//! 7 days (low below 10, moderate 10 to 49.99, substantial 50 to 99.99, high 100 and above),
//! from the same 7-day averages per 100,000 that the API serves and the site draws.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::DailyPoint;

/// A level of community transmission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Level {
    Low,
    Moderate,
    Substantial,
    High,
}

impl Level {
    /// Each level with the lowest 7-day total of new cases per 100,000 in it, lowest first.
    pub const BANDS: [(Level, f64); 4] = [
        (Level::Low, f64::NEG_INFINITY),
        (Level::Moderate, 10.0),
        (Level::Substantial, 50.0),
        (Level::High, 100.0),
    ];

    /// The level of a 7-day total of new cases per 100,000 residents. A total below 0 (the
    /// source revised its count down over the week) is low.
    ///
    /// ```
    /// use covid_model::Level;
    /// assert_eq!(Level::of(9.99), Level::Low);
    /// assert_eq!(Level::of(10.0), Level::Moderate);
    /// assert_eq!(Level::of(100.0), Level::High);
    /// ```
    pub fn of(cases_per_100k_7d: f64) -> Level {
        Level::BANDS
            .iter()
            .rev()
            .find(|(_, low)| cases_per_100k_7d >= *low)
            .map_or(Level::Low, |(level, _)| *level)
    }

    /// Its name in the API (`low`, `moderate`, `substantial`, `high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Moderate => "moderate",
            Level::Substantial => "substantial",
            Level::High => "high",
        }
    }
}

/// One day's level: `null` where the 7-day figure is unknown (the first 7 days, or a region
/// without a population).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelDay {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, example = "2021-03-16"))]
    pub date: NaiveDate,
    pub level: Option<Level>,
    /// New cases per 100,000 residents over the 7 days ending on `date` (7 times the 7-day
    /// average), unrounded.
    pub cases_per_100k_7d: Option<f64>,
}

/// The level of each day of `daily` (a series' daily values with its per-100k averages).
pub fn levels(daily: &[DailyPoint]) -> Vec<LevelDay> {
    daily
        .iter()
        .map(|point| {
            let total = point.avg7_cases_per_100k.map(|avg| avg * 7.0);
            LevelDay {
                date: point.date,
                level: total.map(Level::of),
                cases_per_100k_7d: total,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::day;

    #[test]
    fn the_bands_are_cdc_s() {
        for (total, level) in [
            (-3.0, Level::Low),
            (0.0, Level::Low),
            (9.999, Level::Low),
            (10.0, Level::Moderate),
            (49.99, Level::Moderate),
            (50.0, Level::Substantial),
            (99.99, Level::Substantial),
            (100.0, Level::High),
            (2_500.0, Level::High),
        ] {
            assert_eq!(Level::of(total), level, "{total}");
        }
        assert_eq!(
            serde_json::to_string(&Level::Substantial).unwrap(),
            "\"substantial\""
        );
        assert_eq!(Level::High.as_str(), "high");
    }

    #[test]
    fn a_day_s_level_is_of_its_7_day_total_per_100k() {
        // 30 new cases a day in 100,000 residents: 210 over 7 days, high; none before day 8.
        let days: Vec<_> = (0..10u64)
            .map(|i| day(&format!("2020-03-{:02}", i + 1), 30 * i, 0, None))
            .collect();
        let levels = levels(&crate::daily_per_100k(&days, Some(100_000)));
        assert_eq!(levels[6].level, None, "no 7-day figure yet");
        assert_eq!(levels[7].level, Some(Level::High));
        assert_eq!(levels[7].cases_per_100k_7d, Some(210.0));
        // Without a population, no level.
        assert!(
            super::levels(&crate::daily(&days))
                .iter()
                .all(|l| l.level.is_none())
        );
    }
}
