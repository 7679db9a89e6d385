//! A region's community transmission levels (CDC's bands on new cases per 100,000 residents
//! over 7 days, [`covid_model::Level`]), each day's from the same per-100k averages as
//! `/daily`; with `as_of`, as the data stood on that date.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use covid_model::{LevelDay, LevelsResponse, SeriesMeta};

use crate::App;
use crate::answer::{Answer, json, meta};
use crate::as_of::SeriesAsOf;
use crate::cache::Snapshot;
use crate::extract::{AsOf, IfNoneMatch, Range, RegionPath};
use crate::problem::Problem;
use crate::problem::responses::{BadRange, NotModified, Unavailable, UnknownRegionOrBeforeHistory};
use crate::regions::answer_as_of;

/// The levels of the shown days, and the answer's meta, whose fields are the levels'.
fn shown(snapshot: &Snapshot, view: &SeriesAsOf<'_>, range: Range) -> (SeriesMeta, Vec<LevelDay>) {
    let span = view.range(range.from, range.to);
    let mut meta = meta(snapshot, view, &view.days[span.clone()]);
    meta.fields = BTreeMap::from(
        [
            ("date", "the day, YYYY-MM-DD"),
            (
                "level",
                "CDC's community transmission level of cases_per_100k_7d: low (below 10), \
                 moderate (10 to 49.99), substantial (50 to 99.99), high (100 and above); null \
                 without the figure",
            ),
            (
                "cases_per_100k_7d",
                "new cases per 100,000 residents (JHU populations) over the 7 days ending on the \
                 date, unrounded; null before 7 days or without a population",
            ),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    (meta, covid_model::levels(&view.daily[span]))
}

/// A region's level of community transmission on each day: CDC's bands on the new cases per
/// 100,000 residents over the 7 days ending on it; with `as_of`, as the data stood on that date.
#[utoipa::path(get, path = "/v1/regions/{id}/levels", operation_id = "region_levels", tag = "regions", params(RegionPath, Range, AsOf), responses(
    (status = 200, description = "Each day's level, sorted by date", body = LevelsResponse),
    NotModified, BadRange, UnknownRegionOrBeforeHistory, Unavailable,
))]
pub async fn levels(
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
        "levels",
        |snapshot, view| {
            let (meta, data) = shown(snapshot, view, range);
            json(&LevelsResponse { meta, data })
        },
    )
    .await
}

/// The levels as CSV (`date,level,cases_per_100k_7d`; empty where unknown).
#[utoipa::path(get, path = "/v1/regions/{id}/levels.csv", operation_id = "region_levels_csv", tag = "regions", params(RegionPath, Range, AsOf), responses(
    (status = 200, description = "CSV with the header date,level,cases_per_100k_7d", body = String, content_type = "text/csv"),
    NotModified, BadRange, UnknownRegionOrBeforeHistory, Unavailable,
))]
pub async fn levels_csv(
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
        "levels-csv",
        |snapshot, view| {
            let (_, data) = shown(snapshot, view, range);
            let mut csv = String::with_capacity(40 + data.len() * 32);
            csv.push_str("date,level,cases_per_100k_7d\n");
            for day in data {
                let level = day.level.map(|l| l.as_str()).unwrap_or_default();
                let figure = day
                    .cases_per_100k_7d
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                csv.push_str(&format!("{},{level},{figure}\n", day.date));
            }
            ("text/csv; charset=utf-8", csv.into_bytes())
        },
    )
    .await
}
