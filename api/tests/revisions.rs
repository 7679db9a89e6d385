//! `as_of` and the revisions on the in-memory store: the seeded days were each published by the
//! run of their own date (`StoredDay::first(day, day.date)`), so the series as of a date is the
//! days up to it.

mod common;

use std::time::Duration;

use axum::http::{StatusCode, header};
use common::memory::{get, json, revise_newest, router, seeded};

#[tokio::test]
async fn as_of_gives_the_series_as_it_stood_and_refuses_a_date_before_the_first_vintage() {
    let store = seeded();
    revise_newest(&store, 5);
    let r = router(&store, Duration::from_secs(30));
    let (status, headers, body) = get(&r, "/v1/series?as_of=2020-12-12").await;
    assert_eq!(status, StatusCode::OK);
    let v = json(&body);
    assert_eq!(v["meta"]["count"], 3);
    assert_eq!(v["meta"]["as_of"], "2020-12-12");
    assert_eq!(v["meta"]["vintage"], "2020-12-12");
    assert_eq!(v["data"][2]["date"], "2020-12-12");
    // Its own version: not the current series' tag, and a 304 for it.
    let (_, current, body) = get(&r, "/v1/series").await;
    let now = json(&body);
    assert_ne!(headers[header::ETAG], current[header::ETAG]);
    assert!(now["meta"].get("as_of").is_none());
    assert_eq!(now["data"][9]["revisions"], 1, "the newest day was revised");
    assert_eq!(now["data"][8]["revisions"], 0);
    let request = axum::http::Request::get("/v1/series?as_of=2020-12-12")
        .header(header::IF_NONE_MATCH, headers[header::ETAG].clone())
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(
        common::memory::call(&r, request).await.0,
        StatusCode::NOT_MODIFIED
    );
    // As of the newest day's own vintage: its revision, which the same run wrote.
    let (_, _, body) = get(
        &r,
        "/v1/regions/us/series.csv?as_of=2020-12-19&from=2020-12-19",
    )
    .await;
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "date,cases,deaths,recovered,revisions\n2020-12-19,1905,19,,1\n"
    );
    let (_, _, body) = get(&r, "/v1/daily?as_of=2020-12-11").await;
    assert_eq!(json(&body)["data"].as_array().unwrap().len(), 2);

    let (status, _, body) = get(&r, "/v1/series?as_of=2020-12-01").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let detail = json(&body)["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("2020-12-10, the first vintage"), "{detail}");
    for bad in [
        "as_of=2020-13-01",
        "as_of=yesterday",
        "as_of=2020-12-12&as_of=2020-12-13",
    ] {
        let (status, _, _) = get(&r, &format!("/v1/series?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn revisions_come_in_vintage_order_page_by_page() {
    let store = seeded();
    revise_newest(&store, 5);
    let r = router(&store, Duration::from_secs(30));
    let mut seen = Vec::new();
    let mut path = "/v1/revisions?limit=4".to_string();
    loop {
        let (status, headers, body) = get(&r, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let page = json(&body);
        for change in page["data"].as_array().unwrap() {
            seen.push((
                change["vintage"].as_str().unwrap().to_string(),
                change["kind"].as_str().unwrap().to_string(),
                change["before"]["cases"].as_u64(),
                change["after"]["cases"].as_u64().unwrap(),
            ));
        }
        match page["meta"]["next"].as_str() {
            Some(next) => {
                let link = headers[header::LINK].to_str().unwrap();
                assert_eq!(link, format!("<{next}>; rel=\"next\""));
                assert!(next.contains("limit=4"), "{next}");
                path = next.to_string();
            }
            None => {
                assert!(headers.get(header::LINK).is_none());
                break;
            }
        }
    }
    assert_eq!(seen.len(), 11, "ten new days and one revision");
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "vintage order");
    assert_eq!(
        seen[10],
        (
            "2020-12-19".to_string(),
            "revised".to_string(),
            Some(1900),
            1905
        )
    );
    let (_, _, body) = get(&r, "/v1/revisions?since=2020-12-19").await;
    assert_eq!(json(&body)["data"].as_array().unwrap().len(), 2);

    let (_, headers, body) = get(&r, "/v1/regions/US/revisions.csv?from=2020-12-19").await;
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "region,date,vintage,kind,before_cases,before_deaths,before_recovered,after_cases,\
         after_deaths,after_recovered\n\
         US,2020-12-19,2020-12-19,new,,,,1900,19,\n\
         US,2020-12-19,2020-12-19,revised,1900,19,,1905,19,\n"
    );
    for bad in [
        "cursor=2020-12-19~ZZ~2020-12-19~0",
        "cursor=x",
        "limit=0",
        "limit=5001",
        "since=2020-02-30",
    ] {
        let (status, _, body) = get(&r, &format!("/v1/revisions?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(json(&body)["detail"].as_str().is_some());
    }
    let (status, _, _) = get(&r, "/v1/regions/ZZ/revisions").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_documented_cursor_form_names_every_region() {
    let r = router(&seeded(), Duration::from_secs(30));
    let (_, _, body) = get(&r, "/v1/openapi.json").await;
    let doc = json(&body);
    let cursor = doc["paths"]["/v1/revisions"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "cursor")
        .unwrap()
        .clone();
    let pattern = regex::Regex::new(cursor["schema"]["pattern"].as_str().unwrap()).unwrap();
    let mut ids: Vec<String> = covid_model::Region::all()
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    // A county of every state (its first code, and its "Unknown"), and NYT's cities.
    for state in covid_model::STATES {
        ids.extend([
            format!("{:02}001", state.fips),
            format!("{:02}UNK", state.fips),
        ]);
    }
    ids.extend(["36NYC", "29KSC", "29JOP"].map(String::from));
    for id in ids {
        let cursor = format!("2021-01-15~{id}~2021-01-10~0");
        assert!(pattern.is_match(&cursor), "{cursor}");
        let (status, _, _) = get(&r, &format!("/v1/revisions?cursor={cursor}")).await;
        assert_eq!(status, StatusCode::OK, "{cursor}");
    }
    // What the pattern refuses, the API refuses.
    for id in ["ZZ", "ny", "99001", "36KSC", "3604", "36nyc"] {
        let cursor = format!("2021-01-15~{id}~2021-01-10~0");
        assert!(!pattern.is_match(&cursor), "{cursor}");
        let (status, _, _) = get(&r, &format!("/v1/revisions?cursor={cursor}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{cursor}");
    }
}

#[tokio::test]
async fn the_documented_region_id_names_every_region_and_county_in_any_case() {
    let r = router(&seeded(), Duration::from_secs(30));
    let (_, _, body) = get(&r, "/v1/openapi.json").await;
    let doc = json(&body);
    let id = doc["paths"]["/v1/regions/{id}/series"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "id")
        .unwrap()
        .clone();
    let pattern = regex::Regex::new(id["schema"]["pattern"].as_str().unwrap()).unwrap();
    assert!(
        pattern.as_str().len() < 1_000,
        "a pattern, not a list of counties"
    );
    let mut ids: Vec<String> = covid_model::Region::all()
        .iter()
        .flat_map(|r| [r.id.to_string(), r.id.to_lowercase()])
        .collect();
    for state in covid_model::STATES {
        ids.extend([
            format!("{:02}999", state.fips),
            format!("{:02}unk", state.fips),
        ]);
    }
    ids.extend(
        [
            "36047", "36NYC", "36nyc", "29KsC", "29JOP", "02unk", "72001",
        ]
        .map(String::from),
    );
    for id in &ids {
        assert!(pattern.is_match(id), "{id}");
        assert!(covid_model::Place::by_id(id).is_some(), "{id}");
    }
    for id in ["ZZ", "99001", "36KSC", "3604", "360470", "N Y", ""] {
        assert!(!pattern.is_match(id), "{id}");
        assert!(covid_model::Place::by_id(id).is_none(), "{id}");
    }
}
