//! A table in DynamoDB Local loaded by the real ETL from the bundled snapshot.
#![allow(dead_code)]

pub mod memory;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub struct Loaded {
    pub endpoint: String,
    pub table: String,
}

/// The national series alone (no state series, no populations).
pub async fn loaded_table(test: &str) -> Loaded {
    load(test, false).await
}

/// The national series, the 55 state series and the populations.
pub async fn loaded_table_with_states(test: &str) -> Loaded {
    load(test, true).await
}

/// The ETL's configuration for `table` on these files (`None`: that source is not loaded);
/// JHU's recoveries from the bundled snapshot.
pub fn etl_config(
    table: &str,
    nyt: &std::path::Path,
    states: Option<&std::path::Path>,
    populations: Option<&std::path::Path>,
) -> etl::config::Config {
    let path = |p: Option<&std::path::Path>| p.map_or(String::new(), |p| p.display().to_string());
    let vars = [
        ("NYT_STATES_URL", path(states)),
        ("POPULATION_URL", path(populations)),
        // The API serves no county yet (issue 36).
        ("NYT_COUNTIES_URL", String::new()),
        ("TABLE_NAME", table.to_string()),
        ("NYT_URL", nyt.display().to_string()),
        (
            "JHU_URL",
            testkit::snapshot("jhu-time-series-19-covid-combined.csv.gz")
                .display()
                .to_string(),
        ),
    ];
    etl::config::Config::from_lookup(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap()
}

async fn load(test: &str, states: bool) -> Loaded {
    load_with(test, states, None).await
}

async fn load_with(test: &str, states: bool, counties: Option<&std::path::Path>) -> Loaded {
    let endpoint = testkit::dynamodb().endpoint.clone();
    let table = testkit::table_name(test);
    let (states_csv, populations) = (
        testkit::snapshot("nyt-us-states.csv"),
        testkit::snapshot("jhu-reference.csv"),
    );
    let mut config = etl_config(
        &table,
        &testkit::snapshot("nyt-us.csv"),
        states.then_some(states_csv.as_path()),
        states.then_some(populations.as_path()),
    );
    config.nyt_counties_url = counties.map(|p| p.display().to_string());
    // The operator creates the table (CloudFormation does, in production); the run signs in
    // as the ETL function's role, whose requests the IAM gate judges by the template's policy.
    etl::Etl::new(config.clone(), &testkit::sdk_config(&endpoint))
        .unwrap()
        .init()
        .await
        .unwrap();
    let role = testkit::iam::sdk_config("EtlFunction", &endpoint, &[("TABLE_NAME", &table)]);
    let etl = etl::Etl::new(config, &role).unwrap();
    let report = etl.run().await.unwrap();
    assert_eq!(report.summary.inserted, 420);
    if counties.is_some() {
        let counties = report.summary.counties.expect("counties loaded");
        assert_eq!((counties.new, counties.listings), (97_393, 55));
    }
    Loaded { endpoint, table }
}

/// The national series, the states, the populations and NYT's real county window of
/// 2021-07-08 (`data/snapshot/nyt-us-counties-recent.csv.gz`).
pub async fn loaded_table_with_counties(test: &str) -> Loaded {
    let window = testkit::snapshot("nyt-us-counties-recent.csv.gz");
    load_with(test, true, Some(&window)).await
}

/// The snapshot as the ETL's transform sees it: the expected contents of the API.
pub fn expected_days() -> Vec<covid_model::Day> {
    let (nyt, jhu) = testkit::snapshot_sources();
    etl::transform::build_series(&nyt, &jhu).unwrap()
}

/// The `api` binary with the AWS environment of DynamoDB Local, signed in as the API
/// function's role (the IAM gate judges its requests by the template's policy).
pub fn api_command(loaded: &Loaded) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_api"));
    cmd.envs(testkit::aws_env(&loaded.endpoint))
        .env("TABLE_NAME", &loaded.table)
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("AWS_LAMBDA_FUNCTION_NAME");
    testkit::iam::sign_in_command(&mut cmd, "ApiFunction");
    cmd
}

/// The `api` binary as a local server on `loaded`, serving `site`; killed when dropped.
pub struct Server {
    pub base: String,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the `api` binary on a free port and waits until it answers.
pub async fn start_api(loaded: &Loaded, site: &std::path::Path) -> Server {
    let port = testkit::free_port();
    let child = api_command(loaded)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("SITE_DIR", site)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{base}/v1/status")).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "the api did not listen within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Server { base, child }
}

/// The `revisions` of each day of a series answer, as the site reads them into its chart data.
pub fn revisions_of(series: &serde_json::Value) -> Vec<u32> {
    series["data"]
        .as_array()
        .expect("a series answer's data")
        .iter()
        .map(|d| d["revisions"].as_u64().expect("a day's revisions") as u32)
        .collect()
}
