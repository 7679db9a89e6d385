//! Fault injection on the real parts: the `etl` binary against DynamoDB Local and moto (SNS,
//! with an SQS queue subscribed), each behind a fault-injecting proxy (`testkit::fault`).
//!
//! Every scenario breaks a run, then runs again without faults, and checks that
//! - the failed run told the truth: its last stdout line is `{"status":"failed",…}` and its
//!   `written` is what the table really holds;
//! - the table converges to the reference series, with no change record or alert left over;
//! - every day's history is consistent with its value (a version per revision, in vintage
//!   order), after the failure and after the recovery;
//! - the `new_days` and `revised_days` of all delivered `updated` messages add up exactly to the
//!   real change: nothing unannounced, nothing announced twice.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Delivered, Etl, Subscriber, bad_jhu, edited, jhu_snapshot, nyt_snapshot, scratch};
use covid_model::{Day, fingerprint};
use covid_store::{ReadSeries, ReadState};
use serde_json::Value;
use testkit::fault::{Fault, FaultProxy, Request};

/// Stage A: the snapshot up to this day (400 joined days). Stage B: the whole snapshot (20 more
/// days) with 40 days of stage A revised.
const STAGE_A_LAST: &str = "2021-02-24";
const REVISED: usize = 40;

struct Sources {
    a: PathBuf,
    b: PathBuf,
}

fn sources(test: &str) -> Sources {
    let dir = scratch(test);
    let nyt = std::fs::read_to_string(nyt_snapshot()).unwrap();
    let a = edited(&dir, "a.csv", &nyt, |line| {
        (line.starts_with("date") || line[..10] <= *STAGE_A_LAST).then(|| line.to_string())
    });
    // 40 days from April to August 2020, each revised up by 1,000 cases and 10 deaths.
    let revised: Vec<String> = (0..REVISED)
        .map(|i| {
            (chrono::NaiveDate::from_ymd_opt(2020, 4, 1).unwrap() + chrono::Days::new(3 * i as u64))
                .to_string()
        })
        .collect();
    let b = edited(&dir, "b.csv", &nyt, |line| {
        let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
        if revised.contains(&fields[0]) {
            fields[1] = (fields[1].parse::<u64>().unwrap() + 1000).to_string();
            fields[2] = (fields[2].parse::<u64>().unwrap() + 10).to_string();
        }
        Some(fields.join(","))
    });
    Sources { a, b }
}

fn reference(nyt: &Path) -> Vec<Day> {
    let (_, jhu) = testkit::snapshot_sources();
    etl::transform::build_series(&std::fs::read(nyt).unwrap(), &jhu).unwrap()
}

/// Fails every request once the first write has gone through (an outage right after it).
fn outage_after_first_write() -> impl Fn(&Request) -> Fault + Send + Sync + 'static {
    let writes = AtomicUsize::new(0);
    move |request: &Request| {
        if request.is_dynamodb_write() && writes.fetch_add(1, Ordering::SeqCst) == 0 {
            Fault::Forward
        } else if writes.load(Ordering::SeqCst) > 0 {
            Fault::dynamodb("InternalServerError", 500)
        } else {
            Fault::Forward
        }
    }
}

/// One test's table and topic, and every message delivered so far.
struct Scenario {
    etl: Etl,
    sub: Subscriber,
    delivered: Vec<Delivered>,
}

struct Endpoints<'a> {
    dynamodb: &'a str,
    sns: &'a str,
}

impl<'a> Endpoints<'a> {
    /// DynamoDB through `proxy`, SNS direct.
    fn dynamodb_via(proxy: &'a FaultProxy) -> Self {
        Self {
            dynamodb: &proxy.endpoint,
            sns: &testkit::moto().endpoint,
        }
    }
}

impl Scenario {
    async fn new(test: &str) -> Self {
        let etl = Etl::new(test);
        etl.init();
        Self {
            sub: Subscriber::new(test).await,
            etl,
            delivered: Vec::new(),
        }
    }

    fn direct(&self) -> Endpoints<'static> {
        Endpoints {
            dynamodb: &testkit::dynamodb().endpoint,
            sns: &testkit::moto().endpoint,
        }
    }

    fn command(&self, via: &Endpoints, nyt: &Path, jhu: &Path) -> Command {
        let mut cmd = common::with_alerts(
            self.etl.command(via.dynamodb, nyt, jhu, "run"),
            &self.sub.topic_arn,
        );
        cmd.env("AWS_ENDPOINT_URL_SNS", via.sns);
        cmd
    }

    /// One run; returns its last stdout line, parsed.
    fn run(&self, via: &Endpoints, nyt: &Path) -> Value {
        let output = self
            .command(via, nyt, &jhu_snapshot())
            .output()
            .expect("start etl");
        last_line(&output.stdout, &output.stderr)
    }

    /// Every stored day's history is consistent with its value: one version per revision
    /// (no write changed a value without keeping the one it replaced), the current value
    /// last, each version different from the one before, in vintage order.
    async fn history_holds(&self) {
        for stored in self.etl.store().read_series().await.unwrap() {
            let history = stored.history();
            let versions = history.versions();
            assert_eq!(
                versions.len() as u64,
                stored.rev,
                "{}: a version per revision: {versions:?}",
                stored.day.date
            );
            assert_eq!(history.current().day, stored.day);
            for pair in versions.windows(2) {
                assert_ne!(
                    pair[0].day, pair[1].day,
                    "{}: a change per version",
                    stored.day.date
                );
                assert!(
                    pair[0].vintage.is_some() && pair[0].vintage <= pair[1].vintage,
                    "{}: vintages in order: {versions:?}",
                    stored.day.date
                );
            }
        }
    }

    async fn days(&self) -> Vec<Day> {
        let stored = self.etl.store().read_series().await.unwrap();
        stored.into_iter().map(|s| s.day).collect()
    }

    async fn collect(&mut self) {
        self.delivered.extend(self.sub.received().await);
    }

    fn sum(&self, name: &str) -> u64 {
        self.delivered
            .iter()
            .filter(|m| m.event == "updated")
            .map(|m| m.count(name))
            .sum()
    }

    /// A run without faults succeeds and leaves the reference series, fully announced: the
    /// announced sums are exact, and another run announces nothing more.
    async fn converges(&mut self, nyt: &Path, new_days: u64, revised_days: u64) {
        let summary = self.run(&self.direct(), nyt);
        assert_eq!(summary["status"], "ok", "{summary}");
        self.history_holds().await;
        let want = reference(nyt);
        assert_eq!(
            self.days().await,
            want,
            "the table holds the reference series"
        );
        let state = self.etl.store().read_state().await.unwrap();
        let meta = state.meta.expect("a meta item");
        assert_eq!(
            (meta.count, meta.fingerprint),
            (want.len() as u64, fingerprint(&want))
        );
        assert!(
            state.changes.is_empty(),
            "unannounced changes left: {:?}",
            state.changes
        );
        assert!(
            state.outbox.is_empty(),
            "unsent alerts left: {:?}",
            state.outbox
        );
        self.collect().await;
        assert_eq!(
            (self.sum("new_days"), self.sum("revised_days")),
            (new_days, revised_days),
            "announced sums: {:#?}",
            self.delivered
        );
        let again = self.run(&self.direct(), nyt);
        assert_eq!(
            (again["inserted"].as_u64(), again["updated"].as_u64()),
            (Some(0), Some(0))
        );
        self.collect().await;
        assert_eq!(
            (self.sum("new_days"), self.sum("revised_days")),
            (new_days, revised_days)
        );
    }

    fn failures(&self) -> Vec<&Delivered> {
        self.delivered
            .iter()
            .filter(|m| m.event == "failed")
            .collect()
    }
}

fn last_line(stdout: &[u8], stderr: &[u8]) -> Value {
    let stdout = String::from_utf8_lossy(stdout);
    let last = stdout.lines().last().unwrap_or_else(|| {
        panic!(
            "etl printed nothing on stdout; stderr:\n{}",
            String::from_utf8_lossy(stderr)
        )
    });
    serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("last stdout line is not JSON ({e}): {last}"))
}

/// The failed run's line says what it really wrote, and its alert says the same in words.
async fn assert_failed_truthfully(
    s: &mut Scenario,
    line: &Value,
    kind: &str,
    stored_before: usize,
) {
    assert_eq!(line["status"], "failed", "{line}");
    assert_eq!(line["kind"], kind, "{line}");
    let written = line["written"].as_u64().expect("written is a count");
    s.history_holds().await;
    let changed = changed_days(s, stored_before).await;
    assert_eq!(
        written, changed as u64,
        "written must be what the table really holds: {line}"
    );
    s.collect().await;
    let failed = s.failures();
    let last = failed.last().expect("a failed alert was delivered");
    assert_eq!(last.count("written"), written);
    if written > 0 {
        assert!(
            last.body
                .contains(&format!("{written} days were written before the failure")),
            "{}",
            last.body
        );
    }
}

/// Days the failed run changed: those with a revision above 1, or beyond the days stored before.
async fn changed_days(s: &Scenario, stored_before: usize) -> usize {
    let stored = s.etl.store().read_series().await.unwrap();
    let revised = stored.iter().filter(|d| d.rev > 1).count();
    stored.len() - stored_before + revised
}

#[tokio::test]
async fn an_outage_after_the_first_write_of_an_initial_load() {
    let mut s = Scenario::new("fault-outage-initial").await;
    let src = sources("fault-outage-initial");
    let proxy = FaultProxy::start(&testkit::dynamodb().endpoint, outage_after_first_write());
    let via = Endpoints::dynamodb_via(&proxy);
    let line = s.run(&via, &src.b);
    assert_failed_truthfully(&mut s, &line, "store", 0).await;
    assert_eq!(
        line["written"], 99,
        "one transaction of 99 days went through"
    );
    assert!(proxy.count("reply") > 0);
    s.converges(&src.b, 420, 0).await;
}

#[tokio::test]
async fn an_outage_after_the_first_write_on_a_day_with_40_revisions() {
    let mut s = Scenario::new("fault-outage-revisions").await;
    let src = sources("fault-outage-revisions");
    assert_eq!(s.run(&s.direct(), &src.a)["inserted"], 400);
    let proxy = FaultProxy::start(&testkit::dynamodb().endpoint, outage_after_first_write());
    let via = Endpoints::dynamodb_via(&proxy);
    let line = s.run(&via, &src.b);
    // The 60 writes (20 new, 40 revised) are one transaction; the meta write then fails.
    assert_failed_truthfully(&mut s, &line, "store", 400).await;
    assert_eq!(line["written"], 60);
    s.converges(&src.b, 420, REVISED as u64).await;
}

#[tokio::test]
async fn a_refused_meta_write() {
    let mut s = Scenario::new("fault-meta").await;
    let src = sources("fault-meta");
    let proxy = FaultProxy::start(&testkit::dynamodb().endpoint, |r: &Request| {
        if r.is_dynamodb_write() && r.touches_meta() {
            Fault::dynamodb("AccessDeniedException", 400)
        } else {
            Fault::Forward
        }
    });
    let via = Endpoints::dynamodb_via(&proxy);
    let line = s.run(&via, &src.a);
    assert_failed_truthfully(&mut s, &line, "store", 0).await;
    assert_eq!(line["written"], 400, "every day, but not the meta");
    assert!(s.etl.store().read_state().await.unwrap().meta.is_none());
    // Stage B meets the same refusal: its revisions wait too.
    let line = s.run(&via, &src.b);
    assert_failed_truthfully(&mut s, &line, "store", 400).await;
    assert_eq!(line["written"], 60);
    // Stage A was never announced, so its revised days are announced as new: subscribers
    // never saw the values they replaced.
    s.converges(&src.b, 420, 0).await;
}

#[tokio::test]
async fn a_lost_answer_after_a_commit() {
    let mut s = Scenario::new("fault-lost").await;
    let src = sources("fault-lost");
    let writes = AtomicUsize::new(0);
    // The first transaction takes effect, but the process is told it failed (and retries it).
    let proxy = FaultProxy::start(&testkit::dynamodb().endpoint, move |r: &Request| {
        if r.is_dynamodb_write() && writes.fetch_add(1, Ordering::SeqCst) == 0 {
            Fault::dynamodb("InternalServerError", 500).after_forwarding()
        } else {
            Fault::Forward
        }
    });
    let line = s.run(&Endpoints::dynamodb_via(&proxy), &src.b);
    assert_eq!(line["status"], "ok", "{line}");
    assert_eq!(proxy.count("lost"), 1);
    let counted = line["inserted"].as_u64().unwrap() + line["unchanged"].as_u64().unwrap();
    assert_eq!(counted, 420, "{line}");
    // However the retry went, the committed transaction's days are announced once.
    s.converges(&src.b, 420, 0).await;
}

#[tokio::test]
async fn half_the_writes_throttled() {
    let mut s = Scenario::new("fault-throttle").await;
    let src = sources("fault-throttle");
    let writes = AtomicUsize::new(0);
    let proxy = FaultProxy::start(&testkit::dynamodb().endpoint, move |r: &Request| {
        if r.is_dynamodb_write() && writes.fetch_add(1, Ordering::SeqCst) % 2 == 1 {
            Fault::dynamodb("ThrottlingException", 400)
        } else {
            Fault::Forward
        }
    });
    let via = Endpoints::dynamodb_via(&proxy);
    // Each stage, through the throttling proxy, until a run gets through (the SDK retries
    // throttled requests; a run that still fails is followed by another).
    for nyt in [&src.a, &src.b] {
        let mut tries = 0;
        loop {
            tries += 1;
            let line = s.run(&via, nyt);
            if line["status"] == "ok" {
                break;
            }
            assert_eq!(line["kind"], "store", "{line}");
            assert!(tries < 5, "5 throttled runs in a row failed: {line}");
        }
    }
    assert!(proxy.count("reply") > 0, "writes were throttled");
    s.converges(&src.b, 420, REVISED as u64).await;
}

#[tokio::test]
async fn a_process_killed_mid_load() {
    let mut s = Scenario::new("fault-kill").await;
    let src = sources("fault-kill");
    let writes = AtomicUsize::new(0);
    let proxy = Arc::new(FaultProxy::start(
        &testkit::dynamodb().endpoint,
        move |r: &Request| {
            match (
                r.is_dynamodb_write(),
                r.is_dynamodb_write() && writes.fetch_add(1, Ordering::SeqCst) == 1,
            ) {
                // The second write takes effect, but its answer never comes.
                (true, true) => Fault::ForwardAndHang,
                _ => Fault::Forward,
            }
        },
    ));
    let via = Endpoints::dynamodb_via(&proxy);
    let child = s
        .command(&via, &src.b, &jhu_snapshot())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start etl");
    proxy.kill_when_held(child);
    let stored = s.days().await.len();
    assert!(
        stored >= 198,
        "both forwarded transactions took effect: {stored} days stored"
    );
    assert!(s.etl.store().read_state().await.unwrap().meta.is_none());
    s.converges(&src.b, 420, 0).await;
    assert!(s.failures().is_empty(), "a killed run sends nothing");
}

#[tokio::test]
async fn sns_failing_at_publish() {
    let mut s = Scenario::new("fault-sns").await;
    let src = sources("fault-sns");
    let sns = FaultProxy::start(&testkit::moto().endpoint, |r: &Request| {
        if r.operation == "Publish" {
            Fault::query("InternalError", 500)
        } else {
            Fault::Forward
        }
    });
    let via = Endpoints {
        dynamodb: &testkit::dynamodb().endpoint,
        sns: &sns.endpoint,
    };
    // Both stages are written while SNS is down: their alerts wait in the table.
    for (nyt, written) in [(&src.a, 400), (&src.b, 60)] {
        let line = s.run(&via, nyt);
        assert_eq!(
            (&line["status"], &line["kind"], &line["written"]),
            (&"failed".into(), &"publish".into(), &written.into()),
            "{line}"
        );
    }
    assert_eq!(s.etl.store().read_state().await.unwrap().outbox.len(), 2);
    s.collect().await;
    assert!(s.delivered.is_empty());

    // A run that fails on bad input while SNS is down keeps its `failed` alert (and the
    // operator's detail) too.
    let dir = scratch("fault-sns-bad");
    let (bad, _) = bad_jhu(&dir, "2020-11-03,Germany,", "12x");
    let output = s.command(&via, &src.b, &bad).output().unwrap();
    assert_eq!(
        last_line(&output.stdout, &output.stderr)["kind"],
        "bad_count"
    );
    assert_eq!(s.etl.store().read_state().await.unwrap().outbox.len(), 4);

    s.converges(&src.b, 420, REVISED as u64).await;
    assert_eq!(s.failures().len(), 1, "the kept failure alert, once");
    assert_eq!(
        s.delivered.iter().filter(|m| m.event == "updated").count(),
        2,
        "one message per stage"
    );
}
