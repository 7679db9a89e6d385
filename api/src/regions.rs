//! The region endpoints: `/v1/regions` (every region with its newest 7-day averages, absolute
//! and per 100k) and `/v1/regions/{id}/…`, the series of one region in each form. The national
//! endpoints are these, for `US`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use covid_model::{DailyResponse, LatestResponse, Place, RegionsResponse, SeriesResponse};

use crate::App;
use crate::answer::{Answer, Body, json};
use crate::answer::{csv_cell, meta, snapshot, unavailable};
use crate::as_of::SeriesAsOf;
use crate::cache::{RegionSeries, Snapshot};
use crate::extract::{AsOf, IfNoneMatch, Range, RegionPath, unknown_region};
use crate::problem::Problem;
use crate::problem::responses::{
    BadRange, NotModified, Unavailable, UnknownRegion, UnknownRegionOrBeforeHistory,
};

/// The current view and the region's or county's series, if it has data.
pub(crate) async fn with_data(
    app: &App,
    place: Place,
) -> Result<(Arc<Snapshot>, Arc<RegionSeries>), Problem> {
    let snapshot = snapshot(app).await?;
    let series = snapshot
        .series(place)
        .await
        .map_err(unavailable)?
        .ok_or_else(|| unknown_region(place.id()))?;
    Ok((snapshot, series))
}

/// The entity tag of what one region's or county's answers are made from.
pub(crate) fn region_tag(series: &RegionSeries) -> String {
    format!("{}-{}", series.tag(), series.place.id())
}

/// The answer of a read of `place`'s series as of `as_of` (the current series without one):
/// `kind` names the view in its entity tag, and `body` makes it from the series and the asked
/// range, only when the client does not hold it.
pub(crate) async fn answer_as_of(
    app: &App,
    place: Place,
    (range, as_of, holds): (Range, AsOf, &IfNoneMatch),
    kind: &str,
    body: impl FnOnce(&Snapshot, &SeriesAsOf<'_>) -> Body,
) -> Result<Answer, Problem> {
    let (snapshot, series) = with_data(app, place).await?;
    let view = SeriesAsOf::of(&series, as_of)?;
    Ok(Answer::new(
        holds,
        &snapshot,
        &region_tag(&series),
        &format!("{kind}{}", as_of.tag()),
        range,
        || body(&snapshot, &view),
    ))
}

/// Every region with data: `US` first, then by name, each with its newest day's 7-day
/// averages, absolute and per 100,000 residents (one request ranks the states).
#[utoipa::path(get, path = "/v1/regions", operation_id = "regions", tag = "regions", responses(
    (status = 200, description = "The regions", body = RegionsResponse),
    NotModified, Unavailable,
))]
pub async fn regions(State(app): State<Arc<App>>, holds: IfNoneMatch) -> Result<Answer, Problem> {
    let snapshot = snapshot(&app).await?;
    let list = snapshot.list().await.map_err(unavailable)?;
    Ok(Answer::new(
        &holds,
        &snapshot,
        list.tag(),
        "regions",
        Range::default(),
        || {
            json(&RegionsResponse {
                regions: list.regions.clone(),
            })
        },
    ))
}

/// A region's cumulative series (`recovered` is `null` for states), each day with how many
/// times it was revised; with `as_of`, as it stood on that date.
#[utoipa::path(get, path = "/v1/regions/{id}/series", operation_id = "region_series", tag = "regions", params(RegionPath, Range, AsOf), responses(
    (status = 200, description = "The region's cumulative series, sorted by date", body = SeriesResponse),
    NotModified, BadRange, UnknownRegionOrBeforeHistory, Unavailable,
))]
pub async fn series(
    State(app): State<Arc<App>>,
    RegionPath(region): RegionPath,
    range: Range,
    as_of: AsOf,
    holds: IfNoneMatch,
) -> Result<Answer, Problem> {
    answer_as_of(
        &app,
        region,
        (range, as_of, &holds),
        "series",
        |snapshot, view| {
            let span = view.range(range.from, range.to);
            json(&SeriesResponse {
                meta: meta(snapshot, view, &view.days[span.clone()]),
                data: view.series_days(span),
            })
        },
    )
    .await
}

/// A region's cumulative series as CSV (`date,cases,deaths,recovered,revisions`); with
/// `as_of`, as it stood on that date.
#[utoipa::path(get, path = "/v1/regions/{id}/series.csv", operation_id = "region_series_csv", tag = "regions", params(RegionPath, Range, AsOf), responses(
    (status = 200, description = "CSV with the header date,cases,deaths,recovered,revisions", body = String, content_type = "text/csv"),
    NotModified, BadRange, UnknownRegionOrBeforeHistory, Unavailable,
))]
pub async fn series_csv(
    State(app): State<Arc<App>>,
    RegionPath(region): RegionPath,
    range: Range,
    as_of: AsOf,
    holds: IfNoneMatch,
) -> Result<Answer, Problem> {
    answer_as_of(&app, region, (range, as_of, &holds), "csv", |_, view| {
        let days = view.series_days(view.range(range.from, range.to));
        let mut csv = String::with_capacity(40 + days.len() * 36);
        csv.push_str("date,cases,deaths,recovered,revisions\n");
        for d in days {
            csv.push_str(&format!(
                "{},{},{},{},{}\n",
                d.date,
                d.cases,
                csv_cell(d.deaths),
                csv_cell(d.recovered),
                d.revisions
            ));
        }
        ("text/csv; charset=utf-8", csv.into_bytes())
    })
    .await
}

/// A region's daily changes with 7-day averages, absolute and per 100,000 residents; with
/// `as_of`, from the series as it stood on that date.
#[utoipa::path(get, path = "/v1/regions/{id}/daily", operation_id = "region_daily", tag = "regions", params(RegionPath, Range, AsOf), responses(
    (status = 200, description = "Daily changes, sorted by date", body = DailyResponse),
    NotModified, BadRange, UnknownRegionOrBeforeHistory, Unavailable,
))]
pub async fn daily(
    State(app): State<Arc<App>>,
    RegionPath(region): RegionPath,
    range: Range,
    as_of: AsOf,
    holds: IfNoneMatch,
) -> Result<Answer, Problem> {
    answer_as_of(
        &app,
        region,
        (range, as_of, &holds),
        "daily",
        |snapshot, view| {
            let span = view.range(range.from, range.to);
            json(&DailyResponse {
                meta: meta(snapshot, view, &view.days[span.clone()]),
                data: view.daily[span].to_vec(),
            })
        },
    )
    .await
}

/// A region's newest day, its change from the day before, and the 7-day averages.
#[utoipa::path(get, path = "/v1/regions/{id}/latest", operation_id = "region_latest", tag = "regions", params(RegionPath), responses(
    (status = 200, description = "The newest day", body = LatestResponse),
    NotModified, UnknownRegion, Unavailable,
))]
pub async fn latest(
    State(app): State<Arc<App>>,
    RegionPath(place): RegionPath,
    holds: IfNoneMatch,
) -> Result<Answer, Problem> {
    let (snapshot, series) = with_data(&app, place).await?;
    let (Some(day), Some(change)) = (series.days.last(), series.daily.last()) else {
        // The nation before the first load; a county whose every day the source withdrew.
        return Err(match place.is_us() {
            true => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "No data yet",
                "The ETL has not loaded any day yet.",
            ),
            false => Problem::new(
                StatusCode::NOT_FOUND,
                "No day",
                format!(
                    "No day of {} ({}) stands: the source withdrew each; its revisions list them.",
                    series.name,
                    place.id()
                ),
            ),
        });
    };
    Ok(Answer::new(
        &holds,
        &snapshot,
        &region_tag(&series),
        "latest",
        Range::default(),
        || {
            json(&LatestResponse {
                meta: meta(
                    &snapshot,
                    &SeriesAsOf::current(&series),
                    std::slice::from_ref(day),
                ),
                day: *day,
                change: *change,
            })
        },
    ))
}
