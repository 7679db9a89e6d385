//! The fetch path against HTTP servers started by the tests: retries, timeouts, size cap, gzip.

use std::io::Write;
use std::time::{Duration, Instant};

use etl::Source;
use etl::fetch::Fetcher;
use flate2::Compression;
use flate2::write::GzEncoder;
use testkit::{HttpStub, Reply};

const CSV: &str = "date,cases,deaths\n2020-01-22,1,0\n";
const MIB: u64 = 1024 * 1024;

fn fetcher(timeout_ms: u64, max_bytes: u64) -> Fetcher {
    Fetcher::new(Duration::from_millis(timeout_ms), max_bytes)
        .unwrap()
        .with_backoff(Duration::from_millis(10))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

async fn fetch_err(f: &Fetcher, url: &str) -> String {
    f.fetch(Source::Nyt, url)
        .await
        .expect_err("fetch must fail")
        .to_string()
}

#[tokio::test]
async fn plain_body() {
    let stub = HttpStub::start(vec![Reply::ok(CSV)]);
    let body = fetcher(2000, MIB)
        .fetch(Source::Nyt, &stub.url("/us.csv"))
        .await
        .unwrap();
    assert_eq!(body, CSV.as_bytes());
    assert_eq!(stub.paths(), ["/us.csv"]);
}

#[tokio::test]
async fn server_errors_are_retried_up_to_three_tries() {
    let stub = HttpStub::start(vec![
        Reply::status(503, "busy"),
        Reply::status(502, "bad"),
        Reply::ok(CSV),
    ]);
    let body = fetcher(2000, MIB)
        .fetch(Source::Nyt, &stub.url("/"))
        .await
        .unwrap();
    assert_eq!(body, CSV.as_bytes());
    assert_eq!(stub.hits(), 3);

    let stub = HttpStub::start(vec![Reply::status(500, "down")]);
    let e = fetch_err(&fetcher(2000, MIB), &stub.url("/us.csv")).await;
    assert_eq!(stub.hits(), 3, "at most 3 tries");
    assert!(e.starts_with("NYT us.csv: http://"), "{e}");
    assert!(
        e.contains("HTTP 500 Internal Server Error (after 3 tries)"),
        "{e}"
    );
}

#[tokio::test]
async fn client_errors_are_final() {
    let stub = HttpStub::start(vec![Reply::status(404, "no such file")]);
    let e = fetch_err(&fetcher(2000, MIB), &stub.url("/missing.csv")).await;
    assert_eq!(stub.hits(), 1);
    assert!(e.contains("HTTP 404 Not Found (after 1 try)"), "{e}");
}

#[tokio::test]
async fn timeouts_are_retried_then_reported() {
    let stub = HttpStub::start(vec![Reply::ok(CSV).delay(Duration::from_secs(3))]);
    let started = Instant::now();
    let e = fetch_err(&fetcher(300, MIB), &stub.url("/slow")).await;
    assert!(e.contains("timed out (after 3 tries)"), "{e}");
    assert_eq!(stub.hits(), 3);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "each try must stop at its timeout"
    );

    // A slow first answer, then a quick one.
    let stub = HttpStub::start(vec![
        Reply::ok(CSV).delay(Duration::from_secs(3)),
        Reply::ok(CSV),
    ]);
    assert_eq!(
        fetcher(300, MIB)
            .fetch(Source::Nyt, &stub.url("/"))
            .await
            .unwrap(),
        CSV.as_bytes()
    );
    assert_eq!(stub.hits(), 2);
}

#[tokio::test]
async fn connection_refused_is_retried() {
    let port = testkit::free_port();
    let e = fetch_err(
        &fetcher(500, MIB),
        &format!("http://127.0.0.1:{port}/us.csv"),
    )
    .await;
    assert!(e.contains("(after 3 tries)"), "{e}");
}

#[tokio::test]
async fn size_cap_refuses_declared_and_streamed_bodies() {
    // Declared too large: refused before the body is read.
    let stub = HttpStub::start(vec![Reply::ok(CSV).content_length(2 * MIB as usize)]);
    let e = fetch_err(&fetcher(2000, MIB), &stub.url("/")).await;
    assert!(e.contains("larger than the 1 MiB cap"), "{e}");
    assert_eq!(stub.hits(), 1, "a body over the cap is not retried");

    // A gzip transfer that expands past the cap: refused while streaming the decoded body.
    let bomb = gzip(&vec![b'1'; 3 * MIB as usize]);
    assert!((bomb.len() as u64) < MIB / 10);
    let stub = HttpStub::start(vec![
        Reply::ok(bomb.clone()).header("Content-Encoding", "gzip"),
    ]);
    let e = fetch_err(&fetcher(2000, MIB), &stub.url("/")).await;
    assert!(e.contains("larger than the 1 MiB cap"), "{e}");

    // A gzip file whose content expands past the cap.
    let stub = HttpStub::start(vec![
        Reply::ok(bomb).header("Content-Type", "application/gzip"),
    ]);
    let e = fetch_err(&fetcher(2000, MIB), &stub.url("/data.csv.gz")).await;
    assert!(e.contains("larger than the 1 MiB cap"), "{e}");

    // The default cap is 64 MiB.
    assert_eq!(etl::config::MAX_BODY_BYTES, 64 * MIB);
}

#[tokio::test]
async fn gzip_transfer_encoding_and_gzip_files_are_decoded() {
    let stub = HttpStub::start(vec![
        Reply::ok(gzip(CSV.as_bytes())).header("Content-Encoding", "gzip"),
    ]);
    let body = fetcher(2000, MIB)
        .fetch(Source::Nyt, &stub.url("/"))
        .await
        .unwrap();
    assert_eq!(body, CSV.as_bytes());

    let stub = HttpStub::start(vec![
        Reply::ok(gzip(CSV.as_bytes())).header("Content-Type", "application/gzip"),
    ]);
    let body = fetcher(2000, MIB)
        .fetch(Source::Jhu, &stub.url("/x.csv.gz"))
        .await
        .unwrap();
    assert_eq!(body, CSV.as_bytes());
}

#[tokio::test]
async fn html_answers_are_refused() {
    let page = "<!DOCTYPE html><html><body>Too many requests</body></html>";
    let stub = HttpStub::start(vec![
        Reply::ok(page).header("Content-Type", "text/html; charset=utf-8"),
    ]);
    let e = fetch_err(&fetcher(2000, MIB), &stub.url("/")).await;
    assert!(
        e.contains("got an HTML page (Content-Type text/html; charset=utf-8), not CSV"),
        "{e}"
    );
    assert_eq!(stub.hits(), 1);
}

#[tokio::test]
async fn local_paths_plain_and_gz() {
    let nyt = testkit::snapshot("nyt-us.csv");
    let f = fetcher(2000, 64 * MIB);
    let plain = f.fetch(Source::Nyt, nyt.to_str().unwrap()).await.unwrap();
    assert_eq!(plain, std::fs::read(&nyt).unwrap());
    let url = format!("file://{}", nyt.display());
    assert_eq!(f.fetch(Source::Nyt, &url).await.unwrap(), plain);

    let gz = testkit::snapshot("jhu-time-series-19-covid-combined.csv.gz");
    let jhu = f.fetch(Source::Jhu, gz.to_str().unwrap()).await.unwrap();
    assert!(jhu.starts_with(b"Date,Country/Region,Province/State,Confirmed,Recovered,Deaths"));
    assert_eq!(jhu.iter().filter(|&&b| b == b'\n').count(), 115_081);

    let e = f
        .fetch(Source::Jhu, "/no/such/file.csv")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(
            "JHU time-series-19-covid-combined.csv: /no/such/file.csv: cannot read the file"
        ),
        "{e}"
    );
    let e = fetch_err(&fetcher(2000, 1000), nyt.to_str().unwrap()).await;
    assert!(e.contains("larger than"), "{e}");
}

#[tokio::test]
async fn remote_sources_must_be_https() {
    let f = fetcher(2000, MIB);
    let err = fetch_err(
        &f,
        "http://raw.githubusercontent.com/nytimes/covid-19-data/master/us.csv",
    )
    .await;
    assert!(
        err.contains(
            "plain http is refused for a remote source (raw.githubusercontent.com): use https://"
        ),
        "{err}"
    );
    // Loopback stays allowed (tests, a local mirror), by name or address.
    let stub = HttpStub::start(vec![Reply::ok(CSV)]);
    let url = stub.url("/us.csv").replace("127.0.0.1", "localhost");
    assert_eq!(f.fetch(Source::Nyt, &url).await.unwrap(), CSV.as_bytes());
}

#[tokio::test]
async fn redirects_stay_on_the_source_origin() {
    let elsewhere = HttpStub::start(vec![Reply::ok("secret")]);
    let stub = HttpStub::start(vec![
        Reply::status(302, "").header("Location", "/moved.csv"),
        Reply::ok(CSV),
        Reply::status(302, "").header("Location", &elsewhere.url("/internal")),
    ]);
    let f = fetcher(2000, MIB);
    // Same origin: followed.
    assert_eq!(
        f.fetch(Source::Nyt, &stub.url("/us.csv")).await.unwrap(),
        CSV.as_bytes()
    );
    assert_eq!(stub.paths(), ["/us.csv", "/moved.csv"]);
    // Another origin (here another port of this host): refused, not retried, never reached.
    let err = fetch_err(&f, &stub.url("/us.csv")).await;
    assert!(err.contains("(another origin) is refused"), "{err}");
    assert!(err.contains("after 1 try"), "{err}");
    assert_eq!(elsewhere.hits(), 0);
}
