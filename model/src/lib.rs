//! The day record and the wire types, shared by every part of the system.
//!
//! This crate must stay WASM-safe: no AWS SDK, no I/O, no threads.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

mod region;
mod subscription;
pub use region::{Region, STATES, US};
pub use subscription::{
    Choice, SUBSCRIBABLE, SubscriptionAccepted, SubscriptionRequest, check_email, filter_policy,
    validate,
};

/// One day of the US series: cumulative counts as of the end of `date`.
///
/// `recovered` is `None` when the source did not report it (serialised as `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Day {
    /// ISO date, `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, example = "2021-03-16"))]
    pub date: NaiveDate,
    /// Cumulative confirmed cases (NYT).
    pub cases: u64,
    /// Cumulative deaths (NYT).
    pub deaths: u64,
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

/// One day's change from the day before, with 7-day averages.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyPoint {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, example = "2021-03-16"))]
    pub date: NaiveDate,
    /// New cases since the day before (negative when the source revised down); `null` on the first day.
    pub new_cases: Option<i64>,
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
    daily_per_capita(days, None)
}

/// [`daily`], with the 7-day averages per 100,000 of `population` residents.
pub fn daily_per_capita(days: &[Day], population: Option<u64>) -> Vec<DailyPoint> {
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
    let deaths = change(|d| Some(d.deaths));
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

/// What every series answer says about the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeriesMeta {
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
    /// Short definitions of the data fields.
    pub fields: BTreeMap<String, String>,
}

/// `/v1/series`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeriesResponse {
    pub meta: SeriesMeta,
    pub data: Vec<Day>,
}

/// `/v1/daily`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyResponse {
    pub meta: SeriesMeta,
    pub data: Vec<DailyPoint>,
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

/// A region's newest day and its 7-day averages, absolute and per 100,000 residents.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionLatest {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    pub cases: u64,
    pub deaths: u64,
    pub avg7_cases: Option<f64>,
    pub avg7_deaths: Option<f64>,
    pub avg7_cases_per_100k: Option<f64>,
    pub avg7_deaths_per_100k: Option<f64>,
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
}

/// What a run did to the state series, over all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// What an alert tells: its `event` message attribute, the value subscribers' filter policies
/// match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertKind {
    /// Data changed (new or revised days).
    Updated,
    /// A run failed.
    Failed,
    /// The sources have not moved for a while.
    Stale,
    /// A run found nothing new (sent only when asked for).
    Unchanged,
}

impl AlertKind {
    pub const ALL: [AlertKind; 4] = [
        AlertKind::Updated,
        AlertKind::Failed,
        AlertKind::Stale,
        AlertKind::Unchanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Updated => "updated",
            AlertKind::Failed => "failed",
            AlertKind::Stale => "stale",
            AlertKind::Unchanged => "unchanged",
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

/// A stable fingerprint of a series (FNV-1a 64 over its canonical CSV form), as 16 hex digits.
///
/// Equal series give equal fingerprints on every platform; any change to a date or a count
/// changes it. The ETL stores it to detect "nothing new" with one read; the API can use it as
/// an entity tag.
pub fn fingerprint(days: &[Day]) -> String {
    let mut hash = Fnv::default();
    for day in days {
        let recovered = day.recovered.map(|r| r.to_string()).unwrap_or_default();
        let line = format!("{},{},{},{}\n", day.date, day.cases, day.deaths, recovered);
        hash.eat(line.as_bytes());
    }
    hash.hex()
}

/// The same fingerprint (FNV-1a 64, 16 hex digits) of any text.
pub fn fingerprint_text(text: &str) -> String {
    let mut hash = Fnv::default();
    hash.eat(text.as_bytes());
    hash.hex()
}

struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn eat(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(date: &str, cases: u64, deaths: u64, recovered: Option<u64>) -> Day {
        Day {
            date: date.parse().unwrap(),
            cases,
            deaths,
            recovered,
        }
    }

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
    fn per_capita_averages_are_unrounded_and_need_a_population() {
        let days: Vec<Day> = (0..8u64)
            .map(|i| day(&format!("2020-03-{:02}", i + 1), i * i, i, None))
            .collect();
        let plain = daily(&days);
        assert_eq!(plain[7].avg7_cases_per_100k, None, "no population");
        let d = daily_per_capita(&days, Some(300_000));
        // New cases on days 2..=8: 1, 3, 5, …, 13: 49 in 7 days, 7 a day, per 300,000.
        assert_eq!(d[7].avg7_cases, Some(7.0));
        assert_eq!(d[7].avg7_cases_per_100k, Some(7.0 / 3.0));
        assert_eq!(d[7].avg7_deaths_per_100k, Some(1.0 / 3.0));
        assert_eq!(d[6].avg7_cases_per_100k, None, "no average yet");
        assert_eq!(
            daily_per_capita(&days, Some(0))[7].avg7_cases_per_100k,
            None
        );
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
        c[0].deaths = 1;
        assert_ne!(fingerprint(&a), fingerprint(&c));
        assert_ne!(fingerprint(&a), fingerprint(&a[..1]));
    }
}
