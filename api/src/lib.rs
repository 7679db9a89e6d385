//! The public JSON API: one axum [`router`], run by `lambda_http` behind API Gateway (HTTP API,
//! payload 2.0) or as a plain local server that also serves the built site.

pub mod answer;
pub mod as_of;
pub mod cache;
pub mod charts;
pub mod counties;
pub mod county_revisions;
pub mod extract;
pub mod freshness;
pub mod lambda;
pub mod levels;
pub mod limits;
pub mod national;
pub mod places;
pub mod problem;
pub mod query;
pub mod recent;
pub mod regions;
pub mod revisions;
pub mod security_headers;
pub mod source;
pub mod state_counties;
pub mod status;
pub mod subscriptions;
pub mod viewer;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use covid_store::DynamoStore;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::path::Paths;
use utoipa::openapi::{RefOr, Schema};
use utoipa_axum::router::UtoipaMethodRouter;

use crate::cache::{SeriesCache, SeriesSource};
use crate::query::Reads;
use crate::subscriptions::Subscriptions;

/// The state every request shares.
pub struct App {
    pub cache: SeriesCache,
    pub stale_after_days: u32,
    /// `None`: no alert topic; `POST /v1/subscriptions` answers 503.
    pub subscriptions: Option<Subscriptions>,
    /// `ORIGIN_SECRET`: the value of the header CloudFront adds to every origin request (or
    /// several, separated by spaces, while one secret replaces another). When set, a request
    /// without one is refused (the API is served only through CloudFront) and CloudFront's
    /// viewer address is trusted; unset locally.
    pub origin_secret: Option<String>,
    /// `ETL_SCHEDULE`: when the ETL runs, which sets how long CloudFront keeps an answer
    /// ([`freshness`]); `None` (unset, locally): a short cache.
    pub schedule: Option<freshness::Schedule>,
    /// Every region's revisions, in order, for the version of the data last asked.
    pub revisions: revisions::Held,
}

/// Starts the revalidation read in the background, so that the first DynamoDB connection is
/// made, and the national meta read, during init rather than on the first request (which waits
/// for this read instead of making its own).
pub fn warm(app: &Arc<App>) {
    let app = app.clone();
    tokio::spawn(async move {
        if let Err(error) = app.cache.get().await {
            tracing::warn!(%error, "the first read failed; the first request reads again");
        }
    });
}

/// A whole number setting, or its default when unset or empty: the one way the API reads a
/// number from its environment.
fn count_setting(name: &str, raw: Option<String>, default: u64) -> Result<u64, String> {
    match raw.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| format!("{name} {v:?} is not a whole number")),
    }
}

impl App {
    pub fn new(source: impl SeriesSource, ttl: Duration, stale_after_days: u32) -> Self {
        Self {
            cache: SeriesCache::new(source, ttl),
            stale_after_days,
            subscriptions: None,
            origin_secret: None,
            schedule: None,
            revisions: revisions::Held::default(),
        }
    }

    /// The same app, with the ETL's schedule.
    pub fn with_schedule(mut self, schedule: freshness::Schedule) -> Self {
        self.schedule = Some(schedule);
        self
    }

    /// The same app, served only through CloudFront, which adds `secret` to every request.
    pub fn with_origin_secret(mut self, secret: impl Into<String>) -> Self {
        self.origin_secret = Some(secret.into()).filter(|s: &String| !s.trim().is_empty());
        self
    }

    /// The same app, taking subscriptions.
    pub fn with_subscriptions(mut self, subscriptions: Subscriptions) -> Self {
        self.subscriptions = Some(subscriptions);
        self
    }

    /// `TABLE_NAME`, `CACHE_TTL_SECS` (default 30), `STALE_AFTER_DAYS` (default 3),
    /// `ORIGIN_SECRET`, `ETL_SCHEDULE` (unset: none); for subscriptions `TOPIC_PREFIX` (the
    /// subscribers' topics' name prefix; unset: no subscriptions), `SUBSCRIBE_PER_IP_PER_HOUR`
    /// (5), `SUBSCRIBE_PER_NETWORK_PER_HOUR` (20), `SUBSCRIBE_PER_DAY` (1,000 confirmations),
    /// `RECIPIENT_KEY`, `SITE_ORIGIN`; the AWS region, credentials and endpoints from the
    /// environment ([`covid_store::sdk_config`]).
    pub async fn from_env() -> Result<(Self, DynamoStore), String> {
        let var = |name: &str| std::env::var(name).ok();
        // The same settings, parsed by the same code, as the ETL.
        let table = covid_store::table_name(var("TABLE_NAME").as_deref())?;
        let stale_after_days = covid_model::stale_after_days(var("STALE_AFTER_DAYS").as_deref())?;
        let setting = |name: &str, default| count_setting(name, var(name), default);
        let ttl = Duration::from_secs(setting("CACHE_TTL_SECS", 30)?);
        let schedule = var("ETL_SCHEDULE")
            .filter(|v| !v.trim().is_empty())
            .map(|v| freshness::Schedule::parse(&v))
            .transpose()?;
        let sdk_config = covid_store::sdk_config()?;
        let store = DynamoStore::new(&sdk_config, table);
        let mut app = Self::new(store.clone(), ttl, stale_after_days);
        app.schedule = schedule;
        if let Some(prefix) = var("TOPIC_PREFIX").filter(|v| !v.trim().is_empty()) {
            let mut subscriptions = Subscriptions::new(
                subscriptions::SnsSubscriber::new(&sdk_config, prefix),
                store.clone(),
            );
            subscriptions.settings = limits::Settings {
                per_ip_per_hour: setting(
                    "SUBSCRIBE_PER_IP_PER_HOUR",
                    limits::DEFAULT_PER_IP_PER_HOUR,
                )?,
                per_network_per_hour: setting(
                    "SUBSCRIBE_PER_NETWORK_PER_HOUR",
                    limits::DEFAULT_PER_NETWORK_PER_HOUR,
                )?,
                per_day: setting("SUBSCRIBE_PER_DAY", limits::DEFAULT_PER_DAY)?,
            };
            match var("RECIPIENT_KEY").filter(|v| !v.is_empty()) {
                Some(key) => {
                    subscriptions.recipient_key = limits::RecipientKey::new(key.as_bytes())
                }
                None => tracing::warn!(
                    "RECIPIENT_KEY is not set: recipients are counted with a key of this \
                     process alone"
                ),
            }
            subscriptions.site_origin = var("SITE_ORIGIN").filter(|v| !v.is_empty());
            app = app.with_subscriptions(subscriptions);
        }
        if let Some(secret) = var("ORIGIN_SECRET") {
            app = app.with_origin_secret(secret);
        }
        Ok((app, store))
    }
}

/// The OpenAPI document's description and its one write route; [`openapi`] adds every read
/// route from [`endpoints`].
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "US COVID-19 series",
        version = "1",
        description = "Cumulative US cases and deaths (NYT) with recoveries (JHU CSSE), daily \
            changes and 7-day averages, for the nation and for each of the 55 states and \
            territories NYT reports, absolute and per 100,000 residents. Data froze in March \
            2023. Every published value is kept with the vintage of the run that wrote it: \
            `as_of` gives a series as it stood on a date, and `/v1/revisions` each change. \
            Dates are ISO YYYY-MM-DD; ranges are inclusive; errors are RFC 9457 problem \
            details."
    ),
    paths(subscriptions::subscribe)
)]
pub struct ApiDoc;

/// The built site. A path the file system refuses (a name too long, say) answers as a missing
/// file does, a 404 problem, instead of ServeDir's empty 500.
fn site_files(dir: PathBuf) -> Router {
    async fn refused_path(uri: axum::http::Uri, response: Response) -> Response {
        if response.status().is_server_error() {
            problem::not_found(uri).await.into_response()
        } else {
            response
        }
    }
    Router::new()
        .fallback_service(
            ServeDir::new(dir).not_found_service(axum::routing::any(problem::not_found)),
        )
        .layer(axum::middleware::map_response(refused_path))
}

/// One read of the API, declared once: its handler with its `#[utoipa::path]` (the route's path,
/// its OpenAPI operation and the schemas it names, from `utoipa_axum::routes!`) and the query
/// names it reads, behind the guard of those names ([`query::guarded`]).
pub struct Endpoint {
    pub path: String,
    pub reads: Reads,
    route: MethodRouter<Arc<App>>,
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl Endpoint {
    fn new(reads: Reads, (schemas, paths, route): UtoipaMethodRouter<Arc<App>>) -> Self {
        let path = paths
            .paths
            .keys()
            .next()
            .expect("routes! documents one path")
            .clone();
        Self {
            path,
            reads,
            route: query::guarded(route, reads),
            paths,
            schemas,
        }
    }
}

/// `POST /v1/subscriptions`, which reads no query (its body is the request).
pub const SUBSCRIPTIONS: &str = "/v1/subscriptions";

/// Every read route, in one list: the router serves these, the OpenAPI document describes
/// them ([`openapi`]), and `tests/edge.rs` proves that the edge keys, and forwards to the
/// origin, exactly the query names each reads.
pub fn endpoints() -> Vec<Endpoint> {
    use charts::{EmbedQuery, MapMetric};
    use extract::{AsOf, Page, Range};
    use utoipa_axum::routes;
    const SERIES: Reads = Reads(&[Range::NAMES, AsOf::NAMES]);
    const REGION_REVISIONS: Reads = Reads(&[Range::NAMES, Page::NAMES]);
    const REVISIONS: Reads = Reads(&[Page::NAMES]);
    const CHART: Reads = Reads(&[EmbedQuery::NAMES]);
    const MAP: Reads = Reads(&[MapMetric::NAMES]);
    const NOTHING: Reads = Reads::NOTHING;
    vec![
        Endpoint::new(SERIES, routes!(national::series)),
        Endpoint::new(SERIES, routes!(national::series_csv)),
        Endpoint::new(SERIES, routes!(national::daily)),
        Endpoint::new(NOTHING, routes!(national::latest)),
        Endpoint::new(NOTHING, routes!(regions::regions)),
        Endpoint::new(SERIES, routes!(regions::series)),
        Endpoint::new(SERIES, routes!(regions::series_csv)),
        Endpoint::new(SERIES, routes!(regions::daily)),
        Endpoint::new(NOTHING, routes!(regions::latest)),
        Endpoint::new(NOTHING, routes!(counties::counties)),
        Endpoint::new(NOTHING, routes!(places::places_json)),
        Endpoint::new(NOTHING, routes!(places::places_csv)),
        Endpoint::new(SERIES, routes!(levels::levels)),
        Endpoint::new(SERIES, routes!(levels::levels_csv)),
        Endpoint::new(REGION_REVISIONS, routes!(revisions::region)),
        Endpoint::new(REGION_REVISIONS, routes!(revisions::region_csv)),
        Endpoint::new(REVISIONS, routes!(revisions::all)),
        Endpoint::new(REVISIONS, routes!(revisions::all_csv)),
        Endpoint::new(CHART, routes!(charts::chart)),
        Endpoint::new(MAP, routes!(charts::map)),
        Endpoint::new(MAP, routes!(charts::county_map)),
        Endpoint::new(NOTHING, routes!(status::status)),
        Endpoint::new(NOTHING, routes!(status::openapi)),
    ]
}

/// The OpenAPI document: [`ApiDoc`]'s description and the subscriptions route, with every
/// read route's path and schemas from [`endpoints`] (so a route cannot be served undocumented,
/// nor documented unserved).
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = ApiDoc::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    for endpoint in endpoints() {
        doc.paths.paths.extend(endpoint.paths.paths);
        for (name, schema) in endpoint.schemas {
            components.schemas.entry(name).or_insert(schema);
        }
    }
    doc
}

/// The API. With `site`, paths outside `/v1/` are files from that folder (the local demo).
pub fn router(app: Arc<App>, site: Option<PathBuf>) -> Router {
    let origin_secret = app.origin_secret.clone();
    // Same-origin only: none of the read API's CORS headers.
    let subscribe = Router::new()
        .route(
            SUBSCRIPTIONS,
            query::guarded(
                post(subscriptions::subscribe).fallback(subscriptions::method_not_allowed),
                Reads::NOTHING,
            ),
        )
        .with_state(app.clone());
    let subscribe = security_headers::layers()
        .into_iter()
        .fold(subscribe, |r, layer| r.layer(layer));
    let api = endpoints()
        .into_iter()
        .fold(Router::new(), |api, e| api.route(&e.path, e.route))
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            freshness::layer,
        ))
        .method_not_allowed_fallback(problem::method_not_allowed)
        .with_state(app);
    let api = match site {
        Some(dir) => api.fallback_service(site_files(dir)),
        None => api.fallback(problem::not_found),
    };
    // The deployment's security headers on every answer (CloudFront sets them in production).
    let api = security_headers::layers()
        .into_iter()
        .fold(api, |api, layer| api.layer(layer));
    let api = api
        .layer(CompressionLayer::new())
        // A 400 or 404 of a read is the same for everyone: CloudFront keeps it a minute, so
        // junk requests do not each reach the function.
        .layer(axum::middleware::map_response(problem::cache_client_errors))
        // Every read answer, errors included, may be read from any origin.
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD])
                .allow_headers([header::IF_NONE_MATCH, header::ACCEPT])
                .expose_headers([header::ETAG, header::LAST_MODIFIED])
                .max_age(Duration::from_secs(86400)),
        );
    let router = api.merge(subscribe.layer(CompressionLayer::new()));
    match origin_secret {
        Some(secret) => router.layer(axum::middleware::from_fn_with_state(
            Arc::<str>::from(secret),
            viewer::require_cloudfront,
        )),
        None => router,
    }
}

#[cfg(test)]
mod tests {
    use super::count_setting;

    #[test]
    fn a_number_setting_is_its_value_or_its_default_when_unset_and_says_a_bad_one() {
        let read = |raw: Option<&str>| count_setting("CACHE_TTL_SECS", raw.map(String::from), 30);
        assert_eq!(read(None), Ok(30));
        assert_eq!(read(Some(" ")), Ok(30), "empty: unset");
        assert_eq!(read(Some(" 5 ")), Ok(5));
        assert_eq!(
            read(Some("5s")),
            Err("CACHE_TTL_SECS \"5s\" is not a whole number".to_string())
        );
    }
}
