//! Community transmission levels: CDC's bands on new cases per 100,000 residents over the last
//! 7 days (low below 10, moderate 10 to 49.99, substantial 50 to 99.99, high 100 and above),
//! from the same 7-day averages per 100,000 that the API serves and the site draws.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{DailyPoint, Day};

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

/// A region's level on the newest day of its cumulative series `days` (sorted, one entry per
/// day), from its last 8 days; `None` where it is unknown (fewer than 8 days, a gap in the
/// counts, no population). Only the newest day counts for alerts: a revision that moves an old
/// week across a band changes no alert.
pub fn newest_level(days: &[Day], population: Option<u64>) -> Option<LevelDay> {
    let tail = &days[days.len().saturating_sub(8)..];
    let newest = *levels(&crate::daily_per_100k(tail, population)).last()?;
    newest.level.is_some().then_some(newest)
}

/// A region's level moving from one band to another between two runs: what a `level` alert
/// tells its subscribers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelChange {
    /// The region's id (`US`, `NY`, …).
    pub region: String,
    pub from: Level,
    pub to: Level,
    /// The newest day, whose level is `to`.
    pub date: NaiveDate,
    /// New cases per 100,000 residents over the 7 days ending on `date`.
    pub cases_per_100k_7d: f64,
}

/// The regions whose level on their newest day (`now`) differs from the one last announced
/// (`before`), in `now`'s order. A region `before` does not know (its first level, or the first
/// run that computes levels) is no change, nor is a region whose level is now unknown.
pub fn level_changes(
    before: &BTreeMap<String, Level>,
    now: &BTreeMap<String, LevelDay>,
) -> Vec<LevelChange> {
    now.iter()
        .filter_map(|(region, day)| {
            let (from, to) = (*before.get(region)?, day.level?);
            let cases_per_100k_7d = day.cases_per_100k_7d?;
            (from != to).then(|| LevelChange {
                region: region.clone(),
                from,
                to,
                date: day.date,
                cases_per_100k_7d,
            })
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

    #[test]
    fn only_the_newest_day_s_move_between_bands_is_a_change() {
        // 1 new case a day in 100,000 (7 over 7 days: low), then 3 a day (21: moderate).
        let mut cases = 0;
        let days: Vec<_> = (0..20u64)
            .map(|i| {
                cases += if i < 10 { 1 } else { 3 };
                day(&format!("2020-03-{:02}", i + 1), cases, 0, None)
            })
            .collect();
        let newest = newest_level(&days, Some(100_000)).unwrap();
        assert_eq!(newest.date, days[19].date);
        assert_eq!(newest.level, Some(Level::Moderate));
        assert_eq!(newest.cases_per_100k_7d, Some(21.0));
        assert_eq!(
            newest_level(&days[..10], Some(100_000)).unwrap().level,
            Some(Level::Low)
        );
        assert_eq!(newest_level(&days, None), None, "no population");
        assert_eq!(newest_level(&days[..7], Some(100_000)), None, "7 days");

        let now = BTreeMap::from([
            ("NY".to_string(), newest),
            ("CA".to_string(), newest),
            ("TX".to_string(), newest),
        ]);
        let before = BTreeMap::from([
            ("NY".to_string(), Level::Low),
            ("CA".to_string(), Level::Moderate),
            ("GU".to_string(), Level::High),
        ]);
        assert_eq!(
            level_changes(&before, &now),
            [LevelChange {
                region: "NY".to_string(),
                from: Level::Low,
                to: Level::Moderate,
                date: days[19].date,
                cases_per_100k_7d: 21.0,
            }],
            "CA did not move; TX has no earlier level; GU has none now"
        );
    }
}
