//! The query names each route reads, and the guard that refuses every other before any
//! extractor runs.
//!
//! CloudFront keys a cached answer by the raw query names its cache policy lists, while the
//! extractors read names percent-decoded. Were an unlisted spelling of a listed name read
//! (`%66rom` for `from`), one request could store a cut or past series under the plain URL for
//! every reader. So a route reads only names it declares, compared raw, each at most once; any
//! other name is a 400 problem. `tests/edge.rs` proves that for every route the edge keys, and
//! forwards to the origin, exactly these names.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;

use crate::problem::Problem;

/// The query names a route reads: one group per extractor ([`crate::extract::Range::NAMES`],
/// …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reads(pub &'static [&'static [&'static str]]);

impl Reads {
    /// A route that reads no query.
    pub const NOTHING: Reads = Reads(&[]);

    /// Every name, in the order declared.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().flat_map(|group| group.iter().copied())
    }

    /// Refuses a query with a name this route does not read (compared raw, before any
    /// percent-decoding) or with a name given twice. Empty pairs (`a=1&&b=2`) carry no name.
    ///
    /// ```
    /// use api::query::Reads;
    /// let reads = Reads(&[&["from", "to"]]);
    /// assert!(reads.check(Some("from=2021-01-01&to=2021-01-31")).is_ok());
    /// assert!(reads.check(None).is_ok());
    /// assert!(reads.check(Some("%66rom=2021-01-01")).is_err());
    /// assert!(reads.check(Some("from=2021-01-01&from=2021-01-02")).is_err());
    /// assert!(reads.check(Some("utm_source=x")).is_err());
    /// ```
    pub fn check(&self, query: Option<&str>) -> Result<(), Problem> {
        let mut seen: Vec<&str> = Vec::new();
        for pair in query.unwrap_or_default().split('&') {
            if pair.is_empty() {
                continue;
            }
            let raw = pair.split_once('=').map_or(pair, |(name, _)| name);
            let Some(name) = self.names().find(|n| *n == raw) else {
                return Err(self.unknown(raw));
            };
            if seen.contains(&name) {
                return Err(Problem::bad_request(format!(
                    "`{name}` is given twice: give it once."
                )));
            }
            seen.push(name);
        }
        Ok(())
    }

    fn unknown(&self, raw: &str) -> Problem {
        let shown = crate::extract::shown(raw, 30);
        let known: Vec<String> = self.names().map(|n| format!("`{n}`")).collect();
        let takes = if known.is_empty() {
            "this path takes no query parameter".to_string()
        } else {
            format!("this path takes {}", known.join(", "))
        };
        Problem::bad_request(format!(
            "The query parameter \"{shown}\" is not one this path reads: {takes}, each spelled \
             as written here (not percent-encoded) and given once."
        ))
    }
}

/// `route` behind the guard of `reads`: a query [`Reads::check`] refuses is answered with its
/// 400 problem before the handler's extractors run.
pub fn guarded<S: Clone + Send + Sync + 'static>(
    route: MethodRouter<S>,
    reads: Reads,
) -> MethodRouter<S> {
    route.route_layer(axum::middleware::from_fn_with_state(reads, guard))
}

async fn guard(State(reads): State<Reads>, request: Request, next: Next) -> Response {
    match reads.check(request.uri().query()) {
        Ok(()) => next.run(request).await,
        Err(problem) => problem.into_response(),
    }
}
