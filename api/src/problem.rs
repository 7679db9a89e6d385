//! Errors as RFC 9457 problem details (`application/problem+json`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A problem detail: what went wrong (`title`) and what to do about it (`detail`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status code says the kind.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub status: u16,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, title: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank",
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad request", detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).expect("a problem serialises");
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// How long a read's 400 or 404 may be cached (by CloudFront and browsers).
pub const CLIENT_ERROR_MAX_AGE: u32 = 60;

/// A read's 400 (a malformed range, say) or 404 answers the same to everyone until the data
/// or the code changes: cacheable for [`CLIENT_ERROR_MAX_AGE`], so repeated junk stops at the
/// edge. Other problems stay `no-store`.
pub async fn cache_client_errors(mut response: Response) -> Response {
    if matches!(
        response.status(),
        StatusCode::BAD_REQUEST | StatusCode::NOT_FOUND
    ) {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_str(&format!("public, max-age={CLIENT_ERROR_MAX_AGE}"))
                .expect("ASCII"),
        );
    }
    response
}

pub async fn not_found(uri: axum::http::Uri) -> Problem {
    // A path of any length may come in; the answer names at most its first 100 characters.
    let path = uri.path();
    let shown = match path.char_indices().nth(100) {
        Some((end, _)) => format!("{}… ({} characters)", &path[..end], path.chars().count()),
        None => path.to_string(),
    };
    Problem::new(
        StatusCode::NOT_FOUND,
        "Not found",
        format!(
            "There is nothing at {shown}. The API is /v1/series, /v1/series.csv, /v1/daily, \
             /v1/latest, /v1/regions, /v1/regions/{{id}}/…, /v1/revisions, /v1/map.svg, /v1/status, \
             /v1/subscriptions and /v1/openapi.json."
        ),
    )
}

/// A 405 problem that names the method and what to use, with its `Allow` header.
pub fn not_allowed(allow: &'static str, detail: String) -> Response {
    let mut response =
        Problem::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed", detail).into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

pub async fn method_not_allowed(method: axum::http::Method) -> Response {
    not_allowed(
        "GET, HEAD",
        format!("{method} is not supported here: this path is read-only, use GET or HEAD."),
    )
}

/// The answers the OpenAPI document lists for the read paths, each declared once here.
pub mod responses {
    use super::Problem;

    /// 304: the client holds this version.
    #[derive(utoipa::IntoResponses)]
    #[response(status = 304, description = "Not modified (If-None-Match)")]
    pub struct NotModified;

    /// 400: a bad range.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 400,
        description = "A malformed or impossible date, or `from` after `to`",
        content_type = "application/problem+json"
    )]
    pub struct BadRange(pub Problem);

    /// 404: no such region, or none with data.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 404,
        description = "Not a region with data",
        content_type = "application/problem+json"
    )]
    pub struct UnknownRegion(pub Problem);

    /// 404 of a national series answer: `as_of` is before the first vintage.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 404,
        description = "`as_of` is before the first vintage (the detail names it)",
        content_type = "application/problem+json"
    )]
    pub struct BeforeHistory(pub Problem);

    /// 404 of a region's series answer: no such region, or `as_of` before the first vintage.
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 404,
        description = "Not a region with data, or `as_of` before its first vintage (the detail names it)",
        content_type = "application/problem+json"
    )]
    pub struct UnknownRegionOrBeforeHistory(pub Problem);

    /// 503: the data cannot be read now (or, for `latest`, none is loaded yet).
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 503,
        description = "No data yet, or the data store is unavailable",
        content_type = "application/problem+json"
    )]
    pub struct Unavailable(pub Problem);
}
