//! The day record and the wire types, shared by every part of the system: `Day`, the alert
//! kinds and the staleness rule here; `daily.rs` (changes, 7-day averages, per 100k), `wire.rs`
//! (the API's answers, the run summary), `history.rs` (every value a day held, the series as
//! of a date, its revisions), `fingerprint.rs`, `region.rs` (the 56 regions), `county.rs` and
//! `place.rs` (county ids; what a region path names: the nation, a state or a county),
//! `subscription.rs` (the subscription request, its checks, its SNS filter policy).
//!
//! This crate must stay WASM-safe: no AWS SDK, no I/O, no threads.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

mod county;
mod county_wire;
mod daily;
mod fingerprint;
mod history;
mod level;
mod place;
mod place_wire;
mod region;
mod subscription;
mod wire;

/// Constructors for tests (the `testing` feature, which the crates turn on for their tests).
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub use county::{CountyCounts, county_id, county_state};
pub use county_wire::{CountiesResponse, CountySummary, county_note};
pub use daily::{DailyPoint, daily, daily_per_100k};
pub use fingerprint::{fingerprint, fingerprint_text};
pub use history::{
    Counts, DayHistory, Revision, RevisionKind, Version, first_vintage, last_vintage, revisions,
    series_as_of, vintage_as_of,
};
pub use level::{Level, LevelChange, LevelDay, level_changes, levels, newest_level};
pub use place::{CountyId, Place};
pub use place_wire::{PlaceName, PlacesResponse};
pub use region::{Region, STATES, US};
pub use subscription::{
    Audience, Choice, MAX_SUBSCRIPTIONS, SUBSCRIBABLE, SubscriptionAccepted, SubscriptionRequest,
    audience, check_email, recipient, validate,
};
pub use wire::{
    CountiesRun, DailyResponse, LastRun, LatestResponse, LevelsResponse, RegionLatest,
    RegionSummary, RegionsResponse, RevisionsMeta, RevisionsResponse, RunStatus, RunSummary,
    SeriesDay, SeriesMeta, SeriesResponse, StateCounts, StatusResponse,
};

/// One day of the US series: cumulative counts as of the end of `date`.
///
/// `deaths` and `recovered` are `None` when the source did not report them (serialised as
/// `null`, never 0): NYT reports deaths for the nation and every state, not for some counties
/// (Puerto Rico's municipios).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Day {
    /// ISO date, `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, example = "2021-03-16"))]
    pub date: NaiveDate,
    /// Cumulative confirmed cases (NYT).
    pub cases: u64,
    /// Cumulative deaths (NYT); `null` when not reported.
    pub deaths: Option<u64>,
    /// Cumulative recoveries (JHU US total); `null` when not reported.
    pub recovered: Option<u64>,
}

/// `29569140` -> `29,569,140`: how counts are shown to people (alerts, the site).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `STALE_AFTER_DAYS` when unset: both the ETL's alert and the API's status use it.
pub const DEFAULT_STALE_AFTER_DAYS: u32 = 3;

/// The `STALE_AFTER_DAYS` setting (`None`: unset), parsed once for every binary.
pub fn stale_after_days(raw: Option<&str>) -> Result<u32, String> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(DEFAULT_STALE_AFTER_DAYS),
        Some(raw) => raw
            .parse()
            .map_err(|_| format!("STALE_AFTER_DAYS {raw:?} is not a whole number of days")),
    }
}

/// The staleness rule: the newest day is more than `after_days` days before `today`.
pub fn is_stale(newest: NaiveDate, today: NaiveDate, after_days: u32) -> bool {
    (today - newest).num_days() > i64::from(after_days)
}

/// What an alert tells: its `event` message attribute (which the operator's filter policy
/// matches), and the first word of its subscribers' topic names (`subscription.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertKind {
    /// Data changed (new or revised days).
    Updated,
    /// A run failed.
    Failed,
    /// The sources have not moved for a while.
    Stale,
    /// A region's community transmission level changed (`level.rs`).
    Level,
    /// A run found nothing new (sent only when asked for).
    Unchanged,
    /// A run failed, in full detail (the raw error): the operator's alone. No self-service
    /// choice matches it; `failed` tells subscribers what is safe to publish.
    #[serde(rename = "failed_detail")]
    FailedDetail,
}

impl AlertKind {
    pub const ALL: [AlertKind; 6] = [
        AlertKind::Updated,
        AlertKind::Failed,
        AlertKind::Stale,
        AlertKind::Level,
        AlertKind::Unchanged,
        AlertKind::FailedDetail,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Updated => "updated",
            AlertKind::Failed => "failed",
            AlertKind::Stale => "stale",
            AlertKind::Level => "level",
            AlertKind::Unchanged => "unchanged",
            AlertKind::FailedDetail => "failed_detail",
        }
    }

    /// The kind named `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for AlertKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::day;

    #[test]
    fn day_serialises_iso_date_and_null_recovered() {
        let json = serde_json::to_string(&day("2020-12-14", 16, 3, None)).unwrap();
        assert_eq!(
            json,
            r#"{"date":"2020-12-14","cases":16,"deaths":3,"recovered":null}"#
        );
    }

    #[test]
    fn daily_changes_and_seven_day_averages() {
        let days: Vec<Day> = (0..9u64)
            .map(|i| {
                day(
                    &format!("2020-03-{:02}", i + 1),
                    i * 10,
                    i,
                    if i < 7 { Some(i) } else { None },
                )
            })
            .collect();
        let d = daily(&days);
        assert_eq!(d.len(), 9);
        assert_eq!((d[0].new_cases, d[0].avg7_cases), (None, None));
        assert_eq!(d[1].new_cases, Some(10));
        assert_eq!(d[6].avg7_cases, None, "needs 7 changes: days 1..=7");
        assert_eq!(d[7].avg7_cases, Some(10.0));
        assert_eq!(d[7].new_recovered, None, "recovered not reported on day 8");
        assert_eq!(d[6].avg7_recovered, None);
        // A downward revision is a negative change, not an error.
        let revised = [
            day("2021-06-03", 100, 5, None),
            day("2021-06-04", 90, 5, None),
        ];
        assert_eq!(daily(&revised)[1].new_cases, Some(-10));
    }

    #[test]
    fn per_100k_averages_are_unrounded_and_need_a_population() {
        let days: Vec<Day> = (0..8u64)
            .map(|i| day(&format!("2020-03-{:02}", i + 1), i * i, i, None))
            .collect();
        let plain = daily(&days);
        assert_eq!(plain[7].avg7_cases_per_100k, None, "no population");
        let d = daily_per_100k(&days, Some(300_000));
        // New cases on days 2..=8: 1, 3, 5, …, 13: 49 in 7 days, 7 a day, per 300,000.
        assert_eq!(d[7].avg7_cases, Some(7.0));
        assert_eq!(d[7].avg7_cases_per_100k, Some(7.0 / 3.0));
        assert_eq!(d[7].avg7_deaths_per_100k, Some(1.0 / 3.0));
        assert_eq!(d[6].avg7_cases_per_100k, None, "no average yet");
        assert_eq!(daily_per_100k(&days, Some(0))[7].avg7_cases_per_100k, None);
    }

    #[test]
    fn unreported_deaths_are_no_change_and_no_average_never_zero() {
        let mut days: Vec<Day> = (0..9u64)
            .map(|i| day(&format!("2021-07-{:02}", i + 1), 10 * i, i, None))
            .collect();
        days[4].deaths = None;
        let d = daily_per_100k(&days, Some(100_000));
        assert_eq!((d[4].new_deaths, d[5].new_deaths), (None, None));
        assert_eq!(d[6].new_deaths, Some(1));
        assert_eq!(d[4].new_cases, Some(10), "cases are unaffected");
        assert_eq!((d[8].avg7_deaths, d[8].avg7_deaths_per_100k), (None, None));
        assert_eq!(d[8].avg7_cases, Some(10.0));
        // A series with every count keeps the fingerprint it had before deaths could be
        // unreported; an unreported count is not a zero.
        let mut zero = days.clone();
        zero[4].deaths = Some(0);
        assert_ne!(fingerprint(&days), fingerprint(&zero));
        assert_eq!(
            fingerprint(&days[..1]),
            fingerprint_text("2021-07-01,0,0,\n")
        );
    }

    #[test]
    fn a_region_summary_is_the_newest_day_of_the_whole_series() {
        let first: chrono::NaiveDate = "2020-03-01".parse().unwrap();
        let days: Vec<Day> = (0..40u64)
            .map(|i| Day {
                date: first + chrono::Days::new(i),
                cases: i * i,
                deaths: Some(i),
                recovered: None,
            })
            .collect();
        let ny = Region::by_id("NY").unwrap();
        let summary = RegionSummary::of(ny, &days, Some(19_453_561));
        let full = daily_per_100k(&days, Some(19_453_561));
        assert_eq!(
            summary.latest,
            Some(RegionLatest::of(&days[39], &full[39])),
            "the tail gives what the whole series gives"
        );
        assert_eq!(
            (summary.id.as_str(), summary.fips.as_deref()),
            ("NY", Some("36"))
        );
        assert_eq!(
            (summary.count, summary.first_date),
            (40, Some(days[0].date))
        );
        let us = RegionSummary::of(US, &[], None);
        assert_eq!((us.fips, us.latest, us.count), (None, None, 0));
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(29_569_140), "29,569,140");
    }

    #[test]
    fn staleness_rule() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(!is_stale(d("2023-03-20"), d("2023-03-23"), 3));
        assert!(is_stale(d("2023-03-20"), d("2023-03-24"), 3));
    }

    #[test]
    fn alert_kinds_round_trip_their_names() {
        for kind in AlertKind::ALL {
            assert_eq!(AlertKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
        assert_eq!(AlertKind::parse("Updated"), None);
    }

    #[test]
    fn fingerprint_is_stable_and_sensitive() {
        let a = [
            day("2020-01-22", 1, 0, Some(0)),
            day("2020-01-23", 1, 0, None),
        ];
        // Pinned values: a change of algorithm would silently invalidate every stored fingerprint.
        assert_eq!(fingerprint(&a), fingerprint(&a.clone()));
        assert_eq!(fingerprint(&[]), "cbf29ce484222325");
        // The snapshot's first four joined days, and with its last (recoveries not reported);
        // computed independently (FNV-1a 64 over `date,cases,deaths,recovered\n` lines).
        let mut real = vec![
            day("2020-01-22", 1, 0, Some(0)),
            day("2020-01-23", 1, 0, Some(0)),
            day("2020-01-24", 2, 0, Some(0)),
            day("2020-01-25", 3, 0, Some(0)),
        ];
        assert_eq!(fingerprint(&real), "80ce4185c36b543a");
        real.push(day("2021-03-16", 29_569_140, 536_491, None));
        assert_eq!(fingerprint(&real), "cd946b9167dc1bfd");
        let mut b = a;
        b[1].recovered = Some(0);
        assert_ne!(fingerprint(&a), fingerprint(&b), "null and 0 must differ");
        let mut c = a;
        c[0].deaths = Some(1);
        assert_ne!(fingerprint(&a), fingerprint(&c));
        assert_ne!(fingerprint(&a), fingerprint(&a[..1]));
    }
}
