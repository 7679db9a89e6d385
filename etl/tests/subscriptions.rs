//! Subscribers' topics as the API makes them (`covid_model::Audience`: one topic per alert kind
//! and region, no filter policy), on moto's SNS with an SQS queue on each, fed by the ETL's own
//! publisher signed by the ETL function's role (the IAM and quota gates judge every publish):
//! an `updated` alert reaches the `updated` topic and the topic of each region that changed;
//! a level change reaches its region's `level` topic; `failed` and `stale` their own; the
//! operator's `failed_detail` no subscriber; and a topic nobody subscribed to (not among the
//! audiences) is not published to.

mod common;

use chrono::Utc;
use common::Subscriber;
use covid_model::{Day, Level, LevelChange, Region};
use covid_store::{Audiences, MemoryStore, ReadState, WriteAlerts};
use etl::alerts::announce::Announcement;
use etl::alerts::notify::{Publisher, flush};

fn updated(national: bool, states: &[&str]) -> covid_store::OutboxMessage {
    let mut announced = Announcement::default();
    if national {
        announced.new.insert("2021-03-16".parse().unwrap());
    }
    for id in states {
        announced.regions.insert(Region::by_id(id).unwrap(), 1);
    }
    etl::alerts::updated(&announced, &[], 0).into_message(Utc::now())
}

/// The ETL's publisher on moto, signed by the ETL function's role: `operator`'s topic and the
/// subscribers' topics named `prefix-…`.
fn etl_publisher(operator: &str, prefix: &str) -> Publisher {
    let role = testkit::iam::sdk_config(
        common::ETL_FUNCTION,
        &testkit::moto().endpoint,
        &[("TOPIC_ARN", operator)],
    );
    Publisher::new(&role, operator, Some(prefix))
}

#[tokio::test]
async fn each_alert_reaches_the_topics_of_its_audiences_and_no_other() {
    let (_, operator) = common::topic("audiences-operator").await;
    let prefix = format!("test-alert-{}", testkit::table_name("audiences"));
    let mut queues = std::collections::BTreeMap::new();
    for audience in [
        "updated",
        "updated-NY",
        "updated-CA",
        "failed",
        "stale",
        "level-NY",
        "level-TX",
    ] {
        let topic = common::named_topic(&format!("{prefix}-{audience}")).await;
        let queue = testkit::table_name(&format!("aud-{audience}"));
        queues.insert(audience, Subscriber::on(&topic, &queue, None).await);
    }
    let store = MemoryStore::new();
    // Texas's level topic exists, but nobody subscribed: it is not among the audiences.
    let subscribed: Vec<String> = queues
        .keys()
        .filter(|a| **a != "level-TX")
        .map(|a| a.to_string())
        .collect();
    store.add_audiences(&subscribed).await.unwrap();

    let publisher = etl_publisher(&operator, &prefix);
    let newest = Day {
        date: "2023-03-23".parse().unwrap(),
        cases: 1,
        deaths: Some(0),
        recovered: None,
    };
    let change = |region: &str, to: Level| LevelChange {
        region: region.to_string(),
        from: Level::Moderate,
        to,
        date: "2021-07-08".parse().unwrap(),
        cases_per_100k_7d: 60.0,
    };
    let mut with_levels = updated(true, &["NY", "TX"]);
    with_levels.levels = vec![
        change("NY", Level::Substantial),
        change("TX", Level::Substantial),
    ];
    let messages = [
        updated(false, &["CA"]),
        with_levels,
        etl::alerts::failed(&etl::Error::Config("a test failure".into()), 0)
            .into_message(Utc::now()),
        etl::alerts::stale(&newest, Utc::now().date_naive(), 3).into_message(Utc::now()),
        // The operator's: no subscriber hears it.
        etl::alerts::failed_detail(&etl::Error::Config("a test failure".into()), 0)
            .into_message(Utc::now()),
    ];
    for message in &messages {
        store.put_alert(message).await.unwrap();
    }
    let outbox = store.read_state().await.unwrap().outbox;
    let site = Some("https://covid.example");
    assert_eq!(flush(&store, &publisher, outbox, site).await.unwrap(), 5);

    let mut got = std::collections::BTreeMap::new();
    for (audience, queue) in &queues {
        let subjects: Vec<String> = queue
            .received()
            .await
            .into_iter()
            .map(|m| format!("{}: {}", m.event, m.subject))
            .collect();
        got.insert(*audience, subjects);
    }
    let updated_ca = format!("updated: {}", messages[0].subject);
    let updated_ny = format!("updated: {}", messages[1].subject);
    // (SQS standard queues keep no order.)
    let mut both = got["updated"].clone();
    both.sort();
    let mut want = [updated_ny, updated_ca];
    want.sort();
    assert_eq!(both, want);
    assert_eq!(
        got["updated-CA"],
        ["updated: California: COVID-19 data updated"]
    );
    assert_eq!(
        got["updated-NY"],
        ["updated: New York: COVID-19 data updated"]
    );
    assert_eq!(
        got["level-NY"],
        ["level: New York: COVID-19 transmission now substantial (was moderate)"]
    );
    assert_eq!(got["level-TX"], Vec::<String>::new(), "no subscriber");
    assert_eq!(got["failed"].len(), 1);
    assert!(got["failed"][0].starts_with("failed: "));
    assert_eq!(got["stale"].len(), 1);
    assert!(
        got.values()
            .flatten()
            .all(|s| !s.starts_with("failed_detail")),
        "{got:?}"
    );
}

/// A backlog (SNS was down for a while: a dozen alerts wait in the outbox) flushed at once
/// would send an email subscription more than 10 messages a second, which AWS answers by
/// deactivating the topic's email subscriptions; the quota gate refuses such a publish. The
/// flush spreads publishes to one topic out, so every alert goes through, to the operator's
/// address and to a subscriber's alike.
#[tokio::test]
async fn a_backlog_reaches_email_subscriptions_no_faster_than_sns_allows() {
    let (_, operator) = common::topic("backlog-operator").await;
    let prefix = format!("test-alert-{}", testkit::table_name("backlog"));
    let sns = aws_sdk_sns::Client::new(&common::moto_config());
    let updated_topic = common::named_topic(&format!("{prefix}-updated")).await;
    for topic in [&operator, &updated_topic] {
        sns.subscribe()
            .topic_arn(topic)
            .protocol("email")
            .endpoint("reader@example.com")
            .send()
            .await
            .unwrap();
    }
    let queue = Subscriber::on(&updated_topic, &testkit::table_name("backlog"), None).await;
    let store = MemoryStore::new();
    store.add_audiences(&["updated".to_string()]).await.unwrap();
    let backlog = 12;
    for n in 0..backlog {
        let mut message = updated(true, &[]);
        message.id = format!("{n:02}-{}", message.id);
        store.put_alert(&message).await.unwrap();
    }
    let publisher = etl_publisher(&operator, &prefix);
    let outbox = store.read_state().await.unwrap().outbox;
    let started = std::time::Instant::now();
    let sent = flush(&store, &publisher, outbox, None).await;
    assert_eq!(sent.unwrap(), backlog, "no publish refused");
    assert!(
        started.elapsed() >= etl::alerts::notify::PER_TOPIC_GAP * (backlog as u32 - 1),
        "spread out"
    );
    assert_eq!(queue.received().await.len(), backlog);
}
