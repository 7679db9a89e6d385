//! Level alerts end to end: NYT's real national and state files as published on the first of
//! 13 months and on 2021-07-08 (`data/publications`, `data/snapshot`), each read by one
//! `etl run` on DynamoDB Local and moto behind the IAM and quota gates, with a subscriber on
//! every state's and territory's `level-<id>` topic (an SQS queue, as the API would subscribe
//! an address, and the audience recorded in the table as the API records it). Each queue
//! receives exactly the level changes of its region, which this test computes on its own from
//! the same files: the newest day's new cases over 7 days per 100,000 residents (JHU's
//! `reference.csv`), in CDC's bands, compared publication to publication. A repeated run
//! sends nothing more.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use covid_model::Region;
use covid_store::Audiences;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The publications, oldest first: (national file, states file).
fn publications() -> Vec<(PathBuf, PathBuf)> {
    let root = repository();
    let list = std::fs::read_to_string(root.join("data/publications/list.txt")).unwrap();
    let mut out: Vec<(PathBuf, PathBuf)> = list
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut files = l.split_whitespace().map(|f| root.join(f));
            (files.next().unwrap(), files.next().unwrap())
        })
        .collect();
    out.push((
        testkit::snapshot("nyt-us.csv"),
        testkit::snapshot("nyt-us-states.csv"),
    ));
    out
}

fn text(path: &Path) -> String {
    String::from_utf8(testkit::file_bytes(path)).unwrap()
}

/// Residents by state FIPS: JHU's rows of the US without a county.
fn populations() -> BTreeMap<u8, f64> {
    let mut reader = csv::Reader::from_path(testkit::snapshot("jhu-reference.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (fips, admin2, country, population) = (
        column("FIPS"),
        column("Admin2"),
        column("Country_Region"),
        column("Population"),
    );
    let mut out = BTreeMap::new();
    for row in reader.records() {
        let row = row.unwrap();
        if row[country] == *"US"
            && row[admin2].is_empty()
            && let (Ok(f), Ok(p)) = (row[fips].parse::<u8>(), row[population].parse::<f64>())
        {
            out.insert(f, p);
        }
    }
    out
}

/// CDC's band of a 7-day total per 100,000.
fn band(total: f64) -> &'static str {
    match total {
        t if t >= 100.0 => "high",
        t if t >= 50.0 => "substantial",
        t if t >= 10.0 => "moderate",
        _ => "low",
    }
}

/// Each state's level on its newest day in a states file, with that day and the figure.
fn levels(
    states: &str,
    people: &BTreeMap<u8, f64>,
) -> BTreeMap<String, (String, &'static str, f64)> {
    let mut cases: BTreeMap<u8, Vec<(String, f64)>> = BTreeMap::new();
    for line in states.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let fips: u8 = f[2].parse().unwrap();
        cases
            .entry(fips)
            .or_default()
            .push((f[0].to_string(), f[3].parse().unwrap()));
    }
    let mut out = BTreeMap::new();
    for (fips, mut days) in cases {
        days.sort_by(|a, b| a.0.cmp(&b.0));
        let (Some(population), Some(region)) = (people.get(&fips), Region::by_fips(fips)) else {
            continue;
        };
        if days.len() < 8 {
            continue;
        }
        let (date, newest) = days[days.len() - 1].clone();
        let week_before = days[days.len() - 8].1;
        let total = (newest - week_before) * 100_000.0 / population;
        out.insert(region.id.to_string(), (date, band(total), total));
    }
    out
}

#[tokio::test]
async fn each_subscriber_hears_exactly_its_region_s_level_changes_once() {
    let etl = Etl::new("levels");
    etl.init();
    let prefix = format!("test-alert-{}", testkit::table_name("levels"));
    let (_, operator) = topic("levels-operator").await;
    let states: Vec<Region> = Region::all()
        .iter()
        .copied()
        .filter(|r| !r.is_us())
        .collect();
    let mut queues = BTreeMap::new();
    for region in &states {
        let topic = named_topic(&format!("{prefix}-level-{}", region.id)).await;
        let queue = testkit::table_name(&format!("level-{}", region.id));
        queues.insert(
            region.id.to_string(),
            Subscriber::on(&topic, &queue, None).await,
        );
    }
    let audiences: Vec<String> = states.iter().map(|r| format!("level-{}", r.id)).collect();
    etl.store().add_audiences(&audiences).await.unwrap();

    let people = populations();
    let mut expected: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    let mut before: Option<BTreeMap<String, (String, &str, f64)>> = None;
    let run = |nyt: &Path, states: &Path| {
        let mut cmd = etl.command(&etl.endpoint, nyt, &jhu_snapshot(), "run");
        cmd.env("NYT_STATES_URL", states)
            .env("POPULATION_URL", testkit::snapshot("jhu-reference.csv"))
            .env("TOPIC_PREFIX", &prefix)
            .env("SITE_URL", "https://covid.example");
        RunResult {
            output: with_alerts(cmd, &operator).output().unwrap(),
        }
        .ok()
    };
    let publications = publications();
    assert_eq!(publications.len(), 14);
    for (nyt, states) in &publications {
        run(nyt, states);
        let now = levels(&text(states), &people);
        if let Some(before) = &before {
            for (id, (date, level, total)) in &now {
                if let Some((_, was, _)) = before.get(id)
                    && was != level
                {
                    expected.entry(id.clone()).or_default().push((
                        format!("now {level} (was {was})"),
                        date.clone(),
                        format!("{total:.1} per 100,000"),
                    ));
                }
            }
        }
        before = Some(now);
    }
    let changes: usize = expected.values().map(Vec::len).sum();
    assert!(
        changes >= 20,
        "a replay with few changes proves little: {changes}"
    );
    eprintln!("{changes} level changes in {} regions", expected.len());

    // The same last publication again (a retry): nothing more to tell.
    let (nyt, states) = &publications[publications.len() - 1];
    run(nyt, states);

    let received = futures::future::join_all(queues.values().map(|q| q.received())).await;
    for (id, got) in queues.keys().zip(received) {
        let got: Vec<(String, String, String)> = got
            .iter()
            .map(|m| {
                assert_eq!(m.event, "level");
                let now = m.subject.split(": COVID-19 transmission ").nth(1).unwrap();
                let date = m
                    .body
                    .split("7 days to ")
                    .nth(1)
                    .and_then(|rest| rest.split(':').next())
                    .unwrap();
                let date = chrono::NaiveDate::parse_from_str(date, "%B %-d, %Y").unwrap();
                let figure = m
                    .body
                    .split(": ")
                    .nth(1)
                    .unwrap()
                    .split(" residents")
                    .next();
                (
                    now.to_string(),
                    date.to_string(),
                    figure.unwrap().to_string(),
                )
            })
            .collect();
        let want = expected.get(id).cloned().unwrap_or_default();
        assert_eq!(got, want, "{id}");
    }
}
