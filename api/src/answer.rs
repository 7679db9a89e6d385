//! A data answer: one version of a resource, named by its entity tag. It carries its body only
//! when the client does not hold that version already (`304 Not Modified` otherwise), and
//! always its tag and `Last-Modified`; its `Cache-Control` is the schedule's
//! ([`freshness`](crate::freshness)).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::cache::Snapshot;
use crate::extract::{IfNoneMatch, Range};

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
