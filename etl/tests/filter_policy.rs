//! The operator's email subscription's filter policy as deployed (`template.yaml`, resolved
//! for every `AlertFilter` value), on moto's SNS with an SQS queue per setting: CloudWatch
//! alarm notifications (no message attributes) and `failed_detail` (a failure in full) reach
//! every setting, the public `failed` none (the detail replaces it); `updated` only `all`;
//! `stale` all but `failures`.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_sns::types::MessageAttributeValue;
use common::Subscriber;
use serde_json::Value;
use testkit::template::Template;

/// What a CloudWatch alarm publishes: a JSON body and a subject, no message attributes.
const ALARM: &str = r#"{"AlarmName":"covid-etl-EtlErrorsAlarm","NewStateValue":"ALARM","NewStateReason":"Threshold Crossed: 1 datapoint [1.0] was greater than or equal to the threshold (1.0).","Trigger":{"MetricName":"Errors","Namespace":"AWS/Lambda"}}"#;

#[tokio::test]
async fn alarms_and_failure_details_reach_every_setting_updates_only_all() {
    let template = Template::load();
    let sns = aws_sdk_sns::Client::new(&common::moto_config());
    let (name, topic) = common::topic("filters").await;

    let settings = template.allowed_values("AlertFilter");
    assert_eq!(settings, ["all", "failures", "failures-and-stale"]);
    assert_eq!(
        template.property("AlertEmailSubscription", "FilterPolicyScope", &[]),
        Some(Value::from("MessageAttributes"))
    );
    let mut subscribers = BTreeMap::new();
    for setting in &settings {
        let policy = template
            .property(
                "AlertEmailSubscription",
                "FilterPolicy",
                &[
                    ("AlertFilter", setting),
                    ("AlertEmail", "someone@example.com"),
                ],
            )
            .map(|p| p.to_string());
        let queue = format!("{name}-{setting}");
        subscribers.insert(
            setting.clone(),
            Subscriber::on(&topic, &queue, policy.as_deref()).await,
        );
    }

    let text = |v: &str| {
        MessageAttributeValue::builder()
            .data_type("String")
            .string_value(v)
            .build()
            .unwrap()
    };
    let number = |v: u64| {
        MessageAttributeValue::builder()
            .data_type("Number")
            .string_value(v.to_string())
            .build()
            .unwrap()
    };
    sns.publish()
        .topic_arn(&topic)
        .subject("ALARM: \"covid-etl-EtlErrorsAlarm\" in US East (N. Virginia)")
        .message(ALARM)
        .send()
        .await
        .unwrap();
    for (event, counts) in [
        ("failed", vec![("written", 0)]),
        ("failed_detail", vec![("written", 0)]),
        ("updated", vec![("new_days", 1), ("revised_days", 0)]),
        ("stale", vec![]),
    ] {
        let mut publish = sns
            .publish()
            .topic_arn(&topic)
            .subject(format!("an {event} alert"))
            .message(event)
            .message_attributes("event", text(event));
        for (name, value) in counts {
            publish = publish.message_attributes(name, number(value));
        }
        publish.send().await.unwrap();
    }

    let want: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::from([
        (
            "all",
            BTreeSet::from(["alarm", "failed_detail", "updated", "stale"]),
        ),
        ("failures", BTreeSet::from(["alarm", "failed_detail"])),
        (
            "failures-and-stale",
            BTreeSet::from(["alarm", "failed_detail", "stale"]),
        ),
    ]);
    for (setting, subscriber) in &subscribers {
        let got: BTreeSet<String> = subscriber
            .received()
            .await
            .into_iter()
            .map(|m| match m.event.as_str() {
                "" if m.body == ALARM => "alarm".to_string(),
                "" => panic!("an unexpected message: {m:?}"),
                event => event.to_string(),
            })
            .collect();
        let want: BTreeSet<String> = want[setting.as_str()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(got, want, "AlertFilter={setting}");
    }
}
