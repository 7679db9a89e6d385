//! The state series on DynamoDB Local through the real `etl` binary: a replay of real
//! `us-states.csv` rows as the file grew through November 2020, with a revision of hundreds of
//! state days (synthetic values on real rows: the replay's earlier file publishes 550 days
//! with other counts, which the later file revises back, as NYT did in bulk that month); then
//! the nothing-new cost, a regressed state and a bad row, which write nothing.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use covid_model::Region;
use covid_store::{ReadSeries, ReadState};

fn states_snapshot() -> String {
    std::fs::read_to_string(testkit::snapshot("nyt-us-states.csv")).unwrap()
}

fn population_snapshot() -> PathBuf {
    testkit::snapshot("jhu-reference.csv")
}

/// Rows of the states snapshot (without the header) dated on or before `last`.
fn rows_until<'a>(text: &'a str, last: &str) -> Vec<&'a str> {
    text.lines().skip(1).filter(|l| &l[..10] <= last).collect()
}

/// The states file as published up to `last`, with the cases of the days in `bumped` (a date
/// prefix) raised by 7.
fn states_file(dir: &Path, name: &str, last: &str, bumped: Option<&str>) -> PathBuf {
    let text = states_snapshot();
    edited(dir, name, &text, |line| {
        if line.starts_with("date,") {
            return Some(line.to_string());
        }
        if &line[..10] > last {
            return None;
        }
        let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
        if bumped.is_some_and(|p| line.starts_with(p)) {
            fields[3] = (fields[3].parse::<u64>().unwrap() + 7).to_string();
        }
        Some(fields.join(","))
    })
}

fn run_states(etl: &Etl, states: &Path) -> common::RunResult {
    let output = etl
        .command(&etl.endpoint, &nyt_snapshot(), &jhu_snapshot(), "run")
        .env("NYT_STATES_URL", states)
        .env("POPULATION_URL", population_snapshot())
        .output()
        .expect("start etl");
    common::RunResult { output }
}

fn states_counts(summary: &serde_json::Value) -> (u64, u64, u64) {
    let s = &summary["states"];
    let n = |k: &str| {
        s[k].as_u64()
            .unwrap_or_else(|| panic!("states.{k} in {summary}"))
    };
    (n("inserted"), n("updated"), n("unchanged"))
}

#[tokio::test]
async fn a_replay_of_november_2020_with_a_bulk_revision() {
    let etl = Etl::new("states_replay");
    let dir = scratch("states_replay");
    etl.init();
    let text = states_snapshot();
    let (early, later) = (
        rows_until(&text, "2020-11-10"),
        rows_until(&text, "2020-11-20"),
    );
    let bumped = rows_until(&text, "2020-11-10")
        .into_iter()
        .filter(|l| l.starts_with("2020-11-0") || l.starts_with("2020-11-10"))
        .count() as u64;
    assert_eq!(bumped, 550, "55 jurisdictions x 10 days");

    // Day 1: the file up to 2020-11-10, with 550 days published at other values.
    let first = states_file(&dir, "day1.csv", "2020-11-10", Some("2020-11-"));
    let summary = run_states(&etl, &first).ok();
    assert_eq!(summary["inserted"], 420, "the national series as before");
    assert_eq!(states_counts(&summary), (early.len() as u64, 0, 0));

    // Day 2: up to 2020-11-20; the 550 days revised back, 550 new ones.
    let second = states_file(&dir, "day2.csv", "2020-11-20", None);
    let summary = run_states(&etl, &second).ok();
    let new = (later.len() - early.len()) as u64;
    assert_eq!(new, 550);
    assert_eq!(
        states_counts(&summary),
        (new, bumped, early.len() as u64 - bumped)
    );
    assert_eq!(summary["unchanged"], 420);

    // What is stored is the real file, day by day, for every region.
    let store = etl.store();
    let ny = Region::by_id("NY").unwrap();
    let stored = store.partition(ny).read_series().await.unwrap();
    let expected: Vec<&str> = later
        .iter()
        .copied()
        .filter(|l| l.contains(",New York,36,"))
        .collect();
    assert_eq!(stored.len(), expected.len());
    for (day, row) in stored.iter().zip(&expected) {
        let f: Vec<&str> = row.split(',').collect();
        assert_eq!(day.day.date.to_string(), f[0]);
        assert_eq!(
            (
                day.day.cases.to_string(),
                day.day.deaths.unwrap().to_string()
            ),
            (f[3].to_string(), f[4].to_string())
        );
        assert_eq!(day.day.recovered, None);
    }
    let meta = store
        .partition(ny)
        .read_state()
        .await
        .unwrap()
        .meta
        .unwrap();
    assert_eq!(meta.population, Some(19_453_561));
    assert!(
        store.read_state().await.unwrap().changes.is_empty(),
        "every change announced"
    );

    // Day 3: the whole snapshot; then a run with nothing new costs as little as one without states.
    let full = testkit::snapshot("nyt-us-states.csv");
    let summary = run_states(&etl, &full).ok();
    assert_eq!(
        states_counts(&summary).0,
        (text.lines().count() - 1 - later.len()) as u64
    );
    let summary = run_states(&etl, &full).ok();
    assert_eq!(
        states_counts(&summary),
        (0, 0, (text.lines().count() - 1) as u64)
    );
    assert_eq!(summary["dynamodb_requests"], 2, "{summary}");
}

#[tokio::test]
async fn a_regressed_state_or_a_bad_row_writes_nothing() {
    let etl = Etl::new("states_refused");
    let dir = scratch("states_refused");
    etl.init();
    let full = testkit::snapshot("nyt-us-states.csv");
    run_states(&etl, &full).ok();
    let before = etl.items().await;

    // Guam's last day is missing, and every other state has a new revision: refused whole.
    let text = states_snapshot();
    let regressed = edited(&dir, "regressed.csv", &text, |line| {
        if line.starts_with("2021-07-08,Guam,") {
            None
        } else if line.starts_with("2021-07-08,") && !line.starts_with("date") {
            let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
            f[3] = (f[3].parse::<u64>().unwrap() + 1).to_string();
            Some(f.join(","))
        } else {
            Some(line.to_string())
        }
    });
    let error = run_states(&etl, &regressed).failed();
    assert!(error.contains("Guam (GU)"), "{error}");
    assert!(error.contains("[regression]"), "{error}");
    assert_eq!(etl.items().await, before, "nothing written");

    // A row whose name disagrees with its FIPS code.
    let line = text
        .lines()
        .position(|l| l.starts_with("2021-07-08,New Jersey,"))
        .unwrap()
        + 1;
    let bad = edited(&dir, "bad.csv", &text, |l| {
        Some(if l.starts_with("2021-07-08,New Jersey,34,") {
            l.replace(",34,", ",36,")
        } else {
            l.to_string()
        })
    });
    let error = run_states(&etl, &bad).failed();
    assert!(
        error.contains(&format!("NYT us-states.csv line {line}, column `state`")),
        "{error}"
    );
    assert!(error.contains("[region_mismatch]"), "{error}");
    assert_eq!(etl.items().await, before, "nothing written");
}
