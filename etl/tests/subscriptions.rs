//! Self-service subscriptions' filter policies, as the API builds them (`covid_model::
//! filter_policy`), on moto's SNS with an SQS queue per choice, fed by the ETL's own publisher:
//! `updated` messages carry the String.Array attribute `regions`, so a New York subscriber hears
//! of an update only when New York changed; `failed` and `stale` reach whoever chose them,
//! whatever their regions.

mod common;

use std::collections::BTreeSet;

use chrono::Utc;
use common::Subscriber;
use covid_model::{AlertKind, Choice, Day, Region, SUBSCRIBABLE, filter_policy};
use etl::alerts::announce::Announcement;
use etl::alerts::notify::{Publish, Publisher};

fn choice(alerts: &[AlertKind], regions: &[&str]) -> String {
    filter_policy(&Choice {
        email: "reader@example.com".to_string(),
        alerts: alerts.iter().copied().collect(),
        regions: regions.iter().map(|r| Region::by_id(r).unwrap()).collect(),
    })
    .to_string()
}

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

#[tokio::test]
async fn regions_narrow_updates_and_failures_reach_whoever_chose_them_details_nobody() {
    let (name, topic) = common::topic("subscriptions").await;
    let subscriber = |queue: &str, policy: String| {
        let (topic, queue) = (topic.clone(), format!("{name}-{queue}"));
        async move { Subscriber::on(&topic, &queue, Some(&policy)).await }
    };
    let ny_updates = subscriber("ny-updates", choice(&[AlertKind::Updated], &["NY"])).await;
    let ny_all = subscriber("ny-all", choice(&SUBSCRIBABLE, &["NY"])).await;
    let failures = subscriber("failures", choice(&[AlertKind::Failed], &[])).await;
    let everything = subscriber("everything", choice(&SUBSCRIBABLE, &[])).await;

    let publisher = Publisher::new(&common::moto_config(), &topic);
    let newest = Day {
        date: "2023-03-23".parse().unwrap(),
        cases: 1,
        deaths: 0,
        recovered: None,
    };
    let messages = [
        updated(false, &["CA"]),
        updated(true, &["NY", "TX"]),
        updated(true, &[]),
        etl::alerts::failed(&etl::Error::Config("a test failure".into()), 0)
            .into_message(Utc::now()),
        etl::alerts::stale(&newest, Utc::now().date_naive(), 3).into_message(Utc::now()),
        // The operator's: no self-service choice hears it.
        etl::alerts::failed_detail(&etl::Error::Config("a test failure".into()), 0)
            .into_message(Utc::now()),
    ];
    assert_eq!(messages[1].regions, ["US", "NY", "TX"]);
    for message in &messages {
        publisher.publish(message).await.unwrap();
    }
    let seen = |delivered: Vec<common::Delivered>| -> BTreeSet<String> {
        delivered
            .iter()
            .map(|d| {
                let regions = d
                    .body
                    .lines()
                    .find(|l| l.contains("that changed"))
                    .is_some();
                format!("{}{}", d.event, if regions { "+states" } else { "" })
            })
            .collect()
    };
    let ny = ny_updates.received().await;
    assert_eq!(ny.len(), 1, "only the update that names New York: {ny:?}");
    assert!(ny[0].body.contains("New York"), "{}", ny[0].body);
    let all = ny_all.received().await;
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(
        seen(all),
        BTreeSet::from(["updated+states".into(), "failed".into(), "stale".into()])
    );
    let failed = failures.received().await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].event, "failed");
    let everything = everything.received().await;
    assert_eq!(everything.len(), messages.len() - 1, "{everything:?}");
    assert!(everything.iter().all(|d| d.event != "failed_detail"));
}
