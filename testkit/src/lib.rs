//! Test support shared by the integration tests.
//!
//! - [`dynamodb`]: one DynamoDB Local per test process, in memory, on a free loopback port.
//!   If it cannot start, the calling test panics with the reason: tests never skip.
//! - [`HttpStub`]: a scripted HTTP/1.1 server on loopback, for the fetch path.
//! - [`CountingProxy`]: records the DynamoDB operations a process really sends.
//! - [`fault::FaultProxy`]: injects faults (errors, lost responses, hangs) into DynamoDB or SNS.
//! - [`moto`]: one moto server (SNS, SQS) per test process.
//! - [`LambdaRuntime`]: a stand-in for the Lambda Runtime API.
//! - [`template::Template`]: `template.yaml` with its parameters resolved, as deployed.

use std::io::{BufRead, BufReader, Read, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub mod fault;
pub mod template;

/// The repository root (where `node_modules/` and `data/` live).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testkit lives one level below the repository root")
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

/// A running DynamoDB Local. It lives as long as the test process: the launcher watches the
/// pipe held in `_stdin` and stops the server when the process exits.
pub struct DynamoLocal {
    pub endpoint: String,
    _child: Mutex<Child>,
    _stdin: Mutex<ChildStdin>,
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind an ephemeral loopback port")
        .port()
}

/// The DynamoDB Local of this test process, started on first use.
///
/// # Panics
/// When it cannot be started or does not answer within 60 s: a test that needs it fails.
pub fn dynamodb() -> &'static DynamoLocal {
    static LOCAL: OnceLock<DynamoLocal> = OnceLock::new();
    LOCAL.get_or_init(|| {
        let script = repo_root().join("scripts/dynamodb-local.sh");
        let mut last_error = String::new();
        for _ in 0..3 {
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
                    last_error = format!("DynamoDB Local exited with {status}: {stderr}");
                    break;
                }
                if answers_http(port) {
                    let stdin = child.stdin.take().expect("piped stdin");
                    return DynamoLocal {
                        endpoint: format!("http://127.0.0.1:{port}"),
                        _child: Mutex::new(child),
                        _stdin: Mutex::new(stdin),
                    };
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    last_error =
                        format!("DynamoDB Local did not answer on port {port} within 60 s");
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        panic!("cannot start DynamoDB Local (run `make setup` first?): {last_error}");
    })
}

/// Whether an HTTP server answers on the port (any status will do).
fn answers_http(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request =
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut first = [0u8; 5];
    stream.read_exact(&mut first).is_ok() && &first == b"HTTP/"
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

/// Environment variables that point the AWS SDK at DynamoDB Local with test credentials.
pub fn aws_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint.to_string()),
        ("AWS_ACCESS_KEY_ID", "test".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
    ]
}

/// An SDK configuration for DynamoDB Local, built without touching the process environment.
pub fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    let credentials =
        aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "testkit");
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
            credentials,
        ))
        .build()
}

/// One scripted answer of an [`HttpStub`].
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering (to trigger client timeouts).
    pub delay: Duration,
    /// Declare this Content-Length instead of the body's (to simulate a cut body).
    pub content_length: Option<usize>,
}

impl Reply {
    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Self::status(200, body)
    }

    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: body.into(),
            delay: Duration::ZERO,
            content_length: None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    pub fn content_length(mut self, length: usize) -> Self {
        self.content_length = Some(length);
        self
    }
}

/// A loopback HTTP/1.1 server that answers request `i` with `replies[i]` (the last one repeats)
/// and counts the requests. One connection per request (`Connection: close`).
pub struct HttpStub {
    pub addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    paths: Arc<Mutex<Vec<String>>>,
}

impl HttpStub {
    pub fn start(replies: Vec<Reply>) -> Self {
        assert!(!replies.is_empty(), "an HttpStub needs at least one reply");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the HTTP stub");
        let addr = listener.local_addr().expect("stub address");
        let hits = Arc::new(AtomicUsize::new(0));
        let paths = Arc::new(Mutex::new(Vec::new()));
        let (thread_hits, thread_paths) = (hits.clone(), paths.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let i = thread_hits.fetch_add(1, Ordering::SeqCst);
                let reply = replies[i.min(replies.len() - 1)].clone();
                let paths = thread_paths.clone();
                std::thread::spawn(move || serve_one(stream, &reply, &paths));
            }
        });
        Self { addr, hits, paths }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// Paths requested so far, in order of arrival.
    pub fn paths(&self) -> Vec<String> {
        self.paths.lock().expect("paths lock").clone()
    }
}

fn serve_one(stream: TcpStream, reply: &Reply, paths: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    if let Some(path) = request_line.split_whitespace().nth(1) {
        paths.lock().expect("paths lock").push(path.to_string());
    }
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    std::thread::sleep(reply.delay);
    let mut stream = reader.into_inner();
    let mut head = format!("HTTP/1.1 {} Stub\r\nConnection: close\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let length = reply.content_length.unwrap_or(reply.body.len());
    head.push_str(&format!("Content-Length: {length}\r\n\r\n"));
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&reply.body);
    let _ = stream.flush();
}

/// A loopback TCP proxy in front of an HTTP server (e.g. DynamoDB Local) that records the
/// operation of every request it forwards (the `X-Amz-Target` header, e.g. `DynamoDB_20120810.GetItem`),
/// so a test can check what a process really sent, independently of the process's own counts.
pub struct CountingProxy {
    pub endpoint: String,
    operations: Arc<Mutex<Vec<String>>>,
}

impl CountingProxy {
    pub fn start(upstream: &str) -> Self {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let endpoint = format!("http://{}", listener.local_addr().expect("proxy address"));
        let operations = Arc::new(Mutex::new(Vec::new()));
        let ops = operations.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let (client_read, server_write) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                let ops = ops.clone();
                std::thread::spawn(move || forward_requests(client_read, server_write, &ops));
                std::thread::spawn(move || forward(server, client));
            }
        });
        Self {
            endpoint,
            operations,
        }
    }

    /// The operations forwarded so far, e.g. `["GetItem", "UpdateItem"]`.
    pub fn operations(&self) -> Vec<String> {
        self.operations.lock().expect("operations lock").clone()
    }

    pub fn clear(&self) {
        self.operations.lock().expect("operations lock").clear();
    }
}

fn forward(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(std::net::Shutdown::Write);
}

/// Copies client -> server, noting the target operation of each request head.
fn forward_requests(from: TcpStream, mut to: TcpStream, ops: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(from);
    loop {
        // Request head, line by line.
        let mut head = Vec::new();
        let mut content_length = 0usize;
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => {
                    let _ = to.shutdown(std::net::Shutdown::Write);
                    return;
                }
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line).to_string();
            let lower = text.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                content_length = v.trim().parse().unwrap_or(0);
            }
            if lower.starts_with("x-amz-target:") {
                let target = text["x-amz-target:".len()..].trim();
                let op = target.rsplit('.').next().unwrap_or(target).to_string();
                ops.lock().expect("operations lock").push(op);
            }
            head.extend_from_slice(&line);
            if line == b"\r\n" || line == b"\n" {
                break;
            }
        }
        let mut body = vec![0u8; content_length];
        if reader.read_exact(&mut body).is_err()
            || to.write_all(&head).is_err()
            || to.write_all(&body).is_err()
        {
            return;
        }
    }
}

/// A running moto server (SNS + SQS), one per test process.
pub struct Moto {
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
                endpoint: format!("http://127.0.0.1:{port}"),
                _child: Mutex::new(child),
            },
            Mutex::new(stdin),
        )
    });
    moto
}

/// What a function answered to one invocation, through the Runtime API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    Response(String),
    Error(String),
}

struct RuntimeState {
    queue: std::collections::VecDeque<(String, String)>,
    results: Vec<(String, Invocation)>,
    first_poll: Option<Instant>,
}

/// A fake AWS Lambda Runtime API (`/2018-06-01/runtime/invocation/next`, `/response`, `/error`),
/// serving the events pushed into it. A `next` with no event waits for one.
pub struct LambdaRuntime {
    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    state: Arc<(Mutex<RuntimeState>, std::sync::Condvar)>,
}

impl LambdaRuntime {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the runtime API");
        let address = listener.local_addr().expect("runtime address").to_string();
        let state = Arc::new((
            Mutex::new(RuntimeState {
                queue: Default::default(),
                results: Vec::new(),
                first_poll: None,
            }),
            std::sync::Condvar::new(),
        ));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let shared = shared.clone();
                std::thread::spawn(move || serve_runtime(stream, &shared));
            }
        });
        Self { address, state }
    }

    /// Queues an invocation; returns its request id.
    pub fn invoke(&self, event: &str) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(1);
        let id = format!("req-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let (lock, cvar) = &*self.state;
        lock.lock()
            .expect("runtime lock")
            .queue
            .push_back((id.clone(), event.to_string()));
        cvar.notify_all();
        id
    }

    /// Waits for the function's answer to request `id`.
    ///
    /// # Panics
    /// After `timeout` without an answer.
    pub fn wait(&self, id: &str, timeout: Duration) -> Invocation {
        let (lock, cvar) = &*self.state;
        let deadline = Instant::now() + timeout;
        let mut state = lock.lock().expect("runtime lock");
        loop {
            if let Some((_, result)) = state.results.iter().find(|(r, _)| r == id) {
                return result.clone();
            }
            let left = deadline
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| panic!("no answer to invocation {id} within {timeout:?}"));
            state = cvar.wait_timeout(state, left).expect("runtime lock").0;
        }
    }

    /// When the function first asked for an invocation.
    pub fn first_poll(&self) -> Option<Instant> {
        self.state.0.lock().expect("runtime lock").first_poll
    }
}

fn serve_runtime(stream: TcpStream, shared: &(Mutex<RuntimeState>, std::sync::Condvar)) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut content_length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                content_length = v.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; content_length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_string();
        let (lock, cvar) = shared;
        let answer = if path.ends_with("/invocation/next") {
            let mut state = lock.lock().expect("runtime lock");
            state.first_poll.get_or_insert_with(Instant::now);
            while state.queue.is_empty() {
                state = cvar.wait(state).expect("runtime lock");
            }
            let (id, event) = state.queue.pop_front().expect("an event");
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_millis()
                + 300_000;
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {id}\r\n\
                 Lambda-Runtime-Deadline-Ms: {deadline}\r\n\
                 Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:etl\r\n\
                 Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\n\
                 Content-Length: {}\r\n\r\n{event}",
                event.len()
            )
        } else if let Some(rest) = path.strip_prefix("/2018-06-01/runtime/invocation/") {
            let mut parts = rest.splitn(2, '/');
            let id = parts.next().unwrap_or_default().to_string();
            let text = String::from_utf8_lossy(&body).to_string();
            let result = match parts.next() {
                Some("response") => Invocation::Response(text),
                _ => Invocation::Error(text),
            };
            lock.lock()
                .expect("runtime lock")
                .results
                .push((id, result));
            cvar.notify_all();
            "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n".to_string()
        } else {
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string()
        };
        let stream = reader.get_mut();
        if stream.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}
