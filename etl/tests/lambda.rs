//! The `etl` binary as the scheduled Lambda function, driven through a fake Lambda Runtime API
//! (`next` / `response` / `error`), with DynamoDB Local and SNS on moto.

mod common;

use std::process::Stdio;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use common::{Etl, Subscriber, bad_jhu, jhu_snapshot, nyt_snapshot, scratch, with_alerts};
use covid_store::{IdempotencyClaim, IdempotencyRecords};
use serde_json::Value;
use testkit::{Invocation, LambdaRuntime};

const EVENT: &str = include_str!("fixtures/scheduled-event.json");
const WAIT: Duration = Duration::from_secs(120);

fn event_with_id(id: &str) -> String {
    let mut event: Value = serde_json::from_str(EVENT).unwrap();
    event["id"] = id.into();
    event.to_string()
}

fn response(answer: Invocation) -> Value {
    match answer {
        Invocation::Response(body) => serde_json::from_str(&body).unwrap(),
        Invocation::Error(body) => panic!("expected a response, got an error: {body}"),
    }
}

#[tokio::test]
async fn scheduled_events_run_once_and_failures_are_lambda_errors() {
    let (etl, sub) = (Etl::new("lambda"), Subscriber::new("lambda").await);
    etl.init();
    // Inputs the test swaps between invocations of one warm process.
    let dir = scratch("lambda");
    let jhu = dir.join("jhu.csv.gz");
    std::fs::copy(jhu_snapshot(), &jhu).unwrap();
    let (bad, bad_line) = bad_jhu(&dir, "2020-11-03,Germany,", "12x");

    let runtime = LambdaRuntime::start();
    let mut child = with_alerts(
        etl.command(&etl.endpoint, &nyt_snapshot(), &jhu, "run"),
        &sub.topic_arn,
    )
    .env("AWS_LAMBDA_RUNTIME_API", &runtime.address)
    .env("AWS_LAMBDA_FUNCTION_NAME", "etl")
    .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
    .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/etl")
    .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();

    // First delivery: a real run, one `updated` message.
    let first = response(runtime.wait(&runtime.invoke(EVENT), WAIT));
    assert_eq!(
        (first["status"].as_str(), first["inserted"].as_u64()),
        (Some("ok"), Some(420))
    );
    assert_eq!(first["last_date"], "2021-03-16");
    let got = sub.received().await;
    assert_eq!(
        got.iter().map(|d| d.event.as_str()).collect::<Vec<_>>(),
        ["updated"]
    );
    let after_first = etl.items().await;
    let last_run = etl.meta().await.last_run;

    // Redelivery of the same event id: the stored summary, no work, no message.
    let again = response(runtime.wait(&runtime.invoke(EVENT), WAIT));
    assert_eq!(again, first);
    assert!(sub.received().await.is_empty());
    assert_eq!(
        etl.meta().await.last_run,
        last_run,
        "the sources were not run again"
    );
    assert_eq!(etl.items().await, after_first);

    // A failing run: a Lambda error, one `failed` message, the table unchanged.
    std::fs::copy(&bad, &jhu).unwrap();
    let failing = event_with_id("e2b1c9c4-0000-4000-8000-000000000002");
    let error = match runtime.wait(&runtime.invoke(&failing), WAIT) {
        Invocation::Error(body) => serde_json::from_str::<Value>(&body).unwrap(),
        Invocation::Response(body) => panic!("expected an error, got {body}"),
    };
    assert_eq!(error["errorType"], "bad_count");
    let message = error["errorMessage"].as_str().unwrap();
    assert!(
        message.contains(&format!("line {bad_line}, column `Recovered`")),
        "{message}"
    );
    let mut got: Vec<String> = sub.received().await.into_iter().map(|d| d.event).collect();
    got.sort();
    assert_eq!(got, ["failed", "failed_detail"]);
    assert_eq!(
        etl.items().await,
        after_first,
        "table unchanged; the event's key was released"
    );

    // The failed event's retry really runs (its key was released).
    std::fs::copy(jhu_snapshot(), &jhu).unwrap();
    let retried = response(runtime.wait(&runtime.invoke(&failing), WAIT));
    assert_eq!(
        (retried["unchanged"].as_u64(), retried["inserted"].as_u64()),
        (Some(420), Some(0))
    );
    assert!(sub.received().await.is_empty(), "nothing new: no message");

    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&output.stderr);
    let run_logs: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["message"] == "etl run ok")
        .collect();
    assert_eq!(
        run_logs.len(),
        2,
        "JSON logs on Lambda, one line per successful run:\n{logs}"
    );
    assert_eq!(run_logs[0]["inserted"], 420);
    assert!(run_logs[0]["duration_ms"].is_u64());
}

#[tokio::test]
async fn idempotency_records_lock_expire_complete_and_release() {
    let etl = Etl::new("idempotency");
    etl.init();
    let store = etl.store();
    let now = Utc::now();
    let (lock, ttl) = (now + TimeDelta::seconds(60), now + TimeDelta::days(1));

    assert_eq!(
        store.claim_event("a", now, lock, ttl).await.unwrap(),
        IdempotencyClaim::Acquired
    );
    // Another delivery while the first runs.
    match store.claim_event("a", now, lock, ttl).await.unwrap() {
        IdempotencyClaim::InProgress { until } => {
            assert_eq!(until.timestamp_millis(), lock.timestamp_millis())
        }
        other => panic!("expected in progress, got {other:?}"),
    }
    // The first run crashed: after its lock expires, a retry takes over.
    let later = lock + TimeDelta::seconds(1);
    assert_eq!(
        store
            .claim_event("a", later, later + TimeDelta::seconds(60), ttl)
            .await
            .unwrap(),
        IdempotencyClaim::Acquired
    );
    store
        .complete_event("a", r#"{"status":"ok"}"#, ttl)
        .await
        .unwrap();
    assert_eq!(
        store
            .claim_event("a", later, later + TimeDelta::seconds(60), ttl)
            .await
            .unwrap(),
        IdempotencyClaim::Completed(r#"{"status":"ok"}"#.to_string())
    );
    // A completed record past its TTL (not yet swept by DynamoDB) no longer counts.
    let expired = ttl + TimeDelta::seconds(1);
    assert_eq!(
        store
            .claim_event("a", expired, expired, expired + TimeDelta::days(1))
            .await
            .unwrap(),
        IdempotencyClaim::Acquired
    );
    // A failed run releases its key: the retry runs.
    store.release_event("a").await.unwrap();
    assert_eq!(
        store.claim_event("a", now, lock, ttl).await.unwrap(),
        IdempotencyClaim::Acquired
    );
}
