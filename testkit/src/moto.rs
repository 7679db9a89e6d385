//! One moto server (SNS, SQS) per test process, from the project's venv, behind the IAM gate
//! (`crate::iam`) and then the quota gate (`crate::quota`): a request either refuses is
//! answered as AWS answers it.

use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::http::{answers_http, free_port};

/// A running moto server (SNS + SQS), one per test process.
pub struct Moto {
    /// The IAM gate in front of it.
    pub endpoint: String,
    _child: Mutex<Child>,
}

/// The `moto_server` of the project's venv (`make setup`), or the first on PATH.
fn moto_server_path() -> PathBuf {
    let cache = std::env::var_os("CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/covid-us-etl")))
        .expect("HOME or CACHE is set");
    let venv = cache.join("venv/bin/moto_server");
    if venv.exists() {
        return venv;
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("moto_server"))
                .find(|p| p.exists())
        })
        .unwrap_or_else(|| {
            panic!(
                "moto_server is not installed ({} or PATH): run `make setup`",
                venv.display()
            )
        })
}

/// The moto server of this test process, started on first use. It stops with the process:
/// it runs under a shell that kills it when its standard input (held here) closes.
///
/// # Panics
/// When it cannot be started or does not answer within 60 s: a test that needs it fails.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<(Moto, Mutex<ChildStdin>)> = OnceLock::new();
    let (moto, _) = MOTO.get_or_init(|| {
        let server = moto_server_path();
        let port = free_port();
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(r#""$0" -H 127.0.0.1 -p "$1" & pid=$!; trap 'kill $pid 2>/dev/null' EXIT; cat >/dev/null"#)
            .arg(&server)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", server.display()));
        let deadline = Instant::now() + Duration::from_secs(60);
        while !answers_http(port) {
            if let Some(status) = child.try_wait().expect("poll moto") {
                panic!("moto_server exited with {status}");
            }
            assert!(Instant::now() < deadline, "moto_server did not answer on port {port} within 60 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        let stdin = child.stdin.take().expect("piped stdin");
        (
            Moto {
                endpoint: crate::fault::FaultProxy::start(
                    &format!("http://127.0.0.1:{port}"),
                    |request| match crate::iam::judge(request) {
                        crate::fault::Fault::Forward => crate::quota::judge(request),
                        refused => refused,
                    },
                )
                .endpoint,
                _child: Mutex::new(child),
            },
            Mutex::new(stdin),
        )
    });
    moto
}
