//! The router with `tower::ServiceExt::oneshot` over the in-memory store, which counts its reads.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use api::App;
use api::cache::SeriesSource;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::memory::*;
use covid_store::{CountyDays, MemoryStore, StoreError};
use futures::future::BoxFuture;
use serde_json::Value;

#[tokio::test]
async fn series_with_ranges_and_nulls() {
    let store = seeded();
    let r = router(&store, Duration::from_secs(30));
    let (status, headers, body) = get(&r, "/v1/series").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let v = json(&body);
    assert_eq!(v["meta"]["count"], 10);
    assert_eq!(v["meta"]["first_date"], "2020-12-10");
    assert_eq!(v["meta"]["last_changed"], "2023-03-24T12:00:00+00:00");
    assert!(
        v["meta"]["source"]
            .as_str()
            .unwrap()
            .contains("New York Times")
    );
    assert_eq!(
        v["data"][0],
        serde_json::json!({"date":"2020-12-10","cases":1000,"deaths":10,"recovered":500,"revisions":0})
    );
    assert_eq!(v["data"][9]["recovered"], Value::Null);

    let (_, _, body) = get(&r, "/v1/series?from=2020-12-12&to=2020-12-14").await;
    let dates: Vec<_> = json(&body)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].clone())
        .collect();
    assert_eq!(dates, ["2020-12-12", "2020-12-13", "2020-12-14"]);
    let (_, _, body) = get(&r, "/v1/series?from=2020-12-18").await;
    assert_eq!(json(&body)["meta"]["count"], 2);
    let (_, _, body) = get(&r, "/v1/series?to=2020-12-10").await;
    assert_eq!(json(&body)["meta"]["count"], 1);
    let (status, _, body) = get(&r, "/v1/series?from=2030-01-01").await;
    assert_eq!(
        (status, json(&body)["meta"]["count"].as_u64()),
        (StatusCode::OK, Some(0))
    );
}

#[tokio::test]
async fn csv_twin() {
    let store = seeded();
    let r = router(&store, Duration::from_secs(30));
    let (status, headers, body) = get(&r, "/v1/series.csv?from=2020-12-13&to=2020-12-14").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "date,cases,deaths,recovered,revisions\n2020-12-13,1300,13,503,0\n2020-12-14,1400,14,,0\n"
    );
}

#[tokio::test]
async fn daily_and_latest_use_the_model_math() {
    let store = seeded();
    let r = router(&store, Duration::from_secs(30));
    let (_, _, body) = get(&r, "/v1/daily").await;
    let v = json(&body);
    let expected = serde_json::to_value(covid_model::daily(&ten_days())).unwrap();
    assert_eq!(v["data"], expected);
    assert_eq!(v["data"][1]["new_cases"], 100);
    assert_eq!(v["data"][7]["avg7_cases"], 100.0);
    assert_eq!(v["data"][4]["new_recovered"], Value::Null);

    let (_, _, body) = get(&r, "/v1/daily?from=2020-12-19").await;
    assert_eq!(
        json(&body)["data"][0]["avg7_deaths"],
        1.0,
        "averages use the days before the range"
    );

    let (_, _, body) = get(&r, "/v1/latest").await;
    let v = json(&body);
    assert_eq!(v["day"]["date"], "2020-12-19");
    assert_eq!(v["change"]["new_cases"], 100);
    assert_eq!(v["change"]["avg7_cases"], 100.0);
}

#[tokio::test]
async fn etag_and_last_modified() {
    let store = seeded();
    let r = router(&store, Duration::ZERO);
    let (_, headers, _) = get(&r, "/v1/series?from=2020-12-12").await;
    let etag = headers[header::ETAG].to_str().unwrap().to_string();
    assert_eq!(
        headers[header::LAST_MODIFIED],
        "Fri, 24 Mar 2023 12:00:00 GMT"
    );
    assert!(
        headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("public, max-age=")
    );

    let request = |tag: &str| {
        Request::get("/v1/series?from=2020-12-12")
            .header(header::IF_NONE_MATCH, tag)
            .body(Body::empty())
            .unwrap()
    };
    let (status, headers, body) = call(&r, request(&etag)).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(headers[header::ETAG].to_str().unwrap(), etag);
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let (status, _, _) = call(&r, request(&format!("\"x\", {etag}"))).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);

    // Another range or representation has another tag.
    let (_, other, _) = get(&r, "/v1/series?from=2020-12-13").await;
    assert_ne!(other[header::ETAG], etag.as_str());
    let (_, csv, _) = get(&r, "/v1/series.csv?from=2020-12-12").await;
    assert_ne!(csv[header::ETAG], etag.as_str());

    // New data: the old tag no longer matches.
    revise_newest(&store, 5);
    new_version(&store, 2);
    let (status, _, _) = call(&r, request(&etag)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn one_tag_never_names_two_answers() {
    // A run that failed half-way leaves new days under the old meta: an instance that read the
    // days before and one that reads them after must not share a tag for different data.
    let store = seeded();
    let warm = router(&store, Duration::from_secs(30));
    let (_, before, body_before) = get(&warm, "/v1/series").await;
    revise_newest(&store, 3);
    let cold = router(&store, Duration::from_secs(30));
    let (_, after, body_after) = get(&cold, "/v1/series").await;
    assert_ne!(body_before, body_after);
    assert_ne!(before[header::ETAG], after[header::ETAG]);
    // The warm instance, same meta version, keeps serving what it holds under its own tag.
    let (_, again, body_again) = get(&warm, "/v1/series").await;
    assert_eq!(
        (again[header::ETAG].clone(), body_again),
        (before[header::ETAG].clone(), body_before)
    );
}

#[tokio::test]
async fn errors_are_problem_details_with_cors() {
    let store = seeded();
    let r = router(&store, Duration::from_secs(30));
    let long = format!("/v1/series?from={}", "2".repeat(5000));
    for (uri, status, detail) in [
        (
            "/v1/series?from=2020-13-01",
            400,
            "`from` is \"2020-13-01\", which is not a day of the calendar.",
        ),
        (
            "/v1/daily?to=2021-02-29",
            400,
            "`to` is \"2021-02-29\", which is not a day of the calendar.",
        ),
        (
            "/v1/series?from=yesterday",
            400,
            "`from` is \"yesterday\": give a date as YYYY-MM-DD, e.g. 2020-12-01.",
        ),
        (
            "/v1/series?from=2020-1-1",
            400,
            "`from` is \"2020-1-1\": give a date as YYYY-MM-DD, e.g. 2020-12-01.",
        ),
        (
            "/v1/series.csv?from=2021-01-02&to=2021-01-01",
            400,
            "`from` (2021-01-02) is after `to` (2021-01-01): swap them, or drop one.",
        ),
        (
            "/v1/series?from=2020-12-01&from=2020-12-02",
            400,
            "`from` is given twice: give it once.",
        ),
        (
            long.as_str(),
            400,
            "`from` is too long (5000 characters, starting \"22222222222222222222\"): give a date as YYYY-MM-DD.",
        ),
        ("/v1/nope", 404, "There is nothing at /v1/nope."),
        ("/", 404, "There is nothing at /."),
    ] {
        let (got, headers, body) = get(&r, uri).await;
        assert_eq!(got.as_u16(), status, "{uri}");
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{uri}"
        );
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*", "{uri}");
        let v = json(&body);
        assert_eq!(v["status"], status, "{uri}");
        assert!(v["title"].is_string());
        assert!(
            v["detail"].as_str().unwrap().starts_with(detail),
            "{uri}: {v}"
        );
    }
    let (status, headers, body) = call(
        &r,
        Request::delete("/v1/series").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers[header::ALLOW], "GET, HEAD");
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert_eq!(json(&body)["status"], 405);
}

#[tokio::test]
async fn head_cors_preflight_and_compression() {
    let store = seeded();
    let r = router(&store, Duration::from_secs(30));
    let (status, headers, body) =
        call(&r, Request::head("/v1/series").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.len()), (StatusCode::OK, 0));
    assert!(headers.contains_key(header::ETAG));

    let preflight = Request::options("/v1/series")
        .header(header::ORIGIN, "https://example.org")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = call(&r, preflight).await;
    assert!(status.is_success());
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");

    // gzip at the origin; Brotli is CloudFront's (it compresses at the edge).
    for (accepted, encoding) in [
        ("gzip", Some("gzip")),
        ("br", None),
        ("br, gzip", Some("gzip")),
    ] {
        let request = Request::get("/v1/series")
            .header(header::ACCEPT_ENCODING, accepted)
            .body(Body::empty())
            .unwrap();
        let (status, headers, body) = call(&r, request).await;
        assert_eq!(status, StatusCode::OK);
        let got = headers
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap());
        assert_eq!(got, encoding, "{accepted}");
        let (_, _, plain) = get(&r, "/v1/series").await;
        assert_eq!(body.len() < plain.len(), encoding.is_some());
    }
}

#[tokio::test]
async fn the_store_is_read_at_most_once_per_ttl() {
    let store = seeded();
    let r = router(&store, Duration::from_secs(3600));
    for uri in [
        "/v1/series",
        "/v1/daily",
        "/v1/latest",
        "/v1/status",
        "/v1/series.csv",
    ]
    .iter()
    .cycle()
    .take(200)
    {
        assert_eq!(get(&r, uri).await.0, StatusCode::OK);
    }
    // One meta read, then the national partition once (days and meta in one read): no other
    // region is read until it is asked.
    assert_eq!(store.calls("read_state"), 1);
    assert_eq!(store.calls("read_series_and_meta"), 1);

    // With a zero TTL every request revalidates with the meta, but the days are re-read only
    // when the version moves.
    let store = seeded();
    let r = router(&store, Duration::ZERO);
    for _ in 0..5 {
        get(&r, "/v1/series").await;
    }
    assert_eq!(
        (
            store.calls("read_state"),
            store.calls("read_series_and_meta")
        ),
        (5, 1)
    );
    new_version(&store, 2);
    get(&r, "/v1/series").await;
    assert_eq!(store.calls("read_series_and_meta"), 2);
}

#[tokio::test]
async fn openapi_document_is_generated() {
    let store = seeded();
    let r = router(&store, Duration::from_secs(30));
    let (status, _, body) = get(&r, "/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let doc = json(&body);
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/v1/series",
        "/v1/series.csv",
        "/v1/daily",
        "/v1/latest",
        "/v1/status",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    assert!(doc["components"]["schemas"]["Day"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());

    // The subscription request says what the API accepts: an email address, the subscribable
    // alert kinds, the 56 region codes; the documented values pass the API's checks.
    let request = &doc["components"]["schemas"]["SubscriptionRequest"]["properties"];
    assert_eq!(request["email"]["format"], "email");
    assert_eq!(request["email"]["maxLength"], 254);
    let kinds: Vec<String> =
        serde_json::from_value(request["alerts"]["items"]["enum"].clone()).unwrap();
    assert_eq!(kinds, ["updated", "failed", "stale", "level"]);
    assert_eq!(request["alerts"]["minItems"], 1);
    let ids: Vec<String> =
        serde_json::from_value(request["regions"]["items"]["enum"].clone()).unwrap();
    assert_eq!(ids.len(), 56);
    assert_eq!(ids[..2], ["US", "AL"]);
    assert_eq!(request["regions"]["maxItems"], 50);
    // Every kind for 24 regions: 24 `updated` and 24 `level` topics, `failed` and `stale`.
    let documented = covid_model::SubscriptionRequest {
        email: "reader@example.com".to_string(),
        alerts: Some(kinds),
        regions: Some(ids[..24].to_vec()),
    };
    let choice = covid_model::validate(documented).unwrap();
    assert_eq!(choice.audiences().len(), covid_model::MAX_SUBSCRIPTIONS);
}

#[tokio::test]
async fn requests_do_not_wait_for_a_revalidation_while_data_is_held() {
    /// A source whose meta read blocks until released.
    #[derive(Clone)]
    struct Slow {
        inner: MemoryStore,
        arrived: Arc<AtomicUsize>,
        gate: Arc<tokio::sync::Semaphore>,
    }
    impl SeriesSource for Slow {
        fn national(&self) -> BoxFuture<'_, Result<api::cache::National, StoreError>> {
            let first = self.arrived.fetch_add(1, Ordering::SeqCst) == 0;
            Box::pin(async move {
                if !first {
                    let _permit = self.gate.acquire().await.unwrap();
                }
                SeriesSource::national(&self.inner).await
            })
        }
        fn region(
            &self,
            region: covid_model::Region,
        ) -> BoxFuture<'_, Result<api::cache::RegionRead, StoreError>> {
            SeriesSource::region(&self.inner, region)
        }
        fn listing(&self) -> BoxFuture<'_, Result<Option<covid_store::StoredListing>, StoreError>> {
            SeriesSource::listing(&self.inner)
        }
        fn county_listing(
            &self,
            state: covid_model::Region,
        ) -> BoxFuture<'_, Result<Option<covid_store::CountyListing>, StoreError>> {
            SeriesSource::county_listing(&self.inner, state)
        }
        fn state_counties(
            &self,
            state: covid_model::Region,
        ) -> BoxFuture<'_, Result<api::state_counties::StateCounties, StoreError>> {
            SeriesSource::state_counties(&self.inner, state)
        }
        fn county_changes(
            &self,
            from: (chrono::NaiveDate, Option<covid_model::Region>),
            until: chrono::NaiveDate,
            enough: usize,
        ) -> BoxFuture<'_, Result<Vec<covid_store::CountyChangeBatch>, StoreError>> {
            SeriesSource::county_changes(&self.inner, from, until, enough)
        }
    }
    let slow = Slow {
        inner: seeded(),
        arrived: Arc::default(),
        gate: Arc::new(tokio::sync::Semaphore::new(0)),
    };
    let r = api::router(Arc::new(App::new(slow.clone(), Duration::ZERO, 3)), None);
    assert_eq!(get(&r, "/v1/latest").await.0, StatusCode::OK); // cold: loads
    // The next request revalidates and blocks in the store...
    let blocked = tokio::spawn({
        let r = r.clone();
        async move { get(&r, "/v1/latest").await.0 }
    });
    while slow.arrived.load(Ordering::SeqCst) < 2 {
        tokio::task::yield_now().await;
    }
    // ...while others are served the data held, at once.
    let served = tokio::time::timeout(Duration::from_secs(5), get(&r, "/v1/series")).await;
    assert_eq!(served.expect("served without waiting").0, StatusCode::OK);
    slow.gate.add_permits(10);
    assert_eq!(blocked.await.unwrap(), StatusCode::OK);
}

#[tokio::test]
async fn a_failed_read_serves_the_version_held_and_without_one_is_a_503() {
    fn outage<T>() -> BoxFuture<'static, Result<T, StoreError>> {
        Box::pin(async {
            Err(StoreError::Request {
                operation: "Query",
                table: "series".to_string(),
                detail: "injected outage".to_string(),
            })
        })
    }
    /// A source whose partition reads fail while `down`.
    #[derive(Clone)]
    struct Flaky {
        inner: MemoryStore,
        down: Arc<AtomicBool>,
    }
    impl SeriesSource for Flaky {
        fn national(&self) -> BoxFuture<'_, Result<api::cache::National, StoreError>> {
            SeriesSource::national(&self.inner)
        }
        fn region(
            &self,
            region: covid_model::Region,
        ) -> BoxFuture<'_, Result<api::cache::RegionRead, StoreError>> {
            if self.down.load(Ordering::SeqCst) {
                return outage();
            }
            SeriesSource::region(&self.inner, region)
        }
        fn listing(&self) -> BoxFuture<'_, Result<Option<covid_store::StoredListing>, StoreError>> {
            SeriesSource::listing(&self.inner)
        }
        fn county_listing(
            &self,
            state: covid_model::Region,
        ) -> BoxFuture<'_, Result<Option<covid_store::CountyListing>, StoreError>> {
            SeriesSource::county_listing(&self.inner, state)
        }
        fn state_counties(
            &self,
            state: covid_model::Region,
        ) -> BoxFuture<'_, Result<api::state_counties::StateCounties, StoreError>> {
            if self.down.load(Ordering::SeqCst) {
                return outage();
            }
            SeriesSource::state_counties(&self.inner, state)
        }
        fn county_changes(
            &self,
            from: (chrono::NaiveDate, Option<covid_model::Region>),
            until: chrono::NaiveDate,
            enough: usize,
        ) -> BoxFuture<'_, Result<Vec<covid_store::CountyChangeBatch>, StoreError>> {
            SeriesSource::county_changes(&self.inner, from, until, enough)
        }
    }
    let flaky = Flaky {
        inner: seeded(),
        down: Arc::default(),
    };
    // A county of New York, and one of California.
    for (state, id) in [("NY", "36047"), ("CA", "06001")] {
        let write = [covid_store::CountyDayWrite::Insert {
            date: "2020-12-10".parse().unwrap(),
            counties: [(
                id.to_string(),
                covid_model::CountyCounts {
                    cases: 5,
                    deaths: None,
                },
            )]
            .into(),
        }];
        let state = covid_model::Region::by_id(state).unwrap();
        let vintage = "2020-12-10".parse().unwrap();
        assert!(
            flaky
                .inner
                .write_county_days(state, &write, vintage)
                .await
                .unwrap()
        );
    }
    let r = api::router(Arc::new(App::new(flaky.clone(), Duration::ZERO, 3)), None);
    let (status, _, held) = get(&r, "/v1/series").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, county) = get(&r, "/v1/regions/36047/series").await;
    assert_eq!(status, StatusCode::OK);
    // A run writes a new version; the partition cannot be read.
    revise_newest(&flaky.inner, 7);
    new_version(&flaky.inner, 2);
    flaky.down.store(true, Ordering::SeqCst);
    assert_eq!(get(&r, "/v1/series").await.2, held, "the version held");
    assert_eq!(
        get(&r, "/v1/regions/36047/series").await.2,
        county,
        "its state's counties held"
    );
    // A region never read has nothing held, nor a state's counties never read.
    for path in ["/v1/regions/NY/series", "/v1/regions/06001/series"] {
        assert_eq!(
            get(&r, path).await.0,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path}"
        );
    }
    flaky.down.store(false, Ordering::SeqCst);
    let (status, _, new) = get(&r, "/v1/series").await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(new, held, "read once the store is back");
}

#[tokio::test]
async fn status_reports_the_alerts_moved_aside() {
    let store = seeded();
    let r = common::memory::router(&store, Duration::ZERO);
    let (_, _, body) = common::memory::get(&r, "/v1/status").await;
    assert_eq!(common::memory::json(&body)["parked_alerts"], 0);
    store.edit(|c| {
        let parked = covid_store::OutboxMessage {
            id: "20210317T000000.000000Z-updated-00000001".to_string(),
            event: covid_model::AlertKind::Updated,
            subject: "refused".to_string(),
            body: String::new(),
            created_at: chrono::Utc::now(),
            counts: Default::default(),
            regions: Vec::new(),
            attempts: 5,
            levels: Vec::new(),
            sent: Vec::new(),
        };
        c.parked.insert(parked.id.clone(), parked);
    });
    let (status, _, body) = common::memory::get(&r, "/v1/status").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(common::memory::json(&body)["parked_alerts"], 1);
}

#[tokio::test]
async fn the_edge_keeps_data_answers_until_the_deployed_schedule_s_next_run() {
    // The schedule the template deploys for the ETL is the one the API is given, and parses.
    let template = testkit::template::Template::load();
    let secrets = |name: &str| Some(name.to_string());
    let environment = template
        .property_with("ApiFunction", "Environment", &[], &secrets)
        .unwrap();
    let deployed = environment["Variables"]["ETL_SCHEDULE"].as_str().unwrap();
    let events = template
        .property_with("EtlFunction", "Events", &[], &secrets)
        .unwrap();
    let runs = events
        .as_object()
        .unwrap()
        .values()
        .find_map(|e| e["Properties"]["Schedule"].as_str())
        .expect("the ETL's schedule event");
    assert_eq!(deployed, runs);
    let schedule = api::freshness::Schedule::parse(deployed).unwrap();
    // CloudFront honours an s-maxage up to its cache policy's MaxTTL.
    let policy = template
        .property_with("ApiCachePolicy", "CachePolicyConfig", &[], &secrets)
        .unwrap();
    assert!(policy["MaxTTL"].as_i64().unwrap() >= api::freshness::MAX_SHARED_AGE);

    let store = seeded();
    let app = App::new(store.clone(), Duration::ZERO, 3).with_schedule(schedule);
    let r = api::router(Arc::new(app), None);
    let (_, headers, _) = get(&r, "/v1/regions/US/daily").await;
    let cache = headers[header::CACHE_CONTROL].to_str().unwrap().to_string();
    assert!(cache.contains(", s-maxage="), "{cache}");
    assert!(cache.contains("stale-while-revalidate=3600"), "{cache}");
    let request = Request::get("/v1/regions/US/daily")
        .header(header::IF_NONE_MATCH, headers[header::ETAG].clone())
        .body(Body::empty())
        .unwrap();
    let (status, revalidated, _) = call(&r, request).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(
        revalidated[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("s-maxage=")
    );
    // The others keep their own: the status a minute, a 404 a minute, the document an hour.
    for (path, kept) in [
        ("/v1/status", "public, max-age=60"),
        ("/v1/regions/ZZ/daily", "public, max-age=60"),
        ("/v1/openapi.json", "public, max-age=3600"),
    ] {
        assert_eq!(get(&r, path).await.1[header::CACHE_CONTROL], kept, "{path}");
    }
}
