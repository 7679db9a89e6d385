//! `etl init` / `etl run` as processes against DynamoDB Local (started by the tests; a test
//! fails if it cannot start it). Inputs are the real snapshot or edits of it.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use common::{
    DAYS, Etl, RunResult, bad_jhu, edited, jhu_snapshot, jhu_text, nyt_snapshot, revised_nyt,
    scratch,
};
use covid_store::ReadSeries;
use serde_json::Value;
use testkit::CountingProxy;

fn count(ops: &[String]) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for op in ops {
        *counts.entry(op.as_str()).or_insert(0) += 1;
    }
    counts
}

#[tokio::test]
async fn initial_load_then_a_run_that_changes_nothing() {
    let etl = Etl::new("initial");
    let log = etl.init();
    assert!(log.contains("created=true"), "{log}");
    let log = etl.init();
    assert!(log.contains("created=false"), "init is idempotent: {log}");

    let proxy = CountingProxy::start(&etl.endpoint);
    let summary = etl
        .run_via(&proxy.endpoint, &nyt_snapshot(), &jhu_snapshot())
        .ok();
    assert_eq!(summary["status"], "ok");
    assert_eq!(summary["inserted"], 420);
    assert_eq!(summary["updated"], 0);
    assert_eq!(summary["unchanged"], 0);
    assert_eq!(summary["first_date"], "2020-01-22");
    assert_eq!(summary["last_date"], "2021-03-16");
    // Each day written once, in conditional transactions of up to 99 puts and their change
    // record; plus the meta read (a query of the meta, alerts in the outbox and change records), the
    // series query and the meta write, a transaction that also deletes the change records.
    let operations = proxy.operations();
    let ops = count(&operations);
    assert_eq!(
        ops["TransactWriteItems"],
        DAYS.div_ceil(covid_store::MAX_WRITES_PER_BATCH) + 1,
        "{ops:?}"
    );
    assert_eq!(ops.get("Query"), Some(&2), "{ops:?}");
    assert_eq!(ops.len(), 2, "{ops:?}");
    assert_eq!(summary["dynamodb_requests"], proxy.operations().len());

    // What is stored is exactly the transform of the snapshot.
    let nyt = std::fs::read(nyt_snapshot()).unwrap();
    let expected = etl::transform::build_series(&nyt, jhu_text().as_bytes()).unwrap();
    let stored: Vec<_> = etl
        .store()
        .read_series()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.day)
        .collect();
    assert_eq!(stored, expected);
    assert!(
        stored
            .iter()
            .all(|d| d.recovered.is_none() == (d.date.to_string().as_str() >= "2020-12-14"))
    );
    let meta = etl.meta().await;
    assert_eq!((meta.count, meta.version), (420, 1));
    assert_eq!(meta.fingerprint, covid_model::fingerprint(&expected));
    let changed_at = meta.changed_at;

    // Nothing new: at most 3 requests, at most 1 write (the run record).
    proxy.clear();
    let before = etl.items().await;
    let summary = etl
        .run_via(&proxy.endpoint, &nyt_snapshot(), &jhu_snapshot())
        .ok();
    assert_eq!(
        (summary["inserted"].as_u64(), summary["updated"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(summary["unchanged"], 420);
    let ops = proxy.operations();
    assert_eq!(
        ops,
        ["Query", "UpdateItem"],
        "a nothing-new run reads the meta and records the run"
    );
    assert_eq!(summary["dynamodb_requests"], 2);
    let after = etl.items().await;
    let days = |items: &BTreeMap<String, String>| {
        items
            .iter()
            .filter(|(k, _)| k.contains("day#"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(days(&before), days(&after), "days untouched");
    let meta = etl.meta().await;
    assert_eq!(
        (meta.version, meta.changed_at),
        (1, changed_at),
        "data did not change"
    );
    assert_eq!(meta.last_run.unwrap().unchanged, 420);
}

#[tokio::test]
async fn a_revised_past_day_is_updated() {
    let etl = Etl::new("revision");
    etl.load_snapshot();
    let dir = scratch("revision");
    // NYT revises 2020-06-01 (as it did for many past days).
    let revised = revised_nyt(&dir, "2020-06-01", "2020-06-01,1800000,105000");
    let old = etl.store().read_series().await.unwrap();
    let old_day = old
        .iter()
        .find(|s| s.day.date.to_string() == "2020-06-01")
        .unwrap();
    assert_ne!(old_day.day.cases, 1_800_000);

    let summary = etl.run(&revised, &jhu_snapshot()).ok();
    assert_eq!(
        (summary["inserted"].as_u64(), summary["updated"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(summary["unchanged"], 419);
    let new = etl.store().read_series().await.unwrap();
    let new_day = new
        .iter()
        .find(|s| s.day.date.to_string() == "2020-06-01")
        .unwrap();
    assert_eq!(
        (new_day.day.cases, new_day.day.deaths),
        (1_800_000, Some(105_000))
    );
    assert_eq!(new_day.day.recovered, old_day.day.recovered);
    assert_eq!(new_day.rev, old_day.rev + 1);
    assert_eq!(etl.meta().await.version, 2);

    // The same revised input again changes nothing.
    let summary = etl.run(&revised, &jhu_snapshot()).ok();
    assert_eq!(
        (summary["updated"].as_u64(), summary["unchanged"].as_u64()),
        (Some(0), Some(420))
    );
}

#[tokio::test]
async fn a_new_day_is_inserted() {
    let etl = Etl::new("newday");
    etl.init();
    let dir = scratch("newday");
    let jhu = jhu_text();
    let without_last = edited(&dir, "jhu.csv", &jhu, |line| {
        (!line.starts_with("2021-03-16,")).then(|| line.to_string())
    });
    let summary = etl.run(&nyt_snapshot(), &without_last).ok();
    assert_eq!(
        (summary["inserted"].as_u64(), summary["last_date"].as_str()),
        (Some(419), Some("2021-03-15"))
    );

    let summary = etl.run(&nyt_snapshot(), &jhu_snapshot()).ok();
    assert_eq!(
        (summary["inserted"].as_u64(), summary["updated"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        (summary["unchanged"].as_u64(), summary["last_date"].as_str()),
        (Some(419), Some("2021-03-16"))
    );
    let meta = etl.meta().await;
    assert_eq!(
        (meta.count, meta.last_date.to_string().as_str()),
        (420, "2021-03-16")
    );
}

#[tokio::test]
async fn a_failed_run_leaves_the_table_unchanged() {
    let etl = Etl::new("failure");
    etl.load_snapshot();
    let before = etl.items().await;
    assert_eq!(before.len(), 421);
    let dir = scratch("failure");

    // A revision that would be written, plus one bad row deep in the JHU file: nothing is written.
    let revised = revised_nyt(&dir, "2020-06-01", "2020-06-01,1,1");
    let (bad_jhu, bad_line) = bad_jhu(&dir, "2020-11-03,Germany,", "12x");
    let stderr = etl.run(&revised, &bad_jhu).failed();
    let expected = format!(
        "JHU time-series-19-covid-combined.csv line {bad_line}, column `Recovered` (date 2020-11-03): \
         not a number: \"12x\" [bad_count]"
    );
    assert!(
        stderr.contains(&expected),
        "expected {expected}\n in {stderr}"
    );
    assert_eq!(etl.items().await, before);

    // A truncated source (ends early): refused as a regression.
    let nyt = std::fs::read_to_string(nyt_snapshot()).unwrap();
    let truncated = edited(&dir, "short.csv", &nyt, |line| {
        (line.starts_with("date,") || line < "2021-03-01").then(|| line.to_string())
    });
    let stderr = etl.run(&truncated, &jhu_snapshot()).failed();
    assert!(
        stderr.contains("before the stored last day 2021-03-16") && stderr.contains("[regression]"),
        "{stderr}"
    );
    assert_eq!(etl.items().await, before);

    // An unreachable source: nothing is written either.
    let stderr = etl
        .run(Path::new("/no/such/us.csv"), &jhu_snapshot())
        .failed();
    assert!(
        stderr.contains("NYT us.csv: /no/such/us.csv: cannot read the file"),
        "{stderr}"
    );
    assert_eq!(etl.items().await, before);

    // The next run with good input simply works from the source.
    assert_eq!(etl.run(&revised, &jhu_snapshot()).ok()["updated"], 1);
}

#[tokio::test]
async fn concurrent_runs_on_an_empty_table_never_double_count() {
    let etl = Etl::new("concurrent");
    etl.init();
    let children: Vec<_> = (0..3)
        .map(|_| {
            etl.command(&etl.endpoint, &nyt_snapshot(), &jhu_snapshot(), "run")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let summaries: Vec<Value> = children
        .into_iter()
        .map(|c| {
            RunResult {
                output: c.wait_with_output().unwrap(),
            }
            .ok()
        })
        .collect();
    let total = |field: &str| {
        summaries
            .iter()
            .map(|s| s[field].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(total("inserted"), 420, "{summaries:?}");
    assert_eq!(total("updated"), 0, "{summaries:?}");
    assert_eq!(
        total("inserted") + total("unchanged"),
        3 * 420,
        "{summaries:?}"
    );
    let stored = etl.store().read_series().await.unwrap();
    assert_eq!(stored.len(), 420);
    assert!(stored.iter().all(|s| s.rev == 1), "no day was rewritten");
    let meta = etl.meta().await;
    assert_eq!(meta.count, 420);
    let days: Vec<_> = stored.iter().map(|s| s.day).collect();
    assert_eq!(meta.fingerprint, covid_model::fingerprint(&days));
}

#[tokio::test]
async fn transactions_carry_their_own_random_tokens() {
    use covid_store::{DayWrite, WriteDay};
    let etl = Etl::new("token");
    etl.init();
    let day = |date: &str, cases| covid_model::Day {
        date: date.parse().unwrap(),
        cases,
        deaths: Some(0),
        recovered: None,
    };
    // A client whose transactions all carry one fixed token, as a repeated token would.
    let fixed = aws_sdk_dynamodb::config::Builder::from(&testkit::sdk_config(&etl.endpoint))
        .idempotency_token_provider("00000000-0000-4000-8000-00000000000a");
    let store = covid_store::DynamoStore::with_config(fixed, &etl.table);
    // The store sets its own random token on every transaction, so both are applied.
    let vintage = "2020-01-04".parse().unwrap();
    let first = [
        DayWrite::Insert(day("2020-01-01", 1)),
        DayWrite::Insert(day("2020-01-02", 2)),
    ];
    let second = [
        DayWrite::Insert(day("2020-01-03", 3)),
        DayWrite::Insert(day("2020-01-04", 4)),
    ];
    assert!(store.write_days(&first, vintage).await.unwrap().is_some());
    assert!(store.write_days(&second, vintage).await.unwrap().is_some());
    assert_eq!(etl.store().read_series().await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_transaction_answered_in_progress_is_asked_again_not_taken_for_refused() {
    use std::sync::atomic::{AtomicBool, Ordering};

    use covid_store::{DayWrite, ReadState, WriteDay};
    use testkit::fault::{Fault, FaultProxy, Request};
    let etl = Etl::new("in-progress");
    etl.init();
    // The first transaction commits, but its answer says another with its token is still in
    // progress (as DynamoDB says to an SDK retry that overtakes the first attempt).
    let first = AtomicBool::new(true);
    let proxy = FaultProxy::start(&etl.endpoint, move |r: &Request| {
        if r.operation == "TransactWriteItems" && first.swap(false, Ordering::SeqCst) {
            Fault::dynamodb("TransactionInProgressException", 400).after_forwarding()
        } else {
            Fault::Forward
        }
    });
    let store = covid_store::DynamoStore::new(&testkit::sdk_config(&proxy.endpoint), &etl.table);
    let day = |date: &str, cases| covid_model::Day {
        date: date.parse().unwrap(),
        cases,
        deaths: Some(0),
        recovered: None,
    };
    let writes = [
        DayWrite::Insert(day("2020-01-01", 1)),
        DayWrite::Insert(day("2020-01-02", 2)),
    ];
    let record = store
        .write_days(&writes, "2020-01-02".parse().unwrap())
        .await
        .unwrap();
    assert!(
        record.is_some(),
        "applied: asked again, DynamoDB answers for the first attempt"
    );
    let transactions = proxy
        .seen()
        .iter()
        .filter(|s| s.operation == "TransactWriteItems")
        .count();
    assert_eq!(transactions, 2);
    let stored = etl.store().read_series().await.unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|s| s.rev == 1), "written once");
    assert_eq!(etl.store().read_state().await.unwrap().changes.len(), 1);
}

#[tokio::test]
async fn a_day_another_run_wrote_first_is_read_back_and_counted_unchanged() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use covid_store::ReadState;
    use testkit::fault::{Fault, FaultProxy, Request};
    let etl = Etl::new("wrote-first");
    etl.init();
    // The first batch is cancelled (a concurrent writer), so its days are written one by one;
    // the first of those another run writes at the same moment, with the same values: this
    // run's own write is cancelled on its condition.
    let (batches, singles) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let proxy = FaultProxy::start(&etl.endpoint, move |r: &Request| {
        let days = r.body.matches("\"day#").count();
        if r.operation != "TransactWriteItems" || days == 0 {
            return Fault::Forward;
        }
        let cancelled = Fault::dynamodb("TransactionCanceledException", 400);
        let first = if days == 1 { &singles } else { &batches };
        match (days, first.fetch_add(1, Ordering::SeqCst)) {
            (1, 0) => cancelled.after_forwarding(),
            (_, 0) => cancelled,
            _ => Fault::Forward,
        }
    });
    let summary = etl
        .run_via(&proxy.endpoint, &nyt_snapshot(), &jhu_snapshot())
        .ok();
    assert_eq!(
        (summary["inserted"].as_u64(), summary["unchanged"].as_u64()),
        (Some(DAYS as u64 - 1), Some(1)),
        "{summary}"
    );
    let reads = proxy
        .seen()
        .iter()
        .filter(|s| s.operation == "GetItem")
        .count();
    assert_eq!(reads, 1, "the lost day is read back once");
    assert_eq!(etl.store().read_series().await.unwrap().len(), DAYS);
    let state = etl.store().read_state().await.unwrap();
    assert_eq!(state.meta.map(|m| m.count), Some(DAYS as u64));
    // The other run's record of its day waits for that run's (or the next run's) meta write:
    // this run announced only what it wrote.
    let left: Vec<usize> = state.changes.iter().map(|c| c.new.len()).collect();
    assert_eq!(left, [1]);
    etl.run(&nyt_snapshot(), &jhu_snapshot()).ok();
    assert!(etl.store().read_state().await.unwrap().changes.is_empty());
}
