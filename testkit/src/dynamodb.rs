//! DynamoDB Local, one per test process, in memory on a free loopback port, behind the IAM
//! gate (`crate::iam`), and the SDK settings that point at it. If it cannot start, the calling
//! test panics: tests never skip.

use std::io::Read;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::fault::FaultProxy;
use crate::http::{answers_http, free_port};
use crate::iam::OPERATOR_KEY;
use crate::repo_root;

/// A running DynamoDB Local. It lives as long as the test process: the launcher watches the
/// pipe its [`Launched`] holds and stops the server when the process exits.
pub struct DynamoLocal {
    /// The IAM gate in front of it: requests signed by a function's role are judged by that
    /// role's policy; the operator's ([`crate::iam::OPERATOR_KEY`]) pass.
    pub endpoint: String,
    _launched: Launched,
}

/// DynamoDB Local as `scripts/dynamodb-local.sh` starts it (the demo's way), in memory on a
/// free loopback port, answering; without the IAM gate. It stops when dropped (the launcher
/// watches the pipe held in `stdin`).
pub struct Launched {
    pub port: u16,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Launched {
    /// One try: the server on a free port, once it answers HTTP (within 60 s), or why not.
    pub fn start() -> Result<Launched, String> {
        let script = repo_root().join("scripts/dynamodb-local.sh");
        let port = free_port();
        let mut child = Command::new(&script)
            .arg(port.to_string())
            .env("WATCH_STDIN", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait().expect("poll DynamoDB Local") {
                let mut stderr = String::new();
                if let Some(mut err) = child.stderr.take() {
                    let _ = err.read_to_string(&mut stderr);
                }
                return Err(format!("DynamoDB Local exited with {status}: {stderr}"));
            }
            if answers_http(port) {
                let stdin = child.stdin.take().expect("piped stdin");
                return Ok(Launched {
                    port,
                    child,
                    stdin: Some(stdin),
                });
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err(format!(
                    "DynamoDB Local did not answer on port {port} within 60 s"
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Launched {
    fn drop(&mut self) {
        // Closing the pipe stops the server (the launcher's trap); then reap the launcher. The
        // process-wide instance is never dropped: its pipe closes when the test process exits.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// The DynamoDB Local of this test process, started on first use.
///
/// # Panics
/// When it cannot be started or does not answer within 60 s: a test that needs it fails.
pub fn dynamodb() -> &'static DynamoLocal {
    static LOCAL: OnceLock<DynamoLocal> = OnceLock::new();
    LOCAL.get_or_init(|| {
        let mut last_error = String::new();
        for _ in 0..3 {
            match Launched::start() {
                Ok(launched) => {
                    let gate = FaultProxy::start(
                        &format!("http://127.0.0.1:{}", launched.port),
                        crate::iam::judge,
                    );
                    return DynamoLocal {
                        endpoint: gate.endpoint,
                        _launched: launched,
                    };
                }
                Err(error) => last_error = error,
            }
        }
        panic!("cannot start DynamoDB Local (run `make setup` first?): {last_error}");
    })
}

/// A unique table name for one test (DynamoDB Local here is shared by all tests of a process).
pub fn table_name(test: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "t-{}-{}-{}",
        test,
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Environment variables that point the AWS SDK at DynamoDB Local with the operator's
/// credentials (a function's code signs in with its role: `crate::iam::sign_in_command`).
pub fn aws_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint.to_string()),
        ("AWS_ACCESS_KEY_ID", OPERATOR_KEY.to_string()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
    ]
}

/// An SDK configuration for DynamoDB Local (or moto) with the operator's credentials, built
/// without touching the process environment.
pub fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    sdk_config_as(endpoint, OPERATOR_KEY, "test")
}

/// [`sdk_config`] signed with other credentials (a function's role: `crate::iam::sdk_config`).
pub(crate) fn sdk_config_as(endpoint: &str, key: &str, secret: &str) -> aws_config::SdkConfig {
    let credentials =
        aws_sdk_dynamodb::config::Credentials::new(key, secret, None, None, "testkit");
    aws_config::SdkConfig::builder()
        // Plain HTTP to the emulators on loopback.
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
            credentials,
        ))
        .build()
}
