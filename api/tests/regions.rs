//! The region endpoints with `oneshot` over the in-memory store: the listing, per-100k
//! figures, case-insensitive ids, unknown and hostile ids, and `/v1/regions/US/…` equal to the
//! national endpoints.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use axum::http::header;
use common::memory::*;
use covid_model::{Day, Region};
use covid_store::{MemoryStore, StoredDay, StoredMeta};

/// The seeded national series, plus New York (population 19,453,561) and Guam (no population
/// stored), eight days each.
fn with_states() -> MemoryStore {
    let store = seeded();
    let national = store.contents().meta.unwrap();
    for (id, population, scale) in [("NY", Some(19_453_561), 1000), ("GU", None, 1)] {
        let days: Vec<Day> = (0..8u64)
            .map(|i| Day {
                date: "2020-12-10".parse::<chrono::NaiveDate>().unwrap() + chrono::Days::new(i),
                cases: scale * i * i,
                deaths: Some(i),
                recovered: None,
            })
            .collect();
        let meta = StoredMeta {
            population,
            count: days.len() as u64,
            first_date: days[0].date,
            last_date: days[7].date,
            fingerprint: covid_model::fingerprint(&days),
            ..national.clone()
        };
        store.edit(|c| {
            let series = c.regions.entry(Region::by_id(id).unwrap()).or_default();
            series.days = days
                .iter()
                .map(|&day| (day.date, StoredDay::first(day, day.date)))
                .collect();
            series.meta = Some(meta);
        });
    }
    store
}

#[tokio::test]
async fn the_listing_puts_us_first_then_names_with_per_100k_averages() {
    let r = router(&with_states(), Duration::from_secs(30));
    let (status, headers, body) = get(&r, "/v1/regions").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.contains_key(header::ETAG));
    let v = json(&body);
    let ids: Vec<&str> = v["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["US", "GU", "NY"],
        "US, then Guam and New York by name"
    );
    let ny = &v["regions"][2];
    assert_eq!(ny["name"], "New York");
    assert_eq!(ny["fips"], "36");
    assert_eq!(ny["population"], 19_453_561);
    assert_eq!(
        (ny["count"].as_u64(), ny["last_date"].as_str()),
        (Some(8), Some("2020-12-17"))
    );
    // New cases on days 2..=8 are 1000·(2i-1): 49,000 in 7 days, 7,000 a day.
    assert_eq!(ny["latest"]["avg7_cases"], 7000.0);
    let per_100k = ny["latest"]["avg7_cases_per_100k"].as_f64().unwrap();
    assert!(
        (per_100k - 7000.0 * 100_000.0 / 19_453_561.0).abs() < 1e-9,
        "{per_100k}"
    );
    let gu = &v["regions"][1];
    assert!(
        gu["latest"]["avg7_cases_per_100k"].is_null(),
        "no population"
    );
    assert!(v["regions"][0]["fips"].is_null());
}

/// The listing item the ETL writes for `store`'s regions (with the shared model function) and
/// the national meta's mark of it.
fn list(store: &MemoryStore) {
    let contents = store.contents();
    let us_days: Vec<Day> = contents.days.values().map(|s| s.day).collect();
    let mut regions = vec![covid_model::RegionSummary::of(
        covid_model::US,
        &us_days,
        None,
    )];
    for region in Region::all() {
        if let Some(series) = contents.regions.get(&region) {
            let days: Vec<Day> = series.days.values().map(|s| s.day).collect();
            let population = series.meta.as_ref().and_then(|m| m.population);
            regions.push(covid_model::RegionSummary::of(region, &days, population));
        }
    }
    let version = contents.meta.as_ref().unwrap().version;
    store.edit(|c| {
        c.listing = Some(covid_store::StoredListing { version, regions });
        c.meta.as_mut().unwrap().listing_version = Some(version);
    });
}

#[tokio::test]
async fn the_list_is_one_read_of_a_current_listing_and_the_same_without_it() {
    // Without a listing item: every region's partition.
    let unlisted = with_states();
    let r = router(&unlisted, Duration::from_secs(30));
    let (status, headers, body) = get(&r, "/v1/regions").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unlisted.calls("read_series_and_meta"), 56);
    assert_eq!(unlisted.calls("read_listing"), 0, "not marked: not read");

    // With one: one read, no partition, the same answer and tag.
    let listed = with_states();
    list(&listed);
    let r = router(&listed, Duration::from_secs(30));
    let answer = get(&r, "/v1/regions").await;
    assert_eq!((answer.0, &answer.2), (status, &body));
    assert_eq!(answer.1[header::ETAG], headers[header::ETAG]);
    assert_eq!(
        (
            listed.calls("read_listing"),
            listed.calls("read_series_and_meta")
        ),
        (1, 0)
    );
    // A region's answer reads that region alone.
    assert_eq!(get(&r, "/v1/regions/NY/series").await.0, StatusCode::OK);
    assert_eq!(listed.calls("read_series_and_meta"), 1);

    // A listing of another version than the meta's is not served: the data moved on.
    let moved = with_states();
    list(&moved);
    moved.edit(|c| {
        let meta = c.meta.as_mut().unwrap();
        meta.listing_version = Some(meta.version + 1);
        meta.version += 1;
        c.regions.remove(&Region::by_id("GU").unwrap());
    });
    let r = router(&moved, Duration::from_secs(30));
    let v = json(&get(&r, "/v1/regions").await.2);
    assert_eq!(v["regions"].as_array().unwrap().len(), 2, "US and NY, read");
    assert_eq!(moved.calls("read_series_and_meta"), 56);
}

#[tokio::test]
async fn region_paths_answer_like_the_national_ones() {
    let r = router(&with_states(), Duration::from_secs(30));
    for path in ["series", "series.csv", "daily", "latest"] {
        let national = get(&r, &format!("/v1/{path}")).await;
        let us = get(&r, &format!("/v1/regions/US/{path}")).await;
        assert_eq!(national.0, StatusCode::OK);
        assert_eq!((us.0, &us.2), (national.0, &national.2), "{path}");
        assert_eq!(us.1[header::ETAG], national.1[header::ETAG], "{path}");
        let ny = get(&r, &format!("/v1/regions/ny/{path}")).await;
        assert_eq!(ny.0, StatusCode::OK, "{path}: ids are case-insensitive");
        assert_ne!(
            ny.1[header::ETAG],
            us.1[header::ETAG],
            "{path}: one tag per region"
        );
    }
    let v = json(&get(&r, "/v1/regions/NY/series?from=2020-12-16").await.2);
    assert_eq!(v["meta"]["count"], 2);
    assert!(
        v["data"][0]["recovered"].is_null(),
        "no recoveries by state"
    );
    let daily = json(&get(&r, "/v1/regions/NY/daily").await.2);
    assert!(daily["data"][7]["avg7_cases_per_100k"].as_f64().unwrap() > 35.0);
    // A chart is a data answer of its region: its own tag per region and query.
    let (status, headers, _) = get(&r, "/v1/regions/NY/chart.svg").await;
    assert_eq!(
        (status, &headers[header::CONTENT_TYPE]),
        (StatusCode::OK, &"image/svg+xml".parse().unwrap())
    );
    let deaths = get(&r, "/v1/regions/NY/chart.svg?metric=deaths").await;
    assert_ne!(deaths.1[header::ETAG], headers[header::ETAG]);
    let (status, _, body) = get(&r, "/v1/regions/GU/chart.svg?percap=1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json(&body)["detail"],
        "Guam has no population in the data: a per-capita chart needs one; drop `percap`."
    );
    let (status, _, body) = get(&r, "/v1/regions/NY/series?from=bad").await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&body)
    );
}

#[tokio::test]
async fn unknown_and_hostile_ids_are_404_problems() {
    let r = router(&with_states(), Duration::from_secs(30));
    let long = "A".repeat(5000);
    for id in [
        "ZZ",
        "CA",
        "nyc",
        "%00",
        "..%2F..",
        "%2e%2e",
        "N%0AY",
        "%F0%9F%87%BA%F0%9F%87%B8",
        "%FF",
        &long,
    ] {
        let (status, headers, body) = get(&r, &format!("/v1/regions/{id}/series")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id:.40}");
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{id:.40}"
        );
        let problem = json(&body);
        assert!(
            problem["detail"].as_str().unwrap().len() < 300,
            "{id:.40}: the detail is bounded"
        );
    }
    for path in [
        "/v1/regions//series",
        "/v1/regions/NY",
        "/v1/regions/NY/series/x",
    ] {
        assert_eq!(get(&r, path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn a_bad_request_is_refused_before_the_data_is_read() {
    let store = common::memory::seeded();
    // DynamoDB is out: every read fails.
    store.fail_after_writes(0);
    let r = common::memory::router(&store, std::time::Duration::ZERO);
    for (path, status) in [
        ("/v1/regions/NY/series?from=2021-02-30", 400),
        ("/v1/regions/ny/daily?from=2021-01-05&to=2021-01-01", 400),
        ("/v1/series.csv?to=yesterday", 400),
        ("/v1/regions/ZZ/latest", 404),
        ("/v1/regions/%00%ff/series", 404),
        ("/v1/regions/NY/chart.svg?width=1", 400),
        ("/v1/regions/NY/chart.svg?metric=cases&metric=deaths", 400),
        ("/v1/regions/ZZ/chart.svg", 404),
        ("/v1/series", 503),
    ] {
        let (got, _, body) = common::memory::get(&r, path).await;
        assert_eq!(
            got.as_u16(),
            status,
            "{path}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    assert_eq!(store.requests(), 1, "only the last one reached the store");
}

#[tokio::test]
async fn the_openapi_document_declares_each_error_of_each_read_path() {
    let r = common::memory::router(&common::memory::seeded(), std::time::Duration::ZERO);
    let (_, _, body) = common::memory::get(&r, "/v1/openapi.json").await;
    let doc = common::memory::json(&body);
    let responses = |path: &str| -> Vec<String> {
        doc["paths"][path]["get"]["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{path}"))
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(
        responses("/v1/regions/{id}/series"),
        ["200", "304", "400", "404", "503"]
    );
    assert_eq!(responses("/v1/series"), ["200", "304", "400", "404", "503"]);
    assert_eq!(responses("/v1/revisions"), ["200", "304", "400", "503"]);
    assert_eq!(
        responses("/v1/regions/{id}/revisions"),
        ["200", "304", "400", "404", "503"]
    );
    assert_eq!(
        responses("/v1/regions/{id}/chart.svg"),
        ["200", "304", "400", "404", "503"]
    );
    assert_eq!(
        responses("/v1/regions/{id}/latest"),
        ["200", "304", "404", "503"]
    );
    let problem = &doc["paths"]["/v1/regions/{id}/daily"]["get"]["responses"]["400"]["content"];
    assert!(
        problem["application/problem+json"]["schema"].is_object(),
        "{problem}"
    );
}

#[tokio::test]
async fn levels_are_cdc_s_bands_on_the_7_day_cases_per_100k() {
    let r = router(&with_states(), Duration::from_secs(30));
    // New York: 1,000·i² cumulative cases on day i, so 49,000 new cases over days 1 to 7.
    let v = json(&get(&r, "/v1/regions/ny/levels").await.2);
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 8);
    assert!(
        data[..7].iter().all(|d| d["level"].is_null()),
        "no 7 days yet"
    );
    let figure = data[7]["cases_per_100k_7d"].as_f64().unwrap();
    let expected = 49_000.0 * 100_000.0 / 19_453_561.0;
    assert!((figure - expected).abs() < 1e-9, "{figure} vs {expected}");
    assert_eq!(data[7]["level"], "high", "{expected} is 100 or more");
    assert!(
        v["meta"]["fields"]["level"]
            .as_str()
            .unwrap()
            .contains("substantial")
    );
    // The CSV twin says the same; a region without a population has no level.
    let (status, headers, csv) = get(&r, "/v1/regions/NY/levels.csv?from=2020-12-17").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        String::from_utf8(csv.to_vec()).unwrap(),
        format!("date,level,cases_per_100k_7d\n2020-12-17,high,{figure}\n")
    );
    let gu = json(&get(&r, "/v1/regions/GU/levels").await.2);
    assert!(
        gu["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["level"].is_null())
    );
    // The nation's, at /v1/regions/US/levels, with its own tag.
    let (status, us, _) = get(&r, "/v1/regions/US/levels").await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(us[header::ETAG], headers[header::ETAG]);
}
