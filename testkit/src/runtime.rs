//! A stand-in for the AWS Lambda Runtime API, serving the events a test pushes into it.

use std::io::{BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::http::{path, read_request};

/// What a function answered to one invocation, through the Runtime API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    Response(String),
    Error(String),
}

struct RuntimeState {
    queue: std::collections::VecDeque<(String, String)>,
    /// Each invocation's time, from its delivery to its deadline.
    timeout: Duration,
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
                timeout: Duration::from_secs(300),
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

    /// Gives each invocation from now on `timeout` (300 s unless set), by its deadline.
    pub fn set_timeout(&self, timeout: Duration) {
        self.state.0.lock().expect("runtime lock").timeout = timeout;
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
    while let Some((head, body)) = read_request(&mut reader) {
        let path = path(&head).to_string();
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
                + state.timeout.as_millis();
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
