//! The `api` binary as a local server over real HTTP, on DynamoDB Local loaded by the real ETL.

mod common;

use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn local_server_on_the_loaded_table() {
    let loaded = common::loaded_table("api-local").await;
    let site = std::env::temp_dir().join(testkit::table_name("site"));
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(
        site.join("index.html"),
        "<!doctype html><title>US COVID-19</title>",
    )
    .unwrap();
    let server = common::start_api(&loaded, &site).await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{}{path}", server.base)).send();

    // The whole series is the snapshot's 420 days.
    let response = get("/v1/series").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let v: Value = response
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap())
        .unwrap();
    let expected = common::expected_days();
    let data: Vec<covid_model::Day> = serde_json::from_value(v["data"].clone()).unwrap();
    assert_eq!(data, expected);
    assert_eq!(
        (
            v["meta"]["count"].as_u64(),
            v["meta"]["first_date"].as_str()
        ),
        (Some(420), Some("2020-01-22"))
    );

    // Ranges, inclusive.
    let v: Value = get("/v1/series?from=2020-12-13&to=2020-12-14")
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap())
        .unwrap();
    assert_eq!(v["data"][0]["recovered"], 6_298_082);
    assert_eq!(v["data"][1]["recovered"], Value::Null);
    let v: Value = get("/v1/daily?from=2021-03-16")
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap())
        .unwrap();
    assert_eq!(v["data"][0]["new_cases"], 29_569_140 - 29_514_609);

    // CSV twin.
    let csv = get("/v1/series.csv").await.unwrap().text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 421);
    assert_eq!(lines[0], "date,cases,deaths,recovered,revisions");
    assert_eq!(lines[420], "2021-03-16,29569140,536491,,0");

    // ETag / 304.
    let response = client
        .get(format!("{}/v1/series", server.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");

    // Problem details, with CORS.
    let response = get("/v1/series?from=2021-01-05&to=2021-01-01")
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let v: Value = response
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap())
        .unwrap();
    assert_eq!(
        v["detail"],
        "`from` (2021-01-05) is after `to` (2021-01-01): swap them, or drop one."
    );

    // Local mode serves the site at `/`, and a problem for unknown files.
    let response = get("/").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<title>US COVID-19</title>")
    );
    let response = get("/no-such-file.js").await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );

    // Any client input, of any length, answers a 4xx problem with CORS, never a 5xx.
    let long = "x".repeat(5000);
    for path in [
        format!("/v1/{long}"),
        format!("/{long}"),
        format!("/v1/series?from={}", "2".repeat(60_000)),
        "/v1/%00%ff".to_string(),
        "/..%2f..%2fetc%2fpasswd".to_string(),
        format!("/{}", "%F0%9F%A6%A0".repeat(300)),
    ] {
        let response = get(&path).await.unwrap();
        let status = response.status();
        assert!(
            status.is_client_error(),
            "{status} for {}",
            &path[..path.len().min(60)]
        );
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let v: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        assert!(v["detail"].as_str().unwrap().len() < 600, "{v}");
    }
}

#[tokio::test]
async fn every_region_from_the_table_the_etl_loaded() {
    // Counties too: every documented read answers.
    let loaded = common::loaded_table_with_counties("api-regions").await;
    let server = common::start_api(&loaded, &std::env::temp_dir()).await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{}{path}", server.base)).send();

    let body = get("/v1/regions").await.unwrap().bytes().await.unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    let regions = v["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 56);
    assert_eq!(regions[0]["id"], "US");
    assert_eq!(regions[0]["population"], 329_466_283);
    let ny = regions.iter().find(|r| r["id"] == "NY").unwrap();
    assert_eq!(ny["latest"]["date"], "2021-07-08");

    // The list is the ETL's listing item, which says what every region's stored series says.
    use covid_store::{Listing, ReadSeries};
    let store =
        covid_store::DynamoStore::new(&testkit::sdk_config(&loaded.endpoint), &loaded.table);
    let listing = store.read_listing().await.unwrap().expect("a listing");
    let served: Vec<covid_model::RegionSummary> =
        serde_json::from_value(v["regions"].clone()).unwrap();
    assert_eq!(served, listing.regions);
    let mut read = Vec::new();
    for region in covid_model::Region::all() {
        let (days, meta) = store
            .partition(region)
            .read_series_and_meta()
            .await
            .unwrap();
        if let Some(meta) = meta {
            let days: Vec<_> = days.into_iter().map(|s| s.day).collect();
            read.push(covid_model::RegionSummary::of(
                region,
                &days,
                meta.population,
            ));
        }
    }
    assert_eq!(listing.regions, read);

    // New York's 7-day average per 100k on its newest day, from the snapshot's own rows.
    let states = std::fs::read_to_string(testkit::snapshot("nyt-us-states.csv")).unwrap();
    let cases = |date: &str| -> f64 {
        let row = states
            .lines()
            .find(|l| l.starts_with(&format!("{date},New York,36,")))
            .unwrap();
        row.split(',').nth(3).unwrap().parse().unwrap()
    };
    let expected = (cases("2021-07-08") - cases("2021-07-01")) / 7.0 * 100_000.0 / 19_453_561.0;
    let got = ny["latest"]["avg7_cases_per_100k"].as_f64().unwrap();
    assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");

    // The region's CSV has every New York row; ids are case-insensitive; tags revalidate.
    let csv = get("/v1/regions/ny/series.csv")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rows = states
        .lines()
        .filter(|l| l.contains(",New York,36,"))
        .count();
    assert_eq!(csv.lines().count(), rows + 1);
    let response = get("/v1/regions/NY/daily").await.unwrap();
    let etag = response.headers()["etag"].clone();
    let again = client
        .get(format!("{}/v1/regions/NY/daily", server.base))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(
        get("/v1/regions/ZZ/latest").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // The national endpoints are the US region's.
    let national = get("/v1/latest").await.unwrap().text().await.unwrap();
    let us = get("/v1/regions/US/latest")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(national, us);

    // Every read path the OpenAPI document names answers, signed by the API function's role:
    // its reads pass the IAM gate as the template's policy allows them.
    let doc = get("/v1/openapi.json")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let doc: Value = serde_json::from_slice(&doc).unwrap();
    let paths: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, ops)| ops.get("get").is_some())
        .map(|(path, _)| path.replace("{id}", "NY"))
        .collect();
    assert!(paths.len() >= 10, "{paths:?}");
    for path in paths {
        let status = get(&path).await.unwrap().status();
        assert_eq!(status, StatusCode::OK, "{path}");
    }
}
