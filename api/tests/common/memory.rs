//! The router over the in-memory store, called with `tower::ServiceExt::oneshot`: seeded data
//! and request helpers shared by the router tests.

use std::sync::Arc;
use std::time::Duration;

use api::App;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{TimeZone, Utc};
use covid_model::Day;
use covid_store::{MemoryStore, StoredDay, StoredMeta};
use serde_json::Value;
use tower::ServiceExt;

/// Ten days with gaps in recoveries, as the store holds them.
pub fn ten_days() -> Vec<Day> {
    let start = "2020-12-10".parse::<chrono::NaiveDate>().unwrap();
    (0..10u64)
        .map(|i| Day {
            date: start + chrono::Days::new(i),
            cases: 1000 + i * 100,
            deaths: Some(10 + i),
            recovered: if i < 4 { Some(500 + i) } else { None },
        })
        .collect()
}

/// The in-memory store holding the ten days and their meta item (version 1).
pub fn seeded() -> MemoryStore {
    let store = MemoryStore::new();
    let days = ten_days();
    store.edit(|c| {
        c.days = days
            .iter()
            .map(|&day| (day.date, StoredDay::first(day, day.date)))
            .collect();
        c.meta = Some(StoredMeta {
            version: 1,
            fingerprint: covid_model::fingerprint(&days),
            count: days.len() as u64,
            first_date: days[0].date,
            last_date: days[9].date,
            changed_at: Utc.with_ymd_and_hms(2023, 3, 24, 12, 0, 0).unwrap(),
            last_run: None,
            stale_alert_for: None,
            population: None,
            regions_fingerprint: None,
            listing_version: None,
            lease_until: None,
            levels: None,
        });
    });
    store
}

/// The newest day's cases grow by `bump`, as a run writes them (its meta not written yet).
pub fn revise_newest(store: &MemoryStore, bump: u64) {
    store.edit(|c| {
        let newest = c.days.values_mut().next_back().unwrap();
        let revised = Day {
            cases: newest.day.cases + bump,
            ..newest.day
        };
        *newest = newest.revised(revised, revised.date);
    });
}

/// The meta moves to `version`, as a run that changed the data writes it.
pub fn new_version(store: &MemoryStore, version: u64) {
    store.edit(|c| c.meta.as_mut().unwrap().version = version);
}

pub fn router(store: &MemoryStore, ttl: Duration) -> axum::Router {
    api::router(Arc::new(App::new(store.clone(), ttl, 3)), None)
}

pub async fn call(
    router: &axum::Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap()
        .to_vec();
    (parts.status, parts.headers, bytes)
}

pub async fn get(router: &axum::Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    call(router, Request::get(uri).body(Body::empty()).unwrap()).await
}

pub fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}
