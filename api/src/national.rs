//! The national endpoints, which are the `US` region's: [`regions`](crate::regions) serves
//! them.

use std::sync::Arc;

use axum::extract::State;
use covid_model::{DailyResponse, LatestResponse, SeriesResponse};

use crate::App;
use crate::answer::Answer;
use crate::extract::{AsOf, IfNoneMatch, Range, RegionPath};
use crate::problem::Problem;
use crate::problem::responses::{BadRange, BeforeHistory, NotModified, Unavailable};
use crate::regions;

const US: RegionPath = RegionPath(covid_model::Place::Region(covid_model::US));

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
