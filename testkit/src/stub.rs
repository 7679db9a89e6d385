//! A scripted HTTP/1.1 server on loopback, for the fetch path.

use std::io::{BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::http::{path, read_request};

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
    let Some((head, _)) = read_request(&mut reader) else {
        return;
    };
    paths
        .lock()
        .expect("paths lock")
        .push(path(&head).to_string());
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
