//! The router on Lambda: API Gateway's HTTP API events through `lambda_http`, each event's raw
//! query first made one a URI may hold.
//!
//! `lambda_http` builds the request's URI from API Gateway's `rawQueryString` and panics when
//! it cannot (`<` or a space, sent raw by a client): with `panic = "abort"` that is the end of
//! the execution environment, so one request would force a cold start and answer 500. Encoded,
//! the same query reaches the router, which answers it as any bad query, with a 400 problem.

use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Error, LambdaEvent};

/// Serves `router` to the Lambda Runtime API until the environment ends.
pub async fn run(router: axum::Router) -> Result<(), Error> {
    let service = lambda_http::tower::ServiceExt::map_request(
        Adapter::from(router),
        |mut event: LambdaEvent<LambdaRequest>| {
            #[allow(irrefutable_let_patterns)] // API Gateway's HTTP API is the one source built in.
            if let LambdaRequest::ApiGatewayV2(request) = &mut event.payload
                && let Some(query) = request.raw_query_string.as_mut()
            {
                *query = uri_safe(query);
            }
            event
        },
    );
    lambda_http::lambda_runtime::run(service).await
}

/// A raw query as a URI may hold it: each byte RFC 3986 does not allow in a query
/// percent-encoded, the rest (and `%`, so existing escapes) untouched.
///
/// ```
/// use api::lambda::uri_safe;
/// assert_eq!(uri_safe("from=<&to=2021-03-16"), "from=%3C&to=2021-03-16");
/// assert_eq!(uri_safe("as_of=2021 01"), "as_of=2021%2001");
/// assert_eq!(uri_safe("from=%3C"), "from=%3C");
/// assert_eq!(uri_safe("d=é"), "d=%C3%A9");
/// ```
pub fn uri_safe(query: &str) -> String {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b);
    let mut out = String::with_capacity(query.len());
    for &b in query.as_bytes() {
        if allowed(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
