//! The `etl` binary as the scheduled Lambda function: one run per EventBridge event, at most
//! once per event id (Powertools' idempotency protocol, records in the same table).

use chrono::{DateTime, Duration, Utc};
use covid_store::{IdempotencyClaim, IdempotencyRecords};
use lambda_runtime::{LambdaEvent, service_fn};
use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
use crate::pipeline::{Etl, RunFailure};

/// How long a completed event's record is kept (then DynamoDB's TTL removes it).
const RECORD_TTL: Duration = Duration::days(7);
/// The lock of an invocation whose deadline is unknown.
const DEFAULT_LOCK: Duration = Duration::minutes(15);

/// The fields of an EventBridge scheduled event that a run uses; a direct invocation may send
/// `{}` (its request id then keys the run).
#[derive(Debug, Default, Deserialize)]
pub struct ScheduledEvent {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, rename = "detail-type")]
    pub detail_type: Option<String>,
}

/// Serves invocations until the runtime stops. The clients in `etl` are built once, before.
pub async fn serve(etl: Etl) -> Result<(), lambda_runtime::Error> {
    let etl = &etl;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ScheduledEvent>| async move { handle(etl, event).await },
    ))
    .await
}

/// One invocation: the event's id keys the run. A redelivered event gets the stored summary
/// back without touching the sources, the data or the topic. A failed run releases the key,
/// so a retry really runs; its error becomes the Lambda error.
pub async fn handle(etl: &Etl, event: LambdaEvent<ScheduledEvent>) -> Result<Value, RunFailure> {
    let (payload, context) = event.into_parts();
    let event_id = payload.id.unwrap_or_else(|| context.request_id.clone());
    let kind = payload
        .detail_type
        .unwrap_or_else(|| "direct invocation".to_string());
    let now = Utc::now();
    let lock_until = DateTime::from_timestamp_millis(context.deadline as i64)
        .filter(|deadline| *deadline > now)
        .unwrap_or(now + DEFAULT_LOCK);
    let store = etl.store();
    match store
        .claim_event(&event_id, now, lock_until, now + RECORD_TTL)
        .await
        .map_err(Error::from)?
    {
        IdempotencyClaim::Acquired => {}
        IdempotencyClaim::Completed(summary) => {
            tracing::info!(
                event_id,
                kind,
                "event already processed; returning its stored summary"
            );
            return serde_json::from_str(&summary).map_err(|e| {
                Error::Conflict(format!(
                    "stored summary of event {event_id} is not JSON: {e}"
                ))
                .into()
            });
        }
        IdempotencyClaim::InProgress { until } => {
            return Err(Error::InProgress {
                event_id,
                until: until.to_rfc3339(),
            }
            .into());
        }
    }
    tracing::info!(event_id, kind, "event claimed; running");
    match etl.run().await {
        Ok(report) => {
            let summary = crate::summary_line(&report);
            store
                .complete_event(&event_id, &summary, Utc::now() + RECORD_TTL)
                .await
                .map_err(Error::from)?;
            Ok(serde_json::from_str(&summary).expect("the summary line is JSON"))
        }
        Err(failure) => {
            if let Err(release) = store.release_event(&event_id).await {
                tracing::error!(event_id, error = %release, "could not release the event; it unlocks at its deadline");
            }
            Err(failure)
        }
    }
}
