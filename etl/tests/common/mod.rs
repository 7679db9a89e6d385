//! Helpers shared by the integration tests: the `etl` binary as a process, inputs edited from
//! the real snapshot, and a view of the whole table.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use testkit;

use aws_sdk_dynamodb::types::AttributeValue;
use covid_store::{DynamoStore, ReadState, StoredMeta};
use serde_json::Value;

pub const DAYS: usize = 420;

/// The ETL function's logical id in `template.yaml`: its role is what the IAM gate enforces.
pub const ETL_FUNCTION: &str = "EtlFunction";

pub fn nyt_snapshot() -> PathBuf {
    testkit::snapshot("nyt-us.csv")
}

pub fn jhu_snapshot() -> PathBuf {
    testkit::snapshot("jhu-time-series-19-covid-combined.csv.gz")
}

/// A scratch directory for edited inputs.
pub fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(testkit::table_name(test));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The NYT snapshot with the row of `date` replaced by `row`.
pub fn revised_nyt(dir: &Path, date: &str, row: &str) -> PathBuf {
    let nyt = std::fs::read_to_string(nyt_snapshot()).unwrap();
    edited(dir, "us.csv", &nyt, |line| {
        Some(if line.starts_with(&format!("{date},")) {
            row.to_string()
        } else {
            line.to_string()
        })
    })
}

/// The JHU snapshot with the `Recovered` field of the row starting with `prefix` set to `value`.
pub fn bad_jhu(dir: &Path, prefix: &str, value: &str) -> (PathBuf, usize) {
    let jhu = jhu_text();
    let line = jhu
        .lines()
        .position(|l| l.starts_with(prefix))
        .expect("the row exists")
        + 1;
    let path = edited(dir, "jhu.csv", &jhu, |line| {
        if !line.starts_with(prefix) {
            return Some(line.to_string());
        }
        let mut fields: Vec<&str> = line.split(',').collect();
        fields[4] = value; // Recovered
        Some(fields.join(","))
    });
    (path, line)
}

pub fn jhu_text() -> String {
    String::from_utf8(testkit::snapshot_sources().1).expect("the JHU snapshot is UTF-8")
}

/// Writes `text` with every line passed through `edit` (None drops the line).
pub fn edited(
    dir: &Path,
    name: &str,
    text: &str,
    edit: impl Fn(&str) -> Option<String>,
) -> PathBuf {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if let Some(line) = edit(line) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

pub struct Etl {
    pub table: String,
    pub endpoint: String,
}

pub struct RunResult {
    pub output: Output,
}

impl RunResult {
    pub fn ok(&self) -> Value {
        assert!(
            self.output.status.success(),
            "etl failed: {}\n{}",
            self.output.status,
            String::from_utf8_lossy(&self.output.stderr)
        );
        let stdout = String::from_utf8(self.output.stdout.clone()).unwrap();
        let last = stdout.lines().last().expect("a summary line");
        serde_json::from_str(last)
            .unwrap_or_else(|e| panic!("last stdout line is not JSON ({e}): {last}"))
    }

    pub fn failed(&self) -> String {
        assert!(!self.output.status.success(), "etl must fail");
        assert_eq!(self.output.status.code(), Some(1));
        String::from_utf8(self.output.stderr.clone()).unwrap()
    }
}

impl Etl {
    pub fn new(test: &str) -> Self {
        Self {
            table: testkit::table_name(test),
            endpoint: testkit::dynamodb().endpoint.clone(),
        }
    }

    /// `etl <args>` on this table. `run` signs in as the ETL function's role (the IAM gate
    /// judges its requests by the template's policy); `init` runs as the operator, who creates
    /// the table (CloudFormation does, in production).
    pub fn command(&self, endpoint: &str, nyt: &Path, jhu: &Path, args: &str) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_etl"));
        cmd.arg(args)
            .envs(testkit::aws_env(endpoint))
            .env("TABLE_NAME", &self.table)
            .env("NYT_URL", nyt)
            .env("JHU_URL", jhu)
            // The national series alone; the states and counties tests set their own.
            .env("NYT_STATES_URL", "")
            .env("POPULATION_URL", "")
            .env("NYT_COUNTIES_URL", "")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_LAMBDA_FUNCTION_NAME")
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env_remove("TOPIC_ARN")
            .env_remove("NOTIFY_UNCHANGED")
            .env_remove("STALE_AFTER_DAYS");
        if args != "init" {
            testkit::iam::sign_in_command(&mut cmd, ETL_FUNCTION);
        }
        cmd
    }

    pub fn run_via(&self, endpoint: &str, nyt: &Path, jhu: &Path) -> RunResult {
        RunResult {
            output: self
                .command(endpoint, nyt, jhu, "run")
                .output()
                .expect("start etl"),
        }
    }

    pub fn run(&self, nyt: &Path, jhu: &Path) -> RunResult {
        self.run_via(&self.endpoint, nyt, jhu)
    }

    pub fn init(&self) -> String {
        let out = self
            .command(&self.endpoint, &nyt_snapshot(), &jhu_snapshot(), "init")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "init: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    pub fn store(&self) -> DynamoStore {
        DynamoStore::new(&testkit::sdk_config(&self.endpoint), &self.table)
    }

    /// Every item of the table, keyed by `pk/sk`, as comparable text.
    pub async fn items(&self) -> BTreeMap<String, String> {
        let client = aws_sdk_dynamodb::Client::new(&testkit::sdk_config(&self.endpoint));
        let mut items = BTreeMap::new();
        let mut start = None;
        loop {
            let page = client
                .scan()
                .table_name(&self.table)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .unwrap();
            for item in page.items() {
                let key = |k: &str| {
                    item.get(k)
                        .and_then(|v| v.as_s().ok())
                        .cloned()
                        .unwrap_or_default()
                };
                let sorted: BTreeMap<&String, &AttributeValue> = item.iter().collect();
                items.insert(
                    format!("{}/{}", key("pk"), key("sk")),
                    format!("{sorted:?}"),
                );
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        items
    }

    pub fn load_snapshot(&self) {
        self.init();
        let summary = self.run(&nyt_snapshot(), &jhu_snapshot()).ok();
        assert_eq!(summary["inserted"], 420);
    }
}

impl Etl {
    pub async fn meta(&self) -> StoredMeta {
        self.store()
            .read_state()
            .await
            .unwrap()
            .meta
            .expect("a meta item")
    }
}

/// A topic with a queue subscribed to it, on moto.
pub struct Subscriber {
    pub topic_arn: String,
    queue_url: String,
    sqs: aws_sdk_sqs::Client,
}

/// One delivered SNS notification.
#[derive(Debug)]
pub struct Delivered {
    pub event: String,
    pub subject: String,
    pub body: String,
    /// The Number message attributes (`new_days`, `revised_days`, `written`).
    pub counts: BTreeMap<String, u64>,
}

impl Delivered {
    pub fn count(&self, name: &str) -> u64 {
        self.counts.get(name).copied().unwrap_or(0)
    }
}

pub fn moto_config() -> aws_config::SdkConfig {
    testkit::sdk_config(&testkit::moto().endpoint)
}

/// A new SNS topic on moto, named after `name`; returns its name and ARN.
pub async fn topic(name: &str) -> (String, String) {
    let sns = aws_sdk_sns::Client::new(&moto_config());
    let name = testkit::table_name(name);
    let arn = sns
        .create_topic()
        .name(&name)
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    (name, arn)
}

/// The topic named `name` on moto (made if new, as `CreateTopic` is idempotent): its ARN.
pub async fn named_topic(name: &str) -> String {
    aws_sdk_sns::Client::new(&moto_config())
        .create_topic()
        .name(name)
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap()
}

impl Subscriber {
    /// A new topic with one SQS queue subscribed.
    pub async fn new(name: &str) -> Self {
        let (name, topic_arn) = topic(name).await;
        Self::on(&topic_arn, &name, None).await
    }

    /// A new SQS queue subscribed to `topic_arn`, with `filter_policy` on message attributes.
    pub async fn on(topic_arn: &str, queue: &str, filter_policy: Option<&str>) -> Self {
        let config = moto_config();
        let sns = aws_sdk_sns::Client::new(&config);
        let sqs = aws_sdk_sqs::Client::new(&config);
        let queue_url = sqs
            .create_queue()
            .queue_name(queue)
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let queue_arn = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
            .clone();
        let mut subscribe = sns
            .subscribe()
            .topic_arn(topic_arn)
            .protocol("sqs")
            .endpoint(queue_arn)
            .attributes("FilterPolicyScope", "MessageAttributes");
        if let Some(policy) = filter_policy {
            subscribe = subscribe.attributes("FilterPolicy", policy);
        }
        subscribe.send().await.unwrap();
        Self {
            topic_arn: topic_arn.to_string(),
            queue_url,
            sqs,
        }
    }

    /// Everything delivered since the last call.
    pub async fn received(&self) -> Vec<Delivered> {
        let mut out = Vec::new();
        loop {
            let page = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap();
            let messages = page.messages.unwrap_or_default();
            if messages.is_empty() {
                return out;
            }
            for m in messages {
                let envelope: Value = serde_json::from_str(m.body().unwrap()).unwrap();
                let counts = envelope["MessageAttributes"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(_, a)| a["Type"] == "Number")
                    .map(|(name, a)| {
                        let value = a["Value"].as_str().unwrap_or_default();
                        let value = value.parse().unwrap_or_else(|_| {
                            panic!("attribute {name} is not a whole number: {value}")
                        });
                        (name.clone(), value)
                    })
                    .collect();
                out.push(Delivered {
                    counts,
                    event: envelope["MessageAttributes"]["event"]["Value"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                    subject: envelope["Subject"].as_str().unwrap_or("").to_string(),
                    body: envelope["Message"].as_str().unwrap_or("").to_string(),
                });
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
    }
}

/// The command of `etl run` with alerts to `topic` on moto; staleness alerts off. The role
/// it signs in with is given that topic.
pub fn with_alerts(mut cmd: Command, topic: &str) -> Command {
    cmd.env("TOPIC_ARN", topic)
        .env("AWS_ENDPOINT_URL_SNS", &testkit::moto().endpoint)
        .env("STALE_AFTER_DAYS", "100000");
    testkit::iam::sign_in_command(&mut cmd, ETL_FUNCTION);
    cmd
}

/// One change of a county day: (vintage, state, id, date, before, after).
type CountyChange = (
    chrono::NaiveDate,
    covid_model::Region,
    String,
    chrono::NaiveDate,
    Option<(u64, Option<u64>)>,
    Option<(u64, Option<u64>)>,
);

fn counts(c: Option<covid_model::CountyCounts>) -> Option<(u64, Option<u64>)> {
    c.map(|c| (c.cases, c.deaths))
}

/// Every county change the table's change batches hold, against every change its county days'
/// histories hold: the same, each once (`/v1/revisions` lists the batches).
pub async fn assert_county_batches_are_the_days_changes(etl: &Etl) {
    use covid_store::CountyDays;
    let store = etl.store();
    let mut from_days: Vec<CountyChange> = Vec::new();
    for state in covid_model::STATES {
        for day in store.read_county_days(state, None, None).await.unwrap() {
            for (id, versions) in day.county_versions() {
                let mut before = None;
                for (vintage, after) in versions {
                    from_days.push((
                        vintage,
                        state,
                        id.to_string(),
                        day.date,
                        counts(before),
                        counts(after),
                    ));
                    before = after;
                }
            }
        }
    }
    // The newest vintage of any county day's write.
    let far = from_days.iter().map(|c| c.0).max().expect("county days");
    let first = ("2020-01-21".parse().unwrap(), None);
    let mut from_batches: Vec<CountyChange> = Vec::new();
    for batch in store
        .read_county_changes(first, far, usize::MAX)
        .await
        .unwrap()
    {
        for (id, date, before, after) in batch.changes {
            from_batches.push((
                batch.vintage,
                batch.state,
                id,
                date,
                counts(before),
                counts(after),
            ));
        }
    }
    from_days.sort();
    from_batches.sort();
    assert_eq!(from_batches.len(), from_days.len());
    assert!(
        from_batches == from_days,
        "the batches hold the days' changes"
    );
}

/// Every state's county listing against its stored days: each county's count and first and
/// last days, and nothing else listed (however the listing was made: from the run's own
/// writes, or from the whole partition).
pub async fn assert_county_listings_are_the_days(etl: &Etl) {
    use covid_store::CountyDays;
    let store = etl.store();
    for state in covid_model::STATES {
        let mut expected: BTreeMap<String, (usize, chrono::NaiveDate, chrono::NaiveDate)> =
            BTreeMap::new();
        for day in store.read_county_days(state, None, None).await.unwrap() {
            for id in day.counties.keys() {
                let entry = expected
                    .entry(id.clone())
                    .or_insert((0, day.date, day.date));
                entry.0 += 1;
                entry.2 = day.date;
            }
        }
        let listed: BTreeMap<String, (usize, chrono::NaiveDate, chrono::NaiveDate)> = store
            .read_county_listing(state)
            .await
            .unwrap()
            .map(|l| l.counties)
            .unwrap_or_default()
            .into_iter()
            .map(|c| (c.id, (c.count, c.first_date.unwrap(), c.last_date.unwrap())))
            .collect();
        assert_eq!(listed, expected, "{}'s county listing", state.id);
    }
}
