//! A data answer: one version of a resource, named by its entity tag. It carries its body only
//! when the client does not hold that version already (`304 Not Modified` otherwise), and
//! always its tag and `Last-Modified`; its `Cache-Control` is the schedule's
//! ([`freshness`](crate::freshness)). And what every data answer shares: its `meta`, its
//! source, and the data read (a failed read is a 503 problem).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use std::collections::BTreeMap;
use std::sync::Arc;

use covid_model::{Day, SeriesMeta};

use crate::App;
use crate::as_of::SeriesAsOf;
use crate::cache::Snapshot;
use crate::extract::{IfNoneMatch, Range};
use crate::problem::Problem;

pub const SOURCE: &str = "The New York Times, Coronavirus (Covid-19) Data in the United States \
    (CC BY-NC 4.0), cases and deaths; Johns Hopkins University CSSE COVID-19 Data (CC BY 4.0), \
    via datasets/covid-19, recoveries.";

/// What every data answer says of itself: the source, the span, the fields.
pub(crate) fn meta(snapshot: &Snapshot, view: &SeriesAsOf<'_>, days: &[Day]) -> SeriesMeta {
    SeriesMeta {
        source: SOURCE.to_string(),
        first_date: days.first().map(|d| d.date),
        last_date: days.last().map(|d| d.date),
        count: days.len(),
        last_changed: snapshot.meta.as_ref().map(|m| m.changed_at.to_rfc3339()),
        as_of: view.as_of,
        vintage: view.vintage,
        id: view.place.id().to_string(),
        name: view.name.to_string(),
        population: view.population,
        fields: BTreeMap::from(
            [
                (
                    "date",
                    "the day, YYYY-MM-DD (US data as of the end of that day)",
                ),
                ("cases", "cumulative confirmed cases, from NYT"),
                ("deaths", "cumulative deaths, from NYT"),
                (
                    "revisions",
                    "how many times the day's values changed after they were first published \
                     (/v1/regions/{id}/revisions lists each change)",
                ),
                (
                    "recovered",
                    "cumulative recoveries, from JHU; null when not reported (from 2020-12-14, \
                     and always for states: JHU has none by state)",
                ),
                (
                    "avg7_*_per_100k",
                    "avg7_* per 100,000 residents (JHU populations), unrounded; null without \
                     a population",
                ),
                (
                    "new_*",
                    "change from the day before; negative when a source revised down",
                ),
                ("avg7_*", "mean of new_* over the 7 days ending on the date"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        ),
    }
}

/// A read the store failed, as the reader is told of it (the cause is logged, not published).
pub(crate) fn unavailable(error: covid_store::StoreError) -> Problem {
    tracing::error!(%error, "cannot read the series");
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "Data unavailable",
        "The series cannot be read right now; try again in a minute.",
    )
}

pub(crate) async fn snapshot(app: &App) -> Result<Arc<Snapshot>, Problem> {
    app.cache.get().await.map_err(unavailable)
}

/// A body and its content type.
pub type Body = (&'static str, Vec<u8>);

/// The answer of a read handler.
pub struct Answer(Response);

impl Answer {
    /// The answer named by `data` (the tag of what it is made from), `kind` (which view of it)
    /// and `range`; `body` is made only when the client does not hold it.
    pub fn new(
        holds: &IfNoneMatch,
        snapshot: &Snapshot,
        data: &str,
        kind: &str,
        range: Range,
        body: impl FnOnce() -> Body,
    ) -> Self {
        let mut tag = format!("W/\"{data}-{kind}");
        if let Some(from) = range.from {
            tag.push_str(&format!("-f{from}"));
        }
        if let Some(to) = range.to {
            tag.push_str(&format!("-t{to}"));
        }
        tag.push('"');
        let mut response = if holds.holds(&tag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let (content_type, body) = body();
            let mut response = body.into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            response
        };
        let headers = response.headers_mut();
        headers.insert(
            header::ETAG,
            HeaderValue::from_str(&tag).expect("an entity tag is ASCII"),
        );
        if let Some(meta) = &snapshot.meta {
            let modified = meta
                .changed_at
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string();
            headers.insert(
                header::LAST_MODIFIED,
                HeaderValue::from_str(&modified).expect("an HTTP date is ASCII"),
            );
        }
        Answer(response)
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        self.0
    }
}

/// A JSON body.
pub fn json(value: &impl Serialize) -> Body {
    (
        "application/json",
        serde_json::to_vec(value).expect("wire types serialise"),
    )
}

/// A count in a CSV answer: empty when not reported.
pub(crate) fn csv_cell(count: Option<u64>) -> String {
    count.map(|c| c.to_string()).unwrap_or_default()
}
