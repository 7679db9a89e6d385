//! The email subscription's filter policy as deployed (`template.yaml`, resolved for every
//! `AlertFilter` value), on moto's SNS with an SQS queue per setting: CloudWatch alarm
//! notifications (no message attributes) and `failed` alerts reach every setting; `updated`
//! only `all`; `stale` all but `failures`.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_sns::types::MessageAttributeValue;
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::Value;
use testkit::template::Template;

/// What a CloudWatch alarm publishes: a JSON body and a subject, no message attributes.
const ALARM: &str = r#"{"AlarmName":"covid-etl-EtlErrorsAlarm","NewStateValue":"ALARM","NewStateReason":"Threshold Crossed: 1 datapoint [1.0] was greater than or equal to the threshold (1.0).","Trigger":{"MetricName":"Errors","Namespace":"AWS/Lambda"}}"#;

#[tokio::test]
async fn alarms_and_failures_reach_every_setting_updates_only_all() {
    let template = Template::load();
    let config = common::moto_config();
    let (sns, sqs) = (
        aws_sdk_sns::Client::new(&config),
        aws_sdk_sqs::Client::new(&config),
    );
    let name = testkit::table_name("filters");
    let topic = sns
        .create_topic()
        .name(&name)
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();

    let settings = template.allowed_values("AlertFilter");
    assert_eq!(settings, ["all", "failures", "failures-and-stale"]);
    let mut queues = BTreeMap::new();
    for setting in &settings {
        let policy = template.property(
            "AlertEmailSubscription",
            "FilterPolicy",
            &[
                ("AlertFilter", setting),
                ("AlertEmail", "someone@example.com"),
            ],
        );
        assert_eq!(
            template.property("AlertEmailSubscription", "FilterPolicyScope", &[]),
            Some(Value::from("MessageAttributes"))
        );
        let queue = sqs
            .create_queue()
            .queue_name(format!("{name}-{setting}"))
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&queue)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap()[&QueueAttributeName::QueueArn]
            .clone();
        let mut subscribe = sns
            .subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(arn)
            .attributes("FilterPolicyScope", "MessageAttributes");
        if let Some(policy) = &policy {
            subscribe = subscribe.attributes("FilterPolicy", policy.to_string());
        }
        subscribe.send().await.unwrap();
        queues.insert(setting.clone(), queue);
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
            BTreeSet::from(["alarm", "failed", "updated", "stale"]),
        ),
        ("failures", BTreeSet::from(["alarm", "failed"])),
        (
            "failures-and-stale",
            BTreeSet::from(["alarm", "failed", "stale"]),
        ),
    ]);
    for (setting, queue) in &queues {
        let mut got = BTreeSet::new();
        loop {
            let page = sqs
                .receive_message()
                .queue_url(queue)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap();
            let messages = page.messages.unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            for m in messages {
                let envelope: Value = serde_json::from_str(m.body().unwrap()).unwrap();
                let event = envelope["MessageAttributes"]["event"]["Value"].as_str();
                got.insert(match event {
                    Some("failed") => "failed",
                    Some("updated") => "updated",
                    Some("stale") => "stale",
                    None if envelope["Message"] == ALARM => "alarm",
                    other => panic!("unexpected message {other:?}: {envelope}"),
                });
                sqs.delete_message()
                    .queue_url(queue)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
        assert_eq!(got, want[setting.as_str()], "AlertFilter={setting}");
    }
}
