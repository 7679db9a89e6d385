//! The county series on DynamoDB Local through the real `etl` binary, behind the IAM gate (the
//! ETL's role, judged by the template's policy): NYT's real county files, each run with the
//! national and state files of its time.
//!
//! 1. The whole county history as published on 2020-05-02 (106,826 rows; its last line has no newline, which `shared/README.md` does not count), with NYT's
//!    national and state files of 2020-05-01.
//! 2. The 30-day window as published on 2021-07-08 (97,393 rows), with those of 2021-07-01.
//! 3. The same again: nothing read but the national partition.
//!
//! After each run every county's days in the table are the union of the files read so far, the
//! newest standing, and as of the first file's vintage the table is the first file; each run's
//! `updated` alert (SNS on moto, an SQS queue subscribed) counts its county days once.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use common::*;
use covid_model::{Region, STATES};
use covid_store::{CountyDays, CountyValues};
use etl::transform::{by_state_day, parse_nyt_counties};

fn publication(date: &str, file: &str) -> PathBuf {
    testkit::repo_root()
        .join("data/publications")
        .join(date)
        .join(file)
}

type Table = BTreeMap<(Region, NaiveDate), CountyValues>;

/// A county file as the table keeps it.
fn file_table(path: &Path) -> Table {
    let series = parse_nyt_counties(&testkit::file_bytes(path)).unwrap();
    let mut table = Table::new();
    for (state, days) in by_state_day(&series) {
        for (date, values) in days {
            table.insert((state, date), values);
        }
    }
    table
}

/// The table's county days, now or as of `vintage` (days without a county left out).
async fn stored(etl: &Etl, vintage: Option<NaiveDate>) -> Table {
    let store = etl.store();
    let mut table = Table::new();
    for state in STATES {
        for day in store.read_county_days(state, None, None).await.unwrap() {
            let values = match vintage {
                None => Some(day.counties.clone()),
                Some(vintage) => day.as_of(vintage),
            };
            if let Some(values) = values.filter(|v| !v.is_empty()) {
                table.insert((state, day.date), values);
            }
        }
    }
    table
}

fn run(etl: &Etl, topic: &str, published: &str, counties: &Path) -> serde_json::Value {
    let command = etl.command(
        &etl.endpoint,
        &publication(published, "nyt-us.csv.gz"),
        &jhu_snapshot(),
        "run",
    );
    let output = with_alerts(command, topic)
        .env(
            "NYT_STATES_URL",
            publication(published, "nyt-us-states.csv.gz"),
        )
        .env("POPULATION_URL", testkit::snapshot("jhu-reference.csv"))
        .env("NYT_COUNTIES_URL", counties)
        .output()
        .expect("start etl");
    let summary = RunResult { output }.ok();
    eprintln!("{published} with {}: {summary}", counties.display());
    summary
}

#[tokio::test]
async fn real_county_files_keep_every_revision_and_read_nothing_when_nothing_is_new() {
    let etl = Etl::new("counties_real");
    etl.init();
    let sub = Subscriber::new("counties_real").await;
    let topic = sub.topic_arn.as_str();
    let (history, window) = (
        testkit::snapshot("nyt-us-counties-2020-05-01.csv.gz"),
        testkit::snapshot("nyt-us-counties-recent.csv.gz"),
    );

    let summary = run(&etl, topic, "2020-05-01", &history);
    let counties = &summary["counties"];
    assert_eq!(counties["rows"], 106_826, "{summary}");
    assert_eq!(counties["new"], 106_826, "{summary}");
    assert_county_batches_are_the_days_changes(&etl).await;
    let first = file_table(&history);
    assert_eq!(stored(&etl, None).await, first);
    // The run's `updated` alert tells the county days, per state, in one readable message.
    let told = sub.received().await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].count("county_days"), 106_826);
    assert!(
        told[0]
            .body
            .contains("County days new, revised or withdrawn (106,826), by state:"),
        "{}",
        told[0].body
    );
    assert!(told[0].body.contains("New York ("), "{}", told[0].body);
    assert!(told[0].body.len() < 16 * 1024, "{} B", told[0].body.len());

    let summary = run(&etl, topic, "2021-07-01", &window);
    let counties = &summary["counties"];
    assert_eq!(counties["rows"], 97_393, "{summary}");
    assert_eq!(
        (
            &counties["new"],
            &counties["revised"],
            &counties["withdrawn"]
        ),
        (&97_393.into(), &0.into(), &0.into()),
        "{summary}"
    );
    let told = sub.received().await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].count("county_days"), 97_393, "{}", told[0].body);
    assert!(
        told[0].subject.ends_with("; 97,393 county days"),
        "{}",
        told[0].subject
    );
    let mut union = first.clone();
    union.extend(file_table(&window));
    assert_eq!(stored(&etl, None).await, union);
    assert_county_batches_are_the_days_changes(&etl).await;
    let vintage: NaiveDate = "2020-05-01".parse().unwrap();
    assert_eq!(stored(&etl, Some(vintage)).await, first, "as of 2020-05-01");
    // Each state's listing is of everything stored, both files' days.
    assert_eq!(summary["counties"]["listings"], 55, "{summary}");
    for state in STATES {
        let mut expected: BTreeMap<&str, (usize, NaiveDate)> = BTreeMap::new();
        for ((s, date), values) in &union {
            if *s == state {
                for id in values.keys() {
                    let entry = expected.entry(id).or_insert((0, *date));
                    entry.0 += 1;
                }
            }
        }
        let listing = etl
            .store()
            .read_county_listing(state)
            .await
            .unwrap()
            .unwrap();
        let got: BTreeMap<&str, (usize, NaiveDate)> = listing
            .counties
            .iter()
            .map(|c| (c.id.as_str(), (c.count, c.first_date.unwrap())))
            .collect();
        assert_eq!(got, expected, "{}", state.id);
    }

    let summary = run(&etl, topic, "2021-07-01", &window);
    assert_eq!(summary["counties"]["skipped"], true, "{summary}");
    assert_eq!(summary["alerts_sent"], 0, "{summary}");
    assert_eq!(summary["counties"]["items"], 0, "{summary}");
    // The national partition's read and the run record: the county window is read with it.
    assert!(
        summary["dynamodb_requests"].as_u64().unwrap() <= 3,
        "{summary}"
    );
    assert_eq!(stored(&etl, None).await, union);
}

/// `etl backfill` of a list of the same two publications, each with its county file: the same
/// table as the daily runs leave, the change batches its days' changes, and a second backfill
/// skips both.
#[tokio::test]
async fn a_backfill_replays_each_publications_county_file() {
    let etl = Etl::new("counties_backfill");
    etl.init();
    let (history, window) = (
        testkit::snapshot("nyt-us-counties-2020-05-01.csv.gz"),
        testkit::snapshot("nyt-us-counties-recent.csv.gz"),
    );
    let list = common::scratch("counties_backfill").join("publications.txt");
    let line = |published: &str, counties: &Path| {
        format!(
            "{} {} {}\n",
            publication(published, "nyt-us.csv.gz").display(),
            publication(published, "nyt-us-states.csv.gz").display(),
            counties.display()
        )
    };
    let text = line("2020-05-01", &history) + &line("2021-07-01", &window);
    std::fs::write(&list, text).unwrap();
    let backfill = || {
        let mut command = etl.command(&etl.endpoint, &nyt_snapshot(), &jhu_snapshot(), "backfill");
        let output = command
            .arg(&list)
            .env("POPULATION_URL", testkit::snapshot("jhu-reference.csv"))
            .output()
            .expect("start etl");
        RunResult { output }.ok()
    };
    let report = backfill();
    assert_eq!(report["applied"], 2, "{report}");
    assert_eq!(report["county_days"], 106_826 + 97_393, "{report}");
    let first = file_table(&history);
    let mut union = first.clone();
    union.extend(file_table(&window));
    assert_eq!(stored(&etl, None).await, union);
    let vintage: NaiveDate = "2020-05-01".parse().unwrap();
    assert_eq!(stored(&etl, Some(vintage)).await, first, "as of 2020-05-01");
    assert_county_batches_are_the_days_changes(&etl).await;
    let again = backfill();
    assert_eq!(
        (&again["skipped"], &again["county_days"]),
        (&2.into(), &0.into()),
        "{again}"
    );
    assert_eq!(stored(&etl, None).await, union);
}

/// NYT's daily window sliding day by day, over seven days. The windows are cut from the real
/// whole history of 2020-05-02, each the 30 days up to its vintage: DERIVED, not files NYT
/// published (those are not bundled), so no day is revised among them. After each run every
/// county's days are the union of the windows read, and as of each earlier vintage the union
/// of the windows up to it; a window that leaves its oldest day behind withdraws nothing.
#[tokio::test]
async fn windows_sliding_day_by_day_keep_what_each_vintage_said() {
    let etl = Etl::new("counties_sliding");
    etl.init();
    let sub = Subscriber::new("counties_sliding").await;
    let history = String::from_utf8(testkit::file_bytes(&testkit::snapshot(
        "nyt-us-counties-2020-05-01.csv.gz",
    )))
    .unwrap();
    let (header, rows) = history.split_once('\n').unwrap();
    let dir = common::scratch("counties_sliding");
    let last: NaiveDate = "2020-05-01".parse().unwrap();
    let (mut union, mut said) = (Table::new(), Vec::<(NaiveDate, Table)>::new());
    for back in (0..7).rev() {
        let end = last - chrono::Days::new(back);
        let start = end - chrono::Days::new(29);
        let mut window = format!("{header}\n");
        for row in rows.lines() {
            let date: NaiveDate = row[..10].parse().unwrap();
            if (start..=end).contains(&date) {
                window.push_str(row);
                window.push('\n');
            }
        }
        let path = dir.join(format!("us-counties-recent-{end}.csv"));
        std::fs::write(&path, window).unwrap();
        let summary = run(&etl, &sub.topic_arn, "2020-05-01", &path);
        assert_eq!(summary["counties"]["withdrawn"], 0, "{summary}");
        union.extend(file_table(&path));
        assert_eq!(stored(&etl, None).await, union, "after the window of {end}");
        for (vintage, then) in &said {
            assert_eq!(&stored(&etl, Some(*vintage)).await, then, "as of {vintage}");
        }
        said.push((end, union.clone()));
        assert_county_listings_are_the_days(&etl).await;
    }
    assert_county_batches_are_the_days_changes(&etl).await;
}
