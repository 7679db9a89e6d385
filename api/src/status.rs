//! The status of the data (the last ETL run, the newest day, staleness) and the OpenAPI
//! document.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use covid_model::{LastRun, StatusResponse};

use crate::App;
use crate::answer::snapshot;
use crate::problem::Problem;
use crate::problem::responses::Unavailable;

const STATUS_CACHE: &str = "public, max-age=60";

/// The last ETL run, the newest day, and whether the data is stale.
#[utoipa::path(get, path = "/v1/status", operation_id = "status", tag = "status", responses(
    (status = 200, description = "ETL status", body = StatusResponse),
    Unavailable,
))]
pub async fn status(State(app): State<Arc<App>>) -> Result<Response, Problem> {
    let snapshot = snapshot(&app).await?;
    let meta = snapshot.meta.as_ref();
    let newest_day = meta.map(|m| m.last_date);
    let body = StatusResponse {
        last_run: meta.and_then(|m| m.last_run.as_ref()).map(|r| LastRun {
            at: r.at.to_rfc3339(),
            outcome: covid_model::RunStatus::Ok,
            inserted: r.inserted,
            updated: r.updated,
            unchanged: r.unchanged,
            duration_ms: r.duration_ms,
        }),
        newest_day,
        stale: newest_day.is_none_or(|d| {
            covid_model::is_stale(d, Utc::now().date_naive(), app.stale_after_days)
        }),
        stale_after_days: app.stale_after_days,
        last_changed: meta.map(|m| m.changed_at.to_rfc3339()),
        parked_alerts: snapshot.parked_alerts,
    };
    if snapshot.parked_alerts > 0 {
        tracing::warn!(parked_alerts = snapshot.parked_alerts, "alerts wait parked");
    }
    let mut response = axum::Json(body).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(STATUS_CACHE),
    );
    Ok(response)
}

/// This API's OpenAPI 3.1 document, generated from the code.
#[utoipa::path(get, path = "/v1/openapi.json", operation_id = "openapi", tag = "status", responses(
    (status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json"),
))]
pub async fn openapi() -> Response {
    let mut response = axum::Json(crate::openapi()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
