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
use covid_model::Place;

use crate::App;
use crate::answer::Answer;
use crate::answer::{snapshot, unavailable};
use crate::as_of::SeriesAsOf;
use crate::extract::{AsOf, IfNoneMatch, Range, RegionPath};
use crate::problem::Problem;
use crate::problem::responses::{
    NotModified, Unavailable, UnknownRegion, UnknownRegionOrBeforeHistory,
};
use crate::regions::{region_tag, with_data};
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};

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

/// The chart's parameters in the OpenAPI document: the chart crate's table of what its parser
/// reads ([`covid_chart::embed::parameters`]), so the document cannot disagree with the reader.
impl utoipa::IntoParams for EmbedQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        covid_chart::embed::parameters()
            .iter()
            .map(documented)
            .collect()
    }
}

/// One query parameter of the table, as the OpenAPI document describes it.
fn documented(parameter: &covid_chart::embed::Parameter) -> Parameter {
    use covid_chart::embed::Takes;
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    let (schema, bounds) = match &parameter.takes {
        Takes::OneOf(codes) => (
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(codes.clone())),
            String::new(),
        ),
        Takes::Whole(low, high) => (
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(*low))
                .maximum(Some(*high)),
            format!(", from {low} to {high}."),
        ),
        // `1` to `high`: the digits of a whole number without a leading zero.
        Takes::WholeOrAll(low, high) => (
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(format!(
                    "^([1-9][0-9]{{0,{}}}|all)$",
                    high.to_string().len() - 1
                ))),
            format!(" A whole number from {low} to {high}, or `all`."),
        ),
        Takes::Date => (
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
            String::new(),
        ),
    };
    let default = parameter.default.as_ref().map(|d| match parameter.takes {
        Takes::Whole(..) => d
            .parse::<u32>()
            .map_or_else(|_| d.as_str().into(), Into::into),
        _ => d.as_str().into(),
    });
    ParameterBuilder::new()
        .name(parameter.name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(format!("{}{bounds}", parameter.about)))
        .schema(Some(schema.default(default)))
        .build()
}

/// A chart of a region's cases or deaths to embed (`<img src=…>`): an SVG of at most 20 KB with
/// a title, the newest day and its value, and the source, drawn by the site's drawing code;
/// with `as_of`, of the data as published on that date.
#[utoipa::path(get, path = "/v1/regions/{id}/chart.svg", operation_id = "region_chart_svg", tag = "charts", params(RegionPath, EmbedQuery), responses(
    (status = 200, description = "The chart, a standalone SVG document", body = String, content_type = "image/svg+xml"),
    NotModified,
    (status = 400, description = "A bad parameter, a per-capita chart of a region without a population, or no day in the asked range", body = Problem, content_type = "application/problem+json"),
    UnknownRegionOrBeforeHistory, Unavailable,
))]
pub async fn chart(
    State(app): State<Arc<App>>,
    RegionPath(place): RegionPath,
    EmbedQuery(embed): EmbedQuery,
    holds: IfNoneMatch,
) -> Result<Answer, Problem> {
    let (snapshot, series) = with_data(&app, place).await?;
    // The daily values the cache derived once for this version (or as of `as_of`, from the
    // histories it holds), with the model's math.
    let view = SeriesAsOf::of(&series, AsOf { as_of: embed.as_of })?;
    let data = Data {
        region: place.region(),
        county: match place {
            Place::Region(_) => None,
            Place::County(county) => Some((county.to_string(), series.name.clone())),
        },
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

/// The map's parameter in the OpenAPI document: the chart's `metric`, as [`MapMetric`] reads it.
impl utoipa::IntoParams for MapMetric {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        covid_chart::embed::parameters()
            .iter()
            .filter(|p| Self::NAMES.contains(&p.name))
            .map(documented)
            .collect()
    }
}

/// The 50 states and DC as shapes and the four territories as tiles, coloured by the newest
/// 7-day average of new cases or deaths per 100,000 residents (the `/v1/regions` figures), with
/// a legend; each shape links to `?region={id}` and names its value.
#[utoipa::path(get, path = "/v1/map.svg", operation_id = "map_svg", tag = "charts", params(MapMetric), responses(
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

/// A state's or territory's counties as shapes, coloured by their newest 7-day average of new
/// cases or deaths per 100,000 residents (the `/v1/regions/{id}/counties` figures), with the
/// state map's legend; NYT's geographies without a shape ("Unknown", Kansas City, Joplin,
/// Puerto Rico's municipios) listed under it with theirs. Each shape and line links to
/// `?region={county id}` and names its value.
#[utoipa::path(get, path = "/v1/regions/{id}/counties/map.svg", operation_id = "county_map_svg", tag = "charts", params(RegionPath, MapMetric), responses(
    (status = 200, description = "The map, a standalone SVG document", body = String, content_type = "image/svg+xml"),
    NotModified,
    (status = 400, description = "A bad `metric`", body = Problem, content_type = "application/problem+json"),
    UnknownRegion, Unavailable,
))]
pub async fn county_map(
    State(app): State<Arc<App>>,
    RegionPath(place): RegionPath,
    MapMetric(metric): MapMetric,
    holds: IfNoneMatch,
) -> Result<Answer, Problem> {
    let (snapshot, state, listing) = crate::counties::listing(&app, place).await?;
    // Named by the listing's own figures: it changes apart from the national data.
    let tag = format!(
        "{}-{}",
        state.id,
        covid_model::fingerprint_text(
            &serde_json::to_string(&listing.counties).unwrap_or_default()
        )
    );
    Ok(Answer::new(
        &holds,
        &snapshot,
        &tag,
        &format!("county-map-{}", metric.code()),
        Range::default(),
        || {
            let svg = covid_chart::county_map::draw(state, &listing.counties, metric);
            ("image/svg+xml", svg.into_bytes())
        },
    ))
}
