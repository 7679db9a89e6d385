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
use std::path::{Path, PathBuf};

mod dynamodb;
pub mod fault;
mod files;
pub mod http;
pub mod iam;
mod moto;
mod proxy;
pub mod publications;
pub mod quota;
mod runtime;
pub mod states;
mod stub;
pub mod template;

pub use dynamodb::{DynamoLocal, Launched, aws_env, dynamodb, sdk_config, table_name};
pub use files::FileServer;
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

/// A file's bytes, gunzipped when its name ends in `.gz` (the bundled snapshots and
/// publications, as the tests and benches read them).
pub fn file_bytes(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    if path.extension().is_none_or(|e| e != "gz") {
        return bytes;
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("gunzip {}: {e}", path.display()));
    out
}

/// The bytes of both snapshot files, `(NYT us.csv, JHU combined csv)`, the JHU one gunzipped.
pub fn snapshot_sources() -> (Vec<u8>, Vec<u8>) {
    (
        file_bytes(&snapshot("nyt-us.csv")),
        file_bytes(&snapshot("jhu-time-series-19-covid-combined.csv.gz")),
    )
}
