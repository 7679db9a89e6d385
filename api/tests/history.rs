//! Revision history end to end, on DynamoDB Local behind the IAM gate: a sequence of daily
//! snapshots of the real NYT files is replayed by daily runs, by `etl backfill`, and by a
//! backfill killed half-way and run again. The three tables hold the same history, and the API
//! on it gives, as of each snapshot's vintage, exactly that snapshot for every region, and as
//! its revisions exactly the differences between consecutive snapshots.
//!
//! The snapshots (`testkit::publications`) are the bundled NYT publication cut at each vintage, with
//! the last two days under-reported as first publications are, so every day is published and
//! then revised twice.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use covid_model::{Counts, Day, Region, Revision, RevisionKind};
use covid_store::{DynamoStore, ReadSeries};
use serde_json::Value;

/// The vintages replayed: March 2020, when the states joined one after another.
const FIRST: &str = "2020-03-08";
const VINTAGES: u64 = 10;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// `count` snapshots from `first`, one folder per vintage, as `etl backfill` reads them.
fn snapshots(test: &str, first: &str, count: u64) -> (PathBuf, Vec<NaiveDate>) {
    let root = std::env::temp_dir().join(format!("{test}-{}", std::process::id()));
    let vintages = testkit::publications::write_snapshots(&root, date(first), count);
    (root, vintages)
}

/// Every region's series in the snapshot of `vintage`, as the ETL's transform reads it.
fn expected(root: &Path, vintage: NaiveDate) -> BTreeMap<Region, Vec<Day>> {
    let folder = root.join(vintage.to_string());
    let (_, jhu) = testkit::snapshot_sources();
    let national =
        etl::transform::build_series(&std::fs::read(folder.join("us.csv")).unwrap(), &jhu).unwrap();
    let mut series =
        etl::transform::parse_nyt_states(&std::fs::read(folder.join("us-states.csv")).unwrap())
            .unwrap();
    series.insert(covid_model::US, national);
    series
}

/// Every region's days as stored, each with every value it held and the vintage of each.
type History = Vec<(String, NaiveDate, Vec<(Option<NaiveDate>, Day)>)>;

async fn history(endpoint: &str, table: &str) -> History {
    let store = DynamoStore::new(&testkit::sdk_config(endpoint), table);
    let mut all = Vec::new();
    for region in Region::all() {
        for stored in store.partition(region).read_series().await.unwrap() {
            let versions = stored
                .history()
                .versions()
                .iter()
                .map(|v| (v.vintage, v.day))
                .collect();
            all.push((region.id.to_string(), stored.day.date, versions));
        }
    }
    all
}

/// `history` is `reference`, or the first difference is named.
fn same_history(history: &History, reference: &History, what: &str) {
    for (got, want) in history.iter().zip(reference) {
        assert_eq!(got, want, "{what}: the first difference");
    }
    assert_eq!(history.len(), reference.len(), "{what}: days stored");
}

/// An ETL on `table` signed in as the ETL function's role, through `endpoint`.
fn etl(endpoint: &str, table: &str, folder: &Path) -> etl::Etl {
    let config = common::etl_config(
        table,
        &folder.join("us.csv"),
        Some(&folder.join("us-states.csv")),
        Some(&testkit::snapshot("jhu-reference.csv")),
    );
    let role = testkit::iam::sdk_config("EtlFunction", endpoint, &[("TABLE_NAME", table)]);
    etl::Etl::new(config, &role).unwrap()
}

async fn new_table(endpoint: &str, test: &str, folder: &Path) -> String {
    let table = testkit::table_name(test);
    let config = common::etl_config(&table, &folder.join("us.csv"), None, None);
    etl::Etl::new(config, &testkit::sdk_config(endpoint))
        .unwrap()
        .init()
        .await
        .unwrap();
    table
}

/// The differences between consecutive snapshots, as `/v1/revisions` lists them.
fn differences(root: &Path, vintages: &[NaiveDate]) -> Vec<Revision> {
    let mut changes = Vec::new();
    let mut before: BTreeMap<Region, Vec<Day>> = BTreeMap::new();
    for &vintage in vintages {
        let now = expected(root, vintage);
        for region in Region::all() {
            let Some(days) = now.get(&region) else {
                continue;
            };
            let old: BTreeMap<NaiveDate, Day> = before
                .get(&region)
                .map(|d| d.iter().map(|d| (d.date, *d)).collect())
                .unwrap_or_default();
            for day in days {
                let kind = match old.get(&day.date) {
                    None => RevisionKind::New,
                    Some(old) if old == day => continue,
                    Some(_) => RevisionKind::Revised,
                };
                changes.push(Revision {
                    region: region.id.to_string(),
                    date: day.date,
                    vintage,
                    kind,
                    before: old.get(&day.date).map(|d| Counts::from(*d)),
                    after: Some(Counts::from(*day)),
                });
            }
        }
        before = now;
    }
    changes
}

async fn get(base: &str, path: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{base}{path}")).await.unwrap();
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap())
}

/// The embeddable chart of `region` as of `vintage` is the site's drawing of that snapshot's
/// `days`, with the revisions the series answer `as_of` counts.
async fn embed_as_of(base: &str, region: Region, vintage: NaiveDate, days: &[Day], answer: &Value) {
    let query = format!("view=cumulative&days=all&as_of={vintage}");
    let response = reqwest::get(format!("{base}/v1/regions/{}/chart.svg?{query}", region.id))
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "chart.svg as of {vintage}");
    let served = response.text().await.unwrap();
    let revisions = common::revisions_of(answer);
    let data = covid_chart::data::Data::new(region, days.to_vec(), None).with_revisions(revisions);
    let embed =
        covid_chart::embed::Embed::parse(query.split('&').filter_map(|p| p.split_once('=')))
            .unwrap();
    assert_eq!(
        served,
        embed.draw(&data).unwrap(),
        "chart.svg as of {vintage}"
    );
    assert!(served.contains(&format!("as published on {vintage}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn daily_runs_and_backfills_keep_one_history_and_the_api_tells_each_vintage() {
    let (root, vintages) = snapshots("history", FIRST, VINTAGES);
    let endpoint = testkit::dynamodb().endpoint.clone();
    let last = root.join(vintages[vintages.len() - 1].to_string());

    // Daily runs, one per snapshot.
    let daily = new_table(&endpoint, "history-daily", &last).await;
    for vintage in &vintages {
        etl(&endpoint, &daily, &root.join(vintage.to_string()))
            .run()
            .await
            .unwrap();
    }
    // A backfill of the same snapshots, then again: the second skips them all.
    let backfilled = new_table(&endpoint, "history-backfill", &last).await;
    let sequence = etl::backfill::publications(&root).unwrap();
    let report = etl::backfill::replay(&etl(&endpoint, &backfilled, &last), &sequence)
        .await
        .unwrap();
    assert_eq!((report.applied, report.skipped), (vintages.len(), 0));
    let again = etl::backfill::replay(&etl(&endpoint, &backfilled, &last), &sequence)
        .await
        .unwrap();
    assert_eq!((again.applied, again.skipped), (0, vintages.len()));
    assert!(
        again.dynamodb_requests <= vintages.len() as u64,
        "one read per snapshot"
    );

    // A backfill killed half-way (every request fails from the 400th on: the process is
    // gone), then run again.
    let killed = new_table(&endpoint, "history-killed", &last).await;
    let seen = Arc::new(AtomicUsize::new(0));
    let proxy = testkit::fault::FaultProxy::start(&endpoint, {
        let seen = seen.clone();
        move |_: &testkit::fault::Request| {
            if seen.fetch_add(1, Ordering::SeqCst) >= 400 {
                testkit::fault::Fault::dynamodb("InternalServerError", 500)
            } else {
                testkit::fault::Fault::Forward
            }
        }
    });
    let failure = etl::backfill::replay(&etl(&proxy.endpoint, &killed, &last), &sequence)
        .await
        .unwrap_err();
    assert!(
        failure.written > 0 || seen.load(Ordering::SeqCst) > 400,
        "{failure}"
    );
    // Run again at once, a state's first load the kill stopped is still leased: the backfill
    // stops before recording the vintage. Run again once the lease has lapsed, it resumes.
    let resumed = match etl::backfill::replay(&etl(&endpoint, &killed, &last), &sequence).await {
        Ok(report) => report,
        Err(failure) => {
            assert_eq!(failure.error.kind(), "conflict", "{failure}");
            assert!(failure.to_string().contains("lease lapses"), "{failure}");
            let lapsed = etl(&endpoint, &killed, &last)
                .with_clock(|| chrono::Utc::now() + etl::load::bulk::LEASE);
            etl::backfill::replay(&lapsed, &sequence).await.unwrap()
        }
    };
    assert!(resumed.skipped > 0, "the vintages applied before the kill");
    assert!(resumed.applied > 0, "the rest");

    let reference = history(&endpoint, &daily).await;
    assert!(
        reference.iter().any(|(_, _, v)| v.len() == 3),
        "days published, then revised twice"
    );
    same_history(
        &history(&endpoint, &backfilled).await,
        &reference,
        "backfill",
    );
    same_history(
        &history(&endpoint, &killed).await,
        &reference,
        "killed and resumed",
    );

    // The API: as of each vintage, that snapshot, for every region.
    let loaded = common::Loaded {
        endpoint: endpoint.clone(),
        table: daily.clone(),
    };
    let server = common::start_api(&loaded, &root).await;
    let base = server.base.as_str();
    for &vintage in &vintages {
        let want = expected(&root, vintage);
        for region in Region::all() {
            let (status, answer) = get(
                base,
                &format!("/v1/regions/{}/series?as_of={vintage}", region.id),
            )
            .await;
            let Some(days) = want.get(&region) else {
                assert_eq!(status, 404, "{} as of {vintage}: {answer}", region.id);
                continue;
            };
            assert_eq!(status, 200, "{} as of {vintage}: {answer}", region.id);
            let served: Vec<Day> = answer["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| serde_json::from_value(d.clone()).unwrap())
                .collect();
            assert_eq!(&served, days, "{} as of {vintage}", region.id);
            assert_eq!(answer["meta"]["as_of"], vintage.to_string());
            assert_eq!(answer["meta"]["vintage"], vintage.to_string());
            if region.id == "NY" {
                embed_as_of(base, region, vintage, days, &answer).await;
            }
        }
    }
    // Before the first vintage: a 404 that names it, for a series and for a chart.
    for path in [
        "/v1/series?as_of=2020-03-01",
        "/v1/regions/NY/chart.svg?as_of=2020-03-01",
    ] {
        let (status, problem) = get(base, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            problem["detail"].as_str().unwrap().contains(FIRST),
            "{path}: {problem}"
        );
    }

    // Every change, page after page, is the differences between consecutive snapshots.
    let mut listed: Vec<Revision> = Vec::new();
    let mut path = "/v1/revisions?limit=500".to_string();
    let mut pages = 0;
    loop {
        let (status, page) = get(base, &path).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        listed.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| serde_json::from_value::<Revision>(c.clone()).unwrap()),
        );
        match page["meta"]["next"].as_str() {
            Some(next) => path = next.to_string(),
            None => break,
        }
    }
    let want = differences(&root, &vintages);
    assert_eq!(pages, want.len().div_ceil(500), "pages of 500");
    assert_eq!(listed.len(), want.len());
    assert_eq!(listed, want);

    // A region's revisions, and the revision counts of its series, agree.
    let (_, ny) = get(
        base,
        "/v1/regions/NY/revisions?from=2020-03-10&to=2020-03-10",
    )
    .await;
    let kinds: Vec<(&str, &str)> = ny["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["vintage"].as_str().unwrap(), c["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("2020-03-10", "new"),
            ("2020-03-11", "revised"),
            ("2020-03-12", "revised")
        ]
    );
    let (_, series) = get(base, "/v1/regions/NY/series?from=2020-03-10&to=2020-03-10").await;
    assert_eq!(series["data"][0]["revisions"], 2);
    let (_, series) = get(
        base,
        "/v1/regions/NY/series?from=2020-03-10&to=2020-03-10&as_of=2020-03-11",
    )
    .await;
    assert_eq!(series["data"][0]["revisions"], 1);
    std::fs::remove_dir_all(&root).unwrap();
}

/// A newer publication's run wrote days of some states, then failed before any meta (which
/// records what a run completed); an older publication's run comes next. Its start checks pass
/// (every meta is older than both), so each day it would change is checked: it stops as a
/// regression, and no value is replaced by an older vintage's.
///
/// The failed run reaches only the first states it starts (a few at a time, none after the
/// first failure), so the vintages are of April 2020, when every state's counts are large
/// enough that each publication revises its last two days (2% and 1% short): whichever states
/// it reaches, it wrote values the older publication would replace.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_older_publication_after_a_failed_newer_run_is_refused_per_day() {
    let (root, vintages) = snapshots("history-older", "2020-04-01", 4);
    let endpoint = testkit::dynamodb().endpoint.clone();
    let folder = |i: usize| root.join(vintages[i].to_string());
    let table = new_table(&endpoint, "history-older", &folder(1)).await;
    for i in 0..2 {
        etl(&endpoint, &table, &folder(i)).run().await.unwrap();
    }
    // The run of vintages[3]: every write of a meta item fails; day writes go through.
    let proxy =
        testkit::fault::FaultProxy::start(&endpoint, |request: &testkit::fault::Request| {
            if request.operation != "Query" && request.body.contains(r#"{"S":"meta"}"#) {
                testkit::fault::Fault::dynamodb("InternalServerError", 500)
            } else {
                testkit::fault::Fault::Forward
            }
        });
    etl(&proxy.endpoint, &table, &folder(3))
        .run()
        .await
        .unwrap_err();
    let newest = |h: &History| -> BTreeMap<(String, NaiveDate), (Option<NaiveDate>, Day)> {
        h.iter()
            .map(|(region, date, versions)| ((region.clone(), *date), *versions.last().unwrap()))
            .collect()
    };
    let newer: Vec<_> = newest(&history(&endpoint, &table).await)
        .into_iter()
        .filter(|(_, (vintage, _))| *vintage == Some(vintages[3]))
        .collect();
    assert!(!newer.is_empty(), "the failed run wrote days");
    // Some of them hold values the older publication would replace (else nothing is refused).
    let older = expected(&root, vintages[2]);
    let replaced = newer.iter().filter(|((region, date), (_, day))| {
        let region = Region::by_id(region).unwrap();
        older[&region].iter().any(|d| d.date == *date && d != day)
    });
    assert!(
        replaced.count() > 0,
        "the failed run revised no day: {newer:?}"
    );

    let failure = etl(&endpoint, &table, &folder(2)).run().await.unwrap_err();
    assert_eq!(failure.error.kind(), "regression", "{failure}");
    assert!(
        failure.to_string().contains(&format!(
            "the newest day is {}, before {}, the vintage of the data already stored",
            vintages[2], vintages[3]
        )),
        "{failure}"
    );
    let after = history(&endpoint, &table).await;
    let now = newest(&after);
    for (day, value) in &newer {
        assert_eq!(now.get(day), Some(value), "{day:?} keeps the newer value");
    }
    for (region, date, versions) in &after {
        assert!(
            versions.is_sorted_by_key(|(vintage, _)| *vintage),
            "{region} {date}: vintages out of order: {versions:?}"
        );
    }
}
