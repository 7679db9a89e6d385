//! A fault-injecting HTTP proxy, in front of DynamoDB Local or moto. Every request is read
//! whole, shown to a rule that decides its fate, and then forwarded on a fresh upstream
//! connection, answered with an error in the service's own wire format, or held forever (a
//! process that is then killed never learns what happened).

use std::io::{BufReader, Read, Write as _};

use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::http::{header, read_request};

/// One request as the rule sees it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The operation: DynamoDB's `X-Amz-Target` suffix (`TransactWriteItems`) or the query
    /// protocol's `Action` (`Publish`).
    pub operation: String,
    pub body: String,
    /// 0-based, in order of arrival at the proxy.
    pub index: usize,
    /// Who signed it: the access key id of its SigV4 `Authorization` header.
    pub access_key: Option<String>,
    /// The service it was signed for (`dynamodb`, `sns`, `sqs`), from the same header.
    pub service: Option<String>,
}

impl Request {
    /// A DynamoDB write (of days, the meta item, alerts or records).
    pub fn is_dynamodb_write(&self) -> bool {
        matches!(
            self.operation.as_str(),
            "TransactWriteItems" | "PutItem" | "UpdateItem" | "DeleteItem" | "BatchWriteItem"
        )
    }

    /// Whether the request writes the series meta item.
    pub fn touches_meta(&self) -> bool {
        self.body.contains(r#""sk":{"S":"meta"}"#)
    }
}

/// What the proxy does with a request.
#[derive(Debug, Clone)]
pub enum Fault {
    Forward,
    /// Answer this instead of forwarding.
    Reply {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    /// Forward it (so it takes effect), then never answer.
    ForwardAndHang,
    /// Forward it, then answer this error instead of the real response (the effect is lost).
    ForwardAndReply {
        status: u16,
        content_type: &'static str,
        body: String,
    },
}

impl Fault {
    /// A DynamoDB error, e.g. `("InternalServerError", 500)` or `("ThrottlingException", 400)`.
    pub fn dynamodb(error: &str, status: u16) -> Self {
        Fault::Reply {
            status,
            content_type: "application/x-amz-json-1.0",
            body: format!(
                r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{error}","message":"injected by the test's fault proxy"}}"#
            ),
        }
    }

    /// The same error, answered after the request was forwarded: it took effect, but the
    /// caller is told it failed.
    pub fn after_forwarding(self) -> Self {
        match self {
            Fault::Reply {
                status,
                content_type,
                body,
            } => Fault::ForwardAndReply {
                status,
                content_type,
                body,
            },
            other => other,
        }
    }

    /// An error of a query-protocol service (SNS), e.g. `("InternalError", 500)`.
    pub fn query(code: &str, status: u16) -> Self {
        Fault::Reply {
            status,
            content_type: "text/xml",
            body: format!(
                "<ErrorResponse><Error><Type>Receiver</Type><Code>{code}</Code>\
                 <Message>injected by the test's fault proxy</Message></Error>\
                 <RequestId>fault</RequestId></ErrorResponse>"
            ),
        }
    }
}

type Rule = dyn Fn(&Request) -> Fault + Send + Sync;

/// What happened to one request: `forward` and `reply` once decided, `hang` and `lost` once
/// the request has taken effect upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub operation: String,
    /// `forward`, `reply`, `hang` or `lost`.
    pub fate: &'static str,
}

/// The proxy. It runs until the test process ends.
pub struct FaultProxy {
    pub endpoint: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    forwarding: Arc<AtomicUsize>,
}

impl FaultProxy {
    pub fn start(upstream: &str, rule: impl Fn(&Request) -> Fault + Send + Sync + 'static) -> Self {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fault proxy");
        let endpoint = format!("http://{}", listener.local_addr().expect("proxy address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let forwarding = Arc::new(AtomicUsize::new(0));
        let rule: Arc<Rule> = Arc::new(rule);
        let next = Arc::new(AtomicUsize::new(0));
        let (shared, busy) = (seen.clone(), forwarding.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let state = Shared {
                    upstream: upstream.clone(),
                    rule: rule.clone(),
                    next: next.clone(),
                    seen: shared.clone(),
                    forwarding: busy.clone(),
                };
                std::thread::spawn(move || serve(client, &state));
            }
        });
        Self {
            endpoint,
            seen,
            forwarding,
        }
    }

    /// Waits until no request is on its way upstream (a killed caller's requests still land).
    ///
    /// # Panics
    /// After `timeout`.
    pub fn wait_idle(&self, timeout: Duration) {
        let deadline = std::time::Instant::now() + timeout;
        while self.forwarding.load(Ordering::SeqCst) > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "requests still being forwarded after {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Every request so far with its fate, in order of decision.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen lock").clone()
    }

    /// How many requests met `fate`.
    pub fn count(&self, fate: &str) -> usize {
        self.seen().iter().filter(|s| s.fate == fate).count()
    }

    /// Once a request through this proxy is held ([`Fault::ForwardAndHang`]), SIGKILLs
    /// `child`, mid-load; the requests it had sent still land (as they would in AWS), and are
    /// waited for.
    ///
    /// # Panics
    /// If nothing is held within 60 s, or `child` ends before it is killed.
    pub fn kill_when_held(&self, mut child: std::process::Child) {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while self.count("hang") == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "no request was held within 60 s"
            );
            assert!(
                child.try_wait().expect("child status").is_none(),
                "the child ended before it was killed"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        child.kill().expect("SIGKILL the child");
        child.wait().expect("wait for the child");
        self.wait_idle(Duration::from_secs(60));
    }
}

/// The access key id and the service of a SigV4 `Authorization` header
/// (`AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, …`).
fn signer(head: &[String]) -> (Option<String>, Option<String>) {
    let Some(credential) = header(head, "authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split([',', ' ']).next())
    else {
        return (None, None);
    };
    let parts: Vec<&str> = credential.split('/').collect();
    (
        parts.first().map(|k| k.to_string()),
        parts.get(3).map(|s| s.to_string()),
    )
}

fn operation(head: &[String], body: &str) -> String {
    if let Some(target) = header(head, "x-amz-target") {
        return target.rsplit('.').next().unwrap_or(target).to_string();
    }
    form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// What every connection of a proxy shares.
struct Shared {
    upstream: String,
    rule: Arc<Rule>,
    next: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
    forwarding: Arc<AtomicUsize>,
}

impl Shared {
    /// Forwards, counted as in flight until the whole answer is back.
    fn forward(&self, head: &[String], body: &[u8]) -> Option<Vec<u8>> {
        self.forwarding.fetch_add(1, Ordering::SeqCst);
        let answer = forward(&self.upstream, head, body);
        self.forwarding.fetch_sub(1, Ordering::SeqCst);
        answer
    }

    /// Records a request's fate: once it is decided, or for the forwarding ones, once the
    /// request has taken effect upstream.
    fn record(&self, operation: &str, fate: &'static str) {
        self.seen.lock().expect("seen lock").push(Seen {
            operation: operation.to_string(),
            fate,
        });
    }
}

fn serve(client: TcpStream, shared: &Shared) {
    let mut writer = client.try_clone().expect("clone the client stream");
    let mut reader = BufReader::new(client);
    while let Some((head, body)) = read_request(&mut reader) {
        let text = String::from_utf8_lossy(&body).to_string();
        let (access_key, service) = signer(&head);
        let request = Request {
            operation: operation(&head, &text),
            body: text,
            index: shared.next.fetch_add(1, Ordering::SeqCst),
            access_key,
            service,
        };
        let op = request.operation.as_str();
        let answer = match (shared.rule)(&request) {
            Fault::Reply {
                status,
                content_type,
                body,
            } => {
                shared.record(op, "reply");
                reply(status, content_type, &body)
            }
            Fault::Forward => {
                shared.record(op, "forward");
                match shared.forward(&head, &body) {
                    Some(answer) => answer,
                    None => return,
                }
            }
            Fault::ForwardAndHang => {
                let _ = shared.forward(&head, &body);
                shared.record(op, "hang");
                // The caller is to be killed while it waits.
                std::thread::sleep(Duration::from_secs(600));
                return;
            }
            Fault::ForwardAndReply {
                status,
                content_type,
                body: error,
            } => {
                let _ = shared.forward(&head, &body);
                shared.record(op, "lost");
                reply(status, content_type, &error)
            }
        };
        if writer.write_all(&answer).is_err() {
            return;
        }
        // A client that asked to close (another proxy in front, which reads to the end) gets
        // the end of the connection after its answer.
        if header(&head, "connection").is_some_and(|v| v.eq_ignore_ascii_case("close")) {
            return;
        }
    }
}

fn reply(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} Injected\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends the request upstream on its own connection and returns the whole response.
fn forward(upstream: &str, head: &[String], body: &[u8]) -> Option<Vec<u8>> {
    let mut server = TcpStream::connect(upstream).ok()?;
    let mut request = Vec::new();
    for line in head {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            request.extend_from_slice(line.as_bytes());
        }
    }
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    request.extend_from_slice(body);
    server.write_all(&request).ok()?;
    let mut response = Vec::new();
    server.read_to_end(&mut response).ok()?;
    Some(keep_alive(response))
}

/// The upstream closed after its response; the client may keep its connection: the response
/// is framed by its length, so its `Connection: close` header (if any) is dropped.
fn keep_alive(response: Vec<u8>) -> Vec<u8> {
    let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return response;
    };
    let head = String::from_utf8_lossy(&response[..end]).to_string();
    let framed = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("content-length:") || l.starts_with("transfer-encoding:")
    });
    if !framed {
        return response;
    }
    let mut out: Vec<u8> = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect::<Vec<_>>()
        .join("\r\n")
        .into_bytes();
    out.extend_from_slice(&response[end..]);
    out
}
