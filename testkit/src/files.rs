//! A loopback HTTP/1.1 file server that honours `Range: bytes=N-` as GitHub's raw file host
//! does (206 with `Content-Range`), except for `.gz` files, which it always sends whole (200):
//! the two answers a resumed read must handle.

use std::io::{BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::http::{header, path, read_request};

/// One request: its path and its `Range` header.
pub type Served = (String, Option<String>);

/// Serves the files of a folder.
pub struct FileServer {
    pub addr: SocketAddr,
    served: Arc<Mutex<Vec<Served>>>,
}

impl FileServer {
    pub fn start(root: &Path) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the file server");
        let addr = listener.local_addr().expect("file server address");
        let served = Arc::new(Mutex::new(Vec::new()));
        let (root, log) = (root.to_path_buf(), served.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (root, log) = (root.clone(), log.clone());
                std::thread::spawn(move || serve(stream, &root, &log));
            }
        });
        Self { addr, served }
    }

    /// `http://127.0.0.1:<port>/<name>`.
    pub fn url(&self, name: &str) -> String {
        format!("http://{}/{name}", self.addr)
    }

    /// Every request so far.
    pub fn served(&self) -> Vec<Served> {
        self.served.lock().expect("file server log").clone()
    }
}

fn serve(stream: TcpStream, root: &Path, log: &Mutex<Vec<Served>>) {
    let mut reader = BufReader::new(stream);
    let Some((head, _)) = read_request(&mut reader) else {
        return;
    };
    let name = path(&head).trim_start_matches('/').to_string();
    let range = header(&head, "range").map(str::to_string);
    log.lock()
        .expect("file server log")
        .push((name.clone(), range.clone()));
    let stream = reader.get_mut();
    let Ok(bytes) = std::fs::read(root.join(&name)) else {
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    };
    let from = range
        .as_deref()
        .filter(|_| !name.ends_with(".gz"))
        .and_then(|r| {
            r.strip_prefix("bytes=")?
                .strip_suffix('-')?
                .parse::<usize>()
                .ok()
        })
        .filter(|from| *from < bytes.len());
    let (status, extra, body) = match from {
        Some(from) => (
            "206 Partial Content",
            format!(
                "Content-Range: bytes {from}-{}/{}\r\n",
                bytes.len() - 1,
                bytes.len()
            ),
            &bytes[from..],
        ),
        None => ("200 OK", String::new(), &bytes[..]),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n{extra}Content-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}
