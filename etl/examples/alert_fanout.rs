//! `make bench`'s alert fan-out at county scale: what a run costs SNS with 100,000 subscribers
//! over 3,300 regions, and with none. SYNTHETIC: the regions are made-up ids (`C0001`…), not
//! NYT's counties; the figures are for scale only.
//!
//! 1. The subscriptions, counted by the quota gate (`testkit::quota::Account`, no moto): 100,000
//!    email subscriptions spread over the 6,603 topics of 3,300 regions (`updated-<id>` and
//!    `level-<id>`) and the 3 national ones, as the API makes them (no filter policy). Every one
//!    is taken: no quota is met.
//! 2. One run's flush on moto behind the IAM and quota gates (a counting proxy in front): one
//!    `updated` alert naming every region, carrying `LEVEL_CHANGES` level changes, with every
//!    topic subscribed to (the audiences); then the same with no subscriber (no audience).
//!    Prints the SNS requests and the time of each, as JSON lines.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use chrono::Utc;
use covid_model::{AlertKind, Level, LevelChange, audience};
use covid_store::{Audiences, MemoryStore, ReadState, WriteAlerts};
use etl::alerts::notify::{Publisher, flush};

const REGIONS: usize = 3_300;
const SUBSCRIBERS: usize = 100_000;
/// One region in ten moves to another band on the run's day.
const LEVEL_CHANGES: usize = REGIONS / 10;

fn form(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[tokio::main]
async fn main() {
    let ids: Vec<String> = (1..=REGIONS).map(|n| format!("C{n:04}")).collect();
    let mut names: Vec<String> = ["updated", "failed", "stale"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for id in &ids {
        names.push(audience(AlertKind::Updated, Some(id)));
        names.push(audience(AlertKind::Level, Some(id)));
    }

    // 1. The subscriptions, judged by the quota gate.
    let started = Instant::now();
    let mut account = testkit::quota::Account::default();
    for name in &names {
        account
            .judge(&form(&[
                ("Action", "CreateTopic".into()),
                ("Name", name.clone()),
            ]))
            .unwrap();
    }
    let mut refused = 0;
    for n in 0..SUBSCRIBERS {
        let topic = &names[n % names.len()];
        let subscribe = form(&[
            ("Action", "Subscribe".into()),
            (
                "TopicArn",
                format!("arn:aws:sns:us-east-1:123456789012:bench-alert-{topic}"),
            ),
            ("Protocol", "email".into()),
            ("Endpoint", format!("reader{n}@example.com")),
        ]);
        refused += usize::from(account.judge(&subscribe).is_err());
    }
    println!(
        "{}",
        serde_json::json!({
            "step": "subscriptions (quota gate)",
            "subscribers": SUBSCRIBERS,
            "topics": names.len(),
            "refused": refused,
            "ms": started.elapsed().as_millis(),
        })
    );

    // 2. One run's flush on moto, with every topic subscribed to, then with none.
    let moto = testkit::moto();
    // Every SNS request the flush makes, by operation (SNS's query protocol names it in the
    // body, which the fault proxy reads).
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let record = seen.clone();
    let proxy = testkit::fault::FaultProxy::start(&moto.endpoint, move |r| {
        record.lock().unwrap().push(r.operation.clone());
        testkit::fault::Fault::Forward
    });
    let config = testkit::sdk_config(&proxy.endpoint);
    let sns = aws_sdk_sns::Client::new(&config);
    let prefix = format!("bench-alert-{}", std::process::id());
    let operator = sns
        .create_topic()
        .name(format!("{prefix}-operator"))
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    for name in &names {
        sns.create_topic()
            .name(format!("{prefix}-{name}"))
            .send()
            .await
            .unwrap();
    }
    let publisher = Publisher::new(&config, &operator, Some(&prefix));
    for (case, subscribed) in [("every topic subscribed", true), ("no subscriber", false)] {
        let store = MemoryStore::new();
        if subscribed {
            store.add_audiences(&names).await.unwrap();
        }
        let mut announced = etl::alerts::announce::Announcement::default();
        announced.new.insert("2021-07-08".parse().unwrap());
        let mut message = etl::alerts::updated(&announced, &[], 0).into_message(Utc::now());
        message.regions = std::iter::once("US".to_string())
            .chain(ids.clone())
            .collect();
        message.levels = ids[..LEVEL_CHANGES]
            .iter()
            .map(|id| LevelChange {
                region: id.clone(),
                from: Level::Moderate,
                to: Level::Substantial,
                date: "2021-07-08".parse().unwrap(),
                cases_per_100k_7d: 61.5,
            })
            .collect();
        store.put_alert(&message).await.unwrap();
        seen.lock().unwrap().clear();
        let outbox = store.read_state().await.unwrap().outbox;
        let (requests_before, started) = (store.requests(), Instant::now());
        let sent = flush(&store, &publisher, outbox, Some("https://covid.example"))
            .await
            .unwrap();
        let (ms, dynamodb) = (
            started.elapsed().as_millis(),
            store.requests() - requests_before,
        );
        let operations = seen.lock().unwrap().clone();
        let publishes = operations.iter().filter(|o| *o == "Publish").count();
        let audiences: BTreeSet<String> = store.read_audiences().await.unwrap();
        println!(
            "{}",
            serde_json::json!({
                "step": format!("flush: {case}"),
                "alerts": sent,
                "regions": REGIONS,
                "level_changes": LEVEL_CHANGES,
                "audiences": audiences.len(),
                "sns_requests": operations.len(),
                "publishes": publishes,
                "dynamodb_requests": dynamodb,
                "ms": ms,
            })
        );
    }
}
