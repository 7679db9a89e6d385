//! Who is asking: the viewer's IP address and whether the request comes from the site's own
//! pages. A client cannot choose either by setting a header:
//!
//! - behind CloudFront, the viewer address is CloudFront's `CloudFront-Viewer-Address`, trusted
//!   only when the request carries the secret origin header CloudFront adds (`X-Origin-Verify`,
//!   compared in constant time); a direct call to API Gateway lacks it and is counted under
//!   its own source address;
//! - on Lambda otherwise, API Gateway's `sourceIp`; locally, the socket peer.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;

/// The header CloudFront adds to every origin request, with the deployment's secret.
pub const ORIGIN_SECRET_HEADER: &str = "x-origin-verify";
/// CloudFront's `ip:port` of the viewer.
pub const VIEWER_ADDRESS_HEADER: &str = "cloudfront-viewer-address";

fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether the request came through CloudFront: it carries one of the accepted secrets
/// (`secret` lists them, separated by white space: two while one replaces another, so no
/// request is refused while CloudFront's change reaches every edge).
///
/// ```
/// use axum::http::HeaderMap;
/// use api::viewer::via_cloudfront;
/// let mut headers = HeaderMap::new();
/// headers.insert("x-origin-verify", "new".parse().unwrap());
/// assert!(via_cloudfront(&headers, Some("new old")));
/// assert!(via_cloudfront(&headers, Some("old new")));
/// assert!(!via_cloudfront(&headers, Some("old")));
/// assert!(!via_cloudfront(&headers, Some(" ")));
/// ```
pub fn via_cloudfront(headers: &HeaderMap, secret: Option<&str>) -> bool {
    let Some(given) = headers.get(ORIGIN_SECRET_HEADER) else {
        return false;
    };
    secret
        .unwrap_or_default()
        .split_whitespace()
        .any(|accepted| same(given.as_bytes(), accepted.as_bytes()))
}

/// Refuses a request without CloudFront's origin secret (a middleware, installed when the
/// deployment has one): the API is served only at the site's `/v1/…`, where CloudFront's cache,
/// security headers and viewer address apply, never at API Gateway's own address.
pub async fn require_cloudfront(
    State(secret): State<Arc<str>>,
    request: Request,
    next: Next,
) -> Response {
    if via_cloudfront(request.headers(), Some(&secret)) {
        return next.run(request).await;
    }
    Problem::new(
        StatusCode::FORBIDDEN,
        "Not through the site",
        "This API is served at the site's address, under /v1/.",
    )
    .into_response()
}

/// `203.0.113.7:443` or `2001:db8::1:443` (CloudFront's form) -> the address.
fn parse_viewer_address(value: &str) -> Option<IpAddr> {
    let (ip, port) = value.trim().rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// The viewer's address; `None` when nothing trustworthy tells it.
pub fn viewer_ip(parts: &Parts, secret: Option<&str>) -> Option<IpAddr> {
    if via_cloudfront(&parts.headers, secret) {
        return parts
            .headers
            .get(VIEWER_ADDRESS_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_viewer_address);
    }
    if let Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) =
        parts
            .extensions
            .get::<lambda_http::request::RequestContext>()
    {
        return context.http.source_ip.as_deref()?.parse().ok();
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip())
}

/// Whether a browser sent this request from another site's page. A browser names the page's
/// `Origin` (and, all current ones, `Sec-Fetch-Site`): it must be `site_origin` when one is
/// configured; otherwise the browser must say `same-origin`, or the origin must be this host
/// (behind CloudFront the Host is API Gateway's, so there `Sec-Fetch-Site` decides). Requests
/// without an `Origin` are not from a page and cannot ride on a visitor's browser.
pub fn cross_origin(headers: &HeaderMap, site_origin: Option<&str>) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let fetch_site = header("sec-fetch-site");
    if matches!(fetch_site, Some("cross-site" | "same-site")) {
        return true;
    }
    let Some(origin) = header("origin") else {
        return false;
    };
    match site_origin {
        Some(site) => origin != site.trim_end_matches('/'),
        None if fetch_site == Some("same-origin") => false,
        None => {
            let host = header("host").unwrap_or_default();
            origin != format!("http://{host}") && origin != format!("https://{host}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(headers: &[(&str, &str)], peer: Option<&str>) -> Parts {
        let mut request = Request::post("/v1/subscriptions");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let (mut parts, ()) = request.body(()).unwrap().into_parts();
        if let Some(peer) = peer {
            parts
                .extensions
                .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        }
        parts
    }

    #[test]
    fn the_viewer_address_is_trusted_only_with_the_secret() {
        let forged = [(VIEWER_ADDRESS_HEADER, "198.51.100.1:1234")];
        let p = parts(&forged, Some("203.0.113.9:5000"));
        assert_eq!(
            viewer_ip(&p, Some("s3cret")),
            "203.0.113.9".parse().ok(),
            "no secret"
        );
        assert_eq!(viewer_ip(&p, None), "203.0.113.9".parse().ok());
        let wrong = parts(
            &[(ORIGIN_SECRET_HEADER, "guess"), forged[0]],
            Some("203.0.113.9:5000"),
        );
        assert_eq!(
            viewer_ip(&wrong, Some("s3cret")),
            "203.0.113.9".parse().ok()
        );
        let cloudfront = parts(&[(ORIGIN_SECRET_HEADER, "s3cret"), forged[0]], None);
        assert_eq!(
            viewer_ip(&cloudfront, Some("s3cret")),
            "198.51.100.1".parse().ok()
        );
        let v6 = parts(
            &[
                (ORIGIN_SECRET_HEADER, "s3cret"),
                (VIEWER_ADDRESS_HEADER, "2001:db8::7:443"),
            ],
            None,
        );
        assert_eq!(viewer_ip(&v6, Some("s3cret")), "2001:db8::7".parse().ok());
        assert_eq!(viewer_ip(&parts(&[], None), None), None);
        assert!(
            !via_cloudfront(&cloudfront.headers, Some("")),
            "an empty secret trusts nothing"
        );
    }

    #[test]
    fn cross_origin_requests_are_told_apart() {
        let h = |pairs: &[(&str, &str)]| parts(pairs, None).headers;
        let site = Some("https://d111.cloudfront.net");
        assert!(!cross_origin(
            &h(&[("origin", "https://d111.cloudfront.net")]),
            site
        ));
        assert!(cross_origin(
            &h(&[("origin", "https://evil.example")]),
            site
        ));
        assert!(cross_origin(&h(&[("sec-fetch-site", "cross-site")]), site));
        assert!(!cross_origin(&h(&[]), site), "not a browser page");
        let local = h(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(!cross_origin(&local, None));
        let other = h(&[
            ("origin", "http://127.0.0.1:9999"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(cross_origin(&other, None));
        assert!(cross_origin(&h(&[("origin", "null")]), site));
        // Behind CloudFront without SITE_ORIGIN: the browser's own word.
        let same = h(&[
            ("origin", "https://d111.cloudfront.net"),
            ("sec-fetch-site", "same-origin"),
            ("host", "abc.execute-api.us-east-1.amazonaws.com"),
        ]);
        assert!(!cross_origin(&same, None));
        let unsaid = h(&[
            ("origin", "https://d111.cloudfront.net"),
            ("host", "abc.execute-api.us-east-1.amazonaws.com"),
        ]);
        assert!(
            cross_origin(&unsaid, None),
            "an origin that is not this host, and no word"
        );
    }
}
