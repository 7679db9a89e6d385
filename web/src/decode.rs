//! The API's JSON answers read into the model's wire types, and the subscription request
//! written as JSON, without serde_json in the browser: the browser's own `JSON.parse` and
//! `JSON.stringify` do the text, and this module reads the parsed values through [`Json`].
//! That saves about a fifth of the site's wasm (serde_json, the derived visitors and chrono's
//! date parser), which the first-load budget needs (ARCHITECTURE.md). The native tests read serde_json values of the model's own
//! types through the same code, so a renamed wire field fails them.

use chrono::NaiveDate;
use covid_model::{Day, RegionLatest, RegionSummary};

/// A parsed JSON value, as the decoders read it: a JS value in the browser, a serde_json value
/// in the native tests.
pub trait Json: Sized {
    /// An object's member; `None` when absent or `null`. Keys are the wire format's names.
    fn member(&self, key: &'static str) -> Option<Self>;
    /// An array's items; `None` when not an array.
    fn items(&self) -> Option<Vec<Self>>;
    fn number(&self) -> Option<f64>;
    fn text(&self) -> Option<String>;
    fn flag(&self) -> Option<bool>;
}

/// Where a decoding error is: a path like `data[3].date`, and what was wrong there.
fn error(path: &str, what: &str) -> String {
    format!("{path}: {what}")
}

fn member<J: Json>(value: &J, path: &str, key: &'static str) -> Result<J, String> {
    value
        .member(key)
        .ok_or_else(|| error(&format!("{path}.{key}"), "missing"))
}

fn text<J: Json>(value: &J, path: &str, key: &'static str) -> Result<String, String> {
    member(value, path, key)?
        .text()
        .ok_or_else(|| error(&format!("{path}.{key}"), "expected a string"))
}

fn optional_text<J: Json>(value: &J, key: &'static str) -> Option<String> {
    value.member(key).and_then(|v| v.text())
}

/// A whole, non-negative number that JSON carries exactly (at most 2^53).
fn count_of<J: Json>(value: &J, path: &str) -> Result<u64, String> {
    match value.number() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_992.0 => Ok(n as u64),
        _ => Err(error(path, "expected a whole number of at least 0")),
    }
}

fn count<J: Json>(value: &J, path: &str, key: &'static str) -> Result<u64, String> {
    count_of(&member(value, path, key)?, &format!("{path}.{key}"))
}

fn optional_count<J: Json>(
    value: &J,
    path: &str,
    key: &'static str,
) -> Result<Option<u64>, String> {
    value
        .member(key)
        .map(|v| count_of(&v, &format!("{path}.{key}")))
        .transpose()
}

fn optional_number<J: Json>(
    value: &J,
    path: &str,
    key: &'static str,
) -> Result<Option<f64>, String> {
    value
        .member(key)
        .map(|v| {
            v.number()
                .ok_or_else(|| error(&format!("{path}.{key}"), "expected a number"))
        })
        .transpose()
}

fn date<J: Json>(value: &J, path: &str, key: &'static str) -> Result<NaiveDate, String> {
    let at = format!("{path}.{key}");
    let text = member(value, path, key)?
        .text()
        .ok_or_else(|| error(&at, "expected a date"))?;
    crate::data::parse_date(&text)
        .ok_or_else(|| error(&at, &format!("expected YYYY-MM-DD, got \"{text}\"")))
}

fn array<J: Json>(value: &J, path: &str, key: &'static str) -> Result<Vec<J>, String> {
    member(value, path, key)?
        .items()
        .ok_or_else(|| error(&format!("{path}.{key}"), "expected an array"))
}

/// What the site reads of a series answer (`/v1/series`, `/v1/regions/{id}/series`).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// As the answer names its place (`Kings, New York`), and its residents.
    pub name: String,
    pub population: Option<u64>,
    pub days: Vec<Day>,
    /// How many times each day was revised after it was first published.
    pub revisions: Vec<u32>,
}

/// A series answer: `{"meta": {"name", "population", …}, "data": [Day, …]}`; the site reads the
/// place's name and residents and the days (the sources are credited in the page's footer, the
/// freshness read from `/v1/status`).
pub fn series<J: Json>(answer: &J) -> Result<Series, String> {
    let meta = member(answer, "", "meta")?;
    let name = text(&meta, ".meta", "name")?;
    let population = optional_count(&meta, ".meta", "population")?;
    let mut revisions = Vec::new();
    let days = array(answer, "", "data")?
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let path = format!("data[{i}]");
            revisions.push(optional_count(day, &path, "revisions")?.unwrap_or(0) as u32);
            Ok(Day {
                date: date(day, &path, "date")?,
                cases: count(day, &path, "cases")?,
                // `null` where not reported (some counties).
                deaths: optional_count(day, &path, "deaths")?,
                recovered: optional_count(day, &path, "recovered")?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Series {
        name,
        population,
        days,
        revisions,
    })
}

/// A value a day held until a revision replaced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replaced {
    /// The vintage of the run that replaced it.
    pub vintage: NaiveDate,
    pub cases: u64,
    /// `None` where not reported (some counties).
    pub deaths: Option<u64>,
}

/// A revisions answer (`/v1/regions/{id}/revisions`): the values the revisions replaced (each
/// change's `before`; a new day's is `null`), in the answer's order.
pub fn replaced<J: Json>(answer: &J) -> Result<Vec<Replaced>, String> {
    let mut out = Vec::new();
    for (i, change) in array(answer, "", "data")?.iter().enumerate() {
        let path = format!("data[{i}]");
        if let Some(before) = change.member("before") {
            let at = format!("{path}.before");
            out.push(Replaced {
                vintage: date(change, &path, "vintage")?,
                cases: count(&before, &at, "cases")?,
                deaths: optional_count(&before, &at, "deaths")?,
            });
        }
    }
    Ok(out)
}

/// `/v1/regions`: every region with its population and newest day.
pub fn regions<J: Json>(answer: &J) -> Result<Vec<RegionSummary>, String> {
    array(answer, "", "regions")?
        .iter()
        .enumerate()
        .map(|(i, region)| {
            let path = format!("regions[{i}]");
            let latest = match region.member("latest") {
                None => None,
                Some(l) => {
                    let path = format!("{path}.latest");
                    Some(RegionLatest {
                        date: date(&l, &path, "date")?,
                        cases: count(&l, &path, "cases")?,
                        deaths: Some(count(&l, &path, "deaths")?),
                        avg7_cases: optional_number(&l, &path, "avg7_cases")?,
                        avg7_deaths: optional_number(&l, &path, "avg7_deaths")?,
                        avg7_cases_per_100k: optional_number(&l, &path, "avg7_cases_per_100k")?,
                        avg7_deaths_per_100k: optional_number(&l, &path, "avg7_deaths_per_100k")?,
                    })
                }
            };
            let day = |key: &'static str| {
                region
                    .member(key)
                    .map(|_| date(region, &path, key))
                    .transpose()
            };
            Ok(RegionSummary {
                id: text(region, &path, "id")?,
                name: text(region, &path, "name")?,
                fips: optional_text(region, "fips"),
                population: optional_count(region, &path, "population")?,
                first_date: day("first_date")?,
                last_date: day("last_date")?,
                count: count(region, &path, "count")? as usize,
                latest,
            })
        })
        .collect()
}

/// What the page says of the data's freshness, from `/v1/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freshness {
    pub newest_day: Option<NaiveDate>,
    /// Older than the API's staleness bound.
    pub stale: bool,
    /// When the stored data last changed, and when the last run ended (RFC 3339).
    pub last_changed: Option<String>,
    pub last_run_at: Option<String>,
}

/// `/v1/status`: `{"newest_day", "stale", "last_changed", "last_run": {"at", …}, …}`.
pub fn status<J: Json>(answer: &J) -> Result<Freshness, String> {
    let stale = member(answer, "", "stale")?
        .flag()
        .ok_or_else(|| error(".stale", "expected true or false"))?;
    Ok(Freshness {
        newest_day: answer
            .member("newest_day")
            .map(|_| date(answer, "", "newest_day"))
            .transpose()?,
        stale,
        last_changed: optional_text(answer, "last_changed"),
        last_run_at: answer
            .member("last_run")
            .and_then(|run| optional_text(&run, "at")),
    })
}

/// A problem answer's `detail`.
pub fn problem_detail<J: Json>(answer: &J) -> Option<String> {
    optional_text(answer, "detail")
}

/// A JSON string literal.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `POST /v1/subscriptions`' answer (`SubscriptionAccepted`): how many subscriptions it made.
pub fn accepted<J: Json>(json: &J) -> Result<u64, String> {
    count(json, "answer", "subscriptions")
}

/// The body of `POST /v1/subscriptions`, as the model's `SubscriptionRequest` reads it.
pub fn subscription(request: &covid_model::SubscriptionRequest) -> String {
    let list = |items: &Option<Vec<String>>| {
        items.as_ref().map(|items| {
            let quoted: Vec<String> = items.iter().map(|i| quote(i)).collect();
            format!("[{}]", quoted.join(","))
        })
    };
    let mut fields = vec![format!("\"email\":{}", quote(&request.email))];
    if let Some(alerts) = list(&request.alerts) {
        fields.push(format!("\"alerts\":{alerts}"));
    }
    if let Some(regions) = list(&request.regions) {
        fields.push(format!("\"regions\":{regions}"));
    }
    format!("{{{}}}", fields.join(","))
}

#[cfg(test)]
impl Json for serde_json::Value {
    fn member(&self, key: &'static str) -> Option<Self> {
        self.get(key).filter(|v| !v.is_null()).cloned()
    }
    fn items(&self) -> Option<Vec<Self>> {
        self.as_array().cloned()
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn text(&self) -> Option<String> {
        self.as_str().map(str::to_string)
    }
    fn flag(&self) -> Option<bool> {
        self.as_bool()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use covid_model::{RegionsResponse, SeriesMeta, SeriesResponse, SubscriptionRequest};
    use serde_json::json;

    fn meta(days: &[Day]) -> SeriesMeta {
        SeriesMeta {
            id: "36047".to_string(),
            name: "Kings, New York".to_string(),
            population: Some(2_559_903),
            source: "NYT and JHU".to_string(),
            first_date: days.first().map(|d| d.date),
            last_date: days.last().map(|d| d.date),
            count: days.len(),
            last_changed: Some("2023-03-24T00:00:00Z".to_string()),
            as_of: None,
            vintage: days.last().map(|d| d.date),
            fields: Default::default(),
        }
    }

    #[test]
    fn a_revisions_answer_reads_as_the_values_each_revision_replaced() {
        use covid_model::{DayHistory, RevisionsMeta, RevisionsResponse, Version};
        let at = |vintage: &str, cases: u64, deaths: u64| {
            let day = Day {
                date: "2021-03-01".parse().unwrap(),
                cases,
                deaths: Some(deaths),
                recovered: None,
            };
            Version::of(Some(vintage.parse().unwrap()), day)
        };
        // Published on 03-01, revised on 03-02 and 03-05: the server's own list of changes.
        let history = DayHistory::new(
            vec![at("2021-03-01", 100, 1), at("2021-03-02", 110, 2)],
            at("2021-03-05", 120, 2),
        );
        let data = covid_model::revisions("NY", &[history]);
        let answer = RevisionsResponse {
            meta: RevisionsMeta {
                source: "NYT".to_string(),
                count: data.len(),
                next_cursor: None,
                next: None,
            },
            data,
        };
        let read = replaced(&serde_json::to_value(&answer).unwrap()).unwrap();
        let replaced_on = |vintage: &str, cases, deaths| Replaced {
            vintage: vintage.parse().unwrap(),
            cases,
            deaths,
        };
        assert_eq!(
            read,
            vec![
                replaced_on("2021-03-02", 100, Some(1)),
                replaced_on("2021-03-05", 110, Some(2))
            ]
        );
        // A county's deaths not reported: `null`, never 0.
        let county = json!({"data": [{"vintage": "2021-03-02", "before": {"cases": 1}}]});
        assert_eq!(
            replaced(&county).unwrap(),
            [replaced_on("2021-03-02", 1, None)]
        );
        let broken = json!({"data": [{"vintage": "2021-03-02", "before": {"deaths": 1}}]});
        assert_eq!(
            replaced(&broken).unwrap_err(),
            "data[0].before.cases: missing"
        );
    }

    #[test]
    fn a_series_answer_reads_as_the_server_wrote_it() {
        let days = crate::fixtures::days();
        let answer = SeriesResponse {
            meta: meta(&days),
            data: days
                .iter()
                .map(|d| covid_model::SeriesDay::of(*d, 1))
                .collect(),
        };
        let read = series(&serde_json::to_value(&answer).unwrap()).unwrap();
        assert_eq!(
            read.days, days,
            "recoveries stop being reported on 2020-12-14"
        );
        assert_eq!(read.revisions, vec![1; days.len()]);
    }

    #[test]
    fn the_regions_answer_reads_as_the_server_wrote_it() {
        let days = crate::fixtures::days();
        let daily = covid_model::daily_per_100k(&days, Some(19_453_561));
        let (day, point) = (days[59], daily[59]);
        let answer = RegionsResponse {
            regions: vec![
                RegionSummary {
                    id: "NY".to_string(),
                    name: "New York".to_string(),
                    fips: Some("36".to_string()),
                    population: Some(19_453_561),
                    first_date: Some(days[0].date),
                    last_date: Some(day.date),
                    count: days.len(),
                    latest: Some(RegionLatest::of(&day, &point)),
                },
                RegionSummary {
                    id: "GU".to_string(),
                    name: "Guam".to_string(),
                    fips: Some("66".to_string()),
                    population: None,
                    first_date: None,
                    last_date: None,
                    count: 0,
                    latest: None,
                },
            ],
        };
        let read = regions(&serde_json::to_value(&answer).unwrap()).unwrap();
        assert_eq!(read, answer.regions);
    }

    #[test]
    fn the_status_answer_reads_as_the_server_wrote_it() {
        let answer = covid_model::StatusResponse {
            last_run: Some(covid_model::LastRun {
                at: "2026-12-05T06:00:03+00:00".to_string(),
                outcome: covid_model::RunStatus::Ok,
                inserted: 0,
                updated: 0,
                unchanged: 1_158,
                duration_ms: 912,
            }),
            newest_day: Some("2023-03-23".parse().unwrap()),
            stale: true,
            stale_after_days: 3,
            last_changed: Some("2023-03-24T06:12:00+00:00".to_string()),
            parked_alerts: 0,
        };
        let read = status(&serde_json::to_value(&answer).unwrap()).unwrap();
        assert_eq!(
            read,
            Freshness {
                newest_day: answer.newest_day,
                stale: true,
                last_changed: answer.last_changed.clone(),
                last_run_at: Some("2026-12-05T06:00:03+00:00".to_string()),
            }
        );
        let empty = status(&json!({"stale": true, "stale_after_days": 3})).unwrap();
        assert_eq!(empty.newest_day, None);
        assert_eq!(
            status(&json!({"stale": 1})).unwrap_err(),
            ".stale: expected true or false"
        );
    }

    #[test]
    fn errors_say_where_and_what() {
        let bad = |data: serde_json::Value| {
            series(&json!({"meta": {"name": "New York"}, "data": data})).unwrap_err()
        };
        assert_eq!(
            bad(json!([{"date": "2020-13-01", "cases": 1, "deaths": 0}])),
            "data[0].date: expected YYYY-MM-DD, got \"2020-13-01\""
        );
        assert_eq!(
            bad(json!([{"date": "2020-12-01", "cases": -1, "deaths": 0}])),
            "data[0].cases: expected a whole number of at least 0"
        );
        assert_eq!(
            bad(json!([{"date": "2020-12-01", "cases": 1.5, "deaths": 0}])),
            "data[0].cases: expected a whole number of at least 0"
        );
        assert_eq!(
            bad(json!([{"date": "2020-12-01", "cases": 1, "deaths": -2}])),
            "data[0].deaths: expected a whole number of at least 0"
        );
        // A county's deaths not reported: `null`, never 0.
        let day = json!([{"date": "2020-12-01", "cases": 1, "deaths": null}]);
        let meta = json!({"name": "Adjuntas, Puerto Rico", "population": 17_363});
        let read = series(&json!({"meta": meta, "data": day})).unwrap();
        assert_eq!(read.days[0].deaths, None);
        assert_eq!(
            (read.name.as_str(), read.population),
            ("Adjuntas, Puerto Rico", Some(17_363))
        );
        assert_eq!(
            series(&json!({"meta": {}, "data": day})).unwrap_err(),
            ".meta.name: missing"
        );
        assert_eq!(bad(json!({})), ".data: expected an array");
        assert_eq!(
            problem_detail(&json!({"title": "Not Found", "detail": "no region ZZ"})),
            Some("no region ZZ".to_string())
        );
    }

    #[test]
    fn the_subscription_body_reads_back_as_the_request() {
        for request in [
            SubscriptionRequest {
                email: "a\"b\\c\u{1}é@example.com".to_string(),
                alerts: Some(vec!["updated".to_string(), "failed".to_string()]),
                regions: Some(vec!["NY".to_string()]),
            },
            SubscriptionRequest {
                email: "reader@example.com".to_string(),
                alerts: Some(vec![]),
                regions: None,
            },
        ] {
            let body = subscription(&request);
            let read: SubscriptionRequest = serde_json::from_str(&body).unwrap();
            assert_eq!(read, request, "{body}");
        }
    }

    #[test]
    fn the_subscription_answer_says_how_many_subscriptions() {
        let answer = covid_model::SubscriptionAccepted {
            status: "confirmation_sent".to_string(),
            subscriptions: 3,
        };
        assert_eq!(accepted(&serde_json::to_value(&answer).unwrap()), Ok(3));
        assert!(accepted(&json!({"status": "confirmation_sent"})).is_err());
    }
}
