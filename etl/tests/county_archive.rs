//! The counties' whole history on DynamoDB Local: the `etl` binary as the
//! `CountyArchiveFunction` (its role judged by the IAM gate), driven by the template's own
//! state machine definition (`testkit::states`), reading its files from a local server that
//! honours ranges as GitHub's raw host does.
//!
//! The history is NYT's real whole county history as published on 2020-05-02 (106,826 rows,
//! 2020-01-21..2020-05-01), split in two files as NYT split its history into yearly files: the
//! days to March plain (resumed by a range request), April's on gzipped (resumed by reading
//! from its start). Each invocation is given 30 s, under the minute a load step keeps in
//! hand, so each loads one block and says where the next takes up. The last step is a run of
//! the daily ETL (the `EtlFunction`, national sources only), which announces the archive.

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::NaiveDate;
use common::*;
use covid_model::{Region, STATES};
use covid_store::{CountyDays, CountyValues, ReadState};
use etl::transform::{by_state_day, parse_nyt_counties};
use serde_json::{Value, json};
use testkit::fault::{Fault, FaultProxy, Request};
use testkit::{FileServer, Invocation, LambdaRuntime};

const FUNCTION: &str = "CountyArchiveFunction";
const MACHINE: &str = "CountyArchiveStateMachine";
const WAIT: Duration = Duration::from_secs(180);

/// A function's binary as a Lambda function on a fake Runtime API.
struct Function {
    runtime: LambdaRuntime,
    child: Child,
}

impl Function {
    /// `cmd` (the `etl` binary with its role and environment) serving invocations.
    fn start(mut cmd: Command, name: &str) -> Self {
        let runtime = LambdaRuntime::start();
        runtime.set_timeout(Duration::from_secs(30));
        cmd.env("AWS_LAMBDA_RUNTIME_API", &runtime.address)
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd.spawn().expect("start etl");
        Self { runtime, child }
    }

    fn invoke(&self, payload: Value) -> Result<Value, String> {
        let id = self.runtime.invoke(&payload.to_string());
        match self.runtime.wait(&id, WAIT) {
            Invocation::Response(body) => Ok(serde_json::from_str(&body).unwrap()),
            Invocation::Error(body) => Err(body),
        }
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The state machine's two functions on `etl`'s table, their DynamoDB requests to
/// `endpoint`: the archive's, and the daily ETL's (the nation's bundled snapshot its sources).
struct Functions {
    archive: Function,
    daily: Function,
}

impl Functions {
    fn start(etl: &Etl, endpoint: &str) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_etl"));
        cmd.envs(testkit::aws_env(endpoint))
            .env_remove("AWS_ENDPOINT_URL")
            .env("TABLE_NAME", &etl.table)
            .env("POPULATION_URL", testkit::snapshot("jhu-reference.csv"))
            .env("HTTP_TIMEOUT_SECS", "30");
        testkit::iam::sign_in_command(&mut cmd, FUNCTION);
        let daily = etl.command(endpoint, &nyt_snapshot(), &jhu_snapshot(), "run");
        Self {
            archive: Function::start(cmd, "county-archive"),
            daily: Function::start(daily, "etl"),
        }
    }

    /// An invocation of the function the definition names (its `DefinitionSubstitutions`).
    fn invoke(&self, name: &str, payload: Value) -> Result<Value, String> {
        match name {
            "${FunctionArn}" => self.archive.invoke(payload),
            "${EtlFunctionArn}" => self.daily.invoke(payload),
            other => panic!("the definition invokes {other}"),
        }
    }
}

type Table = BTreeMap<(Region, NaiveDate), CountyValues>;

fn file_table(text: &str) -> Table {
    let series = parse_nyt_counties(text.as_bytes()).unwrap();
    let mut table = Table::new();
    for (state, days) in by_state_day(&series) {
        for (date, values) in days {
            table.insert((state, date), values);
        }
    }
    table
}

async fn stored(etl: &Etl, as_of: NaiveDate) -> (Table, Table) {
    let store = etl.store();
    let (mut now, mut then) = (Table::new(), Table::new());
    for state in STATES {
        for day in store.read_county_days(state, None, None).await.unwrap() {
            then.insert((state, day.date), day.as_of(as_of).unwrap());
            now.insert((state, day.date), day.counties);
        }
    }
    (now, then)
}

/// The real history split at 2020-04-01: the days before, plain; from it, gzipped.
fn split(dir: &Path, text: &str, edit: impl Fn(usize, &str) -> String) {
    let mut lines = text.lines().enumerate();
    let header = format!("{}\n", lines.next().unwrap().1);
    let (mut early, mut late) = (header.clone(), header);
    for (i, line) in lines {
        let line = edit(i + 1, line);
        let to = if line.as_str() < "2020-04-01" {
            &mut early
        } else {
            &mut late
        };
        to.push_str(&line);
        to.push('\n');
    }
    std::fs::write(dir.join("us-counties-early.csv"), early).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(late.as_bytes()).unwrap();
    std::fs::write(dir.join("us-counties-late.csv.gz"), gz.finish().unwrap()).unwrap();
}

/// A new table, and the real history split in two files served from a scratch folder: the
/// table, the folder, the history's text and the server.
fn served(test: &str) -> (Etl, std::path::PathBuf, String, FileServer) {
    let etl = Etl::new(test);
    etl.init();
    let dir = scratch(test);
    let text = String::from_utf8(testkit::file_bytes(&testkit::snapshot(
        "nyt-us-counties-2020-05-01.csv.gz",
    )))
    .unwrap();
    split(&dir, &text, |_, line| line.to_string());
    let files = FileServer::start(&dir);
    (etl, dir, text, files)
}

fn steps<'a>(answers: &'a [(Value, Value)], step: &str) -> Vec<&'a (Value, Value)> {
    answers
        .iter()
        .filter(|(payload, _)| payload["county_archive"]["step"] == step)
        .collect()
}

#[tokio::test]
async fn the_state_machine_loads_the_real_history_block_by_block_and_converges() {
    let (etl, dir, text, files) = served("county_archive");
    let functions = Functions::start(&etl, &etl.endpoint);

    // The state machine's tasks invoke the functions whose roles the gate judges.
    let template = testkit::template::Template::load();
    let substitutions = template
        .raw_property(MACHINE, "DefinitionSubstitutions")
        .unwrap();
    for (name, function) in [("FunctionArn", FUNCTION), ("EtlFunctionArn", ETL_FUNCTION)] {
        let value = format!("{:?}", substitutions[name]);
        assert!(
            value.contains(&format!("\"{function}.Arn\"")),
            "{name}: {value}"
        );
    }
    let definition = testkit::states::definition(MACHINE);
    let sources = [
        files.url("us-counties-early.csv"),
        files.url("us-counties-late.csv.gz"),
    ];
    let input = json!({"sources": sources, "vintage": "2020-05-01"});
    let execute = |input: &Value| {
        let mut answers = Vec::new();
        let output = testkit::states::execute(&definition, input.clone(), &mut |name, payload| {
            let answer = functions.invoke(name, payload.clone());
            if let Ok(answer) = &answer {
                answers.push((payload, answer.clone()));
            }
            answer
        });
        (output, answers)
    };

    let (output, answers) = execute(&input);
    let output = output.unwrap();
    let validated = steps(&answers, "validate");
    let rows: u64 = validated
        .iter()
        .map(|(_, a)| a["rows"].as_u64().unwrap())
        .sum();
    assert_eq!(rows, 106_826, "every row validated");
    // 71 dates to March (blocks of 30, 30 and 11), 31 from April (30 and 1): a step each.
    let loads = steps(&answers, "load");
    assert_eq!(loads.len(), 5, "{loads:#?}");
    let new: u64 = loads.iter().map(|(_, a)| a["new"].as_u64().unwrap()).sum();
    assert_eq!(new, 106_826);
    assert!(loads.iter().all(|(_, a)| a["blocks"] == 1));
    let series = parse_nyt_counties(text.as_bytes()).unwrap();
    let listed = &steps(&answers, "listings")[0].1;
    assert_eq!(listed["counties"], series.len(), "{listed}");
    assert_eq!(listed["listings"], by_state_day(&series).len(), "{listed}");
    // The daily ETL's run announced the archive: its change records are gone, told by the
    // meta write that moved the data version.
    assert_eq!(output["status"], "ok", "{output}");
    let national = etl.store().read_state().await.unwrap();
    assert!(national.changes.is_empty(), "every change record announced");
    assert!(national.meta.is_some_and(|m| m.version > 0));
    // The plain file was taken up by ranges; the gzipped one read again from its start.
    let served = files.served();
    let ranges: Vec<&str> = served
        .iter()
        .filter_map(|(name, range)| range.as_deref().map(|r| (name, r)))
        .map(|(name, range)| {
            assert_eq!(name, "us-counties-early.csv");
            range
        })
        .collect();
    assert_eq!(ranges.len(), 2, "{served:?}");

    let vintage: NaiveDate = "2020-05-01".parse().unwrap();
    let want = file_table(&text);
    let (now, then) = stored(&etl, vintage).await;
    assert_eq!(now.len(), want.len());
    assert!(now == want, "the table is the file");
    assert!(then == want, "as of its vintage");
    assert_county_batches_are_the_days_changes(&etl).await;
    assert_county_listings_are_the_days(&etl).await;
    let store = etl.store();
    let ny = Region::by_id("NY").unwrap();
    let listing = store.read_county_listing(ny).await.unwrap().unwrap();
    let nyc = listing.counties.iter().find(|c| c.id == "36NYC").unwrap();
    assert_eq!(nyc.name, "New York City");

    // Again: every block read, nothing written.
    let county_items = |items: BTreeMap<String, String>| -> BTreeMap<String, String> {
        items
            .into_iter()
            .filter(|(key, _)| key.starts_with("counties#") || key.starts_with("countychanges#"))
            .collect()
    };
    let before = county_items(etl.items().await);
    let (again, answers) = execute(&input);
    again.unwrap();
    for (_, answer) in steps(&answers, "load") {
        assert_eq!(
            (answer["new"].as_u64(), answer["revised"].as_u64()),
            (Some(0), Some(0))
        );
    }
    assert!(
        county_items(etl.items().await) == before,
        "the county partitions are unchanged"
    );

    // A bad count deep in the gzipped file: the execution fails at its validation, and
    // nothing is written, not even the first file's days.
    let bad_line = text
        .lines()
        .position(|l| l.starts_with("2020-04-20,"))
        .unwrap()
        + 1;
    split(&dir, &text, |n, line| {
        let mut fields: Vec<&str> = line.split(',').collect();
        if n == bad_line {
            fields[4] = "12x"; // cases
        }
        fields.join(",")
    });
    let fresh = Etl::new("county_archive_bad");
    fresh.init();
    let bad = Functions::start(&fresh, &fresh.endpoint);
    let mut invoked = Vec::new();
    let failed = testkit::states::execute(&definition, input.clone(), &mut |name, payload| {
        invoked.push(
            payload["county_archive"]["step"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        bad.invoke(name, payload)
    })
    .unwrap_err();
    assert!(failed.contains("bad_count"), "{failed}");
    assert!(!invoked.contains(&"load".to_string()), "{invoked:?}");
    assert!(
        fresh
            .items()
            .await
            .keys()
            .all(|k| !k.starts_with("counties#")),
        "no county day written"
    );
}

/// Faults in the middle of the load: an outage longer than the SDK's own retries (a state's
/// transaction refused three times), and a committed transaction whose answer is lost. The
/// failed step is retried by the state machine's `Retry`, as given in the template, from the
/// resume it was given: the table converges to the file, each county day written once.
#[tokio::test]
async fn the_state_machine_retries_a_failed_step_and_the_archive_converges() {
    let (etl, _, text, files) = served("county_archive_faults");
    // Counted per state, so that the schedule of the states in flight does not matter: New
    // York's second transaction fails on all of the SDK's three tries (the step fails), and
    // Illinois's third commits but its answer is lost.
    let (ny, il) = (
        std::sync::atomic::AtomicUsize::new(0),
        std::sync::atomic::AtomicUsize::new(0),
    );
    let proxy = FaultProxy::start(&testkit::dynamodb().endpoint, move |r: &Request| {
        let next = |n: &std::sync::atomic::AtomicUsize| {
            n.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        };
        if !r.is_dynamodb_write() {
            Fault::Forward
        } else if r.body.contains("\"counties#NY\"") && (1..=3).contains(&next(&ny)) {
            Fault::dynamodb("InternalServerError", 500)
        } else if r.body.contains("\"counties#IL\"") && next(&il) == 2 {
            Fault::dynamodb("InternalServerError", 500).after_forwarding()
        } else {
            Fault::Forward
        }
    });
    let functions = Functions::start(&etl, &proxy.endpoint);
    let definition = testkit::states::definition(MACHINE);
    let input = json!({
        "sources": [files.url("us-counties-early.csv"), files.url("us-counties-late.csv.gz")],
        "vintage": "2020-05-01",
    });
    let mut failures = Vec::new();
    let output = testkit::states::execute(&definition, input, &mut |name, payload| {
        let answer = functions.invoke(name, payload);
        if let Err(error) = &answer {
            failures.push(error.clone());
        }
        answer
    })
    .unwrap();
    assert_eq!(output["status"], "ok", "the daily ETL's run: {output}");
    assert_eq!(
        failures.len(),
        1,
        "the outage failed one step: {failures:?}"
    );
    assert!(
        failures[0].contains("\"errorType\":\"store\""),
        "{failures:?}"
    );
    assert_eq!(proxy.count("lost"), 1);
    let vintage: NaiveDate = "2020-05-01".parse().unwrap();
    let (now, _) = stored(&etl, vintage).await;
    assert!(now == file_table(&text), "the table is the file");
    let store = etl.store();
    for state in STATES {
        for day in store.read_county_days(state, None, None).await.unwrap() {
            assert_eq!(day.rev, 1, "{} {} written once", state.id, day.date);
        }
    }
    assert_county_batches_are_the_days_changes(&etl).await;
}
