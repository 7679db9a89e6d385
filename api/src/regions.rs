//! The region endpoints: `/v1/regions` (every region with its newest 7-day averages, absolute
//! and per 100k) and `/v1/regions/{id}/…`, which answer as the national endpoints do, for one
//! region. `/v1/regions/US/…` is the national series.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use covid_model::{
    DailyResponse, LatestResponse, Region, RegionLatest, RegionSummary, RegionsResponse,
    SeriesResponse,
};

use crate::App;
use crate::cache::{RegionSeries, Snapshot};
use crate::problem::Problem;
use crate::routes::{self, Range};

/// The `{id}` path parameter: a region's USPS code, in any case.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RegionId {
    /// `US`, or a state's or territory's USPS code (`NY`, `pr`, …); any case.
    #[allow(dead_code)]
    id: String,
}

/// The region a path names, with data; a 404 problem for anything else (never a 5xx).
fn region(
    snapshot: &Snapshot,
    id: Result<Path<String>, PathRejection>,
) -> Result<&RegionSeries, Problem> {
    let id = id.map(|Path(id)| id).unwrap_or_default();
    let shown: String = id.chars().take(20).flat_map(char::escape_debug).collect();
    let unknown = || {
        Problem::new(
            StatusCode::NOT_FOUND,
            "Unknown region",
            format!(
                "\"{shown}\" is not a region with data: use `US` or a state's or territory's \
                 USPS code (see /v1/regions)."
            ),
        )
    };
    let region = Region::by_id(&id).ok_or_else(unknown)?;
    snapshot.series(region).ok_or_else(unknown)
}

/// Every region with data: `US` first, then by name, each with its newest day's 7-day
/// averages, absolute and per 100,000 residents (one request ranks the states).
#[utoipa::path(get, path = "/v1/regions", responses(
    (status = 200, description = "The regions", body = RegionsResponse),
    (status = 304, description = "Not modified (If-None-Match)"),
    (status = 503, description = "The data store is unavailable", body = Problem, content_type = "application/problem+json"),
))]
pub async fn regions(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, Problem> {
    let snapshot = routes::snapshot(&app).await?;
    Ok(routes::cached(
        &headers,
        &snapshot,
        snapshot.tag(),
        "regions",
        Range::default(),
        || {
            let regions = Region::all()
                .into_iter()
                .filter_map(|r| snapshot.series(r))
                .map(summary)
                .collect();
            routes::json(&RegionsResponse { regions })
        },
    ))
}

fn summary(series: &RegionSeries) -> RegionSummary {
    let region = series.region;
    RegionSummary {
        id: region.id.to_string(),
        name: region.name.to_string(),
        fips: (!region.is_us()).then(|| format!("{:02}", region.fips)),
        population: series.population,
        first_date: series.days.first().map(|d| d.date),
        last_date: series.days.last().map(|d| d.date),
        count: series.days.len(),
        latest: series
            .days
            .last()
            .zip(series.daily.last())
            .map(|(day, point)| RegionLatest::of(day, point)),
    }
}

/// A region's cumulative series (`recovered` is `null` for states).
#[utoipa::path(get, path = "/v1/regions/{id}/series", params(RegionId, Range), responses(
    (status = 200, description = "The region's cumulative series, sorted by date", body = SeriesResponse),
    (status = 304, description = "Not modified (If-None-Match)"),
    (status = 400, description = "A malformed or impossible date, or `from` after `to`", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "Not a region with data", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "The data store is unavailable", body = Problem, content_type = "application/problem+json"),
))]
pub async fn series(
    State(app): State<Arc<App>>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let snapshot = routes::snapshot(&app).await?;
    let series = region(&snapshot, id)?;
    let range = Range::parse(query.as_deref())?;
    Ok(routes::series_answer(&headers, &snapshot, series, range))
}

/// A region's cumulative series as CSV (`date,cases,deaths,recovered`).
#[utoipa::path(get, path = "/v1/regions/{id}/series.csv", params(RegionId, Range), responses(
    (status = 200, description = "CSV with the header date,cases,deaths,recovered", body = String, content_type = "text/csv"),
    (status = 304, description = "Not modified (If-None-Match)"),
    (status = 400, description = "A malformed or impossible date, or `from` after `to`", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "Not a region with data", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "The data store is unavailable", body = Problem, content_type = "application/problem+json"),
))]
pub async fn series_csv(
    State(app): State<Arc<App>>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let snapshot = routes::snapshot(&app).await?;
    let series = region(&snapshot, id)?;
    let range = Range::parse(query.as_deref())?;
    Ok(routes::csv_answer(&headers, &snapshot, series, range))
}

/// A region's daily changes with 7-day averages, absolute and per 100,000 residents.
#[utoipa::path(get, path = "/v1/regions/{id}/daily", params(RegionId, Range), responses(
    (status = 200, description = "Daily changes, sorted by date", body = DailyResponse),
    (status = 304, description = "Not modified (If-None-Match)"),
    (status = 400, description = "A malformed or impossible date, or `from` after `to`", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "Not a region with data", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "The data store is unavailable", body = Problem, content_type = "application/problem+json"),
))]
pub async fn daily(
    State(app): State<Arc<App>>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let snapshot = routes::snapshot(&app).await?;
    let series = region(&snapshot, id)?;
    let range = Range::parse(query.as_deref())?;
    Ok(routes::daily_answer(&headers, &snapshot, series, range))
}

/// A region's newest day, its change from the day before, and the 7-day averages.
#[utoipa::path(get, path = "/v1/regions/{id}/latest", params(RegionId), responses(
    (status = 200, description = "The newest day", body = LatestResponse),
    (status = 304, description = "Not modified (If-None-Match)"),
    (status = 404, description = "Not a region with data", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "No data yet, or the data store is unavailable", body = Problem, content_type = "application/problem+json"),
))]
pub async fn latest(
    State(app): State<Arc<App>>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let snapshot = routes::snapshot(&app).await?;
    let series = region(&snapshot, id)?;
    routes::latest_answer(&headers, &snapshot, series)
}
