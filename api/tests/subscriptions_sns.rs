//! `POST /v1/subscriptions` on the real parts: SNS `Subscribe` on moto and the rate counters in
//! DynamoDB Local. A valid request leaves one email subscription whose filter policy is
//! the choice; bad, cross-origin and over-the-limit requests leave none; the same address again
//! gets the same answer.

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

/// A topic on moto, named for `name`: its ARN.
async fn topic(sns: &aws_sdk_sns::Client, name: &str) -> String {
    sns.create_topic()
        .name(testkit::table_name(name))
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap()
}

/// The router, subscribing to `topic` through `sns_endpoint` (moto's gates, or a proxy in front
/// of them) with its rate counters in a new table of DynamoDB Local named for `name`; its
/// requests are signed by the API function's role, judged by the IAM gate.
async fn subscribing(name: &str, topic: &str, sns_endpoint: &str) -> axum::Router {
    let table = testkit::table_name(name);
    DynamoStore::new(&testkit::sdk_config(&testkit::dynamodb().endpoint), &table)
        .create_table_if_missing()
        .await
        .unwrap();
    let role = |endpoint: &str| {
        testkit::iam::sdk_config(
            "ApiFunction",
            endpoint,
            &[("TABLE_NAME", &table), ("TOPIC_ARN", topic)],
        )
    };
    let subscriptions = Subscriptions::new(
        SnsSubscriber::new(&role(sns_endpoint), topic),
        DynamoStore::new(&role(&testkit::dynamodb().endpoint), &table),
    );
    let app = App::new(seeded(), Duration::from_secs(30), 3).with_subscriptions(subscriptions);
    api::router(Arc::new(app), None)
}

#[tokio::test]
async fn subscriptions_on_moto_with_limits_in_dynamodb_local() {
    let sns = aws_sdk_sns::Client::new(&testkit::sdk_config(&testkit::moto().endpoint));
    let topic = topic(&sns, "subscribe").await;
    let r = subscribing("subscribe-limits", &topic, &testkit::moto().endpoint).await;

    let body = r#"{"email":"ny-reader@example.com","alerts":["updated","stale"],"regions":["ny"]}"#;
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
    let subscribed = email_subscriptions(&sns, &topic).await;
    assert_eq!(subscribed.len(), 1, "{subscribed:?}");
    // (moto confirms email subscriptions at once; SNS holds them pending until the reader
    // follows the confirmation link, which moto does not model.)
    let (address, arn, policy) = &subscribed[0];
    assert_eq!(address, "ny-reader@example.com");
    assert!(arn.starts_with(&topic), "{arn}");
    assert_eq!(
        policy,
        &serde_json::json!({"$or": [{"event": ["updated"], "regions": ["NY"]}, {"event": ["stale"]}]})
    );

    // The same address again: the same answer, still one subscription.
    let (status, _, again) = call(&r, post(body, "203.0.113.20:1", None)).await;
    assert_eq!((status, &again), (StatusCode::ACCEPTED, &first));
    assert_eq!(email_subscriptions(&sns, &topic).await.len(), 1);
    // Another spelling of that mailbox from another viewer, the same day: answered alike, and
    // SNS mails nobody (the counter in DynamoDB Local holds a keyed hash, not the address).
    let variant = r#"{"email":"NY-Reader+again@Example.com"}"#;
    let (status, _, again) = call(&r, post(variant, "198.51.100.77:1", None)).await;
    assert_eq!((status, &again), (StatusCode::ACCEPTED, &first));
    assert_eq!(email_subscriptions(&sns, &topic).await.len(), 1);

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
                r#"{"email":"x@example.com"}"#,
                "203.0.113.21:1",
                Some("https://evil.example"),
            ),
            StatusCode::FORBIDDEN,
        ),
    ] {
        assert_eq!(call(&r, request).await.0, want);
    }
    assert_eq!(email_subscriptions(&sns, &topic).await.len(), 1);

    // A policy SNS refuses is the reader's to change: a 400 with SNS's reason, not a 503.
    // moto counts each `$or` branch as a nesting level that doubles its arrays' sizes: five
    // regions beside the two other kinds make 2 x (1 x 2) x (5 x 2) x (2 x 2) = 160, over its
    // limit of 150. AWS documents a plain product of the arrays' sizes (1 x 5 x 2 = 10 here), so
    // AWS may take this choice; moto stands in for the refusal either way.
    let many = r#"{"email":"many@example.com","regions":["NY","CA","TX","FL","IL"]}"#;
    let (status, _, body) = call(&r, post(many, "203.0.113.22:1", None)).await;
    let detail = serde_json::from_slice::<Value>(&body).unwrap()["detail"].to_string();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{detail}");
    assert!(detail.contains("Filter policy is too complex"), "{detail}");
    // (moto makes the subscription before it checks the attributes and leaves it behind without
    // a policy; that is not taken here for SNS's behaviour, so many@ is not counted below.)

    // Five an hour from one address, counted in DynamoDB: the sixth is refused and subscribes no one.
    for i in 0..3 {
        let body = format!(r#"{{"email":"limit{i}@example.com"}}"#);
        assert_eq!(
            call(&r, post(&body, "203.0.113.20:1", None)).await.0,
            StatusCode::ACCEPTED
        );
    }
    let (status, headers, _) = call(
        &r,
        post(r#"{"email":"sixth@example.com"}"#, "203.0.113.20:1", None),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key(header::RETRY_AFTER));
    let addresses: Vec<String> = email_subscriptions(&sns, &topic)
        .await
        .into_iter()
        .map(|s| s.0)
        .filter(|a| a != "many@example.com")
        .collect();
    assert_eq!(addresses.len(), 4, "{addresses:?}");
    assert!(!addresses.contains(&"sixth@example.com".to_string()));
}

#[tokio::test]
async fn an_address_sns_refuses_is_a_400_not_a_503() {
    use testkit::fault::{Fault, FaultProxy, Request as Seen};
    let moto = testkit::sdk_config(&testkit::moto().endpoint);
    let topic = topic(&aws_sdk_sns::Client::new(&moto), "refused-address").await;
    // SNS refuses the endpoint, in its own wire format (moto checks no address).
    let sns = FaultProxy::start(&testkit::moto().endpoint, |r: &Seen| {
        if r.operation == "Subscribe" {
            Fault::query("InvalidParameter", 400)
        } else {
            Fault::Forward
        }
    });
    let r = subscribing("refused-address", &topic, &sns.endpoint).await;
    let (status, _, body) = call(
        &r,
        post(r#"{"email":"refused@example.com"}"#, "203.0.113.40:1", None),
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

/// SNS allows 200 filter policies per topic (`testkit::quota`, which moto does not enforce):
/// on a topic that holds them, a subscription is refused as AWS refuses it, and the reader is
/// told plainly that subscriptions are full, with no word of SNS's, and may ask again.
#[tokio::test]
async fn a_topic_full_of_filter_policies_is_told_as_full_not_as_a_passing_fault() {
    let sns = aws_sdk_sns::Client::new(&testkit::sdk_config(&testkit::moto().endpoint));
    let topic = topic(&sns, "full-topic").await;
    let policy = r#"{"event":["updated"]}"#;
    let limit = testkit::quota::FILTER_POLICIES_PER_TOPIC.most;
    for n in 0..limit {
        sns.subscribe()
            .topic_arn(&topic)
            .protocol("email")
            .endpoint(format!("reader{n}@example.com"))
            .attributes("FilterPolicy", policy)
            .send()
            .await
            .unwrap_or_else(|e| panic!("subscription {n}: {e:?}"));
    }
    // One more, straight to SNS: AWS's error, through the gate.
    let refused = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("email")
        .endpoint("one-more@example.com")
        .attributes("FilterPolicy", policy)
        .send()
        .await
        .unwrap_err();
    assert!(
        refused
            .as_service_error()
            .is_some_and(|e| e.is_filter_policy_limit_exceeded_exception()),
        "{refused:?}"
    );

    let r = subscribing("full-topic", &topic, &testkit::moto().endpoint).await;
    let body = r#"{"email":"late-reader@example.com"}"#;
    for _ in 0..2 {
        let (status, _, answer) = call(&r, post(body, "203.0.113.50:1", None)).await;
        let text = String::from_utf8_lossy(&answer);
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
        let problem: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(problem["title"], "Subscriptions full", "{text}");
        for internal in ["FilterPolicy", "SNS", "arn:", "Limit"] {
            assert!(!text.contains(internal), "{internal} in {text}");
        }
    }
    assert_eq!(email_subscriptions(&sns, &topic).await.len(), limit);
}
