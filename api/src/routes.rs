//! The national endpoints, and the answers every region's endpoints share
//! (`regions.rs` serves them per region). Every data answer carries an entity tag and
//! `Last-Modified`, and honours `If-None-Match`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use covid_model::{
    DailyResponse, Day, LastRun, LatestResponse, SeriesMeta, SeriesResponse, StatusResponse,
};
use serde::Serialize;

use crate::App;
use crate::cache::{RegionSeries, Snapshot};
use crate::problem::Problem;

/// Data changes at most daily: a short shared cache, then revalidation with the entity tag.
const DATA_CACHE: &str = "public, max-age=300, stale-while-revalidate=3600";
const STATUS_CACHE: &str = "public, max-age=60";

pub const SOURCE: &str = "The New York Times, Coronavirus (Covid-19) Data in the United States \
    (CC BY-NC 4.0), cases and deaths; Johns Hopkins University CSSE COVID-19 Data (CC BY 4.0), \
    via datasets/covid-19, recoveries.";

/// `from` and `to`: optional inclusive bounds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Range {
    /// First date, inclusive (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date, example = "2020-12-01")]
    pub from: Option<NaiveDate>,
    /// Last date, inclusive (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date, example = "2020-12-31")]
    pub to: Option<NaiveDate>,
}

impl Range {
    /// Parses the query string strictly; unknown parameters are ignored.
    pub fn parse(query: Option<&str>) -> Result<Self, Problem> {
        let mut range = Range::default();
        for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            let slot = match name.as_ref() {
                "from" => &mut range.from,
                "to" => &mut range.to,
                _ => continue,
            };
            if slot.is_some() {
                return Err(Problem::bad_request(format!(
                    "`{name}` is given twice: give it once."
                )));
            }
            *slot = Some(parse_date(&name, &value)?);
        }
        if let (Some(from), Some(to)) = (range.from, range.to)
            && from > to
        {
            return Err(Problem::bad_request(format!(
                "`from` ({from}) is after `to` ({to}): swap them, or drop one."
            )));
        }
        Ok(range)
    }
}

fn parse_date(name: &str, value: &str) -> Result<NaiveDate, Problem> {
    if value.chars().count() > 10 {
        let shown: String = value.chars().take(20).collect();
        return Err(Problem::bad_request(format!(
            "`{name}` is too long ({} characters, starting {shown:?}): give a date as YYYY-MM-DD.",
            value.chars().count()
        )));
    }
    let well_formed = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !well_formed {
        return Err(Problem::bad_request(format!(
            "`{name}` is {value:?}: give a date as YYYY-MM-DD, e.g. 2020-12-01."
        )));
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        Problem::bad_request(format!(
            "`{name}` is {value:?}, which is not a day of the calendar."
        ))
    })
}

pub(crate) fn meta(snapshot: &Snapshot, days: &[Day]) -> SeriesMeta {
    SeriesMeta {
        source: SOURCE.to_string(),
        first_date: days.first().map(|d| d.date),
        last_date: days.last().map(|d| d.date),
        count: days.len(),
        last_changed: snapshot.meta.as_ref().map(|m| m.changed_at.to_rfc3339()),
        fields: BTreeMap::from(
            [
                (
                    "date",
                    "the day, YYYY-MM-DD (US data as of the end of that day)",
                ),
                ("cases", "cumulative confirmed cases, from NYT"),
                ("deaths", "cumulative deaths, from NYT"),
                (
                    "recovered",
                    "cumulative recoveries, from JHU; null when not reported (from 2020-12-14, \
                     and always for states: JHU has none by state)",
                ),
                (
                    "avg7_*_per_100k",
                    "avg7_* per 100,000 residents (JHU populations), unrounded; null without \
                     a population",
                ),
                (
                    "new_*",
                    "change from the day before; negative when a source revised down",
                ),
                ("avg7_*", "mean of new_* over the 7 days ending on the date"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        ),
    }
}

/// An answer with validators: 304 when the client already has this version. `data` is the
/// entity tag of what it is made from.
pub(crate) fn cached(
    request: &HeaderMap,
    snapshot: &Snapshot,
    data: &str,
    kind: &str,
    range: Range,
    body: impl FnOnce() -> (&'static str, Vec<u8>),
) -> Response {
    let mut tag = format!("W/\"{data}-{kind}");
    if let Some(from) = range.from {
        tag.push_str(&format!("-f{from}"));
    }
    if let Some(to) = range.to {
        tag.push_str(&format!("-t{to}"));
    }
    tag.push('"');
    let matches = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|candidate| {
            let candidate = candidate.trim();
            candidate == "*" || candidate.trim_start_matches("W/") == tag.trim_start_matches("W/")
        });
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let (content_type, body) = body();
        let mut response = body.into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        response
    };
    let headers = response.headers_mut();
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(&tag).expect("an entity tag is ASCII"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(DATA_CACHE));
    if let Some(meta) = &snapshot.meta {
        let modified = meta
            .changed_at
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        headers.insert(
            header::LAST_MODIFIED,
            HeaderValue::from_str(&modified).expect("an HTTP date is ASCII"),
        );
    }
    response
}

pub(crate) fn json(value: &impl Serialize) -> (&'static str, Vec<u8>) {
    (
        "application/json",
        serde_json::to_vec(value).expect("wire types serialise"),
    )
}

pub(crate) async fn snapshot(app: &App) -> Result<Arc<Snapshot>, Problem> {
    app.cache.get().await.map_err(|error| {
        tracing::error!(%error, "cannot read the series");
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Data unavailable",
            "The series cannot be read right now; try again in a minute.",
        )
    })
}

/// The cumulative series.
#[utoipa::path(get, path = "/v1/series", params(Range), responses(
    (status = 200, description = "The cumulative series, sorted by date", body = SeriesResponse),
    (status = 304, description = "Not modified (If-None-Match)"),
    (status = 400, description = "A malformed or impossible date, or `from` after `to`", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "The data store is unavailable", body = Problem, content_type = "application/problem+json"),
))]
pub async fn series(
    State(app): State<Arc<App>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let range = Range::parse(query.as_deref())?;
    let snapshot = snapshot(&app).await?;
    Ok(series_answer(&headers, &snapshot, snapshot.us(), range))
}

/// The cumulative series as CSV (`date,cases,deaths,recovered`; empty when not reported).
#[utoipa::path(get, path = "/v1/series.csv", params(Range), responses(
    (status = 200, description = "CSV with the header date,cases,deaths,recovered", body = String, content_type = "text/csv"),
    (status = 304, description = "Not modified (If-None-Match)"),
    (status = 400, description = "A malformed or impossible date, or `from` after `to`", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "The data store is unavailable", body = Problem, content_type = "application/problem+json"),
))]
pub async fn series_csv(
    State(app): State<Arc<App>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let range = Range::parse(query.as_deref())?;
    let snapshot = snapshot(&app).await?;
    Ok(csv_answer(&headers, &snapshot, snapshot.us(), range))
}

/// Daily new cases, deaths and recovered, with 7-day averages.
#[utoipa::path(get, path = "/v1/daily", params(Range), responses(
    (status = 200, description = "Daily changes, sorted by date", body = DailyResponse),
    (status = 304, description = "Not modified (If-None-Match)"),
    (status = 400, description = "A malformed or impossible date, or `from` after `to`", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "The data store is unavailable", body = Problem, content_type = "application/problem+json"),
))]
pub async fn daily(
    State(app): State<Arc<App>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let range = Range::parse(query.as_deref())?;
    let snapshot = snapshot(&app).await?;
    Ok(daily_answer(&headers, &snapshot, snapshot.us(), range))
}

/// The newest day, its change from the day before, and the 7-day averages.
#[utoipa::path(get, path = "/v1/latest", responses(
    (status = 200, description = "The newest day", body = LatestResponse),
    (status = 304, description = "Not modified (If-None-Match)"),
    (status = 503, description = "No data yet, or the data store is unavailable", body = Problem, content_type = "application/problem+json"),
))]
pub async fn latest(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, Problem> {
    let snapshot = snapshot(&app).await?;
    latest_answer(&headers, &snapshot, snapshot.us())
}

/// The entity tag of one region's answers.
fn region_tag(series: &RegionSeries) -> String {
    format!("{}-{}", series.tag(), series.region.id)
}

/// A region's cumulative series in `range`, as JSON.
pub(crate) fn series_answer(
    headers: &HeaderMap,
    snapshot: &Snapshot,
    series: &RegionSeries,
    range: Range,
) -> Response {
    cached(
        headers,
        snapshot,
        &region_tag(series),
        "series",
        range,
        || {
            let days = &series.days[series.range(range.from, range.to)];
            json(&SeriesResponse {
                meta: meta(snapshot, days),
                data: days.to_vec(),
            })
        },
    )
}

/// A region's cumulative series in `range`, as CSV.
pub(crate) fn csv_answer(
    headers: &HeaderMap,
    snapshot: &Snapshot,
    series: &RegionSeries,
    range: Range,
) -> Response {
    cached(headers, snapshot, &region_tag(series), "csv", range, || {
        let days = &series.days[series.range(range.from, range.to)];
        let mut csv = String::with_capacity(32 + days.len() * 32);
        csv.push_str("date,cases,deaths,recovered\n");
        for d in days {
            let recovered = d.recovered.map(|r| r.to_string()).unwrap_or_default();
            csv.push_str(&format!(
                "{},{},{},{}\n",
                d.date, d.cases, d.deaths, recovered
            ));
        }
        ("text/csv; charset=utf-8", csv.into_bytes())
    })
}

/// A region's daily changes and averages in `range`.
pub(crate) fn daily_answer(
    headers: &HeaderMap,
    snapshot: &Snapshot,
    series: &RegionSeries,
    range: Range,
) -> Response {
    cached(
        headers,
        snapshot,
        &region_tag(series),
        "daily",
        range,
        || {
            let span = series.range(range.from, range.to);
            json(&DailyResponse {
                meta: meta(snapshot, &series.days[span.clone()]),
                data: series.daily[span].to_vec(),
            })
        },
    )
}

/// A region's newest day; 503 before any day is loaded.
pub(crate) fn latest_answer(
    headers: &HeaderMap,
    snapshot: &Snapshot,
    series: &RegionSeries,
) -> Result<Response, Problem> {
    let (Some(day), Some(change)) = (series.days.last(), series.daily.last()) else {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "No data yet",
            "The ETL has not loaded any day yet.",
        ));
    };
    Ok(cached(
        headers,
        snapshot,
        &region_tag(series),
        "latest",
        Range::default(),
        || {
            json(&LatestResponse {
                meta: meta(snapshot, std::slice::from_ref(day)),
                day: *day,
                change: *change,
            })
        },
    ))
}

/// The last ETL run, the newest day, and whether the data is stale.
#[utoipa::path(get, path = "/v1/status", responses(
    (status = 200, description = "ETL status", body = StatusResponse),
    (status = 503, description = "The data store is unavailable", body = Problem, content_type = "application/problem+json"),
))]
pub async fn status(State(app): State<Arc<App>>) -> Result<Response, Problem> {
    let snapshot = snapshot(&app).await?;
    let newest_day = snapshot.us().days.last().map(|d| d.date);
    let meta = snapshot.meta.as_ref();
    let body = StatusResponse {
        last_run: meta.and_then(|m| m.last_run.as_ref()).map(|r| LastRun {
            at: r.at.to_rfc3339(),
            outcome: covid_model::RunStatus::Ok,
            inserted: r.inserted,
            updated: r.updated,
            unchanged: r.unchanged,
            duration_ms: r.duration_ms,
        }),
        newest_day,
        stale: newest_day.is_none_or(|d| {
            covid_model::is_stale(d, Utc::now().date_naive(), app.stale_after_days)
        }),
        stale_after_days: app.stale_after_days,
        last_changed: meta.map(|m| m.changed_at.to_rfc3339()),
        parked_alerts: snapshot.parked_alerts,
    };
    if snapshot.parked_alerts > 0 {
        tracing::warn!(parked_alerts = snapshot.parked_alerts, "alerts wait parked");
    }
    let mut response = axum::Json(body).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(STATUS_CACHE),
    );
    Ok(response)
}

/// This API's OpenAPI 3.1 document, generated from the code.
pub async fn openapi() -> Response {
    use utoipa::OpenApi;
    let mut response = axum::Json(crate::ApiDoc::openapi()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
