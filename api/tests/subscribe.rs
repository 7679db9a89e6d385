//! `POST /v1/subscriptions` with `oneshot` over the in-memory store (rate counters) and a
//! recording subscriber: every status, what reaches SNS, the limits and who is counted.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api::App;
use api::subscriptions::{SubscribeError, Subscriber, Subscriptions};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::memory::{call, json, seeded};
use covid_model::Audience;
use covid_store::MemoryStore;
use futures::future::BoxFuture;

/// What the fakes answer `CreateTopic`: the ARN SNS would give the audience's topic.
fn made(audience: &Audience) -> BoxFuture<'static, Result<String, SubscribeError>> {
    let arn = format!(
        "arn:aws:sns:us-east-1:123456789012:test-alert-{}",
        audience.name()
    );
    Box::pin(async move { Ok(arn) })
}

/// Records every subscription (address, topic); answers "exists" for a pair it has seen.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(String, String)>>>);

impl Subscriber for Recorder {
    fn topic(&self, audience: &Audience) -> BoxFuture<'_, Result<String, SubscribeError>> {
        made(audience)
    }

    fn subscribe<'a>(
        &'a self,
        email: &'a str,
        topic_arn: &'a str,
    ) -> BoxFuture<'a, Result<(), SubscribeError>> {
        let mut calls = self.0.lock().unwrap();
        let pair = (email.to_string(), topic_arn.to_string());
        let seen = calls.contains(&pair);
        calls.push(pair);
        Box::pin(async move {
            if seen {
                Err(SubscribeError::Exists)
            } else {
                Ok(())
            }
        })
    }
}

impl Recorder {
    /// What reached SNS, one entry per request: the address and its topics' names.
    fn calls(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (email, topic) in self.0.lock().unwrap().iter() {
            let name = topic.rsplit(':').next().unwrap().to_string();
            match out.last_mut() {
                Some((last, topics)) if last == email => topics.push(name),
                _ => out.push((email.clone(), vec![name])),
            }
        }
        out
    }
}

/// The router as served locally: no origin secret, the socket peer is the viewer.
fn app(
    recorder: &Recorder,
    limits: &MemoryStore,
    edit: impl FnOnce(&mut Subscriptions),
) -> axum::Router {
    router(recorder, limits, None, edit)
}

/// The router as deployed: only requests with CloudFront's origin secret are served.
fn behind_cloudfront(recorder: &Recorder, limits: &MemoryStore) -> axum::Router {
    router(recorder, limits, Some(SECRET), |_| {})
}

const SECRET: &str = "s3cret";

fn router(
    recorder: &Recorder,
    limits: &MemoryStore,
    secret: Option<&str>,
    edit: impl FnOnce(&mut Subscriptions),
) -> axum::Router {
    let mut subscriptions = Subscriptions::new(recorder.clone(), limits.clone());
    edit(&mut subscriptions);
    let mut app = App::new(seeded(), Duration::from_secs(30), 3).with_subscriptions(subscriptions);
    if let Some(secret) = secret {
        app = app.with_origin_secret(secret);
    }
    api::router(Arc::new(app), None)
}

fn post(body: &str, peer: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request =
        Request::post("/v1/subscriptions").header(header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::from(body.to_string())).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    request
}

const OK_BODY: &str =
    r#"{"email":"reader@example.com","alerts":["updated","failed","level"],"regions":["ny","ca"]}"#;

#[tokio::test]
async fn a_valid_request_subscribes_to_a_topic_per_kind_and_region_and_records_them() {
    let (recorder, limits) = (Recorder::default(), MemoryStore::new());
    let r = app(&recorder, &limits, |_| {});
    let (status, headers, body) = call(&r, post(OK_BODY, "203.0.113.1:4000", &[])).await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(
        json(&body),
        serde_json::json!({"status": "confirmation_sent", "subscriptions": 5})
    );
    assert!(
        !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        "same-origin only"
    );
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert!(
        headers.contains_key("content-security-policy"),
        "the template's headers"
    );
    let calls = recorder.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, "reader@example.com");
    let mut topics = calls[0].1.clone();
    topics.sort();
    assert_eq!(
        topics,
        [
            "test-alert-failed",
            "test-alert-level-CA",
            "test-alert-level-NY",
            "test-alert-updated-CA",
            "test-alert-updated-NY"
        ]
    );
    // The ETL publishes to these alone.
    assert_eq!(
        limits.contents().audiences.into_iter().collect::<Vec<_>>(),
        ["failed", "level-CA", "level-NY", "updated-CA", "updated-NY"]
    );
    // The same address again: the same answer (no enumeration).
    let (status, _, again) = call(&r, post(OK_BODY, "203.0.113.1:4000", &[])).await;
    assert_eq!((status, again), (StatusCode::ACCEPTED, body));
}

#[tokio::test]
async fn each_bad_request_gets_its_status_and_subscribes_nobody() {
    let (recorder, limits) = (Recorder::default(), MemoryStore::new());
    let r = app(&recorder, &limits, |_| {});
    let peer = "203.0.113.2:4000";
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            post(r#"{"email":"not an address"}"#, peer, &[]),
            StatusCode::BAD_REQUEST,
            "email",
        ),
        (
            post(
                r#"{"email":"a@example.com","alerts":["unchanged"]}"#,
                peer,
                &[],
            ),
            StatusCode::BAD_REQUEST,
            "unchanged",
        ),
        (
            post(r#"{"email":"a@example.com","regions":["ZZ"]}"#, peer, &[]),
            StatusCode::BAD_REQUEST,
            "ZZ",
        ),
        (
            post(r#"{"email":"a@example.com","extra":1}"#, peer, &[]),
            StatusCode::BAD_REQUEST,
            "extra",
        ),
        (
            post("{\"email\":", peer, &[]),
            StatusCode::BAD_REQUEST,
            "not a subscription request",
        ),
        (
            post(
                &format!(
                    r#"{{"email":"a@example.com","pad":"{}"}}"#,
                    "x".repeat(5000)
                ),
                peer,
                &[],
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "4096",
        ),
        (
            post(OK_BODY, peer, &[("origin", "https://evil.example")]),
            StatusCode::FORBIDDEN,
            "this site",
        ),
        (
            post(OK_BODY, peer, &[("sec-fetch-site", "cross-site")]),
            StatusCode::FORBIDDEN,
            "this site",
        ),
    ];
    for (request, want, says) in cases {
        let (status, headers, body) = call(&r, request).await;
        assert_eq!(status, want, "{}", String::from_utf8_lossy(&body));
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
        let detail = json(&body)["detail"].as_str().unwrap().to_string();
        assert!(detail.contains(says), "{detail}");
    }
    let mut text = post(OK_BODY, peer, &[]);
    text.headers_mut()
        .insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
    assert_eq!(call(&r, text).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    for method in ["GET", "PUT", "DELETE", "PATCH"] {
        let request = Request::builder()
            .method(method)
            .uri("/v1/subscriptions")
            .body(Body::empty())
            .unwrap();
        let (status, headers, _) = call(&r, request).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(headers[header::ALLOW], "POST");
    }
    assert!(recorder.calls().is_empty(), "{:?}", recorder.calls());
}

#[tokio::test]
async fn the_sixth_request_of_an_hour_from_one_viewer_is_refused() {
    let (recorder, limits) = (Recorder::default(), MemoryStore::new());
    let r = app(&recorder, &limits, |_| {});
    let body = |i: usize| format!(r#"{{"email":"r{i}@example.com"}}"#);
    for i in 0..5 {
        // A forged viewer address, without CloudFront's secret, changes nothing.
        let forged = format!("198.51.100.{i}:1");
        let request = post(
            &body(i),
            "203.0.113.3:4000",
            &[("cloudfront-viewer-address", &forged)],
        );
        assert_eq!(call(&r, request).await.0, StatusCode::ACCEPTED);
    }
    let (status, headers, body6) = call(&r, post(&body(6), "203.0.113.3:4000", &[])).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        String::from_utf8_lossy(&body6)
    );
    let retry: i64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    assert_eq!(recorder.calls().len(), 5, "no subscription for the 6th");
    // Another viewer is not limited by the first.
    assert_eq!(
        call(&r, post(&body(7), "203.0.113.4:4000", &[])).await.0,
        StatusCode::ACCEPTED
    );
    // Behind CloudFront (the secret), each viewer address is counted on its own.
    let r = behind_cloudfront(&recorder, &limits);
    let via = |viewer: &str, i: usize| {
        post(
            &body(i),
            "192.0.2.10:443",
            &[
                ("x-origin-verify", SECRET),
                ("cloudfront-viewer-address", viewer),
            ],
        )
    };
    for i in 0..5 {
        assert_eq!(
            call(&r, via("198.51.100.50:1234", 10 + i)).await.0,
            StatusCode::ACCEPTED
        );
    }
    assert_eq!(
        call(&r, via("198.51.100.50:1234", 20)).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        call(&r, via("198.51.100.51:1234", 21)).await.0,
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn the_daily_ceiling_counts_confirmations_across_viewers() {
    let (recorder, limits) = (Recorder::default(), MemoryStore::new());
    let r = app(&recorder, &limits, |s| s.settings.per_day = 7);
    // Each default choice is 3 subscriptions, so 3 confirmations: two fit in 7.
    for (i, peer) in ["203.0.113.5:1", "203.0.113.6:1"].iter().enumerate() {
        let body = format!(r#"{{"email":"d{i}@example.com"}}"#);
        assert_eq!(
            call(&r, post(&body, peer, &[])).await.0,
            StatusCode::ACCEPTED
        );
    }
    let (status, headers, body) = call(
        &r,
        post(r#"{"email":"d9@example.com"}"#, "203.0.113.7:1", &[]),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key(header::RETRY_AFTER));
    let detail = json(&body)["detail"].as_str().unwrap().to_string();
    assert!(
        detail.contains("at most 7 subscription confirmations a day"),
        "{detail}"
    );
    // One more confirmation still fits, and the mailbox refused above may ask again.
    let one = r#"{"email":"d9@example.com","alerts":["level"],"regions":["NY"]}"#;
    assert_eq!(
        call(&r, post(one, "203.0.113.8:1", &[])).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(recorder.calls().len(), 3);
}

#[tokio::test]
async fn without_a_topic_subscriptions_are_unavailable() {
    let r = api::router(
        Arc::new(App::new(seeded(), Duration::from_secs(30), 3)),
        None,
    );
    let (status, _, body) = call(&r, post(OK_BODY, "203.0.113.8:1", &[])).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        json(&body)["detail"]
            .as_str()
            .unwrap()
            .contains("TOPIC_PREFIX")
    );
}

/// Refuses every subscription for a quota of the account, as SNS does.
struct Full;

impl Subscriber for Full {
    fn topic(&self, audience: &Audience) -> BoxFuture<'_, Result<String, SubscribeError>> {
        made(audience)
    }

    fn subscribe<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<(), SubscribeError>> {
        Box::pin(async {
            Err(SubscribeError::Full(
                "SubscriptionLimitExceeded: Account has reached the maximum".to_string(),
            ))
        })
    }
}

#[tokio::test]
async fn a_quota_sns_reaches_is_a_503_that_names_no_internals() {
    let subscriptions = Subscriptions::new(Full, MemoryStore::new());
    let app = App::new(seeded(), Duration::from_secs(30), 3).with_subscriptions(subscriptions);
    let r = api::router(Arc::new(app), None);
    let (status, _, body) = call(&r, post(OK_BODY, "203.0.113.9:1", &[])).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let text = String::from_utf8_lossy(&body);
    assert_eq!(json(&body)["title"], "Subscriptions full", "{text}");
    for internal in ["SNS", "Limit", "arn:", "Account"] {
        assert!(!text.contains(internal), "{internal} in {text}");
    }
}

#[tokio::test]
async fn behind_cloudfront_a_request_without_the_origin_secret_is_refused() {
    let (recorder, limits) = (Recorder::default(), MemoryStore::new());
    let r = behind_cloudfront(&recorder, &limits);
    let body = r#"{"email":"direct@example.com"}"#;
    // Straight to API Gateway: no secret, or a wrong one, with a forged viewer address.
    for headers in [
        vec![("cloudfront-viewer-address", "198.51.100.9:1")],
        vec![
            ("x-origin-verify", "guess"),
            ("cloudfront-viewer-address", "198.51.100.9:1"),
        ],
    ] {
        let (status, _, answer) = call(&r, post(body, "203.0.113.9:1", &headers)).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
    let read = Request::get("/v1/latest").body(Body::empty()).unwrap();
    let (status, _, _) = call(&r, read).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "reads too");
    assert!(recorder.calls().is_empty(), "{:?}", recorder.calls());
    // Through CloudFront it is served.
    let read = Request::get("/v1/latest")
        .header("x-origin-verify", SECRET)
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&r, read).await.0, StatusCode::OK);
}

#[tokio::test]
async fn while_one_origin_secret_replaces_another_both_are_taken() {
    let (recorder, limits) = (Recorder::default(), MemoryStore::new());
    let r = router(&recorder, &limits, Some("n3w s3cret"), |_| {});
    let read = |secret: &str| {
        Request::get("/v1/latest")
            .header("x-origin-verify", secret)
            .body(Body::empty())
            .unwrap()
    };
    for accepted in ["n3w", "s3cret"] {
        assert_eq!(
            call(&r, read(accepted)).await.0,
            StatusCode::OK,
            "{accepted}"
        );
    }
    for refused in ["n3w s3cret", "n3w ", "", "guess"] {
        assert_eq!(
            call(&r, read(refused)).await.0,
            StatusCode::FORBIDDEN,
            "{refused:?}"
        );
    }
}

#[tokio::test]
async fn ipv6_viewers_are_counted_per_64_and_per_48() {
    let (recorder, limits) = (Recorder::default(), MemoryStore::new());
    let r = app(&recorder, &limits, |s| s.settings.per_network_per_hour = 7);
    let body = |i: usize| format!(r#"{{"email":"v6-{i}@example.com"}}"#);
    // Five addresses of one /64 are one viewer: the sixth is refused.
    for i in 0..5 {
        let peer = format!("[2001:db8:1:1::{:x}]:4000", i + 1);
        assert_eq!(
            call(&r, post(&body(i), &peer, &[])).await.0,
            StatusCode::ACCEPTED
        );
    }
    let (status, _, answer) = call(&r, post(&body(5), "[2001:db8:1:1:ffff::9]:1", &[])).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        json(&answer)["detail"]
            .as_str()
            .unwrap()
            .contains("from one address"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // Other /64s of the same /48 share its wider limit (7): two more, then refused.
    for (i, peer) in ["[2001:db8:1:2::1]:1", "[2001:db8:1:3::1]:1"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            call(&r, post(&body(10 + i), peer, &[])).await.0,
            StatusCode::ACCEPTED
        );
    }
    let (status, _, answer) = call(&r, post(&body(20), "[2001:db8:1:4::1]:1", &[])).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        json(&answer)["detail"]
            .as_str()
            .unwrap()
            .contains("from one network")
    );
    // Another /48 is another network.
    assert_eq!(
        call(&r, post(&body(30), "[2001:db8:2::1]:1", &[])).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(recorder.calls().len(), 8);
}

#[tokio::test]
async fn one_confirmation_per_mailbox_a_day_whatever_the_spelling_or_the_viewer() {
    let (recorder, limits) = (Recorder::default(), MemoryStore::new());
    let r = app(&recorder, &limits, |_| {});
    let mut answers = Vec::new();
    for (i, email) in [
        "Name+news@Example.com",
        "name@example.com",
        "NAME+other@EXAMPLE.COM",
    ]
    .iter()
    .enumerate()
    {
        let body = format!(r#"{{"email":"{email}"}}"#);
        let peer = format!("198.51.100.{}:1", 60 + i);
        let (status, _, answer) = call(&r, post(&body, &peer, &[])).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{email}: the same answer");
        answers.push(answer);
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "the endpoint tells nothing"
    );
    let calls = recorder.calls();
    assert_eq!(calls.len(), 1, "one confirmation: {calls:?}");
    assert_eq!(
        calls[0].0, "Name+news@Example.com",
        "SNS mails the address as given"
    );
    // The counters keep a keyed hash, never the address.
    let keys: Vec<String> = limits.contents().limits.keys().cloned().collect();
    assert!(
        keys.iter()
            .all(|k| !k.to_lowercase().contains("example") && !k.contains("name")),
        "{keys:?}"
    );
    assert_eq!(
        keys.iter().filter(|k| k.starts_with("limit#to#")).count(),
        1,
        "{keys:?}"
    );
}

#[tokio::test]
async fn gmail_s_dots_and_googlemail_are_one_mailbox() {
    let (recorder, limits) = (Recorder::default(), MemoryStore::new());
    let r = app(&recorder, &limits, |_| {});
    for (i, email) in [
        "J.Doe@gmail.com",
        "jdoe@googlemail.com",
        "j.d.o.e+news@GMAIL.COM",
    ]
    .iter()
    .enumerate()
    {
        let body = format!(r#"{{"email":"{email}"}}"#);
        let peer = format!("198.51.100.{}:1", 80 + i);
        let (status, _, _) = call(&r, post(&body, &peer, &[])).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{email}");
    }
    let calls = recorder.calls();
    assert_eq!(calls.len(), 1, "one confirmation: {calls:?}");
    // Another Gmail mailbox is its own.
    let (status, _, _) = call(
        &r,
        post(r#"{"email":"j.doe2@gmail.com"}"#, "198.51.100.90:1", &[]),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(recorder.calls().len(), 2);
}

#[tokio::test]
async fn only_plain_ascii_addresses_are_taken() {
    let (recorder, limits) = (Recorder::default(), MemoryStore::new());
    let r = app(&recorder, &limits, |_| {});
    for email in [
        "rëader@example.com",
        "reader@exämple.com",
        r#"\"a b\"@example.com"#,
        "a(b)@example.com",
        "a@[192.0.2.1]",
    ] {
        let body = format!(r#"{{"email":"{email}"}}"#);
        let (status, _, answer) = call(&r, post(&body, "203.0.113.30:1", &[])).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{email}: {}",
            String::from_utf8_lossy(&answer)
        );
    }
    assert!(recorder.calls().is_empty());
}

/// Refuses the first address it is given as SNS refuses an endpoint, then takes every one.
#[derive(Clone, Default)]
struct RefusesFirstAddress(Arc<Mutex<usize>>);

impl Subscriber for RefusesFirstAddress {
    fn topic(&self, audience: &Audience) -> BoxFuture<'_, Result<String, SubscribeError>> {
        made(audience)
    }

    fn subscribe<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<(), SubscribeError>> {
        let mut calls = self.0.lock().unwrap();
        *calls += 1;
        let first = *calls == 1;
        Box::pin(async move {
            if first {
                Err(SubscribeError::Refused(
                    "Invalid parameter: Email address".to_string(),
                ))
            } else {
                Ok(())
            }
        })
    }
}

#[tokio::test]
async fn an_address_sns_refuses_is_a_400_and_the_mailbox_may_ask_again() {
    let subscriber = RefusesFirstAddress::default();
    let subscriptions = Subscriptions::new(subscriber.clone(), MemoryStore::new());
    let app = App::new(seeded(), Duration::from_secs(30), 3).with_subscriptions(subscriptions);
    let r = api::router(Arc::new(app), None);
    let one = r#"{"email":"reader@example.com","alerts":["level"],"regions":["ny"]}"#;
    let (status, _, body) = call(&r, post(one, "203.0.113.31:1", &[])).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "not a 503, which the 5xx alarm counts"
    );
    let detail = json(&body)["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("Email address"), "{detail}");
    assert!(!detail.contains("regions"), "{detail}");
    // No confirmation went out, so the mailbox's daily count was given back.
    assert_eq!(
        call(&r, post(one, "203.0.113.31:1", &[])).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(*subscriber.0.lock().unwrap(), 2, "SNS was asked again");
}

#[test]
fn the_limits_default_to_what_the_template_deploys() {
    let settings = api::limits::Settings::default();
    assert_eq!(settings.per_day, 1_000);
    // Secrets stand for themselves here; only the limits' parameters are read.
    let environment = testkit::template::Template::load()
        .property_with("ApiFunction", "Environment", &[], &|name| {
            Some(name.to_string())
        })
        .unwrap();
    let deployed = |name: &str| -> u64 {
        environment["Variables"][name]
            .as_str()
            .unwrap_or_else(|| panic!("{name} in ApiFunction's environment"))
            .parse()
            .unwrap()
    };
    assert_eq!(deployed("SUBSCRIBE_PER_DAY"), settings.per_day);
    assert_eq!(
        deployed("SUBSCRIBE_PER_IP_PER_HOUR"),
        settings.per_ip_per_hour
    );
    assert_eq!(
        deployed("SUBSCRIBE_PER_NETWORK_PER_HOUR"),
        settings.per_network_per_hour
    );
}

/// The widest choice a request may make: 50 subscriptions; one more is a 400 that says why,
/// and reaches SNS not at all.
#[tokio::test]
async fn a_request_makes_at_most_50_subscriptions() {
    let (recorder, limits) = (Recorder::default(), MemoryStore::new());
    let r = app(&recorder, &limits, |_| {});
    let ids: Vec<String> = covid_model::Region::all()
        .iter()
        .map(|r| format!("\"{}\"", r.id))
        .collect();
    let body = |n: usize| {
        format!(
            r#"{{"email":"wide@example.com","alerts":["level"],"regions":[{}]}}"#,
            ids[..n].join(",")
        )
    };
    let (status, _, answer) = call(&r, post(&body(51), "203.0.113.60:1", &[])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let detail = json(&answer)["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("51 subscriptions"), "{detail}");
    assert!(recorder.calls().is_empty());
    let (status, _, _) = call(&r, post(&body(50), "203.0.113.60:1", &[])).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(recorder.calls()[0].1.len(), covid_model::MAX_SUBSCRIPTIONS);
}
