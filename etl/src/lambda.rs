//! The `etl` binary as the scheduled Lambda function: one run per EventBridge event, at most
//! once per event id (Powertools' idempotency protocol, records in the same table).

use std::future::Future;

use chrono::{DateTime, Duration, Utc};
use covid_store::{IdempotencyClaim, IdempotencyRecords};
use lambda_runtime::{LambdaEvent, service_fn};
use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
use crate::pipeline::{Etl, RunFailure, RunReport};

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

/// A step of the county archive's state machine: `{"county_archive": {"step": …}}`.
#[derive(Debug, Deserialize)]
pub struct ArchiveEvent {
    pub county_archive: crate::archive::Step,
}

/// Serves invocations until the runtime stops. The clients in `etl` are built once, before.
/// An event is a run (scheduled, or direct) or a step of the county archive's load.
pub async fn serve(etl: Etl) -> Result<(), lambda_runtime::Error> {
    let etl = &etl;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let (payload, context) = event.into_parts();
        if payload.get("county_archive").is_some() {
            return archive(etl, payload, &context).await;
        }
        let scheduled = serde_json::from_value(payload)
            .map_err(|e| RunFailure::from(Error::Config(format!("not a run's event: {e}"))))?;
        handle(etl, LambdaEvent::new(scheduled, context)).await
    }))
    .await
}

/// One step of the county archive's load, within the invocation's deadline.
async fn archive(
    etl: &Etl,
    payload: Value,
    context: &lambda_runtime::Context,
) -> Result<Value, RunFailure> {
    let event: ArchiveEvent = serde_json::from_value(payload)
        .map_err(|e| Error::Config(format!("not a county archive step: {e}")))?;
    let left = (context.deadline as i64 - Utc::now().timestamp_millis()).max(0) as u64;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(left);
    tracing::info!(step = ?event.county_archive, left_ms = left, "county archive step");
    Ok(etl
        .archive_step(
            event.county_archive,
            (context.deadline > 0).then_some(deadline),
        )
        .await?)
}

/// One invocation: the event's id keys the run. A redelivered event gets the stored summary
/// back without touching the sources, the data or the topic. A failed run releases the key,
/// so a retry really runs; its error becomes the Lambda error.
pub async fn handle(etl: &Etl, event: LambdaEvent<ScheduledEvent>) -> Result<Value, RunFailure> {
    once(etl.store(), event, || etl.run()).await
}

/// [`handle`], generic over the idempotency records and the run (unit-tested on the in-memory
/// store).
pub async fn once<R, F, Fut>(
    store: &R,
    event: LambdaEvent<ScheduledEvent>,
    run: F,
) -> Result<Value, RunFailure>
where
    R: IdempotencyRecords,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<RunReport, RunFailure>>,
{
    let (payload, context) = event.into_parts();
    let event_id = payload.id.unwrap_or_else(|| context.request_id.clone());
    let kind = payload
        .detail_type
        .unwrap_or_else(|| "direct invocation".to_string());
    let now = Utc::now();
    let lock_until = DateTime::from_timestamp_millis(context.deadline as i64)
        .filter(|deadline| *deadline > now)
        .unwrap_or(now + DEFAULT_LOCK);
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
    match run().await {
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use covid_model::RunSummary;
    use covid_store::MemoryStore;
    use covid_store::memory::EventRecord;
    use lambda_runtime::Context;

    use super::*;

    fn event(id: &str) -> LambdaEvent<ScheduledEvent> {
        let payload = ScheduledEvent {
            id: Some(id.to_string()),
            detail_type: Some("Scheduled Event".to_string()),
        };
        LambdaEvent::new(payload, Context::default())
    }

    fn report(inserted: u64) -> RunReport {
        let day = "2021-03-16".parse().unwrap();
        RunReport {
            summary: RunSummary {
                status: covid_model::RunStatus::Ok,
                inserted,
                updated: 0,
                unchanged: 0,
                first_date: day,
                last_date: day,
                states: None,
                counties: None,
            },
            changes: Vec::new(),
            dynamodb_requests: 8,
            alerts_sent: 1,
            duration_ms: 5,
        }
    }

    #[tokio::test]
    async fn an_event_runs_once_and_a_redelivery_gets_the_stored_summary() {
        let store = MemoryStore::new();
        let runs = AtomicUsize::new(0);
        let run = || async {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok(report(420))
        };
        let first = once(&store, event("e-1"), run).await.unwrap();
        assert_eq!(first["inserted"], 420);
        let again = once(&store, event("e-1"), || async {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok(report(0))
        })
        .await
        .unwrap();
        assert_eq!(again, first, "the stored summary, not a new run");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        // Another event is another run.
        once(&store, event("e-2"), || async { Ok(report(0)) })
            .await
            .unwrap();
        assert_eq!(store.contents().events.len(), 2);
    }

    #[tokio::test]
    async fn a_failed_run_releases_its_event_so_a_retry_really_runs() {
        let store = MemoryStore::new();
        let failed = once(&store, event("e-1"), || async {
            Err(RunFailure {
                error: Error::Conflict("refused".to_string()),
                written: 3,
            })
        })
        .await
        .unwrap_err();
        assert_eq!(failed.written, 3);
        assert!(store.contents().events.is_empty(), "released");
        let retry = once(&store, event("e-1"), || async { Ok(report(420)) }).await;
        assert_eq!(retry.unwrap()["inserted"], 420);
    }

    #[tokio::test]
    async fn a_held_event_is_refused_and_a_lapsed_lock_taken_over() {
        let store = MemoryStore::new();
        let now = Utc::now();
        let held = |lock_until| EventRecord {
            result: None,
            lock_until,
            expires_at: now + RECORD_TTL,
        };
        store.edit(|c| {
            c.events
                .insert("e-1".to_string(), held(now + Duration::minutes(5)));
        });
        let refused = once(&store, event("e-1"), || async { Ok(report(1)) })
            .await
            .unwrap_err();
        assert_eq!(refused.error.kind(), "in_progress");
        assert!(
            store.contents().events["e-1"].result.is_none(),
            "left to its holder"
        );

        // The holder crashed: once its lock lapses, the next delivery runs.
        store.edit(|c| {
            c.events
                .insert("e-1".to_string(), held(now - Duration::seconds(1)));
        });
        let taken = once(&store, event("e-1"), || async { Ok(report(2)) }).await;
        assert_eq!(taken.unwrap()["inserted"], 2);
        assert!(store.contents().events["e-1"].result.is_some());
    }
}
