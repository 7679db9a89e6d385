//! Gets the bytes of a source: over http(s) with reqwest (rustls), or from a local file.
//!
//! - one timeout per request, and at most `tries` tries with exponential backoff on 5xx,
//!   timeouts and connection errors (a 4xx is final);
//! - bodies over the cap are refused while streaming, not after buffering;
//! - gzip is decoded, both as a transfer encoding and as a `.gz` file or body;
//! - a run's sources together hold at most [`MAX_RUN_BYTES`] (a budget every body and decoded
//!   file draws from as it grows), and are all fetched within one deadline
//!   ([`Fetcher::fetch_all`]): memory and time stay inside the function's, whatever the
//!   sources send;
//! - a non-2xx answer or an HTML page is an error;
//! - a remote source must be `https://` (plain `http://` only to this machine: tests, a local
//!   mirror), and a redirect may not leave the source's origin (scheme, host and port): reqwest
//!   would otherwise follow 10 redirects anywhere, `127.0.0.1` included.

use std::io::Read;
use std::time::Duration;

use flate2::read::MultiGzDecoder;
use reqwest::{StatusCode, Url};

use crate::error::Error;
use crate::source::Source;

/// Redirects followed within one source's origin.
const MAX_REDIRECTS: usize = 5;

/// The bytes one run's sources may hold at once, all together (each source also has its own
/// cap): with the transform's own memory, well inside the function's 512 MB (measured by
/// `etl/tests/memory.rs`).
pub const MAX_RUN_BYTES: u64 = 128 * 1024 * 1024;

/// What the sources of one run may still hold: every body and decoded file draws from it as
/// it grows, and gives back what it frees.
#[derive(Debug)]
pub struct Budget {
    left: std::sync::atomic::AtomicU64,
    total: u64,
}

impl Budget {
    pub fn new(total: u64) -> Self {
        Self {
            left: std::sync::atomic::AtomicU64::new(total),
            total,
        }
    }

    /// Takes `bytes`, or says why not.
    fn take(&self, bytes: u64) -> Result<(), String> {
        use std::sync::atomic::Ordering;
        self.left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(bytes)
            })
            .map(|_| ())
            .map_err(|_| {
                format!(
                    "the sources together are larger than the {} MiB a run holds",
                    self.total / (1024 * 1024)
                )
            })
    }

    fn give_back(&self, bytes: u64) {
        self.left
            .fetch_add(bytes, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Where and how to fetch.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    /// For files read as they arrive (`archive::stream`).
    stream_client: reqwest::Client,
    max_bytes: u64,
    tries: u32,
    backoff: Duration,
}

/// Why one try failed, and whether another may succeed.
struct TryError {
    detail: String,
    retry: bool,
}

impl Fetcher {
    /// A fetcher with a per-request `timeout` and a body cap of `max_bytes` (decoded).
    pub fn new(timeout: Duration, max_bytes: u64) -> Result<Self, Error> {
        // The process's crypto provider for rustls: ring, as the AWS clients'. Installed once;
        // a second call finds it there.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = || {
            reqwest::Client::builder()
                .connect_timeout(timeout)
                .user_agent(concat!("covid-us-etl/", env!("CARGO_PKG_VERSION")))
                .redirect(reqwest::redirect::Policy::custom(|attempt| {
                    let first = &attempt.previous()[0];
                    if attempt.url().origin() != first.origin() {
                        let refused = format!(
                            "a redirect from {first} to {} (another origin) is refused",
                            attempt.url()
                        );
                        attempt.error(refused)
                    } else if attempt.previous().len() > MAX_REDIRECTS {
                        attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
                    } else {
                        attempt.follow()
                    }
                }))
        };
        let built = |b: reqwest::ClientBuilder| {
            b.build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
        };
        let client = built(builder().timeout(timeout))?;
        // A streamed file takes minutes: each read, not the whole body, is timed.
        let stream_client = built(builder().read_timeout(timeout))?;
        Ok(Self {
            client,
            stream_client,
            max_bytes,
            tries: 3,
            backoff: Duration::from_millis(250),
        })
    }

    /// The client of files read as they arrive, whose reads, not bodies, are timed.
    pub(crate) fn stream_client(&self) -> &reqwest::Client {
        &self.stream_client
    }

    /// The pause before try `n + 1` is `backoff * 2^(n-1)`.
    pub fn with_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// The bytes at `location`: an http(s) URL, a `file://` URL or a path. Gzip is decoded.
    pub async fn fetch(&self, origin: Source, location: &str) -> Result<Vec<u8>, Error> {
        self.fetch_within(origin, location, &Budget::new(u64::MAX))
            .await
    }

    /// Every configured source of a run at once (`None`: not configured, `None` back), within
    /// one [`Budget`] of [`MAX_RUN_BYTES`] and one `deadline`: a source still coming when it
    /// passes fails the run.
    pub async fn fetch_all<const N: usize>(
        &self,
        sources: [(Source, Option<&str>); N],
        deadline: Duration,
    ) -> Result<[Option<Vec<u8>>; N], Error> {
        let budget = Budget::new(MAX_RUN_BYTES);
        let until = tokio::time::Instant::now() + deadline;
        let fetches = sources.map(|(origin, location)| {
            let budget = &budget;
            async move {
                let Some(location) = location else {
                    return Ok(None);
                };
                match tokio::time::timeout_at(until, self.fetch_within(origin, location, budget))
                    .await
                {
                    Ok(bytes) => bytes.map(Some),
                    Err(_) => Err(Error::Fetch {
                        origin,
                        location: location.to_string(),
                        detail: format!(
                            "not fetched within the run's {} s for all its sources",
                            deadline.as_secs()
                        ),
                    }),
                }
            }
        });
        let fetched = futures::future::try_join_all(fetches).await?;
        Ok(fetched
            .try_into()
            .unwrap_or_else(|_| unreachable!("one answer per source")))
    }

    async fn fetch_within(
        &self,
        origin: Source,
        location: &str,
        budget: &Budget,
    ) -> Result<Vec<u8>, Error> {
        let capped;
        let this = match origin.max_bytes() {
            Some(max) if max < self.max_bytes => {
                capped = Self {
                    max_bytes: max,
                    ..self.clone()
                };
                &capped
            }
            _ => self,
        };
        let fail = |detail: String| Error::Fetch {
            origin,
            location: location.to_string(),
            detail,
        };
        let bytes = if location.starts_with("http://") || location.starts_with("https://") {
            check_remote(location).map_err(fail)?;
            this.fetch_http(location, budget).await.map_err(fail)?
        } else {
            let path = location.strip_prefix("file://").unwrap_or(location);
            this.read_file(path, budget).await.map_err(fail)?
        };
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let decoded = gunzip(&bytes, this.max_bytes, budget).map_err(fail);
            budget.give_back(bytes.len() as u64);
            return decoded;
        }
        Ok(bytes)
    }

    async fn read_file(&self, path: &str, budget: &Budget) -> Result<Vec<u8>, String> {
        let size = tokio::fs::metadata(path)
            .await
            .map_err(|e| format!("cannot read the file: {e}"))?
            .len();
        if size > self.max_bytes {
            return Err(too_large(self.max_bytes));
        }
        budget.take(size)?;
        tokio::fs::read(path)
            .await
            .map_err(|e| format!("cannot read the file: {e}"))
    }

    async fn fetch_http(&self, url: &str, budget: &Budget) -> Result<Vec<u8>, String> {
        let mut try_number = 1;
        loop {
            match self.try_http(url, budget).await {
                Ok(bytes) => return Ok(bytes),
                Err(e) if e.retry && try_number < self.tries => {
                    let pause = self.backoff * 2u32.pow(try_number - 1);
                    tracing::warn!(url, try_number, error = %e.detail, ?pause, "fetch failed; retrying");
                    tokio::time::sleep(pause).await;
                    try_number += 1;
                }
                Err(e) => {
                    let tries = if try_number == 1 {
                        "1 try".to_string()
                    } else {
                        format!("{try_number} tries")
                    };
                    return Err(format!("{} (after {tries})", e.detail));
                }
            }
        }
    }

    async fn try_http(&self, url: &str, budget: &Budget) -> Result<Vec<u8>, TryError> {
        let mut taken = 0u64;
        let body = self.try_http_counted(url, budget, &mut taken).await;
        if body.is_err() {
            // A failed try holds nothing any more.
            budget.give_back(taken);
        }
        body
    }

    async fn try_http_counted(
        &self,
        url: &str,
        budget: &Budget,
        taken: &mut u64,
    ) -> Result<Vec<u8>, TryError> {
        let mut response = self.client.get(url).send().await.map_err(request_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(TryError {
                detail: format!("HTTP {status}"),
                retry: status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS,
            });
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if content_type.starts_with("text/html") || content_type.starts_with("application/xhtml") {
            return Err(TryError {
                detail: format!("got an HTML page (Content-Type {content_type}), not CSV"),
                retry: false,
            });
        }
        // Content-Length is of the encoded body; it can refuse early, the count below is exact.
        let declared = response.content_length().unwrap_or(0);
        if declared > self.max_bytes {
            return Err(TryError {
                detail: too_large(self.max_bytes),
                retry: false,
            });
        }
        let mut body = Vec::with_capacity(declared.min(self.max_bytes) as usize);
        while let Some(chunk) = response.chunk().await.map_err(request_error)? {
            if body.len() as u64 + chunk.len() as u64 > self.max_bytes {
                return Err(TryError {
                    detail: too_large(self.max_bytes),
                    retry: false,
                });
            }
            budget.take(chunk.len() as u64).map_err(|detail| TryError {
                detail,
                retry: false,
            })?;
            *taken += chunk.len() as u64;
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// A remote source is `https://`; plain `http://` only to a loopback host.
pub(crate) fn check_remote(location: &str) -> Result<(), String> {
    let url = Url::parse(location).map_err(|e| format!("not a URL: {e}"))?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(format!(
            "plain http is refused for a remote source ({host}): use https://"
        )),
    }
}

fn request_error(e: reqwest::Error) -> TryError {
    let retry = !e.is_redirect()
        && (e.is_timeout() || e.is_connect() || e.is_request() || e.is_body() || e.is_decode());
    let mut detail = if e.is_timeout() {
        "timed out".to_string()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        detail.push_str(&format!(": {s}"));
        source = s.source();
    }
    TryError { detail, retry }
}

fn too_large(max: u64) -> String {
    format!(
        "the body is larger than the {} MiB cap",
        max / (1024 * 1024)
    )
}

/// Decodes gzip (one or more members), refusing output over `max` bytes, or over what the
/// budget has left, as it goes.
fn gunzip(bytes: &[u8], max: u64, budget: &Budget) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut decoder = MultiGzDecoder::new(bytes).take(max + 1);
    let mut chunk = vec![0u8; 256 * 1024];
    loop {
        let n = decoder
            .read(&mut chunk)
            .map_err(|e| format!("bad gzip data: {e}"))?;
        if n == 0 {
            break;
        }
        if out.len() as u64 + n as u64 > max {
            budget.give_back(out.len() as u64);
            return Err(too_large(max));
        }
        if let Err(e) = budget.take(n as u64) {
            budget.give_back(out.len() as u64);
            return Err(e);
        }
        out.extend_from_slice(&chunk[..n]);
    }
    Ok(out)
}
