//! The national endpoints, which are the `US` region's ([`regions`](crate::regions) serves
//! them), the status, the OpenAPI document, and what every data answer shares: its `meta` and
//! the data read.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use covid_model::{
    DailyResponse, Day, LastRun, LatestResponse, SeriesMeta, SeriesResponse, StatusResponse,
};

use crate::App;
use crate::answer::Answer;
use crate::as_of::SeriesAsOf;
use crate::cache::Snapshot;
use crate::extract::{AsOf, IfNoneMatch, Range, RegionPath};
use crate::problem::Problem;
use crate::problem::responses::{BadRange, BeforeHistory, NotModified, Unavailable};
use crate::regions;

const STATUS_CACHE: &str = "public, max-age=60";

pub const SOURCE: &str = "The New York Times, Coronavirus (Covid-19) Data in the United States \
    (CC BY-NC 4.0), cases and deaths; Johns Hopkins University CSSE COVID-19 Data (CC BY 4.0), \
    via datasets/covid-19, recoveries.";

/// What every data answer says of itself: the source, the span, the fields.
pub(crate) fn meta(snapshot: &Snapshot, view: &SeriesAsOf<'_>, days: &[Day]) -> SeriesMeta {
    SeriesMeta {
        source: SOURCE.to_string(),
        first_date: days.first().map(|d| d.date),
        last_date: days.last().map(|d| d.date),
        count: days.len(),
        last_changed: snapshot.meta.as_ref().map(|m| m.changed_at.to_rfc3339()),
        as_of: view.as_of,
        vintage: view.vintage,
        fields: BTreeMap::from(
            [
                (
                    "date",
                    "the day, YYYY-MM-DD (US data as of the end of that day)",
                ),
                ("cases", "cumulative confirmed cases, from NYT"),
                ("deaths", "cumulative deaths, from NYT"),
                (
                    "revisions",
                    "how many times the day's values changed after they were first published \
                     (/v1/regions/{id}/revisions lists each change)",
                ),
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

/// A read the store failed, as the reader is told of it (the cause is logged, not published).
pub(crate) fn unavailable(error: covid_store::StoreError) -> Problem {
    tracing::error!(%error, "cannot read the series");
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "Data unavailable",
        "The series cannot be read right now; try again in a minute.",
    )
}

pub(crate) async fn snapshot(app: &App) -> Result<Arc<Snapshot>, Problem> {
    app.cache.get().await.map_err(unavailable)
}

const US: RegionPath = RegionPath(covid_model::US);

/// The cumulative series.
#[utoipa::path(get, path = "/v1/series", operation_id = "national_series", tag = "national", params(Range, AsOf), responses(
    (status = 200, description = "The cumulative series, sorted by date", body = SeriesResponse),
    NotModified, BadRange, BeforeHistory, Unavailable,
))]
pub async fn series(
    app: State<Arc<App>>,
    range: Range,
    as_of: AsOf,
    holds: IfNoneMatch,
) -> Result<Answer, Problem> {
    regions::series(app, US, range, as_of, holds).await
}

/// The cumulative series as CSV (`date,cases,deaths,recovered,revisions`; `recovered` empty
/// when not reported).
#[utoipa::path(get, path = "/v1/series.csv", operation_id = "national_series_csv", tag = "national", params(Range, AsOf), responses(
    (status = 200, description = "CSV with the header date,cases,deaths,recovered,revisions", body = String, content_type = "text/csv"),
    NotModified, BadRange, BeforeHistory, Unavailable,
))]
pub async fn series_csv(
    app: State<Arc<App>>,
    range: Range,
    as_of: AsOf,
    holds: IfNoneMatch,
) -> Result<Answer, Problem> {
    regions::series_csv(app, US, range, as_of, holds).await
}

/// Daily new cases, deaths and recovered, with 7-day averages.
#[utoipa::path(get, path = "/v1/daily", operation_id = "national_daily", tag = "national", params(Range, AsOf), responses(
    (status = 200, description = "Daily changes, sorted by date", body = DailyResponse),
    NotModified, BadRange, BeforeHistory, Unavailable,
))]
pub async fn daily(
    app: State<Arc<App>>,
    range: Range,
    as_of: AsOf,
    holds: IfNoneMatch,
) -> Result<Answer, Problem> {
    regions::daily(app, US, range, as_of, holds).await
}

/// The newest day, its change from the day before, and the 7-day averages.
#[utoipa::path(get, path = "/v1/latest", operation_id = "national_latest", tag = "national", responses(
    (status = 200, description = "The newest day", body = LatestResponse),
    NotModified, Unavailable,
))]
pub async fn latest(app: State<Arc<App>>, holds: IfNoneMatch) -> Result<Answer, Problem> {
    regions::latest(app, US, holds).await
}

/// The last ETL run, the newest day, and whether the data is stale.
#[utoipa::path(get, path = "/v1/status", operation_id = "status", tag = "status", responses(
    (status = 200, description = "ETL status", body = StatusResponse),
    Unavailable,
))]
pub async fn status(State(app): State<Arc<App>>) -> Result<Response, Problem> {
    let snapshot = snapshot(&app).await?;
    let meta = snapshot.meta.as_ref();
    let newest_day = meta.map(|m| m.last_date);
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
#[utoipa::path(get, path = "/v1/openapi.json", operation_id = "openapi", tag = "status", responses(
    (status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json"),
))]
pub async fn openapi() -> Response {
    use utoipa::OpenApi;
    let mut response = axum::Json(crate::ApiDoc::openapi()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
