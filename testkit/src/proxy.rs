//! A request-counting TCP proxy: what a process really sent to DynamoDB.

use std::io::{BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use crate::http::{header, read_request};

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
    while let Some((head, body)) = read_request(&mut reader) {
        if let Some(target) = header(&head, "x-amz-target") {
            let op = target.rsplit('.').next().unwrap_or(target).to_string();
            ops.lock().expect("operations lock").push(op);
        }
        let written = head
            .iter()
            .try_for_each(|line| to.write_all(line.as_bytes()))
            .and_then(|()| to.write_all(b"\r\n"))
            .and_then(|()| to.write_all(&body));
        if written.is_err() {
            return;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}
