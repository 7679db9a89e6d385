//! Faults on the county load, on the real parts: the `etl` binary against DynamoDB Local behind
//! a fault-injecting proxy (`testkit::fault`) and the IAM gate, with NYT's real 30-day county
//! window of 2021-07-08 (97,393 county days, 1,650 items: 55 states by 30 days).
//!
//! Every scenario breaks a run (an outage, a lost answer, throttling, a kill, a second run at
//! the same time), then runs again without faults, and checks that the table converges to the
//! file with every item written once (revision 1: no county day counted or written twice), and
//! that the runs' `new` county days add up to the file's rows, the failed run's `written`
//! included: nothing counted twice, nothing lost.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{
    Etl, assert_county_batches_are_the_days_changes, assert_county_listings_are_the_days,
    jhu_snapshot, nyt_snapshot,
};
use covid_model::STATES;
use covid_store::{CountyDays, ReadState};
use serde_json::Value;
use testkit::fault::{Fault, FaultProxy, Request};

const ROWS: u64 = 97_393;

fn window() -> PathBuf {
    testkit::snapshot("nyt-us-counties-recent.csv.gz")
}

fn command(etl: &Etl, endpoint: &str, counties: &Path) -> Command {
    let mut cmd = etl.command(endpoint, &nyt_snapshot(), &jhu_snapshot(), "run");
    cmd.env("NYT_COUNTIES_URL", counties);
    cmd
}

/// One run; its last stdout line, parsed.
fn run(etl: &Etl, endpoint: &str) -> Value {
    let output = command(etl, endpoint, &window())
        .output()
        .expect("start etl");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|_| {
        panic!(
            "a JSON last line: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Whether a request writes county days.
fn writes_counties(request: &Request) -> bool {
    request.is_dynamodb_write() && request.body.contains("\"counties#")
}

/// The county days stored now, and the items above revision 1.
async fn stored(etl: &Etl) -> (u64, u64) {
    let store = etl.store();
    let (mut days, mut revised) = (0, 0);
    for state in STATES {
        for day in store.read_county_days(state, None, None).await.unwrap() {
            days += day.counties.len() as u64;
            revised += u64::from(day.rev > 1);
        }
    }
    (days, revised)
}

/// A run without faults leaves the whole file, each item written once; `counted` is the `new`
/// county days the earlier runs reported (a failed run's `written`).
async fn converges(etl: &Etl, counted: u64) {
    let line = run(etl, &testkit::dynamodb().endpoint);
    assert_eq!(line["status"], "ok", "{line}");
    assert_eq!(
        counted + line["counties"]["new"].as_u64().unwrap(),
        ROWS,
        "every county day counted once: {line}"
    );
    assert_eq!(stored(etl).await, (ROWS, 0), "the file, each item once");
    assert_county_batches_are_the_days_changes(etl).await;
    assert_county_listings_are_the_days(etl).await;
    let again = run(etl, &testkit::dynamodb().endpoint);
    assert_eq!(again["counties"]["skipped"], true, "{again}");
}

#[tokio::test]
async fn an_outage_after_the_first_county_write() {
    let etl = Etl::new("county-fault-outage");
    etl.init();
    let writes = AtomicUsize::new(0);
    let proxy = FaultProxy::start(&testkit::dynamodb().endpoint, move |r: &Request| {
        if !r.is_dynamodb_write() || writes.fetch_add(1, Ordering::SeqCst) == 0 {
            Fault::Forward
        } else {
            Fault::dynamodb("InternalServerError", 500)
        }
    });
    let line = run(&etl, &proxy.endpoint);
    assert_eq!(
        (&line["status"], &line["kind"]),
        (&"failed".into(), &"store".into()),
        "{line}"
    );
    let written = line["written"].as_u64().unwrap();
    let (days, _) = stored(&etl).await;
    assert!(written > 0, "one state's days went through: {line}");
    assert_eq!(written, days, "written is what the table holds: {line}");
    assert!(proxy.count("reply") > 0);
    converges(&etl, written).await;
}

#[tokio::test]
async fn a_lost_answer_after_a_county_commit() {
    let etl = Etl::new("county-fault-lost");
    etl.init();
    let writes = AtomicUsize::new(0);
    // The first county transaction takes effect, but the process is told it failed.
    let proxy = FaultProxy::start(&testkit::dynamodb().endpoint, move |r: &Request| {
        if writes_counties(r) && writes.fetch_add(1, Ordering::SeqCst) == 0 {
            Fault::dynamodb("InternalServerError", 500).after_forwarding()
        } else {
            Fault::Forward
        }
    });
    let line = run(&etl, &proxy.endpoint);
    assert_eq!(line["status"], "ok", "{line}");
    assert_eq!(proxy.count("lost"), 1);
    // However the retry went (the same token answered, or the state planned again and found
    // its days written), each item was written once and the table is the file.
    assert_eq!(stored(&etl).await, (ROWS, 0));
    let new = line["counties"]["new"].as_u64().unwrap();
    assert!(new <= ROWS, "never counted twice: {line}");
    let again = run(&etl, &testkit::dynamodb().endpoint);
    assert_eq!(again["counties"]["skipped"], true, "{again}");
}

#[tokio::test]
async fn half_the_county_writes_throttled() {
    let etl = Etl::new("county-fault-throttle");
    etl.init();
    let writes = AtomicUsize::new(0);
    let proxy = FaultProxy::start(&testkit::dynamodb().endpoint, move |r: &Request| {
        if writes_counties(r) && writes.fetch_add(1, Ordering::SeqCst) % 2 == 1 {
            Fault::dynamodb("ThrottlingException", 400)
        } else {
            Fault::Forward
        }
    });
    let mut counted = 0;
    for tries in 1.. {
        let line = run(&etl, &proxy.endpoint);
        if line["status"] == "ok" {
            counted += line["counties"]["new"].as_u64().unwrap();
            eprintln!("through on run {tries}");
            break;
        }
        assert_eq!(line["kind"], "store", "{line}");
        counted += line["written"].as_u64().unwrap();
        // Each run keeps what it wrote (days, listings), so runs converge.
        assert!(tries < 8, "8 throttled runs in a row failed: {line}");
    }
    assert!(proxy.count("reply") > 0, "writes were throttled");
    assert_eq!(counted, ROWS);
    assert_eq!(stored(&etl).await, (ROWS, 0));
    assert_county_listings_are_the_days(&etl).await;
}

#[tokio::test]
async fn a_process_killed_mid_county_load() {
    let etl = Etl::new("county-fault-kill");
    etl.init();
    let writes = AtomicUsize::new(0);
    let proxy = Arc::new(FaultProxy::start(
        &testkit::dynamodb().endpoint,
        move |r: &Request| {
            // The second county transaction takes effect, but its answer never comes.
            if writes_counties(r) && writes.fetch_add(1, Ordering::SeqCst) == 1 {
                Fault::ForwardAndHang
            } else {
                Fault::Forward
            }
        },
    ));
    let child = command(&etl, &proxy.endpoint, &window())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start etl");
    proxy.kill_when_held(child);
    let (days, revised) = stored(&etl).await;
    assert!(days > 0 && revised == 0, "{days} county days stored");
    assert!(
        etl.store()
            .read_state()
            .await
            .unwrap()
            .county_window
            .is_none()
    );
    // The killed run reported nothing; what it wrote is counted by nobody, and found written.
    let line = run(&etl, &testkit::dynamodb().endpoint);
    assert_eq!(line["status"], "ok", "{line}");
    assert_eq!(
        line["counties"]["new"].as_u64().unwrap(),
        ROWS - days,
        "{line}"
    );
    assert_eq!(stored(&etl).await, (ROWS, 0));
}

#[tokio::test]
async fn two_runs_at_once_write_each_item_once() {
    let etl = Etl::new("county-fault-concurrent");
    etl.init();
    let endpoint = &testkit::dynamodb().endpoint;
    let children: Vec<_> = (0..2)
        .map(|_| {
            command(&etl, endpoint, &window())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("start etl")
        })
        .collect();
    let mut counted = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
        // A run may fail on the other's transactions (a conflict), never double-count.
        match line["status"].as_str() {
            Some("ok") => counted += line["counties"]["new"].as_u64().unwrap(),
            _ => counted += line["written"].as_u64().unwrap(),
        }
    }
    assert_eq!(
        counted, ROWS,
        "the two runs' county days add up to the file"
    );
    assert_eq!(stored(&etl).await, (ROWS, 0));
    let again = run(&etl, endpoint);
    assert_eq!(again["counties"]["skipped"], true, "{again}");
}
