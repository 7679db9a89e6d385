//! The API's answers and the ETL's run summary, as they travel (JSON).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{DailyPoint, Day, Region, daily_per_100k};

/// What every series answer says about the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeriesMeta {
    /// The place served: `US`, a state's USPS code or a county's id (`36047`).
    pub id: String,
    /// As the answers name it: `New York`, a county with its state's (`Kings, New York`).
    pub name: String,
    /// Its residents (JHU reference table), which the per-100k figures divide by; `null` when
    /// unknown.
    pub population: Option<u64>,
    /// Where the data comes from, and its licences.
    pub source: String,
    /// First and last date of this answer (`null` when it has no days).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub first_date: Option<NaiveDate>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub last_date: Option<NaiveDate>,
    /// Days in this answer.
    pub count: usize,
    /// When the stored data last changed (RFC 3339).
    pub last_changed: Option<String>,
    /// The `as_of` asked for: the data as it stood after the last run whose vintage is on or
    /// before it. Absent for the current data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub as_of: Option<NaiveDate>,
    /// The vintage of the data served (the newest day of the national source of the last run
    /// that wrote it); absent when no run recorded one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub vintage: Option<NaiveDate>,
    /// Short definitions of the data fields.
    pub fields: BTreeMap<String, String>,
}

/// `/v1/series`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeriesResponse {
    pub meta: SeriesMeta,
    pub data: Vec<SeriesDay>,
}

/// A day of a series answer: its values, and how many times they were revised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeriesDay {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, example = "2021-03-16"))]
    pub date: NaiveDate,
    pub cases: u64,
    /// `null` when not reported (some counties), never 0.
    pub deaths: Option<u64>,
    /// `null` when not reported.
    pub recovered: Option<u64>,
    /// How many times the day's values changed after they were first published (as of the
    /// answer's `as_of`); `/v1/regions/{id}/revisions` lists them.
    pub revisions: u32,
}

impl SeriesDay {
    pub fn of(day: Day, revisions: u32) -> Self {
        Self {
            date: day.date,
            cases: day.cases,
            deaths: day.deaths,
            recovered: day.recovered,
            revisions,
        }
    }

    pub fn day(&self) -> Day {
        Day {
            date: self.date,
            cases: self.cases,
            deaths: self.deaths,
            recovered: self.recovered,
        }
    }
}

/// `/v1/revisions` and `/v1/regions/{id}/revisions`: changes in vintage order, one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionsResponse {
    pub meta: RevisionsMeta,
    pub data: Vec<crate::Revision>,
}

/// What a page of revisions says of itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionsMeta {
    pub source: String,
    /// Changes on this page.
    pub count: usize,
    /// The next page's `cursor`; `null` on the last page.
    pub next_cursor: Option<String>,
    /// The next page (this query with its `cursor`); `null` on the last page.
    pub next: Option<String>,
}

/// `/v1/daily`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyResponse {
    pub meta: SeriesMeta,
    pub data: Vec<DailyPoint>,
}

/// `/v1/regions/{id}/levels`: each day's community transmission level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelsResponse {
    pub meta: SeriesMeta,
    pub data: Vec<crate::LevelDay>,
}

/// `/v1/latest`: the newest day, its change from the day before and the 7-day averages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatestResponse {
    pub meta: SeriesMeta,
    pub day: Day,
    pub change: DailyPoint,
}

/// `/v1/regions`: every region with data, `US` first, then by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionsResponse {
    pub regions: Vec<RegionSummary>,
}

/// One region in `/v1/regions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionSummary {
    /// USPS code: `US`, `NY`, …; the `{id}` of `/v1/regions/{id}/…` (any case).
    pub id: String,
    pub name: String,
    /// The two-digit FIPS state code; `null` for the nation.
    pub fips: Option<String>,
    /// Residents (JHU reference table); `null` when unknown.
    pub population: Option<u64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub first_date: Option<NaiveDate>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub last_date: Option<NaiveDate>,
    /// Days stored.
    pub count: usize,
    /// The newest day with its 7-day averages; `null` without days.
    pub latest: Option<RegionLatest>,
}

impl RegionSummary {
    /// The entry of `region` whose stored series is `days` (in date order) and whose residents
    /// are `population`: the API's fallback and the ETL's summary item are both made here.
    pub fn of(region: Region, days: &[Day], population: Option<u64>) -> Self {
        // The newest day's 7-day averages need its week and the day before it.
        let tail = &days[days.len().saturating_sub(8)..];
        Self {
            id: region.id.to_string(),
            name: region.name.to_string(),
            fips: (!region.is_us()).then(|| format!("{:02}", region.fips)),
            population,
            first_date: days.first().map(|d| d.date),
            last_date: days.last().map(|d| d.date),
            count: days.len(),
            latest: tail
                .last()
                .zip(daily_per_100k(tail, population).last())
                .map(|(day, point)| RegionLatest::of(day, point)),
        }
    }
}

/// A region's newest day and its 7-day averages, absolute and per 100,000 residents.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionLatest {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    pub cases: u64,
    /// `null` when not reported (some counties), never 0.
    pub deaths: Option<u64>,
    pub avg7_cases: Option<f64>,
    pub avg7_deaths: Option<f64>,
    pub avg7_cases_per_100k: Option<f64>,
    pub avg7_deaths_per_100k: Option<f64>,
}

impl RegionLatest {
    /// A region's newest day and its daily values.
    pub fn of(day: &Day, point: &DailyPoint) -> Self {
        Self {
            date: day.date,
            cases: day.cases,
            deaths: day.deaths,
            avg7_cases: point.avg7_cases,
            avg7_deaths: point.avg7_deaths,
            avg7_cases_per_100k: point.avg7_cases_per_100k,
            avg7_deaths_per_100k: point.avg7_deaths_per_100k,
        }
    }
}

/// The last ETL run, as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LastRun {
    /// RFC 3339.
    pub at: String,
    /// `ok`: only successful runs are recorded (a failed run writes nothing).
    pub outcome: RunStatus,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub duration_ms: u64,
}

/// `/v1/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusResponse {
    pub last_run: Option<LastRun>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub newest_day: Option<NaiveDate>,
    /// The newest day is more than `stale_after_days` days old.
    pub stale: bool,
    pub stale_after_days: u32,
    /// When the stored data last changed (RFC 3339).
    pub last_changed: Option<String>,
    /// Alerts moved aside after SNS refused them again and again: kept in the table, not sent
    /// (the operator's to look at; the logs name them).
    #[serde(default)]
    pub parked_alerts: u64,
}

/// How an ETL run ended: the `status` of its last stdout line and of its Lambda answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Ok,
    Failed,
}

/// The outcome of one successful ETL pass; also the last stdout line of `etl run`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Always [`RunStatus::Ok`] for a summary; failures are reported as errors.
    pub status: RunStatus,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    /// Over all state days; absent when the state series are not loaded (`NYT_STATES_URL`
    /// empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub states: Option<StateCounts>,
    /// What the run did to the county series; absent when they are not loaded
    /// (`NYT_COUNTIES_URL` empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counties: Option<CountiesRun>,
}

/// What a run did to the county series, in county days (a row of NYT's county file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountiesRun {
    /// The county file's rows.
    pub rows: u64,
    /// County days first written.
    pub new: u64,
    /// County days whose values changed.
    pub revised: u64,
    /// County days the file left out that the table held: recorded as withdrawn.
    pub withdrawn: u64,
    /// Items written: each every county of a state on one day.
    pub items: u64,
    /// States whose county listing (`/v1/regions/{state}/counties`) was written.
    #[serde(default)]
    pub listings: u64,
    /// The file was the one last loaded: no county day was read.
    pub skipped: bool,
}

/// What a run did to the state series, over all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}
