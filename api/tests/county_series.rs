//! A county's series through the router on the in-memory store: its revisions, a day the
//! source withdrew, the series as of each vintage, and the cache's bound on the states whose
//! counties it holds. The same paths on DynamoDB Local, behind the IAM gate: `counties.rs`.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::StatusCode;
use common::memory::*;
use covid_model::{CountyCounts, Region};
use covid_store::{CountyDayWrite, CountyDays, CountyWindow, MemoryStore};
use serde_json::Value;

fn date(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

fn values(entries: &[(&str, u64, Option<u64>)]) -> BTreeMap<String, CountyCounts> {
    entries
        .iter()
        .map(|(id, cases, deaths)| {
            let counts = CountyCounts {
                cases: *cases,
                deaths: *deaths,
            };
            (id.to_string(), counts)
        })
        .collect()
}

/// New York's counties as two runs wrote them: on 2021-07-02 two days; on 2021-07-03 Kings's
/// first day revised and "Unknown"'s withdrawn.
async fn two_runs() -> MemoryStore {
    let store = seeded();
    let ny = Region::by_id("NY").unwrap();
    let first = [
        CountyDayWrite::Insert {
            date: date("2021-07-01"),
            counties: values(&[("36047", 10, Some(1)), ("36UNK", 3, None)]),
        },
        CountyDayWrite::Insert {
            date: date("2021-07-02"),
            counties: values(&[("36047", 12, None)]),
        },
    ];
    assert!(
        store
            .write_county_days(ny, &first, date("2021-07-02"))
            .await
            .unwrap()
    );
    let stored = store.read_county_days(ny, None, None).await.unwrap();
    let revise = [CountyDayWrite::Update {
        stored: stored[0].clone(),
        counties: values(&[("36047", 11, Some(1))]),
    }];
    assert!(
        store
            .write_county_days(ny, &revise, date("2021-07-03"))
            .await
            .unwrap()
    );
    // The window recorded, and the national meta write that announces them makes a new
    // version.
    let window = CountyWindow {
        fingerprint: "f".to_string(),
        vintage: date("2021-07-03"),
        first_date: date("2021-07-01"),
        last_date: date("2021-07-02"),
        rows: 2,
    };
    assert!(store.write_county_window(&window).await.unwrap());
    new_version(&store, 2);
    store
}

#[tokio::test]
async fn a_countys_revisions_withdrawals_and_series_as_of_each_vintage() {
    let store = two_runs().await;
    let r = router(&store, Duration::from_secs(60));
    let series = |path: &'static str| {
        let r = r.clone();
        async move {
            let (status, _, body) = get(&r, path).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{path}: {}",
                String::from_utf8_lossy(&body)
            );
            let body = json(&body);
            let days: Vec<(String, u64, Value, u64)> = body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    (
                        d["date"].as_str().unwrap().to_string(),
                        d["cases"].as_u64().unwrap(),
                        d["deaths"].clone(),
                        d["revisions"].as_u64().unwrap(),
                    )
                })
                .collect();
            days
        }
    };
    let day = |d: &str, cases, deaths: Value, revisions| (d.to_string(), cases, deaths, revisions);
    assert_eq!(
        series("/v1/regions/36047/series").await,
        [
            day("2021-07-01", 11, 1.into(), 1),
            day("2021-07-02", 12, Value::Null, 0)
        ]
    );
    assert_eq!(
        series("/v1/regions/36047/series?as_of=2021-07-02").await,
        [
            day("2021-07-01", 10, 1.into(), 0),
            day("2021-07-02", 12, Value::Null, 0)
        ]
    );
    // "Unknown": its one day withdrawn now, present as of the first run.
    assert_eq!(series("/v1/regions/36unk/series").await, []);
    assert_eq!(
        series("/v1/regions/36UNK/series?as_of=2021-07-02").await,
        [day("2021-07-01", 3, Value::Null, 0)]
    );
    let (status, _, body) = get(&r, "/v1/regions/36UNK/latest").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{}", json(&body));

    // Its changes: published, then withdrawn (`after` null; empty in CSV).
    let (_, _, body) = get(&r, "/v1/regions/36UNK/revisions").await;
    let changes = json(&body)["data"].clone();
    assert_eq!(changes[0]["kind"], "new");
    assert_eq!(
        (
            &changes[1]["kind"],
            &changes[1]["before"]["cases"],
            &changes[1]["after"]
        ),
        (&Value::from("withdrawn"), &Value::from(3), &Value::Null)
    );
    let (_, _, body) = get(&r, "/v1/regions/36UNK/revisions.csv").await;
    let csv = String::from_utf8(body).unwrap();
    assert_eq!(
        csv.lines().nth(2),
        Some("36UNK,2021-07-01,2021-07-03,withdrawn,3,,,,,")
    );
    let (_, _, body) = get(&r, "/v1/regions/36047/revisions").await;
    let kinds: Vec<(Value, Value)> = json(&body)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["kind"].clone(), c["vintage"].clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("new".into(), "2021-07-02".into()),
            ("new".into(), "2021-07-02".into()),
            ("revised".into(), "2021-07-03".into())
        ]
    );

    // Every region's and county's changes of the second run: the counties' from its batch.
    let (_, _, body) = get(&r, "/v1/revisions?since=2021-07-03").await;
    let changes: Vec<(Value, Value, Value)> = json(&body)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["region"].clone(),
                c["kind"].clone(),
                c["after"]["cases"].clone(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("36047".into(), "revised".into(), 11.into()),
            ("36UNK".into(), "withdrawn".into(), Value::Null),
        ]
    );
    // The whole feed, a change a page: the nation's ten days, then the counties' five.
    let mut next = Some("/v1/revisions?limit=1".to_string());
    let mut regions = Vec::new();
    while let Some(path) = next {
        let (status, _, body) = get(&r, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let body = json(&body);
        regions.extend(
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["region"].clone()),
        );
        next = body["meta"]["next"].as_str().map(str::to_string);
    }
    let counties: Vec<&Value> = regions.iter().filter(|r| *r != "US").collect();
    assert_eq!(counties, ["36047", "36047", "36UNK", "36047", "36UNK"]);
}

#[tokio::test]
async fn the_cache_holds_the_counties_of_a_few_states_and_reads_one_state_once() {
    let store = seeded();
    let states: Vec<Region> = ["NY", "TX", "CA", "FL", "IL", "PR"]
        .iter()
        .map(|id| Region::by_id(id).unwrap())
        .collect();
    for state in &states {
        let id = format!("{:02}001", state.fips);
        let write = [CountyDayWrite::Insert {
            date: date("2021-07-01"),
            counties: values(&[
                (&id, 5, Some(0)),
                (&format!("{:02}UNK", state.fips), 1, None),
            ]),
        }];
        store
            .write_county_days(*state, &write, date("2021-07-01"))
            .await
            .unwrap();
    }
    new_version(&store, 2);
    let r = router(&store, Duration::from_secs(60));
    let reads = || store.calls("read_county_series");
    let ask = |id: String| {
        let r = r.clone();
        async move {
            let (status, _, _) = get(&r, &format!("/v1/regions/{id}/latest")).await;
            assert_eq!(status, StatusCode::OK, "{id}");
        }
    };
    // Both counties of a state from one read of it.
    ask("36001".into()).await;
    ask("36UNK".into()).await;
    assert_eq!(reads(), 1);
    // Every state's counties once: one read each, however many counties are asked.
    for state in &states {
        ask(format!("{:02}001", state.fips)).await;
        ask(format!("{:02}UNK", state.fips)).await;
    }
    assert_eq!(reads(), states.len() as u64);
    // The four asked last are held; New York, asked first, was let go and is read again.
    let held = api::cache::COUNTY_STATES_HELD;
    assert_eq!(held, 4);
    ask("72001".into()).await;
    assert_eq!(reads(), states.len() as u64, "Puerto Rico is held");
    ask("36001".into()).await;
    assert_eq!(reads(), states.len() as u64 + 1, "New York was let go");
}
