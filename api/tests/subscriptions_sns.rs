//! `POST /v1/subscriptions` on the real parts: SNS on moto behind the IAM and quota gates, the
//! rate counters and the audiences in DynamoDB Local. A valid request leaves one email
//! subscription, without a filter policy, on the topic of each kind and region it chose (made
//! on its first subscription); bad, cross-origin and over-the-limit requests leave none; the
//! same address again gets the same answer. At any number of subscribers no SNS quota is met.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use api::App;
use api::subscriptions::{SnsSubscriber, Subscriptions};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::memory::{call, seeded};
use covid_store::Audiences;
use covid_store::DynamoStore;
use serde_json::Value;

fn post(body: &str, peer: &str, origin: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/v1/subscriptions")
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(header::HOST, "127.0.0.1:3000");
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    let mut request = request.body(Body::from(body.to_string())).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    request
}

/// The topic's email subscriptions: (address, status, filter policy).
async fn email_subscriptions(
    sns: &aws_sdk_sns::Client,
    topic: &str,
) -> Vec<(String, String, Value)> {
    // SNS lists 100 a page.
    let mut listed = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = sns
            .list_subscriptions_by_topic()
            .topic_arn(topic)
            .set_next_token(next)
            .send()
            .await
            .unwrap();
        listed.extend(page.subscriptions().iter().cloned());
        next = page.next_token().map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    let mut out = Vec::new();
    for s in &listed {
        if s.protocol() != Some("email") {
            continue;
        }
        let arn = s.subscription_arn().unwrap_or_default().to_string();
        let attributes = sns
            .get_subscription_attributes()
            .subscription_arn(&arn)
            .send()
            .await
            .map(|a| a.attributes.unwrap_or_default())
            .unwrap_or_default();
        let policy = attributes
            .get("FilterPolicy")
            .map(|p| serde_json::from_str(p).unwrap())
            .unwrap_or(Value::Null);
        out.push((s.endpoint().unwrap_or_default().to_string(), arn, policy));
    }
    out
}

/// The subscribers' topics' prefix of a test: unique, and within the API role's
/// `test-alert-*` (the gate's stack is `test`).
fn prefix(name: &str) -> String {
    format!("test-alert-{}", testkit::table_name(name))
}

/// The ARN of `prefix`'s topic of `audience` on moto.
fn arn(prefix: &str, audience: &str) -> String {
    format!("arn:aws:sns:us-east-1:123456789012:{prefix}-{audience}")
}

/// The router, subscribing to `prefix`'s topics through `sns_endpoint` (moto's gates, or a
/// proxy in front of them) with its rate counters and audiences in a new table of DynamoDB
/// Local named for `name`; its requests are signed by the API function's role, judged by the
/// IAM gate. Returns the table too.
async fn subscribing(
    name: &str,
    prefix: &str,
    sns_endpoint: &str,
    edit: impl FnOnce(&mut Subscriptions),
) -> (axum::Router, DynamoStore) {
    let table = testkit::table_name(name);
    let operator = DynamoStore::new(&testkit::sdk_config(&testkit::dynamodb().endpoint), &table);
    operator.create_table_if_missing().await.unwrap();
    let role = |endpoint: &str| {
        testkit::iam::sdk_config("ApiFunction", endpoint, &[("TABLE_NAME", &table)])
    };
    let mut subscriptions = Subscriptions::new(
        SnsSubscriber::new(&role(sns_endpoint), prefix),
        DynamoStore::new(&role(&testkit::dynamodb().endpoint), &table),
    );
    edit(&mut subscriptions);
    let app = App::new(seeded(), Duration::from_secs(30), 3).with_subscriptions(subscriptions);
    (api::router(Arc::new(app), None), operator)
}

#[tokio::test]
async fn subscriptions_on_moto_with_limits_in_dynamodb_local() {
    let sns = aws_sdk_sns::Client::new(&testkit::sdk_config(&testkit::moto().endpoint));
    let prefix = prefix("subscribe");
    let (r, table) = subscribing(
        "subscribe-limits",
        &prefix,
        &testkit::moto().endpoint,
        |_| {},
    )
    .await;

    let body = r#"{"email":"ny-reader@example.com","alerts":["updated","stale","level"],"regions":["ny"]}"#;
    let (status, _, first) = call(
        &r,
        post(body, "203.0.113.20:1", Some("http://127.0.0.1:3000")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&first)
    );
    // One subscription on each chosen topic, with no filter policy. (moto confirms email
    // subscriptions at once; SNS holds them pending until the reader follows each
    // confirmation's link, which moto does not model.)
    for audience in ["updated-NY", "stale", "level-NY"] {
        let topic = arn(&prefix, audience);
        let subscribed = email_subscriptions(&sns, &topic).await;
        assert_eq!(subscribed.len(), 1, "{audience}: {subscribed:?}");
        let (address, arn, policy) = &subscribed[0];
        assert_eq!(address, "ny-reader@example.com");
        assert!(arn.starts_with(&topic), "{arn}");
        assert_eq!(policy, &Value::Null, "{audience}: no filter policy");
    }
    let level = sns
        .get_topic_attributes()
        .topic_arn(arn(&prefix, "level-NY"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        level.attributes().unwrap()["DisplayName"],
        "COVID-19 transmission level: New York",
        "the sender's name on its emails"
    );
    // The ETL publishes to these topics alone.
    assert_eq!(
        table
            .read_audiences()
            .await
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        ["level-NY", "stale", "updated-NY"]
    );

    // The same address again: the same answer, still one subscription each.
    let (status, _, again) = call(&r, post(body, "203.0.113.20:1", None)).await;
    assert_eq!((status, &again), (StatusCode::ACCEPTED, &first));
    assert_eq!(
        email_subscriptions(&sns, &arn(&prefix, "level-NY"))
            .await
            .len(),
        1
    );
    // Another spelling of that mailbox from another viewer, the same day: answered alike, and
    // SNS mails nobody (the counter in DynamoDB Local holds a keyed hash, not the address).
    let variant = body.replace("ny-reader@example.com", "NY-Reader+again@Example.com");
    let (status, _, again) = call(&r, post(&variant, "198.51.100.77:1", None)).await;
    assert_eq!((status, &again), (StatusCode::ACCEPTED, &first));
    let addresses = email_subscriptions(&sns, &arn(&prefix, "level-NY")).await;
    assert_eq!(addresses.len(), 1, "{addresses:?}");
    // Another choice for that mailbox the same day: answered for its own count, and no topic
    // is made for it.
    let other = r#"{"email":"NY-Reader+again@Example.com","alerts":["failed"]}"#;
    let (status, _, answer) = call(&r, post(other, "198.51.100.78:1", None)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        serde_json::from_slice::<Value>(&answer).unwrap(),
        serde_json::json!({"status": "confirmation_sent", "subscriptions": 1})
    );
    let topics = sns.list_topics().send().await.unwrap();
    assert!(
        !topics
            .topics()
            .iter()
            .any(|t| t.topic_arn() == Some(arn(&prefix, "failed").as_str())),
        "no topic made for a request not sent"
    );

    // Refused requests subscribe nobody.
    for (request, want) in [
        (
            post(r#"{"email":"x@@example.com"}"#, "203.0.113.21:1", None),
            StatusCode::BAD_REQUEST,
        ),
        (
            post(
                r#"{"email":"x@example.com","alerts":["all"]}"#,
                "203.0.113.21:1",
                None,
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            post(
                r#"{"email":"x@example.com","alerts":["level"]}"#,
                "203.0.113.21:1",
                None,
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            post(
                r#"{"email":"x@example.com","alerts":["level"],"regions":["NY"]}"#,
                "203.0.113.21:1",
                Some("https://evil.example"),
            ),
            StatusCode::FORBIDDEN,
        ),
    ] {
        assert_eq!(call(&r, request).await.0, want);
    }
    assert_eq!(
        email_subscriptions(&sns, &arn(&prefix, "level-NY"))
            .await
            .len(),
        1
    );

    // Five an hour from one address, counted in DynamoDB: the sixth is refused and subscribes no one.
    for i in 0..3 {
        let body =
            format!(r#"{{"email":"limit{i}@example.com","alerts":["level"],"regions":["NY"]}}"#);
        assert_eq!(
            call(&r, post(&body, "203.0.113.20:1", None)).await.0,
            StatusCode::ACCEPTED
        );
    }
    let sixth = r#"{"email":"sixth@example.com","alerts":["level"],"regions":["NY"]}"#;
    let (status, headers, _) = call(&r, post(sixth, "203.0.113.20:1", None)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key(header::RETRY_AFTER));
    let addresses: Vec<String> = email_subscriptions(&sns, &arn(&prefix, "level-NY"))
        .await
        .into_iter()
        .map(|s| s.0)
        .collect();
    assert_eq!(addresses.len(), 4, "{addresses:?}");
    assert!(!addresses.contains(&"sixth@example.com".to_string()));
}

#[tokio::test]
async fn an_address_sns_refuses_is_a_400_not_a_503() {
    use testkit::fault::{Fault, FaultProxy, Request as Seen};
    // SNS refuses the endpoint, in its own wire format (moto checks no address).
    let sns = FaultProxy::start(&testkit::moto().endpoint, |r: &Seen| {
        if r.operation == "Subscribe" {
            Fault::query("InvalidParameter", 400)
        } else {
            Fault::Forward
        }
    });
    let (r, _) = subscribing("refused-address", &prefix("refused"), &sns.endpoint, |_| {}).await;
    let (status, _, body) = call(
        &r,
        post(
            r#"{"email":"refused@example.com","alerts":["stale"]}"#,
            "203.0.113.40:1",
            None,
        ),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(sns.count("reply"), 1);
}

/// SNS allows 200 filter policies per topic (`testkit::quota`, which moto does not enforce),
/// and the quota gate refuses the 201st as AWS does. Subscriptions carry none: 210 readers of
/// one place's levels, each a request of its own through the gates, all subscribe, and the
/// topic holds 210 subscriptions and no filter policy.
#[tokio::test]
async fn the_201st_subscriber_of_a_place_is_taken_for_no_subscription_has_a_filter_policy() {
    let sns = aws_sdk_sns::Client::new(&testkit::sdk_config(&testkit::moto().endpoint));
    let gated = sns
        .create_topic()
        .name(testkit::table_name("filter-policies"))
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let policy = r#"{"event":["updated"]}"#;
    let limit = testkit::quota::FILTER_POLICIES_PER_TOPIC.most;
    for n in 0..=limit {
        let made = sns
            .subscribe()
            .topic_arn(&gated)
            .protocol("email")
            .endpoint(format!("reader{n}@example.com"))
            .attributes("FilterPolicy", policy)
            .send()
            .await;
        match made {
            Ok(_) => assert!(n < limit, "the {}st filter policy was taken", n + 1),
            Err(refused) => {
                assert_eq!(n, limit, "refused early: {refused:?}");
                assert!(
                    refused
                        .as_service_error()
                        .is_some_and(|e| e.is_filter_policy_limit_exceeded_exception()),
                    "{refused:?}"
                );
            }
        }
    }

    let prefix = prefix("many");
    let readers = 210;
    let (r, _) = subscribing("many-readers", &prefix, &testkit::moto().endpoint, |s| {
        s.settings.per_day = readers as u64;
    })
    .await;
    for n in 0..readers {
        let body =
            format!(r#"{{"email":"reader{n}@example.com","alerts":["level"],"regions":["NY"]}}"#);
        let peer = format!("10.{}.{}.1:1", n / 250, n % 250);
        let (status, _, answer) = call(&r, post(&body, &peer, None)).await;
        assert_eq!(
            status,
            StatusCode::ACCEPTED,
            "reader {n}: {}",
            String::from_utf8_lossy(&answer)
        );
    }
    let topic = arn(&prefix, "level-NY");
    assert_eq!(testkit::quota::counted(&topic), (readers, 0));
    assert_eq!(email_subscriptions(&sns, &topic).await.len(), readers);
}
