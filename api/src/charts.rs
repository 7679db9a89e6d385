//! The images, drawn by the site's own drawing code (the `covid-chart` crate):
//! `GET /v1/regions/{id}/chart.svg`, a region's chart to embed, with a title, the newest day and
//! the source; and `GET /v1/map.svg`, the states and territories coloured by their newest 7-day
//! average per 100,000 residents, which the site puts in its page. Data answers like the others:
//! an entity tag per data version and query, the schedule's caching, CORS, and a 400 problem for
//! a bad parameter.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use covid_chart::data::Data;
use covid_chart::embed::Embed;
use covid_chart::metric::Metric;

use crate::App;
use crate::answer::Answer;
use crate::answer::{snapshot, unavailable};
use crate::as_of::SeriesAsOf;
use crate::extract::{AsOf, IfNoneMatch, Range, RegionPath};
use crate::problem::Problem;
use crate::problem::responses::{NotModified, Unavailable, UnknownRegionOrBeforeHistory};
use crate::regions::{RegionId, region_tag, with_data};

/// The chart's query, read by [`Embed::parse`]; a bad value is a 400 problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbedQuery(pub Embed);

impl EmbedQuery {
    /// The query names it reads: every parameter of the drawing.
    pub const NAMES: &'static [&'static str] = &covid_chart::embed::PARAMETERS;
}

impl<S: Send + Sync> FromRequestParts<S> for EmbedQuery {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        parse(parts, |_| true).map(EmbedQuery)
    }
}

/// The query's parameters that `keep` names, read by [`Embed::parse`] (strictly; a bad one is a
/// 400 problem that names it).
fn parse(parts: &Parts, keep: impl Fn(&str) -> bool) -> Result<Embed, Problem> {
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .filter(|(k, _)| keep(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    Embed::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(Problem::bad_request)
}

/// The chart's parameters, for the OpenAPI document ([`EmbedQuery`] reads them).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ChartParams {
    /// `cases` (default) or `deaths`.
    #[param(value_type = Option<String>, pattern = "^(cases|deaths)$")]
    metric: Option<String>,
    /// `daily` (default: new values as bars, with the 7-day average) or `cumulative`.
    #[param(value_type = Option<String>, pattern = "^(daily|cumulative)$")]
    view: Option<String>,
    /// `1`: 7-day averages per 100,000 residents; `0` (default): counts.
    #[param(value_type = Option<String>, pattern = "^[01]$")]
    percap: Option<String>,
    /// `linear` (default) or `log`.
    #[param(value_type = Option<String>, pattern = "^(linear|log)$")]
    scale: Option<String>,
    /// The newest days shown, 1 to 3660 (default 90), counted back from `to`; or `all`. Not
    /// with `from`.
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]{0,3}|all)$", example = "90")]
    days: Option<String>,
    /// First day shown, inclusive (`YYYY-MM-DD`); not with `days`.
    #[param(value_type = Option<String>, format = Date)]
    from: Option<String>,
    /// Last day shown, inclusive (`YYYY-MM-DD`; default the newest).
    #[param(value_type = Option<String>, format = Date)]
    to: Option<String>,
    /// The data as published on this date (`YYYY-MM-DD`; default the current data), as the
    /// series' `as_of`. Before the region's first vintage, a 404 problem names it.
    #[param(value_type = Option<String>, format = Date, example = "2021-01-15")]
    as_of: Option<String>,
    /// Pixels, 320 to 800 (default 640).
    #[param(value_type = Option<u32>, minimum = 320, maximum = 800)]
    width: Option<u32>,
    /// Pixels, 240 to 800 (default 360).
    #[param(value_type = Option<u32>, minimum = 240, maximum = 800)]
    height: Option<u32>,
}

/// A chart of a region's cases or deaths to embed (`<img src=…>`): an SVG of at most 20 KB with
/// a title, the newest day and its value, and the source, drawn by the site's drawing code;
/// with `as_of`, of the data as published on that date.
#[utoipa::path(get, path = "/v1/regions/{id}/chart.svg", operation_id = "region_chart_svg", tag = "charts", params(RegionId, ChartParams), responses(
    (status = 200, description = "The chart, a standalone SVG document", body = String, content_type = "image/svg+xml"),
    NotModified,
    (status = 400, description = "A bad parameter, a per-capita chart of a region without a population, or no day in the asked range", body = Problem, content_type = "application/problem+json"),
    UnknownRegionOrBeforeHistory, Unavailable,
))]
pub async fn chart(
    State(app): State<Arc<App>>,
    RegionPath(region): RegionPath,
    EmbedQuery(embed): EmbedQuery,
    holds: IfNoneMatch,
) -> Result<Answer, Problem> {
    let (snapshot, series) = with_data(&app, region).await?;
    // The daily values the cache derived once for this version (or as of `as_of`, from the
    // histories it holds), with the model's math.
    let view = SeriesAsOf::of(&series, AsOf { as_of: embed.as_of })?;
    let data = Data {
        region,
        population: series.population,
        days: view.days.into_owned(),
        daily: view.daily.into_owned(),
        revisions: view.revisions.into_owned(),
    };
    let svg = embed.draw(&data).map_err(Problem::bad_request)?;
    Ok(Answer::new(
        &holds,
        &snapshot,
        &region_tag(&series),
        &format!("svg-{}", embed.to_query()),
        Range::default(),
        || ("image/svg+xml", svg.into_bytes()),
    ))
}

/// The map's `metric`: `cases` (default) or `deaths`; anything else, or given twice, is a 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapMetric(pub Metric);

impl MapMetric {
    /// The query names it reads.
    pub const NAMES: &'static [&'static str] = &["metric"];
}

impl<S: Send + Sync> FromRequestParts<S> for MapMetric {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        // The charts' `metric`, read as they read it: the other parameters are not the map's.
        parse(parts, |name| Self::NAMES.contains(&name)).map(|embed| MapMetric(embed.metric))
    }
}

/// The map's parameter, for the OpenAPI document ([`MapMetric`] reads it).
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct MapParams {
    /// `cases` (default) or `deaths`.
    #[param(value_type = Option<String>, pattern = "^(cases|deaths)$")]
    metric: Option<String>,
}

/// The 50 states and DC as shapes and the four territories as tiles, coloured by the newest
/// 7-day average of new cases or deaths per 100,000 residents (the `/v1/regions` figures), with
/// a legend; each shape links to `?region={id}` and names its value.
#[utoipa::path(get, path = "/v1/map.svg", operation_id = "map_svg", tag = "charts", params(MapParams), responses(
    (status = 200, description = "The map, a standalone SVG document", body = String, content_type = "image/svg+xml"),
    NotModified,
    (status = 400, description = "A bad `metric`", body = Problem, content_type = "application/problem+json"),
    Unavailable,
))]
pub async fn map(
    State(app): State<Arc<App>>,
    MapMetric(metric): MapMetric,
    holds: IfNoneMatch,
) -> Result<Answer, Problem> {
    let snapshot = snapshot(&app).await?;
    let list = snapshot.list().await.map_err(unavailable)?;
    Ok(Answer::new(
        &holds,
        &snapshot,
        list.tag(),
        &format!("map-{}", metric.code()),
        Range::default(),
        || {
            let svg = covid_chart::map::draw(&list.regions, metric);
            ("image/svg+xml", svg.into_bytes())
        },
    ))
}
