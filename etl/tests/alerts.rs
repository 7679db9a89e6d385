//! Alerts through a real SNS protocol endpoint: moto server (started by the tests), with an SQS
//! queue subscribed to the topic. The assertions are on what SQS really received.

mod common;

use common::{Etl, Subscriber, bad_jhu, jhu_snapshot, nyt_snapshot, revised_nyt, scratch};
use covid_store::ReadSeries;
use serde_json::Value;

/// `etl run` with alerts to `topic` (SNS on moto); staleness alerts off unless `stale` is set.
fn run(
    etl: &Etl,
    topic: &str,
    nyt: &std::path::Path,
    jhu: &std::path::Path,
    env: &[(&str, &str)],
) -> common::RunResult {
    let mut cmd = common::with_alerts(etl.command(&etl.endpoint, nyt, jhu, "run"), topic);
    cmd.envs(env.iter().copied());
    common::RunResult {
        output: cmd.output().unwrap(),
    }
}

#[tokio::test]
async fn one_message_per_changed_run_and_none_when_nothing_is_new() {
    let (etl, sub) = (Etl::new("alerts-updated"), Subscriber::new("updated").await);
    etl.init();
    let summary = run(&etl, &sub.topic_arn, &nyt_snapshot(), &jhu_snapshot(), &[]).ok();
    assert_eq!(summary["alerts_sent"], 1);
    let got = sub.received().await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].event, "updated");
    assert_eq!(got[0].subject, "US COVID-19 data: 420 new days, 0 revised");
    let body = &got[0].body;
    assert!(
        body.starts_with("The US COVID-19 series changed: 420 new days, 0 revised, 0 unchanged."),
        "{body}"
    );
    assert!(
        body.contains("New days (420):\n  2020-01-22: cases 1, deaths 0, recovered 0\n"),
        "{body}"
    );
    assert!(body.contains("  and 410 more\n"), "{body}");
    assert!(
        body.ends_with(
            "Newest day: 2021-03-16: cases 29,569,140, deaths 536,491, recovered not reported."
        ),
        "{body}"
    );

    // Nothing new: no message.
    let summary = run(&etl, &sub.topic_arn, &nyt_snapshot(), &jhu_snapshot(), &[]).ok();
    assert_eq!(
        (
            summary["unchanged"].as_u64(),
            summary["alerts_sent"].as_u64()
        ),
        (Some(420), Some(0))
    );
    assert!(sub.received().await.is_empty());

    // ... unless asked for.
    run(
        &etl,
        &sub.topic_arn,
        &nyt_snapshot(),
        &jhu_snapshot(),
        &[("NOTIFY_UNCHANGED", "true")],
    )
    .ok();
    let got = sub.received().await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].event.as_str(), got[0].subject.as_str()),
        ("unchanged", "US COVID-19 data: nothing new")
    );
}

#[tokio::test]
async fn a_revision_is_told_old_to_new() {
    let (etl, sub) = (
        Etl::new("alerts-revision"),
        Subscriber::new("revision").await,
    );
    etl.load_snapshot();
    let dir = scratch("alerts-revision");
    let revised = revised_nyt(&dir, "2020-06-01", "2020-06-01,1800000,105000");
    run(&etl, &sub.topic_arn, &revised, &jhu_snapshot(), &[]).ok();
    let got = sub.received().await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].event, "updated");
    assert_eq!(got[0].subject, "US COVID-19 data: 0 new days, 1 revised");
    assert!(
        got[0].body.contains(
            "Revised days (1), old -> new:\n  2020-06-01: cases 1,821,199 -> 1,800,000, deaths 105,113 -> 105,000\n"
        ),
        "{}",
        got[0].body
    );
}

#[tokio::test]
async fn a_failed_run_sends_one_failure_message_and_its_detail() {
    let (etl, sub) = (Etl::new("alerts-failed"), Subscriber::new("failed").await);
    etl.load_snapshot();
    let before = etl.items().await;
    let dir = scratch("alerts-failed");
    let (bad, line) = bad_jhu(&dir, "2020-11-03,Germany,", "12x");
    let stderr = run(&etl, &sub.topic_arn, &nyt_snapshot(), &bad, &[]).failed();
    assert!(stderr.contains("[bad_count]"), "{stderr}");
    let mut got = sub.received().await;
    got.sort_by(|a, b| a.event.cmp(&b.event));
    let events: Vec<&str> = got.iter().map(|d| d.event.as_str()).collect();
    assert_eq!(events, ["failed", "failed_detail"], "{got:?}");
    // The operator's detail has the error as logged; the public one is what it always said.
    assert!(
        got[1]
            .body
            .contains("Error: JHU time-series-19-covid-combined.csv line"),
        "{}",
        got[1].body
    );
    assert!(!got[0].body.contains("Error: "), "{}", got[0].body);
    assert_eq!(
        got[0].subject,
        "US COVID-19 ETL failed: bad_count in JHU time-series-19-covid-combined.csv"
    );
    let body = &got[0].body;
    for expected in [
        "Error kind: bad_count\n",
        "Source: JHU time-series-19-covid-combined.csv\n",
        &format!("Line: {line}\n"),
        "Column: Recovered\n",
        "Value: \"12x\"\n",
        "Date: 2020-11-03\n",
        "Nothing from this input was written: the stored series is unchanged.",
        "The next run retries from the source.",
    ] {
        assert!(body.contains(expected), "missing {expected:?} in\n{body}");
    }
    assert_eq!(etl.items().await, before, "a failed run writes nothing");
}

#[tokio::test]
async fn a_failed_publish_is_kept_and_sent_once_by_the_next_run() {
    let (etl, sub) = (Etl::new("alerts-outbox"), Subscriber::new("outbox").await);
    etl.load_snapshot();
    let dir = scratch("alerts-outbox");
    let revised = revised_nyt(&dir, "2020-06-01", "2020-06-01,1800000,105000");
    let wrong_topic = "arn:aws:sns:us-east-1:123456789012:no-such-topic";

    // Data is written, publishing fails: the run reports the error, the message is kept.
    let stderr = run(&etl, wrong_topic, &revised, &jhu_snapshot(), &[]).failed();
    assert!(
        stderr.contains("SNS publish to arn:aws:sns:us-east-1:123456789012:no-such-topic"),
        "{stderr}"
    );
    let stored = etl.store().read_series().await.unwrap();
    let day = stored
        .iter()
        .find(|s| s.day.date.to_string() == "2020-06-01")
        .unwrap();
    assert_eq!(day.day.cases, 1_800_000, "the data was written");
    assert!(sub.received().await.is_empty());

    // The next run (right topic) finds nothing new and sends the kept message.
    let summary = run(&etl, &sub.topic_arn, &revised, &jhu_snapshot(), &[]).ok();
    assert_eq!(
        (summary["updated"].as_u64(), summary["alerts_sent"].as_u64()),
        (Some(0), Some(1))
    );
    let got = sub.received().await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].event, "updated");
    assert_eq!(got[0].subject, "US COVID-19 data: 0 new days, 1 revised");

    // Never twice.
    let summary = run(&etl, &sub.topic_arn, &revised, &jhu_snapshot(), &[]).ok();
    assert_eq!(summary["alerts_sent"], 0);
    assert!(sub.received().await.is_empty());
}

#[tokio::test]
async fn a_stale_source_is_told_once_per_newest_day() {
    let (etl, sub) = (Etl::new("alerts-stale"), Subscriber::new("stale").await);
    etl.init();
    // Default STALE_AFTER_DAYS (3): the snapshot's newest day, 2021-03-16, is long past.
    let summary = run_default_staleness(&etl, &sub.topic_arn);
    assert_eq!(summary["alerts_sent"], 2);
    let mut got = sub.received().await;
    got.sort_by(|a, b| a.event.cmp(&b.event));
    assert_eq!(
        got.iter().map(|d| d.event.as_str()).collect::<Vec<_>>(),
        ["stale", "updated"]
    );
    assert_eq!(
        got[0].subject,
        "US COVID-19 data is stale: newest day 2021-03-16"
    );
    assert!(
        got[0].body.contains("the threshold is 3 days"),
        "{}",
        got[0].body
    );
    assert_eq!(
        etl.meta()
            .await
            .stale_alert_for
            .map(|d| d.to_string())
            .as_deref(),
        Some("2021-03-16")
    );

    // The same stale episode: no more messages, run after run.
    for _ in 0..2 {
        assert_eq!(
            run_default_staleness(&etl, &sub.topic_arn)["alerts_sent"],
            0
        );
    }
    assert!(sub.received().await.is_empty());
}

fn run_default_staleness(etl: &Etl, topic: &str) -> Value {
    let mut cmd = etl.command(&etl.endpoint, &nyt_snapshot(), &jhu_snapshot(), "run");
    cmd.env("TOPIC_ARN", topic)
        .env("AWS_ENDPOINT_URL_SNS", &testkit::moto().endpoint);
    // The role is given the topic it now has.
    testkit::iam::sign_in_command(&mut cmd, common::ETL_FUNCTION);
    common::RunResult {
        output: cmd.output().unwrap(),
    }
    .ok()
}

#[tokio::test]
async fn an_alert_sns_keeps_refusing_is_parked_and_later_alerts_flow() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use covid_store::ReadState;
    use testkit::fault::{Fault, FaultProxy, Request};
    let (etl, sub) = (Etl::new("alerts-parked"), Subscriber::new("parked").await);
    etl.init();
    // SNS is down; later it refuses only the initial load's alert ("420 new days").
    let down = Arc::new(AtomicBool::new(true));
    let refusing = down.clone();
    let sns = FaultProxy::start(&testkit::moto().endpoint, move |r: &Request| {
        let subject = form_urlencoded::parse(r.body.as_bytes())
            .find(|(k, _)| k == "Subject")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let poison = subject.contains("420 new days");
        if r.operation == "Publish" && (refusing.load(Ordering::SeqCst) || poison) {
            Fault::query("InternalError", 500)
        } else {
            Fault::Forward
        }
    });
    let via_sns = [("AWS_ENDPOINT_URL_SNS", sns.endpoint.as_str())];
    let dir = scratch("alerts-parked");
    let revised = revised_nyt(&dir, "2020-06-01", "2020-06-01,1800000,105000");
    // Attempt 1: the initial load; attempt 2: a revision, whose alert waits behind it;
    // attempts 3 and 4: runs with nothing new.
    run(
        &etl,
        &sub.topic_arn,
        &nyt_snapshot(),
        &jhu_snapshot(),
        &via_sns,
    )
    .failed();
    for _ in 0..3 {
        run(&etl, &sub.topic_arn, &revised, &jhu_snapshot(), &via_sns).failed();
    }
    assert_eq!(etl.store().read_state().await.unwrap().outbox.len(), 2);
    assert!(sub.received().await.is_empty());

    // SNS is back but still refuses the first alert: at its fifth attempt it is moved aside,
    // and the revision's alert, behind it, goes out.
    down.store(false, Ordering::SeqCst);
    let summary = run(&etl, &sub.topic_arn, &revised, &jhu_snapshot(), &via_sns).ok();
    assert_eq!(summary["alerts_sent"], 1, "{summary}");
    let got = sub.received().await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].subject, "US COVID-19 data: 0 new days, 1 revised");
    let state = etl.store().read_state().await.unwrap();
    assert!(state.outbox.is_empty());
    let parked: Vec<(&str, u32)> = state
        .parked
        .iter()
        .map(|m| (m.subject.as_str(), m.attempts))
        .collect();
    assert_eq!(parked, [("US COVID-19 data: 420 new days, 0 revised", 5)]);
}
