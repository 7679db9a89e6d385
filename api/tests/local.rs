//! The `api` binary as a local server over real HTTP, on DynamoDB Local loaded by the real ETL.

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

struct Server {
    base: String,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(loaded: &common::Loaded, site: &std::path::Path) -> Server {
    let port = testkit::free_port();
    let child = common::api_command(loaded)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("SITE_DIR", site)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{base}/v1/status")).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "the api did not listen within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Server { base, child }
}

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
    let server = start(&loaded, &site).await;
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
    assert_eq!(lines[0], "date,cases,deaths,recovered");
    assert_eq!(lines[420], "2021-03-16,29569140,536491,");

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
