//! Test support shared by the integration tests.
//!
//! - [`dynamodb`]: one DynamoDB Local per test process, in memory, on a free loopback port.
//!   If it cannot start, the calling test panics with the reason: tests never skip.
//! - [`iam`]: the IAM gate in front of DynamoDB Local and moto: a function's requests are judged
//!   by its policy in `template.yaml` and refused as AWS refuses them.
//! - [`HttpStub`]: a scripted HTTP/1.1 server on loopback, for the fetch path.
//! - [`CountingProxy`]: records the DynamoDB operations a process really sends.
//! - [`fault::FaultProxy`]: injects faults (errors, lost responses, hangs) into DynamoDB or SNS.
//! - [`moto`]: one moto server (SNS, SQS) per test process, behind the IAM gate and
//!   [`quota`], SNS's quotas, which moto does not enforce.
//! - [`LambdaRuntime`]: a stand-in for the Lambda Runtime API.
//! - [`template::Template`]: `template.yaml` with its parameters resolved, as deployed.
//! - [`http`]: the HTTP/1.1 request reader and helpers these servers share.

use std::io::Read;
use std::path::PathBuf;

mod dynamodb;
pub mod fault;
pub mod http;
pub mod iam;
mod moto;
mod proxy;
pub mod publications;
pub mod quota;
mod runtime;
mod stub;
pub mod template;

pub use dynamodb::{DynamoLocal, Launched, aws_env, dynamodb, sdk_config, table_name};
pub use http::free_port;
pub use moto::{Moto, moto};
pub use proxy::CountingProxy;
pub use runtime::{Invocation, LambdaRuntime};
pub use stub::{HttpStub, Reply};

/// The repository root (where `node_modules/` and `data/` live): the parent of the tested
/// package, as cargo says when it runs the test. Not `env!`: cargo may reuse this crate
/// compiled in another checkout that shares the target directory, with that checkout's path.
pub fn repo_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .parent()
        .expect("every package lives one level below the repository root")
        .to_path_buf()
}

/// A path under `data/snapshot/`.
pub fn snapshot(name: &str) -> PathBuf {
    repo_root().join("data/snapshot").join(name)
}

/// The bytes of both snapshot files, `(NYT us.csv, JHU combined csv)`, the JHU one gunzipped.
pub fn snapshot_sources() -> (Vec<u8>, Vec<u8>) {
    let nyt = std::fs::read(snapshot("nyt-us.csv")).expect("read the NYT snapshot");
    let gz = std::fs::read(snapshot("jhu-time-series-19-covid-combined.csv.gz"))
        .expect("read the JHU snapshot");
    let mut jhu = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut jhu)
        .expect("gunzip the JHU snapshot");
    (nyt, jhu)
}
